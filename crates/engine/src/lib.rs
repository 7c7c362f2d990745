//! corslab's verifier: what a browser does with one cross-origin fetch, and why.
//!
//! The engine implements the WHATWG Fetch Standard's CORS and same-origin rules as plain
//! functions over plain data. It reads an [`Exchange`] (who asks, what the script asked for,
//! what the browser holds, how the server answers) and returns a [`Verdict`] whose steps cite
//! the spec. It does no I/O, reads no clock and spawns nothing, so the same code runs natively
//! in the server and the CLI and as Wasm in the browser.
//!
//! ```
//! let exchange = corslab_engine::Exchange::from_json(r#"{
//!     "page": "http://free-crypto-giveaway.localhost:8080",
//!     "request": { "url": "http://api.fintrack.localhost:8080/me/balance", "credentials": "include" },
//!     "response": { "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]] }
//! }"#).unwrap();
//! let verdict = corslab_engine::explain(&exchange);
//! assert_eq!(verdict.reason.as_deref(), Some("WildcardOriginNotAllowed"));
//! ```

#![forbid(unsafe_code)]

/// Builds a sentence from its pieces (text, URLs, methods, numbers, lists), allocated once at
/// its exact length: `says!(method, " is not GET, HEAD or POST")`. See [`prose`].
macro_rules! says {
    ($($piece:expr),+ $(,)?) => {
        $crate::prose::sentence(&($(&$piece,)+))
    };
}

pub mod advice;
pub mod cache;
pub mod cookies;
pub mod cors_check;
pub mod cors_headers;
pub mod exchange;
mod explain;
pub mod exposed;
pub mod failure;
pub mod fetch_metadata;
pub mod findings;
pub mod har;
pub mod header;
pub mod local_network;
pub mod method;
pub mod mixed_content;
pub mod origin;
pub mod preflight;
pub mod profile;
mod prose;
pub mod redirect;
pub mod request;
pub mod rules;
pub mod safelist;
pub mod secure_context;
pub mod site;
pub mod verdict;
pub mod vocabulary;
pub mod wording;

pub use cache::PreflightCache;
pub use exchange::{Browser, Exchange, InputError};
pub use explain::{explain, explain_with};
/// The URL type of [`exchange::Request::url`], re-exported so adapters need no `url` dependency.
pub use url;
pub use verdict::{Read, Verdict};
