//! A run's report as people read it: what the script got (the stolen data or the TypeError),
//! what the server received, and the explain panel.

// Leptos components receive their props by value, whether or not they consume them.
#![allow(clippy::needless_pass_by_value)]

use corslab_lab::observe::Observed;
use corslab_lab::seen::Seen;
use leptos::prelude::*;

use crate::explain_panel::ExplainPanel;
use crate::net::PageOutcome;
use crate::run::Report;

/// The whole report of one run; `legitimate` when the page is one the API means to serve (the
/// partner, the dashboard), whose reads are the app working, not a leak.
#[component]
pub fn RunReport(report: Report, #[prop(optional)] legitimate: bool) -> impl IntoView {
    let Report { run, call, page, observed, explained, problem } = report;
    let request = format!("{} {}", call.method, call.url);
    view! {
        <article class="report" aria-label="What happened" data-run=run>
            <p class="request-line"><code>{request}</code></p>
            {match page {
                Some(page) => view! { <ScriptGot page legitimate/> }.into_any(),
                None => view! {
                    <p class="muted" data-outcome="elsewhere">
                        "What the script got is shown in the attacker's tab: this console sees the server's side."
                    </p>
                }.into_any(),
            }}
            {observed.map(|observed| view! { <ServerReceived observed/> })}
            {problem.map(|p| view! { <p class="problem" role="alert">{p}</p> })}
            {explained.map(|explained| view! { <ExplainPanel explained/> })}
        </article>
    }
}

/// What the page's script got back: the data it stole (or, on a `legitimate` page, read as it
/// should), an opaque answer, or the TypeError.
#[component]
pub fn ScriptGot(page: PageOutcome, legitimate: bool) -> impl IntoView {
    match page {
        PageOutcome::Read { status, body } => {
            let data = status < 300 && !body.is_empty();
            let (class, title) = match (data, legitimate) {
                (true, true) => ("got working", format!("The script read the answer (status {status}): the app works, as the API means it to")),
                (true, false) => ("got stolen", format!("The script read the answer (status {status}): this is what leaked")),
                (false, _) => ("got anonymous", format!("The script read the answer (status {status}), but it holds no account data")),
            };
            view! {
                <div class=class data-outcome="read">
                    <h3>{title}</h3>
                    <pre class="body">{body}</pre>
                </div>
            }
            .into_any()
        }
        PageOutcome::Opaque => view! {
            <div class="got opaque" data-outcome="opaque">
                <h3>"The script got an opaque response: status 0, no headers, no body"</h3>
            </div>
        }
        .into_any(),
        PageOutcome::Failed(message) => view! {
            // On a page the API means to serve, a refusal is the app broken, not an attack stopped.
            <div class=if legitimate { "got broken" } else { "got failed" } data-outcome="failed">
                <h3>{if legitimate { "The script got nothing: fetch() rejected, and the app cannot work" } else { "The script got nothing: fetch() rejected" }}</h3>
                <pre class="body">{message}</pre>
            </div>
        }
        .into_any(),
    }
}

/// Every request of the run as the lab server recorded it.
#[component]
pub fn ServerReceived(observed: Observed) -> impl IntoView {
    let mut seen = Vec::new();
    let mut hop = Some(&observed);
    while let Some(o) = hop {
        seen.extend(o.preflight.iter().chain(o.request.iter()).cloned());
        hop = o.next.as_deref();
    }
    let rows = seen.into_iter().map(|s| view! { <SeenRow seen=s/> }).collect_view();
    view! {
        <div class="received">
            <h3>"What the server received"</h3>
            <table class="log">
                <SeenHead/>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The head of a table of [`SeenRow`]s.
#[component]
pub fn SeenHead() -> impl IntoView {
    view! {
        <thead>
            <tr>
                <th scope="col">"Request"</th>
                <th scope="col">"Origin"</th>
                <th scope="col">"Cookies"</th>
                <th scope="col">"Sec-Fetch-Site"</th>
                <th scope="col">"Answer"</th>
            </tr>
        </thead>
    }
}

/// One logged request.
#[component]
pub fn SeenRow(seen: Seen) -> impl IntoView {
    // The port only when it is not the page's: a hop to the lab's other port is another origin.
    let port = if seen.port == crate::run::page_port() { String::new() } else { format!(":{}", seen.port) };
    let request = format!(
        "{}{} {}{port}{}",
        if seen.preflight { "preflight " } else { "" },
        seen.method,
        seen.host,
        seen.path()
    );
    let origin = seen.request_header("origin").unwrap_or("(none)").to_owned();
    let site = seen.request_header("sec-fetch-site").unwrap_or("(none)").to_owned();
    let cookies = if seen.cookies.is_empty() { "(none)".to_owned() } else { seen.cookies.join(", ") };
    let acao = seen.response_header("access-control-allow-origin").unwrap_or("no ACAO");
    let mut answer = format!("{} · {acao}", seen.status);
    if !seen.effects.is_empty() {
        answer.push_str(" · side effect recorded");
    }
    view! {
        <tr>
            <td><code>{request}</code></td>
            <td><code>{origin}</code></td>
            <td>{cookies}</td>
            <td>{site}</td>
            <td>{answer}</td>
        </tr>
    }
}
