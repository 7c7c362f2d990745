//! What the lab server observed: each request that reached it and its answer, as its log hands
//! them out. [`crate::observe`] pairs them into the engine's Exchanges, and the app and the
//! differential matrix compare them with the engine's prediction.

use serde::{Deserialize, Serialize};

/// One request as the server saw it, and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Sequence number, from 1.
    pub id: u64,
    /// The run this request belongs to (`?run=` in its URL), if any: whole up to 256 bytes,
    /// else its first 256 bytes and `…` (`/__lab/log?run=` finds it by the whole id).
    pub run: Option<String>,
    /// The host it was sent to.
    pub host: String,
    /// The port of the listener it arrived on, which its `Host` header names too (0 when
    /// unknown).
    #[serde(default)]
    pub port: u16,
    /// Milliseconds since the server started.
    #[serde(default)]
    pub at_ms: u64,
    /// The method.
    pub method: String,
    /// The path and query.
    pub target: String,
    /// Whether it was a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`).
    pub preflight: bool,
    /// The request headers, lower-cased names, in order: everything but `Cookie` (see
    /// `cookies`), with `Authorization` reduced to its scheme. Values are whole, each byte one
    /// character (U+0000 to U+00FF, as an Exchange's header values are); a header that would
    /// take the entry past its bound is left out whole, the CORS headers last.
    pub request_headers: Vec<(String, String)>,
    /// Names of the cookies it carried (never their values), from every cookie-pair whose
    /// name is UTF-8.
    pub cookies: Vec<String>,
    /// The CORS policy that answered it, by id.
    #[serde(default)]
    pub policy: Option<String>,
    /// The status answered.
    pub status: u16,
    /// The headers answered, lower-cased names, in order, but `Set-Cookie`; values whole, as
    /// in `request_headers`.
    pub response_headers: Vec<(String, String)>,
    /// Ids of the ledger entries (side effects) this request caused.
    #[serde(default)]
    pub effects: Vec<u64>,
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

    /// The first value of a recorded response header.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path of the target, without its query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(path, _)| path)
    }
}
