//! `curl -v` traces, read into a HAR: what curl writes to standard error with `-v` (`* ` its
//! notes, `> ` each request's head, `< ` each response's), one entry per request it sent, with
//! the response it got. Several requests in one input (a preflight run by hand and then the
//! request, or `-L` following redirects) are entries in order, which the HAR reader pairs and
//! chains. curl is no browser: the page is the `Origin` the command sent (`-H 'Origin: …'`),
//! and the cookies it sent (`-b`) stand for the browser's.

use corslab_engine::har::{Entry, Har};

/// Whether `text` reads as a `curl -v` trace: no JSON or XML, and a request line curl wrote
/// (`> `) or a note of its first (`* `).
pub fn looks_like_trace(trimmed: &str) -> bool {
    !trimmed.starts_with(['{', '[', '<'])
        && (trimmed.starts_with("* ") || trimmed.lines().any(|l| l.starts_with("> ")))
}

/// Reads a `curl -v` trace (`curl -v … 2>&1`, the body and progress lines among it left out)
/// into a HAR, one entry per request.
pub fn har(text: &str) -> Result<Har, String> {
    let exchanges = exchanges(text);
    if exchanges.is_empty() {
        return Err(
            "the trace holds no request (no line starts with \"> \"); give what curl -v writes, with 2>&1"
                .to_owned(),
        );
    }
    let mut entries = Vec::with_capacity(exchanges.len());
    for (i, exchange) in exchanges.iter().enumerate() {
        entries.push(entry(i + 1, exchange)?);
    }
    if !entries.iter().any(|e| e.request.headers.iter().any(|h| h.name.eq_ignore_ascii_case("origin"))) {
        return Err(
            "no request in the trace carries an Origin header, so nothing says which page fetches; add -H 'Origin: https://page.example' to the curl command"
                .to_owned(),
        );
    }
    if entries.iter().all(is_preflight) {
        return Err(
            "the trace holds only a preflight; the explanation needs the request it asks for too: run curl for that request as well and give both traces, the preflight's first"
                .to_owned(),
        );
    }
    let browser = if super::firefox(&entries) { "Firefox" } else { "Chromium" };
    Ok(super::har("curl", browser, entries))
}

/// One request curl sent: its head's lines, the response head's (the last of any 1xx), whether
/// its connection was TLS, and the line it starts at.
#[derive(Debug, Default)]
struct Sent<'a> {
    line: usize,
    request: Vec<&'a str>,
    response: Vec<&'a str>,
    tls: bool,
}

/// The requests of a trace, in order.
fn exchanges(text: &str) -> Vec<Sent<'_>> {
    let mut sent: Vec<Sent<'_>> = Vec::new();
    // Whether the connection the next request goes over is TLS, as curl's notes say.
    let mut tls = false;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if let Some(note) = line.strip_prefix("* ") {
            // `Trying` opens a new connection; a reused one keeps what was said of it.
            if note.contains("Trying ") {
                tls = false;
            }
            tls |= TLS_NOTES.iter().any(|mark| note.contains(mark));
        } else if let Some(head) = prefixed(line, '>') {
            let starts =
                sent.last().is_none_or(|last| !last.response.is_empty() || head_ended(&last.request));
            if starts && !head.is_empty() {
                sent.push(Sent { line: number + 1, tls, ..Sent::default() });
            }
            if let Some(last) = sent.last_mut() {
                last.request.push(head);
            }
        } else if let Some(head) = prefixed(line, '<') {
            let Some(last) = sent.last_mut() else { continue };
            // A final status replaces any 1xx before it (100 Continue, 103 Early Hints).
            if head.starts_with("HTTP/") {
                last.response.clear();
            }
            last.response.push(head);
        }
    }
    sent
}

/// What curl notes only about a TLS connection: the handshake, ALPN, HTTP/2's `:scheme`.
const TLS_NOTES: [&str; 5] =
    ["SSL connection using", "TLSv1", "ALPN", "OPENED stream for https://", "[:scheme: https]"];

/// A trace line's head text after curl's `> ` or `< ` mark (a bare mark is the blank line that
/// ends a head).
fn prefixed(line: &str, mark: char) -> Option<&str> {
    let rest = line.strip_prefix(mark)?;
    if rest.is_empty() { Some("") } else { rest.strip_prefix(' ') }
}

/// Whether a request head's lines reached the blank line that ends it.
fn head_ended(lines: &[&str]) -> bool {
    lines.iter().skip(1).any(|l| l.is_empty())
}

/// The HAR entry for the `number`th request of the trace.
fn entry(number: usize, sent: &Sent<'_>) -> Result<Entry, String> {
    let request = sent.request.join("\n");
    let response = (!sent.response.is_empty()).then(|| sent.response.join("\n"));
    let (start, headers) = super::lines(&request);
    let where_ = format!("request {number} (line {})", sent.line);
    let mut words = start.split(' ');
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(format!("{where_}: {start:?} is no request line such as GET /path HTTP/1.1"));
    };
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        target.to_owned()
    } else {
        let host = headers.iter().find(|h| h.name.eq_ignore_ascii_case("host")).map(|h| h.value.as_str());
        let Some(host) = host.filter(|h| !h.is_empty()) else {
            return Err(format!(
                "{where_}: no Host header, so the URL is unknown; give the whole trace curl -v writes"
            ));
        };
        format!("{}://{host}{target}", if sent.tls { "https" } else { "http" })
    };
    Ok(super::entry(&url, method, Some(&request), response.as_deref()))
}

fn is_preflight(entry: &Entry) -> bool {
    entry.request.method == "OPTIONS"
        && entry.request.headers.iter().any(|h| h.name.eq_ignore_ascii_case("access-control-request-method"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<Entry> {
        har(text).unwrap().log.unwrap().entries.unwrap()
    }

    #[test]
    fn a_trace_with_progress_and_body_lines_is_one_request_and_its_response() {
        let [get] = &entries(include_str!("../../../../tests/data/curl/reflected-with-cookie.txt"))[..]
        else {
            panic!("one request")
        };
        assert_eq!(
            get.request.url.as_deref(),
            Some("http://api.fintrack.localhost:8080/me/balance?policy=reflect-any-origin")
        );
        assert_eq!(get.request.headers.len(), 5, "{:?}", get.request.headers);
        assert_eq!((get.response.status, get.response.headers.len()), (401, 9));
    }

    #[test]
    fn several_requests_follow_one_another_and_a_redirect_names_its_target() {
        let methods = |text| {
            entries(text).iter().map(|e| (e.request.method.clone(), e.response.status)).collect::<Vec<_>>()
        };
        assert_eq!(
            methods(include_str!("../../../../tests/data/curl/preflight-then-put.txt")),
            [("OPTIONS".to_owned(), 204), ("PUT".to_owned(), 422)]
        );
        let hops = entries(include_str!("../../../../tests/data/curl/redirect-followed.txt"));
        assert_eq!(hops.len(), 2);
        assert_eq!(
            hops[0].response.redirect_url,
            "http://api.fintrack.localhost:8081/me/balance?policy=reflect-any-origin"
        );
        assert_eq!(
            hops[1].request.url.as_deref(),
            Some("http://api.fintrack.localhost:8081/me/balance?policy=reflect-any-origin")
        );
    }

    #[test]
    fn tls_notes_make_the_url_https_and_a_final_status_replaces_an_interim_one() {
        // As curl 8 writes an HTTP/2 exchange over TLS, a 100 Continue before the answer.
        let trace = "* Host api.example.com:443 was resolved.\n*   Trying 203.0.113.7:443...\n\
                     * ALPN: curl offers h2,http/1.1\n* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384\n\
                     * [HTTP/2] [1] OPENED stream for https://api.example.com/me\n\
                     > POST /me HTTP/2\n> Host: api.example.com\n> Origin: https://evil.example\n> Content-Type: text/plain\n>\n\
                     < HTTP/2 100\n<\n< HTTP/2 200 \n< access-control-allow-origin: *\n<\n{\"a\":1}\n";
        let [post] = &entries(trace)[..] else { panic!("one request") };
        assert_eq!(post.request.url.as_deref(), Some("https://api.example.com/me"));
        assert_eq!((post.response.status, post.response.headers.len()), (200, 1));
        // A new connection without TLS notes is plain http again.
        let plain = format!(
            "{trace}*   Trying 203.0.113.7:80...\n> GET /x HTTP/1.1\n> Host: api.example.com\n> Origin: https://evil.example\n>\n"
        );
        assert_eq!(entries(&plain)[1].request.url.as_deref(), Some("http://api.example.com/x"));
    }

    #[test]
    fn a_trace_that_cannot_be_explained_says_what_to_run() {
        let message = har("* Could not resolve host: nowhere.example\n").unwrap_err();
        assert!(message.starts_with("the trace holds no request"), "{message}");
        let message = har("> GET / HTTP/1.1\n> Host: a.example\n>\n< HTTP/1.1 200 OK\n").unwrap_err();
        assert!(message.starts_with("no request in the trace carries an Origin header"), "{message}");
        let preflight = "> OPTIONS / HTTP/1.1\n> Host: a.example\n> Origin: http://b.example\n\
                         > Access-Control-Request-Method: PUT\n>\n< HTTP/1.1 204 No Content\n";
        assert!(har(preflight).unwrap_err().starts_with("the trace holds only a preflight"));
        let message = har("> GET / HTTP/1.1\n> Origin: http://b.example\n>\n").unwrap_err();
        assert_eq!(
            message,
            "request 1 (line 1): no Host header, so the URL is unknown; give the whole trace curl -v writes"
        );
        let message = har("> GET\n> Origin: http://b.example\n").unwrap_err();
        assert!(message.starts_with("request 1 (line 1): \"GET\" is no request line"), "{message}");
    }

    proptest::proptest! {
        /// Any text made of trace-like lines is read or refused with a reason, never a panic.
        #[test]
        fn any_trace_is_read_or_refused_with_a_reason(
            lines in proptest::collection::vec("(> |< |\\* |>|<|)[ -~]{0,40}", 0..24),
        ) {
            let text = lines.join("\n");
            if let Err(message) = har(&text) {
                proptest::prop_assert!(!message.is_empty() && !message.ends_with('.'), "{}", message);
            }
        }
    }

    #[test]
    fn json_and_xml_are_no_traces() {
        assert!(looks_like_trace("*   Trying 127.0.0.1:8080...\n"));
        assert!(looks_like_trace("  % Total    % Received\n> GET / HTTP/1.1\n"));
        assert!(!looks_like_trace("{\"log\": {}}"));
        assert!(!looks_like_trace("<items>\n> x\n"));
        assert!(!looks_like_trace("https://api.example.com/\n"));
    }
}
