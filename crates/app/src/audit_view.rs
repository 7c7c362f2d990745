//! "Audit this API" on the console: asks the lab to run `corslab audit` against FinTrack's own
//! API under the policy it runs (`POST /__lab/audit`), then shows the findings, worst first, and
//! the Markdown report to hand on.

use corslab_engine::verdict::Severity;
use corslab_lab::PolicyId;
use corslab_lab::audit::{AuditFinding, AuditSummary};
use corslab_lab::catalog;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::net::{self, window};

/// Where an audit stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditState {
    /// Nothing audited under the chosen policy yet.
    Idle,
    /// The lab is probing its API.
    Busy,
    /// The lab answered with its findings.
    Done(AuditSummary),
    /// The audit could not run: the lab's message, or the network's.
    Failed(String),
}

/// The "Audit this API" panel. `chosen` is the policy the console shows; `running` the one the
/// lab confirmed it runs (`None` while unknown). The audit runs under the lab's policy, so the
/// button waits until the two agree, and a result is cleared as soon as the choice changes.
#[component]
pub fn AuditPanel(
    #[prop(into)] chosen: Signal<PolicyId>,
    #[prop(into)] running: Signal<Option<PolicyId>>,
) -> impl IntoView {
    let state = RwSignal::new(AuditState::Idle);
    // Bumped by every run and every change of policy: an answer that arrives after either
    // belongs to a question nobody is asking any more and is dropped.
    let epoch = StoredValue::new(0u32);
    Effect::new(move |before: Option<PolicyId>| {
        let now = chosen.get();
        if before.is_some_and(|before| before != now) {
            epoch.update_value(|e| *e += 1);
            state.set(AuditState::Idle);
        }
        now
    });
    let ready = move || running.get() == Some(chosen.get());
    let busy = move || state.with(|s| *s == AuditState::Busy);
    let run = move |_| {
        if busy() {
            return;
        }
        epoch.update_value(|e| *e += 1);
        let mine = epoch.get_value();
        state.set(AuditState::Busy);
        leptos::task::spawn_local(async move {
            let answer = net::audit().await;
            if epoch.get_value() == mine {
                state.set(match answer {
                    Ok(summary) => AuditState::Done(summary),
                    Err(message) => AuditState::Failed(message),
                });
            }
        });
    };
    let status = move || match &*state.read() {
        AuditState::Idle => match running.get() {
            None => "Waiting to hear which policy the lab runs".to_owned(),
            Some(running) if running != chosen.get() => {
                "The lab has not switched to this policy yet".to_owned()
            }
            Some(_) => String::new(),
        },
        AuditState::Busy => "Auditing: probing FinTrack's API from untrusted origins…".to_owned(),
        AuditState::Done(summary) => match summary.findings.len() {
            0 => "Audit done: no findings".to_owned(),
            1 => "Audit done: 1 finding".to_owned(),
            n => format!("Audit done: {n} findings"),
        },
        AuditState::Failed(_) => "The audit did not run".to_owned(),
    };
    view! {
        <section class="panel audit" aria-labelledby="audit-title">
            <h2 id="audit-title">"Audit this API"</h2>
            <p class="muted">
                "Runs "<code>"corslab audit"</code>" against FinTrack's "<code>"GET /me/balance"</code>
                " under the policy the lab runs, as a security team would run it against their own API: probes from untrusted origins, judged by the engine for Chromium and Firefox."
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="run audit-run"
                    aria-describedby="audit-status"
                    aria-busy=move || busy().to_string()
                    // Busy, the button stays enabled (and says so), so the keyboard focus stays on it.
                    aria-disabled=move || busy().to_string()
                    disabled=move || !ready()
                    on:click=run
                >
                    {move || if busy() { "Auditing…" } else { "Audit this API" }}
                </button>
            </div>
            <p id="audit-status" class="status" role="status">{move || status()}</p>
            {move || match state.get() {
                AuditState::Idle | AuditState::Busy => ().into_any(),
                AuditState::Failed(message) => {
                    view! { <p class="problem" role="alert">"The audit failed: "{message}</p> }.into_any()
                }
                AuditState::Done(summary) => view! { <AuditReport summary chosen=chosen.get_untracked()/> }.into_any(),
            }}
        </section>
    }
}

/// One audit's result: which policy, how many probes, each finding, and the Markdown report.
#[component]
pub fn AuditReport(summary: AuditSummary, chosen: PolicyId) -> impl IntoView {
    let title = catalog::title(summary.policy);
    let elsewhere = (summary.policy != chosen).then(|| {
        view! {
            <p class="problem">
                "The lab ran policy "{summary.policy.number()}" while it was audited, not the one chosen above: audit again"
            </p>
        }
    });
    let probes = match summary.probes_sent {
        1 => "1 probe".to_owned(),
        n => format!("{n} probes"),
    };
    let count = summary.findings.len().to_string();
    let findings = if summary.findings.is_empty() {
        view! { <p class="no-findings">"No findings: this policy passed every probe"</p> }.into_any()
    } else {
        let items = summary.findings.into_iter().map(|finding| view! { <Finding finding/> }).collect_view();
        view! { <ol class="findings">{items}</ol> }.into_any()
    };
    let errors = (!summary.errors.is_empty()).then(|| {
        let items = summary.errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view();
        view! {
            <h4>"What the auditor could not check"</h4>
            <ul class="audit-errors">{items}</ul>
        }
    });
    view! {
        <div class="audit-result" data-policy=summary.policy.id() data-findings=count>
            <h3>{format!("Policy {}: {title}", summary.policy.number())}</h3>
            {elsewhere}
            <p class="muted">
                {probes}" sent to "<code>{summary.target}</code>" (logged under run "<code>{summary.run}</code>")"
            </p>
            {findings}
            {errors}
            <MarkdownReport markdown=summary.markdown/>
        </div>
    }
}

/// One finding: how bad, what kind, the origin that was granted, what an attacker gets in each
/// browser, and the fix.
#[component]
fn Finding(finding: AuditFinding) -> impl IntoView {
    let (label, class) = severity(finding.severity);
    let id = finding.class.clone();
    let origin = finding.origin.map(|origin| {
        view! { <p class="finding-origin">"Origin probed: "<code>{origin}</code></p> }
    });
    view! {
        <li class=format!("finding {class}") data-class=id>
            <h4>
                <span class="severity">{label}</span>" "{finding.title}
            </h4>
            <p class="muted">"Class "<code>{finding.class}</code></p>
            {origin}
            <p class="finding-summary">{finding.summary}</p>
            <p class="fix-text"><strong>"Fix: "</strong>{finding.fix}</p>
        </li>
    }
}

/// The report as Markdown: a button that copies it, and the text itself to read or select.
#[component]
fn MarkdownReport(markdown: String) -> impl IntoView {
    let copied = RwSignal::new(String::new());
    let text = StoredValue::new(markdown.clone());
    let copy = move |_| {
        let markdown = text.get_value();
        leptos::task::spawn_local(async move {
            copied.set(match copy_text(&markdown).await {
                Ok(()) => "Copied the report as Markdown".to_owned(),
                Err(e) => {
                    format!("The browser did not let the page copy ({e}): select the report below instead")
                }
            });
        });
    };
    view! {
        <div class="actions">
            <button type="button" class="copy-markdown" on:click=copy>"Copy Markdown"</button>
            <span class="status" role="status">{move || copied.get()}</span>
        </div>
        <details class="markdown">
            <summary>"The report as Markdown"</summary>
            <pre tabindex="0" aria-label="The report as Markdown"><code>{markdown}</code></pre>
        </details>
    }
}

/// The label and CSS class of a severity.
fn severity(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::High => ("High", "sev-high"),
        Severity::Medium => ("Medium", "sev-medium"),
        Severity::Low => ("Low", "sev-low"),
        Severity::Info => ("Info", "sev-info"),
    }
}

/// Writes `text` to the clipboard (`navigator.clipboard.writeText`), which browsers offer only
/// to secure contexts such as `*.localhost`.
async fn copy_text(text: &str) -> Result<(), String> {
    let navigator = window().navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).map_err(|e| net::error_text(&e))?;
    if clipboard.is_undefined() {
        return Err("no clipboard in this context".to_owned());
    }
    let clipboard: web_sys::Clipboard = wasm_bindgen::JsCast::unchecked_into(clipboard);
    JsFuture::from(clipboard.write_text(text)).await.map(|_| ()).map_err(|e| net::error_text(&e))
}
