//! The server under load: one this tool starts itself (a release
//! `gridsafe-server` on a fresh data directory, port 0), or one already
//! running, given by its URL and, for the memory figure, its pid.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

/// Where the server under load comes from, shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// A running server to load (`http://HOST:PORT`). Without it the tool
    /// starts `gridsafe-server serve --demo` itself on a temporary data
    /// directory and stops it at the end.
    #[arg(long)]
    pub server: Option<String>,
    /// The pid of the running server given by `--server`, to read its peak
    /// memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The server binary to start (default: `gridsafe-server` beside this
    /// binary, as `cargo build --release -p gridsafe-server -p gridsafe-load`
    /// leaves them).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
}

/// The server the load runs against.
pub struct Target {
    pub url: String,
    pid: Option<u32>,
    child: Option<Child>,
    bin: Option<PathBuf>,
    data: Option<tempfile::TempDir>,
}

impl Target {
    pub fn open(args: &ServerArgs) -> anyhow::Result<Target> {
        if let Some(url) = &args.server {
            return Ok(Target {
                url: url.trim_end_matches('/').to_owned(),
                pid: args.server_pid,
                child: None,
                bin: None,
                data: None,
            });
        }
        let bin = match &args.server_bin {
            Some(b) => b.clone(),
            None => std::env::current_exe()?
                .parent()
                .context("the binary has no folder")?
                .join("gridsafe-server"),
        };
        if !bin.is_file() {
            bail!(
                "{} is missing; build it with `cargo build --release -p gridsafe-server -p gridsafe-load` or pass --server-bin",
                bin.display()
            );
        }
        let data = tempfile::Builder::new()
            .prefix("gridsafe-load-")
            .tempdir()?;
        let mut child = Command::new(&bin)
            .args(["--data"])
            .arg(data.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--demo"])
            .env("GRIDSAFE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let Some(line) = lines.next() else {
                bail!("the server stopped before it was ready");
            };
            let line = line?;
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.trim().to_owned();
            }
        };
        // Keep reading its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Target {
            url,
            pid: Some(child.id()),
            child: Some(child),
            bin: Some(bin),
            data: Some(data),
        })
    }

    /// Runs `gridsafe-server --data DIR ARGS` on the data directory of a
    /// server this tool started.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
        let (Some(bin), Some(data)) = (&self.bin, &self.data) else {
            bail!(
                "accounts can only be created on a server this tool started; pass --user and --password"
            );
        };
        let mut child = Command::new(bin)
            .arg("--data")
            .arg(data.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("piped")
                .write_all(text.as_bytes())?;
        }
        drop(child.stdin.take());
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "gridsafe-server {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.data.as_ref().map(|d| d.path())
    }

    /// Starts the peak-memory count afresh (so a phase can be measured on
    /// its own, apart from the sign-ins' password hashing before it).
    pub fn reset_peak_memory(&self) {
        if let Some(pid) = self.pid {
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
    }

    /// The server's peak resident memory so far (VmHWM), in KiB.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
