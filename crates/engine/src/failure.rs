//! Every way a fetch can end without the script reading the response, as one typed value the
//! narrator, the vocabulary and the fix advice all match on.

use crate::cors_check::CorsCheckFailure;
use crate::exchange::RedirectMode;
use crate::local_network::AddressSpace;
use crate::preflight::PreflightFailure;
use crate::redirect::RedirectFailure;
use crate::request::Thrown;
use crate::rules::{self, Rule};
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
    /// The URL's host is the unspecified address (`0.0.0.0` or `::`), which the browser never
    /// connects to.
    UnspecifiedAddress,
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
            | Self::LocalNetworkPending(_)
            | Self::UnspecifiedAddress => BlockedAt::Request,
            Self::Preflight(_) => BlockedAt::Preflight,
            Self::RedirectCorsCheck(_)
            | Self::Redirect(_)
            | Self::RedirectModeError
            | Self::MissingHop
            | Self::ConflictingLocations { redirect: true, .. } => BlockedAt::Redirect,
            Self::Response(_) | Self::ConflictingLocations { redirect: false, .. } => BlockedAt::Response,
        }
    }

    /// Whether the fetch is left waiting rather than failed: the script's promise never settles.
    pub fn leaves_pending(&self) -> bool {
        matches!(self, Self::LocalNetworkPending(_))
    }

    /// The rule the fetch broke.
    pub fn rule(&self) -> Rule {
        use crate::cors_check::CorsCheckFailure as Check;
        use crate::preflight::PreflightFailure as Pre;
        match self {
            Self::Thrown(Thrown::UrlCredentials(_)) => rules::URL_CREDENTIALS,
            Self::Thrown(Thrown::ForbiddenMethod(_)) => rules::FORBIDDEN_METHOD,
            Self::Thrown(Thrown::NoCorsMethod(_)) => rules::NO_CORS,
            Self::Scheme { .. } => rules::SCHEME,
            Self::SameOriginMode => rules::MODE,
            Self::NoCorsRedirectMode(_) => rules::NO_CORS_REDIRECT,
            Self::BadPort(_) => rules::BAD_PORT,
            Self::MixedContent => rules::MIXED_CONTENT,
            Self::LocalNetworkInsecure(_)
            | Self::LocalNetworkDenied(_)
            | Self::LocalNetworkPending(_)
            | Self::UnspecifiedAddress => rules::LOCAL_NETWORK,
            Self::Preflight(failure) => match failure {
                Pre::Redirect { .. } => rules::PREFLIGHT_REDIRECT,
                Pre::CorsCheck(_) => rules::PREFLIGHT_ALLOW_ORIGIN,
                Pre::Status(_) => rules::PREFLIGHT_STATUS,
                Pre::InvalidAllowMethods { .. } | Pre::InvalidAllowHeaders { .. } => rules::PREFLIGHT_PARSE,
                Pre::Method { .. } => rules::PREFLIGHT_METHOD,
                Pre::Header { name, .. } if name == "authorization" => rules::PREFLIGHT_AUTHORIZATION,
                Pre::Header { .. } => rules::PREFLIGHT_HEADERS,
            },
            Self::RedirectCorsCheck(_) => rules::REDIRECT_CORS_CHECK,
            Self::Redirect(RedirectFailure::Credentials(_)) => rules::REDIRECT_CREDENTIALS,
            Self::Redirect(_) => rules::REDIRECT_LIMITS,
            Self::RedirectModeError => rules::REDIRECT_MODE,
            Self::MissingHop => rules::REDIRECT_MISSING_HOP,
            Self::Response(Check::AllowCredentialsNotTrue { .. }) => rules::CORS_CHECK_ALLOW_CREDENTIALS,
            Self::Response(_) => rules::CORS_CHECK_ALLOW_ORIGIN,
            Self::ConflictingLocations { .. } => rules::CONFLICTING_LOCATIONS,
        }
    }
}
