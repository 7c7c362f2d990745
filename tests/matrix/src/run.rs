//! Running the matrix for real, the only module with I/O: the lab server in-process on
//! 127.0.0.1, each browser through its WebDriver server, one tab per position, one login per
//! session cookie, and every scenario's fetch run back to back in its page. Drivers and browsers
//! are killed (their whole process group) on every way out.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corslab_engine::Browser;
use corslab_engine::observed::Seen;
use corslab_lab::{Control, Ports};
use corslab_server::{Assets, Config, Lab, Listeners};
use fantoccini::wd::{Capabilities, TimeoutConfiguration, WebDriverCompatibleCommand, WindowHandle};
use fantoccini::{Client, ClientBuilder};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::compare::is_network_error;
use crate::jar;
use crate::observe::{Chromium, Firefox, Observation, PageSaw};
use crate::report::{BrowserRun, name};
use crate::scenario::{Cookie, PAGE, Position, Scenario, Setup, ThirdParty};

/// Where the browsers and their drivers are.
#[derive(Debug, Clone)]
pub struct Options {
    /// The browsers to run, in order.
    pub browsers: Vec<Browser>,
    /// chromedriver.
    pub chromedriver: PathBuf,
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// geckodriver.
    pub geckodriver: PathBuf,
    /// The Firefox binary.
    pub firefox: PathBuf,
    /// The whole run's time limit.
    pub deadline: Duration,
}

/// One browser's raw observations: per scenario, its run id and what was observed.
pub type Observed = Vec<(String, Observation)>;

/// Starts the lab, runs every scenario in every browser of `options`, stops the lab, and returns
/// the lab's ports with each browser's observations (in scenario order), its version and wall time.
pub async fn run(
    options: &Options,
    scenarios: &[Scenario],
) -> Result<(Ports, Vec<(BrowserRun, Observed)>), String> {
    let main = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot bind: {e}"))?;
    let second =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot bind: {e}"))?;
    let addr = main.local_addr().map_err(|e| e.to_string())?;
    let second_port = second.local_addr().map_err(|e| e.to_string())?.port();
    let config = Config {
        addr,
        second_port: Some(second_port),
        access_log: false,
        // Every request of every browser stays readable until the end.
        log_capacity: 200_000,
        ..Config::default()
    };
    let mut assets = Assets::empty();
    assets.insert("index.html", PAGE.as_bytes());
    let lab = Lab::new(&config, assets);
    let ports = lab.ports();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(corslab_server::serve(
        Listeners { main, second: Some(second) },
        lab.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let result = tokio::time::timeout(options.deadline, async {
        let mut runs = Vec::new();
        for &browser in &options.browsers {
            runs.push(run_browser(&lab, options, browser, scenarios).await?);
        }
        Ok::<_, String>(runs)
    })
    .await
    .unwrap_or_else(|_| Err(format!("the matrix did not finish within {:?}", options.deadline)));
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    Ok((ports, result?))
}

/// Every scenario in one browser: one session per third-party setting, one login per session
/// cookie, one tab per position.
async fn run_browser(
    lab: &Lab,
    options: &Options,
    browser: Browser,
    scenarios: &[Scenario],
) -> Result<(BrowserRun, Observed), String> {
    let started = Instant::now();
    let prefix = &name(browser)[..1];
    // Scenario indices grouped by setup, in setup order: sessions, logins and tabs change rarely.
    let mut groups: BTreeMap<Setup, Vec<usize>> = BTreeMap::new();
    for (i, s) in scenarios.iter().enumerate() {
        groups.entry(s.setup).or_default().push(i);
    }
    let mut observed: Vec<Option<(String, Observation)>> = vec![None; scenarios.len()];
    let mut version = String::new();
    let mut watermark = 0;
    for third_party in ThirdParty::ALL {
        let setups: Vec<(&Setup, &Vec<usize>)> =
            groups.iter().filter(|(s, _)| s.third_party == third_party).collect();
        if setups.is_empty() {
            continue;
        }
        let positions: Vec<Position> = {
            let mut p: Vec<Position> = setups.iter().map(|(s, _)| s.position).collect();
            p.sort();
            p.dedup();
            p
        };
        let mut session = Session::start(browser, third_party, options, &lab.ports(), &positions).await?;
        version.clone_from(&session.version);
        let result = async {
            let mut cookie: Option<Cookie> = None;
            let mut jar = Vec::new();
            for (setup, indices) in setups {
                if cookie != Some(setup.cookie) {
                    jar = session.login(lab, setup.cookie).await?;
                    cookie = Some(setup.cookie);
                }
                let runs: Vec<String> = indices.iter().map(|i| format!("{prefix}{i}")).collect();
                let fetches: Vec<Value> = indices
                    .iter()
                    .zip(&runs)
                    .map(|(&i, run)| fetch_json(&scenarios[i], &lab.ports(), run))
                    .collect();
                let saw = session.batch(setup.position, &fetches).await?;
                session.settle(&runs, &saw).await?;
                let mut server = read_log(lab, &mut watermark);
                for ((&i, run), page) in indices.iter().zip(runs).zip(saw) {
                    let observation = Observation {
                        page,
                        server: server.remove(&run).unwrap_or_default(),
                        said: session.said(&run),
                        jar: jar.clone(),
                    };
                    observed[i] = Some((run, observation));
                }
            }
            Ok::<_, String>(())
        }
        .await;
        session.close().await;
        result?;
    }
    let observed: Observed = observed.into_iter().flatten().collect();
    let run = BrowserRun { browser, version, seconds: started.elapsed().as_secs_f64(), outcomes: Vec::new() };
    Ok((run, observed))
}

/// The fetch of one scenario as the page script takes it.
fn fetch_json(scenario: &Scenario, ports: &Ports, run: &str) -> Value {
    let fetch = &scenario.fetch;
    json!({
        "url": scenario.url(ports, run),
        "method": fetch.method,
        "headers": fetch.headers,
        "body": fetch.body,
        "mode": fetch.mode,
        "credentials": fetch.credentials,
        "redirect": fetch.redirect,
    })
}

/// Every log entry after `watermark`, by run; moves the watermark on.
fn read_log(lab: &Lab, watermark: &mut u64) -> HashMap<String, Vec<Seen>> {
    let mut out: HashMap<String, Vec<Seen>> = HashMap::new();
    loop {
        let page = lab.log().page(None, *watermark);
        let Some(last) = page.entries.last() else { break };
        *watermark = last.id;
        for seen in page.entries {
            if let Some(run) = seen.run.clone() {
                out.entry(run).or_default().push(seen);
            }
        }
    }
    out
}

/// The script each page runs: the batch's fetches one after another, each result as the
/// script saw it, then a sentinel line on the console so the console reader knows it has
/// everything before it.
const BATCH: &str = r#"
const done = arguments[arguments.length - 1];
const [fetches, sentinel] = arguments;
(async () => {
  const out = [];
  for (const f of fetches) {
    const init = { method: f.method, headers: f.headers, mode: f.mode, credentials: f.credentials, redirect: f.redirect };
    if (f.body !== null) init.body = f.body;
    try {
      const r = await fetch(f.url, init);
      const headers = [...r.headers.keys()];
      try { await r.arrayBuffer(); } catch (e) {}
      out.push({ ok: true, status: r.status, type: r.type, headers });
    } catch (e) {
      out.push({ ok: false, error: String(e) });
    }
  }
  console.log(sentinel);
  return out;
})().then(done, (e) => done({ harness_error: String(e) }));
"#;

/// A browser session with its driver, its tabs and its log readers.
struct Session {
    client: Client,
    version: String,
    tabs: HashMap<Position, WindowHandle>,
    login_tab: WindowHandle,
    current: Option<Option<Position>>,
    logs: Logs,
    batches: u64,
    _driver: Driver,
}

/// Where the browser's own words come from.
enum Logs {
    Chromium(Chromium),
    Firefox { said: Arc<Mutex<(Firefox, Vec<String>)>>, reader: tokio::task::JoinHandle<()> },
}

/// How long one WebDriver command may take.
const COMMAND: Duration = Duration::from_secs(60);

impl Session {
    async fn start(
        browser: Browser,
        third_party: ThirdParty,
        options: &Options,
        ports: &Ports,
        positions: &[Position],
    ) -> Result<Self, String> {
        let port = free_port()?;
        let mut command = match browser {
            Browser::Firefox => {
                let mut c = Command::new(&options.geckodriver);
                c.args(["--port", &port.to_string(), "--websocket-port", &free_port()?.to_string()]);
                c
            }
            _ => {
                let mut c = Command::new(&options.chromedriver);
                c.arg(format!("--port={port}"));
                c
            }
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so the browser it starts dies with it.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the {} driver: {e}", name(browser)))?;
        let driver = Driver(child);
        wait_for_port(port).await?;
        let client = timed(
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities(browser, third_party, options))
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await?
        .map_err(|e| format!("cannot open a {} session: {e}", name(browser)))?;
        let caps = client.capabilities().cloned().unwrap_or_default();
        let version = caps.get("browserVersion").and_then(Value::as_str).unwrap_or("unknown").to_owned();
        let logs = match browser {
            Browser::Firefox => {
                let url =
                    caps.get("webSocketUrl").and_then(Value::as_str).ok_or("Firefox gave no webSocketUrl")?;
                bidi(url).await?
            }
            _ => Logs::Chromium(Chromium::default()),
        };
        let timeouts = TimeoutConfiguration::new(Some(COMMAND), Some(COMMAND), Some(Duration::ZERO));
        timed(client.update_timeouts(timeouts)).await?.map_err(|e| e.to_string())?;
        let login_tab = timed(client.window()).await?.map_err(|e| e.to_string())?;
        let mut session = Self {
            client,
            version,
            tabs: HashMap::new(),
            login_tab,
            current: None,
            logs,
            batches: 0,
            _driver: driver,
        };
        session.goto(&format!("{}/matrix", ports.origin(corslab_lab::hosts::DASHBOARD))).await?;
        for &position in positions {
            let tab = timed(session.client.new_window(true)).await?.map_err(|e| e.to_string())?.handle;
            timed(session.client.switch_to_window(tab.clone())).await?.map_err(|e| e.to_string())?;
            session.goto(&position.top_url(ports)).await?;
            if position.sandboxed() {
                let framed = session
                    .execute(
                        "const done = arguments[arguments.length - 1];
                         const frame = document.createElement('iframe');
                         frame.src = '/__lab/sandbox';
                         frame.onload = () => done(true);
                         document.body.appendChild(frame);",
                        vec![],
                    )
                    .await?;
                if framed != Value::Bool(true) {
                    return Err(format!("the sandboxed frame did not load: {framed}"));
                }
            }
            session.tabs.insert(position, tab);
        }
        session.current = None;
        Ok(session)
    }

    /// Signs in afresh with `cookie`'s attributes and sets the extra cookies; returns the jar.
    async fn login(
        &mut self,
        lab: &Lab,
        cookie: Cookie,
    ) -> Result<Vec<corslab_engine::exchange::Cookie>, String> {
        self.switch(None).await?;
        // Sign out first: the lab clears the cookie with the attributes it was set with.
        let out = "const done = arguments[arguments.length - 1];
                   fetch('/logout', { method: 'POST', headers: { accept: 'application/json' } })
                     .then((r) => done(r.status), (e) => done(String(e)));";
        self.execute(out, vec![]).await?;
        let settings = cookie.settings();
        lab.apply(&Control::SetCookie { cookie: settings });
        let login = format!(
            "const done = arguments[arguments.length - 1];
             fetch('/login', {{ method: 'POST', headers: {{ accept: 'application/json' }} }})
               .then((r) => {{ {} done(r.status); }}, (e) => done(String(e)));",
            jar::set_script()
        );
        let status = self.execute(&login, vec![]).await?;
        if status != json!(200) {
            return Err(format!("signing in answered {status}"));
        }
        let set_at = Instant::now();
        let cookies = timed(self.client.get_all_cookies()).await?.map_err(|e| e.to_string())?;
        let names: Vec<String> = cookies.iter().map(|c| c.name().to_owned()).collect();
        jar::jar(&settings, set_at.elapsed().as_secs(), &|n| names.iter().any(|k| k == n))
    }

    /// Runs `fetches` in `position`'s page and returns what the script saw of each.
    async fn batch(&mut self, position: Position, fetches: &[Value]) -> Result<Vec<PageSaw>, String> {
        self.switch(Some(position)).await?;
        self.batches += 1;
        let sentinel = format!("corslab-matrix-sentinel-{}", self.batches);
        let result = self.execute(BATCH, vec![json!(fetches), json!(sentinel)]).await?;
        let saw: Vec<PageSaw> = serde_json::from_value(result.clone())
            .map_err(|_| format!("the page script failed in {}: {result}", position.slug()))?;
        if saw.len() != fetches.len() {
            return Err(format!("the page ran {} of {} fetches", saw.len(), fetches.len()));
        }
        Ok(saw)
    }

    /// Waits until the browser's tooling has reported on every fetch of the batch: Chromium's
    /// logs hold a failure for every network error, Firefox's console has passed the sentinel.
    async fn settle(&mut self, runs: &[String], saw: &[PageSaw]) -> Result<(), String> {
        let started = Instant::now();
        let patience = Duration::from_secs(3);
        match &mut self.logs {
            Logs::Chromium(chromium) => loop {
                let perf = se_log(&self.client, "performance").await?;
                chromium.performance(&perf);
                let console = se_log(&self.client, "browser").await?;
                chromium.browser(&console);
                let waiting = runs.iter().zip(saw).any(|(run, page)| {
                    page.error.as_deref().is_some_and(is_network_error) && !chromium.has_failed(run)
                });
                if !waiting || started.elapsed() > patience {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            },
            Logs::Firefox { said, .. } => loop {
                let sentinel = format!("corslab-matrix-sentinel-{}", self.batches);
                let seen = said.lock().map_err(|_| "the console reader panicked")?.1.contains(&sentinel);
                if seen || started.elapsed() > patience {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            },
        }
    }

    fn said(&self, run: &str) -> crate::observe::Said {
        match &self.logs {
            Logs::Chromium(chromium) => chromium.said(run),
            Logs::Firefox { said, .. } => said.lock().map(|s| s.0.said(run)).unwrap_or_default(),
        }
    }

    /// Makes `position`'s page (or the login page, for `None`) the one scripts run in.
    async fn switch(&mut self, position: Option<Position>) -> Result<(), String> {
        if self.current == Some(position) {
            return Ok(());
        }
        let tab = match position {
            None => self.login_tab.clone(),
            Some(p) => self.tabs.get(&p).cloned().ok_or_else(|| format!("no tab for {}", p.slug()))?,
        };
        timed(self.client.switch_to_window(tab)).await?.map_err(|e| e.to_string())?;
        if position.is_some_and(Position::sandboxed) {
            timed(self.client.enter_frame(0)).await?.map_err(|e| format!("cannot enter the sandbox: {e}"))?;
        }
        self.current = Some(position);
        Ok(())
    }

    async fn goto(&self, url: &str) -> Result<(), String> {
        timed(self.client.goto(url)).await?.map_err(|e| format!("cannot open {url}: {e}"))
    }

    async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        timed(self.client.execute_async(script, args)).await?.map_err(|e| format!("script failed: {e}"))
    }

    /// Ends the session cleanly; the driver's process group is killed when it drops.
    async fn close(self) {
        if let Logs::Firefox { reader, .. } = &self.logs {
            reader.abort();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
    }
}

/// The capabilities for a headless browser with `third_party` cookies.
fn capabilities(browser: Browser, third_party: ThirdParty, options: &Options) -> Capabilities {
    let value = match browser {
        Browser::Firefox => {
            let mut prefs = json!({
                "app.update.enabled": false,
                "browser.shell.checkDefaultBrowser": false,
                "datareporting.policy.dataSubmissionEnabled": false,
                "network.captive-portal-service.enabled": false,
            });
            // 0 accepts every cookie, 1 refuses third-party ones; the default (5) partitions them.
            match third_party {
                ThirdParty::Default => {}
                ThirdParty::Allowed => prefs["network.cookie.cookieBehavior"] = json!(0),
                ThirdParty::Blocked => prefs["network.cookie.cookieBehavior"] = json!(1),
            }
            json!({
                "browserName": "firefox",
                "webSocketUrl": true,
                "moz:firefoxOptions": { "binary": options.firefox, "args": ["-headless"], "prefs": prefs },
            })
        }
        _ => {
            let mut prefs = json!({});
            // 0 allows third-party cookies, 1 blocks them (this build's default).
            match third_party {
                ThirdParty::Default => {}
                ThirdParty::Allowed => prefs["profile.cookie_controls_mode"] = json!(0),
                ThirdParty::Blocked => prefs["profile.cookie_controls_mode"] = json!(1),
            }
            json!({
                "browserName": "chrome",
                "goog:loggingPrefs": { "performance": "ALL", "browser": "ALL" },
                "goog:chromeOptions": {
                    "binary": options.chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-quic", "--no-first-run",
                        // Keep sandboxed iframes in the page's process, where chromedriver's
                        // logs can see their requests and console (CORS is the same either way).
                        "--disable-features=IsolateSandboxedIframes"
                    ],
                    "perfLoggingPrefs": { "enableNetwork": true, "enablePage": false },
                    "prefs": prefs,
                },
            })
        }
    };
    match value {
        Value::Object(map) => map,
        _ => Capabilities::new(),
    }
}

/// Connects to Firefox's WebDriver BiDi socket and keeps every console text it reports.
async fn bidi(url: &str) -> Result<Logs, String> {
    let (mut socket, _) = timed(tokio_tungstenite::connect_async(url))
        .await?
        .map_err(|e| format!("cannot reach Firefox's BiDi socket {url}: {e}"))?;
    let subscribe =
        json!({ "id": 1, "method": "session.subscribe", "params": { "events": ["log.entryAdded"] } });
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(subscribe.to_string()))
        .await
        .map_err(|e| format!("cannot subscribe to Firefox's console: {e}"))?;
    let said = Arc::new(Mutex::new((Firefox::default(), Vec::new())));
    let sink = Arc::clone(&said);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        while let Some(Ok(message)) = socket.next().await {
            let Ok(text) = message.to_text() else { continue };
            let Ok(value) = serde_json::from_str::<Value>(text) else { continue };
            if value["id"] == json!(1) {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
                continue;
            }
            if value["method"] != json!("log.entryAdded") {
                continue;
            }
            let Some(line) = value["params"]["text"].as_str() else { continue };
            let Ok(mut said) = sink.lock() else { return };
            if line.starts_with("corslab-matrix-sentinel-") {
                said.1.push(line.to_owned());
            } else {
                said.0.text(line);
            }
        }
    });
    timed(ready_rx).await?.map_err(|_| "Firefox's BiDi socket closed before the subscription".to_owned())?;
    Ok(Logs::Firefox { said, reader })
}

/// chromedriver's `POST /session/{id}/se/log`: the buffered entries of one log, which it clears.
#[derive(Debug)]
struct SeLog(&'static str);

impl WebDriverCompatibleCommand for SeLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": self.0 }).to_string()))
    }
}

async fn se_log(client: &Client, kind: &'static str) -> Result<Vec<Value>, String> {
    let value = timed(client.issue_cmd(SeLog(kind)))
        .await?
        .map_err(|e| format!("cannot read the {kind} log: {e}"))?;
    Ok(value.as_array().cloned().unwrap_or_default())
}

/// A WebDriver server and the browser it started: the whole process group is killed on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            // The driver leads its own group (`process_group(0)`), which holds the browser too.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.0.start_kill();
    }
}

async fn timed<T>(future: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(COMMAND, future)
        .await
        .map_err(|_| format!("a WebDriver command took over {COMMAND:?}"))
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

async fn wait_for_port(port: u16) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("the WebDriver server did not listen on port {port}"))
}
