//! `GET /api/v1/sync/pull`: accepted events in the caller's grids, by cursor.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub const DEFAULT_LIMIT: u64 = 500;
pub const MAX_LIMIT: u64 = 2000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PullQuery {
    /// The cursor of the last event the device holds (0 for none).
    #[serde(default)]
    pub since: u64,
    /// Page size, default 500, at most 2000.
    pub limit: Option<u64>,
}

/// One page of events newer than `since`, in cursor order.
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", params(PullQuery),
    responses((status = 200, description = "PullPage: {events: [{cursor, event}], next, more}")),
    security(("bearer" = [])))]
pub async fn pull(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<PullQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let catalog = st.catalog().await?;
    let grids = catalog.scope_grids(&caller.scope);
    let device = caller.device;
    let page = st
        .blocking(move |s| {
            let page = s.pull(grids.as_deref(), q.since, limit)?;
            // Reading goes on when the device's last-seen time cannot be
            // written (a full disk): the pull itself changes nothing.
            if let Err(e) = s.touch_device(device, true) {
                tracing::warn!(error = %e, "could not record the device's pull");
            }
            Ok(page)
        })
        .await?;
    // The events go out as they were stored, not read and written again:
    // a phone's first sync asks for thousands of them.
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        page.into_json(),
    )
        .into_response())
}
