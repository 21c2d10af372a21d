//! Enrolled devices: the office lists them (with their last sync) and
//! revokes one, e.g. a lost phone; its tokens stop working at once.

use axum::Json;
use axum::extract::{Path, State};
use gridsafe_core::DeviceId;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::DeviceRecord;

/// The devices of accounts whose grids all lie in the caller's scope (an
/// administrator sees every device).
async fn visible(st: &AppState, caller: &Caller) -> Result<Vec<DeviceRecord>, ApiError> {
    caller.require_office()?;
    let catalog = st.catalog().await?;
    let (devices, users) = st.blocking(|s| Ok((s.devices()?, s.users()?))).await?;
    Ok(devices
        .into_iter()
        .filter(|d| {
            caller.scope.role == gridsafe_core::Role::Admin
                || users.iter().any(|u| {
                    u.name == d.user
                        && u.role != gridsafe_core::Role::Admin
                        && !u.grids.is_empty()
                        && u.grids
                            .iter()
                            .all(|g| caller.scope.covers(&catalog.tree, g))
                })
        })
        .collect())
}

/// Devices and when each last synced.
#[utoipa::path(get, path = "/api/v1/devices", tag = "office",
    responses((status = 200, body = Vec<DeviceRecord>), (status = 403, description = "not the office")),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DeviceRecord>>, ApiError> {
    Ok(Json(visible(&st, &caller).await?))
}

/// Signs a device out for good: every token bound to it stops working.
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", tag = "office",
    params(("id" = String, Path, description = "the device id")),
    responses((status = 200, body = DeviceRecord), (status = 404, description = "not_found")),
    security(("bearer" = [])))]
pub async fn revoke(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceRecord>, ApiError> {
    let id: DeviceId = id
        .parse()
        .map_err(|e: gridsafe_core::IdError| ApiError::BadRequest(e.to_string()))?;
    if !visible(&st, &caller).await?.iter().any(|d| d.id == id) {
        return Err(ApiError::NotFound(format!(
            "no device {id} among the devices you manage"
        )));
    }
    let dev = st
        .blocking(move |s| {
            s.revoke_device(id)?;
            s.device(id)
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no device {id}")))?;
    tracing::info!(device = %id, by = %caller.user, "device revoked");
    Ok(Json(dev))
}
