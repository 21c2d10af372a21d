//! The one error type of the HTTP API.
//!
//! Every handler returns `Result<_, ApiError>`; each variant maps to a status
//! and a stable `code`, and the body is always the core's
//! `{error: {code, message}}`. Internal failures are logged with their cause
//! and answered with a plain message, never a stack trace.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridsafe_core::validate::FieldError;
use gridsafe_core::wire::{ErrorBody, ErrorDetail};

use crate::store::StoreError;
use crate::store::full_disk;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first: this request needs an `Authorization: Bearer TOKEN` header")]
    Unauthorized,
    #[error("the sign-in token is not valid; sign in again")]
    BadToken,
    #[error(
        "a request signed in with the console's cookie must carry the X-Gridsafe-CSRF header given at sign-in"
    )]
    Csrf,
    #[error("this device was signed out by the town office; sign in again")]
    TokenRevoked,
    #[error("the sign-in has expired; sign in again")]
    TokenExpired,
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("{0}")]
    Forbidden(String),
    #[error(
        "this device was signed out by the town office and cannot sign in again; enrol it afresh"
    )]
    DeviceRevoked,
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The action does not fit the hazard's state; `reason` is the key of
    /// the core's `superseded` label table.
    #[error("{message}")]
    Superseded {
        reason: &'static str,
        message: String,
    },
    #[error("batch skips ahead: the server expects sequence {expected} next")]
    SequenceGap { expected: u64 },
    #[error("upload offset {given} is not the server's offset {expected}")]
    OffsetMismatch { given: u64, expected: u64 },
    #[error("{message}")]
    Invalid {
        code: String,
        message: String,
        fields: Vec<FieldError>,
    },
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error("the request took too long and was stopped")]
    Timeout,
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error(
        "the server's disk is full, so nothing of this request was stored; what it acknowledged before is kept. Try again later; the server's administrator must free space in its data directory"
    )]
    StorageFull(#[source] anyhow::Error),
    #[error("internal error; the server log has the details")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// An unexpected failure; a full disk is told apart (507), since it
    /// is for the administrator to fix and for the device to retry.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        let e = e.into();
        if full_disk::is_disk_full(&e) {
            ApiError::StorageFull(e)
        } else {
            ApiError::Internal(e)
        }
    }

    pub fn invalid(message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        ApiError::Invalid {
            code: "validation".into(),
            message: message.into(),
            fields,
        }
    }

    fn status_and_code(&self) -> (StatusCode, &str) {
        use ApiError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            BadToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            TokenRevoked => (StatusCode::UNAUTHORIZED, "token_revoked"),
            TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
            BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Csrf => (StatusCode::FORBIDDEN, "csrf"),
            DeviceRevoked => (StatusCode::FORBIDDEN, "device_revoked"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Superseded { .. } => (StatusCode::CONFLICT, "superseded"),
            SequenceGap { .. } => (StatusCode::CONFLICT, "sequence_gap"),
            OffsetMismatch { .. } => (StatusCode::CONFLICT, "offset_mismatch"),
            Invalid { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code.as_str()),
            TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            UnsupportedMedia(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_an_image"),
            Timeout => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            StorageFull(_) => (StatusCode::INSUFFICIENT_STORAGE, "storage_full"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The JSON error response for a status, code and message.
pub fn error_response(status: StatusCode, detail: ErrorDetail) -> Response {
    (status, axum::Json(ErrorBody { error: detail })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            ApiError::StorageFull(e) => tracing::error!(error = ?e, "the disk is full"),
            _ => {}
        }
        let (status, code) = self.status_and_code();
        let mut detail = ErrorDetail {
            code: code.to_owned(),
            message: self.to_string(),
            expected_seq: None,
            fields: Vec::new(),
            reason: None,
            retry_after_secs: None,
        };
        match &self {
            ApiError::SequenceGap { expected } => detail.expected_seq = Some(*expected),
            ApiError::Invalid { fields, .. } => detail.fields = fields.clone(),
            ApiError::Superseded { reason, .. } => detail.reason = Some((*reason).to_owned()),
            ApiError::TooManyAttempts { retry_after_secs } => {
                detail.retry_after_secs = Some(*retry_after_secs)
            }
            _ => {}
        }
        let mut resp = error_response(status, detail);
        match self {
            ApiError::TooManyAttempts { retry_after_secs } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            ApiError::OffsetMismatch { expected, .. } => {
                resp.headers_mut()
                    .insert("upload-offset", HeaderValue::from(expected));
            }
            _ => {}
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ApiError::NotFound(m),
            StoreError::Conflict(m) => ApiError::Conflict {
                code: "conflict",
                message: m,
            },
            StoreError::Backend(e) => ApiError::internal(e),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(e)
    }
}
