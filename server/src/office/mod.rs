//! The office console's API: hazards, monitoring points, the grid tree,
//! devices and the urgent inbox. Every route is limited to the caller's
//! grids through `gridsafe_core::access::Scope`.

pub mod coverage;
pub mod devices;
pub mod duty;
pub mod export;
pub mod grids;
pub mod hazards;
pub mod points;
pub mod records;
pub mod tasks;
pub mod urgent;

use chrono::Utc;
use gridsafe_core::validate::Limits;
use gridsafe_core::{Event, EventBody, EventId, GridCode};

use crate::auth::Caller;
use crate::calendar::now_ms;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::AppendOutcome;
use crate::sync::rules::Rules;

/// Stamps an office-made body with the server's clock and the caller, and
/// appends it under the same rules as a phone's push. With
/// `refuse_superseded`, an event the record's state would only keep as
/// superseded is not stored but answered as such.
pub async fn stamp_and_append(
    st: &AppState,
    caller: &Caller,
    body: EventBody,
    refuse_superseded: bool,
) -> Result<(Event, AppendOutcome), ApiError> {
    let catalog = st.catalog().await?;
    let hlc = st.clock.lock().expect("clock lock").tick(now_ms());
    let event = Event {
        id: EventId::new(),
        hlc,
        author: caller.user.clone(),
        device: caller.device,
        body,
    };
    let ev = event.clone();
    let c = caller.clone();
    let outcome = st
        .blocking(move |s| {
            let limits = Limits::default();
            let rules = Rules {
                caller: &c,
                catalog: &catalog,
                limits: &limits,
                now: Utc::now(),
            };
            s.append(&ev, &rules, refuse_superseded)
        })
        .await?;
    Ok((event, outcome))
}

/// Records an office-made event (a task issued, a duty switched), stamped by
/// the server's clock and judged by the same rules as a phone's push.
/// Answers the stored event and its cursor.
pub async fn append_office_event(
    st: &AppState,
    caller: &Caller,
    body: EventBody,
) -> Result<(Event, u64), ApiError> {
    let (event, outcome) = stamp_and_append(st, caller, body, false).await?;
    match outcome {
        AppendOutcome::Accepted { cursor, .. } => Ok((event, cursor)),
        AppendOutcome::WouldSupersede(_) => unreachable!("superseded events are kept here"),
        AppendOutcome::Rejected(r) if Rules::is_permission(&r.code) => {
            Err(ApiError::Forbidden(r.message))
        }
        AppendOutcome::Rejected(r) if r.code == "duplicate_record" => Err(ApiError::Conflict {
            code: "duplicate_record",
            message: r.message,
        }),
        AppendOutcome::Rejected(r) => Err(ApiError::Invalid {
            code: r.code,
            message: r.message,
            fields: r.fields,
        }),
    }
}

/// The grids a query may read: the asked grid's subtree when the caller's
/// scope covers it, or everything the caller sees (`None`: every grid).
pub fn scoped_grids(
    catalog: &Catalog,
    caller: &Caller,
    asked: Option<&GridCode>,
) -> Result<Option<Vec<GridCode>>, ApiError> {
    match asked {
        None => Ok(catalog.scope_grids(&caller.scope)),
        Some(g) if !catalog.tree.contains(g) => {
            Err(ApiError::NotFound(format!("there is no grid {g}")))
        }
        Some(g) if !caller.scope.covers(&catalog.tree, g) => Err(ApiError::Forbidden(format!(
            "grid {g} is outside the grids this account may see"
        ))),
        Some(g) => Ok(Some(catalog.subtrees(std::slice::from_ref(g)))),
    }
}
