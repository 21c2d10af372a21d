//! The projections kept beside the event log: each hazard's and task's
//! folded state, the free-text index, and the township records' rows.

use gridsafe_core::event::TaskTarget;
use gridsafe_core::hazard::{self, Superseded};
use gridsafe_core::task::{self};
use gridsafe_core::{Event, EventBody, GridCode, HazardId, StableKey, TaskId};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{backend, json_col};
use crate::calendar::local_day;
use crate::store::rollup::count_hazard;
use crate::store::{StoreError, StoreResult};

/// Keeps the one-row-per-record tables of the township records, and each
/// point's flood-season duty (the latest switch in clock order decides).
pub(super) fn project_record(
    tx: &Transaction,
    ev: &Event,
    grid: &GridCode,
    cursor: u64,
) -> StoreResult<()> {
    let author = ev.author.as_str();
    match &ev.body {
        EventBody::MeetingRecorded(m) => tx.execute(
            "INSERT OR IGNORE INTO meetings (id, grid_code, held_on, topic, attendees, author, cursor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                m.meeting.to_string(),
                grid.as_str(),
                m.held_on.to_string(),
                m.topic,
                m.attendees.len() as i64,
                author,
                cursor
            ],
        ),
        EventBody::BanquetFiled(b) => tx.execute(
            "INSERT OR IGNORE INTO banquets (id, grid_code, held_on, host, tables_count, samples_kept, author, cursor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                b.banquet.to_string(),
                grid.as_str(),
                b.held_on.to_string(),
                b.host,
                b.tables,
                b.samples_kept,
                author,
                cursor
            ],
        ),
        EventBody::PromiseSigned(p) => tx.execute(
            "INSERT OR IGNORE INTO promises (id, grid_code, kind, party, signed_on, author, cursor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                p.promise.to_string(),
                grid.as_str(),
                p.kind.key(),
                p.party,
                p.signed_on.to_string(),
                author,
                cursor
            ],
        ),
        EventBody::AccidentReported(a) => tx.execute(
            "INSERT OR IGNORE INTO accidents (id, grid_code, sector, occurred_at, occurred_day, deaths,
               injuries, place, author, cursor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                a.accident.to_string(),
                grid.as_str(),
                a.sector.key(),
                a.occurred_at.to_rfc3339(),
                local_day(a.occurred_at).to_string(),
                a.deaths,
                a.injuries,
                a.place,
                author,
                cursor
            ],
        ),
        // The latest judgement in clock order holds, whatever the arrival order.
        EventBody::AccidentImpactJudged(j) => tx.execute(
            "UPDATE accidents SET bad_social_impact = ?2, impact_hlc = ?3, impact_by = ?4,
               impact_at = ?5, impact_note = ?6
             WHERE id = ?1 AND (impact_hlc IS NULL OR impact_hlc < ?3)",
            params![
                j.accident.to_string(),
                j.bad_social_impact,
                ev.hlc.sort_key(),
                author,
                ev.hlc.time().to_rfc3339(),
                j.note
            ],
        ),
        EventBody::DutyStarted(_) | EventBody::DutyEnded(_) => {
            let (duty, points, hours) = match &ev.body {
                EventBody::DutyStarted(d) => (d.duty, &d.points, Some(d.interval_hours)),
                EventBody::DutyEnded(d) => (d.duty, &d.points, None),
                _ => unreachable!(),
            };
            for p in points {
                let point_grid: String = tx
                    .query_row("SELECT grid FROM points WHERE code = ?1", [p.as_str()], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(backend)?
                    .unwrap_or_else(|| grid.to_string());
                tx.execute(
                    "INSERT INTO point_duty (point, grid_code, hlc, duty_id, on_duty, interval_hours, since)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (point) DO UPDATE SET grid_code = excluded.grid_code, hlc = excluded.hlc,
                       duty_id = excluded.duty_id, on_duty = excluded.on_duty,
                       interval_hours = excluded.interval_hours, since = excluded.since
                     WHERE excluded.hlc > point_duty.hlc",
                    params![
                        p.as_str(),
                        point_grid,
                        ev.hlc.sort_key(),
                        duty.to_string(),
                        hours.is_some(),
                        hours,
                        ev.hlc.time().to_rfc3339()
                    ],
                )
                .map_err(backend)?;
            }
            Ok(0)
        }
        _ => Ok(0),
    }
    .map_err(backend)?;
    Ok(())
}

/// All stored events of one record, in the order they arrived.
fn entity_events(tx: &Transaction, id: &str) -> StoreResult<Vec<Event>> {
    let mut stmt = tx
        .prepare_cached("SELECT body FROM events WHERE entity = ?1")
        .map_err(backend)?;
    let rows = stmt
        .query_map([id], |r| json_col::<Event>(&r.get::<_, String>(0)?))
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// Re-folds a task from its stored events and rewrites its row and targets.
pub(super) fn refold_task(tx: &Transaction, t: TaskId, cursor: u64) -> StoreResult<()> {
    let id = t.to_string();
    let events = entity_events(tx, &id)?;
    let state = task::fold(&events).map_err(|e| StoreError::Backend(e.into()))?;
    tx.execute(
        "INSERT OR REPLACE INTO tasks (id, kind, grid_code, sector, title, due_date, status, created_at,
           created_day, done_at, last_cursor, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            state.kind.key(),
            state.grid.as_str(),
            state.sector.map(|s| s.key()),
            state.title,
            state.due.to_string(),
            if state.done_at.is_some() { "done" } else { "open" },
            state.issued_at.to_rfc3339(),
            local_day(state.issued_at).to_string(),
            state.done_at.map(|d| d.to_rfc3339()),
            cursor,
            serde_json::to_string(&state).map_err(|e| StoreError::Backend(e.into()))?
        ],
    )
    .map_err(backend)?;
    tx.execute("DELETE FROM task_targets WHERE task_id = ?1", [&id])
        .map_err(backend)?;
    for t in &state.targets {
        let (kind, target_grid): (&str, String) = match &t.target {
            TaskTarget::Grid(g) => ("grid", g.to_string()),
            TaskTarget::Point(p) => (
                "point",
                tx.query_row(
                    "SELECT grid FROM points WHERE code = ?1",
                    [p.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?
                .unwrap_or_else(|| state.grid.to_string()),
            ),
        };
        tx.execute(
            "INSERT INTO task_targets (task_id, target_code, target_kind, grid_code, covered_at,
               covered_by, checks, failed_items)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                t.target.code(),
                kind,
                target_grid,
                t.covered_at.map(|d| d.to_rfc3339()),
                t.covered_by.as_ref().map(|u| u.as_str()),
                t.checks,
                t.failed.len() as i64
            ],
        )
        .map_err(backend)?;
    }
    Ok(())
}

/// Re-folds a hazard from all its stored events (the new one may carry an
/// earlier stamp than events already applied) and moves its counters from
/// the old state's cell to the new one's.
pub(super) fn refold_hazard(
    tx: &Transaction,
    h: HazardId,
    new: &Event,
    cursor: u64,
) -> StoreResult<Option<Superseded>> {
    let id = h.to_string();
    type OldRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    );
    let old: Option<OldRow> = tx
        .prepare_cached(
            "SELECT grid, reported_day, status, level, sector, description, place
             FROM hazards WHERE id = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_row([&id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()
        })
        .map_err(backend)?;
    // A hazard with no state yet has no other events either (those are
    // refused until its report is in): its only event is the new one, so
    // the usual case of a fresh report reads nothing back.
    let events: Vec<Event> = if old.is_none() {
        vec![new.clone()]
    } else {
        entity_events(tx, &id)?
    };
    let state = hazard::fold(&events).map_err(|e| StoreError::Backend(e.into()))?;
    let day = local_day(state.reported_at).to_string();
    let cell = (
        state.grid.as_str(),
        day.as_str(),
        state.status.key(),
        state.level.key(),
        state.sector.key(),
    );
    let old_cell = old.as_ref().map(|o| {
        (
            o.0.as_str(),
            o.1.as_str(),
            o.2.as_str(),
            o.3.as_str(),
            o.4.as_str(),
        )
    });
    if old_cell != Some(cell) {
        if let Some(o) = old_cell {
            count_hazard(tx, o, -1)?;
        }
        count_hazard(tx, cell, 1)?;
    }
    let state_json = serde_json::to_string(&state).map_err(|e| StoreError::Backend(e.into()))?;
    // An upsert, not a replace: the row keeps its rowid, which keys the
    // free-text index.
    let rowid: i64 = tx
        .prepare_cached(
            "INSERT INTO hazards (id, grid, status, level, sector, listed, deadline, reported_ms,
               reported_day, description, place, last_cursor, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET grid = excluded.grid, status = excluded.status,
               level = excluded.level, sector = excluded.sector, listed = excluded.listed,
               deadline = excluded.deadline, reported_ms = excluded.reported_ms,
               reported_day = excluded.reported_day, description = excluded.description,
               place = excluded.place, last_cursor = excluded.last_cursor, state = excluded.state
             RETURNING rowid",
        )
        .and_then(|mut stmt| {
            stmt.query_row(
                params![
                    id,
                    state.grid.as_str(),
                    state.status.key(),
                    state.level.key(),
                    state.sector.key(),
                    state.listed.is_some(),
                    state.deadline().map(|d| d.to_string()),
                    state.reported_at.timestamp_millis(),
                    day,
                    state.description,
                    state.place,
                    cursor,
                    state_json
                ],
                |r| r.get(0),
            )
        })
        .map_err(backend)?;
    let text_changed = old
        .as_ref()
        .is_none_or(|o| o.5 != state.description || o.6 != state.place);
    if text_changed {
        if old.is_some() {
            tx.prepare_cached("DELETE FROM hazards_fts WHERE rowid = ?1")
                .and_then(|mut stmt| stmt.execute([rowid]))
                .map_err(backend)?;
        }
        tx.prepare_cached(
            "INSERT INTO hazards_fts (rowid, description, place) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                rowid,
                state.description,
                state.place.as_deref().unwrap_or("")
            ])
        })
        .map_err(backend)?;
    }
    Ok(state
        .superseded
        .iter()
        .find(|s| s.event == new.id)
        .map(|s| s.reason))
}
