//! Users, devices, their tokens and the office inbox's acknowledgements.

use chrono::{DateTime, Utc};
use gridsafe_core::{DeviceId, StableKey, Username};
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, backend, codes_json, json_col, now_text, parse_col, time_col};
use crate::store::{DeviceRecord, StoreResult, TokenRecord, UserRecord};

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        name: parse_col(r.get(0)?)?,
        role: parse_col(r.get(1)?)?,
        grids: json_col(&r.get::<_, String>(2)?)?,
        password_hash: r.get(3)?,
    })
}

fn device_row(r: &rusqlite::Row) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        id: parse_col(r.get(0)?)?,
        user: parse_col(r.get(1)?)?,
        name: r.get(2)?,
        created_at: parse_col(r.get(3)?)?,
        last_seen: time_col(r.get(4)?)?,
        last_sync: time_col(r.get(5)?)?,
        last_seq: r.get::<_, i64>(6)? as u64,
        revoked_at: time_col(r.get(7)?)?,
    })
}

const DEVICE_COLS: &str = "id, user, name, created_at, last_seen, last_sync, last_seq, revoked_at";

pub(super) fn add_user(store: &SqliteStore, user: &UserRecord) -> StoreResult<()> {
    store.write(|tx| {
        let grids = codes_json(&user.grids);
        tx.execute(
            "INSERT INTO users (name, role, grids, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, grids = excluded.grids,
               password_hash = excluded.password_hash",
            params![user.name.as_str(), user.role.key(), grids, user.password_hash, now_text()],
        )
        .map_err(backend)?;
        Ok(())
    })
}

pub(super) fn user(store: &SqliteStore, name: &Username) -> StoreResult<Option<UserRecord>> {
    store.read(|c| {
        c.query_row(
            "SELECT name, role, grids, password_hash FROM users WHERE name = ?1",
            [name.as_str()],
            user_row,
        )
        .optional()
    })
}

pub(super) fn users(store: &SqliteStore) -> StoreResult<Vec<UserRecord>> {
    store.read(|c| {
        let mut stmt =
            c.prepare("SELECT name, role, grids, password_hash FROM users ORDER BY name")?;
        let rows = stmt.query_map([], user_row)?;
        rows.collect()
    })
}

pub(super) fn enrol_device(
    store: &SqliteStore,
    id: DeviceId,
    user: &Username,
    name: Option<&str>,
) -> StoreResult<bool> {
    store.write(|tx| {
        let revoked: Option<Option<String>> = tx
            .query_row(
                "SELECT revoked_at FROM devices WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        match revoked {
            Some(Some(_)) => Ok(false),
            Some(None) => {
                tx.execute(
                    "UPDATE devices SET user = ?2, name = coalesce(?3, name), last_seen = ?4 WHERE id = ?1",
                    params![id.to_string(), user.as_str(), name, now_text()],
                )
                .map_err(backend)?;
                Ok(true)
            }
            None => {
                tx.execute(
                    "INSERT INTO devices (id, user, name, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![id.to_string(), user.as_str(), name, now_text()],
                )
                .map_err(backend)?;
                Ok(true)
            }
        }
    })
}

pub(super) fn device(store: &SqliteStore, id: DeviceId) -> StoreResult<Option<DeviceRecord>> {
    store.read(|c| {
        c.query_row(
            &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
            [id.to_string()],
            device_row,
        )
        .optional()
    })
}

pub(super) fn devices(store: &SqliteStore) -> StoreResult<Vec<DeviceRecord>> {
    store.read(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT {DEVICE_COLS} FROM devices ORDER BY user, created_at"
        ))?;
        let rows = stmt.query_map([], device_row)?;
        rows.collect()
    })
}

pub(super) fn revoke_device(store: &SqliteStore, id: DeviceId) -> StoreResult<bool> {
    store.write(|tx| {
        let n = tx
            .execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![id.to_string(), now_text()],
            )
            .map_err(backend)?;
        Ok(n > 0)
    })
}

pub(super) fn add_token(
    store: &SqliteStore,
    token_hash: &str,
    user: &Username,
    device: DeviceId,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    store.write(|tx| {
        tx.execute(
            "INSERT INTO tokens (hash, user, device, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, user.as_str(), device.to_string(), now_text(), expires_at.to_rfc3339()],
        )
        .map_err(backend)?;
        Ok(())
    })
}

pub(super) fn token(store: &SqliteStore, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
    store.read(|c| {
        c.prepare_cached(
            "SELECT t.user, u.role, u.grids, t.device, t.expires_at, d.revoked_at
             FROM tokens t JOIN users u ON u.name = t.user JOIN devices d ON d.id = t.device
             WHERE t.hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(TokenRecord {
                user: parse_col(r.get(0)?)?,
                role: parse_col(r.get(1)?)?,
                grids: json_col(&r.get::<_, String>(2)?)?,
                device: parse_col(r.get(3)?)?,
                expires_at: parse_col(r.get(4)?)?,
                revoked: r.get::<_, Option<String>>(5)?.is_some(),
            })
        })
        .optional()
    })
}

pub(super) fn remove_token(store: &SqliteStore, token_hash: &str) -> StoreResult<()> {
    store.write(|tx| {
        tx.execute("DELETE FROM tokens WHERE hash = ?1", [token_hash])
            .map_err(backend)?;
        Ok(())
    })
}

pub(super) fn inbox_mark(store: &SqliteStore, user: &Username) -> StoreResult<u64> {
    store.read(|c| {
        Ok(c.query_row(
            "SELECT up_to FROM inbox_marks WHERE user = ?1",
            [user.as_str()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0) as u64)
    })
}

pub(super) fn inbox_acks(store: &SqliteStore, user: &Username) -> StoreResult<Vec<u64>> {
    store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT a.cursor FROM inbox_acks a
             WHERE a.user = ?1 AND a.cursor > coalesce((SELECT up_to FROM inbox_marks m WHERE m.user = ?1), 0)
             ORDER BY a.cursor",
        )?;
        stmt.query_map([user.as_str()], |r| r.get::<_, i64>(0).map(|v| v as u64))?
            .collect()
    })
}

pub(super) fn ack_inbox(store: &SqliteStore, user: &Username, cursors: &[u64]) -> StoreResult<()> {
    store.write(|tx| {
        let now = now_text();
        for c in cursors {
            tx.execute(
                "INSERT INTO inbox_acks (user, cursor, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![user.as_str(), *c as i64, now],
            )
            .map_err(backend)?;
        }
        Ok(())
    })
}

pub(super) fn ack_inbox_up_to(
    store: &SqliteStore,
    user: &Username,
    cursor: u64,
) -> StoreResult<()> {
    store.write(|tx| {
        tx.execute(
            "INSERT INTO inbox_marks (user, up_to) VALUES (?1, ?2)
             ON CONFLICT (user) DO UPDATE SET up_to = max(up_to, excluded.up_to)",
            params![user.as_str(), cursor as i64],
        )
        .map_err(backend)?;
        // Single acknowledgements under the mark say nothing more.
        tx.execute(
            "DELETE FROM inbox_acks WHERE user = ?1 AND cursor <= ?2",
            params![user.as_str(), cursor as i64],
        )
        .map_err(backend)?;
        Ok(())
    })
}

pub(super) fn touch_device(store: &SqliteStore, id: DeviceId, synced: bool) -> StoreResult<()> {
    store.write(|tx| {
        let now = now_text();
        tx.execute(
            "UPDATE devices SET last_seen = ?2, last_sync = CASE WHEN ?3 THEN ?2 ELSE last_sync END WHERE id = ?1",
            params![id.to_string(), now, synced],
        )
        .map_err(backend)?;
        Ok(())
    })
}
