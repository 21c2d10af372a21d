//! The office's inbox (收件箱): what arrived from the field since the user
//! last looked: new hazards, rectifications to verify, abnormal and danger
//! checks, accidents. Danger checks, accidents and major hazards come first.
//! Each user acknowledges items one by one or all at once; that is stored
//! per user on the server, so it follows them from desk to desk.
//!
//! It reads at most the 1000 oldest unread events above the user's mark;
//! acknowledging all moves the mark past them.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use gridsafe_core::{Event, EventBody, HazardId, HazardLevel, StableKey, Verdict};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

const WINDOW: u64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// At most this many items (default 200).
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub cursor: u64,
    /// The event kind's key (`hazard_reported`, `check_logged`, …).
    pub kind: String,
    /// 0: danger check or accident, 1: major hazard, 2: the rest.
    pub priority: u8,
    pub grid: String,
    pub grid_name: String,
    pub author: String,
    pub at: DateTime<Utc>,
    /// The hazard this is about, to open it.
    pub hazard: Option<String>,
    pub point: Option<String>,
    pub verdict: Option<String>,
    pub level: Option<String>,
    pub sector: Option<String>,
    /// The description, note or reason the event carries.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    /// Everything at or below this cursor is read.
    pub mark: u64,
    /// The highest cursor in the caller's grids the server has seen here.
    pub latest: u64,
    pub unread: usize,
    pub items: Vec<InboxItem>,
}

/// The item an event makes, if the office should look at it.
fn item(cursor: u64, ev: &Event, grid_name: String) -> Option<InboxItem> {
    let mut it = InboxItem {
        cursor,
        kind: ev.kind().key().to_owned(),
        priority: 2,
        grid: ev.body.grid().map(|g| g.to_string()).unwrap_or_default(),
        grid_name,
        author: ev.author.to_string(),
        at: ev.hlc.time(),
        hazard: ev.body.hazard().map(|h| h.to_string()),
        point: None,
        verdict: None,
        level: None,
        sector: None,
        text: None,
    };
    match &ev.body {
        EventBody::HazardReported(h) => {
            it.priority = if h.level == HazardLevel::Major { 1 } else { 2 };
            it.level = Some(h.level.key().into());
            it.sector = Some(h.sector.key().into());
            it.text = Some(h.description.clone());
        }
        EventBody::RectificationSubmitted(r) => it.text = Some(r.note.clone()),
        EventBody::CheckLogged(c) if c.verdict != Verdict::Normal => {
            it.priority = if c.verdict == Verdict::Danger { 0 } else { 2 };
            it.point = Some(c.point.to_string());
            it.verdict = Some(c.verdict.key().into());
            it.text = c.note.clone();
        }
        EventBody::AccidentReported(a) => {
            it.priority = 0;
            it.sector = Some(a.sector.key().into());
            it.text = Some(format!("{} · {}", a.place, a.description));
        }
        _ => return None,
    }
    Some(it)
}

/// The caller's unread items, most urgent first, then newest first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "console", params(InboxQuery),
    responses((status = 200, body = Inbox), (status = 403, description = "not the office")),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Inbox>, ApiError> {
    caller.require_office()?;
    let catalog = st.catalog().await?;
    let grids = catalog.scope_grids(&caller.scope);
    let user = caller.user.clone();
    let (mark, acks, page) = st
        .blocking(move |s| {
            let mark = s.inbox_mark(&user)?;
            let acks = s.inbox_acks(&user)?;
            let page = s.pull(grids.as_deref(), mark, WINDOW)?.parse()?;
            Ok((mark, acks, page))
        })
        .await?;
    let mut latest = mark;
    let mut items: Vec<InboxItem> = page
        .events
        .iter()
        .inspect(|p| latest = latest.max(p.cursor))
        .filter(|p| acks.binary_search(&p.cursor).is_err())
        .filter_map(|p| {
            let name = p
                .event
                .body
                .grid()
                .and_then(|g| catalog.tree.get(g))
                .map(|n| n.name.clone())
                .unwrap_or_default();
            item(p.cursor, &p.event, name)
        })
        .collect();
    items.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.cursor.cmp(&a.cursor)));
    let unread = items.len();
    items.truncate(q.limit.unwrap_or(200).clamp(1, 1000));
    // Events on an existing hazard do not name its grid: look it up for
    // the items shown.
    let unnamed: Vec<HazardId> = items
        .iter()
        .filter(|i| i.grid.is_empty())
        .filter_map(|i| i.hazard.as_deref()?.parse().ok())
        .collect();
    if !unnamed.is_empty() {
        let grids = st
            .blocking(move |s| {
                unnamed
                    .into_iter()
                    .map(|h| Ok((h, s.hazard(h)?.map(|(state, _)| state.grid))))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        for it in items.iter_mut().filter(|i| i.grid.is_empty()) {
            let grid = grids
                .iter()
                .find(|(h, _)| Some(h.to_string()) == it.hazard)
                .and_then(|(_, g)| g.clone());
            if let Some(g) = grid {
                it.grid_name = catalog
                    .tree
                    .get(&g)
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                it.grid = g.to_string();
            }
        }
    }
    Ok(Json(Inbox {
        mark,
        latest,
        unread,
        items,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// Items to acknowledge one by one.
    #[serde(default)]
    pub cursors: Vec<u64>,
    /// Or everything up to this cursor (the `latest` of the inbox shown).
    pub up_to: Option<u64>,
}

/// Acknowledges inbox items (已阅).
#[utoipa::path(post, path = "/api/v1/inbox/ack", tag = "console", request_body = AckRequest,
    responses((status = 200, body = Inbox), (status = 403, description = "not the office, or csrf")),
    security(("bearer" = [])))]
pub async fn ack(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<AckRequest>,
) -> Result<Json<Inbox>, ApiError> {
    caller.require_office()?;
    if req.cursors.is_empty() && req.up_to.is_none() {
        return Err(ApiError::invalid(
            "give `cursors` to acknowledge, or `up_to` to acknowledge everything up to a cursor",
            vec![],
        ));
    }
    let user = caller.user.clone();
    st.blocking(move |s| {
        if !req.cursors.is_empty() {
            s.ack_inbox(&user, &req.cursors)?;
        }
        if let Some(c) = req.up_to {
            s.ack_inbox_up_to(&user, c)?;
        }
        Ok(())
    })
    .await?;
    list(State(st), caller, Query(InboxQuery { limit: None })).await
}
