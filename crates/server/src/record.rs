//! Server-side truth: what reached the API and what it answered, kept in bounded rings that
//! count what they drop.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, Method, Uri};
use corslab_engine::header::decode;
use corslab_lab::seen::{LogPage, Seen};
use corslab_lab::state::RingStats;

/// A bounded ring: the oldest entries are dropped, and counted, to make room. It is bounded by
/// entries and, when entries are weighed ([`Ring::push_weighed`]), by bytes too.
#[derive(Debug)]
pub struct Ring<T> {
    entries: VecDeque<(T, usize)>,
    capacity: usize,
    budget: usize,
    bytes: usize,
    dropped: u64,
    issued: u64,
}

impl<T> Ring<T> {
    /// A ring that keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self::with_budget(capacity, usize::MAX)
    }

    /// A ring that keeps at most `capacity` entries (at least one) weighing at most `budget`
    /// bytes together (the newest entry is always kept, whatever it weighs).
    pub fn with_budget(capacity: usize, budget: usize) -> Self {
        Self { entries: VecDeque::new(), capacity: capacity.max(1), budget, bytes: 0, dropped: 0, issued: 0 }
    }

    /// The next sequence number for an entry of this ring, from 1. Take it only for an entry
    /// that is pushed right after, so the ids of the ring have no gaps its drop count does not
    /// explain.
    pub fn next_id(&mut self) -> u64 {
        self.issued += 1;
        self.issued
    }

    /// Adds an entry, dropping the oldest when full.
    pub fn push(&mut self, entry: T) {
        self.push_weighed(entry, 0);
    }

    /// Adds an entry that weighs `bytes`, dropping the oldest while the ring holds too many
    /// entries or too many bytes.
    pub fn push_weighed(&mut self, entry: T, bytes: usize) {
        while !self.entries.is_empty()
            && (self.entries.len() >= self.capacity || self.bytes.saturating_add(bytes) > self.budget)
        {
            if let Some((_, weight)) = self.entries.pop_front() {
                self.bytes -= weight;
                self.dropped += 1;
            }
        }
        self.bytes += bytes;
        self.entries.push_back((entry, bytes));
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(entry, _)| entry)
    }

    /// The entries with their weights, oldest first.
    fn weighed(&self) -> impl Iterator<Item = (&T, usize)> {
        self.entries.iter().map(|(entry, bytes)| (entry, *bytes))
    }

    /// How many entries were dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many bytes the entries weigh together.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every entry (the drop count too).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
        self.dropped = 0;
    }

    /// Capacity, fill and drops.
    pub fn stats(&self) -> RingStats {
        RingStats { capacity: self.capacity, kept: self.entries.len(), dropped: self.dropped }
    }
}

/// The exchange log: every API request, preflights included, bounded by entries and by bytes.
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

/// The most bytes a request head (request line and headers) may take: hyper answers a longer
/// one `431` before the lab sees it. Set on every connection ([`crate::serve`]); 64 KiB is four
/// times what Node.js accepts and far above what a browser sends to the lab, and it lets the log
/// keep every header value whole, as it arrived.
pub const HEAD_LIMIT: usize = 64 * 1024;

/// The most one log entry weighs ([`weight`]): twice [`HEAD_LIMIT`], so the request's own
/// headers, its target and its cookie names always fit whole, and so does what the lab answers
/// (which reflects at most a few of the request's values). Headers that do not fit are left out
/// whole, never cut, the headers the CORS protocol reads first.
pub const ENTRY_BYTES: usize = 2 * HEAD_LIMIT;

/// The most the whole log weighs. A browser's request weighs about 1.5 KiB in the log, so the
/// 10 000 entries the log keeps by default take about 15 MiB and the entry count stays the bound
/// in use; a client that floods the lab with large heads meets this one instead, which evicts
/// the oldest entries past 32 MiB (at least 256 entries of the largest kind stay).
pub const LOG_BYTES: usize = 32 * 1024 * 1024;

/// How many entries one page of the log holds at most.
pub const PAGE_SIZE: usize = 1000;

/// How many bytes one page of the log holds at most (it always holds at least one entry, so a
/// reader paging with `after` goes on). 1 000 browser requests weigh about 1.5 MiB, so only a
/// page of unusually large entries is cut short by bytes rather than by count.
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;
const _: () = assert!(ENTRY_BYTES < PAGE_BYTES, "one entry must never outweigh a page");

/// How long a run id the log keeps: a longer one is kept as its first 256 bytes and `…`, and a
/// query for it is cut the same way ([`run_key`]), so it is still found.
const MAX_RUN: usize = 256;

/// The request headers the engine reads to pair and explain an exchange: they are kept first
/// when an entry is too large to keep every header.
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

/// What a `String` and a `(String, String)` cost beside their bytes, for [`weight`].
const STRING_COST: usize = size_of::<String>();

impl Log {
    /// A log that keeps at most `capacity` entries, weighing at most [`LOG_BYTES`] together.
    pub fn new(capacity: usize) -> Self {
        Self::with_budget(capacity, LOG_BYTES)
    }

    /// A log that keeps at most `capacity` entries weighing at most `budget` bytes together.
    pub fn with_budget(capacity: usize, budget: usize) -> Self {
        Self { ring: Mutex::new(Ring::with_budget(capacity, budget)), next_id: AtomicU64::new(1) }
    }

    /// Reserves the id of a request that just arrived: ids follow arrival order, entries appear
    /// when the request is answered.
    pub fn reserve_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Records one request and its answer, and returns the entry.
    pub fn record(&self, arrived: &Arrived<'_>, answered: Answered<'_>) -> Seen {
        let mut seen = Seen {
            id: arrived.id,
            run: run_of(arrived.uri),
            host: arrived.host.to_owned(),
            port: arrived.port,
            at_ms: arrived.at_ms,
            method: arrived.method.as_str().to_owned(),
            target: arrived
                .uri
                .path_and_query()
                .map_or_else(|| arrived.uri.path(), |pq| pq.as_str())
                .to_owned(),
            preflight: arrived.method == Method::OPTIONS
                && arrived.headers.contains_key("access-control-request-method"),
            request_headers: Vec::new(),
            cookies: Vec::new(),
            policy: answered.policy.map(str::to_owned),
            status: answered.status,
            response_headers: Vec::new(),
            effects: answered.effects,
        };
        let mut room = ENTRY_BYTES.saturating_sub(weight(&seen));
        let request = request_headers(arrived.headers);
        let response = response_headers(answered.headers);
        // What pairs and explains the exchange goes in first: the CORS request headers, the
        // cookie names, the CORS and redirect answers; then the rest, in order, while it fits.
        let mut keep_request = keep(&request, |name| CORS_REQUEST_HEADERS.contains(&name), &mut room);
        let cookies = cookie_names(arrived.headers);
        let kept_cookies =
            cookies.iter().take_while(|name| take(name.len() + STRING_COST, &mut room)).count();
        let mut keep_response = keep(&response, vital_response_header, &mut room);
        or_keep(&mut keep_request, &request, &mut room);
        or_keep(&mut keep_response, &response, &mut room);
        seen.request_headers = kept(request, &keep_request);
        seen.response_headers = kept(response, &keep_response);
        seen.cookies = cookies.into_iter().take(kept_cookies).collect();
        let bytes = weight(&seen);
        self.lock().push_weighed(seen.clone(), bytes);
        seen
    }

    /// The entries of one run (every entry when `run` is `None`) with an id above `after`:
    /// the [`PAGE_SIZE`] with the lowest ids, in id order (the order requests arrived in), and
    /// no more than [`PAGE_BYTES`] of them (but at least one), so a reader pages forward with
    /// `after` until a page comes back empty. A request is listed when it is answered, so one
    /// that is answered late can still appear below an id a reader has passed: a reader that
    /// must miss nothing reads its runs, not pages of everything.
    pub fn page(&self, run: Option<&str>, after: u64) -> LogPage {
        let ring = self.lock();
        let mut bytes = 0usize;
        let entries = in_id_order(&ring, run, after)
            .into_iter()
            .take(PAGE_SIZE)
            .enumerate()
            .take_while(|(i, (_, weight))| {
                bytes = bytes.saturating_add(*weight);
                // The first entry always goes (no entry outweighs a page: see ENTRY_BYTES), so
                // a reader paging with `after` never meets an empty page before the end.
                *i == 0 || bytes <= PAGE_BYTES
            })
            .map(|(_, (entry, _))| entry.clone())
            .collect();
        LogPage { dropped: ring.dropped(), entries }
    }

    /// Every kept entry of one run, in id order, with no page bound: for readers in the same
    /// process, which need not page.
    pub fn run(&self, run: &str) -> Vec<Seen> {
        in_id_order(&self.lock(), Some(run), 0).into_iter().map(|(entry, _)| entry.clone()).collect()
    }

    /// The last id given to a request so far: every request that arrives later gets a higher one.
    pub fn last_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed).saturating_sub(1)
    }

    /// Capacity, fill and drops.
    pub fn stats(&self) -> RingStats {
        self.lock().stats()
    }

    /// How many bytes the kept entries weigh together ([`weight`]).
    pub fn bytes(&self) -> usize {
        self.lock().bytes()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring<Seen>> {
        self.ring.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What one entry weighs: its text and what each string and pair costs beside it. An estimate
/// of its memory, and within a small factor of its JSON.
pub fn weight(seen: &Seen) -> usize {
    let text = |s: &str| s.len() + STRING_COST;
    let pairs = |list: &[(String, String)]| list.iter().map(|(n, v)| text(n) + text(v)).sum::<usize>();
    size_of::<Seen>()
        + seen.run.as_deref().map_or(0, text)
        + seen.host.len()
        + seen.method.len()
        + seen.target.len()
        + seen.policy.as_deref().map_or(0, text)
        + pairs(&seen.request_headers)
        + seen.cookies.iter().map(|c| text(c)).sum::<usize>()
        + pairs(&seen.response_headers)
        + seen.effects.len() * size_of::<u64>()
}

/// The `run` query parameter of a URI, as the log keeps it ([`run_key`]).
pub fn run_of(uri: &Uri) -> Option<String> {
    query_param(uri.query(), "run").map(|run| run_key(&run))
}

/// A run id as the log keeps it and finds it: whole up to 256 bytes, else its first 256 bytes
/// and `…`. Both what is recorded and what is asked for pass through here, so a long run id is
/// found by the id itself (and two ids that share their first 256 bytes are one run).
pub fn run_key(run: &str) -> String {
    if run.len() <= MAX_RUN {
        return run.to_owned();
    }
    let mut end = MAX_RUN;
    while !run.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &run[..end])
}

/// A query parameter, percent-decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Names of the cookies a request carried, from every `Cookie` header, read as bytes one
/// cookie-pair at a time: a pair whose name is not UTF-8 is left out, the others are kept.
pub fn cookie_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("cookie")
        .iter()
        .flat_map(|v| corslab_lab::cookie::cookie_pairs(v.as_bytes()))
        .filter_map(|(name, _)| std::str::from_utf8(name).ok())
        .map(str::to_owned)
        .collect()
}

/// The request headers worth keeping, decoded one byte to one character (as the engine reads a
/// header value): all but the noise every request has, with the cookie jar reduced to names
/// (in `cookies`) and credentials to their scheme.
fn request_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "cookie" | "host" | "connection" | "accept-encoding" | "user-agent" | "content-length"
            )
        })
        .map(|(name, value)| {
            let value = decode(value.as_bytes()).into_owned();
            let value = if name == "authorization" {
                // Keep the scheme only: the token is a secret even in a lab.
                format!("{} (redacted)", value.split_whitespace().next().unwrap_or(""))
            } else {
                value
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// The response headers, decoded one byte to one character, but `Set-Cookie` (a session id).
fn response_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| name.as_str() != "set-cookie")
        .map(|(name, value)| (name.as_str().to_owned(), decode(value.as_bytes()).into_owned()))
        .collect()
}

/// The response headers a reader needs to pair and explain an exchange.
fn vital_response_header(name: &str) -> bool {
    name.starts_with("access-control-") || matches!(name, "location" | "vary")
}

/// The entries of `run` (every entry when `None`) with an id above `after`, with their weights,
/// in id order.
fn in_id_order<'r>(ring: &'r Ring<Seen>, run: Option<&str>, after: u64) -> Vec<(&'r Seen, usize)> {
    let run = run.map(run_key);
    let mut entries: Vec<(&Seen, usize)> =
        ring.weighed().filter(|(e, _)| e.id > after && (run.is_none() || e.run == run)).collect();
    entries.sort_unstable_by_key(|(e, _)| e.id);
    entries
}

/// Marks which of `list`'s `vital` headers fit in `room`, taking their cost from it.
fn keep(list: &[(String, String)], vital: impl Fn(&str) -> bool, room: &mut usize) -> Vec<bool> {
    list.iter().map(|(name, value)| vital(name) && fits(name, value, room)).collect()
}

/// Marks, in order, which of the headers not marked yet fit in `room`.
fn or_keep(marks: &mut [bool], list: &[(String, String)], room: &mut usize) {
    for (mark, (name, value)) in marks.iter_mut().zip(list) {
        if !*mark {
            *mark = fits(name, value, room);
        }
    }
}

fn fits(name: &str, value: &str, room: &mut usize) -> bool {
    take(name.len() + value.len() + 2 * STRING_COST, room)
}

/// Takes `cost` from `room` when it fits.
fn take(cost: usize, room: &mut usize) -> bool {
    let fits = cost <= *room;
    if fits {
        *room -= cost;
    }
    fits
}

fn kept(list: Vec<(String, String)>, marks: &[bool]) -> Vec<(String, String)> {
    list.into_iter().zip(marks).filter(|(_, keep)| **keep).map(|(pair, _)| pair).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(log: &Log, uri: &str, headers: &HeaderMap) -> Seen {
        record_answered(log, uri, headers, 200, &HeaderMap::new())
    }

    /// Records a GET of `uri` on the API with `headers`, answered `status` with `answer`.
    fn record_answered(log: &Log, uri: &str, headers: &HeaderMap, status: u16, answer: &HeaderMap) -> Seen {
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
        log.record(&arrived, Answered { status, headers: answer, policy: None, effects: vec![] })
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
        let seen = record(&Log::new(4), "/me/balance?run=a%20b", &headers);
        assert_eq!(seen.cookies, vec!["session", "theme"]);
        assert_eq!(seen.request_header("authorization"), Some("Bearer (redacted)"));
        assert!(seen.request_header("cookie").is_none());
        assert_eq!(seen.run.as_deref(), Some("a b"));
    }

    fn big_head() -> HeaderMap {
        // What the reviewer flooded the lab with: 48 long headers and 48 long Origins.
        let mut headers = HeaderMap::new();
        for i in 0..48 {
            let name = axum::http::HeaderName::try_from(format!("x-pad-{i}")).unwrap();
            headers.insert(name, "v".repeat(600).parse().unwrap());
        }
        for _ in 0..48 {
            headers.append("origin", format!("http://{}.localhost", "o".repeat(580)).parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_log_of_large_entries_is_bounded_by_bytes_and_drops_the_oldest() {
        let log = Log::with_budget(10_000, 1024 * 1024);
        let headers = big_head();
        for _ in 0..200 {
            record(&log, "/me/balance?run=big", &headers);
        }
        assert!(log.bytes() <= 1024 * 1024, "{} bytes kept", log.bytes());
        let stats = log.stats();
        assert!(stats.kept < 200 && stats.kept > 0, "{stats:?}");
        assert_eq!(stats.dropped, 200 - stats.kept as u64);
        // The newest are the ones kept.
        let page = log.page(Some("big"), 0);
        assert_eq!(page.entries.last().map(|e| e.id), Some(200));
    }

    #[test]
    fn vital_headers_repeated_do_not_escape_the_entry_bound() {
        let mut headers = HeaderMap::new();
        for _ in 0..100 {
            headers.append("origin", "o".repeat(4000).parse().unwrap());
            headers.append("access-control-request-headers", "h".repeat(4000).parse().unwrap());
        }
        headers.append("x-after", "kept? no room".parse().unwrap());
        let seen = record(&Log::new(1), "/", &headers);
        assert!(weight(&seen) <= ENTRY_BYTES, "{} bytes", weight(&seen));
        // What fits is kept whole, never cut.
        assert!(seen.request_headers.iter().all(|(_, v)| v.len() == 4000 || v == "kept? no room"));
        assert!(seen.request_header("origin").is_some());
        // An Origin behind a flood of other headers is still logged, so the exchange is not read
        // as having none.
        let mut headers = HeaderMap::new();
        for i in 0..40 {
            let name = axum::http::HeaderName::try_from(format!("x-h{i}")).unwrap();
            headers.insert(name, "v".repeat(4000).parse().unwrap());
        }
        headers.insert("origin", "http://free-crypto-giveaway.localhost:8080".parse().unwrap());
        let seen = record(&Log::new(1), "/", &headers);
        assert!(weight(&seen) <= ENTRY_BYTES);
        assert_eq!(seen.request_header("origin"), Some("http://free-crypto-giveaway.localhost:8080"));
        assert!(seen.request_headers.len() < 41);
    }

    #[test]
    fn header_values_and_locations_are_kept_whole_and_byte_for_byte() {
        let mut headers = HeaderMap::new();
        let long = "a".repeat(5000);
        headers.insert("x-long", long.parse().unwrap());
        headers.insert("x-bytes", axum::http::HeaderValue::from_bytes(b"caf\xe9 \xff").unwrap());
        let mut answer = HeaderMap::new();
        let location = format!("http://api.fintrack.localhost:8080/me/balance?run={}", "r".repeat(3000));
        answer.insert("location", location.parse().unwrap());
        let seen = record_answered(&Log::new(4), "/redirect", &headers, 302, &answer);
        assert_eq!(seen.request_header("x-long"), Some(long.as_str()));
        // One character per byte, as the engine reads a header value: no U+FFFD, no cut.
        assert_eq!(seen.request_header("x-bytes"), Some("caf\u{e9} \u{ff}"));
        assert_eq!(seen.response_header("location"), Some(location.as_str()));
    }

    #[test]
    fn a_long_run_id_is_found_by_the_id_itself() {
        let run = "r".repeat(300);
        let log = Log::new(4);
        let seen = record(&log, &format!("/me/balance?run={run}"), &HeaderMap::new());
        assert!(seen.run.as_deref().is_some_and(|r| r.ends_with('…')));
        assert_eq!(log.page(Some(&run), 0).entries.len(), 1);
        assert!(log.page(Some(&"s".repeat(300)), 0).entries.is_empty());
    }

    #[test]
    fn a_page_is_bounded_by_bytes_but_holds_at_least_one_entry() {
        let log = Log::with_budget(10_000, usize::MAX);
        let headers = big_head();
        let count = PAGE_BYTES / weight(&record(&log, "/?run=p", &headers)) + 10;
        for _ in 1..count {
            record(&log, "/?run=p", &headers);
        }
        let mut after = 0;
        let mut read = 0;
        loop {
            let page = log.page(Some("p"), after);
            let Some(last) = page.entries.last() else { break };
            assert!(page.entries.iter().map(weight).sum::<usize>() <= PAGE_BYTES);
            read += page.entries.len();
            after = last.id;
        }
        assert_eq!(read, count, "paging with after reads every entry");
        assert!(log.page(Some("p"), 0).entries.len() < count);
        assert_eq!(log.run("p").len(), count, "a reader in the same process gets the run whole");
    }

    #[test]
    fn a_stray_byte_in_one_cookie_keeps_the_others_and_many_cookies_keep_the_session() {
        let mut headers = HeaderMap::new();
        headers
            .insert("cookie", axum::http::HeaderValue::from_bytes(b"th\xffme=1; session=s; a=\xfe").unwrap());
        assert_eq!(record(&Log::new(1), "/", &headers).cookies, vec!["session", "a"]);
        let many: Vec<String> = (0..60).map(|i| format!("c{i}=v")).chain(["session=s".to_owned()]).collect();
        headers.insert("cookie", many.join("; ").parse().unwrap());
        let seen = record(&Log::new(1), "/", &headers);
        assert_eq!(seen.cookies.len(), 61);
        assert_eq!(seen.cookies.last().map(String::as_str), Some("session"));
    }
}
