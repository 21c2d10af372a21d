//! The HTTP routes, the OpenAPI document that lists them, and the layers
//! that every answer passes: a body limit, a timeout, request logs, and a
//! last guard that turns any error answer that is not yet JSON (an unknown
//! path, a wrong method, a bad query string) into `{error: {code, message}}`.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use gridsafe_core::wire::ErrorDetail;
use utoipa::OpenApi;

use crate::error::{ApiError, error_response};
use crate::state::AppState;
use crate::{assessment, auth, console, office, photos, report, summary, sync};

#[derive(OpenApi)]
#[openapi(
    info(title = "gridsafe-server", description = "The town safety office's sync server and console API (乡镇安全生产网格化监管). Wire types are those of crates/core/src/wire.rs and event.rs; every error is {error: {code, message}}."),
    paths(
        health,
        openapi_json,
        auth::login,
        sync::push::push,
        sync::pull::pull,
        photos::head,
        photos::patch,
        photos::put,
        photos::get,
        photos::thumb,
        office::hazards::list,
        office::hazards::detail,
        office::hazards::action,
        office::points::list,
        office::grids::list,
        office::urgent::list,
        office::devices::list,
        office::devices::revoke,
        office::export::export,
        office::tasks::list,
        office::tasks::create,
        office::tasks::detail,
        office::records::list,
        office::records::detail,
        office::records::judge_impact,
        office::duty::switch,
        office::coverage::quarter,
        summary::summary,
        assessment::get,
        assessment::preview,
        assessment::get_rubric,
        assessment::put_rubric,
        report::duty,
        report::reminder,
        console::session::create,
        console::session::current,
        console::session::delete,
        console::config::get,
        console::inbox::list,
        console::inbox::ack,
        console::users::list,
        console::users::create,
        console::users::update,
        console::import::import,
    ),
    modifiers(&Conventions)
)]
pub struct ApiDoc;

/// What every route shares: the bearer scheme, and the error shape. Every
/// error answer of every route is `{error: {code, message}}` (the `Error`
/// schema), so each operation gets it as its `default` answer, and the
/// error answers documented without a body get it as theirs.
struct Conventions;

impl utoipa::Modify for Conventions {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let text = || ObjectBuilder::new().schema_type(Type::String);
        let detail = ObjectBuilder::new()
            .property(
                "code",
                text().description(Some("a stable code, e.g. forbidden")),
            )
            .property(
                "message",
                text().description(Some("what went wrong, for a person")),
            )
            .required("code")
            .required("message");
        components.schemas.insert(
            "Error".into(),
            ObjectBuilder::new()
                .property("error", detail)
                .required("error")
                .into(),
        );
        let error = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build()
        };
        for item in api.paths.paths.values_mut() {
            let ops = [
                (&mut item.get, true),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
                (&mut item.options, true),
                (&mut item.trace, true),
                // A HEAD answer has no body.
                (&mut item.head, false),
            ];
            for (op, with_body) in ops {
                let Some(op) = op else { continue };
                for (status, resp) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = resp
                        && with_body
                        && (status.starts_with('4') || status.starts_with('5'))
                        && r.content.is_empty()
                    {
                        r.content.insert("application/json".into(), error());
                    }
                }
                let mut default =
                    ResponseBuilder::new().description("an error: {error: {code, message}}");
                if with_body {
                    default = default.content("application/json", error());
                }
                op.responses
                    .responses
                    .entry("default".into())
                    .or_insert_with(|| RefOr::T(default.build()));
            }
        }
    }
}

/// Liveness: answers once the store is reachable.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "{status: ok}")))]
pub async fn health(
    axum::extract::State(st): axum::extract::State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    st.blocking(|s| s.catalog_rev()).await?;
    Ok(Json(serde_json::json!({"status": "ok"})))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The stable code for a status, for answers that did not come from `ApiError`.
fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "validation",
        429 => "too_many_attempts",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .unwrap_or_default();
    let mut message = String::from_utf8_lossy(&text).trim().to_owned();
    if message.is_empty() || status.is_server_error() {
        message = status.canonical_reason().unwrap_or("error").to_owned();
    }
    let mut out = error_response(
        status,
        ErrorDetail {
            code: code_for(status).into(),
            message,
            expected_seq: None,
            fields: Vec::new(),
            reason: None,
            retry_after_secs: None,
        },
    );
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

async fn timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; GET /api/openapi.json lists them".into())
}

async fn wrong_method() -> ApiError {
    ApiError::MethodNotAllowed("this route does not take that method".into())
}

pub fn router(st: AppState) -> Router {
    let s = &st.settings;
    let json_limit = s.max_json_bytes;
    let json_timeout = Duration::from_secs(s.request_timeout_secs);
    // A photo may come over a slow link in one piece: a larger body and more time.
    let blob_limit = s.max_photo_bytes as usize + 64 * 1024;
    let blob_timeout = json_timeout.max(Duration::from_secs(600));
    let headers = std::sync::Arc::new(crate::headers::SecurityHeaders::new(s));

    let api = Router::new()
        .route("/healthz", get(health))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/sync/push", post(sync::push::push))
        .route("/api/v1/sync/pull", get(sync::pull::pull))
        .route(
            "/api/v1/auth/session",
            post(console::session::create)
                .get(console::session::current)
                .delete(console::session::delete),
        )
        .route("/api/v1/console/config", get(console::config::get))
        .route("/api/v1/inbox", get(console::inbox::list))
        .route("/api/v1/inbox/ack", post(console::inbox::ack))
        .route(
            "/api/v1/users",
            get(console::users::list).post(console::users::create),
        )
        .route("/api/v1/users/{name}", patch(console::users::update))
        .route("/api/v1/import/{kind}", post(console::import::import))
        .route("/api/v1/hazards/export", get(office::export::export))
        .route("/api/v1/hazards", get(office::hazards::list))
        .route("/api/v1/hazards/{id}", get(office::hazards::detail))
        .route(
            "/api/v1/hazards/{id}/actions",
            post(office::hazards::action),
        )
        .route("/api/v1/points", get(office::points::list))
        .route("/api/v1/grids", get(office::grids::list))
        .route("/api/v1/grids/{code}/summary", get(summary::summary))
        .route("/api/v1/assessment", get(assessment::get))
        .route("/api/v1/assessment/preview", post(assessment::preview))
        .route(
            "/api/v1/assessment/rubric",
            get(assessment::get_rubric).put(assessment::put_rubric),
        )
        .route("/api/v1/reports/duty", get(report::duty))
        .route("/api/v1/reports/duty/reminder", get(report::reminder))
        .route("/api/v1/urgent", get(office::urgent::list))
        .route(
            "/api/v1/tasks",
            get(office::tasks::list).post(office::tasks::create),
        )
        .route("/api/v1/tasks/{id}", get(office::tasks::detail))
        .route("/api/v1/records/{kind}", get(office::records::list))
        .route("/api/v1/records/{kind}/{id}", get(office::records::detail))
        .route(
            "/api/v1/records/accidents/{id}/impact",
            post(office::records::judge_impact),
        )
        .route("/api/v1/duty", post(office::duty::switch))
        .route("/api/v1/coverage", get(office::coverage::quarter))
        .route("/api/v1/devices", get(office::devices::list))
        .route("/api/v1/devices/{id}/revoke", post(office::devices::revoke))
        .layer(DefaultBodyLimit::max(json_limit))
        .layer(middleware::from_fn(move |req, next| {
            timeout(json_timeout, req, next)
        }));

    let blobs = Router::new()
        .route(
            "/api/v1/blobs/{sha}",
            get(photos::get)
                .head(photos::head)
                .patch(photos::patch)
                .put(photos::put),
        )
        .route("/api/v1/blobs/{sha}/thumb", get(photos::thumb))
        .layer(DefaultBodyLimit::max(blob_limit))
        .layer(middleware::from_fn(move |req, next| {
            timeout(blob_timeout, req, next)
        }));

    // The console page and its assets (not JSON: left alone by json_errors
    // when they answer HTML).
    let ui = Router::new()
        .route("/", get(console::ui::index))
        .route("/assets/{*path}", get(console::ui::asset));

    api.merge(blobs)
        .merge(ui)
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn(json_errors))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(
                    tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO),
                )
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .layer(middleware::map_response(move |r: Response| {
            let headers = headers.clone();
            async move { headers.apply(r) }
        }))
        .with_state(st)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::OpenApi;

    /// `/a/{x}/b` and `/a/{y}/b` name the same route.
    fn shape(path: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for c in path.chars() {
            match c {
                '{' => {
                    depth += 1;
                    out.push_str("{}");
                }
                '}' => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    /// Every path the router serves under /api and /healthz is in the
    /// OpenAPI document, and the other way round, so the document is the
    /// route list that the permission tests walk.
    #[test]
    fn the_openapi_document_lists_every_route() {
        let src = include_str!("router.rs");
        let routed: BTreeSet<String> = src
            .match_indices(".route(")
            .filter_map(|(i, m)| {
                let rest = src[i + m.len()..].trim_start();
                let rest = rest.strip_prefix('"')?;
                let path = &rest[..rest.find('"')?];
                (path.starts_with("/api") || path == "/healthz").then(|| shape(path))
            })
            .collect();
        let listed: BTreeSet<String> = super::ApiDoc::openapi()
            .paths
            .paths
            .keys()
            .map(|p| shape(p))
            .collect();
        assert!(routed.len() > 20, "{routed:?}");
        assert_eq!(routed, listed);
    }
}
