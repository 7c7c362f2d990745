//! `corslab serve`: the lab server with the app embedded in the binary.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use corslab_engine::origin::Origin;

use corslab_lab::{CookieSettings, PolicyId, SameSiteChoice};
use corslab_server::{Assets, Config, HOSTS, Lab};
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
    /// Second port for the "same host, other port" lessons [default: the first free port after --port]
    #[arg(long, conflicts_with = "no_second_port")]
    second_port: Option<u16>,
    /// Listen on one port only
    #[arg(long)]
    no_second_port: bool,
    /// Address to listen on; anything but loopback needs --allow-non-loopback
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Listen on a non-loopback address (the lab is deliberately vulnerable: never on a shared network)
    #[arg(long)]
    allow_non_loopback: bool,
    /// The API's CORS policy at start (an unknown id lists them all)
    #[arg(long, value_name = "POLICY_ID", default_value = "strict-allowlist", value_parser = parse_policy)]
    policy: PolicyId,
    /// The session cookie's SameSite attribute at start: unset, lax, strict or none
    #[arg(long, default_value = "lax", value_parser = parse_same_site)]
    same_site: SameSiteChoice,
    /// Make the session cookie Partitioned (CHIPS)
    #[arg(long)]
    partitioned: bool,
    /// An origin outside the lab (a test harness page) that may read /__lab/ data; repeatable
    #[arg(long = "harness-origin", value_name = "ORIGIN", value_parser = parse_harness_origin)]
    harness_origins: Vec<String>,
    /// Do not log every request to stderr
    #[arg(long)]
    quiet: bool,
    /// Answer /scripted requests, for a test harness (any site could then run a page on the API's origin)
    #[arg(long)]
    scripted: bool,
}

fn parse_policy(id: &str) -> Result<PolicyId, String> {
    PolicyId::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = PolicyId::ALL.iter().map(|p| p.id()).collect();
        format!("unknown policy {id:?}; choose one of: {}", ids.join(", "))
    })
}

/// A harness origin, serialized as browsers send it in `Origin`.
fn parse_harness_origin(text: &str) -> Result<String, String> {
    let origin = Origin::parse(text)
        .map_err(|e| format!("{e}; write the harness page's origin, such as http://127.0.0.1:18081"))?;
    match origin.scheme() {
        Some("http" | "https") => Ok(origin.serialize().to_owned()),
        _ => Err(format!(
            "{text:?} is not an http or https origin; write the harness page's origin, such as http://127.0.0.1:18081"
        )),
    }
}

/// Refuses option combinations that cannot work, before anything is bound.
fn check(args: &Args) -> Result<(), String> {
    if args.second_port == Some(args.port) && args.port != 0 {
        return Err(format!(
            "--port and --second-port are both {}, but the two ports must differ; pick another --second-port or leave it out to take the next free port",
            args.port
        ));
    }
    Ok(())
}

fn parse_same_site(value: &str) -> Result<SameSiteChoice, String> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| format!("unknown SameSite {value:?}; choose one of: unset, lax, strict, none"))
}

/// Runs the lab until Ctrl-C.
pub fn run(args: &Args) -> ExitCode {
    if let Err(message) = check(args) {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let mut config = Config {
        addr: SocketAddr::new(args.bind, args.port),
        allow_non_loopback: args.allow_non_loopback,
        harness_origins: args.harness_origins.clone(),
        policy: args.policy,
        cookie: CookieSettings { same_site: args.same_site, partitioned: args.partitioned },
        access_log: !args.quiet,
        scripted: args.scripted,
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
        let listeners = match bind(args, &mut config).await {
            Ok(listeners) => listeners,
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
        // A reader that went away (`| head`) is no reason to stop the lab.
        if let Err(e) = print_banner(&mut io::stdout().lock(), &config)
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            eprintln!("warning: cannot write the banner: {e}");
        }
        let lab = Lab::new(&config, assets);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match corslab_server::serve(listeners, lab, shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Binds the main port (port 0 picks a free one) and the second port: the one asked for, or
/// the first free port after the main one that no harness origin names (the test harness
/// picks its own port next to the lab's).
async fn bind(
    args: &Args,
    config: &mut Config,
) -> Result<corslab_server::Listeners, corslab_server::ServeError> {
    config.second_port = if args.no_second_port { None } else { args.second_port };
    let mut listeners = corslab_server::bind(config).await?;
    let main =
        listeners.main.local_addr().map_err(|e| corslab_server::ServeError::Io(config.addr, e))?.port();
    config.addr.set_port(main);
    // A second port of 0 picked a free one: the lab's URLs name the port it got.
    if let Some(second) = &listeners.second {
        let port = second.local_addr().map_err(|e| corslab_server::ServeError::Io(config.addr, e))?.port();
        config.second_port = Some(port);
    }
    if config.second_port.is_none() && !args.no_second_port {
        for candidate in second_port_candidates(main, &config.harness_origins) {
            if let Ok(listener) =
                tokio::net::TcpListener::bind(SocketAddr::new(config.addr.ip(), candidate)).await
            {
                config.second_port = Some(candidate);
                listeners.second = Some(listener);
                break;
            }
        }
        if config.second_port.is_none() {
            eprintln!(
                "warning: no free second port after {main}; the \"same host, other port\" lessons are off"
            );
        }
    }
    Ok(listeners)
}

/// The ports tried for the second listener: the twenty after `main`, except any a harness
/// origin names (the test harness binds its own page server next to the lab, after it starts).
fn second_port_candidates(main: u16, harness_origins: &[String]) -> impl Iterator<Item = u16> + '_ {
    (1..=20)
        .filter_map(move |i| main.checked_add(i))
        .filter(move |port| !harness_origins.iter().any(|o| o.ends_with(&format!(":{port}"))))
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

fn print_banner(out: &mut dyn Write, config: &Config) -> io::Result<()> {
    let port = config.addr.port();
    writeln!(out, "corslab lab is running. Open the console:\n\n    http://lab.localhost:{port}/\n")?;
    // The socket address brackets an IPv6 address (`[::1]:8080`).
    writeln!(out, "Every lab origin (all on {}):", config.addr)?;
    for host in HOSTS {
        writeln!(out, "    http://{}:{port}/  {}", host.name, host.about)?;
    }
    if let Some(second) = config.second_port {
        writeln!(
            out,
            "\nThe same hosts on a second port (same host, other origin): http://fintrack.localhost:{second}/ …"
        )?;
    }
    writeln!(out, "\nPress Ctrl-C to stop.")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::ClosedPipe;

    #[test]
    fn the_second_port_never_takes_a_harness_port() {
        let harness = vec!["http://127.0.0.1:18081".to_owned()];
        let ports: Vec<u16> = second_port_candidates(18080, &harness).take(2).collect();
        assert_eq!(ports, [18082, 18083]);
        assert_eq!(second_port_candidates(8080, &[]).next(), Some(8081));
        assert_eq!(second_port_candidates(u16::MAX, &[]).next(), None);
    }

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        use clap::Parser as _;
        Cli::try_parse_from(std::iter::once("serve").chain(argv.iter().copied())).map(|cli| cli.args)
    }

    #[test]
    fn the_two_ports_must_differ() {
        let err = check(&parse(&["--port", "18850", "--second-port", "18850"]).unwrap()).unwrap_err();
        assert!(err.contains("the two ports must differ"), "{err}");
        assert!(check(&parse(&["--port", "18850", "--second-port", "18851"]).unwrap()).is_ok());
        assert!(check(&parse(&["--port", "0", "--second-port", "0"]).unwrap()).is_ok(), "two free ports");
    }

    #[test]
    fn a_harness_origin_must_be_an_origin() {
        let err = parse(&["--harness-origin", "not an origin"]).unwrap_err().to_string();
        assert!(err.contains("not an origin") && err.contains("http://127.0.0.1:18081"), "{err}");
        assert!(parse(&["--harness-origin", "null"]).is_err());
        let args = parse(&["--harness-origin", "http://127.0.0.1:18081/"]).unwrap();
        assert_eq!(args.harness_origins, ["http://127.0.0.1:18081"]);
    }

    #[test]
    fn the_banner_survives_a_closed_stdout_and_brackets_ipv6() {
        let config = Config { addr: "[::1]:18850".parse().unwrap(), ..Config::default() };
        let error = print_banner(&mut ClosedPipe, &config).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        let mut out = Vec::new();
        print_banner(&mut out, &config).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("(all on [::1]:18850)"), "{text}");
    }
}
