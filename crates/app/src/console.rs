//! The console on `lab.localhost`: choose the API policy and the session cookie's attributes
//! (the lab's control plane), the attacker's position, the request and the credentials mode;
//! run it for real from the attacker's own origin; watch the live exchange log and the ledger;
//! read the policy's faulty code and its fix, and what every position gets under it.

use corslab_engine::Browser;
use corslab_engine::exchange::{CredentialsMode, ThirdPartyCookies};
use corslab_engine::observed::Seen;
use corslab_lab::outcomes::{self, Gets};
use corslab_lab::state::{Effect as SideEffect, LedgerEntry};
use corslab_lab::{CookieSettings, LabState, LiveEvent, PolicyId, Ports};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::attack::policy_options;
use crate::net::{self, PageOutcome, window};
use crate::page::{self, lab_url};
use crate::policy_view::PolicyCard;
use crate::query::Query;
use crate::report::{RunReport, SeenRow};
use crate::run::{self, Report, page_port, this_browser};
use crate::scenario::{
    Jar, Kind, Position, Scenario, credentials_from_id, credentials_id, same_site_from_id, same_site_id,
};

/// How many live log entries the console keeps on screen.
const LIVE_ROWS: usize = 30;

/// The console page.
#[component]
pub fn Console() -> impl IntoView {
    let query = page::query();
    let mut start = Scenario::from_query(&query, Position::Sibling);
    start.jar = stored_jar();
    let scenario = RwSignal::new(start);
    let cookie = RwSignal::new(cookie_from_query(&query).unwrap_or_default());
    let status = RwSignal::new(String::new());
    let lab = RwSignal::new(None::<LabState>);
    let report = RwSignal::new(None::<Report>);
    let pending = RwSignal::new(None::<Scenario>);

    // A link names a policy and cookie: make the lab match it; otherwise show what the lab runs.
    let url_policy = query.get("policy").and_then(PolicyId::from_id);
    let url_cookie = cookie_from_query(&query);
    leptos::task::spawn_local(async move {
        match net::lab_state().await {
            Ok(state) => {
                if url_policy.is_none() {
                    scenario.update(|s| s.policy = state.policy);
                }
                if url_cookie.is_none() {
                    cookie.set(state.cookie);
                }
                lab.set(Some(state));
                apply(scenario.get_untracked().policy, cookie.get_untracked(), lab, status).await;
            }
            Err(e) => status.set(format!("The lab server did not answer: {e}")),
        }
    });
    Effect::new(move |_| {
        let mut query = Query::default();
        scenario.get().write(&mut query);
        // The jar is this browser's, not part of a shared demo.
        query.remove("jar");
        let c = cookie.get();
        query.set("samesite", same_site_id(c.same_site));
        query.set_unless("partitioned", if c.partitioned { "1" } else { "0" }, "0");
        page::replace_query(&query);
    });
    listen_for_pages(scenario, pending, report);

    let run_it = move |_| {
        let s = scenario.get_untracked();
        let mut query = Query::default();
        s.write(&mut query);
        query.set("auto", "1");
        let url = lab_url(s.from.host(), &format!("/{}", query.to_search()));
        pending.set(Some(s));
        report.set(None);
        status.set(format!("Running from {}…", s_from_label(&url)));
        // A top-level window, as a victim's tab would be: framing would change which cookies go.
        if window().open_with_url_and_target(&url, "corslab-run").ok().flatten().is_none() {
            status.set(format!("The browser blocked the window: open {url} yourself"));
        }
    };
    let sign_in = move |_| {
        let url = lab_url(corslab_lab::hosts::DASHBOARD, "/");
        let _ = window().open_with_url_and_target(&url, "corslab-run");
    };

    view! {
        <header class="page-title">
            <h1>"The lab console"</h1>
            <p class="lead">
                "Pick FinTrack's CORS policy and its session cookie, pick where the attacker stands and what it asks for, and run it for real: the attacker's page opens in its own tab, on its own origin, and reports back here."
            </p>
        </header>
        <div class="console-grid">
            <section class="panel" aria-labelledby="setup-title">
                <h2 id="setup-title">"The lab"</h2>
                <LabControls scenario cookie lab status/>
                <h2>"The attack"</h2>
                <RunControls scenario/>
                <p class="jar">{move || jar_text(scenario.get().jar)}</p>
                <div class="actions">
                    <button type="button" class="run" on:click=run_it>"Run it for real"</button>
                    <button type="button" on:click=sign_in>"Sign in on FinTrack"</button>
                    <button type="button" on:click=move |_| forget_jar(scenario)>"Forget the session"</button>
                </div>
                <p class="status" role="status">{move || status.get()}</p>
            </section>
            <section class="panel" aria-labelledby="result-title">
                <h2 id="result-title">"The last run"</h2>
                {move || match report.get() {
                    Some(report) => view! { <RunReport report/> }.into_any(),
                    None => view! { <p class="muted">"Nothing has run from this console yet."</p> }.into_any(),
                }}
            </section>
        </div>
        <section class="panel" aria-labelledby="policy-title">
            <h2 id="policy-title">"The policy"</h2>
            {move || view! { <PolicyCard policy=scenario.get().policy/> }}
            {move || {
                let ports = lab.get().map_or_else(|| Ports::main(page_port()), |s| s.ports);
                view! { <OutcomeTable policy=scenario.get().policy cookie=cookie.get() ports/> }
            }}
        </section>
        <LiveLog/>
    }
}

/// The lab's API policy and the session cookie's attributes: writes to the control plane.
#[component]
fn LabControls(
    scenario: RwSignal<Scenario>,
    cookie: RwSignal<CookieSettings>,
    lab: RwSignal<Option<LabState>>,
    status: RwSignal<String>,
) -> impl IntoView {
    let changed = move || {
        leptos::task::spawn_local(async move {
            apply(scenario.get_untracked().policy, cookie.get_untracked(), lab, status).await;
        });
    };
    let same_sites = ["lax", "strict", "none", "unset"]
        .into_iter()
        .map(|id| {
            let label = match id {
                "lax" => "SameSite=Lax (today's default)",
                "strict" => "SameSite=Strict",
                "none" => "SameSite=None; Secure",
                _ => "no SameSite attribute",
            };
            view! { <option value=id selected=move || same_site_id(cookie.get().same_site) == id>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="options">
            <label>
                "FinTrack's API policy "
                <select on:change=move |ev| {
                    if let Some(policy) = PolicyId::from_id(&event_target_value(&ev)) {
                        scenario.update(|s| s.policy = policy);
                        changed();
                    }
                }>{policy_options(move || scenario.get().policy)}</select>
            </label>
            <label>
                "Session cookie "
                <select on:change=move |ev| {
                    if let Some(same_site) = same_site_from_id(&event_target_value(&ev)) {
                        cookie.update(|c| c.same_site = same_site);
                        changed();
                    }
                }>{same_sites}</select>
            </label>
            <label>
                <input type="checkbox" prop:checked=move || cookie.get().partitioned on:change=move |ev| {
                    cookie.update(|c| c.partitioned = event_target_checked(&ev));
                    changed();
                }/>
                " Partitioned"
            </label>
            <p class="muted">"The cookie's attributes apply at the next sign-in on FinTrack."</p>
        </div>
    }
}

/// Where the attacker stands, what it asks for, and with which credentials.
#[component]
fn RunControls(scenario: RwSignal<Scenario>) -> impl IntoView {
    let positions = Position::ALL
        .iter()
        .map(|p| view! { <option value=p.id() selected=move || scenario.get().from == *p>{p.label()}</option> })
        .collect_view();
    let kinds = Kind::ALL
        .iter()
        .map(|k| view! { <option value=k.id() selected=move || scenario.get().kind == *k>{k.label()}</option> })
        .collect_view();
    let creds = [CredentialsMode::Include, CredentialsMode::SameOrigin, CredentialsMode::Omit]
        .into_iter()
        .map(|m| {
            let id = credentials_id(m);
            view! { <option value=id selected=move || scenario.get().credentials == m>{id}</option> }
        })
        .collect_view();
    view! {
        <div class="options">
            <label>
                "Attacker's position "
                <select on:change=move |ev| {
                    if let Some(from) = Position::from_id(&event_target_value(&ev)) {
                        scenario.update(|s| s.from = from);
                    }
                }>{positions}</select>
            </label>
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
        </div>
    }
}

/// What every position gets under `policy` with `cookie`, in each browser, computed by the
/// engine from the policy's real answers.
#[component]
fn OutcomeTable(policy: PolicyId, cookie: CookieSettings, ports: Ports) -> impl IntoView {
    let rows = match outcomes::outcomes(policy, &ports, &cookie) {
        Ok(rows) => rows,
        Err(e) => return view! { <p class="problem">{e}</p> }.into_any(),
    };
    let body = outcomes::Position::ALL
        .iter()
        .filter_map(|position| {
            let cells: Vec<_> = rows.iter().filter(|o| o.position == *position).collect();
            let first = cells.first()?;
            let legit = position.legitimate();
            let cells = cells
                .iter()
                .map(|o| {
                    let (text, class) = match (o.read.gets, legit) {
                        (Gets::AccountData, false) => ("reads the account", "gets leak"),
                        (Gets::AccountData, true) => ("reads the account", "gets fine"),
                        (Gets::AnonymousResponse, _) => ("reads, anonymously", "gets anon"),
                        (Gets::Nothing, false) => ("nothing", "gets fine"),
                        (Gets::Nothing, true) => ("nothing (broken)", "gets broken"),
                    };
                    let write =
                        if o.write.request_sent && o.write.with_session { " · PUT lands" } else { "" };
                    view! { <td class=class>{text}{write}</td> }
                })
                .collect_view();
            let who = format!("{}{}", first.origin, if legit { " (legitimate)" } else { "" });
            Some(view! { <tr><th scope="row"><code>{who}</code></th>{cells}</tr> })
        })
        .collect_view();
    let heads = outcomes::Setting::ALL
        .iter()
        .map(|s| {
            let browser = if s.browser == Browser::Firefox { "Firefox" } else { "Chromium" };
            let cookies = if s.third_party_cookies == ThirdPartyCookies::Allowed {
                "third-party cookies allowed"
            } else {
                "defaults"
            };
            view! { <th scope="col">{browser}<br/><span class="muted">{cookies}</span></th> }
        })
        .collect_view();
    view! {
        <h3>"What each origin gets: a credentialed read of /me/balance (and a JSON PUT)"</h3>
        <div class="table-wrap">
            <table class="outcomes">
                <thead><tr><th scope="col">"Page origin"</th>{heads}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Every request reaching the API and every side effect, live (server-sent events).
#[component]
fn LiveLog() -> impl IntoView {
    let seen = RwSignal::new(Vec::<Seen>::new());
    let ledger = RwSignal::new(Vec::<LedgerEntry>::new());
    let note = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        if let Ok(page) = net::ledger().await {
            ledger.set(page.entries.into_iter().rev().take(LIVE_ROWS).collect());
        }
    });
    if let Ok(source) = web_sys::EventSource::new("/__lab/events") {
        let on_event =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(data) = event.data().as_string() else { return };
                let Ok(value) = js_sys::JSON::parse(&data) else { return };
                match serde_wasm_bindgen::from_value::<LiveEvent>(value) {
                    Ok(LiveEvent::Seen(s)) => seen.update(|v| push_front(v, s)),
                    Ok(LiveEvent::Ledger(l)) => ledger.update(|v| push_front(v, l)),
                    Ok(LiveEvent::Lagged { missed }) => {
                        note.set(format!("The feed fell behind and missed {missed} events"))
                    }
                    _ => {}
                }
            });
        for name in ["seen", "ledger", "state", "lagged"] {
            let _ = source.add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref());
        }
        // The feed lives as long as the page: the console is never unmounted.
        on_event.forget();
    }
    view! {
        <section class="panel" aria-labelledby="live-title">
            <h2 id="live-title">"Live: what reaches FinTrack's API"</h2>
            <p class="muted">{move || note.get()}</p>
            <div class="table-wrap">
                <table class="log live" aria-live="off">
                    <thead>
                        <tr>
                            <th scope="col">"Request"</th>
                            <th scope="col">"Origin"</th>
                            <th scope="col">"Cookies"</th>
                            <th scope="col">"Sec-Fetch-Site"</th>
                            <th scope="col">"Answer"</th>
                        </tr>
                    </thead>
                    <tbody>{move || seen.get().into_iter().map(|s| view! { <SeenRow seen=s/> }).collect_view()}</tbody>
                </table>
            </div>
            <h3>"The ledger: side effects that happened"</h3>
            <ul class="ledger">
                {move || ledger.get().into_iter().map(|e| view! { <li>{ledger_line(&e)}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// Sends the console's policy and cookie choice to the lab when they differ from its state.
async fn apply(
    policy: PolicyId,
    cookie: CookieSettings,
    lab: RwSignal<Option<LabState>>,
    status: RwSignal<String>,
) {
    let current = lab.get_untracked();
    let mut commands = Vec::new();
    if current.as_ref().map(|s| s.policy) != Some(policy) {
        commands.push(format!(r#"{{"action":"set-policy","policy":"{}"}}"#, policy.id()));
    }
    if current.as_ref().map(|s| s.cookie) != Some(cookie) {
        commands.push(format!(
            r#"{{"action":"set-cookie","cookie":{{"same_site":"{}","partitioned":{}}}}}"#,
            same_site_id(cookie.same_site),
            cookie.partitioned
        ));
    }
    for command in commands {
        match net::control(&command).await {
            Ok(state) => {
                lab.set(Some(state));
                status.set("The lab now runs this setup".to_owned());
            }
            Err(e) => status.set(format!("The lab refused the change: {e}")),
        }
    }
}

/// Listens for pages the console opened: a finished run (explained here from the server's log)
/// and the session cookie the dashboard set or cleared.
fn listen_for_pages(
    scenario: RwSignal<Scenario>,
    pending: RwSignal<Option<Scenario>>,
    report: RwSignal<Option<Report>>,
) {
    let port = page_port();
    let callback = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        if !is_lab_origin(&event.origin(), port) {
            return;
        }
        let data = event.data();
        let get =
            |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).ok().and_then(|v| v.as_string());
        match get("type").as_deref() {
            Some("corslab-jar") => {
                let jar = get("jar").as_deref().and_then(Jar::from_param);
                store_jar(jar);
                scenario.update(|s| s.jar = jar);
            }
            Some("corslab-run") => {
                let (Some(run), Some(s)) = (get("run"), pending.get_untracked()) else { return };
                let page = match get("outcome").as_deref() {
                    Some("read") => PageOutcome::Read {
                        status: js_sys::Reflect::get(&data, &"status".into())
                            .ok()
                            .and_then(|v| v.as_f64())
                            .unwrap_or(0.0) as u16,
                        body: get("body").unwrap_or_default(),
                    },
                    Some("opaque") => PageOutcome::Opaque,
                    _ => PageOutcome::Failed(get("error").unwrap_or_default()),
                };
                leptos::task::spawn_local(async move {
                    let call = s.call(port, &run);
                    let attempt = s.attempt(&call, this_browser(), port, net::now_ms());
                    report.set(Some(run::observe_and_explain(run, call, page, attempt.as_ref(), port).await));
                });
            }
            _ => {}
        }
    });
    let _ = window().add_event_listener_with_callback("message", callback.as_ref().unchecked_ref());
    callback.forget();
}

/// Whether `origin` is one of the lab's page origins on this port.
fn is_lab_origin(origin: &str, port: u16) -> bool {
    corslab_lab::HOSTS.iter().any(|h| corslab_lab::hosts::origin_on(h.name, port) == origin)
}

fn cookie_from_query(query: &Query) -> Option<CookieSettings> {
    let same_site = query.get("samesite").and_then(same_site_from_id)?;
    Some(CookieSettings { same_site, partitioned: query.get("partitioned") == Some("1") })
}

const JAR_KEY: &str = "corslab.jar";

fn stored_jar() -> Option<Jar> {
    let storage = window().session_storage().ok().flatten()?;
    storage.get_item(JAR_KEY).ok().flatten().as_deref().and_then(Jar::from_param)
}

fn store_jar(jar: Option<Jar>) {
    if let Some(storage) = window().session_storage().ok().flatten() {
        let _ = match jar {
            Some(jar) => storage.set_item(JAR_KEY, &jar.to_param()),
            None => storage.remove_item(JAR_KEY),
        };
    }
}

fn forget_jar(scenario: RwSignal<Scenario>) {
    store_jar(None);
    scenario.update(|s| s.jar = None);
}

fn jar_text(jar: Option<Jar>) -> String {
    match jar {
        Some(jar) => format!(
            "This browser holds FinTrack's session cookie: {} (the engine predicts with it)",
            jar.cookie.set_cookie("…")
        ),
        None => {
            "As far as this console knows, this browser holds no FinTrack session: sign in on FinTrack from \
                 here so the engine's prediction knows the cookie"
                .to_owned()
        }
    }
}

fn s_from_label(url: &str) -> &str {
    url.split("/?").next().unwrap_or(url)
}

fn push_front<T>(list: &mut Vec<T>, item: T) {
    list.insert(0, item);
    list.truncate(LIVE_ROWS);
}

fn ledger_line(entry: &LedgerEntry) -> String {
    let what = match &entry.effect {
        SideEffect::Transfer { amount_cents, to, .. } => {
            format!("{} moved to {to}", corslab_lab::bank::format_cents(*amount_cents as i64))
        }
        SideEffect::EmailChanged { to, .. } => format!("email changed to {to}"),
        SideEffect::SessionsRevoked { count } => format!("{count} sessions signed out"),
        _ => "a side effect".to_owned(),
    };
    format!(
        "#{} {what} · account {} · Origin {} · Sec-Fetch-Site {}",
        entry.id,
        entry.account,
        entry.origin.as_deref().unwrap_or("(none)"),
        entry.sec_fetch_site.as_deref().unwrap_or("(none)")
    )
}
