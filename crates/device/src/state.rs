//! The local state of records, and the list the user sees.
//!
//! A hazard's state on the device is `gridsafe_core::hazard::fold` over the
//! events pulled from the server (all accepted there) and the device's own
//! events that the server has not rejected: the same fold as the server's,
//! so both show the same thing once they hold the same events. The folded
//! state is cached in the `hazards` table and refreshed in the transaction
//! that changes its events.

use gridsafe_core::event::{EntityRef, Event, EventBody, EventKind};
use gridsafe_core::hazard::{self, HazardState, Superseded};
use gridsafe_core::keys::{HazardLevel, HazardStatus, StableKey, Verdict};
use gridsafe_core::{CheckId, GridCode, HazardId, PhotoHash, PointCode};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::DeviceError;
use crate::outbox::{self, Rejection, SyncState, entity_key};
use crate::photo::DamagedPhoto;

/// The events of one record that count: pulled ones and own ones not rejected.
pub(crate) fn live_events(conn: &Connection, entity: EntityRef) -> Result<Vec<Event>, DeviceError> {
    let (kind, id) = entity_key(entity);
    let mut st = conn.prepare(
        "SELECT e.body FROM events e LEFT JOIN outbox o ON o.event_id = e.event_id
         WHERE e.entity_kind = ?1 AND e.entity_id = ?2
           AND (o.state IS NULL OR o.state != 'rejected')
         ORDER BY e.hlc",
    )?;
    let rows = st.query_map(params![kind, id], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?)?);
    }
    Ok(out)
}

/// Re-folds one record's state from its events.
pub fn refresh(conn: &Connection, entity: EntityRef) -> Result<(), DeviceError> {
    let events = live_events(conn, entity)?;
    match entity {
        EntityRef::Hazard(id) => match hazard::fold(&events) {
            Ok(s) => {
                conn.execute(
                    "INSERT INTO hazards (id, grid, status, level, sector, description, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO UPDATE SET grid = excluded.grid, status = excluded.status,
                         level = excluded.level, sector = excluded.sector,
                         description = excluded.description, state = excluded.state",
                    params![
                        id.to_string(),
                        s.grid.as_str(),
                        s.status.key(),
                        s.level.key(),
                        s.sector.key(),
                        s.description,
                        serde_json::to_string(&s)?
                    ],
                )?;
            }
            // No report that counts (not pulled yet, or rejected): no state.
            Err(_) => {
                conn.execute("DELETE FROM hazards WHERE id = ?1", [id.to_string()])?;
            }
        },
        EntityRef::Check(id) => {
            let last = events.iter().rev().find_map(|e| match &e.body {
                EventBody::CheckLogged(c) => Some((e, c)),
                _ => None,
            });
            match last {
                Some((e, c)) => {
                    conn.execute(
                        "INSERT OR REPLACE INTO checks (id, point, grid, verdict, event_id, at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            id.to_string(),
                            c.point.as_str(),
                            c.grid.as_str(),
                            c.verdict.key(),
                            e.id.to_string(),
                            e.hlc.time().to_rfc3339()
                        ],
                    )?;
                }
                None => {
                    conn.execute("DELETE FROM checks WHERE id = ?1", [id.to_string()])?;
                }
            }
        }
        // Accidents, township records, tasks and duty are read from their
        // events when shown (see `crate::township`); nothing is cached.
        EntityRef::Accident(_)
        | EntityRef::Task(_)
        | EntityRef::Meeting(_)
        | EntityRef::Banquet(_)
        | EntityRef::Promise(_)
        | EntityRef::Duty(_) => {}
    }
    Ok(())
}

/// A hazard's state as the device knows it.
pub fn hazard(conn: &Connection, id: HazardId) -> Result<Option<HazardState>, DeviceError> {
    let s: Option<String> = conn
        .query_row(
            "SELECT state FROM hazards WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
}

/// Whether the device holds any event of this hazard (a rectification may
/// follow a report still waiting in the outbox).
pub fn knows_hazard(conn: &Connection, id: HazardId) -> Result<bool, DeviceError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM events WHERE entity_kind = 'hazard' AND entity_id = ?1 LIMIT 1",
            [id.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One of the device's own events as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EventSync {
    pub seq: u64,
    pub kind: EventKind,
    pub sync: SyncState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded: Option<Superseded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
}

/// Where a record stands with the server, all its own events taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSync {
    /// Something of it is still waiting to be sent or answered.
    Pending,
    Sent,
    /// Everything of it was rejected or accepted, at least one rejected.
    Rejected,
    Accepted,
    /// Known only from the server (another device's record).
    FromServer,
}

impl RecordSync {
    pub fn key(self) -> &'static str {
        match self {
            RecordSync::Pending => "pending",
            RecordSync::Sent => "sent",
            RecordSync::Rejected => "rejected",
            RecordSync::Accepted => "accepted",
            RecordSync::FromServer => "from_server",
        }
    }
}

pub(crate) fn summarize(events: &[EventSync]) -> RecordSync {
    let any = |s| events.iter().any(|e| e.sync == s);
    if events.is_empty() {
        RecordSync::FromServer
    } else if any(SyncState::Pending) {
        RecordSync::Pending
    } else if any(SyncState::Sent) {
        RecordSync::Sent
    } else if any(SyncState::Rejected) {
        RecordSync::Rejected
    } else {
        RecordSync::Accepted
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardItem {
    pub id: HazardId,
    pub grid: Option<GridCode>,
    pub status: Option<HazardStatus>,
    pub level: Option<HazardLevel>,
    pub description: Option<String>,
    pub sync: RecordSync,
    /// The device's own events on it, with their verdicts.
    pub events: Vec<EventSync>,
    /// The folded state (absent when its report was rejected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<HazardState>,
    /// Its photos waiting for upload whose file is missing or damaged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damaged_photos: Vec<DamagedPhoto>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckItem {
    pub id: CheckId,
    pub point: PointCode,
    pub grid: GridCode,
    pub verdict: Verdict,
    pub at: String,
    pub sync: RecordSync,
    pub events: Vec<EventSync>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damaged_photos: Vec<DamagedPhoto>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub hazards: Vec<HazardItem>,
    pub checks: Vec<CheckItem>,
    /// Meetings, banquets, promises and accidents.
    pub records: Vec<crate::township::RecordView>,
}

pub(crate) fn event_syncs(
    conn: &Connection,
    entity: EntityRef,
) -> Result<Vec<EventSync>, DeviceError> {
    Ok(outbox::for_entity(conn, entity)?
        .into_iter()
        .map(|e| EventSync {
            seq: e.seq,
            kind: e.event.kind(),
            sync: e.state,
            superseded: e.superseded,
            rejection: e.rejection,
        })
        .collect())
}

/// Those of `damaged` that the device's own events on a record cite.
fn damaged_of(
    conn: &Connection,
    entity: EntityRef,
    damaged: &[DamagedPhoto],
) -> Result<Vec<DamagedPhoto>, DeviceError> {
    if damaged.is_empty() {
        return Ok(Vec::new());
    }
    let cited: Vec<PhotoHash> = outbox::for_entity(conn, entity)?
        .into_iter()
        .flat_map(|e| e.event.body.photos().to_vec())
        .collect();
    Ok(damaged
        .iter()
        .filter(|d| cited.contains(&d.hash))
        .cloned()
        .collect())
}

/// Every record the device holds, newest first; `damaged` (from
/// [`crate::sync::damaged_photos`]) marks the records whose photos cannot be sent.
pub fn list(conn: &Connection, damaged: &[DamagedPhoto]) -> Result<Listing, DeviceError> {
    let mut ids: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT entity_id FROM events WHERE entity_kind = 'hazard' ORDER BY entity_id DESC",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.dedup();
    let mut hazards = Vec::new();
    for id in ids {
        let id: HazardId = id
            .parse()
            .map_err(|e: gridsafe_core::ids::IdError| DeviceError::Corrupt(e.to_string()))?;
        let state = hazard(conn, id)?;
        let events = event_syncs(conn, EntityRef::Hazard(id))?;
        // A rejected report leaves no state; show what was sent.
        let reported = if state.is_none() {
            outbox::for_entity(conn, EntityRef::Hazard(id))?
                .into_iter()
                .find_map(|e| match e.event.body {
                    EventBody::HazardReported(r) => Some(r),
                    _ => None,
                })
        } else {
            None
        };
        hazards.push(HazardItem {
            id,
            grid: state
                .as_ref()
                .map(|s| s.grid.clone())
                .or_else(|| reported.as_ref().map(|r| r.grid.clone())),
            status: state.as_ref().map(|s| s.status),
            level: state
                .as_ref()
                .map(|s| s.level)
                .or(reported.as_ref().map(|r| r.level)),
            description: state
                .as_ref()
                .map(|s| s.description.clone())
                .or(reported.map(|r| r.description)),
            sync: summarize(&events),
            events,
            state,
            damaged_photos: damaged_of(conn, EntityRef::Hazard(id), damaged)?,
        });
    }

    let mut checks = Vec::new();
    let mut ids: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT entity_id FROM events WHERE entity_kind = 'check' ORDER BY entity_id DESC",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.dedup();
    for id in ids {
        let id: CheckId = id
            .parse()
            .map_err(|e: gridsafe_core::ids::IdError| DeviceError::Corrupt(e.to_string()))?;
        let events = event_syncs(conn, EntityRef::Check(id))?;
        let ev: Option<Event> = conn
            .query_row(
                "SELECT body FROM events WHERE entity_kind = 'check' AND entity_id = ?1 ORDER BY hlc DESC LIMIT 1",
                [id.to_string()],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|b| serde_json::from_str(&b))
            .transpose()?;
        if let Some(Event {
            body: EventBody::CheckLogged(c),
            hlc,
            ..
        }) = ev
        {
            checks.push(CheckItem {
                id,
                point: c.point,
                grid: c.grid,
                verdict: c.verdict,
                at: hlc.time().to_rfc3339(),
                sync: summarize(&events),
                events,
                damaged_photos: damaged_of(conn, EntityRef::Check(id), damaged)?,
            });
        }
    }
    Ok(Listing {
        hazards,
        checks,
        records: crate::township::records(conn)?,
    })
}
