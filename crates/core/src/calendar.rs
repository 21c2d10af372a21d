//! Days as the town counts them: China Standard Time (UTC+8, no daylight
//! saving), whatever the clock of the machine that counts.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Beijing-time date of an instant.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// The instant a Beijing-time day begins (its midnight, 16:00 UTC the day before).
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_morning_in_beijing_is_already_the_next_day() {
        let t: DateTime<Utc> = "2026-03-31T23:30:00Z".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(local_day(t), d);
        assert_eq!(
            day_start(d),
            "2026-03-31T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(local_day(day_start(d)), d);
    }
}
