//! Settings, from flags, environment variables and an optional TOML file.
//!
//! A flag wins over its environment variable (clap reads both), either wins
//! over the file, and the file over the defaults. The file takes the same
//! names as the flags, with underscores:
//!
//! ```toml
//! data = "/var/lib/gridsafe"
//! listen = "0.0.0.0:8080"
//! database = "sqlite:///var/lib/gridsafe/gridsafe.db"
//! token_days = 90
//! max_photo_mb = 15
//! max_json_mb = 8
//! request_timeout_secs = 60
//! login_max_failures = 5
//! login_window_minutes = 15
//! ui_dir = "/opt/gridsafe/ui/dist"
//! tiles = "https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=KEY"
//! tiles_attribution = "天地图"
//! secure_cookies = true
//! hsts_max_age_secs = 31536000
//! flood_season = false
//! check_interval_days = 7
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The values a TOML file may set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub listen: Option<String>,
    pub database: Option<String>,
    pub token_days: Option<u32>,
    pub max_photo_mb: Option<u64>,
    pub max_json_mb: Option<u64>,
    pub max_image_megapixels: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub login_max_failures: Option<u32>,
    pub login_window_minutes: Option<u64>,
    pub ui_dir: Option<PathBuf>,
    pub tiles: Option<String>,
    pub tiles_attribution: Option<String>,
    pub secure_cookies: Option<bool>,
    pub hsts_max_age_secs: Option<u64>,
    pub flood_season: Option<bool>,
    pub check_interval_days: Option<u32>,
}

impl FileConfig {
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("reading the configuration file {}", path.display()))
    }
}

/// Everything the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data: PathBuf,
    pub listen: String,
    /// `sqlite://PATH`, or none for `DATA/gridsafe.db`.
    pub database: Option<String>,
    pub token_days: u32,
    pub max_photo_bytes: u64,
    pub max_json_bytes: usize,
    /// Photos declaring more pixels than this are refused before decoding.
    pub max_image_pixels: u64,
    pub request_timeout_secs: u64,
    pub login_max_failures: u32,
    pub login_window_secs: u64,
    /// The built console (`ui/dist`); `None` looks for it (see [`crate::console::ui`]).
    pub ui_dir: Option<PathBuf>,
    /// A Leaflet tile URL template for the console's map; none: a plain background.
    pub tiles: Option<String>,
    pub tiles_attribution: Option<String>,
    /// Marks the console's session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Sends `Strict-Transport-Security: max-age=N` (only behind HTTPS).
    pub hsts_max_age_secs: Option<u64>,
    /// Flood-season duty (24小时值班): every monitoring point is due a check
    /// every 24 hours instead of every `check_interval_days`.
    pub flood_season: bool,
    pub check_interval_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: PathBuf::from("./gridsafe-data"),
            listen: "127.0.0.1:8080".into(),
            database: None,
            token_days: 90,
            max_photo_bytes: 15 * 1024 * 1024,
            max_json_bytes: 8 * 1024 * 1024,
            max_image_pixels: 100_000_000,
            request_timeout_secs: 60,
            login_max_failures: 5,
            login_window_secs: 15 * 60,
            ui_dir: None,
            tiles: None,
            tiles_attribution: None,
            secure_cookies: false,
            hsts_max_age_secs: None,
            flood_season: false,
            check_interval_days: gridsafe_core::point::DEFAULT_CHECK_INTERVAL_DAYS,
        }
    }
}

impl Settings {
    /// How long a monitoring point may go without a check before it is overdue.
    pub fn check_interval(&self) -> chrono::Duration {
        gridsafe_core::point::check_interval(self.flood_season, self.check_interval_days)
    }

    /// Defaults overlaid with the file's values.
    pub fn from_file(file: FileConfig) -> Self {
        let d = Settings::default();
        Settings {
            data: file.data.unwrap_or(d.data),
            listen: file.listen.unwrap_or(d.listen),
            database: file.database.or(d.database),
            token_days: file.token_days.unwrap_or(d.token_days),
            max_photo_bytes: file
                .max_photo_mb
                .map_or(d.max_photo_bytes, |mb| mb * 1024 * 1024),
            max_json_bytes: file
                .max_json_mb
                .map_or(d.max_json_bytes, |mb| (mb * 1024 * 1024) as usize),
            max_image_pixels: file
                .max_image_megapixels
                .map_or(d.max_image_pixels, |mp| mp * 1_000_000),
            request_timeout_secs: file.request_timeout_secs.unwrap_or(d.request_timeout_secs),
            login_max_failures: file.login_max_failures.unwrap_or(d.login_max_failures),
            login_window_secs: file
                .login_window_minutes
                .map_or(d.login_window_secs, |m| m * 60),
            ui_dir: file.ui_dir.or(d.ui_dir),
            tiles: file.tiles.or(d.tiles),
            tiles_attribution: file.tiles_attribution.or(d.tiles_attribution),
            secure_cookies: file.secure_cookies.unwrap_or(d.secure_cookies),
            hsts_max_age_secs: file.hsts_max_age_secs.or(d.hsts_max_age_secs),
            flood_season: file.flood_season.unwrap_or(d.flood_season),
            check_interval_days: file.check_interval_days.unwrap_or(d.check_interval_days),
        }
    }
}
