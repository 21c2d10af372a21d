//! The office's hazard views and actions: the filtered list, one hazard with
//! its trail and photos, and office decisions recorded as events.
//!
//! An action made online is stamped by the server's clock (ordered after
//! every event the server has seen) and refused with 409 when the fold
//! would keep it without effect: a click that silently does nothing would
//! mislead the office.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::event::EventKind;
use gridsafe_core::hazard::{HazardState, Superseded};
use gridsafe_core::location::Location;
use gridsafe_core::{
    DeviceId, EventBody, EventId, GridCode, HazardId, HazardLevel, HazardStatus, Hlc, Lang,
    PhotoHash, Sector, StableKey, Username,
};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::calendar::today;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::office::scoped_grids;
use crate::state::AppState;
use crate::store::{AppendOutcome, HazardQuery, HazardSort};
use crate::sync::rules::Rules;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// A grid code: that grid and everything below it.
    #[param(value_type = Option<String>)]
    pub grid: Option<GridCode>,
    /// One status key, or several separated by commas.
    pub status: Option<String>,
    #[param(value_type = Option<String>)]
    pub level: Option<HazardLevel>,
    #[param(value_type = Option<String>)]
    pub sector: Option<Sector>,
    /// Only hazards past their deadline and not yet rectified.
    pub overdue: Option<bool>,
    /// Only hazards under listed supervision (挂牌督办), or only those not.
    pub listed: Option<bool>,
    /// Free text in the description or the place.
    pub q: Option<String>,
    /// Reported on or after this day (Beijing time).
    pub from: Option<NaiveDate>,
    /// Reported on or before this day.
    pub to: Option<NaiveDate>,
    /// `reported_desc` (default), `reported_asc`, `deadline_asc` or `deadline_desc`.
    #[param(value_type = Option<String>)]
    pub sort: Option<HazardSort>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HazardItem {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub state: HazardState,
    pub overdue: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HazardPage {
    /// How many hazards match; at least this many when `total_exact` is
    /// false (a free-text, overdue or listed filter over many hazards is
    /// counted up to a bound).
    pub total: u64,
    pub total_exact: bool,
    pub page: u64,
    pub per_page: u64,
    pub items: Vec<HazardItem>,
}

/// The store query for the list's filters, limited to the caller's grids;
/// the list pages it, the export walks all of it.
pub async fn filter_query(
    st: &AppState,
    caller: &Caller,
    q: &ListQuery,
) -> Result<HazardQuery, ApiError> {
    let catalog = st.catalog().await?;
    let grids = scoped_grids(&catalog, caller, q.grid.as_ref())?;
    let roots = match &q.grid {
        Some(g) => vec![g.clone()],
        None => caller.scope.roots(&catalog.tree),
    };
    let status = q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<HazardStatus>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(HazardQuery {
        grids,
        roots: Some(roots),
        status,
        level: q.level,
        sector: q.sector,
        overdue_on: q.overdue.filter(|o| *o).map(|_| today()),
        listed: q.listed,
        text: q.q.clone(),
        from: q.from,
        to: q.to,
        sort: q.sort.unwrap_or_default(),
        after: None,
        offset: 0,
        limit: 0,
        known_total: None,
    })
}

/// Hazards in the caller's grids, newest report first unless `sort` says.
#[utoipa::path(get, path = "/api/v1/hazards", tag = "office", params(ListQuery),
    responses((status = 200, body = HazardPage)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<HazardPage>, ApiError> {
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(20).clamp(1, 200);
    let day = today();
    let mut query = filter_query(&st, &caller, &q).await?;
    query.offset = (page - 1) * per_page;
    query.limit = per_page;
    let (total, states) = st.blocking(move |s| s.hazards(&query)).await?;
    Ok(Json(HazardPage {
        total: total.n,
        total_exact: total.exact,
        page,
        per_page,
        items: states
            .into_iter()
            .map(|state| HazardItem {
                overdue: state.is_overdue(day),
                state,
            })
            .collect(),
    }))
}

/// One step of the trail (留痕).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrailStep {
    pub cursor: u64,
    #[schema(value_type = String)]
    pub id: EventId,
    /// The event kind's key, and its zh-CN label.
    pub kind: String,
    pub label: String,
    #[schema(value_type = String)]
    pub author: Username,
    #[schema(value_type = String)]
    pub device: DeviceId,
    /// When it was done (the stamp's wall time), and when the server got it.
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub hlc: Hlc,
    #[schema(value_type = Object)]
    pub location: Option<Location>,
    /// Set when the event is kept in the trail without effect.
    #[schema(value_type = String)]
    pub superseded: Option<Superseded>,
    #[schema(value_type = Object)]
    pub body: EventBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoRef {
    #[schema(value_type = String)]
    pub sha256: PhotoHash,
    /// `found` (the hazard as reported) or `after` (the rectification).
    pub stage: &'static str,
    pub url: String,
    pub thumb_url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HazardDetail {
    #[schema(value_type = Object)]
    pub state: HazardState,
    pub overdue: bool,
    pub events: Vec<TrailStep>,
    pub photos: Vec<PhotoRef>,
}

pub fn photo_ref(sha: &PhotoHash, stage: &'static str) -> PhotoRef {
    PhotoRef {
        sha256: sha.clone(),
        stage,
        url: format!("/api/v1/blobs/{sha}"),
        thumb_url: format!("/api/v1/blobs/{sha}/thumb"),
    }
}

fn parse_id(id: &str) -> Result<HazardId, ApiError> {
    id.parse()
        .map_err(|e: gridsafe_core::IdError| ApiError::BadRequest(e.to_string()))
}

async fn load(st: &AppState, caller: &Caller, id: HazardId) -> Result<HazardDetail, ApiError> {
    let catalog = st.catalog().await?;
    let found = st.blocking(move |s| s.hazard(id)).await?;
    let not_found = || ApiError::NotFound(format!("no hazard {id} in your grids"));
    let (state, trail) = found.ok_or_else(not_found)?;
    if !caller.scope.covers(&catalog.tree, &state.grid) {
        return Err(not_found());
    }
    let events = trail
        .into_iter()
        .map(|t| TrailStep {
            cursor: t.cursor,
            id: t.event.id,
            kind: t.event.kind().key().to_owned(),
            label: t.event.kind().label(Lang::ZhCn).to_owned(),
            author: t.event.author.clone(),
            device: t.event.device,
            at: t.event.hlc.time(),
            received_at: t.received_at,
            hlc: t.event.hlc,
            location: t.event.body.location().copied(),
            superseded: state
                .superseded
                .iter()
                .find(|s| s.event == t.event.id)
                .map(|s| s.reason),
            body: t.event.body,
        })
        .collect();
    let mut photos: Vec<PhotoRef> = state.photos.iter().map(|p| photo_ref(p, "found")).collect();
    photos.extend(state.after_photos.iter().map(|p| photo_ref(p, "after")));
    Ok(HazardDetail {
        overdue: state.is_overdue(today()),
        state,
        events,
        photos,
    })
}

/// A hazard: its state, its trail and its photos.
#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "office",
    params(("id" = String, Path, description = "the hazard id")),
    responses((status = 200, body = HazardDetail), (status = 404, description = "not_found")),
    security(("bearer" = [])))]
pub async fn detail(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<HazardDetail>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(load(&st, &caller, id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionDone {
    pub cursor: u64,
    #[schema(value_type = String)]
    pub event: EventId,
    #[serde(flatten)]
    pub hazard: HazardDetail,
}

/// Records an office decision on a hazard: confirm (with the 五到位 for a
/// major hazard), reject, list (挂牌督办), verify, send back, re-open, close.
/// The body is an event body `{type, data}`; the server stamps it.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/actions", tag = "office",
    params(("id" = String, Path, description = "the hazard id")),
    request_body(content = Object, description = "EventBody: {type: hazard_confirmed|hazard_rejected|hazard_listed|rectification_verified|rectification_sent_back|hazard_reopened|hazard_closed|rectification_started|rectification_submitted, data: {...}}"),
    responses(
        (status = 200, body = ActionDone),
        (status = 403, description = "the caller's role may not record this action"),
        (status = 404, description = "not_found: no such hazard in the caller's grids"),
        (status = 409, description = "superseded: the hazard's state does not allow it"),
        (status = 422, description = "validation, with field errors"),
    ),
    security(("bearer" = [])))]
pub async fn action(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<Json<ActionDone>, ApiError> {
    let id = parse_id(&id)?;
    if matches!(
        body.kind(),
        EventKind::HazardReported | EventKind::CheckLogged | EventKind::AccidentReported
    ) {
        return Err(ApiError::invalid(
            "a hazard action is one of: confirm, reject, list, verify, send back, re-open, close, start or submit a rectification",
            vec![],
        ));
    }
    if body.hazard() != Some(id) {
        return Err(ApiError::invalid(
            format!("data.hazard must be {id}, the hazard in the path"),
            vec![gridsafe_core::validate::FieldError {
                field: "hazard".into(),
                reason: gridsafe_core::validate::Reason::Required,
            }],
        ));
    }
    // A hazard outside the caller's grids is answered as if there were
    // none, as `GET /hazards/{id}` does: the answer must not tell a
    // village that a record of another exists.
    load(&st, &caller, id).await?;
    let (event, outcome) = crate::office::stamp_and_append(&st, &caller, body, true).await?;
    match outcome {
        AppendOutcome::Accepted { cursor, .. } => Ok(Json(ActionDone {
            cursor,
            event: event.id,
            hazard: load(&st, &caller, id).await?,
        })),
        AppendOutcome::WouldSupersede(reason) => Err(ApiError::Superseded {
            reason: reason.key(),
            message: format!("{} ({})", reason.label(Lang::En), reason.label(Lang::ZhCn)),
        }),
        AppendOutcome::Rejected(r) if r.code == "unknown_record" => {
            Err(ApiError::NotFound(format!("no hazard {id} in your grids")))
        }
        AppendOutcome::Rejected(r) if Rules::is_permission(&r.code) => {
            Err(ApiError::Forbidden(r.message))
        }
        AppendOutcome::Rejected(r) => Err(ApiError::Invalid {
            code: r.code,
            message: r.message,
            fields: r.fields,
        }),
    }
}
