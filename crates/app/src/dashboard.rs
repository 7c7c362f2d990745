//! The victim's dashboard on `fintrack.localhost`: sign in and out, the balance and the
//! transactions read from FinTrack's API (a same-site, cross-origin read that the policy must
//! allow), and the session cookie's attributes.

use corslab_engine::exchange::CredentialsMode;
use corslab_lab::bank::{Balance, Transactions, WhoAmI};
use corslab_lab::{CookieSettings, PolicyId};
use leptos::prelude::*;

use crate::attack::PitchHeader;
use crate::explain_panel::ExplainPanel;
use crate::net::{self, PageOutcome, now_ms};
use crate::page;
use crate::run::{self, Report};
use crate::scenario::{Jar, Kind, Position, Scenario};

/// The dashboard. `policy` is the API policy its reads ask for (`None`: the lab's current one);
/// `sign_in` signs the customer in at once (the story does), anew unless the story's own session
/// is already held.
#[component]
pub fn Dashboard(policy: Option<PolicyId>, sign_in: bool) -> impl IntoView {
    let who = RwSignal::new(None::<WhoAmI>);
    let cookie = RwSignal::new(None::<CookieSettings>);
    let balance = RwSignal::new(None::<Report>);
    let transactions = RwSignal::new(None::<Result<Transactions, String>>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let load = move || {
        leptos::task::spawn_local(async move {
            let state = net::lab_state().await.ok();
            cookie.set(state.as_ref().map(|s| s.cookie));
            let policy = policy.or(state.map(|s| s.policy)).unwrap_or(PolicyId::StrictAllowlist);
            match net::get_json::<WhoAmI>("/whoami").await {
                Ok(me) => {
                    let signed_in = me.signed_in;
                    who.set(Some(me));
                    // The story signs in anew unless it already holds its own session, so the
                    // cookie has the attributes the story set, whatever an earlier sign-in used.
                    let story_session = page::query().get("jar").is_some();
                    if sign_in && !(signed_in && story_session) {
                        sign(true, who, cookie, error).await;
                        read_account(policy, held_jar(who, cookie), balance, transactions).await;
                    } else if signed_in {
                        read_account(policy, held_jar(who, cookie), balance, transactions).await;
                    }
                }
                Err(e) => error.set(Some(format!("Could not ask FinTrack who is signed in: {e}"))),
            }
        });
    };
    load();
    let act = move |signing_in: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            sign(signing_in, who, cookie, error).await;
            balance.set(None);
            transactions.set(None);
            if signing_in {
                let policy = policy.or(net::lab_state().await.ok().map(|s| s.policy));
                let policy = policy.unwrap_or(PolicyId::StrictAllowlist);
                read_account(policy, held_jar(who, cookie), balance, transactions).await;
            }
            busy.set(false);
            // The button that was pressed is gone: the keyboard focus moves to the one that
            // replaced it, rather than falling back to the top of the page.
            leptos::task::tick().await;
            page::focus(".account-action");
        });
    };
    view! {
        <PitchHeader
            class="pitch fintrack"
            title="FinTrack"
            text="Your money, tracked. (The victim's dashboard: the data is fake, the cookies are real.)"
        />
        <section class="panel" aria-labelledby="account-title">
            <h2 id="account-title">"Account"</h2>
            {move || error.get().map(|e| view! { <p class="problem" role="alert">{e}</p> })}
            <div aria-live="polite">
                {move || match who.get() {
                    None => view! { <p>"Asking FinTrack who you are…"</p> }.into_any(),
                    Some(me) if me.signed_in => view! {
                        <p class="signed-in" data-signed-in="true">"Signed in as "<strong>{me.holder}</strong></p>
                        <button type="button" class="account-action" on:click=move |_| act(false) aria-disabled=move || busy.get().to_string()>"Sign out"</button>
                    }.into_any(),
                    Some(_) => view! {
                        <p data-signed-in="false">"You are signed out."</p>
                        <button type="button" class="run account-action" on:click=move |_| act(true) aria-disabled=move || busy.get().to_string()>"Sign in as a demo customer"</button>
                    }.into_any(),
                }}
            </div>
            <SessionCookie who cookie/>
            {page::query().get("return").is_some().then(|| view! { <BackToConsole who cookie/> })}
        </section>
        {move || balance.get().map(|report| view! { <BalanceView report/> })}
        {move || transactions.get().map(|t| view! { <TransactionList transactions=t/> })}
    }
}

/// The way back to the console, telling it which session cookie this browser now holds.
#[component]
fn BackToConsole(who: RwSignal<Option<WhoAmI>>, cookie: RwSignal<Option<CookieSettings>>) -> impl IntoView {
    view! {
        <p>
            <a class="back" href=move || {
                // Signing in or out puts the jar in this page's URL and then updates `who`. A
                // browser found signed in already holds a cookie this page did not set: the
                // lab's attributes, set some time ago.
                let signed_in = who.get().is_some_and(|w| w.signed_in);
                let jar = if signed_in { held_jar(who, cookie).map(|jar| jar.to_param()) } else { None };
                page::lab_url(corslab_lab::hosts::CONSOLE, &format!("/?jar={}", jar.unwrap_or_default()))
            }>"Back to the console"</a>
        </p>
    }
}

/// The session cookie: the `Set-Cookie` line FinTrack sent, or the attributes it will use.
#[component]
fn SessionCookie(who: RwSignal<Option<WhoAmI>>, cookie: RwSignal<Option<CookieSettings>>) -> impl IntoView {
    view! {
        <div class="cookie">
            <h3>"The session cookie"</h3>
            {move || {
                let me = who.get();
                let sent = me.as_ref().and_then(|w| w.set_cookie.clone());
                // A session opened earlier keeps the attributes it was set with.
                let held = me.as_ref().filter(|w| w.signed_in).and_then(|w| w.cookie);
                let line = sent.clone().or_else(|| held.or(cookie.get()).map(|c| c.set_cookie("…")));
                let about = if sent.is_some() {
                    "FinTrack just set it, first-party:"
                } else if held.is_some() {
                    "This browser holds it, set at sign-in with these attributes:"
                } else {
                    "FinTrack sets it at sign-in with these attributes (the console chooses them):"
                };
                line.map(|line| view! {
                    <p>{about}</p>
                    <pre class="set-cookie"><code>{format!("Set-Cookie: {line}")}</code></pre>
                    <p class="muted">"HttpOnly: no script, FinTrack's own included, can read it. The browser decides where it goes."</p>
                })
            }}
        </div>
    }
}

/// The balance, read for real from the API, with the explanation of that read.
#[component]
fn BalanceView(report: Report) -> impl IntoView {
    let balance: Option<Balance> = match &report.page {
        Some(PageOutcome::Read { body, .. }) => {
            js_sys::JSON::parse(body).ok().and_then(|v| serde_wasm_bindgen::from_value(v).ok())
        }
        _ => None,
    };
    let shown = match balance {
        Some(b) => view! {
            <p class="balance" data-balance=b.balance>
                <span class="amount">{format!("{} {}", b.balance, b.currency)}</span>
                <span class="muted">{format!(" · account {} · {}", b.account, b.holder)}</span>
            </p>
        }
        .into_any(),
        None => view! {
            <p class="problem">"The dashboard could not read the balance: "{report.page.as_ref().map(describe)}</p>
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="balance-title">
            <h2 id="balance-title">"Balance"</h2>
            {shown}
            {report.explained.map(|explained| view! {
                <details class="how"><summary>"How did the browser decide this read?"</summary><ExplainPanel explained/></details>
            })}
        </section>
    }
}

/// The latest transactions.
#[component]
fn TransactionList(transactions: Result<Transactions, String>) -> impl IntoView {
    let body = match transactions {
        Ok(t) => {
            let rows = t
                .transactions
                .into_iter()
                .take(10)
                .map(|t| view! { <tr><td>{t.date}</td><td>{t.description}</td><td class="num">{t.amount}</td></tr> })
                .collect_view();
            view! {
                <table class="transactions">
                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Description"</th><th scope="col" class="num">"Amount"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
        Err(e) => view! { <p class="problem">{e}</p> }.into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="tx-title">
            <h2 id="tx-title">"Latest transactions"</h2>
            {body}
        </section>
    }
}

/// Signs in or out (same-origin `POST /login` or `/logout`), then tells the URL and the console
/// which session cookie the browser now holds.
async fn sign(
    signing_in: bool,
    who: RwSignal<Option<WhoAmI>>,
    cookie: RwSignal<Option<CookieSettings>>,
    error: RwSignal<Option<String>>,
) {
    let path = if signing_in { "/login" } else { "/logout" };
    match net::post_json::<WhoAmI>(path, None, &[], CredentialsMode::SameOrigin).await {
        Ok(me) => {
            // The attributes the server just set, not the ones read when the page loaded: the
            // console may have changed them since.
            if let Some(set) = me.cookie {
                cookie.set(Some(set));
            }
            let set_at_ms = me.set_at_ms.unwrap_or_else(now_ms);
            let jar = (signing_in && me.signed_in)
                .then(|| cookie.get_untracked().map(|c| Jar { cookie: c, set_at_ms }))
                .flatten();
            let mut query = page::query();
            match &jar {
                Some(jar) => query.set("jar", &jar.to_param()),
                None => query.remove("jar"),
            }
            page::replace_query(&query);
            error.set(None);
            who.set(Some(me));
        }
        Err(e) => error.set(Some(format!("FinTrack refused: {e}"))),
    }
}

/// Reads the balance (explained) and the transactions from FinTrack's API under `policy`.
async fn read_account(
    policy: PolicyId,
    jar: Option<Jar>,
    balance: RwSignal<Option<Report>>,
    transactions: RwSignal<Option<Result<Transactions, String>>>,
) {
    let scenario = Scenario {
        from: Position::Dashboard,
        kind: Kind::SimpleGet,
        credentials: CredentialsMode::Include,
        policy,
        jar,
    };
    balance.set(Some(run::run(&scenario, None).await));
    let url = page::lab_url(
        corslab_lab::hosts::API,
        &format!("/me/transactions?policy={}&run={}", policy.id(), run::new_run_id()),
    );
    let request = gloo_net::http::Request::get(&url).credentials(web_sys::RequestCredentials::Include);
    let result = match request.send().await {
        Ok(response) => net::json_of::<Transactions>(&response).await,
        Err(e) => Err(format!("The browser blocked the read: {e}")),
    };
    transactions.set(Some(result));
}

/// The session cookie this signed-in browser holds: the one in the URL (set by this page's
/// sign-in), else the one FinTrack says the session was opened with, else one with the lab's
/// current attributes set long ago. Its age only matters to Chromium's two-minute window for
/// cross-site top-level POSTs, never to the dashboard's reads.
fn held_jar(who: RwSignal<Option<WhoAmI>>, cookie: RwSignal<Option<CookieSettings>>) -> Option<Jar> {
    let from_session = || {
        who.with_untracked(|who| {
            let who = who.as_ref()?;
            Some(Jar { cookie: who.cookie?, set_at_ms: who.set_at_ms.unwrap_or(0) })
        })
    };
    page::query()
        .get("jar")
        .and_then(Jar::from_param)
        .or_else(from_session)
        .or_else(|| cookie.get_untracked().map(|cookie| Jar { cookie, set_at_ms: 0 }))
}

fn describe(page: &PageOutcome) -> String {
    match page {
        PageOutcome::Read { status, body } => format!("status {status}: {body}"),
        PageOutcome::Opaque => "an opaque response".to_owned(),
        PageOutcome::Failed(e) => e.clone(),
    }
}
