//! Every way a fetch can end without the script reading the response, as one typed value the
//! narrator, the vocabulary and the fix advice all match on.

use crate::cors_check::CorsCheckFailure;
use crate::exchange::RedirectMode;
use crate::local_network::AddressSpace;
use crate::preflight::PreflightFailure;
use crate::redirect::RedirectFailure;
use crate::request::Thrown;
use crate::verdict::BlockedAt;

/// Why the script does not get the response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// `fetch()` threw before sending anything.
    Thrown(Thrown),
    /// A URL whose scheme fetch cannot load: in `cors` mode anything but `http`, `https` and
    /// `data`; in `no-cors` mode also `about:blank` where the browser does not load it.
    Scheme {
        /// The scheme, without its colon.
        scheme: String,
        /// Whether the request's mode is `no-cors`.
        no_cors: bool,
    },
    /// A `same-origin` mode request to another origin.
    SameOriginMode,
    /// A cross-origin `no-cors` request whose redirect mode is not `follow`.
    NoCorsRedirectMode(RedirectMode),
    /// An HTTP(S) URL on a bad port.
    BadPort(u16),
    /// An `http` URL that is not potentially trustworthy, fetched from a page delivered over
    /// `https` (or framed in one).
    MixedContent,
    /// The page is not a secure context, so it may not reach a more private address space.
    LocalNetworkInsecure(AddressSpace),
    /// The local-network-access permission was refused.
    LocalNetworkDenied(AddressSpace),
    /// The fetch waits for a local-network-access answer that never comes.
    LocalNetworkPending(AddressSpace),
    /// The preflight failed, so the request was never sent.
    Preflight(PreflightFailure),
    /// A redirect response failed the CORS check, so it was not followed.
    RedirectCorsCheck(CorsCheckFailure),
    /// A redirect could not be followed.
    Redirect(RedirectFailure),
    /// The request's redirect mode is `error` and the server redirected.
    RedirectModeError,
    /// The exchange stops at a redirect without saying how the next URL answers.
    MissingHop,
    /// The final response failed the CORS check.
    Response(CorsCheckFailure),
    /// The response carries `Location` more than once with different values.
    ConflictingLocations {
        /// The values, in order.
        values: Vec<String>,
        /// Whether the status is a redirect status.
        redirect: bool,
    },
}

impl Failure {
    /// Where in the exchange the fetch stopped.
    pub fn blocked_at(&self) -> BlockedAt {
        match self {
            Self::Thrown(_)
            | Self::Scheme { .. }
            | Self::SameOriginMode
            | Self::NoCorsRedirectMode(_)
            | Self::BadPort(_)
            | Self::MixedContent
            | Self::LocalNetworkInsecure(_)
            | Self::LocalNetworkDenied(_)
            | Self::LocalNetworkPending(_) => BlockedAt::Request,
            Self::Preflight(_) => BlockedAt::Preflight,
            Self::RedirectCorsCheck(_)
            | Self::Redirect(_)
            | Self::RedirectModeError
            | Self::MissingHop
            | Self::ConflictingLocations { redirect: true, .. } => BlockedAt::Redirect,
            Self::Response(_) | Self::ConflictingLocations { redirect: false, .. } => BlockedAt::Response,
        }
    }
}
