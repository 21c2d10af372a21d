//! Days as the town counts them.
//!
//! Periods, deadlines and "reported on" are China Standard Time dates
//! (UTC+8, no daylight saving), whatever the server's own time zone, so a
//! hazard found at 07:00 Beijing time counts on that day and not the one before.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Beijing-time date of an instant.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// Today in Beijing time.
pub fn today() -> NaiveDate {
    local_day(Utc::now())
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> u64 {
    Utc::now().timestamp_millis().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_morning_in_beijing_is_already_the_next_day() {
        let t: DateTime<Utc> = "2026-03-31T23:30:00Z".parse().unwrap();
        assert_eq!(local_day(t), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    }
}
