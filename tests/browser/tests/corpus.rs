//! The engine's conformance corpus, compiled to Wasm and run inside headless Chromium and
//! Firefox: the same data and runner as `crates/engine/tests/corpus.rs`.

#![cfg(target_arch = "wasm32")]

#[path = "../../../crates/engine/tests/support/corpus.rs"]
mod corpus;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn every_corpus_case_matches_its_source_in_wasm() {
    corpus::run().assert_clean();
}
