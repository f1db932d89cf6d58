//! The browser harness: finds Chromium and chromedriver, starts chromedriver on a free port,
//! opens a headless Chromium session per flow (its own profile and download folder) and gives
//! the flows a few person-sized steps (go to a page, type into a field, choose an option, press a
//! button, read the page's text, save a screenshot).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How long a page may take to show what a flow waits for.
const WAIT: Duration = Duration::from_secs(20);

/// The programs the tests drive: `KAIFAQU_CHROMEDRIVER` / `KAIFAQU_CHROMIUM` or the first found on
/// the `PATH`.
pub struct Programs {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn from_env_or_path(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)).filter(|p| p.is_file()),
        _ => on_path(names),
    }
}

impl Programs {
    /// The programs, or `None` (with a notice) when one is missing; with
    /// `KAIFAQU_TEST_REQUIRE_BROWSER=1` a missing program fails the test instead.
    pub fn find() -> Option<Programs> {
        let chromedriver = from_env_or_path("KAIFAQU_CHROMEDRIVER", &["chromedriver"]);
        let chromium = from_env_or_path(
            "KAIFAQU_CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"],
        );
        match (chromedriver, chromium) {
            (Some(chromedriver), Some(chromium)) => Some(Programs { chromedriver, chromium }),
            (d, c) => {
                let missing = [("chromedriver", d.is_none()), ("chromium", c.is_none())]
                    .iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ");
                if std::env::var("KAIFAQU_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                    panic!(
                        "KAIFAQU_TEST_REQUIRE_BROWSER=1 but {missing} not found (install chromium and chromium-driver)"
                    );
                }
                eprintln!(
                    "NOTICE: browser tests skipped: {missing} not found (install chromium and chromium-driver, or set KAIFAQU_CHROMEDRIVER / KAIFAQU_CHROMIUM)"
                );
                None
            }
        }
    }
}

/// A running chromedriver, ended when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
    chromium: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Driver {
    pub async fn start(p: &Programs) -> Driver {
        let port = free_port();
        let child = Command::new(&p.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", p.chromedriver.display()));
        let url = format!("http://127.0.0.1:{port}");
        let d = Driver { child, url, chromium: p.chromium.clone() };
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{}/status", d.url)).send().await
                && r.status().is_success()
            {
                return d;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not answer on {}", d.url);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where this workspace's `target/` is (`CARGO_TARGET_DIR` when set).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

/// `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let d = target_dir().join("screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One headless Chromium session against one app.
#[derive(Clone)]
pub struct Browser {
    pub c: Client,
    pub base: String,
    pub downloads: PathBuf,
    profile: PathBuf,
}

/// A CSS selector for the field named `name` (inside `scope`, a CSS selector, when not empty).
pub fn named(name: &str) -> String {
    format!("[name=\"{name}\"]")
}

impl Browser {
    pub async fn open(driver: &Driver, base: &str) -> Browser {
        let tmp = std::env::temp_dir().join(format!("kfq-browser-{}", kaifaqu_store::auth::random_hex(8)));
        let profile = tmp.join("profile");
        let downloads = tmp.join("downloads");
        std::fs::create_dir_all(&profile).unwrap();
        std::fs::create_dir_all(&downloads).unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": driver.chromium.to_string_lossy(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--window-size=1366,900",
                    "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.to_string_lossy(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                    "intl.accept_languages": "zh-CN,zh",
                },
            },
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let c = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));
        Browser { c, base: base.to_string(), downloads, profile: tmp }
    }

    /// Ends the session and removes its profile and downloads.
    pub async fn close(self) {
        let _ = self.c.clone().close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{}", self.base, path)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The current path and query, as a person reads it in the address bar.
    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `needle`; returns the page's text.
    pub async fn wait_text(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let t = self.text().await;
            if t.contains(needle) {
                return t;
            }
            if start.elapsed() > WAIT {
                let path = self.path().await;
                panic!("“{needle}” did not appear on {path}; the page shows:\n{}", excerpt(&t));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the first element matching `css`.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                panic!("no {css} on {path} ({e}); the page shows:\n{}", excerpt(&self.text().await))
            }
        }
    }

    /// Waits for the first element at `xpath`.
    pub async fn find_x(&self, xpath: &str) -> fantoccini::elements::Element {
        match self.c.wait().at_most(WAIT).for_element(Locator::XPath(xpath)).await {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                panic!("no {xpath} on {path} ({e}); the page shows:\n{}", excerpt(&self.text().await))
            }
        }
    }

    /// Types `value` into the field `css` (what was there is cleared first).
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    /// Sets a date field (`<input type="date">`: typing into it depends on the browser's locale,
    /// so the value is set as the date picker would).
    pub async fn set_date(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        let arg = serde_json::to_value(&e).unwrap();
        self.c
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true})); arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![arg, json!(value)],
            )
            .await
            .unwrap();
    }

    /// Chooses the option with `value` in the select `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    /// Chooses the option labelled `label` in the select `css`.
    pub async fn select_label(&self, css: &str, label: &str) {
        self.find(css).await.select_by_label(label).await.unwrap_or_else(|e| panic!("choose {label} in {css}: {e}"));
    }

    /// Adds the option labelled `label` to the choices of the multiple select `css` (clicking an
    /// option of a multiple select toggles it, so only an unchosen one is clicked).
    pub async fn choose(&self, css: &str, label: &str) {
        let xpath = format!(".//option[normalize-space()='{label}']");
        let o = self
            .find(css)
            .await
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no {label} in {css}: {e}"));
        if !o.is_selected().await.unwrap() {
            o.click().await.unwrap();
        }
        assert!(o.is_selected().await.unwrap(), "{label} chosen in {css}");
    }

    /// The labels of the chosen options of the select `css`.
    pub async fn chosen(&self, css: &str) -> Vec<String> {
        let s = self.find(css).await;
        let mut out = Vec::new();
        for o in s.find_all(Locator::Css("option")).await.unwrap() {
            if o.is_selected().await.unwrap() {
                out.push(o.text().await.unwrap().trim().to_string());
            }
        }
        out
    }

    /// Marks the page shown now, so that `wait_new_page` can tell when the next one has loaded.
    async fn mark_page(&self) {
        self.c.execute("window.__kfqShown = true;", vec![]).await.unwrap();
    }

    /// Waits until the marked page has been replaced by a new one that has finished loading.
    async fn wait_new_page(&self, what: &str) {
        let start = Instant::now();
        loop {
            let js = "return window.__kfqShown !== true && document.readyState === 'complete';";
            if let Ok(Value::Bool(true)) = self.c.execute(js, vec![]).await {
                return;
            }
            assert!(start.elapsed() < WAIT, "no new page after {what} (still on {})", self.path().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the element `css` (a submit button or a link) and waits for the page it leads to.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.mark_page().await;
        e.click().await.unwrap_or_else(|err| panic!("click {css}: {err}"));
        self.wait_new_page(css).await;
    }

    /// Clicks the link showing exactly `text` and waits for the page it leads to.
    pub async fn click_link(&self, text: &str) {
        let e = match self.c.wait().at_most(WAIT).for_element(Locator::LinkText(text)).await {
            Ok(e) => e,
            Err(e) => panic!("no link “{text}” on {} ({e})", self.path().await),
        };
        self.mark_page().await;
        e.click().await.unwrap();
        self.wait_new_page(text).await;
    }

    /// Clicks the link showing exactly `text` that downloads a file (the page stays).
    pub async fn click_download(&self, text: &str) {
        match self.c.wait().at_most(WAIT).for_element(Locator::LinkText(text)).await {
            Ok(e) => e.click().await.unwrap(),
            Err(e) => panic!("no link “{text}” on {} ({e})", self.path().await),
        }
    }

    /// Scrolls the element at `xpath` to the top of the window (for a screenshot).
    pub async fn scroll_to(&self, xpath: &str) {
        let e = self.find_x(xpath).await;
        let arg = serde_json::to_value(&e).unwrap();
        self.c.execute("arguments[0].scrollIntoView({block: 'start'});", vec![arg]).await.unwrap();
    }

    /// The current value of the field `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// The error message shown beside the field `css` (the `.err` in the field's label).
    pub async fn error_beside(&self, css: &str) -> Option<String> {
        let e = self.find(css).await;
        let arg = serde_json::to_value(&e).unwrap();
        let v = self
            .c
            .execute(
                "const l = arguments[0].closest('label, td'); const m = l && l.querySelector('.err'); return m ? m.innerText : null;",
                vec![arg],
            )
            .await
            .unwrap();
        v.as_str().map(str::to_string)
    }

    /// The text of the second cell of the table row whose first cell reads `label` (an indent of
    /// full-width spaces aside).
    pub async fn figure(&self, label: &str) -> String {
        self.find_x(&format!("//tr[td[1][normalize-space(translate(., '\u{3000}', ' '))='{label}']]/td[2]"))
            .await
            .text()
            .await
            .unwrap()
    }

    /// The text of the table row holding a link that reads `link`.
    pub async fn row_with_link(&self, link: &str) -> String {
        self.find_x(&format!("//tr[.//a[normalize-space()='{link}']]")).await.text().await.unwrap()
    }

    /// Logs in through the login page and waits to leave it.
    pub async fn login(&self, login: &str, password: &str) {
        self.goto("/login").await;
        self.fill(&named("login_name"), login).await;
        self.fill(&named("password"), password).await;
        self.click("form[action='/login'] button[type=submit]").await;
        let start = Instant::now();
        while self.path().await.starts_with("/login") {
            if start.elapsed() > WAIT {
                panic!("login as {login} failed; the page shows:\n{}", excerpt(&self.text().await));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Forgets the session (as closing the browser would).
    pub async fn logout(&self) {
        self.c.delete_all_cookies().await.unwrap();
    }

    /// Saves what the browser shows as `target/screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) -> PathBuf {
        let png = self.c.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Waits for a finished download whose name ends with `ext`; returns its bytes.
    pub async fn downloaded(&self, ext: &str) -> (String, Vec<u8>) {
        let start = Instant::now();
        loop {
            let done = std::fs::read_dir(&self.downloads)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == ext));
            if let Some(p) = done {
                // Chromium renames the .crdownload when complete; give it a moment to close
                tokio::time::sleep(Duration::from_millis(200)).await;
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                return (name, std::fs::read(&p).unwrap());
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no .{ext} downloaded into {}",
                self.downloads.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The first lines of a page's text, for failure messages.
pub fn excerpt(t: &str) -> String {
    t.chars().take(1500).collect()
}

/// The number at the start of a figure's text ("15", "95 家次", "83.33%").
pub fn leading_number(t: &str) -> i64 {
    let digits: String = t.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap_or_else(|_| panic!("no number in “{t}”"))
}
