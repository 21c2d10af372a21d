//! The SQLite backend: one file, WAL, one writer and a pool of readers.
//!
//! Every write runs under `BEGIN IMMEDIATE` on the single writer connection,
//! so writers queue on a mutex instead of failing with SQLITE_BUSY, and a
//! push (sequence bookkeeping, events, state, counters) commits as one
//! transaction. Readers use their own connections and see a consistent
//! snapshot while the writer works. `synchronous=FULL`: an acknowledged push
//! survives a power cut, not just a crash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::event::EntityRef;
use gridsafe_core::event::TaskTarget;
use gridsafe_core::hazard::{self, HazardState, Superseded};
use gridsafe_core::point::PointDuty;
use gridsafe_core::point::{LastCheck, MonitoringPoint};
use gridsafe_core::task::{self, TaskState};
use gridsafe_core::validate::{FieldError, Reason, Warning};
use gridsafe_core::wire::{PulledEvent, PushResponse, PushResult, PushVerdict};
use gridsafe_core::{
    DeviceId, Event, EventBody, GridCode, GridNode, HazardId, Hlc, PhotoHash, StableKey, TaskId,
    Username,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::rollup::{count_hazard, rollup_rows};
use super::{
    AppendOutcome, DeviceRecord, HazardCell, HazardQuery, HazardSort, HazardTotal, Incoming, Judge,
    PeriodCounts, PeriodRecords, PointStatus, PushOutcome, RecordKind, Rejection, Store,
    StoreError, StoreResult, StoredPullPage, TokenRecord, TrailEvent, UserRecord, full_disk,
    migrations, records,
};
use crate::calendar::local_day;

/// Readers kept open between requests.
const READER_POOL: usize = 8;

/// A list total that the counters cannot answer is counted on the rows up
/// to this many, and reported as "at least" beyond.
pub const COUNT_BOUND: u64 = 10_000;

/// Up to this many matching hazards, a page in time order is found through
/// the filters' indexes and sorted; above, by walking the time index.
const FEW_ROWS: u64 = 5_000;
/// Free text inside a scope walks the scope's grid index instead of the
/// phrase's rows when the scope holds fewer than this many hazards per
/// row of the phrase (an index entry against a row read, as measured at a
/// million hazards: a town of 50,000 with a phrase of 36,000 rows).
const GRID_WALK_RATIO: u64 = 8;

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.into())
}

fn bad_data(what: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        what.to_string().into(),
    )
}

fn parse_col<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(bad_data)
}

fn json_col<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(bad_data)
}

fn time_col(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.map(parse_col::<DateTime<Utc>>).transpose()
}

/// Runs a statement through the connection's statement cache: the ingest
/// path runs the same few statements for every event.
fn exec(tx: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
}

fn now_text() -> String {
    Utc::now().to_rfc3339()
}

/// A list of codes as one JSON parameter, read back with `json_each`: one
/// bound value however many grids a scope holds.
fn codes_json(grids: &[GridCode]) -> String {
    serde_json::to_string(&grids.iter().map(|g| g.as_str()).collect::<Vec<_>>())
        .expect("strings serialise")
}

impl SqliteStore {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut writer = Self::connect(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        migrations::migrate(&mut writer).context("migrating the database")?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn connect(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(conn)
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let conn = self.readers.lock().expect("reader pool").pop();
        let conn = match conn {
            Some(c) => c,
            None => Self::connect(&self.path).map_err(backend)?,
        };
        let out = f(&conn).map_err(backend);
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < READER_POOL {
            pool.push(conn);
        }
        out
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = f(&tx)?;
        full_disk::injected_sqlite().map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }

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

    /// Trades durability for speed on the writer, for a bulk load into a
    /// database that is thrown away if the load fails (`gridsafe-load
    /// fill`): no fsync at commit, and a page cache of `cache_mib` so that
    /// the indexes of a growing county stay in memory. Never for serving.
    pub fn bulk_load(&self, cache_mib: u32) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.pragma_update(None, "synchronous", "OFF")
            .and_then(|_| conn.pragma_update(None, "cache_size", -1024 * i64::from(cache_mib)))
            .map_err(backend)
    }

    /// Refreshes the query planner's statistics (after a bulk load).
    pub fn optimize(&self) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute_batch("ANALYZE; PRAGMA optimize;")
            .map_err(backend)
    }

    fn bump_catalog(tx: &Transaction) -> rusqlite::Result<()> {
        tx.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'catalog_rev'",
            [],
        )?;
        Ok(())
    }
}

/// [`exec`] for a query of one row.
fn one<T>(
    tx: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    tx.prepare_cached(sql)?.query_row(p, f)
}

/// An applied event: its cursor, whether the fold kept it without effect,
/// and the validation warnings.
type Applied = (u64, Option<Superseded>, Vec<Warning>);

/// Applies one event inside a write transaction: rules, event row, photo
/// references, and the state and counters of its record.
fn apply_event(
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
        (EventBody::AccidentImpactJudged(j), _) => one(
            tx,
            "SELECT grid_code FROM accidents WHERE id = ?1",
            [j.accident.to_string()],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(backend)?
        .map(|g| {
            g.parse()
                .map_err(|e| StoreError::Backend(anyhow::anyhow!("{e}")))
        })
        .transpose()?,
        (_, EntityRef::Hazard(h)) => one(
            tx,
            "SELECT grid FROM hazards WHERE id = ?1",
            [h.to_string()],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(backend)?
        .map(|g| {
            g.parse()
                .map_err(|e| StoreError::Backend(anyhow::anyhow!("{e}")))
        })
        .transpose()?,
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

/// Keeps the one-row-per-record tables of the township records, and each
/// point's flood-season duty (the latest switch in clock order decides).
fn project_record(tx: &Transaction, ev: &Event, grid: &GridCode, cursor: u64) -> StoreResult<()> {
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

/// Re-folds a task from its stored events and rewrites its row and targets.
fn refold_task(tx: &Transaction, t: TaskId, cursor: u64) -> StoreResult<()> {
    let id = t.to_string();
    let events: Vec<Event> = {
        let mut stmt = tx
            .prepare_cached("SELECT body FROM events WHERE entity = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([&id], |r| json_col::<Event>(&r.get::<_, String>(0)?))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
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
fn refold_hazard(
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
        let mut stmt = tx
            .prepare_cached("SELECT body FROM events WHERE entity = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([&id], |r| json_col::<Event>(&r.get::<_, String>(0)?))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
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

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        name: parse_col(r.get(0)?)?,
        role: parse_col(r.get(1)?)?,
        grids: json_col(&r.get::<_, String>(2)?)?,
        password_hash: r.get(3)?,
    })
}

fn device_row(r: &rusqlite::Row) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        id: parse_col(r.get(0)?)?,
        user: parse_col(r.get(1)?)?,
        name: r.get(2)?,
        created_at: parse_col(r.get(3)?)?,
        last_seen: time_col(r.get(4)?)?,
        last_sync: time_col(r.get(5)?)?,
        last_seq: r.get::<_, i64>(6)? as u64,
        revoked_at: time_col(r.get(7)?)?,
    })
}

const DEVICE_COLS: &str = "id, user, name, created_at, last_seen, last_sync, last_seq, revoked_at";

impl Store for SqliteStore {
    fn grids(&self) -> StoreResult<Vec<GridNode>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT code, name, parent, level, responsible FROM grids ORDER BY code",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(GridNode {
                    code: parse_col(r.get(0)?)?,
                    name: r.get(1)?,
                    parent: r.get::<_, Option<String>>(2)?.map(parse_col).transpose()?,
                    level: parse_col(r.get(3)?)?,
                    responsible: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    fn points(&self) -> StoreResult<Vec<MonitoringPoint>> {
        Ok(self
            .point_statuses(None)?
            .into_iter()
            .map(|p| p.point)
            .collect())
    }

    fn upsert_grids(&self, nodes: &[GridNode]) -> StoreResult<()> {
        self.write(|tx| {
            // A new grid, or one moved under another parent, changes whose
            // subtree counts which hazards.
            let mut moved = false;
            for n in nodes {
                let parent: Option<Option<String>> = tx
                    .query_row(
                        "SELECT parent FROM grids WHERE code = ?1",
                        [n.code.as_str()],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                moved |= parent != Some(n.parent.as_ref().map(|p| p.to_string()));
                tx.execute(
                    "INSERT OR REPLACE INTO grids (code, name, parent, level, responsible) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        n.code.as_str(),
                        n.name,
                        n.parent.as_ref().map(|p| p.as_str()),
                        n.level.key(),
                        n.responsible
                    ],
                )
                .map_err(backend)?;
            }
            if moved {
                tx.execute_batch(migrations::ROLLUP_REBUILD)
                    .map_err(backend)?;
            }
            Self::bump_catalog(tx).map_err(backend)
        })
    }

    fn upsert_points(&self, points: &[MonitoringPoint]) -> StoreResult<()> {
        self.write(|tx| {
            for p in points {
                tx.execute(
                    "INSERT OR REPLACE INTO points (code, name, kind, grid, lat, lon, monitor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        p.code.as_str(),
                        p.name,
                        p.kind.key(),
                        p.grid.as_str(),
                        p.lat,
                        p.lon,
                        p.monitor
                    ],
                )
                .map_err(backend)?;
            }
            Self::bump_catalog(tx).map_err(backend)
        })
    }

    fn catalog_rev(&self) -> StoreResult<u64> {
        self.read(|c| {
            c.prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'catalog_rev'")?
                .query_row([], |r| r.get::<_, i64>(0))
                .map(|v| v as u64)
        })
    }

    fn add_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.write(|tx| {
            let grids = codes_json(&user.grids);
            tx.execute(
                "INSERT INTO users (name, role, grids, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, grids = excluded.grids,
                   password_hash = excluded.password_hash",
                params![user.name.as_str(), user.role.key(), grids, user.password_hash, now_text()],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn user(&self, name: &Username) -> StoreResult<Option<UserRecord>> {
        self.read(|c| {
            c.query_row(
                "SELECT name, role, grids, password_hash FROM users WHERE name = ?1",
                [name.as_str()],
                user_row,
            )
            .optional()
        })
    }

    fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT name, role, grids, password_hash FROM users ORDER BY name")?;
            let rows = stmt.query_map([], user_row)?;
            rows.collect()
        })
    }

    fn enrol_device(&self, id: DeviceId, user: &Username, name: Option<&str>) -> StoreResult<bool> {
        self.write(|tx| {
            let revoked: Option<Option<String>> = tx
                .query_row(
                    "SELECT revoked_at FROM devices WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            match revoked {
                Some(Some(_)) => Ok(false),
                Some(None) => {
                    tx.execute(
                        "UPDATE devices SET user = ?2, name = coalesce(?3, name), last_seen = ?4 WHERE id = ?1",
                        params![id.to_string(), user.as_str(), name, now_text()],
                    )
                    .map_err(backend)?;
                    Ok(true)
                }
                None => {
                    tx.execute(
                        "INSERT INTO devices (id, user, name, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![id.to_string(), user.as_str(), name, now_text()],
                    )
                    .map_err(backend)?;
                    Ok(true)
                }
            }
        })
    }

    fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [id.to_string()],
                device_row,
            )
            .optional()
        })
    }

    fn devices(&self) -> StoreResult<Vec<DeviceRecord>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLS} FROM devices ORDER BY user, created_at"
            ))?;
            let rows = stmt.query_map([], device_row)?;
            rows.collect()
        })
    }

    fn revoke_device(&self, id: DeviceId) -> StoreResult<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                    params![id.to_string(), now_text()],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
    }

    fn add_token(
        &self,
        token_hash: &str,
        user: &Username,
        device: DeviceId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tokens (hash, user, device, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user.as_str(), device.to_string(), now_text(), expires_at.to_rfc3339()],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT t.user, u.role, u.grids, t.device, t.expires_at, d.revoked_at
                 FROM tokens t JOIN users u ON u.name = t.user JOIN devices d ON d.id = t.device
                 WHERE t.hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok(TokenRecord {
                    user: parse_col(r.get(0)?)?,
                    role: parse_col(r.get(1)?)?,
                    grids: json_col(&r.get::<_, String>(2)?)?,
                    device: parse_col(r.get(3)?)?,
                    expires_at: parse_col(r.get(4)?)?,
                    revoked: r.get::<_, Option<String>>(5)?.is_some(),
                })
            })
            .optional()
        })
    }

    fn remove_token(&self, token_hash: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM tokens WHERE hash = ?1", [token_hash])
                .map_err(backend)?;
            Ok(())
        })
    }

    fn inbox_mark(&self, user: &Username) -> StoreResult<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT up_to FROM inbox_marks WHERE user = ?1",
                [user.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as u64)
        })
    }

    fn inbox_acks(&self, user: &Username) -> StoreResult<Vec<u64>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT a.cursor FROM inbox_acks a
                 WHERE a.user = ?1 AND a.cursor > coalesce((SELECT up_to FROM inbox_marks m WHERE m.user = ?1), 0)
                 ORDER BY a.cursor",
            )?;
            stmt.query_map([user.as_str()], |r| r.get::<_, i64>(0).map(|v| v as u64))?
                .collect()
        })
    }

    fn ack_inbox(&self, user: &Username, cursors: &[u64]) -> StoreResult<()> {
        self.write(|tx| {
            let now = now_text();
            for c in cursors {
                tx.execute(
                    "INSERT INTO inbox_acks (user, cursor, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    params![user.as_str(), *c as i64, now],
                )
                .map_err(backend)?;
            }
            Ok(())
        })
    }

    fn ack_inbox_up_to(&self, user: &Username, cursor: u64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO inbox_marks (user, up_to) VALUES (?1, ?2)
                 ON CONFLICT (user) DO UPDATE SET up_to = max(up_to, excluded.up_to)",
                params![user.as_str(), cursor as i64],
            )
            .map_err(backend)?;
            // Single acknowledgements under the mark say nothing more.
            tx.execute(
                "DELETE FROM inbox_acks WHERE user = ?1 AND cursor <= ?2",
                params![user.as_str(), cursor as i64],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn touch_device(&self, id: DeviceId, synced: bool) -> StoreResult<()> {
        self.write(|tx| {
            let now = now_text();
            tx.execute(
                "UPDATE devices SET last_seen = ?2, last_sync = CASE WHEN ?3 THEN ?2 ELSE last_sync END WHERE id = ?1",
                params![id.to_string(), now, synced],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn push(
        &self,
        device: DeviceId,
        items: Vec<Incoming>,
        judge: &dyn Judge,
    ) -> StoreResult<PushOutcome> {
        let dev = device.to_string();
        self.write(|tx| {
            let last_seq: u64 = one(
                tx,"SELECT last_seq FROM devices WHERE id = ?1", [&dev], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
                .map_err(backend)?
                .unwrap_or(0) as u64;
            if let Some(first_new) = items.iter().find(|i| i.seq > last_seq)
                && first_new.seq != last_seq + 1
            {
                return Ok(PushOutcome::Gap {
                    expected: last_seq + 1,
                });
            }
            let mut taken = last_seq;
            let mut results = Vec::with_capacity(items.len());
            for item in items {
                if item.seq <= last_seq {
                    let saved: Option<(String, String)> = one(
                            tx,
                            "SELECT payload_hash, result FROM pushes WHERE device = ?1 AND seq = ?2",
                            params![dev, item.seq as i64],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()
                        .map_err(backend)?;
                    let result = match saved {
                        Some((hash, result)) if hash == item.payload_hash => {
                            json_col::<PushResult>(&result).map_err(backend)?
                        }
                        _ => PushResult {
                            seq: item.seq,
                            event: item.event_id,
                            verdict: Rejection::new(
                                "sequence_reused",
                                format!(
                                    "sequence {} already holds a different event; a device must never reuse a sequence number",
                                    item.seq
                                ),
                            )
                            .into_verdict(),
                        },
                    };
                    results.push(result);
                    continue;
                }
                let verdict = match item.parsed {
                    Err(r) => r.into_verdict(),
                    Ok(ev) => match apply_event(tx, &ev, judge)? {
                        Ok((cursor, superseded, warnings)) => PushVerdict::Accepted {
                            cursor,
                            superseded,
                            warnings,
                        },
                        Err(r) => r.into_verdict(),
                    },
                };
                let result = PushResult {
                    seq: item.seq,
                    event: item.event_id,
                    verdict,
                };
                exec(
                    tx,
                    "INSERT INTO pushes (device, seq, event_id, payload_hash, result) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        dev,
                        item.seq as i64,
                        item.event_id.to_string(),
                        item.payload_hash,
                        serde_json::to_string(&result).map_err(|e| StoreError::Backend(e.into()))?
                    ],
                )
                .map_err(backend)?;
                taken = item.seq;
                results.push(result);
            }
            exec(
        tx,
                "UPDATE devices SET last_seq = ?2, last_sync = ?3, last_seen = ?3 WHERE id = ?1",
                params![dev, taken as i64, now_text()],
            )
            .map_err(backend)?;
            let missing_photos = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT DISTINCT r.sha FROM photo_refs r WHERE r.device = ?1
                         AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha = r.sha) ORDER BY r.sha",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map([&dev], |r| parse_col::<PhotoHash>(r.get(0)?))
                    .map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(backend)?
            };
            Ok(PushOutcome::Done(PushResponse {
                taken_through: taken,
                results,
                missing_photos,
            }))
        })
    }

    fn append(
        &self,
        event: &Event,
        judge: &dyn Judge,
        refuse_superseded: bool,
    ) -> StoreResult<AppendOutcome> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
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

    fn pull(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<StoredPullPage> {
        let scope = grids.map(codes_json);
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut stmt = tx.prepare_cached(
                "SELECT cursor, body FROM events WHERE cursor > ?1
                 AND (?2 IS NULL OR grid IN (SELECT value FROM json_each(?2))
                      OR cursor IN (SELECT r.cursor FROM event_reach r
                                    WHERE r.grid IN (SELECT value FROM json_each(?2)) AND r.cursor > ?1))
                 ORDER BY cursor LIMIT ?3",
            )?;
            let mut events = stmt
                .query_map(params![since as i64, scope, (limit + 1) as i64], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let more = events.len() as u64 > limit;
            events.truncate(limit as usize);
            let next = if more {
                events.last().map_or(since, |e| e.0)
            } else {
                // Nothing more in scope: skip past events outside it too.
                let max: Option<i64> =
                    tx.query_row("SELECT max(cursor) FROM events", [], |r| r.get(0))?;
                since.max(max.unwrap_or(0) as u64)
            };
            drop(stmt);
            tx.finish()?;
            Ok(StoredPullPage { events, next, more })
        })
    }

    fn urgent(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<Vec<PulledEvent>> {
        let scope = grids.map(codes_json);
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT cursor, body FROM events WHERE urgent = 1 AND cursor > ?1
                 AND (?2 IS NULL OR grid IN (SELECT value FROM json_each(?2)))
                 ORDER BY cursor DESC LIMIT ?3",
            )?;
            stmt.query_map(params![since as i64, scope, limit as i64], |r| {
                Ok(PulledEvent {
                    cursor: r.get::<_, i64>(0)? as u64,
                    event: json_col(&r.get::<_, String>(1)?)?,
                })
            })?
            .collect()
        })
    }

    fn last_hlc(&self) -> StoreResult<Option<Hlc>> {
        self.read(|c| {
            let body: Option<String> = c
                .query_row(
                    "SELECT body FROM events ORDER BY hlc DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            body.map(|b| json_col::<Event>(&b).map(|e| e.hlc))
                .transpose()
        })
    }

    fn hazard(&self, id: HazardId) -> StoreResult<Option<(HazardState, Vec<TrailEvent>)>> {
        self.read(|c| {
            let state: Option<String> = c
                .query_row(
                    "SELECT state FROM hazards WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(state) = state else { return Ok(None) };
            let state: HazardState = json_col(&state)?;
            let mut stmt =
                c.prepare_cached("SELECT cursor, received_at, body FROM events WHERE entity = ?1")?;
            let mut trail = stmt
                .query_map([id.to_string()], |r| {
                    Ok(TrailEvent {
                        cursor: r.get::<_, i64>(0)? as u64,
                        received_at: parse_col(r.get(1)?)?,
                        event: json_col(&r.get::<_, String>(2)?)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            trail.sort_by(|a, b| hazard::clock_order(&a.event, &b.event));
            Ok(Some((state, trail)))
        })
    }

    fn hazards_json(&self, q: &HazardQuery) -> StoreResult<(HazardTotal, Vec<String>)> {
        // The filters the per-grid counters can answer, as SQL over both
        // `hazards` (day column `reported_day`) and `hazard_counts` (`day`).
        let mut counted: Vec<String> = Vec::new();
        let mut counted_args: Vec<SqlValue> = Vec::new();
        // The rest, which only the rows can answer.
        let mut other: Vec<&str> = Vec::new();
        let mut other_args: Vec<SqlValue> = Vec::new();
        // Of those, the ones on a counter's cell (status, level, sector).
        let mut cell: Vec<String> = Vec::new();
        let mut cell_args: Vec<SqlValue> = Vec::new();
        if !q.status.is_empty() {
            cell.push("status IN (SELECT value FROM json_each(?))".into());
            let keys: Vec<&str> = q.status.iter().map(|s| s.key()).collect();
            cell_args.push(SqlValue::Text(
                serde_json::to_string(&keys).expect("strings"),
            ));
        }
        if let Some(l) = q.level {
            cell.push("level = ?".into());
            cell_args.push(SqlValue::Text(l.key().into()));
        }
        if let Some(s) = q.sector {
            cell.push("sector = ?".into());
            cell_args.push(SqlValue::Text(s.key().into()));
        }
        if let Some(g) = &q.grids {
            counted.push("grid IN (SELECT value FROM json_each(?))".into());
            counted_args.push(SqlValue::Text(codes_json(g)));
        }
        counted.extend(cell.iter().cloned());
        counted_args.extend(cell_args.iter().cloned());
        if let Some(from) = q.from {
            counted.push("{day} >= ?".into());
            counted_args.push(SqlValue::Text(from.to_string()));
        }
        if let Some(to) = q.to {
            counted.push("{day} <= ?".into());
            counted_args.push(SqlValue::Text(to.to_string()));
        }
        if let Some(day) = q.overdue_on {
            // Written as `hazards_overdue`'s condition, so that the index of
            // the open hazards by deadline can be used.
            other.push("status IN ('confirmed', 'rectifying') AND deadline < ?");
            other_args.push(SqlValue::Text(day.to_string()));
        }
        if let Some(listed) = q.listed {
            other.push("listed = ?");
            other_args.push(SqlValue::Integer(listed as i64));
        }
        let mut text_indexed = false;
        let mut short_text = false;
        // The phrase, when free text is the one filter besides the grids.
        let mut text_in_scope: Option<String> = None;
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if text.chars().count() >= 3 {
                text_indexed = true;
                // The trigram index finds any substring of three characters
                // or more; a phrase query keeps the text whole.
                other.push("rowid IN (SELECT rowid FROM hazards_fts WHERE hazards_fts MATCH ?)");
                let phrase = format!("\"{}\"", text.replace('"', "\"\""));
                if q.grids.is_some() && counted.len() == 1 && other.len() == 1 {
                    text_in_scope = Some(phrase.clone());
                }
                other_args.push(SqlValue::Text(phrase));
            } else {
                // Shorter than a trigram: a substring test on the rows.
                short_text = true;
                if text.bytes().any(|b| b.is_ascii_alphabetic()) {
                    // `LIKE` ignores the case of Latin letters.
                    other.push(
                        "(description LIKE ? ESCAPE '\\' OR coalesce(place, '') LIKE ? ESCAPE '\\')",
                    );
                    let escaped = text
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    let pattern = format!("%{escaped}%");
                    other_args.push(SqlValue::Text(pattern.clone()));
                    other_args.push(SqlValue::Text(pattern));
                } else {
                    // Without letters to fold (钢瓶), the plain substring
                    // search is the same test and a fifth cheaper.
                    other.push("(instr(description, ?) > 0 OR instr(place, ?) > 0)");
                    other_args.push(SqlValue::Text(text.to_owned()));
                    other_args.push(SqlValue::Text(text.to_owned()));
                }
            }
        }
        let counted_on = |day: &str| -> String {
            if counted.is_empty() {
                "1 = 1".into()
            } else {
                counted.join(" AND ").replace("{day}", day)
            }
        };
        let mut filter = counted_on("reported_day");
        for o in &other {
            filter.push_str(" AND ");
            filter.push_str(o);
        }
        let mut args = counted_args.clone();
        args.extend(other_args.iter().cloned());
        let order = match q.sort {
            HazardSort::ReportedDesc => "reported_ms DESC, id",
            HazardSort::ReportedAsc => "reported_ms, id",
            HazardSort::DeadlineAsc => "deadline IS NULL, deadline, reported_ms DESC, id",
            HazardSort::DeadlineDesc => "deadline IS NULL, deadline DESC, reported_ms DESC, id",
        };
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            // The total: from the subtree counters of the scope's top grids
            // (a few hundred rows, no hazard row read); with a filter the
            // counters cannot answer, on the rows up to a bound.
            let counters_total = |tx: &Connection| -> rusqlite::Result<u64> {
                let n: i64 = if q.roots.is_some() || q.grids.is_none() {
                    // The subtree counters of the top grids of the scope (the
                    // whole tree's roots without one), filtered on status,
                    // level and sector, over the days asked.
                    let mut cond = vec![
                        match &q.roots {
                            Some(_) => "ancestor IN (SELECT value FROM json_each(?))",
                            None => "ancestor IN (SELECT code FROM grids WHERE parent IS NULL)",
                        }
                        .to_string(),
                    ];
                    let mut cond_args = Vec::new();
                    if let Some(r) = &q.roots {
                        cond_args.push(SqlValue::Text(codes_json(r)));
                    }
                    cond.extend(cell.iter().cloned());
                    cond_args.extend(cell_args.iter().cloned());
                    let (rows, args) = rollup_rows(q.from, q.to, &cond.join(" AND "), &cond_args);
                    tx.query_row(
                        &format!("SELECT coalesce(sum(n), 0) FROM ({rows})"),
                        rusqlite::params_from_iter(args.iter()),
                        |r| r.get(0),
                    )?
                } else {
                    // Grids given without their top grids: their own counters.
                    tx.query_row(
                        &format!(
                            "SELECT coalesce(sum(n), 0) FROM hazard_counts WHERE {}",
                            counted_on("day")
                        ),
                        rusqlite::params_from_iter(counted_args.iter()),
                        |r| r.get(0),
                    )?
                };
                Ok(n as u64)
            };
            // Free text inside part of the tree (a town's hazards with 灭火器)
            // is found from whichever side is smaller: the phrase's rows,
            // each read to check its grid, or the scope's entries in the
            // grid index, each checked against the phrase's rowids (an
            // index entry is several times cheaper to check than a row).
            let from_grid_index = match &text_in_scope {
                Some(phrase) => {
                    let scope = counters_total(&tx)?;
                    let enough = scope / GRID_WALK_RATIO + 1;
                    let hits: u64 = tx.query_row(
                        "SELECT count(*) FROM (SELECT 1 FROM hazards_fts WHERE hazards_fts MATCH ? LIMIT ?)",
                        params![phrase, enough as i64],
                        |r| r.get::<_, i64>(0),
                    )? as u64;
                    hits >= enough
                }
                None => false,
            };
            let total = if let Some(t) = q.known_total {
                t
            } else if other.is_empty() {
                HazardTotal {
                    n: counters_total(&tx)?,
                    exact: true,
                }
            } else {
                // Short text alone is counted on the narrow index of the
                // texts (some 60 bytes a hazard) instead of the rows.
                let source = if short_text && counted.is_empty() && other.len() == 1 {
                    "hazards INDEXED BY hazards_text"
                } else if from_grid_index {
                    "hazards INDEXED BY hazards_grid_recent"
                } else {
                    "hazards"
                };
                let n: i64 = tx.query_row(
                    &format!(
                        "SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {filter} LIMIT {})",
                        COUNT_BOUND + 1
                    ),
                    rusqlite::params_from_iter(args.iter()),
                    |r| r.get(0),
                )?;
                HazardTotal {
                    n: (n as u64).min(COUNT_BOUND),
                    exact: (n as u64) <= COUNT_BOUND,
                }
            };
            let mut page_args = args.clone();
            let mut page_filter = filter.clone();
            let keyset = match (&q.after, q.sort) {
                (Some(k), HazardSort::ReportedDesc) => Some(("<", k)),
                (Some(k), HazardSort::ReportedAsc) => Some((">", k)),
                _ => None,
            };
            if let Some((cmp, (ms, id))) = keyset {
                // The first term bounds the index walk; the second steps
                // past the rows of the same millisecond already read.
                page_filter.push_str(&format!(
                    " AND reported_ms {cmp}= ? AND (reported_ms {cmp} ? OR id > ?)"
                ));
                page_args.push(SqlValue::Integer(*ms));
                page_args.push(SqlValue::Integer(*ms));
                page_args.push(SqlValue::Text(id.clone()));
            }
            page_args.push(SqlValue::Integer(q.limit as i64));
            page_args.push(SqlValue::Integer(if keyset.is_some() {
                0
            } else {
                q.offset as i64
            }));
            // In time order, walk the covering index newest (or oldest)
            // first while the filters match many rows: the page fills after
            // a short walk and no row is read until it matches. When they
            // match few (known from the total), start from the filters'
            // own indexes and sort what they find.
            let reported = matches!(q.sort, HazardSort::ReportedDesc | HazardSort::ReportedAsc);
            // Only filters with an index of their own (grid, status, free
            // text) find few rows faster than the covering walk does.
            let selective =
                q.grids.is_some() || !q.status.is_empty() || q.overdue_on.is_some() || text_indexed;
            let few = selective && total.exact && total.n <= FEW_ROWS;
            let (source, order) = match (reported && !few, q.sort) {
                (true, _) => ("hazards INDEXED BY hazards_recent", order),
                // Sorting the few found rows; `+` keeps the order from
                // pulling the time index back in.
                (false, HazardSort::ReportedDesc) if from_grid_index => (
                    "hazards INDEXED BY hazards_grid_recent",
                    "+reported_ms DESC, id",
                ),
                (false, HazardSort::ReportedAsc) if from_grid_index => (
                    "hazards INDEXED BY hazards_grid_recent",
                    "+reported_ms, id",
                ),
                (false, HazardSort::ReportedDesc) => ("hazards", "+reported_ms DESC, id"),
                (false, HazardSort::ReportedAsc) => ("hazards", "+reported_ms, id"),
                (false, _) => ("hazards", order),
            };
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT state FROM {source} WHERE {page_filter} ORDER BY {order} LIMIT ? OFFSET ?"
            ))?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(page_args.iter()), |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            drop(stmt);
            tx.finish()?;
            Ok((total, rows))
        })
    }

    fn point_statuses(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<PointStatus>> {
        let scope = grids.map(codes_json);
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT p.code, p.name, p.kind, p.grid, p.lat, p.lon, p.monitor,
                        s.check_id, s.verdict, s.at, s.by_user,
                        d.duty_id, d.interval_hours, d.since
                 FROM points p LEFT JOIN point_state s ON s.point = p.code
                 LEFT JOIN point_duty d ON d.point = p.code AND d.on_duty = 1
                 WHERE ?1 IS NULL OR p.grid IN (SELECT value FROM json_each(?1))
                 ORDER BY p.grid, p.code",
            )?;
            stmt.query_map([scope], |r| {
                let last = match r.get::<_, Option<String>>(7)? {
                    None => None,
                    Some(check) => Some(LastCheck {
                        check: parse_col(check)?,
                        verdict: parse_col(r.get(8)?)?,
                        at: parse_col(r.get(9)?)?,
                        by: parse_col(r.get(10)?)?,
                    }),
                };
                let duty = match r.get::<_, Option<String>>(11)? {
                    None => None,
                    Some(duty) => Some(PointDuty {
                        duty: parse_col(duty)?,
                        interval_hours: r.get(12)?,
                        since: parse_col(r.get(13)?)?,
                    }),
                };
                Ok(PointStatus {
                    point: MonitoringPoint {
                        code: parse_col(r.get(0)?)?,
                        name: r.get(1)?,
                        kind: parse_col(r.get(2)?)?,
                        grid: parse_col(r.get(3)?)?,
                        lat: r.get(4)?,
                        lon: r.get(5)?,
                        monitor: r.get(6)?,
                    },
                    last,
                    duty,
                })
            })?
            .collect()
        })
    }

    fn period_counts(
        &self,
        grids: Option<&[GridCode]>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        hazards: bool,
    ) -> StoreResult<PeriodCounts> {
        let period = (from, to);
        let (from, to, today) = (from.to_string(), to.to_string(), today.to_string());
        let scope = grids.map(codes_json);
        // A bound parameter either way; the grid test is left out of the SQL
        // for every grid so that the counters' key is used by day.
        let in_scope = |n: u8| {
            if scope.is_some() {
                format!("grid IN (SELECT value FROM json_each(?{n}))")
            } else {
                format!("?{n} IS NULL")
            }
        };
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut out = PeriodCounts::default();
            {
                if hazards {
                    let mut stmt = tx.prepare_cached(&format!(
                        "SELECT grid, status, level, sector, sum(n) FROM hazard_counts
                         WHERE {}
                           AND day BETWEEN ?1 AND ?2
                         GROUP BY grid, status, level, sector HAVING sum(n) > 0",
                        in_scope(3)
                    ))?;
                    out.hazards = stmt
                        .query_map(params![from, to, scope], hazard_cell)?
                        .collect::<rusqlite::Result<_>>()?;
                }
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT grid, count(*) FROM hazards INDEXED BY hazards_open
                     WHERE status IN ('confirmed', 'rectifying')
                       AND {}
                       AND deadline < ?3 AND reported_day BETWEEN ?1 AND ?2 GROUP BY grid",
                    in_scope(4)
                ))?;
                out.overdue = stmt
                    .query_map(params![from, to, today, scope], |r| {
                        Ok((parse_col(r.get(0)?)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT grid, verdict, sum(n) FROM check_counts
                     WHERE {}
                       AND day BETWEEN ?1 AND ?2
                     GROUP BY grid, verdict",
                    in_scope(3)
                ))?;
                out.checks = stmt
                    .query_map(params![from, to, scope], |r| {
                        Ok((
                            parse_col(r.get(0)?)?,
                            parse_col(r.get(1)?)?,
                            r.get::<_, i64>(2)? as u64,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT grid, count(*) FROM point_state WHERE verdict = 'danger'
                       AND {}
                     GROUP BY grid",
                    in_scope(1)
                ))?;
                out.danger_open = stmt
                    .query_map([&scope], |r| {
                        Ok((parse_col(r.get(0)?)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let per_grid = |sql: &str| -> rusqlite::Result<Vec<(GridCode, u64)>> {
                    let mut stmt = tx.prepare_cached(sql)?;
                    stmt.query_map(params![from, to], |r| {
                        Ok((parse_col(r.get(0)?)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect()
                };
                out.meetings = per_grid(
                    "SELECT grid_code, count(*) FROM meetings WHERE held_on BETWEEN ?1 AND ?2 GROUP BY grid_code",
                )?;
                out.banquets = per_grid(
                    "SELECT grid_code, count(*) FROM banquets WHERE held_on BETWEEN ?1 AND ?2 GROUP BY grid_code",
                )?;
                out.promises = per_grid(
                    "SELECT grid_code, count(*) FROM promises WHERE signed_on BETWEEN ?1 AND ?2 GROUP BY grid_code",
                )?;
                out.quarterly_checks = per_grid(
                    "SELECT tt.grid_code, count(*) FROM task_targets tt JOIN tasks t ON t.id = tt.task_id
                     WHERE t.kind = 'quarterly_check' AND tt.covered_at IS NOT NULL
                       AND date(tt.covered_at, '+8 hours') BETWEEN ?1 AND ?2
                     GROUP BY tt.grid_code",
                )?;
                let mut stmt = tx.prepare_cached(
                    "SELECT grid_code, count(*), sum(deaths), sum(injuries) FROM accidents
                     WHERE occurred_day BETWEEN ?1 AND ?2 GROUP BY grid_code",
                )?;
                out.accidents = stmt
                    .query_map(params![from, to], |r| {
                        Ok((
                            parse_col(r.get(0)?)?,
                            r.get::<_, i64>(1)? as u64,
                            r.get::<_, i64>(2)? as u64,
                            r.get::<_, i64>(3)? as u64,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare_cached(
                    "SELECT grid_code, count(*), sum(status = 'done'),
                            sum(status = 'open' AND due_date < ?3)
                     FROM tasks WHERE due_date BETWEEN ?1 AND ?2 GROUP BY grid_code",
                )?;
                out.tasks = stmt
                    .query_map(params![from, to, today], |r| {
                        Ok((
                            parse_col(r.get(0)?)?,
                            r.get::<_, i64>(1)? as u64,
                            r.get::<_, i64>(2)? as u64,
                            r.get::<_, i64>(3)? as u64,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                out.point_checks = records::point_checks(&tx, period.0, period.1, scope.as_deref())?;
            }
            tx.finish()?;
            Ok(out)
        })
    }

    fn hazard_rollup(
        &self,
        grids: &[GridCode],
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<HazardCell>> {
        let (rows, args) = rollup_rows(
            Some(from),
            Some(to),
            "ancestor IN (SELECT value FROM json_each(?))",
            &[SqlValue::Text(codes_json(grids))],
        );
        self.read(|c| {
            // Summed here rather than by a GROUP BY, which would sort the
            // rows first: a town and its villages over a year are some
            // 20,000 counter rows.
            let mut stmt = c.prepare_cached(&rows)?;
            let mut sums: HashMap<(String, String, String, String), i64> = HashMap::new();
            let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
            while let Some(r) = rows.next()? {
                *sums
                    .entry((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    .or_default() += r.get::<_, i64>(4)?;
            }
            sums.into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|((g, s, l, k), n)| {
                    Ok((
                        parse_col(g)?,
                        parse_col(s)?,
                        parse_col(l)?,
                        parse_col(k)?,
                        n as u64,
                    ))
                })
                .collect()
        })
    }

    fn point_checks(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(gridsafe_core::PointCode, DateTime<Utc>)>> {
        self.read(|c| records::point_checks(c, from, to, None))
    }

    fn accident_impacts(
        &self,
    ) -> StoreResult<std::collections::BTreeMap<String, records::AccidentImpact>> {
        self.read(records::accident_impacts)
    }

    fn period_records(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<PeriodRecords> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let out = PeriodRecords {
                hazards: records::hazard_facts(&tx, to)?,
                point_checks: records::point_checks(&tx, from, to, None)?,
                meetings: records::meeting_facts(&tx, from, to)?,
                task_targets: records::task_targets(&tx, from, to)?,
                banquets: records::banquet_counts(&tx, from, to)?,
                accidents: records::accident_facts(&tx)?,
            };
            tx.finish()?;
            Ok(out)
        })
    }

    fn blob_stored(&self, sha: &PhotoHash, size: u64, mime: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO blobs (sha, size, mime, stored_at) VALUES (?1, ?2, ?3, ?4)",
                params![sha.as_str(), size as i64, mime, now_text()],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn blob_mime(&self, sha: &PhotoHash) -> StoreResult<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT mime FROM blobs WHERE sha = ?1",
                [sha.as_str()],
                |r| r.get(0),
            )
            .optional()
        })
    }

    fn blob_grids(&self, sha: &PhotoHash) -> StoreResult<Vec<GridCode>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT DISTINCT grid FROM photo_refs WHERE sha = ?1")?;
            stmt.query_map([sha.as_str()], |r| parse_col::<GridCode>(r.get(0)?))?
                .collect()
        })
    }

    fn tasks(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<TaskState>> {
        let scope = grids.map(codes_json);
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT state FROM tasks WHERE ?1 IS NULL
                   OR grid_code IN (SELECT value FROM json_each(?1))
                   OR id IN (SELECT task_id FROM task_targets WHERE grid_code IN (SELECT value FROM json_each(?1)))
                 ORDER BY due_date, created_at",
            )?;
            stmt.query_map([scope], |r| json_col::<TaskState>(&r.get::<_, String>(0)?))?
                .collect()
        })
    }

    fn task(&self, id: TaskId) -> StoreResult<Option<(TaskState, Vec<TrailEvent>)>> {
        self.read(|c| {
            let state: Option<String> = c
                .query_row(
                    "SELECT state FROM tasks WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(state) = state else { return Ok(None) };
            let mut stmt = c.prepare_cached(
                "SELECT cursor, received_at, body FROM events WHERE entity = ?1 ORDER BY hlc",
            )?;
            let trail = stmt
                .query_map([id.to_string()], trail_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some((json_col(&state)?, trail)))
        })
    }

    fn records(
        &self,
        kind: RecordKind,
        grids: Option<&[GridCode]>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: u64,
    ) -> StoreResult<Vec<TrailEvent>> {
        let (table, day) = record_table(kind);
        let scope = grids.map(codes_json);
        let sql = format!(
            "SELECT e.cursor, e.received_at, e.body FROM {table} x JOIN events e ON e.cursor = x.cursor
             WHERE (?1 IS NULL OR x.grid_code IN (SELECT value FROM json_each(?1)))
               AND (?2 IS NULL OR x.{day} >= ?2) AND (?3 IS NULL OR x.{day} <= ?3)
             ORDER BY x.{day} DESC, e.cursor DESC LIMIT ?4"
        );
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            stmt.query_map(
                params![
                    scope,
                    from.map(|d| d.to_string()),
                    to.map(|d| d.to_string()),
                    limit as i64
                ],
                trail_row,
            )?
            .collect()
        })
    }

    fn record(&self, kind: RecordKind, id: &str) -> StoreResult<Option<TrailEvent>> {
        let (table, _) = record_table(kind);
        let sql = format!(
            "SELECT e.cursor, e.received_at, e.body FROM {table} x JOIN events e ON e.cursor = x.cursor
             WHERE x.id = ?1"
        );
        self.read(|c| c.query_row(&sql, [id], trail_row).optional())
    }
}

/// Each record kind's table and the column holding its day.
/// A row of `grid, status, level, sector, n`.
fn hazard_cell(r: &rusqlite::Row) -> rusqlite::Result<HazardCell> {
    Ok((
        parse_col(r.get(0)?)?,
        parse_col(r.get(1)?)?,
        parse_col(r.get(2)?)?,
        parse_col(r.get(3)?)?,
        r.get::<_, i64>(4)? as u64,
    ))
}

fn record_table(kind: RecordKind) -> (&'static str, &'static str) {
    match kind {
        RecordKind::Meeting => ("meetings", "held_on"),
        RecordKind::Banquet => ("banquets", "held_on"),
        RecordKind::Promise => ("promises", "signed_on"),
        RecordKind::Accident => ("accidents", "occurred_day"),
    }
}

fn trail_row(r: &rusqlite::Row) -> rusqlite::Result<TrailEvent> {
    Ok(TrailEvent {
        cursor: r.get::<_, i64>(0)? as u64,
        received_at: parse_col(r.get(1)?)?,
        event: json_col(&r.get::<_, String>(2)?)?,
    })
}
