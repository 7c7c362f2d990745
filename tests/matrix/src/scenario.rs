//! One scenario: where the fetching page stands, what its script asks for, how the server
//! answers, and the browser settings and cookies around it. Pure data with the functions that
//! turn it into URLs, scripted answers and the answers the server is declared to give.

use corslab_engine::exchange::{CredentialsMode, RedirectMode, RequestMode, ThirdPartyCookies};
use corslab_engine::header::{HeaderName, HeaderValue};
use corslab_engine::request::is_forbidden_request_header;
use corslab_lab::hosts::{
    API, ATTACKER, DASHBOARD, DOT_LOOKALIKE, PARTNER, PREFIX_LOOKALIKE, SIBLING, SUFFIX_LOOKALIKE,
    https_origin_on, origin_on,
};
use corslab_lab::policy::{Ask, PolicyId};
use corslab_lab::redirect::{BOUNCE_PATH, unfollowable_location};
use corslab_lab::scripted::{self, Script, Scripted};
use corslab_lab::{CookieSettings, Ports, SameSiteChoice};
use serde::{Deserialize, Serialize};

/// One fetch to pose to both browsers and to the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// A stable, descriptive id: the family, then each factor's level (`policy/wildcard/attacker/…`).
    pub id: String,
    /// The family that generated it.
    pub family: String,
    /// The browser settings, cookies and page it runs under.
    pub setup: Setup,
    /// What the page's script asks for.
    pub fetch: Fetch,
    /// Fetches the page makes to the same URL just before `fetch`, in order, so that the
    /// preflight cache holds what they left: only `fetch` is observed and compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<Fetch>,
    /// Where the fetches before run when not where `fetch` does: a page of the same origin under
    /// another top-level site, whose preflight cache is another partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_from: Option<Position>,
    /// Seconds the page waits between the fetches before and its own, for cache entries to age.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pause_s: u64,
    /// Where it goes and how the server answers.
    pub target: Target,
}

/// What a scenario runs under: the groups the runner sorts by, so browsers start and pages load
/// once per group rather than once per scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Setup {
    /// The browser's third-party cookie setting (one browser session each).
    pub third_party: ThirdParty,
    /// The session cookie's attributes at login (one login each).
    pub cookie: Cookie,
    /// Where the fetching page stands (one tab each).
    pub position: Position,
}

/// The third-party cookie setting, ordered for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThirdParty {
    /// The browser's own default.
    Default,
    /// Allowed.
    Allowed,
    /// Blocked.
    Blocked,
}

/// The session cookie's attributes, ordered for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cookie {
    /// `SameSite`: 0 unset, 1 Lax, 2 Strict, 3 None.
    same_site: u8,
    /// `Partitioned`.
    partitioned: bool,
}

/// Where the page that calls `fetch` stands relative to the API (`api.fintrack.localhost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    /// A page on the API's own origin.
    SameOrigin,
    /// FinTrack's dashboard: same site, another origin, trusted by the allowlists.
    Dashboard,
    /// The compromised blog: same site, another origin.
    Sibling,
    /// The API's host on the lab's second port: same host and site, another origin.
    OtherPort,
    /// The trusted partner: cross-site.
    Partner,
    /// The giveaway page: cross-site.
    Attacker,
    /// A sandboxed iframe (`Origin: null`) on the giveaway page.
    NullUnderAttacker,
    /// A sandboxed iframe (`Origin: null`) on the blog, a same-site top level.
    NullUnderSibling,
    /// The giveaway page framed by the blog: a cross-site iframe under a top level of the
    /// API's own site.
    AttackerUnderSibling,
    /// The blog framed by the giveaway: a frame of the API's own site under a cross-site top
    /// level.
    SiblingUnderAttacker,
    /// `fintrack.localhost.free-crypto-giveaway.localhost`.
    PrefixLookalike,
    /// `evilfintrack.localhost`.
    SuffixLookalike,
    /// `wwwxfintrack.localhost`.
    DotLookalike,
    /// The blog written with a trailing dot (`blog.fintrack.localhost.`): another origin, and
    /// by the URL Standard's letter another registrable domain too.
    SiblingTrailingDot,
    /// The blog over https: the API's registrable domain under another scheme.
    HttpsSibling,
    /// The partner over https: cross-site.
    HttpsPartner,
    /// A page on a public address (`http://public.test` on the lab's public port), which Local
    /// Network Access keeps from the loopback lab.
    Public,
    /// The same page over https (`https://public.test` on the lab's public https port): a
    /// secure context, which may ask for the permission.
    PublicHttps,
}

/// What the page's script passes to `fetch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fetch {
    /// The method as written (`patch` stays lower case).
    pub method: String,
    /// The headers the script sets, in order (forbidden ones included: the browser drops them).
    pub headers: Vec<(String, String)>,
    /// The body, for methods that may have one.
    pub body: Option<String>,
    /// `mode`.
    pub mode: RequestMode,
    /// `credentials`.
    pub credentials: CredentialsMode,
    /// `redirect`.
    pub redirect: RedirectMode,
}

/// Where the fetch goes and how the server answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Target {
    /// A FinTrack endpoint under one of the sixteen policies (`?policy=`).
    Api {
        /// The policy.
        policy: PolicyId,
        /// The endpoint's path.
        path: String,
    },
    /// `/redirect?to=…&status=…` under a policy: a redirect to `/me/balance`, or to where a
    /// fetch may not follow.
    Redirect {
        /// The policy (it carries over to the hop).
        policy: PolicyId,
        /// `same`, `cross` (the other port), `port-N` (port N, where the lab listens for the
        /// run), `https` (the API's https origin), `credentialed` (`user:pass@`) or `relative`
        /// (a path alone); or `data` (a `data:` URL), `invalid` (a Location that does not parse)
        /// and `none` (no Location), which end the fetch at the redirect.
        to: String,
        /// The redirect status.
        status: u16,
        /// How many redirects in a row (`/redirect` again until the last): 1 unless set.
        #[serde(default = "one_hop", skip_serializing_if = "is_one_hop")]
        hops: u8,
    },
    /// `/__lab/bounce` on another lab host: a redirect to `/me/balance` under a policy that
    /// passes through that host's site on the way.
    Bounce {
        /// The host the fetch goes through first.
        via: String,
        /// The API's policy.
        policy: PolicyId,
        /// The redirect status.
        status: u16,
    },
    /// A URL written with `{run}` where the run goes and `{port}` for the lab's port: one the lab
    /// does not serve (`ftp:`, `data:`, `blob:`, `file:` …), or one `fetch()` refuses to make a
    /// request of (credentials in it), where the browser decides alone; or one on a name the lab
    /// serves as the API for the run ([`UNTRUSTWORTHY_NAMES`]), whose answer is logged like any.
    Elsewhere {
        /// The URL.
        url: String,
    },
    /// The balance under a policy on a port of the Fetch Standard's bad-port list, where the lab
    /// listens only while the matrix runs: whether the browser connects shows in the log.
    BadPort {
        /// The port.
        port: u16,
        /// The policy.
        policy: PolicyId,
    },
    /// The balance under a policy on the lab's https port.
    SecureApi {
        /// The policy.
        policy: PolicyId,
    },
    /// A `blob:` URL the page creates itself just before it fetches it. The Exchange names it
    /// `blob:<page origin>/<run>`; the page fetches the one it made.
    OwnBlob,
    /// `/scripted`: exactly these shapes.
    Scripted {
        /// The preflight's answer (`None`: preflights get the response's answer).
        preflight: Option<Shape>,
        /// Another preflight answer, for the fetches that set one header: how fetches to one URL
        /// meet different preflight answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asking: Option<Asking>,
        /// The response's answer.
        response: Shape,
    },
}

/// The preflight answer for the fetches that set `header`, a name a preflight asks about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asking {
    /// The header name.
    pub header: String,
    /// The preflight's answer to them.
    pub answer: Shape,
}

/// A scripted answer, in terms of the page: the value of each CORS header is a shape that the
/// runner resolves against the page's origin and the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// The status.
    pub status: u16,
    /// `Access-Control-Allow-Origin`.
    pub acao: Acao,
    /// `Access-Control-Allow-Credentials`.
    pub acac: Acac,
    /// `Access-Control-Allow-Methods`.
    pub acam: Allow,
    /// `Access-Control-Allow-Headers`.
    pub acah: Allow,
    /// `Access-Control-Expose-Headers` (the answer always carries `X-Secret` and `X-Other`).
    pub expose: Expose,
    /// `Access-Control-Max-Age`.
    pub max_age: MaxAge,
    /// `Location` lines beside the one a redirect status carries.
    pub location: Location,
}

/// The shape of `Access-Control-Allow-Origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Acao {
    /// Absent.
    Missing,
    /// The page's origin.
    Exact,
    /// `*`.
    Star,
    /// `null`.
    Null,
    /// The page's origin with a trailing slash.
    TrailingSlash,
    /// The page's origin with its host in capitals.
    UpperCase,
    /// The page's origin without its port.
    NoPort,
    /// The page's origin with `https`.
    Https,
    /// The page's origin and the partner's, comma-separated.
    List,
    /// Two header lines, each the page's origin.
    Repeated,
    /// An empty value.
    Empty,
    /// The page's origin with spaces around it (HTTP strips them).
    Padded,
    /// Another origin (the partner's).
    Other,
}

/// The shape of `Access-Control-Allow-Credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Acac {
    /// Absent.
    Missing,
    /// `true`.
    True,
    /// `True`: not the exact byte string.
    TitleCase,
    /// `false`.
    False,
    /// Two header lines, `true` and `true`: one value, `true, true`, once combined.
    Repeated,
    /// `true` between spaces, which HTTP parsing strips.
    Padded,
}

/// The shape of `Access-Control-Allow-Methods` or `-Headers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allow {
    /// Absent.
    Missing,
    /// Exactly what the request uses (the method; every header the script sets).
    Exact,
    /// `*`.
    Star,
    /// What the request uses, lower-cased (methods compare byte for byte).
    Lower,
    /// Something else (`GET, POST`; `X-Other`).
    Other,
    /// What the request uses, followed by a token that does not parse.
    Invalid,
    /// Two header lines: what the request uses, then something else.
    Repeated,
    /// What the request uses among empty items and extra spaces: `  PUT ,, GET `.
    Loose,
    /// What the request uses and a trailing comma.
    TrailingComma,
    /// What the request uses, then `*`.
    AndStar,
    /// What the request uses, in double quotes (not a token).
    Quoted,
    /// What the request uses, upper-cased (`PATCH` for a `patch`).
    Upper,
}

/// The shape of `Access-Control-Expose-Headers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expose {
    /// Absent.
    None,
    /// `*`.
    Star,
    /// `X-Secret`.
    List,
    /// Two header lines, `X-Secret` and `X-Other`.
    Repeated,
    /// `x-secret` in lower case, with spaces around and an empty item (`  x-secret ,, X-Other `).
    Loose,
    /// `X-Secret, (bad)`: an item that is no token.
    Invalid,
    /// `X-Secret, *` with credentials allowed: `*` is a plain name then.
    NameAndStar,
}

/// The shape of `Access-Control-Max-Age`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaxAge {
    /// Absent: the spec's default of five seconds.
    Missing,
    /// `0`: do not cache.
    Zero,
    /// `600`: ten minutes.
    TenMinutes,
    /// `1`: one second.
    OneSecond,
    /// `-1`: not a number of seconds.
    Negative,
    /// `5m`: not a number of seconds either.
    Invalid,
    /// `+600`: a signed integer, yet not delta-seconds.
    Plus,
}

/// `Location` on an answer that is no redirect: lines the browser's HTTP layer reads before any
/// CORS rule (two that differ look like response splitting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    /// None.
    Missing,
    /// One line.
    Once,
    /// Two identical lines.
    Repeated,
    /// Two lines that differ.
    Differing,
}

/// The answers the scenario declares the server gives: what the Exchange falls back on where
/// the log holds no answer because the browser sent no request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The preflight's answer.
    pub preflight: Scripted,
    /// The response.
    pub response: Scripted,
    /// After a redirect, the hop's answers.
    pub next: Option<Box<Declared>>,
}

impl Position {
    /// Every position, nearest first.
    pub const ALL: [Self; 14] = [
        Self::SameOrigin,
        Self::Dashboard,
        Self::Sibling,
        Self::OtherPort,
        Self::Partner,
        Self::Attacker,
        Self::NullUnderAttacker,
        Self::NullUnderSibling,
        Self::AttackerUnderSibling,
        Self::SiblingUnderAttacker,
        Self::PrefixLookalike,
        Self::SuffixLookalike,
        Self::DotLookalike,
        Self::SiblingTrailingDot,
    ];

    /// The position's slug.
    pub fn slug(self) -> &'static str {
        match self {
            Self::SameOrigin => "same-origin",
            Self::Dashboard => "dashboard",
            Self::Sibling => "sibling",
            Self::OtherPort => "other-port",
            Self::Partner => "partner",
            Self::Attacker => "attacker",
            Self::NullUnderAttacker => "null-under-attacker",
            Self::NullUnderSibling => "null-under-sibling",
            Self::AttackerUnderSibling => "attacker-under-sibling",
            Self::SiblingUnderAttacker => "sibling-under-attacker",
            Self::PrefixLookalike => "prefix-lookalike",
            Self::SuffixLookalike => "suffix-lookalike",
            Self::DotLookalike => "dot-lookalike",
            Self::SiblingTrailingDot => "sibling-trailing-dot",
            Self::HttpsSibling => "https-sibling",
            Self::HttpsPartner => "https-partner",
            Self::Public => "public",
            Self::PublicHttps => "public-https",
        }
    }

    /// The positions on `https` pages, outside [`Self::ALL`]: their own family varies them.
    pub const HTTPS: [Self; 2] = [Self::HttpsSibling, Self::HttpsPartner];

    /// Every position outside [`Self::ALL`], which families of their own use.
    pub const OTHERS: [Self; 4] = [Self::HttpsSibling, Self::HttpsPartner, Self::Public, Self::PublicHttps];

    /// Whether the page is on one of the lab's public ports.
    pub fn public(self) -> bool {
        matches!(self, Self::Public | Self::PublicHttps)
    }

    /// Whether the page is served over https (the lab's https port).
    pub fn https(self) -> bool {
        Self::HTTPS.contains(&self)
    }

    /// Whether the fetching page is a sandboxed iframe with an opaque origin.
    pub fn sandboxed(self) -> bool {
        matches!(self, Self::NullUnderAttacker | Self::NullUnderSibling)
    }

    /// Whether the fetching page is an iframe, so the exchange has a top level of its own.
    pub fn framed(self) -> bool {
        self.sandboxed() || self.cross_site_frame().is_some()
    }

    /// The host of the plain page a cross-site frame shows, when the position is one.
    fn cross_site_frame(self) -> Option<&'static str> {
        match self {
            Self::AttackerUnderSibling => Some(ATTACKER),
            Self::SiblingUnderAttacker => Some(SIBLING),
            _ => None,
        }
    }

    /// The page the position's tab frames and fetches from, when it is a frame: the sandboxed
    /// relay of the top level's own host, or the plain frameable page of another site.
    pub fn frame_url(self, ports: &Ports) -> Option<String> {
        match self.cross_site_frame() {
            Some(host) => Some(format!("{}/__lab/frame", origin_on(host, ports.main))),
            None if self.sandboxed() => Some("/__lab/sandbox".to_owned()),
            None => None,
        }
    }

    /// The origin of the top-level page.
    pub fn top_origin(self, ports: &Ports) -> String {
        match self {
            Self::Public => return origin_on(PUBLIC_NAME, ports.public.unwrap_or(ports.main)),
            Self::PublicHttps => {
                return https_origin_on(PUBLIC_NAME, ports.public_https.unwrap_or(ports.main));
            }
            _ => {}
        }
        let (host, second) = self.top_host();
        if self.https() {
            return ports.https_origin(host).unwrap_or_else(|| origin_on(host, ports.main));
        }
        let port = if second { ports.second.unwrap_or(ports.main) } else { ports.main };
        origin_on(host, port)
    }

    /// The origin of the page that calls `fetch`: `null` inside the sandbox, the giveaway's in
    /// its frame.
    pub fn page_origin(self, ports: &Ports) -> String {
        match self {
            _ if self.sandboxed() => "null".to_owned(),
            _ => match self.cross_site_frame() {
                Some(host) => origin_on(host, ports.main),
                None => self.top_origin(ports),
            },
        }
    }

    /// The URL the position's tab opens. Page hosts serve the lab's page on any path; a page on
    /// the API's host is a scripted HTML answer that lets it fetch its own origin.
    pub fn top_url(self, ports: &Ports) -> String {
        let origin = self.top_origin(ports);
        if self.cross_site_frame().is_some() {
            // The app's own pages frame only their own origin: a plain page frames the other site.
            return format!("{origin}/__lab/frame");
        }
        if self.https() {
            // At the root: Chromium's mixed-content message names the page's URL, and an
            // Exchange knows only its origin, which the engine writes with a `/`.
            return format!("{origin}/");
        }
        if self.top_host().0 != API {
            return format!("{origin}/matrix");
        }
        // The lab's own pages' sources, as its server writes them.
        let lab = corslab_server::pages::lab_sources(ports, &[], &[]);
        // Other schemes are open too, so the scheme family sees what fetch itself does with them.
        let csp = format!("default-src 'none'; connect-src 'self' {lab} {OTHER_SCHEMES}");
        let page = Scripted {
            body: Some(PAGE.to_owned()),
            ..Scripted::new(
                200,
                &[("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", &csp)],
            )
        };
        Script::always(page).url(&origin, None)
    }

    fn top_host(self) -> (&'static str, bool) {
        match self {
            Self::SameOrigin => (API, false),
            Self::OtherPort => (API, true),
            Self::Dashboard => (DASHBOARD, false),
            Self::Sibling | Self::NullUnderSibling | Self::AttackerUnderSibling | Self::HttpsSibling => {
                (SIBLING, false)
            }
            Self::Partner | Self::HttpsPartner | Self::Public | Self::PublicHttps => (PARTNER, false),
            Self::Attacker | Self::NullUnderAttacker | Self::SiblingUnderAttacker => (ATTACKER, false),
            Self::PrefixLookalike => (PREFIX_LOOKALIKE, false),
            Self::SuffixLookalike => (SUFFIX_LOOKALIKE, false),
            Self::DotLookalike => (DOT_LOOKALIKE, false),
            Self::SiblingTrailingDot => (SIBLING_TRAILING_DOT, false),
        }
    }
}

fn is_zero(seconds: &u64) -> bool {
    *seconds == 0
}

fn one_hop() -> u8 {
    1
}

fn is_one_hop(hops: &u8) -> bool {
    *hops == 1
}

/// Names the lab serves as the API for the run and the browsers resolve to loopback: not
/// potentially trustworthy, so an https page fetching them over http meets mixed content (a
/// `.local` name is a local-network one too).
pub const UNTRUSTWORTHY_NAMES: [&str; 2] = ["printer.local", "insecure.test"];

/// The name of the page the browsers take for a public one (served on the lab's public port,
/// which each browser is told is a public address): a plain-http page outside `localhost`,
/// so not a secure context either.
pub const PUBLIC_NAME: &str = "public.test";

/// The blog's host in its fully qualified form, which the lab serves as the blog.
const SIBLING_TRAILING_DOT: &str = "blog.fintrack.localhost.";

/// The schemes other than HTTP(S) a page on the API's host may connect to.
const OTHER_SCHEMES: &str = "data: blob: ftp: ws: wss: file: about:";

/// The page every position's tab shows: nothing but a document to run fetches from.
pub const PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>corslab matrix</title></head><body><p>corslab differential matrix</p></body></html>\n";

impl ThirdParty {
    /// Every setting.
    pub const ALL: [Self; 3] = [Self::Default, Self::Allowed, Self::Blocked];

    /// The slug (`3p-default`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Default => "3p-default",
            Self::Allowed => "3p-allowed",
            Self::Blocked => "3p-blocked",
        }
    }

    /// The engine's setting.
    pub fn engine(self) -> ThirdPartyCookies {
        match self {
            Self::Default => ThirdPartyCookies::Default,
            Self::Allowed => ThirdPartyCookies::Allowed,
            Self::Blocked => ThirdPartyCookies::Blocked,
        }
    }
}

impl Cookie {
    /// Every choice: `SameSite` unset, Lax, Strict and None, each plain and `Partitioned`.
    pub const ALL: [Self; 8] = [
        Self { same_site: 1, partitioned: false },
        Self { same_site: 0, partitioned: false },
        Self { same_site: 2, partitioned: false },
        Self { same_site: 3, partitioned: false },
        Self { same_site: 1, partitioned: true },
        Self { same_site: 0, partitioned: true },
        Self { same_site: 2, partitioned: true },
        Self { same_site: 3, partitioned: true },
    ];

    /// What apps ship today: `SameSite=Lax`, not partitioned.
    pub const DEFAULT: Self = Self::ALL[0];

    /// The lab's settings for it.
    pub fn settings(self) -> CookieSettings {
        let same_site = match self.same_site {
            0 => SameSiteChoice::Unset,
            2 => SameSiteChoice::Strict,
            3 => SameSiteChoice::None,
            _ => SameSiteChoice::Lax,
        };
        CookieSettings { same_site, partitioned: self.partitioned }
    }

    /// The slug (`lax`, `none-chips`).
    pub fn slug(self) -> &'static str {
        match (self.same_site, self.partitioned) {
            (0, false) => "unset",
            (0, true) => "unset-chips",
            (2, false) => "strict",
            (2, true) => "strict-chips",
            (3, false) => "none",
            (3, true) => "none-chips",
            (_, false) => "lax",
            (_, true) => "lax-chips",
        }
    }
}

impl Setup {
    /// The lab's everyday setup for `position`: browser defaults, a `SameSite=Lax` session.
    pub fn everyday(position: Position) -> Self {
        Self { third_party: ThirdParty::Default, cookie: Cookie::DEFAULT, position }
    }
}

impl Fetch {
    /// A fetch with `method`, no headers and no body, in `cors` mode, following redirects.
    pub fn new(method: &str, credentials: CredentialsMode) -> Self {
        Self {
            method: method.to_owned(),
            headers: Vec::new(),
            body: None,
            mode: RequestMode::Cors,
            credentials,
            redirect: RedirectMode::Follow,
        }
    }

    /// Adds a header the script sets.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Whether the script sets the header `name`.
    pub fn sets(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Gives the fetch a body.
    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    /// The header names a preflight would list, lower-cased, sorted, joined by commas: every
    /// name the script sets except the forbidden ones (an upper bound that scripted answers
    /// allow in full).
    pub fn header_names(&self) -> String {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, v)| match (HeaderName::new(n), HeaderValue::new(v)) {
                (Ok(n), Ok(v)) => !is_forbidden_request_header(&n, &v),
                _ => false,
            })
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort();
        names.dedup();
        names.join(",")
    }
}

impl Target {
    /// The port besides the lab's two that the target reaches (a bad port, directly or by a
    /// redirect), where the lab must listen for the run.
    pub fn extra_port(&self) -> Option<u16> {
        match self {
            Self::BadPort { port, .. } => Some(*port),
            Self::Redirect { to, .. } => to.strip_prefix("port-")?.parse().ok(),
            _ => None,
        }
    }
}

impl Scenario {
    /// A scenario of one fetch, with nothing before it.
    pub fn new(id: String, family: &str, setup: Setup, fetch: Fetch, target: Target) -> Self {
        Self {
            id,
            family: family.to_owned(),
            setup,
            fetch,
            before: Vec::new(),
            before_from: None,
            pause_s: 0,
            target,
        }
    }

    /// The URL fetched, with `run` to find its requests in the log.
    pub fn url(&self, ports: &Ports, run: &str) -> String {
        let api = origin_on(API, ports.main);
        match &self.target {
            Target::Api { policy, path } => format!("{api}{path}?policy={}&run={run}", policy.id()),
            Target::Redirect { policy, to, status, hops: 1 } => {
                format!("{api}/redirect?to={to}&status={status}&policy={}&run={run}", policy.id())
            }
            Target::Redirect { policy, to, status, hops } => {
                format!("{api}/redirect?to={to}&status={status}&hops={hops}&policy={}&run={run}", policy.id())
            }
            Target::Scripted { .. } => {
                self.script(ports).map_or_else(String::new, |s| s.url(&api, Some(run)))
            }
            Target::Bounce { via, policy, status } => format!(
                "{}{BOUNCE_PATH}?status={status}&policy={}&run={run}",
                origin_on(via, ports.main),
                policy.id()
            ),
            Target::Elsewhere { url } => url.replace("{run}", run).replace("{port}", &ports.main.to_string()),
            Target::BadPort { port, policy } => {
                format!("{}/me/balance?policy={}&run={run}", origin_on(API, *port), policy.id())
            }
            Target::SecureApi { policy } => {
                let api = ports.https_origin(API).unwrap_or_else(|| origin_on(API, ports.main));
                format!("{api}/me/balance?policy={}&run={run}", policy.id())
            }
            Target::OwnBlob => format!("blob:{}/{run}", self.setup.position.page_origin(ports)),
        }
    }

    /// Whether the URL is a blob URL of the page's own, which the page creates before fetching.
    pub fn own_blob(&self) -> bool {
        self.target == Target::OwnBlob
    }

    /// The page's first fetch to the URL: the first of `before`, else `fetch`.
    pub fn first(&self) -> &Fetch {
        self.before.first().unwrap_or(&self.fetch)
    }

    /// The scripted answer, resolved against the page and its first fetch (the one whose
    /// preflight a browser may cache); the answer for the fetches that set a header, against the
    /// first of them.
    pub fn script(&self, ports: &Ports) -> Option<Script> {
        let Target::Scripted { preflight, asking, response } = &self.target else { return None };
        let origin = self.setup.position.page_origin(ports);
        let resolve = |shape: &Shape, fetch: &Fetch| shape.resolve(&origin, fetch, ports);
        let fetches = || self.before.iter().chain([&self.fetch]);
        let asking = asking.as_ref().map(|Asking { header, answer }| {
            let first = fetches().find(|f| f.sets(header)).unwrap_or(&self.fetch);
            scripted::Asking { header: header.clone(), answer: resolve(answer, first) }
        });
        Some(Script {
            preflight: preflight.as_ref().map(|p| resolve(p, self.first())),
            asking,
            response: resolve(response, self.first()),
        })
    }

    /// The answers the server is declared to give to `fetch`, from the policy's function or the
    /// script.
    pub fn declared(&self, ports: &Ports, fetch: &Fetch) -> Declared {
        let origin = self.setup.position.page_origin(ports);
        let names = fetch.header_names();
        let policy_answers = |policy: PolicyId, origin: &str| {
            let preflight = Ask {
                origin: Some(origin),
                request_method: Some(&fetch.method),
                request_headers: (!names.is_empty()).then_some(names.as_str()),
                status: 0,
            };
            let response = Ask { origin: Some(origin), status: 200, ..Ask::default() };
            (
                scripted(policy.preflight_status(), policy.headers(ports, &preflight)),
                scripted(200, policy.headers(ports, &response)),
            )
        };
        match &self.target {
            Target::Api { policy, .. } | Target::BadPort { policy, .. } | Target::SecureApi { policy } => {
                let (preflight, response) = policy_answers(*policy, &origin);
                Declared { preflight, response, next: None }
            }
            Target::Redirect { policy, to, status, hops } if *hops > 1 => {
                // A chain on the API's own origin: each hop the endpoint again, then the balance.
                let api = origin_on(API, ports.main);
                let (preflight, response) = policy_answers(*policy, &origin);
                let mut declared = Declared { preflight, response, next: None };
                for left in 1..=*hops {
                    let (preflight, mut response) = policy_answers(*policy, &origin);
                    response.status = *status;
                    let location = if left == 1 {
                        format!("{api}/me/balance?policy={}", policy.id())
                    } else {
                        format!(
                            "{api}/redirect?to={to}&status={status}&hops={}&policy={}",
                            left - 1,
                            policy.id()
                        )
                    };
                    response.headers.push(("Location".to_owned(), location));
                    declared = Declared { preflight, response, next: Some(Box::new(declared)) };
                }
                declared
            }
            Target::Redirect { policy, to, status, .. } => {
                let (preflight, mut response) = policy_answers(*policy, &origin);
                response.status = *status;
                // Places a fetch may not follow: the redirect is the last answer.
                if let Some(location) = unfollowable_location(to) {
                    response.headers.push(("Location".to_owned(), location.to_owned()));
                    return Declared { preflight, response, next: None };
                }
                if to == "none" {
                    return Declared { preflight, response, next: None };
                }
                let port = match to.as_str() {
                    "cross" => ports.second.unwrap_or(ports.main),
                    "https" => ports.https.unwrap_or(ports.main),
                    _ => self.target.extra_port().unwrap_or(ports.main),
                };
                let host = if to == "credentialed" { format!("user:pass@{API}") } else { API.to_owned() };
                let base = match to.as_str() {
                    "relative" => String::new(),
                    "https" => ports.https_origin(API).unwrap_or_default(),
                    _ => origin_on(&host, port),
                };
                let location = format!("{base}/me/balance?policy={}", policy.id());
                response.headers.push(("Location".to_owned(), location));
                // After a cross-origin redirect the request's origin is tainted to `null`.
                let hop_origin = if port != ports.main { "null" } else { origin.as_str() };
                let (hop_preflight, hop_response) = policy_answers(*policy, hop_origin);
                let next = Declared { preflight: hop_preflight, response: hop_response, next: None };
                Declared { preflight, response, next: Some(Box::new(next)) }
            }
            Target::Bounce { via, policy, status } => {
                // The bounce lets the page follow; the API answers the origin the hop carries,
                // `null` once the bounce has tainted it.
                let mut bounce = Scripted::new(*status, &[]);
                for (name, value) in [
                    ("Location", format!("{}/me/balance?policy={}", origin_on(API, ports.main), policy.id())),
                    ("Access-Control-Allow-Origin", origin.clone()),
                    ("Access-Control-Allow-Credentials", "true".to_owned()),
                ] {
                    bounce.headers.push((name.to_owned(), value));
                }
                let via_origin = origin_on(via, ports.main);
                let hop_origin = if via_origin == origin { origin.as_str() } else { "null" };
                let (preflight, response) = policy_answers(*policy, hop_origin);
                let next = Declared { preflight, response, next: None };
                Declared { preflight: bounce.clone(), response: bounce, next: Some(Box::new(next)) }
            }
            Target::Elsewhere { .. } | Target::OwnBlob => {
                let nothing = Scripted::new(200, &[]);
                Declared { preflight: nothing.clone(), response: nothing, next: None }
            }
            Target::Scripted { .. } => {
                let script = self.script(ports).unwrap_or_else(|| Script::always(Scripted::new(200, &[])));
                let preflight = script.answer_for(Some(&fetch.header_names())).clone();
                Declared { preflight, response: script.response, next: None }
            }
        }
    }
}

impl Target {
    /// `/scripted` answering preflights with `preflight` (when given) and everything else with
    /// `response`.
    pub fn scripted(preflight: Option<Shape>, response: Shape) -> Self {
        Self::Scripted { preflight, asking: None, response }
    }
}

impl Shape {
    /// A 200 answer that lets the page read: its origin, credentials allowed.
    pub const READABLE: Self = Self {
        status: 200,
        acao: Acao::Exact,
        acac: Acac::True,
        acam: Allow::Missing,
        acah: Allow::Missing,
        expose: Expose::List,
        max_age: MaxAge::Missing,
        location: Location::Missing,
    };

    /// A 204 preflight answer that allows exactly what the request asks, credentials included.
    pub const PREFLIGHT_OK: Self = Self {
        status: 204,
        acao: Acao::Exact,
        acac: Acac::True,
        acam: Allow::Exact,
        acah: Allow::Exact,
        expose: Expose::None,
        max_age: MaxAge::Missing,
        location: Location::Missing,
    };

    /// The headers and status for a page at `origin` sending `fetch`.
    pub fn resolve(&self, origin: &str, fetch: &Fetch, ports: &Ports) -> Scripted {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut add = |name: &str, value: String| headers.push((name.to_owned(), value));
        let partner = origin_on(PARTNER, ports.main);
        match self.acao {
            Acao::Missing => {}
            Acao::Exact => add("Access-Control-Allow-Origin", origin.to_owned()),
            Acao::Star => add("Access-Control-Allow-Origin", "*".to_owned()),
            Acao::Null => add("Access-Control-Allow-Origin", "null".to_owned()),
            Acao::TrailingSlash => add("Access-Control-Allow-Origin", format!("{origin}/")),
            Acao::UpperCase => add(
                "Access-Control-Allow-Origin",
                origin.to_ascii_uppercase().replacen("HTTP://", "http://", 1),
            ),
            Acao::NoPort => add("Access-Control-Allow-Origin", without_port(origin)),
            Acao::Https => add("Access-Control-Allow-Origin", origin.replacen("http://", "https://", 1)),
            Acao::List => add("Access-Control-Allow-Origin", format!("{origin}, {partner}")),
            Acao::Repeated => {
                add("Access-Control-Allow-Origin", origin.to_owned());
                add("Access-Control-Allow-Origin", origin.to_owned());
            }
            Acao::Empty => add("Access-Control-Allow-Origin", String::new()),
            Acao::Padded => add("Access-Control-Allow-Origin", format!("  {origin} ")),
            Acao::Other => add("Access-Control-Allow-Origin", partner),
        }
        match self.acac {
            Acac::Missing => {}
            Acac::True => add("Access-Control-Allow-Credentials", "true".to_owned()),
            Acac::TitleCase => add("Access-Control-Allow-Credentials", "True".to_owned()),
            Acac::False => add("Access-Control-Allow-Credentials", "false".to_owned()),
            Acac::Repeated => {
                add("Access-Control-Allow-Credentials", "true".to_owned());
                add("Access-Control-Allow-Credentials", "true".to_owned());
            }
            Acac::Padded => add("Access-Control-Allow-Credentials", "  true ".to_owned()),
        }
        for value in self.acam.lines(&fetch.method, "GET, POST") {
            add("Access-Control-Allow-Methods", value);
        }
        for value in self.acah.lines(&fetch.header_names(), "X-Other") {
            add("Access-Control-Allow-Headers", value);
        }
        match self.expose {
            Expose::None => {}
            Expose::Star => add("Access-Control-Expose-Headers", "*".to_owned()),
            Expose::List => add("Access-Control-Expose-Headers", "X-Secret".to_owned()),
            Expose::Repeated => {
                add("Access-Control-Expose-Headers", "X-Secret".to_owned());
                add("Access-Control-Expose-Headers", "X-Other".to_owned());
            }
            Expose::Loose => add("Access-Control-Expose-Headers", "  x-secret ,, X-Other ".to_owned()),
            Expose::Invalid => add("Access-Control-Expose-Headers", "X-Secret, (bad)".to_owned()),
            Expose::NameAndStar => add("Access-Control-Expose-Headers", "X-Secret, *".to_owned()),
        }
        match self.max_age {
            MaxAge::Missing => {}
            MaxAge::Zero => add("Access-Control-Max-Age", "0".to_owned()),
            MaxAge::TenMinutes => add("Access-Control-Max-Age", "600".to_owned()),
            MaxAge::OneSecond => add("Access-Control-Max-Age", "1".to_owned()),
            MaxAge::Negative => add("Access-Control-Max-Age", "-1".to_owned()),
            MaxAge::Invalid => add("Access-Control-Max-Age", "5m".to_owned()),
            MaxAge::Plus => add("Access-Control-Max-Age", "+600".to_owned()),
        }
        if (300..400).contains(&self.status) {
            add("Location", format!("{}/me/balance", origin_on(API, ports.main)));
        }
        let elsewhere = |path: &str| format!("{}{path}", origin_on(API, ports.main));
        match self.location {
            Location::Missing => {}
            Location::Once => add("Location", elsewhere("/a")),
            Location::Repeated => {
                add("Location", elsewhere("/a"));
                add("Location", elsewhere("/a"));
            }
            Location::Differing => {
                add("Location", elsewhere("/a"));
                add("Location", elsewhere("/b"));
            }
        }
        // Two headers that are not safelisted, for `Access-Control-Expose-Headers` to expose.
        add("X-Secret", "s3cr3t".to_owned());
        add("X-Other", "1".to_owned());
        Scripted { status: self.status, headers, body: None }
    }
}

impl Allow {
    /// The header's lines, given what the request uses (`exact`) and something else (`other`).
    fn lines(self, exact: &str, other: &str) -> Vec<String> {
        let line = match self {
            Self::Missing => return Vec::new(),
            Self::Repeated => return vec![exact.to_owned(), other.to_owned()],
            // An empty list (no header to allow) is sent as an empty value.
            Self::Exact => exact.to_owned(),
            Self::Star => "*".to_owned(),
            Self::Lower => exact.to_ascii_lowercase(),
            Self::Upper => exact.to_ascii_uppercase(),
            Self::Other => other.to_owned(),
            Self::Invalid if exact.is_empty() => "(bad)".to_owned(),
            Self::Invalid => format!("{exact}, (bad)"),
            Self::Loose => format!("  {exact} ,, {other} "),
            Self::TrailingComma => format!("{exact},"),
            Self::AndStar => format!("{exact}, *"),
            Self::Quoted => format!("\"{exact}\""),
        };
        vec![line]
    }
}

fn scripted(status: u16, headers: Vec<(&'static str, String)>) -> Scripted {
    Scripted { status, headers: headers.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(), body: None }
}

/// `http://host:port` without `:port`; `null` stays `null`.
fn without_port(origin: &str) -> String {
    match origin.rsplit_once(':') {
        Some((rest, port)) if rest.contains("//") && port.bytes().all(|b| b.is_ascii_digit()) => {
            rest.to_owned()
        }
        _ => origin.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTS: Ports = Ports::two(8080, 8081);

    fn scenario(position: Position, target: Target) -> Scenario {
        let fetch = Fetch::new("PUT", CredentialsMode::Include)
            .header("Content-Type", "application/json")
            .header("X-Csrf", "1")
            .header("Cookie", "x=1")
            .body("{}");
        Scenario::new("t".to_owned(), "t", Setup::everyday(position), fetch, target)
    }

    #[test]
    fn positions_name_their_pages() {
        assert_eq!(Position::Sibling.page_origin(&PORTS), "http://blog.fintrack.localhost:8080");
        assert_eq!(Position::NullUnderSibling.page_origin(&PORTS), "null");
        assert_eq!(Position::NullUnderSibling.top_origin(&PORTS), "http://blog.fintrack.localhost:8080");
        let framed = Position::AttackerUnderSibling;
        assert_eq!(framed.page_origin(&PORTS), "http://free-crypto-giveaway.localhost:8080");
        assert_eq!(framed.top_origin(&PORTS), "http://blog.fintrack.localhost:8080");
        assert_eq!(
            framed.frame_url(&PORTS).as_deref(),
            Some("http://free-crypto-giveaway.localhost:8080/__lab/frame")
        );
        assert_eq!(Position::Attacker.frame_url(&PORTS), None);
        assert_eq!(Position::OtherPort.page_origin(&PORTS), "http://api.fintrack.localhost:8081");
        assert_eq!(Position::Attacker.top_url(&PORTS), "http://free-crypto-giveaway.localhost:8080/matrix");
        let same = Position::SameOrigin.top_url(&PORTS);
        let answer = same.split("answer=").nth(1).unwrap();
        let page = Script::decode(answer).unwrap().response;
        assert_eq!(page.body.as_deref(), Some(PAGE));
        assert!(
            page.headers
                .iter()
                .any(|(n, v)| n == "Content-Security-Policy" && v.contains("connect-src 'self'"))
        );
    }

    #[test]
    fn shapes_resolve_against_the_page_and_the_request() {
        let s = scenario(
            Position::Sibling,
            Target::Scripted {
                preflight: Some(Shape {
                    acao: Acao::TrailingSlash,
                    acam: Allow::Invalid,
                    acah: Allow::Exact,
                    ..Shape::PREFLIGHT_OK
                }),
                asking: None,
                response: Shape { acao: Acao::NoPort, acac: Acac::TitleCase, ..Shape::READABLE },
            },
        );
        let script = s.script(&PORTS).unwrap();
        let get = |a: &Scripted, n: &str| a.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let preflight = script.preflight.unwrap();
        assert_eq!(
            get(&preflight, "Access-Control-Allow-Origin").unwrap(),
            "http://blog.fintrack.localhost:8080/"
        );
        assert_eq!(get(&preflight, "Access-Control-Allow-Methods").unwrap(), "PUT, (bad)");
        // Forbidden names are dropped by the browser, so they are not listed.
        assert_eq!(get(&preflight, "Access-Control-Allow-Headers").unwrap(), "content-type,x-csrf");
        assert_eq!(
            get(&script.response, "Access-Control-Allow-Origin").unwrap(),
            "http://blog.fintrack.localhost"
        );
        assert_eq!(get(&script.response, "Access-Control-Allow-Credentials").unwrap(), "True");
        assert!(s.url(&PORTS, "c1").ends_with("&run=c1"));
    }

    #[test]
    fn a_redirect_declares_its_hop() {
        let s = scenario(
            Position::Attacker,
            Target::Redirect { policy: PolicyId::NullTrusted, to: "cross".to_owned(), status: 307, hops: 1 },
        );
        let declared = s.declared(&PORTS, &s.fetch);
        assert_eq!(declared.response.status, 307);
        let location = declared.response.headers.iter().find(|(n, _)| n == "Location").unwrap();
        assert_eq!(location.1, "http://api.fintrack.localhost:8081/me/balance?policy=null-trusted");
        let hop = declared.next.unwrap();
        assert!(hop.response.headers.iter().any(|(n, v)| n == "Access-Control-Allow-Origin" && v == "null"));
        assert!(s.url(&PORTS, "f2").contains("/redirect?to=cross&status=307&policy=null-trusted&run=f2"));
    }

    #[test]
    fn every_cookie_choice_is_distinct() {
        let slugs: std::collections::BTreeSet<_> = Cookie::ALL.iter().map(|c| c.slug()).collect();
        assert_eq!(slugs.len(), 8);
        assert_eq!(Cookie::DEFAULT.settings(), CookieSettings::default());
        assert_eq!(without_port("http://a.localhost:8080"), "http://a.localhost");
        assert_eq!(without_port("null"), "null");
    }

    #[test]
    fn a_scripted_preflight_is_shaped_for_the_first_fetch() {
        let preflight = Shape { max_age: MaxAge::TenMinutes, ..Shape::PREFLIGHT_OK };
        let mut s = scenario(Position::Partner, Target::scripted(Some(preflight), Shape::READABLE));
        s.before = vec![Fetch::new("DELETE", CredentialsMode::Include).header("X-First", "1")];
        let script = s.script(&PORTS).unwrap();
        let get = |n: &str| {
            script.preflight.as_ref().unwrap().headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
        };
        assert_eq!(get("Access-Control-Allow-Methods").as_deref(), Some("DELETE"));
        assert_eq!(get("Access-Control-Allow-Headers").as_deref(), Some("x-first"));
        assert_eq!(get("Access-Control-Max-Age").as_deref(), Some("600"));
    }
}
