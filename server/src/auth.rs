//! Accounts, sign-in and bearer tokens.
//!
//! Passwords are kept as argon2id hashes. A sign-in gives a random bearer
//! token (32 bytes) bound to one device; the server keeps only the token's
//! SHA-256, so a copy of the database lets no one sign in. Revoking a device
//! (a lost phone) revokes every token bound to it. Failed sign-ins are
//! limited per account and per address.
//!
//! The console signs in the same way but keeps its token in an `HttpOnly`
//! session cookie (see [`crate::console::session`]). A cookie is sent by the
//! browser on its own, so a state-changing request authenticated by it must
//! also carry the `X-Gridsafe-CSRF` header, which a page of another site
//! cannot set; bearer tokens need no such header.

use std::net::SocketAddr;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use gridsafe_core::access::Scope;
use gridsafe_core::sha256_hex;
use gridsafe_core::wire::{LoginRequest, LoginResponse};
use gridsafe_core::{DeviceId, Username};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// One Argon2 computation at a time. Each takes 19 MiB; many phones
/// signing in together would otherwise take that many times over, and the
/// allocator keeps the memory long after (hundreds of MiB after a few
/// hundred sign-ins on two cores, for no gain in speed).
static HASHING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// An argon2id hash of a password, in the PHC string format.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let _one = HASHING.lock().unwrap_or_else(|p| p.into_inner());
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    let _one = HASHING.lock().unwrap_or_else(|p| p.into_inner());
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new bearer token: 32 random bytes as hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the server stores of a token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Username,
    pub scope: Scope,
    pub device: DeviceId,
}

impl Caller {
    pub fn require_office(&self) -> Result<(), ApiError> {
        if self.scope.is_office() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only the town safety office may do this".into(),
            ))
        }
    }
}

/// The name of the console's session cookie.
pub const SESSION_COOKIE: &str = "gridsafe_session";
/// The header a cookie-authenticated state-changing request must carry.
pub const CSRF_HEADER: &str = "x-gridsafe-csrf";

/// The CSRF token of a session: derived from the session token, so the
/// server keeps nothing more and only the holder of the cookie's value (the
/// console, told it at sign-in) can know it.
pub fn csrf_token(session_token: &str) -> String {
    sha256_hex(format!("gridsafe-csrf:{session_token}").as_bytes())
}

/// The session token in the request's cookies, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The token a request is authenticated with: the bearer header, else the
/// session cookie (then with the CSRF check for anything but a read).
pub fn request_token(
    headers: &axum::http::HeaderMap,
    method: &axum::http::Method,
) -> Result<String, ApiError> {
    if let Some(header) = headers.get(AUTHORIZATION) {
        return header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or(ApiError::Unauthorized);
    }
    let token = session_cookie(headers).ok_or(ApiError::Unauthorized)?;
    let safe = matches!(
        *method,
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if !safe {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sent != csrf_token(&token) {
            return Err(ApiError::Csrf);
        }
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let token = request_token(&parts.headers, &parts.method)?;
        let hash = token_hash(&token);
        let rec = st
            .blocking(move |s| s.token(&hash))
            .await?
            .ok_or(ApiError::BadToken)?;
        if rec.revoked {
            return Err(ApiError::TokenRevoked);
        }
        if rec.expires_at <= Utc::now() {
            return Err(ApiError::TokenExpired);
        }
        Ok(Caller {
            user: rec.user,
            scope: Scope {
                role: rec.role,
                grids: rec.grids,
            },
            device: rec.device,
        })
    }
}

/// Signs in and binds a new token to the device (issuing a device id when
/// the device has none yet).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = Object, description = "LoginRequest: {username, password, device_id?, device_name?}"),
    responses(
        (status = 200, description = "LoginResponse: {token, user, role, grids, device_id, expires_at}"),
        (status = 401, description = "bad_credentials"),
        (status = 403, description = "device_revoked"),
        (status = 429, description = "too_many_attempts, with Retry-After"),
    ))]
pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    Ok(Json(sign_in(&st, addr, req, |_| Ok(())).await?))
}

/// Checks the password (with the sign-in limits), enrols the device and
/// issues a token. `admit` may refuse the account before a token is made.
pub async fn sign_in(
    st: &AppState,
    addr: SocketAddr,
    req: LoginRequest,
    admit: impl FnOnce(&crate::store::UserRecord) -> Result<(), ApiError>,
) -> Result<LoginResponse, ApiError> {
    let account_key = format!("user:{}", req.username.trim());
    let keys = [account_key.clone(), format!("addr:{}", addr.ip())];
    st.limiter
        .check(&keys)
        .map_err(|retry_after_secs| ApiError::TooManyAttempts { retry_after_secs })?;
    let name: Option<Username> = req.username.parse().ok();
    let user = match name {
        Some(n) => st.blocking(move |s| s.user(&n)).await?,
        None => None,
    };
    let password = req.password.clone();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => false,
    })
    .await?;
    let Some(user) = user.filter(|_| ok) else {
        st.limiter.fail(&keys);
        tracing::info!(user = %req.username, %addr, "failed sign-in");
        return Err(ApiError::BadCredentials);
    };
    st.limiter.succeed(&account_key);
    admit(&user)?;
    let device = req.device_id.unwrap_or_default();
    let device_name = req.device_name.clone();
    let u = user.name.clone();
    let enrolled = st
        .blocking(move |s| s.enrol_device(device, &u, device_name.as_deref()))
        .await?;
    if !enrolled {
        return Err(ApiError::DeviceRevoked);
    }
    let token = new_token();
    let expires_at = Utc::now() + Duration::days(st.settings.token_days as i64);
    let (hash, u) = (token_hash(&token), user.name.clone());
    st.blocking(move |s| s.add_token(&hash, &u, device, expires_at))
        .await?;
    tracing::info!(user = %user.name, %device, "signed in");
    Ok(LoginResponse {
        token,
        user: user.name,
        role: user.role,
        grids: user.grids,
        device_id: device,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("秘密-123").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("秘密-123", &h));
        assert!(!verify_password("secret", &h));
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
    }
}
