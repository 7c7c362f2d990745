//! Measures explanations per second for a typical preflighted, credentialed exchange
//! (`typical-exchange.json`). `cargo xtask bench engine` runs it in release mode and reads the
//! `ns_per_explain=` line.

use std::hint::black_box;
use std::time::Instant;

use corslab_engine::{Exchange, Read, explain};

fn main() {
    let exchange =
        Exchange::from_json(include_str!("typical-exchange.json")).expect("the typical exchange parses");
    assert_eq!(explain(&exchange).read, Read::Allowed, "the typical exchange is an allowed read");
    // Warm up, then take the best of several rounds so a busy machine does not skew the figure.
    let rounds = 7;
    let per_round = 20_000u32;
    let mut best = f64::MAX;
    for round in 0..=rounds {
        let started = Instant::now();
        for _ in 0..per_round {
            black_box(explain(black_box(&exchange)));
        }
        let ns = started.elapsed().as_nanos() as f64 / f64::from(per_round);
        if round > 0 {
            best = best.min(ns);
        }
    }
    println!("ns_per_explain={best:.0}");
    println!("explains_per_second={:.0}", 1e9 / best);
}
