//! What every handler shares: the stores, the catalog, the server's clock,
//! the login limiter and the settings. The backend is chosen here, from the
//! database URL, and nowhere else.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use gridsafe_core::{DeviceId, HlcClock};

use crate::catalog::{Catalog, CatalogCache};
use crate::config::Settings;
use crate::error::ApiError;
use crate::ratelimit::LoginLimiter;
use crate::store::blobs::DirBlobs;
use crate::store::sqlite::SqliteStore;
use crate::store::{BlobStore, Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub catalog: Arc<CatalogCache>,
    /// Stamps office actions; observes every accepted stamp.
    pub clock: Arc<Mutex<HlcClock>>,
    pub limiter: Arc<LoginLimiter>,
    pub settings: Arc<Settings>,
    /// Photo uploads whose bytes are being received and checked at once;
    /// the others wait with their bytes still on the network, so memory
    /// stays bounded however many phones upload together.
    pub upload_slots: Arc<tokio::sync::Semaphore>,
    /// Pushes parsed and applied at once (see [`PUSH_SLOTS`]).
    pub push_slots: Arc<tokio::sync::Semaphore>,
}

/// Photo uploads taken in at once (see [`AppState::upload_slots`]).
pub const UPLOAD_SLOTS: usize = 16;

/// Pushes parsed and applied at once. They are applied one at a time by the
/// one writer; a few more let the next ones be parsed and checked meanwhile,
/// and the rest wait as bytes.
pub const PUSH_SLOTS: usize = 4;

/// Opens the store the settings name: `sqlite://PATH`, or `DATA/gridsafe.db`.
pub fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Arc::new(SqliteStore::open(&sqlite_path(settings)?)?))
}

/// The SQLite file the settings name.
pub fn sqlite_path(settings: &Settings) -> anyhow::Result<PathBuf> {
    Ok(match settings.database.as_deref() {
        None | Some("") => settings.data.join("gridsafe.db"),
        Some(url) if url.starts_with("sqlite://") => PathBuf::from(&url["sqlite://".len()..]),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            bail!(
                "PostgreSQL is not supported yet; use --database sqlite://PATH or leave --database out to use DATA/gridsafe.db"
            )
        }
        Some(url) => bail!("unknown database URL {url:?}; expected sqlite://PATH"),
    })
}

/// The folder of the photo blobs.
pub fn blobs_dir(settings: &Settings) -> PathBuf {
    settings.data.join("blobs")
}

pub fn open_blobs(settings: &Settings) -> anyhow::Result<Arc<dyn BlobStore>> {
    Ok(Arc::new(DirBlobs::open(blobs_dir(settings))?))
}

impl AppState {
    pub fn new(settings: Settings, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let blobs = open_blobs(&settings)?;
        let catalog = Arc::new(CatalogCache::new(store.as_ref()).context("loading the grids")?);
        // The server's clock resumes past every stamp it has accepted.
        let last = store.last_hlc().context("reading the last stamp")?;
        let clock = HlcClock::resume(DeviceId(uuid::Uuid::nil()), last);
        Ok(Self {
            limiter: Arc::new(LoginLimiter::new(
                settings.login_max_failures,
                std::time::Duration::from_secs(settings.login_window_secs),
            )),
            store,
            blobs,
            catalog,
            clock: Arc::new(Mutex::new(clock)),
            settings: Arc::new(settings),
            upload_slots: Arc::new(tokio::sync::Semaphore::new(UPLOAD_SLOTS)),
            push_slots: Arc::new(tokio::sync::Semaphore::new(PUSH_SLOTS)),
        })
    }

    /// The current catalog (reloaded after an import).
    pub async fn catalog(&self) -> Result<Arc<Catalog>, ApiError> {
        let st = self.clone();
        Ok(tokio::task::spawn_blocking(move || st.catalog.get(st.store.as_ref())).await??)
    }

    /// Runs a blocking store call off the async threads.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || f(store.as_ref())).await??)
    }
}
