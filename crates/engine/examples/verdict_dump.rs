//! Prints the JSON verdict of every corpus case (each browser, each step of a sequence with its
//! own cache), of the HAR fixtures' exchanges and of a fixed set of generated exchanges, one a
//! line, so a refactoring can be checked byte for byte: `verdict_dump > before.jsonl`.

use std::io::Write as _;

use corslab_engine::{Exchange, PreflightCache, explain, explain_with};
use proptest::strategy::{Strategy as _, ValueTree as _};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

#[path = "../tests/support/generate.rs"]
mod generate;

fn main() {
    let out = std::io::stdout();
    let mut out = out.lock();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data");
    let mut files: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let steps: Vec<(u64, &Value)> = match case.get("sequence").and_then(Value::as_array) {
                Some(seq) => seq.iter().map(|s| (s["at"].as_u64().unwrap_or(0), &s["exchange"])).collect(),
                None => vec![(0, &case["exchange"])],
            };
            for browser in ["chromium", "firefox"] {
                let mut cache = PreflightCache::new();
                for (at, exchange) in &steps {
                    let mut exchange = (*exchange).clone();
                    exchange.as_object_mut().unwrap().insert("browser".into(), browser.into());
                    let Ok(parsed) = Exchange::from_json(&exchange.to_string()) else {
                        writeln!(out, "unparsable").unwrap();
                        continue;
                    };
                    let verdict = explain_with(&parsed, &mut cache, *at);
                    writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
                    let verdict = explain(&parsed);
                    writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
                }
            }
        }
    }
    for har in ["chromium.har", "firefox.har"] {
        let text = std::fs::read_to_string(format!("{data}/har/{har}")).unwrap();
        let har = corslab_engine::har::Har::from_json(&text).unwrap();
        for found in corslab_engine::har::exchanges(&har).unwrap() {
            let steps: Vec<_> = found.assumed_steps().collect();
            writeln!(out, "{}", serde_json::to_string(&steps).unwrap()).unwrap();
            let verdict = corslab_engine::har::explain(&found.exchange, found.preflight_cached());
            writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
        }
    }
    let typical = Exchange::from_json(include_str!("typical-exchange.json")).unwrap();
    writeln!(out, "{}", serde_json::to_string(&explain(&typical)).unwrap()).unwrap();

    let n: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(30_000);
    let mut runner =
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let strategy = generate::exchange();
    let mut cache = PreflightCache::new();
    for i in 0..n {
        let exchange = strategy.new_tree(&mut runner).unwrap().current();
        let verdict = explain(&exchange);
        writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
        // A long-lived cache too, so cached preflights are covered.
        let verdict = explain_with(&exchange, &mut cache, (i / 4) as u64);
        writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
    }
}
