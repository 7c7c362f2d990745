//! Following a redirect: credentials in `Location`, 303 turning a POST into a GET, `Authorization`
//! dropped across origins, and the taint that makes the `Origin` header `null`.

use url::Url;

use crate::exchange::{Answer, RequestMode};
use crate::header::HeaderList;
use crate::method::Method;
use crate::origin::Origin;

/// How a response is shared with the script, decided by main fetch.
///
/// <https://fetch.spec.whatwg.org/#concept-request-response-tainting>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tainting {
    /// Same-origin: the script sees the response.
    Basic,
    /// Cross-origin through the CORS protocol.
    Cors,
    /// Cross-origin `no-cors`: the script sees nothing.
    Opaque,
}

/// The request as it stands when a redirect arrives.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// The page's origin (the request's origin).
    pub origin: &'a Origin,
    /// The URL that answered with the redirect.
    pub url: &'a Url,
    /// The method used.
    pub method: &'a Method,
    /// The headers sent.
    pub headers: &'a HeaderList,
    /// The request mode.
    pub mode: RequestMode,
    /// The response tainting so far.
    pub tainting: Tainting,
    /// Whether the origin is already tainted.
    pub tainted: bool,
    /// Redirects followed so far.
    pub count: u32,
}

/// The request after following a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The new URL.
    pub url: Url,
    /// The method from now on.
    pub method: Method,
    /// The headers from now on.
    pub headers: HeaderList,
    /// Whether the origin is tainted from now on.
    pub tainted: bool,
    /// Whether this redirect is the one that tainted it.
    pub newly_tainted: bool,
    /// The method before, when this redirect changed it to `GET`.
    pub method_changed_from: Option<Method>,
    /// Whether the redirect leaves the origin of the URL that answered it.
    pub crosses_origins: bool,
    /// Whether `Authorization` was removed because the redirect crossed origins.
    pub authorization_dropped: bool,
    /// Redirects followed, this one included.
    pub count: u32,
}

/// Why a redirect cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectFailure {
    /// `Location` does not parse as a URL.
    BadLocation(String),
    /// `Location` is not an HTTP(S) URL.
    Scheme(Url),
    /// More than 20 redirects.
    TooMany,
    /// `Location` carries a user name or password on a cross-origin CORS request.
    Credentials(Url),
}

/// The most redirects a fetch follows.
pub const MAX_REDIRECTS: u32 = 20;

/// The `Location` of a redirect response, resolved against the URL that answered: `None` when
/// the response has no redirect status or no `Location`. A redirect status alone still makes
/// the redirect modes `error` and `manual` apply (HTTP fetch); only following needs a Location.
///
/// <https://fetch.spec.whatwg.org/#concept-response-location-url>
pub fn location(answer: &Answer, base: &Url) -> Option<Result<Url, String>> {
    // Step 1: no Location without a redirect status.
    if !answer.is_redirect() {
        return None;
    }
    // Step 2: the header's value; repeats of one value read as that value
    // (`conflicting_locations` refuses the rest).
    let text = answer.headers.values("Location").next()?.to_text();
    // Step 3: parse the value relative to the response's URL.
    let Ok(mut location) = base.join(&text) else {
        return Some(Err(text));
    };
    // Step 4: a Location without a fragment keeps the request's.
    if location.fragment().is_none() {
        location.set_fragment(base.fragment());
    }
    Some(Ok(location))
}

/// The `Location` values of a response when they differ. Both browsers' HTTP layer refuses such
/// a response outright, whatever its status, as a sign of response splitting (measured by the
/// differential matrix). For a redirect the spec agrees: `Location` takes a single value, so a
/// second one makes the location URL a failure and the fetch a network error; both browsers
/// read identical repeats as one value instead.
///
/// <https://fetch.spec.whatwg.org/#concept-response-location-url>
pub fn conflicting_locations(answer: &Answer) -> Option<Vec<String>> {
    let mut values = answer.headers.values("Location");
    let first = values.next()?;
    if values.all(|value| value == first) {
        return None;
    }
    Some(answer.headers.values("Location").map(|value| value.to_text()).collect())
}

/// Whether `location` carries a user name or password that this request may not follow:
/// a CORS request to another origin, or any request whose response tainting is already cors.
///
/// <https://fetch.spec.whatwg.org/#http-redirect-fetch>
pub fn refuses_credentials(current: &Current<'_>, location: &Url) -> bool {
    // Step 9: a CORS request may not be sent with credentials in a cross-origin URL.
    // Step 10: nor may any request whose response tainting is already cors.
    crate::request::includes_credentials(location)
        && ((current.mode == RequestMode::Cors && !current.origin.same_origin(&Origin::of(location)))
            || current.tainting == Tainting::Cors)
}

/// Whether a redirect from a URL of origin `here` to one of origin `there` taints the origin of
/// a request from `origin`: it leaves a URL cross-origin to the request's origin for yet another
/// origin. From then on the request's `Origin` is `null`.
///
/// <https://fetch.spec.whatwg.org/#http-redirect-fetch> (step 16)
pub fn taints(origin: &Origin, here: &Origin, there: &Origin) -> bool {
    !here.same_origin(there) && !origin.same_origin(here)
}

/// Follows a redirect to `location`.
///
/// <https://fetch.spec.whatwg.org/#http-redirect-fetch>
pub fn follow(current: Current<'_>, status: u16, location: Url) -> Result<Followed, RedirectFailure> {
    // Step 6: only HTTP(S) URLs.
    if !crate::request::is_http_scheme(&location) {
        return Err(RedirectFailure::Scheme(location));
    }
    // Steps 7-8: at most 20 redirects.
    if current.count >= MAX_REDIRECTS {
        return Err(RedirectFailure::TooMany);
    }
    if refuses_credentials(&current, &location) {
        return Err(RedirectFailure::Credentials(location));
    }
    let target = Origin::of(&location);
    // Step 12: 301/302 turn a POST into a GET, and 303 turns anything but GET/HEAD into a GET;
    // the body and its headers go.
    let method = current.method.as_str();
    let to_get = (matches!(status, 301 | 302) && method == "POST")
        || (status == 303 && !matches!(method, "GET" | "HEAD"));
    let mut headers = current.headers.clone();
    let method_changed_from = to_get.then(|| current.method.clone());
    if to_get {
        for name in ["Content-Encoding", "Content-Language", "Content-Location", "Content-Type"] {
            headers.delete(name);
        }
    }
    // Step 13: a cross-origin redirect removes `Authorization`.
    let here = Origin::of(current.url);
    let crosses = !here.same_origin(&target);
    let authorization_dropped = crosses && headers.contains("Authorization");
    if crosses {
        headers.delete("Authorization");
    }
    let newly_tainted = !current.tainted && taints(current.origin, &here, &target);
    Ok(Followed {
        url: location,
        method: if to_get { Method::get() } else { current.method.clone() },
        headers,
        tainted: current.tainted || newly_tainted,
        newly_tainted,
        method_changed_from,
        crosses_origins: crosses,
        authorization_dropped,
        count: current.count + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Header;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn current<'a>(
        origin: &'a Origin,
        at: &'a Url,
        method: &'a Method,
        headers: &'a HeaderList,
        tainting: Tainting,
    ) -> Current<'a> {
        Current {
            origin,
            url: at,
            method,
            headers,
            mode: RequestMode::Cors,
            tainting,
            tainted: false,
            count: 0,
        }
    }

    #[test]
    fn cross_origin_redirect_from_a_cross_origin_url_taints() {
        let page = Origin::parse("http://a.localhost").unwrap();
        let at = url("http://b.localhost/r");
        let (m, h) = (Method::get(), HeaderList::new());
        let to_c =
            follow(current(&page, &at, &m, &h, Tainting::Cors), 302, url("http://c.localhost/")).unwrap();
        assert!(to_c.newly_tainted);
        let same =
            follow(current(&page, &at, &m, &h, Tainting::Cors), 302, url("http://b.localhost/x")).unwrap();
        assert!(!same.tainted);
        let home =
            follow(current(&page, &at, &m, &h, Tainting::Cors), 302, url("http://a.localhost/x")).unwrap();
        assert!(home.tainted, "back to the page's origin still taints");
        let local = url("http://a.localhost/r");
        let out =
            follow(current(&page, &local, &m, &h, Tainting::Basic), 302, url("http://b.localhost/")).unwrap();
        assert!(!out.tainted, "leaving the page's own origin does not taint");
    }

    #[test]
    fn see_other_turns_post_into_get_and_drops_body_headers() {
        let page = Origin::parse("http://a.localhost").unwrap();
        let at = url("http://b.localhost/r");
        let post = Method::new("POST").unwrap();
        let headers: HeaderList =
            [Header::new("Content-Type", "text/plain").unwrap(), Header::new("Authorization", "x").unwrap()]
                .into_iter()
                .collect();
        let followed =
            follow(current(&page, &at, &post, &headers, Tainting::Cors), 303, url("http://c.localhost/"))
                .unwrap();
        assert_eq!(followed.method.as_str(), "GET");
        assert!(followed.headers.is_empty());
        assert!(followed.authorization_dropped);
        let put = Method::new("PUT").unwrap();
        let kept =
            follow(current(&page, &at, &put, &headers, Tainting::Cors), 307, url("http://b.localhost/x"))
                .unwrap();
        assert_eq!(kept.method.as_str(), "PUT");
        assert_eq!(kept.headers.len(), 2);
    }

    #[test]
    fn credentials_in_location_fail_for_cors() {
        let page = Origin::parse("http://a.localhost").unwrap();
        let (m, h) = (Method::get(), HeaderList::new());
        let local = url("http://a.localhost/r");
        let remote = url("http://b.localhost/r");
        assert!(
            follow(current(&page, &local, &m, &h, Tainting::Basic), 302, url("http://user:pw@b.localhost/"))
                .is_err()
        );
        assert!(
            follow(current(&page, &remote, &m, &h, Tainting::Cors), 302, url("http://user:pw@a.localhost/"))
                .is_err()
        );
        assert!(
            follow(current(&page, &local, &m, &h, Tainting::Basic), 302, url("http://user:pw@a.localhost/"))
                .is_ok()
        );
    }

    #[test]
    fn location_resolves_relative_urls() {
        let answer = Answer {
            status: 302,
            headers: [Header::new("Location", "/next").unwrap()].into_iter().collect(),
        };
        assert_eq!(
            location(&answer, &url("http://b.localhost/r")).unwrap().unwrap().as_str(),
            "http://b.localhost/next"
        );
        assert!(
            location(&Answer { status: 200, headers: answer.headers }, &url("http://b.localhost/")).is_none()
        );
    }

    #[test]
    fn location_without_a_fragment_keeps_the_requests() {
        let redirect = |to: &str| Answer {
            status: 302,
            headers: [Header::new("Location", to).unwrap()].into_iter().collect(),
        };
        let at = url("http://b.localhost/r#section");
        assert_eq!(
            location(&redirect("/next"), &at).unwrap().unwrap().as_str(),
            "http://b.localhost/next#section"
        );
        assert_eq!(
            location(&redirect("/next#own"), &at).unwrap().unwrap().as_str(),
            "http://b.localhost/next#own"
        );
        assert_eq!(location(&redirect("/next#"), &at).unwrap().unwrap().as_str(), "http://b.localhost/next#");
    }
}
