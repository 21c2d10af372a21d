//! The events that every change is made of.
//!
//! An event is immutable: once written on a phone it is the record, and the
//! trail (留痕) of a hazard is its list of events. Each carries its own id,
//! the hybrid-clock stamp that orders it, the account that made it and the
//! device it was made on; the body says what happened.
//!
//! On the wire an event is `{id, hlc, author, device, body: {type, data}}`
//! and unknown fields are refused, so a typo in a client never silently
//! drops a value.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::hlc::Hlc;
use crate::ids::{
    AccidentId, CheckId, DeviceId, EventId, GridCode, HazardId, PhotoHash, PointCode, Username,
};
use crate::keys::{HazardLevel, Sector, Verdict};
use crate::location::Location;
use crate::reading::Readings;

/// One change, as stored and synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: EventId,
    pub hlc: Hlc,
    pub author: Username,
    pub device: DeviceId,
    pub body: EventBody,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EventBody {
    HazardReported(HazardReported),
    HazardConfirmed(HazardConfirmed),
    RectificationStarted(RectificationStarted),
    RectificationSubmitted(RectificationSubmitted),
    RectificationVerified(RectificationVerified),
    RectificationSentBack(RectificationSentBack),
    HazardRejected(HazardRejected),
    HazardReopened(HazardReopened),
    HazardListed(HazardListed),
    HazardClosed(HazardClosed),
    CheckLogged(CheckLogged),
    AccidentReported(AccidentReported),
}

/// A hazard found in the field (发现隐患).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HazardReported {
    pub hazard: HazardId,
    pub grid: GridCode,
    pub sector: Sector,
    /// The finder's first judgement; the office confirms or changes it.
    pub level: HazardLevel,
    pub description: String,
    /// A place name as people say it (e.g. "二组王家院子"), besides the fix.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// The office confirms a hazard: its level, who fixes it and by when, and for
/// a major hazard the 五到位 (measures, responsibility, funds, deadline,
/// contingency plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HazardConfirmed {
    pub hazard: HazardId,
    pub level: HazardLevel,
    /// A corrected sector, when the finder chose the wrong one.
    #[serde(default)]
    pub sector: Option<Sector>,
    /// 责任: the unit or person responsible for the rectification.
    pub owner: String,
    /// 时限: the rectification deadline (required for a major hazard).
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    /// 措施: the rectification measures.
    #[serde(default)]
    pub measures: Option<String>,
    /// 资金: funds set aside, in yuan.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub funds_yuan: Option<u64>,
    /// 预案: the contingency plan while the hazard stands.
    #[serde(default)]
    pub contingency_plan: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Work on the fix has begun.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RectificationStarted {
    pub hazard: HazardId,
    #[serde(default)]
    pub note: Option<String>,
}

/// The fix is done, with "after" photos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RectificationSubmitted {
    pub hazard: HazardId,
    pub note: String,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
    #[serde(default)]
    pub location: Option<Location>,
}

/// The town's 整改效果评价: the fix holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RectificationVerified {
    pub hazard: HazardId,
    #[serde(default)]
    pub note: Option<String>,
}

/// The fix does not hold: back to rectifying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RectificationSentBack {
    pub hazard: HazardId,
    pub reason: String,
}

/// Not a hazard, or a duplicate of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HazardRejected {
    pub hazard: HazardId,
    pub reason: String,
    #[serde(default)]
    pub duplicate_of: Option<HazardId>,
}

/// 回头看: a verified, closed or rejected hazard is opened again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HazardReopened {
    pub hazard: HazardId,
    pub reason: String,
    /// A new deadline for the renewed rectification.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
}

/// 挂牌督办: a major hazard is put under listed supervision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HazardListed {
    pub hazard: HazardId,
    #[serde(default)]
    pub note: Option<String>,
}

/// 销号: a verified hazard is closed and archived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HazardClosed {
    pub hazard: HazardId,
    #[serde(default)]
    pub note: Option<String>,
}

/// A routine check of a monitoring point (巡查记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CheckLogged {
    pub check: CheckId,
    pub point: PointCode,
    /// The point's grid, so scope and counters need no lookup.
    pub grid: GridCode,
    pub verdict: Verdict,
    #[ts(type = "Record<string, number | boolean>")]
    pub readings: Readings,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// An accident (事故), reported at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AccidentReported {
    pub accident: AccidentId,
    pub grid: GridCode,
    pub sector: Sector,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub deaths: u32,
    pub injuries: u32,
    pub description: String,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// The record an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EntityRef {
    Hazard(HazardId),
    Check(CheckId),
    Accident(AccidentId),
}

crate::keys::stable_keys!(
    /// The kind of an event, with its label for the trail (留痕).
    EventKind, "event_kind" {
        HazardReported = "hazard_reported", "上报隐患", "Hazard reported";
        HazardConfirmed = "hazard_confirmed", "确认隐患", "Hazard confirmed";
        RectificationStarted = "rectification_started", "开始整改", "Rectification started";
        RectificationSubmitted = "rectification_submitted", "提交整改", "Rectification submitted";
        RectificationVerified = "rectification_verified", "验收通过", "Rectification verified";
        RectificationSentBack = "rectification_sent_back", "验收退回", "Sent back for rectification";
        HazardRejected = "hazard_rejected", "驳回", "Rejected";
        HazardReopened = "hazard_reopened", "重新打开(回头看)", "Re-opened";
        HazardListed = "hazard_listed", "挂牌督办", "Listed for supervision";
        HazardClosed = "hazard_closed", "销号", "Closed";
        CheckLogged = "check_logged", "巡查记录", "Check logged";
        AccidentReported = "accident_reported", "事故报告", "Accident reported";
    }
);

impl EventBody {
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::HazardReported(_) => EventKind::HazardReported,
            EventBody::HazardConfirmed(_) => EventKind::HazardConfirmed,
            EventBody::RectificationStarted(_) => EventKind::RectificationStarted,
            EventBody::RectificationSubmitted(_) => EventKind::RectificationSubmitted,
            EventBody::RectificationVerified(_) => EventKind::RectificationVerified,
            EventBody::RectificationSentBack(_) => EventKind::RectificationSentBack,
            EventBody::HazardRejected(_) => EventKind::HazardRejected,
            EventBody::HazardReopened(_) => EventKind::HazardReopened,
            EventBody::HazardListed(_) => EventKind::HazardListed,
            EventBody::HazardClosed(_) => EventKind::HazardClosed,
            EventBody::CheckLogged(_) => EventKind::CheckLogged,
            EventBody::AccidentReported(_) => EventKind::AccidentReported,
        }
    }

    /// The record this event is about.
    pub fn entity(&self) -> EntityRef {
        match self {
            EventBody::HazardReported(e) => EntityRef::Hazard(e.hazard),
            EventBody::HazardConfirmed(e) => EntityRef::Hazard(e.hazard),
            EventBody::RectificationStarted(e) => EntityRef::Hazard(e.hazard),
            EventBody::RectificationSubmitted(e) => EntityRef::Hazard(e.hazard),
            EventBody::RectificationVerified(e) => EntityRef::Hazard(e.hazard),
            EventBody::RectificationSentBack(e) => EntityRef::Hazard(e.hazard),
            EventBody::HazardRejected(e) => EntityRef::Hazard(e.hazard),
            EventBody::HazardReopened(e) => EntityRef::Hazard(e.hazard),
            EventBody::HazardListed(e) => EntityRef::Hazard(e.hazard),
            EventBody::HazardClosed(e) => EntityRef::Hazard(e.hazard),
            EventBody::CheckLogged(e) => EntityRef::Check(e.check),
            EventBody::AccidentReported(e) => EntityRef::Accident(e.accident),
        }
    }

    pub fn hazard(&self) -> Option<HazardId> {
        match self.entity() {
            EntityRef::Hazard(h) => Some(h),
            _ => None,
        }
    }

    /// The grid named by an event that creates a record; events on an existing
    /// record take the record's grid.
    pub fn grid(&self) -> Option<&GridCode> {
        match self {
            EventBody::HazardReported(e) => Some(&e.grid),
            EventBody::CheckLogged(e) => Some(&e.grid),
            EventBody::AccidentReported(e) => Some(&e.grid),
            _ => None,
        }
    }

    /// The photos this event cites.
    pub fn photos(&self) -> &[PhotoHash] {
        match self {
            EventBody::HazardReported(e) => &e.photos,
            EventBody::RectificationSubmitted(e) => &e.photos,
            EventBody::CheckLogged(e) => &e.photos,
            EventBody::AccidentReported(e) => &e.photos,
            _ => &[],
        }
    }

    /// The location recorded with this event, if any.
    pub fn location(&self) -> Option<&Location> {
        match self {
            EventBody::HazardReported(e) => e.location.as_ref(),
            EventBody::RectificationSubmitted(e) => e.location.as_ref(),
            EventBody::CheckLogged(e) => e.location.as_ref(),
            EventBody::AccidentReported(e) => e.location.as_ref(),
            _ => None,
        }
    }

    /// Urgent records reach the town office before anything else waiting: a
    /// danger check ("立即上报镇政府"), a major hazard, an accident.
    pub fn is_urgent(&self) -> bool {
        match self {
            EventBody::CheckLogged(c) => c.verdict == Verdict::Danger,
            EventBody::HazardReported(h) => h.level == HazardLevel::Major,
            EventBody::AccidentReported(_) => true,
            _ => false,
        }
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        self.body.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::StableKey;

    pub fn report(hazard: HazardId) -> EventBody {
        EventBody::HazardReported(HazardReported {
            hazard,
            grid: "V1".parse().unwrap(),
            sector: Sector::Construction,
            level: HazardLevel::General,
            description: "脚手架缺少防护网".into(),
            place: None,
            location: None,
            photos: vec![PhotoHash::of(b"x")],
        })
    }

    #[test]
    fn wire_form_is_tagged_and_strict() {
        let ev = Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms: 1,
                counter: 0,
                node: DeviceId::new(),
            },
            author: "zhang".parse().unwrap(),
            device: DeviceId::new(),
            body: report(HazardId::new()),
        };
        let v = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["body"]["type"], "hazard_reported");
        assert_eq!(v["body"]["data"]["sector"], "construction");
        let back: Event = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, ev);

        let mut extra = v.clone();
        extra["body"]["data"]["sneaky"] = serde_json::json!(1);
        let err = serde_json::from_value::<Event>(extra).unwrap_err();
        assert!(err.to_string().contains("sneaky"), "{err}");
        let mut bad_sector = v.clone();
        bad_sector["body"]["data"]["sector"] = serde_json::json!("mining");
        assert!(serde_json::from_value::<Event>(bad_sector).is_err());
        let mut top_extra = v;
        top_extra["seq"] = serde_json::json!(3);
        assert!(serde_json::from_value::<Event>(top_extra).is_err());
    }

    #[test]
    fn event_kind_keys_are_the_wire_tags() {
        let body = report(HazardId::new());
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["type"], body.kind().key());
        // Every kind has a distinct key and both labels.
        let mut keys: Vec<_> = EventKind::ALL.iter().map(|k| k.key()).collect();
        keys.dedup();
        assert_eq!(keys.len(), EventKind::ALL.len());
    }

    #[test]
    fn urgency() {
        let mut body = report(HazardId::new());
        assert!(!body.is_urgent());
        if let EventBody::HazardReported(h) = &mut body {
            h.level = HazardLevel::Major;
        }
        assert!(body.is_urgent());
    }
}
