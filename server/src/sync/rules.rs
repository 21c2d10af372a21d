//! The rules an event passes before it is stored, whoever sends it (a
//! phone's push, an office action, the demo seed): the author and device
//! are the caller's, the caller's role may record it, its stamp is not far
//! ahead of the server's time, it passes the core's validation against the
//! stored grids and points, and its record lies in the caller's grids.

use chrono::{DateTime, Utc};
use gridsafe_core::validate::{self, FieldError, Limits, Reason, Warning};
use gridsafe_core::{DeviceId, Event, GridCode, HlcClock, StableKey};

use crate::auth::Caller;
use crate::catalog::Catalog;
use crate::store::{Judge, Rejection};

pub struct Rules<'a> {
    pub caller: &'a Caller,
    pub catalog: &'a Catalog,
    pub limits: &'a Limits,
    pub now: DateTime<Utc>,
}

impl Rules<'_> {
    /// Refusals that make an office action forbidden rather than invalid.
    pub fn is_permission(code: &str) -> bool {
        matches!(
            code,
            "forged_author" | "forged_device" | "not_permitted" | "out_of_scope"
        )
    }
}

impl Judge for Rules<'_> {
    fn judge(&self, ev: &Event, record_grid: Option<&GridCode>) -> Result<Vec<Warning>, Rejection> {
        let c = self.caller;
        if ev.author != c.user {
            return Err(Rejection::new(
                "forged_author",
                format!(
                    "the event's author is {} but this device is signed in as {}",
                    ev.author, c.user
                ),
            ));
        }
        if ev.device != c.device {
            return Err(Rejection::new(
                "forged_device",
                format!(
                    "the event names device {} but this token belongs to device {}",
                    ev.device, c.device
                ),
            ));
        }
        if !c.scope.may_author(ev.kind()) {
            return Err(Rejection::new(
                "not_permitted",
                format!(
                    "a {} may not record {}",
                    c.scope.role.label(gridsafe_core::Lang::En).to_lowercase(),
                    ev.kind().label(gridsafe_core::Lang::En).to_lowercase()
                ),
            ));
        }
        let drift = HlcClock::new(DeviceId(uuid::Uuid::nil()));
        if let Err(e) = drift.check_drift(&ev.hlc, self.now.timestamp_millis().max(0) as u64) {
            return Err(Rejection::new("clock_ahead", e.to_string()));
        }
        let warnings =
            validate::validate(ev, self.catalog, self.limits, self.now).map_err(|fields| {
                let message = fields
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                Rejection {
                    code: "validation".into(),
                    message,
                    fields,
                }
            })?;
        let Some(grid) = record_grid else {
            return Err(Rejection::new(
                "unknown_record",
                "the record this event is about is not on the server",
            ));
        };
        if !c.scope.covers(&self.catalog.tree, grid) {
            return Err(Rejection {
                code: "out_of_scope".into(),
                message: format!("grid {grid} is outside the grids this account may record in"),
                fields: vec![FieldError {
                    field: "grid".into(),
                    reason: Reason::OutOfScope,
                }],
            });
        }
        Ok(warnings)
    }
}
