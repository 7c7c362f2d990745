//! Explains per second in the browser's Wasm engine, for the same typical preflighted,
//! credentialed exchange as the native bench (`crates/engine/examples/typical-exchange.json`).
//! Ignored by `cargo xtask test`; `cargo xtask bench engine` runs it in release mode with
//! `--include-ignored --nocapture` and reads the `engine-bench:` line.

#![cfg(target_arch = "wasm32")]

use std::hint::black_box;

use corslab_engine::{Exchange, Read, explain};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
#[ignore = "a measurement, run by `cargo xtask bench engine`"]
fn explains_per_second_in_wasm() {
    let exchange = Exchange::from_json(include_str!("../../../crates/engine/examples/typical-exchange.json"))
        .expect("the typical exchange parses");
    assert_eq!(explain(&exchange).read, Read::Allowed);
    let per_round = 5_000u32;
    let mut best = f64::MAX;
    // The first round warms the JIT up and is not counted.
    for round in 0..=5 {
        let started = js_sys::Date::now();
        for _ in 0..per_round {
            black_box(explain(black_box(&exchange)));
        }
        let ns = (js_sys::Date::now() - started) * 1e6 / f64::from(per_round);
        if round > 0 {
            best = best.min(ns);
        }
    }
    console_log!("engine-bench: ns_per_explain={best:.0} explains_per_second={:.0}", 1e9 / best);
}
