//! Fuzzes the Exchange JSON reader and the whole verdict: any text either fails to parse with a
//! located error or becomes an Exchange whose explanation never panics, and whose JSON form reads
//! back as the same Exchange.

#![no_main]

use corslab_engine::{Exchange, PreflightCache, explain, explain_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let exchange = match Exchange::from_json(text) {
        Ok(exchange) => exchange,
        Err(error) => {
            assert!(error.line >= 1, "errors are located: {error}");
            return;
        }
    };
    let verdict = explain(&exchange);
    assert!(serde_json::to_string(&verdict).is_ok());
    // A second explanation through a shared cache exercises the cache paths too.
    let mut cache = PreflightCache::new();
    let _ = explain_with(&exchange, &mut cache, 0);
    let _ = explain_with(&exchange, &mut cache, 1);
    let json = serde_json::to_string(&exchange).expect("an Exchange serializes");
    let again = Exchange::from_json(&json).unwrap_or_else(|e| panic!("{json}\ndoes not read back: {e}"));
    assert_eq!(again, exchange, "round trip through JSON");
});
