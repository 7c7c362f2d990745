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
