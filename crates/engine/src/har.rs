//! HAR files exported by Chromium's or Firefox's DevTools, read into Exchanges: every
//! cross-origin entry, its preflight paired with it, its redirects chained as `next` hops, and
//! each fact a HAR does not record with what was assumed instead.
//!
//! The types below are the parts of HAR 1.2 the reader uses, every field a producer may leave
//! out defaulted, so the same types read a file through `serde_json` (the CLI, [`Har::from_json`])
//! or through `serde-wasm-bindgen` (the app). [`exchanges`] is the pure step from a read HAR to
//! Exchanges; the rules it relies on (forbidden headers, the safelist, whether a preflight is
//! needed) are the engine's own.
//!
//! <https://w3c.github.io/web-performance/specs/HAR/Overview.html>

use std::fmt;

use serde::Deserialize;
use url::Url;

use crate::cache::{Key, PreflightCache, Seconds};
use crate::exchange::{
    self, Answer, Cookie, CredentialsMode, Exchange, Hop, RedirectMode, RequestMode, SameSite, Settings,
    ThirdPartyCookies,
};
use crate::header::{Header, HeaderList, get_decode_split_value};
use crate::method::Method;
use crate::origin::Origin;
use crate::profile::Profile;
use crate::request::is_forbidden_request_header;
use crate::rules;
use crate::safelist::{cors_unsafe_request_header_names, is_cors_safelisted_request_header};
use crate::verdict::{Outcome, Read, Step, Verdict};
use crate::{Browser, InputError, preflight, wording};

/// A HAR file: `{"log": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Har {
    /// The log; absent when the JSON is not a HAR file at all.
    #[serde(default)]
    pub log: Option<Log>,
}

/// `log`: who wrote the file and what it recorded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Log {
    /// The tool that wrote the file (`WebInspector` for Chromium, `Firefox`).
    pub creator: Option<Software>,
    /// The browser that made the requests, when the producer says.
    pub browser: Option<Software>,
    /// The pages the entries belong to.
    pub pages: Vec<Page>,
    /// The requests, in the order they started; `None` when the file has no `entries` array.
    pub entries: Option<Vec<Entry>>,
}

/// `log.creator` or `log.browser`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Software {
    /// Its name.
    pub name: String,
}

/// One of `log.pages`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Page {
    /// The id entries refer to with `pageref`.
    pub id: String,
    /// The page's title: Chromium writes the page's URL here, Firefox the document's title (the
    /// reader then falls back on the `Referer`).
    pub title: String,
}

/// One of `log.entries`: a request and its response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Entry {
    /// The id of the page that made the request.
    pub pageref: Option<String>,
    /// What was sent.
    pub request: Request,
    /// What came back.
    pub response: Response,
    /// Chromium's `_fromCache` (`memory` or `disk`): the answer came from the HTTP cache and
    /// nothing went to the server.
    #[serde(rename = "_fromCache")]
    pub from_cache: Option<String>,
    /// Chromium's `_resourceType` (`fetch`, `preflight`, `websocket`, `document`, …).
    #[serde(rename = "_resourceType")]
    pub resource_type: Option<String>,
}

/// `entries[].request`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Request {
    /// The method as sent.
    pub method: String,
    /// The absolute URL; `None` when the producer left it out.
    pub url: Option<String>,
    /// The headers as sent, HTTP/2 pseudo-headers included.
    pub headers: Vec<NameValue>,
    /// The cookies sent; Chromium writes each one's attributes too (unless the export was
    /// sanitized), Firefox only its name and value.
    pub cookies: Vec<SentCookie>,
}

impl Default for Request {
    fn default() -> Self {
        Self { method: "GET".to_owned(), url: None, headers: Vec::new(), cookies: Vec::new() }
    }
}

/// One of `entries[].request.cookies`: a cookie sent, with the attributes the producer recorded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SentCookie {
    /// Its name.
    pub name: String,
    /// Its `Domain` attribute (`.fintrack.localhost`), when it has one and it was recorded.
    pub domain: Option<String>,
    /// Its `Path`.
    pub path: Option<String>,
    /// Whether it is `Secure`.
    pub secure: Option<bool>,
    /// Whether it is `HttpOnly`.
    #[serde(rename = "httpOnly")]
    pub http_only: Option<bool>,
    /// Its `SameSite` (`Lax`, `Strict`, `None`), when it has one.
    #[serde(rename = "sameSite")]
    pub same_site: Option<String>,
}

/// `entries[].response`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Response {
    /// The status; 0 (or a negative number) when no response arrived.
    pub status: i64,
    /// The headers as received.
    pub headers: Vec<NameValue>,
    /// The `Location` target of a redirect, empty otherwise.
    #[serde(rename = "redirectURL")]
    pub redirect_url: String,
    /// Chromium's `_fetchedViaServiceWorker`: a service worker answered the page's request, and
    /// its own fetch, if it made one, is an entry of its own.
    #[serde(rename = "_fetchedViaServiceWorker")]
    pub via_service_worker: bool,
    /// Chromium's `_error`: why the fetch failed (`net::ERR_FAILED` for a read CORS refused).
    #[serde(rename = "_error")]
    pub error: Option<String>,
}

/// One header: `{"name": ..., "value": ...}`.
#[derive(Debug, Clone, Deserialize)]
pub struct NameValue {
    /// The header's name, as the producer spelled it.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One cross-origin exchange found in a HAR file.
#[derive(Debug, Clone)]
pub struct Found {
    /// The index of its entry in `log.entries`.
    pub entry: usize,
    /// The Exchange, with its preflight and redirect hops.
    pub exchange: Exchange,
    /// What the HAR did not record and what was assumed instead, in the order it was decided.
    pub assumed: Vec<Assumption>,
}

/// A fact a HAR does not record, and what the reader assumed instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Assumption {
    /// No `Origin` header: the page's origin comes from the HAR's page.
    PageFromHarPage(Origin),
    /// No `Origin` header and no usable page: the page's origin comes from the `Referer`.
    PageFromReferer(Origin),
    /// No `Sec-Fetch-Mode`, but an `Origin` header: cors mode.
    CorsModeFromOrigin,
    /// No `Sec-Fetch-Mode` and no `Origin` header: no-cors mode.
    NoCorsModeWithoutOrigin,
    /// The request carried cookies: credentials `include`.
    CredentialsFromCookies,
    /// The request carried no cookies: the default credentials mode, `same-origin`.
    CredentialsDefault,
    /// The request carried no cookies, but Chromium recorded the read failing where only
    /// credentials `include` explains it: include.
    CredentialsFromFailure,
    /// The cookies sent, with the attributes the HAR records for them, stand for the jar.
    JarFromCookieAttributes {
        /// The cookie names, in the order sent.
        names: Vec<String>,
        /// The host they were sent to.
        host: String,
    },
    /// The cookies sent stand for a jar of host-only cookies of the URL's host.
    JarFromCookiesSent {
        /// The cookie names, in the order sent.
        names: Vec<String>,
        /// The host they are taken to belong to.
        host: String,
    },
    /// Cookies went cross-site: third-party cookies were allowed.
    ThirdPartyCookiesAllowed,
    /// The script's headers are those the preflight asked about, plus safelisted ones.
    ScriptHeadersFromPreflight,
    /// No preflight: the browser's own headers are told apart by name.
    ScriptHeadersByName,
    /// A request that needs a preflight has none in the HAR: answered from the preflight cache.
    PreflightFromCache,
    /// Status 0: no response headers.
    NoResponse,
    /// Headers that are not valid HTTP (a name that is no token, a line break in a value) were
    /// left out.
    HeadersLeftOut(Vec<String>),
    /// The page is taken to be top-level.
    TopLevel,
}

/// Why a HAR file cannot be read into Exchanges: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HarError {
    /// The JSON has no `log` object.
    NotHar,
    /// `log.entries` is missing.
    NoEntries,
    /// An entry has no request URL.
    MissingUrl {
        /// The entry's index.
        entry: usize,
    },
    /// An entry's request URL does not parse.
    BadUrl {
        /// The entry's index.
        entry: usize,
        /// The URL as written.
        url: String,
        /// Why it is not a URL.
        reason: String,
    },
    /// An entry's method is not a method.
    BadMethod {
        /// The entry's index.
        entry: usize,
        /// Why.
        reason: String,
    },
    /// No entry is a cross-origin request.
    NothingCrossOrigin,
}

impl Har {
    /// Reads a HAR file from JSON text, naming the path, line and column of any error.
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        InputError::read(text)
    }
}

impl Found {
    /// The assumptions as `input.assumed` steps, to put before the verdict's own.
    pub fn assumed_steps(&self) -> impl Iterator<Item = Step> + '_ {
        self.assumed.iter().map(|a| Step::new(rules::INPUT_ASSUMED, Outcome::Info, wording::assumption(a)))
    }

    /// Whether the request needed a preflight the HAR does not show, so the browser answered it
    /// from its preflight cache.
    pub fn preflight_cached(&self) -> bool {
        self.assumed.contains(&Assumption::PreflightFromCache)
    }
}

/// Explains `exchange` as a HAR recorded it: when `preflight_cached`, the preflight cache holds
/// the answer the request needs when it goes out, so no preflight is sent, as the file shows.
pub fn explain(exchange: &Exchange, preflight_cached: bool) -> Verdict {
    if !preflight_cached {
        return crate::explain(exchange);
    }
    let mut cache = PreflightCache::new();
    let partition = exchange.top_level_origin().site().to_string();
    let request = &exchange.request;
    let names = cors_unsafe_request_header_names(&request.headers);
    let names: Vec<&str> = names.names.iter().map(|n| n.as_sent()).collect();
    let key = Key {
        partition: &partition,
        origin: exchange.page.serialize(),
        url: request.url.as_str(),
        credentials: request.credentials,
    };
    // A long-lived entry for exactly this method and these headers, stored just before.
    let lookup = Profile::of(exchange.browser).cache_lookup;
    cache.insert(key, &[request.method.as_str()], &names, ASSUMED_MAX_AGE, 0, lookup);
    crate::explain_with(exchange, &mut cache, 0)
}

/// How long the assumed cached preflight lives: longer than the explanation takes.
const ASSUMED_MAX_AGE: Seconds = 600;

impl HarError {
    /// Where in the file the problem is (`log.entries[0].request.url`), empty when it is the
    /// file as a whole.
    pub fn path(&self) -> String {
        match self {
            Self::NotHar | Self::NothingCrossOrigin => String::new(),
            Self::NoEntries => "log.entries".to_owned(),
            Self::MissingUrl { entry } | Self::BadUrl { entry, .. } => {
                format!("log.entries[{entry}].request.url")
            }
            Self::BadMethod { entry, .. } => format!("log.entries[{entry}].request.method"),
        }
    }
}

impl fmt::Display for HarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        // What to do about a file that is not what DevTools saves.
        const SAVE_AGAIN: &str = "save the HAR again from DevTools (Network → Save all as HAR)";
        match self {
            Self::NotHar => write!(f, "this JSON has no log object, so it is not a HAR file; {SAVE_AGAIN}"),
            Self::NoEntries => write!(f, "a HAR file needs an entries array; {SAVE_AGAIN}"),
            Self::MissingUrl { .. } => write!(f, "expected the request URL as a string; {SAVE_AGAIN}"),
            Self::BadUrl { url, reason, .. } => write!(f, "{url:?} is not a URL ({reason}); {SAVE_AGAIN}"),
            Self::BadMethod { reason, .. } => f.write_str(reason),
            Self::NothingCrossOrigin => f.write_str(
                "the HAR holds no cross-origin request to explain; record the page again with the Network panel open",
            ),
        }
    }
}

impl std::error::Error for HarError {}

/// The cross-origin exchanges of a HAR log: preflights paired with their requests, redirects
/// chained into hops; same-origin requests, navigations and lone preflights left out.
pub fn exchanges(har: &Har) -> Result<Vec<Found>, HarError> {
    let log = har.log.as_ref().ok_or(HarError::NotHar)?;
    let raw = log.entries.as_ref().ok_or(HarError::NoEntries)?;
    let browser = browser_of(log);
    let entries =
        raw.iter().enumerate().map(|(i, e)| read_entry(i, e, &log.pages)).collect::<Result<Vec<_>, _>>()?;
    let mut used = vec![false; entries.len()];
    let mut found = Vec::new();
    for i in 0..entries.len() {
        // A preflight belongs to its request.
        if used[i] || entries[i].is_preflight() || !is_fetch_to_a_server(&raw[i], &entries[i]) {
            continue;
        }
        if let Some(exchange) = exchange_at(&entries, &mut used, i, browser)? {
            found.push(exchange);
        }
    }
    if found.is_empty() {
        return Err(HarError::NothingCrossOrigin);
    }
    Ok(found)
}

/// Whether an entry is a fetch that went to a server, which an Exchange can describe: not an
/// answer from the HTTP cache, nor the page's side of a request a service worker answered (its
/// own fetch is an entry of its own), nor a WebSocket handshake (no CORS protocol), nor a
/// `data:` or `blob:` URL, which never leaves the browser.
fn is_fetch_to_a_server(raw: &Entry, e: &Parsed<'_>) -> bool {
    let websocket = e.status == 101
        || raw.resource_type.as_deref() == Some("websocket")
        || e.header("sec-fetch-mode") == Some("websocket")
        || matches!(e.url.scheme(), "ws" | "wss");
    raw.from_cache.is_none()
        && !raw.response.via_service_worker
        && !websocket
        && !matches!(e.url.scheme(), "data" | "blob")
}

/// One HAR entry, read once: the URL parsed, pseudo-headers dropped, the page resolved.
#[derive(Debug)]
struct Parsed<'a> {
    index: usize,
    method: &'a str,
    url: Url,
    request: Vec<(&'a str, &'a str)>,
    status: u16,
    response: Vec<(&'a str, &'a str)>,
    redirect_url: Option<&'a str>,
    page_url: Option<&'a str>,
    cookies: &'a [SentCookie],
    /// Chromium recorded the fetch failing (`_error: net::ERR_FAILED`).
    failed: bool,
}

impl Parsed<'_> {
    /// An `OPTIONS` request that asks `Access-Control-Request-Method`: a CORS preflight.
    ///
    /// <https://fetch.spec.whatwg.org/#cors-preflight-fetch>
    fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && header(&self.request, "access-control-request-method").is_some()
    }

    fn header(&self, name: &str) -> Option<&str> {
        header(&self.request, name)
    }
}

/// The Exchange of the entry at `i`, or `None` when it is not a cross-origin fetch; marks the
/// entries it uses (its preflight, its redirect hops).
fn exchange_at(
    entries: &[Parsed<'_>],
    used: &mut [bool],
    i: usize,
    browser: Browser,
) -> Result<Option<Found>, HarError> {
    let e = &entries[i];
    let mut assumed = Vec::new();
    let preflight = find_preflight(entries, used, i);
    // A request refused at its preflight shows only provisional headers in Chromium (no
    // `Origin`, no `Sec-Fetch-*`): its preflight says where it came from, and that it was cors.
    let preflight_origin = preflight.and_then(|p| entries[p].header("origin"));
    let Some(page) = page_origin(e, preflight_origin, &mut assumed) else { return Ok(None) };
    if page.same_origin(&Origin::of(&e.url)) && e.redirect_url.is_none() {
        return Ok(None);
    }
    let mode = if preflight.is_some() { Some(RequestMode::Cors) } else { mode(e, &mut assumed) };
    let Some(mode) = mode else { return Ok(None) };
    used[i] = true;
    if let Some(p) = preflight {
        used[p] = true;
    }
    let chain = take_chain(entries, used, i);
    // Cookies on any request of the chain show the credentials mode is include, and stand for
    // a jar of the hosts they went to.
    let mut jar = Vec::new();
    let mut cross_site_cookies = false;
    for hop in std::iter::once(i).chain(chain.iter().map(|&(next, _)| next)) {
        let hop = &entries[hop];
        let names: Vec<String> = hop.header("cookie").map(cookie_names).unwrap_or_default();
        if names.is_empty() {
            continue;
        }
        let schemeful = Profile::of(browser).schemeful_same_site;
        let cross_site = !page.site().same_site_as(&Origin::of(&hop.url).site(), schemeful);
        cross_site_cookies |= cross_site;
        let recorded = cookies_recorded(hop, &names);
        let host = hop.url.host_str().unwrap_or_default().to_owned();
        let (cookies, assumption) = match recorded {
            Some(cookies) => (cookies, Assumption::JarFromCookieAttributes { names, host }),
            None => (
                jar_for(&hop.url, &names, cross_site, browser),
                Assumption::JarFromCookiesSent { names, host },
            ),
        };
        // A cookie sent on several hops to the same host (ports aside) is one cookie.
        for cookie in cookies {
            let same = |held: &Cookie| {
                held.name == cookie.name
                    && held.domain == cookie.domain
                    && (cookie.domain.is_some() || held.host == cookie.host)
            };
            if !jar.iter().any(same) {
                jar.push(cookie);
            }
        }
        assumed.push(assumption);
    }
    let credentials = if jar.is_empty() {
        assumed.push(Assumption::CredentialsDefault);
        CredentialsMode::SameOrigin
    } else {
        assumed.push(Assumption::CredentialsFromCookies);
        CredentialsMode::Include
    };
    let third_party_cookies = if cross_site_cookies {
        assumed.push(Assumption::ThirdPartyCookiesAllowed);
        ThirdPartyCookies::Allowed
    } else {
        ThirdPartyCookies::Default
    };
    let headers = script_headers(e, preflight.map(|p| &entries[p]), &mut assumed);
    let method = Method::new(e.method)
        .map_err(|err| HarError::BadMethod { entry: e.index, reason: err.to_string() })?;
    if preflight.is_none() && e.header("origin").is_some() && needs_preflight(&method, &headers) {
        assumed.push(Assumption::PreflightFromCache);
    }
    if e.status == 0 {
        assumed.push(Assumption::NoResponse);
    }
    let involved = [Some(i), preflight].into_iter().chain(chain.iter().flat_map(|&(n, p)| [Some(n), p]));
    let mut left_out: Vec<String> = Vec::new();
    for entry in involved.flatten().map(|at| &entries[at]) {
        for (name, value) in entry.request.iter().chain(&entry.response) {
            if Header::new(name, value).is_err() && !left_out.iter().any(|n| n == name) {
                left_out.push((*name).to_owned());
            }
        }
    }
    if !left_out.is_empty() {
        assumed.push(Assumption::HeadersLeftOut(left_out));
    }
    assumed.push(Assumption::TopLevel);
    let mut exchange = Exchange {
        browser,
        page,
        top_level: None,
        settings: Settings { third_party_cookies, ..Settings::default() },
        request: exchange::Request {
            method,
            url: e.url.clone(),
            headers,
            mode,
            credentials,
            redirect: RedirectMode::Follow,
        },
        cookies: jar,
        preflight: preflight.map(|p| answer(&entries[p])),
        response: answer(e),
        next: next_hops(entries, &chain),
    };
    let last = chain.last().map_or(e, |&(hop, _)| &entries[hop]);
    if last.failed && credentials == CredentialsMode::SameOrigin {
        credentials_from_failure(&mut exchange, &mut assumed);
    }
    Ok(Some(Found { entry: e.index, exchange, assumed }))
}

/// A read Chromium recorded failing that the exchange as read explains as allowed: with no
/// cookie sent (third-party cookies blocked, or none held), `credentials: include` is the
/// usual reason, since it refuses a `*` or a missing `Access-Control-Allow-Credentials`. When
/// the engine agrees that include fails, include is assumed instead of the default.
fn credentials_from_failure(exchange: &mut Exchange, assumed: &mut [Assumption]) {
    let cached = assumed.contains(&Assumption::PreflightFromCache);
    if explain(exchange, cached).read != Read::Allowed {
        return;
    }
    let mut include = exchange.clone();
    include.request.credentials = CredentialsMode::Include;
    if explain(&include, cached).read == Read::Blocked {
        *exchange = include;
        for assumption in assumed.iter_mut().filter(|a| **a == Assumption::CredentialsDefault) {
            *assumption = Assumption::CredentialsFromFailure;
        }
    }
}

fn read_entry<'a>(index: usize, e: &'a Entry, pages: &'a [Page]) -> Result<Parsed<'a>, HarError> {
    let text = e.request.url.as_deref().ok_or(HarError::MissingUrl { entry: index })?;
    let url = Url::parse(text).map_err(|err| HarError::BadUrl {
        entry: index,
        url: text.to_owned(),
        reason: err.to_string(),
    })?;
    let page_url =
        e.pageref.as_deref().and_then(|id| pages.iter().find(|p| p.id == id)).map(|p| p.title.as_str());
    Ok(Parsed {
        index,
        method: &e.request.method,
        url,
        request: pairs(&e.request.headers),
        status: u16::try_from(e.response.status).unwrap_or(0),
        response: pairs(&e.response.headers),
        redirect_url: Some(e.response.redirect_url.as_str()).filter(|s| !s.is_empty()),
        page_url,
        cookies: &e.request.cookies,
        failed: e.response.error.as_deref() == Some("net::ERR_FAILED"),
    })
}

fn pairs(headers: &[NameValue]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.as_str()))
        // HTTP/2 pseudo-headers (`:authority`) are not headers.
        .filter(|(name, _)| !name.starts_with(':'))
        .collect()
}

fn header<'a>(headers: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

/// Firefox when the producer or the browser says so, Chromium otherwise.
fn browser_of(log: &Log) -> Browser {
    let named =
        |s: &Option<Software>| s.as_ref().is_some_and(|s| s.name.to_ascii_lowercase().contains("firefox"));
    if named(&log.browser) || named(&log.creator) { Browser::Firefox } else { Browser::Chromium }
}

/// The page's origin: the `Origin` header (the request's own, else its preflight's); else the
/// URL's own when `Sec-Fetch-Site` says the request is same-origin (a frame's page is not the
/// HAR's page); else the page the entry belongs to, else the referrer.
fn page_origin(
    e: &Parsed<'_>,
    preflight_origin: Option<&str>,
    assumed: &mut Vec<Assumption>,
) -> Option<Origin> {
    if let Some(origin) = e.header("origin").or(preflight_origin).and_then(|o| Origin::parse(o).ok()) {
        return Some(origin);
    }
    if e.header("sec-fetch-site") == Some("same-origin") {
        return Some(Origin::of(&e.url));
    }
    let from_url = |u: &str| Url::parse(u).ok().map(|u| Origin::of(&u)).filter(|o| !o.is_opaque());
    if let Some(origin) = e.page_url.and_then(from_url) {
        assumed.push(Assumption::PageFromHarPage(origin.clone()));
        return Some(origin);
    }
    let origin = e.header("referer").and_then(from_url)?;
    assumed.push(Assumption::PageFromReferer(origin.clone()));
    Some(origin)
}

/// The request's mode from `Sec-Fetch-Mode`, else from whether an `Origin` header went out;
/// `None` for a navigation, which is no fetch.
///
/// <https://fetch.spec.whatwg.org/#concept-request-mode>
fn mode(e: &Parsed<'_>, assumed: &mut Vec<Assumption>) -> Option<RequestMode> {
    Some(match e.header("sec-fetch-mode") {
        Some("navigate") => return None,
        Some("no-cors") => RequestMode::NoCors,
        Some("same-origin") => RequestMode::SameOrigin,
        Some(_) => RequestMode::Cors,
        None if e.header("origin").is_some() => {
            assumed.push(Assumption::CorsModeFromOrigin);
            RequestMode::Cors
        }
        None => {
            assumed.push(Assumption::NoCorsModeWithoutOrigin);
            RequestMode::NoCors
        }
    })
}

/// The preflight for entry `i`: an unused preflight for the same URL and method, from the same
/// origin (or any origin, when the request shows only provisional headers), nearest before it
/// and else nearest after it, within [`PREFLIGHT_WINDOW`] entries. Chromium and Firefox both list a request before its preflight
/// (it starts first); other tools list the preflight first. The search stops at another
/// request for the same URL and method, whose preflight anything beyond would be: a request
/// whose preflight is not there (answered from the preflight cache) takes no other's.
fn find_preflight(entries: &[Parsed<'_>], used: &[bool], i: usize) -> Option<usize> {
    let e = &entries[i];
    // The same fetch again, from the same page (when both say which).
    let same_request = |j: &usize| {
        let other = &entries[*j];
        !other.is_preflight()
            && other.method == e.method
            && other.url == e.url
            && (other.header("origin").is_none()
                || e.header("origin").is_none()
                || other.header("origin") == e.header("origin"))
    };
    let fits = |j: &usize| {
        let p = &entries[*j];
        !used[*j]
            && p.is_preflight()
            && p.url == e.url
            && p.header("access-control-request-method") == Some(e.method)
            && match e.header("origin") {
                Some(origin) => p.header("origin") == Some(origin),
                // Provisional headers only: no `Sec-Fetch-Mode` either.
                None => e.header("sec-fetch-mode").is_none(),
            }
    };
    let before = (i.saturating_sub(PREFLIGHT_WINDOW)..i).rev().take_while(|j| !same_request(j)).find(fits);
    let after =
        || (i + 1..entries.len().min(i + 1 + PREFLIGHT_WINDOW)).take_while(|j| !same_request(j)).find(fits);
    before.or_else(after)
}

/// How far from its request a preflight is looked for, in entries: other requests started in
/// between can separate the two, but not hundreds of them, and a bound keeps a HAR of tens of
/// thousands of entries read in linear time.
const PREFLIGHT_WINDOW: usize = 200;

/// The entries a redirect chain starting at `i` leads through, each with its preflight.
///
/// <https://fetch.spec.whatwg.org/#http-redirect-fetch>
fn take_chain(entries: &[Parsed<'_>], used: &mut [bool], i: usize) -> Vec<(usize, Option<usize>)> {
    let mut chain = Vec::new();
    let mut at = i;
    while let Some(target) = entries[at].redirect_url.and_then(|r| entries[at].url.join(r).ok()) {
        let Some(next) = (at + 1..entries.len())
            .find(|&j| !used[j] && !entries[j].is_preflight() && entries[j].url == target)
        else {
            break;
        };
        used[next] = true;
        let preflight = find_preflight(entries, used, next);
        if let Some(p) = preflight {
            used[p] = true;
        }
        chain.push((next, preflight));
        at = next;
    }
    chain
}

fn next_hops(entries: &[Parsed<'_>], chain: &[(usize, Option<usize>)]) -> Option<Box<Hop>> {
    let ((first, preflight), rest) = chain.split_first()?;
    Some(Box::new(Hop {
        preflight: preflight.map(|p| answer(&entries[p])),
        response: answer(&entries[*first]),
        next: next_hops(entries, rest),
    }))
}

fn answer(e: &Parsed<'_>) -> Answer {
    let mut headers: HeaderList = e.response.iter().filter_map(|(n, v)| Header::new(n, v).ok()).collect();
    // Chromium's HAR keeps the redirect target in redirectURL as well as in Location.
    if let Some(location) = e.redirect_url
        && !headers.contains("Location")
        && let Ok(header) = Header::new("Location", location)
    {
        headers.append(header);
    }
    Answer { status: e.status, headers }
}

/// The headers a browser adds to a fetch on its own that a script may also set: its defaults,
/// DevTools' "Disable cache" (`Cache-Control`, `Pragma`), and the HTTP cache's revalidation of
/// a stale answer (`If-None-Match`, `If-Modified-Since`), which happens after the preflight
/// decision. (The rest of its own, `Sec-*`, `Referer`, `Cookie` and the like, are forbidden to
/// scripts.)
const BROWSERS_OWN: [&str; 8] = [
    "accept",
    "accept-language",
    "cache-control",
    "if-modified-since",
    "if-none-match",
    "pragma",
    "priority",
    "user-agent",
];

/// Whether a header of a captured request was set by the script, when the capture shows no
/// preflight to tell: every header but the forbidden ones and those the browser adds itself
/// (`Accept`, `User-Agent`, `Priority`, the cache's revalidation headers, …). The HAR reader and the app's playground, reading a pasted request, both
/// decide by it.
pub fn set_by_the_script(header: &Header) -> bool {
    !is_forbidden_request_header(&header.name, &header.value)
        && !BROWSERS_OWN.contains(&header.name.to_lowercase().as_str())
}

/// The headers the script itself set. With a preflight: those it asked about, plus the
/// safelisted ones the browser never adds on its own. Without one: [`set_by_the_script`].
///
/// <https://fetch.spec.whatwg.org/#cors-safelisted-request-header>
fn script_headers(
    e: &Parsed<'_>,
    preflight: Option<&Parsed<'_>>,
    assumed: &mut Vec<Assumption>,
) -> HeaderList {
    let asked: Vec<String> = preflight
        .and_then(|p| p.header("access-control-request-headers"))
        .map(|v| get_decode_split_value(v).iter().map(|n| n.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let mut list = HeaderList::new();
    for (name, value) in &e.request {
        let Ok(header) = Header::new(name, value) else { continue };
        let set_by_script = match preflight {
            None => set_by_the_script(&header),
            Some(_) if is_forbidden_request_header(&header.name, &header.value) => false,
            Some(_) => {
                let lower = header.name.to_lowercase();
                asked.contains(&lower)
                    || (matches!(lower.as_str(), "content-type" | "content-language" | "range")
                        && is_cors_safelisted_request_header(&header))
            }
        };
        if set_by_script {
            list.append(header);
        }
    }
    assumed.push(if preflight.is_some() {
        Assumption::ScriptHeadersFromPreflight
    } else {
        Assumption::ScriptHeadersByName
    });
    list
}

/// Whether the engine's own rule says this request needs a preflight.
///
/// <https://fetch.spec.whatwg.org/#cors-preflight-fetch>
fn needs_preflight(method: &Method, headers: &HeaderList) -> bool {
    preflight::is_needed(&method.normalize(), &cors_unsafe_request_header_names(headers))
}

fn cookie_names(value: &str) -> Vec<String> {
    value
        .split(';')
        .filter_map(|pair| pair.split('=').next())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

/// The cookies sent to `hop`, as the HAR records them with their attributes (Chromium's
/// unsanitized export), when it does for every one of `names`.
fn cookies_recorded(hop: &Parsed<'_>, names: &[String]) -> Option<Vec<Cookie>> {
    let host = hop.url.host_str().unwrap_or_default();
    names
        .iter()
        .map(|name| {
            let sent = hop.cookies.iter().find(|c| &c.name == name)?;
            // Attributes were recorded when at least Path was.
            let path = sent.path.clone()?;
            let same_site = match sent.same_site.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("strict") => Some(SameSite::Strict),
                Some("lax") => Some(SameSite::Lax),
                Some("none") => Some(SameSite::None),
                _ => None,
            };
            Some(Cookie {
                name: name.clone(),
                host: host.to_owned(),
                domain: sent.domain.as_deref().map(|d| d.trim_start_matches('.').to_ascii_lowercase()),
                path,
                same_site,
                secure: sent.secure.unwrap_or(false),
                http_only: sent.http_only.unwrap_or(false),
                partition: None,
                age_s: 0,
            })
        })
        .collect()
}

/// A jar that reproduces the cookies the HAR shows as sent to `url`.
fn jar_for(url: &Url, names: &[String], cross_site: bool, browser: Browser) -> Vec<Cookie> {
    let host = url.host_str().unwrap_or_default();
    // A cookie Chromium sent cross-site was SameSite=None, and so Secure (which it can only be
    // where the URL is trustworthy); Firefox sends cookies without SameSite cross-site too.
    let none = cross_site && browser == Browser::Chromium;
    names
        .iter()
        .map(|name| Cookie {
            name: name.clone(),
            host: host.to_owned(),
            domain: None,
            path: "/".to_owned(),
            same_site: none.then_some(SameSite::None),
            secure: none && crate::secure_context::is_potentially_trustworthy(url),
            http_only: false,
            partition: None,
            age_s: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::Read;

    const CHROMIUM: &str = include_str!("../../../tests/data/har/chromium.har");
    const FIREFOX: &str = include_str!("../../../tests/data/har/firefox.har");

    fn har(entries: Value) -> Har {
        let mut har = json!({ "log": { "version": "1.2", "creator": { "name": "WebInspector", "version": "537.36" } } });
        har["log"]["entries"] = entries;
        serde_json::from_value(har).unwrap()
    }

    fn entry(method: &str, url: &str, req: Value, status: u64, resp: Value) -> Value {
        let mut entry = json!({ "request": { "method": method, "url": url }, "response": { "status": status, "redirectURL": "" } });
        entry["request"]["headers"] = req;
        entry["response"]["headers"] = resp;
        entry
    }

    fn read(text: &str) -> Vec<Found> {
        exchanges(&Har::from_json(text).unwrap()).unwrap()
    }

    #[test]
    fn cookie_attributes_the_har_records_stand_for_the_jar() {
        let blog = "http://blog.fintrack.localhost:8080";
        let mut get = entry(
            "GET",
            "http://api.fintrack.localhost:8080/me/balance",
            json!([h("Origin", blog), h("Cookie", "session=1; theme=dark")]),
            200,
            json!([h("Access-Control-Allow-Origin", blog), h("Access-Control-Allow-Credentials", "true")]),
        );
        get["request"]["cookies"] = json!([
            { "name": "session", "value": "1", "path": "/", "domain": ".fintrack.localhost", "httpOnly": true, "secure": true, "sameSite": "Lax" },
            { "name": "theme", "value": "dark", "path": "/me" }
        ]);
        let found = exchanges(&har(json!([get]))).unwrap();
        let jar = &found[0].exchange.cookies;
        assert_eq!(jar[0].domain.as_deref(), Some("fintrack.localhost"));
        assert_eq!((jar[0].same_site, jar[0].secure, jar[0].http_only), (Some(SameSite::Lax), true, true));
        assert_eq!((jar[1].domain.as_deref(), jar[1].path.as_str(), jar[1].same_site), (None, "/me", None));
        assert!(found[0].assumed.iter().any(|a| matches!(a, Assumption::JarFromCookieAttributes { .. })));
        assert_eq!(explain(&found[0].exchange, false).cookies_sent, ["session", "theme"]);
    }

    #[test]
    fn pairs_a_preflight_with_its_request() {
        let origin = json!({ "name": "Origin", "value": "http://blog.fintrack.localhost:8080" });
        let found = exchanges(&har(json!([
            entry(
                "OPTIONS",
                "http://api.fintrack.localhost:8080/me",
                json!([origin, { "name": "Access-Control-Request-Method", "value": "PUT" }, { "name": "Access-Control-Request-Headers", "value": "x-csrf" }]),
                204,
                json!([{ "name": "Access-Control-Allow-Origin", "value": "http://blog.fintrack.localhost:8080" }, { "name": "Access-Control-Allow-Methods", "value": "PUT" }])
            ),
            entry(
                "PUT",
                "http://api.fintrack.localhost:8080/me",
                json!([origin, { "name": "X-Csrf", "value": "1" }, { "name": "Accept", "value": "*/*" }, { "name": "Sec-Fetch-Mode", "value": "cors" }]),
                200,
                json!([{ "name": "Access-Control-Allow-Origin", "value": "http://blog.fintrack.localhost:8080" }])
            ),
        ])))
        .unwrap();
        assert_eq!(found.len(), 1, "the preflight is not explained on its own");
        assert_eq!(found[0].entry, 1);
        let exchange = &found[0].exchange;
        assert!(exchange.preflight.is_some());
        assert_eq!(exchange.request.headers.len(), 1, "only X-Csrf was set by the script");
        let verdict = crate::explain(exchange);
        assert_eq!(verdict.reason.as_deref(), Some("HeaderDisallowedByPreflightResponse"));
        assert!(found[0].assumed.contains(&Assumption::CredentialsDefault));
        assert!(
            found[0]
                .assumed_steps()
                .any(|s| s.rule == rules::INPUT_ASSUMED.id && s.says.contains("credentials mode"))
        );
    }

    /// A header as a HAR writes it.
    fn h(name: &str, value: &str) -> Value {
        json!({ "name": name, "value": value })
    }

    #[test]
    fn a_preflight_pairs_with_the_next_request_from_its_origin() {
        let api = "http://api.fintrack.localhost:8080/me";
        let preflight = |origin: &str, status: u64| {
            entry(
                "OPTIONS",
                api,
                json!([h("Origin", origin), h("Access-Control-Request-Method", "PUT")]),
                status,
                json!([h("Access-Control-Allow-Origin", origin), h("Access-Control-Allow-Methods", "PUT")]),
            )
        };
        let put = |origin: &str| {
            entry(
                "PUT",
                api,
                json!([h("Origin", origin)]),
                200,
                json!([h("Access-Control-Allow-Origin", origin)]),
            )
        };
        let (blog, partner) = ("http://blog.fintrack.localhost:8080", "http://partner.localhost:8080");
        // As the browsers list them, each request before its preflight: a PUT whose preflight
        // came from the cache, then a PUT from the blog refused at its preflight (provisional
        // headers only, no answer), then one from the partner that went through.
        let refused = entry("PUT", api, json!([h("Content-Type", "application/json")]), 0, json!([]));
        let found = exchanges(&har(json!([
            put(blog),
            refused,
            preflight(blog, 403),
            put(partner),
            preflight(partner, 204)
        ])))
        .unwrap();
        let paired: Vec<Option<u16>> =
            found.iter().map(|f| f.exchange.preflight.as_ref().map(|p| p.status)).collect();
        assert_eq!(paired, [None, Some(403), Some(204)]);
        assert!(found[0].preflight_cached());
        // Explained as the file shows it: no preflight went out, and the PUT did.
        let verdict = explain(&found[0].exchange, true);
        assert!(!verdict.preflight_sent && verdict.request_sent, "{verdict:?}");
        assert_eq!(
            found[1].exchange.page.serialize(),
            blog,
            "the refused PUT is the blog's, by its preflight"
        );
        assert_eq!(found[1].exchange.request.mode, RequestMode::Cors);
        assert!(!explain(&found[1].exchange, false).request_sent);
        assert_eq!(found[2].exchange.page.serialize(), partner);

        // Other tools write the preflight first; requests from two pages may interleave.
        let found = exchanges(&har(json!([
            preflight(blog, 204),
            put(blog),
            put(partner),
            put(blog),
            preflight(partner, 204)
        ])))
        .unwrap();
        let paired: Vec<Option<u16>> =
            found.iter().map(|f| f.exchange.preflight.as_ref().map(|p| p.status)).collect();
        assert_eq!(paired, [Some(204), Some(204), None]);
        assert_eq!(found[1].exchange.page.serialize(), partner);
    }

    #[test]
    fn without_a_preflight_every_header_but_the_browsers_own_is_the_scripts() {
        let found = exchanges(&har(json!([entry(
            "POST",
            "http://api.fintrack.localhost:8080/me/email",
            json!([
                h("Origin", "http://blog.fintrack.localhost:8080"),
                h("Content-Type", "application/json"),
                h("X-Csrf", "1"),
                h("Accept", "*/*"),
                h("User-Agent", "Mozilla/5.0"),
                h("Cache-Control", "no-cache"),
                h("If-None-Match", "\"v1\""),
                h("Sec-Fetch-Mode", "cors")
            ]),
            200,
            json!([])
        )])))
        .unwrap();
        let names: Vec<&str> = found[0].exchange.request.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Content-Type", "X-Csrf"]);
        assert!(found[0].assumed.contains(&Assumption::PreflightFromCache));
    }

    #[test]
    fn cookies_on_a_later_hop_mean_credentials_were_included() {
        let mut first = entry(
            "GET",
            "http://partner.localhost:8080/go",
            json!([h("Origin", "http://blog.fintrack.localhost:8080")]),
            302,
            json!([h("Access-Control-Allow-Origin", "*")]),
        );
        first["response"]["redirectURL"] = Value::from("http://api.fintrack.localhost:8080/me");
        let found = exchanges(&har(json!([
            first,
            entry(
                "GET",
                "http://api.fintrack.localhost:8080/me",
                json!([h("Origin", "null"), h("Cookie", "session=abc")]),
                200,
                json!([h("Access-Control-Allow-Origin", "*")])
            )
        ])))
        .unwrap();
        let exchange = &found[0].exchange;
        assert_eq!(exchange.request.credentials, CredentialsMode::Include);
        assert_eq!(exchange.cookies[0].host, "api.fintrack.localhost");
        assert_eq!(crate::explain(exchange).reason.as_deref(), Some("WildcardOriginNotAllowed"));
    }

    #[test]
    fn a_frames_own_requests_and_cached_answers_are_not_exchanges() {
        let mut cached = entry(
            "GET",
            "http://api.fintrack.localhost:8080/me",
            json!([]),
            200,
            json!([h("Access-Control-Allow-Origin", "*")]),
        );
        cached["_fromCache"] = Value::from("memory");
        let har = har(json!([
            entry(
                "GET",
                "http://widget.localhost:8080/data",
                json!([h("Sec-Fetch-Site", "same-origin")]),
                200,
                json!([])
            ),
            cached
        ]));
        assert_eq!(exchanges(&har).unwrap_err(), HarError::NothingCrossOrigin);
    }

    #[test]
    fn firefox_cookies_that_went_cross_site_keep_no_samesite() {
        let mut har = har(json!([entry(
            "GET",
            "http://api.tracker.example/pixel",
            json!([h("Origin", "http://shop.example"), h("Cookie", "uid=42")]),
            200,
            json!([
                h("Access-Control-Allow-Origin", "http://shop.example"),
                h("Access-Control-Allow-Credentials", "true")
            ])
        )]));
        har.log.as_mut().unwrap().creator = Some(Software { name: "Firefox".into() });
        let found = exchanges(&har).unwrap();
        let cookie = &found[0].exchange.cookies[0];
        assert_eq!((cookie.same_site, cookie.secure), (None, false));
        assert_eq!(crate::explain(&found[0].exchange).cookies_sent, ["uid"]);
    }

    #[test]
    fn headers_that_are_not_http_are_left_out_and_said() {
        let found = exchanges(&har(json!([entry(
            "GET",
            "http://api.fintrack.localhost:8080/me",
            json!([h("Origin", "http://blog.fintrack.localhost:8080"), h("Bad Name", "1")]),
            200,
            json!([h("Access-Control-Allow-Origin", "*"), h("X-Split", "a\r\nb")])
        )])))
        .unwrap();
        let left_out = vec!["Bad Name".to_owned(), "X-Split".to_owned()];
        assert!(found[0].assumed.contains(&Assumption::HeadersLeftOut(left_out)), "{:?}", found[0].assumed);
        assert_eq!(found[0].exchange.response.headers.len(), 1);
    }

    #[test]
    fn skips_same_origin_and_navigation_entries() {
        let har = har(json!([entry(
            "GET",
            "http://a.localhost/",
            json!([{ "name": "Sec-Fetch-Mode", "value": "navigate" }, { "name": "Origin", "value": "http://b.localhost" }]),
            200,
            json!([])
        )]));
        assert_eq!(exchanges(&har).unwrap_err(), HarError::NothingCrossOrigin);
    }

    #[test]
    fn chains_redirects_into_next_hops() {
        let origin = json!({ "name": "Origin", "value": "http://blog.fintrack.localhost:8080" });
        let mut first = entry(
            "GET",
            "http://api.fintrack.localhost:8080/old",
            json!([origin]),
            302,
            json!([{ "name": "Access-Control-Allow-Origin", "value": "http://blog.fintrack.localhost:8080" }]),
        );
        first["response"]["redirectURL"] = Value::from("http://partner.localhost:8080/new");
        let found = exchanges(&har(json!([
            first,
            entry(
                "GET",
                "http://partner.localhost:8080/new",
                json!([{ "name": "Origin", "value": "null" }]),
                200,
                json!([{ "name": "Access-Control-Allow-Origin", "value": "null" }])
            )
        ])))
        .unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].exchange.next.is_some());
        assert_eq!(crate::explain(&found[0].exchange).read, Read::Allowed);
    }

    #[test]
    fn a_request_that_needs_a_preflight_but_has_none_is_assumed_cached() {
        let found = exchanges(&har(json!([entry(
            "PUT",
            "http://api.localhost/x",
            json!([{ "name": "Origin", "value": "http://a.localhost" }, { "name": "Sec-Fetch-Mode", "value": "cors" }]),
            0,
            json!([])
        )])))
        .unwrap();
        let assumed = &found[0].assumed;
        assert!(assumed.contains(&Assumption::PreflightFromCache), "{assumed:?}");
        assert!(assumed.contains(&Assumption::NoResponse), "{assumed:?}");
        assert_eq!(assumed.last(), Some(&Assumption::TopLevel));
    }

    #[test]
    fn without_an_origin_header_the_page_comes_from_the_har_page_then_the_referer() {
        let mut value = json!({ "log": { "pages": [{ "id": "p", "title": "http://a.localhost/index.html" }], "entries": [
            entry("GET", "http://b.localhost/img.png", json!([]), 200, json!([])),
            entry("GET", "http://b.localhost/other.png", json!([{ "name": "Referer", "value": "http://c.localhost/page" }]), 200, json!([])),
        ] } });
        value["log"]["entries"][0]["pageref"] = Value::from("p");
        let found = exchanges(&serde_json::from_value(value).unwrap()).unwrap();
        assert_eq!(found[0].exchange.page.serialize(), "http://a.localhost");
        assert_eq!(found[0].assumed[0], Assumption::PageFromHarPage(found[0].exchange.page.clone()));
        assert_eq!(found[0].exchange.request.mode, RequestMode::NoCors);
        assert_eq!(found[1].exchange.page.serialize(), "http://c.localhost");
        assert!(matches!(found[1].assumed[0], Assumption::PageFromReferer(_)));
    }

    #[test]
    fn a_chromium_export_lists_its_cross_origin_fetches() {
        let found = read(CHROMIUM);
        let listed: Vec<(usize, &str, &str)> = found
            .iter()
            .map(|f| (f.entry, f.exchange.request.method.as_str(), f.exchange.request.url.path()))
            .collect();
        assert_eq!(listed, [(1, "GET", "/me/balance"), (3, "PUT", "/me/email")]);
        assert!(found.iter().all(|f| f.exchange.browser == Browser::Chromium));
        let balance = crate::explain(&found[0].exchange);
        assert_eq!(balance.reason.as_deref(), Some("WildcardOriginNotAllowed"));
        let email = crate::explain(&found[1].exchange);
        assert_eq!((email.read, email.preflight_sent), (Read::Allowed, true));
        assert_eq!(
            found[1].exchange.request.headers.len(),
            1,
            "Content-Type only: {:?}",
            found[1].exchange.request.headers
        );
    }

    #[test]
    fn a_firefox_export_is_explained_for_firefox() {
        let found = read(FIREFOX);
        let listed: Vec<(usize, &str, &str)> = found
            .iter()
            .map(|f| (f.entry, f.exchange.request.method.as_str(), f.exchange.request.url.path()))
            .collect();
        assert_eq!(listed, [(2, "DELETE", "/me/sessions"), (3, "GET", "/me/balance"), (4, "GET", "/old")]);
        assert!(found.iter().all(|f| f.exchange.browser == Browser::Firefox));
        let delete = crate::explain(&found[0].exchange);
        assert_eq!((delete.read, delete.request_sent), (Read::Blocked, false));
        assert_eq!(delete.reason.as_deref(), Some("CORSMethodNotFound"));
        assert_eq!(crate::explain(&found[1].exchange).read, Read::Allowed);
        assert!(found[2].exchange.next.is_some(), "the redirect is one exchange with two hops");
    }

    #[test]
    fn entries_without_a_url_are_named() {
        let har = har(json!([{ "request": { "method": "GET" }, "response": { "status": 200 } }]));
        let error = exchanges(&har).unwrap_err();
        assert_eq!(error, HarError::MissingUrl { entry: 0 });
        assert!(error.to_string().starts_with("log.entries[0].request.url: "), "{error}");
    }

    #[test]
    fn malformed_hars_are_named_by_path() {
        let error =
            Har::from_json(r#"{"log": {"entries": [{}, {"response": {"status": "ok"}}]}}"#).unwrap_err();
        assert_eq!(error.path, "log.entries[1].response.status");
        let error = Har::from_json(r#"{"log": {"entries": [{"request": {"headers": [{"name": "A"}]}}]}}"#)
            .unwrap_err();
        assert_eq!(error.path, "log.entries[0].request.headers[0]");
        assert!(error.message.contains("value"), "{error}");
    }

    #[test]
    fn files_that_are_not_hars_say_so() {
        assert_eq!(
            exchanges(&serde_json::from_value(json!({ "page": "x" })).unwrap()).unwrap_err(),
            HarError::NotHar
        );
        assert_eq!(
            exchanges(&serde_json::from_value(json!({ "log": {} })).unwrap()).unwrap_err(),
            HarError::NoEntries
        );
        let bad_url = har(json!([entry("GET", "not a url", json!([]), 200, json!([]))]));
        let error = exchanges(&bad_url).unwrap_err();
        assert!(matches!(error, HarError::BadUrl { entry: 0, .. }), "{error:?}");
        assert!(
            error.to_string().starts_with("log.entries[0].request.url: \"not a url\" is not a URL"),
            "{error}"
        );
        let bad_method = har(json!([entry(
            "G T",
            "http://b.localhost/",
            json!([{ "name": "Origin", "value": "http://a.localhost" }]),
            200,
            json!([])
        )]));
        assert!(matches!(exchanges(&bad_method).unwrap_err(), HarError::BadMethod { entry: 0, .. }));
    }
}
