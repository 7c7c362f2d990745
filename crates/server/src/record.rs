//! Server-side truth: what reached the API and what it answered, kept in bounded rings that
//! count what they drop.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, Method, Uri};
use corslab_lab::seen::{LogPage, Seen};
use corslab_lab::state::RingStats;

/// A bounded ring: the oldest entry is dropped, and counted, to make room.
#[derive(Debug)]
pub struct Ring<T> {
    entries: VecDeque<T>,
    capacity: usize,
    dropped: u64,
    issued: u64,
}

impl<T> Ring<T> {
    /// A ring that keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self { entries: VecDeque::new(), capacity: capacity.max(1), dropped: 0, issued: 0 }
    }

    /// The next sequence number for an entry of this ring, from 1.
    pub fn next_id(&mut self) -> u64 {
        self.issued += 1;
        self.issued
    }

    /// Adds an entry, dropping the oldest when full.
    pub fn push(&mut self, entry: T) {
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter()
    }

    /// How many entries were dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Forgets every entry (the drop count too).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }

    /// Capacity, fill and drops.
    pub fn stats(&self) -> RingStats {
        RingStats { capacity: self.capacity, kept: self.entries.len(), dropped: self.dropped }
    }
}

/// The exchange log: every API request, preflights included.
#[derive(Debug)]
pub struct Log {
    ring: Mutex<Ring<Seen>>,
    next_id: AtomicU64,
}

/// What the API answered, for the log: the parts of a response the log keeps.
#[derive(Debug)]
pub struct Answered<'a> {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The policy that answered.
    pub policy: Option<&'a str>,
    /// The ledger entries the request caused.
    pub effects: Vec<u64>,
}

/// What arrived, for the log.
#[derive(Debug)]
pub struct Arrived<'a> {
    /// The id reserved for it on arrival.
    pub id: u64,
    /// Milliseconds since the lab started, on arrival.
    pub at_ms: u64,
    /// The lab host it was sent to.
    pub host: &'a str,
    /// The port it arrived on.
    pub port: u16,
    /// The method.
    pub method: &'a Method,
    /// The request target.
    pub uri: &'a Uri,
    /// The request headers.
    pub headers: &'a HeaderMap,
}

/// How many request headers one log entry keeps, and how long each value may be: a request with
/// a thousand headers must not make the log a thousand times bigger.
const MAX_HEADERS: usize = 48;
/// The request headers the engine reads to pair and explain an exchange, kept past the cap.
const CORS_REQUEST_HEADERS: [&str; 8] = [
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "content-type",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-fetch-storage-access",
];
const MAX_VALUE: usize = 512;
const MAX_TARGET: usize = 1024;

/// How many entries one page of the log holds at most.
pub const PAGE_SIZE: usize = 1000;

impl Log {
    /// A log that keeps at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { ring: Mutex::new(Ring::new(capacity)), next_id: AtomicU64::new(1) }
    }

    /// Reserves the id of a request that just arrived: ids follow arrival order, entries appear
    /// when the request is answered.
    pub fn reserve_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Records one request and its answer, and returns the entry.
    pub fn record(&self, arrived: &Arrived<'_>, answered: Answered<'_>) -> Seen {
        let seen = Seen {
            id: arrived.id,
            run: run_of(arrived.uri),
            host: arrived.host.to_owned(),
            port: arrived.port,
            at_ms: arrived.at_ms,
            method: arrived.method.as_str().to_owned(),
            target: cut(
                arrived.uri.path_and_query().map_or_else(|| arrived.uri.path(), |pq| pq.as_str()),
                MAX_TARGET,
            ),
            preflight: arrived.method == Method::OPTIONS
                && arrived.headers.contains_key("access-control-request-method"),
            request_headers: request_headers(arrived.headers),
            cookies: cookie_names(arrived.headers),
            policy: answered.policy.map(str::to_owned),
            status: answered.status,
            response_headers: pairs(answered.headers),
            effects: answered.effects,
        };
        self.lock().push(seen.clone());
        seen
    }

    /// The entries of one run (every entry when `run` is `None`) with an id above `after`:
    /// the [`PAGE_SIZE`] with the lowest ids, in id order (the order requests arrived in), so a
    /// reader pages forward with `after`. A request is listed when it is answered, so one that
    /// is answered late can still appear below an id a reader has passed: a reader that must
    /// miss nothing reads its runs, not pages of everything.
    pub fn page(&self, run: Option<&str>, after: u64) -> LogPage {
        let ring = self.lock();
        let mut entries: Vec<&Seen> =
            ring.iter().filter(|e| e.id > after && (run.is_none() || e.run.as_deref() == run)).collect();
        entries.sort_unstable_by_key(|e| e.id);
        let entries = entries.into_iter().take(PAGE_SIZE).cloned().collect();
        LogPage { dropped: ring.dropped(), entries }
    }

    /// The last id given to a request so far: every request that arrives later gets a higher one.
    pub fn last_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed).saturating_sub(1)
    }

    /// Capacity, fill and drops.
    pub fn stats(&self) -> RingStats {
        self.lock().stats()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring<Seen>> {
        self.ring.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The `run` query parameter of a URI.
pub fn run_of(uri: &Uri) -> Option<String> {
    query_param(uri.query(), "run").map(|run| cut(&run, 128))
}

/// A query parameter, percent-decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Names of the cookies a request carried.
pub fn cookie_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty())
        .take(MAX_HEADERS)
        .map(|name| cut(name, 64))
        .collect()
}

/// The request headers worth keeping: all but the noise every request has, with the cookie
/// jar reduced to names (in `cookies`) and credentials to their scheme. Past [`MAX_HEADERS`],
/// only the headers the CORS protocol reads are kept ([`CORS_REQUEST_HEADERS`]), so a request
/// padded with others is still logged with its `Origin`.
fn request_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut others = 0;
    headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "cookie" | "host" | "connection" | "accept-encoding" | "user-agent" | "content-length"
            )
        })
        .filter(|(name, _)| {
            let vital = CORS_REQUEST_HEADERS.contains(&name.as_str());
            others += usize::from(!vital);
            vital || others <= MAX_HEADERS
        })
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = if name == "authorization" {
                // Keep the scheme only: the token is a secret even in a lab.
                format!("{} (redacted)", value.split_whitespace().next().unwrap_or(""))
            } else {
                cut(&value, MAX_VALUE)
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| name.as_str() != "set-cookie")
        .take(MAX_HEADERS)
        .map(|(n, v)| (n.as_str().to_owned(), cut(&String::from_utf8_lossy(v.as_bytes()), MAX_VALUE)))
        .collect()
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(log: &Log, uri: &str, headers: &HeaderMap) -> Seen {
        let uri: Uri = uri.parse().unwrap();
        let arrived = Arrived {
            id: log.reserve_id(),
            at_ms: 0,
            host: "api.fintrack.localhost",
            port: 8080,
            method: &Method::GET,
            uri: &uri,
            headers,
        };
        log.record(
            &arrived,
            Answered { status: 200, headers: &HeaderMap::new(), policy: None, effects: vec![] },
        )
    }

    #[test]
    fn the_ring_drops_the_oldest_and_counts_it() {
        let log = Log::new(2);
        for _ in 0..3 {
            record(&log, "/me/balance?run=r1", &HeaderMap::new());
        }
        let page = log.page(Some("r1"), 0);
        assert_eq!(page.dropped, 1);
        assert_eq!(page.entries.iter().map(|e| e.id).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(log.page(Some("r1"), 2).entries.len(), 1);
        assert!(log.page(Some("other"), 0).entries.is_empty());
    }

    #[test]
    fn cookies_become_names_and_credentials_their_scheme() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "session=abc; theme=dark".parse().unwrap());
        headers.insert("authorization", "Bearer s3cret".parse().unwrap());
        headers.insert("x-long", "a".repeat(5000).parse().unwrap());
        let seen = record(&Log::new(4), "/me/balance?run=a%20b", &headers);
        assert_eq!(seen.cookies, vec!["session", "theme"]);
        assert_eq!(seen.request_header("authorization"), Some("Bearer (redacted)"));
        assert!(seen.request_header("cookie").is_none());
        assert!(seen.request_header("x-long").unwrap().len() < 600);
        assert_eq!(seen.run.as_deref(), Some("a b"));
    }

    #[test]
    fn a_flood_of_headers_keeps_the_entry_bounded() {
        let mut headers = HeaderMap::new();
        for i in 0..500 {
            headers
                .insert(axum::http::HeaderName::try_from(format!("x-h{i}")).unwrap(), "v".parse().unwrap());
        }
        assert_eq!(record(&Log::new(1), "/", &headers).request_headers.len(), MAX_HEADERS);
        // An Origin behind the flood is still logged, so the exchange is not read as having none.
        headers.insert("origin", "http://free-crypto-giveaway.localhost:8080".parse().unwrap());
        let seen = record(&Log::new(1), "/", &headers);
        assert_eq!(seen.request_header("origin"), Some("http://free-crypto-giveaway.localhost:8080"));
        assert_eq!(seen.request_headers.len(), MAX_HEADERS + 1);
    }
}
