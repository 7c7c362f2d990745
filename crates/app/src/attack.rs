//! The attacker pages (the giveaway, the compromised blog, the lookalike hosts) and the
//! partner's page: each runs the real `fetch()` from its own origin with the options in its
//! URL, shows what it got, what the server received and the engine's explanation, and, when
//! the console opened it, reports the run back to the console.

use corslab_engine::exchange::CredentialsMode;
use corslab_lab::PolicyId;
use corslab_lab::hosts::{ATTACKER, PARTNER, SIBLING};
use leptos::prelude::*;

use crate::page;
use crate::report::RunReport;
use crate::run::{self, Report};
use crate::scenario::{Kind, Position, Scenario, credentials_from_id};

/// The page of an attacker (or the partner) on this host, running `scenario`.
#[component]
pub fn AttackPage(
    /// Where the page runs.
    home: Position,
    /// The scenario from the URL (or the story step).
    scenario: Scenario,
    /// Run at once (the console or the story asked for it).
    auto: bool,
) -> impl IntoView {
    let scenario = RwSignal::new(scenario);
    let report = RwSignal::new(None::<Report>);
    let busy = RwSignal::new(false);
    // The console names the first run (`?run=`) so it can watch the server's log for it.
    let first_run = StoredValue::new(page::query().get("run").map(str::to_owned));
    let go = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let scenario_now = scenario;
        let scenario = scenario.get_untracked();
        let run_id = first_run.try_update_value(Option::take).flatten();
        leptos::task::spawn_local(async move {
            let done = run::run(&scenario, run_id).await;
            // Options changed during the run: its report no longer describes the page.
            if scenario_now.with_untracked(|now| *now == scenario) {
                report.set(Some(done));
            }
            busy.set(false);
        });
    };
    // A report shows the options it ran with: once they change, the page (and its link) no
    // longer match it, so it goes until the next run.
    Effect::new(move |before: Option<Scenario>| {
        let now = scenario.get();
        if before.is_some_and(|before| before != now) {
            report.set(None);
        }
        now
    });
    if auto {
        go();
    }
    // The URL always holds the scenario, so the address bar is a link that replays it.
    Effect::new(move |_| {
        let mut query = page::query();
        scenario.get().write(&mut query);
        query.remove("auto");
        query.remove("run");
        // The jar is this browser's, not part of a link someone else opens; the story alone
        // carries it from step to step.
        if crate::story::current().is_none() {
            query.remove("jar");
        }
        page::replace_query(&query);
    });
    let csrf = (home == Position::CrossSite).then(|| view! { <CsrfForm/> });
    view! {
        <Pitch home/>
        {csrf}
        <section class="panel attack" aria-labelledby="attack-title">
            <h2 id="attack-title">"The script on this page"</h2>
            <AttackOptions home scenario/>
            // Busy, the button stays enabled (and says so), so the keyboard focus stays on it.
            <button type="button" class="run" on:click=move |_| go() aria-disabled=move || busy.get().to_string()>
                {move || if busy.get() { "Running…" } else { "Run it for real" }}
            </button>
            <div aria-live="polite">
                {move || report.get().map(|report| view! { <RunReport report legitimate=home.legitimate()/> })}
            </div>
        </section>
    }
}

/// What the page pretends to be.
#[component]
fn Pitch(home: Position) -> impl IntoView {
    let (class, title, text) = match home {
        Position::CrossSite | Position::NullOrigin => (
            "pitch scam",
            "FREE CRYPTO GIVEAWAY",
            "Claim 0.5 BTC in one click! (This is the scammer's site. Its script quietly asks FinTrack's API \
             for your data while you read.)",
        ),
        Position::Sibling => (
            "pitch blog",
            "The FinTrack blog: ten budgeting tips",
            "A community post on FinTrack's own blog, which accepts user content. The scammer hid a script in \
             it, and this host is the same site as FinTrack.",
        ),
        Position::Partner => (
            "pitch partner",
            "Partner: tax-return helper",
            "A partner FinTrack legitimately trusts. The right fix keeps this page working.",
        ),
        Position::Dashboard => (
            "pitch",
            "FinTrack's own dashboard",
            "The legitimate app: the same site as its API but another host, so another origin. The right \
             policy lets it read.",
        ),
        _ => (
            "pitch lookalike",
            "A lookalike host",
            "This host exists only to fool a careless origin check on FinTrack's API: a prefix match, a suffix \
             match or a regex with an unescaped dot.",
        ),
    };
    view! { <PitchHeader class title text/> }
}

/// A page's banner: its host, what it pretends to be, and a line on its part in the lab. Its
/// title heads the page, except in story mode, where the step's title does and this one
/// follows it.
#[component]
pub fn PitchHeader(class: &'static str, title: &'static str, text: &'static str) -> impl IntoView {
    let heading = if crate::story::current().is_some() {
        view! { <h2>{title}</h2> }.into_any()
    } else {
        view! { <h1>{title}</h1> }.into_any()
    };
    view! {
        <header class=class>
            <p class="pitch-host">{page::host()}</p>
            {heading}
            <p>{text}</p>
        </header>
    }
}

/// The classic CSRF: a real cross-site form that posts a transfer to FinTrack's API as a
/// top-level navigation. CORS has no say here (the form never reads the answer): only the
/// session cookie's `SameSite` decides whether the money moves, which the console's ledger shows.
#[component]
fn CsrfForm() -> impl IntoView {
    let action = page::lab_url(corslab_lab::hosts::API, &format!("/me/transfer?run={}", run::new_run_id()));
    view! {
        <form class="panel csrf" method="post" action=action aria-labelledby="csrf-title">
            <h2 id="csrf-title">"Claim your prize"</h2>
            <p class="muted">
                "This button submits a plain HTML form to FinTrack's API: a cross-site POST the browser sends as a navigation. CORS does not apply; the cookie's SameSite attribute alone decides whether the transfer carries Alex's session. Check the ledger in the console afterwards."
            </p>
            <input type="hidden" name="to" value="LAB-6666-0001"/>
            <input type="hidden" name="amount" value="99.00"/>
            <input type="hidden" name="memo" value="prize fee"/>
            <button type="submit" class="run">"Claim 0.5 BTC now"</button>
        </form>
    }
}

/// The request kind, credentials, policy and (on the giveaway) the frame to run from.
#[component]
pub fn AttackOptions(home: Position, scenario: RwSignal<Scenario>) -> impl IntoView {
    let policies = policy_options(move || scenario.get().policy);
    let frame = (home == Position::CrossSite || home == Position::NullOrigin).then(|| {
        view! {
            <label>
                "Run from "
                <select on:change=move |ev| {
                    let from = if event_target_value(&ev) == "null" { Position::NullOrigin } else { Position::CrossSite };
                    scenario.update(|s| s.from = from);
                }>
                    <option value="page" prop:selected=move || scenario.get().from == Position::CrossSite>"this page"</option>
                    <option value="null" prop:selected=move || scenario.get().from == Position::NullOrigin>"a sandboxed iframe (Origin: null)"</option>
                </select>
            </label>
        }
    });
    view! {
        <div class="options">
            {frame}
            <RequestChoices scenario/>
            <label>
                "FinTrack's API policy "
                <select on:change=move |ev| {
                    if let Some(policy) = PolicyId::from_id(&event_target_value(&ev)) {
                        scenario.update(|s| s.policy = policy);
                    }
                }>{policies}</select>
            </label>
        </div>
    }
}

/// The request kind and the credentials mode: a `<select>` each, writing the scenario.
#[component]
pub fn RequestChoices(scenario: RwSignal<Scenario>) -> impl IntoView {
    let kinds = Kind::ALL
        .iter()
        .map(|k| view! { <option value=k.id() prop:selected=move || scenario.get().kind == *k>{k.label()}</option> })
        .collect_view();
    let creds = [CredentialsMode::Include, CredentialsMode::SameOrigin, CredentialsMode::Omit]
        .into_iter()
        .map(|m| {
            let id = m.as_str();
            view! { <option value=id prop:selected=move || scenario.get().credentials == m>{id}</option> }
        })
        .collect_view();
    view! {
        <label>
            "Request "
            <select on:change=move |ev| {
                if let Some(kind) = Kind::from_id(&event_target_value(&ev)) {
                    scenario.update(|s| s.kind = kind);
                }
            }>{kinds}</select>
        </label>
        <label>
            "Credentials "
            <select on:change=move |ev| {
                if let Some(mode) = credentials_from_id(&event_target_value(&ev)) {
                    scenario.update(|s| s.credentials = mode);
                }
            }>{creds}</select>
        </label>
    }
}

/// The sixteen policies as `<option>`s, the current one selected.
pub fn policy_options(current: impl Fn() -> PolicyId + Copy + Send + Sync + 'static) -> impl IntoView {
    PolicyId::ALL
        .iter()
        .map(|p| {
            let label = format!("{}. {}", p.number(), corslab_lab::catalog::title(*p));
            view! { <option value=p.id() prop:selected=move || current() == *p>{label}</option> }
        })
        .collect_view()
}

/// The position a page on this host plays, when it is an attacker's or the partner's.
pub fn home_position(host: &str) -> Option<Position> {
    match host {
        ATTACKER => Some(Position::CrossSite),
        SIBLING => Some(Position::Sibling),
        PARTNER => Some(Position::Partner),
        other => Position::of_host(other).filter(|p| *p != Position::Dashboard),
    }
}
