//! `GET /api/v1/points`: monitoring points with their latest check.

use axum::Json;
use axum::extract::{Query, State};
use gridsafe_core::GridCode;
use gridsafe_core::point::{LastCheck, PointDuty, check_due, danger_open, point_interval};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::office::scoped_grids;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PointQuery {
    /// A grid code: points in that grid and below.
    #[param(value_type = Option<String>)]
    pub grid: Option<GridCode>,
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
}

/// Monitoring points in the caller's grids.
#[utoipa::path(get, path = "/api/v1/points", tag = "office", params(PointQuery),
    responses((status = 200, body = Vec<PointItem>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<PointQuery>,
) -> Result<Json<Vec<PointItem>>, ApiError> {
    let catalog = st.catalog().await?;
    let grids = scoped_grids(&catalog, &caller, q.grid.as_ref())?;
    let points = st
        .blocking(move |s| s.point_statuses(grids.as_deref()))
        .await?;
    let settings = st.settings.clone();
    let now = chrono::Utc::now();
    Ok(Json(
        points
            .into_iter()
            .map(|p| {
                (
                    point_interval(
                        p.duty.as_ref().map(|d| d.interval_hours),
                        settings.flood_season,
                        settings.check_interval_days,
                    ),
                    p,
                )
            })
            .map(|(interval, p)| PointItem {
                check_interval_hours: interval.num_hours(),
                duty: p.duty,
                danger_open: danger_open(p.last.as_ref()),
                check_overdue: check_due(p.last.as_ref(), interval, now),
                check_due_at: p.last.as_ref().map(|l| l.at + interval),
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
