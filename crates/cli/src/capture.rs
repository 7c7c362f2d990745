//! Captures that are no HAR, read into one so that the engine's HAR reader finds the
//! cross-origin exchanges in them, pairs preflights and follows redirects as it does for a HAR:
//! items saved from Burp Suite ([`burp`]) and `curl -v` traces ([`trace`]). Both hold raw HTTP
//! heads; this module turns a request head and a response head into a HAR entry.

pub mod burp;
pub mod trace;

use corslab_engine::har::{Entry, Har, Log, NameValue, Request, Response, Software};

/// Whether `text` is a capture this module reads, rather than JSON.
pub fn recognizes(trimmed: &str) -> bool {
    burp::looks_like_burp(trimmed) || trace::looks_like_trace(trimmed)
}

/// The text of a file that is not UTF-8 throughout, when it is a capture this module reads:
/// Burp Suite and curl write bodies as they came, in whatever encoding, and only the heads,
/// which are ASCII, are read. `None` for any other bytes.
pub fn lossy_text(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    recognizes(text.trim_start()).then(|| text.into_owned())
}

/// A HAR of `entries`, written by `creator` for `browser` (`Chromium` or `Firefox`).
fn har(creator: &str, browser: &str, entries: Vec<Entry>) -> Har {
    let software = |name: &str| Some(Software { name: name.to_owned() });
    Har {
        log: Some(Log {
            creator: software(creator),
            browser: software(browser),
            pages: Vec::new(),
            entries: Some(entries),
        }),
    }
}

/// The HAR entry of a request to `url`, its head's start line (`GET /path HTTP/1.1`) giving the
/// method unless it has none (then `method`), and of its response head (`None` when none was
/// recorded: status 0, as a HAR says it). A redirect's `Location` is its `redirectURL`.
fn entry(url: &str, method: &str, request: Option<&str>, response: Option<&str>) -> Entry {
    let (start, headers) = request.map(lines).unwrap_or_default();
    let method = start.split(' ').next().filter(|m| !m.is_empty()).unwrap_or(method);
    let (status_line, response_headers) = response.map(lines).unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let redirect_url = response_headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("location") && (300..400).contains(&status))
        .map(|h| h.value.clone())
        .unwrap_or_default();
    Entry {
        request: Request {
            method: method.to_owned(),
            url: Some(url.to_owned()),
            headers,
            cookies: Vec::new(),
        },
        response: Response { status, headers: response_headers, redirect_url, ..Response::default() },
        ..Entry::default()
    }
}

/// Whether the first request of `entries` names Firefox in its `User-Agent`.
fn firefox(entries: &[Entry]) -> bool {
    entries.first().is_some_and(|e| {
        e.request
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("user-agent") && h.value.contains("Firefox/"))
    })
}

/// A head's start line and its `Name: value` header lines; a line that is no header is left out.
fn lines(head: &str) -> (String, Vec<NameValue>) {
    let mut lines = head.lines().map(|l| l.trim_end_matches('\r'));
    let start = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| NameValue { name: name.trim().to_owned(), value: value.trim().to_owned() })
        .filter(|h| !h.name.is_empty())
        .collect();
    (start, headers)
}
