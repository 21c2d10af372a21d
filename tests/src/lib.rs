//! Helpers for the end-to-end tests in `tests/tests/`.
//!
//! [`TestServer`] runs the real `gridsafe-server` binary as a child process
//! on a fresh data directory and a free port, and kills it when dropped.
//! [`Session`] is a signed-in device: it stamps events the way a phone does
//! and numbers its pushes with a gapless sequence.
//! [`TestDevice`] is a phone running the real `gridsafe-field` binary on its
//! own temp home, and [`Proxy`] stands between a device and the server to
//! take the network away or cut it mid-upload.

pub mod device;
pub mod fault;
pub mod proxy;

pub use device::TestDevice;
pub use proxy::Proxy;

pub mod webview;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use chrono::Utc;
use gridsafe_core::event::{CheckLogged, HazardReported};
use gridsafe_core::reading::{self, ReadingType, ReadingValue, Readings};
use gridsafe_core::{
    CheckId, DeviceId, Event, EventBody, EventId, HazardId, HazardLevel, Hlc, PhotoHash, PointKind,
    Sector, Verdict,
};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The binary this crate builds (`src/bin/gridsafe-server.rs`, the server's
/// own CLI). Cargo names it only to integration tests at compile time
/// (`CARGO_BIN_EXE_gridsafe-server`), so the library finds it beside the
/// test binary, in the target directory, unless `GRIDSAFE_SERVER_BIN` says.
pub fn bin() -> PathBuf {
    if let Ok(p) = std::env::var("GRIDSAFE_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().expect("deps/");
    let dir = if dir.ends_with("deps") {
        dir.parent().unwrap()
    } else {
        dir
    };
    dir.join(format!("gridsafe-server{}", std::env::consts::EXE_SUFFIX))
}

/// The password of every account made by [`TestServer::town`].
pub const PASSWORD: &str = "password-123";

/// A town `T` with villages `V1` and `V2`, unit `U1` under `V1`, and another
/// town `T2` with village `V3`.
pub const GRIDS_CSV: &str = "code,name,parent_code,level,responsible
T,青石镇,,town,王建国
V1,石桥村,T,village,李明
V2,柳溪村,T,village,赵丽
U1,青石建材有限公司,V1,unit,
T2,白云乡,,town,
V3,白云村,T2,village,
";

/// A landslide body in V1 and a deep-water spot in V2.
pub const POINTS_CSV: &str = "code,name,kind,grid_code,lat,lon,monitor
LS-1,后山滑坡体,landslide,V1,30.61,103.51,张大山
DW-2,深水潭,deep_water,V2,30.60,103.52,赵小河
";

pub struct TestServer {
    data: TempDir,
    child: Option<Child>,
    _stdout: Option<BufReader<ChildStdout>>,
    extra: Vec<String>,
    env: Vec<(String, String)>,
    pub base: String,
    http: Client,
}

impl TestServer {
    /// A server on an empty data directory.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A server with extra `serve` flags (e.g. `--token-days 0`).
    pub fn start_with(extra: &[&str]) -> Self {
        let data = tempfile::tempdir().expect("a temp dir");
        let mut s = TestServer {
            data,
            child: None,
            _stdout: None,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            base: String::new(),
            http: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("a client"),
        };
        s.spawn();
        s
    }

    /// The standard town ([`GRIDS_CSV`], [`POINTS_CSV`]) with accounts
    /// `office` (T), `insp1` (V1), `insp2` (V2), `vol1` (V1), `office2` (T2)
    /// and `admin`, all with [`PASSWORD`].
    pub fn town() -> Self {
        Self::town_with(&[])
    }

    pub fn town_with(extra: &[&str]) -> Self {
        Self::town_custom(extra, &[], |_| {})
    }

    /// The standard town with extra `serve` flags, environment variables
    /// for the server process, and `prepare` called first with the
    /// (not yet created) data directory, e.g. to mount a filesystem there.
    pub fn town_custom(extra: &[&str], env: &[(&str, &str)], prepare: impl FnOnce(&Path)) -> Self {
        let data = tempfile::tempdir().expect("a temp dir");
        prepare(&data.path().join("server"));
        let mut s = TestServer {
            data,
            child: None,
            _stdout: None,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            base: String::new(),
            http: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("a client"),
        };
        let grids = s.write_file("grids.csv", GRIDS_CSV.as_bytes());
        s.cli_ok(&["grid", "import", grids.to_str().unwrap()], None);
        let points = s.write_file("points.csv", POINTS_CSV.as_bytes());
        s.cli_ok(&["point", "import", points.to_str().unwrap()], None);
        for (name, role, grids) in [
            ("office", "office", &["T"][..]),
            ("office2", "office", &["T2"][..]),
            ("insp1", "inspector", &["V1"][..]),
            ("insp2", "inspector", &["V2"][..]),
            ("vol1", "volunteer", &["V1"][..]),
            ("admin", "admin", &[][..]),
        ] {
            s.add_user(name, role, grids);
        }
        s.spawn();
        s
    }

    /// A server on a fresh data directory filled by
    /// `gridsafe-server restore BACKUP`.
    pub fn restored_from(backup: &Path) -> Self {
        let data = tempfile::tempdir().expect("a temp dir");
        let mut s = TestServer {
            data,
            child: None,
            _stdout: None,
            extra: Vec::new(),
            env: Vec::new(),
            base: String::new(),
            http: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("a client"),
        };
        s.cli_ok(&["restore", backup.to_str().unwrap()], None);
        s.spawn();
        s
    }

    /// What the store holds, as one string to compare before and after:
    /// every row of every table but the sign-in bookkeeping (tokens,
    /// devices, the push log), and the names of the stored photos.
    pub fn store_fingerprint(&self) -> String {
        use std::fmt::Write as _;
        let db = rusqlite::Connection::open_with_flags(
            self.data.path().join("server/gridsafe.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("the server's database");
        let tables: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .filter(|t: &String| !["tokens", "devices", "pushes"].contains(&t.as_str()))
            .collect();
        let mut out = String::new();
        for t in tables {
            let mut stmt = db.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            writeln!(out, "[{t}]").unwrap();
            while let Some(r) = rows.next().unwrap() {
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i).unwrap();
                    write!(out, "{v:?}|").unwrap();
                }
                out.push('\n');
            }
        }
        let mut files = Vec::new();
        let blobs = self.data.path().join("server/blobs");
        let mut stack = vec![blobs.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    if !p.ends_with("thumbs") {
                        stack.push(p);
                    }
                } else {
                    files.push(p.strip_prefix(&blobs).unwrap().display().to_string());
                }
            }
        }
        files.sort();
        writeln!(out, "[files] {files:?}").unwrap();
        out
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// Writes a file into a scratch folder beside the data.
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let dir = self.data.path().join("scratch");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Runs the CLI on this server's data directory.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .arg("--data")
            .arg(self.data.path().join("server"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the server binary runs");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }

    pub fn cli_ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.cli(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn add_user(&self, name: &str, role: &str, grids: &[&str]) {
        let mut args = vec![
            "user",
            "add",
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
        ];
        for g in grids {
            args.push("--grid");
            args.push(g);
        }
        self.cli_ok(&args, Some(&format!("{PASSWORD}\n")));
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(bin());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join("server.log"))
            .unwrap();
        cmd.arg("serve")
            .arg("--data")
            .arg(self.data.path().join("server"))
            .args(["--listen", "127.0.0.1:0"])
            .args(&self.extra)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        let mut child = cmd.spawn().expect("the server binary runs");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            let n = out.read_line(&mut line).unwrap();
            assert!(
                n > 0,
                "the server exited before listening: {}",
                std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default()
            );
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                self.base = url.to_owned();
                break;
            }
        }
        self.child = Some(child);
        self._stdout = Some(out);
    }

    /// Stops the server gracefully (SIGTERM) and starts it again on the same data.
    pub fn restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
        self.spawn();
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Kills the server at once (SIGKILL), as a power cut would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again after [`kill`](Self::kill).
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the server still runs");
        self.spawn();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn http(&self) -> &Client {
        &self.http
    }

    /// Signs in with a fresh device.
    pub fn login(&self, user: &str) -> Session {
        self.login_as(user, PASSWORD, None)
            .unwrap_or_else(|(s, v)| panic!("login {user}: {s} {v}"))
    }

    pub fn login_as(
        &self,
        user: &str,
        password: &str,
        device: Option<DeviceId>,
    ) -> Result<Session, (StatusCode, Value)> {
        let mut body = json!({"username": user, "password": password});
        if let Some(d) = device {
            body["device_id"] = json!(d);
        }
        let (status, v) = send(self.http.post(self.url("/api/v1/auth/login")).json(&body));
        if status != StatusCode::OK {
            return Err((status, v));
        }
        Ok(Session {
            base: self.base.clone(),
            token: v["token"].as_str().unwrap().to_owned(),
            device: v["device_id"].as_str().unwrap().parse().unwrap(),
            user: v["user"].as_str().unwrap().to_owned(),
            http: self.http.clone(),
            next_seq: 1,
            last_ms: 0,
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends a request; answers the status and the JSON body (`null` when none).
pub fn send(req: reqwest::blocking::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().expect("the server answers");
    let status = resp.status();
    let text = resp.text().unwrap_or_default();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, v)
}

/// Asserts the error shape `{error: {code, message}}` and the code.
pub fn assert_error(status: StatusCode, v: &Value, want_status: u16, code: &str) {
    assert_eq!(status.as_u16(), want_status, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
}

/// A signed-in device.
pub struct Session {
    pub base: String,
    pub token: String,
    pub device: DeviceId,
    pub user: String,
    pub http: Client,
    /// The next outbox sequence this device will use.
    pub next_seq: u64,
    last_ms: u64,
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.http.get(self.url(path)).bearer_auth(&self.token))
    }

    /// The bytes of a stored photo, which the server must serve.
    pub fn photo(&self, hash: &str) -> Vec<u8> {
        self.http
            .get(self.url(&format!("/api/v1/blobs/{hash}")))
            .bearer_auth(&self.token)
            .send()
            .unwrap()
            .error_for_status()
            .unwrap_or_else(|e| panic!("photo {hash}: {e}"))
            .bytes()
            .unwrap()
            .to_vec()
    }

    pub fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(
            self.http
                .post(self.url(path))
                .bearer_auth(&self.token)
                .json(body),
        )
    }

    /// An event by this device, stamped now (strictly after its previous one).
    pub fn event(&mut self, body: EventBody) -> Event {
        let now = Utc::now().timestamp_millis() as u64;
        self.last_ms = now.max(self.last_ms + 1);
        self.event_at(body, self.last_ms)
    }

    pub fn event_at(&self, body: EventBody, wall_ms: u64) -> Event {
        Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: self.device,
            },
            author: self.user.parse().unwrap(),
            device: self.device,
            body,
        }
    }

    /// Pushes events under the next sequences; the sequence moves on only
    /// when the server answered (as a device's outbox does).
    pub fn push(&mut self, events: &[Event]) -> (StatusCode, Value) {
        let items: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"seq": self.next_seq + i as u64, "event": e}))
            .collect();
        let (status, v) = self.push_items(items);
        if status == StatusCode::OK {
            self.next_seq = v["taken_through"].as_u64().unwrap() + 1;
        }
        (status, v)
    }

    /// Pushes `[{seq, event}]` exactly as given.
    pub fn push_items(&self, items: Vec<Value>) -> (StatusCode, Value) {
        self.post(
            "/api/v1/sync/push",
            &json!({"device": self.device, "events": items}),
        )
    }

    /// Pushes one event and returns its result entry.
    pub fn push_one(&mut self, event: &Event) -> Value {
        let (status, v) = self.push(std::slice::from_ref(event));
        assert_eq!(status, StatusCode::OK, "{v}");
        v["results"][0].clone()
    }

    /// Records an office action on a hazard.
    pub fn act(&self, hazard: HazardId, body: &EventBody) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/hazards/{hazard}/actions"),
            &serde_json::to_value(body).unwrap(),
        )
    }
}

/// A hazard report in `grid`.
pub fn report(
    grid: &str,
    sector: Sector,
    level: HazardLevel,
    photos: Vec<PhotoHash>,
) -> (HazardId, EventBody) {
    let hazard = HazardId::new();
    (
        hazard,
        EventBody::HazardReported(HazardReported {
            hazard,
            grid: grid.parse().unwrap(),
            sector,
            level,
            description: "脚手架缺少防护网".into(),
            place: Some("二组王家院子".into()),
            location: None,
            photos,
        }),
    )
}

/// A check of a point with the kind's required readings at calm values.
pub fn check(point: &str, grid: &str, kind: PointKind, verdict: Verdict) -> EventBody {
    let readings: Readings = reading::specs(kind)
        .iter()
        .filter(|s| s.required)
        .map(|s| {
            let v = match s.ty {
                ReadingType::Flag => ReadingValue::Flag(!s.alarm_when.unwrap_or(true)),
                ReadingType::Number { min, max, .. } => {
                    ReadingValue::Number(min + (max - min) / 10.0)
                }
            };
            (s.key.to_owned(), v)
        })
        .collect();
    EventBody::CheckLogged(CheckLogged {
        check: CheckId::new(),
        point: point.parse().unwrap(),
        grid: grid.parse().unwrap(),
        verdict,
        readings,
        note: None,
        location: None,
        photos: vec![],
    })
}

/// A small PNG of `w`×`h` pixels, different for each `seed`.
pub fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([seed, (x % 256) as u8, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
