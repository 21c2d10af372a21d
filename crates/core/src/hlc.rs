//! The hybrid logical clock that orders events.
//!
//! Each stamp is (wall time in ms, counter, device). A device stamps its own
//! events with [`HlcClock::tick`] and advances past every event it receives
//! with [`HlcClock::observe`], so an action taken after seeing an event is
//! always ordered after it, even when the phone's clock is behind. The total
//! order (wall, counter, device) is what the fold sorts by.
//!
//! A stamp far ahead of the receiver's clock is refused rather than
//! followed: one phone set to 2030 must not drag every clock in the town
//! with it.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::ids::DeviceId;

/// One stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch, never behind any stamp seen before.
    #[ts(type = "number")]
    pub wall_ms: u64,
    /// Breaks ties within one millisecond.
    pub counter: u32,
    /// The device that made the stamp; breaks the last ties.
    pub node: DeviceId,
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, self.node).cmp(&(other.wall_ms, other.counter, other.node))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hlc {
    /// The wall time as a date, for people.
    pub fn time(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.wall_ms as i64)
            .single()
            .unwrap_or_default()
    }

    /// A string that sorts like the stamp, for database indexes.
    pub fn sort_key(&self) -> String {
        format!(
            "{:013x}{:08x}{}",
            self.wall_ms,
            self.counter,
            self.node.0.simple()
        )
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}+{}@{}",
            self.time().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            self.counter,
            self.node
        )
    }
}

/// A remote stamp this clock refuses to follow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "the stamp {remote_ms} ms is {ahead_ms} ms ahead of this clock, more than the {max_drift_ms} ms allowed; check the sending device's date and time"
)]
pub struct ClockDrift {
    pub remote_ms: u64,
    pub ahead_ms: u64,
    pub max_drift_ms: u64,
}

/// The clock of one device (or of the server).
#[derive(Debug, Clone)]
pub struct HlcClock {
    node: DeviceId,
    wall_ms: u64,
    counter: u32,
    max_drift_ms: u64,
}

impl HlcClock {
    /// How far ahead of local time a received stamp may be: one day.
    pub const DEFAULT_MAX_DRIFT_MS: u64 = 24 * 3600 * 1000;

    pub fn new(node: DeviceId) -> Self {
        Self {
            node,
            wall_ms: 0,
            counter: 0,
            max_drift_ms: Self::DEFAULT_MAX_DRIFT_MS,
        }
    }

    /// Resumes from the last stamp this device issued or saw (kept in its store).
    pub fn resume(node: DeviceId, last: Option<Hlc>) -> Self {
        let mut c = Self::new(node);
        if let Some(l) = last {
            c.wall_ms = l.wall_ms;
            c.counter = l.counter;
        }
        c
    }

    pub fn with_max_drift_ms(mut self, ms: u64) -> Self {
        self.max_drift_ms = ms;
        self
    }

    pub fn node(&self) -> DeviceId {
        self.node
    }

    /// The last stamp issued or observed.
    pub fn last(&self) -> Hlc {
        Hlc {
            wall_ms: self.wall_ms,
            counter: self.counter,
            node: self.node,
        }
    }

    /// A stamp for a local event, given the physical time now.
    pub fn tick(&mut self, physical_ms: u64) -> Hlc {
        if physical_ms > self.wall_ms {
            self.wall_ms = physical_ms;
            self.counter = 0;
        } else {
            self.counter = self.counter.saturating_add(1);
        }
        self.last()
    }

    /// Moves past a received stamp; refuses one too far ahead of `physical_ms`.
    pub fn observe(&mut self, remote: &Hlc, physical_ms: u64) -> Result<Hlc, ClockDrift> {
        self.check_drift(remote, physical_ms)?;
        let wall = self.wall_ms.max(remote.wall_ms).max(physical_ms);
        self.counter = if wall == self.wall_ms && wall == remote.wall_ms {
            self.counter.max(remote.counter).saturating_add(1)
        } else if wall == self.wall_ms {
            self.counter.saturating_add(1)
        } else if wall == remote.wall_ms {
            remote.counter.saturating_add(1)
        } else {
            0
        };
        self.wall_ms = wall;
        Ok(self.last())
    }

    /// Whether a stamp is acceptable against local time, without moving the clock.
    pub fn check_drift(&self, remote: &Hlc, physical_ms: u64) -> Result<(), ClockDrift> {
        let ahead = remote.wall_ms.saturating_sub(physical_ms);
        if ahead > self.max_drift_ms {
            return Err(ClockDrift {
                remote_ms: remote.wall_ms,
                ahead_ms: ahead,
                max_drift_ms: self.max_drift_ms,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ticks_are_strictly_increasing_even_when_time_stands_still_or_goes_back() {
        let mut c = HlcClock::new(DeviceId::new());
        let a = c.tick(1000);
        let b = c.tick(1000);
        let d = c.tick(500);
        assert!(a < b && b < d);
        assert_eq!(d.wall_ms, 1000);
        assert_eq!(c.tick(2000).counter, 0);
    }

    #[test]
    fn an_action_after_seeing_an_event_is_ordered_after_it() {
        // The phone's clock is an hour behind the office's.
        let mut office = HlcClock::new(DeviceId::new());
        let mut phone = HlcClock::new(DeviceId::new());
        let confirmed = office.tick(10_000_000);
        phone.observe(&confirmed, 10_000_000 - 3_600_000).unwrap();
        let rectified = phone.tick(10_000_000 - 3_600_000 + 5);
        assert!(rectified > confirmed);
    }

    #[test]
    fn refuses_a_stamp_from_the_future() {
        let mut c = HlcClock::new(DeviceId::new()).with_max_drift_ms(60_000);
        let far = Hlc {
            wall_ms: 1_000_000,
            counter: 0,
            node: DeviceId::new(),
        };
        let err = c.observe(&far, 1_000_000 - 60_001).unwrap_err();
        assert!(err.to_string().contains("date and time"));
        assert_eq!(
            c.last().wall_ms,
            0,
            "a refused stamp must not move the clock"
        );
        c.observe(&far, 1_000_000 - 60_000).unwrap();
    }

    #[test]
    fn sort_key_sorts_like_the_stamp() {
        let n = DeviceId::new();
        let a = Hlc {
            wall_ms: 9,
            counter: 65_000,
            node: n,
        };
        let b = Hlc {
            wall_ms: 10,
            counter: 0,
            node: n,
        };
        assert!(a < b);
        assert!(a.sort_key() < b.sort_key());
    }

    proptest! {
        #[test]
        fn observe_is_monotonic(
            steps in proptest::collection::vec((0u64..5_000, 0u64..5_000, 0u32..4, any::<bool>()), 1..60)
        ) {
            let mut c = HlcClock::new(DeviceId::new());
            let other = DeviceId::new();
            let mut last = c.last();
            for (phys, remote_wall, remote_counter, receive) in steps {
                let next = if receive {
                    let r = Hlc { wall_ms: remote_wall, counter: remote_counter, node: other };
                    let s = c.observe(&r, phys).unwrap();
                    prop_assert!(s > r);
                    s
                } else {
                    c.tick(phys)
                };
                prop_assert!(next > last);
                prop_assert!(next.wall_ms >= phys);
                last = next;
            }
        }
    }
}
