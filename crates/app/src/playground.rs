//! The playground: paste what a browser sent and what a server answered, and read the engine's
//! explanation, with no server involved. Its whole state is the URL's query, field by field,
//! so a link reproduces it.

use corslab_engine::exchange::{
    Answer, Cookie, CredentialsMode, RedirectMode, Request, RequestMode, SameSite, Settings,
    ThirdPartyCookies,
};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange};
use leptos::prelude::*;

use crate::explain_panel::ExplainPanel;
use crate::har_view::HarDrop;
use crate::query::Query;
use crate::run::{explain_only, this_browser};
use crate::scenario::credentials_from_id;
use crate::{page, paste};

/// One field of the playground: its URL key, its label and its default.
#[derive(Debug, Clone, Copy)]
struct Field {
    key: &'static str,
    label: &'static str,
    default: &'static str,
}

const PAGE: Field = Field {
    key: "page",
    label: "Page origin (the document calling fetch; null when sandboxed)",
    default: "http://free-crypto-giveaway.localhost:8080",
};
const TOP: Field = Field { key: "top", label: "Top-level origin (empty: the page itself)", default: "" };
const URL: Field =
    Field { key: "url", label: "URL fetched", default: "http://api.fintrack.localhost:8080/me/balance" };
const METHOD: Field = Field { key: "m", label: "Method", default: "GET" };
const REQUEST_HEADERS: Field = Field {
    key: "rh",
    label: "Headers the script sets (one Name: value per line), or the request as DevTools or curl -v show it, copied as fetch or as cURL",
    default: "",
};
const PREFLIGHT_STATUS: Field =
    Field { key: "ps", label: "Preflight status (empty: unknown)", default: "204" };
const PREFLIGHT_HEADERS: Field = Field {
    key: "ph",
    label: "Preflight response headers, or its whole head (status line first)",
    default: "",
};
const STATUS: Field = Field { key: "s", label: "Response status", default: "200" };
const RESPONSE_HEADERS: Field = Field {
    key: "h",
    label: "Response headers, or its whole head (status line first)",
    default: "Access-Control-Allow-Origin: http://free-crypto-giveaway.localhost:8080\nAccess-Control-Allow-Credentials: true\nContent-Type: application/json",
};

/// The playground page.
#[component]
pub fn Playground() -> impl IntoView {
    let mut query = page::query();
    // The browser is always in the link, so it explains the same in the other browser.
    if !matches!(query.get("b"), Some("chromium" | "firefox")) {
        query.set("b", browser_id(this_browser()));
    }
    let state = RwSignal::new(query);
    // Whether the address bar holds the whole state: Firefox refuses a URL of a megabyte or more.
    let linked = RwSignal::new(true);
    Effect::new(move |_| linked.set(page::replace_query(&state.get())));
    let explained = move || build(&state.get());
    view! {
        <header class="page-title">
            <h1>"The playground"</h1>
            <p class="lead">"Paste the request and the server's answers: the engine explains what the browser does with them. Nothing is sent anywhere; the link in the address bar reproduces this page."</p>
        </header>
        {move || (!linked.get()).then(|| view! {
            <p class="problem" role="status">"This page's state is too large for a link: the address bar no longer reproduces it. Shorten the headers to share it, or share the HAR file itself."</p>
        })}
        <HarDrop/>
        <div class="console-grid">
            <section class="panel" aria-labelledby="input-title">
                <h2 id="input-title">"The exchange"</h2>
                <div class="options">
                    <Choice state key="b" label="Browser" choices=&[("chromium", "Chromium"), ("firefox", "Firefox")] default=""/>
                    <Choice state key="cred" label="Credentials" choices=&[("include", "include"), ("same-origin", "same-origin"), ("omit", "omit")] default="include"/>
                    <Choice state key="mode" label="Mode" choices=&[("cors", "cors"), ("no-cors", "no-cors"), ("same-origin", "same-origin")] default="cors"/>
                    <Choice state key="tpc" label="Third-party cookies" choices=&[("default", "browser default"), ("allowed", "allowed"), ("blocked", "blocked")] default="default"/>
                    <Choice state key="ck" label="Session cookie in the jar" choices=&[("", "none"), ("lax", "SameSite=Lax"), ("strict", "SameSite=Strict"), ("none", "SameSite=None; Secure"), ("unset", "no SameSite")] default=""/>
                </div>
                <TextField state field=PAGE/>
                <TextField state field=TOP/>
                <TextField state field=URL/>
                <TextField state field=METHOD/>
                <TextArea state field=REQUEST_HEADERS reads=Reads::Request/>
                <TextField state field=PREFLIGHT_STATUS/>
                <TextArea state field=PREFLIGHT_HEADERS reads=Reads::Response(PREFLIGHT_STATUS)/>
                <TextField state field=STATUS/>
                <TextArea state field=RESPONSE_HEADERS reads=Reads::Response(STATUS)/>
            </section>
            <section class="panel" aria-labelledby="explained-title">
                <h2 id="explained-title">"What the browser does"</h2>
                // The outcome alone is announced as it changes, not the whole panel at each key.
                <p class="sr-only" aria-live="polite">{move || match explained() {
                    Ok(explained) => format!("The read is {}", explained.here.read.as_str()),
                    Err(problems) if problems.len() == 1 => "One problem in the exchange".to_owned(),
                    Err(problems) => format!("{} problems in the exchange", problems.len()),
                }}</p>
                <p class="muted">"Nothing ran here, so there is no agreement badge: run it in the console to compare the prediction with this browser."</p>
                {move || match explained() {
                    Ok(explained) => view! { <ExplainPanel explained/> }.into_any(),
                    Err(problems) => view! {
                        <ul class="problem" role="alert">{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    }.into_any(),
                }}
            </section>
        </div>
    }
}

/// A one-line text field bound to a URL key.
#[component]
fn TextField(state: RwSignal<Query>, field: Field) -> impl IntoView {
    let id = format!("pg-{}", field.key);
    view! {
        <p class="field">
            <label for=id.clone()>{field.label}</label>
            <input id=id type="text" spellcheck="false" prop:value=move || value(&state.get(), field)
                on:input=move |ev| state.update(|q| q.set_unless(field.key, &event_target_value(&ev), field.default))/>
        </p>
    }
}

/// What a multi-line field makes of a whole HTTP message pasted into it ([`paste`]).
#[derive(Debug, Clone, Copy)]
enum Reads {
    /// A request: its method, URL and `Origin` go to their fields, and the headers the browser
    /// set on its own are left out.
    Request,
    /// An answer: its status goes to this field.
    Response(Field),
}

/// A multi-line field bound to a URL key. A whole message pasted into it is spread over the
/// fields it fills, and a line under it says what was taken.
#[component]
fn TextArea(state: RwSignal<Query>, field: Field, reads: Reads) -> impl IntoView {
    let id = format!("pg-{}", field.key);
    let taken = RwSignal::new(String::new());
    view! {
        <p class="field">
            <label for=id.clone()>{field.label}</label>
            <textarea id=id rows="3" spellcheck="false" prop:value=move || value(&state.get(), field)
                on:input=move |ev| taken.set(state.try_update(|q| store(q, field, reads, &event_target_value(&ev))).flatten().unwrap_or_default())/>
            // Always there, so screen readers hear what a paste took (a live region must exist first).
            <span class="muted pasted" role="status">{move || taken.get()}</span>
        </p>
    }
}

/// Stores a multi-line field's text, spread over the other fields when it is a whole message;
/// what was taken from it, if it was.
fn store(query: &mut Query, field: Field, reads: Reads, text: &str) -> Option<String> {
    match reads {
        Reads::Response(status) => {
            let Some(head) = paste::response(text) else {
                query.set_unless(field.key, text, field.default);
                return None;
            };
            query.set_unless(status.key, &head.status.to_string(), status.default);
            query.set_unless(field.key, &head.headers, field.default);
            Some(format!("Read as a whole response: its status {} went to the field above.", head.status))
        }
        Reads::Request => store_request(query, field, text),
    }
}

/// Stores the request field's text, spread over the other fields when it is a whole request;
/// what was taken from it, if it was.
fn store_request(query: &mut Query, field: Field, text: &str) -> Option<String> {
    let scheme = if value(query, URL).starts_with("https:") { "https" } else { "http" };
    // What a copied command names besides the request: its mode and credentials.
    let mut chosen = Vec::new();
    let copied = match paste::curl(text) {
        Some(Ok(command)) => Some((command, "a cURL command")),
        Some(Err(problem)) => {
            query.set_unless(field.key, text, field.default);
            return Some(format!("This is a cURL command, but {problem}."));
        }
        None => paste::fetch_call(text).map(|call| (call, "DevTools' Copy as fetch")),
    };
    let (request, read_as) = if let Some((copied, read_as)) = copied {
        // Each choice takes only the values it offers, its default first.
        for (key, value, what, offered) in [
            ("mode", copied.mode, "mode", ["cors", "no-cors", "same-origin"]),
            ("cred", copied.credentials, "credentials", ["include", "same-origin", "omit"]),
        ] {
            if let Some(value) = value.filter(|value| offered.contains(&value.as_str())) {
                query.set_unless(key, &value, offered[0]);
                chosen.push(what);
            }
        }
        (copied.request, read_as)
    } else if let Some(request) = paste::request(text, scheme) {
        (request, "a whole request")
    } else {
        query.set_unless(field.key, text, field.default);
        let har =
            text.trim_start().starts_with('{') && (text.contains("\"log\"") || text.contains("\"request\""));
        if har {
            return Some("This looks like a HAR: paste it under \"From a HAR file\", above.".to_owned());
        }
        // Chromium's "Copy as PowerShell" sits beside its cURL and fetch copies, which are read.
        let powershell =
            ["Invoke-WebRequest", "Invoke-RestMethod"].iter().any(|cmdlet| text.contains(cmdlet));
        return powershell.then(|| {
            "This is a PowerShell command, which the playground does not read: copy the request as cURL (cmd) or as fetch instead."
                .to_owned()
        });
    };
    let origin_from =
        if request.origin_from_referrer { "page origin (its referrer's)" } else { "page origin" };
    let mut set = |f: Field, value: &str| query.set_unless(f.key, value, f.default);
    let mut filled = Vec::new();
    for (f, value, what) in [
        (METHOD, &request.method, "method"),
        (URL, &request.url, "URL"),
        (PAGE, &request.origin, origin_from),
    ] {
        if let Some(value) = value {
            set(f, value);
            filled.push(what);
        }
    }
    filled.extend(chosen);
    set(field, &request.headers);
    let mut said = match &request.preflight_for {
        None => format!("Read as {read_as}: {} set from it.", list(&filled)),
        Some(names) => {
            let mut said = format!(
                "Read as a preflight: {} set from it, the method being the one it asks for.",
                list(&filled)
            );
            if !names.is_empty() {
                said += &format!(
                    " Type in the headers it names ({}) with their values, or paste the request itself.",
                    names.join(", ")
                );
            }
            said
        }
    };
    if !request.left_out.is_empty() {
        said += &format!(" Left out as the browser's own: {}.", request.left_out.join(", "));
    }
    // A whole `curl -v` trace holds the answer too: a preflight's goes to the preflight fields.
    if let Some(answer) = paste::traced_response(text) {
        let (status, headers, which) = match request.preflight_for {
            Some(_) => (PREFLIGHT_STATUS, PREFLIGHT_HEADERS, "preflight"),
            None => (STATUS, RESPONSE_HEADERS, "response"),
        };
        set(status, &answer.status.to_string());
        set(headers, &answer.headers);
        said += &format!(" Its answer (status {}) went to the {which} fields.", answer.status);
    }
    Some(said)
}

/// `a`, `a and b`, `a, b and c`; `nothing` for none.
fn list(items: &[&str]) -> String {
    match items {
        [] => "nothing".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A choice among fixed values bound to a URL key.
#[component]
fn Choice(
    state: RwSignal<Query>,
    key: &'static str,
    label: &'static str,
    choices: &'static [(&'static str, &'static str)],
    default: &'static str,
) -> impl IntoView {
    let options = choices
        .iter()
        .map(|(id, text)| {
            view! { <option value=*id prop:selected=move || state.get().get(key).unwrap_or(default) == *id>{*text}</option> }
        })
        .collect_view();
    view! {
        <label>
            {label}" "
            <select data-key=key on:change=move |ev| state.update(|q| q.set_unless(key, &event_target_value(&ev), default))>{options}</select>
        </label>
    }
}

fn value(query: &Query, field: Field) -> String {
    query.get(field.key).unwrap_or(field.default).to_owned()
}

fn browser_id(browser: Browser) -> &'static str {
    if browser == Browser::Firefox { "firefox" } else { "chromium" }
}

/// The Exchange the fields describe, explained; or every problem with the fields.
fn build(query: &Query) -> Result<crate::run::Explained, Vec<String>> {
    let mut problems = Vec::new();
    let text = |field: Field| query.get(field.key).unwrap_or(field.default).trim().to_owned();
    // Header lines are counted as written, blank ones included, so errors name the right line.
    let lines = |field: Field| query.get(field.key).unwrap_or(field.default).to_owned();
    let mut problem = |what: &str, e: String| problems.push(format!("{what}: {e}"));

    let page = Origin::parse(&crate::idna::ascii_origin(&text(PAGE)))
        .map_err(|e| problem("Page origin", e.to_string()))
        .ok();
    let top = text(TOP);
    let top_level = if top.is_empty() {
        Some(None)
    } else {
        Origin::parse(&crate::idna::ascii_origin(&top))
            .map(Some)
            .map_err(|e| problem("Top-level origin", e.to_string()))
            .ok()
    };
    let url: Option<url::Url> = crate::idna::ascii_url(&text(URL))
        .parse()
        .map_err(|e: url::ParseError| problem("URL", e.to_string()))
        .ok();
    let method = Method::new(&text(METHOD)).map_err(|e| problem("Method", e.to_string())).ok();
    let headers = headers(&lines(REQUEST_HEADERS)).map_err(|e| problem("Request headers", e)).ok();
    let preflight = match text(PREFLIGHT_STATUS) {
        s if s.is_empty() => Some(None),
        s => answer(&s, &lines(PREFLIGHT_HEADERS)).map(Some).map_err(|e| problem("Preflight", e)).ok(),
    };
    let response = answer(&text(STATUS), &lines(RESPONSE_HEADERS)).map_err(|e| problem("Response", e)).ok();

    let pick = |key: &str| query.get(key).unwrap_or("");
    let browser = if pick("b") == "firefox" { Browser::Firefox } else { Browser::Chromium };
    let credentials = credentials_from_id(pick("cred")).unwrap_or(CredentialsMode::Include);
    let mode = match pick("mode") {
        "no-cors" => RequestMode::NoCors,
        "same-origin" => RequestMode::SameOrigin,
        _ => RequestMode::Cors,
    };
    let third_party_cookies = match pick("tpc") {
        "allowed" => ThirdPartyCookies::Allowed,
        "blocked" => ThirdPartyCookies::Blocked,
        _ => ThirdPartyCookies::Default,
    };
    let (
        Some(page),
        Some(top_level),
        Some(url),
        Some(method),
        Some(headers),
        Some(preflight),
        Some(response),
    ) = (page, top_level, url, method, headers, preflight, response)
    else {
        return Err(problems);
    };
    let cookies = cookie(pick("ck"), &url).into_iter().collect();
    let exchange = Exchange {
        browser,
        page,
        top_level,
        settings: Settings { third_party_cookies, ..Settings::default() },
        request: Request { method, url, headers, mode, credentials, redirect: RedirectMode::Follow },
        cookies,
        preflight,
        response,
        next: None,
    };
    Ok(explain_only(exchange, false))
}

/// Parses `Name: value` lines (blank lines skipped).
fn headers(text: &str) -> Result<HeaderList, String> {
    let mut list = HeaderList::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| format!("line {} has no colon", i + 1))?;
        let header = Header::new(name.trim(), value.trim()).map_err(|e| format!("line {}: {e}", i + 1))?;
        list.append(header);
    }
    Ok(list)
}

/// A status and header lines; the error names which of the two is wrong (`headers: line 2 …`).
fn answer(status: &str, headers_text: &str) -> Result<Answer, String> {
    let status = status.parse::<u16>().ok().filter(|s| (100..=599).contains(s));
    let status = status.ok_or_else(|| "the status must be a number from 100 to 599".to_owned());
    let headers = headers(headers_text).map_err(|e| format!("headers, {e}"));
    match (status, headers) {
        (Ok(status), Ok(headers)) => Ok(Answer { status, headers }),
        // Both problems at once, so one fix does not reveal the next.
        (status, headers) => {
            Err([status.err(), headers.err()].into_iter().flatten().collect::<Vec<_>>().join("; "))
        }
    }
}

/// A session cookie set by the fetched URL's host ten minutes ago, with the chosen `SameSite`.
fn cookie(choice: &str, url: &url::Url) -> Option<Cookie> {
    let same_site = match choice {
        "lax" => Some(SameSite::Lax),
        "strict" => Some(SameSite::Strict),
        "none" => Some(SameSite::None),
        "unset" => None,
        _ => return None,
    };
    Some(Cookie {
        name: "session".to_owned(),
        host: url.host_str()?.to_owned(),
        domain: None,
        path: "/".to_owned(),
        same_site,
        secure: true,
        http_only: true,
        partition: None,
        age_s: 600,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_parse_and_bad_ones_are_named() {
        let list = headers("A: 1\n\nB-C:  two words ").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list.get("b-c").unwrap().to_text(), "two words");
        assert_eq!(headers("ok: 1\nno colon").unwrap_err(), "line 2 has no colon");
        assert!(headers("Bad Name: 1").unwrap_err().starts_with("line 1:"));
    }

    #[test]
    fn answers_need_a_real_status() {
        assert_eq!(answer("204", "").unwrap().status, 204);
        assert!(answer("2000", "").is_err());
        assert!(answer("ok", "").is_err());
        // A bad status does not hide a bad header line.
        let both = answer("ok", "no colon").unwrap_err();
        assert!(both.contains("status") && both.contains("line 1 has no colon"), "{both}");
    }

    #[test]
    fn header_errors_count_leading_blank_lines() {
        assert!(headers("\n\n\nBad Name: x").unwrap_err().starts_with("line 4:"));
    }
}
