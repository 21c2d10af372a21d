//! Serves the built console: `GET /` answers `office/index.html` of the UI
//! folder and `GET /assets/*` its scripts, styles and fonts.
//!
//! The folder is `--ui-dir` / `GRIDSAFE_UI_DIR` when given; otherwise
//! `ui/dist` under the current directory, else `ui/dist` of the source tree
//! the binary was built from (so `cargo run` and the tests find a fresh
//! `npm run build`). Without a build, `/` says how to make one.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;

/// The UI folder the server serves from.
pub fn ui_dir(settings: &Settings) -> PathBuf {
    if let Some(d) = &settings.ui_dir {
        return d.clone();
    }
    let here = PathBuf::from("ui/dist");
    if here.join("office/index.html").is_file() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist")
}

const MISSING: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>gridsafe</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.6">
<h1>镇安办工作台尚未构建 · The console is not built</h1>
<p>在 <code>ui/</code> 目录运行 <code>npm ci &amp;&amp; npm run build</code>，然后刷新本页；
或用 <code>--ui-dir</code>（环境变量 <code>GRIDSAFE_UI_DIR</code>）指向已构建的 <code>ui/dist</code> 目录。</p>
<p>Run <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>, then reload this page,
or point <code>--ui-dir</code> (<code>GRIDSAFE_UI_DIR</code>) at a built <code>ui/dist</code> folder.</p>
<p>The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>"#;

fn html(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page names its hashed assets: it must be fetched afresh.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The console page.
pub async fn index(State(st): State<AppState>) -> Response {
    let file = ui_dir(&st.settings).join("office/index.html");
    match tokio::task::spawn_blocking(move || std::fs::read(file)).await {
        Ok(Ok(bytes)) => html(StatusCode::OK, bytes),
        _ => html(StatusCode::SERVICE_UNAVAILABLE, MISSING.as_bytes().to_vec()),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        _ => "application/octet-stream",
    }
}

/// A built asset; its name carries a content hash, so it may be cached for good.
pub async fn asset(
    State(st): State<AppState>,
    UrlPath(rel): UrlPath<String>,
) -> Result<Response, ApiError> {
    let rel = PathBuf::from(&rel);
    // Only plain names below assets/: no `..`, no absolute paths.
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(ApiError::NotFound(format!("no asset {}", rel.display())));
    }
    let file = ui_dir(&st.settings).join("assets").join(&rel);
    let path = file.clone();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await?
        .map_err(|_| ApiError::NotFound(format!("no asset {}", rel.display())))?;
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&file)),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(r)
}
