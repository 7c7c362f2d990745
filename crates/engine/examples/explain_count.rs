//! Runs `explain` on the typical exchange a given number of times (`explain_count N`), for
//! instruction counting under `valgrind --tool=callgrind`, which a busy machine cannot skew.

use std::hint::black_box;

use corslab_engine::{Exchange, explain};

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let exchange =
        Exchange::from_json(include_str!("typical-exchange.json")).expect("the typical exchange parses");
    for _ in 0..n {
        black_box(explain(black_box(&exchange)));
    }
}
