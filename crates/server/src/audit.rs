//! "Audit this API": the lab runs `corslab audit` against its own API, exactly as a security
//! team would run it against theirs, and hands the console the findings.

use std::time::Duration;

use corslab_audit::{Options, render};
use corslab_engine::origin::Origin;
use corslab_lab::audit::{AuditFinding, AuditSummary};
use corslab_lab::hosts::API;

use crate::Lab;
use crate::error::LabError;

/// Audits `GET /me/balance` on the API under the current policy, trusting the origins the lab
/// trusts and knowing the session cookie's attributes, so the engine can judge which browsers
/// would attach it.
pub async fn audit_own_api(lab: &Lab) -> Result<AuditSummary, LabError> {
    let (policy, cookie) = {
        let state = lab.state();
        (state.policy, state.cookie)
    };
    let ports = lab.ports();
    let run = format!("audit-{}", &crate::random_token()[..12]);
    let target = format!("{}/me/balance?run={run}", ports.origin(API));
    let url =
        url::Url::parse(&target).map_err(|e| LabError::Unprocessable(format!("bad audit target: {e}")))?;
    let trusted = ports.trusted().iter().filter_map(|o| Origin::parse(o).ok()).collect();
    let options = Options {
        trusted,
        concurrency: 16,
        // The target is this very process on loopback: no need to be gentle.
        rate_per_host: None,
        timeout: Duration::from_secs(5),
        // A made-up session value: the API answers 401, but the cookie's attributes still
        // tell the engine which browsers would send a real one.
        cookies: vec![cookie.set_cookie("audit-probe")],
        ..Options::default()
    };
    let reports = corslab_audit::audit(&[url], options).await.map_err(LabError::Unprocessable)?;
    let markdown = render::markdown(&reports);
    let (findings, errors, probes_sent) =
        reports.into_iter().fold((Vec::new(), Vec::new(), 0), |(mut f, mut e, n), report| {
            f.extend(report.findings.into_iter().map(|finding| AuditFinding {
                class: finding.class.id().to_owned(),
                severity: finding.severity,
                title: finding.title,
                origin: finding.origin,
                summary: finding.summary,
                fix: finding.fix,
            }));
            e.extend(report.errors);
            (f, e, n + report.probes_sent)
        });
    Ok(AuditSummary { target, policy, run, probes_sent, findings, errors, markdown })
}
