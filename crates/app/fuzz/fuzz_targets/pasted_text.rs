//! Fuzzes the playground's readers of pasted text: any text as a cURL command, a request head
//! and a response head. None may panic, and what they read keeps the shape the playground
//! relies on.

#![no_main]

use corslab_app::paste;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match paste::curl(text) {
        Some(Ok(copied)) => {
            assert!(copied.request.url.is_some(), "a command read has a URL");
            assert!(copied.request.method.is_some(), "a command read has a method");
            let mode = copied.mode.as_deref();
            assert!(matches!(mode, None | Some("cors" | "no-cors" | "same-origin")), "{mode:?}");
        }
        Some(Err(problem)) => assert!(!problem.is_empty() && !problem.ends_with('.'), "{problem:?}"),
        None => {}
    }
    if let Some(request) = paste::request(text, "http") {
        assert!(request.origin_from_referrer <= request.origin.is_some());
    }
    if let Some(response) = paste::response(text) {
        assert!((100..=599).contains(&response.status));
    }
});
