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
    /// Another answer for the preflights that ask about one header, so that fetches to one URL
    /// (one preflight-cache key) can meet different preflight answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asking: Option<Asking>,
    /// The answer to every other request.
    pub response: Scripted,
}

/// The answer for a preflight whose `Access-Control-Request-Headers` names `header`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asking {
    /// The header name, matched without regard to case.
    pub header: String,
    /// The preflight's answer.
    pub answer: Scripted,
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
        Self { preflight: None, asking: None, response }
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

    /// The answer for a request: `preflight` holds a preflight's `Access-Control-Request-Headers`
    /// (empty when it has none) and is `None` for every other request. A preflight gets the
    /// answer for the header it asks about, else the preflight's answer, else the response.
    pub fn answer_for(&self, preflight: Option<&str>) -> &Scripted {
        let Some(request_headers) = preflight else { return &self.response };
        let asks =
            |header: &str| request_headers.split(',').any(|name| name.trim().eq_ignore_ascii_case(header));
        match (&self.asking, &self.preflight) {
            (Some(asking), _) if asks(&asking.header) => &asking.answer,
            (_, Some(answer)) => answer,
            _ => &self.response,
        }
    }

    /// Whether the server can send this script as it is written: statuses 200 to 599, header
    /// names that are tokens, values without control characters, none of the headers the HTTP
    /// layer owns, and bounded sizes.
    pub fn check(&self) -> Result<(), String> {
        if let Some(asking) = &self.asking
            && (asking.header.is_empty() || !asking.header.bytes().all(is_token_byte))
        {
            return Err(format!("asking: {:?} is not a header name", asking.header));
        }
        let parts = [
            ("preflight", self.preflight.as_ref()),
            ("asking", self.asking.as_ref().map(|a| &a.answer)),
            ("response", Some(&self.response)),
        ];
        for (part, answer) in parts {
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
            asking: Some(Asking { header: "X-Late".to_owned(), answer: Scripted::new(204, &[]) }),
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
        assert_eq!(script.answer_for(Some("")).status, 307);
        assert_eq!(script.answer_for(Some("x-early")).status, 307);
        assert_eq!(script.answer_for(None).status, 200);
        assert_eq!(Script::always(Scripted::new(204, &[])).answer_for(Some("x-late")).status, 204);
    }

    #[test]
    fn a_preflight_asking_about_the_header_gets_its_answer() {
        let script = script();
        for asked in ["x-late", "X-Late", "x-a,x-late", "x-a, x-late ,x-b"] {
            assert_eq!(script.answer_for(Some(asked)).status, 204, "{asked}");
        }
        for asked in ["x-lately", "x-a", ""] {
            assert_eq!(script.answer_for(Some(asked)).status, 307, "{asked}");
        }
        assert_eq!(script.answer_for(None).status, 200, "only preflights ask");
        let no_preflight = Script { preflight: None, ..script };
        assert_eq!(no_preflight.answer_for(Some("x-a")).status, 200);
        assert_eq!(no_preflight.answer_for(Some("x-late")).status, 204);
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
        let asking = |header: &str, answer: Scripted| Script {
            asking: Some(Asking { header: header.to_owned(), answer }),
            ..Script::always(Scripted::new(200, &[]))
        };
        assert!(asking("X A", Scripted::new(200, &[])).check().unwrap_err().starts_with("asking: "));
        assert!(asking("", Scripted::new(200, &[])).check().unwrap_err().contains("header name"));
        assert!(asking("X-A", Scripted::new(99, &[])).check().unwrap_err().starts_with("asking: status"));
        assert!(Script::decode("not base64!").unwrap_err().contains("base64url"));
        assert!(
            Script::decode(&URL_SAFE_NO_PAD.encode(b"{\"response\":{}}")).unwrap_err().contains("script")
        );
        // Tabs are allowed inside values, as HTTP allows them.
        assert!(Script::always(Scripted::new(200, &[("X-A", "a\tb")])).check().is_ok());
    }
}
