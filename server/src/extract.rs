//! Request extractors whose failures answer in the API's JSON error shape.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::Json`, with schema errors as 422 `schema`, a body over the limit as
/// 413 and bad syntax as 400, each with the parser's message.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(rejected)
    }
}

fn rejected(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::JsonDataError(e) => ApiError::Invalid {
            code: "schema".into(),
            message: e.body_text(),
            fields: Vec::new(),
        },
        JsonRejection::MissingJsonContentType(_) => missing_content_type(),
        e if e.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        e => ApiError::BadRequest(e.body_text()),
    }
}

fn missing_content_type() -> ApiError {
    ApiError::BadRequest("send the body as JSON with `Content-Type: application/json`".into())
}

fn too_large() -> ApiError {
    ApiError::TooLarge("the request body is larger than the server accepts".into())
}

/// A JSON body read whole but not yet parsed, so that parsing can wait for
/// its turn: the bytes are far smaller than what they parse into. Its
/// errors are [`ApiJson`]'s.
pub struct JsonBytes(Bytes);

impl JsonBytes {
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        axum::Json::<T>::from_bytes(&self.0)
            .map(|axum::Json(v)| v)
            .map_err(rejected)
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(missing_content_type());
        }
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(JsonBytes(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// `application/json` or `application/*+json`, parameters aside, as
/// axum's JSON extractor accepts.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_media_types_are_told_by_their_essence() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonp"));
        assert!(!is_json(""));
    }
}
