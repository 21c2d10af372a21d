//! `GET /api/v1/console/config`: what the console needs to know of the
//! server's settings: the map tiles (none on a machine without internet,
//! where the map still shows its points on a plain background) and when a
//! monitoring point is overdue for a check.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsoleConfig {
    /// A Leaflet URL template (`{s}`, `{z}`, `{x}`, `{y}`), or none.
    pub tiles_url: Option<String>,
    pub tiles_attribution: Option<String>,
    /// The `{s}` values: 天地图 uses 0–7, others a, b, c.
    pub tiles_subdomains: Vec<String>,
    /// Flood-season duty (24小时值班) is on.
    pub flood_season: bool,
    /// Hours a monitoring point may go without a check.
    pub check_interval_hours: i64,
}

#[utoipa::path(get, path = "/api/v1/console/config", tag = "console",
    responses((status = 200, body = ConsoleConfig)), security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    _caller: Caller,
) -> Result<Json<ConsoleConfig>, ApiError> {
    let s = &st.settings;
    let subdomains = match &s.tiles {
        Some(url) if url.contains("tianditu") => (0..8).map(|i| i.to_string()).collect(),
        Some(url) if url.contains("{s}") => ["a", "b", "c"].map(String::from).to_vec(),
        _ => Vec::new(),
    };
    Ok(Json(ConsoleConfig {
        tiles_url: s.tiles.clone(),
        tiles_attribution: s.tiles_attribution.clone(),
        tiles_subdomains: subdomains,
        flood_season: s.flood_season,
        check_interval_hours: s.check_interval().num_hours(),
    }))
}
