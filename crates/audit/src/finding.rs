//! What the audit reports: findings per target, each judged per browser, with evidence and a fix.

use serde::{Deserialize, Serialize};

pub use corslab_engine::verdict::Severity;

use crate::client::Trip;
use crate::judge::Judgement;
use crate::probe::Class;

/// One misconfiguration found on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The audited URL.
    pub target: String,
    /// What kind of misconfiguration.
    pub class: Class,
    /// How much it matters, after the engine's judgement.
    pub severity: Severity,
    /// The class's title.
    pub title: String,
    /// The `Origin` the telling probe sent: for the origin classes, the untrusted origin that
    /// was granted; for policy facts (Vary, Max-Age, errors), the origin the answer was for.
    pub origin: Option<String>,
    /// What an attacker gets, in one or two sentences.
    pub summary: String,
    /// What an attacker page at `origin` gets in each browser and cookie setting.
    pub browsers: Vec<Judgement>,
    /// The requests and answers that show it (a preflight first, when there was one).
    pub evidence: Vec<Trip>,
    /// How to fix it.
    pub fix: String,
    /// Whether any cookie of the endpoint was known (passed with `--cookie` or set by it); when
    /// not, `cookies_sent` is empty for want of a jar, not because browsers hold cookies back.
    pub cookies_known: bool,
    /// Other untrusted origins granted for the same reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_origins: Vec<String>,
}

/// Everything the audit learned about one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetReport {
    /// The audited URL.
    pub target: String,
    /// The findings, worst first.
    pub findings: Vec<Finding>,
    /// Why the target could not be audited, or could only be audited in part.
    pub errors: Vec<String>,
    /// Requests sent to this target.
    pub probes_sent: usize,
}

impl Finding {
    /// A finding of `class` on `target`, titled and fixed as the class says; what browsers make
    /// of it ([`Finding::judged`]) and the other origins come after, and whether the endpoint's
    /// cookies were known is set once per target.
    pub fn new(
        target: &url::Url,
        class: Class,
        severity: Severity,
        origin: Option<String>,
        summary: String,
        evidence: Vec<Trip>,
    ) -> Self {
        Self {
            target: target.to_string(),
            class,
            severity,
            title: class.title().to_owned(),
            origin,
            summary,
            browsers: Vec::new(),
            evidence,
            fix: class.fix(),
            cookies_known: false,
            other_origins: Vec::new(),
        }
    }

    /// The finding with what an attacker page gets in each browser and cookie setting.
    pub fn judged(self, browsers: Vec<Judgement>) -> Self {
        Self { browsers, ..self }
    }
}

impl TargetReport {
    /// The worst severity among the findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
