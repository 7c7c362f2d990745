//! Origins: the tuple (scheme, host, port) that the same-origin policy compares, or an opaque one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use crate::site::Site;

/// An origin, parsed once at the edge with the `url` crate (so IDNA, case and default ports
/// are handled as browsers do).
///
/// <https://html.spec.whatwg.org/multipage/browsers.html#concept-origin>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(Kind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// An opaque origin: serializes as `null` and is same-origin with nothing, itself included.
    Opaque,
    /// A tuple origin, kept with its serialization.
    Tuple { origin: url::Origin, serialized: String },
}

/// Why a string is not an origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginError {
    input: String,
    problem: String,
}

impl Origin {
    /// An opaque origin, such as a sandboxed iframe's.
    pub fn opaque() -> Self {
        Self(Kind::Opaque)
    }

    /// The origin of a URL: a tuple for `http`, `https` (and the other special schemes), opaque otherwise.
    pub fn of(url: &Url) -> Self {
        match url.origin() {
            origin @ url::Origin::Tuple(..) => {
                let serialized = origin.ascii_serialization();
                Self(Kind::Tuple { origin, serialized })
            }
            url::Origin::Opaque(_) => Self::opaque(),
        }
    }

    /// Parses a serialized origin (`http://api.fintrack.localhost:8080`), a page URL (its origin
    /// is taken), or `null` (an opaque origin).
    pub fn parse(input: &str) -> Result<Self, OriginError> {
        if input == "null" {
            return Ok(Self::opaque());
        }
        let url = Url::parse(input).map_err(|e| OriginError {
            input: input.to_owned(),
            problem: format!("it is not a URL ({e})"),
        })?;
        match Self::of(&url) {
            origin if origin.is_opaque() => Err(OriginError {
                input: input.to_owned(),
                problem: format!(
                    "a `{}:` URL has an opaque origin; write `null` for an opaque origin",
                    url.scheme()
                ),
            }),
            origin => Ok(origin),
        }
    }

    /// Whether this origin is opaque.
    pub fn is_opaque(&self) -> bool {
        matches!(self.0, Kind::Opaque)
    }

    /// The ASCII serialization: `scheme://host[:port]`, or `null`.
    ///
    /// <https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin>
    pub fn serialize(&self) -> &str {
        match &self.0 {
            Kind::Opaque => "null",
            Kind::Tuple { serialized, .. } => serialized,
        }
    }

    /// Whether two origins are the same origin: equal tuples. An opaque origin from an
    /// Exchange is never the same as another, since the two documents cannot be told apart.
    ///
    /// <https://html.spec.whatwg.org/multipage/browsers.html#same-origin>
    pub fn same_origin(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Kind::Tuple { origin: a, .. }, Kind::Tuple { origin: b, .. }) => a == b,
            _ => false,
        }
    }

    /// Whether `url` is a `blob:` URL that a document of this origin created: the URL inside it
    /// is on this origin.
    ///
    /// <https://w3c.github.io/FileAPI/#url-model>
    pub fn owns_blob_url(&self, url: &Url) -> bool {
        url.scheme() == "blob" && Url::parse(url.path()).is_ok_and(|inner| self.same_origin_url(&inner))
    }

    /// Whether `url` is on this origin, without building the URL's origin.
    pub fn same_origin_url(&self, url: &Url) -> bool {
        match &self.0 {
            Kind::Tuple { origin: url::Origin::Tuple(scheme, host, port), .. } => {
                is_tuple_scheme(url.scheme())
                    && scheme == url.scheme()
                    && url.host().is_some_and(|h| host_eq(host, &h))
                    && url.port_or_known_default() == Some(*port)
            }
            _ => false,
        }
    }

    /// The scheme, or `None` when opaque.
    pub fn scheme(&self) -> Option<&str> {
        match &self.0 {
            Kind::Tuple { origin: url::Origin::Tuple(scheme, ..), .. } => Some(scheme),
            _ => None,
        }
    }

    /// The host, or `None` when opaque.
    pub fn host(&self) -> Option<&url::Host<String>> {
        match &self.0 {
            Kind::Tuple { origin: url::Origin::Tuple(_, host, _), .. } => Some(host),
            _ => None,
        }
    }

    /// The port, default ports included, or `None` when opaque.
    pub fn port(&self) -> Option<u16> {
        match &self.0 {
            Kind::Tuple { origin: url::Origin::Tuple(_, _, port), .. } => Some(*port),
            _ => None,
        }
    }

    /// The schemeful site this origin belongs to.
    pub fn site(&self) -> Site<'_> {
        Site::of(self)
    }
}

/// Whether URLs of this scheme have tuple origins.
pub(crate) fn is_tuple_scheme(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp")
}

fn host_eq(a: &url::Host<String>, b: &url::Host<&str>) -> bool {
    match (a, b) {
        (url::Host::Domain(a), url::Host::Domain(b)) => a == b,
        (url::Host::Ipv4(a), url::Host::Ipv4(b)) => a == b,
        (url::Host::Ipv6(a), url::Host::Ipv6(b)) => a == b,
        _ => false,
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.serialize())
    }
}

impl FromStr for Origin {
    type Err = OriginError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an origin: {}", self.input, self.problem)
    }
}

impl std::error::Error for OriginError {}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.serialize())
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    #[test]
    fn serialization_drops_default_ports_and_lowercases() {
        assert_eq!(origin("HTTP://API.Fintrack.localhost:80/x").serialize(), "http://api.fintrack.localhost");
        assert_eq!(origin("https://a.example:443").serialize(), "https://a.example");
        assert_eq!(origin("http://a.example:8080/").serialize(), "http://a.example:8080");
    }

    #[test]
    fn idna_hosts_serialize_as_punycode() {
        assert_eq!(origin("https://bücher.example").serialize(), "https://xn--bcher-kva.example");
    }

    #[test]
    fn null_is_opaque_and_never_same_origin() {
        let null = origin("null");
        assert!(null.is_opaque());
        assert!(!null.same_origin(&null));
        assert_eq!(null.serialize(), "null");
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        assert!(origin("http://a.localhost").same_origin(&origin("http://a.localhost:80")));
        assert!(!origin("http://a.localhost").same_origin(&origin("https://a.localhost")));
        assert!(!origin("http://a.localhost:8080").same_origin(&origin("http://a.localhost:8081")));
    }

    #[test]
    fn same_origin_url_agrees_with_building_the_origin() {
        let a = origin("http://a.localhost:8080");
        for url in [
            "http://a.localhost:8080/x",
            "http://A.localhost:8080",
            "http://a.localhost/",
            "https://a.localhost:8080/",
            "data:,x",
        ] {
            let url = Url::parse(url).unwrap();
            assert_eq!(a.same_origin_url(&url), a.same_origin(&Origin::of(&url)), "{url}");
        }
    }

    /// Found by the origin round-trip property: `xn--` with nothing after it is not valid IDNA.
    #[test]
    fn regression_empty_punycode_label_is_an_error() {
        let err = Origin::parse("http://xn--").unwrap_err();
        assert!(err.to_string().contains("not a URL"), "{err}");
    }

    #[test]
    fn non_special_urls_are_refused_with_a_hint() {
        let err = Origin::parse("data:text/plain,x").unwrap_err();
        assert!(err.to_string().contains("write `null`"), "{err}");
        assert!(Origin::parse("not a url").is_err());
    }
}
