//! The built app's files (Trunk's `dist/`), served on every page host by [`crate::pages`].

use std::borrow::Cow;
use std::collections::HashMap;

/// The app's files by path, handed to the server by whoever embedded or read them.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    files: HashMap<String, File>,
}

/// One file.
#[derive(Debug, Clone)]
pub struct File {
    /// Its bytes.
    pub bytes: Cow<'static, [u8]>,
}

impl Assets {
    /// No files: pages answer 503 saying how to build the app.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds a file at `path` (relative, like `index.html` or `app-1234_bg.wasm`).
    pub fn insert(&mut self, path: &str, bytes: impl Into<Cow<'static, [u8]>>) {
        self.files.insert(path.trim_start_matches('/').to_owned(), File { bytes: bytes.into() });
    }

    /// The file at `path`.
    pub fn get(&self, path: &str) -> Option<&File> {
        self.files.get(path.trim_start_matches('/'))
    }

    /// Whether the app's `index.html` is present.
    pub fn has_app(&self) -> bool {
        self.files.contains_key("index.html")
    }
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
