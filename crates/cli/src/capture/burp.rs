//! Items saved from Burp Suite ("Save items" in the proxy history or any list of requests, an
//! XML file), read into a HAR so the engine's HAR reader finds the cross-origin exchanges among
//! them. Each item holds the raw request and response as they crossed the proxy, base64-encoded
//! or not; only their heads count here. A page proxied through Burp sends what it would send
//! anyway (`Origin`, `Cookie`, `Sec-Fetch-*`), so the heads tell what a HAR's entries tell.

use base64::Engine as _;
use corslab_engine::har::{Entry, Har};
use quick_xml::events::Event;

/// Reads the items of a Burp Suite XML file into a HAR, one entry per item, in file order.
/// The browser is Firefox when the first request's `User-Agent` says so, else Chromium (Burp's
/// own browser).
pub fn har(text: &str) -> Result<Har, String> {
    let entries = entries(text)?;
    if entries.is_empty() {
        return Err("the file holds no <item>; save the requests from Burp Suite with Save items".to_owned());
    }
    let browser = if super::firefox(&entries) { "Firefox" } else { "Chromium" };
    Ok(super::har("Burp Suite", browser, entries))
}

/// Whether `text` opens as a Burp Suite file does: XML whose first element is `<items>`.
pub fn looks_like_burp(trimmed: &str) -> bool {
    trimmed.starts_with("<?xml") || trimmed.starts_with("<items") || trimmed.starts_with("<!DOCTYPE items")
}

/// One `<item>` as the file has it: the text of the elements this reader uses.
#[derive(Debug, Default)]
struct Item {
    url: String,
    method: String,
    request: Raw,
    response: Raw,
}

/// A `<request>` or `<response>`: its text, and whether `base64="true"` marks it encoded.
#[derive(Debug, Default)]
struct Raw {
    text: String,
    base64: bool,
}

/// The file's `<item>`s as HAR entries, or where the XML breaks. Each item is turned into its
/// entry as it ends, so only one item's text is held at a time.
fn entries(text: &str) -> Result<Vec<Entry>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut entries = Vec::new();
    let mut root = false;
    // The item being read, and the element of it whose text is being read.
    let mut item: Option<Item> = None;
    let mut field: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            let (line, column) = line_column(text, reader.error_position());
            format!("line {line}, column {column}: {e}; is this a file saved from Burp Suite?")
        })?;
        match event {
            Event::Start(element) => {
                let name = element.local_name();
                match (name.as_ref(), item.as_mut()) {
                    ("items", _) => root = true,
                    ("item", _) if root => item = Some(Item::default()),
                    (name @ ("request" | "response"), Some(item)) => {
                        let base64 = element.try_get_attribute("base64").ok().flatten();
                        raw(item, name).base64 = base64.is_some_and(|a| a.value == "true");
                        field = Some(name.to_owned());
                    }
                    (name, Some(_)) => field = Some(name.to_owned()),
                    _ => {}
                }
            }
            Event::End(element) => {
                field = None;
                if element.local_name().as_ref() == "item"
                    && let Some(item) = item.take()
                {
                    entries.push(entry(entries.len() + 1, &item)?);
                }
            }
            Event::Text(t) => push(item.as_mut(), field.as_deref(), &t.xml10_content()),
            Event::CData(t) => push(item.as_mut(), field.as_deref(), &t.xml10_content()),
            Event::GeneralRef(r) => {
                // `&lt;`, `&#10;` and their kin, between pieces of text.
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .unwrap_or_default()
                        .to_owned(),
                };
                push(item.as_mut(), field.as_deref(), &resolved);
            }
            Event::Eof if item.is_some() => {
                let number = entries.len() + 1;
                return Err(format!(
                    "item {number}: the file ends inside it; save the requests from Burp Suite again"
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err(
            "the XML has no <items> element; save the requests from Burp Suite with Save items".to_owned()
        );
    }
    Ok(entries)
}

fn raw<'a>(item: &'a mut Item, name: &str) -> &'a mut Raw {
    if name == "request" { &mut item.request } else { &mut item.response }
}

/// Adds a piece of text to the field of the item being read.
fn push(item: Option<&mut Item>, field: Option<&str>, text: &str) {
    let (Some(item), Some(field)) = (item, field) else { return };
    match field {
        "url" => item.url.push_str(text),
        "method" => item.method.push_str(text),
        "request" | "response" => raw(item, field).text.push_str(text),
        _ => {}
    }
}

/// The HAR entry for the `number`th item (counting from 1).
fn entry(number: usize, item: &Item) -> Result<Entry, String> {
    let url = item.url.trim();
    if url.is_empty() {
        return Err(format!("item {number}: no <url>; save the requests from Burp Suite again"));
    }
    let request = head(number, "request", &item.request)?;
    let response = head(number, "response", &item.response)?;
    Ok(super::entry(url, item.method.trim(), request.as_deref(), response.as_deref()))
}

/// A request's or response's head (up to the blank line), decoded; `None` when it is empty.
/// Of a base64 body only enough is decoded to reach the end of the head.
fn head(number: usize, what: &str, raw: &Raw) -> Result<Option<String>, String> {
    let text = raw.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let end = |bytes: &[u8]| {
        let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n");
        let lf = bytes.windows(2).position(|w| w == b"\n\n");
        crlf.into_iter().chain(lf).min()
    };
    if !raw.base64 {
        let at = end(text.as_bytes()).unwrap_or(text.len());
        return Ok(Some(text[..at].to_owned()));
    }
    // Line breaks, where a tool wrapped the encoding, are no part of it.
    let unwrapped: String;
    let text = if text.contains(|c: char| c.is_ascii_whitespace()) {
        unwrapped = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        &unwrapped
    } else {
        text
    };
    // Whole groups of four characters, so that each piece decodes on its own.
    const PIECE: usize = 4 * 1024;
    let mut bytes = Vec::new();
    for piece in text.as_bytes().chunks(PIECE) {
        base64::engine::general_purpose::STANDARD.decode_vec(piece, &mut bytes).map_err(|e| {
            format!("item {number}: <{what}> is marked base64 but is not ({e}); save the requests from Burp Suite again")
        })?;
        if let Some(at) = end(&bytes) {
            bytes.truncate(at);
            break;
        }
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The line and column (from 1, in characters) of byte `at` of `text`.
fn line_column(text: &str, at: u64) -> (usize, usize) {
    let before = &text.as_bytes()[..usize::try_from(at).unwrap_or(usize::MAX).min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, String::from_utf8_lossy(&before[start..]).chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(request: &str, response: &str) -> String {
        format!("<item><url><![CDATA[http://api.example/a]]></url>{request}{response}</item>")
    }

    #[test]
    fn a_head_is_read_from_base64_or_text_and_stops_at_the_blank_line() {
        let request = "PUT /a HTTP/1.1\r\nHost: api.example\r\nOrigin: http://page.example\r\n\r\n{\"a\":1}";
        // Wrapped at 76 characters, as MIME tools write base64.
        let encoded = base64::engine::general_purpose::STANDARD.encode(request);
        let encoded = encoded
            .as_bytes()
            .chunks(76)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        // A body many pieces long: only the head is decoded.
        let body = "x".repeat(20_000);
        let response =
            format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: /b\r\nX-A: 1 &amp; 2\r\n\r\n{body}");
        let xml = format!(
            "<?xml version=\"1.0\"?><items burpVersion=\"2025.1\">{}{}</items>",
            item(
                &format!("<request base64=\"true\">{encoded}</request>"),
                &format!("<response base64=\"false\"><![CDATA[{response}]]></response>")
            ),
            item(
                "<request base64=\"false\">GET /a HTTP/1.1\nX-B: &lt;b&gt;&#33;\n</request>",
                "<response></response>"
            ),
        );
        let entries = har(&xml).unwrap().log.unwrap().entries.unwrap();
        let [put, get] = &entries[..] else { panic!("two entries: {entries:?}") };
        assert_eq!(put.request.method, "PUT");
        assert_eq!(put.request.url.as_deref(), Some("http://api.example/a"));
        assert_eq!(
            put.request.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect::<Vec<_>>(),
            [("Host", "api.example"), ("Origin", "http://page.example")]
        );
        assert_eq!((put.response.status, put.response.redirect_url.as_str()), (307, "/b"));
        // Inside CDATA an entity is text; outside, it is resolved.
        assert_eq!(put.response.headers[1].value, "1 &amp; 2");
        assert_eq!(get.request.headers[0].value, "<b>!");
        // No response recorded: status 0, as a HAR says it.
        assert_eq!((get.response.status, get.response.headers.len()), (0, 0));
    }

    #[test]
    fn the_browser_is_firefox_when_its_user_agent_says_so() {
        let ua = |ua: &str| {
            let xml = format!(
                "<items>{}</items>",
                item(&format!("<request>GET / HTTP/1.1\nUser-Agent: {ua}\n\n</request>"), "")
            );
            har(&xml).unwrap().log.unwrap().browser.unwrap().name
        };
        assert_eq!(ua("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"), "Firefox");
        assert_eq!(
            ua("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/142.0.0.0 Safari/537.36"),
            "Chromium"
        );
    }

    proptest::proptest! {
        /// Any text, alone or as an item's parts, is read or refused, never a panic; a refusal
        /// says where or what.
        #[test]
        fn any_text_is_read_or_refused_with_a_reason(
            text in "\\PC*",
            request in "[ -~\r\n\u{e9}&<>\\]\\[]{0,80}",
            base64 in proptest::bool::ANY,
        ) {
            if let Err(message) = har(&text) {
                proptest::prop_assert!(!message.is_empty());
            }
            let flag = if base64 { "true" } else { "false" };
            let xml = format!("<items><item><url>{text}</url><request base64=\"{flag}\">{request}</request></item></items>");
            if let Err(message) = har(&xml) {
                proptest::prop_assert!(message.starts_with("item 1: ") || message.starts_with("line "), "{}", message);
            }
        }
    }

    #[test]
    fn broken_files_say_where_and_what() {
        let message = har("<items>\n  <item>\n    <url>x</uri>\n</items>").unwrap_err();
        assert!(message.starts_with("line 3, column "), "{message}");
        assert!(message.ends_with("is this a file saved from Burp Suite?"), "{message}");

        let message = har("<?xml version=\"1.0\"?><issues></issues>").unwrap_err();
        assert_eq!(
            message,
            "the XML has no <items> element; save the requests from Burp Suite with Save items"
        );
        let message = har("<items></items>").unwrap_err();
        assert_eq!(message, "the file holds no <item>; save the requests from Burp Suite with Save items");

        let message = har("<items><item><url>http://a.example/</url><request>GET / HTTP/1.1").unwrap_err();
        assert_eq!(message, "item 1: the file ends inside it; save the requests from Burp Suite again");
        let message = har("<items><item><request>GET / HTTP/1.1</request></item></items>").unwrap_err();
        assert_eq!(message, "item 1: no <url>; save the requests from Burp Suite again");
        let xml = format!("<items>{}</items>", item("<request base64=\"true\">not base64!</request>", ""));
        let message = har(&xml).unwrap_err();
        assert!(message.starts_with("item 1: <request> is marked base64 but is not ("), "{message}");
    }
}
