//! The policy catalog's words: for each [`PolicyId`], the faulty code as people really write it
//! in axum/tower-http, Express `cors` and Flask-CORS, what it mirrors, and the fix.
//!
//! What an attacker gets is not written here: [`crate::outcomes`] asks the engine, so the
//! catalog can never drift from the verifier.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::policy::PolicyId;

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The policy.
    pub id: PolicyId,
    /// Its catalog number, from 1.
    pub number: usize,
    /// A short title.
    pub title: &'static str,
    /// What the policy does and why it matters, in two sentences or so.
    pub summary: &'static str,
    /// The code that produces it.
    pub code: Code,
    /// The real incidents, CVEs, labs or middleware facts it mirrors (empty for the baseline).
    pub mirrors: &'static [Mirror],
    /// How to fix it.
    pub fix: &'static str,
    /// A Fetch Standard section that decides the outcome.
    pub spec: &'static str,
}

/// The same policy written three ways.
///
/// The samples are written for a lab on its default port, 8080: the origins they allow name it.
/// [`Code::on_port`] rewrites them for a lab on another port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// Rust: axum with tower-http's `CorsLayer`, or hand-written middleware where people do that.
    pub axum: Cow<'static, str>,
    /// Node.js: Express with the `cors` package.
    pub express: Cow<'static, str>,
    /// Python: Flask with Flask-CORS.
    pub flask: Cow<'static, str>,
}

impl Code {
    /// The port the samples are written for.
    const WRITTEN_FOR: u16 = 8080;

    /// The samples as a lab on `port` runs them: every lab origin they name moved to `port`
    /// (and written without a port on port 80, as browsers serialize it).
    pub fn on_port(self, port: u16) -> Self {
        if port == Self::WRITTEN_FOR {
            return self;
        }
        let written = format!(".localhost:{}", Self::WRITTEN_FOR);
        let moved = match port {
            80 => ".localhost".to_owned(),
            port => format!(".localhost:{port}"),
        };
        let rewrite = |sample: Cow<'static, str>| Cow::Owned(sample.replace(&written, &moved));
        Self { axum: rewrite(self.axum), express: rewrite(self.express), flask: rewrite(self.flask) }
    }

    /// The samples written in the source, as they are.
    const fn written(axum: &'static str, express: &'static str, flask: &'static str) -> Self {
        Self { axum: Cow::Borrowed(axum), express: Cow::Borrowed(express), flask: Cow::Borrowed(flask) }
    }
}

/// A real-world case the policy mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mirror {
    /// The name people know it by (a CVE, an advisory, a lab, a library).
    pub name: &'static str,
    /// What happened, in one sentence.
    pub what: &'static str,
}

/// An [`Entry`]'s words as `GET /__lab/catalog` serves them, read back. The app fetches these
/// at run time instead of compiling the catalog's long texts into its Wasm.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EntryText {
    /// The policy.
    pub id: PolicyId,
    /// Its catalog number, from 1.
    pub number: usize,
    /// A short title.
    pub title: String,
    /// What the policy does and why it matters.
    pub summary: String,
    /// The code that produces it.
    pub code: CodeText,
    /// The real cases it mirrors.
    pub mirrors: Vec<MirrorText>,
    /// How to fix it.
    pub fix: String,
}

/// A [`Code`] read back: the same policy written three ways.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CodeText {
    /// Rust: axum with tower-http.
    pub axum: String,
    /// Node.js: Express with `cors`.
    pub express: String,
    /// Python: Flask with Flask-CORS.
    pub flask: String,
}

/// A [`Mirror`] read back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MirrorText {
    /// The name people know it by.
    pub name: String,
    /// What happened.
    pub what: String,
}

/// The whole catalog, in order.
pub fn catalog() -> Vec<Entry> {
    PolicyId::ALL.into_iter().map(entry).collect()
}

/// The catalog entry for one policy.
pub fn entry(id: PolicyId) -> Entry {
    let (summary, code, mirrors, fix, spec): (_, _, &'static [Mirror], _, _) = match id {
        PolicyId::None => (
            "The API sends no CORS headers and has no OPTIONS route. No script on another origin can read a \
             response, but simple requests and form posts still reach the server with whatever cookies the \
             browser attaches.",
            Code::written(AXUM_NONE, EXPRESS_NONE, FLASK_NONE),
            &[],
            "Nothing to fix for reads: this is the safe default while no other origin needs the API. It does \
             not stop CSRF: a cross-site form can still POST to /me/transfer, which only the cookie's SameSite \
             attribute or a CSRF token stops.",
            "concept-cors-check",
        ),
        PolicyId::Wildcard => (
            "Any origin may read, but only without credentials: browsers never attach cookies to a read that `*` \
             allows. Safe for public data; a leak when the API trusts where the request comes from (an \
             intranet, a loopback service).",
            Code::written(AXUM_WILDCARD, EXPRESS_WILDCARD, FLASK_WILDCARD),
            &[Mirror {
                name: "Corsy",
                what: "Flags a passive `Access-Control-Allow-Origin: *` as a finding.",
            }],
            "Keep `*` for genuinely public, unauthenticated data. Anything tied to a user or to network \
             position needs an exact allowlist.",
            "concept-cors-check",
        ),
        PolicyId::WildcardWithCredentials => (
            "The developer wanted \"everyone, with cookies\". Browsers refuse to share a credentialed response \
             whose Allow-Origin is `*`, so the attacker reads nothing with cookies, and neither does any \
             legitimate frontend.",
            Code::written(AXUM_WILDCARD_CREDS, EXPRESS_WILDCARD_CREDS, FLASK_WILDCARD_CREDS),
            &[
                Mirror {
                    name: "tower-http CorsLayer",
                    what: "Refuses credentials combined with any `*` by panicking when the service is first polled.",
                },
                Mirror {
                    name: "jub0bs/cors",
                    what: "Rejects credentials with `*` when the middleware is built, before it serves anything.",
                },
            ],
            "Choose: `*` without credentials for public data, or an exact allowlist that echoes the one \
             matching origin with credentials. The next \"fix\" people reach for is reflecting the origin \
             (policy 4), which is far worse.",
            "concept-cors-check",
        ),
        PolicyId::ReflectAnyOrigin => (
            "Whatever Origin arrives is echoed back with Allow-Credentials: true, so every origin passes the \
             CORS check with cookies. Whether the attacker gets the victim's data then depends only on whether \
             the browser attaches the cookie.",
            Code::written(AXUM_REFLECT, EXPRESS_REFLECT, FLASK_REFLECT),
            &[
                Mirror {
                    name: "PortSwigger Web Security Academy, CORS lab 1",
                    what: "Basic origin reflection: an exploit page reads the victim's API key.",
                },
                Mirror {
                    name: "rs/cors CVE-2018-20744",
                    what: "A wildcard configuration was turned into reflecting any origin.",
                },
                Mirror {
                    name: "actix-cors Cors::permissive()",
                    what: "Reflects any origin with credentials; meant for development, shipped to production.",
                },
                Mirror {
                    name: "CORScanner, Corsy, nuclei",
                    what: "All probe for reflection with an evil origin.",
                },
            ],
            "Compare the Origin with an exact list of trusted origins and echo it only on a match \
             (policy 16).",
            "concept-cors-check",
        ),
        PolicyId::NullTrusted => (
            "`null` was added to the allowlist for a file:// prototype or a sandboxed widget. Any page can \
             produce Origin: null with a sandboxed iframe, and every cross-origin redirect produces it too.",
            Code::written(AXUM_NULL, EXPRESS_NULL, FLASK_NULL),
            &[
                Mirror {
                    name: "PortSwigger Web Security Academy, CORS lab 2",
                    what: "Trusted null origin: a sandboxed iframe reads the victim's API key.",
                },
                Mirror {
                    name: "StackStorm CVE-2019-9580",
                    what: "The API answered Access-Control-Allow-Origin: null, so sandboxed pages could read it.",
                },
            ],
            "Never allow `null`. An opaque origin says nothing about who is asking.",
            "concept-cors-check",
        ),
        PolicyId::PrefixMatch => (
            "The Origin only has to start with a trusted origin, so \
             http://fintrack.localhost.free-crypto-giveaway.localhost passes: a host the attacker controls.",
            Code::written(AXUM_PREFIX, EXPRESS_PREFIX, FLASK_PREFIX),
            &[
                Mirror { name: "Starlette #801", what: "An origin regex matched as a prefix." },
                Mirror {
                    name: "sanic-cors CVE-2026-37737",
                    what: "Origins were accepted on a prefix match.",
                },
                Mirror {
                    name: "CORScanner, Corsy",
                    what: "Probe with the target's origin followed by an evil suffix.",
                },
            ],
            "Compare whole serialized origins for equality. If you must use patterns, anchor them at both ends \
             (Flask-CORS uses `re.match`, which anchors only the start).",
            "concept-cors-check",
        ),
        PolicyId::SuffixMatch => (
            "Any host ending in fintrack.localhost passes, so evilfintrack.localhost, a name anyone can \
             register next to yours, is trusted, and so is every subdomain.",
            Code::written(AXUM_SUFFIX, EXPRESS_SUFFIX, FLASK_SUFFIX),
            &[
                Mirror {
                    name: "jub0bs/cors GHSA-vhxv-fg4m-p2w8",
                    what: "An origin pattern matched more hosts than intended.",
                },
                Mirror {
                    name: "CORScanner, Corsy",
                    what: "Probe with an evil prefix glued to the target's domain.",
                },
            ],
            "At the very least require the dot (`.fintrack.localhost`); better, list the exact origins \
             (policy 9 shows why subdomains are not safe either).",
            "concept-cors-check",
        ),
        PolicyId::UnescapedDot => (
            "The allowlist regex `^http://(www.)?fintrack\\.localhost` leaves the first dot unescaped, so it \
             matches any character: wwwxfintrack.localhost passes.",
            Code::written(AXUM_DOT, EXPRESS_DOT, FLASK_DOT),
            &[
                Mirror {
                    name: "Kubernetes CVE-2022-1996",
                    what: "A CORS origin pattern treated as a regex allowed unintended origins.",
                },
                Mirror { name: "CORScanner, Corsy", what: "Probe with the dot replaced by a letter." },
            ],
            "Escape every dot and anchor both ends, or drop the regex for an exact list.",
            "concept-cors-check",
        ),
        PolicyId::AnySubdomain => (
            "Every *.fintrack.localhost origin is trusted, including the blog with user content. Script on a \
             compromised sibling reads the API, and as a same-site request it carries every cookie, \
             SameSite=Strict included, in every browser's default settings.",
            Code::written(AXUM_SUBDOMAIN, EXPRESS_SUBDOMAIN, FLASK_SUBDOMAIN),
            &[
                Mirror { name: "CORScanner", what: "Probes with an arbitrary subdomain of the target." },
                Mirror {
                    name: "PortSwigger Web Security Academy, CORS lab 3",
                    what: "A trusted subdomain with an XSS flaw is used to read the API.",
                },
            ],
            "Trust only the subdomains that need access, never one that hosts user content. SameSite does not \
             help here: siblings are the same site.",
            "concept-cors-check",
        ),
        PolicyId::MirrorEverything => (
            "The middleware echoes the Origin and whatever method and headers the preflight asks for. Reads \
             are exposed as in policy 4, and every write passes its preflight too: PUT /me/email, DELETE \
             /me/sessions.",
            Code::written(AXUM_MIRROR, EXPRESS_MIRROR, FLASK_MIRROR),
            &[
                Mirror {
                    name: "tower-http CorsLayer::very_permissive()",
                    what: "Mirrors the request's origin, method and headers and allows credentials.",
                },
                Mirror { name: "actix-cors Cors::permissive()", what: "Same idea, with credentials." },
                Mirror {
                    name: "CORScanner, Corsy, nuclei",
                    what: "None sends a preflight, so none sees mirrored methods and headers.",
                },
            ],
            "Exact origins, and list the methods and headers the API really uses.",
            "cors-preflight-fetch-0",
        ),
        PolicyId::AllowHeadersWildcard => (
            "Meant as \"allow every header\". With credentials the browser reads `*` as a header literally \
             named `*`, and Authorization is never covered by `*` at all, so the trusted partner's preflighted \
             requests fail: a broken integration people then \"fix\" with policy 10.",
            Code::written(AXUM_ACAH, EXPRESS_ACAH, FLASK_ACAH),
            &[Mirror {
                name: "Fetch Standard",
                what: "Authorization is a non-wildcard request-header name, and `*` only acts as a wildcard without credentials.",
            }],
            "List the headers: `Access-Control-Allow-Headers: Content-Type, Authorization`.",
            "cors-non-wildcard-request-header-name",
        ),
        PolicyId::AllowlistWithoutVary => (
            "The answer depends on Origin but does not say so, so a shared or browser cache may hand the \
             partner's answer (with its Allow-Origin) to another origin, or a no-CORS answer to the partner.",
            Code::written(AXUM_NO_VARY, EXPRESS_NO_VARY, FLASK_NO_VARY),
            &[Mirror { name: "CORScanner, Corsy, nuclei", what: "None checks Vary: Origin." }],
            "Send `Vary: Origin` on every answer whose CORS headers depend on Origin, including answers to \
             origins that did not match.",
            "cors-protocol-and-http-caches",
        ),
        PolicyId::OnlyOnSuccess => (
            "Errors and redirects go out without CORS headers, so a trusted frontend sees a TypeError where it \
             should see 401 or 404, and cannot tell \"signed out\" from \"down\".",
            Code::written(AXUM_ONLY_2XX, EXPRESS_ONLY_2XX, FLASK_ONLY_2XX),
            &[Mirror {
                name: "CORScanner, Corsy, nuclei",
                what: "None checks CORS headers on error responses.",
            }],
            "Add CORS headers in the outermost layer so every answer carries them: errors and redirects too.",
            "concept-cors-check",
        ),
        PolicyId::ExposeHeadersWildcard => (
            "Meant as \"let the frontend read every header\". With credentials `*` is a literal name and \
             exposes nothing; without credentials it exposes every header, including ones never meant for \
             other origins.",
            Code::written(AXUM_ACEH, EXPRESS_ACEH, FLASK_ACEH),
            &[Mirror {
                name: "CORScanner, Corsy, nuclei",
                what: "None checks Access-Control-Expose-Headers.",
            }],
            "Name the headers a frontend needs: `Access-Control-Expose-Headers: X-Request-Id`.",
            "concept-response-cors-exposed-header-name-list",
        ),
        PolicyId::MaxAgeYear => (
            "Browsers cap the preflight cache (Chromium 2 hours, Firefox 24 hours, WebKit 10 minutes), so a year \
             buys nothing over the cap, and a tightened policy reaches browsers only when the cached preflight \
             expires.",
            Code::written(AXUM_MAX_AGE, EXPRESS_MAX_AGE, FLASK_MAX_AGE),
            &[Mirror { name: "CORScanner, Corsy, nuclei", what: "None checks an excessive Max-Age." }],
            "Keep Max-Age within the caps and as short as your latency budget allows: 600 seconds is common.",
            "cors-preflight-cache",
        ),
        PolicyId::StrictAllowlist => (
            "Exact origins (the dashboard and the partner, scheme, host and port), credentials only for them, \
             Vary: Origin on every answer, the methods and headers the API uses, named exposed headers, and a \
             Max-Age within every browser's cap.",
            Code::written(AXUM_STRICT, EXPRESS_STRICT, FLASK_STRICT),
            &[Mirror {
                name: "jub0bs/cors",
                what: "Refuses insecure configurations when built: credentials with `*`, with `null`, with insecure origins.",
            }],
            "This is the fix. CORS never stopped CSRF: a cross-site form POST to /me/transfer still needs \
             SameSite=Lax or stricter on the session cookie, or a CSRF token.",
            "concept-cors-check",
        ),
    };
    Entry { id, number: id.number(), title: title(id), summary, code, mirrors, fix, spec }
}

/// The short title of one policy, apart from [`entry`] so that a list of titles does not carry
/// the code samples along (the app names policies everywhere but fetches their words).
pub fn title(id: PolicyId) -> &'static str {
    match id {
        PolicyId::None => "No CORS headers: the same-origin policy alone",
        PolicyId::Wildcard => "Access-Control-Allow-Origin: *",
        PolicyId::WildcardWithCredentials => "* together with Access-Control-Allow-Credentials: true",
        PolicyId::ReflectAnyOrigin => "Reflect any origin, with credentials",
        PolicyId::NullTrusted => "The null origin trusted",
        PolicyId::PrefixMatch => "Prefix match",
        PolicyId::SuffixMatch => "Suffix match",
        PolicyId::UnescapedDot => "Unescaped dot in a regex",
        PolicyId::AnySubdomain => "Any subdomain trusted: the sibling takeover",
        PolicyId::MirrorEverything => "Mirrored origin, methods and headers, with credentials",
        PolicyId::AllowHeadersWildcard => "Allow-Headers: * with credentials",
        PolicyId::AllowlistWithoutVary => "A strict allowlist without Vary: Origin",
        PolicyId::OnlyOnSuccess => "CORS headers only on 2xx responses",
        PolicyId::ExposeHeadersWildcard => "Expose-Headers: *",
        PolicyId::MaxAgeYear => "Preflight Max-Age of a year",
        PolicyId::StrictAllowlist => "The strict allowlist, done right",
    }
}

const AXUM_NONE: &str = r#"let app = Router::new()
    .route("/me/balance", get(balance))
    .route("/me/transfer", post(transfer));
// No CorsLayer: OPTIONS answers 405 and no response carries Access-Control-Allow-Origin."#;
const EXPRESS_NONE: &str = r#"const app = express();
app.get('/me/balance', requireSession, balance);
app.post('/me/transfer', requireSession, transfer);
// No app.use(cors())."#;
const FLASK_NONE: &str = r#"app = Flask(__name__)

@app.get("/me/balance")
def balance(): ...
# No CORS(app)."#;

const AXUM_WILDCARD: &str = r#"let cors = CorsLayer::new()
    .allow_origin(Any)
    .allow_methods(Any)
    .allow_headers(Any);
let app = Router::new().route("/me/balance", get(balance)).layer(cors);"#;
const EXPRESS_WILDCARD: &str = r#"app.use(cors()); // Access-Control-Allow-Origin: *"#;
const FLASK_WILDCARD: &str = r#"# Flask-CORS echoes the Origin by default; send_wildcard makes it a literal *.
CORS(app, send_wildcard=True)"#;

const AXUM_WILDCARD_CREDS: &str = r#"// CorsLayer panics on allow_origin(Any) + allow_credentials(true), so it gets written by hand:
let app = Router::new()
    .route("/me/balance", get(balance))
    .layer(SetResponseHeaderLayer::overriding(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
    .layer(SetResponseHeaderLayer::overriding(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true")));"#;
const EXPRESS_WILDCARD_CREDS: &str = r#"// origin defaults to '*', so this answers `*` together with credentials.
app.use(cors({ credentials: true }));"#;
const FLASK_WILDCARD_CREDS: &str = r#"# CORS(app, send_wildcard=True, supports_credentials=True) raises ValueError, so by hand:
@app.after_request
def add_cors(resp):
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Allow-Credentials"] = "true"
    return resp"#;

const AXUM_REFLECT: &str = r#"async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(ORIGIN).cloned();
    let preflight = req.method() == Method::OPTIONS;
    let mut res = if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(req).await };
    let headers = res.headers_mut();
    if let Some(origin) = origin {
        // "Works with every frontend."
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    if preflight {
        headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type"));
    }
    res
}
let app = Router::new()
    .route("/me/balance", get(balance))
    .route("/me/transfer", post(transfer))
    .layer(middleware::from_fn(cors));"#;
const EXPRESS_REFLECT: &str = r#"app.use((req, res, next) => {
  res.header('Access-Control-Allow-Origin', req.headers.origin);
  res.header('Access-Control-Allow-Credentials', 'true');
  if (req.method === 'OPTIONS') {
    res.header('Access-Control-Allow-Methods', 'GET, POST');
    res.header('Access-Control-Allow-Headers', 'Content-Type');
    return res.sendStatus(204);
  }
  next();
});"#;
const FLASK_REFLECT: &str = r#"@app.after_request
def add_cors(resp):
    if "Origin" in request.headers:
        resp.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        resp.headers["Access-Control-Allow-Credentials"] = "true"
    if request.method == "OPTIONS":  # Flask answers OPTIONS on its own
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return resp"#;

const AXUM_NULL: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::list([
        HeaderValue::from_static("http://fintrack.localhost:8080"),
        HeaderValue::from_static("http://partner.localhost:8080"),
        HeaderValue::from_static("null"), // for the file:// prototype
    ]))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE]);"#;
const EXPRESS_NULL: &str = r#"app.use(cors({
  origin: ['http://fintrack.localhost:8080', 'http://partner.localhost:8080', 'null'],
  credentials: true,
}));"#;
const FLASK_NULL: &str = r#"CORS(app,
     origins=["http://fintrack.localhost:8080", "http://partner.localhost:8080", "null"],
     supports_credentials=True)"#;

const AXUM_PREFIX: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
        origin.as_bytes().starts_with(b"http://fintrack.localhost")
            || origin.as_bytes().starts_with(b"http://partner.localhost")
    }))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE]);"#;
const EXPRESS_PREFIX: &str = r#"app.use(cors({
  origin: (origin, cb) => cb(null, !!origin && (
    origin.startsWith('http://fintrack.localhost') ||
    origin.startsWith('http://partner.localhost'))),
  credentials: true,
}));"#;
const FLASK_PREFIX: &str = r#"# A pattern with regex characters is matched with re.match: anchored at the start only.
CORS(app,
     origins=[r"http://fintrack\.localhost", r"http://partner\.localhost"],
     supports_credentials=True)"#;

const AXUM_SUFFIX: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
        let origin = origin.to_str().unwrap_or("");
        let host = origin.trim_start_matches("http://").split(':').next().unwrap_or("");
        host.ends_with("fintrack.localhost") || origin == "http://partner.localhost:8080"
    }))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE]);"#;
const EXPRESS_SUFFIX: &str = r#"app.use(cors({
  origin: (origin, cb) => cb(null, !!origin && (
    new URL(origin).hostname.endsWith('fintrack.localhost') ||
    origin === 'http://partner.localhost:8080')),
  credentials: true,
}));"#;
const FLASK_SUFFIX: &str = r#"CORS(app,
     origins=[r".*fintrack\.localhost(:\d+)?$", "http://partner.localhost:8080"],
     supports_credentials=True)"#;

const AXUM_DOT: &str = r#"let dashboard = Regex::new(r"^http://(www.)?fintrack\.localhost(:\d+)?$").unwrap();
let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
        let origin = origin.to_str().unwrap_or("");
        dashboard.is_match(origin) || origin == "http://partner.localhost:8080"
    }))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE]);"#;
const EXPRESS_DOT: &str = r#"app.use(cors({
  origin: [/^http:\/\/(www.)?fintrack\.localhost(:\d+)?$/, 'http://partner.localhost:8080'],
  credentials: true,
}));"#;
const FLASK_DOT: &str = r#"CORS(app,
     origins=[r"^http://(www.)?fintrack\.localhost(:\d+)?$", "http://partner.localhost:8080"],
     supports_credentials=True)"#;

const AXUM_SUBDOMAIN: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
        let origin = origin.to_str().unwrap_or("");
        let host = origin.trim_start_matches("http://").split(':').next().unwrap_or("");
        host == "fintrack.localhost"
            || host.ends_with(".fintrack.localhost") // "all our own subdomains"
            || origin == "http://partner.localhost:8080"
    }))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE]);"#;
const EXPRESS_SUBDOMAIN: &str = r#"app.use(cors({
  origin: [/^http:\/\/([a-z0-9-]+\.)*fintrack\.localhost(:\d+)?$/, 'http://partner.localhost:8080'],
  credentials: true,
}));"#;
const FLASK_SUBDOMAIN: &str = r#"CORS(app,
     origins=[r"^http://([a-z0-9-]+\.)*fintrack\.localhost(:\d+)?$", "http://partner.localhost:8080"],
     supports_credentials=True)"#;

const AXUM_MIRROR: &str = r#"// Mirrors the request's Origin, method and headers, and allows credentials.
let app = Router::new()
    .route("/me/balance", get(balance))
    .route("/me/email", put(change_email))
    .layer(CorsLayer::very_permissive());"#;
const EXPRESS_MIRROR: &str = r#"// origin: true reflects the Origin; allowedHeaders defaults to echoing the requested headers.
app.use(cors({ origin: true, credentials: true }));"#;
const FLASK_MIRROR: &str = r#"# origins defaults to "*", which Flask-CORS answers by echoing the Origin;
# allow_headers "*" echoes the requested headers; every method is allowed.
CORS(app, supports_credentials=True)"#;

const AXUM_ACAH: &str = r#"// CorsLayer panics on allow_headers(Any) with credentials, so the preflight is hand-written.
async fn preflight(headers: HeaderMap) -> impl IntoResponse {
    let origin = headers.get(ORIGIN).filter(|o| TRUSTED.contains(&o.to_str().unwrap_or("")));
    let Some(origin) = origin.cloned() else { return StatusCode::NO_CONTENT.into_response() };
    (StatusCode::NO_CONTENT, [
        (ACCESS_CONTROL_ALLOW_ORIGIN, origin),
        (ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true")),
        (ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE")),
        (ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("*")), // "every header"
    ]).into_response()
}"#;
const EXPRESS_ACAH: &str = r#"app.use(cors({
  origin: ['http://fintrack.localhost:8080', 'http://partner.localhost:8080'],
  credentials: true,
  allowedHeaders: '*',
}));"#;
const FLASK_ACAH: &str = r#"# Flask-CORS answers allow_headers="*" by echoing the requested headers, so this bug is hand-written:
@app.route("/me/<path:_>", methods=["OPTIONS"])
def preflight(_):
    resp = app.make_default_options_response()
    if request.headers.get("Origin") in TRUSTED:
        resp.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        resp.headers["Access-Control-Allow-Credentials"] = "true"
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
        resp.headers["Access-Control-Allow-Headers"] = "*"
    return resp"#;

const AXUM_NO_VARY: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::list(TRUSTED))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE])
    .vary([]); // "we don't cache anything anyway""#;
const EXPRESS_NO_VARY: &str = r#"app.use((req, res, next) => {
  if (TRUSTED.includes(req.headers.origin)) {
    res.set('Access-Control-Allow-Origin', req.headers.origin);
    res.set('Access-Control-Allow-Credentials', 'true');
  }
  next(); // no Vary: Origin
});"#;
const FLASK_NO_VARY: &str = r#"CORS(app, origins=TRUSTED, supports_credentials=True, vary_header=False)"#;

const AXUM_ONLY_2XX: &str = r#"async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(ORIGIN).filter(|o| TRUSTED.contains(&o.to_str().unwrap_or(""))).cloned();
    let mut res = next.run(req).await;
    if res.status().is_success() { // "only real data needs CORS"
        if let Some(origin) = origin {
            res.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            res.headers_mut().insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        }
    }
    res
}"#;
const EXPRESS_ONLY_2XX: &str = r#"app.get('/me/balance', (req, res) => {
  if (!req.session) return res.status(401).json({ error: 'not signed in' }); // no CORS headers
  setCorsHeaders(req, res);
  res.json(balanceOf(req.session));
});"#;
const FLASK_ONLY_2XX: &str = r#"@app.after_request
def add_cors(resp):
    if resp.status_code < 300 and request.headers.get("Origin") in TRUSTED:
        resp.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        resp.headers["Access-Control-Allow-Credentials"] = "true"
    return resp"#;

const AXUM_ACEH: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::list(TRUSTED))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE]);
// expose_headers(Any) panics with credentials, so the header is added after the layer:
let app = router.layer(cors).layer(SetResponseHeaderLayer::overriding(
    ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("*")));"#;
const EXPRESS_ACEH: &str = r#"app.use(cors({ origin: TRUSTED, credentials: true, exposedHeaders: '*' }));"#;
const FLASK_ACEH: &str = r#"CORS(app, origins=TRUSTED, supports_credentials=True, expose_headers="*")"#;

const AXUM_MAX_AGE: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::list(TRUSTED))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE])
    .max_age(Duration::from_secs(365 * 24 * 60 * 60)); // "save the round trip""#;
const EXPRESS_MAX_AGE: &str = r#"app.use(cors({ origin: TRUSTED, credentials: true, maxAge: 31536000 }));"#;
const FLASK_MAX_AGE: &str = r#"CORS(app, origins=TRUSTED, supports_credentials=True, max_age=31536000)"#;

const AXUM_STRICT: &str = r#"let cors = CorsLayer::new()
    .allow_origin(AllowOrigin::list([
        HeaderValue::from_static("http://fintrack.localhost:8080"),
        HeaderValue::from_static("http://partner.localhost:8080"),
    ]))
    .allow_credentials(true)
    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
    .allow_headers([CONTENT_TYPE])
    .expose_headers([HeaderName::from_static("x-request-id")])
    .max_age(Duration::from_secs(600)); // Vary: Origin is CorsLayer's default"#;
const EXPRESS_STRICT: &str = r#"app.use(cors({
  origin: ['http://fintrack.localhost:8080', 'http://partner.localhost:8080'], // adds Vary: Origin
  credentials: true,
  methods: ['GET', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['Content-Type'],
  exposedHeaders: ['X-Request-Id'],
  maxAge: 600,
}));"#;
const FLASK_STRICT: &str = r#"CORS(app,
     origins=["http://fintrack.localhost:8080", "http://partner.localhost:8080"],
     supports_credentials=True,
     methods=["GET", "POST", "PUT", "DELETE"],
     allow_headers=["Content-Type"],
     expose_headers=["X-Request-Id"],
     max_age=600)"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_has_words_and_three_samples() {
        let all = catalog();
        assert_eq!(all.len(), 16);
        for entry in &all {
            for text in [
                entry.title,
                entry.summary,
                entry.fix,
                &entry.code.axum,
                &entry.code.express,
                &entry.code.flask,
            ] {
                assert!(!text.trim().is_empty(), "{}", entry.id);
            }
            assert!(
                entry.id == PolicyId::None || !entry.mirrors.is_empty(),
                "{} mirrors something",
                entry.id
            );
        }
    }

    #[test]
    fn every_entry_reads_back_as_its_text() {
        for entry in catalog() {
            let text: EntryText = serde_json::from_value(serde_json::to_value(&entry).unwrap()).unwrap();
            assert_eq!(
                (text.id, text.number, text.title.as_str()),
                (entry.id, entry.number, title(entry.id))
            );
            assert_eq!((text.summary.as_str(), text.fix.as_str()), (entry.summary, entry.fix));
            let code = [text.code.axum.as_str(), &text.code.express, &text.code.flask];
            assert_eq!(code, [&*entry.code.axum, &entry.code.express, &entry.code.flask]);
            let mirrors: Vec<_> = text.mirrors.iter().map(|m| (m.name.as_str(), m.what.as_str())).collect();
            assert_eq!(mirrors, entry.mirrors.iter().map(|m| (m.name, m.what)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn samples_name_the_port_the_lab_runs_on() {
        let written = entry(PolicyId::StrictAllowlist).code;
        assert!(written.express.contains("'http://fintrack.localhost:8080'"), "{}", written.express);
        let moved = written.clone().on_port(9000);
        assert!(moved.express.contains("'http://fintrack.localhost:9000'"), "{}", moved.express);
        assert!(moved.flask.contains("\"http://partner.localhost:9000\""), "{}", moved.flask);
        assert!(!format!("{moved:?}").contains("8080"), "{moved:?}");
        let on_80 = written.clone().on_port(80);
        assert!(on_80.axum.contains("\"http://fintrack.localhost\""), "{}", on_80.axum);
        assert_eq!(written.clone().on_port(8080), written);
    }

    #[test]
    fn cited_sections_are_in_the_pinned_anchor_list() {
        let anchors = include_str!("../../engine/spec/fetch-anchors.txt");
        for entry in catalog() {
            assert!(anchors.lines().any(|l| l.trim() == entry.spec), "{}: {}", entry.id, entry.spec);
        }
    }
}
