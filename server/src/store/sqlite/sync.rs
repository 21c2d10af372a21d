//! The sync protocol's storage: a device's push, and the pull of events by
//! cursor.

use gridsafe_core::wire::{PulledEvent, PushResponse, PushResult, PushVerdict};
use gridsafe_core::{DeviceId, Event, GridCode, Hlc, PhotoHash};
use rusqlite::{OptionalExtension, params};

use super::apply::apply_event;
use super::{SqliteStore, backend, codes_json, exec, json_col, now_text, one, parse_col};
use crate::store::{
    Incoming, Judge, PushOutcome, Rejection, StoreError, StoreResult, StoredPullPage,
};

pub(super) fn push(
    store: &SqliteStore,
    device: DeviceId,
    items: Vec<Incoming>,
    judge: &dyn Judge,
) -> StoreResult<PushOutcome> {
    let dev = device.to_string();
    store.write(|tx| {
        let last_seq: u64 = one(
            tx,"SELECT last_seq FROM devices WHERE id = ?1", [&dev], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .map_err(backend)?
            .unwrap_or(0) as u64;
        if let Some(first_new) = items.iter().find(|i| i.seq > last_seq)
            && first_new.seq != last_seq + 1
        {
            return Ok(PushOutcome::Gap {
                expected: last_seq + 1,
            });
        }
        let mut taken = last_seq;
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            if item.seq <= last_seq {
                let saved: Option<(String, String)> = one(
                        tx,
                        "SELECT payload_hash, result FROM pushes WHERE device = ?1 AND seq = ?2",
                        params![dev, item.seq as i64],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(backend)?;
                let result = match saved {
                    Some((hash, result)) if hash == item.payload_hash => {
                        json_col::<PushResult>(&result).map_err(backend)?
                    }
                    _ => PushResult {
                        seq: item.seq,
                        event: item.event_id,
                        verdict: Rejection::new(
                            "sequence_reused",
                            format!(
                                "sequence {} already holds a different event; a device must never reuse a sequence number",
                                item.seq
                            ),
                        )
                        .into_verdict(),
                    },
                };
                results.push(result);
                continue;
            }
            let verdict = match item.parsed {
                Err(r) => r.into_verdict(),
                Ok(ev) => match apply_event(tx, &ev, judge)? {
                    Ok((cursor, superseded, warnings)) => PushVerdict::Accepted {
                        cursor,
                        superseded,
                        warnings,
                    },
                    Err(r) => r.into_verdict(),
                },
            };
            let result = PushResult {
                seq: item.seq,
                event: item.event_id,
                verdict,
            };
            exec(
                tx,
                "INSERT INTO pushes (device, seq, event_id, payload_hash, result) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    dev,
                    item.seq as i64,
                    item.event_id.to_string(),
                    item.payload_hash,
                    serde_json::to_string(&result).map_err(|e| StoreError::Backend(e.into()))?
                ],
            )
            .map_err(backend)?;
            taken = item.seq;
            results.push(result);
        }
        exec(
    tx,
            "UPDATE devices SET last_seq = ?2, last_sync = ?3, last_seen = ?3 WHERE id = ?1",
            params![dev, taken as i64, now_text()],
        )
        .map_err(backend)?;
        let missing_photos = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT DISTINCT r.sha FROM photo_refs r WHERE r.device = ?1
                     AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha = r.sha) ORDER BY r.sha",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([&dev], |r| parse_col::<PhotoHash>(r.get(0)?))
                .map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?
        };
        Ok(PushOutcome::Done(PushResponse {
            taken_through: taken,
            results,
            missing_photos,
        }))
    })
}

pub(super) fn pull(
    store: &SqliteStore,
    grids: Option<&[GridCode]>,
    since: u64,
    limit: u64,
) -> StoreResult<StoredPullPage> {
    let scope = grids.map(codes_json);
    store.read(|c| {
        let tx = c.unchecked_transaction()?;
        let mut stmt = tx.prepare_cached(
            "SELECT cursor, body FROM events WHERE cursor > ?1
             AND (?2 IS NULL OR grid IN (SELECT value FROM json_each(?2))
                  OR cursor IN (SELECT r.cursor FROM event_reach r
                                WHERE r.grid IN (SELECT value FROM json_each(?2)) AND r.cursor > ?1))
             ORDER BY cursor LIMIT ?3",
        )?;
        let mut events = stmt
            .query_map(params![since as i64, scope, (limit + 1) as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let more = events.len() as u64 > limit;
        events.truncate(limit as usize);
        let next = if more {
            events.last().map_or(since, |e| e.0)
        } else {
            // Nothing more in scope: skip past events outside it too.
            let max: Option<i64> =
                tx.query_row("SELECT max(cursor) FROM events", [], |r| r.get(0))?;
            since.max(max.unwrap_or(0) as u64)
        };
        drop(stmt);
        tx.finish()?;
        Ok(StoredPullPage { events, next, more })
    })
}

pub(super) fn urgent(
    store: &SqliteStore,
    grids: Option<&[GridCode]>,
    since: u64,
    limit: u64,
) -> StoreResult<Vec<PulledEvent>> {
    let scope = grids.map(codes_json);
    store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT cursor, body FROM events WHERE urgent = 1 AND cursor > ?1
             AND (?2 IS NULL OR grid IN (SELECT value FROM json_each(?2)))
             ORDER BY cursor DESC LIMIT ?3",
        )?;
        stmt.query_map(params![since as i64, scope, limit as i64], |r| {
            Ok(PulledEvent {
                cursor: r.get::<_, i64>(0)? as u64,
                event: json_col(&r.get::<_, String>(1)?)?,
            })
        })?
        .collect()
    })
}

pub(super) fn last_hlc(store: &SqliteStore) -> StoreResult<Option<Hlc>> {
    store.read(|c| {
        let body: Option<String> = c
            .query_row(
                "SELECT body FROM events ORDER BY hlc DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| json_col::<Event>(&b).map(|e| e.hlc))
            .transpose()
    })
}
