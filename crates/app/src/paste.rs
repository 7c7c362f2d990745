//! An HTTP message pasted into the playground as a browser or a tool shows it: the raw headers
//! of Chromium's and Firefox's DevTools (a start line, then `Name: value` lines), HTTP/2's
//! pseudo-headers (`:method`, `:path`, `:status`, …) or a `curl -v` trace (the request's lines
//! after `> `, the response's after `< `), and a request copied from DevTools as a `fetch()` call
//! ("Copy as fetch") or as a cURL command line ("Copy as cURL", [`curl`]). Text that is none of
//! these is header lines already, and the playground keeps it as typed.

mod curl;

pub use curl::command as curl;

use corslab_engine::har::set_by_the_script;
use corslab_engine::header::{Header, get_decode_split_value};
use wasm_bindgen::JsValue;

/// A pasted request, split into the playground's fields.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The request line's method, or `:method`'s.
    pub method: Option<String>,
    /// The URL: the target when absolute, else the scheme, `:authority` or `Host`, and the path.
    pub url: Option<String>,
    /// The page that fetched: the `Origin` header's value, else the origin of its referrer.
    pub origin: Option<String>,
    /// Whether [`origin`](Self::origin) is the referrer's, the request naming no `Origin`.
    pub origin_from_referrer: bool,
    /// The header lines the script set, in order, one per line.
    pub headers: String,
    /// The headers the browser set on its own (`Host`, `Cookie`, `Sec-Fetch-*`, `User-Agent`,
    /// …), which the script did not and the engine must not take for the script's.
    pub left_out: Vec<String>,
    /// Set when the request is a preflight: the names its `Access-Control-Request-Headers`
    /// lists, whose values only the request it asks for carries. Its `method` is then the one
    /// `Access-Control-Request-Method` asks for.
    pub preflight_for: Option<Vec<String>>,
}

/// A request DevTools copied as a command, `fetch()` call or cURL command line, and the mode
/// and credentials it shows, when it shows them.
#[derive(Debug)]
pub struct Copied {
    /// The request.
    pub request: Request,
    /// `cors`, `no-cors` or `same-origin`, as the call names it or `Sec-Fetch-Mode` says.
    pub mode: Option<String>,
    /// `include`, `same-origin` or `omit`, as the call names it or the cookies sent show.
    pub credentials: Option<String>,
}

/// A pasted response head: its status and its header lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    /// The final status (a `100 Continue` before it is passed over).
    pub status: u16,
    /// Its header lines, in order, one per line.
    pub headers: String,
}

/// Reads `text` as a pasted request, or `None` when it is only header lines. A target that is
/// a path takes `scheme` (the URL field's) unless `:scheme` names one.
pub fn request(text: &str, scheme: &str) -> Option<Request> {
    let mut reader = Reader::default();
    let (mut scheme, mut authority, mut target) = (scheme.to_owned(), None, None);
    let mut whole = false;
    for (i, line) in head(side(text, '>')).enumerate() {
        if let Some((method, path)) = request_line(line).filter(|_| i == 0) {
            reader.request.method = Some(method.to_owned());
            target = Some(path.to_owned());
            whole = true;
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            reader.kept.push(line.to_owned());
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() {
            // A pseudo-header: `:name: value`.
            whole = true;
            let (pseudo, value) = value.split_once(':').map_or((value, ""), |(n, v)| (n, v.trim()));
            match pseudo {
                "method" => reader.request.method = Some(value.to_owned()),
                "path" => target = Some(value.to_owned()),
                "authority" => authority = Some(value.to_owned()),
                "scheme" => value.clone_into(&mut scheme),
                _ => {}
            }
            continue;
        }
        if name.eq_ignore_ascii_case("host") {
            authority = authority.or_else(|| Some(value.to_owned()));
        }
        reader.header(name, value, line.to_owned());
    }
    if !whole {
        return None;
    }
    reader.request.url = target.and_then(|target| {
        if target.starts_with("http://") || target.starts_with("https://") {
            Some(target)
        } else {
            authority.filter(|_| target.starts_with('/')).map(|host| format!("{scheme}://{host}{target}"))
        }
    });
    Some(reader.finish())
}

/// Reads `text` as DevTools' "Copy as fetch": Chromium's `fetch("…", {…});` or Firefox's
/// `await fetch("…", {…});`, whose two arguments are JSON, read by the browser's own parser.
/// Both browsers write `"mode": "cors"` whatever the request's mode was, and keep the
/// `Sec-Fetch-Mode` header that tells it, so that header wins. Chromium's "Copy as fetch
/// (Node.js)" names no credentials, but keeps the `Cookie` header that shows them. `None` when
/// the text is no such call. Needs a browser (`JSON.parse`).
pub fn fetch_call(text: &str) -> Option<Copied> {
    let text = text.trim();
    let call = text.strip_prefix("await ").unwrap_or(text).trim_start().strip_prefix("fetch(")?;
    let arguments = call.trim_end().trim_end_matches(';').trim_end().strip_suffix(')')?;
    let parsed = js_sys::JSON::parse(&format!("[{arguments}]")).ok()?;
    let get = |value: &JsValue, key: &str| js_sys::Reflect::get(value, &JsValue::from_str(key)).ok();
    let url = js_sys::Reflect::get_u32(&parsed, 0).ok()?.as_string()?;
    let init = js_sys::Reflect::get_u32(&parsed, 1).ok().filter(JsValue::is_object);
    let field = |key: &str| init.as_ref().and_then(|init| get(init, key)).and_then(|v| v.as_string());
    let mut reader = Reader {
        request: Request {
            method: Some(field("method").unwrap_or_else(|| "GET".to_owned())),
            url: Some(url),
            ..Request::default()
        },
        referrer: field("referrer"),
        ..Reader::default()
    };
    let headers = init.as_ref().and_then(|init| get(init, "headers")).filter(JsValue::is_object);
    for pair in
        headers.iter().flat_map(|h| js_sys::Object::entries(wasm_bindgen::JsCast::unchecked_ref(h)).to_vec())
    {
        let name = js_sys::Reflect::get_u32(&pair, 0).ok().and_then(|n| n.as_string()).unwrap_or_default();
        let value = js_sys::Reflect::get_u32(&pair, 1).ok().and_then(|v| v.as_string()).unwrap_or_default();
        let line = format!("{name}: {value}");
        reader.header(&name, &value, line);
    }
    let mut copied = reader.copied();
    // What the call names counts where its headers show nothing; a call that names nothing
    // gets fetch()'s defaults.
    copied.mode = copied.mode.or_else(|| field("mode")).or_else(|| Some("cors".to_owned()));
    copied.credentials =
        field("credentials").or(copied.credentials).or_else(|| Some("same-origin".to_owned()));
    Some(copied)
}

/// Reads `text` as a pasted response head, or `None` when it has no status line and no
/// `:status`, being only header lines.
pub fn response(text: &str) -> Option<Response> {
    let mut status: Option<u16> = None;
    let mut headers = Vec::new();
    for line in side(text, '<') {
        let line = line.trim();
        let final_seen = status.is_some_and(|s| s >= 200);
        let starts = status_line(line).or_else(|| line.strip_prefix(":status:").and_then(code));
        if let Some(code) = starts {
            if final_seen {
                // The next response of a trace that followed a redirect.
                break;
            }
            status = Some(code);
            headers.clear();
        } else if line.is_empty() {
            // The blank line that ends a final response's head; a body may follow.
            if final_seen {
                break;
            }
        } else if status.is_some() && !line.starts_with(':') {
            headers.push(line);
        }
    }
    status.map(|status| Response { status, headers: headers.join("\n") })
}

/// The answer in a whole `curl -v` trace (its `< ` lines), or `None` when the text is no trace
/// or holds no answer.
pub fn traced_response(text: &str) -> Option<Response> {
    text.lines().any(|l| l.starts_with("< ")).then(|| response(text)).flatten()
}

/// Reads a request's headers one at a time: the ones that say who fetched and what a
/// preflight asks for go to their fields, and the rest are sorted into the script's and the
/// browser's own.
#[derive(Debug, Default)]
struct Reader {
    request: Request,
    /// The script's header lines, and lines that are no header, so the playground names them.
    kept: Vec<String>,
    referrer: Option<String>,
    asked_method: Option<String>,
    asked_headers: Vec<String>,
    /// `Sec-Fetch-Mode`'s value, when it is a mode a script can choose.
    fetch_mode: Option<String>,
    /// Whether a `Cookie` header went with the request.
    cookies: bool,
}

impl Reader {
    /// Reads one header; `line` is how it was written, kept as it is when it is the script's.
    fn header(&mut self, name: &str, value: &str, line: String) {
        match name.to_ascii_lowercase().as_str() {
            "origin" => self.request.origin = Some(value.to_owned()),
            "referer" => self.referrer = Some(value.to_owned()),
            "access-control-request-method" => self.asked_method = Some(value.to_owned()),
            "access-control-request-headers" => {
                self.asked_headers = get_decode_split_value(value);
                self.asked_headers.retain(|name| !name.is_empty());
            }
            "sec-fetch-mode" if matches!(value, "cors" | "no-cors" | "same-origin") => {
                self.fetch_mode = Some(value.to_owned());
            }
            "cookie" => self.cookies = true,
            _ => {}
        }
        match Header::new(name, value) {
            Ok(header) if !set_by_the_script(&header) => self.request.left_out.push(name.to_owned()),
            _ => self.kept.push(line),
        }
    }

    /// The request read: a preflight stands for the request it asks for, and without an
    /// `Origin` the page is the referrer's origin.
    fn finish(mut self) -> Request {
        let mut request = self.request;
        request.headers = self.kept.join("\n");
        if request.origin.is_none() {
            request.origin = self.referrer.take().and_then(|referrer| origin_of(&referrer));
            request.origin_from_referrer = request.origin.is_some();
        }
        if let Some(method) = self.asked_method.filter(|_| request.method.as_deref() == Some("OPTIONS")) {
            request.method = Some(method);
            request.preflight_for = Some(self.asked_headers);
        }
        request
    }

    /// The request read, as a copied command shows it: the mode `Sec-Fetch-Mode` names, and
    /// credentials `include` when cookies went to another origin, which only a script that
    /// asked for them sends.
    fn copied(mut self) -> Copied {
        let mode = self.fetch_mode.take();
        let cookies = self.cookies;
        let request = self.finish();
        let cross_origin = request.origin.as_deref().is_some_and(|page| {
            request.url.as_deref().and_then(origin_of).is_some_and(|target| target != page)
        });
        let credentials = (cookies && cross_origin).then(|| "include".to_owned());
        Copied { request, mode, credentials }
    }
}

/// The lines of one side of a `curl -v` trace (`mark` `>` the request, `<` the response), or
/// every line when the text is no such trace.
fn side(text: &str, mark: char) -> impl Iterator<Item = &str> {
    let trace = text.lines().any(|l| l.starts_with("> ") || l.starts_with("< "));
    text.lines().filter_map(move |line| {
        if trace {
            line.strip_prefix(mark).map(|rest| rest.strip_prefix(' ').unwrap_or(rest))
        } else {
            Some(line)
        }
    })
}

/// A message head's lines, trimmed: from the first that is not blank to the blank one that
/// ends it (a body may follow).
fn head<'a>(lines: impl Iterator<Item = &'a str>) -> impl Iterator<Item = &'a str> {
    lines.map(str::trim).skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty())
}

/// `GET /path HTTP/1.1`: the method and the target.
fn request_line(line: &str) -> Option<(&str, &str)> {
    let mut words = line.split_whitespace();
    let (method, target, version) = (words.next()?, words.next()?, words.next()?);
    (version.starts_with("HTTP/") && words.next().is_none() && !method.contains(':'))
        .then_some((method, target))
}

/// `HTTP/1.1 204 No Content` or `HTTP/2 200`: the status.
fn status_line(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("HTTP/")?;
    code(rest.split_whitespace().nth(1)?)
}

fn code(text: &str) -> Option<u16> {
    text.trim().parse().ok().filter(|s| (100..=599).contains(s))
}

/// The ASCII serialization of a URL's origin; `None` for no URL or an opaque origin.
fn origin_of(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_request_fills_the_fields_and_leaves_the_browsers_headers_out() {
        let text = "PUT /me/email HTTP/1.1\r\nHost: api.fintrack.localhost:8080\r\n\
                    Origin: http://blog.fintrack.localhost:8080\r\nCookie: session=abc\r\n\
                    Content-Type: application/json\r\nX-Csrf: 1\r\nUser-Agent: Mozilla/5.0\r\n\
                    Sec-Fetch-Mode: cors\r\nAccept: */*\r\n\r\n{\"email\": \"x\"}";
        let pasted = request(text, "http").unwrap();
        assert_eq!(pasted.method.as_deref(), Some("PUT"));
        assert_eq!(pasted.url.as_deref(), Some("http://api.fintrack.localhost:8080/me/email"));
        assert_eq!(pasted.origin.as_deref(), Some("http://blog.fintrack.localhost:8080"));
        assert_eq!(pasted.headers, "Content-Type: application/json\nX-Csrf: 1");
        assert_eq!(pasted.left_out, ["Host", "Origin", "Cookie", "User-Agent", "Sec-Fetch-Mode", "Accept"]);
    }

    #[test]
    fn http2_pseudo_headers_and_curl_traces_are_requests_too() {
        let h2 = ":authority: api.example\n:method: DELETE\n:path: /items/1\n:scheme: https\nx-token: t\nif-none-match: \"v1\"\npriority: u=1, i";
        let pasted = request(h2, "http").unwrap();
        assert_eq!(pasted.method.as_deref(), Some("DELETE"));
        assert_eq!(pasted.url.as_deref(), Some("https://api.example/items/1"));
        assert_eq!(
            (pasted.headers.as_str(), pasted.left_out.as_slice()),
            ("x-token: t", &["if-none-match".to_owned(), "priority".to_owned()][..])
        );

        let trace = "* Connected to api.example\n> GET /a HTTP/1.1\n> Host: api.example\n> X-A: 1\n> \n< HTTP/1.1 200 OK\n< X-B: 2\n";
        let pasted = request(trace, "https").unwrap();
        assert_eq!(pasted.url.as_deref(), Some("https://api.example/a"));
        assert_eq!(pasted.headers, "X-A: 1");
        assert_eq!(response(trace), Some(Response { status: 200, headers: "X-B: 2".to_owned() }));
        assert_eq!(traced_response(trace), response(trace));
        // A response head pasted alone is no trace: the request field leaves it be.
        assert_eq!(traced_response("HTTP/1.1 200 OK\nX-B: 2"), None);
    }

    #[test]
    fn a_pasted_preflight_stands_for_the_request_it_asks_for() {
        let text = "OPTIONS /me/email HTTP/1.1\nHost: api.example\nAccess-Control-Request-Method: PUT\n\
                    Access-Control-Request-Headers: content-type,x-csrf\nOrigin: http://a.example";
        let pasted = request(text, "http").unwrap();
        assert_eq!(pasted.method.as_deref(), Some("PUT"));
        assert_eq!(pasted.preflight_for, Some(vec!["content-type".to_owned(), "x-csrf".to_owned()]));
        assert_eq!(pasted.headers, "");
        // An OPTIONS request a script sends itself is no preflight.
        let own = request("OPTIONS /x HTTP/1.1\nHost: api.example\nX-A: 1", "http").unwrap();
        assert_eq!((own.method.as_deref(), own.preflight_for), (Some("OPTIONS"), None));
    }

    #[test]
    fn without_an_origin_the_page_is_the_referrers_origin() {
        // A same-origin GET sends no Origin; its Referer still names the page.
        let text = "GET /me/balance HTTP/1.1\nHost: fintrack.localhost:8080\n\
                    Referer: http://fintrack.localhost:8080/dashboard?tab=1\nX-A: 1";
        let pasted = request(text, "http").unwrap();
        assert_eq!(pasted.origin.as_deref(), Some("http://fintrack.localhost:8080"));
        assert!(pasted.origin_from_referrer);
        // An Origin wins over the Referer, and a referrer with an opaque origin names no page.
        let both = request("GET /x HTTP/1.1\nOrigin: null\nReferer: http://a.example/", "http").unwrap();
        assert_eq!((both.origin.as_deref(), both.origin_from_referrer), (Some("null"), false));
        let opaque = request("GET /x HTTP/1.1\nReferer: data:text/html,x", "http").unwrap();
        assert_eq!(opaque.origin, None);
    }

    #[test]
    fn header_lines_alone_are_not_a_pasted_message() {
        assert_eq!(request("Cache-Control: no-cache\nX-A: 1", "http"), None);
        assert_eq!(response("Access-Control-Allow-Origin: *"), None);
        assert_eq!(response(""), None);
    }

    #[test]
    fn a_request_keeps_what_is_not_a_header_for_the_playground_to_name() {
        let pasted = request("GET http://api.example/x HTTP/1.1\nno colon\nBad Name: 1", "http").unwrap();
        assert_eq!(pasted.url.as_deref(), Some("http://api.example/x"));
        assert_eq!(pasted.headers, "no colon\nBad Name: 1");
        // Without a host to put it on, a path is no URL: the URL field stays as it was.
        assert_eq!(request("GET /x HTTP/1.1", "http").unwrap().url, None);
    }

    #[test]
    fn a_response_head_passes_over_continue_and_stops_at_the_body_or_the_next_response() {
        let text = "HTTP/1.1 100 Continue\n\nHTTP/1.1 204 No Content\nAccess-Control-Allow-Origin: *\n\
                    Vary: Origin\n\nbody: not a header\nHTTP/1.1 200 OK";
        let head = response(text).unwrap();
        assert_eq!(head.status, 204);
        assert_eq!(head.headers, "Access-Control-Allow-Origin: *\nVary: Origin");
        let redirected = "HTTP/2 302\nlocation: /b\nHTTP/2 200\nx: y";
        assert_eq!(response(redirected).unwrap().headers, "location: /b");
        assert_eq!(response(":status: 403\ncontent-type: text/plain").unwrap().status, 403);
        assert_eq!(response("HTTP/1.1 999 Nope"), None);
    }
}
