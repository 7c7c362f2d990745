//! The end-to-end harness: a headless Chromium or Firefox session, driven over WebDriver
//! (Debian's chromedriver, geckodriver from crates.io), against a lab server that
//! `cargo xtask test` starts with the Trunk-built app.
//!
//! Environment: `CORSLAB_LAB_PORT` (the lab's port; required), `CHROMEDRIVER` and `GECKODRIVER`
//! (driver paths; default `/usr/bin/chromedriver` and `~/.cargo/bin/geckodriver`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::Command;

mod driver;
pub use driver::{Driver, free_port};

/// How long any one thing may take to appear.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A browser the tests drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Chromium through chromedriver.
    Chromium,
    /// Firefox ESR through geckodriver.
    Firefox,
}

/// The colour scheme a session's pages see as `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Light, the browsers' default.
    Light,
    /// Dark.
    Dark,
}

/// One browser session and the WebDriver server behind it (killed on drop).
#[derive(Debug)]
pub struct Session {
    /// The WebDriver client.
    pub client: Client,
    /// Which browser it drives.
    pub browser: Browser,
    _driver: Driver,
}

impl Browser {
    /// Lower-case name, for file names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Chromium => "chromium",
            Self::Firefox => "firefox",
        }
    }
}

impl Session {
    /// Starts the browser's driver on a free port and opens a headless session, 1280×1000.
    pub async fn start(browser: Browser) -> Result<Self, String> {
        Self::start_in(browser, Scheme::Light).await
    }

    /// [`Session::start`], with the pages seeing `scheme` as the preferred colour scheme.
    pub async fn start_in(browser: Browser, scheme: Scheme) -> Result<Self, String> {
        let port = free_port()?;
        let command = match browser {
            Browser::Chromium => {
                let mut c = Command::new(env_or("CHROMEDRIVER", "/usr/bin/chromedriver"));
                c.arg(format!("--port={port}"));
                c
            }
            Browser::Firefox => {
                let home = std::env::var("HOME").unwrap_or_default();
                let mut c = Command::new(env_or("GECKODRIVER", &format!("{home}/.cargo/bin/geckodriver")));
                c.args(["--port", &port.to_string()]);
                c
            }
        };
        let driver = Driver::start(command, port, browser.name()).await?;
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(browser, scheme))
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| format!("cannot open a {} session: {e}", browser.name()))?;
        client.set_window_size(1280, 1000).await.map_err(|e| e.to_string())?;
        Ok(Self { client, browser, _driver: driver })
    }

    /// Opens `path` on a lab host.
    pub async fn open(&self, host: &str, path: &str) -> Result<(), String> {
        self.client.goto(&lab_url(host, path)).await.map_err(|e| format!("goto {host}{path}: {e}"))
    }

    /// Waits until an element matches `css`.
    pub async fn wait(&self, css: &str) -> Result<Element, String> {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("waited {PATIENCE:?} for `{css}` in {}: {e}", self.browser.name()))
    }

    /// The text of the first element matching `css`, once it exists.
    pub async fn text(&self, css: &str) -> Result<String, String> {
        self.wait(css).await?.text().await.map_err(|e| e.to_string())
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.wait(css).await?.click().await.map_err(|e| format!("click `{css}`: {e}"))
    }

    /// Chooses `value` in the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) -> Result<(), String> {
        self.wait(css)
            .await?
            .select_by_value(value)
            .await
            .map_err(|e| format!("select {value} in `{css}`: {e}"))
    }

    /// Sends one key (a WebDriver key code such as `\u{e014}`, the right arrow) to the page.
    pub async fn key(&self, key: &str) -> Result<(), String> {
        self.wait("body").await?.send_keys(key).await.map_err(|e| format!("key: {e}"))
    }

    /// Switches to the window that is not `away_from`, waiting for it to open.
    pub async fn switch_to_other_window(
        &self,
        away_from: &fantoccini::wd::WindowHandle,
    ) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let windows = self.client.windows().await.map_err(|e| e.to_string())?;
            if let Some(other) = windows.into_iter().find(|w| w != away_from) {
                return self.client.switch_to_window(other).await.map_err(|e| e.to_string());
            }
            if started.elapsed() > PATIENCE {
                return Err("no second window opened".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a screenshot of the viewport as `tests/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("screenshots");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// Runs the accessibility audit (`audit.js`) on the page as rendered: text contrast, the
    /// focus ring's contrast, the controls' accessible names, ARIA and label references, unique
    /// ids, and reflow. One line per problem.
    pub async fn audit(&self) -> Result<Vec<String>, String> {
        let found =
            self.client.execute(include_str!("audit.js"), Vec::new()).await.map_err(|e| e.to_string())?;
        serde_json::from_value(found).map_err(|e| format!("the audit's answer: {e}"))
    }

    /// Ends the session.
    pub async fn close(self) -> Result<(), String> {
        self.client.close().await.map_err(|e| e.to_string())
    }
}

/// The lab server's port (`CORSLAB_LAB_PORT`).
pub fn lab_port() -> u16 {
    std::env::var("CORSLAB_LAB_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("CORSLAB_LAB_PORT names the lab server under test: run these through `cargo xtask test`")
}

/// `http://<host>:<lab port><path>`.
pub fn lab_url(host: &str, path: &str) -> String {
    format!("http://{host}:{}{path}", lab_port())
}

fn capabilities(browser: Browser, scheme: Scheme) -> Capabilities {
    let mut value = match browser {
        Browser::Chromium => json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": env_or("CORSLAB_CHROMIUM", "/usr/bin/chromium"),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--no-first-run", "--window-size=1280,1000"
                ]
            }
        }),
        Browser::Firefox => json!({
            "browserName": "firefox",
            "moz:firefoxOptions": {
                "binary": env_or("CORSLAB_FIREFOX", "/usr/bin/firefox-esr"),
                "args": ["-headless", "-width=1280", "-height=1000"],
                "prefs": { "app.update.enabled": false, "browser.shell.checkDefaultBrowser": false }
            }
        }),
    };
    if scheme == Scheme::Dark {
        // Chromium: the platform's dark theme; Firefox: the content's colour scheme (0 is dark).
        match browser {
            Browser::Chromium => {
                if let Some(args) = value["goog:chromeOptions"]["args"].as_array_mut() {
                    args.push(json!("--force-dark-mode"));
                }
            }
            Browser::Firefox => {
                value["moz:firefoxOptions"]["prefs"]["layout.css.prefers-color-scheme.content-override"] =
                    json!(0);
            }
        }
    }
    match value {
        serde_json::Value::Object(map) => map,
        _ => Capabilities::new(),
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}
