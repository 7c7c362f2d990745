//! The lab app's components. One build serves every lab origin; the host (and on the console's
//! host, the path) picks the page.
//!
//! `main.rs` only mounts [`App`]. Pages run real `fetch()` calls from their own origin, read
//! what the server saw from `/__lab/log` on that same origin, and ask the engine (compiled into
//! this Wasm) to explain the outcome and whether it predicted what this browser did.
//!
//! | host | page |
//! |---|---|
//! | `lab.localhost` | [`console::Console`] at `/`, story mode at `/story`, [`playground::Playground`] at `/playground` |
//! | `fintrack.localhost` | [`dashboard::Dashboard`], the victim's |
//! | the giveaway, the blog, the lookalikes, the partner | [`attack::AttackPage`] |
//! | any page with `?story=N` | that story step, with the presenter's bar |
//!
//! Reactive parts of a view are written as `{move || …}` blocks, also around a closure that
//! has a name (`{move || status()}`): with `erase_components`, Leptos compiles such blocks
//! through one shared path per output type, while a closure passed by name gets a copy of that
//! machinery of its own (about 0.9 KB of gzipped Wasm across the app when this was measured).

use corslab_engine::Exchange;
use corslab_lab::hosts::{CONSOLE, DASHBOARD};
use leptos::prelude::*;
use serde::Serialize as _;
use wasm_bindgen::prelude::*;

pub mod attack;
pub mod audit_view;
pub mod console;
pub mod dashboard;
pub mod explain_panel;
pub mod har_view;
pub mod idna;
pub mod net;
pub mod page;
pub mod paste;
pub mod playground;
pub mod policy_view;
pub mod query;
pub mod report;
pub mod run;
pub mod scenario;
pub mod story;

use crate::scenario::{Position, Scenario};
use crate::story::{Action, STEPS, Step, StoryBar};

/// Explains an Exchange given as a JavaScript object and returns the Verdict as one, so plain
/// scripts and the DevTools console can call the engine: `wasmBindings.explain({...})`. Unicode
/// host names are converted the way this browser converts them ([`idna`]).
#[wasm_bindgen]
pub fn explain(exchange: JsValue) -> Result<JsValue, JsValue> {
    idna::ascii_exchange(&exchange);
    let exchange: Exchange = serde_wasm_bindgen::from_value(exchange)
        .map_err(|e| JsValue::from_str(&format!("not an Exchange: {e}")))?;
    let verdict = corslab_engine::explain(&exchange);
    verdict.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(JsValue::from)
}

/// The whole app: the page for this host, then a `data-ready` marker on `<body>` so tests and
/// the benchmark know when the page is interactive.
#[component]
pub fn App() -> impl IntoView {
    let (host, path) = (page::host(), page::path());
    let page = match story::current() {
        Some((n, step)) => {
            page::set_title(&format!("Story, step {} of {}: {}", n + 1, STEPS.len(), step.title));
            view! { <StoryPage n step/> }.into_any()
        }
        None => {
            page::set_title(&title(&host, &path));
            host_page(&host, &path)
        }
    };
    request_animation_frame(mark_ready);
    view! {
        <TopBar/>
        <main id="main">{page}</main>
    }
}

/// The lab's name, this host's role, and the lab's pages.
#[component]
pub fn TopBar() -> impl IntoView {
    let host = page::host();
    let role = corslab_lab::hosts::lookup(&host).map_or("not a lab host", |h| h.about);
    view! {
        <a class="skip" href="#main">"Skip to the page"</a>
        <header class="topbar">
            <a class="brand" href=page::lab_url(CONSOLE, "/")>"corslab"</a>
            <span class="role"><code>{host}</code>" · "{role}</span>
            <nav aria-label="Lab pages" class="nav">
                <a href=page::lab_url(CONSOLE, "/")>"Console"</a>
                <a href=page::lab_url(CONSOLE, "/story")>"Story"</a>
                <a href=page::lab_url(CONSOLE, "/playground")>"Playground"</a>
                <a href=page::lab_url(DASHBOARD, "/")>"FinTrack"</a>
            </nav>
        </header>
    }
}

/// A story step: the presenter's bar, then the step playing on this page.
#[component]
pub fn StoryPage(n: usize, step: &'static Step) -> impl IntoView {
    let here = page::host() == step.host;
    let body = if !here {
        // Opened on the wrong host (an edited URL): offer the right one rather than pretend.
        let url = story::step_url(n).unwrap_or_default();
        view! { <p class="problem">"This step plays on "<a href=url>{step.host}</a>"."</p> }.into_any()
    } else {
        match step.action {
            Action::PrepareLab => view! { <PrepareLab/> }.into_any(),
            Action::SignIn(policy) => {
                view! { <dashboard::Dashboard policy=Some(policy) sign_in=true/> }.into_any()
            }
            Action::Attack(from, kind, policy) => {
                let jar = page::query().get("jar").and_then(scenario::Jar::from_param);
                let scenario = Scenario { from, kind, policy, jar, ..Scenario::default() };
                view! { <attack::AttackPage home=from scenario auto=true/> }.into_any()
            }
            Action::ShowFix(faulty, _) => view! {
                <section class="panel" aria-labelledby="fix-title">
                    <h2 id="fix-title">"The faulty code and its fix"</h2>
                    <policy_view::PolicyCard policy=faulty/>
                </section>
            }
            .into_any(),
        }
    };
    view! {
        <div class="story-mode">
            <StoryBar n step/>
            {body}
        </div>
    }
}

/// The story's first step: gives the session cookie today's default attributes.
#[component]
fn PrepareLab() -> impl IntoView {
    let status = RwSignal::new("Preparing the lab…".to_owned());
    leptos::task::spawn_local(async move {
        let command = r#"{"action":"set-cookie","cookie":{"same_site":"lax","partitioned":false}}"#;
        status.set(match net::control(command).await {
            Ok(state) => format!(
                "Ready. FinTrack will set: Set-Cookie: {}. Press → or Page Down to begin.",
                state.cookie.set_cookie("…")
            ),
            Err(e) => format!("The lab could not be prepared: {e}"),
        });
    });
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| view! { <li><a href=story::step_url(i).unwrap_or_default()>{s.title}</a>" · "<code>{s.host}</code></li> })
        .collect_view();
    view! {
        <p class="status" role="status" data-prepared=move || (!status.get().starts_with("Preparing")).to_string()>{move || status.get()}</p>
        <ol class="story-steps">{steps}</ol>
    }
}

/// The page for a host and path outside the story.
fn host_page(host: &str, path: &str) -> AnyView {
    let query = page::query();
    match host {
        CONSOLE if path.starts_with("/playground") => view! { <playground::Playground/> }.into_any(),
        CONSOLE if path.starts_with("/story") => view! { <StoryPage n=0 step=&STEPS[0]/> }.into_any(),
        CONSOLE => view! { <console::Console/> }.into_any(),
        DASHBOARD if query.get("kind").is_none() => {
            let policy = query.get("policy").and_then(corslab_lab::PolicyId::from_id);
            view! { <dashboard::Dashboard policy sign_in=false/> }.into_any()
        }
        _ => match attack::home_position(host).or(Position::of_host(host)) {
            Some(home) => {
                let scenario = Scenario::from_query(&query, home);
                if scenario.from.host() != host {
                    // An edited link: the fetch would run from this page while the explanation
                    // spoke of another. Offer the page it belongs to rather than pretend.
                    let there = scenario.from.host();
                    let url = page::lab_url(there, &format!("/{}", query.to_search()));
                    return view! {
                        <p class="problem">"This attack runs from "<a href=url>{there}</a>", not from this page's host."</p>
                    }
                    .into_any();
                }
                let auto = query.get("auto") == Some("1");
                view! { <attack::AttackPage home scenario auto/> }.into_any()
            }
            None => view! { <UnknownHost/> }.into_any(),
        },
    }
}

/// The title of the page `host_page` shows: the console's page, or the host and its part in
/// the lab, so every tab and history entry says which origin it is.
fn title(host: &str, path: &str) -> String {
    match host {
        CONSOLE if path.starts_with("/playground") => "Playground".to_owned(),
        CONSOLE => "Console".to_owned(),
        _ => match corslab_lab::hosts::lookup(host) {
            Some(lab) => format!("{host}: {}", lab.about),
            None => host.to_owned(),
        },
    }
}

/// A host the lab does not know (the app opened elsewhere).
#[component]
fn UnknownHost() -> impl IntoView {
    view! {
        <h1>"corslab"</h1>
        <p>"This page plays no part in the lab. Open "<a href="http://lab.localhost:8080/">"the console"</a>"."</p>
    }
}

/// Marks the first page interactive: `data-ready` on `<body>` for tests, and a
/// `corslab-ready` performance mark (milliseconds since navigation start) for the benchmark.
fn mark_ready() {
    let window = net::window();
    if let Some(performance) = window.performance() {
        let _ = performance.mark("corslab-ready");
    }
    if let Some(body) = window.document().and_then(|d| d.body()) {
        let _ = body.set_attribute("data-ready", "true");
    }
}
