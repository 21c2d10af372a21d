//! The hazard queries of the office: one hazard with its trail, the
//! filtered and sorted list, and the counters rolled up the grid tree.

use std::collections::HashMap;

use chrono::NaiveDate;
use gridsafe_core::hazard::{self, HazardState};
use gridsafe_core::{GridCode, HazardId, StableKey};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, codes_json, json_col, parse_col, trail_row};
use crate::store::rollup::rollup_rows;
use crate::store::{HazardCell, HazardQuery, HazardSort, HazardTotal, StoreResult, TrailEvent};

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

pub(super) fn hazard(
    store: &SqliteStore,
    id: HazardId,
) -> StoreResult<Option<(HazardState, Vec<TrailEvent>)>> {
    store.read(|c| {
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
            .query_map([id.to_string()], trail_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        trail.sort_by(|a, b| hazard::clock_order(&a.event, &b.event));
        Ok(Some((state, trail)))
    })
}

pub(super) fn hazards_json(
    store: &SqliteStore,
    q: &HazardQuery,
) -> StoreResult<(HazardTotal, Vec<String>)> {
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
    store.read(|c| {
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

pub(super) fn hazard_rollup(
    store: &SqliteStore,
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
    store.read(|c| {
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

/// A row of `grid, status, level, sector, n`.
pub(super) fn hazard_cell(r: &rusqlite::Row) -> rusqlite::Result<HazardCell> {
    Ok((
        parse_col(r.get(0)?)?,
        parse_col(r.get(1)?)?,
        parse_col(r.get(2)?)?,
        parse_col(r.get(3)?)?,
        r.get::<_, i64>(4)? as u64,
    ))
}
