//! The explain panel, shown wherever an exchange appears: the verdict, the agreement badge,
//! a sequence diagram of browser and server, the steps with their spec links, the console
//! line each browser prints, what the exchange reveals about the server, and the fix.

// Leptos components receive their props by value, whether or not they consume them.
#![allow(clippy::needless_pass_by_value)]

use corslab_engine::exchange::Answer;
use corslab_engine::verdict::{BlockedAt, Outcome, Read};
use corslab_engine::{Browser, Exchange, Verdict, wording};
use corslab_lab::observe::{Agreement, Checked};
use leptos::prelude::*;

use crate::run::Explained;

/// The whole panel for one explained exchange.
#[component]
pub fn ExplainPanel(explained: Explained) -> impl IntoView {
    let Explained { exchange, here, other, agreement } = explained;
    let (chromium, firefox) = match exchange.browser {
        Browser::Firefox => (other.console, here.console.clone()),
        _ => (here.console.clone(), other.console),
    };
    let browser = browser_name(exchange.browser);
    // Named after its fetch, so two panels on one page (a pasted exchange and a HAR entry) are
    // two regions a screen reader tells apart.
    let label = format!(
        "What the browser did with {} {}, and why",
        exchange.request.method.as_str(),
        exchange.request.url
    );
    view! {
        <section class="explain" aria-label=label>
            <VerdictSummary verdict=here.clone() browser/>
            {agreement.map(|agreement| {
                let jar_known = !exchange.cookies.is_empty();
                view! { <AgreementBadge agreement browser jar_known/> }
            })}
            <SequenceDiagram exchange verdict=here.clone()/>
            <h3>"The steps"</h3>
            <Steps verdict=here.clone()/>
            <h3>"What the console says"</h3>
            <ConsoleLine browser="Chromium" line=chromium/>
            <ConsoleLine browser="Firefox" line=firefox/>
            <Findings verdict=here/>
        </section>
    }
}

/// One line: read allowed, blocked (and where, and the browser's name for it) or opaque.
#[component]
pub fn VerdictSummary(verdict: Verdict, browser: &'static str) -> impl IntoView {
    let (class, headline) = match verdict.read {
        Read::Allowed => ("verdict allowed", "Read allowed: the script gets the response"),
        Read::Blocked if verdict.pending => (
            "verdict blocked pending",
            "Pending: the fetch waits for the user to answer the permission prompt, so the script gets neither a response nor a TypeError",
        ),
        Read::Blocked => ("verdict blocked", "Read blocked: the script gets a TypeError"),
        Read::Opaque => ("verdict opaque", "Opaque: the script gets status 0 and nothing it can read"),
    };
    let reason = verdict.reason.clone().map(|reason| {
        let at = match verdict.blocked_at {
            Some(BlockedAt::Request) => "before sending",
            Some(BlockedAt::Preflight) => "at the preflight",
            Some(BlockedAt::Redirect) => "at a redirect",
            _ => "at the response",
        };
        view! { <p class="reason">{browser}" blocks it "{at}": "<code>{reason}</code></p> }
    });
    // The cookies of every request past the preflights: a redirect's hop carries its own.
    let hops: Vec<String> = verdict
        .sent
        .iter()
        .filter(|sent| !sent.preflight)
        .map(|sent| match sent.cookies.as_slice() {
            [] => "no cookies".to_owned(),
            names => format!("cookies: {}", names.join(", ")),
        })
        .collect();
    let request = match hops.len() {
        0 => "request never sent".to_owned(),
        1 => format!("request reaches the server ({})", hops[0]),
        _ => format!("requests reach the server ({})", hops.join(" → ")),
    };
    let facts = format!(
        "Predicted for {browser}: preflight {}, {request}.",
        if verdict.preflight_sent { "sent" } else { "not sent" },
    );
    view! {
        <div class=class>
            <p class="headline">{headline}</p>
            {reason}
            <p class="facts">{facts}</p>
        </div>
    }
}

/// The engine's prediction for this browser against what this browser and the server did.
/// A disagreement is loud, never hidden. When the page was told of no cookie in the browser's
/// jar (the cookie is HttpOnly and set on another origin, so only the console's sign-in flow
/// knows it), cookies the server saw anyway are the page's missing input, not the engine's
/// mistake: said as such, as long as every other fact agrees.
#[component]
pub fn AgreementBadge(agreement: Agreement, browser: &'static str, jar_known: bool) -> impl IntoView {
    let rows = agreement
        .checks
        .iter()
        .map(|check| {
            let what = match check.what {
                Checked::PreflightSent => "Preflight reached the server",
                Checked::RequestSent => "Request reached the server",
                Checked::CookiesSent => "Cookies on each request",
                Checked::OriginSent => "Origin header on each request",
                Checked::Read => "The script's read (allowed, blocked or opaque)",
            };
            let class = if check.agrees { "agrees" } else { "differs" };
            view! {
                <tr class=class>
                    <th scope="row">{what}</th>
                    <td>{check.predicted.clone()}</td>
                    <td>{check.observed.clone()}</td>
                    <td>{if check.agrees { "✔" } else { "✘ differs" }}</td>
                </tr>
            }
        })
        .collect_view();
    let table = view! {
        <table class="checks">
            <thead><tr><th scope="col">"Fact"</th><th scope="col">"Engine predicted"</th><th scope="col">"Observed"</th><th scope="col"><span class="sr-only">"Match"</span></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    };
    // The console sees only the server's side; the attacker's tab also knows what the script got.
    let scope = if agreement.checks.iter().any(|c| c.what == Checked::Read) {
        format!("what {browser} and the server did")
    } else {
        format!("what reached the server from {browser} (the attacker's tab checks what its script got)")
    };
    // With an empty jar the engine can only predict no cookies.
    let unknown_jar = !jar_known && agreement.only_cookies_differ();
    if agreement.agrees {
        view! {
            <div class="badge agree" role="status" data-agreement="agree">
                <p>"✔ Agrees: the engine predicted exactly "{scope}</p>
                <details><summary>"What was compared"</summary>{table}</details>
            </div>
        }
        .into_any()
    } else if unknown_jar {
        view! {
            <div class="badge unknown" role="status" data-agreement="unknown-jar">
                <p>"? The request carried cookies this page was not told the browser holds, so the engine predicted none. Every other fact agrees. Sign in on FinTrack from the console, and the prediction starts from the cookie this browser really holds."</p>
                {table}
            </div>
        }
        .into_any()
    } else {
        // Still a disagreement (the engine may have been wrong to send them), with the likelier
        // cause said: the jar the page was told of outlived the session.
        let session_ended = (jar_known && agreement.only_cookies_missing()).then(|| view! {
            <p>"The engine predicted the cookies of the jar this page was told of, and no request carried any. If FinTrack's session ended since (you signed out, or it was another browser's), sign in again from the console and run again."</p>
        });
        view! {
            <div class="badge disagree" role="alert" data-agreement="disagree">
                <p>"✘ DISAGREEMENT: the engine's prediction differs from "{scope}</p>
                {session_ended}
                {table}
            </div>
        }
        .into_any()
    }
}

/// The reasoning, one rule per line, with a pass or fail mark and the spec section.
#[component]
pub fn Steps(verdict: Verdict) -> impl IntoView {
    let steps = verdict
        .steps
        .into_iter()
        .map(|step| {
            let (mark, label, class) = match step.outcome {
                Outcome::Pass => ("✔", "pass", "step pass"),
                Outcome::Fail => ("✘", "fail", "step fail"),
                _ => ("·", "information", "step info"),
            };
            view! {
                <li class=class>
                    <span class="mark" role="img" aria-label=label>{mark}</span>
                    " "{step.says}" "
                    <a href=step.spec class="spec" title=step.rule>"spec"</a>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="steps">{steps}</ol> }
}

/// The line a browser prints to its console, or that it prints none.
#[component]
pub fn ConsoleLine(browser: &'static str, line: Option<String>) -> impl IntoView {
    view! {
        <div class="console-line">
            <p class="console-browser">{browser}</p>
            {match line {
                Some(line) => view! { <pre class="console">{line}</pre> }.into_any(),
                None => view! { <p class="muted">"prints nothing: no CORS error"</p> }.into_any(),
            }}
        </div>
    }
}

/// What the exchange reveals about the server's policy, and how to fix it.
#[component]
pub fn Findings(verdict: Verdict) -> impl IntoView {
    let findings = (!verdict.findings.is_empty()).then(|| {
        let items = verdict
            .findings
            .into_iter()
            .map(|f| {
                let severity = f.severity.as_str();
                view! { <li><span class=format!("severity {severity}")>{severity}</span>" "{f.says}</li> }
            })
            .collect_view();
        view! { <h3>"What this reveals about the server"</h3><ul class="findings">{items}</ul> }
    });
    let fixes = (!verdict.fix.is_empty()).then(|| {
        let items = verdict.fix.into_iter().map(|f| view! { <li>{f.says}</li> }).collect_view();
        view! { <h3>"How to fix the server"</h3><ul class="fixes">{items}</ul> }
    });
    view! { {findings}{fixes} }
}

/// One message of the sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arrow {
    /// From the browser to the server (else back).
    out: bool,
    /// What it carries.
    label: String,
    /// Drawn dashed and struck: never sent.
    never: bool,
    /// Marked as the point that failed.
    failed: bool,
}

/// Browser and server as two lifelines: preflight, request, redirects, responses, cookies
/// attached, and whether the script may read.
#[component]
pub fn SequenceDiagram(exchange: Exchange, verdict: Verdict) -> impl IntoView {
    let arrows = arrows(&exchange, &verdict);
    // Each label wraps onto lines of its own above its arrow; every extra line adds a row's worth.
    let labels: Vec<Vec<String>> = arrows.iter().map(|a| wrap(&a.label, LABEL_CHARS)).collect();
    let extra = |lines: &[String]| (lines.len() as i32 - 1) * LINE;
    let height = 70 + labels.iter().map(|l| 44 + extra(l)).sum::<i32>() + 50;
    let page = if exchange.page.is_opaque() {
        "null (sandboxed)".to_owned()
    } else {
        exchange.page.serialize().to_owned()
    };
    let server = exchange.request.url.host_str().unwrap_or("server").to_owned();
    let (end_class, end_text) = match verdict.read {
        Read::Allowed => ("end allowed", "script reads the response"),
        Read::Blocked if verdict.pending => ("end blocked", "fetch pending: waits for the prompt"),
        Read::Blocked => ("end blocked", "TypeError: the read is blocked"),
        Read::Opaque => ("end opaque", "opaque response: nothing readable"),
    };
    let summary = arrows.iter().map(|a| a.label.as_str()).collect::<Vec<_>>().join("; ");
    let label = format!("Sequence diagram: {summary}; then the {end_text}");
    let mut y = 36;
    let rows = arrows
        .into_iter()
        .zip(labels)
        .map(|(arrow, lines)| {
            y += 44 + extra(&lines);
            let top = y - 8 - extra(&lines);
            let last = lines.len() - 1;
            // A line that wraps keeps its space, so the text reads as one label.
            let text = lines
                .into_iter()
                .enumerate()
                .map(|(i, line)| {
                    let line = if i < last { line + " " } else { line };
                    view! { <tspan x="320" y=top + i as i32 * LINE>{line}</tspan> }
                })
                .collect_view();
            let (x1, x2) = if arrow.out { (90, 550) } else { (550, 90) };
            let tip =
                if arrow.out { format!("M550 {y} l-10 -5 v10 z") } else { format!("M90 {y} l10 -5 v10 z") };
            let class = match (arrow.never, arrow.failed, arrow.out) {
                (true, _, _) => "msg never",
                (_, true, _) => "msg failed",
                (_, _, true) => "msg out",
                _ => "msg back",
            };
            view! {
                <g class=class>
                    <line x1=x1 y1=y x2=x2 y2=y/>
                    <path d=tip/>
                    <text text-anchor="middle">{text}</text>
                </g>
            }
        })
        .collect_view();
    let end_y = height - 30;
    view! {
        <figure class="sequence">
            <svg viewBox=format!("0 0 640 {height}") role="img" aria-label=label class="sequence-svg">
                <text class="lane" x="10" y="24">"Browser"</text>
                <text class="lane-sub" x="10" y="42">{page}</text>
                <text class="lane" x="630" y="24" text-anchor="end">"Server"</text>
                <text class="lane-sub" x="630" y="42" text-anchor="end">{server}</text>
                <line class="lifeline" x1="90" y1="52" x2="90" y2=height - 40/>
                <line class="lifeline" x1="550" y1="52" x2="550" y2=height - 40/>
                {rows}
                <rect class=end_class x="10" y=end_y - 18 width="330" height="28" rx="6"/>
                <text class="end-text" x="175" y=end_y text-anchor="middle">{end_text}</text>
            </svg>
        </figure>
    }
}

/// The most characters of a label on one line: what fits across the diagram at its font size.
const LABEL_CHARS: usize = 72;

/// The height of one line of a label.
const LINE: i32 = 14;

/// `label` broken at spaces into lines of at most `width` characters (a longer word, such as a
/// URL, keeps a line to itself).
fn wrap(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in label.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The messages an exchange makes, as the engine says they went: each request it sent
/// (`verdict.sent`: preflights, the request, redirect hops) with the exchange's answer to it;
/// a blocked walk fails at its last answer, and a request that was stopped before it left is
/// drawn as never sent.
fn arrows(exchange: &Exchange, verdict: &Verdict) -> Vec<Arrow> {
    let arrow = |out, label, never| Arrow { out, label, never, failed: false };
    // Paths on the server the diagram's lifeline names, with the origin for any other server;
    // queries left out, so a label fits between the lifelines.
    let lifeline = exchange.request.url.origin();
    let target = |url: &str| match url::Url::parse(url) {
        Ok(url) if url.origin() == lifeline => url.path().to_owned(),
        Ok(url) => format!("{}{}", url.origin().ascii_serialization(), url.path()),
        Err(_) => url.to_owned(),
    };
    let mut out = Vec::new();
    let (mut preflight, mut response, mut next) =
        (exchange.preflight.as_ref(), &exchange.response, exchange.next.as_deref());
    for sent in &verdict.sent {
        let label = format!("{} {} · {}", sent.method, target(&sent.url), wording::carried(sent));
        out.push(arrow(true, label, false));
        if sent.preflight {
            out.push(arrow(false, answer_label(preflight), false));
            continue;
        }
        out.push(arrow(false, answer_label(Some(response)), false));
        if let Some(hop) = next {
            (preflight, response, next) = (hop.preflight.as_ref(), &hop.response, hop.next.as_deref());
        }
    }
    if verdict.read == Read::Blocked {
        if let Some(last) = out.last_mut() {
            last.failed = true;
        }
        let never = match verdict.sent.last() {
            Some(last) if !last.preflight => None,
            // The preflight failed: the request it asked about stays in the browser.
            Some(preflight) => Some(format!("{}: the request is never sent", target(&preflight.url))),
            // Stopped before anything left: a thrown request, Local Network Access.
            None => {
                let request = &exchange.request;
                Some(format!("{} {}: never sent", request.method.as_str(), target(request.url.as_str())))
            }
        };
        out.extend(never.map(|label| arrow(true, label, true)));
    }
    out
}

fn answer_label(answer: Option<&Answer>) -> String {
    let Some(answer) = answer else { return "answer unknown".to_owned() };
    let acao = answer.headers.get("access-control-allow-origin").map_or_else(
        || "no Access-Control-Allow-Origin".to_owned(),
        |v| format!("Allow-Origin: {}", v.to_text()),
    );
    format!("{} · {acao}", answer.status)
}

/// The browser's name for people.
pub fn browser_name(browser: Browser) -> &'static str {
    match browser {
        Browser::Firefox => "Firefox",
        _ => "Chromium",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_wrap_at_spaces_and_keep_long_words_whole() {
        assert_eq!(wrap("GET /me · Origin: null", 72), ["GET /me · Origin: null"]);
        let lines = wrap(
            "OPTIONS /me/balance · Origin: http://blog.fintrack.localhost:8080 · preflight for PUT with content-type, x-csrf",
            40,
        );
        assert!(lines.len() > 1 && lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "OPTIONS /me/balance · Origin: http://blog.fintrack.localhost:8080 · preflight for PUT with content-type, x-csrf"
        );
        let url = "http://fintrack.localhost.free-crypto-giveaway.localhost:8080/me/balance";
        assert_eq!(wrap(url, 40), [url]);
    }
}
