//! The township records: monitoring points and their checks, tasks,
//! meetings, banquets, promises and accidents, and the period counts.

use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::point::PointDuty;
use gridsafe_core::point::{LastCheck, MonitoringPoint};
use gridsafe_core::task::TaskState;
use gridsafe_core::{GridCode, TaskId};
use rusqlite::{OptionalExtension, params};

use super::hazards::hazard_cell;
use super::{SqliteStore, codes_json, json_col, parse_col, trail_row};
use crate::store::{
    PeriodCounts, PeriodRecords, PointStatus, RecordKind, StoreResult, TrailEvent, records,
};

pub(super) fn point_statuses(
    store: &SqliteStore,
    grids: Option<&[GridCode]>,
) -> StoreResult<Vec<PointStatus>> {
    let scope = grids.map(codes_json);
    store.read(|c| {
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

pub(super) fn period_counts(
    store: &SqliteStore,
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
    store.read(|c| {
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

pub(super) fn point_checks(
    store: &SqliteStore,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(gridsafe_core::PointCode, DateTime<Utc>)>> {
    store.read(|c| records::point_checks(c, from, to, None))
}

pub(super) fn accident_impacts(
    store: &SqliteStore,
) -> StoreResult<std::collections::BTreeMap<String, records::AccidentImpact>> {
    store.read(records::accident_impacts)
}

pub(super) fn period_records(
    store: &SqliteStore,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<PeriodRecords> {
    store.read(|c| {
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

pub(super) fn tasks(
    store: &SqliteStore,
    grids: Option<&[GridCode]>,
) -> StoreResult<Vec<TaskState>> {
    let scope = grids.map(codes_json);
    store.read(|c| {
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

pub(super) fn task(
    store: &SqliteStore,
    id: TaskId,
) -> StoreResult<Option<(TaskState, Vec<TrailEvent>)>> {
    store.read(|c| {
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

pub(super) fn records(
    store: &SqliteStore,
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
    store.read(|c| {
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

pub(super) fn record(
    store: &SqliteStore,
    kind: RecordKind,
    id: &str,
) -> StoreResult<Option<TrailEvent>> {
    let (table, _) = record_table(kind);
    let sql = format!(
        "SELECT e.cursor, e.received_at, e.body FROM {table} x JOIN events e ON e.cursor = x.cursor
         WHERE x.id = ?1"
    );
    store.read(|c| c.query_row(&sql, [id], trail_row).optional())
}

/// Each record kind's table and the column holding its day.
fn record_table(kind: RecordKind) -> (&'static str, &'static str) {
    match kind {
        RecordKind::Meeting => ("meetings", "held_on"),
        RecordKind::Banquet => ("banquets", "held_on"),
        RecordKind::Promise => ("promises", "signed_on"),
        RecordKind::Accident => ("accidents", "occurred_day"),
    }
}
