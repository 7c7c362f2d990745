//! Time to interactive of the lab app's first page in headless Chromium, on loopback: from
//! navigation start to the app's `corslab-ready` performance mark, read from the Performance
//! API. `cargo xtask bench app` runs it against a lab server it starts.
//!
//! Usage: `corslab-tti [PATH] [LOADS]` with `CORSLAB_LAB_PORT` set; prints one line per figure.

use std::time::Duration;

use corslab_e2e::{Browser, Session};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/".to_owned());
    let loads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    match measure(&path, loads).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn measure(path: &str, loads: usize) -> Result<(), String> {
    let session = Session::start(Browser::Chromium).await?;
    let mut times = Vec::new();
    for i in 0..=loads {
        session.open("lab.localhost", path).await?;
        session.wait("body[data-ready]").await?;
        let ms = ready_ms(&session).await?;
        if i == 0 {
            println!("tti cold (first load, empty cache) {ms:.0} ms");
        } else {
            times.push(ms);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    println!("tti warm median of {} loads {median:.0} ms (worst {worst:.0} ms)", times.len());
    session.close().await
}

/// Milliseconds from navigation start to the app's `corslab-ready` mark.
async fn ready_ms(session: &Session) -> Result<f64, String> {
    let script =
        "const m = performance.getEntriesByName('corslab-ready'); return m.length ? m[0].startTime : null;";
    let value = session.client.execute(script, Vec::new()).await.map_err(|e| e.to_string())?;
    value.as_f64().ok_or_else(|| "the app set no corslab-ready mark".to_owned())
}
