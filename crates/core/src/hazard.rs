//! The fold: a hazard's current state from its events.
//!
//! The same fold runs on the phone and on the server, so both show the same
//! thing, and the trail (留痕) is the events themselves. Events are applied
//! in hybrid-clock order (stamp, then event id), each id once; so the state
//! depends only on the set of events, never on the order they arrived in.
//!
//! # Life of a hazard
//!
//! ```text
//! reported ─confirm─▶ confirmed ─start─▶ rectifying ─submit─▶ rectified ─verify─▶ verified ─close─▶ closed
//!    │  └──────start──────────────────────▲   ▲  └──────submit──────▲ │                 │             │
//!    └──────────submit (fixed on the spot)─┼───┼─────────────────────┘ └─send back─▶ rectifying        │
//!  any open status ─reject─▶ rejected       │   └──────────── re-open (回头看) ◀─────────┴─────────────┘
//!                              └─re-open─▶ reported
//! ```
//! The allowed transitions are listed exactly in [`TRANSITIONS`].
//!
//! # Conflicting offline actions
//!
//! Phones act offline, so an event may be made without knowledge of another
//! that is already on the server. The rules, applied in clock order:
//!
//! 1. **A decision stands until it is explicitly re-opened.** Once the office
//!    has verified, closed or rejected a hazard, a field event stamped after
//!    that decision (a second rectification, a "work started") does not change
//!    the status. It is kept in the trail with its photos and marked
//!    superseded with the reason [`Superseded::Decided`], which the phone shows.
//!    Example: verified on the console while a second rectification arrives
//!    from a phone → stays verified; the late after-photos are in the trail.
//! 2. **Rejection wins over work in progress.** Rejecting is allowed from any
//!    open status, including rectifying and rectified; a rectification stamped
//!    after the rejection is superseded by rule 1, one stamped before it is
//!    part of the history the office rejected.
//! 3. **A rectification stamped before a verification is simply part of what
//!    was verified**: it applies (its photos join the after-photos) and the
//!    verification that follows it still applies.
//! 4. **Later confirmation wins.** Two confirmations (a re-grading, a new
//!    deadline) both stay in the trail; the later one sets level, owner,
//!    deadline and the 五到位.
//! 5. **Office steps need the state they judge.** Verify and send back need
//!    `rectified`; close needs `verified`; re-open needs verified, closed or
//!    rejected; listed supervision needs an open major hazard not yet listed.
//!    Otherwise the event is superseded with its reason.
//! 6. **One report per hazard.** A second report of the same hazard id, or
//!    any event stamped before the report, is superseded.
//!
//! A superseded event is never dropped: it stays in the trail and the state
//! lists it with its reason.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::event::{Event, EventBody, EventKind};
use crate::hlc::Hlc;
use crate::ids::{DeviceId, EventId, GridCode, HazardId, PhotoHash, Username};
use crate::keys::{HazardLevel, HazardStatus, Sector};
use crate::location::Location;

use HazardStatus::*;

/// Every transition the fold may make: (from, event, to). An event that
/// applies without changing the status (a re-confirmation, a second
/// rectification) appears with `from == to`.
pub const TRANSITIONS: &[(HazardStatus, EventKind, HazardStatus)] = &[
    (Reported, EventKind::HazardConfirmed, Confirmed),
    (Confirmed, EventKind::HazardConfirmed, Confirmed),
    (Rectifying, EventKind::HazardConfirmed, Rectifying),
    (Rectified, EventKind::HazardConfirmed, Rectified),
    (Reported, EventKind::RectificationStarted, Rectifying),
    (Confirmed, EventKind::RectificationStarted, Rectifying),
    (Rectifying, EventKind::RectificationStarted, Rectifying),
    (Reported, EventKind::RectificationSubmitted, Rectified),
    (Confirmed, EventKind::RectificationSubmitted, Rectified),
    (Rectifying, EventKind::RectificationSubmitted, Rectified),
    (Rectified, EventKind::RectificationSubmitted, Rectified),
    (Rectified, EventKind::RectificationVerified, Verified),
    (Rectified, EventKind::RectificationSentBack, Rectifying),
    (Reported, EventKind::HazardRejected, Rejected),
    (Confirmed, EventKind::HazardRejected, Rejected),
    (Rectifying, EventKind::HazardRejected, Rejected),
    (Rectified, EventKind::HazardRejected, Rejected),
    (Verified, EventKind::HazardReopened, Rectifying),
    (Closed, EventKind::HazardReopened, Rectifying),
    (Rejected, EventKind::HazardReopened, Reported),
    (Reported, EventKind::HazardListed, Reported),
    (Confirmed, EventKind::HazardListed, Confirmed),
    (Rectifying, EventKind::HazardListed, Rectifying),
    (Rectified, EventKind::HazardListed, Rectified),
    (Verified, EventKind::HazardClosed, Closed),
];

crate::keys::stable_keys!(
    /// Why an event did not change a hazard (it stays in the trail).
    Superseded, "superseded" {
        Decided = "decided", "镇安办已对该隐患作出结论(已验收、已销号或已驳回)，需重新打开后才能继续", "The office has already verified, closed or rejected this hazard; it must be re-opened first";
        NotRectified = "not_rectified", "该隐患尚未提交整改，无法验收或退回", "No rectification has been submitted to verify or send back";
        NotVerified = "not_verified", "该隐患尚未验收，不能销号", "The hazard has not been verified, so it cannot be closed";
        StillOpen = "still_open", "该隐患仍在处理中，无需重新打开", "The hazard is still open; there is nothing to re-open";
        NotMajor = "not_major", "只有重大隐患才能挂牌督办", "Only a major hazard can be listed for supervision";
        AlreadyListed = "already_listed", "该隐患已挂牌督办", "The hazard is already listed for supervision";
        AlreadyRectified = "already_rectified", "整改已提交，等待验收", "The rectification is already submitted and awaits verification";
        AlreadyReported = "already_reported", "该隐患已经上报过", "This hazard was already reported";
        BeforeReport = "before_report", "该记录早于隐患上报时间", "This record is stamped before the hazard was reported";
    }
);

/// The confirmation in force: level, owner, deadline and the 五到位.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Confirmation {
    pub owner: String,
    pub deadline: Option<NaiveDate>,
    pub measures: Option<String>,
    #[ts(type = "number | null")]
    pub funds_yuan: Option<u64>,
    pub contingency_plan: Option<String>,
    pub by: Username,
    pub at: DateTime<Utc>,
}

/// Who did a step, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Step {
    pub by: Username,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// An event kept in the trail that did not change the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SupersededEvent {
    pub event: EventId,
    pub kind: EventKind,
    pub reason: Superseded,
}

/// A hazard as it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HazardState {
    pub id: HazardId,
    pub grid: GridCode,
    pub sector: Sector,
    pub level: HazardLevel,
    pub status: HazardStatus,
    pub description: String,
    pub place: Option<String>,
    pub location: Option<Location>,
    pub reported_by: Username,
    pub reported_from: DeviceId,
    pub reported_at: DateTime<Utc>,
    /// Photos of the hazard as found.
    pub photos: Vec<PhotoHash>,
    /// Photos of the fix, from every rectification that applied.
    pub after_photos: Vec<PhotoHash>,
    pub confirmation: Option<Confirmation>,
    /// 挂牌督办, once listed.
    pub listed: Option<Step>,
    pub rectified: Option<Step>,
    pub verified: Option<Step>,
    pub closed: Option<Step>,
    pub rejected: Option<Step>,
    /// How often it was re-opened (回头看).
    pub reopened: u32,
    /// The stamp of the last event folded in (applied or superseded).
    pub last: Hlc,
    pub events: u32,
    pub superseded: Vec<SupersededEvent>,
}

/// Why a list of events has no hazard state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FoldError {
    #[error("no events")]
    Empty,
    #[error("the events belong to more than one hazard")]
    MixedHazards,
    #[error("event {0} is not about a hazard")]
    NotAHazardEvent(EventId),
    #[error("hazard {0} has no report event")]
    NoReport(HazardId),
}

/// 逾期: a hazard in `status` with `deadline` is past it on `today` and not
/// yet rectified.
pub fn is_overdue(status: HazardStatus, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    matches!(status, Confirmed | Rectifying) && deadline.is_some_and(|d| d < today)
}

impl HazardState {
    /// The deadline in force, if confirmed.
    pub fn deadline(&self) -> Option<NaiveDate> {
        self.confirmation.as_ref().and_then(|c| c.deadline)
    }

    /// 逾期: past its deadline and not yet rectified.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        is_overdue(self.status, self.deadline(), today)
    }

    /// Under listed supervision and still open.
    pub fn is_listed_open(&self) -> bool {
        self.listed.is_some() && self.status.is_open()
    }

    /// A major hazard confirmed without the full 五到位 (a deduction in the assessment).
    pub fn lacks_five_in_place(&self) -> bool {
        self.level == HazardLevel::Major
            && self.status.is_open()
            && self.confirmation.as_ref().is_none_or(|c| {
                c.measures.as_deref().is_none_or(|m| m.trim().is_empty())
                    || c.funds_yuan.is_none()
                    || c.deadline.is_none()
                    || c.contingency_plan
                        .as_deref()
                        .is_none_or(|p| p.trim().is_empty())
                    || c.owner.trim().is_empty()
            })
    }

    fn from_report(ev: &Event, r: &crate::event::HazardReported) -> Self {
        HazardState {
            id: r.hazard,
            grid: r.grid.clone(),
            sector: r.sector,
            level: r.level,
            status: Reported,
            description: r.description.clone(),
            place: r.place.clone(),
            location: r.location,
            reported_by: ev.author.clone(),
            reported_from: ev.device,
            reported_at: ev.hlc.time(),
            photos: r.photos.clone(),
            after_photos: Vec::new(),
            confirmation: None,
            listed: None,
            rectified: None,
            verified: None,
            closed: None,
            rejected: None,
            reopened: 0,
            last: ev.hlc,
            events: 1,
            superseded: Vec::new(),
        }
    }

    /// The status this event would lead to, or why it would not apply.
    pub fn next_status(&self, body: &EventBody) -> Result<HazardStatus, Superseded> {
        let decided = !self.status.is_open();
        let s = self.status;
        Ok(match body {
            EventBody::HazardReported(_) => return Err(Superseded::AlreadyReported),
            EventBody::HazardConfirmed(_) if decided => return Err(Superseded::Decided),
            EventBody::HazardConfirmed(_) => {
                if s == Reported {
                    Confirmed
                } else {
                    s
                }
            }
            EventBody::RectificationStarted(_) => match s {
                Reported | Confirmed | Rectifying => Rectifying,
                Rectified => return Err(Superseded::AlreadyRectified),
                _ => return Err(Superseded::Decided),
            },
            EventBody::RectificationSubmitted(_) if decided => return Err(Superseded::Decided),
            EventBody::RectificationSubmitted(_) => Rectified,
            EventBody::RectificationVerified(_) | EventBody::RectificationSentBack(_) => match s {
                Rectified if matches!(body, EventBody::RectificationVerified(_)) => Verified,
                Rectified => Rectifying,
                _ if decided => return Err(Superseded::Decided),
                _ => return Err(Superseded::NotRectified),
            },
            EventBody::HazardRejected(_) if decided => return Err(Superseded::Decided),
            EventBody::HazardRejected(_) => Rejected,
            EventBody::HazardReopened(_) => match s {
                Verified | Closed => Rectifying,
                Rejected => Reported,
                _ => return Err(Superseded::StillOpen),
            },
            EventBody::HazardListed(_) if decided => return Err(Superseded::Decided),
            EventBody::HazardListed(_) if self.level != HazardLevel::Major => {
                return Err(Superseded::NotMajor);
            }
            EventBody::HazardListed(_) if self.listed.is_some() => {
                return Err(Superseded::AlreadyListed);
            }
            EventBody::HazardListed(_) => s,
            EventBody::HazardClosed(_) if s == Verified => Closed,
            EventBody::HazardClosed(_) if decided => return Err(Superseded::Decided),
            EventBody::HazardClosed(_) => return Err(Superseded::NotVerified),
            EventBody::CheckLogged(_)
            | EventBody::AccidentReported(_)
            | EventBody::AccidentImpactJudged(_)
            | EventBody::TaskCreated(_)
            | EventBody::TaskCheckRecorded(_)
            | EventBody::MeetingRecorded(_)
            | EventBody::BanquetFiled(_)
            | EventBody::PromiseSigned(_)
            | EventBody::DutyStarted(_)
            | EventBody::DutyEnded(_) => {
                unreachable!("only hazard events reach a hazard's fold")
            }
        })
    }

    /// Applies one event in clock order. An event that cannot apply changes
    /// nothing but the trail bookkeeping and returns its reason.
    pub fn apply(&mut self, ev: &Event) -> Result<(), Superseded> {
        self.events += 1;
        self.last = self.last.max(ev.hlc);
        let outcome = self.apply_inner(ev);
        if let Err(reason) = outcome {
            self.superseded.push(SupersededEvent {
                event: ev.id,
                kind: ev.kind(),
                reason,
            });
        }
        outcome
    }

    fn apply_inner(&mut self, ev: &Event) -> Result<(), Superseded> {
        let next = self.next_status(&ev.body)?;
        let step = |note: Option<&String>| Step {
            by: ev.author.clone(),
            at: ev.hlc.time(),
            note: note.cloned(),
        };
        match &ev.body {
            EventBody::HazardConfirmed(c) => {
                self.level = c.level;
                if let Some(sector) = c.sector {
                    self.sector = sector;
                }
                self.confirmation = Some(Confirmation {
                    owner: c.owner.clone(),
                    deadline: c.deadline,
                    measures: c.measures.clone(),
                    funds_yuan: c.funds_yuan,
                    contingency_plan: c.contingency_plan.clone(),
                    by: ev.author.clone(),
                    at: ev.hlc.time(),
                });
            }
            EventBody::RectificationStarted(_) => {}
            EventBody::RectificationSubmitted(r) => {
                for p in &r.photos {
                    if !self.after_photos.contains(p) {
                        self.after_photos.push(p.clone());
                    }
                }
                self.rectified = Some(step(Some(&r.note)));
            }
            EventBody::RectificationVerified(v) => self.verified = Some(step(v.note.as_ref())),
            EventBody::RectificationSentBack(_) => self.rectified = None,
            EventBody::HazardRejected(r) => self.rejected = Some(step(Some(&r.reason))),
            EventBody::HazardReopened(r) => {
                self.reopened += 1;
                self.verified = None;
                self.closed = None;
                self.rejected = None;
                self.rectified = None;
                if let (Some(d), Some(c)) = (r.deadline, self.confirmation.as_mut()) {
                    c.deadline = Some(d);
                }
            }
            EventBody::HazardListed(l) => self.listed = Some(step(l.note.as_ref())),
            EventBody::HazardClosed(c) => self.closed = Some(step(c.note.as_ref())),
            EventBody::HazardReported(_)
            | EventBody::CheckLogged(_)
            | EventBody::AccidentReported(_)
            | EventBody::AccidentImpactJudged(_)
            | EventBody::TaskCreated(_)
            | EventBody::TaskCheckRecorded(_)
            | EventBody::MeetingRecorded(_)
            | EventBody::BanquetFiled(_)
            | EventBody::PromiseSigned(_)
            | EventBody::DutyStarted(_)
            | EventBody::DutyEnded(_) => {}
        }
        self.status = next;
        Ok(())
    }
}

/// Orders events as the fold applies them: by stamp, then by id.
pub fn clock_order(a: &Event, b: &Event) -> std::cmp::Ordering {
    (a.hlc, a.id).cmp(&(b.hlc, b.id))
}

/// The current state of one hazard from its events, in any order, repeats allowed.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<HazardState, FoldError> {
    let mut evs: Vec<&Event> = events.into_iter().collect();
    if evs.is_empty() {
        return Err(FoldError::Empty);
    }
    evs.sort_by(|a, b| clock_order(a, b));
    evs.dedup_by_key(|e| e.id);
    let mut hazard = None;
    for e in &evs {
        let h = e.body.hazard().ok_or(FoldError::NotAHazardEvent(e.id))?;
        if *hazard.get_or_insert(h) != h {
            return Err(FoldError::MixedHazards);
        }
    }
    let hazard = hazard.expect("non-empty");
    // The first report in clock order founds the state; anything stamped
    // before it is superseded (rule 6).
    let report_at = evs
        .iter()
        .position(|e| matches!(e.body, EventBody::HazardReported(_)))
        .ok_or(FoldError::NoReport(hazard))?;
    let EventBody::HazardReported(r) = &evs[report_at].body else {
        unreachable!()
    };
    let mut state = HazardState::from_report(evs[report_at], r);
    for (i, e) in evs.iter().enumerate() {
        if i < report_at {
            state.events += 1;
            state.superseded.push(SupersededEvent {
                event: e.id,
                kind: e.kind(),
                reason: Superseded::BeforeReport,
            });
        } else if i > report_at {
            let _ = state.apply(e);
        }
    }
    Ok(state)
}
