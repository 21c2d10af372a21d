//! `gridsafe-load devices`: many phones syncing at once, each one the real
//! device library (`gridsafe_device`) with its own home directory.
//!
//! The run has four phases, only the third timed:
//! 1. accounts: on a server this tool started, one inspector with a grid
//!    and a landslide point of its own per `--per-user` devices (so a
//!    device's pull brings back its own group's records, as in a town);
//! 2. enrolment and recording, offline: hazards with unique photos and
//!    checks, exactly as the app records them;
//! 3. every device syncs at the same moment (one thread each);
//! 4. verification: every event accepted, every photo on the server whole
//!    (fetched back and hashed).

use std::path::PathBuf;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use gridsafe_core::{GridCode, HazardLevel, PhotoHash, PointCode, Sector, Verdict};
use gridsafe_device::api::ClientOptions;
use gridsafe_device::enroll::{self, Credentials};
use gridsafe_device::photo::{PhotoLimits, PhotoStore};
use gridsafe_device::record::{self, CheckDraft, HazardDraft, PhotoInput};
use gridsafe_device::sync::{self, Progress, SyncOptions, SyncReport};
use gridsafe_device::{Store, outbox};
use serde::Serialize;

use crate::photos;
use crate::server::{ServerArgs, Target};
use crate::stats::{ms, percentile};

const PASSWORD: &str = "load-password";

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Devices syncing at once.
    #[arg(long, default_value_t = 8)]
    pub devices: usize,
    /// Hazards each device records.
    #[arg(long, default_value_t = 10)]
    pub hazards: usize,
    /// Photos on each hazard.
    #[arg(long, default_value_t = 1)]
    pub photos: usize,
    /// Size of each photo.
    #[arg(long, default_value_t = 300)]
    pub photo_kb: usize,
    /// Monitoring-point checks each device records.
    #[arg(long, default_value_t = 0)]
    pub checks: usize,
    /// Devices that share one account (and its grid).
    #[arg(long, default_value_t = 10)]
    pub per_user: usize,
    /// The account to use on a server given by --server (default: the demo inspector).
    #[arg(long, default_value = "inspector")]
    pub user: String,
    #[arg(long, default_value = "demo-inspector")]
    pub password: String,
    /// Events in one push (the device's default when left out).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Bytes in one photo PATCH, in KiB (the device's default when left out).
    #[arg(long)]
    pub chunk_kb: Option<usize>,
    /// Append the result as one JSON line to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub devices: usize,
    pub hazards: usize,
    pub events: u64,
    pub photos: u64,
    pub photo_bytes: u64,
    pub sync_secs: f64,
    pub hazards_per_sec: f64,
    pub events_per_sec: f64,
    pub photo_mb_per_sec: f64,
    pub push_p50_ms: f64,
    pub push_p99_ms: f64,
    pub device_sync_p50_ms: f64,
    pub device_sync_p99_ms: f64,
    pub device_sync_max_ms: f64,
    pub errors: u64,
    /// Peak memory during the sync alone.
    pub server_peak_mib: Option<f64>,
    /// Peak memory before the sync, with enrolment (Argon2 sign-ins).
    pub server_peak_enrol_mib: Option<f64>,
    pub enrol_secs: f64,
    pub record_secs: f64,
}

/// One simulated phone.
struct Phone {
    store: Store,
    events: u64,
    hazards: usize,
    photos: Vec<PhotoHash>,
    _home: tempfile::TempDir,
}

/// Who the devices sign in as, and where they record.
#[derive(Clone)]
struct Account {
    user: String,
    password: String,
    grid: Option<GridCode>,
    point: Option<PointCode>,
}

/// Times each push as the device sees it: from the start of the sending
/// stage or the previous answer to the next answer (the request, the
/// server's work, and the device's own bookkeeping around it).
#[derive(Default)]
struct PushClock {
    inner: Mutex<(bool, Option<Instant>, Vec<Duration>)>,
}

impl Progress for PushClock {
    fn stage(&self, name: &str, _total: u64) {
        let mut s = self.inner.lock().expect("clock");
        s.0 = name == "sending records";
        s.1 = Some(Instant::now());
    }
    fn advance(&self, _n: u64) {
        let mut s = self.inner.lock().expect("clock");
        if s.0 {
            let now = Instant::now();
            if let Some(t) = s.1 {
                s.2.push(now - t);
            }
            s.1 = Some(now);
        }
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let outcome = measure(args)?;
    println!(
        "{} devices: {} hazards ({} photos, {:.1} MB) and {} events synced in {:.2} s\n  \
         {:.0} hazards/s, {:.0} events/s, {:.1} MB/s of photos\n  \
         push latency p50 {:.1} ms, p99 {:.1} ms; a device's whole sync p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms\n  \
         errors {}; server peak memory {}\n  (enrolment {:.1} s, recording {:.1} s, not timed)",
        outcome.devices,
        outcome.hazards,
        outcome.photos,
        outcome.photo_bytes as f64 / 1e6,
        outcome.events,
        outcome.sync_secs,
        outcome.hazards_per_sec,
        outcome.events_per_sec,
        outcome.photo_mb_per_sec,
        outcome.push_p50_ms,
        outcome.push_p99_ms,
        outcome.device_sync_p50_ms,
        outcome.device_sync_p99_ms,
        outcome.device_sync_max_ms,
        outcome.errors,
        outcome
            .server_peak_mib
            .map(|m| format!("{m:.0} MiB (VmHWM during the sync)"))
            .unwrap_or_else(|| "unknown (pass --server-pid)".into()),
        outcome.enrol_secs,
        outcome.record_secs,
    );
    if let Some(path) = &args.out {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        writeln!(f, "{}", serde_json::to_string(&outcome)?)?;
    }
    if outcome.errors > 0 {
        bail!("{} errors", outcome.errors);
    }
    Ok(())
}

pub fn measure(args: &Args) -> anyhow::Result<Outcome> {
    if args.devices == 0 {
        bail!("--devices must be at least 1");
    }
    let target = Target::open(&args.server)?;
    let accounts = accounts(&target, args)?;

    let t = Instant::now();
    let root = tempfile::Builder::new()
        .prefix("gridsafe-load-devices-")
        .tempdir()?;
    let phones = parallel(args.devices, 4, |i| {
        enrol(
            &target.url,
            &accounts[i / args.per_user.max(1)],
            root.path(),
            i,
        )
    })?;
    let enrol_secs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let base = photos::base_jpeg();
    let phones = parallel_map(phones, 2, |phone| {
        record_all(phone, args, &base).map_err(|e| e.context("recording"))
    })?;
    let record_secs = t.elapsed().as_secs_f64();

    let mut opts = SyncOptions::default();
    if let Some(b) = args.batch {
        opts.batch_size = b;
    }
    if let Some(c) = args.chunk_kb {
        opts.chunk_size = c * 1024;
    }
    // Many phones at once on one machine: be patient with a busy server
    // rather than count a slow answer as a failure.
    opts.client.timeout = Duration::from_secs(120);

    let start = Arc::new(Barrier::new(phones.len() + 1));
    let handles: Vec<_> = phones
        .into_iter()
        .map(|mut phone| {
            let (start, opts) = (start.clone(), opts.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let clock = PushClock::default();
                    start.wait();
                    let t = Instant::now();
                    let mut errors = 0u64;
                    let mut report = SyncReport::default();
                    // A failed sync is retried as the app would, and counted.
                    for _ in 0..3 {
                        match sync::sync(&mut phone.store, &opts, &clock, &mut report) {
                            Ok(()) => break,
                            Err(e) => {
                                eprintln!("sync failed: {e}");
                                errors += 1;
                            }
                        }
                    }
                    let took = t.elapsed();
                    let pushes = std::mem::take(&mut clock.inner.lock().expect("clock").2);
                    (phone, took, pushes, errors, report)
                })
                .expect("spawning a device thread")
        })
        .collect();
    let peak_before_sync = target.peak_memory_kib().map(|k| k as f64 / 1024.0);
    target.reset_peak_memory();
    start.wait();
    let t0 = Instant::now();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.join().expect("a device thread panicked"));
    }
    let sync_secs = t0.elapsed().as_secs_f64();
    let server_peak_mib = target.peak_memory_kib().map(|k| k as f64 / 1024.0);

    let mut errors: u64 = results.iter().map(|r| r.3).sum();
    let mut pushes = Vec::new();
    let mut device_times = Vec::new();
    let (mut events, mut hazards, mut photo_count) = (0u64, 0usize, 0u64);
    let mut phones = Vec::new();
    for (phone, took, p, _, report) in results {
        pushes.extend(p);
        device_times.push(took);
        events += phone.events;
        hazards += phone.hazards;
        photo_count += phone.photos.len() as u64;
        if report.rejected > 0 {
            eprintln!("{} events rejected", report.rejected);
            errors += report.rejected;
        }
        phones.push(phone);
    }
    let photo_bytes = photo_count * photo_size(args) as u64;
    errors += verify(&phones)?;

    Ok(Outcome {
        devices: args.devices,
        hazards,
        events,
        photos: photo_count,
        photo_bytes,
        sync_secs,
        hazards_per_sec: hazards as f64 / sync_secs,
        events_per_sec: events as f64 / sync_secs,
        photo_mb_per_sec: photo_bytes as f64 / 1e6 / sync_secs,
        push_p50_ms: ms(percentile(&pushes, 50.0)),
        push_p99_ms: ms(percentile(&pushes, 99.0)),
        device_sync_p50_ms: ms(percentile(&device_times, 50.0)),
        device_sync_p99_ms: ms(percentile(&device_times, 99.0)),
        device_sync_max_ms: ms(percentile(&device_times, 100.0)),
        errors,
        server_peak_mib,
        server_peak_enrol_mib: peak_before_sync,
        enrol_secs,
        record_secs,
    })
}

fn photo_size(args: &Args) -> usize {
    args.photo_kb * 1024
}

/// The accounts the devices sign in as.
fn accounts(target: &Target, args: &Args) -> anyhow::Result<Vec<Account>> {
    let groups = args.devices.div_ceil(args.per_user.max(1));
    if target.data_dir().is_none() {
        return Ok(vec![
            Account {
                user: args.user.clone(),
                password: args.password.clone(),
                grid: None,
                point: None,
            };
            groups
        ]);
    }
    if groups > 9999 {
        bail!("at most 9999 accounts; raise --per-user");
    }
    let dir = target.data_dir().expect("checked");
    let code = |g: usize| format!("510001-L{:04}", g + 1);
    let mut grids = String::from("code,name,parent_code,level,responsible\n");
    let mut points = String::from("code,name,kind,grid_code,lat,lon,monitor\n");
    for g in 0..groups {
        grids.push_str(&format!(
            "{},测试村{},510001,village,王{}\n",
            code(g),
            g + 1,
            g + 1
        ));
        points.push_str(&format!(
            "LD-L{:04},测试滑坡体{},landslide,{},30.6,103.5,王{}\n",
            g + 1,
            g + 1,
            code(g),
            g + 1
        ));
    }
    let (gf, pf) = (dir.join("load-grids.csv"), dir.join("load-points.csv"));
    std::fs::write(&gf, grids)?;
    std::fs::write(&pf, points)?;
    target.cli(&["grid", "import", gf.to_str().expect("utf-8 path")], None)?;
    target.cli(&["point", "import", pf.to_str().expect("utf-8 path")], None)?;
    let made = parallel(groups, 2, |g| {
        let name = format!("load{:04}", g + 1);
        target.cli(
            &[
                "user",
                "add",
                "--name",
                &name,
                "--role",
                "inspector",
                "--grid",
                &code(g),
                "--password-stdin",
            ],
            Some(&format!("{PASSWORD}\n")),
        )?;
        Ok(Account {
            user: name,
            password: PASSWORD.into(),
            grid: Some(code(g).parse()?),
            point: Some(format!("LD-L{:04}", g + 1).parse()?),
        })
    })?;
    Ok(made)
}

fn enrol(
    server: &str,
    account: &Account,
    root: &std::path::Path,
    i: usize,
) -> anyhow::Result<(Phone, Account)> {
    let home = tempfile::Builder::new()
        .prefix(&format!("device-{i:04}-"))
        .tempdir_in(root)?;
    let mut store = Store::open(home.path())?;
    let who = enroll::enroll(
        &mut store,
        &Credentials {
            server: server.to_owned(),
            user: account.user.clone(),
            password: account.password.clone(),
            device_name: Some(format!("负载测试手机{i}")),
        },
        &ClientOptions::default(),
    )
    .with_context(|| format!("enrolling device {i} as {}", account.user))?;
    let mut account = account.clone();
    if account.grid.is_none() {
        account.grid = who.grids.first().cloned();
    }
    if account.point.is_none() {
        account.point = gridsafe_device::app::points(&store, chrono::Utc::now())?
            .into_iter()
            .find(|p| p.point.kind == gridsafe_core::PointKind::Landslide)
            .map(|p| p.point.code);
    }
    Ok((
        Phone {
            store,
            events: 0,
            hazards: 0,
            photos: Vec::new(),
            _home: home,
        },
        account,
    ))
}

fn record_all(
    (mut phone, account): (Phone, Account),
    args: &Args,
    base: &[u8],
) -> anyhow::Result<Phone> {
    let grid = account
        .grid
        .clone()
        .context("the account has no grid to record hazards in")?;
    let kept = PhotoStore::new(phone.store.photo_dir());
    let thumb = base;
    let mut rng = rand::rng();
    let limits = PhotoLimits::default();
    for h in 0..args.hazards {
        let mut inputs = Vec::new();
        for _ in 0..args.photos {
            let jpeg = photos::unique_jpeg(base, photo_size(args), &mut rng);
            let hash = photos::keep(&kept, jpeg, thumb)?;
            phone.photos.push(hash.clone());
            inputs.push(PhotoInput::Kept(hash));
        }
        record::hazard(
            &mut phone.store,
            HazardDraft {
                grid: grid.clone(),
                sector: Sector::Fire,
                level: HazardLevel::General,
                description: format!("灭火器过期（负载测试 {h}）"),
                place: None,
                location: None,
                photos: inputs,
            },
            &limits,
        )?;
        phone.events += 1;
        phone.hazards += 1;
    }
    if args.checks > 0 {
        let point = account
            .point
            .clone()
            .context("no landslide point in the account's grids to check")?;
        for _ in 0..args.checks {
            record::check(
                &mut phone.store,
                CheckDraft {
                    point: point.clone(),
                    verdict: Verdict::Normal,
                    readings: vec![
                        "crack_width_mm=0".into(),
                        "new_cracks=no".into(),
                        "bulging=no".into(),
                    ],
                    note: None,
                    location: None,
                    photos: Vec::new(),
                },
                &limits,
            )?;
            phone.events += 1;
        }
    }
    Ok(phone)
}

/// Counts what did not arrive whole: events without an accepted verdict,
/// photos the server does not hold or holds with other bytes.
fn verify(phones: &[Phone]) -> anyhow::Result<u64> {
    let mut bad = 0;
    let mut blobs = Vec::new();
    for phone in phones {
        let counts = outbox::counts(phone.store.conn())?;
        let waiting = counts.pending + counts.sent + counts.rejected;
        if waiting > 0 {
            eprintln!("{waiting} events not accepted on a device");
            bad += waiting;
        }
        let who = phone.store.require_enrollment()?;
        for h in &phone.photos {
            blobs.push((who.server.clone(), who.token.clone(), h.clone()));
        }
    }
    let http = reqwest::blocking::Client::new();
    let missing = parallel(blobs.len(), 2, |i| {
        let (server, token, hash) = &blobs[i];
        let resp = http
            .get(format!("{server}/api/v1/blobs/{hash}"))
            .bearer_auth(token)
            .send()?;
        let ok = resp.status().is_success() && PhotoHash::of(&resp.bytes()?) == *hash;
        if !ok {
            eprintln!("photo {hash} is not on the server whole");
        }
        Ok(u64::from(!ok))
    })?;
    Ok(bad + missing.iter().sum::<u64>())
}

/// Runs `f(0..n)` on `threads` threads, keeping the order of the results.
pub fn parallel<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= n || first_error.lock().expect("error").is_some() {
                        break;
                    }
                    match f(i) {
                        Ok(v) => out.lock().expect("results")[i] = Some(v),
                        Err(e) => {
                            first_error.lock().expect("error").get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("error") {
        return Err(e);
    }
    Ok(out
        .into_inner()
        .expect("results")
        .into_iter()
        .map(|v| v.expect("every item ran"))
        .collect())
}

/// [`parallel`] over owned items.
fn parallel_map<T: Send, U: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> anyhow::Result<U> + Sync,
) -> anyhow::Result<Vec<U>> {
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    parallel(slots.len(), threads, |i| {
        f(slots[i].lock().expect("slot").take().expect("taken once"))
    })
}
