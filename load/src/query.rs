//! `gridsafe-load query`: the console's list and grid pages against a
//! running server, each asked `--runs` times, with p50/p95/p99 per query;
//! then a fresh device's pull of `--pull` events and, with `--export`, the
//! whole CSV export.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Duration as Days, Utc};
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    #[arg(long, default_value = "admin")]
    user: String,
    #[arg(long, default_value = "load-admin")]
    password: String,
    /// A town to ask about (default: the first town of a filled county).
    #[arg(long, default_value = "5100-01")]
    town: String,
    /// A unit to ask about.
    #[arg(long, default_value = "5100-01-001-01")]
    unit: String,
    /// Times each query is asked.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Events a fresh device pulls, in pages of 1,000.
    #[arg(long, default_value_t = 10_000)]
    pull: u64,
    /// Also time the CSV export of every hazard.
    #[arg(long)]
    export: bool,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

pub fn run(a: &Args) -> anyhow::Result<()> {
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let base = a.server.trim_end_matches('/');
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": a.user, "password": a.password}))
        .send()?
        .error_for_status()
        .context("signing in")?
        .json()?;
    let token = login["token"]
        .as_str()
        .context("the sign-in answer has no token")?
        .to_owned();
    let get = |path: &str| -> anyhow::Result<(Duration, Value)> {
        let t = Instant::now();
        let resp = http
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()?;
        let status = resp.status();
        let body: Value = resp.json()?;
        let took = t.elapsed();
        if !status.is_success() {
            bail!("{path}: {status} {body}");
        }
        Ok((took, body))
    };
    let today = Utc::now().date_naive();
    let quarter = (today - Days::days(90), today);
    let (town, unit) = (&a.town, &a.unit);
    let queries: Vec<(&str, String)> = vec![
        ("summary county", "/api/v1/grids/5100/summary".into()),
        ("summary town", format!("/api/v1/grids/{town}/summary")),
        (
            "summary town 2 years",
            format!(
                "/api/v1/grids/{town}/summary?from={}",
                today - Days::days(730)
            ),
        ),
        (
            "grid page county",
            "/api/v1/grids/5100/summary?by_month=true".into(),
        ),
        (
            "grid page town",
            format!("/api/v1/grids/{town}/summary?by_month=true"),
        ),
        ("list first page", "/api/v1/hazards".into()),
        (
            "list town + status",
            format!("/api/v1/hazards?grid={town}&status=rectifying"),
        ),
        (
            "list sector + level",
            "/api/v1/hazards?sector=fire&level=major".into(),
        ),
        (
            "list town + overdue",
            format!("/api/v1/hazards?grid={town}&overdue=true"),
        ),
        (
            "list dates + status",
            format!(
                "/api/v1/hazards?from={}&to={}&status=confirmed",
                quarter.0, quarter.1
            ),
        ),
        (
            "list unit + sector",
            format!("/api/v1/hazards?grid={unit}&sector=road_traffic"),
        ),
        (
            "list level + overdue",
            "/api/v1/hazards?level=major&overdue=true".into(),
        ),
        ("text 3+ chars", "/api/v1/hazards?q=脚手架".into()),
        (
            "text + town",
            format!("/api/v1/hazards?q=灭火器&grid={town}"),
        ),
        ("text 2 chars", "/api/v1/hazards?q=钢瓶".into()),
        ("text rare", "/api/v1/hazards?q=龙门吊未经".into()),
        ("deep page 500", "/api/v1/hazards?page=500".into()),
        (
            "deep page town 100",
            format!("/api/v1/hazards?grid={town}&page=100"),
        ),
    ];
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "query", "p50 ms", "p95 ms", "p99 ms", "max ms", "total"
    );
    for (name, path) in &queries {
        // One unmeasured call warms the server's caches as a console would.
        let (_, body) = get(path)?;
        let mut times = Vec::with_capacity(a.runs);
        for _ in 0..a.runs {
            times.push(get(path)?.0);
        }
        times.sort();
        let total = match (&body["total"], &body["hazards_total"]) {
            (Value::Number(n), _) => {
                let exact = body["total_exact"].as_bool().unwrap_or(true);
                format!("{n}{}", if exact { "" } else { "+" })
            }
            (_, Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        println!(
            "{:<24} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>10}",
            name,
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            percentile(&times, 1.0),
            total
        );
    }

    // A fresh device: pull from the start until it holds `pull` events.
    let t = Instant::now();
    let (mut since, mut got) = (0u64, 0u64);
    while got < a.pull {
        let (_, page) = get(&format!("/api/v1/sync/pull?since={since}&limit=1000"))?;
        let n = page["events"].as_array().map_or(0, |e| e.len()) as u64;
        got += n;
        since = page["next"].as_u64().unwrap_or(since);
        if n == 0 || page["more"] == Value::Bool(false) {
            break;
        }
    }
    println!(
        "pull {got} events from the start: {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );

    if a.export {
        let t = Instant::now();
        let mut resp = http
            .get(format!("{base}/api/v1/hazards/export?format=csv"))
            .bearer_auth(&token)
            .send()?
            .error_for_status()?;
        let mut sink = CountLines::default();
        std::io::copy(&mut resp, &mut sink)?;
        println!(
            "export csv: {} rows, {} MB in {:.1} s",
            sink.lines.saturating_sub(1),
            sink.bytes / 1_000_000,
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

#[derive(Default)]
struct CountLines {
    bytes: u64,
    lines: u64,
}

impl std::io::Write for CountLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        self.lines += buf.iter().filter(|b| **b == b'\n').count() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
