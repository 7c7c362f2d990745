//! The Exchange: one fetch as the browser sees it, corslab's input contract (`shared/exchange.md`).
//!
//! Every field is parsed into a typed value when the JSON is read, so the algorithms never
//! meet a malformed origin, URL or header.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::header::HeaderList;
use crate::method::Method;
use crate::origin::Origin;

/// One cross-origin read attempt: who asks, what the script asked for, what the browser holds
/// and how the server answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// Whose measured behaviour and vocabulary to use.
    #[serde(default)]
    pub browser: Browser,
    /// The origin of the document that calls `fetch` (`null` for a sandboxed iframe).
    pub page: Origin,
    /// The origin of the top-level document; `None` means the page is top-level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_level: Option<Origin>,
    /// Browser settings that change the outcome.
    #[serde(default)]
    pub settings: Settings,
    /// What the script asked for.
    pub request: Request,
    /// The browser's cookie jar before the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<Cookie>,
    /// The server's answer to the CORS preflight, when one is sent; `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Answer>,
    /// The server's answer to the request itself.
    pub response: Answer,
    /// When `response` redirects, the hop that follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<Hop>>,
}

/// The browser whose behaviour an Exchange follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Browser {
    /// Chromium (and Chrome, Edge): names failures with DevTools `corsError` values.
    #[default]
    Chromium,
    /// Firefox: names failures with MDN's `CORS…` slugs.
    Firefox,
}

/// Browser settings that change what is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Whether cross-site (third-party) cookies are sent.
    #[serde(default)]
    pub third_party_cookies: ThirdPartyCookies,
    /// The answer to the local network access permission prompt (optional field; corslab's own).
    #[serde(default)]
    pub local_network_access: LocalNetworkAccess,
}

/// The user's answer to the local network access permission prompt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalNetworkAccess {
    /// Not answered yet: the browser asks (headless Chromium refuses at once, Firefox waits).
    #[default]
    Prompt,
    /// The user allowed this page to reach the local network.
    Granted,
    /// The user refused.
    Denied,
}

/// The third-party cookie setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThirdPartyCookies {
    /// The browser's own default (Chromium here: blocked; Firefox: partitioned).
    #[default]
    Default,
    /// Third-party cookies allowed.
    Allowed,
    /// Third-party cookies blocked.
    Blocked,
}

/// What the script passed to `fetch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The method as the script wrote it (normalized by the engine).
    #[serde(default)]
    pub method: Method,
    /// The URL fetched.
    pub url: Url,
    /// The headers the script set, in order.
    #[serde(default, skip_serializing_if = "HeaderList::is_empty")]
    pub headers: HeaderList,
    /// The request mode.
    #[serde(default)]
    pub mode: RequestMode,
    /// The credentials mode.
    #[serde(default)]
    pub credentials: CredentialsMode,
    /// The redirect mode.
    #[serde(default)]
    pub redirect: RedirectMode,
}

/// A request's mode.
///
/// <https://fetch.spec.whatwg.org/#concept-request-mode>
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestMode {
    /// Cross-origin reads go through the CORS protocol.
    #[default]
    Cors,
    /// Cross-origin responses come back opaque; only safelisted methods and headers.
    NoCors,
    /// Cross-origin requests fail.
    SameOrigin,
}

impl RequestMode {
    /// The mode as a script writes it (`cors`, `no-cors`, `same-origin`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cors => "cors",
            Self::NoCors => "no-cors",
            Self::SameOrigin => "same-origin",
        }
    }
}

/// A request's credentials mode.
///
/// <https://fetch.spec.whatwg.org/#concept-request-credentials-mode>
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialsMode {
    /// Never send or keep credentials.
    Omit,
    /// Credentials only for same-origin URLs.
    #[default]
    SameOrigin,
    /// Credentials always, which a cross-origin response must explicitly allow.
    Include,
}

impl CredentialsMode {
    /// The mode as a script writes it (`omit`, `same-origin`, `include`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Omit => "omit",
            Self::SameOrigin => "same-origin",
            Self::Include => "include",
        }
    }
}

/// A request's redirect mode.
///
/// <https://fetch.spec.whatwg.org/#concept-request-redirect-mode>
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedirectMode {
    /// Follow redirects.
    #[default]
    Follow,
    /// A redirect is a network error.
    Error,
    /// Return an opaque-redirect response.
    Manual,
}

impl RedirectMode {
    /// The mode as a script writes it (`follow`, `error`, `manual`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Follow => "follow",
            Self::Error => "error",
            Self::Manual => "manual",
        }
    }
}

/// A cookie in the browser's jar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    /// The cookie's name.
    #[serde(deserialize_with = "cookie_name")]
    pub name: String,
    /// The host that set it, as a URL's host is written (ASCII, lower case).
    #[serde(deserialize_with = "cookie_host")]
    pub host: String,
    /// The `Domain` attribute, or `None` for a host-only cookie.
    #[serde(default)]
    pub domain: Option<String>,
    /// The `Path` attribute.
    #[serde(default = "root_path")]
    pub path: String,
    /// The `SameSite` attribute, or `None` when absent.
    #[serde(default)]
    pub same_site: Option<SameSite>,
    /// The `Secure` attribute.
    #[serde(default)]
    pub secure: bool,
    /// The `HttpOnly` attribute.
    #[serde(default)]
    pub http_only: bool,
    /// The top-level site a partitioned cookie is keyed to, or `None` when unpartitioned.
    #[serde(default)]
    pub partition: Option<String>,
    /// Seconds since the cookie was set.
    #[serde(default)]
    pub age_s: u64,
}

/// The `SameSite` cookie attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    /// Sent only on same-site requests.
    Strict,
    /// Also sent on cross-site top-level navigations with a safe method.
    Lax,
    /// Sent on cross-site requests too (requires `Secure`).
    None,
}

/// How a server answers one request: a status and headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The HTTP status code: three digits, or 0 when no response arrived (as a HAR file
    /// records a blocked request).
    #[serde(deserialize_with = "status")]
    pub status: u16,
    /// The response headers, in order.
    #[serde(default)]
    pub headers: HeaderList,
}

/// Reads a cookie's name: not empty, and free of what ends a name in `Set-Cookie`.
fn cookie_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if name.is_empty() || name.chars().any(|c| c == '=' || c == ';' || c.is_control() || c.is_whitespace()) {
        return Err(serde::de::Error::custom(format_args!(
            "{name:?} is not a cookie name: a name is not empty and has no '=', ';', space or control character"
        )));
    }
    Ok(name)
}

/// Reads the host that set a cookie: a host name or address, not a URL.
fn cookie_host<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let host = String::deserialize(deserializer)?;
    match url::Host::parse(&host) {
        Ok(parsed) => Ok(parsed.to_string()),
        Err(e) => Err(serde::de::Error::custom(format_args!(
            "{host:?} is not a host ({e}): write the host alone, such as fintrack.localhost"
        ))),
    }
}

/// Reads a status, refusing what no server can send.
fn status<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let status = u16::deserialize(deserializer)?;
    if status == 0 || (100..=999).contains(&status) {
        Ok(status)
    } else {
        Err(serde::de::Error::custom(format_args!(
            "{status} is not a status: a status has three digits, 100 to 999 (or is 0 when no response arrived)"
        )))
    }
}

/// The hop after a redirect: the target's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    /// The target's answer to its preflight, when one is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Answer>,
    /// The target's answer to the request.
    pub response: Answer,
    /// When this response redirects too, the hop after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<Hop>>,
}

/// Why a JSON text is not an Exchange: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The JSON path of the offending value (`request.headers[1]`), empty for the top level.
    pub path: String,
    /// 1-based line of the offending value in the text.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

impl Exchange {
    /// Reads one Exchange from JSON text, naming the path, line and column of any error.
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        InputError::read(text)
    }

    /// Reads a JSON array of Exchanges, naming the path (`[2].request.url`), line and column of
    /// any error.
    pub fn list_from_json(text: &str) -> Result<Vec<Self>, InputError> {
        InputError::read(text)
    }

    /// The origin of the top-level document: `top_level`, or the page itself.
    pub fn top_level_origin(&self) -> &Origin {
        self.top_level.as_ref().unwrap_or(&self.page)
    }
}

impl Answer {
    /// Whether the status is a redirect status (301, 302, 303, 307, 308).
    ///
    /// <https://fetch.spec.whatwg.org/#redirect-status>
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }

    /// Whether the status is an ok status (200 to 299).
    ///
    /// <https://fetch.spec.whatwg.org/#ok-status>
    pub fn is_ok(&self) -> bool {
        (200..=299).contains(&self.status)
    }
}

impl InputError {
    /// Reads one JSON document of a contract type, the whole text and nothing after it.
    pub(crate) fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = serde_path_to_error::deserialize(&mut de).map_err(Self::from)?;
        de.end().map_err(|e| Self::at("", &e))?;
        Ok(value)
    }

    pub(crate) fn at(path: &str, error: &serde_json::Error) -> Self {
        let message = error.to_string();
        // serde_json appends " at line L column C"; keep the message bare.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        Self { path: path.to_owned(), line: error.line(), column: error.column(), message }
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for InputError {
    fn from(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        Self::at(&known_path(error.path()), error.inner())
    }
}

/// The path as far as it is known: `request.headers[1]`, empty for the top level. When the
/// text ends inside an object, the deserializer cannot name the next key and the path ends
/// with an unknown segment (`?`), which says nothing to the reader: it is left out.
fn known_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut known = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => known.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !known.is_empty() {
                    known.push('.');
                }
                known.push_str(key);
            }
            Segment::Unknown => break,
        }
    }
    known
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, ", at `{}`", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Chromium => "chromium",
            Self::Firefox => "firefox",
        })
    }
}

fn root_path() -> String {
    "/".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "page": "http://blog.fintrack.localhost:8080",
        "request": { "url": "http://api.fintrack.localhost:8080/me/balance" },
        "response": { "status": 200 }
    }"#;

    #[test]
    fn defaults_follow_the_contract() {
        let exchange = Exchange::from_json(MINIMAL).unwrap();
        assert_eq!(exchange.browser, Browser::Chromium);
        assert_eq!(exchange.request.method.as_str(), "GET");
        assert_eq!(exchange.request.mode, RequestMode::Cors);
        assert_eq!(exchange.request.credentials, CredentialsMode::SameOrigin);
        assert_eq!(exchange.request.redirect, RedirectMode::Follow);
        assert_eq!(exchange.top_level_origin(), &exchange.page);
        assert!(exchange.preflight.is_none());
    }

    #[test]
    fn errors_name_the_path_line_and_column() {
        let text = r#"{
  "page": "http://a.localhost",
  "request": { "url": "http://b.localhost/", "headers": [["X-A", "1"], ["Bad Name", "2"]] },
  "response": { "status": 200 }
}"#;
        let err = Exchange::from_json(text).unwrap_err();
        assert_eq!(err.path, "request.headers[1]");
        assert_eq!(err.line, 3);
        assert!(err.message.contains("header name"), "{err}");
    }

    #[test]
    fn truncated_text_names_the_known_path_only() {
        let err = Exchange::from_json("{\n").unwrap_err();
        assert_eq!((err.path.as_str(), err.line), ("", 2), "{err}");
        assert!(err.message.contains("EOF while parsing an object"), "{err}");
        assert_eq!(err.to_string(), format!("line 2, column 0: {}", err.message));

        let text = r#"{"page": "http://a.localhost", "request": {"url": "http://b.localhost/", "headers": [["X-A", "1"], "#;
        let err = Exchange::from_json(text).unwrap_err();
        assert_eq!(err.path, "request.headers", "{err}");
        assert!(!err.to_string().contains('?'), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = MINIMAL.replace("\"page\"", "\"pgae\": 1, \"page\"");
        let err = Exchange::from_json(&text).unwrap_err();
        assert!(err.message.contains("unknown field `pgae`"), "{err}");
    }

    #[test]
    fn list_errors_name_the_element() {
        let text = format!("[{MINIMAL},\n{{\"page\": \"nope\"}}]");
        let err = Exchange::list_from_json(&text).unwrap_err();
        assert_eq!(err.path, "[1].page");
        assert_eq!(Exchange::list_from_json(&format!("[{MINIMAL}]")).unwrap().len(), 1);
    }

    #[test]
    fn round_trips_through_json() {
        let exchange = Exchange::from_json(MINIMAL).unwrap();
        let again = Exchange::from_json(&serde_json::to_string(&exchange).unwrap()).unwrap();
        assert_eq!(exchange, again);
    }

    /// Bad input names what was expected, in words a person can act on.
    #[test]
    fn bad_methods_and_headers_say_what_was_expected() {
        let message = |request: &str| {
            let json = format!(
                r#"{{"page": "http://a.localhost", "request": {request}, "response": {{"status": 200, "headers": []}}}}"#
            );
            Exchange::from_json(&json).unwrap_err().message
        };
        let url = r#""url": "http://b.localhost/""#;
        assert!(message(&format!(r#"{{{url}, "method": "P UT"}}"#)).contains("\"P UT\" is not a method"));
        assert!(
            message(&format!(r#"{{{url}, "headers": [["a b", "x"]]}}"#))
                .contains("' ' cannot appear in a header name")
        );
        assert!(
            message(&format!(r#"{{{url}, "headers": [["x-a", "\u0000"]]}}"#))
                .contains("cannot hold the byte 0x00")
        );
        assert!(
            message(&format!(r#"{{{url}, "headers": [["x"]]}}"#)).contains("a [name, value] pair of strings")
        );
    }
}
