//! Assessment (考核) over HTTP: the scores of a grid and its children for a
//! period, a what-if with a rubric that is not saved, and the rubric itself.
//!
//! - `GET /api/v1/assessment?grid=&period=`: scores, grades, deductions with
//!   their records, veto with its accidents; the children ranked.
//! - `POST /api/v1/assessment/preview?grid=&period=` with a rubric in TOML
//!   as the body: the same answer under that rubric; nothing is saved.
//! - `GET|PUT /api/v1/assessment/rubric`: the rubric in force (the saved one
//!   in the data directory, else the default that ships in
//!   `server/assets/rubric.toml`); PUT checks and saves it (office only).
//!
//! The scoring is the core's ([`gridsafe_core::assessment`]); this module
//! only gathers the records ([`crate::store::records`]) and the rubric.

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::Json;
use axum::extract::{Query, State};
use chrono::{NaiveDate, Utc};
use gridsafe_core::assessment::{
    self, CheckTarget, DeductionKind, GridAssessment, Period, PointFact, Records, Rubric,
};
use gridsafe_core::{GridCode, GridTree, StableKey, TaskKind};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::calendar::local_day;
use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::PeriodRecords;
use crate::summary::{point_facts, visible_grid};

/// The rubric that ships, used until the office saves its own.
pub const DEFAULT_RUBRIC: &str = include_str!("../assets/rubric.toml");

/// Where a saved rubric lives.
pub fn rubric_path(settings: &Settings) -> PathBuf {
    settings.data.join("rubric.toml")
}

/// The rubric in force as text, and whether it is a saved one.
pub fn rubric_text(settings: &Settings) -> Result<(String, bool), ApiError> {
    match std::fs::read_to_string(rubric_path(settings)) {
        Ok(t) => Ok((t, true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((DEFAULT_RUBRIC.to_owned(), false))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// The rubric in force.
pub fn rubric(settings: &Settings) -> Result<Rubric, ApiError> {
    let (text, saved) = rubric_text(settings)?;
    Rubric::from_toml(&text).map_err(|e| {
        ApiError::internal(anyhow::anyhow!(
            "the {} rubric does not read: {e}",
            if saved { "saved" } else { "default" }
        ))
    })
}

fn bad_rubric(e: assessment::RubricError) -> ApiError {
    ApiError::Invalid {
        code: "bad_rubric".into(),
        message: e.to_string(),
        fields: Vec::new(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AssessmentQuery {
    /// The grid code; its children are ranked beside it.
    pub grid: String,
    /// `2026`, `2026-H1`, `2026-H2` or `2026-Q1` … `2026-Q4`.
    pub period: String,
}

/// A grid and its children for a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentAnswer {
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day of assessment: deadlines, quarters and flood-season days
    /// count once they are before it.
    pub as_of: NaiveDate,
    /// Whether the rubric used is the saved one (else the default, or the
    /// one posted for a what-if).
    pub rubric_saved: bool,
    #[schema(value_type = Object)]
    pub grid: GridAssessment,
    /// The children, ranked (1 = best; vetoed grids last).
    #[schema(value_type = Vec<Object>)]
    pub children: Vec<GridAssessment>,
    /// Deduction kinds this server holds no records for: they deduct nothing.
    /// Empty since every kind has its table (kept for older readers).
    #[schema(value_type = Vec<String>)]
    pub unrecorded: Vec<DeductionKind>,
}

/// Checks the grid and period of a request against the caller's scope.
pub async fn grid_and_period(
    st: &AppState,
    caller: &Caller,
    grid: &str,
    period: &str,
) -> Result<(std::sync::Arc<crate::catalog::Catalog>, GridCode, Period), ApiError> {
    let period: Period = period
        .parse()
        .map_err(|e: assessment::PeriodError| ApiError::BadRequest(e.to_string()))?;
    let (catalog, code) = visible_grid(st, caller, grid).await?;
    Ok((catalog, code, period))
}

/// The core's records from the stored ones and the monitoring points (as
/// [`crate::summary::point_facts`] makes them, so the missed checks are the
/// summary's): planned check targets are counted in the target's grid when
/// it is one, else the task's.
pub fn records(tree: &GridTree, stored: &PeriodRecords, points: Vec<PointFact>) -> Records {
    let check_targets = stored
        .task_targets
        .iter()
        // The quarterly big check (每季度一次安全生产大检查).
        .filter(|r| r.kind == TaskKind::QuarterlyCheck.key())
        .filter_map(|r| {
            Some(CheckTarget {
                task: r.task.clone(),
                grid: r.counted_in(tree)?,
                target: r.target.clone(),
                due: r.due,
                covered_on: r.covered_on,
            })
        })
        .collect();
    Records {
        hazards: stored.hazards.clone(),
        check_targets,
        meetings: stored.meetings.clone(),
        points,
        accidents: stored.accidents.clone(),
        // Every kind has its table since migration 3.
        unrecorded: BTreeSet::new(),
    }
}

/// Scores a grid and its children with a rubric.
pub async fn score(
    st: &AppState,
    tree: &GridTree,
    code: &GridCode,
    period: Period,
    rubric: &Rubric,
    rubric_saved: bool,
) -> Result<AssessmentAnswer, ApiError> {
    let (from, to) = (period.first_day(), period.last_day());
    let (stored, points) = st
        .blocking(move |s| Ok((s.period_records(from, to)?, s.point_statuses(None)?)))
        .await?;
    let points = point_facts(&points, &stored.point_checks, &st.settings);
    let recs = records(tree, &stored, points);
    let now = Utc::now();
    let as_of = local_day(now);
    let (grid, children) = assessment::assess_with_children(rubric, tree, period, now, &recs, code)
        .ok_or_else(|| ApiError::NotFound(format!("there is no grid {code}")))?;
    Ok(AssessmentAnswer {
        period: period.to_string(),
        from,
        to,
        as_of,
        rubric_saved,
        grid,
        children,
        unrecorded: recs.unrecorded.into_iter().collect(),
    })
}

/// Scores, grades, deductions (with their records) and veto for a grid and its children.
#[utoipa::path(get, path = "/api/v1/assessment", tag = "assessment", params(AssessmentQuery),
    responses((status = 200, body = AssessmentAnswer), (status = 400, description = "bad grid or period"),
        (status = 403, description = "outside the caller's grids")),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessmentQuery>,
) -> Result<Json<AssessmentAnswer>, ApiError> {
    let (catalog, code, period) = grid_and_period(&st, &caller, &q.grid, &q.period).await?;
    let (_, saved) = rubric_text(&st.settings)?;
    let rubric = rubric(&st.settings)?;
    Ok(Json(
        score(&st, &catalog.tree, &code, period, &rubric, saved).await?,
    ))
}

/// What-if: the scores under the rubric in the body (TOML); nothing is saved.
#[utoipa::path(post, path = "/api/v1/assessment/preview", tag = "assessment", params(AssessmentQuery),
    request_body(content = String, content_type = "application/toml", description = "a rubric"),
    responses((status = 200, body = AssessmentAnswer), (status = 422, description = "the rubric does not read; the message says why")),
    security(("bearer" = [])))]
pub async fn preview(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessmentQuery>,
    body: String,
) -> Result<Json<AssessmentAnswer>, ApiError> {
    caller.require_office()?;
    let rubric = Rubric::from_toml(&body).map_err(bad_rubric)?;
    let (catalog, code, period) = grid_and_period(&st, &caller, &q.grid, &q.period).await?;
    Ok(Json(
        score(&st, &catalog.tree, &code, period, &rubric, false).await?,
    ))
}

/// The rubric as its TOML text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RubricAnswer {
    pub toml: String,
    /// False while the default that ships is in force.
    pub saved: bool,
}

/// The rubric in force.
#[utoipa::path(get, path = "/api/v1/assessment/rubric", tag = "assessment",
    responses((status = 200, body = RubricAnswer)), security(("bearer" = [])))]
pub async fn get_rubric(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<RubricAnswer>, ApiError> {
    caller.require_office()?;
    let (toml, saved) = rubric_text(&st.settings)?;
    Ok(Json(RubricAnswer { toml, saved }))
}

/// Saves a rubric (TOML body) after checking it; a bad one changes nothing.
#[utoipa::path(put, path = "/api/v1/assessment/rubric", tag = "assessment",
    request_body(content = String, content_type = "application/toml", description = "a rubric"),
    responses((status = 200, body = RubricAnswer), (status = 422, description = "the rubric does not read; the message says why"),
        (status = 403, description = "not the town safety office")),
    security(("bearer" = [])))]
pub async fn put_rubric(
    State(st): State<AppState>,
    caller: Caller,
    body: String,
) -> Result<Json<RubricAnswer>, ApiError> {
    caller.require_office()?;
    Rubric::from_toml(&body).map_err(bad_rubric)?;
    let path = rubric_path(&st.settings);
    let text = body.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        // Written beside and renamed over, so a reader never sees half a file.
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text.as_bytes())?;
        std::fs::rename(&tmp, &path)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(Json(RubricAnswer {
        toml: body,
        saved: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rubric_reads_and_names_every_kind() {
        let r = Rubric::from_toml(DEFAULT_RUBRIC).unwrap();
        use gridsafe_core::StableKey;
        for kind in DeductionKind::ALL {
            assert!(
                r.deductions.iter().any(|d| d.kind == *kind),
                "{kind} has no line"
            );
        }
        assert_eq!(r.base, 100.0);
        assert_eq!(r.veto.road_single_deaths, 10);
    }
}
