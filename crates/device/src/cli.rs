//! `gridsafe-field`: the device library as a command line, for scripting,
//! support and tests. The same code the app runs; the binary is a thin
//! wrapper around [`run`].
//!
//! Recording commands print the new record's id on stdout and work with no
//! network at all. Errors go to stderr as one line, with a non-zero exit.

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use gridsafe_core::keys::StableKey;
use gridsafe_core::location::{Location, LocationSource};
use gridsafe_core::{BannedDish, HazardId, HazardLevel, PromiseKind, Sector, TaskId, Verdict};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::api::ClientOptions;
use crate::enroll::{self, Credentials};
use crate::outbox;
use crate::photo::{PhotoLimits, PhotoStore};
use crate::record::{
    self, AccidentDraft, BanquetDraft, CheckDraft, HazardDraft, MeetingDraft, PromiseDraft,
    RectificationDraft, TaskCheckDraft,
};
use crate::reference;
use crate::state::{self, Listing};
use crate::store::{self, Store, keys};
use crate::sync::{self, Progress, SyncOptions, SyncReport};
use crate::township;

#[derive(Debug, Parser)]
#[command(
    name = "gridsafe-field",
    version,
    args_override_self = true,
    about = "Record hazards, rectifications, monitoring-point checks, task checks, meetings, banquets, promises and accidents offline, and sync them with the town's gridsafe server."
)]
pub struct Cli {
    /// Where the device database and photos live.
    #[arg(long, global = true, default_value = "./gridsafe-field")]
    pub home: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign this device in to a server (the password is read from stdin).
    Enroll {
        #[arg(long)]
        server: String,
        #[arg(long)]
        user: String,
        /// Read the password from the first line of stdin.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// How the office sees this device, e.g. "王五的手机".
        #[arg(long)]
        device_name: Option<String>,
    },
    /// Hazards (隐患).
    #[command(subcommand)]
    Hazard(HazardCommand),
    /// Checks of monitoring points (巡查记录).
    #[command(subcommand)]
    Check(CheckCommand),
    /// Inspection tasks (检查任务) from the town office, and their checks.
    #[command(subcommand)]
    Task(TaskCommand),
    /// Village safety meetings (会议纪录).
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// Rural banquet filings (农村家宴备案).
    #[command(subcommand)]
    Banquet(BanquetCommand),
    /// Signed responsibility letters and promises (责任书/承诺书).
    #[command(subcommand)]
    Promise(PromiseCommand),
    /// Accidents (事故), sent ahead of everything else waiting.
    #[command(subcommand)]
    Accident(AccidentCommand),
    /// Send queued records and photos, then receive what is new.
    Sync {
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        tuning: SyncTuning,
    },
    /// What waits to be sent, and the last sync.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// The records on this device and where each stands with the server.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HazardCommand {
    /// Record a hazard found in the field.
    Add {
        #[arg(long)]
        grid: String,
        /// One of the sector keys (road_traffic, fire, construction, ...).
        #[arg(long)]
        sector: String,
        #[arg(long)]
        description: String,
        #[arg(long, default_value = "general", value_parser = ["general", "major"])]
        level: String,
        /// A place name as people say it (e.g. "二组王家院子").
        #[arg(long)]
        place: Option<String>,
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        #[command(flatten)]
        at: Position,
    },
    /// Record the fix of a hazard, with "after" photos.
    Rectify {
        id: String,
        #[arg(long)]
        note: String,
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        #[command(flatten)]
        at: Position,
    },
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Record a check of a monitoring point.
    Add {
        #[arg(long)]
        point: String,
        /// normal, abnormal or danger.
        #[arg(long)]
        verdict: String,
        /// KEY=VALUE, e.g. crack_width_mm=3.5 or new_cracks=no.
        #[arg(long = "reading")]
        readings: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        #[command(flatten)]
        at: Position,
    },
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// The tasks of this device's grids (pulled at the last sync).
    List {
        #[arg(long)]
        json: bool,
    },
    /// One task with its targets and checklist.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a task's check at one of its targets. With --hazard, a failed
    /// item is also reported as a hazard, linked to the check.
    Check {
        id: String,
        /// The target's grid or point code.
        #[arg(long)]
        target: String,
        /// KEY=pass or KEY=fail, e.g. gantry_crane=fail.
        #[arg(long = "item")]
        items: Vec<String>,
        /// Report a hazard with this description from the failed items.
        #[arg(long)]
        hazard: Option<String>,
        /// The hazard's sector (default: the task's, or the first failed item's).
        #[arg(long, requires = "hazard")]
        sector: Option<String>,
        #[arg(long, requires = "hazard", default_value = "general", value_parser = ["general", "major"])]
        level: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        #[command(flatten)]
        at: Position,
    },
}

#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Record a village safety meeting.
    Add {
        #[arg(long)]
        grid: String,
        /// The day it was held (YYYY-MM-DD).
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        topic: String,
        #[arg(long = "attendee")]
        attendees: Vec<String>,
        #[arg(long)]
        minutes: Option<String>,
        /// The minutes, photographed.
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BanquetCommand {
    /// File a rural banquet.
    Add {
        #[arg(long)]
        grid: String,
        /// 事主.
        #[arg(long)]
        host: String,
        /// The day of the banquet (YYYY-MM-DD).
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        tables: u32,
        #[arg(long)]
        cook: Option<String>,
        /// Food samples are kept for inspection (留样).
        #[arg(long)]
        samples_kept: bool,
        /// A banned dish checked and absent from the menu: green_beans,
        /// wild_mushrooms, medicinal_dishes.
        #[arg(long = "banned-absent")]
        banned_absent: Vec<String>,
        /// The signed promise and other papers.
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PromiseCommand {
    /// Record a signed responsibility letter or promise.
    Add {
        #[arg(long)]
        grid: String,
        /// farm_vehicle_no_passengers, banquet_food_safety,
        /// construction_safety or work_safety_target.
        #[arg(long)]
        kind: String,
        /// Who signed it.
        #[arg(long)]
        party: String,
        /// The day it was signed (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        note: Option<String>,
        /// The signed page.
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccidentCommand {
    /// Report an accident.
    Add {
        #[arg(long)]
        grid: String,
        #[arg(long)]
        sector: String,
        /// When it happened: 2026-07-01T08:30:00+08:00, or "2026-07-01 08:30" in Beijing time.
        #[arg(long)]
        time: String,
        #[arg(long)]
        deaths: u32,
        #[arg(long)]
        injuries: u32,
        #[arg(long)]
        description: String,
        /// Where it happened (default: the grid's name).
        #[arg(long)]
        place: Option<String>,
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        #[command(flatten)]
        at: Position,
    },
}

/// A time as typed: RFC 3339, or a Beijing-time `YYYY-MM-DD HH:MM[:SS]`.
pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let t = s.trim().replace('T', " ");
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(&t, f).ok())
        .ok_or_else(|| {
            anyhow!("{s:?} is not a time; write 2026-07-01 08:30 (Beijing time) or 2026-07-01T08:30:00+08:00")
        })?;
    Ok(naive.and_utc() - chrono::Duration::hours(8))
}

/// A position typed in (WGS-84); the first photo's EXIF position stands in
/// when none is given.
#[derive(Debug, Args)]
pub struct Position {
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    lon: Option<f64>,
    /// Accuracy of the fix, in metres.
    #[arg(long, requires = "lat")]
    accuracy: Option<f64>,
    /// Where the position came from: gps, network or manual.
    #[arg(long, default_value = "manual", value_parser = ["gps", "network", "manual"])]
    fix: String,
}

impl Position {
    fn location(&self) -> Option<Location> {
        let (lat, lon) = (self.lat?, self.lon?);
        Some(Location {
            lat,
            lon,
            accuracy_m: self.accuracy,
            fixed_at: Some(chrono::Utc::now()),
            source: match self.fix.as_str() {
                "gps" => LocationSource::Gps,
                "network" => LocationSource::Network,
                _ => LocationSource::Manual,
            },
        })
    }
}

/// Sync tuning, for slow links and for tests.
#[derive(Debug, Args)]
pub struct SyncTuning {
    /// Events per push.
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Bytes per photo upload request.
    #[arg(long, default_value_t = 512 * 1024)]
    chunk_size: usize,
    /// Retries of a failed request before giving up.
    #[arg(long, default_value_t = 4)]
    retries: u32,
    /// First pause before a retry, in milliseconds (doubling, with jitter).
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

impl SyncTuning {
    fn options(&self) -> SyncOptions {
        SyncOptions {
            batch_size: self.batch_size,
            chunk_size: self.chunk_size,
            retries: self.retries,
            backoff_base: Duration::from_millis(self.backoff_ms),
            client: ClientOptions {
                timeout: Duration::from_secs(self.timeout_secs),
                ..ClientOptions::default()
            },
            ..SyncOptions::default()
        }
    }
}

/// Runs the command line on the process's own arguments and streams.
pub fn run() -> ExitCode {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let interactive = std::io::stderr().is_terminal();
    let code = run_with(
        std::env::args_os(),
        &mut input,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        interactive,
    );
    ExitCode::from(code)
}

/// Runs the command line with the given arguments and streams; returns the
/// exit code. `interactive` shows progress bars on stderr.
pub fn run_with(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interactive: bool,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                write!(err, "{text}")
            } else {
                write!(out, "{text}")
            };
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match execute(cli, stdin, out, interactive) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "gridsafe-field: {}", one_line(&e));
            1
        }
    }
}

/// "context: cause: cause", on one line.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ").replace('\n', " ")
}

fn open(home: &std::path::Path) -> Result<Store> {
    Store::open(home).with_context(|| format!("cannot open the device store in {}", home.display()))
}

fn execute(
    cli: Cli,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    interactive: bool,
) -> Result<u8> {
    let limits = PhotoLimits::default();
    match cli.command {
        Command::Enroll {
            server,
            user,
            password_stdin: _,
            device_name,
        } => {
            let mut password = String::new();
            stdin
                .read_line(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            if password.is_empty() {
                return Err(anyhow!("no password on stdin"));
            }
            let mut store = open(&cli.home)?;
            let e = enroll::enroll(
                &mut store,
                &Credentials {
                    server: server.clone(),
                    user,
                    password,
                    device_name,
                },
                &ClientOptions::default(),
            )
            .with_context(|| format!("enrolment with {server} failed"))?;
            let (grids, points) = reference::count(store.conn())?;
            writeln!(
                out,
                "enrolled as {} ({}) on {}; device {}; {} grids and {} monitoring points kept for offline use",
                e.user,
                e.role.key(),
                e.server,
                e.device,
                grids,
                points
            )?;
            Ok(0)
        }
        Command::Hazard(HazardCommand::Add {
            grid,
            sector,
            description,
            level,
            place,
            photos,
            at,
        }) => {
            let mut store = open(&cli.home)?;
            let draft = HazardDraft {
                grid: grid.parse().context("--grid")?,
                sector: Sector::from_key(&sector).context("--sector")?,
                level: HazardLevel::from_key(&level).context("--level")?,
                description,
                place,
                location: at.location(),
                photos: files(photos),
            };
            let r =
                record::hazard(&mut store, draft, &limits).context("the hazard was not saved")?;
            warn(&r.warnings);
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Hazard(HazardCommand::Rectify {
            id,
            note,
            photos,
            at,
        }) => {
            let mut store = open(&cli.home)?;
            let hazard: HazardId = id.parse().context("hazard id")?;
            let r = record::rectification(
                &mut store,
                RectificationDraft {
                    hazard,
                    note,
                    location: at.location(),
                    photos: files(photos),
                },
                &limits,
            )
            .context("the rectification was not saved")?;
            warn(&r.warnings);
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Check(CheckCommand::Add {
            point,
            verdict,
            readings,
            note,
            photos,
            at,
        }) => {
            let mut store = open(&cli.home)?;
            let draft = CheckDraft {
                point: point.parse().context("--point")?,
                verdict: Verdict::from_key(&verdict).context("--verdict")?,
                readings,
                note,
                location: at.location(),
                photos: files(photos),
            };
            let r = record::check(&mut store, draft, &limits).context("the check was not saved")?;
            warn(&r.warnings);
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Task(cmd) => task_command(cmd, &cli.home, out, &limits),
        Command::Meeting(MeetingCommand::Add {
            grid,
            date,
            topic,
            attendees,
            minutes,
            photos,
        }) => {
            let mut store = open(&cli.home)?;
            let r = record::meeting(
                &mut store,
                MeetingDraft {
                    grid: grid.parse().context("--grid")?,
                    held_on: date,
                    topic,
                    attendees,
                    minutes,
                    photos: files(photos),
                },
                &limits,
            )
            .context("the meeting was not saved")?;
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Banquet(BanquetCommand::Add {
            grid,
            host,
            date,
            tables,
            cook,
            samples_kept,
            banned_absent,
            photos,
        }) => {
            let mut store = open(&cli.home)?;
            let banned = banned_absent
                .iter()
                .map(|k| BannedDish::from_key(k).context("--banned-absent"))
                .collect::<Result<Vec<_>>>()?;
            let r = record::banquet(
                &mut store,
                BanquetDraft {
                    grid: grid.parse().context("--grid")?,
                    host,
                    held_on: date,
                    tables,
                    cook,
                    samples_kept,
                    banned_dishes_absent: banned,
                    photos: files(photos),
                },
                &limits,
            )
            .context("the banquet was not saved")?;
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Promise(PromiseCommand::Add {
            grid,
            kind,
            party,
            date,
            note,
            photos,
        }) => {
            let mut store = open(&cli.home)?;
            let r = record::promise(
                &mut store,
                PromiseDraft {
                    grid: grid.parse().context("--grid")?,
                    kind: PromiseKind::from_key(&kind).context("--kind")?,
                    party,
                    signed_on: date.unwrap_or_else(|| township::local_today(chrono::Utc::now())),
                    note,
                    photos: files(photos),
                },
                &limits,
            )
            .context("the promise was not saved")?;
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Accident(AccidentCommand::Add {
            grid,
            sector,
            time,
            deaths,
            injuries,
            description,
            place,
            photos,
            at,
        }) => {
            let mut store = open(&cli.home)?;
            let grid: gridsafe_core::GridCode = grid.parse().context("--grid")?;
            let place = match place {
                Some(p) => p,
                None => {
                    reference::grid_name(store.conn(), &grid)?.unwrap_or_else(|| grid.to_string())
                }
            };
            let r = record::accident(
                &mut store,
                AccidentDraft {
                    grid,
                    sector: Sector::from_key(&sector).context("--sector")?,
                    occurred_at: parse_time(&time).context("--time")?,
                    place,
                    deaths,
                    injuries,
                    description,
                    location: at.location(),
                    photos: files(photos),
                },
                &limits,
            )
            .context("the accident was not saved")?;
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
        Command::Sync { json, tuning } => {
            let mut store = open(&cli.home)?;
            let bar = interactive.then(Bar::new);
            let progress: &dyn Progress = match &bar {
                Some(b) => b,
                None => &sync::NoProgress,
            };
            let mut report = SyncReport::default();
            let result = sync::sync(&mut store, &tuning.options(), progress, &mut report);
            if json {
                let mut v = serde_json::to_value(&report)?;
                v["ok"] = json!(result.is_ok());
                if let Err(e) = &result {
                    v["error"] = json!(e.to_string());
                }
                writeln!(out, "{v}")?;
            } else {
                writeln!(
                    out,
                    "pushed {}, accepted {}, rejected {}, superseded {}, photos uploaded {}, pulled {}",
                    report.pushed,
                    report.accepted,
                    report.rejected,
                    report.superseded,
                    report.blobs_uploaded,
                    report.pulled
                )?;
            }
            result
                .context("sync failed; everything recorded is kept and the next sync carries on")?;
            Ok(0)
        }
        Command::Status { json } => {
            let store = open(&cli.home)?;
            let s = status(&store)?;
            if json {
                writeln!(out, "{s}")?;
            } else {
                for k in STATUS_ORDER {
                    let v = match &s[*k] {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => "-".into(),
                        other => other.to_string(),
                    };
                    writeln!(out, "{k}: {v}")?;
                }
            }
            Ok(0)
        }
        Command::List { json } => {
            let store = open(&cli.home)?;
            let damaged = sync::damaged_photos(store.conn(), &PhotoStore::new(store.photo_dir()))?;
            let listing = state::list(store.conn(), &damaged)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&listing)?)?;
            } else {
                print_listing(out, &listing)?;
            }
            Ok(0)
        }
    }
}

fn task_command(
    cmd: TaskCommand,
    home: &std::path::Path,
    out: &mut dyn Write,
    limits: &PhotoLimits,
) -> Result<u8> {
    let today = township::local_today(chrono::Utc::now());
    match cmd {
        TaskCommand::List { json } => {
            let store = open(home)?;
            let tasks = township::tasks(store.conn(), today)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&tasks)?)?;
            } else if tasks.is_empty() {
                writeln!(out, "no tasks; sync to receive the tasks of your grids")?;
            } else {
                for t in &tasks {
                    writeln!(
                        out,
                        "{}  {}  {}  due {}  {}/{} covered  {}",
                        t.task.task,
                        t.status.label(gridsafe_core::Lang::ZhCn),
                        t.task.kind.label(gridsafe_core::Lang::ZhCn),
                        t.task.due,
                        t.targets_covered,
                        t.targets_total,
                        t.task.title
                    )?;
                }
            }
            Ok(0)
        }
        TaskCommand::Show { id, json } => {
            let store = open(home)?;
            let id: TaskId = id.parse().context("task id")?;
            let t = township::task(store.conn(), id, today)?
                .ok_or(crate::error::DeviceError::UnknownTask(id))?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&t)?)?;
            } else {
                writeln!(
                    out,
                    "{} ({}), due {}: {}",
                    t.task.title,
                    t.task.kind.label(gridsafe_core::Lang::ZhCn),
                    t.task.due,
                    t.status.label(gridsafe_core::Lang::ZhCn)
                )?;
                let items: Vec<&str> = t.task.items.iter().map(|i| i.key()).collect();
                writeln!(out, "items: {}", items.join(" "))?;
                for target in &t.task.targets {
                    writeln!(
                        out,
                        "  {} {}",
                        target.target.code(),
                        if target.covered_at.is_some() {
                            "covered"
                        } else {
                            "to check"
                        }
                    )?;
                }
            }
            Ok(0)
        }
        TaskCommand::Check {
            id,
            target,
            items,
            hazard,
            sector,
            level,
            note,
            photos,
            at,
        } => {
            let mut store = open(home)?;
            let task: TaskId = id.parse().context("task id")?;
            let view = township::task(store.conn(), task, today)?
                .ok_or(crate::error::DeviceError::UnknownTask(task))?;
            let mut hazards = Vec::new();
            if let Some(description) = hazard {
                let outcomes = items
                    .iter()
                    .map(|t| record::parse_item(t))
                    .collect::<Result<Vec<_>, _>>()?;
                let sector = match sector {
                    Some(s) => Sector::from_key(&s).context("--sector")?,
                    None => view.task.sector.unwrap_or_else(|| {
                        outcomes
                            .iter()
                            .find(|o| o.result == gridsafe_core::ItemResult::Fail)
                            .map_or(Sector::Other, |o| o.item.sector())
                    }),
                };
                let grid = match township::target(&view.task, &target) {
                    Some(gridsafe_core::event::TaskTarget::Grid(g)) => g,
                    Some(gridsafe_core::event::TaskTarget::Point(p)) => {
                        reference::point(store.conn(), &p)?
                            .ok_or(crate::error::DeviceError::UnknownPoint(p))?
                            .1
                    }
                    None => {
                        return Err(crate::error::DeviceError::NotATarget {
                            task,
                            code: target,
                            targets: view
                                .task
                                .targets
                                .iter()
                                .map(|t| t.target.code().to_owned())
                                .collect::<Vec<_>>()
                                .join(", "),
                        }
                        .into());
                    }
                };
                let h = record::hazard(
                    &mut store,
                    HazardDraft {
                        grid,
                        sector,
                        level: HazardLevel::from_key(&level).context("--level")?,
                        description,
                        place: None,
                        location: at.location(),
                        photos: files(photos.clone()),
                    },
                    limits,
                )
                .context("the hazard was not saved")?;
                writeln!(out, "{}", h.id)?;
                hazards.push(h.id.parse().context("hazard id")?);
            }
            let r = record::task_check(
                &mut store,
                TaskCheckDraft {
                    task,
                    target,
                    results: items,
                    hazards,
                    note,
                    location: at.location(),
                    photos: files(photos),
                },
                limits,
            )
            .context("the task's check was not saved")?;
            warn(&r.warnings);
            writeln!(out, "{}", r.id)?;
            Ok(0)
        }
    }
}

fn warn(warnings: &[gridsafe_core::validate::Warning]) {
    for w in warnings {
        match w {
            gridsafe_core::validate::Warning::PoorAccuracy {
                accuracy_m,
                limit_m,
                ..
            } => eprintln!(
                "gridsafe-field: warning: the position is only accurate to {accuracy_m} m (more than {limit_m} m); it is kept and flagged"
            ),
        }
    }
}

const STATUS_ORDER: &[&str] = &[
    "enrolled",
    "server",
    "user",
    "device",
    "pending_events",
    "sent_events",
    "accepted_events",
    "rejected_events",
    "superseded_events",
    "pending_blobs",
    "damaged_photos",
    "last_sync",
    "last_sync_error",
    "sign_in_needed",
    "grids",
    "points",
];

/// The status as JSON: what waits, and how the last sync went.
pub fn status(store: &Store) -> Result<serde_json::Value> {
    let conn = store.conn();
    let c = outbox::counts(conn)?;
    let who = store.enrollment()?;
    let (grids, points) = reference::count(conn)?;
    Ok(json!({
        "enrolled": who.is_some(),
        "server": who.as_ref().map(|w| w.server.clone()),
        "user": who.as_ref().map(|w| w.user.to_string()),
        "device": who.as_ref().map(|w| w.device.to_string()),
        "pending_events": c.pending + c.sent,
        "sent_events": c.sent,
        "accepted_events": c.accepted,
        "rejected_events": c.rejected,
        "superseded_events": c.superseded,
        "pending_blobs": sync::pending_photos(conn)?,
        "damaged_photos": sync::damaged_photos(conn, &PhotoStore::new(store.photo_dir()))?,
        "last_sync": store::get_meta(conn, keys::LAST_SYNC)?,
        "last_sync_error": store::get_meta(conn, keys::LAST_SYNC_ERROR)?,
        "sign_in_needed": store::get_meta(conn, keys::AUTH_ERROR)?.is_some(),
        "grids": grids,
        "points": points,
    }))
}

fn files(paths: Vec<PathBuf>) -> Vec<record::PhotoInput> {
    paths.into_iter().map(record::PhotoInput::File).collect()
}

fn print_listing(out: &mut dyn Write, l: &Listing) -> Result<()> {
    if l.hazards.is_empty() && l.checks.is_empty() {
        writeln!(out, "no records on this device")?;
    }
    for h in &l.hazards {
        writeln!(
            out,
            "hazard {}  {}  {}  {}  [{}]  {}",
            h.id,
            h.status.map(|s| s.key()).unwrap_or("-"),
            h.level.map(|s| s.key()).unwrap_or("-"),
            h.grid.as_ref().map(|g| g.as_str()).unwrap_or("-"),
            h.sync.key(),
            h.description.as_deref().unwrap_or(""),
        )?;
        for e in &h.events {
            if let Some(r) = &e.rejection {
                writeln!(
                    out,
                    "    #{} {} rejected: {} ({})",
                    e.seq,
                    e.kind.key(),
                    r.message,
                    r.code
                )?;
            }
            if let Some(s) = e.superseded {
                writeln!(
                    out,
                    "    #{} {} superseded: {}",
                    e.seq,
                    e.kind.key(),
                    s.label(gridsafe_core::Lang::En)
                )?;
            }
        }
    }
    for c in &l.checks {
        writeln!(
            out,
            "check {}  {}  {}  {}  [{}]  {}",
            c.id,
            c.point,
            c.verdict.key(),
            c.grid,
            c.sync.key(),
            c.at
        )?;
        for e in &c.events {
            if let Some(r) = &e.rejection {
                writeln!(out, "    #{} rejected: {} ({})", e.seq, r.message, r.code)?;
            }
        }
    }
    Ok(())
}

/// A progress bar on stderr, shown only on a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{msg:20} [{bar:30}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Bar(b)
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.0.set_message(name.to_string());
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn cli(home: &std::path::Path, args: &[&str]) -> (u8, String, String) {
        let mut argv = vec![
            "gridsafe-field".to_string(),
            "--home".into(),
            home.display().to_string(),
        ];
        argv.extend(args.iter().map(|s| s.to_string()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run_with(argv, &mut &b""[..], &mut out, &mut err, false);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn records_offline_and_reports_what_waits() {
        let dir = tempfile::tempdir().unwrap();
        // Port 9 (discard) is closed: there is no network to speak of.
        drop(testing::enrolled(dir.path(), "http://127.0.0.1:9"));
        let photo = dir.path().join("p.jpg");
        std::fs::write(&photo, crate::photo::tests::camera_jpeg(640, 480)).unwrap();
        let (code, out, err) = cli(
            dir.path(),
            &[
                "hazard",
                "add",
                "--grid",
                "V1",
                "--sector",
                "construction",
                "--description",
                "脚手架缺少防护网",
                "--level",
                "major",
                "--photo",
                photo.to_str().unwrap(),
                "--lat",
                "30.6",
                "--lon",
                "104.0",
                "--accuracy",
                "8",
            ],
        );
        assert_eq!(code, 0, "{err}");
        let id: HazardId = out.trim().parse().unwrap();

        let (code, out, err) = cli(
            dir.path(),
            &[
                "hazard",
                "rectify",
                &id.to_string(),
                "--note",
                "已加装防护网",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), id.to_string());

        let (code, out, err) = cli(
            dir.path(),
            &[
                "check",
                "add",
                "--point",
                "LS-1",
                "--verdict",
                "danger",
                "--reading",
                "crack_width_mm=15",
                "--reading",
                "new_cracks=是",
                "--reading",
                "bulging=no",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.trim().parse::<gridsafe_core::CheckId>().is_ok());

        let (code, out, _) = cli(dir.path(), &["status", "--json"]);
        assert_eq!(code, 0);
        let s: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(s["pending_events"], 3);
        assert_eq!(s["pending_blobs"], 1);
        assert!(s["last_sync"].is_null());

        let (code, out, _) = cli(dir.path(), &["list", "--json"]);
        assert_eq!(code, 0);
        let l: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(l["hazards"][0]["status"], "rectified");
        assert_eq!(l["hazards"][0]["sync"], "pending");
        assert_eq!(l["checks"][0]["verdict"], "danger");
        let (_, text, _) = cli(dir.path(), &["list"]);
        assert!(text.contains("脚手架缺少防护网"), "{text}");

        // With no server to reach, sync fails with one clear line and keeps everything.
        let (code, out, err) = cli(dir.path(), &["sync", "--json", "--retries", "0"]);
        assert_ne!(code, 0);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("cannot reach the server"), "{err}");
        let counts: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(counts["pushed"], 0);
        let (_, out, _) = cli(dir.path(), &["status", "--json"]);
        let s: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(s["pending_events"], 3);
        assert!(
            s["last_sync_error"]
                .as_str()
                .unwrap()
                .contains("cannot reach")
        );
    }

    #[test]
    fn errors_are_one_line_and_non_zero() {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = cli(
            dir.path(),
            &[
                "hazard",
                "add",
                "--grid",
                "V1",
                "--sector",
                "fire",
                "--description",
                "x",
            ],
        );
        assert_eq!(code, 1);
        assert!(err.contains("not enrolled"), "{err}");
        assert_eq!(err.lines().count(), 1);

        drop(testing::enrolled(dir.path(), "http://127.0.0.1:9"));
        let (code, _, err) = cli(
            dir.path(),
            &[
                "hazard",
                "add",
                "--grid",
                "V1",
                "--sector",
                "mining",
                "--description",
                "x",
            ],
        );
        assert_eq!(code, 1);
        assert!(err.contains("\"mining\" is not a known sector"), "{err}");
        let (code, _, err) = cli(
            dir.path(),
            &[
                "hazard",
                "add",
                "--grid",
                "V1",
                "--sector",
                "fire",
                "--description",
                "x",
                "--lat",
                "0",
                "--lon",
                "0",
            ],
        );
        assert_eq!(code, 1);
        assert!(err.contains("location is 0,0"), "{err}");
        let (code, _, err) = cli(
            dir.path(),
            &[
                "check",
                "add",
                "--point",
                "LS-1",
                "--verdict",
                "normal",
                "--reading",
                "crack_width_mm=wide",
            ],
        );
        assert_eq!(code, 1);
        assert!(err.contains("crack_width_mm is a number"), "{err}");
        let (code, _, _) = cli(dir.path(), &["hazard", "add"]);
        assert_eq!(code, 2, "usage errors are clap's");
        let (_, out, _) = cli(dir.path(), &["status", "--json"]);
        let s: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(s["pending_events"], 0);
    }
}
