//! The narrator's English for the algorithms' typed values: one plain sentence for each
//! failure, cookie decision, safelist refusal, cache lifetime and assumption, in our own words.
//! The algorithms return values and never write prose; the narrator (`explain`) writes the
//! sentences of the steps it takes itself, and asks this module for every sentence about a value.

use crate::cache::Lookup;
use crate::cookies::Why;
use crate::cors_check::{AllowOriginShape, CorsCheckFailure};
use crate::failure::Failure;
use crate::har::Assumption;
use crate::header::HeaderName;
use crate::local_network::Access;
use crate::preflight::{MaxAge, MethodAllowed, PreflightFailure};
use crate::profile::Profile;
use crate::prose::{Lowercase, Quoted};
use crate::redirect::RedirectFailure;
use crate::request::{Dropped, Thrown};
use crate::safelist::NotSafelisted;
use crate::verdict::Sent;

/// What a HAR file did not record, and what the reader assumed instead.
pub fn assumption(assumed: &Assumption) -> String {
    match assumed {
        Assumption::PageFromHarPage(origin) => {
            says!("No Origin header was sent; the page's origin ", origin, " is taken from the HAR's page.")
        }
        Assumption::PageFromReferer(origin) => {
            says!("No Origin header was sent; the page's origin ", origin, " is taken from the Referer.")
        }
        Assumption::CorsModeFromOrigin => {
            "The HAR does not record the request mode; an Origin header was sent, so cors mode is assumed.".to_owned()
        }
        Assumption::NoCorsModeWithoutOrigin => {
            "The HAR does not record the request mode; no Origin header was sent, so no-cors mode is assumed."
                .to_owned()
        }
        Assumption::CredentialsFromCookies => "The HAR does not record the credentials mode; the request carried cookies, so credentials: include is assumed.".to_owned(),
        Assumption::CredentialsDefault => "The HAR does not record the credentials mode and the request carried no cookies, so the default same-origin is assumed.".to_owned(),
        Assumption::CredentialsFromFailure => "The HAR does not record the credentials mode and the request carried no cookies, but the browser recorded the read failing (net::ERR_FAILED), which only credentials: include explains; include is assumed, sent without cookies.".to_owned(),
        Assumption::JarFromCookieAttributes { names, host } => says!(
            "The HAR shows the cookies sent to ",
            host,
            " (",
            names.join(", "),
            ") with their attributes, not the jar; they stand for it."
        ),
        Assumption::JarFromCookiesSent { names, host } => says!(
            "The HAR shows the cookies sent (",
            names.join(", "),
            "), not the jar; each is assumed to be a host-only cookie of ",
            host,
            " that the browser chose to send."
        ),
        Assumption::ThirdPartyCookiesAllowed => {
            "Cookies went to a cross-site URL, so third-party cookies are assumed to be allowed in this browser."
                .to_owned()
        }
        Assumption::ScriptHeadersFromPreflight => "The HAR mixes the script's headers with the browser's; the script's are taken to be those the preflight asked about, plus Content-Type, Content-Language and Range.".to_owned(),
        Assumption::ScriptHeadersByName => "The HAR mixes the script's headers with the browser's; Accept, Accept-Language, Cache-Control, If-Modified-Since, If-None-Match, Pragma, Priority and User-Agent are assumed to be the browser's own, every other header the script's.".to_owned(),
        Assumption::PreflightFromCache => "No preflight appears in the HAR for a request that needs one; it may have been answered from the preflight cache, and is assumed to have passed.".to_owned(),
        Assumption::NoResponse => "The HAR records no response (status 0, typically a blocked request); the answer is taken as having no headers.".to_owned(),
        Assumption::HeadersLeftOut(names) => says!(
            "The HAR holds headers that are not valid HTTP, left out: ",
            names.join(", "),
            "."
        ),
        Assumption::TopLevel => "The HAR does not say whether the page was top-level; it is assumed to be.".to_owned(),
    }
}

/// Why a header the script set was dropped.
pub fn dropped(name: &str, why: Dropped) -> String {
    match why {
        Dropped::Forbidden => {
            says!(
                name,
                " is a header only the browser may set, so fetch() silently drops the script's value."
            )
        }
        Dropped::NoCors => {
            says!(name, " is not one of the headers a no-cors request may carry, so fetch() drops it.")
        }
    }
}

/// Why one header needs a preflight.
pub fn not_safelisted(name: &HeaderName, why: &NotSafelisted<'_>) -> String {
    // Named as `Access-Control-Request-Headers` will list it.
    why_not_safelisted(name.as_str(), why)
}

fn why_not_safelisted(written: &str, why: &NotSafelisted<'_>) -> String {
    let name = Lowercase(written);
    match why {
        NotSafelisted::Name => {
            says!(name, " is not a safelisted request header, so it needs the server's permission.")
        }
        NotSafelisted::Combined(why) => says!(
            name,
            " is set more than once, and the browser sends its values as one, joined by commas: ",
            why_not_safelisted(written, why)
        ),
        NotSafelisted::TooLong { len } => {
            says!(
                name,
                " is ",
                len,
                " bytes long; safelisted values stop at 128 bytes, so it needs permission."
            )
        }
        NotSafelisted::UnsafeByte(b) => {
            says!(
                name,
                " holds the byte ",
                byte(*b),
                ", which no safelisted value may hold, so it needs permission."
            )
        }
        NotSafelisted::LanguageByte(b) => says!(
            name,
            " holds ",
            byte(*b),
            ", outside the letters, digits and ' *,-.;=' a safelisted language value may use, so it needs permission."
        ),
        NotSafelisted::NonAscii(b) => says!(
            name,
            " holds the byte ",
            byte(*b),
            ", above 0x7F: the spec allows it in a safelisted value, but the browser does not, so it needs permission."
        ),
        NotSafelisted::NotMime => {
            says!(name, " is not a MIME type, so it is not safelisted and needs permission.")
        }
        NotSafelisted::Essence(essence) => says!(
            name,
            " is ",
            essence,
            "; only application/x-www-form-urlencoded, multipart/form-data and text/plain are safelisted, so it needs permission."
        ),
        NotSafelisted::ClientHint(rule) => says!(
            name,
            " is one of the client hints Chromium adds to the safelist, but only with ",
            *rule,
            " as its value, so this one needs permission."
        ),
        NotSafelisted::Range => {
            says!(
                name,
                " is not a single bytes=N- or bytes=N-M range (bytes in lower case, no spaces), so it needs permission."
            )
        }
    }
}

/// What the CORS check concluded when it passed.
pub fn cors_check_passed(wildcard: bool, origin: &str, preflight: bool) -> String {
    let what = if preflight { "the preflight answer" } else { "the response" };
    if wildcard {
        says!(
            "Access-Control-Allow-Origin on ",
            what,
            " is * and no credentials are included, so any origin passes."
        )
    } else {
        says!(
            "Access-Control-Allow-Origin on ",
            what,
            " equals the request's origin ",
            origin,
            " byte for byte."
        )
    }
}

/// Why the CORS check failed.
pub fn cors_check_failed(failure: &CorsCheckFailure, origin: &str, what: &str) -> String {
    match failure {
        CorsCheckFailure::MissingAllowOrigin => {
            says!(what, " has no Access-Control-Allow-Origin header, so it is not shared with other origins.")
        }
        CorsCheckFailure::RepeatedAllowOrigin { combined, .. } => {
            says!(
                what,
                " sends Access-Control-Allow-Origin more than once (",
                combined,
                "); it must appear exactly once."
            )
        }
        CorsCheckFailure::WildcardWithCredentials => says!(
            what,
            " answers Access-Control-Allow-Origin: *, which never shares a response to a request that includes credentials."
        ),
        CorsCheckFailure::AllowOriginMismatch { value, shape: AllowOriginShape::List } => says!(
            what,
            " lists several origins in Access-Control-Allow-Origin (",
            value,
            "); the header holds exactly one origin, so it matches none."
        ),
        CorsCheckFailure::AllowOriginMismatch { value, .. } => says!(
            what,
            " allows the origin ",
            Quoted(value),
            ", which is not the request's origin ",
            Quoted(origin),
            " byte for byte."
        ),
        CorsCheckFailure::AllowCredentialsNotTrue { value: Some(value) } => says!(
            what,
            " has Access-Control-Allow-Credentials: ",
            value,
            "; only the exact lower-case value true shares a credentialed response."
        ),
        CorsCheckFailure::AllowCredentialsNotTrue { value: None } => says!(
            "Credentials are included but ",
            what,
            " has no Access-Control-Allow-Credentials; it must be true."
        ),
    }
}

/// How a preflight allowed the method.
pub fn method_allowed(method: &str, how: MethodAllowed) -> String {
    match how {
        MethodAllowed::Listed => says!("Access-Control-Allow-Methods lists ", method, "."),
        MethodAllowed::Safelisted => says!(method, " is safelisted, so it needs no listing."),
        MethodAllowed::Wildcard => {
            says!(
                "Access-Control-Allow-Methods is * and no credentials are included, so ",
                method,
                " is allowed."
            )
        }
    }
}

/// What a request that went out carries, for people: its `Origin` (or none) and its cookies, or
/// for a preflight, what it asks about (`Origin: http://a.example · preflight for PUT`).
pub fn carried(sent: &Sent) -> String {
    let origin = sent.origin.as_deref().map_or_else(|| "no Origin".to_owned(), |o| format!("Origin: {o}"));
    let rest = if sent.preflight {
        let method = sent.access_control_request_method.as_deref().unwrap_or_default();
        match &sent.access_control_request_headers {
            Some(headers) => format!("preflight for {method} with {headers}"),
            None => format!("preflight for {method}"),
        }
    } else if sent.cookies.is_empty() {
        "no cookies".to_owned()
    } else {
        format!("Cookie: {}", sent.cookies.join(", "))
    };
    format!("{origin} · {rest}")
}

/// How long the browser caches a preflight answer, and why; `kept` is false when the page has
/// no preflight cache at all.
pub fn max_age(max_age: MaxAge, kept: bool, profile: &Profile) -> String {
    let browser = profile.name();
    let read = match max_age.sent {
        Some(sent) if sent > max_age.used => {
            says!("Access-Control-Max-Age is ", sent, ", capped at ", max_age.used, " s by ", browser)
        }
        Some(sent) => says!("Access-Control-Max-Age is ", sent),
        None if !max_age.present => "Access-Control-Max-Age is absent".to_owned(),
        None => says!(
            "Access-Control-Max-Age is not a single number of seconds (sent twice, or malformed: the spec would cache for 5), and ",
            browser,
            " reads it as ",
            max_age.used
        ),
    };
    if !kept {
        says!(
            read,
            ", but ",
            browser,
            " keeps no preflight cache for a page with an opaque origin, so the next request asks again."
        )
    } else if max_age.used == 0 && profile.cache_lookup == Lookup::Literal {
        says!(
            read,
            ", so ",
            browser,
            " caches nothing and leaves what earlier preflights to this URL cached as it was."
        )
    } else if max_age.used == 0 {
        says!(read, ", so the answer is not cached.")
    } else {
        says!(read, ", so the answer is cached for ", max_age.used, " seconds.")
    }
}

/// The sentence for the step that stopped the fetch.
pub fn failure(failure: &Failure, origin: &str, profile: &Profile) -> String {
    let browser = profile.name();
    match failure {
        Failure::Thrown(Thrown::UrlCredentials(url)) => says!(
            url,
            " has a user name or password in it, so fetch() throws a TypeError and nothing is sent: put credentials in a header such as Authorization instead."
        ),
        Failure::Thrown(Thrown::ForbiddenMethod(m)) => {
            says!(m, " is a forbidden method, so fetch() throws a TypeError and nothing is sent.")
        }
        Failure::Thrown(Thrown::NoCorsMethod(m)) => {
            says!(
                "A no-cors request may only use GET, HEAD or POST, so fetch() throws on ",
                m,
                " and nothing is sent."
            )
        }
        Failure::Scheme { scheme, no_cors: false } => {
            says!(
                "The URL's scheme is ",
                scheme,
                ":, and a cors request only goes to http and https URLs (or reads a data: URL, or with GET a blob: URL of the page's own), so the fetch fails without sending anything."
            )
        }
        Failure::Scheme { scheme, no_cors: true } => {
            says!(
                "The URL's scheme is ",
                scheme,
                ":, which fetch cannot load even in no-cors mode: only http, https and data: URLs, the page's own blob: URLs (with GET) and, in some browsers, about:blank, so the fetch fails without sending anything."
            )
        }
        Failure::SameOriginMode => {
            "The request's mode is same-origin and the URL is on another origin, so the fetch fails without sending anything.".to_owned()
        }
        Failure::NoCorsRedirectMode(mode) => says!(
            "The mode is no-cors and the redirect mode is ",
            mode.as_str(),
            ": a cross-origin no-cors request must follow redirects, so the fetch fails without sending anything."
        ),
        Failure::BadPort(port) => says!(
            "Port ",
            port,
            " is on the bad-port list (ports of other protocols, which a web page must not be able to talk to), so the fetch fails without sending anything."
        ),
        Failure::MixedContent => {
            "The page was delivered over https and the URL is plain http on a host that is not potentially trustworthy: that is mixed content, which a fetch may never load, so it fails without sending anything.".to_owned()
        }
        Failure::ConflictingLocations { values, redirect } => says!(
            "The response carries Location ",
            values.len(),
            " times with different values (",
            values.join(" and "),
            if *redirect {
                "): there is no one URL to follow, and both browsers refuse such a response as possible response splitting, so the fetch fails after the request reached the server."
            } else {
                "): both browsers refuse such a response, whatever its status, as possible response splitting, so the fetch fails after the request reached the server."
            }
        ),
        Failure::LocalNetworkInsecure(space) => says!(
            "The page is not a secure context, so it may not reach the more private ",
            space,
            " address space at all."
        ),
        Failure::LocalNetworkDenied(space) => says!(
            "The page would reach the more private ",
            space,
            " address space, and ",
            browser,
            " has no permission for that (headless ",
            browser,
            " refuses without asking)."
        ),
        Failure::UnspecifiedAddress => says!(
            "The URL names the unspecified address, which the system takes for this machine; ",
            browser,
            " never connects to it (a page could reach local services through it), so the fetch fails without sending anything."
        ),
        Failure::LocalNetworkPending(space) => says!(
            "The page would reach the more private ",
            space,
            " address space; ",
            browser,
            " holds the request until the user answers its permission prompt, so the fetch never settles."
        ),
        Failure::Preflight(PreflightFailure::Redirect { status }) => {
            says!(
                "The preflight was answered with a ",
                status,
                " redirect; a preflight never follows redirects, so it fails."
            )
        }
        Failure::Preflight(PreflightFailure::CorsCheck(f)) => cors_check_failed(f, origin, "The preflight answer"),
        Failure::Preflight(PreflightFailure::Status(status)) => {
            says!("The preflight was answered ", status, ", not an ok status (200 to 299), so it fails.")
        }
        Failure::Preflight(PreflightFailure::InvalidAllowMethods { token, .. }) => says!(
            "Access-Control-Allow-Methods holds ",
            Quoted(token),
            ", which is not a method token, so the whole answer is a network error."
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowHeaders { token, .. }) => says!(
            "Access-Control-Allow-Headers holds ",
            Quoted(token),
            ", which is not a header name, so the whole answer is a network error."
        ),
        Failure::Preflight(PreflightFailure::Method { method, wildcard_with_credentials: true }) => says!(
            "Access-Control-Allow-Methods is *, which only counts without credentials, and does not list ",
            method,
            "."
        ),
        Failure::Preflight(PreflightFailure::Method { method, .. }) => says!(
            "Access-Control-Allow-Methods does not list ",
            method,
            " (methods are compared byte for byte, case included)."
        ),
        Failure::Preflight(PreflightFailure::Header { name, wildcard_ignored: true }) if name == "authorization" => {
            "Access-Control-Allow-Headers is *, but authorization must be listed by name when credentials are included.".to_owned()
        }
        Failure::Preflight(PreflightFailure::Header { name, wildcard_ignored: true }) => says!(
            "Access-Control-Allow-Headers is *, which only counts without credentials, and does not list ",
            name,
            "."
        ),
        Failure::Preflight(PreflightFailure::Header { name, .. }) => {
            says!("Access-Control-Allow-Headers does not list ", name, ".")
        }
        Failure::RedirectCorsCheck(f) => cors_check_failed(f, origin, "The redirect response"),
        Failure::Redirect(RedirectFailure::Credentials(url)) => says!(
            "The redirect points to ",
            url,
            ", which carries a user name or password; a CORS request may not follow it."
        ),
        Failure::Redirect(RedirectFailure::BadLocation(text)) => {
            says!("The redirect's Location ", Quoted(text), " is not a URL, so the fetch fails.")
        }
        Failure::Redirect(RedirectFailure::Scheme(url)) => {
            says!("The redirect points to ", url, ", which is not an http or https URL, so the fetch fails.")
        }
        Failure::Redirect(RedirectFailure::TooMany) => {
            "The fetch was redirected more than 20 times, so it fails.".to_owned()
        }
        Failure::RedirectModeError => {
            "The request's redirect mode is error, so the redirect fails the fetch.".to_owned()
        }
        Failure::MissingHop => {
            "The exchange ends at this redirect without a next hop, so the engine cannot tell what the new URL answers; add `next` to go on.".to_owned()
        }
        Failure::Response(f) => cors_check_failed(f, origin, "The response"),
    }
}

/// What the local-network check found when it let the request through.
pub fn local_network(access: Access) -> String {
    match access {
        Access::NotRequired { page, target } if page == target => {
            says!(
                "The page and the URL are both in the ",
                page,
                " address space, so Local Network Access plays no part."
            )
        }
        Access::NotRequired { page, target } if target > page => says!(
            "The URL is in the ",
            target,
            " address space and the page in the ",
            page,
            " one: only a public page needs permission to reach a private address, so none is asked for."
        ),
        Access::NotRequired { page, target } => says!(
            "The URL is in the ",
            target,
            " address space, no more private than the page's ",
            page,
            " space, so no permission is needed."
        ),
        Access::Granted(space) => {
            says!(
                "The URL is in the more private ",
                space,
                " address space, and the user granted the page access."
            )
        }
        Access::InsecureContext(space) | Access::Denied(space) | Access::Pending(space) => {
            says!("The URL is in the more private ", space, " address space.")
        }
    }
}

/// Why a cookie was or was not attached.
pub fn cookie(name: &str, why: Why, profile: &Profile) -> String {
    let browser = profile.name();
    match why {
        Why::CredentialsMode => {
            says!(name, " stays home: the credentials mode sends no cookies to this URL.")
        }
        Why::Domain => says!(name, " stays home: its domain does not match this host."),
        Why::DomainRefused => says!(
            name,
            " cannot be in the jar: the host that set it may not use its Domain (a Domain must contain that host and not be a public suffix, unless it is the host itself), and such a cookie is refused when set."
        ),
        Why::Path => says!(name, " stays home: its path does not match this URL's path."),
        Why::Secure => says!(name, " stays home: it is Secure and this URL is neither https nor loopback."),
        Why::NoneWithoutSecure => says!(
            name,
            " cannot be in the jar: SameSite=None without Secure is refused when set, in both browsers."
        ),
        Why::Prefix if profile.host_prefix_refuses_any_domain => says!(
            name,
            " cannot be in the jar: its name prefix demands Secure (__Host- also no Domain and Path=/, __Http- also HttpOnly), and a cookie that breaks it is refused when set."
        ),
        Why::Prefix => says!(
            name,
            " cannot be in the jar: its name prefix demands Secure (__Host- also a host-only cookie and Path=/, __Http- also HttpOnly), and a cookie that breaks it is refused when set."
        ),
        Why::PartitionedWithoutSecure => says!(
            name,
            " cannot be in the jar: a Partitioned cookie must be Secure, and one that is not is refused when set."
        ),
        Why::OtherPartition => says!(name, " stays home: it is partitioned under another top-level site."),
        Why::CrossSiteAncestor => says!(
            name,
            " stays home: it is partitioned under this top-level site, but this frame has a cross-site ancestor (a sandboxed frame counts), which keys a partition of its own."
        ),
        Why::CrossSiteRequest => says!(
            name,
            " stays home: it is partitioned under this top-level site, but this request goes to another site than the top level's, which ",
            browser,
            " keys as a cross-site partition of its own (the cookie was set in a same-site one)."
        ),
        Why::SameSite => says!(
            name,
            " stays home: it is SameSite Strict or Lax, this fetch is cross-site for SameSite and it is not a top-level navigation."
        ),
        Why::LaxByDefault => says!(
            name,
            " has no SameSite, which ",
            browser,
            " treats as Lax, so this cross-site fetch leaves it home (the two-minute POST exception covers top-level navigations only, never fetch)."
        ),
        Why::ThirdPartyBlocked => {
            says!(name, " stays home: ", browser, " blocks third-party cookies on this cross-site request.")
        }
        Why::ThirdPartyPartitioned => says!(
            name,
            " stays home: ",
            browser,
            " keeps third-party cookies in the top-level site's partition, where this first-party cookie is not."
        ),
        Why::SameSiteRequest => says!(name, " is sent: the request is same-site and the cookie matches."),
        Why::FirstPartyContext => says!(
            name,
            " is sent: its SameSite lets it go cross-site, and third-party cookie rules do not apply, as the page, the URL and the top-level document share one site."
        ),
        Why::CrossSiteAllowed => {
            says!(name, " is sent: it may go cross-site and third-party cookies are allowed.")
        }
        Why::OwnPartition => says!(name, " is sent: it is partitioned under this top-level site."),
    }
}

fn byte(b: u8) -> String {
    if b.is_ascii_graphic() { ['\'', char::from(b), '\''].iter().collect() } else { format!("0x{b:02X}") }
}
