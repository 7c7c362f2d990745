//! The lab app's components. One build serves every lab origin; the host picks the page.
//!
//! `main.rs` only mounts [`App`]. The app runs real `fetch()` calls from its own origin, reads
//! what the server saw from `/__lab/log` on that same origin, and asks the engine (compiled into
//! this Wasm) to explain the outcome.

use corslab_engine::exchange::{Answer, CredentialsMode, Request};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::observed::{LogPage, Seen};
use corslab_engine::verdict::{Outcome, Read};
use corslab_engine::{Exchange, Verdict};
use gloo_net::http::Request as HttpRequest;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

/// The lab's hosts and what each one plays, as the app presents them.
pub const HOSTS: &[(&str, &str)] = &[
    ("lab.localhost", "The lab console"),
    ("fintrack.localhost", "FinTrack, the victim's dashboard"),
    ("api.fintrack.localhost", "FinTrack's API"),
    ("blog.fintrack.localhost", "FinTrack's blog: same site, compromised"),
    ("free-crypto-giveaway.localhost", "The scammer's giveaway site (cross-site)"),
    ("partner.localhost", "A partner FinTrack trusts"),
];

/// The API policies the console can run a request under.
pub const POLICIES: &[(&str, &str)] = &[
    ("strict-allowlist", "Strict allowlist (done right)"),
    ("reflect-any-origin", "Reflect any origin, with credentials"),
    ("wildcard", "Wildcard *"),
    ("none", "No CORS headers"),
];

/// Explains an Exchange given as a JavaScript object and returns the Verdict as one, so plain
/// scripts and the DevTools console can call the engine: `wasmBindings.explain({...})`.
#[wasm_bindgen]
pub fn explain(exchange: JsValue) -> Result<JsValue, JsValue> {
    let exchange: Exchange = serde_wasm_bindgen::from_value(exchange)
        .map_err(|e| JsValue::from_str(&format!("not an Exchange: {e}")))?;
    let verdict = corslab_engine::explain(&exchange);
    verdict.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(JsValue::from)
}

use serde::Serialize as _;

/// The whole app: the page for this host.
#[component]
pub fn App() -> impl IntoView {
    let host = location().hostname().unwrap_or_default();
    let role = HOSTS.iter().find(|(name, _)| *name == host).map_or("An unknown host", |(_, about)| about);
    view! {
        <header class="topbar">
            <a class="brand" href=lab_url("lab.localhost")>"corslab"</a>
            <span class="role">{role}</span>
        </header>
        <main>
            <h1>"See what the browser lets another origin read"</h1>
            <p class="lead">
                "Every lab origin below is served by one local server. Pages make real "
                <code>"fetch()"</code>
                " calls with credentials; the server records what reached it; the engine explains what the browser did."
            </p>
            <TryFetch/>
            <Origins/>
        </main>
    }
}

/// The table of lab origins.
#[component]
fn Origins() -> impl IntoView {
    view! {
        <section aria-labelledby="origins-title">
            <h2 id="origins-title">"The lab's origins"</h2>
            <ul class="origins">
                {HOSTS.iter().map(|(name, about)| view! {
                    <li><a href=lab_url(name)>{*name}</a>" — "{*about}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Runs one credentialed GET of the API's balance from this page's origin and explains it.
#[component]
fn TryFetch() -> impl IntoView {
    let policy = RwSignal::new(POLICIES[0].0.to_owned());
    let result = RwSignal::new(None::<Attempt>);
    let busy = RwSignal::new(false);
    let run = move |_| {
        busy.set(true);
        let policy = policy.get_untracked();
        leptos::task::spawn_local(async move {
            result.set(Some(attempt(&policy).await));
            busy.set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="try-title">
            <h2 id="try-title">"Read FinTrack's balance from this origin"</h2>
            <label>
                "API policy "
                <select on:change=move |ev| policy.set(event_target_value(&ev)) prop:value=move || policy.get()>
                    {POLICIES.iter().map(|(id, label)| view! { <option value=*id>{*label}</option> }).collect_view()}
                </select>
            </label>
            <button on:click=run disabled=move || busy.get()>"Run fetch (credentials: include)"</button>
            {move || result.get().map(|attempt| view! { <AttemptView attempt/> })}
        </section>
    }
}

/// What happened to one fetch, and what the engine says.
#[derive(Debug, Clone)]
struct Attempt {
    url: String,
    outcome: Result<(u16, String), String>,
    seen: Option<Seen>,
    verdict: Option<Verdict>,
}

async fn attempt(policy: &str) -> Attempt {
    let run = format!("r{}", js_sys::Date::now() as u64);
    let url = format!("{}/me/balance?policy={policy}&run={run}", lab_url("api.fintrack.localhost"));
    let outcome = match HttpRequest::get(&url).credentials(RequestCredentials::Include).send().await {
        Ok(response) => Ok((response.status(), response.text().await.unwrap_or_default())),
        Err(e) => Err(e.to_string()),
    };
    let seen = server_log(&run).await.and_then(|page| page.entries.into_iter().rev().find(|e| !e.preflight));
    let verdict =
        seen.as_ref().and_then(|seen| exchange_for(&url, seen)).map(|x| corslab_engine::explain(&x));
    Attempt { url, outcome, seen, verdict }
}

async fn server_log(run: &str) -> Option<LogPage> {
    let response = HttpRequest::get(&format!("/__lab/log?run={run}")).send().await.ok()?;
    response.json().await.ok()
}

/// The Exchange for a credentialed GET from this page, answered as the server recorded.
fn exchange_for(url: &str, seen: &Seen) -> Option<Exchange> {
    let page = corslab_engine::origin::Origin::parse(&location().origin().ok()?).ok()?;
    let headers: HeaderList =
        seen.response_headers.iter().filter_map(|(n, v)| Header::new(n, v).ok()).collect();
    Some(Exchange {
        browser: Default::default(),
        page,
        top_level: None,
        settings: Default::default(),
        request: Request {
            method: Default::default(),
            url: url.parse().ok()?,
            headers: HeaderList::new(),
            mode: Default::default(),
            credentials: CredentialsMode::Include,
            redirect: Default::default(),
        },
        cookies: Vec::new(),
        preflight: None,
        response: Answer { status: seen.status, headers },
        next: None,
    })
}

#[component]
fn AttemptView(attempt: Attempt) -> impl IntoView {
    let actual = match &attempt.outcome {
        Ok((status, body)) => format!("Read allowed: status {status}, body {body}"),
        Err(e) => format!("Blocked: {e}"),
    };
    let agreement = attempt.verdict.as_ref().map(|v| {
        let predicted_read = v.read == Read::Allowed;
        let agrees = predicted_read == attempt.outcome.is_ok();
        let (class, text) = if agrees {
            ("badge agree", "The engine's prediction matches what this browser did")
        } else {
            ("badge disagree", "DISAGREEMENT: the engine predicted otherwise")
        };
        view! { <p class=class role="status">{text}</p> }
    });
    let seen = attempt.seen.as_ref().map(|s| {
        format!(
            "The server saw {} {} from Origin {} and answered {}",
            s.method,
            s.target,
            s.request_header("origin").unwrap_or("(none)"),
            s.status
        )
    });
    let steps = attempt.verdict.clone().map(|v| {
        v.steps.into_iter().map(|step| {
            let mark = match step.outcome { Outcome::Pass => "✔", Outcome::Fail => "✘", Outcome::Info => "·" };
            view! { <li><span class="mark">{mark}</span>" "{step.says}" "<a href=step.spec>"spec"</a></li> }
        }).collect_view()
    });
    let console = attempt.verdict.as_ref().and_then(|v| v.console.clone());
    view! {
        <div class="attempt">
            <p><code>{attempt.url.clone()}</code></p>
            <p class="actual">{actual}</p>
            <p>{seen}</p>
            {agreement}
            <ol class="steps">{steps}</ol>
            {console.map(|c| view! { <pre class="console">{c}</pre> })}
        </div>
    }
}

/// The URL of a lab host on this page's port.
pub fn lab_url(host: &str) -> String {
    let port = location().port().unwrap_or_default();
    if port.is_empty() { format!("http://{host}") } else { format!("http://{host}:{port}") }
}

fn location() -> web_sys::Location {
    window().location()
}
