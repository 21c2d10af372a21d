//! Applying one event inside a write transaction: the rules, the event row,
//! its photo references and reach, and the projections of its record.

use gridsafe_core::event::EntityRef;
use gridsafe_core::hazard::Superseded;
use gridsafe_core::task::TaskState;
use gridsafe_core::validate::{FieldError, Reason, Warning};
use gridsafe_core::{Event, EventBody, GridCode, StableKey};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::project::{project_record, refold_hazard, refold_task};
use super::{SqliteStore, backend, exec, json_col, now_text, one, parse_col};
use crate::calendar::local_day;
use crate::store::{AppendOutcome, Judge, Rejection, StoreError, StoreResult, full_disk};

impl SqliteStore {
    /// Stores server-made events in one transaction, each through the same
    /// rules and apply path as a push or an office action: for bulk loads
    /// (a county's history) that would spend their time in commits one by
    /// one. Refused events are answered in place, the rest commit together.
    pub fn append_batch(
        &self,
        events: &[Event],
        judge: &dyn Judge,
    ) -> StoreResult<Vec<Result<u64, Rejection>>> {
        self.write(|tx| {
            events
                .iter()
                .map(|ev| Ok(apply_event(tx, ev, judge)?.map(|(cursor, _, _)| cursor)))
                .collect()
        })
    }
}

/// An applied event: its cursor, whether the fold kept it without effect,
/// and the validation warnings.
type Applied = (u64, Option<Superseded>, Vec<Warning>);

/// Applies one event inside a write transaction: rules, event row, photo
/// references, and the state and counters of its record.
pub(super) fn apply_event(
    tx: &Transaction,
    ev: &Event,
    judge: &dyn Judge,
) -> StoreResult<Result<Applied, Rejection>> {
    let id = ev.id.to_string();
    let known: bool = tx
        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([&id], |_| Ok(())).optional())
        .map_err(backend)?
        .is_some();
    if known {
        return Ok(Err(Rejection::new(
            "duplicate_event",
            format!("event {id} is already stored under another sequence"),
        )));
    }
    let entity = ev.body.entity();
    let record_grid: Option<GridCode> = match (&ev.body, entity) {
        (EventBody::HazardReported(r), _) => Some(r.grid.clone()),
        (EventBody::AccidentImpactJudged(j), _) => stored_grid(
            tx,
            "SELECT grid_code FROM accidents WHERE id = ?1",
            &j.accident.to_string(),
        )?,
        (_, EntityRef::Hazard(h)) => {
            stored_grid(tx, "SELECT grid FROM hazards WHERE id = ?1", &h.to_string())?
        }
        _ => ev.body.grid().cloned(),
    };
    let warnings = match judge.judge(ev, record_grid.as_ref()) {
        Ok(w) => w,
        Err(r) => return Ok(Err(r)),
    };
    if let Some(r) = task_rule(tx, &ev.body)? {
        return Ok(Err(r));
    }
    let Some(grid) = record_grid else {
        return Ok(Err(Rejection::new(
            "unknown_record",
            "the record this event is about is not on the server",
        )));
    };
    let entity_id = match entity {
        EntityRef::Hazard(h) => h.to_string(),
        EntityRef::Check(c) => c.to_string(),
        EntityRef::Accident(a) => a.to_string(),
        EntityRef::Task(t) => t.to_string(),
        EntityRef::Meeting(m) => m.to_string(),
        EntityRef::Banquet(b) => b.to_string(),
        EntityRef::Promise(p) => p.to_string(),
        EntityRef::Duty(d) => d.to_string(),
    };
    let body = serde_json::to_string(ev).map_err(|e| StoreError::Backend(e.into()))?;
    exec(
        tx,
        "INSERT INTO events (id, kind, entity, grid, author, device, hlc, urgent, received_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            ev.kind().key(),
            entity_id,
            grid.as_str(),
            ev.author.as_str(),
            ev.device.to_string(),
            ev.hlc.sort_key(),
            ev.body.is_urgent(),
            now_text(),
            body
        ],
    )
    .map_err(backend)?;
    let cursor = tx.last_insert_rowid() as u64;
    for sha in ev.body.photos() {
        exec(
            tx,
            "INSERT OR IGNORE INTO photo_refs (sha, cursor, grid, device) VALUES (?1, ?2, ?3, ?4)",
            params![sha.as_str(), cursor, grid.as_str(), ev.device.to_string()],
        )
        .map_err(backend)?;
    }
    for reached in ev.body.reaches(|p| {
        tx.query_row(
            "SELECT grid FROM points WHERE code = ?1",
            [p.as_str()],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .and_then(|g| g.parse().ok())
    }) {
        if reached != grid {
            tx.execute(
                "INSERT OR IGNORE INTO event_reach (grid, cursor) VALUES (?1, ?2)",
                params![reached.as_str(), cursor],
            )
            .map_err(backend)?;
        }
    }
    if let EventBody::TaskCheckRecorded(c) = &ev.body {
        // A task is shared by its targets' grids: each of their phones sees
        // every check of it, so all show the same coverage.
        tx.execute(
            "INSERT OR IGNORE INTO event_reach (grid, cursor)
             SELECT DISTINCT grid_code, ?2 FROM task_targets WHERE task_id = ?1 AND grid_code != ?3",
            params![c.task.to_string(), cursor, grid.as_str()],
        )
        .map_err(backend)?;
    }
    project_record(tx, ev, &grid, cursor)?;
    let superseded = match (&ev.body, entity) {
        (_, EntityRef::Hazard(h)) => refold_hazard(tx, h, ev, cursor)?,
        (_, EntityRef::Task(t)) => {
            refold_task(tx, t, cursor)?;
            None
        }
        (EventBody::CheckLogged(c), _) => {
            tx.execute(
                "INSERT OR IGNORE INTO point_checks (point, grid_code, at_ms, cursor) VALUES (?1, ?2, ?3, ?4)",
                params![c.point.as_str(), grid.as_str(), ev.hlc.wall_ms as i64, cursor],
            )
            .map_err(backend)?;
            let day = local_day(ev.hlc.time()).to_string();
            exec(
                tx,
                "INSERT INTO check_counts (grid, day, verdict, n) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT DO UPDATE SET n = n + 1",
                params![grid.as_str(), day, c.verdict.key()],
            )
            .map_err(backend)?;
            // The latest check in clock order decides the point, whatever the arrival order.
            exec(
                tx,
                "INSERT INTO point_state (point, grid, hlc, check_id, verdict, at, by_user)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (point) DO UPDATE SET grid = excluded.grid, hlc = excluded.hlc,
                   check_id = excluded.check_id, verdict = excluded.verdict, at = excluded.at,
                   by_user = excluded.by_user
                 WHERE excluded.hlc > point_state.hlc",
                params![
                    c.point.as_str(),
                    grid.as_str(),
                    ev.hlc.sort_key(),
                    c.check.to_string(),
                    c.verdict.key(),
                    ev.hlc.time().to_rfc3339(),
                    ev.author.as_str()
                ],
            )
            .map_err(backend)?;
            None
        }
        _ => None,
    };
    Ok(Ok((cursor, superseded, warnings)))
}

/// The grid of a stored record, by a query of its one grid column.
fn stored_grid(tx: &Transaction, sql: &str, id: &str) -> StoreResult<Option<GridCode>> {
    one(tx, sql, [id], |r| parse_col::<GridCode>(r.get(0)?))
        .optional()
        .map_err(backend)
}

/// A task's check must name a task the server holds and one of its
/// targets; a task is issued once.
fn task_rule(tx: &Transaction, body: &EventBody) -> StoreResult<Option<Rejection>> {
    let (task, target) = match body {
        EventBody::TaskCheckRecorded(c) => (c.task, Some(&c.target)),
        EventBody::TaskCreated(t) => (t.task, None),
        _ => return Ok(None),
    };
    let state: Option<String> = tx
        .query_row(
            "SELECT state FROM tasks WHERE id = ?1",
            [task.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    Ok(match (state, target) {
        (Some(_), None) => Some(Rejection::new(
            "duplicate_record",
            format!("task {task} was already issued"),
        )),
        (None, None) => None,
        (None, Some(_)) => Some(Rejection::new(
            "unknown_record",
            format!("task {task} is not on the server"),
        )),
        (Some(state), Some(target)) => {
            let state: TaskState = json_col(&state).map_err(backend)?;
            (!state.has_target(target)).then(|| Rejection {
                code: "validation".into(),
                message: format!("target {} is not one of the task's targets", target.code()),
                fields: vec![FieldError {
                    field: "target".into(),
                    reason: Reason::NotWithin {
                        grid: format!("task {task}"),
                    },
                }],
            })
        }
    })
}

/// One event from the office, in its own transaction; with
/// `refuse_superseded`, an event the fold would keep without effect is
/// rolled back and reported instead.
pub(super) fn append(
    store: &SqliteStore,
    event: &Event,
    judge: &dyn Judge,
    refuse_superseded: bool,
) -> StoreResult<AppendOutcome> {
    let mut conn = store.writer.lock().unwrap_or_else(|p| p.into_inner());
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    match apply_event(&tx, event, judge)? {
        Err(r) => Ok(AppendOutcome::Rejected(r)),
        Ok((_, Some(reason), _)) if refuse_superseded => {
            tx.rollback().map_err(backend)?;
            Ok(AppendOutcome::WouldSupersede(reason))
        }
        Ok((cursor, superseded, _)) => {
            full_disk::injected_sqlite().map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(AppendOutcome::Accepted { cursor, superseded })
        }
    }
}
