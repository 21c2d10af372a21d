//! The record queries the assessment and the duty report read, each a small
//! named function over one SQLite connection.
//!
//! Hazards, monitoring points and their checks (`point_checks`, as the grid
//! summary reads them) are this server's own tables.
//! Meetings, planned check tasks, banquets and accidents are the township
//! records (`tasks`, `task_targets`, `meetings`, `banquets`, `accidents`,
//! migration 3), accidents with the office's judgement of their social
//! impact (migration 5).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::assessment::{AccidentFact, HazardFact, MeetingFact};
use gridsafe_core::hazard::HazardState;
use gridsafe_core::{GridCode, HazardStatus, PointCode, Sector};
use rusqlite::{Connection, params};

use crate::calendar::{day_start, local_day};

/// One target of a planned check task, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskTargetRow {
    pub task: String,
    pub kind: String,
    pub task_grid: String,
    pub target: String,
    /// The grid the target lies in (a point's village, or the grid itself).
    pub target_grid: String,
    pub due: NaiveDate,
    pub covered_on: Option<NaiveDate>,
}

impl TaskTargetRow {
    /// The grid a target counts in: the grid it lies in when the tree has
    /// it (a point target in the point's village), else the task's.
    pub fn counted_in(&self, tree: &gridsafe_core::GridTree) -> Option<GridCode> {
        self.target_grid
            .parse::<GridCode>()
            .ok()
            .filter(|g| tree.contains(g))
            .or_else(|| self.task_grid.parse().ok())
    }
}

/// A stored day or instant as the town's day: `2026-06-30`, or an RFC 3339
/// time (counted in Beijing time).
fn day_of(text: &str) -> Option<NaiveDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(local_day(t.with_timezone(&Utc)));
    }
    text.get(..10)?.parse().ok()
}

fn grid(text: String) -> Option<GridCode> {
    text.parse().ok()
}

/// Hazards that can count in a period ending `to`: those with a deadline on
/// or before it, and open major hazards reported by then. Rejected ones never count.
pub fn hazard_facts(c: &Connection, to: NaiveDate) -> rusqlite::Result<Vec<HazardFact>> {
    let mut stmt = c.prepare_cached(
        "SELECT state FROM hazards
         WHERE status != 'rejected' AND reported_day <= ?1
           AND ((deadline IS NOT NULL AND deadline <= ?1) OR level = 'major')",
    )?;
    let rows = stmt.query_map([to.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let Ok(h) = serde_json::from_str::<HazardState>(&row?) else {
            continue;
        };
        // The day it stopped being open, whichever step did it.
        let done = [&h.rectified, &h.verified, &h.closed]
            .into_iter()
            .flatten()
            .map(|s| local_day(s.at))
            .min();
        let rectified_on = match h.status {
            HazardStatus::Confirmed | HazardStatus::Rectifying | HazardStatus::Reported => None,
            _ => done,
        };
        out.push(HazardFact {
            id: h.id.to_string(),
            grid: h.grid.clone(),
            deadline: h.deadline(),
            rectified_on,
            lacks_five_in_place: h.lacks_five_in_place(),
        });
    }
    Ok(out)
}

/// Every check of a monitoring point logged on the days `from..=to`
/// (Beijing time), as the point and the check's wall time
/// (`point_checks(point, at_ms)`), of the points in `grids` (a JSON array
/// of codes) when given.
pub fn point_checks(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    grids: Option<&str>,
) -> rusqlite::Result<Vec<(PointCode, DateTime<Utc>)>> {
    let bound = |d: NaiveDate| day_start(d).timestamp_millis();
    let mut stmt = c.prepare_cached(if grids.is_some() {
        // By point, through the table's key, for those grids' points.
        "SELECT point, at_ms FROM point_checks WHERE at_ms >= ?1 AND at_ms < ?2
           AND point IN (SELECT code FROM points WHERE grid IN (SELECT value FROM json_each(?3)))"
    } else {
        "SELECT point, at_ms FROM point_checks WHERE at_ms >= ?1 AND at_ms < ?2 AND ?3 IS NULL"
    })?;
    let rows = stmt.query_map(
        params![bound(from), bound(to + chrono::Duration::days(1)), grids],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (point, ms) = row?;
        if let (Ok(p), Some(t)) = (point.parse(), DateTime::from_timestamp_millis(ms)) {
            out.push((p, t));
        }
    }
    Ok(out)
}

/// Meetings held in the period (`meetings(id, grid_code, held_on, …)`).
pub fn meeting_facts(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<MeetingFact>> {
    let mut stmt = c.prepare_cached("SELECT id, grid_code, held_on FROM meetings")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, g, held) = row?;
        if let (Some(g), Some(held_on)) = (grid(g), day_of(&held))
            && from <= held_on
            && held_on <= to
        {
            out.push(MeetingFact {
                id,
                grid: g,
                held_on,
            });
        }
    }
    Ok(out)
}

/// The targets of the planned check tasks due in the period
/// (`tasks(id, kind, grid_code, due_date, status, created_at)` joined with
/// `task_targets(task_id, target_code, covered_at)`).
pub fn task_targets(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<TaskTargetRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.id, t.kind, t.grid_code, tt.target_code, t.due_date, tt.covered_at, tt.grid_code
         FROM tasks t JOIN task_targets tt ON tt.task_id = t.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (task, kind, task_grid, target, due, covered, target_grid) = row?;
        let Some(due) = day_of(&due) else { continue };
        if due < from || due > to {
            continue;
        }
        out.push(TaskTargetRow {
            task,
            kind,
            task_grid,
            target,
            target_grid,
            due,
            covered_on: covered.as_deref().and_then(day_of),
        });
    }
    Ok(out)
}

/// Banquets (农村家宴) filed in the period, by grid
/// (`banquets(id, grid_code, held_on, …)`).
pub fn banquet_counts(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<(GridCode, u64)>> {
    let mut stmt = c.prepare_cached("SELECT grid_code, held_on FROM banquets")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut by: BTreeMap<GridCode, u64> = BTreeMap::new();
    for row in rows {
        let (g, held) = row?;
        if let (Some(g), Some(d)) = (grid(g), day_of(&held))
            && from <= d
            && d <= to
        {
            *by.entry(g).or_default() += 1;
        }
    }
    Ok(by.into_iter().collect())
}

/// Every accident on record (`accidents(id, grid_code, sector, occurred_at,
/// deaths, injuries, bad_social_impact, …)`), the office's latest judgement
/// of its social impact included (migration 5).
pub fn accident_facts(c: &Connection) -> rusqlite::Result<Vec<AccidentFact>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, grid_code, sector, occurred_at, deaths, injuries, bad_social_impact
         FROM accidents",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, g, sector, at, deaths, injuries, bad_social_impact) = row?;
        if let (Some(g), Some(day)) = (grid(g), day_of(&at)) {
            out.push(AccidentFact {
                id,
                grid: g,
                sector: sector.parse().unwrap_or(Sector::Other),
                occurred_on: day,
                deaths: deaths.max(0) as u32,
                injuries: injuries.max(0) as u32,
                bad_social_impact,
            });
        }
    }
    Ok(out)
}

/// The office's latest judgement of an accident's social impact.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AccidentImpact {
    pub bad_social_impact: bool,
    /// The officer who judged it.
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The judged accidents' latest judgements, by accident id.
pub fn accident_impacts(c: &Connection) -> rusqlite::Result<BTreeMap<String, AccidentImpact>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, bad_social_impact, impact_by, impact_at, impact_note FROM accidents
         WHERE impact_hlc IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (id, bad_social_impact, by, at, note) = row?;
        let Some(at) = at.and_then(|a| DateTime::parse_from_rfc3339(&a).ok()) else {
            continue;
        };
        out.insert(
            id,
            AccidentImpact {
                bad_social_impact,
                by: by.unwrap_or_default(),
                at: at.with_timezone(&Utc),
                note,
            },
        );
    }
    Ok(out)
}
