//! The outbox: the device's own events, numbered by a gapless sequence, and
//! what the server made of each.
//!
//! An event is appended in the same transaction that writes its record's
//! local state, so a record is either saved and queued or not there at all.
//! The sequence is `MAX(seq) + 1` taken under the write lock: a transaction
//! that fails midway takes its number with it, and the next record gets the
//! same number, so the server never sees a gap it did not cause.
//!
//! An entry is never deleted. Its state moves from `pending` (never sent) to
//! `sent` (sent, no verdict heard) to `accepted` or `rejected`, with the
//! server's cursor, its superseded note or its reason kept beside it.

use chrono::Utc;
use gridsafe_core::event::{EntityRef, Event};
use gridsafe_core::hazard::Superseded;
use gridsafe_core::keys::StableKey;
use gridsafe_core::validate::FieldError;
use gridsafe_core::wire::PushVerdict;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::DeviceError;

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Pending,
    Sent,
    Accepted,
    Rejected,
}

impl SyncState {
    pub fn key(self) -> &'static str {
        match self {
            SyncState::Pending => "pending",
            SyncState::Sent => "sent",
            SyncState::Accepted => "accepted",
            SyncState::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Result<Self, DeviceError> {
        Ok(match s {
            "pending" => SyncState::Pending,
            "sent" => SyncState::Sent,
            "accepted" => SyncState::Accepted,
            "rejected" => SyncState::Rejected,
            other => return Err(DeviceError::Corrupt(format!("outbox state {other:?}"))),
        })
    }

    /// Whether the server has answered for it.
    pub fn is_decided(self) -> bool {
        matches!(self, SyncState::Accepted | SyncState::Rejected)
    }
}

/// The server's reason for refusing an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

/// One outbox entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub event: Event,
    pub state: SyncState,
    pub urgent: bool,
    pub cursor: Option<u64>,
    pub superseded: Option<Superseded>,
    pub rejection: Option<Rejection>,
}

pub fn entity_key(e: EntityRef) -> (&'static str, String) {
    match e {
        EntityRef::Hazard(h) => ("hazard", h.to_string()),
        EntityRef::Check(c) => ("check", c.to_string()),
        EntityRef::Accident(a) => ("accident", a.to_string()),
        EntityRef::Task(t) => ("task", t.to_string()),
        EntityRef::Meeting(m) => ("meeting", m.to_string()),
        EntityRef::Banquet(b) => ("banquet", b.to_string()),
        EntityRef::Promise(p) => ("promise", p.to_string()),
        EntityRef::Duty(d) => ("duty", d.to_string()),
    }
}

/// Stores an event the device knows (its own or pulled). Returns false when
/// it was already there.
pub fn store_event(
    conn: &Connection,
    event: &Event,
    local: bool,
    cursor: Option<u64>,
) -> Result<bool, DeviceError> {
    let (kind, id) = entity_key(event.body.entity());
    let n = conn.execute(
        "INSERT INTO events (event_id, entity_kind, entity_id, hlc, body, local, cursor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (event_id) DO NOTHING",
        params![
            event.id.to_string(),
            kind,
            id,
            event.hlc.sort_key(),
            serde_json::to_string(event)?,
            local,
            cursor.map(|c| c as i64),
        ],
    )?;
    if n == 0 {
        if let Some(c) = cursor {
            conn.execute(
                "UPDATE events SET cursor = ?2 WHERE event_id = ?1",
                params![event.id.to_string(), c as i64],
            )?;
        }
        return Ok(false);
    }
    for hash in event.body.photos() {
        conn.execute(
            "INSERT OR IGNORE INTO photo_refs (event_id, hash) VALUES (?1, ?2)",
            params![event.id.to_string(), hash.as_str()],
        )?;
    }
    Ok(true)
}

/// Appends one of the device's own events; call inside the transaction
/// that writes its record. Returns its sequence.
pub fn append(conn: &Connection, event: &Event) -> Result<u64, DeviceError> {
    let seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox", [], |r| {
        r.get(0)
    })?;
    let (kind, id) = entity_key(event.body.entity());
    conn.execute(
        "INSERT INTO outbox (seq, event_id, kind, entity_kind, entity_id, urgent, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            seq,
            event.id.to_string(),
            event.kind().key(),
            kind,
            id,
            event.body.is_urgent(),
            Utc::now().to_rfc3339(),
        ],
    )?;
    store_event(conn, event, true, None)?;
    Ok(seq as u64)
}

const ENTRY_SQL: &str = "SELECT o.seq, e.body, o.state, o.urgent, o.cursor, o.superseded,
        o.reject_code, o.reject_message, o.reject_fields
    FROM outbox o JOIN events e ON e.event_id = o.event_id";

fn entries(
    conn: &Connection,
    tail: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Entry>, DeviceError> {
    let mut st = conn.prepare(&format!("{ENTRY_SQL} {tail}"))?;
    let rows = st.query_map(args, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<String>>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, body, state, urgent, cursor, superseded, code, message, fields) = row?;
        out.push(Entry {
            seq: seq as u64,
            event: serde_json::from_str(&body)?,
            state: SyncState::parse(&state)?,
            urgent,
            cursor: cursor.map(|c| c as u64),
            superseded: superseded
                .map(|s| Superseded::from_key(&s))
                .transpose()
                .map_err(|e| DeviceError::Corrupt(e.to_string()))?,
            rejection: code.map(|code| Rejection {
                code,
                message: message.unwrap_or_default(),
                fields: fields
                    .and_then(|f| serde_json::from_str(&f).ok())
                    .unwrap_or_default(),
            }),
        });
    }
    Ok(out)
}

/// Entries with `from <= seq <= to`, in order.
pub fn range(conn: &Connection, from: u64, to: u64) -> Result<Vec<Entry>, DeviceError> {
    entries(
        conn,
        "WHERE o.seq BETWEEN ?1 AND ?2 ORDER BY o.seq",
        params![from as i64, to as i64],
    )
}

/// Every entry of one record, in order.
pub fn for_entity(conn: &Connection, entity: EntityRef) -> Result<Vec<Entry>, DeviceError> {
    let (kind, id) = entity_key(entity);
    entries(
        conn,
        "WHERE o.entity_kind = ?1 AND o.entity_id = ?2 ORDER BY o.seq",
        params![kind, id],
    )
}

/// Every entry, in order.
pub fn all(conn: &Connection) -> Result<Vec<Entry>, DeviceError> {
    entries(conn, "ORDER BY o.seq", [])
}

/// The lowest sequence the server has not answered for.
pub fn first_undecided(conn: &Connection) -> Result<Option<u64>, DeviceError> {
    Ok(conn
        .query_row(
            "SELECT MIN(seq) FROM outbox WHERE state IN ('pending', 'sent')",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )?
        .map(|s| s as u64))
}

/// The highest sequence of an urgent event still waiting for the server.
pub fn last_urgent_undecided(conn: &Connection) -> Result<Option<u64>, DeviceError> {
    Ok(conn
        .query_row(
            "SELECT MAX(seq) FROM outbox WHERE urgent AND state IN ('pending', 'sent')",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )?
        .map(|s| s as u64))
}

pub fn last_seq(conn: &Connection) -> Result<u64, DeviceError> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM outbox", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// Marks entries as sent (unless already decided) before their request goes out.
pub fn mark_sent(conn: &Connection, from: u64, to: u64) -> Result<(), DeviceError> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?3
         WHERE seq BETWEEN ?1 AND ?2 AND state = 'pending'",
        params![from as i64, to as i64, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}

/// Puts entries back to pending after the server refused their request as
/// a whole (it took none of them).
pub fn unmark_sent(conn: &Connection, from: u64, to: u64) -> Result<(), DeviceError> {
    conn.execute(
        "UPDATE outbox SET state = 'pending', sent_at = NULL
         WHERE seq BETWEEN ?1 AND ?2 AND state = 'sent'",
        params![from as i64, to as i64],
    )?;
    Ok(())
}

/// Keeps the server's verdict on one entry.
pub fn record_verdict(
    conn: &Connection,
    seq: u64,
    verdict: &PushVerdict,
) -> Result<(), DeviceError> {
    let now = Utc::now().to_rfc3339();
    match verdict {
        PushVerdict::Accepted {
            cursor, superseded, ..
        } => conn.execute(
            "UPDATE outbox SET state = 'accepted', cursor = ?2, superseded = ?3,
                 reject_code = NULL, reject_message = NULL, reject_fields = NULL, decided_at = ?4
             WHERE seq = ?1",
            params![seq as i64, *cursor as i64, superseded.map(|s| s.key()), now],
        )?,
        PushVerdict::Rejected {
            code,
            message,
            fields,
        } => conn.execute(
            "UPDATE outbox SET state = 'rejected', reject_code = ?2, reject_message = ?3,
                 reject_fields = ?4, decided_at = ?5
             WHERE seq = ?1",
            params![
                seq as i64,
                code,
                message,
                serde_json::to_string(fields)?,
                now
            ],
        )?,
    };
    Ok(())
}

/// How many entries stand in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pending: u64,
    pub sent: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub superseded: u64,
}

pub fn counts(conn: &Connection) -> Result<Counts, DeviceError> {
    let mut c = Counts::default();
    let mut st = conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (state, n) = row?;
        let n = n as u64;
        match SyncState::parse(&state)? {
            SyncState::Pending => c.pending = n,
            SyncState::Sent => c.sent = n,
            SyncState::Accepted => c.accepted = n,
            SyncState::Rejected => c.rejected = n,
        }
    }
    c.superseded = conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE superseded IS NOT NULL",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64;
    Ok(c)
}

/// The state of the outbox entry of one event, if it is the device's own.
pub fn state_of(conn: &Connection, event: &str) -> Result<Option<SyncState>, DeviceError> {
    conn.query_row(
        "SELECT state FROM outbox WHERE event_id = ?1",
        [event],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|s| SyncState::parse(&s))
    .transpose()
}
