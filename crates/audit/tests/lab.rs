//! The audit against the lab's own policy catalog, served in-process on 127.0.0.1:0: every
//! vulnerable policy is found with its class, and the strict allowlist gives no finding.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use corslab_audit::{Class, Options, Severity, TargetReport, audit};
use corslab_engine::origin::Origin;
use corslab_lab::{PolicyId, Ports};
use corslab_server::{Assets, Config, Lab};
use url::Url;

/// Starts the lab on a free loopback port; it stops when the test's runtime ends.
async fn start_lab() -> u16 {
    let mut config =
        Config { addr: SocketAddr::from(([127, 0, 0, 1], 0)), access_log: false, ..Config::default() };
    let listeners = corslab_server::bind(&config).await.expect("bind 127.0.0.1:0");
    let port = listeners.main.local_addr().expect("a bound port").port();
    config.addr.set_port(port);
    let lab = Lab::new(&config, Assets::empty());
    tokio::spawn(corslab_server::serve(listeners, lab, std::future::pending()));
    port
}

/// What each policy must produce, and what else it may produce because it is also true.
fn expected(policy: PolicyId) -> (&'static [Class], &'static [Class]) {
    match policy {
        PolicyId::None | PolicyId::StrictAllowlist => (&[], &[]),
        // Express's `cors()` echoes requested headers under `*`: anonymous, but a real mirror.
        PolicyId::Wildcard | PolicyId::WildcardWithCredentials => {
            (&[Class::Wildcard], &[Class::MirroredMethodsAndHeaders])
        }
        PolicyId::ReflectAnyOrigin => (&[Class::ReflectAnyOrigin], &[Class::VaryOriginMissing]),
        PolicyId::NullTrusted => (&[Class::NullTrusted], &[]),
        PolicyId::PrefixMatch => (&[Class::PrefixMatch], &[]),
        PolicyId::SuffixMatch => (&[Class::SuffixMatch], &[]),
        PolicyId::UnescapedDot => (&[Class::UnescapedDot], &[]),
        PolicyId::AnySubdomain => (&[Class::AnySubdomain], &[]),
        PolicyId::MirrorEverything => (&[Class::MirroredMethodsAndHeaders, Class::ReflectAnyOrigin], &[]),
        PolicyId::AllowHeadersWildcard => (&[Class::AuthorizationUnderWildcard], &[]),
        PolicyId::AllowlistWithoutVary => (&[Class::VaryOriginMissing], &[]),
        PolicyId::OnlyOnSuccess => (&[Class::ErrorResponses], &[]),
        PolicyId::ExposeHeadersWildcard => (&[Class::ExposeHeadersWildcard], &[]),
        PolicyId::MaxAgeYear => (&[Class::MaxAgeBeyondCaps], &[]),
    }
}

async fn audit_catalog(port: u16, cookies: Vec<String>) -> Vec<(PolicyId, TargetReport)> {
    let trusted: Vec<Origin> =
        Ports::main(port).trusted().iter().map(|o| Origin::parse(o).unwrap()).collect();
    let targets: Vec<Url> = PolicyId::ALL
        .iter()
        .map(|p| {
            Url::parse(&format!("http://api.fintrack.localhost:{port}/me/balance?policy={}", p.id())).unwrap()
        })
        .collect();
    let options = Options {
        trusted,
        rate_per_host: None,
        timeout: Duration::from_secs(5),
        cookies,
        ..Options::default()
    };
    let reports = tokio::time::timeout(Duration::from_secs(60), audit(&targets, options))
        .await
        .expect("the audit of the catalog finishes")
        .expect("valid options");
    PolicyId::ALL.into_iter().zip(reports).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vulnerable_policy_is_found_with_its_class_and_the_strict_allowlist_is_clean() {
    let port = start_lab().await;
    for (policy, report) in audit_catalog(port, Vec::new()).await {
        assert!(report.errors.is_empty(), "{policy}: {:?}", report.errors);
        assert!(report.findings.iter().all(|f| !f.cookies_known), "{policy}: no cookie was given");
        let found: BTreeSet<Class> = report.findings.iter().map(|f| f.class).collect();
        let (required, tolerated) = expected(policy);
        for class in required {
            assert!(found.contains(class), "{policy}: {class} not found in {found:?}");
        }
        for class in &found {
            assert!(
                required.contains(class) || tolerated.contains(class),
                "{policy}: unexpected {class} in {found:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_says_who_gets_the_session_cookie() {
    let port = start_lab().await;
    let session =
        "session=audit; Domain=fintrack.localhost; Path=/; SameSite=None; Secure; HttpOnly".to_owned();
    let reports = audit_catalog(port, vec![session]).await;
    let report = |id: PolicyId| &reports.iter().find(|(p, _)| *p == id).unwrap().1;

    // A same-site attacker (any subdomain) gets the cookie with default settings, in both browsers.
    let subdomain =
        report(PolicyId::AnySubdomain).findings.iter().find(|f| f.class == Class::AnySubdomain).unwrap();
    assert_eq!(subdomain.severity, Severity::High);
    assert!(subdomain.cookies_known);
    for judgement in subdomain.browsers.iter() {
        assert_eq!(judgement.cookies_sent, ["session"], "{judgement:?}");
    }

    // Reflection grants every origin; the finding leads with the sharpest one, a same-site
    // subdomain whose read carries the cookie by default, so its High severity is the one shown.
    let reflect = report(PolicyId::ReflectAnyOrigin)
        .findings
        .iter()
        .find(|f| f.class == Class::ReflectAnyOrigin)
        .unwrap();
    assert_eq!(reflect.severity, Severity::High);
    let origin = reflect.origin.as_deref().unwrap_or_default();
    assert!(
        origin.ends_with(&format!(".fintrack.localhost:{port}")),
        "the sharpest origin is same-site: {origin}"
    );
    for judgement in reflect.browsers.iter() {
        assert_eq!(judgement.cookies_sent, ["session"], "{judgement:?}");
    }
    assert!(
        reflect.other_origins.iter().any(|o| o.starts_with("http://") && !o.contains("fintrack.localhost")),
        "cross-site origins are granted too: {:?}",
        reflect.other_origins
    );

    // `*` never carries cookies.
    let wildcard = report(PolicyId::WildcardWithCredentials)
        .findings
        .iter()
        .find(|f| f.class == Class::Wildcard)
        .unwrap();
    assert!(wildcard.browsers.iter().all(|j| j.credentialed_read == corslab_engine::Read::Blocked));
}

/// Starts the lab with an https port (its certificate signed by itself); returns that port.
async fn start_lab_with_https() -> u16 {
    let main = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let https = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let (main_port, https_port) = (main.local_addr().unwrap().port(), https.local_addr().unwrap().port());
    let config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], main_port)),
        https_port: Some(https_port),
        access_log: false,
        ..Config::default()
    };
    let listeners = corslab_server::Listeners { https: Some(https), ..corslab_server::Listeners::main(main) };
    tokio::spawn(corslab_server::serve(
        listeners,
        Lab::new(&config, Assets::empty()),
        std::future::pending(),
    ));
    https_port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_api_is_refused_unless_insecure_and_then_an_http_origin_it_trusts_is_found() {
    let port = start_lab_with_https().await;
    let url = |policy: PolicyId| {
        Url::parse(&format!("https://api.fintrack.localhost:{port}/me/balance?policy={}", policy.id()))
            .unwrap()
    };
    // The subdomain pattern takes any scheme, so http://api.fintrack.localhost passes it.
    let targets = [url(PolicyId::AnySubdomain), url(PolicyId::None)];
    let run = |insecure: bool| {
        let options =
            Options { rate_per_host: None, timeout: Duration::from_secs(5), insecure, ..Options::default() };
        let targets = targets.clone();
        async move { tokio::time::timeout(Duration::from_secs(60), audit(&targets, options)).await }
    };
    let refused = run(false).await.expect("finishes").expect("valid options");
    let error = refused[0].errors.first().expect("the certificate is refused");
    assert!(error.contains("not trusted") && error.contains("--insecure"), "{error}");
    let reports = run(true).await.expect("finishes").expect("valid options");
    assert!(reports.iter().all(|r| r.errors.is_empty()), "{:?}", reports[0].errors);
    let found: BTreeSet<Class> = reports[0].findings.iter().map(|f| f.class).collect();
    assert_eq!(found, BTreeSet::from([Class::HttpTrustedByHttps]));
    assert!(reports[1].findings.is_empty(), "{:?}", reports[1].findings);
}
