//! The engine's conformance corpus, compiled to Wasm and run inside headless Chromium and
//! Firefox: the same data and runner as `crates/engine/tests/corpus.rs`.

#![cfg(target_arch = "wasm32")]

#[path = "../../../crates/engine/tests/support/corpus.rs"]
mod corpus;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn every_corpus_case_matches_its_source_in_wasm() {
    let report = corpus::run();
    assert!(
        report.problems.is_empty(),
        "{} problem(s):\n{}",
        report.problems.len(),
        report.problems.join("\n")
    );
    let cases: usize = report.cases_by_source.values().sum();
    assert!(cases >= 300, "the corpus must hold at least 300 cases, it holds {cases}");
}
