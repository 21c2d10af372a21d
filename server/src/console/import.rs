//! Spreadsheet imports from the console (系统管理 · 导入): the grid tree or
//! the monitoring points, as .csv (UTF-8 or GBK) or .xlsx. The same checks
//! as `gridsafe-server grid import` ([`crate::import`]); first a preview
//! with every bad row and its reason, then, with `commit=true`, all rows or
//! none.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use gridsafe_core::{GridTree, Role, StableKey};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::import::{ImportError, RowProblem, parse_grids, parse_points, read_rows};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// The file's name: its ending (.csv, .xlsx) says how to read it.
    pub filename: String,
    /// Store the rows (all or none); without it, only a preview.
    #[serde(default)]
    pub commit: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Row 1 is the header.
    pub row: usize,
    /// What is wrong, in English; the console words it from `problem`.
    pub message: String,
    /// The problem's `code` and its details.
    pub problem: RowProblem,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportPreview {
    /// `grids` or `points`.
    pub kind: String,
    /// Data rows read (the header not counted).
    pub rows: usize,
    /// The rows as they would be stored, as key → text.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    pub errors: Vec<RowError>,
    /// True when the rows were stored.
    pub committed: bool,
}

/// Previews or imports a grid or point file (administrator only).
#[utoipa::path(post, path = "/api/v1/import/{kind}", tag = "console", params(
        ("kind" = String, Path, description = "`grids` or `points`"), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file's bytes"),
    responses((status = 200, body = ImportPreview), (status = 403, description = "not an administrator"), (status = 422, description = "unreadable file")),
    security(("bearer" = [])))]
pub async fn import(
    State(st): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportPreview>, ApiError> {
    if caller.scope.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only an administrator may import grids and points".into(),
        ));
    }
    if kind != "grids" && kind != "points" {
        return Err(ApiError::NotFound(format!(
            "no import {kind}; use grids or points"
        )));
    }
    // The readers take a path: the bytes go to a scratch file with the
    // name's ending, in the data folder (same disk, removed after).
    let ext = std::path::Path::new(&q.filename)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let dir = st.settings.data.join("imports");
    let store = st.store.clone();
    let out = tokio::task::spawn_blocking(move || -> Result<ImportPreview, ApiError> {
        std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
        let file = dir.join(format!("{}.{ext}", uuid::Uuid::now_v7()));
        std::fs::write(&file, &body).map_err(ApiError::internal)?;
        let rows = read_rows(&file);
        let _ = std::fs::remove_file(&file);
        let rows = match rows {
            Ok(r) => r,
            Err(ImportError::Unreadable { reason, .. }) => {
                return Err(ApiError::Invalid {
                    code: "unreadable_file".into(),
                    message: format!("cannot read the file: {reason}"),
                    fields: vec![],
                });
            }
            Err(e) => return Err(ApiError::internal(anyhow::anyhow!(e.to_string()))),
        };
        let data_rows = rows
            .iter()
            .skip(1)
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .count();
        let existing = store.grids()?;
        let to_errors = |rows: Vec<(usize, RowProblem)>| {
            rows.into_iter()
                .map(|(row, problem)| RowError {
                    row,
                    message: problem.to_string(),
                    problem,
                })
                .collect::<Vec<_>>()
        };
        let mut preview = ImportPreview {
            kind: kind.clone(),
            rows: data_rows,
            items: Vec::new(),
            errors: Vec::new(),
            committed: false,
        };
        if kind == "grids" {
            match parse_grids(&rows, existing) {
                Ok(nodes) => {
                    preview.items = nodes
                        .iter()
                        .map(|n| {
                            serde_json::json!({
                                "code": n.code.to_string(), "name": n.name,
                                "parent_code": n.parent.as_ref().map(|p| p.to_string()),
                                "level": n.level.key(), "responsible": n.responsible,
                            })
                        })
                        .collect();
                    if q.commit {
                        store.upsert_grids(&nodes)?;
                        preview.committed = true;
                    }
                }
                Err(rows) => preview.errors = to_errors(rows),
            }
        } else {
            let tree = GridTree::new(existing).map_err(ApiError::internal)?;
            match parse_points(&rows, &tree) {
                Ok(points) => {
                    preview.items = points
                        .iter()
                        .map(|p| {
                            serde_json::json!({
                                "code": p.code.to_string(), "name": p.name, "kind": p.kind.key(),
                                "grid_code": p.grid.to_string(), "lat": p.lat, "lon": p.lon,
                                "monitor": p.monitor,
                            })
                        })
                        .collect();
                    if q.commit {
                        store.upsert_points(&points)?;
                        preview.committed = true;
                    }
                }
                Err(rows) => preview.errors = to_errors(rows),
            }
        }
        Ok(preview)
    })
    .await??;
    if out.committed {
        tracing::info!(kind = %out.kind, rows = out.items.len(), by = %caller.user, "imported");
    }
    Ok(Json(out))
}
