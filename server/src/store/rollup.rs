//! The subtree counters (`grid_ancestors`, `hazard_rollup` by day,
//! `hazard_rollup_month` by month): a hazard counted in its grid and in
//! every grid above it, kept in the projection's transaction and read for
//! summaries and list totals. `migrations::ROLLUP_REBUILD` makes them
//! again when the tree changes.

use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Transaction, params};

use super::StoreResult;
use super::sqlite::backend;

/// The subtree counters of a period as one row source (`ancestor, status,
/// level, sector, n`): the monthly counters for the whole months in it and
/// the daily ones for the days before and after them. `cond` filters every
/// arm; its arguments are given once and bound for each.
pub(super) fn rollup_rows(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    cond: &str,
    cond_args: &[SqlValue],
) -> (String, Vec<SqlValue>) {
    const NONE: (&str, &str) = ("1", "0");
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    let day = |d: NaiveDate| d.to_string();
    let first_of_next = |d: NaiveDate| {
        let (y, m) = if d.month() == 12 {
            (d.year() + 1, 1)
        } else {
            (d.year(), d.month() + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("the first of a month")
    };
    // Whole months [m_from, m_to], and up to two runs of single days.
    let (m_from, head) = match from {
        None => ("0000-00".to_string(), None),
        Some(f) if f.day() == 1 => (month(f), None),
        Some(f) => (month(first_of_next(f)), Some(f)),
    };
    let (m_to, tail) = match to {
        None => ("9999-99".to_string(), None),
        Some(t) if first_of_next(t) == t + chrono::Duration::days(1) => (month(t), None),
        Some(t) => (
            month(t.with_day(1).expect("day 1") - chrono::Duration::days(1)),
            Some(t),
        ),
    };
    let mut days: Vec<(String, String)> = Vec::new();
    let mut months = (m_from.clone(), m_to.clone());
    if m_from > m_to {
        // Within one month (or less than two partial ones): days only.
        months = (NONE.0.into(), NONE.1.into());
        days.push((
            from.map_or("0000-00-00".into(), day),
            to.map_or("9999-99-99".into(), day),
        ));
    } else {
        if let Some(f) = head {
            days.push((day(f), day(first_of_next(f) - chrono::Duration::days(1))));
        }
        if let Some(t) = tail {
            days.push((day(t.with_day(1).expect("day 1")), day(t)));
        }
    }
    while days.len() < 2 {
        days.push((NONE.0.into(), NONE.1.into()));
    }
    // One arm per range: an OR of two day ranges would have SQLite skip
    // through every ancestor of the table instead of seeking the asked ones.
    let sql = format!(
        "SELECT ancestor, status, level, sector, n FROM hazard_rollup_month
         WHERE {cond} AND month BETWEEN ? AND ?
         UNION ALL
         SELECT ancestor, status, level, sector, n FROM hazard_rollup
         WHERE {cond} AND day BETWEEN ? AND ?
         UNION ALL
         SELECT ancestor, status, level, sector, n FROM hazard_rollup
         WHERE {cond} AND day BETWEEN ? AND ?"
    );
    let mut args = Vec::new();
    for (a, b) in std::iter::once(months).chain(days) {
        args.extend(cond_args.iter().cloned());
        args.push(SqlValue::Text(a));
        args.push(SqlValue::Text(b));
    }
    (sql, args)
}

/// Adds `delta` hazards to a counter cell (grid, day, status, level,
/// sector): the grid's own, and its subtree counters by day and by month
/// in the grid and each of its ancestors.
pub(super) fn count_hazard(
    tx: &Transaction,
    cell: (&str, &str, &str, &str, &str),
    delta: i64,
) -> StoreResult<()> {
    let (grid, day, status, level, sector) = cell;
    for sql in [
        "INSERT INTO hazard_counts (grid, day, status, level, sector, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET n = n + excluded.n",
        "INSERT INTO hazard_rollup (ancestor, day, status, level, sector, n)
         SELECT ancestor, ?2, ?3, ?4, ?5, ?6 FROM grid_ancestors WHERE grid = ?1
         ON CONFLICT DO UPDATE SET n = n + excluded.n",
        "INSERT INTO hazard_rollup_month (ancestor, month, status, level, sector, n)
         SELECT ancestor, substr(?2, 1, 7), ?3, ?4, ?5, ?6 FROM grid_ancestors WHERE grid = ?1
         ON CONFLICT DO UPDATE SET n = n + excluded.n",
    ] {
        tx.prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(params![grid, day, status, level, sector, delta]))
            .map_err(backend)?;
    }
    Ok(())
}
