//! `GET /api/v1/urgent`: danger checks, major hazards and accidents, the
//! moment they are accepted, newest first.

use axum::Json;
use axum::extract::{Query, State};
use gridsafe_core::wire::PulledEvent;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UrgentQuery {
    /// Only events with a cursor above this one (0: all).
    #[serde(default)]
    pub since: u64,
    /// At most this many, default 100, at most 1000.
    pub limit: Option<u64>,
}

/// The urgent inbox in the caller's grids.
#[utoipa::path(get, path = "/api/v1/urgent", tag = "office", params(UrgentQuery),
    responses((status = 200, description = "[{cursor, event}], newest first")),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<UrgentQuery>,
) -> Result<Json<Vec<PulledEvent>>, ApiError> {
    let catalog = st.catalog().await?;
    let grids = catalog.scope_grids(&caller.scope);
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        st.blocking(move |s| s.urgent(grids.as_deref(), q.since, limit))
            .await?,
    ))
}
