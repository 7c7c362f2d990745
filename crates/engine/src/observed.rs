//! What the lab server observed: each request that reached it and its answer. The app and the
//! differential tests compare these with the engine's prediction.

use serde::{Deserialize, Serialize};

/// One request as the server saw it, and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Sequence number, from 1.
    pub id: u64,
    /// The run this request belongs to (`?run=` in its URL), if any.
    pub run: Option<String>,
    /// The host it was sent to.
    pub host: String,
    /// The method.
    pub method: String,
    /// The path and query.
    pub target: String,
    /// Whether it was a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`).
    pub preflight: bool,
    /// The request headers that matter to CORS and cookies, lower-cased names, in order.
    pub request_headers: Vec<(String, String)>,
    /// Names of the cookies it carried.
    pub cookies: Vec<String>,
    /// The status answered.
    pub status: u16,
    /// The headers answered, lower-cased names, in order.
    pub response_headers: Vec<(String, String)>,
}

/// A page of the server's log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    /// How many entries were dropped to keep memory bounded.
    pub dropped: u64,
    /// The entries, oldest first.
    pub entries: Vec<Seen>,
}

impl Seen {
    /// The first value of a recorded request header.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
