//! The built app's files (Trunk's `dist/`), served on every page host.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The app's files by path, handed to the server by whoever embedded or read them.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    files: HashMap<String, Cow<'static, [u8]>>,
}

impl Assets {
    /// No files: pages answer 503 saying how to build the app.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds a file at `path` (relative, like `index.html` or `app-1234_bg.wasm`).
    pub fn insert(&mut self, path: &str, bytes: impl Into<Cow<'static, [u8]>>) {
        self.files.insert(path.trim_start_matches('/').to_owned(), bytes.into());
    }

    /// Whether the app's `index.html` is present.
    pub fn has_app(&self) -> bool {
        self.files.contains_key("index.html")
    }

    /// The response for a page request: the file at the path, else `index.html` (every page
    /// is the same client-side app), else a 503 that says how to build the app.
    pub fn respond(&self, uri: &Uri) -> Response {
        let path = uri.path().trim_start_matches('/');
        if let Some(bytes) = self.files.get(path).filter(|_| !path.is_empty()) {
            return file_response(path, bytes.clone());
        }
        match self.files.get("index.html") {
            Some(index) => file_response("index.html", index.clone()),
            None => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The lab app is not built into this server. Run `cargo xtask lab` to build it and start the lab\n",
            )
                .into_response(),
        }
    }
}

fn file_response(path: &str, bytes: Cow<'static, [u8]>) -> Response {
    let cache = if path == "index.html" { "no-cache" } else { "public, max-age=31536000, immutable" };
    ([(header::CONTENT_TYPE, content_type(path)), (header::CACHE_CONTROL, cache)], bytes).into_response()
}

/// The `Content-Type` for a file name.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}
