//! The `gridsafe-server` command line.
//!
//! `main` only calls [`run`], so another crate (the end-to-end tests) can
//! build the same binary. `--data`, `--database` and `--config` are global:
//! accepted before or after the subcommand, so every subcommand acts on the
//! store that `serve` uses.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use gridsafe_core::{DeviceId, GridCode, Role, Username};

use crate::config::{FileConfig, Settings};
use crate::state::{AppState, open_store};
use crate::store::UserRecord;

#[derive(Debug, Parser)]
#[command(
    name = "gridsafe-server",
    version,
    about = "The town safety office's sync server (乡镇安全生产网格化监管)"
)]
pub struct Cli {
    /// Where the database and photos live [default: ./gridsafe-data].
    #[arg(long, global = true, env = "GRIDSAFE_DATA")]
    pub data: Option<PathBuf>,
    /// `sqlite://PATH` [default: DATA/gridsafe.db]. PostgreSQL is planned.
    #[arg(long, global = true, env = "GRIDSAFE_DATABASE")]
    pub database: Option<String>,
    /// A TOML file with settings (flags and environment variables win over it).
    #[arg(long, global = true, env = "GRIDSAFE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the API until SIGTERM or Ctrl-C (in-flight requests finish).
    Serve(ServeArgs),
    /// Accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The grid tree.
    #[command(subcommand)]
    Grid(ImportCommand),
    /// Monitoring points.
    #[command(subcommand)]
    Point(ImportCommand),
    /// Enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Copies the database (SQLite's online backup) and the photos into
    /// DIR, while the server runs; again into the same DIR copies only new photos.
    Backup {
        /// The backup folder (created if missing).
        dir: PathBuf,
    },
    /// Puts a backup made by `backup` into the data directory, which must
    /// hold no database yet; checks the database and every photo's hash.
    Restore {
        /// The folder `backup` wrote.
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one [default: 127.0.0.1:8080].
    #[arg(long, env = "GRIDSAFE_LISTEN")]
    pub listen: Option<String>,
    /// Seed a demo town (idempotent) and print its accounts.
    #[arg(long, env = "GRIDSAFE_DEMO")]
    pub demo: bool,
    /// Days a sign-in lasts [default: 90].
    #[arg(long, env = "GRIDSAFE_TOKEN_DAYS")]
    pub token_days: Option<u32>,
    /// Largest photo taken, in MB [default: 15].
    #[arg(long, env = "GRIDSAFE_MAX_PHOTO_MB")]
    pub max_photo_mb: Option<u64>,
    /// The built UI (the folder holding office/index.html and assets/)
    /// [default: ui/dist under the current directory, else beside the source
    /// tree the binary was built from].
    #[arg(long, env = "GRIDSAFE_UI_DIR")]
    pub ui_dir: Option<PathBuf>,
    /// Map tiles for the console, a Leaflet URL template, e.g. 天地图
    /// `https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY`
    /// or `https://tile.openstreetmap.org/{z}/{x}/{y}.png` [default: none, a plain background].
    #[arg(long, env = "GRIDSAFE_TILES")]
    pub tiles: Option<String>,
    /// The attribution shown under the map tiles.
    #[arg(long, env = "GRIDSAFE_TILES_ATTRIBUTION")]
    pub tiles_attribution: Option<String>,
    /// Mark the console's session cookie Secure (serve it behind HTTPS).
    #[arg(long, env = "GRIDSAFE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security: max-age=SECS` (only when every
    /// client reaches the server over HTTPS, e.g. behind a reverse proxy).
    #[arg(long, env = "GRIDSAFE_HSTS_MAX_AGE")]
    pub hsts_max_age: Option<u64>,
    /// Flood-season duty (汛期24小时值班): monitoring points are due a check every 24 hours.
    #[arg(long, env = "GRIDSAFE_FLOOD_SEASON")]
    pub flood_season: bool,
    /// Days a monitoring point may go without a check outside the flood season [default: 7].
    #[arg(long, env = "GRIDSAFE_CHECK_INTERVAL_DAYS")]
    pub check_interval_days: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds an account (or replaces its role, grids and password).
    Add {
        #[arg(long)]
        name: String,
        /// inspector, volunteer, office or admin.
        #[arg(long)]
        role: Role,
        /// A grid the account works in (repeat for several).
        #[arg(long = "grid")]
        grids: Vec<GridCode>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lists the accounts.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Imports a .csv (UTF-8 or GBK) or .xlsx file; all rows or none.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Lists devices with their last sync.
    List,
    /// Revokes a device (a lost phone): its tokens stop working.
    Revoke { id: DeviceId },
}

/// Runs the command line and returns the process's exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GRIDSAFE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info")),
        )
        .init();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let file = match &cli.config {
        Some(p) => FileConfig::read(p)?,
        None => FileConfig::default(),
    };
    let mut s = Settings::from_file(file);
    if let Some(d) = &cli.data {
        s.data = d.clone();
    }
    if let Some(db) = &cli.database {
        s.database = Some(db.clone());
    }
    if let Command::Serve(a) = &cli.command {
        if let Some(l) = &a.listen {
            s.listen = l.clone();
        }
        if let Some(d) = a.token_days {
            s.token_days = d;
        }
        if let Some(mb) = a.max_photo_mb {
            s.max_photo_bytes = mb * 1024 * 1024;
        }
        if let Some(d) = &a.ui_dir {
            s.ui_dir = Some(d.clone());
        }
        if let Some(t) = &a.tiles {
            s.tiles = Some(t.clone()).filter(|t| !t.trim().is_empty());
        }
        if let Some(t) = &a.tiles_attribution {
            s.tiles_attribution = Some(t.clone());
        }
        s.secure_cookies |= a.secure_cookies;
        if let Some(secs) = a.hsts_max_age {
            s.hsts_max_age_secs = Some(secs);
        }
        s.flood_season |= a.flood_season;
        if let Some(d) = a.check_interval_days {
            s.check_interval_days = d;
        }
    }
    Ok(s)
}

fn execute(cli: Cli) -> anyhow::Result<()> {
    let settings = settings(&cli)?;
    match cli.command {
        Command::Serve(args) => serve(settings, args.demo),
        Command::User(UserCommand::Add {
            name,
            role,
            grids,
            password_stdin,
        }) => {
            if !password_stdin {
                bail!("give the password on standard input with --password-stdin");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.lines().next().unwrap_or("").to_owned();
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters");
            }
            let name: Username = name.parse()?;
            let store = open_store(&settings)?;
            let tree = gridsafe_core::GridTree::new(store.grids()?)?;
            if let Some(g) = grids.iter().find(|g| !tree.contains(g)) {
                bail!(
                    "there is no grid {g}; import the grids first (gridsafe-server grid import FILE)"
                );
            }
            if grids.is_empty() && role != Role::Admin {
                bail!("a {role} works in at least one grid: give --grid CODE");
            }
            store.add_user(&UserRecord {
                name: name.clone(),
                role,
                grids,
                password_hash: crate::auth::hash_password(&password)?,
            })?;
            println!("user {name} ({role}) saved");
            Ok(())
        }
        Command::User(UserCommand::List) => {
            let store = open_store(&settings)?;
            for u in store.users()? {
                let grids: Vec<&str> = u.grids.iter().map(|g| g.as_str()).collect();
                println!("{}\t{}\t{}", u.name, u.role, grids.join(","));
            }
            Ok(())
        }
        Command::Grid(ImportCommand::Import { file }) => {
            let store = open_store(&settings)?;
            let n = crate::import::import_grids(store.as_ref(), &file)?;
            println!("imported {n} grids from {}", file.display());
            Ok(())
        }
        Command::Point(ImportCommand::Import { file }) => {
            let store = open_store(&settings)?;
            let n = crate::import::import_points(store.as_ref(), &file)?;
            println!("imported {n} monitoring points from {}", file.display());
            Ok(())
        }
        Command::Device(DeviceCommand::List) => {
            let store = open_store(&settings)?;
            println!("device\tuser\tname\tlast_sync\tlast_seq\trevoked");
            for d in store.devices()? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    d.id,
                    d.user,
                    d.name.unwrap_or_default(),
                    d.last_sync
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "-".into()),
                    d.last_seq,
                    d.revoked_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "-".into()),
                );
            }
            Ok(())
        }
        Command::Backup { dir } => {
            let db = crate::state::sqlite_path(&settings)?;
            let c = crate::backup::backup(&db, &crate::state::blobs_dir(&settings), &dir)?;
            println!(
                "backed up the database and {} photos ({} new, {} bytes) to {}",
                c.photos,
                c.photos_copied,
                c.bytes,
                dir.display()
            );
            Ok(())
        }
        Command::Restore { dir } => {
            let db = crate::state::sqlite_path(&settings)?;
            let c = crate::backup::restore(&dir, &db, &crate::state::blobs_dir(&settings))?;
            println!(
                "restored the database and {} photos from {} into {}",
                c.photos,
                dir.display(),
                db.display()
            );
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            let store = open_store(&settings)?;
            if !store.revoke_device(id)? {
                bail!("there is no device {id}");
            }
            println!("device {id} revoked");
            Ok(())
        }
    }
}

/// Keeps glibc's malloc from holding on to large freed blocks.
///
/// glibc serves a block of 128 KiB or more straight from the kernel and
/// gives it back when freed, but each time such a block is freed it raises
/// that threshold to the block's size (up to 32 MiB). After the first
/// password check (19 MiB of Argon2 memory) or a few photo bodies, blocks
/// of that size come from the per-thread heaps instead and stay there: the
/// server's resident memory grew to several hundred MiB under five hundred
/// phones while little of it was in use. Setting the threshold once turns
/// the raising off. It is set at 1 MiB, above a photo's size, so that the
/// photo buffers of concurrent uploads are reused from the heaps rather
/// than mapped and zeroed afresh for each photo.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_malloc() {
    // SAFETY: `mallopt` only sets a tuning value of the allocator; it is
    // called before the runtime starts any thread.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024) };
    if set != 1 {
        tracing::warn!("could not set malloc's mmap threshold");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_malloc() {}

fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    bound_malloc();
    // Store and file work runs on blocking threads; past a few dozen they
    // only queue on the one SQLite writer and cost memory, so five hundred
    // phones syncing at once must not grow five hundred of them.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        let store = open_store(&settings)?;
        if demo {
            let accounts = crate::demo::seed(store.as_ref())?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "demo accounts (user / password / role):")?;
            for (name, password, role) in accounts {
                writeln!(out, "  {name} / {password} / {role}")?;
            }
        }
        let state = AppState::new(settings.clone(), store)?;
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .with_context(|| format!("listening on {}", settings.listen))?;
        let addr = listener.local_addr()?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on http://{addr}")?;
            out.flush()?;
        }
        tracing::info!(%addr, data = %settings.data.display(), "serving");
        axum::serve(
            listener,
            crate::router::router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Resolves on Ctrl-C or SIGTERM; axum then stops accepting and lets the
/// requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
