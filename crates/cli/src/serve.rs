//! `corslab serve`: the lab server with the app embedded in the binary.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use corslab_server::{Assets, Config, HOSTS, Lab, Policy};
use rust_embed::RustEmbed;

/// The Trunk-built app (`cargo xtask lab` builds it before this crate).
#[derive(RustEmbed)]
#[folder = "../../target/dist"]
#[allow_missing = true]
struct Dist;

/// Options of `corslab serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port for every lab origin
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on; anything but loopback needs --allow-non-loopback
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Listen on a non-loopback address (the lab is deliberately vulnerable: never on a shared network)
    #[arg(long)]
    allow_non_loopback: bool,
    /// The API's CORS policy at start
    #[arg(long, default_value = "strict-allowlist", value_parser = parse_policy)]
    policy: Policy,
    /// An origin outside the lab (a test harness page) that may read /__lab/ data; repeatable
    #[arg(long = "harness-origin", value_name = "ORIGIN")]
    harness_origins: Vec<String>,
}

fn parse_policy(id: &str) -> Result<Policy, String> {
    Policy::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = Policy::ALL.iter().map(|p| p.id()).collect();
        format!("unknown policy {id:?}; choose one of: {}", ids.join(", "))
    })
}

/// Runs the lab until Ctrl-C.
pub fn run(args: &Args) -> ExitCode {
    let config = Config {
        addr: SocketAddr::new(args.bind, args.port),
        allow_non_loopback: args.allow_non_loopback,
        harness_origins: args.harness_origins.clone(),
        policy: args.policy,
        ..Config::default()
    };
    let assets = embedded_assets();
    if !assets.has_app() {
        eprintln!(
            "warning: this corslab binary has no app built in; pages will say how to build it (cargo xtask lab)"
        );
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let listener = match corslab_server::bind(&config).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        if !config.addr.ip().is_loopback() {
            eprintln!(
                "WARNING: the lab listens on {}: it is deliberately vulnerable and anyone who can reach this address can use it",
                config.addr
            );
        }
        let port = listener.local_addr().map_or(args.port, |a| a.port());
        print_banner(port);
        let lab = Lab::new(&Config { addr: SocketAddr::new(args.bind, port), ..config }, assets);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match corslab_server::serve(listener, lab, shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn embedded_assets() -> Assets {
    let mut assets = Assets::empty();
    for path in Dist::iter() {
        if let Some(file) = Dist::get(&path) {
            assets.insert(&path, file.data);
        }
    }
    assets
}

fn print_banner(port: u16) {
    println!("corslab lab is running. Open the console:\n\n    http://lab.localhost:{port}/\n");
    println!("Every lab origin (all on 127.0.0.1:{port}):");
    for host in HOSTS {
        println!("    http://{}:{port}/  {}", host.name, host.about);
    }
    println!("\nPress Ctrl-C to stop.");
}
