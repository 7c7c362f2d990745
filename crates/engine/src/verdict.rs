//! The Verdict: what the browser does with an Exchange and why, corslab's output contract.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::exchange::RequestMode;
use crate::fetch_metadata::Relation;

/// What the browser does with one Exchange, and the reasoning that led there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the script can read the response.
    pub read: Read,
    /// Whether an `OPTIONS` preflight goes out for the first hop.
    pub preflight_sent: bool,
    /// Whether the actual request reaches the server: whether a side effect can happen.
    pub request_sent: bool,
    /// Where the fetch was blocked, when it was.
    pub blocked_at: Option<BlockedAt>,
    /// The browser's own name for the failure (Chromium `corsError`, Firefox MDN slug).
    pub reason: Option<String>,
    /// The value the browser names in its message (ACAO value, method or header).
    pub failed_parameter: Option<String>,
    /// Names of the cookies attached to the actual request, in jar order.
    pub cookies_sent: Vec<String>,
    /// Lower-cased names of the response headers the script can read.
    pub exposed_headers: Vec<String>,
    /// The line the browser prints to its console, if any.
    pub console: Option<String>,
    /// The fetch never settles: the browser holds the request for a permission prompt (Firefox's
    /// Local Network Access), so the script gets neither a response nor a `TypeError`; `read` is
    /// `blocked`, as nothing is read (optional field, written only when true; corslab's own).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// The reasoning, in order.
    pub steps: Vec<Step>,
    /// What the exchange reveals about the server's CORS policy.
    pub findings: Vec<Finding>,
    /// How to fix the server, most important first (optional field; corslab's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<Fix>,
    /// What goes over the wire, in order: each preflight and each request that reaches the
    /// server, redirect hops included (optional field; corslab's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<Sent>,
}

/// One request the browser sends to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// Whether it is the CORS preflight (an `OPTIONS` request) for the request after it.
    pub preflight: bool,
    /// Its method: `OPTIONS` for a preflight, else the request's method at this hop (a 303
    /// redirect turns a `POST` into a `GET`). Borrowed when it is a method the spec normalizes.
    pub method: Cow<'static, str>,
    /// Where it goes.
    pub url: String,
    /// The `Origin` header it carries (`null` once a redirect tainted the origin), or none.
    pub origin: Option<String>,
    /// Names of the cookies attached, in jar order (never any on a preflight).
    pub cookies: Vec<String>,
    /// A preflight's `Access-Control-Request-Method`: the method it asks about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control_request_method: Option<Cow<'static, str>>,
    /// A preflight's `Access-Control-Request-Headers`, when it asks about any: the CORS-unsafe
    /// header names, lower-cased, sorted and comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control_request_headers: Option<String>,
    /// The `Sec-Fetch-Site` it carries: how its URL list stands to the page; none when the URL
    /// is not potentially trustworthy, where no Fetch Metadata goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sec_fetch_site: Option<Relation>,
    /// The `Sec-Fetch-Mode` it carries: the request's mode (`cors` for a preflight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sec_fetch_mode: Option<RequestMode>,
}

/// One piece of advice for the server's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// The stable id of the advice (`allow-origin-from-allowlist`).
    pub id: String,
    /// What to change, in one or two plain sentences.
    pub says: String,
}

/// Whether the script can read the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Read {
    /// The script gets the response body and its exposed headers.
    Allowed,
    /// The script gets a `TypeError`.
    Blocked,
    /// A `no-cors` response: status 0, nothing readable.
    Opaque,
}

impl Read {
    /// The outcome as the contract spells it: `allowed`, `blocked` or `opaque`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Blocked => "blocked",
            Self::Opaque => "opaque",
        }
    }
}

/// Which part of the exchange blocked the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockedAt {
    /// Before anything was sent: the script's request itself was refused.
    Request,
    /// The preflight failed, so the actual request was never sent.
    Preflight,
    /// The actual response failed the CORS check.
    Response,
    /// A redirect could not be followed.
    Redirect,
}

impl BlockedAt {
    /// The part as the contract spells it: `request`, `preflight`, `response` or `redirect`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Preflight => "preflight",
            Self::Response => "response",
            Self::Redirect => "redirect",
        }
    }
}

/// One step of the reasoning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The stable id of the rule applied (`cors_check.allow_origin`). Borrowed from the rule
    /// catalog when the engine writes it, so a verdict does not copy fixed text.
    pub rule: Cow<'static, str>,
    /// The specification section the rule comes from.
    pub spec: Cow<'static, str>,
    /// Whether the rule passed, failed or just informs.
    pub outcome: Outcome,
    /// One plain sentence.
    pub says: String,
}

impl Step {
    /// A step applying `rule`, its id and spec link borrowed from the catalog.
    pub fn new(rule: crate::rules::Rule, outcome: Outcome, says: String) -> Self {
        Self { rule: Cow::Borrowed(rule.id), spec: Cow::Borrowed(rule.url), outcome, says }
    }
}

/// A step's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The rule allowed the fetch to go on.
    Pass,
    /// The rule stopped the fetch.
    Fail,
    /// A fact that decides nothing by itself.
    Info,
}

/// An observation about the server's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable id of the finding (`reflected-origin-with-credentials`).
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// One plain sentence.
    pub says: String,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// A weakness with limited reach.
    Low,
    /// A weakness an attacker can use in some settings.
    Medium,
    /// Another origin can read authenticated data.
    High,
}

impl Severity {
    /// The severity as the contract spells it: `info`, `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    /// Reads a severity's name, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Self::Info, Self::Low, Self::Medium, Self::High]
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("unknown severity {name:?}; choose info, low, medium or high"))
    }
}
