//! The console's sign-in session: `POST /api/v1/auth/session` checks the
//! password like the phone's login and puts the token in an `HttpOnly;
//! SameSite=Strict` cookie instead of handing it to page scripts; the answer
//! carries the CSRF token that state-changing requests send back in
//! `X-Gridsafe-CSRF`. The token is stored hashed like any bearer token, and
//! bound to a device (the browser), which the office can revoke.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use gridsafe_core::wire::LoginRequest;
use gridsafe_core::{DeviceId, Role};
use serde::Serialize;

use crate::auth::{
    Caller, SESSION_COOKIE, csrf_token, request_token, session_cookie, sign_in, token_hash,
};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub user: String,
    /// `office` or `admin`.
    pub role: String,
    pub grids: Vec<String>,
    #[schema(value_type = String)]
    pub device_id: DeviceId,
    pub expires_at: Option<DateTime<Utc>>,
    /// Send it back as `X-Gridsafe-CSRF` on every POST, PUT, PATCH, DELETE.
    pub csrf: Option<String>,
}

fn cookie(st: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if st.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .expect("a token is hex")
}

/// Signs in to the console (office and admin accounts only).
#[utoipa::path(post, path = "/api/v1/auth/session", tag = "console",
    request_body(content = Object, description = "{username, password, device_id?, device_name?}"),
    responses(
        (status = 200, body = SessionInfo, description = "with Set-Cookie: gridsafe_session=…; HttpOnly; SameSite=Strict"),
        (status = 401, description = "bad_credentials"),
        (status = 403, description = "forbidden: not an office or admin account"),
        (status = 429, description = "too_many_attempts"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(mut req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    if req.device_name.is_none() {
        req.device_name = Some("镇安办工作台 (浏览器)".into());
    }
    let done = sign_in(&st, addr, req, |u| {
        if matches!(u.role, Role::Office | Role::Admin) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "the console is for the town safety office (office or admin accounts); inspectors and volunteers use the phone app".into(),
            ))
        }
    })
    .await?;
    let max_age = (done.expires_at - Utc::now()).num_seconds().max(0);
    let info = SessionInfo {
        user: done.user.to_string(),
        role: done.role.to_string(),
        grids: done.grids.iter().map(|g| g.to_string()).collect(),
        device_id: done.device_id,
        expires_at: Some(done.expires_at),
        csrf: Some(csrf_token(&done.token)),
    };
    let mut resp = Json(info).into_response();
    resp.headers_mut()
        .insert(SET_COOKIE, cookie(&st, &done.token, max_age));
    Ok(resp)
}

/// Who is signed in (and the CSRF token again, after a page reload).
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "console",
    responses((status = 200, body = SessionInfo), (status = 401, description = "not signed in")),
    security(("bearer" = [])))]
pub async fn current(caller: Caller, headers: HeaderMap) -> Result<Json<SessionInfo>, ApiError> {
    let csrf = session_cookie(&headers)
        .filter(|_| headers.get(axum::http::header::AUTHORIZATION).is_none())
        .map(|t| csrf_token(&t));
    Ok(Json(SessionInfo {
        user: caller.user.to_string(),
        role: caller.scope.role.to_string(),
        grids: caller.scope.grids.iter().map(|g| g.to_string()).collect(),
        device_id: caller.device,
        expires_at: None,
        csrf,
    }))
}

/// Signs out: the token that made this request stops working, and the
/// cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/auth/session", tag = "console",
    responses((status = 204, description = "signed out"), (status = 403, description = "csrf")),
    security(("bearer" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    caller: Caller,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = request_token(&headers, &method)?;
    let hash = token_hash(&token);
    st.blocking(move |s| s.remove_token(&hash)).await?;
    tracing::info!(user = %caller.user, "signed out of the console");
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie(&st, "", 0));
    Ok(resp)
}
