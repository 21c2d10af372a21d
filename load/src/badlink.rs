//! `gridsafe-load badlink`: one phone's day of hazards with photos sent
//! over a bad rural link (the test harness's proxy playing 256 kbit/s, a
//! 300 ms round trip and a cut every few megabytes), at full size. It
//! reports how long the sync took against what the link allows, and how
//! many bytes went up against the payload: an upload that resumes sends
//! each byte about once.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use gridsafe_core::{HazardLevel, Sector};
use gridsafe_device::Store;
use gridsafe_device::api::ClientOptions;
use gridsafe_device::enroll::{self, Credentials};
use gridsafe_device::photo::{PhotoLimits, PhotoStore};
use gridsafe_device::record::{self, HazardDraft, PhotoInput};
use gridsafe_device::sync::{self, NoProgress, SyncOptions, SyncReport};

use crate::link::{Link, Proxy};
use crate::photos;
use crate::server::{ServerArgs, Target};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long, default_value_t = 30)]
    pub hazards: usize,
    /// Photos on each hazard.
    #[arg(long, default_value_t = 3)]
    pub photos: usize,
    #[arg(long, default_value_t = 300)]
    pub photo_kb: usize,
    /// Link bandwidth, each way.
    #[arg(long, default_value_t = 256)]
    pub kbit: u64,
    /// Round-trip time added by the link.
    #[arg(long, default_value_t = 300)]
    pub rtt_ms: u64,
    /// Cut the connection after every this many KiB sent up (0: never).
    #[arg(long, default_value_t = 2048)]
    pub cut_every_kb: u64,
    #[arg(long, default_value = "inspector")]
    pub user: String,
    #[arg(long, default_value = "demo-inspector")]
    pub password: String,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let target = Target::open(&args.server)?;
    let proxy = Proxy::start(&target.url);
    let home = tempfile::Builder::new()
        .prefix("gridsafe-load-badlink-")
        .tempdir()?;
    let mut store = Store::open(home.path())?;
    let who = enroll::enroll(
        &mut store,
        &Credentials {
            server: proxy.url(),
            user: args.user.clone(),
            password: args.password.clone(),
            device_name: Some("山区网格员的手机".into()),
        },
        &ClientOptions::default(),
    )
    .context("enrolling")?;
    let grid = who
        .grids
        .first()
        .cloned()
        .context("the account has no grid")?;
    let kept = PhotoStore::new(store.photo_dir());
    let base = photos::base_jpeg();
    let mut rng = rand::rng();
    let mut photo_bytes = 0u64;
    for h in 0..args.hazards {
        let mut inputs = Vec::new();
        for _ in 0..args.photos {
            let jpeg = photos::unique_jpeg(&base, args.photo_kb * 1024, &mut rng);
            photo_bytes += jpeg.len() as u64;
            inputs.push(PhotoInput::Kept(photos::keep(&kept, jpeg, &base)?));
        }
        record::hazard(
            &mut store,
            HazardDraft {
                grid: grid.clone(),
                sector: Sector::Construction,
                level: HazardLevel::General,
                description: format!("脚手架缺少防护网（弱网测试 {h}）"),
                place: None,
                location: None,
                photos: inputs,
            },
            &PhotoLimits::default(),
        )?;
    }
    let event_bytes: u64 = store.conn().query_row(
        "SELECT SUM(LENGTH(body)) FROM events WHERE local = 1",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64;
    let payload = photo_bytes + event_bytes;

    proxy.set_link(Link {
        cut_every: (args.cut_every_kb > 0).then_some(args.cut_every_kb * 1024),
        ..Link::rural(args.kbit, Duration::from_millis(args.rtt_ms))
    });
    proxy.reset_count();
    let opts = SyncOptions {
        retries: 8,
        client: ClientOptions {
            timeout: Duration::from_secs(120),
            ..ClientOptions::default()
        },
        ..SyncOptions::default()
    };
    let t = Instant::now();
    let mut runs = 0;
    let mut report = SyncReport::default();
    loop {
        runs += 1;
        match sync::sync(&mut store, &opts, &NoProgress, &mut report) {
            Ok(()) => break,
            Err(e) if runs < 10 => eprintln!("sync {runs} stopped: {e}; syncing again"),
            Err(e) => bail!("ten syncs did not finish: {e}"),
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let (up, down, cuts) = (proxy.up_bytes(), proxy.down_bytes(), proxy.cuts());
    let wire_secs = payload as f64 * 8.0 / (args.kbit as f64 * 1000.0);
    println!(
        "{} hazards, {} photos of {} KiB ({:.2} MB payload: {:.2} MB photos, {} KB events) over {} kbit/s, {} ms RTT, a cut every {} KiB\n  \
         synced in {:.1} s ({} sync runs); the payload alone needs {:.1} s at the link rate: {:.0} % of the link used\n  \
         {} bytes up = {:.3} × payload; {} bytes down; {} cuts; {} connections",
        args.hazards,
        args.hazards * args.photos,
        args.photo_kb,
        payload as f64 / 1e6,
        photo_bytes as f64 / 1e6,
        event_bytes / 1000,
        args.kbit,
        args.rtt_ms,
        args.cut_every_kb,
        secs,
        runs,
        wire_secs,
        100.0 * wire_secs / secs,
        up,
        up as f64 / payload as f64,
        down,
        cuts,
        proxy.connections(),
    );
    Ok(())
}
