//! Request extractors whose failures answer in the API's JSON error shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::Json`, with schema errors as 422 `schema`, a body over the limit as
/// 413 and bad syntax as 400, each with the parser's message.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Invalid {
                code: "schema".into(),
                message: e.body_text(),
                fields: Vec::new(),
            }),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::BadRequest(
                "send the body as JSON with `Content-Type: application/json`".into(),
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TooLarge(
                "the request body is larger than the server accepts".into(),
            )),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}
