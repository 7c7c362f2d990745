//! The rule catalog: every check the engine makes, with a stable id, its spec anchor and a plain
//! sentence saying what it decides.
//!
//! Ids are part of the output contract (`Verdict.steps[].rule`): never rename one; retire it instead.

use std::fmt;

/// The Fetch Standard revision the anchors below were taken from.
pub const FETCH_REVISION: &str = "whatwg/fetch@586cd2a44c2a865b37c166dc0740f3fb8bb220d6 (2026-07-02)";

/// Base URL of the Fetch Standard.
pub const FETCH_SPEC: &str = "https://fetch.spec.whatwg.org/";

/// One rule the engine applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable id (`cors_check.allow_origin`).
    pub id: &'static str,
    /// The full URL of the section that specifies the rule, worked out when the catalog is
    /// compiled.
    pub url: &'static str,
    /// Where the rule's sentence is in `SUMMARIES`. The sentences stay out of the rule itself,
    /// so a build that never prints them (the app's Wasm) does not carry them.
    n: usize,
}

impl Rule {
    /// The full URL of the rule's specification section.
    pub fn spec_url(&self) -> &'static str {
        self.url
    }

    /// Where the rule is specified: a Fetch anchor (`#concept-cors-check`) or a full URL.
    pub fn spec(&self) -> &'static str {
        self.url.strip_prefix(FETCH_SPEC).unwrap_or(self.url)
    }

    /// What the rule decides, in one sentence of our own.
    pub fn summary(&self) -> &'static str {
        SUMMARIES[self.n]
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// A rule's full URL: a Fetch anchor joined to the spec's address, or another standard's URL.
macro_rules! spec_url {
    (fetch $anchor:literal) => {
        concat!("https://fetch.spec.whatwg.org/", $anchor)
    };
    (url $url:literal) => {
        $url
    };
}

macro_rules! catalog {
    ($($(#[$doc:meta])* $name:ident = $id:literal, $kind:ident $spec:literal, $summary:literal;)*) => {
        /// The rules' positions in the catalog.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Index { $($name),* }
        $( $(#[$doc])* pub const $name: Rule = Rule { id: $id, url: spec_url!($kind $spec), n: Index::$name as usize }; )*
        /// Every rule, in catalog order.
        pub const ALL: &[Rule] = &[$($name),*];
        /// Every rule's sentence, in catalog order.
        const SUMMARIES: &[&str] = &[$($summary),*];
    };
}

catalog! {
    /// What an input such as a HAR file did not record, and what was assumed instead.
    INPUT_ASSUMED = "input.assumed", url "https://w3c.github.io/web-performance/specs/HAR/Overview.html",
        "The input did not record this fact about the exchange, so the explanation states what it assumed.";
    /// Same-origin requests skip the CORS protocol.
    SAME_ORIGIN = "origin.same_origin", fetch "#concept-main-fetch",
        "A request to the page's own origin is read without any CORS check.";
    /// The request mode decides how a cross-origin request is handled.
    MODE = "request.mode", fetch "#concept-request-mode",
        "A cross-origin request in cors mode goes through the CORS protocol; no-cors yields an opaque response; same-origin mode refuses it.";
    /// The value of the `Origin` header.
    ORIGIN_HEADER = "request.origin_header", fetch "#serializing-a-request-origin",
        "The Origin header carries the page's serialized origin, or null once a redirect has left a cross-origin URL for yet another origin.";
    /// Forbidden methods make `fetch()` throw.
    FORBIDDEN_METHOD = "request.forbidden_method", fetch "#forbidden-method",
        "CONNECT, TRACE and TRACK cannot be sent by a script: fetch() throws a TypeError.";
    /// A URL with credentials in it makes `fetch()` throw.
    URL_CREDENTIALS = "request.url_credentials", fetch "#dom-request",
        "A URL with a user name or password in it cannot make a request: fetch() throws a TypeError.";
    /// Forbidden request headers are dropped.
    FORBIDDEN_HEADER = "request.forbidden_header", fetch "#forbidden-request-header",
        "Headers only the browser may set (Cookie, Origin, Host, Sec-*, Proxy-* and others) are silently dropped from what the script set.";
    /// `no-cors` restrictions on method and headers.
    NO_CORS = "request.no_cors", fetch "#dom-request",
        "A no-cors request may only use GET, HEAD or POST and keeps only the four no-CORS-safelisted headers.";
    /// `no-cors` requests must follow redirects.
    NO_CORS_REDIRECT = "request.no_cors_redirect", fetch "#concept-main-fetch",
        "A cross-origin no-cors request must follow redirects: with redirect manual or error, main fetch fails it before anything is sent.";
    /// Ports the browser never connects to.
    BAD_PORT = "request.bad_port", fetch "#block-bad-port",
        "An http or https URL on a bad port (one used by other protocols, such as 25 or 6000) is blocked before anything is sent.";
    /// Mixed content.
    MIXED_CONTENT = "request.mixed_content", url "https://w3c.github.io/webappsec-mixed-content/#should-block-fetch",
        "A page delivered over https may not fetch an http URL that is not potentially trustworthy: the fetch fails before anything is sent.";
    /// Only HTTP(S) URLs take part in CORS.
    SCHEME = "request.scheme", fetch "#concept-main-fetch",
        "Only http and https URLs go over the network: a data: URL and the page's own blob: URLs are read in place, and other schemes fail.";
    /// The credentials mode.
    CREDENTIALS = "request.credentials", fetch "#concept-request-credentials-mode",
        "omit never sends cookies, same-origin sends them only to the page's own origin, include sends them everywhere but then the server must allow it.";
    /// The method safelist.
    SAFELISTED_METHOD = "safelist.method", fetch "#cors-safelisted-method",
        "GET, HEAD and POST (exactly, after normalization) can be sent cross-origin without a preflight.";
    /// The request-header safelist.
    SAFELISTED_HEADER = "safelist.header", fetch "#cors-safelisted-request-header",
        "Accept, Accept-Language, Content-Language, Content-Type and Range need no preflight when their values follow the safelist's value rules.";
    /// The 1024-byte total.
    SAFELIST_TOTAL = "safelist.total_size", fetch "#cors-unsafe-request-header-names",
        "When the safelisted header values add up to more than 1024 bytes, all of them need a preflight too.";
    /// Whether a preflight is needed.
    PREFLIGHT_NEEDED = "preflight.needed", fetch "#http-fetch",
        "A preflight is needed for a method other than GET, HEAD or POST, or for any header that is not safelisted.";
    /// What the preflight request looks like.
    PREFLIGHT_REQUEST = "preflight.request", fetch "#cors-preflight-fetch-0",
        "The preflight is an OPTIONS request naming the method and the unsafe header names, sent without cookies.";
    /// A preflight whose answer the exchange does not give.
    PREFLIGHT_UNKNOWN = "preflight.unknown", fetch "#cors-preflight-fetch-0",
        "The exchange does not say how the server answered the preflight, so the engine states what it assumed.";
    /// A preflight answered from the cache.
    PREFLIGHT_CACHE = "preflight.cache", fetch "#cors-preflight-cache",
        "A fresh cache entry from an earlier preflight for the same partition, origin and URL lets the browser skip asking again, if that preflight was made with credentials whenever this request includes them.";
    /// Preflights do not follow redirects.
    PREFLIGHT_REDIRECT = "preflight.redirect", fetch "#cors-preflight-fetch-0",
        "A preflight answered with a redirect fails: preflights never follow redirects.";
    /// The preflight's CORS check.
    PREFLIGHT_ALLOW_ORIGIN = "preflight.allow_origin", fetch "#concept-cors-check",
        "The preflight answer must pass the CORS check with the request's own credentials mode.";
    /// The preflight's status.
    PREFLIGHT_STATUS = "preflight.status", fetch "#ok-status",
        "The preflight answer must have an ok status, 200 to 299.";
    /// Parsing of `Access-Control-Allow-Methods` and `-Headers`.
    PREFLIGHT_PARSE = "preflight.parse", fetch "#http-access-control-allow-methods",
        "Access-Control-Allow-Methods and Access-Control-Allow-Headers must be comma-separated tokens; anything else is a network error.";
    /// Method matching.
    PREFLIGHT_METHOD = "preflight.method", fetch "#cors-preflight-fetch-0",
        "The method must be listed byte for byte, be safelisted, or be covered by * when no credentials are included.";
    /// Header matching.
    PREFLIGHT_HEADERS = "preflight.headers", fetch "#cors-preflight-fetch-0",
        "Every unsafe header name must be listed (case-insensitively) or covered by * when no credentials are included.";
    /// `Authorization` and the wildcard.
    PREFLIGHT_AUTHORIZATION = "preflight.authorization", fetch "#cors-non-wildcard-request-header-name",
        "Authorization must be listed by name: * never covers it in the spec.";
    /// `Access-Control-Max-Age`.
    PREFLIGHT_MAX_AGE = "preflight.max_age", fetch "#http-access-control-max-age",
        "A passed preflight is cached for Access-Control-Max-Age seconds (5 when absent), capped by each browser.";
    /// The CORS check's `Access-Control-Allow-Origin` part.
    CORS_CHECK_ALLOW_ORIGIN = "cors_check.allow_origin", fetch "#concept-cors-check",
        "Access-Control-Allow-Origin must be present once and equal the request's origin byte for byte, or be * when no credentials are included.";
    /// The CORS check's `Access-Control-Allow-Credentials` part.
    CORS_CHECK_ALLOW_CREDENTIALS = "cors_check.allow_credentials", fetch "#concept-cors-check",
        "When credentials are included, Access-Control-Allow-Credentials must be exactly true.";
    /// The exposed header list.
    EXPOSED_HEADERS = "response.exposed_headers", fetch "#concept-response-cors-exposed-header-name-list",
        "A script reads only safelisted response headers and those Access-Control-Expose-Headers names; * counts only without credentials; Set-Cookie never.";
    /// `no-cors` responses are opaque.
    OPAQUE = "response.opaque", fetch "#concept-filtered-response-opaque",
        "A cross-origin no-cors response reaches the script as status 0 with no headers and no body.";
    /// A response with two different `Location` values.
    CONFLICTING_LOCATIONS = "response.conflicting_locations", fetch "#concept-response-location-url",
        "A response whose Location headers disagree is refused by both browsers whatever its status; for a redirect the spec agrees, since Location takes one value.";
    /// A redirect response is CORS-checked before it is followed.
    REDIRECT_CORS_CHECK = "redirect.cors_check", fetch "#http-fetch",
        "A redirect answering a CORS request must itself pass the CORS check before the browser follows it.";
    /// The redirect mode.
    REDIRECT_MODE = "redirect.mode", fetch "#concept-request-redirect-mode",
        "With redirect: error a redirect fails the fetch; with manual the script gets an opaque redirect.";
    /// Following a redirect.
    REDIRECT_FOLLOW = "redirect.follow", fetch "#http-redirect-fetch",
        "A followed redirect repeats the checks at the new URL, turns a POST into a GET on 301 and 302 and any method but GET or HEAD into a GET on 303, and drops Authorization across origins.";
    /// Credentials in `Location`.
    REDIRECT_CREDENTIALS = "redirect.credentials", fetch "#http-redirect-fetch",
        "A CORS request may not follow a redirect to a URL that carries a user name or password, unless the new URL, and every URL before it, is on the page's own origin.";
    /// Redirect limits.
    REDIRECT_LIMITS = "redirect.limits", fetch "#http-redirect-fetch",
        "A redirect must point to an http or https URL that parses, at most 20 times.";
    /// The redirect taint.
    REDIRECT_TAINT = "redirect.taint", fetch "#concept-request-tainted-origin",
        "Once a redirect leaves a cross-origin URL for yet another origin, the request's Origin is sent as null.";
    /// A redirect the exchange does not follow.
    REDIRECT_MISSING_HOP = "redirect.missing_hop", fetch "#http-redirect-fetch",
        "The exchange ends at a redirect, so the engine cannot say what the next URL answers.";
    /// Preflights never carry cookies.
    COOKIES_PREFLIGHT = "cookies.preflight", fetch "#cors-preflight-fetch-0",
        "The preflight is sent without cookies whatever the credentials mode.";
    /// Domain, path and Secure matching.
    COOKIES_MATCH = "cookies.match", url "https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-retrieval-algorithm",
        "A cookie goes only to hosts its Domain (or, host-only, its setting host) matches, under its Path, and to trustworthy URLs when Secure.";
    /// SameSite.
    COOKIES_SAME_SITE = "cookies.same_site", url "https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-the-samesite-attribute",
        "On a cross-site request Strict and Lax cookies stay home; a fetch is never the top-level navigation Lax allows.";
    /// Lax by default.
    COOKIES_LAX_BY_DEFAULT = "cookies.lax_by_default", url "https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-lax-allowing-unsafe-enforcem",
        "Chromium treats a cookie without SameSite as Lax; Firefox treats it as None.";
    /// Third-party cookies.
    COOKIES_THIRD_PARTY = "cookies.third_party", url "https://privacycg.github.io/storage-partitioning/",
        "Cross-site, this Chromium build blocks unpartitioned cookies by default and Firefox keeps them in per-site partitions.";
    /// Partitioned cookies.
    COOKIES_PARTITIONED = "cookies.partitioned", url "https://datatracker.ietf.org/doc/html/draft-cutler-httpbis-partitioned-cookies",
        "A partitioned cookie is sent only under the top-level site it was set under.";
    /// Storage Access Headers: a held-back frame request announces itself with its Origin.
    STORAGE_ACCESS = "cookies.storage_access", url "https://privacycg.github.io/storage-access-headers/",
        "A credentialed request from a frame to the top-level site, whose cookies third-party rules hold back, says Sec-Fetch-Storage-Access: inactive and carries an Origin header, whatever its mode and method.";
    /// The cookies on the request.
    COOKIES_SENT = "cookies.sent", url "https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-the-cookie-header-field",
        "The Cookie header carries every cookie that passed all the rules, in jar order.";
    /// Address spaces.
    LOCAL_NETWORK = "local_network.access", url "https://wicg.github.io/local-network-access/",
        "A page may reach a more private address space (local network, loopback) only with the user's permission, and only from a secure context.";
    /// The retired Private Network Access headers.
    PRIVATE_NETWORK_HEADERS = "local_network.pna_headers", url "https://wicg.github.io/private-network-access/",
        "Access-Control-Request-Private-Network and Access-Control-Allow-Private-Network belong to the retired Private Network Access preflight, which Local Network Access replaced.";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pinned list of Fetch anchors, from the spec revision in [`FETCH_REVISION`].
    const ANCHORS: &str = include_str!("../spec/fetch-anchors.txt");

    #[test]
    fn every_cited_fetch_anchor_exists_in_the_pinned_revision() {
        let known: Vec<&str> = ANCHORS.lines().skip(1).collect();
        for rule in ALL {
            if let Some(anchor) = rule.spec().strip_prefix('#') {
                assert!(known.contains(&anchor), "{}: #{anchor} is not in the pinned anchor list", rule.id);
            } else {
                assert!(rule.spec().starts_with("https://"), "{}: spec must be #anchor or a URL", rule.id);
            }
        }
    }

    #[test]
    fn every_rule_says_what_it_decides_in_one_sentence() {
        assert_eq!(ALL.len(), SUMMARIES.len());
        assert_eq!(
            SAME_ORIGIN.summary(),
            "A request to the page's own origin is read without any CORS check."
        );
        let mut seen = std::collections::HashSet::new();
        for rule in ALL {
            let summary = rule.summary();
            assert!(seen.insert(summary), "{}: its sentence is another rule's", rule.id);
            assert!(summary.ends_with('.') && !summary.contains(". "), "{}: {summary}", rule.id);
        }
    }

    #[test]
    fn a_rules_spec_is_its_fetch_anchor_or_its_whole_url() {
        assert_eq!(SAME_ORIGIN.spec(), "#concept-main-fetch");
        assert_eq!(SAME_ORIGIN.spec_url(), "https://fetch.spec.whatwg.org/#concept-main-fetch");
        assert_eq!(INPUT_ASSUMED.spec(), "https://w3c.github.io/web-performance/specs/HAR/Overview.html");
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate rule id");
    }

    #[test]
    fn pinned_list_names_the_revision() {
        assert!(ANCHORS.lines().next().unwrap().contains("586cd2a44c2a865b37c166dc0740f3fb8bb220d6"));
        assert!(FETCH_REVISION.contains("586cd2a44c2a865b37c166dc0740f3fb8bb220d6"));
    }
}
