//! `GET /api/v1/points`: monitoring points with their latest check and the
//! checks they missed in a period (the summary's rule, point by point).

use axum::Json;
use axum::extract::{Query, State};
use chrono::{Datelike, NaiveDate};
use gridsafe_core::GridCode;
use gridsafe_core::point::{LastCheck, PointDuty, check_due, danger_open};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::calendar::local_day;
use crate::error::ApiError;
use crate::office::scoped_grids;
use crate::state::AppState;
use crate::summary::{period_or_error, point_facts};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PointQuery {
    /// A grid code: points in that grid and below.
    #[param(value_type = Option<String>)]
    pub grid: Option<GridCode>,
    /// The period the missed checks are counted in: `2026`, `2026-H1`,
    /// `2026-Q3` (default: this year), up to now.
    pub period: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PointItem {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub grid: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// 监管责任人.
    pub monitor: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub last_check: Option<LastCheck>,
    /// The latest check said danger and no calmer check followed.
    pub danger_open: bool,
    /// No check within the interval (the point's flood-season duty interval;
    /// otherwise 7 days, or 24 hours town-wide: `--check-interval-days`,
    /// `--flood-season`), or never checked.
    pub check_overdue: bool,
    /// When the next check is due (none: never checked, due now).
    pub check_due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The flood-season duty the office put the point under, with its own interval.
    #[schema(value_type = Option<Object>)]
    pub duty: Option<PointDuty>,
    /// The interval that applies to the point now, in hours.
    pub check_interval_hours: i64,
    /// Checks missed in the period up to now at that interval (the grid
    /// summary's `missed_point_checks`, point by point).
    pub missed_checks: u64,
    /// Of those, the ones due inside the rubric's flood season (the
    /// summary's `missed_flood_checks`).
    pub missed_flood_checks: u64,
}

/// Monitoring points in the caller's grids.
#[utoipa::path(get, path = "/api/v1/points", tag = "office", params(PointQuery),
    responses((status = 200, body = Vec<PointItem>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<PointQuery>,
) -> Result<Json<Vec<PointItem>>, ApiError> {
    let now = chrono::Utc::now();
    let (from, to) = match &q.period {
        Some(p) => period_or_error(p)?,
        None => {
            let year = local_day(now).year();
            (
                NaiveDate::from_ymd_opt(year, 1, 1).expect("1 January"),
                NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December"),
            )
        }
    };
    let catalog = st.catalog().await?;
    let grids = scoped_grids(&catalog, &caller, q.grid.as_ref())?;
    let (points, checks) = st
        .blocking(move |s| {
            Ok((
                s.point_statuses(grids.as_deref())?,
                s.point_checks(from, to)?,
            ))
        })
        .await?;
    let season = crate::assessment::rubric(&st.settings)?.flood_season;
    let facts = point_facts(&points, &checks, &st.settings);
    Ok(Json(
        points
            .into_iter()
            .zip(facts)
            .map(|(p, fact)| PointItem {
                check_interval_hours: fact.interval.num_hours(),
                missed_checks: fact.missed(from, to, now).len() as u64,
                missed_flood_checks: fact.missed_in_flood_season(&season, from, to, now).len()
                    as u64,
                duty: p.duty,
                danger_open: danger_open(p.last.as_ref()),
                check_overdue: check_due(p.last.as_ref(), fact.interval, now),
                check_due_at: p.last.as_ref().map(|l| l.at + fact.interval),
                code: p.point.code.to_string(),
                name: p.point.name,
                kind: p.point.kind.to_string(),
                grid: p.point.grid.to_string(),
                lat: p.point.lat,
                lon: p.point.lon,
                monitor: p.point.monitor,
                last_check: p.last,
            })
            .collect(),
    ))
}
