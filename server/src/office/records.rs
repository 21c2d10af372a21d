//! Township records for review: meetings (会议纪录), rural banquets
//! (农村家宴备案), signed promises (责任书/承诺书) and accidents (事故), each
//! listed by grid and period and shown with its photos.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

use gridsafe_core::event::AccidentImpactJudged;
use gridsafe_core::{
    AccidentId, DeviceId, EventBody, EventId, GridCode, Lang, StableKey, Username,
};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::office::hazards::{PhotoRef, photo_ref};
use crate::office::scoped_grids;
use crate::state::AppState;
use crate::store::records::AccidentImpact;
use crate::store::{RecordKind, TrailEvent};
use crate::summary::period_or_error;

/// One stored event of a record or task, as the console shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordEvent {
    pub cursor: u64,
    /// The event's id (a record's own id is `id` beside it).
    #[serde(rename = "event")]
    #[schema(value_type = String)]
    pub event_id: EventId,
    pub kind: String,
    pub label: String,
    #[schema(value_type = String)]
    pub author: Username,
    #[schema(value_type = String)]
    pub device: DeviceId,
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// The event body `{type, data}`.
    #[schema(value_type = Object)]
    pub body: EventBody,
}

impl From<TrailEvent> for RecordEvent {
    fn from(t: TrailEvent) -> Self {
        RecordEvent {
            cursor: t.cursor,
            event_id: t.event.id,
            kind: t.event.kind().key().to_owned(),
            label: t.event.kind().label(Lang::ZhCn).to_owned(),
            author: t.event.author.clone(),
            device: t.event.device,
            at: t.event.hlc.time(),
            received_at: t.received_at,
            body: t.event.body,
        }
    }
}

/// A record with its photos.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordItem {
    pub id: String,
    pub grid: String,
    #[serde(flatten)]
    pub event: RecordEvent,
    pub photos: Vec<PhotoRef>,
    /// An accident's social impact as the office last judged it (造成恶劣
    ///社会影响: the assessment's one-vote veto); absent until judged and for
    /// other records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<AccidentImpact>,
}

fn record_item_with(t: TrailEvent, impacts: &BTreeMap<String, AccidentImpact>) -> RecordItem {
    let photos = t
        .event
        .body
        .photos()
        .iter()
        .map(|p| photo_ref(p, "record"))
        .collect();
    let id = match t.event.body.entity() {
        gridsafe_core::event::EntityRef::Meeting(m) => m.to_string(),
        gridsafe_core::event::EntityRef::Banquet(b) => b.to_string(),
        gridsafe_core::event::EntityRef::Promise(p) => p.to_string(),
        gridsafe_core::event::EntityRef::Accident(a) => a.to_string(),
        other => format!("{other:?}"),
    };
    RecordItem {
        impact: impacts.get(&id).cloned(),
        id,
        grid: t
            .event
            .body
            .grid()
            .map(|g| g.to_string())
            .unwrap_or_default(),
        photos,
        event: t.into(),
    }
}

fn kind_of(kind: &str) -> Result<RecordKind, ApiError> {
    RecordKind::from_plural(kind).ok_or_else(|| {
        ApiError::NotFound(format!(
            "there are no records of kind {kind:?}; use meetings, banquets, promises or accidents"
        ))
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RecordQuery {
    /// A grid code: that grid and everything below it.
    #[param(value_type = Option<String>)]
    pub grid: Option<GridCode>,
    /// First day (held, signed, happened).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Instead of from/to: `2026`, `2026-H1`, `2026-Q3`.
    pub period: Option<String>,
    /// At most this many, newest first (default 200, at most 1000).
    pub limit: Option<u64>,
}

/// Meetings, banquets, promises or accidents in the caller's grids.
#[utoipa::path(get, path = "/api/v1/records/{kind}", tag = "records",
    params(("kind" = String, Path, description = "meetings, banquets, promises or accidents"), RecordQuery),
    responses((status = 200, body = Vec<RecordItem>), (status = 404, description = "no such kind")),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    Query(q): Query<RecordQuery>,
) -> Result<Json<Vec<RecordItem>>, ApiError> {
    let kind = kind_of(&kind)?;
    let catalog = st.catalog().await?;
    let grids = scoped_grids(&catalog, &caller, q.grid.as_ref())?;
    let (from, to) = match &q.period {
        Some(p) => {
            let (f, t) = period_or_error(p)?;
            (Some(f), Some(t))
        }
        None => (q.from, q.to),
    };
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let (rows, impacts) = st
        .blocking(move |s| {
            let rows = s.records(kind, grids.as_deref(), from, to, limit)?;
            let impacts = match kind {
                RecordKind::Accident => s.accident_impacts()?,
                _ => BTreeMap::new(),
            };
            Ok((rows, impacts))
        })
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| record_item_with(r, &impacts))
            .collect(),
    ))
}

/// One record with its photos.
#[utoipa::path(get, path = "/api/v1/records/{kind}/{id}", tag = "records",
    params(("kind" = String, Path, description = "meetings, banquets, promises or accidents"),
           ("id" = String, Path, description = "the record id")),
    responses((status = 200, body = RecordItem), (status = 404, description = "not_found")),
    security(("bearer" = [])))]
pub async fn detail(
    State(st): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<RecordItem>, ApiError> {
    let kind = kind_of(&kind)?;
    let catalog = st.catalog().await?;
    let key = id.clone();
    let found = st.blocking(move |s| s.record(kind, &key)).await?;
    let not_found =
        || ApiError::NotFound(format!("no {} record {id} in your grids", kind.plural()));
    let t = found.ok_or_else(not_found)?;
    let visible = t
        .event
        .body
        .grid()
        .is_some_and(|g| caller.scope.covers(&catalog.tree, g));
    if !visible {
        return Err(not_found());
    }
    let impacts = match kind {
        RecordKind::Accident => st.blocking(|s| s.accident_impacts()).await?,
        _ => BTreeMap::new(),
    };
    Ok(Json(record_item_with(t, &impacts)))
}

/// The office's judgement of an accident's social impact.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactBody {
    /// Whether the accident caused especially bad social impact (造成恶劣社会影响).
    pub bad_social_impact: bool,
    /// Why, for the record (e.g. the county's notice).
    #[serde(default)]
    pub note: Option<String>,
}

/// Marks an accident as having caused especially bad social impact, or
/// takes the mark back: an office event (`accident_impact_judged`) with the
/// officer's name in the record's trail. The assessment's one-vote veto
/// follows the latest judgement.
#[utoipa::path(post, path = "/api/v1/records/accidents/{id}/impact", tag = "records",
    params(("id" = String, Path, description = "the accident id")),
    request_body = ImpactBody,
    responses((status = 200, body = RecordItem),
        (status = 403, description = "not the town safety office"),
        (status = 404, description = "no such accident in the caller's grids"),
        (status = 422, description = "the note is too long")),
    security(("bearer" = [])))]
pub async fn judge_impact(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ImpactBody>,
) -> Result<Json<RecordItem>, ApiError> {
    let not_found = || ApiError::NotFound(format!("no accidents record {id} in your grids"));
    let accident: AccidentId = id.parse().map_err(|_| not_found())?;
    // An accident outside the caller's grids is answered as if there were none.
    let _seen = detail(
        State(st.clone()),
        caller.clone(),
        Path(("accidents".to_owned(), id.clone())),
    )
    .await?;
    caller.require_office()?;
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    crate::office::append_office_event(
        &st,
        &caller,
        EventBody::AccidentImpactJudged(AccidentImpactJudged {
            accident,
            bad_social_impact: body.bad_social_impact,
            note,
        }),
    )
    .await?;
    detail(State(st), caller, Path(("accidents".to_owned(), id))).await
}
