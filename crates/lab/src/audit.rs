//! "Audit this API": what `POST /__lab/audit` answers, in a shape the Wasm console can read
//! (the auditor itself runs natively in the server, with `corslab-audit`).

use corslab_engine::verdict::Severity;
use serde::{Deserialize, Serialize};

use crate::policy::PolicyId;

/// The audit of FinTrack's API under the policy the lab runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSummary {
    /// The URL audited (its `run` groups the probes in the log).
    pub target: String,
    /// The policy the API ran while it was audited.
    pub policy: PolicyId,
    /// The run id the probes were logged under.
    pub run: String,
    /// Requests the auditor sent.
    pub probes_sent: usize,
    /// What it found, worst first.
    pub findings: Vec<AuditFinding>,
    /// Why parts of the API could not be audited.
    pub errors: Vec<String>,
    /// The same report as Markdown, to hand to stakeholders.
    pub markdown: String,
}

/// One misconfiguration the auditor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// The probe class's stable id (`reflect-any-origin`, `vary-origin-missing`, …).
    pub class: String,
    /// How much it matters, after the engine judged what browsers really allow.
    pub severity: Severity,
    /// The class's title.
    pub title: String,
    /// The untrusted origin that was granted, when the finding is about one.
    pub origin: Option<String>,
    /// What an attacker gets.
    pub summary: String,
    /// How to fix it.
    pub fix: String,
}
