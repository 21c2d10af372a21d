//! `GET /api/v1/points`: monitoring points with their latest check.

use axum::Json;
use axum::extract::{Query, State};
use gridsafe_core::GridCode;
use gridsafe_core::point::{LastCheck, check_due, danger_open};
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
    #[schema(value_type = Object)]
    pub last_check: Option<LastCheck>,
    /// The latest check said danger and no calmer check followed.
    pub danger_open: bool,
    /// No check within the interval (7 days, or 24 hours in flood-season
    /// duty: `--check-interval-days`, `--flood-season`), or never checked.
    pub check_overdue: bool,
    /// When the next check is due (none: never checked, due now).
    pub check_due_at: Option<chrono::DateTime<chrono::Utc>>,
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
    let interval = st.settings.check_interval();
    let now = chrono::Utc::now();
    Ok(Json(
        points
            .into_iter()
            .map(|p| PointItem {
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
