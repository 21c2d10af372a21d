//! Where something was recorded: WGS-84 coordinates with the fix's accuracy
//! and time, and where the fix came from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a location was obtained. A manual or EXIF position is kept, but shown
/// as such, since it is weaker evidence than a live fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    Gps,
    Network,
    Exif,
    Manual,
}

/// A WGS-84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy in metres, when the receiver reports one.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// When the fix was taken (may be well before the record was saved).
    #[serde(default)]
    pub fixed_at: Option<DateTime<Utc>>,
    pub source: LocationSource,
}

/// China's bounding box (mainland and islands, generously): a fix outside it
/// is a device fault, not a hazard site.
pub const CHINA_LAT: (f64, f64) = (3.5, 54.0);
pub const CHINA_LON: (f64, f64) = (73.0, 135.5);

impl Location {
    /// The 0,0 "fix" that some location APIs return when they have none.
    pub fn is_null_island(&self) -> bool {
        self.lat.abs() < 1e-6 && self.lon.abs() < 1e-6
    }

    pub fn in_china_box(&self) -> bool {
        (CHINA_LAT.0..=CHINA_LAT.1).contains(&self.lat)
            && (CHINA_LON.0..=CHINA_LON.1).contains(&self.lon)
    }
}
