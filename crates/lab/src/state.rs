//! The lab's control plane and live feed as JSON: the state the console shows, the commands it
//! sends, the ledger of side effects, CSP reports, and the server-sent events.

use crate::seen::Seen;
use serde::{Deserialize, Serialize};

use crate::cookie::CookieSettings;
use crate::hosts::Ports;
use crate::policy::PolicyId;

/// `GET /__lab/state`: what the lab is running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabState {
    /// The API's CORS policy (requests may override it with `?policy=`).
    pub policy: PolicyId,
    /// The attributes the dashboard gives the session cookie at the next login.
    pub cookie: CookieSettings,
    /// The ports the lab listens on.
    pub ports: Ports,
    /// The exchange log's fill.
    pub log: RingStats,
    /// The ledger's fill.
    pub ledger: RingStats,
    /// How many FinTrack sessions exist.
    pub sessions: usize,
    /// The control plane's CSRF token: only in answers to `lab.localhost`, which must echo it
    /// in `X-Lab-Csrf` on every `POST /__lab/control`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// How full a bounded ring is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingStats {
    /// Entries it keeps at most.
    pub capacity: usize,
    /// Entries it holds now.
    pub kept: usize,
    /// Entries dropped so far to stay within `capacity`.
    pub dropped: u64,
}

/// `POST /__lab/control`: one command from the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Control {
    /// Switch the API's CORS policy.
    SetPolicy {
        /// The new policy.
        policy: PolicyId,
    },
    /// Change the session cookie's attributes (takes effect at the next login).
    SetCookie {
        /// The new attributes.
        cookie: CookieSettings,
    },
    /// Forget every session, the ledger, the log and the CSP reports, and restore the start
    /// policy and cookie settings. (A struct variant, so unknown fields are refused.)
    Reset {},
}

/// One side effect the API performed: the proof that a request reached the server and acted,
/// whether or not the page could read the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Sequence number, from 1.
    pub id: u64,
    /// Milliseconds since the lab started.
    pub at_ms: u64,
    /// The run of the request that caused it (`?run=`), if any.
    pub run: Option<String>,
    /// The id of the logged request ([`Seen::id`]) that caused it.
    pub request: u64,
    /// The account it touched.
    pub account: String,
    /// The request's `Origin`, if it had one.
    pub origin: Option<String>,
    /// The request's `Sec-Fetch-Site`, if it had one.
    pub sec_fetch_site: Option<String>,
    /// The request's `Content-Type`, if it had one (a form post says `application/x-www-form-urlencoded`).
    pub content_type: Option<String>,
    /// What happened.
    pub effect: Effect,
}

/// A side effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Effect {
    /// Money left the account.
    Transfer {
        /// The amount, in cents.
        amount_cents: u64,
        /// The (fake) payee account.
        to: String,
        /// The memo.
        memo: String,
        /// The balance after the transfer, in cents.
        balance_after_cents: i64,
    },
    /// The account's email changed: with a password reset, an account takeover.
    EmailChanged {
        /// The old address.
        from: String,
        /// The new address.
        to: String,
    },
    /// Every session of the account was signed out.
    SessionsRevoked {
        /// How many sessions ended.
        count: usize,
    },
}

/// `GET /__lab/ledger`: the side effects, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPage {
    /// How many entries were dropped to keep memory bounded.
    pub dropped: u64,
    /// The entries.
    pub entries: Vec<LedgerEntry>,
}

/// One Content-Security-Policy violation a browser reported to `/__lab/csp-report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CspViolation {
    /// Sequence number, from 1.
    pub id: u64,
    /// Milliseconds since the lab started.
    pub at_ms: u64,
    /// The document that violated the policy.
    pub document: String,
    /// The directive that was violated.
    pub directive: String,
    /// What was blocked (`inline`, `eval`, `wasm-eval` or a URL).
    pub blocked: String,
}

/// `GET /__lab/csp-reports`: the violations reported, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CspReportPage {
    /// How many were dropped to keep memory bounded.
    pub dropped: u64,
    /// The violations.
    pub entries: Vec<CspViolation>,
}

/// One event of `GET /__lab/events` (server-sent events): the SSE `event:` field is the tag,
/// the `data:` field this JSON (`{"type": "seen", "data": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LiveEvent {
    /// A request reached the API (preflights included).
    Seen(Seen),
    /// A side effect happened.
    Ledger(LedgerEntry),
    /// The control plane changed the lab (the token is never included).
    State(LabState),
    /// This subscriber fell behind and missed events; read `/__lab/log` to catch up.
    Lagged {
        /// How many events it missed.
        missed: u64,
    },
}

impl LiveEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Seen(_) => "seen",
            Self::Ledger(_) => "ledger",
            Self::State(_) => "state",
            Self::Lagged { .. } => "lagged",
        }
    }
}

/// The answer to a bad request anywhere in the lab: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What was wrong and what to do, for people.
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_read_as_the_console_writes_them() {
        let set: Control =
            serde_json::from_str(r#"{"action":"set-policy","policy":"null-trusted"}"#).unwrap();
        assert_eq!(set, Control::SetPolicy { policy: PolicyId::NullTrusted });
        let cookie: Control = serde_json::from_str(
            r#"{"action":"set-cookie","cookie":{"same_site":"none","partitioned":true}}"#,
        )
        .unwrap();
        assert!(matches!(cookie, Control::SetCookie { cookie } if cookie.partitioned));
        assert!(serde_json::from_str::<Control>(r#"{"action":"reset"}"#).is_ok());
        assert!(serde_json::from_str::<Control>(r#"{"action":"reset","x":1}"#).is_err());
        assert!(serde_json::from_str::<Control>(r#"{"action":"set-policy","policy":"nope"}"#).is_err());
    }

    #[test]
    fn live_events_are_tagged_with_their_sse_name() {
        let event = LiveEvent::Lagged { missed: 3 };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], event.name());
        assert_eq!(json["data"]["missed"], 3);
    }
}
