//! 季度自查: per grid and quarter, whether the quarterly big check, the
//! quarterly safety meeting and the monitoring points' checks happened. The
//! rule is `gridsafe_core::task::QuarterCoverage`; the figures are the grid
//! summary's, rolled up the tree.

use axum::Json;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use gridsafe_core::GridCode;
use gridsafe_core::task::QuarterCoverage;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::calendar::today;
use crate::error::ApiError;
use crate::state::AppState;
use crate::summary::{GridSummary, figures, period_or_error, roll_up};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CoverageQuery {
    /// The grid whose children are listed (default: the caller's first grid).
    #[param(value_type = Option<String>)]
    pub grid: Option<GridCode>,
    /// `2026-Q2` (default: this quarter).
    pub quarter: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    pub grid: String,
    pub name: String,
    pub level: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub coverage: QuarterCoverage,
    pub complete: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageAnswer {
    pub quarter: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The grid itself first, then each child.
    pub rows: Vec<CoverageRow>,
}

fn row(s: &GridSummary) -> CoverageRow {
    let coverage = QuarterCoverage {
        quarterly_check: s.quarterly_checks > 0,
        meetings: s.meetings as u32,
        points: s.points as u32,
        point_checks: s.checks_total as u32,
        missed_point_checks: s.missed_point_checks as u32,
    };
    CoverageRow {
        grid: s.grid.clone(),
        name: s.name.clone(),
        level: s.level.clone(),
        complete: coverage.complete(),
        coverage,
    }
}

/// The quarterly self-check of a grid and its children.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "records", params(CoverageQuery),
    responses((status = 200, body = CoverageAnswer), (status = 400, description = "not a quarter"),
        (status = 403, description = "outside the caller's grids")),
    security(("bearer" = [])))]
pub async fn quarter(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<CoverageAnswer>, ApiError> {
    let catalog = st.catalog().await?;
    let code = match q.grid {
        Some(g) => g,
        None => catalog
            .scope_grids(&caller.scope)
            .and_then(|g| {
                caller
                    .scope
                    .roots(&catalog.tree)
                    .into_iter()
                    .chain(g)
                    .next()
            })
            .or_else(|| catalog.tree.roots().next().map(|n| n.code.clone()))
            .ok_or_else(|| ApiError::NotFound("there are no grids yet".into()))?,
    };
    if !catalog.tree.contains(&code) {
        return Err(ApiError::NotFound(format!("there is no grid {code}")));
    }
    if !caller.scope.covers(&catalog.tree, &code) {
        return Err(ApiError::Forbidden(format!(
            "grid {code} is outside the grids this account may see"
        )));
    }
    let quarter = match q.quarter {
        Some(p) => p,
        None => {
            let d = today();
            use chrono::Datelike;
            format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
        }
    };
    if !quarter.contains("-Q") {
        return Err(ApiError::BadRequest(format!(
            "quarter {quarter:?} is not a quarter such as 2026-Q2"
        )));
    }
    let (from, to) = period_or_error(&quarter)?;
    let own = figures(&st, &catalog, Some(&code), from, to).await?;
    let top = roll_up(&catalog.tree, &own, &code, 1);
    let mut rows = vec![row(&top)];
    rows.extend(top.children.iter().map(row));
    Ok(Json(CoverageAnswer {
        quarter,
        from,
        to,
        rows,
    }))
}
