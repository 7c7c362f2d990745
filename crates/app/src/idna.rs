//! Unicode host names through the browser's own URL parser. The release build's `url` crate
//! knows only ASCII host names (its IDNA tables would cost 47 KB of gzipped Wasm: see
//! `www/Cargo.toml`), so whatever a person types or a script passes is converted here first,
//! exactly as this browser converts it before anything goes on the wire
//! (`bücher.example` → `xn--bcher-kva.example`).

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A URL with its host in ASCII, as this browser would request it; ASCII input is returned
/// unchanged, and input the browser cannot parse is left for the engine to name.
pub fn ascii_url(input: &str) -> String {
    if input.is_ascii() {
        return input.to_owned();
    }
    web_sys::Url::new(input).map_or_else(|_| input.to_owned(), |url| url.href())
}

/// A serialized origin (or page URL) with its host in ASCII; `null` and ASCII input unchanged.
pub fn ascii_origin(input: &str) -> String {
    if input.is_ascii() {
        return input.to_owned();
    }
    web_sys::Url::new(input).map_or_else(|_| input.to_owned(), |url| url.origin())
}

/// Converts the origin and URL fields of an Exchange given as a JavaScript object (`page`,
/// `top_level`, `request.url`) in place, before the engine reads it.
pub fn ascii_exchange(exchange: &JsValue) {
    let convert = |object: &JsValue, field: &str, to_ascii: fn(&str) -> String| {
        let key = JsValue::from_str(field);
        if let Some(text) = Reflect::get(object, &key).ok().and_then(|v| v.as_string()) {
            let _ = Reflect::set(object, &key, &JsValue::from_str(&to_ascii(&text)));
        }
    };
    convert(exchange, "page", ascii_origin);
    convert(exchange, "top_level", ascii_origin);
    if let Ok(request) = Reflect::get(exchange, &JsValue::from_str("request")) {
        convert(&request, "url", ascii_url);
    }
}
