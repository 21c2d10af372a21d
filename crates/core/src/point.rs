//! Monitoring points (危险地段) and what their checks say about them now.
//!
//! A point's current verdict is that of its latest check in clock order: a
//! danger stays open until a later check at the point says otherwise.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::event::{Event, EventBody};
use crate::hazard::clock_order;
use crate::ids::{CheckId, DutyId, GridCode, PointCode, Username};
use crate::keys::{PointKind, Verdict};

/// Days a monitoring point may go without a check, outside flood season.
pub const DEFAULT_CHECK_INTERVAL_DAYS: u32 = 7;

/// How long a point may go without a check: every 24 hours during
/// flood-season duty (汛期24小时值班), otherwise every `days` days.
pub fn check_interval(flood_season: bool, days: u32) -> Duration {
    if flood_season {
        Duration::hours(24)
    } else {
        Duration::days(days.max(1) as i64)
    }
}

/// Hours a point under flood-season duty may go without a check, unless the
/// office sets another interval for the group.
pub const DEFAULT_DUTY_INTERVAL_HOURS: u32 = 24;

/// The interval that applies to one point: the interval of the flood-season
/// duty the office put it under (`duty_hours`), otherwise the town-wide rule
/// of [`check_interval`].
pub fn point_interval(duty_hours: Option<u32>, flood_season: bool, days: u32) -> Duration {
    match duty_hours {
        Some(h) => Duration::hours(h.max(1) as i64),
        None => check_interval(flood_season, days),
    }
}

/// A point's flood-season duty, as the latest duty switch naming it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PointDuty {
    pub duty: DutyId,
    pub interval_hours: u32,
    pub since: DateTime<Utc>,
}

/// Folds the duty switches (started or ended) into the point's duty: the
/// latest switch in clock order that names the point decides.
pub fn duty_of<'a>(
    point: &PointCode,
    events: impl IntoIterator<Item = &'a Event>,
) -> Option<PointDuty> {
    events
        .into_iter()
        .filter(|e| match &e.body {
            EventBody::DutyStarted(d) => d.points.contains(point),
            EventBody::DutyEnded(d) => d.points.contains(point),
            _ => false,
        })
        .max_by(|a, b| clock_order(a, b))
        .and_then(|e| match &e.body {
            EventBody::DutyStarted(d) => Some(PointDuty {
                duty: d.duty,
                interval_hours: d.interval_hours,
                since: e.hlc.time(),
            }),
            _ => None,
        })
}

/// A monitoring point as the office imports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MonitoringPoint {
    pub code: PointCode,
    pub name: String,
    pub kind: PointKind,
    pub grid: GridCode,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// 监管责任人.
    pub monitor: Option<String>,
}

/// The latest check of a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LastCheck {
    pub check: CheckId,
    pub verdict: Verdict,
    pub at: DateTime<Utc>,
    pub by: Username,
}

/// The latest of a point's check events, in clock order.
pub fn last_check<'a>(checks: impl IntoIterator<Item = &'a Event>) -> Option<LastCheck> {
    checks
        .into_iter()
        .filter(|e| matches!(e.body, EventBody::CheckLogged(_)))
        .max_by(|a, b| clock_order(a, b))
        .map(|e| match &e.body {
            EventBody::CheckLogged(c) => LastCheck {
                check: c.check,
                verdict: c.verdict,
                at: e.hlc.time(),
                by: e.author.clone(),
            },
            _ => unreachable!(),
        })
}

/// A danger reported at the point and not yet followed by a calmer check.
pub fn danger_open(last: Option<&LastCheck>) -> bool {
    last.is_some_and(|l| l.verdict == Verdict::Danger)
}

/// Whether a check is due: none yet, or the last is older than the interval
/// (e.g. 24 hours in flood-season duty).
pub fn check_due(last: Option<&LastCheck>, interval: Duration, now: DateTime<Utc>) -> bool {
    next_check_at(last, interval).is_none_or(|next| now >= next)
}

/// When the next check of a point falls due: `interval` after the last one;
/// `None` for a point never checked, which is due at once.
pub fn next_check_at(last: Option<&LastCheck>, interval: Duration) -> Option<DateTime<Utc>> {
    last.map(|l| l.at + interval)
}

/// The checks a monitoring point missed in the window `from..to`, cut at
/// `now`, each as the instant it fell due. This is the one rule behind every
/// missed-check figure (the grid summary, the points page, the quarterly
/// self-check, the assessment and the duty report).
///
/// Each stretch without a check misses the whole intervals that passed in
/// it: from the window's start to the first check, one for each interval
/// that ended (due at start + k·interval); between two checks, one for each
/// interval the next check came after its due time (a check exactly one
/// interval after the last is on time); from the last check to the end,
/// one for each interval that ended. Checks outside the window are not
/// looked at: a window starts afresh.
pub fn missed_checks(
    checks: &[DateTime<Utc>],
    interval: Duration,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let to = to.min(now);
    let n = interval.num_seconds();
    if to <= from || n <= 0 {
        return Vec::new();
    }
    let mut times: Vec<DateTime<Utc>> = checks
        .iter()
        .copied()
        .filter(|t| *t >= from && *t <= to)
        .collect();
    times.sort();
    let mut out = Vec::new();
    let mut due_after = |start: DateTime<Utc>, count: i64| {
        for k in 1..=count.max(0) {
            out.push(start + interval * k as i32);
        }
    };
    let Some(first) = times.first().copied() else {
        due_after(from, (to - from).num_seconds() / n);
        return out;
    };
    due_after(from, (first - from).num_seconds() / n);
    for w in times.windows(2) {
        let gap = (w[1] - w[0]).num_seconds();
        due_after(w[0], (gap + n - 1) / n - 1);
    }
    let last = *times.last().expect("not empty");
    due_after(last, (to - last).num_seconds() / n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CheckLogged;
    use crate::hlc::Hlc;
    use crate::ids::{DeviceId, EventId};

    fn check(wall_ms: u64, verdict: Verdict) -> Event {
        Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: DeviceId::new(),
            },
            author: "li".parse().unwrap(),
            device: DeviceId::new(),
            body: EventBody::CheckLogged(CheckLogged {
                check: CheckId::new(),
                point: "LS-1".parse().unwrap(),
                grid: "V1".parse().unwrap(),
                verdict,
                readings: Default::default(),
                note: None,
                location: None,
                photos: vec![],
            }),
        }
    }

    #[test]
    fn latest_check_decides_whatever_the_arrival_order() {
        let early_danger = check(1_000, Verdict::Danger);
        let later_normal = check(2_000, Verdict::Normal);
        let last = last_check([&later_normal, &early_danger]).unwrap();
        assert_eq!(last.verdict, Verdict::Normal);
        assert!(!danger_open(Some(&last)));
        let last = last_check([&early_danger]).unwrap();
        assert!(danger_open(Some(&last)));
        assert!(last_check([]).is_none());
    }

    #[test]
    fn flood_season_means_a_check_a_day() {
        assert_eq!(check_interval(true, 7), Duration::hours(24));
        assert_eq!(
            check_interval(false, DEFAULT_CHECK_INTERVAL_DAYS),
            Duration::days(7)
        );
        assert_eq!(
            check_interval(false, 0),
            Duration::days(1),
            "never a zero interval"
        );
    }

    #[test]
    fn a_point_on_duty_takes_the_duty_interval_until_it_ends() {
        use crate::event::{DutyEnded, DutyStarted};
        let p: PointCode = "RS-1".parse().unwrap();
        let mk = |wall_ms: u64, start: bool, points: Vec<PointCode>| Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: DeviceId::new(),
            },
            author: "office".parse().unwrap(),
            device: DeviceId::new(),
            body: if start {
                EventBody::DutyStarted(DutyStarted {
                    duty: DutyId::new(),
                    grid: "V1".parse().unwrap(),
                    points,
                    interval_hours: 12,
                    note: None,
                })
            } else {
                EventBody::DutyEnded(DutyEnded {
                    duty: DutyId::new(),
                    grid: "V1".parse().unwrap(),
                    points,
                    note: None,
                })
            },
        };
        let on = mk(1_000, true, vec![p.clone()]);
        let off = mk(2_000, false, vec![p.clone()]);
        let other = mk(3_000, true, vec!["LS-1".parse().unwrap()]);
        let duty = duty_of(&p, [&on, &other]).unwrap();
        assert_eq!(duty.interval_hours, 12);
        assert_eq!(
            point_interval(Some(duty.interval_hours), false, 7),
            Duration::hours(12)
        );
        assert!(duty_of(&p, [&off, &on]).is_none(), "ended later");
        assert_eq!(point_interval(None, false, 7), Duration::days(7));
        assert_eq!(point_interval(None, true, 7), Duration::hours(24));
    }

    #[test]
    fn due_after_the_interval() {
        let c = check(1_700_000_000_000, Verdict::Normal);
        let last = last_check([&c]).unwrap();
        let at = last.at;
        assert!(!check_due(
            Some(&last),
            Duration::hours(24),
            at + Duration::hours(23)
        ));
        assert!(check_due(
            Some(&last),
            Duration::hours(24),
            at + Duration::hours(24)
        ));
        assert!(check_due(None, Duration::hours(24), at));
        assert_eq!(
            next_check_at(Some(&last), Duration::hours(12)),
            Some(at + Duration::hours(12))
        );
        assert_eq!(next_check_at(None, Duration::hours(12)), None);
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Worked examples: four weeks from 1 April, checks due weekly.
    #[test]
    fn missed_checks_are_the_empty_intervals_with_their_due_times() {
        let from = t("2026-04-01T00:00:00Z");
        let to = from + Duration::days(28);
        let week = Duration::days(7);
        let far = to + Duration::days(365);
        // Never checked: due on the 8th, 15th, 22nd and 29th, all missed.
        assert_eq!(
            missed_checks(&[], week, from, to, far),
            (1..=4).map(|k| from + week * k).collect::<Vec<_>>()
        );
        // Checked on the 1st, 8th, 15th and 22nd: only the one due at the end.
        let weekly: Vec<_> = (0..4).map(|i| from + week * i).collect();
        assert_eq!(missed_checks(&weekly, week, from, to, far), vec![to]);
        // A day later each week: none.
        let weekly: Vec<_> = (0..4)
            .map(|i| from + Duration::days(1) + week * i)
            .collect();
        assert!(missed_checks(&weekly, week, from, to, far).is_empty());
        // Checked on the 2nd and the 23rd: the 9th and the 16th were missed.
        let gap = [from + Duration::days(1), from + Duration::days(22)];
        assert_eq!(
            missed_checks(&gap, week, from, to, far),
            vec![from + Duration::days(8), from + Duration::days(15)]
        );
        // "Now" cuts the window: on the 10th only the one due on the 8th.
        assert_eq!(
            missed_checks(&[], week, from, to, from + Duration::days(9)),
            vec![from + week]
        );
        // Checks outside the window do not count in it.
        assert_eq!(
            missed_checks(
                &[from - Duration::hours(1), to + Duration::hours(1)],
                week,
                from,
                to,
                far
            )
            .len(),
            4
        );
        assert!(missed_checks(&[], week, to, from, far).is_empty());
        assert!(missed_checks(&[], Duration::zero(), from, to, far).is_empty());
        // Daily in flood season: a day without a check is one miss.
        let day = Duration::hours(24);
        let checks: Vec<_> = [0, 1, 3, 4]
            .iter()
            .map(|d| from + Duration::days(*d) + Duration::hours(9))
            .collect();
        let end = from + Duration::days(5);
        assert_eq!(
            missed_checks(&checks, day, from, end, far),
            vec![from + Duration::days(2) + Duration::hours(9)]
        );
    }
}
