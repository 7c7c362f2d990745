//! The lab app end to end, in real headless Chromium and Firefox: the story from sign-in to the
//! fix, the console's run from the compromised blog, the console's audit of the API, the
//! dashboard, the sandboxed iframe's `Origin: null`, and the playground. Every run checks the
//! agreement badge, which compares the engine's prediction with what the browser and the
//! server really did.
//!
//! They need a lab server and the drivers, so they are ignored by plain `cargo test`;
//! `cargo xtask test` runs them with `--ignored`.

use corslab_e2e::{Browser, Scheme, Session};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

/// WebDriver's key code for the right arrow.
const ARROW_RIGHT: &str = "\u{e014}";
/// WebDriver's key code for Enter.
const ENTER: &str = "\u{e007}";

/// The whole story: sign in, the anonymous cross-site read, the sibling's theft and transfer,
/// the fix, the same attack failing, the dashboard still working. Moves by keyboard.
async fn story(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    let name = browser.name();
    s.open("lab.localhost", "/story").await?;
    s.wait("[data-prepared=true]").await?;
    s.wait("[data-story-step='0']").await?;
    s.screenshot(&format!("story-0-{name}")).await?;

    // Step 1: the dashboard signs Alex in and reads the balance.
    s.key(ARROW_RIGHT).await?;
    s.wait("[data-story-step='1']").await?;
    s.wait("[data-signed-in=true]").await?;
    s.wait(".balance[data-balance]").await?;

    // Step 2: the giveaway reads, anonymously: cross-site cookies stay home by default.
    s.key(ARROW_RIGHT).await?;
    s.wait("[data-story-step='2']").await?;
    s.wait("[data-agreement]").await?;
    expect_outcome(&s, "read", "anonymous").await?;
    expect_agreement(&s).await?;
    let body = s.text(".got .body").await?;
    ensure(body.contains("not signed in"), format!("the giveaway got an anonymous answer, not {body:?}"))?;

    // Step 3: the blog is the same site: the cookie goes along and the balance leaks.
    s.key(ARROW_RIGHT).await?;
    s.wait("[data-story-step='3']").await?;
    s.wait("[data-agreement]").await?;
    expect_outcome(&s, "read", "stolen").await?;
    expect_agreement(&s).await?;
    let body = s.text(".got .body").await?;
    ensure(body.contains("\"balance\""), format!("the blog read the balance, not {body:?}"))?;
    s.screenshot(&format!("story-3-stolen-{name}")).await?;
    // The step a presenter stops at longest passes the accessibility audit too.
    let problems = s.audit().await?;
    ensure(problems.is_empty(), format!("{name}: story step 3:\n{}", problems.join("\n")))?;

    // Step 4: a preflighted JSON transfer goes through.
    s.key(ARROW_RIGHT).await?;
    s.wait("[data-story-step='4']").await?;
    s.wait("[data-agreement]").await?;
    expect_agreement(&s).await?;
    let body = s.text(".got .body").await?;
    ensure(body.contains("ledger_id"), format!("the transfer was recorded, not {body:?}"))?;

    // Step 5: the fix, in code.
    s.key(ARROW_RIGHT).await?;
    s.wait("[data-story-step='5']").await?;
    s.wait(".policy-card").await?;

    // Step 6: the same read after the fix: a TypeError, though the request carried the cookie.
    // A presenter who clicked a code tab still moves on with Page Down, as clickers send.
    s.click(".policy-card [role=tab]:last-child").await?;
    press(&s, Key::PageDown).await?;
    s.wait("[data-story-step='6']").await?;
    s.wait("[data-agreement]").await?;
    expect_outcome(&s, "failed", "failed").await?;
    expect_agreement(&s).await?;
    let received = s.text(".received").await?;
    ensure(received.contains("session"), format!("the server saw the cookie: {received}"))?;
    s.screenshot(&format!("story-6-fixed-{name}")).await?;

    // Step 7: FinTrack's own dashboard still reads.
    s.key(ARROW_RIGHT).await?;
    s.wait("[data-story-step='7']").await?;
    s.wait(".balance[data-balance]").await?;
    s.close().await
}

/// The console: choose the sibling-takeover policy, sign in on FinTrack and come back, run the
/// blog's read for real in its own tab, and read the server's side and the agreement in the
/// console while the blog's tab shows what its script stole.
async fn console_run(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    s.open("lab.localhost", "/?policy=any-subdomain&samesite=lax&from=sibling&kind=get&cred=include").await?;
    s.wait("[data-ready]").await?;
    s.wait(".policy-card").await?;

    s.click("button.sign-in").await?;
    s.wait("[data-signed-in=false]").await?;
    s.click("button.run").await?;
    s.wait("[data-signed-in=true]").await?;
    s.click("a.back").await?;
    s.wait(".jar.held").await?;
    let policy = s.wait("select").await?.prop("value").await.map_err(|e| e.to_string())?;
    ensure(policy.as_deref() == Some("any-subdomain"), format!("the console kept its policy: {policy:?}"))?;

    let console = s.client.window().await.map_err(|e| e.to_string())?;
    s.click("button.run").await?;
    s.wait(".report [data-agreement]").await?;
    expect_agreement(&s).await?;
    let received = s.text(".report .received").await?;
    ensure(received.contains("session"), format!("the blog's request carried the cookie: {received}"))?;
    s.wait("table.live tbody tr").await?;
    let live = s.text("table.live tbody").await?;
    ensure(
        live.contains("blog.fintrack.localhost"),
        format!("the live log shows the blog's request: {live}"),
    )?;

    s.switch_to_other_window(&console).await?;
    s.wait("[data-agreement]").await?;
    expect_outcome(&s, "read", "stolen").await?;
    expect_agreement(&s).await?;
    s.client.switch_to_window(console).await.map_err(|e| e.to_string())?;
    if browser == Browser::Chromium {
        s.screenshot("console").await?;
    } else {
        s.screenshot("console-firefox").await?;
    }
    s.close().await
}

/// The console's "Audit this API": the reflecting policy gives a high finding for an evil
/// origin and a report to copy, switching to the strict allowlist clears it, and auditing again
/// (from the keyboard) passes every probe.
async fn audit(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    s.open("lab.localhost", "/?policy=reflect-any-origin").await?;
    s.wait("[data-ready]").await?;
    set_up_as_linked(&s).await?;
    // The button waits until the lab runs the policy the console shows.
    s.click("button.audit-run:not([disabled])").await?;
    s.wait(".audit-result[data-policy='reflect-any-origin']").await?;
    let first = s.text(".findings > li.sev-high").await?;
    ensure(
        first.contains("Any origin is reflected") && first.contains("Origin probed"),
        format!("{}: the reflected origin is the first finding: {first}", browser.name()),
    )?;
    // The copy settles when the clipboard's promise does.
    s.click("button.copy-markdown").await?;
    let copied = settled_text(&s, ".audit-result .actions [role=status]").await?;
    ensure(
        copied == "Copied the report as Markdown",
        format!("{}: the browser let the console copy the report: {copied}", browser.name()),
    )?;
    if browser == Browser::Chromium {
        let top = "document.querySelector('.audit-result').scrollIntoView()";
        s.client.execute(top, Vec::new()).await.map_err(|e| e.to_string())?;
        s.screenshot("audit").await?;
    }

    s.select("select", "strict-allowlist").await?;
    let stale = s.client.find_all(Locator::Css(".audit-result")).await.map_err(|e| e.to_string())?;
    ensure(stale.is_empty(), format!("{}: the last policy's result stayed", browser.name()))?;
    let run = s.wait("button.audit-run:not([disabled])").await?;
    run.send_keys(ENTER).await.map_err(|e| format!("Enter on the audit button: {e}"))?;
    s.wait(".audit-result[data-policy='strict-allowlist']").await?;
    let pass = s.text(".no-findings").await?;
    ensure(
        pass == "No findings: this policy passed every probe",
        format!("the strict allowlist passes: {pass}"),
    )?;
    s.close().await
}

/// The dashboard: sign in, read the balance, sign out.
async fn dashboard(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    s.open("fintrack.localhost", "/?policy=strict-allowlist").await?;
    s.wait("[data-signed-in=false]").await?;
    s.click("button.run").await?;
    s.wait("[data-signed-in=true]").await?;
    s.wait(".balance[data-balance]").await?;
    let cookie = s.text(".set-cookie").await?;
    ensure(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), format!("cookie line: {cookie}"))?;
    // The page never sees the token the HttpOnly cookie keeps from scripts.
    ensure(cookie.contains("session=…;"), format!("the token is left out: {cookie}"))?;
    s.wait("table.transactions").await?;
    s.screenshot(&format!("dashboard-{}", browser.name())).await?;
    s.click(".signed-in + button").await?;
    s.wait("[data-signed-in=false]").await?;
    s.close().await
}

/// The sandboxed iframe on the giveaway: `Origin: null` reaches the server, the `null`-trusting
/// policy lets the frame read, and the engine agrees; a no-cors fetch from it is opaque.
async fn null_origin(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    s.open("free-crypto-giveaway.localhost", "/?from=null&kind=get&cred=include&policy=null-trusted&auto=1")
        .await?;
    s.wait("[data-agreement]").await?;
    expect_agreement(&s).await?;
    let received = s.text(".received").await?;
    ensure(received.contains("null"), format!("the server saw Origin: null: {received}"))?;
    expect_outcome(&s, "read", "anonymous").await?;
    s.screenshot(&format!("giveaway-null-{}", browser.name())).await?;
    // The frame fetches in the mode asked for: no-cors gets an opaque answer, as predicted.
    s.open(
        "free-crypto-giveaway.localhost",
        "/?from=null&kind=no-cors&cred=include&policy=reflect-any-origin&auto=1",
    )
    .await?;
    s.wait("[data-agreement]").await?;
    expect_agreement(&s).await?;
    expect_outcome(&s, "opaque", "opaque").await?;
    s.close().await
}

/// The CSRF contrast: the giveaway's real cross-site form posts a transfer as a top-level
/// navigation. CORS has no say; the session cookie's `SameSite=Lax` keeps it home, so the API
/// answers "not signed in" and no money moves.
async fn csrf_form(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    s.open("fintrack.localhost", "/?policy=strict-allowlist").await?;
    s.click("button.run").await?;
    s.wait("[data-signed-in=true]").await?;
    let cookie = s.text(".set-cookie").await?;
    ensure(cookie.contains("SameSite=Lax"), format!("the lab's default cookie: {cookie}"))?;
    s.open("free-crypto-giveaway.localhost", "/").await?;
    s.click("form.csrf button").await?;
    let started = std::time::Instant::now();
    loop {
        let url = s.client.current_url().await.map_err(|e| e.to_string())?;
        if url.host_str() == Some("api.fintrack.localhost") {
            break;
        }
        ensure(started.elapsed() < corslab_e2e::PATIENCE, format!("the form did not navigate: {url}"))?;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body = s.text("body").await?;
    ensure(body.contains("not signed in"), format!("the transfer ran without the Lax cookie: {body}"))?;
    s.close().await
}

/// The playground explains pasted headers with no server, in either browser's words, and a
/// link reproduces it.
async fn playground(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    s.open("lab.localhost", "/playground?h=Access-Control-Allow-Origin:%20*&b=chromium").await?;
    let reason = s.text(".verdict .reason code").await?;
    ensure(reason == "WildcardOriginNotAllowed", format!("reason: {reason}"))?;
    s.select("select[data-key=b]", "firefox").await?;
    let reason = s.text(".verdict .reason code").await?;
    ensure(reason == "CORSNotSupportingCredentials", format!("Firefox's reason: {reason}"))?;
    // The link always names the browser, so it explains the same when opened in the other one.
    let url = s.client.current_url().await.map_err(|e| e.to_string())?;
    let query = url.query().unwrap_or_default().to_owned();
    ensure(
        query.contains("b=firefox") && query.contains("h=Access-Control-Allow-Origin"),
        format!("the URL keeps the state: {url}"),
    )?;
    s.open("lab.localhost", &format!("/playground?{query}")).await?;
    let reason = s.text(".verdict .reason code").await?;
    ensure(reason == "CORSNotSupportingCredentials", format!("the link reproduces it: {reason}"))?;
    if browser == Browser::Chromium {
        s.screenshot("playground").await?;
    }
    s.close().await
}

/// A page to open: its host, its path, and what shows once it is ready.
type Page = (&'static str, &'static str, &'static str);

const CONSOLE: Page = ("lab.localhost", "/?policy=reflect-any-origin", ".policy-card");
const PLAYGROUND: Page =
    ("lab.localhost", "/playground?h=Access-Control-Allow-Origin:%20*", ".verdict .reason code");
const STORY: Page = ("lab.localhost", "/story", "[data-story-step='0']");
const DASHBOARD: Page = ("fintrack.localhost", "/", "[data-signed-in]");
const GIVEAWAY_AFTER_RUN: Page = (
    "free-crypto-giveaway.localhost",
    "/?from=null&kind=get&cred=include&policy=null-trusted&auto=1",
    "[data-agreement]",
);
const BLOG_AFTER_RUN: Page =
    ("blog.fintrack.localhost", "/?kind=put&cred=include&auto=1", "[data-agreement]");

/// The accessibility audit (`audit.js`) over every page, in light on a desktop window and in dark
/// on a phone-sized one (320 pixels wide): the console with its audit result, the playground's explanation, the
/// story, the dashboard, and the attacker pages after a real run. Contrast, accessible names,
/// references and reflow, as rendered.
async fn accessibility(browser: Browser) -> Result<(), String> {
    let pages = [CONSOLE, PLAYGROUND, STORY, DASHBOARD, GIVEAWAY_AFTER_RUN, BLOG_AFTER_RUN];
    let mut problems = Vec::new();
    for scheme in [Scheme::Light, Scheme::Dark] {
        let s = Session::start_in(browser, scheme).await?;
        if scheme == Scheme::Dark {
            // The dark pass is also the phone-sized one, at the 320 CSS pixels WCAG 1.4.10 asks
            // pages to reflow to (headless Firefox keeps its window at least 500 wide).
            s.client.set_window_size(320, 844).await.map_err(|e| e.to_string())?;
        }
        for (host, path, ready) in pages {
            s.open(host, path).await?;
            s.wait(ready).await?;
            if (host, path, ready) == CONSOLE {
                set_up_as_linked(&s).await?;
                s.click("button.audit-run:not([disabled])").await?;
                s.wait(".audit-result").await?;
            }
            problems.extend(s.audit().await?.into_iter().map(|p| format!("{scheme:?} {host}{path}: {p}")));
        }
        audit_can_fail(&s).await?;
        s.close().await?;
    }
    ensure(problems.is_empty(), format!("{}:\n{}", browser.name(), problems.join("\n")))
}

/// A console opened from a link that names another setup than the lab's shows the link's setup
/// and asks before it changes the lab: this says yes (unless the lab already runs it).
async fn set_up_as_linked(s: &Session) -> Result<(), String> {
    let first = s.wait("button.apply-link, button.audit-run:not([disabled])").await?;
    let class = first.attr("class").await.map_err(|e| e.to_string())?.unwrap_or_default();
    if class.contains("apply-link") {
        first.click().await.map_err(|e| format!("the link's setup button: {e}"))?;
    }
    Ok(())
}

/// Every control of the console, the playground and the dashboard is reached with Tab alone,
/// in the order the page shows them, and Tab leaves none of them trapped.
async fn keyboard(browser: Browser) -> Result<(), String> {
    let s = Session::start(browser).await?;
    let pages = [CONSOLE, PLAYGROUND, DASHBOARD];
    for (host, path, ready) in pages {
        s.open(host, path).await?;
        s.wait(ready).await?;
        // Number the controls a keyboard user must reach, in document order.
        let mark = "const all = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')] \
            .filter((el) => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden'); \
            all.forEach((el, i) => el.dataset.tabWalk = i); document.activeElement?.blur(); return all.length;";
        let count = s.client.execute(mark, Vec::new()).await.map_err(|e| e.to_string())?;
        let count = count.as_u64().unwrap_or_default();
        let mut reached = Vec::new();
        for _ in 0..count {
            press(&s, Key::Tab).await?;
            let focused = "return document.activeElement?.dataset.tabWalk ?? null";
            let at = s.client.execute(focused, Vec::new()).await.map_err(|e| e.to_string())?;
            reached.push(at.as_str().and_then(|n| n.parse::<u64>().ok()));
        }
        let expected: Vec<Option<u64>> = (0..count).map(Some).collect();
        ensure(
            count > 0 && reached == expected,
            format!("{} {host}{path}: Tab reached {reached:?} of {count} controls in order", browser.name()),
        )?;
    }
    s.close().await
}

/// The audit finds what it looks for: grey text on the page's own background, and a button
/// with no name, added for the moment and taken away again.
async fn audit_can_fail(s: &Session) -> Result<(), String> {
    let plant = "const p = document.createElement('p'); p.id = 'planted'; p.textContent = 'faint'; \
        p.style.color = 'rgba(128, 128, 128, 0.4)'; document.querySelector('main').append(p); \
        const b = document.createElement('button'); b.id = 'planted-button'; p.append(b);";
    s.client.execute(plant, Vec::new()).await.map_err(|e| e.to_string())?;
    let found: Vec<String> = s.audit().await?.into_iter().filter(|p| p.contains("planted")).collect();
    s.client
        .execute("document.getElementById('planted').remove()", Vec::new())
        .await
        .map_err(|e| e.to_string())?;
    let names = |needle: &str| found.iter().any(|p| p.contains(needle));
    ensure(
        found.len() == 2
            && names("contrast")
            && names("p#planted")
            && names("no accessible name: button#planted-button"),
        format!("{}: the audit finds the planted problems: {found:?}", s.browser.name()),
    )
}

async fn expect_outcome(s: &Session, outcome: &str, class: &str) -> Result<(), String> {
    let got = s.wait(".got").await?;
    let found = got.attr("data-outcome").await.map_err(|e| e.to_string())?.unwrap_or_default();
    let classes = got.attr("class").await.map_err(|e| e.to_string())?.unwrap_or_default();
    let text = got.text().await.unwrap_or_default();
    ensure(
        found == outcome && classes.split(' ').any(|c| c == class),
        format!(
            "{}: expected the script to get `{outcome}` ({class}), got `{found}` ({classes}): {text}",
            s.browser.name()
        ),
    )
}

/// Presses `key` where the focus is, as a person would (sending keys to an element moves the
/// focus to it first).
async fn press(s: &Session, key: Key) -> Result<(), String> {
    let press = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    s.client.perform_actions(press).await.map_err(|e| format!("{key:?}: {e}"))
}

/// The agreement badge says the engine predicted what this browser did.
async fn expect_agreement(s: &Session) -> Result<(), String> {
    let badge = s.wait("[data-agreement]").await?;
    let verdict = badge.attr("data-agreement").await.map_err(|e| e.to_string())?.unwrap_or_default();
    let text = badge.text().await.unwrap_or_default();
    ensure(verdict == "agree", format!("{}: the engine disagrees with the browser: {text}", s.browser.name()))
}

/// The text of `css` once it is not empty.
async fn settled_text(s: &Session, css: &str) -> Result<String, String> {
    let started = std::time::Instant::now();
    loop {
        let text = s.text(css).await?;
        if !text.is_empty() {
            return Ok(text);
        }
        if started.elapsed() > corslab_e2e::PATIENCE {
            return Err(format!("{}: `{css}` stayed empty", s.browser.name()));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn ensure(condition: bool, message: String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message) }
}

macro_rules! in_both_browsers {
    ($($name:ident),*) => {
        mod chromium {
            $(
                #[tokio::test]
                #[ignore = "needs a lab server and WebDriver: `cargo xtask test` runs it"]
                async fn $name() -> Result<(), String> {
                    super::$name(corslab_e2e::Browser::Chromium).await
                }
            )*
        }
        mod firefox {
            $(
                #[tokio::test]
                #[ignore = "needs a lab server and WebDriver: `cargo xtask test` runs it"]
                async fn $name() -> Result<(), String> {
                    super::$name(corslab_e2e::Browser::Firefox).await
                }
            )*
        }
    };
}

in_both_browsers!(
    story,
    console_run,
    audit,
    dashboard,
    null_origin,
    playground,
    csrf_form,
    accessibility,
    keyboard
);
