//! The narrator: walks an Exchange through the fetch algorithms hop by hop and writes down each
//! decision as a step. The decisions come from the spec modules, the sentences from `wording`,
//! the browser's words from `vocabulary`.

use std::borrow::Cow;

use url::Url;

use crate::advice::{self, Asked};
use crate::cache::{Key, Lookup, PreflightCache, Seconds};
use crate::cookies::{self, Context, Why};
use crate::cors_check::{CorsRequest, Shared, cors_check};
use crate::cors_headers::CorsHeaders;
use crate::exchange::{Answer, CredentialsMode, Exchange, Hop, RedirectMode, RequestMode};
use crate::exposed;
use crate::failure::Failure;
use crate::fetch_metadata::{self, Relation};
use crate::findings::{self, Kind, Seen, Trace};
use crate::header::HeaderList;
use crate::local_network::{self, Access};
use crate::method::Method;
use crate::mixed_content;
use crate::origin::Origin;
use crate::preflight::{self, Asking, PreflightRequest};
use crate::profile::{PreflightOriginAfterTaint, Profile};
use crate::prose::{Piece, list};
use crate::redirect::{self, Current, Followed, Tainting};
use crate::request;
use crate::rules::{self, Rule};
use crate::safelist::{self, UnsafeNames};
use crate::site::Site;
use crate::verdict::{BlockedAt, Outcome, Read, Sent, Step, Verdict};
use crate::vocabulary::{self, Scene};
use crate::wording;

/// Decides what the browser does with `exchange` and explains why, with an empty preflight
/// cache.
///
/// <https://fetch.spec.whatwg.org/#concept-main-fetch>
pub fn explain(exchange: &Exchange) -> Verdict {
    let mut cache = PreflightCache::new();
    let mut narrator = Narrator::new(exchange, &mut cache, 0);
    narrator.ephemeral = true;
    narrator.run()
}

/// Like [`explain`], with a preflight cache that outlives one exchange and the time `now` on the
/// caller's clock: successful preflights are remembered, cached ones are not sent again.
pub fn explain_with(exchange: &Exchange, cache: &mut PreflightCache, now: Seconds) -> Verdict {
    Narrator::new(exchange, cache, now).run()
}

/// One request on its way: the URL it goes to and what it carries.
struct Leg<'a> {
    url: Cow<'a, Url>,
    /// The URL's site, worked out once per hop (a public-suffix lookup).
    site: Site<'a>,
    method: Method,
    headers: Cow<'a, HeaderList>,
    /// The request's response tainting: `basic` until main fetch says otherwise.
    tainting: Tainting,
    tainted: bool,
    /// Whether the browser sends `Origin: null` although the origin is not tainted
    /// ([`Profile::null_origin_after_cross_origin_redirect`]).
    origin_nulled: bool,
    /// Whether the browser preflights the request whatever its headers now
    /// ([`Profile::preflights_after_dropping_authorization`]).
    preflight_forced: bool,
    count: u32,
    index: usize,
    preflight: Option<&'a Answer>,
    response: &'a Answer,
    next: Option<&'a Hop>,
    cross_site_redirect: bool,
    /// How the request's URL list so far stands to the page (`Sec-Fetch-Site`).
    relation: Relation,
}

/// A preflight on its way: what it asks about, and the `Origin` it carries.
struct OnItsWay<'a> {
    request: PreflightRequest,
    origin: &'a str,
}

/// How the walk ended.
enum End {
    Read(Vec<String>),
    Opaque,
    Blocked(Box<Blocked>),
}

/// Where and why the walk stopped.
struct Blocked {
    failure: Failure,
    url: Url,
    status: Option<u16>,
    index: usize,
}

struct Narrator<'a> {
    ex: &'a Exchange,
    profile: Profile,
    cache: &'a mut PreflightCache,
    now: Seconds,
    steps: Vec<Step>,
    trace: Trace<'a>,
    /// Every request that went out so far; the cookies of the last one are added as decided.
    sent: Vec<Sent>,
    /// The `Origin` the current request carries (`null` once tainted).
    origin_sent: &'a str,
    /// The page's site and, when the page is not top-level, the top-level site, worked out once.
    page_site: Site<'a>,
    framed_top_site: Option<Site<'a>>,
    /// Whether the cache dies with this explanation, so entries only matter to later hops.
    ephemeral: bool,
    /// Whether the last request that went out is a CORS request (response tainting `cors`),
    /// which decides how Firefox words a redirect it refuses to follow.
    cors: bool,
}

impl<'a> Narrator<'a> {
    fn new(ex: &'a Exchange, cache: &'a mut PreflightCache, now: Seconds) -> Self {
        let page_site = ex.page.site();
        let framed_top_site = ex.top_level.as_ref().map(Origin::site);
        let trace = Trace { include: ex.request.credentials == CredentialsMode::Include, ..Trace::default() };
        Self {
            ex,
            profile: Profile::of(ex.browser),
            cache,
            now,
            steps: Vec::with_capacity(24),
            trace,
            sent: Vec::with_capacity(2),
            origin_sent: ex.page.serialize(),
            page_site,
            framed_top_site,
            ephemeral: false,
            cors: false,
        }
    }

    fn run(mut self) -> Verdict {
        let end = self.walk();
        self.finish(end)
    }

    fn walk(&mut self) -> End {
        let ex = self.ex;
        let request = &ex.request;
        let site = Site::of_url(&request.url);
        let schemeful = self.profile.schemeful_same_site;
        self.trace.cross_site = !self.page_site.same_site_as(&site, schemeful);
        // The Request constructor: credentials in the URL and forbidden methods throw,
        // forbidden headers vanish.
        let built = match request::build(
            &request.url,
            &request.method,
            &request.headers,
            request.mode,
            self.profile.forbidden_reading,
        ) {
            Ok(built) => built,
            Err(thrown) => return self.block(Failure::Thrown(thrown), &request.url, None, 0),
        };
        for (header, why) in &built.dropped {
            let rule = match why {
                request::Dropped::Forbidden => rules::FORBIDDEN_HEADER,
                _ => rules::NO_CORS,
            };
            self.info(rule, wording::dropped(header.name.as_str(), *why));
        }
        let relation = Relation::SameOrigin.with(&ex.page, &self.page_site, &request.url, &site, schemeful);
        if self.page_site.differs_in_scheme_only(&site) {
            self.scheme_only(&site);
        }
        let mut leg = Leg {
            url: Cow::Borrowed(&request.url),
            site,
            method: built.method,
            headers: built.headers,
            tainting: Tainting::Basic,
            tainted: false,
            origin_nulled: false,
            preflight_forced: false,
            count: 0,
            index: 0,
            preflight: ex.preflight.as_ref(),
            response: &ex.response,
            next: ex.next.as_deref(),
            cross_site_redirect: false,
            relation,
        };
        loop {
            match self.hop(&mut leg) {
                Ok(Some(end)) | Err(end) => return end,
                Ok(None) => {}
            }
        }
    }

    /// Sends one request and reads its answer: `Ok(None)` when a redirect leads on.
    fn hop(&mut self, leg: &mut Leg<'a>) -> Result<Option<End>, End> {
        let ex = self.ex;
        let page = &ex.page;
        if leg.url.scheme() == "data" {
            return Ok(Some(self.data_url(leg)));
        }
        if leg.method.as_str() == "GET" && page.owns_blob_url(&leg.url) {
            return Ok(Some(self.own_blob_url(leg)));
        }
        // Main fetch, step 7: a bad port or mixed content blocks the request in every mode.
        if let Some(port) = request::bad_port(&leg.url) {
            if !self.profile.bad_ports_connected.contains(&port) {
                return Err(self.block(Failure::BadPort(port), &leg.url, None, leg.index));
            }
            let browser = self.profile.name();
            self.info(
                rules::BAD_PORT,
                says!(
                    "Port ",
                    port,
                    " is on the Fetch Standard's bad-port list, but not on ",
                    browser,
                    "'s own, so ",
                    browser,
                    " connects to it where the spec would fail the fetch."
                ),
            );
        }
        // No spec step: a browser's network layer that never connects to 0.0.0.0 or :: (Firefox).
        if self.profile.refuses_unspecified_address && local_network::is_unspecified(&leg.url) {
            return Err(self.block(Failure::UnspecifiedAddress, &leg.url, None, leg.index));
        }
        if mixed_content::blocks(page, ex.top_level.as_ref(), &leg.url, &self.profile) {
            return Err(self.block(Failure::MixedContent, &leg.url, None, leg.index));
        }
        // Main fetch: only a request still tainted basic is basic on its own origin; one that
        // became cors or opaque on the way stays so when a redirect brings it back.
        let basic = page.same_origin_url(&leg.url) && leg.tainting == Tainting::Basic;
        let mut serialized = request::serialize_request_origin(page, leg.tainted || leg.origin_nulled);
        self.origin_sent = serialized;
        if basic {
            let sends = request::sends_origin_header(false, &leg.method);
            self.pass(
                rules::SAME_ORIGIN,
                if sends {
                    says!(
                        leg.url,
                        " is on the page's own origin ",
                        page,
                        ", so no CORS check applies (the ",
                        leg.method,
                        " still carries Origin: ",
                        serialized,
                        ")."
                    )
                } else {
                    says!(
                        leg.url,
                        " is on the page's own origin ",
                        page,
                        ", so no CORS check applies, and a GET or HEAD carries no Origin header."
                    )
                },
            );
        } else {
            match ex.request.mode {
                RequestMode::SameOrigin => {
                    return Err(self.block(Failure::SameOriginMode, &leg.url, None, leg.index));
                }
                RequestMode::NoCors => {
                    let mode = ex.request.redirect;
                    if mode != RedirectMode::Follow {
                        let failure = Failure::NoCorsRedirectMode(mode);
                        return Err(self.block(failure, &leg.url, None, leg.index));
                    }
                    leg.tainting = Tainting::Opaque;
                    if !request::is_http_scheme(&leg.url) {
                        return self.scheme_fetch(leg).map(Some);
                    }
                    self.info(
                        rules::MODE,
                        says!(
                            leg.url,
                            " is cross-origin and the mode is no-cors: the request goes out, but the script will get an opaque response."
                        ),
                    );
                    // Local Network Access guards every request, no-cors ones (an image, a
                    // form) above all: they are how a page reaches a router blind.
                    self.local_network(leg)?;
                }
                RequestMode::Cors => {
                    if !request::is_http_scheme(&leg.url) {
                        let failure = Failure::Scheme { scheme: leg.url.scheme().to_owned(), no_cors: false };
                        return Err(self.block(failure, &leg.url, None, leg.index));
                    }
                    leg.tainting = Tainting::Cors;
                    self.info(
                        rules::MODE,
                        says!(
                            leg.url,
                            " is cross-origin to the page ",
                            page,
                            ", and the mode is cors, so the server must opt in."
                        ),
                    );
                    self.local_network(leg)?;
                    if leg.tainted {
                        serialized = "null";
                        self.origin_sent = serialized;
                    }
                    self.info(rules::ORIGIN_HEADER, says!("The request carries Origin: ", serialized, "."));
                    self.preflight(leg, serialized)?;
                }
            }
        }

        self.cors = leg.tainting == Tainting::Cors;
        self.request_goes_out(leg, serialized);

        let response = leg.response;
        if let Some(values) = redirect::conflicting_locations(response) {
            let failure = Failure::ConflictingLocations { values, redirect: response.is_redirect() };
            let status = Some(response.status);
            return Err(self.block(failure, &leg.url, status, leg.index));
        }
        if !response.is_redirect() {
            return Ok(Some(self.final_response(leg, serialized)));
        }
        let Some(location) = redirect::location(response, &leg.url) else {
            return self.redirect_without_location(leg, serialized);
        };
        self.redirect(leg, serialized, location).map(|()| None)
    }

    /// A redirect status without a `Location`. The redirect modes `error` and `manual` apply to
    /// the status alone (HTTP fetch), except that to Chromium's `error` mode such a response is
    /// no redirect at all; following needs a Location, so otherwise the response is the answer
    /// (HTTP-redirect fetch, step 3).
    fn redirect_without_location(&mut self, leg: &Leg<'a>, serialized: &'a str) -> Result<Option<End>, End> {
        let mode = self.ex.request.redirect;
        let plain_to_chromium = mode == RedirectMode::Error && self.profile.error_mode_needs_location;
        if mode != RedirectMode::Follow && !plain_to_chromium {
            self.redirect_cors_check(leg, serialized)?;
            if let Some(end) = self.stop_at_redirect(leg) {
                return Err(end);
            }
        }
        let status = leg.response.status;
        let says = if plain_to_chromium {
            says!(
                "The ",
                status,
                " has no Location, so ",
                self.profile.name(),
                " treats it as no redirect at all: redirect mode error does not apply, and it is the response."
            )
        } else {
            says!("The ", status, " has no Location, so there is nowhere to follow: it is the response.")
        };
        self.info(rules::REDIRECT_FOLLOW, says);
        Ok(Some(self.final_response(leg, serialized)))
    }

    /// A `data:` URL: the browser reads the response from the URL itself, whatever the mode, and
    /// the script may read it (main fetch, step 12: response tainting `basic`).
    fn data_url(&mut self, leg: &mut Leg<'a>) -> End {
        leg.tainting = Tainting::Basic;
        self.pass(
            rules::SCHEME,
            "A data: URL is read from the URL itself: nothing is sent, and the script reads the response whatever the mode.".to_owned(),
        );
        End::Read(self.profile.data_url_headers.iter().map(|&h| h.to_owned()).collect())
    }

    /// A GET of a `blob:` URL of the page's own origin: read from the page's blob store, nothing
    /// is sent, and the script may read it (scheme fetch, `blob`).
    fn own_blob_url(&mut self, leg: &mut Leg<'a>) -> End {
        leg.tainting = Tainting::Basic;
        self.pass(
            rules::SCHEME,
            "A blob: URL of the page's own origin is read from the page's own blob store: nothing is sent, and the script reads it (when the page created it and has not revoked it).".to_owned(),
        );
        End::Read(vec!["content-length".to_owned(), "content-type".to_owned()])
    }

    /// A no-cors request to a URL that is neither HTTP(S) nor `data:`: only `about:blank` has a
    /// response (an empty document, opaque to the script), and only in browsers that load it.
    fn scheme_fetch(&mut self, leg: &Leg<'a>) -> Result<End, End> {
        let scheme = leg.url.scheme();
        if scheme == "about" && leg.url.path() == "blank" && self.profile.fetches_about_blank {
            self.info(
                rules::SCHEME,
                says!(
                    leg.url,
                    " is about:blank, which ",
                    self.profile.name(),
                    " answers itself with an empty document: nothing is sent, and the no-cors response is opaque."
                ),
            );
            return Ok(End::Opaque);
        }
        let failure = Failure::Scheme { scheme: scheme.to_owned(), no_cors: true };
        Err(self.block(failure, &leg.url, None, leg.index))
    }

    /// The request itself goes out: the `Origin` header it carries, and the cookies it takes.
    fn request_goes_out(&mut self, leg: &Leg<'a>, serialized: &'a str) {
        // The cookie decisions are written down as they are made, so the context owns copies of
        // the sites (borrowed names, nothing allocated) rather than borrowing the narrator.
        let sites = (self.page_site.clone(), self.top_site().clone());
        let context = self.cookie_context(leg, &sites);
        let cors = leg.tainting == Tainting::Cors;
        let mut sends_origin = request::sends_origin_header(cors, &leg.method);
        if !sends_origin && cookies::storage_access_inactive(&context, &self.profile) {
            sends_origin = true;
            self.info(
                rules::STORAGE_ACCESS,
                says!(
                    self.profile.name(),
                    " holds this frame's cookies for the top-level site back, so the request says Sec-Fetch-Storage-Access: inactive and carries Origin: ",
                    serialized,
                    ", although a ",
                    leg.method,
                    " like this one carries no Origin otherwise."
                ),
            );
        }
        let mut origin = serialized;
        let downgrade = self.ex.request.mode != RequestMode::Cors
            && !cors
            && request::sends_origin_header(false, &leg.method)
            && request::is_downgrade(&self.ex.page, &leg.url);
        if downgrade && origin != "null" {
            if self.profile.null_origin_on_downgrade {
                origin = "null";
                self.info(
                    rules::ORIGIN_HEADER,
                    says!(
                        "The request carries Origin: null: it goes from an https page to ",
                        leg.url,
                        ", which is not https, and under the default referrer policy a request that is not a CORS request hides its origin on such a downgrade."
                    ),
                );
            } else {
                self.info(
                    rules::ORIGIN_HEADER,
                    says!(
                        "The request carries Origin: ",
                        origin,
                        ", although it goes from an https page to a URL that is not https: ",
                        self.profile.name(),
                        " does not hide the origin on a downgrade, as the spec's default referrer policy would."
                    ),
                );
            }
        }
        self.record_request(leg, sends_origin.then_some(origin));
        self.cookies(leg, &context);
    }

    fn local_network(&mut self, leg: &Leg<'a>) -> Result<(), End> {
        let access = local_network::check(
            &self.ex.page,
            self.ex.top_level_origin(),
            &leg.url,
            self.ex.settings.local_network_access,
            &self.profile,
        );
        let failure = match access {
            Access::InsecureContext(space) => Failure::LocalNetworkInsecure(space),
            Access::Denied(space) => Failure::LocalNetworkDenied(space),
            Access::Pending(space) => Failure::LocalNetworkPending(space),
            Access::NotRequired { .. } | Access::Granted(_) => {
                // Only worth a line when the request leaves the public internet.
                if !matches!(access, Access::NotRequired { target: local_network::AddressSpace::Public, .. })
                {
                    self.pass(rules::LOCAL_NETWORK, wording::local_network(access));
                }
                return Ok(());
            }
        };
        self.info(rules::LOCAL_NETWORK, wording::local_network(access));
        Err(self.block(failure, &leg.url, None, leg.index))
    }

    fn preflight(&mut self, leg: &Leg<'a>, serialized: &'a str) -> Result<(), End> {
        let ex = self.ex;
        let credentials = ex.request.credentials;
        let unsafe_names =
            safelist::cors_unsafe_request_header_names_as(&leg.headers, self.profile.safelist_reading);
        let safelisted_method = safelist::is_cors_safelisted_method(&leg.method);
        for (name, why) in &unsafe_names.reasons {
            self.info(rules::SAFELISTED_HEADER, wording::not_safelisted(name, why));
        }
        if let Some(total) = unsafe_names.over_total {
            self.info(
                rules::SAFELIST_TOTAL,
                says!(
                    "The safelisted header values add up to ",
                    total,
                    " bytes, over the 1024-byte budget, so they need permission too."
                ),
            );
        }
        let written = leg.method.as_str();
        if written.bytes().any(|b| b.is_ascii_lowercase()) {
            // Only the six methods fetch() normalizes are upper-cased; `patch` stays `patch`.
            self.info(
                rules::SAFELISTED_METHOD,
                says!(
                    written,
                    " goes out as written: fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so it is not a safelisted method, and the server must allow ",
                    written,
                    " exactly as it is spelled."
                ),
            );
        }
        let needed = preflight::is_needed(&leg.method, &unsafe_names);
        if !needed && leg.preflight_forced {
            self.info(
                rules::PREFLIGHT_NEEDED,
                says!(
                    leg.method,
                    " and the headers left are all safelisted, but ",
                    self.profile.name(),
                    " decided on a preflight with the Authorization header a redirect dropped, so it still sends one."
                ),
            );
        } else if !needed {
            self.pass(
                rules::PREFLIGHT_NEEDED,
                says!(
                    leg.method,
                    " and the headers are all safelisted, so no preflight is sent: the request goes straight to the server."
                ),
            );
            return Ok(());
        }
        // The cache key is only worth building when the cache holds something or will be read
        // again: a one-off explanation of a single hop never consults it.
        let keep_entries = self.has_preflight_cache() && (!self.ephemeral || leg.next.is_some());
        let partition =
            if keep_entries || !self.cache.is_empty() { self.top_site().to_string() } else { String::new() };
        let url = leg.url.as_str();
        let key = Key { partition: &partition, origin: serialized, url, credentials };
        let names = || unsafe_names.names.iter().map(|n| n.as_sent());
        let lookup = self.profile.cache_lookup;
        let allows = |lookup| {
            self.cache.allows(key, &leg.method, names(), self.now, lookup)
                && (needed || self.cache.holds(key, self.now, lookup))
        };
        let consulted = !self.cache.is_empty() && self.has_preflight_cache();
        if consulted && allows(lookup) {
            self.pass(
                rules::PREFLIGHT_CACHE,
                says!(
                    "A fresh preflight cache entry already allows ",
                    leg.method,
                    " and these headers for this origin and URL, so no preflight is sent."
                ),
            );
            return Ok(());
        }
        if consulted && lookup == Lookup::Literal && allows(Lookup::Spec) {
            self.info(
                rules::PREFLIGHT_CACHE,
                says!(
                    "The spec would let a cached preflight answer serve this request, but ",
                    self.profile.name(),
                    " matches its cache literally: an answer cached with credentials serves only credentialed requests, a cached * matches no method or header, and HEAD needs its own entry."
                ),
            );
        }
        // A preflight the browser forces has had its step above; this one says what needs it.
        if needed {
            let sets = list(&unsafe_names.names, ", ");
            let why = match (safelisted_method, unsafe_names.names.is_empty()) {
                (false, true) => {
                    says!("A preflight is needed because ", leg.method, " is not GET, HEAD or POST.")
                }
                (true, false) => says!("A preflight is needed because the request sets ", sets, "."),
                _ => says!(
                    "A preflight is needed because ",
                    leg.method,
                    " is not GET, HEAD or POST and the request sets ",
                    sets,
                    "."
                ),
            };
            self.info(rules::PREFLIGHT_NEEDED, why);
        }
        let asked = self.ask_preflight(leg, serialized, &unsafe_names);
        let Some(answer) = leg.preflight else {
            self.info(
                rules::PREFLIGHT_UNKNOWN,
                "The exchange does not give the server's answer to this preflight; the engine assumes it allowed the request and judges the actual response.".to_owned(),
            );
            return Ok(());
        };
        self.preflight_answer(leg, answer, &unsafe_names, asked, key, keep_entries)
    }

    /// The preflight goes out: what it asks about and with which `Origin`, written down.
    fn ask_preflight(
        &mut self,
        leg: &Leg<'a>,
        serialized: &'a str,
        unsafe_names: &UnsafeNames<'_>,
    ) -> OnItsWay<'a> {
        let ex = self.ex;
        let asked = preflight::request_for(&leg.method, unsafe_names);
        // After a taint the preflight carries null too, as the spec builds it (its URL list is a
        // clone of the request's, redirects included) and Chromium sends it; Firefox builds the
        // preflight afresh from the page's origin.
        let preflight_origin = match (leg.tainted, self.profile.preflight_origin_after_taint) {
            (true, PreflightOriginAfterTaint::PageOrigin) => ex.page.serialize(),
            _ => serialized,
        };
        let acrh = if asked.request_headers.is_some() { ", Access-Control-Request-Headers: " } else { "" };
        self.info(
            rules::PREFLIGHT_REQUEST,
            says!(
                "The browser first sends OPTIONS ",
                leg.url,
                " with Origin: ",
                preflight_origin,
                ", Access-Control-Request-Method: ",
                asked.request_method,
                acrh,
                asked.request_headers.as_deref().unwrap_or_default(),
                "."
            ),
        );
        self.record_preflight(leg, preflight_origin, &asked);
        if leg.tainted && preflight_origin != serialized {
            self.info(
                rules::ORIGIN_HEADER,
                says!(
                    self.profile.name(),
                    " puts the page's own origin on this preflight although the request after it carries Origin: null."
                ),
            );
        }
        self.info(
            rules::COOKIES_PREFLIGHT,
            "The preflight carries no cookies, whatever the credentials mode.".to_owned(),
        );
        OnItsWay { request: asked, origin: preflight_origin }
    }

    /// Reads the server's answer to the preflight: the CORS check on it, its status, the method
    /// and headers it allows, and how long the browser may cache it.
    fn preflight_answer(
        &mut self,
        leg: &Leg<'a>,
        answer: &'a Answer,
        unsafe_names: &UnsafeNames<'_>,
        OnItsWay { request: asked, origin: preflight_origin }: OnItsWay<'a>,
        key: Key<'_>,
        keep_entries: bool,
    ) -> Result<(), End> {
        let credentials = self.ex.request.credentials;
        let asking = Asking {
            method: &leg.method,
            headers: &leg.headers,
            unsafe_names,
            credentials,
            serialized_origin: preflight_origin,
        };
        let headers = CorsHeaders::read(&answer.headers);
        let allow_private_network = headers.allow_private_network;
        let wildcard_origin = headers.allow_origin.as_deref() == Some(b"*");
        let result = preflight::check(asking, answer, &headers, &self.profile);
        self.trace.seen.push(Seen {
            kind: Kind::Preflight,
            origin_sent: preflight_origin,
            answer,
            headers,
            asked: Some(asked),
            passed: result.as_ref().map_or_else(preflight::PreflightFailure::passed_cors_check, |_| true),
        });
        let passed = match result {
            Ok(passed) => passed,
            Err(failure) => {
                // The failure is worded with the origin the preflight carried and was checked
                // against (Firefox's page origin after a taint, where the request says null).
                self.origin_sent = preflight_origin;
                self.cache.clear(key);
                if failure.passed_cors_check() {
                    self.pass(
                        rules::PREFLIGHT_ALLOW_ORIGIN,
                        wording::cors_check_passed(wildcard_origin, preflight_origin, true),
                    );
                }
                return Err(self.block(
                    Failure::Preflight(failure),
                    &leg.url,
                    Some(answer.status),
                    leg.index,
                ));
            }
        };
        self.pass(
            rules::PREFLIGHT_ALLOW_ORIGIN,
            wording::cors_check_passed(passed.shared == Shared::Wildcard, preflight_origin, true),
        );
        self.pass(
            rules::PREFLIGHT_STATUS,
            says!("The preflight was answered ", answer.status, ", an ok status."),
        );
        self.pass(
            rules::PREFLIGHT_METHOD,
            wording::method_allowed(leg.method.as_str(), passed.method_allowed),
        );
        if !unsafe_names.names.is_empty() {
            let star =
                passed.header_names.iter().any(|h| h == "*") && credentials != CredentialsMode::Include;
            self.pass(
                rules::PREFLIGHT_HEADERS,
                if star {
                    says!(
                        "Access-Control-Allow-Headers is * and no credentials are included, so ",
                        list(&unsafe_names.names, ", "),
                        " may be sent."
                    )
                } else {
                    says!("Access-Control-Allow-Headers lists ", list(&unsafe_names.names, ", "), ".")
                },
            );
        }
        if passed.authorization_by_wildcard {
            self.trace.authorization_by_wildcard = true;
            self.info(
                rules::PREFLIGHT_AUTHORIZATION,
                says!(
                    "The spec never lets * cover Authorization, yet ",
                    self.profile.name(),
                    " still allows it without credentials and only logs a deprecation warning."
                ),
            );
        }
        let max_age = passed.max_age;
        let kept = self.has_preflight_cache();
        self.info(rules::PREFLIGHT_MAX_AGE, wording::max_age(max_age, kept, &self.profile));
        if allow_private_network {
            self.info(
                rules::PRIVATE_NETWORK_HEADERS,
                "Access-Control-Allow-Private-Network answers the retired Private Network Access preflight header Access-Control-Request-Private-Network, which neither browser sends any more: Local Network Access asks the user instead, so it changes nothing.".to_owned(),
            );
        }
        if keep_entries {
            self.cache.insert(
                key,
                &passed.methods,
                &passed.header_names,
                max_age.used,
                self.now,
                self.profile.cache_lookup,
            );
        }
        Ok(())
    }

    /// Where a hop stands for cookies, given the page's and the top-level document's sites.
    fn cookie_context<'c>(
        &self,
        leg: &'c Leg<'a>,
        (page_site, top_site): &'c (Site<'a>, Site<'a>),
    ) -> Context<'c> {
        let credentials = match self.ex.request.credentials {
            CredentialsMode::Omit => false,
            CredentialsMode::SameOrigin => leg.tainting == Tainting::Basic,
            CredentialsMode::Include => true,
        };
        Context {
            url: &leg.url,
            site: &leg.site,
            credentials,
            page_site,
            top_site,
            cross_site_redirect: leg.cross_site_redirect,
            third_party: self.ex.settings.third_party_cookies,
        }
    }

    fn cookies(&mut self, leg: &Leg<'a>, context: &Context<'_>) {
        let ex = self.ex;
        if ex.cookies.is_empty() {
            if leg.index == 0 && ex.request.credentials == CredentialsMode::Include {
                self.info(
                    rules::COOKIES_SENT,
                    "The jar holds no cookies, so the request carries none.".to_owned(),
                );
            }
            return;
        }
        if !context.credentials {
            self.info(
                rules::CREDENTIALS,
                says!(
                    "The credentials mode is ",
                    ex.request.credentials.as_str(),
                    ", so the request to ",
                    leg.url,
                    " carries no cookies."
                ),
            );
            return;
        }
        let profile = self.profile;
        if ex.page.is_opaque() {
            self.info(
                rules::COOKIES_SAME_SITE,
                "The page's origin is opaque (a sandboxed iframe), so every request it makes is cross-site for cookies.".to_owned(),
            );
        }
        if context.cross_site_redirect && cookies::is_first_party(context, &profile) {
            self.info(
                rules::COOKIES_SAME_SITE,
                if profile.same_site_counts_redirects {
                    says!(
                        "A redirect on the way passed through another site, so ",
                        profile.name(),
                        " counts this request as cross-site for SameSite, as the cookie spec says."
                    )
                } else {
                    says!(
                        "A redirect on the way passed through another site; ",
                        profile.name(),
                        " does not count that for SameSite (the cookie spec does), so the request stays same-site."
                    )
                },
            );
        }
        for decision in cookies::decide(&ex.cookies, context, &profile) {
            let rule = match decision.why {
                Why::CredentialsMode => rules::CREDENTIALS,
                Why::Domain | Why::DomainRefused | Why::Path | Why::Secure | Why::Prefix => {
                    rules::COOKIES_MATCH
                }
                Why::PartitionedWithoutSecure => rules::COOKIES_PARTITIONED,
                Why::NoneWithoutSecure | Why::SameSite => rules::COOKIES_SAME_SITE,
                Why::LaxByDefault => rules::COOKIES_LAX_BY_DEFAULT,
                Why::ThirdPartyBlocked | Why::ThirdPartyPartitioned => rules::COOKIES_THIRD_PARTY,
                Why::OwnPartition | Why::OtherPartition | Why::CrossSiteAncestor | Why::CrossSiteRequest => {
                    rules::COOKIES_PARTITIONED
                }
                _ => rules::COOKIES_SENT,
            };
            self.info(rule, wording::cookie(decision.name, decision.why, &profile));
            if decision.sent
                && let Some(request) = self.sent.last_mut()
            {
                request.cookies.push(decision.name.to_owned());
            }
        }
    }

    fn final_response(&mut self, leg: &Leg<'a>, serialized: &'a str) -> End {
        let ex = self.ex;
        let response = leg.response;
        match leg.tainting {
            Tainting::Opaque => {
                self.info(rules::OPAQUE, "The response comes back opaque: status 0, no headers, no body, whatever the server said.".to_owned());
                End::Opaque
            }
            Tainting::Basic => End::Read(exposed::basic_exposed(&response.headers)),
            Tainting::Cors => {
                let check =
                    CorsRequest { serialized_origin: serialized, credentials: ex.request.credentials };
                let headers = CorsHeaders::read(&response.headers);
                let result = cors_check(check, &headers);
                let passed = result.is_ok();
                let end = match result {
                    Ok(shared) => {
                        self.pass(
                            rules::CORS_CHECK_ALLOW_ORIGIN,
                            wording::cors_check_passed(shared == Shared::Wildcard, serialized, false),
                        );
                        if ex.request.credentials == CredentialsMode::Include {
                            self.pass(
                                rules::CORS_CHECK_ALLOW_CREDENTIALS,
                                "Access-Control-Allow-Credentials is true, so the credentialed response is shared.".to_owned(),
                            );
                        }
                        let exposed =
                            exposed::cors_exposed(&response.headers, &headers, ex.request.credentials);
                        self.info(rules::EXPOSED_HEADERS, exposed_sentence(&exposed));
                        End::Read(exposed.names)
                    }
                    Err(failure) => {
                        self.forget_preflights(leg, serialized);
                        self.block(Failure::Response(failure), &leg.url, Some(response.status), leg.index)
                    }
                };
                self.trace.seen.push(Seen {
                    kind: Kind::Response,
                    origin_sent: serialized,
                    answer: response,
                    headers,
                    asked: None,
                    passed,
                });
                end
            }
        }
    }

    fn redirect(
        &mut self,
        leg: &mut Leg<'a>,
        serialized: &'a str,
        location: Result<Url, String>,
    ) -> Result<(), End> {
        let ex = self.ex;
        let status = leg.response.status;
        self.redirect_cors_check(leg, serialized)?;
        let current = Current {
            origin: &ex.page,
            url: &leg.url,
            method: &leg.method,
            headers: &leg.headers,
            mode: ex.request.mode,
            tainting: leg.tainting,
            tainted: leg.tainted,
            count: leg.count,
        };
        if let (true, RedirectMode::Error, Ok(target)) =
            (self.profile.redirect_credentials_before_mode, ex.request.redirect, &location)
            && redirect::refuses_credentials(&current, target)
        {
            let failure = Failure::Redirect(redirect::RedirectFailure::Credentials(target.clone()));
            return Err(self.block(failure, &leg.url, Some(status), leg.index));
        }
        if let (true, Err(text)) = (self.profile.unparsable_location_fails_every_mode, &location) {
            let failure = Failure::Redirect(redirect::RedirectFailure::BadLocation(text.clone()));
            return Err(self.block(failure, &leg.url, Some(status), leg.index));
        }
        if let Some(end) = self.stop_at_redirect(leg) {
            return Err(end);
        }
        let location = match location {
            Ok(location) => location,
            Err(text) => {
                let failure = Failure::Redirect(redirect::RedirectFailure::BadLocation(text));
                return Err(self.block(failure, &leg.url, Some(status), leg.index));
            }
        };
        let followed = match redirect::follow(current, status, location) {
            Ok(followed) => followed,
            Err(failure) => {
                return Err(self.block(Failure::Redirect(failure), &leg.url, Some(status), leg.index));
            }
        };
        // A redirect's target is a URL of its own, so its site is written out.
        let next_site = Site::of_url(&followed.url).into_owned();
        let schemeful = self.profile.schemeful_same_site;
        let relation =
            leg.relation.with(&self.ex.page, &self.page_site, &followed.url, &next_site, schemeful);
        self.tell_followed(leg, status, &followed, relation);
        let was_cross_site = !self.top_site().same_site_as(&leg.site, schemeful);
        let Some(next) = leg.next else {
            return Err(self.block(Failure::MissingHop, &followed.url, None, leg.index + 1));
        };
        let origin_nulled = leg.origin_nulled || self.nulls_origin(&followed);
        *leg = Leg {
            url: Cow::Owned(followed.url),
            site: next_site,
            method: followed.method,
            headers: Cow::Owned(followed.headers),
            tainting: leg.tainting,
            tainted: followed.tainted,
            origin_nulled,
            preflight_forced: leg.preflight_forced
                || (followed.authorization_dropped && self.profile.preflights_after_dropping_authorization),
            count: followed.count,
            index: leg.index + 1,
            preflight: next.preflight.as_ref(),
            response: &next.response,
            next: next.next.as_deref(),
            cross_site_redirect: leg.cross_site_redirect || was_cross_site,
            relation,
        };
        Ok(())
    }

    /// A redirect of a CORS request must pass the CORS check itself before the browser looks
    /// where it points.
    fn redirect_cors_check(&mut self, leg: &Leg<'a>, serialized: &'a str) -> Result<(), End> {
        if leg.tainting != Tainting::Cors {
            return Ok(());
        }
        let response = leg.response;
        let status = response.status;
        let check = CorsRequest { serialized_origin: serialized, credentials: self.ex.request.credentials };
        let headers = CorsHeaders::read(&response.headers);
        let result = cors_check(check, &headers);
        self.trace.seen.push(Seen {
            kind: Kind::Redirect,
            origin_sent: serialized,
            answer: response,
            headers,
            asked: None,
            passed: result.is_ok(),
        });
        if let Err(failure) = result {
            let failure = Failure::RedirectCorsCheck(failure);
            return Err(self.block(failure, &leg.url, Some(status), leg.index));
        }
        self.pass(
            rules::REDIRECT_CORS_CHECK,
            says!(
                "The ",
                status,
                " redirect itself passes the CORS check, so the browser may look where it points."
            ),
        );
        Ok(())
    }

    /// Where the redirect mode ends the fetch at a redirect: `error` fails it, `manual` hands
    /// the script an opaque redirect; `None` when the mode follows.
    fn stop_at_redirect(&mut self, leg: &Leg<'a>) -> Option<End> {
        let status = leg.response.status;
        match self.ex.request.redirect {
            RedirectMode::Error => {
                Some(self.block(Failure::RedirectModeError, &leg.url, Some(status), leg.index))
            }
            RedirectMode::Manual => {
                self.info(
                    rules::REDIRECT_MODE,
                    says!(
                        "The redirect mode is manual, so the script gets an opaque redirect (status 0) instead of following the ",
                        status,
                        "."
                    ),
                );
                Some(End::Opaque)
            }
            RedirectMode::Follow => None,
        }
    }

    /// Whether following makes the browser send `Origin: null` on an untainted request.
    fn nulls_origin(&self, followed: &Followed) -> bool {
        self.profile.null_origin_after_cross_origin_redirect
            && self.ex.request.mode == RequestMode::NoCors
            && followed.crosses_origins
            && !followed.tainted
    }

    /// Says where the redirect leads and what following it changes: the method, `Authorization`,
    /// the origin's taint, and the `Sec-Fetch-Site` the browsers disagree on (`spec` is the next
    /// request's as the spec works it out over the URL list).
    fn tell_followed(&mut self, leg: &Leg<'a>, status: u16, followed: &Followed, spec: Relation) {
        let ex = self.ex;
        self.info(
            rules::REDIRECT_FOLLOW,
            says!(
                "The server answers ",
                status,
                " and points to ",
                followed.url,
                ", which the browser follows."
            ),
        );
        if let Some(before) = &followed.method_changed_from {
            self.info(
                rules::REDIRECT_FOLLOW,
                says!(
                    "A ",
                    status,
                    " turns the ",
                    before,
                    " into a GET without a body, so the next request is a GET."
                ),
            );
        }
        if followed.authorization_dropped {
            self.info(
                rules::REDIRECT_FOLLOW,
                "The redirect crosses origins, so the Authorization header is dropped.".to_owned(),
            );
        }
        if followed.newly_tainted {
            self.info(
                rules::REDIRECT_TAINT,
                says!(
                    "The redirect leaves the cross-origin ",
                    Origin::of(&leg.url),
                    " for another origin, so from now on the request's Origin is null."
                ),
            );
        } else if !leg.origin_nulled && self.nulls_origin(followed) {
            self.info(
                rules::REDIRECT_TAINT,
                says!(
                    "The redirect leaves ",
                    Origin::of(&leg.url),
                    " for another origin. That does not taint the request's origin, but ",
                    self.profile.name(),
                    " sends a no-cors request Origin: null from then on."
                ),
            );
        }
        // Sec-Fetch-Site decides nothing here, but a server may read it, and after a redirect
        // the browsers label it differently (measured).
        let said = self.sec_fetch_site(spec, leg.index + 1);
        // Same-site over the whole chain, the next URL included.
        let next_host_same_site = spec == Relation::SameSite
            && !leg.cross_site_redirect
            && followed.url.host_str() != leg.url.host_str()
            && !ex.page.same_origin_url(&followed.url);
        if said != spec {
            self.info(
                rules::REDIRECT_FOLLOW,
                says!(
                    "The next request comes through a redirect that left the page's origin; ",
                    self.profile.name(),
                    " labels it Sec-Fetch-Site: ",
                    said.as_str(),
                    ", where the spec's rule, the farthest URL of the chain, makes it ",
                    spec.as_str(),
                    "."
                ),
            );
        } else if next_host_same_site {
            self.info(
                rules::REDIRECT_FOLLOW,
                says!(
                    "The next request goes to another host of the page's own site; ",
                    self.profile.name(),
                    " labels it Sec-Fetch-Site: ",
                    said.as_str(),
                    ", as the spec says."
                ),
            );
        }
    }

    /// The page and the URL share a registrable domain under different schemes: whether that is
    /// another site depends on the browser ([`Profile::schemeful_same_site`]).
    fn scheme_only(&mut self, site: &Site<'_>) {
        let (page, site) = (self.page_site.to_string(), site.to_string());
        let says = if self.profile.schemeful_same_site {
            says!(
                page,
                " and ",
                site,
                " differ in scheme only; sites are schemeful, so the request is cross-site (for SameSite, third-party cookies and Sec-Fetch-Site)."
            )
        } else {
            says!(
                page,
                " and ",
                site,
                " differ in scheme only: the spec's schemeful sites make the request cross-site, but ",
                self.profile.name(),
                " compares registrable domains alone, so to it the request is same-site (for SameSite, third-party cookies and Sec-Fetch-Site)."
            )
        };
        self.info(rules::COOKIES_SAME_SITE, says);
    }

    /// The `Sec-Fetch-Site` this browser puts on the request at hop `index`, whose URL list
    /// stands to the page as `spec` says ([`Profile::redirected_request_cross_site`]).
    fn sec_fetch_site(&self, spec: Relation, index: usize) -> Relation {
        if self.profile.redirected_request_cross_site && index > 0 && spec != Relation::SameOrigin {
            Relation::CrossSite
        } else {
            spec
        }
    }

    /// Writes the failing step and ends the walk.
    fn block(&mut self, failure: Failure, url: &Url, status: Option<u16>, index: usize) -> End {
        let origin = self.origin_sent;
        self.fail(failure.rule(), wording::failure(&failure, origin, &self.profile));
        End::Blocked(Box::new(Blocked { failure, url: url.clone(), status, index }))
    }

    fn finish(self, end: End) -> Verdict {
        let ex = self.ex;
        let findings = findings::review(&self.trace, &self.profile);
        let asked = Asked {
            origin: ex.page.serialize(),
            tainted: self.origin_sent == "null" && !ex.page.is_opaque(),
            method: ex.request.method.as_str(),
            include: ex.request.credentials == CredentialsMode::Include,
        };
        // The first hop's facts come from what went out: its preflight, when there was one, is
        // the first request sent, and its actual request the first that is not a preflight.
        let preflight_sent = self.sent.first().is_some_and(|sent| sent.preflight);
        let first_request = self.sent.iter().find(|sent| !sent.preflight);
        let request_sent = first_request.is_some();
        let cookies_sent = first_request.map(|sent| sent.cookies.clone()).unwrap_or_default();
        let mut verdict = Verdict {
            read: Read::Allowed,
            preflight_sent,
            request_sent,
            blocked_at: None,
            reason: None,
            failed_parameter: None,
            cookies_sent,
            exposed_headers: Vec::new(),
            console: None,
            pending: false,
            steps: self.steps,
            findings: Vec::new(),
            fix: Vec::new(),
            sent: self.sent,
        };
        match end {
            End::Read(exposed) => verdict.exposed_headers = exposed,
            End::Opaque => verdict.read = Read::Opaque,
            End::Blocked(blocked) => {
                let Blocked { failure, url, status, index } = *blocked;
                verdict.read = Read::Blocked;
                verdict.pending = failure.leaves_pending();
                let mut at = failure.blocked_at();
                if index > 0 && at == BlockedAt::Request {
                    at = BlockedAt::Redirect;
                }
                verdict.blocked_at = Some(at);
                let original = ex.request.url.as_str();
                let scene = Scene {
                    url: url.as_str(),
                    redirected_from: (url.as_str() != original).then_some(original),
                    origin: ex.page.serialize(),
                    status,
                    follows_redirects: ex.request.redirect == RedirectMode::Follow,
                    cors: self.cors,
                };
                let report = vocabulary::report(ex.browser, &failure, scene);
                verdict.reason = report.reason.map(str::to_owned);
                verdict.failed_parameter = report.failed_parameter;
                verdict.console = report.console;
                verdict.fix = advice::fixes(Some(&failure), &findings, asked);
            }
        }
        if verdict.fix.is_empty() {
            verdict.fix = advice::fixes(None, &findings, asked);
        }
        verdict.findings = findings;
        verdict
    }

    /// After a response fails its CORS check, Firefox drops the preflight answers it cached for
    /// the origin and URL.
    fn forget_preflights(&mut self, leg: &Leg<'a>, serialized: &str) {
        if !self.profile.failed_response_clears_cache || self.cache.is_empty() {
            return;
        }
        let partition = self.top_site().to_string();
        let credentials = self.ex.request.credentials;
        let key = Key { partition: &partition, origin: serialized, url: leg.url.as_str(), credentials };
        if self.cache.clear(key) {
            self.info(
                rules::PREFLIGHT_CACHE,
                says!(
                    self.profile.name(),
                    " drops its cached preflight answers for this origin and URL when a response fails the CORS check, so the next request asks again."
                ),
            );
        }
    }

    /// Whether the page's preflights are cached at all: Chromium keeps none for a document with
    /// an opaque origin.
    fn has_preflight_cache(&self) -> bool {
        self.profile.cache_for_opaque_origins || !self.ex.page.is_opaque()
    }

    /// The top-level document's site: the page's own unless the page is framed.
    fn top_site(&self) -> &Site<'a> {
        self.framed_top_site.as_ref().unwrap_or(&self.page_site)
    }

    /// Writes down the request of the current hop going out; its cookies follow as decided.
    fn record_request(&mut self, leg: &Leg<'a>, origin: Option<&str>) {
        let metadata = fetch_metadata::sent_to(&leg.url);
        self.sent.push(Sent {
            preflight: false,
            method: leg.method.to_cow(),
            url: leg.url.as_str().to_owned(),
            origin: origin.map(str::to_owned),
            cookies: Vec::new(),
            access_control_request_method: None,
            access_control_request_headers: None,
            sec_fetch_site: metadata.then(|| self.sec_fetch_site(leg.relation, leg.index)),
            sec_fetch_mode: metadata.then_some(self.ex.request.mode),
        });
    }

    /// Writes down a preflight going out, and what it asks about. A preflight's URL list is
    /// the request's, so it tells the same `Sec-Fetch-Site`; its mode is `cors`.
    fn record_preflight(&mut self, leg: &Leg<'a>, origin: &str, asked: &PreflightRequest) {
        let metadata = fetch_metadata::sent_to(&leg.url);
        self.sent.push(Sent {
            preflight: true,
            method: Cow::Borrowed("OPTIONS"),
            url: leg.url.as_str().to_owned(),
            origin: Some(origin.to_owned()),
            cookies: Vec::new(),
            access_control_request_method: Some(asked.request_method.to_cow()),
            access_control_request_headers: asked.request_headers.clone(),
            sec_fetch_site: metadata.then_some(leg.relation),
            sec_fetch_mode: metadata.then_some(RequestMode::Cors),
        });
    }

    fn push(&mut self, rule: Rule, outcome: Outcome, says: String) {
        self.steps.push(Step::new(rule, outcome, says));
    }

    fn pass(&mut self, rule: Rule, says: String) {
        self.push(rule, Outcome::Pass, says);
    }

    fn fail(&mut self, rule: Rule, says: String) {
        self.push(rule, Outcome::Fail, says);
    }

    fn info(&mut self, rule: Rule, says: String) {
        self.push(rule, Outcome::Info, says);
    }
}

fn exposed_sentence(exposed: &exposed::Exposed<'_>) -> String {
    let names: &dyn Piece =
        if exposed.names.is_empty() { &"none of the response headers" } else { &list(&exposed.names, ", ") };
    if exposed.star_exposes_all {
        says!(
            "Access-Control-Expose-Headers is * without credentials, so the script reads ",
            names,
            " (never Set-Cookie)."
        )
    } else if exposed.star_literal {
        says!(
            "With credentials, * in Access-Control-Expose-Headers only names a header called *; the script reads ",
            names,
            "."
        )
    } else {
        says!("The script reads the safelisted and exposed headers present: ", names, ".")
    }
}
