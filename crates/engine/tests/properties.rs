//! Properties that must hold for every input: origins and header lists survive a parse and
//! serialize round trip, and every Exchange gets a consistent Verdict without a panic.

use corslab_engine::header::{Header, HeaderList, get_decode_split_value};
use corslab_engine::origin::Origin;
use corslab_engine::verdict::{Outcome, Read};
use corslab_engine::{explain, rules};
use proptest::prelude::*;

#[path = "support/generate.rs"]
mod generate;
use generate::exchange;

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,6}){0,3}",
        Just("localhost".to_owned()),
        (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("10.{a}.{b}.1")),
        Just("[::1]".to_owned()),
    ]
}

fn origin_text() -> impl Strategy<Value = String> {
    (prop_oneof![Just("http"), Just("https"), Just("HTTP")], host(), proptest::option::of(1u16..=65535))
        .prop_map(|(scheme, host, port)| match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        })
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn value() -> impl Strategy<Value = String> {
    // Printable bytes and tabs, without leading or trailing whitespace (normalized form).
    "([\\x21-\\x7e\\xa0-\\xff]([\\x20-\\x7e\\t]{0,20}[\\x21-\\x7e])?)?"
}

proptest! {
    #[test]
    fn origins_round_trip(text in origin_text()) {
        // Some generated hosts are not valid IDNA (`xn--` with nothing after); those are refused
        // with an error, and the property is about the ones that parse.
        let parsed = Origin::parse(&text);
        prop_assume!(parsed.is_ok(), "{} does not parse", text);
        let origin = parsed.unwrap();
        let again = Origin::parse(origin.serialize()).unwrap();
        prop_assert_eq!(again.serialize(), origin.serialize());
        prop_assert!(again.same_origin(&origin));
    }

    #[test]
    fn header_lists_round_trip_through_json(pairs in proptest::collection::vec((token(), value()), 0..8)) {
        let list: HeaderList = pairs.iter().map(|(n, v)| Header::new(n, v).unwrap()).collect();
        let json = serde_json::to_string(&list).unwrap();
        let again: HeaderList = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(again, list);
    }

    #[test]
    fn token_lists_split_back_into_their_items(items in proptest::collection::vec(token(), 1..10), space in any::<bool>()) {
        let joined = items.join(if space { ", " } else { "," });
        prop_assert_eq!(get_decode_split_value(&joined), items);
    }

    #[test]
    fn every_exchange_gets_a_consistent_verdict(exchange in exchange()) {
        let verdict = explain(&exchange);
        prop_assert_eq!(verdict.read == Read::Blocked, verdict.blocked_at.is_some());
        prop_assert_eq!(verdict.read == Read::Blocked, verdict.steps.iter().any(|s| s.outcome == Outcome::Fail));
        if !verdict.request_sent {
            prop_assert!(verdict.cookies_sent.is_empty());
        }
        if verdict.read != Read::Allowed {
            prop_assert!(verdict.exposed_headers.is_empty());
        }
        prop_assert!(verdict.reason.is_none() || verdict.read == Read::Blocked);
        for step in &verdict.steps {
            prop_assert!(rules::ALL.iter().any(|r| r.id == step.rule && r.spec_url() == step.spec), "unknown rule {}", step.rule);
            prop_assert!(!step.says.is_empty());
            // A sentence missing a piece (an empty list of names, say) shows as a stray space.
            prop_assert!(!step.says.contains(" .") && !step.says.contains(" ,") && !step.says.contains("  "), "a piece is missing: {}", step.says);
        }
        prop_assert!(verdict.findings.windows(2).all(|w| w[0].severity >= w[1].severity), "findings worst first");
        // What went over the wire agrees with the first hop's summary fields.
        let first_request = verdict.sent.iter().position(|s| !s.preflight);
        prop_assert_eq!(verdict.request_sent, first_request.is_some());
        prop_assert_eq!(verdict.preflight_sent, verdict.sent.first().is_some_and(|s| s.preflight));
        let cookies = first_request.map(|i| verdict.sent[i].cookies.clone()).unwrap_or_default();
        prop_assert_eq!(&verdict.cookies_sent, &cookies);
        for sent in &verdict.sent {
            prop_assert_eq!(sent.preflight, sent.method == "OPTIONS" && sent.access_control_request_method.is_some());
            prop_assert!(!sent.preflight || (sent.cookies.is_empty() && sent.origin.is_some()), "preflights: an Origin, no cookies");
        }
        prop_assert!(serde_json::to_string(&verdict).is_ok());
    }
}
