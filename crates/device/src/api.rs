//! The server's HTTP API as the device uses it (reqwest, blocking, rustls).
//!
//! Every answer is mapped to an [`ApiError`] that says what the device
//! should do next: retry later (network, 5xx), stop and ask the user to sign
//! in again (401), resend from another sequence (`sequence_gap`), resume an
//! upload from the server's offset (`offset_mismatch`), or give up on this
//! item (any other refusal, with the server's code and message).

use std::time::Duration;

use gridsafe_core::PhotoHash;
use gridsafe_core::grid::GridNode;
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::wire::{
    ErrorBody, LoginRequest, LoginResponse, PullPage, PushRequest, PushResponse,
};
use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("cannot reach the server at {url}: {reason}")]
    Network { url: String, reason: String },
    #[error("the server failed ({status}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server refused the sign-in ({code}): {message}")]
    Auth { code: String, message: String },
    #[error("the server expects sequence {expected_seq} next")]
    SequenceGap { expected_seq: u64 },
    #[error("the server holds {offset} bytes of this photo")]
    OffsetMismatch { offset: u64 },
    #[error("the server refused the request ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server's answer could not be read: {0}")]
    BadAnswer(String),
}

impl ApiError {
    /// Worth trying again after a pause.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network { .. } | ApiError::Server { .. } => true,
            ApiError::Refused { status, .. } => *status == 429 || *status == 408,
            _ => false,
        }
    }
}

/// Timeouts for the HTTP client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// The state of a blob upload on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadState {
    pub offset: u64,
    pub complete: bool,
}

pub struct Client {
    http: Http,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(
        server: &str,
        token: Option<String>,
        opts: &ClientOptions,
    ) -> Result<Self, ApiError> {
        let http = Http::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .user_agent(concat!("gridsafe-device/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Network {
                url: server.into(),
                reason: e.to_string(),
            })?;
        Ok(Client {
            http,
            base: server.trim_end_matches('/').to_string(),
            token,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn authed(&self, rb: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn send(&self, rb: RequestBuilder, url: &str) -> Result<Response, ApiError> {
        let resp = self.authed(rb).send().map_err(|e| network(url, e))?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(error_of(resp))
        }
    }

    fn json<T: DeserializeOwned>(resp: Response, url: &str) -> Result<T, ApiError> {
        let bytes = resp.bytes().map_err(|e| network(url, e))?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::BadAnswer(format!("{url}: {e}")))
    }

    pub fn login(&self, req: &LoginRequest) -> Result<LoginResponse, ApiError> {
        let url = self.url("/auth/login");
        let resp = self.send(self.http.post(&url).json(req), &url)?;
        Self::json(resp, &url)
    }

    /// The grid tree in the caller's scope.
    pub fn grids(&self) -> Result<Vec<GridNode>, ApiError> {
        let url = self.url("/grids");
        let v: Value = Self::json(self.send(self.http.get(&url), &url)?, &url)?;
        items(v, &["grids", "items", "nodes"])
            .into_iter()
            .map(|g| {
                serde_json::from_value(rename(g, &[("parent_code", "parent")]))
                    .map_err(|e| ApiError::BadAnswer(format!("{url}: a grid: {e}")))
            })
            .collect()
    }

    /// The monitoring points in the caller's scope.
    pub fn points(&self) -> Result<Vec<MonitoringPoint>, ApiError> {
        let url = self.url("/points");
        let v: Value = Self::json(self.send(self.http.get(&url), &url)?, &url)?;
        items(v, &["points", "items"])
            .into_iter()
            .map(|p| {
                serde_json::from_value(rename(p, &[("grid_code", "grid")]))
                    .map_err(|e| ApiError::BadAnswer(format!("{url}: a point: {e}")))
            })
            .collect()
    }

    pub fn push(&self, req: &PushRequest) -> Result<PushResponse, ApiError> {
        let url = self.url("/sync/push");
        let resp = self.send(self.http.post(&url).json(req), &url)?;
        Self::json(resp, &url)
    }

    pub fn pull(&self, since: u64, limit: u32) -> Result<PullPage, ApiError> {
        let url = self.url(&format!("/sync/pull?since={since}&limit={limit}"));
        let resp = self.send(self.http.get(&url), &url)?;
        Self::json(resp, &url)
    }

    /// How much of a blob the server holds.
    pub fn blob_state(&self, hash: &PhotoHash) -> Result<UploadState, ApiError> {
        let url = self.url(&format!("/blobs/{hash}"));
        let resp = self.send(self.http.head(&url), &url)?;
        Ok(upload_state(&resp))
    }

    /// Sends `chunk`, the bytes of the blob from `offset` on.
    pub fn blob_patch(
        &self,
        hash: &PhotoHash,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadState, ApiError> {
        let url = self.url(&format!("/blobs/{hash}"));
        let len = chunk.len() as u64;
        let rb = self
            .http
            .patch(&url)
            .header("Upload-Offset", offset)
            .header("Upload-Length", total)
            .header("Content-Type", "application/offset+octet-stream")
            .body(chunk);
        let resp = self.send(rb, &url)?;
        let mut state = upload_state(&resp);
        if resp.headers().get("Upload-Offset").is_none() {
            state.offset = offset + len;
        }
        Ok(state)
    }
}

fn upload_state(resp: &Response) -> UploadState {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .map(str::to_owned)
    };
    UploadState {
        offset: header("Upload-Offset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        complete: header("Upload-Complete").is_some_and(|v| v == "?1" || v == "true"),
    }
}

fn network(url: &str, e: reqwest::Error) -> ApiError {
    // The source chain says what actually happened (refused, reset, timed out).
    let mut reason = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        reason = format!("{reason}: {s}");
        src = s.source();
    }
    ApiError::Network {
        url: url.to_string(),
        reason,
    }
}

fn error_of(resp: Response) -> ApiError {
    let status = resp.status();
    let offset = resp
        .headers()
        .get("Upload-Offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let url = resp.url().to_string();
    let body = resp.bytes().unwrap_or_default();
    let detail = serde_json::from_slice::<ErrorBody>(&body)
        .ok()
        .map(|b| b.error);
    let code = detail
        .as_ref()
        .map(|d| d.code.clone())
        .unwrap_or_else(|| status.as_str().to_string());
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&body);
            let text = text.trim();
            if text.is_empty() {
                format!("{status} from {url}")
            } else {
                text.chars().take(300).collect()
            }
        });
    if status == StatusCode::UNAUTHORIZED {
        return ApiError::Auth { code, message };
    }
    if code == "sequence_gap"
        && let Some(expected_seq) = detail.as_ref().and_then(|d| d.expected_seq)
    {
        return ApiError::SequenceGap { expected_seq };
    }
    if status == StatusCode::CONFLICT
        && code == "offset_mismatch"
        && let Some(offset) = offset
    {
        return ApiError::OffsetMismatch { offset };
    }
    if status.is_server_error() {
        return ApiError::Server {
            status: status.as_u16(),
            code,
            message,
        };
    }
    ApiError::Refused {
        status: status.as_u16(),
        code,
        message,
    }
}

/// A list answered either bare or wrapped in an object.
fn items(v: Value, keys: &[&str]) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Object(mut o) => keys
            .iter()
            .find_map(|k| match o.remove(*k) {
                Some(Value::Array(a)) => Some(a),
                _ => None,
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn rename(mut v: Value, pairs: &[(&str, &str)]) -> Value {
    if let Value::Object(o) = &mut v {
        for (from, to) in pairs {
            if !o.contains_key(*to)
                && let Some(x) = o.remove(*from)
            {
                o.insert((*to).to_string(), x);
            }
        }
    }
    v
}
