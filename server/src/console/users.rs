//! Accounts, for the administrator (系统管理 · 用户与角色): list them, add
//! one, reset a password, change the role or the grids. The office sees the
//! list of accounts in its grids but changes nothing.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gridsafe_core::validate::{FieldError, Reason};
use gridsafe_core::{GridCode, Role, StableKey, Username};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, hash_password};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::UserRecord;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserItem {
    pub name: String,
    /// `inspector`, `volunteer`, `office` or `admin`.
    pub role: String,
    pub grids: Vec<String>,
}

fn item(u: &UserRecord) -> UserItem {
    UserItem {
        name: u.name.to_string(),
        role: u.role.key().to_owned(),
        grids: u.grids.iter().map(|g| g.to_string()).collect(),
    }
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.scope.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only an administrator may manage accounts".into(),
        ))
    }
}

/// Accounts: every one for an administrator, those working in the caller's
/// grids for the office.
#[utoipa::path(get, path = "/api/v1/users", tag = "console",
    responses((status = 200, body = Vec<UserItem>), (status = 403, description = "not the office")),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserItem>>, ApiError> {
    caller.require_office()?;
    let catalog = st.catalog().await?;
    let users = st.blocking(|s| s.users()).await?;
    Ok(Json(
        users
            .iter()
            .filter(|u| {
                caller.scope.role == Role::Admin
                    || (!u.grids.is_empty()
                        && u.grids
                            .iter()
                            .all(|g| caller.scope.covers(&catalog.tree, g)))
            })
            .map(item)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub grids: Vec<String>,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    pub role: Option<String>,
    pub grids: Option<Vec<String>>,
    /// A new password (reset).
    pub password: Option<String>,
}

fn field(name: &str, reason: Reason) -> FieldError {
    FieldError {
        field: name.into(),
        reason,
    }
}

/// Checks role, grids and password together, answering every bad field.
async fn checked(
    st: &AppState,
    role: &str,
    grids: &[String],
    password: Option<&str>,
) -> Result<(Role, Vec<GridCode>, Option<String>), ApiError> {
    let catalog = st.catalog().await?;
    let mut bad = Vec::new();
    let role: Option<Role> = role.parse().ok();
    if role.is_none() {
        bad.push(field(
            "role",
            Reason::WrongType {
                expected: "inspector, volunteer, office or admin".into(),
            },
        ));
    }
    let codes: Vec<GridCode> = grids.iter().filter_map(|g| g.parse().ok()).collect();
    if codes.len() != grids.len() || codes.iter().any(|g| !catalog.tree.contains(g)) {
        bad.push(field("grids", Reason::UnknownGrid));
    }
    if role.is_some_and(|r| r != Role::Admin) && grids.is_empty() {
        bad.push(field("grids", Reason::Required));
    }
    if let Some(p) = password
        && p.chars().count() < 8
    {
        bad.push(field(
            "password",
            Reason::WrongType {
                expected: "at least 8 characters".into(),
            },
        ));
    }
    if !bad.is_empty() {
        return Err(ApiError::invalid(
            "check the role, the grids (every account but an administrator works in at least one) and the password (at least 8 characters)",
            bad,
        ));
    }
    let hash = match password {
        Some(p) => {
            let p = p.to_owned();
            Some(
                tokio::task::spawn_blocking(move || hash_password(&p))
                    .await?
                    .map_err(ApiError::internal)?,
            )
        }
        None => None,
    };
    Ok((role.expect("checked"), codes, hash))
}

/// Adds an account (administrator only).
#[utoipa::path(post, path = "/api/v1/users", tag = "console", request_body = NewUser,
    responses((status = 201, body = UserItem), (status = 409, description = "exists"), (status = 422, description = "validation")),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<UserItem>), ApiError> {
    require_admin(&caller)?;
    let name: Username = req.name.parse().map_err(|_| {
        ApiError::invalid(
            "the user name is not valid",
            vec![field(
                "name",
                Reason::WrongType {
                    expected: "a user name".into(),
                },
            )],
        )
    })?;
    let (role, grids, hash) = checked(&st, &req.role, &req.grids, Some(&req.password)).await?;
    let n = name.clone();
    if st.blocking(move |s| s.user(&n)).await?.is_some() {
        return Err(ApiError::Conflict {
            code: "exists",
            message: format!("there is already an account {name}"),
        });
    }
    let rec = UserRecord {
        name,
        role,
        grids,
        password_hash: hash.expect("a password was given"),
    };
    let r = rec.clone();
    st.blocking(move |s| s.add_user(&r)).await?;
    tracing::info!(user = %rec.name, by = %caller.user, "account added");
    Ok((StatusCode::CREATED, Json(item(&rec))))
}

/// Changes an account's role or grids, or resets its password (administrator only).
#[utoipa::path(patch, path = "/api/v1/users/{name}", tag = "console", request_body = UserChange,
    params(("name" = String, Path, description = "the account")),
    responses((status = 200, body = UserItem), (status = 404, description = "not_found"), (status = 422, description = "validation")),
    security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<UserChange>,
) -> Result<Json<UserItem>, ApiError> {
    require_admin(&caller)?;
    let name: Username = name
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no account {name}")))?;
    let n = name.clone();
    let mut rec = st
        .blocking(move |s| s.user(&n))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {name}")))?;
    let role = req
        .role
        .clone()
        .unwrap_or_else(|| rec.role.key().to_owned());
    let grids = req
        .grids
        .clone()
        .unwrap_or_else(|| rec.grids.iter().map(|g| g.to_string()).collect());
    let (role, grids, hash) = checked(&st, &role, &grids, req.password.as_deref()).await?;
    rec.role = role;
    rec.grids = grids;
    if let Some(h) = hash {
        rec.password_hash = h;
    }
    let r = rec.clone();
    st.blocking(move |s| s.add_user(&r)).await?;
    tracing::info!(user = %rec.name, by = %caller.user, password = req.password.is_some(), "account changed");
    Ok(Json(item(&rec)))
}
