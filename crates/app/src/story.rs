//! Story mode: the FinTrack story told across the lab's real origins, one page per step. Each
//! step's URL names the step (`?story=N`), so the presenter moves with the keyboard (→ and ←,
//! Page Down and Page Up, as presentation clickers send) and every step plays for real on the
//! host where it happens.

use corslab_lab::PolicyId;
use corslab_lab::hosts::{ATTACKER, CONSOLE, DASHBOARD, SIBLING};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::page::{self, lab_url};
use crate::scenario::{Kind, Position};

/// One step of the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The host where it plays.
    pub host: &'static str,
    /// The path on that host.
    pub path: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What the presenter says, in two or three sentences.
    pub says: &'static str,
    /// What the page does.
    pub action: Action,
}

/// What a step's page does when it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Give the session cookie today's default attributes before the customer signs in.
    PrepareLab,
    /// Sign the customer in (when signed out) and read the balance under this policy.
    SignIn(PolicyId),
    /// Run this attack, for real.
    Attack(Position, Kind, PolicyId),
    /// Show the faulty code next to the fix.
    ShowFix(PolicyId, PolicyId),
}

/// The story, in order.
pub const STEPS: &[Step] = &[
    Step {
        host: CONSOLE,
        path: "/story",
        title: "FinTrack and the crypto giveaway",
        says: "Alex keeps their money in FinTrack, a personal-finance app. A scammer runs a fake crypto \
               giveaway. Everything that follows runs for real in this browser: real origins, real cookies, \
               real requests.",
        action: Action::PrepareLab,
    },
    Step {
        host: DASHBOARD,
        path: "/",
        title: "Alex signs in to FinTrack",
        says: "The dashboard sets the session cookie first-party, as apps ship it today: HttpOnly, Secure, \
               SameSite=Lax, for fintrack.localhost and its subdomains. FinTrack's API reflects any Origin \
               with credentials.",
        action: Action::SignIn(PolicyId::ReflectAnyOrigin),
    },
    Step {
        host: ATTACKER,
        path: "/",
        title: "Alex opens the giveaway",
        says: "The page's script asks FinTrack's API for the balance, with credentials. The API allows any \
               origin, so the browser lets the script read the answer, but the answer is anonymous: today \
               both Chromium and Firefox keep FinTrack's cookie out of a request from another site.",
        action: Action::Attack(Position::CrossSite, Kind::SimpleGet, PolicyId::ReflectAnyOrigin),
    },
    Step {
        host: SIBLING,
        path: "/",
        title: "The scammer posts on FinTrack's blog",
        says: "The blog hosts user content, and the scammer's post carries the same script. The blog is the \
               same site as FinTrack, so the browser sends every FinTrack cookie, SameSite=Strict included. \
               The read succeeds: this is Alex's balance.",
        action: Action::Attack(Position::Sibling, Kind::SimpleGet, PolicyId::ReflectAnyOrigin),
    },
    Step {
        host: SIBLING,
        path: "/",
        title: "And it moves money",
        says: "The same script sends a JSON transfer. The preflight asks for POST with Content-Type, the \
               reflecting API allows it, and the transfer goes through with Alex's cookie. The lab's ledger \
               records it.",
        action: Action::Attack(Position::Sibling, Kind::JsonPost, PolicyId::ReflectAnyOrigin),
    },
    Step {
        host: CONSOLE,
        path: "/story",
        title: "The fix",
        says: "Echo an Origin only when it is exactly one the API trusts, and say Vary: Origin. The blog is \
               the same site, but it is not a trusted origin.",
        action: Action::ShowFix(PolicyId::ReflectAnyOrigin, PolicyId::StrictAllowlist),
    },
    Step {
        host: SIBLING,
        path: "/",
        title: "The same attack, after the fix",
        says: "The request still reaches the server with the cookie: the browser cannot know the answer \
               before asking. But the answer does not allow the blog's origin, so the script gets a \
               TypeError and reads nothing.",
        action: Action::Attack(Position::Sibling, Kind::SimpleGet, PolicyId::StrictAllowlist),
    },
    Step {
        host: DASHBOARD,
        path: "/",
        title: "FinTrack keeps working",
        says: "The dashboard is on the allowlist, so its own reads go on as before. Its explanation still asks \
               whether the API echoes every Origin, because one exchange cannot tell an allowlist from an echo; \
               the console's audit, probing with origins the API never trusted, now finds nothing.",
        action: Action::SignIn(PolicyId::StrictAllowlist),
    },
];

/// The current step, from `?story=N` (on the console's `/story` page, step 0 by default).
pub fn current() -> Option<(usize, &'static Step)> {
    let query = page::query();
    let n = match query.get("story").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => n,
        None if page::host() == CONSOLE && page::path() == "/story" => 0,
        None => return None,
    };
    STEPS.get(n).map(|step| (n, step))
}

/// The URL of step `n`, carrying the session cookie the story set (`jar`).
pub fn step_url(n: usize) -> Option<String> {
    let step = STEPS.get(n)?;
    let mut query = crate::query::Query::default();
    query.set("story", &n.to_string());
    // Tracked: the sign-in step writes the jar into the URL after the bar is drawn.
    if let Some(jar) = page::tracked_query().get("jar") {
        query.set("jar", jar);
    }
    Some(lab_url(step.host, &format!("{}{}", step.path, query.to_search())))
}

/// The presenter's bar: the step, its words, and previous and next (also on the keyboard).
#[component]
pub fn StoryBar(n: usize, step: &'static Step) -> impl IntoView {
    let handle = window_event_listener(ev::keydown, move |event: web_sys::KeyboardEvent| {
        if event.alt_key() || event.ctrl_key() || event.meta_key() {
            return;
        }
        let focused =
            event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|e| e.tag_name());
        let target = match direction(&event.key(), focused.as_deref().unwrap_or("BODY")) {
            Some(Direction::Next) => step_url(n + 1),
            Some(Direction::Previous) => n.checked_sub(1).and_then(step_url),
            None => None,
        };
        if let Some(url) = target {
            event.prevent_default();
            let _ = crate::net::window().location().assign(&url);
        }
    });
    on_cleanup(move || handle.remove());
    let total = STEPS.len();
    let has_next = n + 1 < total;
    // An attack opened without the story's session (the step list, a bookmark) may find nobody
    // signed in: say so, with the way back.
    let unsigned = (matches!(step.action, Action::Attack(..)) && page::query().get("jar").is_none())
        .then(|| step_url(1))
        .flatten();
    view! {
        <section class="story-bar" aria-label="Story mode" aria-live="polite" data-story-step=n>
            <p class="story-count">"Step "{n + 1}" of "{total}</p>
            <h1 class="story-title">{step.title}</h1>
            <p class="story-says">{step.says}</p>
            {unsigned.map(|url| view! {
                <p class="story-note">
                    "This step expects Alex signed in by step 2; opened on its own, this browser may hold no FinTrack session. "
                    <a href=url>"Sign in at step 2"</a>
                </p>
            })}
            <nav class="story-nav" aria-label="Story steps">
                {(n > 0).then(|| view! { <a class="story-prev" href=move || step_url(n - 1) aria-keyshortcuts="ArrowLeft PageUp">"← Previous"</a> })}
                {if has_next {
                    view! { <a class="story-next" href=move || step_url(n + 1) aria-keyshortcuts="ArrowRight PageDown">"Next →"</a> }.into_any()
                } else {
                    view! { <a class="story-next" href=lab_url(CONSOLE, "/")>"The end: open the console →"</a> }.into_any()
                }}
            </nav>
        </section>
    }
}

/// Which way the presenter moves the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Next,
    Previous,
}

/// Where a key pressed on an element (its tag name, `BODY` when nothing has the focus) moves
/// the story. Page Down and Page Up, which presentation clickers send, always move it, except
/// in a form field. The arrows move it only while nothing has the focus: on a link, a button,
/// a tab or a box that scrolls (a wide code sample or diagram on a phone), they belong to what
/// has it. No letter and no Space moves it (WCAG 2.1.4: no single-character shortcuts).
fn direction(key: &str, focused: &str) -> Option<Direction> {
    if matches!(focused, "INPUT" | "SELECT" | "TEXTAREA") {
        return None;
    }
    let unfocused = matches!(focused, "BODY" | "HTML");
    match key {
        "PageDown" => Some(Direction::Next),
        "PageUp" => Some(Direction::Previous),
        "ArrowRight" if unfocused => Some(Direction::Next),
        "ArrowLeft" if unfocused => Some(Direction::Previous),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_arrows_and_page_keys_move_and_the_arrows_only_unfocused() {
        assert_eq!(direction("ArrowRight", "BODY"), Some(Direction::Next));
        assert_eq!(direction("ArrowLeft", "BODY"), Some(Direction::Previous));
        assert_eq!(direction("PageDown", "BUTTON"), Some(Direction::Next));
        assert_eq!(direction("PageUp", "A"), Some(Direction::Previous));
        for focused in ["DIV", "PRE", "BUTTON", "A", "SUMMARY"] {
            assert_eq!(direction("ArrowRight", focused), None, "{focused} keeps the arrows");
        }
        for key in [" ", "n", "p", "Enter"] {
            assert_eq!(direction(key, "BODY"), None, "{key:?} is no shortcut");
        }
        assert_eq!(direction("PageDown", "TEXTAREA"), None);
    }

    #[test]
    fn the_story_attacks_then_fixes_then_fails() {
        let attacks: Vec<_> = STEPS
            .iter()
            .filter_map(|s| match s.action {
                Action::Attack(from, _, policy) => Some((from, policy)),
                _ => None,
            })
            .collect();
        assert_eq!(attacks.first(), Some(&(Position::CrossSite, PolicyId::ReflectAnyOrigin)));
        assert_eq!(attacks.last(), Some(&(Position::Sibling, PolicyId::StrictAllowlist)));
        assert!(STEPS.iter().any(|s| matches!(s.action, Action::ShowFix(..))));
        for step in STEPS {
            if let Action::Attack(from, ..) = step.action {
                assert_eq!(from.host(), step.host, "{}", step.title);
            }
        }
    }
}
