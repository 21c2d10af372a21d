//! Days as the town counts them.
//!
//! Periods, deadlines and "reported on" are China Standard Time dates
//! (UTC+8, no daylight saving), whatever the server's own time zone, so a
//! hazard found at 07:00 Beijing time counts on that day and not the one before.

use chrono::{NaiveDate, Utc};

pub use gridsafe_core::calendar::{day_start, local_day};

/// Today in Beijing time.
pub fn today() -> NaiveDate {
    local_day(Utc::now())
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> u64 {
    Utc::now().timestamp_millis().max(0) as u64
}
