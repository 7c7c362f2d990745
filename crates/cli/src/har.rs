//! HAR files exported by Chromium's or Firefox's DevTools, turned into Exchanges: every
//! cross-origin entry, its preflight paired with it, its redirects chained as `next` hops, and
//! a sentence for each fact a HAR does not record and what was assumed instead.

use corslab_engine::Browser;
use corslab_engine::exchange::{
    Answer, Cookie, CredentialsMode, Exchange, Hop, RedirectMode, Request, RequestMode, SameSite, Settings,
    ThirdPartyCookies,
};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::request::is_forbidden_request_header;
use corslab_engine::safelist::is_cors_safelisted_request_header;
use corslab_engine::url::Url;
use serde_json::Value;

use crate::explain::{BadInput, Item};

/// One HAR entry, read once.
#[derive(Debug)]
struct Entry {
    index: usize,
    method: String,
    url: Url,
    request: Vec<(String, String)>,
    status: u16,
    response: Vec<(String, String)>,
    redirect_url: Option<String>,
    page_url: Option<String>,
}

/// The Exchanges of a HAR log (`{"log": {"entries": [...]}}`).
pub fn items(har: &Value) -> Result<Vec<Item>, BadInput> {
    let log = &har["log"];
    let Some(raw) = log["entries"].as_array() else {
        return Err(BadInput(
            "log.entries: a HAR file needs an entries array; export it again from the Network panel"
                .to_owned(),
        ));
    };
    let browser = browser_of(log);
    let pages: Vec<(String, String)> = log["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?.to_owned(), p["title"].as_str()?.to_owned())))
        .collect();
    let mut entries = Vec::new();
    for (index, e) in raw.iter().enumerate() {
        entries.push(entry(index, e, &pages)?);
    }
    let mut used = vec![false; entries.len()];
    let mut items = Vec::new();
    for i in 0..entries.len() {
        let e = &entries[i];
        if used[i] || is_preflight(e) {
            continue;
        }
        let mut assumed = Vec::new();
        let Some(page) = page_origin(e, &mut assumed) else { continue };
        if page.same_origin(&Origin::of(&e.url)) && e.redirect_url.is_none() {
            continue;
        }
        let mode = match header(&e.request, "sec-fetch-mode") {
            Some("navigate") => continue,
            Some("no-cors") => RequestMode::NoCors,
            Some("same-origin") => RequestMode::SameOrigin,
            Some(_) => RequestMode::Cors,
            None if header(&e.request, "origin").is_some() => {
                assumed.push("The HAR does not record the request mode; an Origin header was sent, so cors mode is assumed.".to_owned());
                RequestMode::Cors
            }
            None => {
                assumed.push("The HAR does not record the request mode; no Origin header was sent, so no-cors mode is assumed.".to_owned());
                RequestMode::NoCors
            }
        };
        used[i] = true;
        let preflight = take_preflight(&entries, &mut used, i);
        let chain = take_chain(&entries, &mut used, i);
        let cookies_sent: Vec<String> = header(&e.request, "cookie").map(cookie_names).unwrap_or_default();
        let credentials = if !cookies_sent.is_empty() {
            assumed.push("The HAR does not record the credentials mode; the request carried cookies, so credentials: include is assumed.".to_owned());
            CredentialsMode::Include
        } else {
            assumed.push("The HAR does not record the credentials mode and the request carried no cookies, so the default same-origin is assumed.".to_owned());
            CredentialsMode::SameOrigin
        };
        let cross_site = !page.site().same_site(&Origin::of(&e.url).site());
        let jar = jar_for(&e.url, &cookies_sent, cross_site);
        if !jar.is_empty() {
            assumed.push(format!(
                "The HAR shows the cookies sent ({}), not the jar; each is assumed to be a host-only cookie of {} that the browser chose to send.",
                cookies_sent.join(", "),
                e.url.host_str().unwrap_or_default()
            ));
        }
        let settings = Settings {
            third_party_cookies: if cross_site && !jar.is_empty() {
                ThirdPartyCookies::Allowed
            } else {
                ThirdPartyCookies::Default
            },
            ..Settings::default()
        };
        if cross_site && !jar.is_empty() {
            assumed.push("Cookies went to a cross-site URL, so third-party cookies are assumed to be allowed in this browser.".to_owned());
        }
        let headers = script_headers(e, preflight.map(|p| &entries[p]), &mut assumed);
        if preflight.is_none() && header(&e.request, "origin").is_some() && needs_preflight(e, &headers) {
            assumed.push("No preflight appears in the HAR for a request that needs one; it may have been answered from the preflight cache, and is assumed to have passed.".to_owned());
        }
        if e.status == 0 {
            assumed.push("The HAR records no response (status 0, typically a blocked request); the answer is taken as having no headers.".to_owned());
        }
        let method = Method::new(&e.method)
            .map_err(|err| BadInput(format!("log.entries[{}].request.method: {err}", e.index)))?;
        let request = Request {
            method,
            url: e.url.clone(),
            headers,
            mode,
            credentials,
            redirect: RedirectMode::Follow,
        };
        let exchange = Exchange {
            browser,
            page,
            top_level: None,
            settings,
            request,
            cookies: jar,
            preflight: preflight.map(|p| answer(&entries[p])),
            response: answer(e),
            next: next_hops(&entries, &chain),
        };
        assumed.push("The HAR does not say whether the page was top-level; it is assumed to be.".to_owned());
        items.push(Item {
            label: format!("{} {} (HAR entry {})", e.method, e.url, e.index),
            exchange,
            assumed,
        });
    }
    if items.is_empty() {
        return Err(BadInput("the HAR holds no cross-origin request to explain; record the page again with the Network panel open".to_owned()));
    }
    Ok(items)
}

fn entry(index: usize, e: &Value, pages: &[(String, String)]) -> Result<Entry, BadInput> {
    let at = |field: &str| format!("log.entries[{index}].{field}");
    let url_text = e["request"]["url"]
        .as_str()
        .ok_or_else(|| BadInput(format!("{}: expected the request URL as a string", at("request.url"))))?;
    let url = Url::parse(url_text)
        .map_err(|err| BadInput(format!("{}: {url_text:?} is not a URL ({err})", at("request.url"))))?;
    let method = e["request"]["method"].as_str().unwrap_or("GET").to_owned();
    let status = e["response"]["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
    let redirect_url = e["response"]["redirectURL"].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let page_url = e["pageref"]
        .as_str()
        .and_then(|id| pages.iter().find(|(p, _)| p == id))
        .map(|(_, title)| title.clone());
    Ok(Entry {
        index,
        method,
        url,
        request: pairs(&e["request"]["headers"]),
        status,
        response: pairs(&e["response"]["headers"]),
        redirect_url,
        page_url,
    })
}

fn pairs(headers: &Value) -> Vec<(String, String)> {
    headers
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h["name"].as_str()?.to_owned(), h["value"].as_str()?.to_owned())))
        // HTTP/2 pseudo-headers are not headers.
        .filter(|(name, _)| !name.starts_with(':'))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn is_preflight(e: &Entry) -> bool {
    e.method == "OPTIONS" && header(&e.request, "access-control-request-method").is_some()
}

fn browser_of(log: &Value) -> Browser {
    let name = [&log["browser"]["name"], &log["creator"]["name"]]
        .iter()
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    if name.contains("firefox") { Browser::Firefox } else { Browser::Chromium }
}

/// The page's origin: the `Origin` header, else the page the entry belongs to, else the referrer.
fn page_origin(e: &Entry, assumed: &mut Vec<String>) -> Option<Origin> {
    if let Some(origin) = header(&e.request, "origin").and_then(|o| Origin::parse(o).ok()) {
        return Some(origin);
    }
    let from_url = |u: &str| Url::parse(u).ok().map(|u| Origin::of(&u)).filter(|o| !o.is_opaque());
    if let Some(origin) = e.page_url.as_deref().and_then(from_url) {
        assumed.push(format!(
            "No Origin header was sent; the page's origin {origin} is taken from the HAR's page."
        ));
        return Some(origin);
    }
    let origin = header(&e.request, "referer").and_then(from_url)?;
    assumed.push(format!("No Origin header was sent; the page's origin {origin} is taken from the Referer."));
    Some(origin)
}

/// The preflight for entry `i`: the latest unused OPTIONS before it for the same URL and method.
fn take_preflight(entries: &[Entry], used: &mut [bool], i: usize) -> Option<usize> {
    let e = &entries[i];
    let found = (0..entries.len()).filter(|&j| !used[j] && is_preflight(&entries[j])).find(|&j| {
        let p = &entries[j];
        p.url == e.url && header(&p.request, "access-control-request-method") == Some(e.method.as_str())
    })?;
    used[found] = true;
    Some(found)
}

/// The entries a redirect chain starting at `i` leads through, each with its preflight.
fn take_chain(entries: &[Entry], used: &mut [bool], i: usize) -> Vec<(usize, Option<usize>)> {
    let mut chain = Vec::new();
    let mut at = i;
    while let Some(target) = entries[at].redirect_url.as_deref().and_then(|r| entries[at].url.join(r).ok()) {
        let Some(next) = (at + 1..entries.len())
            .find(|&j| !used[j] && !is_preflight(&entries[j]) && entries[j].url == target)
        else {
            break;
        };
        used[next] = true;
        let preflight = take_preflight(entries, used, next);
        chain.push((next, preflight));
        at = next;
    }
    chain
}

fn next_hops(entries: &[Entry], chain: &[(usize, Option<usize>)]) -> Option<Box<Hop>> {
    let ((first, preflight), rest) = chain.split_first()?;
    Some(Box::new(Hop {
        preflight: preflight.map(|p| answer(&entries[p])),
        response: answer(&entries[*first]),
        next: next_hops(entries, rest),
    }))
}

fn answer(e: &Entry) -> Answer {
    let mut headers: HeaderList = e.response.iter().filter_map(|(n, v)| Header::new(n, v).ok()).collect();
    // Chromium's HAR keeps the redirect target in redirectURL as well as in Location.
    if let Some(location) = &e.redirect_url
        && !headers.contains("Location")
        && let Ok(header) = Header::new("Location", location)
    {
        headers.append(header);
    }
    Answer { status: e.status, headers }
}

/// The headers the script itself set: those the preflight asked about, plus safelisted ones the
/// browser never adds on its own. Browser-added headers (Accept, User-Agent, Sec-*) are left out.
fn script_headers(e: &Entry, preflight: Option<&Entry>, assumed: &mut Vec<String>) -> HeaderList {
    let asked: Vec<String> = preflight
        .and_then(|p| header(&p.request, "access-control-request-headers"))
        .map(|v| v.split(',').map(|n| n.trim().to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let mut list = HeaderList::new();
    for (name, value) in &e.request {
        let Ok(header) = Header::new(name, value) else { continue };
        if is_forbidden_request_header(&header.name, &header.value) {
            continue;
        }
        let lower = header.name.to_lowercase();
        let set_by_script = asked.contains(&lower)
            || (matches!(lower.as_str(), "content-type" | "content-language" | "range")
                && is_cors_safelisted_request_header(&header));
        if set_by_script {
            list.append(header);
        }
    }
    assumed.push(if preflight.is_some() {
        "The HAR mixes the script's headers with the browser's; the script's are taken to be those the preflight asked about, plus Content-Type, Content-Language and Range.".to_owned()
    } else {
        "The HAR mixes the script's headers with the browser's; Accept, Accept-Language and User-Agent are assumed to be the browser's own.".to_owned()
    });
    list
}

fn needs_preflight(e: &Entry, headers: &HeaderList) -> bool {
    let unsafe_names = corslab_engine::safelist::cors_unsafe_request_header_names(headers);
    Method::new(&e.method).is_ok_and(|m| corslab_engine::preflight::is_needed(&m.normalize(), &unsafe_names))
}

fn cookie_names(value: &str) -> Vec<String> {
    value
        .split(';')
        .filter_map(|pair| pair.split('=').next())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

/// A jar that reproduces the cookies the HAR shows as sent.
fn jar_for(url: &Url, names: &[String], cross_site: bool) -> Vec<Cookie> {
    let host = url.host_str().unwrap_or_default().to_owned();
    names
        .iter()
        .map(|name| Cookie {
            name: name.clone(),
            host: host.clone(),
            domain: None,
            path: "/".to_owned(),
            // A cookie that went cross-site must have been SameSite=None (and so Secure).
            same_site: cross_site.then_some(SameSite::None),
            secure: cross_site,
            http_only: false,
            partition: None,
            age_s: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn har(entries: Value) -> Value {
        let mut har = serde_json::json!({ "log": { "version": "1.2", "creator": { "name": "WebInspector", "version": "537.36" } } });
        har["log"]["entries"] = entries;
        har
    }

    fn entry(method: &str, url: &str, req: Value, status: u64, resp: Value) -> Value {
        let mut entry = serde_json::json!({ "request": { "method": method, "url": url }, "response": { "status": status, "redirectURL": "" } });
        entry["request"]["headers"] = req;
        entry["response"]["headers"] = resp;
        entry
    }

    #[test]
    fn pairs_a_preflight_with_its_request() {
        let origin = serde_json::json!({ "name": "Origin", "value": "http://blog.fintrack.localhost:8080" });
        let value = har(serde_json::json!([
            entry(
                "OPTIONS",
                "http://api.fintrack.localhost:8080/me",
                serde_json::json!([origin, { "name": "Access-Control-Request-Method", "value": "PUT" }, { "name": "Access-Control-Request-Headers", "value": "x-csrf" }]),
                204,
                serde_json::json!([{ "name": "Access-Control-Allow-Origin", "value": "http://blog.fintrack.localhost:8080" }, { "name": "Access-Control-Allow-Methods", "value": "PUT" }])
            ),
            entry(
                "PUT",
                "http://api.fintrack.localhost:8080/me",
                serde_json::json!([origin, { "name": "X-Csrf", "value": "1" }, { "name": "Accept", "value": "*/*" }, { "name": "Sec-Fetch-Mode", "value": "cors" }]),
                200,
                serde_json::json!([{ "name": "Access-Control-Allow-Origin", "value": "http://blog.fintrack.localhost:8080" }])
            ),
        ]));
        let items = items(&value).unwrap();
        assert_eq!(items.len(), 1, "the preflight is not explained on its own");
        let exchange = &items[0].exchange;
        assert!(exchange.preflight.is_some());
        assert_eq!(exchange.request.headers.len(), 1, "only X-Csrf was set by the script");
        let verdict = corslab_engine::explain(exchange);
        assert_eq!(verdict.reason.as_deref(), Some("HeaderDisallowedByPreflightResponse"));
        assert!(items[0].assumed.iter().any(|a| a.contains("credentials mode")));
    }

    #[test]
    fn skips_same_origin_and_navigation_entries() {
        let value = har(serde_json::json!([entry(
            "GET",
            "http://a.localhost/",
            serde_json::json!([{ "name": "Sec-Fetch-Mode", "value": "navigate" }, { "name": "Origin", "value": "http://b.localhost" }]),
            200,
            serde_json::json!([])
        ),]));
        assert!(items(&value).is_err());
    }

    #[test]
    fn chains_redirects_into_next_hops() {
        let origin = serde_json::json!({ "name": "Origin", "value": "http://blog.fintrack.localhost:8080" });
        let mut first = entry(
            "GET",
            "http://api.fintrack.localhost:8080/old",
            serde_json::json!([origin]),
            302,
            serde_json::json!([{ "name": "Access-Control-Allow-Origin", "value": "http://blog.fintrack.localhost:8080" }]),
        );
        first["response"]["redirectURL"] = Value::from("http://partner.localhost:8080/new");
        let value = har(serde_json::json!([
            first,
            entry(
                "GET",
                "http://partner.localhost:8080/new",
                serde_json::json!([{ "name": "Origin", "value": "null" }]),
                200,
                serde_json::json!([{ "name": "Access-Control-Allow-Origin", "value": "null" }])
            )
        ]));
        let items = items(&value).unwrap();
        assert_eq!(items.len(), 1);
        assert!(items[0].exchange.next.is_some());
        assert_eq!(corslab_engine::explain(&items[0].exchange).read, corslab_engine::Read::Allowed);
    }

    #[test]
    fn entries_without_a_url_are_named() {
        let value =
            har(serde_json::json!([{ "request": { "method": "GET" }, "response": { "status": 200 } }]));
        let BadInput(message) = items(&value).unwrap_err();
        assert!(message.starts_with("log.entries[0].request.url"), "{message}");
    }
}
