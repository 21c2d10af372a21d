//! The township records on the phone: inspection tasks pulled from the
//! office and the checks done against them, village meetings, rural
//! banquets, signed promises, accidents, and the flood-season duty of the
//! points in the device's grids.
//!
//! Recording goes through [`crate::record`] (photos, validation, outbox in
//! one transaction). Reading folds the stored events with the core's rules
//! (`gridsafe_core::task::fold`, `gridsafe_core::point::duty_of`), so the
//! phone shows what the server will.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use gridsafe_core::event::{EntityRef, Event, EventBody, EventKind, TaskTarget};
use gridsafe_core::point::{PointDuty, duty_of};
use gridsafe_core::task::{self, TaskState};
use gridsafe_core::{GridCode, PointCode, StableKey, TaskId, TaskStatus};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::DeviceError;
use crate::state::{EventSync, RecordSync, event_syncs, live_events, summarize};

/// Today as the town counts days (Beijing time).
pub fn local_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive()
}

fn ids(conn: &Connection, kind: &str) -> Result<Vec<String>, DeviceError> {
    let mut st = conn.prepare(
        "SELECT DISTINCT entity_id FROM events WHERE entity_kind = ?1 ORDER BY entity_id DESC",
    )?;
    let rows = st.query_map([kind], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn parse_task(id: &str) -> Result<TaskId, DeviceError> {
    id.parse()
        .map_err(|e: gridsafe_core::ids::IdError| DeviceError::Corrupt(e.to_string()))
}

/// A task as the phone shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: TaskState,
    pub status: TaskStatus,
    pub targets_total: usize,
    pub targets_covered: usize,
    /// Where this device's own checks of it stand with the server.
    pub sync: RecordSync,
    pub events: Vec<EventSync>,
}

/// One task, folded from what the device holds (`None` until it is pulled).
pub fn task(
    conn: &Connection,
    id: TaskId,
    today: NaiveDate,
) -> Result<Option<TaskView>, DeviceError> {
    let events = live_events(conn, EntityRef::Task(id))?;
    let Ok(state) = task::fold(&events) else {
        return Ok(None);
    };
    let own = event_syncs(conn, EntityRef::Task(id))?;
    Ok(Some(TaskView {
        status: state.status(today),
        targets_total: state.targets.len(),
        targets_covered: state.covered(),
        sync: summarize(&own),
        events: own,
        task: state,
    }))
}

/// The tasks of the device's grids: open and overdue ones first, then by due date.
pub fn tasks(conn: &Connection, today: NaiveDate) -> Result<Vec<TaskView>, DeviceError> {
    let mut out = Vec::new();
    for id in ids(conn, "task")? {
        if let Some(t) = task(conn, parse_task(&id)?, today)? {
            out.push(t);
        }
    }
    out.sort_by_key(|t| (t.status == TaskStatus::Done, t.task.due, t.task.task));
    Ok(out)
}

/// The target of `task` named by `code`: one of its grids or points.
pub fn target(state: &TaskState, code: &str) -> Option<TaskTarget> {
    state
        .targets
        .iter()
        .map(|t| &t.target)
        .find(|t| t.code() == code)
        .cloned()
}

/// A meeting, banquet, promise or accident as the phone lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: String,
    pub kind: EventKind,
    pub grid: GridCode,
    /// The day it happened (held, signed, occurred).
    pub day: NaiveDate,
    /// A line that names it: the topic, the host, the party, the place.
    pub title: String,
    pub photos: usize,
    pub sync: RecordSync,
    pub events: Vec<EventSync>,
    /// The event body `{type, data}`.
    pub body: EventBody,
}

/// Every meeting, banquet, promise and accident the device holds, newest first.
pub fn records(conn: &Connection) -> Result<Vec<RecordView>, DeviceError> {
    let mut st = conn.prepare(
        "SELECT e.body FROM events e LEFT JOIN outbox o ON o.event_id = e.event_id
         WHERE e.entity_kind IN ('meeting', 'banquet', 'promise', 'accident')
         ORDER BY e.hlc DESC",
    )?;
    let bodies = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for b in bodies {
        let ev: Event = serde_json::from_str(&b)?;
        let (id, grid, day, title) = match &ev.body {
            EventBody::MeetingRecorded(m) => (
                m.meeting.to_string(),
                m.grid.clone(),
                m.held_on,
                m.topic.clone(),
            ),
            EventBody::BanquetFiled(x) => (
                x.banquet.to_string(),
                x.grid.clone(),
                x.held_on,
                format!("{} · {}桌", x.host, x.tables),
            ),
            EventBody::PromiseSigned(p) => (
                p.promise.to_string(),
                p.grid.clone(),
                p.signed_on,
                format!("{} · {}", p.party, p.kind.label(gridsafe_core::Lang::ZhCn)),
            ),
            EventBody::AccidentReported(a) => (
                a.accident.to_string(),
                a.grid.clone(),
                local_today(a.occurred_at),
                a.place.clone(),
            ),
            _ => continue,
        };
        let events = event_syncs(conn, ev.body.entity())?;
        out.push(RecordView {
            id,
            kind: ev.kind(),
            grid,
            day,
            title,
            photos: ev.body.photos().len(),
            sync: summarize(&events),
            events,
            body: ev.body,
        });
    }
    Ok(out)
}

/// The flood-season duty of each point the device knows a switch for.
pub fn duties(conn: &Connection) -> Result<HashMap<PointCode, PointDuty>, DeviceError> {
    let mut st = conn.prepare("SELECT body FROM events WHERE entity_kind = 'duty'")?;
    let events = st
        .query_map(params![], |r| r.get::<_, String>(0))?
        .map(|b| Ok(serde_json::from_str::<Event>(&b?)?))
        .collect::<Result<Vec<_>, DeviceError>>()?;
    let mut points: Vec<PointCode> = Vec::new();
    for e in &events {
        if let EventBody::DutyStarted(d) = &e.body {
            points.extend(d.points.iter().cloned());
        }
    }
    points.sort();
    points.dedup();
    Ok(points
        .into_iter()
        .filter_map(|p| duty_of(&p, &events).map(|d| (p, d)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox;
    use crate::photo::PhotoLimits;
    use crate::record::{self, TaskCheckDraft};
    use crate::testing;
    use gridsafe_core::event::{DutyStarted, TaskCreated};
    use gridsafe_core::{DeviceId, DutyId, EventId, Hlc, TaskKind};

    fn pulled(store: &crate::store::Store, cursor: u64, body: EventBody) {
        let ev = Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms: 1_000 + cursor,
                counter: 0,
                node: DeviceId::new(),
            },
            author: "office".parse().unwrap(),
            device: DeviceId::new(),
            body,
        };
        outbox::store_event(store.conn(), &ev, false, Some(cursor)).unwrap();
    }

    #[test]
    fn a_pulled_task_is_listed_and_checked_offline() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let task = TaskId::new();
        pulled(
            &store,
            1,
            EventBody::TaskCreated(TaskCreated {
                task,
                kind: TaskKind::FloodSeasonCheck,
                sector: None,
                title: "汛期检查".into(),
                grid: "T".parse().unwrap(),
                targets: vec![
                    TaskTarget::Point("LS-1".parse().unwrap()),
                    TaskTarget::Grid("U1".parse().unwrap()),
                ],
                due: "2026-08-31".parse().unwrap(),
                items: vec![gridsafe_core::ChecklistItem::WarningSigns],
                note: None,
            }),
        );
        pulled(
            &store,
            2,
            EventBody::DutyStarted(DutyStarted {
                duty: DutyId::new(),
                grid: "V1".parse().unwrap(),
                points: vec!["LS-1".parse().unwrap()],
                interval_hours: 12,
                note: None,
            }),
        );
        let day: NaiveDate = "2026-08-01".parse().unwrap();
        let list = tasks(store.conn(), day).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].status, TaskStatus::Open);

        let draft = |target: &str| TaskCheckDraft {
            task,
            target: target.into(),
            results: vec!["warning_signs=fail".into()],
            hazards: vec![],
            note: None,
            location: None,
            photos: vec![],
        };
        let err = record::task_check(&mut store, draft("V9"), &PhotoLimits::default()).unwrap_err();
        assert!(
            err.to_string().contains("its targets are: LS-1, U1"),
            "{err}"
        );
        let r = record::task_check(&mut store, draft("LS-1"), &PhotoLimits::default()).unwrap();
        assert_eq!(r.id, task.to_string());
        let t = task_view(&store, task, day);
        assert_eq!(t.targets_covered, 1);
        assert_eq!(
            t.task.targets[0].failed,
            vec![gridsafe_core::ChecklistItem::WarningSigns]
        );
        assert_eq!(t.sync, RecordSync::Pending);
        record::task_check(&mut store, draft("U1"), &PhotoLimits::default()).unwrap();
        assert_eq!(task_view(&store, task, day).status, TaskStatus::Done);

        let duty = duties(store.conn()).unwrap();
        assert_eq!(
            duty[&"LS-1".parse::<PointCode>().unwrap()].interval_hours,
            12
        );
    }

    fn task_view(store: &crate::store::Store, id: TaskId, day: NaiveDate) -> TaskView {
        task(store.conn(), id, day).unwrap().unwrap()
    }
}
