//! Inspection tasks (检查任务) and the township's quarterly self-check
//! (季度自查).
//!
//! A task is issued once by the office and covered by the checks recorded
//! against its targets. Its state is a fold of those events: a target is
//! covered by its first check in clock order, the task is done once every
//! target is covered, and overdue when its due date has passed without that.
//! The fold runs the same on the phone and on the server.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::event::{Event, EventBody, TaskCreated, TaskTarget};
use crate::hazard::clock_order;
use crate::ids::{GridCode, HazardId, TaskId, Username};
use crate::keys::{ChecklistItem, ItemResult, Sector, TaskKind, TaskStatus};

/// Why a task's events do not fold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TaskFoldError {
    #[error("no task was issued with these events")]
    NotIssued,
    #[error("the events belong to more than one task")]
    MixedTasks,
}

/// One target of a task and how far its checks got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TargetState {
    pub target: TaskTarget,
    /// The first check against the target, in clock order.
    pub covered_at: Option<DateTime<Utc>>,
    pub covered_by: Option<Username>,
    pub checks: u32,
    /// Items found failing by any check of the target.
    pub failed: Vec<ChecklistItem>,
    /// Hazards reported from the target's checks.
    pub hazards: Vec<HazardId>,
}

/// A task as its events say it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TaskState {
    pub task: TaskId,
    pub kind: TaskKind,
    pub sector: Option<Sector>,
    pub title: String,
    pub grid: GridCode,
    pub due: NaiveDate,
    pub items: Vec<ChecklistItem>,
    pub note: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Username,
    pub targets: Vec<TargetState>,
    /// When the last target was covered, once all are.
    pub done_at: Option<DateTime<Utc>>,
}

impl TaskState {
    /// Open, done (every target covered) or overdue (past its due date and
    /// not done) on `today`.
    pub fn status(&self, today: NaiveDate) -> TaskStatus {
        task_status(self.done_at.is_some(), self.due, today)
    }

    pub fn covered(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| t.covered_at.is_some())
            .count()
    }

    /// Whether `target` is one of the task's targets.
    pub fn has_target(&self, target: &TaskTarget) -> bool {
        self.targets.iter().any(|t| &t.target == target)
    }
}

/// The task status rule, for callers that hold only a task's columns.
pub fn task_status(done: bool, due: NaiveDate, today: NaiveDate) -> TaskStatus {
    if done {
        TaskStatus::Done
    } else if today > due {
        TaskStatus::Overdue
    } else {
        TaskStatus::Open
    }
}

/// Folds a task's events (in any order, repeats allowed). Checks of targets
/// the task does not name are kept in the trail without effect.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<TaskState, TaskFoldError> {
    let mut evs: Vec<&Event> = events.into_iter().collect();
    evs.sort_by(|a, b| clock_order(a, b));
    evs.dedup_by_key(|e| e.id);
    let (issue, created): (&Event, &TaskCreated) = evs
        .iter()
        .find_map(|e| match &e.body {
            EventBody::TaskCreated(t) => Some((*e, t)),
            _ => None,
        })
        .ok_or(TaskFoldError::NotIssued)?;
    let mut state = TaskState {
        task: created.task,
        kind: created.kind,
        sector: created.sector,
        title: created.title.clone(),
        grid: created.grid.clone(),
        due: created.due,
        items: created.items.clone(),
        note: created.note.clone(),
        issued_at: issue.hlc.time(),
        issued_by: issue.author.clone(),
        targets: created
            .targets
            .iter()
            .map(|t| TargetState {
                target: t.clone(),
                covered_at: None,
                covered_by: None,
                checks: 0,
                failed: Vec::new(),
                hazards: Vec::new(),
            })
            .collect(),
        done_at: None,
    };
    for e in &evs {
        match &e.body {
            EventBody::TaskCreated(t) if t.task != state.task => {
                return Err(TaskFoldError::MixedTasks);
            }
            EventBody::TaskCheckRecorded(c) => {
                if c.task != state.task {
                    return Err(TaskFoldError::MixedTasks);
                }
                let Some(t) = state.targets.iter_mut().find(|t| t.target == c.target) else {
                    continue;
                };
                t.checks += 1;
                if t.covered_at.is_none() {
                    t.covered_at = Some(e.hlc.time());
                    t.covered_by = Some(e.author.clone());
                }
                for o in c.results.iter().filter(|o| o.result == ItemResult::Fail) {
                    if !t.failed.contains(&o.item) {
                        t.failed.push(o.item);
                    }
                }
                for h in &c.hazards {
                    if !t.hazards.contains(h) {
                        t.hazards.push(*h);
                    }
                }
            }
            _ => {}
        }
    }
    if state.targets.iter().all(|t| t.covered_at.is_some()) {
        state.done_at = state.targets.iter().filter_map(|t| t.covered_at).max();
    }
    Ok(state)
}

/// 季度自查: whether a grid did in a quarter what the responsibility letters
/// ask of it — the quarterly big check, at least one safety meeting, and the
/// checks of its monitoring points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuarterCoverage {
    /// A quarterly-check task with a target in the grid was covered there in the quarter.
    pub quarterly_check: bool,
    pub meetings: u32,
    pub points: u32,
    pub point_checks: u32,
    pub missed_point_checks: u32,
}

impl QuarterCoverage {
    /// Meetings a grid must hold each quarter ("每个季度...召开一次以上").
    pub const MEETINGS_REQUIRED: u32 = 1;

    pub fn complete(&self) -> bool {
        self.quarterly_check
            && self.meetings >= Self::MEETINGS_REQUIRED
            && self.missed_point_checks == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ItemOutcome, TaskCheckRecorded};
    use crate::hlc::Hlc;
    use crate::ids::{DeviceId, EventId};

    fn ev(wall_ms: u64, author: &str, body: EventBody) -> Event {
        Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: DeviceId::new(),
            },
            author: author.parse().unwrap(),
            device: DeviceId::new(),
            body,
        }
    }

    fn grid(c: &str) -> TaskTarget {
        TaskTarget::Grid(c.parse().unwrap())
    }

    fn issue(task: TaskId) -> Event {
        ev(
            1_000,
            "office",
            EventBody::TaskCreated(TaskCreated {
                task,
                kind: TaskKind::QuarterlyCheck,
                sector: None,
                title: "第二季度安全生产大检查".into(),
                grid: "T".parse().unwrap(),
                targets: vec![grid("V1"), grid("U1")],
                due: "2026-06-30".parse().unwrap(),
                items: vec![ChecklistItem::Qualification, ChecklistItem::GantryCrane],
                note: None,
            }),
        )
    }

    fn check(task: TaskId, wall_ms: u64, target: TaskTarget, fail: bool) -> Event {
        let g = target.code().parse().unwrap();
        ev(
            wall_ms,
            "zhang",
            EventBody::TaskCheckRecorded(TaskCheckRecorded {
                task,
                target,
                grid: g,
                results: vec![ItemOutcome {
                    item: ChecklistItem::GantryCrane,
                    result: if fail {
                        ItemResult::Fail
                    } else {
                        ItemResult::Pass
                    },
                }],
                hazards: if fail { vec![HazardId::new()] } else { vec![] },
                note: None,
                location: None,
                photos: vec![],
            }),
        )
    }

    #[test]
    fn done_when_every_target_is_covered_in_any_order() {
        let id = TaskId::new();
        let created = issue(id);
        let a = check(id, 3_000, grid("V1"), false);
        let b = check(id, 2_000, grid("U1"), true);
        let stray = check(id, 2_500, grid("V9"), false);
        let today: NaiveDate = "2026-05-01".parse().unwrap();

        let s = fold([&created, &a]).unwrap();
        assert_eq!(s.status(today), TaskStatus::Open);
        assert_eq!(s.covered(), 1);
        let s = fold([&b, &stray, &a, &created, &a]).unwrap();
        assert_eq!(s.status(today), TaskStatus::Done);
        assert_eq!(s.done_at, Some(a.hlc.time()));
        assert_eq!(s.targets[1].failed, vec![ChecklistItem::GantryCrane]);
        assert_eq!(s.targets[1].hazards.len(), 1);
        assert_eq!(s.targets[0].checks, 1);
    }

    #[test]
    fn overdue_after_the_due_date_unless_done() {
        let id = TaskId::new();
        let created = issue(id);
        let s = fold([&created]).unwrap();
        assert_eq!(s.status("2026-06-30".parse().unwrap()), TaskStatus::Open);
        assert_eq!(s.status("2026-07-01".parse().unwrap()), TaskStatus::Overdue);
        let s = fold([
            &created,
            &check(id, 2_000, grid("V1"), false),
            &check(id, 2_100, grid("U1"), false),
        ])
        .unwrap();
        assert_eq!(s.status("2026-07-01".parse().unwrap()), TaskStatus::Done);
    }

    #[test]
    fn checks_without_their_task_do_not_fold() {
        let id = TaskId::new();
        assert_eq!(
            fold([&check(id, 1, grid("V1"), false)]).unwrap_err(),
            TaskFoldError::NotIssued
        );
        assert_eq!(
            fold([&issue(id), &check(TaskId::new(), 1, grid("V1"), false)]).unwrap_err(),
            TaskFoldError::MixedTasks
        );
    }

    #[test]
    fn a_quarter_is_complete_with_check_meeting_and_points() {
        let mut c = QuarterCoverage {
            quarterly_check: true,
            meetings: 1,
            points: 2,
            point_checks: 30,
            missed_point_checks: 0,
        };
        assert!(c.complete());
        c.meetings = 0;
        assert!(!c.complete());
    }
}
