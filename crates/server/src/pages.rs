//! The page hosts: the app under a strict Content-Security-Policy, the sandboxed `Origin: null`
//! relay, a plain frameable page, and the routes of `/__lab/` and the dashboard.
//!
//! The CSP allows the app's inline bootstrap script by its sha256 hash, computed from the
//! Trunk-built `index.html` when the lab starts, so no `'unsafe-inline'` is ever needed.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::assets::{Assets, File};
use crate::error::LabError;
use crate::{Lab, control, dashboard};
use corslab_lab::Ports;

/// The app and the lab's own small pages, with the security headers they are served with.
#[derive(Debug)]
pub struct Pages {
    assets: Assets,
    app_csp: HeaderValue,
    sandbox_csp: HeaderValue,
    frame_csp: HeaderValue,
    /// Test harness pages may frame lab pages; only then are the cross-origin-isolation
    /// headers a framed page needs sent.
    harness: bool,
}

/// The `Origin: null` relay: framed by a lab page, it runs the fetches its parent posts to it
/// from its opaque origin and posts back what happened.
pub const SANDBOX_HTML: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>corslab sandbox relay</title></head>
<body>
<p>corslab's sandboxed relay: its origin is opaque, so its fetches carry <code>Origin: null</code>.</p>
<script>
"use strict";
addEventListener("message", async (event) => {
  if (event.source !== parent || parent === window) return;
  const m = event.data || {};
  const id = m.id;
  try {
    const init = { method: m.method || "GET", credentials: m.credentials || "include", headers: m.headers || [], mode: m.mode || "cors" };
    if (m.body !== undefined && m.body !== null) init.body = String(m.body);
    const response = await fetch(String(m.url), init);
    const body = await response.text();
    parent.postMessage({ id, ok: true, status: response.status, body: body.slice(0, 65536) }, "*");
  } catch (e) {
    parent.postMessage({ id, ok: false, error: String(e) }, "*");
  }
});
parent.postMessage({ ready: true }, "*");
</script>
</body>
</html>
"#;

/// A plain document of a lab host's origin, which lab pages may frame and which may frame lab
/// pages: the differential matrix nests one host's in another's to fetch from a third-party
/// iframe.
pub const FRAME_HTML: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>corslab frame</title></head>
<body><p>corslab's framed page: a document of this host's origin inside another lab page.</p></body>
</html>
"#;

/// A page whose inline script is deliberately not in the CSP: a browser must block it and
/// report the violation. Served only when test harness origins are configured, so tests can
/// prove that an absence of reports means something.
pub const CANARY_HTML: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>corslab CSP canary</title></head>
<body><script>document.title = "the CSP let an unhashed inline script run";</script></body>
</html>
"#;

impl Pages {
    /// Prepares the pages for `assets` on `ports`, `more_ports` and the lab hosts' `aliases`.
    pub fn new(
        assets: Assets,
        ports: &Ports,
        more_ports: &[u16],
        aliases: &[String],
        harness_origins: &[String],
    ) -> Self {
        let index = assets
            .get("index.html")
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default();
        let lab = lab_sources(ports, more_ports, aliases);
        let app_csp = app_csp(&index, &lab, harness_origins);
        let sandbox_csp = sandbox_csp(&lab, harness_origins);
        let frame_csp = frame_csp(&lab, harness_origins);
        Self {
            assets,
            app_csp: HeaderValue::from_str(&app_csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
            sandbox_csp: HeaderValue::from_str(&sandbox_csp)
                .unwrap_or_else(|_| HeaderValue::from_static("sandbox; default-src 'none'")),
            frame_csp: HeaderValue::from_str(&frame_csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")),
            harness: !harness_origins.is_empty(),
        }
    }

    /// The app's Content-Security-Policy.
    pub fn app_csp(&self) -> &HeaderValue {
        &self.app_csp
    }

    /// The answer to a page request: the file at the path, else `index.html` (every page is the
    /// same client-side app), else a 503 that says how to build the app.
    pub fn respond(&self, method: &Method, path: &str) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return LabError::MethodNotAllowed.into_response();
        }
        let path = path.trim_start_matches('/');
        if let Some(file) = self.assets.get(path).filter(|_| !path.is_empty() && path != "index.html") {
            let mut response = file_response(path, file);
            response.headers_mut().insert(
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("same-origin"),
            );
            return response;
        }
        let mut response = match self.assets.get("index.html") {
            Some(index) => file_response("index.html", index),
            None => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "The lab app is not built into this server. Run `cargo xtask lab` to build it and start the lab\n",
            )
                .into_response(),
        };
        self.page_headers(response.headers_mut(), self.app_csp.clone());
        response
    }

    /// An inline HTML page of the lab's own, under `csp`.
    fn inline(&self, html: &'static str, csp: HeaderValue, frameable: bool) -> Response {
        let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
        self.page_headers(response.headers_mut(), csp);
        if frameable {
            // The relay and the plain page exist to be framed by lab pages, which their CSP lists.
            response.headers_mut().remove(header::X_FRAME_OPTIONS);
        }
        response
    }

    fn page_headers(&self, headers: &mut HeaderMap, csp: HeaderValue) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
        // Ignored where frame-ancestors is understood; kept for anything older.
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
        headers.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        );
        headers.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
        if self.harness {
            // The wasm-bindgen-test page is cross-origin isolated; a page it frames must opt in.
            headers.insert(
                HeaderName::from_static("cross-origin-embedder-policy"),
                HeaderValue::from_static("require-corp"),
            );
            headers.insert(
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            );
        }
    }
}

/// The page hosts' routes.
pub fn router(lab: Lab) -> Router {
    Router::new()
        .route("/__lab/log", get(control::log))
        .route("/__lab/ledger", get(control::ledger))
        .route("/__lab/state", get(control::state))
        .route("/__lab/catalog", get(control::catalog))
        .route("/__lab/events", get(control::events))
        .route("/__lab/control", post(control::control))
        .route("/__lab/audit", post(control::audit))
        .route("/__lab/csp-report", post(control::csp_report))
        .route("/__lab/csp-reports", get(control::csp_reports))
        .route("/__lab/sandbox", get(sandbox))
        .route("/__lab/frame", get(frame))
        .route("/__lab/csp-canary", get(canary))
        .route(corslab_lab::redirect::BOUNCE_PATH, axum::routing::any(crate::bounce::bounce))
        .route("/__lab/{*rest}", axum::routing::any(lab_not_found))
        .route("/login", post(dashboard::login))
        .route("/logout", post(dashboard::logout))
        .route("/whoami", get(dashboard::whoami))
        .fallback(page)
        .method_not_allowed_fallback(page)
        .with_state(lab)
}

/// The sha256 CSP sources of every inline `<script>` (without `src`) or `<style>` element.
pub fn inline_hashes(html: &str, element: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{element}");
    let close = format!("</{element}");
    let mut hashes = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find(&open).map(|i| from + i) {
        let after_name = start + open.len();
        // `<scripts>` or `<style-x>` are other elements.
        if !lower[after_name..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace() || c == '/') {
            from = after_name;
            continue;
        }
        let Some(tag_end) = lower[after_name..].find('>').map(|i| after_name + i) else { break };
        let Some(end) = lower[tag_end..].find(&close).map(|i| tag_end + i) else { break };
        let attributes = &lower[after_name..tag_end];
        if !(element == "script" && has_attribute(attributes, "src")) {
            // Browsers hash the element's text as parsed, where CR LF has become LF.
            let text = html[tag_end + 1..end].replace("\r\n", "\n");
            let digest = Sha256::digest(text.as_bytes());
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        from = end + close.len();
    }
    hashes
}

/// Any other path on a page host: the app, which picks its page from the host.
async fn page(State(lab): State<Lab>, request: Request) -> Response {
    lab.0.pages.respond(request.method(), request.uri().path())
}

async fn sandbox(State(lab): State<Lab>) -> Response {
    let pages = &lab.0.pages;
    pages.inline(SANDBOX_HTML, pages.sandbox_csp.clone(), true)
}

async fn frame(State(lab): State<Lab>) -> Response {
    let pages = &lab.0.pages;
    pages.inline(FRAME_HTML, pages.frame_csp.clone(), true)
}

async fn canary(State(lab): State<Lab>) -> Response {
    let pages = &lab.0.pages;
    if !pages.harness {
        return LabError::NotFound.into_response();
    }
    pages.inline(CANARY_HTML, pages.app_csp.clone(), false)
}

async fn lab_not_found() -> LabError {
    LabError::NotFound
}

fn has_attribute(attributes: &str, name: &str) -> bool {
    attributes
        .split(|c: char| c.is_ascii_whitespace())
        .any(|a| a == name || a.starts_with(&format!("{name}=")))
}

/// The lab's host sources, which the page CSPs name: every `*.localhost` name on each port
/// the lab serves http on and on its https port, and each alias on the main port.
pub fn lab_sources(ports: &Ports, more_ports: &[u16], aliases: &[String]) -> String {
    let plain = std::iter::once(ports.main).chain(ports.second).chain(more_ports.iter().copied());
    plain
        .map(|port| format!("http://*.localhost:{port}"))
        .chain(ports.https.map(|port| format!("https://*.localhost:{port}")))
        .chain(aliases.iter().map(|alias| format!("http://{alias}:{}", ports.main)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn app_csp(index: &str, lab: &str, harness_origins: &[String]) -> String {
    let scripts = inline_hashes(index, "script").join(" ");
    let styles = inline_hashes(index, "style").join(" ");
    let ancestors: String = harness_origins.iter().filter(|o| csp_safe(o)).map(|o| format!(" {o}")).collect();
    [
        "default-src 'none'".to_owned(),
        format!("script-src 'self' {scripts} 'wasm-unsafe-eval'").replace("  ", " "),
        format!("style-src 'self' {styles}").trim_end().to_owned(),
        "img-src 'self' data:".to_owned(),
        "font-src 'self'".to_owned(),
        "manifest-src 'self'".to_owned(),
        format!("connect-src 'self' {lab}"),
        format!("form-action 'self' {lab}"),
        "frame-src 'self'".to_owned(),
        format!("frame-ancestors 'self'{ancestors}"),
        "base-uri 'none'".to_owned(),
        "object-src 'none'".to_owned(),
        "report-uri /__lab/csp-report".to_owned(),
    ]
    .join("; ")
}

fn sandbox_csp(lab: &str, harness_origins: &[String]) -> String {
    let script = inline_hashes(SANDBOX_HTML, "script").join(" ");
    let ancestors: String = harness_origins.iter().filter(|o| csp_safe(o)).map(|o| format!(" {o}")).collect();
    format!(
        "sandbox allow-scripts; default-src 'none'; script-src {script}; connect-src {lab}; \
         frame-ancestors {lab}{ancestors}; base-uri 'none'; form-action 'none'"
    )
}

/// The plain page's: no script of its own; fetches to, frames of and framing by lab pages only.
fn frame_csp(lab: &str, harness_origins: &[String]) -> String {
    let ancestors: String = harness_origins.iter().filter(|o| csp_safe(o)).map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'none'; connect-src {lab}; frame-src {lab}; frame-ancestors {lab}{ancestors}; \
         base-uri 'none'; form-action 'none'"
    )
}

/// Whether an origin can go into a CSP source list as it is.
fn csp_safe(origin: &str) -> bool {
    !origin.is_empty() && origin.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',' && b != b'\'')
}

fn file_response(path: &str, file: &File) -> Response {
    let cache = if path == "index.html" { "no-cache" } else { "public, max-age=31536000, immutable" };
    (
        [(header::CONTENT_TYPE, crate::assets::content_type(path)), (header::CACHE_CONTROL, cache)],
        file.bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_and_styles_are_hashed_and_external_ones_skipped() {
        let html = "<script type=\"module\" nonce=\"x\">\r\nlet a = 1;\n</script>\
                    <script src=\"/a.js\"></script><SCRIPT>b()</SCRIPT><style>p{}</style><scripts>";
        let scripts = inline_hashes(html, "script");
        assert_eq!(scripts.len(), 2);
        // sha256 of "\nlet a = 1;\n" (CR LF normalized), as `openssl dgst -sha256 -binary | base64` gives.
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"\nlet a = 1;\n"));
        assert_eq!(scripts[0], format!("'sha256-{expected}'"));
        assert_eq!(inline_hashes(html, "style").len(), 1);
    }

    #[test]
    fn the_app_csp_has_no_unsafe_inline_and_lists_the_lab_ports() {
        let ports = lab_sources(&Ports::two(8080, 8081), &[], &[]);
        let csp = app_csp(
            "<script>go()</script>",
            &ports,
            &["http://127.0.0.1:9000".to_owned(), "bad;x".to_owned()],
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("script-src 'self' 'sha256-"), "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(csp.contains("connect-src 'self' http://*.localhost:8080 http://*.localhost:8081"));
        assert!(csp.contains("frame-ancestors 'self' http://127.0.0.1:9000;"), "{csp}");
        assert!(!csp.contains("bad;x"));
        assert!(
            sandbox_csp(&ports, &[])
                .starts_with("sandbox allow-scripts; default-src 'none'; script-src 'sha256-")
        );
        let frame = frame_csp(&ports, &[]);
        assert!(frame.starts_with("default-src 'none'; connect-src http://*.localhost:8080"), "{frame}");
        assert!(
            frame.contains("frame-ancestors http://*.localhost:8080 http://*.localhost:8081;"),
            "{frame}"
        );
    }
}
