//! `POST /api/v1/sync/push`: a device's numbered events.
//!
//! The batch is read loosely first (`{device, events: [{seq, event}]}`), so
//! one event that fails the strict event schema is answered `rejected` on
//! its own instead of failing its whole batch. Each event's canonical JSON
//! is hashed: a repeat under a used seq must match it to get the saved
//! verdict back. The store then keeps sequence, rules and applying in one
//! transaction; the server clock observes every accepted stamp.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use gridsafe_core::sha256_hex;
use gridsafe_core::validate::Limits;
use gridsafe_core::wire::{PushResponse, PushVerdict};
use gridsafe_core::{DeviceId, Event, EventId};
use serde::Deserialize;

use crate::auth::Caller;
use crate::calendar::now_ms;
use crate::error::ApiError;
use crate::extract::JsonBytes;
use crate::state::AppState;
use crate::store::{Incoming, PushOutcome, Rejection};
use crate::sync::rules::Rules;

/// Most events in one push; a device sends a long queue in several.
pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPush {
    pub device: DeviceId,
    events: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    seq: u64,
    event: serde_json::Value,
}

impl RawPush {
    /// The batch's own rules, before any event is looked at: the token's
    /// device, the size, consecutive sequences.
    pub fn check(&self, caller: &Caller) -> Result<(), ApiError> {
        if self.device != caller.device {
            return Err(ApiError::Forbidden(format!(
                "the push names device {} but this token belongs to device {}",
                self.device, caller.device
            )));
        }
        if self.events.len() > MAX_BATCH {
            return Err(ApiError::BadRequest(format!(
                "a push holds at most {MAX_BATCH} events; send the rest in another"
            )));
        }
        if self.events.first().is_some_and(|e| e.seq == 0)
            || self
                .events
                .windows(2)
                .any(|w| w[0].seq.checked_add(1) != Some(w[1].seq))
        {
            return Err(ApiError::BadRequest(
                "a push's sequences must start at 1 or above and run consecutively upwards".into(),
            ));
        }
        Ok(())
    }

    /// Each item read on its own: the strict event, or why it does not read.
    pub fn into_incoming(self) -> Vec<Incoming> {
        self.events.into_iter().map(incoming).collect()
    }
}

fn incoming(item: RawItem) -> Incoming {
    // serde_json's map is ordered by key, so this is a canonical form.
    let canonical = serde_json::to_vec(&item.event).expect("a JSON value serialises");
    let event_id = item
        .event
        .get("id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<EventId>().ok())
        .unwrap_or(EventId(uuid::Uuid::nil()));
    let parsed = serde_json::from_value::<Event>(item.event)
        .map_err(|e| Rejection::new("schema", format!("the event does not read: {e}")));
    Incoming {
        seq: item.seq,
        event_id,
        payload_hash: sha256_hex(&canonical),
        parsed,
    }
}

/// Stores a batch of a device's events and answers a verdict for each.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    request_body(content = Object, description = "PushRequest: {device, events: [{seq, event}]}"),
    responses(
        (status = 200, description = "PushResponse: {taken_through, results: [{seq, event, verdict, ...}], missing_photos}"),
        (status = 409, description = "sequence_gap with expected_seq"),
        (status = 403, description = "the batch names another device"),
        (status = 507, description = "storage_full: the server's disk is full; nothing was stored, retry later"),
    ),
    security(("bearer" = [])))]
pub async fn push(
    State(st): State<AppState>,
    caller: Caller,
    body: JsonBytes,
) -> Result<Json<PushResponse>, ApiError> {
    // Parsed only once a slot is free: a parsed batch is several times its
    // bytes, and at the end of a day hundreds of phones push at once, all to
    // queue on the one writer.
    let _slot = st
        .push_slots
        .acquire()
        .await
        .map_err(|_| ApiError::internal(anyhow::anyhow!("the server is stopping")))?;
    let raw: RawPush = body.parse()?;
    raw.check(&caller)?;
    let catalog = st.catalog().await?;
    let items: Vec<Incoming> = raw.into_incoming();
    let stamps: Vec<(u64, gridsafe_core::Hlc)> = items
        .iter()
        .filter_map(|i| i.parsed.as_ref().ok().map(|e| (i.seq, e.hlc)))
        .collect();
    let device = caller.device;
    let outcome = st
        .blocking(move |s| {
            let limits = Limits::default();
            let rules = Rules {
                caller: &caller,
                catalog: &catalog,
                limits: &limits,
                now: Utc::now(),
            };
            s.push(device, items, &rules)
        })
        .await?;
    match outcome {
        PushOutcome::Gap { expected } => Err(ApiError::SequenceGap { expected }),
        PushOutcome::Done(resp) => {
            let mut clock = st.clock.lock().expect("clock lock");
            for r in &resp.results {
                if let PushVerdict::Accepted { .. } = r.verdict
                    && let Some((_, hlc)) = stamps.iter().find(|(seq, _)| *seq == r.seq)
                {
                    // The drift was checked by the rules; observing cannot fail here.
                    let _ = clock.observe(hlc, now_ms());
                }
            }
            Ok(Json(resp))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridsafe_core::Role;
    use gridsafe_core::access::Scope;

    fn caller(device: DeviceId) -> Caller {
        Caller {
            user: "insp1".parse().unwrap(),
            scope: Scope {
                role: Role::Inspector,
                grids: vec!["V1".parse().unwrap()],
            },
            device,
        }
    }

    /// The last sequence a u64 holds, followed by another, used to overflow
    /// the consecutiveness check (a panic where overflow is checked, as
    /// under the fuzzer).
    #[test]
    fn a_batch_at_the_end_of_the_sequence_space_is_refused_not_a_panic() {
        let device = DeviceId::new();
        let body = format!(
            r#"{{"device":"{device}","events":[{{"seq":18446744073709551615,"event":{{}}}},{{"seq":0,"event":{{}}}}]}}"#
        );
        let raw: RawPush = serde_json::from_str(&body).unwrap();
        assert!(matches!(
            raw.check(&caller(device)),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn each_event_reads_on_its_own() {
        let device = DeviceId::new();
        let body = format!(
            r#"{{"device":"{device}","events":[{{"seq":1,"event":{{"id":"nope"}}}},{{"seq":2,"event":{{}}}}]}}"#
        );
        let raw: RawPush = serde_json::from_str(&body).unwrap();
        raw.check(&caller(device)).unwrap();
        let items = raw.into_incoming();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|i| i.parsed.is_err()));
        assert_ne!(items[0].payload_hash, items[1].payload_hash);
    }
}
