//! A catalog policy as people meet it: what it does, the faulty code in three frameworks, the
//! real incidents it mirrors, and the fix next to it.

use corslab_lab::PolicyId;
use corslab_lab::catalog::{CodeText, EntryText};
use leptos::prelude::*;

use crate::net;

/// The frameworks the catalog writes every policy in.
const FRAMEWORKS: [&str; 3] = ["axum", "Express", "Flask"];

/// One policy as the lab's catalog (`/__lab/catalog`) words it, fetched once per page: a
/// status while it loads, an alert if it cannot.
#[component]
pub fn PolicyCard(policy: PolicyId) -> impl IntoView {
    let catalog = RwSignal::new(net::cached_catalog().map(Ok));
    if catalog.get_untracked().is_none() {
        leptos::task::spawn_local(async move { catalog.set(Some(net::catalog().await)) });
    }
    view! {
        {move || match catalog.get().map(|all| all.and_then(|all| words(&all, policy))) {
            None => view! { <p class="muted" role="status">"Loading the policy's code…"</p> }.into_any(),
            Some(Ok((entry, fix))) => view! { <PolicyDetails entry fix/> }.into_any(),
            Some(Err(e)) => view! { <p class="problem" role="alert">{e}</p> }.into_any(),
        }}
    }
}

/// One policy: summary, code, incidents; and the fix's code unless `fix` is `None` (the policy
/// is the fix itself).
#[component]
pub fn PolicyDetails(entry: EntryText, fix: Option<CodeText>) -> impl IntoView {
    let is_fix = fix.is_none();
    let has_mirrors = !entry.mirrors.is_empty();
    let mirrors = entry
        .mirrors
        .into_iter()
        .map(|m| view! { <li><strong>{m.name}</strong>": "{m.what}</li> })
        .collect_view();
    view! {
        <section class="policy-card" aria-label=format!("Policy {}: {}", entry.number, entry.title)>
            <h3>{format!("{}. {}", entry.number, entry.title)}</h3>
            <p>{entry.summary}</p>
            <div class="code-pair">
                <CodeTabs label=if is_fix { "The code" } else { "The faulty code" } code=entry.code/>
                {fix.map(|code| view! { <CodeTabs label="The fix" code/> })}
            </div>
            <p class="fix-text"><strong>"Fix: "</strong>{entry.fix}</p>
            {has_mirrors.then(|| view! {
                <details class="mirrors"><summary>"Seen in the real world"</summary><ul>{mirrors}</ul></details>
            })}
        </section>
    }
}

/// Left and right arrows move between tabs and focus the new one, as tab lists do (one tab
/// in the page's tab order, the arrows within the list).
fn arrow_between_tabs(event: &web_sys::KeyboardEvent, i: usize, chosen: RwSignal<usize>) {
    let next = match event.key().as_str() {
        "ArrowRight" => (i + 1) % FRAMEWORKS.len(),
        "ArrowLeft" => (i + FRAMEWORKS.len() - 1) % FRAMEWORKS.len(),
        _ => return,
    };
    event.prevent_default();
    chosen.set(next);
    let tab = event
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .and_then(|t| t.parent_element())
        .and_then(|list| list.children().item(next as u32))
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok());
    if let Some(tab) = tab {
        let _ = tab.focus();
    }
}

/// The same code in three frameworks, one at a time, with a tab per framework.
#[component]
pub fn CodeTabs(label: &'static str, code: CodeText) -> impl IntoView {
    let chosen = RwSignal::new(0usize);
    let texts = [code.axum, code.express, code.flask];
    let tabs = FRAMEWORKS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            view! {
                <button
                    type="button"
                    role="tab"
                    class="tab"
                    aria-selected=move || (chosen.get() == i).to_string()
                    tabindex=move || if chosen.get() == i { "0" } else { "-1" }
                    on:click=move |_| chosen.set(i)
                    on:keydown=move |ev| arrow_between_tabs(&ev, i, chosen)
                >
                    {*name}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="code-tabs">
            <p class="code-label">{label}</p>
            <div role="tablist" aria-label=format!("{label}: framework")>{tabs}</div>
            // Focusable so the keyboard can scroll it, and so named for what it shows.
            <pre
                class="code"
                role="tabpanel"
                tabindex="0"
                aria-label=move || format!("{label}: {}", FRAMEWORKS[chosen.get()])
            >
                <code>{move || texts[chosen.get()].clone()}</code>
            </pre>
        </div>
    }
}

/// The entry for `policy` and, unless it is the fix itself, the fix's code.
fn words(all: &[EntryText], policy: PolicyId) -> Result<(EntryText, Option<CodeText>), String> {
    let find = |id: PolicyId| all.iter().find(|e| e.id == id).cloned();
    match (find(policy), find(PolicyId::StrictAllowlist)) {
        (Some(entry), Some(fix)) => Ok((entry, (policy != PolicyId::StrictAllowlist).then_some(fix.code))),
        _ => Err(format!("The lab's catalog has no policy {}: restart the lab", policy.number())),
    }
}
