//! The lab's shared data model: plain serde types and pure functions, no I/O, so the lab server
//! and the Wasm app agree on every host, policy, cookie, ledger entry and log record.
//!
//! - [`hosts`]: the lab's origins and the part each plays; [`Ports`].
//! - [`policy`]: the sixteen CORS policies as one function, [`PolicyId::headers`], which the
//!   server runs on every API answer; [`catalog`]: their code, incidents and fixes.
//! - [`outcomes`]: what each position (attacker or legitimate) gets under a policy, in Chromium
//!   and Firefox with default settings and with third-party cookies allowed, computed by the
//!   engine.
//! - [`cookie`]: the session cookie's selectable attributes.
//! - [`bank`]: FinTrack's API payloads and fake data.
//! - [`state`]: the control plane, the ledger, CSP reports and the live events.
//! - [`seen`]: the server log's records, [`Seen`] and [`LogPage`].
//! - [`observe`]: pairing logged preflights with their requests, building the engine's
//!   Exchange from them, and the agreement between a Verdict and what was observed.
//! - [`scripted`]: the API's scriptable endpoint, which answers exactly as the request says.
//! - [`redirect`]: where the lab's redirects point outside the lab, and the bounce's path.
//!
//! # The lab server's HTTP API
//!
//! One listener (`127.0.0.1:8080` by default, plus `8081` for "same host, other port") plays
//! every host of [`HOSTS`]; any other `Host`, or one that names another port than the one the
//! request arrived on, gets `421`, and a request without `Host` `400`. Errors everywhere are
//! `{"error": "..."}` ([`state::ErrorBody`]) with a 4xx status.
//!
//! ## FinTrack's API: `http://api.fintrack.localhost:8080`
//!
//! Every answer carries the CORS headers of the policy in force ([`PolicyId::headers`]):
//! the console's choice, or `?policy=<id>` on the request. A preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) is answered by the policy alone: `204`, or `405` under
//! `none`. Add `?run=<id>` to group requests in the log. The session is the `session` cookie.
//! Every answer carries `Cache-Control: no-store`, `Content-Security-Policy: default-src 'none'`
//! and `X-Request-Id: <n>`, the id of its
//! [`Seen`] entry in the log (ids follow arrival order; an entry appears once it is answered).
//!
//! | request | answer |
//! |---|---|
//! | `GET /me/balance` | [`bank::Balance`] or `401` |
//! | `GET /me/transactions` | [`bank::Transactions`] or `401` |
//! | `POST /me/transfer` (JSON or `application/x-www-form-urlencoded` or `text/plain` form encoding) | [`bank::TransferDone`]; a ledger entry. No CSRF token, on purpose: a cross-site form moves money unless SameSite keeps the cookie home |
//! | `PUT /me/email` (JSON [`bank::EmailChange`]) | [`bank::EmailChanged`]; a ledger entry |
//! | `DELETE /me/sessions` | [`bank::SessionsRevoked`]; a ledger entry |
//! | `GET/POST/PUT/DELETE /redirect?to=same\|cross\|port-N\|https\|credentialed\|relative&status=301\|302\|303\|307\|308&hops=N` | a redirect to `/me/balance` on this origin, on the API's other-port origin, on another port the lab listens on (`port-8081`), on its https origin (test harnesses), with `user:pass@` in the URL, or by a path alone; `run` and `policy` carry over; with `hops` (up to 30), a chain of that many redirects through this endpoint |
//! | `GET/POST/PUT/DELETE /redirect?to=data\|invalid\|none&status=…` | a redirect a fetch may not follow: to a `data:` URL, to a Location that does not parse ([`redirect::unfollowable_location`]), or with no Location at all |
//! | any method `/scripted?answer=<base64url JSON of a scripted::Script>` | exactly the script's status, headers (a name may repeat) and body, with no policy applied: the preflight answer for a preflight, the response for anything else. `Cache-Control: no-store` unless the script sets it, and `X-Request-Id`; a script that sets its own `Content-Security-Policy` replaces the API's `default-src 'none'` (a same-origin test page). A script the server cannot send is `400`. Off (`403`) unless the lab runs for a test harness (`corslab serve --scripted`, the differential matrix): a scripted page would run any site's script on the API's origin |
//!
//! ## The dashboard: `http://fintrack.localhost:8080`
//!
//! - `POST /login`: opens a fresh fake account and sets the session cookie with the console's
//!   [`CookieSettings`] (`Domain=fintrack.localhost`, so the API receives it). Answers
//!   [`bank::WhoAmI`] as JSON when `Accept` names `application/json`, else `303` to `/`.
//! - `POST /logout`: clears it (same answers).
//! - `GET /whoami`: [`bank::WhoAmI`] for the cookie sent.
//!
//! Login and logout refuse cross-site requests (`Sec-Fetch-Site` other than `same-origin`,
//! `same-site` or `none`).
//!
//! ## On every page host: `/__lab/*`
//!
//! Read from the page's own origin, so no CORS is involved (a `--harness-origin` test page may
//! read them cross-origin):
//!
//! | request | answer |
//! |---|---|
//! | `GET /__lab/log?run=<id>&after=<n>` | [`LogPage`]: the API requests (preflights included) of the run with `id > n`, oldest first, at most 1 000 and about 4 MiB per page (at least one entry: page on with `after` until a page is empty), and how many the ring dropped. A run id over 256 bytes is kept as its first 256 bytes and `…`, and `run=` finds it by the whole id. A repeated `run` or `after`, or an `after` that is not a whole number from 0, is `400` saying which |
//! | `GET /__lab/ledger` | [`state::LedgerPage`] |
//! | `GET /__lab/state` | [`LabState`]; on `lab.localhost` with its `csrf_token` |
//! | `GET /__lab/catalog` | every [`catalog::Entry`] with its engine-computed `outcomes` for the current ports and cookie settings |
//! | `GET /__lab/events` | `text/event-stream` of [`LiveEvent`]s: the SSE `event:` is `seen`, `ledger`, `state` or `lagged`, the `data:` the JSON |
//! | `GET /__lab/sandbox` | the `Origin: null` relay: served with `Content-Security-Policy: sandbox allow-scripts`. Frame it, then `postMessage({id, url, method, headers, body, credentials})` from the parent; it runs `fetch()` from its opaque origin and answers `{id, ok, status, body}` or `{id, ok: false, error}` |
//! | any method `/__lab/bounce?status=301\|302\|303\|307\|308&policy=…&run=…` | a redirect to `/me/balance` on the API, on the port it came to, that any origin may follow (it answers with the request's `Origin` and `Access-Control-Allow-Credentials: true`, and a preflight with whatever it asks for): a fetch passes through this host's site on its way to the API. Logged like an API request |
//! | `GET /__lab/frame` | a plain page of the host's origin with no script, which lab pages may frame and which may frame them: the differential matrix fetches from it as a cross-site iframe |
//! | `POST /__lab/csp-report` | `204`; browsers send CSP violations here (`report-uri` JSON as `application/csp-report`, or Reporting API JSON as `application/reports+json`); any other media type `415`, so no other site's page can plant one |
//! | `GET /__lab/csp-reports` | [`state::CspReportPage`] |
//! | `GET /__lab/csp-canary` | only with `--harness-origin`: a page whose inline script the CSP must block, so tests can prove that browsers report violations |
//! | `POST /__lab/audit` | only on `lab.localhost`, guarded like `/__lab/control` (no body needed): audits `http://api.fintrack.localhost:<port>/me/balance` under the current policy with `corslab-audit` and answers [`audit::AuditSummary`]; its probes are logged under the run it names |
//! | `POST /__lab/control` | only on `lab.localhost`, with `Sec-Fetch-Site: same-origin`, `Content-Type: application/json`, and `X-Lab-Csrf: <csrf_token>`; body [`Control`]; answers the new [`LabState`]. Anything else is `403` |
//!
//! ## Pages and their headers
//!
//! Every page (the Trunk build's `index.html`, whatever the path) is served with a strict
//! Content-Security-Policy: `script-src 'self' 'sha256-…' 'wasm-unsafe-eval'` where the hashes
//! are computed from `index.html`'s inline scripts at start, `style-src 'self'` (plus hashes of
//! inline `<style>` elements), `connect-src 'self'` and the lab's origins, `frame-ancestors
//! 'self'`, `object-src 'none'`, `base-uri 'none'`; and `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: strict-origin-when-cross-origin`, `X-Frame-Options: SAMEORIGIN`. For the
//! app this means: no inline `style="…"` attributes (use classes or `style:prop=`, which sets
//! CSSOM properties), no `eval`, no inline event handlers. Assets are served with
//! `Cross-Origin-Resource-Policy: same-origin`; every answer has `X-Content-Type-Options: nosniff`.
//!
//! ## Limits
//!
//! Bodies above 16 KiB get `413` (before they are read when `Content-Length` says so); a request
//! whose body takes over 30 s gets `408`, and a connection that serves no request for 30 s (from
//! accept, or from the end of its last answer, however much of a next head has trickled in) is
//! closed, while one whose request is being handled or whose answer is still being sent (a live
//! feed) stays open; each port keeps at most 1 024 connections open and closes the next ones at
//! once; a request head over 64 KiB or with too many headers gets hyper's `431`; malformed
//! request lines `400`. The log keeps 10 000 entries and at most 32 MiB (each entry at most
//! 128 KiB, its header values whole), the ledger 1 000, CSP reports 200, sessions 10 000, each
//! dropping the oldest and counting the drops.

pub mod audit;
pub mod bank;
pub mod catalog;
pub mod cookie;
pub mod hosts;
pub mod observe;
pub mod outcomes;
pub mod policy;
pub mod redirect;
pub mod scripted;
pub mod seen;
pub mod state;

pub use cookie::{CookieSettings, SameSiteChoice};
pub use hosts::{HOSTS, LabHost, Ports, Role};
pub use policy::PolicyId;
pub use seen::{LogPage, Seen};
pub use state::{Control, LabState, LiveEvent};

use serde::Serialize;

/// One entry of `GET /__lab/catalog`: the catalog's words and the engine's outcomes.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogItem {
    /// The words.
    #[serde(flatten)]
    pub entry: catalog::Entry,
    /// What every position gets, per browser setting.
    pub outcomes: Vec<outcomes::Outcome>,
}

/// The whole catalog with outcomes for `ports` and `cookie`, its code samples naming the
/// lab's own port.
pub fn catalog_with_outcomes(ports: &Ports, cookie: &CookieSettings) -> Result<Vec<CatalogItem>, String> {
    catalog::catalog()
        .into_iter()
        .map(|entry| {
            let outcomes = outcomes::outcomes(entry.id, ports, cookie)?;
            Ok(CatalogItem {
                entry: catalog::Entry { code: entry.code.on_port(ports.main), ..entry },
                outcomes,
            })
        })
        .collect()
}
