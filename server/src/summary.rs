//! Per-grid results: `GET /api/v1/grids/{code}/summary?from=&to=`.
//!
//! The figures come from counters kept current in the write transaction
//! (hazards by grid, day reported, status, level and sector; checks by grid,
//! day and verdict), summed over the period and rolled up the grid tree
//! here. Definitions:
//! - the period selects hazards *reported* in it and checks *logged* in it
//!   (Beijing-time days, both ends included);
//! - `overdue`: of those hazards, the ones confirmed or rectifying whose
//!   deadline is before today;
//! - `major_open`: major hazards not yet verified, closed or rejected;
//! - `rectified_rate` = (rectified + verified + closed) / (total − rejected),
//!   `null` when nothing is left after taking out the rejected;
//! - `danger_open`: points whose latest check, whenever it was, says danger
//!   (a standing danger is not limited by the period).
//! - township records: `meetings` and `banquets` held, `promises` signed and
//!   `accidents` (with `accident_deaths`, `accident_injuries`) that happened
//!   in the period; `tasks_total`, `tasks_done` and `tasks_overdue` of the
//!   tasks due in the period, by the grid they were issued in;
//!   `quarterly_checks`: targets of quarterly-check tasks covered in the
//!   period; `points` and `missed_point_checks`: the monitoring points and
//!   the checks they missed in the period up to now (see
//!   `gridsafe_core::point::missed_checks`, each point at its own interval);
//!   `missed_flood_checks`: of those, the ones due inside the rubric's flood
//!   season (汛期), the count the `missed_flood_check` deduction takes.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gridsafe_core::assessment::{FloodSeason, PointFact};
use gridsafe_core::point::point_interval;
use gridsafe_core::{GridCode, GridTree, HazardLevel, HazardStatus, PointCode, StableKey};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::calendar::today;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{HazardCell, PeriodCounts, PointStatus, Store, StoreResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SummaryQuery {
    /// First day of the period (default: 1 January of this year).
    pub from: Option<NaiveDate>,
    /// Last day of the period (default: today).
    pub to: Option<NaiveDate>,
    /// Instead of from/to: `2026`, `2026-H1`, `2026-H2`, `2026-Q1` … `2026-Q4`.
    pub period: Option<String>,
    /// Levels of children to include (default 1).
    pub depth: Option<u32>,
    /// Also the grid's hazards month by month over the period (`months`).
    pub by_month: Option<bool>,
}

/// A grid's hazards reported in one month of the period (the first and last
/// month cut to the period), for the by-month chart.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthFigures {
    /// `2026-06`.
    pub month: String,
    pub hazards_total: u64,
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct GridSummary {
    pub grid: String,
    pub name: String,
    pub level: String,
    pub hazards_total: u64,
    pub by_status: BTreeMap<String, u64>,
    pub by_level: BTreeMap<String, u64>,
    pub by_sector: BTreeMap<String, u64>,
    pub overdue: u64,
    pub rectified_rate: Option<f64>,
    pub major_open: u64,
    pub checks_total: u64,
    pub checks_by_verdict: BTreeMap<String, u64>,
    pub danger_open: u64,
    pub meetings: u64,
    pub banquets: u64,
    pub promises: u64,
    pub accidents: u64,
    pub accident_deaths: u64,
    pub accident_injuries: u64,
    pub tasks_total: u64,
    pub tasks_done: u64,
    pub tasks_overdue: u64,
    pub quarterly_checks: u64,
    pub points: u64,
    pub missed_point_checks: u64,
    /// Of the missed checks, those due inside the rubric's flood season:
    /// the `missed_flood_check` deduction's count.
    pub missed_flood_checks: u64,
    #[schema(no_recursion)]
    pub children: Vec<GridSummary>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryAnswer {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(flatten)]
    pub summary: GridSummary,
    /// With `by_month=true`: the grid's hazards month by month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthFigures>>,
}

/// The longest period `by_month` answers, in months.
const MAX_MONTHS: i32 = 120;

/// A grid's hazards month by month over `from..=to`, each month read from
/// its subtree counters.
pub fn months(
    store: &dyn Store,
    code: &GridCode,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<MonthFigures>> {
    let mut out = Vec::new();
    let mut first = from;
    while first <= to {
        let next = first
            .with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .expect("a month after");
        let last = (next - chrono::Duration::days(1)).min(to);
        let mut m = MonthFigures {
            month: first.format("%Y-%m").to_string(),
            hazards_total: 0,
            by_status: HazardStatus::ALL
                .iter()
                .map(|k| (k.key().to_owned(), 0))
                .collect(),
        };
        for (_, status, _, _, n) in store.hazard_rollup(std::slice::from_ref(code), first, last)? {
            m.hazards_total += n;
            *m.by_status.entry(status.key().into()).or_default() += n;
        }
        out.push(m);
        first = next;
    }
    Ok(out)
}

/// A period name as the contract spells it, as its first and last day.
pub fn parse_period(p: &str) -> Option<(NaiveDate, NaiveDate)> {
    let p: gridsafe_core::assessment::Period = p.parse().ok()?;
    Some((p.first_day(), p.last_day()))
}

/// Each point with its checks and the interval that applies to it now
/// (its flood-season duty's, else the town's: `--flood-season`,
/// `--check-interval-days`).
pub fn point_facts(
    points: &[PointStatus],
    checks: &[(PointCode, DateTime<Utc>)],
    settings: &Settings,
) -> Vec<PointFact> {
    let mut times: HashMap<&PointCode, Vec<DateTime<Utc>>> = HashMap::new();
    for (p, t) in checks {
        times.entry(p).or_default().push(*t);
    }
    points
        .iter()
        .map(|p| PointFact {
            point: p.point.code.to_string(),
            grid: p.point.grid.clone(),
            checks: times.remove(&p.point.code).unwrap_or_default(),
            interval: point_interval(
                p.duty.as_ref().map(|d| d.interval_hours),
                settings.flood_season,
                settings.check_interval_days,
            ),
        })
        .collect()
}

/// One point's missed checks on the days `from..=to` up to `now`: all of
/// them, and those inside the flood season.
#[derive(Debug, Clone, PartialEq)]
pub struct PointMisses {
    pub grid: GridCode,
    pub missed: u64,
    pub missed_flood: u64,
}

/// Each point's missed checks (the core's one rule), by the point's grid.
pub fn missed_point_checks(
    points: &[PointFact],
    season: &FloodSeason,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<PointMisses> {
    points
        .iter()
        .map(|p| PointMisses {
            grid: p.grid.clone(),
            missed: p.missed(from, to, now).len() as u64,
            missed_flood: p.missed_in_flood_season(season, from, to, now).len() as u64,
        })
        .collect()
}

/// Each grid's own figures (not yet rolled up).
pub fn own_figures(
    tree: &GridTree,
    counts: &PeriodCounts,
    missed: &[PointMisses],
) -> HashMap<GridCode, GridSummary> {
    let mut by: HashMap<GridCode, GridSummary> = HashMap::new();
    for cell in &counts.hazards {
        add_hazards(by.entry(cell.0.clone()).or_default(), cell);
    }
    for (grid, n) in &counts.overdue {
        by.entry(grid.clone()).or_default().overdue += n;
    }
    for (grid, verdict, n) in &counts.checks {
        let s = by.entry(grid.clone()).or_default();
        s.checks_total += n;
        *s.checks_by_verdict.entry(verdict.key().into()).or_default() += n;
    }
    for (grid, n) in &counts.danger_open {
        by.entry(grid.clone()).or_default().danger_open += n;
    }
    for (grid, n) in &counts.meetings {
        by.entry(grid.clone()).or_default().meetings += n;
    }
    for (grid, n) in &counts.banquets {
        by.entry(grid.clone()).or_default().banquets += n;
    }
    for (grid, n) in &counts.promises {
        by.entry(grid.clone()).or_default().promises += n;
    }
    for (grid, n) in &counts.quarterly_checks {
        by.entry(grid.clone()).or_default().quarterly_checks += n;
    }
    for (grid, n, deaths, injuries) in &counts.accidents {
        let s = by.entry(grid.clone()).or_default();
        s.accidents += n;
        s.accident_deaths += deaths;
        s.accident_injuries += injuries;
    }
    for (grid, total, done, overdue) in &counts.tasks {
        let s = by.entry(grid.clone()).or_default();
        s.tasks_total += total;
        s.tasks_done += done;
        s.tasks_overdue += overdue;
    }
    for m in missed {
        let s = by.entry(m.grid.clone()).or_default();
        s.points += 1;
        s.missed_point_checks += m.missed;
        s.missed_flood_checks += m.missed_flood;
    }
    by.retain(|g, _| tree.contains(g));
    by
}

/// Counts a cell of hazards into a summary's hazard figures.
fn add_hazards(s: &mut GridSummary, (_, status, level, sector, n): &HazardCell) {
    s.hazards_total += n;
    *s.by_status.entry(status.key().into()).or_default() += n;
    *s.by_level.entry(level.key().into()).or_default() += n;
    *s.by_sector.entry(sector.key().into()).or_default() += n;
    if *level == HazardLevel::Major && status.is_open() {
        s.major_open += n;
    }
}

fn add(into: &mut GridSummary, from: &GridSummary) {
    into.hazards_total += from.hazards_total;
    for (a, b) in [
        (&mut into.by_status, &from.by_status),
        (&mut into.by_level, &from.by_level),
        (&mut into.by_sector, &from.by_sector),
        (&mut into.checks_by_verdict, &from.checks_by_verdict),
    ] {
        for (k, v) in b {
            *a.entry(k.clone()).or_default() += v;
        }
    }
    into.overdue += from.overdue;
    into.major_open += from.major_open;
    into.checks_total += from.checks_total;
    into.danger_open += from.danger_open;
    into.meetings += from.meetings;
    into.banquets += from.banquets;
    into.promises += from.promises;
    into.accidents += from.accidents;
    into.accident_deaths += from.accident_deaths;
    into.accident_injuries += from.accident_injuries;
    into.tasks_total += from.tasks_total;
    into.tasks_done += from.tasks_done;
    into.tasks_overdue += from.tasks_overdue;
    into.quarterly_checks += from.quarterly_checks;
    into.points += from.points;
    into.missed_point_checks += from.missed_point_checks;
    into.missed_flood_checks += from.missed_flood_checks;
}

fn rate(s: &GridSummary) -> Option<f64> {
    let get = |k: HazardStatus| s.by_status.get(k.key()).copied().unwrap_or(0);
    let done =
        get(HazardStatus::Rectified) + get(HazardStatus::Verified) + get(HazardStatus::Closed);
    let base = s.hazards_total - get(HazardStatus::Rejected);
    (base > 0).then(|| done as f64 / base as f64)
}

/// The rolled-up summary of a grid, with `depth` levels of children.
pub fn roll_up(
    tree: &GridTree,
    own: &HashMap<GridCode, GridSummary>,
    code: &GridCode,
    depth: u32,
) -> GridSummary {
    let node = tree.get(code).expect("the caller checked the grid");
    let mut s = GridSummary {
        grid: node.code.to_string(),
        name: node.name.clone(),
        level: node.level.to_string(),
        ..Default::default()
    };
    if let Some(o) = own.get(code) {
        add(&mut s, o);
    }
    for child in tree.children(code) {
        let mut c = roll_up(tree, own, &child.code, depth.saturating_sub(1));
        add(&mut s, &c);
        if depth > 0 {
            if depth == 1 {
                c.children.clear();
            }
            s.children.push(c);
        }
    }
    finish(&mut s);
    s
}

/// The figures made from the others: the rate, and every status and level
/// present, at zero when none.
fn finish(s: &mut GridSummary) {
    s.rectified_rate = rate(s);
    for k in HazardStatus::ALL {
        s.by_status.entry(k.key().into()).or_default();
    }
    for k in HazardLevel::ALL {
        s.by_level.entry(k.key().into()).or_default();
    }
}

/// A grid's summary for a period with `depth` levels of children. The
/// hazard figures of each grid shown come from its subtree counters (a few
/// hundred rows whatever the subtree's size); the rest from every grid's
/// own counters rolled up.
#[allow(clippy::too_many_arguments)]
pub fn summarise(
    store: &dyn Store,
    tree: &GridTree,
    settings: &Settings,
    season: &FloodSeason,
    code: &GridCode,
    (from, to): (NaiveDate, NaiveDate),
    depth: u32,
    now: DateTime<Utc>,
) -> StoreResult<GridSummary> {
    let today = gridsafe_core::calendar::local_day(now);
    let subtree: Vec<GridCode> = tree.subtree(code).iter().map(|n| n.code.clone()).collect();
    let scope = (subtree.len() < tree.len()).then_some(subtree.as_slice());
    let counts = store.period_counts(scope, from, to, today, false)?;
    let points = point_facts(
        &store.point_statuses(scope)?,
        &counts.point_checks,
        settings,
    );
    let missed = missed_point_checks(&points, season, from, to, now);
    let mut s = roll_up(tree, &own_figures(tree, &counts, &missed), code, depth);
    fn shown(s: &GridSummary, out: &mut Vec<GridCode>) {
        out.extend(s.grid.parse().ok());
        for c in &s.children {
            shown(c, out);
        }
    }
    let mut grids = Vec::new();
    shown(&s, &mut grids);
    let mut cells: HashMap<GridCode, Vec<HazardCell>> = HashMap::new();
    for cell in store.hazard_rollup(&grids, from, to)? {
        cells.entry(cell.0.clone()).or_default().push(cell);
    }
    fn set(s: &mut GridSummary, cells: &HashMap<GridCode, Vec<HazardCell>>) {
        s.hazards_total = 0;
        s.major_open = 0;
        s.by_status.clear();
        s.by_level.clear();
        s.by_sector.clear();
        if let Some(own) = s.grid.parse().ok().and_then(|g: GridCode| cells.get(&g)) {
            for cell in own {
                add_hazards(s, cell);
            }
        }
        finish(s);
        for c in &mut s.children {
            set(c, cells);
        }
    }
    set(&mut s, &cells);
    Ok(s)
}

/// A grid's figures for a period, rolled up its subtree, with its children's.
#[utoipa::path(get, path = "/api/v1/grids/{code}/summary", tag = "office",
    params(("code" = String, Path, description = "the grid code"), SummaryQuery),
    responses((status = 200, body = SummaryAnswer), (status = 403, description = "outside the caller's grids")),
    security(("bearer" = [])))]
pub async fn summary(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<SummaryAnswer>, ApiError> {
    let (catalog, code) = visible_grid(&st, &caller, &code).await?;
    let day = today();
    let (from, to) = match &q.period {
        Some(p) => period_or_error(p)?,
        None => (
            q.from
                .unwrap_or_else(|| NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("1 January")),
            q.to.unwrap_or(day),
        ),
    };
    if from > to {
        return Err(ApiError::BadRequest(format!(
            "from {from} is after to {to}"
        )));
    }
    let depth = q.depth.unwrap_or(1).min(4);
    let settings = st.settings.clone();
    let season = crate::assessment::rubric(&settings)?.flood_season;
    let by_month = q.by_month.unwrap_or(false);
    let month_count = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    if by_month && month_count > MAX_MONTHS {
        return Err(ApiError::BadRequest(format!(
            "by_month covers at most {MAX_MONTHS} months; {from} to {to} is {month_count}: ask a shorter period"
        )));
    }
    let (summary, months) = st
        .blocking(move |s| {
            let summary = summarise(
                s,
                &catalog.tree,
                &settings,
                &season,
                &code,
                (from, to),
                depth,
                Utc::now(),
            )?;
            let months = by_month.then(|| months(s, &code, from, to)).transpose()?;
            Ok((summary, months))
        })
        .await?;
    Ok(Json(SummaryAnswer {
        from,
        to,
        summary,
        months,
    }))
}

/// A grid code from a request, checked against the tree and the caller's
/// grids: 400 when it does not read, 404 when there is no such grid, 403
/// outside the grids the caller may see.
pub async fn visible_grid(
    st: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<(std::sync::Arc<Catalog>, GridCode), ApiError> {
    let code: GridCode = code
        .parse()
        .map_err(|e: gridsafe_core::IdError| ApiError::BadRequest(e.to_string()))?;
    let catalog = st.catalog().await?;
    if !catalog.tree.contains(&code) {
        return Err(ApiError::NotFound(format!("there is no grid {code}")));
    }
    if !caller.scope.covers(&catalog.tree, &code) {
        return Err(ApiError::Forbidden(format!(
            "grid {code} is outside the grids this account may see"
        )));
    }
    Ok((catalog, code))
}

/// A period name, or a 400 that says what is accepted.
pub fn period_or_error(p: &str) -> Result<(NaiveDate, NaiveDate), ApiError> {
    parse_period(p).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "period {p:?} is not a year (2026), a half (2026-H1) or a quarter (2026-Q3)"
        ))
    })
}

/// Every grid's own figures for a period, ready to roll up.
/// With `within`, only that grid's subtree is read: a town's counters, not
/// the county's.
pub async fn figures(
    st: &AppState,
    catalog: &Catalog,
    within: Option<&GridCode>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<GridCode, GridSummary>, ApiError> {
    Ok(
        counts_and_figures(st, catalog, within, from, to, Utc::now())
            .await?
            .own,
    )
}

/// The stored counts of a period, the monitoring points with their checks,
/// and every grid's own figures made from them, as of `now`.
pub struct Figures {
    pub counts: PeriodCounts,
    pub points: Vec<PointFact>,
    pub own: HashMap<GridCode, GridSummary>,
}

/// The stored counts of a period and every grid's own figures made from them.
pub async fn counts_and_figures(
    st: &AppState,
    catalog: &Catalog,
    within: Option<&GridCode>,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Figures, ApiError> {
    let day = gridsafe_core::calendar::local_day(now);
    let season = crate::assessment::rubric(&st.settings)?.flood_season;
    let scope = within
        .map(|code| catalog.subtrees(std::slice::from_ref(code)))
        .filter(|subtree| subtree.len() < catalog.tree.len());
    let (counts, points) = st
        .blocking(move |s| {
            Ok((
                s.period_counts(scope.as_deref(), from, to, day, true)?,
                s.point_statuses(scope.as_deref())?,
            ))
        })
        .await?;
    let points = point_facts(&points, &counts.point_checks, &st.settings);
    let missed = missed_point_checks(&points, &season, from, to, now);
    let own = own_figures(&catalog.tree, &counts, &missed);
    Ok(Figures {
        counts,
        points,
        own,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_period("2026"), Some((d(2026, 1, 1), d(2026, 12, 31))));
        assert_eq!(
            parse_period("2026-H1"),
            Some((d(2026, 1, 1), d(2026, 6, 30)))
        );
        assert_eq!(
            parse_period("2026-Q4"),
            Some((d(2026, 10, 1), d(2026, 12, 31)))
        );
        assert_eq!(
            parse_period("2026-Q1"),
            Some((d(2026, 1, 1), d(2026, 3, 31)))
        );
        assert_eq!(parse_period("2026-Q5"), None);
        assert_eq!(parse_period("soon"), None);
    }
}
