//! Server-side truth: what reached the server and what it answered, kept in a bounded ring.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, Uri};
use corslab_engine::observed::{LogPage, Seen};

/// The last requests seen, oldest dropped first.
#[derive(Debug)]
pub struct Log {
    inner: Mutex<Ring>,
}

#[derive(Debug)]
struct Ring {
    entries: VecDeque<Seen>,
    capacity: usize,
    next_id: u64,
    dropped: u64,
}

impl Log {
    /// A log that keeps at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        let ring = Ring { entries: VecDeque::new(), capacity: capacity.max(1), next_id: 1, dropped: 0 };
        Self { inner: Mutex::new(ring) }
    }

    /// Records one request and its answer.
    pub fn record(
        &self,
        host: &str,
        method: &Method,
        uri: &Uri,
        request: &HeaderMap,
        status: u16,
        response: &HeaderMap,
    ) {
        let mut ring = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = ring.next_id;
        ring.next_id += 1;
        if ring.entries.len() == ring.capacity {
            ring.entries.pop_front();
            ring.dropped += 1;
        }
        ring.entries.push_back(Seen {
            id,
            run: run_of(uri),
            host: host.to_owned(),
            port: 0,
            at_ms: 0,
            method: method.as_str().to_owned(),
            target: uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            preflight: method == Method::OPTIONS && request.contains_key("access-control-request-method"),
            request_headers: interesting(request),
            cookies: cookie_names(request),
            policy: None,
            status,
            response_headers: pairs(response),
            effects: Vec::new(),
        });
    }

    /// The entries of one run (every entry when `run` is `None`).
    pub fn page(&self, run: Option<&str>) -> LogPage {
        let ring = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entries =
            ring.entries.iter().filter(|e| run.is_none() || e.run.as_deref() == run).cloned().collect();
        LogPage { dropped: ring.dropped, entries }
    }
}

/// The `run` query parameter of a URI.
pub fn run_of(uri: &Uri) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "run")
        .map(|(_, v)| v.to_owned())
}

fn interesting(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            name == "origin"
                || name == "referer"
                || name == "content-type"
                || name.starts_with("sec-fetch-")
                || name.starts_with("access-control-request-")
        })
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}

fn cookie_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.trim().to_owned()))
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_drops_the_oldest_and_counts_it() {
        let log = Log::new(2);
        let uri: Uri = "/me/balance?run=r1".parse().unwrap();
        for _ in 0..3 {
            log.record("api", &Method::GET, &uri, &HeaderMap::new(), 200, &HeaderMap::new());
        }
        let page = log.page(Some("r1"));
        assert_eq!(page.dropped, 1);
        assert_eq!(page.entries.iter().map(|e| e.id).collect::<Vec<_>>(), vec![2, 3]);
        assert!(log.page(Some("other")).entries.is_empty());
    }

    #[test]
    fn cookie_names_are_split_and_trimmed() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "session=abc; theme=dark".parse().unwrap());
        assert_eq!(cookie_names(&headers), vec!["session", "theme"]);
    }
}
