//! Header parsing stays linear in the size of its input: a megabyte-long list header costs about
//! ten times what a hundred kilobytes cost, not a hundred times. Judged by the ratio of two sizes,
//! so the test does not depend on how fast the machine is.

use std::time::{Duration, Instant};

use corslab_engine::cors_headers::CorsHeaders;
use corslab_engine::exchange::{Answer, CredentialsMode};
use corslab_engine::header::{Header, HeaderList, get_decode_split_value};
use corslab_engine::method::Method;
use corslab_engine::preflight::{self, Asking};
use corslab_engine::profile::Profile;
use corslab_engine::safelist::{ListReading, SafelistReading};
use corslab_engine::{Browser, exposed, safelist};

/// The fastest of a few runs, which filters out scheduler noise.
fn fastest(run: impl Fn()) -> Duration {
    (0..7)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// `a0, a1, …` (with empty items and quoted commas mixed in) of about `bytes` bytes.
fn list(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 16);
    let mut i = 0;
    while out.len() < bytes {
        match i % 7 {
            0 => out.push_str(" , "),
            1 => out.push_str("\"q,u\\\"o,ted\", "),
            _ => out.push_str(&format!("x-h{i}, ")),
        }
        i += 1;
    }
    out
}

fn assert_linear(what: &str, run: impl Fn(usize)) {
    let small = fastest(|| run(200_000));
    let large = fastest(|| run(1_000_000));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
    // Five times the input: linear work gives about 5, quadratic about 25.
    assert!(
        ratio < 15.0,
        "{what}: 1 MB took {large:?}, 200 kB took {small:?}: ratio {ratio:.1} is not linear"
    );
}

/// One test runs the three measurements in turn, so they never compete for a core.
#[test]
fn header_parsing_is_linear_in_input_size() {
    splitting_a_megabyte_list();
    a_megabyte_allow_headers_answer();
    a_megabyte_of_exposed_headers();
    many_repeated_request_headers();
}

fn splitting_a_megabyte_list() {
    assert_linear("get, decode and split", |n| {
        let text = list(n);
        assert!(get_decode_split_value(&text).len() > n / 20);
    });
}

fn a_megabyte_allow_headers_answer() {
    assert_linear("preflight check", |n| {
        let value = list(n).replace(['"', '\\'], "");
        let answer = Answer {
            status: 204,
            headers: [
                Header::new("Access-Control-Allow-Origin", "http://a.localhost").unwrap(),
                Header::new("Access-Control-Allow-Headers", &value).unwrap(),
                Header::new("Access-Control-Allow-Methods", &value).unwrap(),
            ]
            .into_iter()
            .collect(),
        };
        let method = Method::new("x-h2").unwrap();
        let headers: HeaderList =
            (0..n / 1000).map(|i| Header::new(&format!("x-h{}", i * 7 + 2), "1").unwrap()).collect();
        let unsafe_names = safelist::cors_unsafe_request_header_names(&headers);
        let asking = Asking {
            method: &method,
            headers: &headers,
            unsafe_names: &unsafe_names,
            credentials: CredentialsMode::Omit,
            serialized_origin: "http://a.localhost",
        };
        let _ = preflight::check(
            asking,
            &answer,
            &CorsHeaders::read(&answer.headers),
            &Profile::of(Browser::Chromium),
        );
    });
}

fn a_megabyte_of_exposed_headers() {
    assert_linear("exposed headers", |n| {
        let mut headers: HeaderList =
            (0..n / 100).map(|i| Header::new(&format!("x-r{i}"), "1").unwrap()).collect();
        headers
            .append(Header::new("Access-Control-Expose-Headers", &list(n).replace(['"', '\\'], "")).unwrap());
        let _ = exposed::cors_exposed(&headers, &CorsHeaders::read(&headers), CredentialsMode::Include);
    });
}

fn many_repeated_request_headers() {
    assert_linear("repeated request headers, as Chromium reads them", |n| {
        // Many names, each set twice, and one name set very often.
        let headers: HeaderList = (0..n / 100)
            .map(|i| match i % 3 {
                0 => Header::new("Accept", "text/plain").unwrap(),
                _ => Header::new(&format!("x-h{}", i / 2), "1").unwrap(),
            })
            .collect();
        let unsafe_names = safelist::cors_unsafe_request_header_names_as(
            &headers,
            SafelistReading { list: ListReading::Combined, ..SafelistReading::SPEC },
        );
        assert!(!unsafe_names.names.is_empty());
    });
}
