//! The console on `lab.localhost`: choose the API policy and the session cookie's attributes
//! (the lab's control plane), the attacker's position, the request and the credentials mode;
//! run it for real from the attacker's own origin; watch the live exchange log and the ledger;
//! read the policy's faulty code and its fix, and what every position gets under it; audit the
//! API under the policy as a security team would.

use corslab_engine::Browser;
use corslab_engine::exchange::ThirdPartyCookies;
use corslab_lab::outcomes::{self, Gets};
use corslab_lab::seen::Seen;
use corslab_lab::{CookieSettings, LabState, PolicyId, Ports};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::attack::{RequestChoices, policy_options};
use crate::audit_view::AuditPanel;
use crate::net::{self, window};
use crate::page::{self, lab_url};
use crate::policy_view::PolicyCard;
use crate::query::Query;
use crate::report::{RunReport, SeenHead, SeenRow};
use crate::run::{self, Report, page_port};
use crate::scenario::{Jar, Position, Scenario, same_site_from_id, same_site_id};

/// How many live log entries the console keeps on screen.
const LIVE_ROWS: usize = 30;

/// The console page.
#[component]
pub fn Console() -> impl IntoView {
    let mut query = page::query();
    // Back from signing in on FinTrack: the dashboard's link says which cookie the browser
    // holds; the console's own state waited in this tab's session storage.
    if let Some(jar) = query.get("jar") {
        store_jar(Jar::from_param(jar));
        query = saved_console().unwrap_or_default();
    }
    let mut start = Scenario::from_query(&query, Position::Sibling);
    start.jar = stored_jar();
    let scenario = RwSignal::new(start);
    let cookie = RwSignal::new(cookie_from_query(&query).unwrap_or_default());
    let unrecognized = Scenario::unrecognized(&query);
    let status = RwSignal::new(if unrecognized.is_empty() {
        String::new()
    } else {
        format!(
            "This link's {} are not lab values; the console uses its own instead.",
            unrecognized.join(", ")
        )
    });
    let lab = RwSignal::new(None::<LabState>);
    let report = RwSignal::new(None::<Report>);

    // A link names a policy and cookie: the console shows them, and sets the lab up so only
    // when asked (any site can link here, and the lab's setup outlives the tab). Without them
    // it shows what the lab runs.
    let url_policy = query.get("policy").and_then(PolicyId::from_id);
    let url_cookie = cookie_from_query(&query);
    let linked = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        match net::lab_state().await {
            Ok(state) => {
                if url_policy.is_none() {
                    scenario.update(|s| s.policy = state.policy);
                }
                if url_cookie.is_none() {
                    cookie.set(state.cookie);
                }
                linked.set(
                    url_policy.is_some_and(|p| p != state.policy)
                        || url_cookie.is_some_and(|c| c != state.cookie),
                );
                lab.set(Some(state));
            }
            Err(e) => status.set(format!("The lab server did not answer: {e}")),
        }
    });
    // Another console tab, the story or a script changed the lab: the choices follow what it
    // runs now, unless they differ on purpose (a link, a change the lab did not take).
    Effect::new(move |_| {
        let Some(state) = lab.get() else { return };
        if linked.get_untracked() {
            return;
        }
        if scenario.with_untracked(|s| s.policy) != state.policy {
            scenario.update(|s| s.policy = state.policy);
        }
        if cookie.get_untracked() != state.cookie {
            cookie.set(state.cookie);
        }
    });
    let set_up = move |_| {
        linked.set(false);
        leptos::task::spawn_local(async move {
            apply(scenario.get_untracked().policy, cookie.get_untracked(), lab, status, linked).await;
        });
    };
    Effect::new(move |_| {
        let mut query = Query::default();
        scenario.get().write(&mut query);
        // The jar is this browser's, not part of a shared demo.
        query.remove("jar");
        let c = cookie.get();
        query.set("samesite", same_site_id(c.same_site));
        query.set_unless("partitioned", if c.partitioned { "1" } else { "0" }, "0");
        page::replace_query(&query);
        save_console(&query);
    });

    // The run whose report the page waits for: a click while another run is watched starts a
    // new one, and the older run's report, when it comes, is set aside.
    let latest = StoredValue::new(String::new());
    let run_it = move |_| {
        let s = scenario.get_untracked();
        let run = run::new_run_id();
        latest.set_value(run.clone());
        let mut query = Query::default();
        s.write(&mut query);
        query.set("auto", "1");
        query.set("run", &run);
        let url = lab_url(s.from.host(), &format!("/{}", query.to_search()));
        report.set(None);
        status.set(format!("Running from {}: watching what reaches the server…", s.from.host()));
        // A top-level tab, as a victim's would be: framing would change which cookies go.
        if window().open_with_url_and_target(&url, "_blank").ok().flatten().is_none() {
            status.set(format!("The browser blocked the new tab: open {url} yourself"));
        }
        leptos::task::spawn_local(async move {
            let done = run::watch(&s, run).await;
            if latest.get_value() != done.run {
                return;
            }
            // Said in the live status line, so a screen reader hears that the run ended.
            status.set(match (&done.explained, &done.problem) {
                (Some(explained), _) => format!(
                    "The run finished: the engine says the read is {}; the report is under The last run",
                    explained.here.read.as_str()
                ),
                (None, Some(problem)) => format!("The run finished without an explanation: {problem}"),
                (None, None) => "The run finished: the report is under The last run".to_owned(),
            });
            report.set(Some(done));
        });
    };
    let sign_in = move |_| {
        let _ = window().location().assign(&lab_url(corslab_lab::hosts::DASHBOARD, "/?return=1"));
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
                {move || linked.get().then(|| view! {
                    <div class="link-setup" role="status">
                        <p>"The choices here (from a link, or a change the lab did not take) are not the setup the lab runs. The attack below runs under them either way; the lab's own policy (for the dashboard and the audit) and the cookie FinTrack sets at the next sign-in change only when you say so."</p>
                        <button type="button" class="apply-link" on:click=set_up>"Set the lab up as chosen here"</button>
                    </div>
                })}
                <LabControls scenario cookie lab status linked/>
                <h2>"The attack"</h2>
                <RunControls scenario/>
                <p class=move || if scenario.get().jar.is_some() { "jar held" } else { "jar" }>
                    {move || jar_text(scenario.get().jar)}
                </p>
                <div class="actions">
                    <button type="button" class="run" on:click=run_it>"Run it for real"</button>
                    <button type="button" class="sign-in" on:click=sign_in>"Sign in on FinTrack"</button>
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
        <AuditPanel
            chosen=Signal::derive(move || scenario.get().policy)
            running=Signal::derive(move || lab.get().map(|s| s.policy))
        />
        <LiveLog lab/>
    }
}

/// The lab's API policy and the session cookie's attributes: writes to the control plane.
#[component]
fn LabControls(
    scenario: RwSignal<Scenario>,
    cookie: RwSignal<CookieSettings>,
    lab: RwSignal<Option<LabState>>,
    status: RwSignal<String>,
    /// Whether a link's setup waits to be applied; a choice made here applies it all.
    linked: RwSignal<bool>,
) -> impl IntoView {
    let changed = move || {
        linked.set(false);
        leptos::task::spawn_local(async move {
            apply(scenario.get_untracked().policy, cookie.get_untracked(), lab, status, linked).await;
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
            view! { <option value=id prop:selected=move || same_site_id(cookie.get().same_site) == id>{label}</option> }
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
        .map(|p| view! { <option value=p.id() prop:selected=move || scenario.get().from == *p>{p.label()}</option> })
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
            <RequestChoices scenario/>
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
fn LiveLog(
    /// Set when the lab's setup changes, from this console or another.
    lab: RwSignal<Option<LabState>>,
) -> impl IntoView {
    let seen = RwSignal::new(Vec::<Seen>::new());
    let ledger = RwSignal::new(Vec::<LedgerLine>::new());
    let note = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        if let Ok(page) = net::get_json::<LedgerPage>("/__lab/ledger").await {
            ledger.set(page.entries.into_iter().rev().take(LIVE_ROWS).collect());
        }
    });
    if let Ok(source) = web_sys::EventSource::new("/__lab/events") {
        let on_event =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else { return };
                let Ok(value) = js_sys::JSON::parse(&text) else { return };
                // The event's name says what `data` holds; reading it directly keeps serde's
                // tagged-enum buffering out of the Wasm.
                let data = js_sys::Reflect::get(&value, &JsValue::from_str("data")).unwrap_or(JsValue::NULL);
                match event.type_().as_str() {
                    "seen" => {
                        if let Ok(s) = serde_wasm_bindgen::from_value::<Seen>(data) {
                            seen.update(|v| push_front(v, s));
                        }
                    }
                    "ledger" => {
                        if let Ok(l) = serde_wasm_bindgen::from_value::<LedgerLine>(data) {
                            ledger.update(|v| push_front(v, l));
                        }
                    }
                    "state" => {
                        if let Ok(state) = serde_wasm_bindgen::from_value::<LabState>(data) {
                            lab.set(Some(state));
                        }
                    }
                    "lagged" => {
                        note.set("The feed fell behind and missed events: reload to catch up".to_owned());
                    }
                    _ => {}
                }
            });
        for name in ["seen", "ledger", "state", "lagged"] {
            let _ = source.add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref());
        }
        // The feed lives as long as the page: the console is never unmounted.
        on_event.forget();
        close_when_hidden(source);
    }
    view! {
        <section class="panel" aria-labelledby="live-title">
            <h2 id="live-title">"Live: what reaches FinTrack's API"</h2>
            <p class="muted">{move || note.get()}</p>
            <div class="table-wrap">
                <table class="log live" aria-live="off">
                    <SeenHead/>
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

/// Closes the live feed when the page is hidden, and reloads a page restored from the
/// back/forward cache. A cached page would otherwise keep its event stream open, and a few of
/// those use up the browser's six connections per host: the next page load then stalls for
/// half a minute (measured in Chromium by `cargo xtask bench app`).
fn close_when_hidden(source: web_sys::EventSource) {
    let on_hide = Closure::<dyn FnMut()>::new(move || source.close());
    let on_show = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let persisted =
            js_sys::Reflect::get(&event, &JsValue::from_str("persisted")).ok().and_then(|p| p.as_bool());
        if persisted == Some(true) {
            let _ = window().location().reload();
        }
    });
    let _ = window().add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    let _ = window().add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
    on_hide.forget();
    on_show.forget();
}

/// Sends the console's policy and cookie choice to the lab when they differ from its state.
async fn apply(
    policy: PolicyId,
    cookie: CookieSettings,
    lab: RwSignal<Option<LabState>>,
    status: RwSignal<String>,
    linked: RwSignal<bool>,
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
            Err(e) => {
                // The choices stay, and so does the way to try again.
                status.set(format!("The lab did not take the change ({e}): it still runs its own setup"));
                linked.set(true);
                return;
            }
        }
    }
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

const CONSOLE_KEY: &str = "corslab.console";

fn saved_console() -> Option<Query> {
    let storage = window().session_storage().ok().flatten()?;
    storage.get_item(CONSOLE_KEY).ok().flatten().map(|s| Query::parse(&s))
}

fn save_console(query: &Query) {
    if let Some(storage) = window().session_storage().ok().flatten() {
        let _ = storage.set_item(CONSOLE_KEY, &query.to_search());
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

fn push_front<T>(list: &mut Vec<T>, item: T) {
    list.insert(0, item);
    list.truncate(LIVE_ROWS);
}

/// The parts of a ledger entry ([`corslab_lab::state::LedgerEntry`]) the console shows, read
/// without the tagged enum, whose deserializer is large in Wasm.
#[derive(Debug, Clone, serde::Deserialize)]
struct LedgerLine {
    id: u64,
    account: String,
    origin: Option<String>,
    sec_fetch_site: Option<String>,
    effect: EffectLine,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct EffectLine {
    kind: String,
    amount_cents: Option<u64>,
    to: Option<String>,
    count: Option<usize>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct LedgerPage {
    entries: Vec<LedgerLine>,
}

fn ledger_line(entry: &LedgerLine) -> String {
    let e = &entry.effect;
    let to = e.to.as_deref().unwrap_or("?");
    let what = match e.kind.as_str() {
        "transfer" => {
            let amount = corslab_lab::bank::format_cents(e.amount_cents.unwrap_or(0) as i64);
            format!("{} {amount} moved to {to}", corslab_lab::bank::CURRENCY)
        }
        "email-changed" => format!("email changed to {to}"),
        "sessions-revoked" => match e.count.unwrap_or(0) {
            1 => "1 session signed out".to_owned(),
            n => format!("{n} sessions signed out"),
        },
        other => format!("a side effect ({other})"),
    };
    format!(
        "#{} {what} · account {} · Origin {} · Sec-Fetch-Site {}",
        entry.id,
        entry.account,
        entry.origin.as_deref().unwrap_or("(none)"),
        entry.sec_fetch_site.as_deref().unwrap_or("(none)")
    )
}
