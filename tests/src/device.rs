//! [`TestDevice`]: a phone for the end-to-end tests. It has its own temp
//! home and runs the real `gridsafe-field` binary, so a test can record
//! offline, sync, and even kill the device mid-write.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

use crate::PASSWORD;

/// The device binary this crate builds (`src/bin/gridsafe-field.rs`), found
/// beside the test binary unless `GRIDSAFE_FIELD_BIN` says otherwise.
pub fn field_bin() -> PathBuf {
    if let Ok(p) = std::env::var("GRIDSAFE_FIELD_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().expect("deps/");
    let dir = if dir.ends_with("deps") {
        dir.parent().unwrap()
    } else {
        dir
    };
    dir.join(format!("gridsafe-field{}", std::env::consts::EXE_SUFFIX))
}

/// Sync flags that keep failing syncs quick in tests.
pub const FAST: &[&str] = &[
    "--retries",
    "2",
    "--backoff-ms",
    "20",
    "--timeout-secs",
    "20",
];

pub struct TestDevice {
    home: TempDir,
}

impl Default for TestDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDevice {
    pub fn new() -> Self {
        TestDevice {
            home: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(field_bin());
        cmd.arg("--home").arg(self.home.path()).args(args);
        cmd
    }

    /// Runs `gridsafe-field --home HOME ARGS...` with `stdin`.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gridsafe-field runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, "")
    }

    /// Runs and asserts success; answers stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "gridsafe-field {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts a command and leaves it running (to be killed).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gridsafe-field runs")
    }

    pub fn enroll(&self, server: &str, user: &str) {
        let out = self.run_with_stdin(
            &[
                "enroll",
                "--server",
                server,
                "--user",
                user,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert!(
            out.status.success(),
            "enroll failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Syncs; answers whether it finished, the JSON counts and stderr.
    pub fn sync(&self, extra: &[&str]) -> (bool, Value, String) {
        let mut args = vec!["sync", "--json"];
        args.extend_from_slice(FAST);
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let counts = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
        (
            out.status.success(),
            counts,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Syncs and asserts it finished.
    pub fn sync_ok(&self) -> Value {
        let (ok, counts, err) = self.sync(&[]);
        assert!(ok, "sync failed: {err} {counts}");
        counts
    }

    pub fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["status", "--json"])).unwrap()
    }

    pub fn list(&self) -> Value {
        serde_json::from_str(&self.ok(&["list", "--json"])).unwrap()
    }

    /// One hazard from `list --json`.
    /// The name (SHA-256) of a hazard's first photo.
    pub fn first_photo(&self, id: &str) -> String {
        self.hazard(id)["state"]["photos"][0]
            .as_str()
            .unwrap_or_else(|| panic!("hazard {id} has no photo"))
            .to_owned()
    }

    pub fn hazard(&self, id: &str) -> Value {
        self.list()["hazards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("hazard {id} is not on the device"))
    }

    /// Records a hazard and answers its id.
    pub fn add_hazard(&self, grid: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "hazard",
            "add",
            "--grid",
            grid,
            "--sector",
            "construction",
            "--description",
            "脚手架缺少防护网",
        ];
        args.extend_from_slice(extra);
        self.ok(&args).trim().to_owned()
    }

    /// Writes a camera-like JPEG (textured, so it compresses like a photo).
    pub fn photo(&self, name: &str, w: u32, h: u32, seed: u32) -> PathBuf {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed) % 61;
            image::Rgb([
                ((x * 200 / w) + n) as u8,
                ((y * 200 / h) + n / 2) as u8,
                (((x + y + seed) % 97) + n) as u8,
            ])
        });
        let p = self.home.path().join(name);
        img.save_with_format(&p, image::ImageFormat::Jpeg).unwrap();
        p
    }

    /// The stored photo of a hash.
    pub fn stored_photo(&self, hash: &str) -> PathBuf {
        self.home.path().join("photos").join(format!("{hash}.jpg"))
    }
}
