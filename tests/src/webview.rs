//! Drives the real desktop app in its real webview: `tauri-driver` in front
//! of WebKitWebDriver, under a virtual display (`xvfb-run`), spoken to over
//! the W3C WebDriver protocol with a small blocking client.
//!
//! The app inherits its environment from tauri-driver, so each [`AppDriver`]
//! gets a fresh `XDG_DATA_HOME`: the app's store starts empty every run.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The W3C key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running tauri-driver with one app session.
pub struct AppDriver {
    child: Child,
    base: String,
    session: String,
    http: Client,
    pub home: TempDir,
}

/// Why the real-webview test cannot run here, if it cannot.
pub fn missing_tools() -> Option<String> {
    for tool in ["tauri-driver", "WebKitWebDriver", "xvfb-run"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        if !found {
            return Some(format!("{tool} is not on PATH (scripts/test installs it)"));
        }
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl AppDriver {
    /// Starts the app binary at `app` in a fresh home and opens a session.
    pub fn start(app: &Path) -> Self {
        let home = tempfile::tempdir().expect("a temp dir");
        let port = free_port();
        let log = std::fs::File::create(home.path().join("tauri-driver.log")).unwrap();
        let child = Command::new("xvfb-run")
            .args(["-a", "tauri-driver", "--port", &port.to_string()])
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .stdout(Stdio::null())
            .stderr(log)
            // Its own process group, so xvfb-run, Xvfb, tauri-driver,
            // WebKitWebDriver and the app all go when the test ends.
            .process_group(0)
            .spawn()
            .expect("xvfb-run tauri-driver starts");
        let http = Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let mut driver = AppDriver {
            child,
            base,
            session: String::new(),
            http,
            home,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let caps =
            json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}});
        loop {
            match driver
                .http
                .post(format!("{}/session", driver.base))
                .json(&caps)
                .send()
            {
                Ok(r) => {
                    let v: Value = r.json().expect("a WebDriver answer");
                    driver.session = v["value"]["sessionId"]
                        .as_str()
                        .unwrap_or_else(|| {
                            panic!("no session: {v}; see {}", driver.log_path().display())
                        })
                        .to_owned();
                    break;
                }
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200))
                }
                Err(e) => panic!(
                    "tauri-driver did not answer: {e}; see {}",
                    driver.log_path().display()
                ),
            }
        }
        driver
    }

    pub fn log_path(&self) -> PathBuf {
        self.home.path().join("tauri-driver.log")
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .expect("WebDriver request")
            .json()
            .expect("WebDriver JSON");
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    /// Runs a script in the page and returns its value.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs an async script; it must call `arguments[arguments.length - 1](result)`.
    pub fn script_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until a CSS selector matches, and returns the element id.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let v: Value = self
                .http
                .post(&url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .expect("WebDriver request")
                .json()
                .expect("WebDriver JSON");
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            if Instant::now() > deadline {
                let text = self.text_of_page();
                panic!("{css} did not appear within {timeout:?}; the page shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the page's text contains `needle`.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text_of_page();
            if text.contains(needle) {
                return;
            }
            if Instant::now() > deadline {
                panic!("{needle:?} did not appear within {timeout:?}; the page shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until nothing matching `css` is visible (an overlay fading out).
    pub fn wait_gone(&self, css: &str, timeout: Duration) {
        if !self.gone_within(css, timeout) {
            panic!("{css} is still visible after {timeout:?}");
        }
    }

    /// Whether nothing matching `css` is visible within `timeout`.
    pub fn gone_within(&self, css: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let script = "return [...document.querySelectorAll(arguments[0])].some(e => e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden')";
        while self.script(script, json!([css])) == json!(true) {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    }

    /// Confirms the open Vant picker and waits for its popup to close. A
    /// tap that lands while the popup is still sliding in is lost, so the
    /// confirm is tapped again (from the page's script, which does nothing
    /// once the popup is gone) until it closes.
    pub fn confirm_picker(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        self.click(".van-popup .van-picker__confirm");
        while !self.gone_within(".van-overlay", Duration::from_secs(3)) {
            if Instant::now() > deadline {
                let shot = std::env::temp_dir().join("gridsafe-webview-picker.png");
                self.screenshot(&shot);
                panic!(
                    ".van-overlay is still visible {timeout:?} after confirming the picker \
                     (screenshot: {}); the page shows:\n{}",
                    shot.display(),
                    self.text_of_page()
                );
            }
            self.script(
                "document.querySelector('.van-popup .van-picker__confirm')?.click()",
                json!([]),
            );
        }
    }

    pub fn text_of_page(&self) -> String {
        self.script(
            "return document.body ? document.body.innerText : ''",
            json!([]),
        )
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    /// Clicks an element, waiting while it is still animating into place.
    pub fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let id = self.wait_for(css, Duration::from_secs(30));
            let url = format!("{}/session/{}/element/{id}/click", self.base, self.session);
            let v: Value = self
                .http
                .post(&url)
                .json(&json!({}))
                .send()
                .expect("WebDriver request")
                .json()
                .expect("WebDriver JSON");
            match v["value"].get("error").and_then(|e| e.as_str()) {
                None => return,
                Some(
                    "element not interactable"
                    | "element click intercepted"
                    | "stale element reference",
                ) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(150)),
                Some(_) => {
                    let shot = std::env::temp_dir().join("gridsafe-webview-failed-click.png");
                    self.screenshot(&shot);
                    panic!(
                        "WebDriver click on {css}: {} (screenshot: {})",
                        v["value"],
                        shot.display()
                    )
                }
            }
        }
    }

    /// Clears an input and types into it.
    pub fn fill(&self, css: &str, text: &str) {
        let id = self.wait_for(css, Duration::from_secs(15));
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        );
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Saves a screenshot of the window as PNG.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let v = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("a base64 screenshot"))
            .expect("valid base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for AppDriver {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}
