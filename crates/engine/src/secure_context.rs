//! Secure contexts: which URLs and origins are potentially trustworthy. `Secure` cookies, mixed
//! content and Local Network Access all ask.
//!
//! <https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy>

use url::{Host, Url};

use crate::local_network::{as_ref, is_loopback_host};
use crate::origin::Origin;

/// Whether a URL is potentially trustworthy: `https` or `wss`, or a loopback host
/// (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`), which both browsers trust over http.
pub fn is_potentially_trustworthy(url: &Url) -> bool {
    trustworthy(url.scheme(), url.host().as_ref())
}

/// Whether a page of this origin is a secure context: the same test on its scheme and host; an
/// opaque origin never is.
pub fn is_secure_context(origin: &Origin) -> bool {
    origin.scheme().is_some_and(|scheme| trustworthy(scheme, origin.host().map(as_ref).as_ref()))
}

fn trustworthy(scheme: &str, host: Option<&Host<&str>>) -> bool {
    matches!(scheme, "https" | "wss") || is_loopback_host(host)
}
