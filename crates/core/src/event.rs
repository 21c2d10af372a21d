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
    AccidentId, BanquetId, CheckId, DeviceId, DutyId, EventId, GridCode, HazardId, MeetingId,
    PhotoHash, PointCode, PromiseId, TaskId, Username,
};
use crate::keys::{
    BannedDish, ChecklistItem, HazardLevel, ItemResult, PromiseKind, Sector, TaskKind, Verdict,
};
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
    AccidentImpactJudged(AccidentImpactJudged),
    TaskCreated(TaskCreated),
    TaskCheckRecorded(TaskCheckRecorded),
    MeetingRecorded(MeetingRecorded),
    BanquetFiled(BanquetFiled),
    PromiseSigned(PromiseSigned),
    DutyStarted(DutyStarted),
    DutyEnded(DutyEnded),
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

/// The town office's judgement of whether an accident caused especially bad
/// social impact (造成恶劣社会影响), which the assessment's one-vote veto
/// reads. It is judged after the report, by the office and not the
/// reporter, and may be changed: the latest judgement in clock order holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AccidentImpactJudged {
    pub accident: AccidentId,
    pub bad_social_impact: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// What an inspection task sends someone to: a grid (a village, a unit, a
/// building site) or a monitoring point.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum TaskTarget {
    Grid(GridCode),
    Point(PointCode),
}

impl TaskTarget {
    /// The target's code as people type it (`V1`, `LS-1`).
    pub fn code(&self) -> &str {
        match self {
            TaskTarget::Grid(g) => g.as_str(),
            TaskTarget::Point(p) => p.as_str(),
        }
    }
}

/// The office issues an inspection task (检查任务): a quarterly big check, a
/// special campaign in one sector, a holiday or a flood-season check, over
/// some grids or points, due by a date, with an optional checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TaskCreated {
    pub task: TaskId,
    pub kind: TaskKind,
    /// The campaign's sector (required for a special campaign).
    #[serde(default)]
    pub sector: Option<Sector>,
    pub title: String,
    /// The grid the task is issued in; every target lies within it.
    pub grid: GridCode,
    pub targets: Vec<TaskTarget>,
    pub due: NaiveDate,
    #[serde(default)]
    pub items: Vec<ChecklistItem>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One checklist item's result on site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ItemOutcome {
    pub item: ChecklistItem,
    pub result: ItemResult,
}

/// A task's check done on site against one of its targets. A failed item
/// may be reported as a hazard; the check names the hazards it raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TaskCheckRecorded {
    pub task: TaskId,
    pub target: TaskTarget,
    /// The target's grid (the point's grid for a point), for scope.
    pub grid: GridCode,
    #[serde(default)]
    pub results: Vec<ItemOutcome>,
    #[serde(default)]
    pub hazards: Vec<HazardId>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// A village safety meeting (安全生产工作会议, 会议纪录): at least one a quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecorded {
    pub meeting: MeetingId,
    pub grid: GridCode,
    pub held_on: NaiveDate,
    pub topic: String,
    #[serde(default)]
    pub attendees: Vec<String>,
    #[serde(default)]
    pub minutes: Option<String>,
    /// The minutes as photographed.
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// A rural banquet filed with the town (农村家宴备案).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BanquetFiled {
    pub banquet: BanquetId,
    pub grid: GridCode,
    /// 事主.
    pub host: String,
    pub held_on: NaiveDate,
    pub tables: u32,
    /// 厨师.
    #[serde(default)]
    pub cook: Option<String>,
    /// 留样: food samples kept for inspection.
    #[serde(default)]
    pub samples_kept: bool,
    /// The banned dishes checked and found absent from the menu.
    #[serde(default)]
    pub banned_dishes_absent: Vec<BannedDish>,
    /// The signed food-safety promise and other papers, photographed.
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// A signed responsibility letter or promise (责任书/承诺书).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PromiseSigned {
    pub promise: PromiseId,
    pub grid: GridCode,
    pub kind: PromiseKind,
    /// Who signed it (a driver, a host, a unit).
    pub party: String,
    pub signed_on: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
    /// The signed page.
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// The office puts a group of monitoring points under flood-season duty
/// (汛期24小时值班), with its own check interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DutyStarted {
    pub duty: DutyId,
    /// The grid the points lie in.
    pub grid: GridCode,
    pub points: Vec<PointCode>,
    /// Hours a point on duty may go without a check (24 by default).
    pub interval_hours: u32,
    #[serde(default)]
    pub note: Option<String>,
}

/// The office ends flood-season duty on a group of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DutyEnded {
    pub duty: DutyId,
    pub grid: GridCode,
    pub points: Vec<PointCode>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The record an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EntityRef {
    Hazard(HazardId),
    Check(CheckId),
    Accident(AccidentId),
    Task(TaskId),
    Meeting(MeetingId),
    Banquet(BanquetId),
    Promise(PromiseId),
    Duty(DutyId),
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
        AccidentImpactJudged = "accident_impact_judged", "认定事故社会影响", "Accident's social impact judged";
        TaskCreated = "task_created", "下达检查任务", "Task issued";
        TaskCheckRecorded = "task_check_recorded", "任务检查记录", "Task check recorded";
        MeetingRecorded = "meeting_recorded", "会议纪录", "Meeting recorded";
        BanquetFiled = "banquet_filed", "农村家宴备案", "Rural banquet filed";
        PromiseSigned = "promise_signed", "签订责任书/承诺书", "Promise signed";
        DutyStarted = "duty_started", "开启汛期值班", "Flood-season duty started";
        DutyEnded = "duty_ended", "解除汛期值班", "Flood-season duty ended";
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
            EventBody::AccidentImpactJudged(_) => EventKind::AccidentImpactJudged,
            EventBody::TaskCreated(_) => EventKind::TaskCreated,
            EventBody::TaskCheckRecorded(_) => EventKind::TaskCheckRecorded,
            EventBody::MeetingRecorded(_) => EventKind::MeetingRecorded,
            EventBody::BanquetFiled(_) => EventKind::BanquetFiled,
            EventBody::PromiseSigned(_) => EventKind::PromiseSigned,
            EventBody::DutyStarted(_) => EventKind::DutyStarted,
            EventBody::DutyEnded(_) => EventKind::DutyEnded,
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
            EventBody::AccidentImpactJudged(e) => EntityRef::Accident(e.accident),
            EventBody::TaskCreated(e) => EntityRef::Task(e.task),
            EventBody::TaskCheckRecorded(e) => EntityRef::Task(e.task),
            EventBody::MeetingRecorded(e) => EntityRef::Meeting(e.meeting),
            EventBody::BanquetFiled(e) => EntityRef::Banquet(e.banquet),
            EventBody::PromiseSigned(e) => EntityRef::Promise(e.promise),
            EventBody::DutyStarted(e) => EntityRef::Duty(e.duty),
            EventBody::DutyEnded(e) => EntityRef::Duty(e.duty),
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
            EventBody::TaskCreated(e) => Some(&e.grid),
            EventBody::TaskCheckRecorded(e) => Some(&e.grid),
            EventBody::MeetingRecorded(e) => Some(&e.grid),
            EventBody::BanquetFiled(e) => Some(&e.grid),
            EventBody::PromiseSigned(e) => Some(&e.grid),
            EventBody::DutyStarted(e) => Some(&e.grid),
            EventBody::DutyEnded(e) => Some(&e.grid),
            _ => None,
        }
    }

    /// Grids besides its own that an event concerns, so their devices pull
    /// it: a task reaches the grids of its targets, a duty switch the grids
    /// of its points (`point_grid` looks a point's grid up).
    pub fn reaches(&self, point_grid: impl Fn(&PointCode) -> Option<GridCode>) -> Vec<GridCode> {
        let mut out: Vec<GridCode> = Vec::new();
        let mut add = |g: Option<GridCode>| {
            if let Some(g) = g
                && !out.contains(&g)
            {
                out.push(g);
            }
        };
        match self {
            EventBody::TaskCreated(t) => {
                for target in &t.targets {
                    match target {
                        TaskTarget::Grid(g) => add(Some(g.clone())),
                        TaskTarget::Point(p) => add(point_grid(p)),
                    }
                }
            }
            EventBody::DutyStarted(d) => d.points.iter().for_each(|p| add(point_grid(p))),
            EventBody::DutyEnded(d) => d.points.iter().for_each(|p| add(point_grid(p))),
            _ => {}
        }
        out
    }

    /// The photos this event cites.
    pub fn photos(&self) -> &[PhotoHash] {
        match self {
            EventBody::HazardReported(e) => &e.photos,
            EventBody::RectificationSubmitted(e) => &e.photos,
            EventBody::CheckLogged(e) => &e.photos,
            EventBody::AccidentReported(e) => &e.photos,
            EventBody::TaskCheckRecorded(e) => &e.photos,
            EventBody::MeetingRecorded(e) => &e.photos,
            EventBody::BanquetFiled(e) => &e.photos,
            EventBody::PromiseSigned(e) => &e.photos,
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
            EventBody::TaskCheckRecorded(e) => e.location.as_ref(),
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
