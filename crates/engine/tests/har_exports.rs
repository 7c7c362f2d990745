//! HAR files as Chromium's and Firefox's DevTools really export them (`tests/data/har/exports/`,
//! recorded against the lab server), read and explained as the browsers behaved when they were
//! recorded: what was sent, what the script could read, which cookies went.
//!
//! Both browsers list a request before its preflight, and Chromium shows a request refused at
//! its preflight with provisional headers only (no `Origin`); these files keep the reader
//! honest about both, which hand-written fixtures did not.

use corslab_engine::Read;
use corslab_engine::har::{self, Har, HarError};

/// What one explained entry shows: method, read, preflight sent, request sent, cookies sent.
#[derive(Debug, PartialEq, Eq)]
struct Shown {
    method: String,
    read: Read,
    preflight_sent: bool,
    request_sent: bool,
    cookies_sent: Vec<String>,
}

/// The same, written short in the tests.
type Expected = (&'static str, Read, bool, bool, &'static [&'static str]);

fn explained(file: &str) -> Result<Vec<Shown>, HarError> {
    let path = format!("{}/../../tests/data/har/exports/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let har = Har::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    Ok(har::exchanges(&har)?
        .into_iter()
        .map(|found| {
            let verdict = har::explain(&found.exchange, found.preflight_cached());
            Shown {
                method: found.exchange.request.method.as_str().to_owned(),
                read: verdict.read,
                preflight_sent: verdict.preflight_sent,
                request_sent: verdict.request_sent,
                cookies_sent: verdict.cookies_sent,
            }
        })
        .collect())
}

fn check(file: &str, expected: &[Expected]) {
    let got = explained(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let want: Vec<Shown> = expected
        .iter()
        .map(|&(method, read, preflight_sent, request_sent, cookies)| Shown {
            method: method.to_owned(),
            read,
            preflight_sent,
            request_sent,
            cookies_sent: cookies.iter().map(|c| (*c).to_owned()).collect(),
        })
        .collect();
    assert_eq!(got, want, "{file}");
}

#[test]
fn a_put_refused_at_its_preflight_never_goes_out() {
    // The giveaway's PUT under the strict allowlist: the server logged only the OPTIONS.
    check("chromium-put-refused-at-preflight.har", &[("PUT", Read::Blocked, true, false, &[])]);
    check("firefox-put-refused-at-preflight.har", &[("PUT", Read::Blocked, true, false, &[])]);
}

#[test]
fn the_second_identical_put_uses_the_cached_preflight() {
    // The server logged OPTIONS, PUT, PUT.
    check(
        "firefox-put-twice-second-cached.har",
        &[
            ("PUT", Read::Allowed, true, true, &["session"]),
            ("PUT", Read::Allowed, false, true, &["session"]),
        ],
    );
}

#[test]
fn a_cookie_sent_on_every_hop_of_a_redirect_is_one_cookie() {
    check("chromium-redirect-with-cookie.har", &[("GET", Read::Allowed, false, true, &["session"])]);
}

#[test]
fn a_read_chromium_recorded_failing_is_explained_with_credentials() {
    // `credentials: 'include'` under `*`, no cookie held cross-site: Chromium refused the read.
    check("chromium-wildcard-with-credentials.har", &[("GET", Read::Blocked, false, true, &[])]);
}

#[test]
fn a_service_workers_answer_is_not_a_second_fetch() {
    // The page's side of the fetch the worker answered is left out; the worker's own fetch
    // is the one that reached the server, and the script read it.
    check("chromium-service-worker.har", &[("GET", Read::Allowed, false, true, &[])]);
}

#[test]
fn websockets_and_data_urls_are_no_cross_origin_fetches() {
    assert_eq!(explained("firefox-websocket.har").err(), Some(HarError::NothingCrossOrigin));
    // The data: URL stays in the browser; the fetch to the other port is the one explained.
    check("firefox-data-url.har", &[("GET", Read::Allowed, false, true, &[])]);
}
