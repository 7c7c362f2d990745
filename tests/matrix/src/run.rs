//! Running the matrix for real, the only module with I/O: the lab server in-process on
//! 127.0.0.1, each browser through its WebDriver server (Chromium one session per third-party
//! cookie setting, all at once; Firefox one session that changes the setting between phases),
//! one tab per position, one login per session cookie, and every scenario's fetch run back to
//! back in its page. Drivers and browsers are killed (their whole process group) on every way out,
//! and their temporary directory removed (`corslab_e2e::Driver`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corslab_e2e::{Driver, free_port};
use corslab_engine::Browser;
use corslab_lab::hosts::{API, PARTNER};
use corslab_lab::seen::Seen;
use corslab_lab::{Control, Ports};
use corslab_server::{Assets, Config, Lab, Listeners};
use fantoccini::wd::{Capabilities, TimeoutConfiguration, WebDriverCompatibleCommand, WindowHandle};
use fantoccini::{Client, ClientBuilder};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::compare::is_network_error;
use crate::jar;
use crate::observe::{Chromium, Firefox, Observation, PageSaw, Said};
use crate::report::{BrowserRun, name};
use crate::scenario::{Cookie, Fetch, PAGE, Position, Scenario, Setup, ThirdParty};

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
    let (main, addr) = any_port().await?;
    let (second, second_addr) = any_port().await?;
    let (https, https_addr) = any_port().await?;
    let (public, public_addr) = any_port().await?;
    let (public_https, public_https_addr) = any_port().await?;
    let more_ports = extra_ports(scenarios);
    let mut more = Vec::new();
    for &port in &more_ports {
        more.push(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            format!(
                "cannot listen on 127.0.0.1:{port} for the bad-port scenarios: {e}; free the port, or leave the family out with --only"
            )
        })?);
    }
    let config = Config {
        addr,
        second_port: Some(second_addr.port()),
        more_ports,
        // Pages on https origins, under a certificate the browsers are told to accept.
        https_port: Some(https_addr.port()),
        // Names that are not potentially trustworthy, which the browsers resolve to loopback.
        aliases: crate::scenario::UNTRUSTWORTHY_NAMES
            .iter()
            .map(|n| ((*n).to_owned(), API))
            .chain([(crate::scenario::PUBLIC_NAME.to_owned(), PARTNER)])
            .collect(),
        // Pages the browsers take for public ones, for Local Network Access.
        public_port: Some(public_addr.port()),
        public_https_port: Some(public_https_addr.port()),
        access_log: false,
        // Every request of every browser stays readable until the end.
        log_capacity: 200_000,
        // Scenarios pose answers no policy gives, and pages on the API's own origin.
        scripted: true,
        ..Config::default()
    };
    let mut assets = Assets::empty();
    assets.insert("index.html", PAGE.as_bytes());
    let lab = Lab::new(&config, assets);
    let ports = lab.ports();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(corslab_server::serve(
        Listeners {
            main,
            second: Some(second),
            more,
            https: Some(https),
            public: Some(public),
            public_https: Some(public_https),
        },
        lab.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let login = tokio::sync::Mutex::new(());
    let result = tokio::time::timeout(options.deadline, async {
        // One browser after the other, so each one's speed is its own; its sessions run at once.
        let mut runs = Vec::new();
        for &browser in &options.browsers {
            runs.push(run_browser(&lab, &login, options, browser, scenarios).await?);
        }
        Ok::<_, String>(runs)
    })
    .await
    .unwrap_or_else(|_| Err(format!("the matrix did not finish within {:?}", options.deadline)));
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    Ok((ports, result?))
}

/// A listener on a free loopback port, and its address.
async fn any_port() -> Result<(tokio::net::TcpListener, std::net::SocketAddr), String> {
    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((listener, addr))
}

/// The bad ports the scenarios reach. The lab listens on each, so that a browser that connects
/// to one is seen in the log: with nothing listening, a refused connection would look like the
/// browser's own refusal.
fn extra_ports(scenarios: &[Scenario]) -> Vec<u16> {
    let ports: BTreeSet<u16> = scenarios.iter().filter_map(|s| s.target.extra_port()).collect();
    ports.into_iter().collect()
}

/// Every scenario in one browser: one session per third-party setting, all at once, each with
/// one login per session cookie and one tab per position.
async fn run_browser(
    lab: &Lab,
    login: &tokio::sync::Mutex<()>,
    options: &Options,
    browser: Browser,
    scenarios: &[Scenario],
) -> Result<(BrowserRun, Observed), String> {
    let started = Instant::now();
    // Scenario indices grouped by setup, in setup order: sessions, logins and tabs change rarely.
    let mut groups: BTreeMap<Setup, Vec<usize>> = BTreeMap::new();
    for (i, s) in scenarios.iter().enumerate() {
        groups.entry(s.setup).or_default().push(i);
    }
    let phases: Vec<Phase> = ThirdParty::ALL
        .into_iter()
        .map(|third_party| {
            let setups = groups
                .iter()
                .filter(|(s, _)| s.third_party == third_party)
                .map(|(s, i)| (*s, i.clone()))
                .collect();
            (third_party, setups)
        })
        .filter(|(_, setups): &Phase| !setups.is_empty())
        .collect();
    // Chromium takes its cookie setting at start: one session per setting, all at once.
    // Firefox starts slowly but changes the setting at run time: one session for all.
    let sessions: Vec<_> = match browser {
        Browser::Firefox => vec![run_session(lab, login, options, browser, phases, scenarios)],
        _ => phases
            .into_iter()
            .map(|phase| run_session(lab, login, options, browser, vec![phase], scenarios))
            .collect(),
    };
    let mut observed: Vec<Option<(String, Observation)>> = vec![None; scenarios.len()];
    let mut version = String::new();
    for session in futures_util::future::join_all(sessions).await {
        let (session_version, results) = session?;
        if !session_version.is_empty() {
            version = session_version;
        }
        for (i, run, observation) in results {
            observed[i] = Some((run, observation));
        }
    }
    let observed: Observed = observed.into_iter().flatten().collect();
    if observed.len() != scenarios.len() {
        return Err(format!(
            "{} observed {} of {} scenarios",
            name(browser),
            observed.len(),
            scenarios.len()
        ));
    }
    let run = BrowserRun { browser, version, seconds: started.elapsed().as_secs_f64(), outcomes: Vec::new() };
    Ok((run, observed))
}

/// A scenario's index and the run id its URLs carry.
type Run = (usize, String);

/// What one scenario's run gave: what the script saw and what the server logged.
struct Ran {
    index: usize,
    run: String,
    page: PageSaw,
    server: Vec<Seen>,
    before_server: Vec<Seen>,
}

/// One third-party cookie setting and its scenario indices, grouped by setup.
type Phase = (ThirdParty, Vec<(Setup, Vec<usize>)>);

/// One browser session: its third-party cookie settings one after the other, each with one login
/// per session cookie and one tab per position. Returns the browser's version and, per scenario
/// index, its run and what was observed.
async fn run_session(
    lab: &Lab,
    login: &tokio::sync::Mutex<()>,
    options: &Options,
    browser: Browser,
    phases: Vec<Phase>,
    scenarios: &[Scenario],
) -> Result<(String, Vec<(usize, String, Observation)>), String> {
    let Some(&(first, _)) = phases.first() else { return Ok((String::new(), Vec::new())) };
    let prefix = &name(browser)[..1];
    let started = Instant::now();
    let mut session = Session::start(browser, first, options, &lab.ports()).await?;
    let result = async {
        let mut out: Vec<(usize, String, Observation)> = Vec::new();
        for (third_party, setups) in phases {
            session.set_third_party(third_party).await?;
            // Tabs for every position a fetch runs from, fetches before included.
            let mut positions: Vec<Position> = setups.iter().map(|(s, _)| s.position).collect();
            positions.extend(
                setups.iter().flat_map(|(_, indices)| indices).filter_map(|&i| scenarios[i].before_from),
            );
            positions.sort();
            positions.dedup();
            session.open(&lab.ports(), &positions).await?;
            let mut cookie: Option<Cookie> = None;
            let mut jar = Vec::new();
            let mut signed_in_at = Instant::now();
            for (setup, indices) in setups {
                if cookie != Some(setup.cookie) {
                    jar = session.login(lab, login, setup.cookie).await?;
                    signed_in_at = Instant::now();
                    cookie = Some(setup.cookie);
                }
                // Cookies age while the group runs (Chromium's Lax-by-default window counts).
                for entry in &mut jar {
                    entry.age_s = signed_in_at.elapsed().as_secs();
                }
                let runs: Vec<Run> = indices.iter().map(|&i| (i, format!("{prefix}{i}"))).collect();
                let ran = session.run_group(lab, scenarios, setup.position, &runs).await?;
                out.extend(ran.into_iter().map(|Ran { index, run, page, server, before_server }| {
                    let said = Said::default();
                    (index, run, Observation { page, server, before_server, said, jar: jar.clone() })
                }));
            }
            if std::env::var_os("CORSLAB_MATRIX_TIMING").is_some() {
                eprintln!(
                    "timing: {} {} done at {:.1?}",
                    name(browser),
                    third_party.slug(),
                    started.elapsed()
                );
            }
        }
        // The browser's tooling reports asynchronously: wait once for the whole session.
        let waiting: Vec<(&str, &Observation)> = out.iter().map(|(_, run, o)| (run.as_str(), o)).collect();
        let said = session.settle(&waiting).await?;
        for (_, run, observation) in &mut out {
            observation.said = said(run);
        }
        Ok::<_, String>(out)
    }
    .await;
    let version = session.version.clone();
    session.close().await;
    Ok((version, result?))
}

/// A fetch of one scenario (its own, or one `before` it) as the page script takes it. From the
/// public page, a fetch may wait for a permission prompt no one answers: after a while it is
/// given up as pending.
fn fetch_json(scenario: &Scenario, fetch: &Fetch, ports: &Ports, run: &str) -> Value {
    let give_up_ms = scenario.setup.position.public().then_some(PENDING_AFTER.as_millis());
    json!({
        "url": scenario.url(ports, run),
        "own_blob": scenario.own_blob(),
        "give_up_ms": give_up_ms,
        "method": fetch.method,
        "headers": fetch.headers,
        "body": fetch.body,
        "mode": fetch.mode,
        "credentials": fetch.credentials,
        "redirect": fetch.redirect,
    })
}

/// What the server logged of each of `runs`, in the order the requests arrived, split at the
/// run's floor (the last id given out before its observed fetch, when fetches before it ran
/// first): what the fetches before sent, then what the observed fetch sent. Read run by run
/// rather than paged by id: the log lists a request when it is answered, under the id it got
/// on arrival, and other sessions share it, so paging on from the last id read would read some
/// entries twice and skip others.
fn read_runs(
    lab: &Lab,
    runs: &[String],
    floors: &HashMap<String, u64>,
) -> HashMap<String, (Vec<Seen>, Vec<Seen>)> {
    runs.iter()
        .map(|run| {
            let floor = floors.get(run).copied().unwrap_or(0);
            let (before, after) = lab.log().run(run).into_iter().partition(|e| e.id <= floor);
            (run.clone(), (before, after))
        })
        .collect()
}

/// How long a fetch from the public page may wait for a Local Network Access prompt.
const PENDING_AFTER: Duration = Duration::from_secs(3);

/// The script each page runs: the batch's fetches one after another, each result as the
/// script saw it (a fetch given up on is `pending`), then a sentinel line on the console so the
/// console reader knows it has everything before it.
const BATCH: &str = r#"
const done = arguments[arguments.length - 1];
const [fetches, sentinel] = arguments;
(async () => {
  const out = [];
  for (const f of fetches) {
    const init = { method: f.method, headers: f.headers, mode: f.mode, credentials: f.credentials, redirect: f.redirect };
    if (f.body !== null) init.body = f.body;
    try {
      const url = f.own_blob ? URL.createObjectURL(new Blob(["corslab"], { type: "text/plain" })) : f.url;
      // A fetch given up on is aborted, so no prompt it waits for outlives it.
      const abort = new AbortController();
      init.signal = abort.signal;
      const fetched = fetch(url, init);
      const r = await (f.give_up_ms === null ? fetched : Promise.race([
        fetched,
        new Promise((_, reject) => setTimeout(() => { reject(new Error("pending")); abort.abort(); }, f.give_up_ms)),
      ]));
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
    /// The session cookie's attributes at the last login.
    signed_in: Option<corslab_lab::CookieSettings>,
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
    /// Starts the driver and a headless session; Chromium with its third-party setting.
    async fn start(
        browser: Browser,
        third_party: ThirdParty,
        options: &Options,
        ports: &Ports,
    ) -> Result<Self, String> {
        let port = free_port()?;
        let command = match browser {
            Browser::Firefox => {
                let mut c = Command::new(&options.geckodriver);
                c.args(["--port", &port.to_string(), "--websocket-port", &free_port()?.to_string()])
                    // Lets the session set Firefox's cookie preference between phases.
                    .arg("--allow-system-access");
                c
            }
            _ => {
                let mut c = Command::new(&options.chromedriver);
                c.arg(format!("--port={port}"));
                c
            }
        };
        let driver = Driver::start(command, port, name(browser)).await?;
        let client = timed(
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities(browser, third_party, options, ports))
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
        let session = Self {
            client,
            version,
            tabs: HashMap::new(),
            login_tab,
            current: None,
            logs,
            batches: 0,
            signed_in: None,
            _driver: driver,
        };
        Ok(session)
    }

    /// Firefox: sets the third-party cookie preference (pages opened afterwards follow it).
    /// Chromium took its setting at start.
    async fn set_third_party(&self, third_party: ThirdParty) -> Result<(), String> {
        if !matches!(self.logs, Logs::Firefox { .. }) {
            return Ok(());
        }
        // 0 accepts every cookie, 1 refuses third-party ones; the default (5) partitions them.
        let script = match third_party {
            ThirdParty::Default => "Services.prefs.clearUserPref('network.cookie.cookieBehavior');",
            ThirdParty::Allowed => "Services.prefs.setIntPref('network.cookie.cookieBehavior', 0);",
            ThirdParty::Blocked => "Services.prefs.setIntPref('network.cookie.cookieBehavior', 1);",
        };
        timed(self.client.issue_cmd(MozContext("chrome")))
            .await?
            .map_err(|e| format!("chrome context: {e}"))?;
        let set = timed(self.client.execute(script, vec![]))
            .await?
            .map_err(|e| format!("cannot set the pref: {e}"));
        timed(self.client.issue_cmd(MozContext("content")))
            .await?
            .map_err(|e| format!("content context: {e}"))?;
        set.map(|_| ())
    }

    /// Opens (or reloads, so they follow the current settings) the login page and one tab per
    /// position; a framed position gets its iframe.
    async fn open(&mut self, ports: &Ports, positions: &[Position]) -> Result<(), String> {
        timed(self.client.switch_to_window(self.login_tab.clone())).await?.map_err(|e| e.to_string())?;
        self.goto(&format!("{}/matrix", ports.origin(corslab_lab::hosts::DASHBOARD))).await?;
        for &position in positions {
            let tab = match self.tabs.get(&position) {
                Some(tab) => tab.clone(),
                None => timed(self.client.new_window(true)).await?.map_err(|e| e.to_string())?.handle,
            };
            timed(self.client.switch_to_window(tab.clone())).await?.map_err(|e| e.to_string())?;
            self.goto(&position.top_url(ports)).await?;
            if let Some(src) = position.frame_url(ports) {
                let framed = self
                    .execute(
                        "const done = arguments[arguments.length - 1];
                         const frame = document.createElement('iframe');
                         frame.src = arguments[0];
                         frame.onload = () => done(true);
                         // A blocked frame may never load: say so well before WebDriver's timeout.
                         setTimeout(() => done(false), 15000);
                         document.body.appendChild(frame);",
                        vec![Value::String(src)],
                    )
                    .await?;
                if framed != Value::Bool(true) {
                    return Err(format!("the frame of {} did not load: {framed}", position.slug()));
                }
            }
            self.tabs.insert(position, tab);
        }
        self.current = None;
        Ok(())
    }

    /// Signs in afresh with `cookie`'s attributes and sets the extra cookies; returns the jar.
    async fn login(
        &mut self,
        lab: &Lab,
        login: &tokio::sync::Mutex<()>,
        cookie: Cookie,
    ) -> Result<Vec<corslab_engine::exchange::Cookie>, String> {
        self.switch(None).await?;
        // The lab's cookie settings are shared by every browser running at once.
        let _lab = login.lock().await;
        if let Some(previous) = self.signed_in {
            // Sign out first: the lab clears the cookie with the attributes it was set with.
            lab.apply(&Control::SetCookie { cookie: previous });
            let out = "const done = arguments[arguments.length - 1];
                       fetch('/logout', { method: 'POST', headers: { accept: 'application/json' } })
                         .then((r) => done(r.status), (e) => done(String(e)));";
            self.execute(out, vec![]).await?;
        }
        let settings = cookie.settings();
        lab.apply(&Control::SetCookie { cookie: settings });
        self.signed_in = Some(settings);
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
        Ok(jar::jar(&settings, set_at.elapsed().as_secs(), &|n| names.iter().any(|k| k == n)))
    }

    /// Runs one group's scenarios from `position` and returns, per scenario, what the script saw
    /// and what the server logged of its run. Scenarios with one fetch go in one batch; those
    /// with fetches before theirs go one at a time, so the cache entries are a moment old, and
    /// what the server and the tooling saw of the fetches before is set aside.
    async fn run_group(
        &mut self,
        lab: &Lab,
        scenarios: &[Scenario],
        position: Position,
        runs: &[Run],
    ) -> Result<Vec<Ran>, String> {
        let ports = lab.ports();
        let json = |i: usize, fetch: &Fetch, run: &str| fetch_json(&scenarios[i], fetch, &ports, run);
        let names: Vec<String> = runs.iter().map(|(_, run)| run.clone()).collect();
        let mut floors: HashMap<String, u64> = HashMap::new();
        let mut saw: Vec<(usize, &String, PageSaw)> = Vec::with_capacity(runs.len());
        let (plain, warmed): (Vec<&Run>, Vec<&Run>) =
            runs.iter().partition(|(i, _)| scenarios[*i].before.is_empty());
        if !plain.is_empty() {
            let fetches: Vec<Value> =
                plain.iter().map(|(i, run)| json(*i, &scenarios[*i].fetch, run)).collect();
            let pages = self.batch(position, &fetches).await?;
            saw.extend(plain.iter().zip(pages).map(|((i, run), page)| (*i, run, page)));
        }
        for (i, run) in warmed {
            let scenario = &scenarios[*i];
            let before: Vec<Value> = scenario.before.iter().map(|b| json(*i, b, run)).collect();
            let pages = self.batch(scenario.before_from.unwrap_or(position), &before).await?;
            self.set_aside(run, &pages).await?;
            if scenario.pause_s > 0 {
                tokio::time::sleep(Duration::from_secs(scenario.pause_s)).await;
            }
            // What the fetches before logged is theirs: the observed fetch's requests come later.
            floors.insert(run.clone(), lab.log().last_id());
            let pages = self.batch(position, &[json(*i, &scenario.fetch, run)]).await?;
            saw.extend(pages.into_iter().map(|page| (*i, run, page)));
        }
        let mut server = read_runs(lab, &names, &floors);
        Ok(saw
            .into_iter()
            .map(|(index, run, page)| {
                let (before_server, server) = server.remove(run).unwrap_or_default();
                Ran { index, run: run.clone(), page, server, before_server }
            })
            .collect())
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

    /// Waits until the browser's tooling has reported on every fetch of the session (Chromium's
    /// logs hold a failure for every network error; Firefox's console has passed the last
    /// sentinel and gone quiet), then returns what it said, by run.
    async fn settle(&mut self, ran: &[(&str, &Observation)]) -> Result<Box<dyn Fn(&str) -> Said>, String> {
        // Only a fetch that reached the server can have a failed request to report.
        let failed: Vec<&str> = ran
            .iter()
            .filter(|(_, o)| !o.server.is_empty() && o.page.error.as_deref().is_some_and(is_network_error))
            .map(|(run, _)| *run)
            .collect();
        self.listen(&failed).await?;
        match &mut self.logs {
            Logs::Chromium(chromium) => {
                let chromium = std::mem::take(chromium);
                Ok(Box::new(move |run: &str| chromium.said(run)))
            }
            Logs::Firefox { said, .. } => {
                let firefox = std::mem::take(&mut said.lock().map_err(|_| "the console reader panicked")?.0);
                Ok(Box::new(move |run: &str| firefox.said(run)))
            }
        }
    }

    /// Sets aside what the tooling says about the fetches `run` made before its observed one:
    /// when one of them failed, waits for the tooling to report it, then forgets it.
    async fn set_aside(&mut self, run: &str, before: &[PageSaw]) -> Result<(), String> {
        if before.iter().all(|page| page.ok) {
            return Ok(());
        }
        self.listen(&[run]).await?;
        match &mut self.logs {
            Logs::Chromium(chromium) => chromium.forget(run),
            Logs::Firefox { said, .. } => {
                said.lock().map_err(|_| "the console reader panicked")?.0.forget(run);
            }
        }
        Ok(())
    }

    /// Waits until the tooling has reported so far: Chromium's logs hold a failure for each of
    /// `failed`, Firefox's console has passed the last batch's sentinel and gone quiet.
    async fn listen(&mut self, failed: &[&str]) -> Result<(), String> {
        let started = Instant::now();
        let patience = Duration::from_secs(5);
        match &mut self.logs {
            Logs::Chromium(chromium) => loop {
                let perf = se_log(&self.client, "performance").await?;
                chromium.performance(&perf);
                let console = se_log(&self.client, "browser").await?;
                chromium.browser(&console);
                let waiting = failed.iter().any(|run| !chromium.has_failed(run));
                if !waiting || started.elapsed() > patience {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            },
            Logs::Firefox { said, .. } => {
                let sentinel = format!("corslab-matrix-sentinel-{}", self.batches);
                let mut heard = 0;
                let mut quiet_since = Instant::now();
                loop {
                    let (lines, done) = {
                        let said = said.lock().map_err(|_| "the console reader panicked")?;
                        (said.0.lines(), said.1.contains(&sentinel))
                    };
                    if lines != heard {
                        heard = lines;
                        quiet_since = Instant::now();
                    }
                    // A failed preflight's last line can follow the sentinel: wait for quiet.
                    let quiet = quiet_since.elapsed() > Duration::from_millis(150);
                    if (done && quiet) || started.elapsed() > patience {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
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
        if position.is_some_and(Position::framed) {
            timed(self.client.enter_frame(0)).await?.map_err(|e| format!("cannot enter the frame: {e}"))?;
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

/// The capabilities for a headless browser: Chromium with `third_party` cookies (Firefox's
/// setting is made at run time, [`Session::set_third_party`]). Both resolve the run's extra
/// names to loopback and take the lab's public ports for public addresses.
fn capabilities(browser: Browser, third_party: ThirdParty, options: &Options, ports: &Ports) -> Capabilities {
    let names = crate::scenario::UNTRUSTWORTHY_NAMES.iter().chain([&crate::scenario::PUBLIC_NAME]);
    let public: Vec<String> =
        ports.public.into_iter().chain(ports.public_https).map(|port| format!("127.0.0.1:{port}")).collect();
    let value = match browser {
        Browser::Firefox => {
            let prefs = json!({
                "app.update.enabled": false,
                "browser.shell.checkDefaultBrowser": false,
                "datareporting.policy.dataSubmissionEnabled": false,
                "network.captive-portal-service.enabled": false,
                // The run's extra names resolve to loopback; the public ports are public addresses.
                "network.dns.localDomains": names.copied().collect::<Vec<_>>().join(","),
                "network.lna.address_space.public.override": public.join(","),
            });
            json!({
                "browserName": "firefox",
                "webSocketUrl": true,
                "acceptInsecureCerts": true,
                "moz:firefoxOptions": { "binary": options.firefox, "args": ["-headless"], "prefs": prefs },
            })
        }
        _ => {
            // The run's extra names resolve to loopback; the public ports are public addresses.
            let rules: Vec<String> = names.map(|n| format!("MAP {n} 127.0.0.1")).collect();
            let resolver_rules = format!("--host-resolver-rules={}", rules.join(", "));
            let spaces: Vec<String> = public.iter().map(|address| format!("{address}=public")).collect();
            let address_spaces = format!("--ip-address-space-overrides={}", spaces.join(","));
            let mut prefs = json!({});
            // 0 allows third-party cookies, 1 blocks them (this build's default).
            match third_party {
                ThirdParty::Default => {}
                ThirdParty::Allowed => prefs["profile.cookie_controls_mode"] = json!(0),
                ThirdParty::Blocked => prefs["profile.cookie_controls_mode"] = json!(1),
            }
            json!({
                "browserName": "chrome",
                "acceptInsecureCerts": true,
                "goog:loggingPrefs": { "performance": "ALL", "browser": "ALL" },
                "goog:chromeOptions": {
                    "binary": options.chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-quic", "--no-first-run",
                        // Keep sandboxed and cross-site iframes in the page's process, where
                        // chromedriver's logs can see their requests and console (CORS is the
                        // same either way).
                        "--disable-features=IsolateSandboxedIframes", "--disable-site-isolation-trials",
                        resolver_rules,
                        address_spaces,
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

/// geckodriver's `POST /session/{id}/moz/context`: scripts run in the browser (`chrome`) or the page.
#[derive(Debug)]
struct MozContext(&'static str);

impl WebDriverCompatibleCommand for MozContext {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/moz/context", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "context": self.0 }).to_string()))
    }
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

async fn timed<T>(future: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(COMMAND, future)
        .await
        .map_err(|_| format!("a WebDriver command took over {COMMAND:?}"))
}
