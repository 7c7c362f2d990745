//! Runs the conformance corpus (`tests/data/`) natively; `tests/browser/tests/corpus.rs` runs the
//! same data as Wasm in headless Chromium and Firefox.

mod support;

use support::corpus;

#[test]
fn every_corpus_case_matches_its_source() {
    let report = corpus::run();
    let cases = report.assert_clean();
    println!(
        "{cases} cases, {} runs, {} expected failures; by source: {:?}",
        report.runs, report.expected_failures, report.cases_by_source
    );
}

#[test]
fn the_embedded_file_list_is_the_data_directory() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/data exists")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".json"))
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = corpus::FILES.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(embedded, on_disk, "list every tests/data/*.json file in tests/support/corpus.rs");
}

/// `explain` (what the CLI, the app and the playground call) keeps no cache between calls and
/// skips building cache keys it will not read again; it must still say exactly what
/// `explain_with` says from an empty cache, for every single-exchange case in both browsers.
#[test]
fn explain_agrees_with_explain_with_an_empty_cache() {
    use corslab_engine::{Browser, Exchange, PreflightCache, explain, explain_with};
    let mut checked = 0;
    for (file, text) in corpus::FILES {
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let Some(exchange) = case.get("exchange") else { continue };
            let Ok(mut parsed) = Exchange::from_json(&exchange.to_string()) else { continue };
            for browser in [Browser::Chromium, Browser::Firefox] {
                parsed.browser = browser;
                // Only what happens to a cache that `explain` throws away may differ.
                let without_cache_notes = |mut verdict: corslab_engine::Verdict| {
                    verdict.steps.retain(|s| s.rule != "preflight.cache");
                    verdict
                };
                let fresh = without_cache_notes(explain_with(&parsed, &mut PreflightCache::new(), 0));
                for step in &fresh.steps {
                    // A sentence missing a piece (an empty list of names, say) shows as a stray space.
                    assert!(!step.says.contains(" ."), "{file}: {} [{browser}]: {}", case["name"], step.says);
                }
                assert_eq!(
                    without_cache_notes(explain(&parsed)),
                    fresh,
                    "{file}: {} [{browser}]",
                    case["name"]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "{checked}");
}
