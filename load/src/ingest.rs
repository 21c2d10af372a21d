//! `gridsafe-load ingest`: the server's push path alone. Several signed-in
//! devices send prepared 500-event batches back to back over HTTP, with no
//! device store in the way, so the figure is what the server takes.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use gridsafe_core::event::HazardReported;
use gridsafe_core::{
    DeviceId, Event, EventBody, EventId, GridCode, HazardId, HazardLevel, Hlc, Sector, Username,
};
use serde_json::{Value, json};

use crate::devices::parallel;
use crate::server::{ServerArgs, Target};
use crate::stats::{ms, percentile};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Devices pushing at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Pushes each device sends.
    #[arg(long, default_value_t = 20)]
    pub pushes: usize,
    /// Events in one push.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    #[arg(long, default_value = "inspector")]
    pub user: String,
    #[arg(long, default_value = "demo-inspector")]
    pub password: String,
    /// The grid the hazards are reported in (one of the account's).
    #[arg(long, default_value = "510001-01")]
    pub grid: String,
}

struct Worker {
    token: String,
    bodies: Vec<Vec<u8>>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let target = Target::open(&args.server)?;
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    let grid: GridCode = args.grid.parse()?;
    let author: Username = args.user.parse()?;
    let workers = parallel(args.workers, 2, |_| {
        let v: Value = http
            .post(format!("{}/api/v1/auth/login", target.url))
            .json(&json!({"username": args.user, "password": args.password}))
            .send()?
            .error_for_status()
            .context("signing in")?
            .json()?;
        let token = v["token"].as_str().context("no token")?.to_owned();
        let device: DeviceId = v["device_id"].as_str().context("no device")?.parse()?;
        let start_ms = chrono::Utc::now().timestamp_millis() as u64;
        let mut bodies = Vec::with_capacity(args.pushes);
        let mut seq = 1u64;
        for _ in 0..args.pushes {
            let items: Vec<Value> = (0..args.batch)
                .map(|_| {
                    let ev = Event {
                        id: EventId::new(),
                        hlc: Hlc {
                            wall_ms: start_ms,
                            counter: seq as u32,
                            node: device,
                        },
                        author: author.clone(),
                        device,
                        body: EventBody::HazardReported(HazardReported {
                            hazard: HazardId::new(),
                            grid: grid.clone(),
                            sector: Sector::Fire,
                            level: HazardLevel::General,
                            description: format!("消防通道堵塞（入库测试 {seq}）"),
                            place: Some("二组王家院子".into()),
                            location: None,
                            photos: Vec::new(),
                        }),
                    };
                    seq += 1;
                    json!({"seq": seq - 1, "event": ev})
                })
                .collect();
            bodies.push(serde_json::to_vec(
                &json!({"device": device, "events": items}),
            )?);
        }
        Ok(Worker { token, bodies })
    })?;

    let t0 = Instant::now();
    let results = parallel(workers.len(), workers.len(), |i| {
        let w = &workers[i];
        let mut times = Vec::with_capacity(w.bodies.len());
        let mut rejected = 0u64;
        for body in &w.bodies {
            let t = Instant::now();
            let resp = http
                .post(format!("{}/api/v1/sync/push", target.url))
                .bearer_auth(&w.token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()?;
            let status = resp.status();
            let v: Value = resp.json()?;
            times.push(t.elapsed());
            if !status.is_success() {
                bail!("push answered {status}: {v}");
            }
            rejected += v["results"]
                .as_array()
                .map(|r| r.iter().filter(|x| x["verdict"] != "accepted").count())
                .unwrap_or(0) as u64;
        }
        Ok((times, rejected))
    })?;
    let secs = t0.elapsed().as_secs_f64();
    let events = (args.workers * args.pushes * args.batch) as f64;
    let times: Vec<Duration> = results.iter().flat_map(|r| r.0.clone()).collect();
    let rejected: u64 = results.iter().map(|r| r.1).sum();
    println!(
        "{} events in {} pushes of {} from {} devices in {:.2} s: {:.0} events/s\n  \
         push latency p50 {:.1} ms, p99 {:.1} ms; rejected {}; server peak memory {}",
        events,
        args.workers * args.pushes,
        args.batch,
        args.workers,
        secs,
        events / secs,
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        rejected,
        target
            .peak_memory_kib()
            .map(|k| format!("{:.0} MiB (VmHWM)", k as f64 / 1024.0))
            .unwrap_or_else(|| "unknown (pass --server-pid)".into()),
    );
    if rejected > 0 {
        bail!("{rejected} events rejected");
    }
    Ok(())
}
