//! `GET /api/v1/grids`: the grid tree in the caller's scope.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridItem {
    pub code: String,
    pub name: String,
    /// `county`, `town`, `village` or `unit`.
    pub level: String,
    pub parent: Option<String>,
    /// 责任人.
    pub responsible: Option<String>,
}

/// The grids the caller sees, each parent before its children.
#[utoipa::path(get, path = "/api/v1/grids", tag = "office",
    responses((status = 200, body = Vec<GridItem>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<GridItem>>, ApiError> {
    let catalog = st.catalog().await?;
    let roots = caller.scope.roots(&catalog.tree);
    let items = roots
        .iter()
        .flat_map(|r| catalog.tree.subtree(r))
        .map(|n| GridItem {
            code: n.code.to_string(),
            name: n.name.clone(),
            level: n.level.to_string(),
            parent: n.parent.as_ref().map(|p| p.to_string()),
            responsible: n.responsible.clone(),
        })
        .collect();
    Ok(Json(items))
}
