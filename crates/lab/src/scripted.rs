//! The API's scriptable endpoint: `/scripted?answer=<base64url JSON>` answers exactly as the
//! caller wrote, so a test can pose any preflight status and header shape (a trailing slash in
//! `Access-Control-Allow-Origin`, `True` for `Access-Control-Allow-Credentials`, a 307 preflight)
//! that none of the sixteen policies produces, and still have the request recorded in the log.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The endpoint's path on the API host.
pub const PATH: &str = "/scripted";

/// At most this many headers per answer.
pub const MAX_HEADERS: usize = 32;

/// At most this many bytes of body per answer.
pub const MAX_BODY: usize = 8 * 1024;

/// What `/scripted` answers: one answer for CORS preflights, one for everything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`); when
    /// absent, a preflight gets `response` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Scripted>,
    /// The answer to every other request.
    pub response: Scripted,
}

/// One scripted answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scripted {
    /// The status, 200 to 599.
    pub status: u16,
    /// The headers, in order; a name may repeat (two `Access-Control-Allow-Origin` lines).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body as text; empty when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// Headers the server's HTTP layer owns: a script may not set them, since a wrong value would
/// break the connection rather than pose a CORS question.
const FRAMING: &[&str] = &["connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"];

impl Script {
    /// A script answering every request, preflights included, with `response`.
    pub fn always(response: Scripted) -> Self {
        Self { preflight: None, response }
    }

    /// The `answer` query value: the script as JSON, base64url without padding.
    pub fn encode(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads an `answer` query value, checking it as [`Script::check`] does.
    pub fn decode(answer: &str) -> Result<Self, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(answer.trim_end_matches('='))
            .map_err(|e| format!("answer is not base64url: {e}"))?;
        let script: Self =
            serde_json::from_slice(&bytes).map_err(|e| format!("answer is not a script: {e}"))?;
        script.check()?;
        Ok(script)
    }

    /// The URL that answers with this script: `<api origin>/scripted?answer=…`, with `&run=<id>`
    /// when given.
    pub fn url(&self, api_origin: &str, run: Option<&str>) -> String {
        let mut url = format!("{api_origin}{PATH}?answer={}", self.encode());
        if let Some(run) = run {
            url.push_str("&run=");
            url.push_str(&url::form_urlencoded::byte_serialize(run.as_bytes()).collect::<String>());
        }
        url
    }

    /// The answer for a request: the preflight's when it is a preflight and one is scripted.
    pub fn answer_for(&self, preflight: bool) -> &Scripted {
        match (&self.preflight, preflight) {
            (Some(answer), true) => answer,
            _ => &self.response,
        }
    }

    /// Whether the server can send this script as it is written: statuses 200 to 599, header
    /// names that are tokens, values without control characters, none of the headers the HTTP
    /// layer owns, and bounded sizes.
    pub fn check(&self) -> Result<(), String> {
        for (part, answer) in [("preflight", self.preflight.as_ref()), ("response", Some(&self.response))] {
            let Some(answer) = answer else { continue };
            answer.check().map_err(|e| format!("{part}: {e}"))?;
        }
        Ok(())
    }
}

impl Scripted {
    /// An answer with `status` and `headers` and no body.
    pub fn new(status: u16, headers: &[(&str, &str)]) -> Self {
        let headers = headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        Self { status, headers, body: None }
    }

    fn check(&self) -> Result<(), String> {
        if !(200..=599).contains(&self.status) {
            return Err(format!("status must be 200 to 599, not {}", self.status));
        }
        if self.headers.len() > MAX_HEADERS {
            return Err(format!("at most {MAX_HEADERS} headers, not {}", self.headers.len()));
        }
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(format!("{name:?} is not a header name"));
            }
            if FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) {
                return Err(format!("{name} belongs to the HTTP layer and cannot be scripted"));
            }
            if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
                return Err(format!("the value of {name} holds a control character"));
            }
        }
        if self.body.as_ref().is_some_and(|b| b.len() > MAX_BODY) {
            return Err(format!("the body may hold at most {MAX_BODY} bytes"));
        }
        Ok(())
    }
}

/// A `tchar` of RFC 9110: the bytes a header name is made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script() -> Script {
        Script {
            preflight: Some(Scripted::new(307, &[("Location", "/elsewhere")])),
            response: Scripted::new(
                200,
                &[
                    ("Access-Control-Allow-Origin", "http://blog.fintrack.localhost:8080/"),
                    ("Access-Control-Allow-Origin", "null"),
                ],
            ),
        }
    }

    #[test]
    fn scripts_round_trip_through_the_query_value() {
        let script = script();
        let encoded = script.encode();
        assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{encoded}");
        assert_eq!(Script::decode(&encoded).unwrap(), script);
        assert_eq!(Script::decode(&format!("{encoded}==")).unwrap(), script, "padding is tolerated");
    }

    #[test]
    fn preflights_get_their_own_answer_or_the_response() {
        let script = script();
        assert_eq!(script.answer_for(true).status, 307);
        assert_eq!(script.answer_for(false).status, 200);
        assert_eq!(Script::always(Scripted::new(204, &[])).answer_for(true).status, 204);
    }

    #[test]
    fn the_url_carries_the_answer_and_the_run() {
        let url = script().url("http://api.fintrack.localhost:8080", Some("a b"));
        assert!(url.starts_with("http://api.fintrack.localhost:8080/scripted?answer="), "{url}");
        assert!(url.ends_with("&run=a+b"), "{url}");
    }

    #[test]
    fn scripts_the_server_cannot_send_are_refused() {
        let bad = |answer: Scripted| Script::always(answer).check().unwrap_err();
        assert!(bad(Scripted::new(101, &[])).contains("200 to 599"));
        assert!(bad(Scripted::new(200, &[("Bad Name", "x")])).contains("header name"));
        assert!(bad(Scripted::new(200, &[("X-A", "a\r\nSet-Cookie: x=1")])).contains("control character"));
        assert!(bad(Scripted::new(200, &[("Content-Length", "5")])).contains("HTTP layer"));
        let many: Vec<(&str, &str)> = (0..=MAX_HEADERS).map(|_| ("X-A", "1")).collect();
        assert!(bad(Scripted::new(200, &many)).contains("at most"));
        let big = Scripted { body: Some("x".repeat(MAX_BODY + 1)), ..Scripted::new(200, &[]) };
        assert!(bad(big).contains("body"));
        assert!(Script::decode("not base64!").unwrap_err().contains("base64url"));
        assert!(
            Script::decode(&URL_SAFE_NO_PAD.encode(b"{\"response\":{}}")).unwrap_err().contains("script")
        );
        // Tabs are allowed inside values, as HTTP allows them.
        assert!(Script::always(Scripted::new(200, &[("X-A", "a\tb")])).check().is_ok());
    }
}
