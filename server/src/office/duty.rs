//! Flood-season duty (汛期24小时值班): the office switches a group of
//! monitoring points into duty with its own check interval, or back out.
//! The points' phones receive the switch on their next pull, and the point
//! list and the missed-check counts use the duty's interval from then on.

use axum::Json;
use axum::extract::State;
use gridsafe_core::event::{DutyEnded, DutyStarted};
use gridsafe_core::point::DEFAULT_DUTY_INTERVAL_HOURS;
use gridsafe_core::{DutyId, EventBody, EventId, GridCode, PointCode};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::office::append_office_event;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutySwitch {
    /// The grid the points lie in.
    #[schema(value_type = String)]
    pub grid: GridCode,
    #[schema(value_type = Vec<String>)]
    pub points: Vec<PointCode>,
    /// true: start duty; false: end it.
    pub on: bool,
    /// Hours between checks while on duty (default 24).
    #[serde(default)]
    pub interval_hours: Option<u32>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DutySwitched {
    #[schema(value_type = String)]
    pub duty: DutyId,
    #[schema(value_type = String)]
    pub event: EventId,
    pub cursor: u64,
}

/// Starts or ends flood-season duty on a group of points.
#[utoipa::path(post, path = "/api/v1/duty", tag = "records", request_body = DutySwitch,
    responses(
        (status = 200, body = DutySwitched),
        (status = 403, description = "not the office, or a grid outside the caller's"),
        (status = 422, description = "unknown points, points outside the grid, a bad interval"),
    ),
    security(("bearer" = [])))]
pub async fn switch(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(d): ApiJson<DutySwitch>,
) -> Result<Json<DutySwitched>, ApiError> {
    let duty = DutyId::new();
    let body = if d.on {
        EventBody::DutyStarted(DutyStarted {
            duty,
            grid: d.grid,
            points: d.points,
            interval_hours: d.interval_hours.unwrap_or(DEFAULT_DUTY_INTERVAL_HOURS),
            note: d.note,
        })
    } else {
        EventBody::DutyEnded(DutyEnded {
            duty,
            grid: d.grid,
            points: d.points,
            note: d.note,
        })
    };
    let (event, cursor) = append_office_event(&st, &caller, body).await?;
    Ok(Json(DutySwitched {
        duty,
        event: event.id,
        cursor,
    }))
}
