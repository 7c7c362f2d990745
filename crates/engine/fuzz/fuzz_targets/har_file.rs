//! Fuzzes the HAR reader: any text either fails to parse with a located error, or is refused
//! with a reason that names where, or becomes cross-origin Exchanges that each explain without
//! panicking and read back from their own JSON unchanged.

#![no_main]

use corslab_engine::har::{self, Har};
use corslab_engine::{Exchange, explain};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let har = match Har::from_json(text) {
        Ok(har) => har,
        Err(error) => {
            assert!(error.line >= 1, "errors are located: {error}");
            return;
        }
    };
    let found = match har::exchanges(&har) {
        Ok(found) => found,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    let entries = har.log.as_ref().and_then(|log| log.entries.as_ref()).map_or(0, Vec::len);
    assert!(!found.is_empty(), "a HAR that reads has an exchange to explain");
    for one in &found {
        assert!(one.entry < entries, "entry {} of {entries}", one.entry);
        let verdict = explain(&one.exchange);
        assert!(one.assumed_steps().count() == one.assumed.len());
        assert!(serde_json::to_string(&verdict).is_ok());
        let json = serde_json::to_string(&one.exchange).expect("an Exchange serializes");
        let again = Exchange::from_json(&json).unwrap_or_else(|e| panic!("{json}\ndoes not read back: {e}"));
        assert_eq!(again, one.exchange, "round trip through JSON");
    }
});
