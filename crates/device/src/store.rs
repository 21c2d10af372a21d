//! The device store: one SQLite database and a photo folder under the
//! device's home directory.
//!
//! The database runs in WAL mode with `synchronous=FULL`, so a record the
//! user saw saved survives a flat battery. Writers take the lock up front
//! (`BEGIN IMMEDIATE`), since a deferred transaction that later writes fails
//! with SQLITE_BUSY instead of waiting. Small facts about the device (its
//! enrolment, its clock, the pull cursor) live in the `meta` table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use gridsafe_core::{DeviceId, GridCode, Hlc, HlcClock, Role, Username};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::error::DeviceError;
use crate::migrations;

pub const DB_FILE: &str = "device.db";
pub const PHOTO_DIR: &str = "photos";

/// Who this device acts for, from its enrolment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrollment {
    pub server: String,
    pub user: Username,
    pub role: Role,
    pub grids: Vec<GridCode>,
    pub device: DeviceId,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub mod keys {
    //! The `meta` keys.
    pub const ENROLLMENT: &str = "enrollment";
    pub const HLC: &str = "hlc";
    pub const PULL_CURSOR: &str = "pull_cursor";
    pub const LAST_SYNC: &str = "last_sync";
    pub const LAST_SYNC_ERROR: &str = "last_sync_error";
    pub const AUTH_ERROR: &str = "auth_error";
    pub const REFERENCE_AT: &str = "reference_at";
}

/// The open device store.
pub struct Store {
    conn: Connection,
    home: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store under `home` and brings its
    /// schema up to date.
    pub fn open(home: &Path) -> Result<Self, DeviceError> {
        let photos = home.join(PHOTO_DIR);
        std::fs::create_dir_all(&photos).map_err(|e| DeviceError::io(&photos, e))?;
        let mut conn = Connection::open(home.join(DB_FILE))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn,
            home: home.to_path_buf(),
        })
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn photo_dir(&self) -> PathBuf {
        self.home.join(PHOTO_DIR)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A write transaction that holds the lock from its first statement.
    pub fn write(&mut self) -> Result<Transaction<'_>, DeviceError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    pub fn enrollment(&self) -> Result<Option<Enrollment>, DeviceError> {
        get_json(&self.conn, keys::ENROLLMENT)
    }

    pub fn require_enrollment(&self) -> Result<Enrollment, DeviceError> {
        self.enrollment()?.ok_or(DeviceError::NotEnrolled)
    }

    /// The device's clock, resumed from the last stamp it issued or saw.
    pub fn clock(conn: &Connection, device: DeviceId) -> Result<HlcClock, DeviceError> {
        let last: Option<Hlc> = get_json(conn, keys::HLC)?;
        // A stamp kept from another device id (before a re-enrolment) still
        // bounds the time this device may stamp from.
        Ok(HlcClock::resume(device, last))
    }

    pub fn save_clock(conn: &Connection, clock: &HlcClock) -> Result<(), DeviceError> {
        set_json(conn, keys::HLC, &clock.last())
    }
}

pub fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>, DeviceError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), DeviceError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub fn delete_meta(conn: &Connection, key: &str) -> Result<(), DeviceError> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    Ok(())
}

pub fn get_json<T: for<'de> Deserialize<'de>>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, DeviceError> {
    match get_meta(conn, key)? {
        None => Ok(None),
        Some(s) => Ok(Some(serde_json::from_str(&s)?)),
    }
}

pub fn set_json<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<(), DeviceError> {
    set_meta(conn, key, &serde_json::to_string(value)?)
}

/// Milliseconds since the epoch, for the clock.
pub fn now_ms() -> u64 {
    Utc::now().timestamp_millis().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mode: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = store
            .conn()
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        assert!(dir.path().join(PHOTO_DIR).is_dir());
        drop(store);
        // Reopening an existing store is fine.
        Store::open(dir.path()).unwrap();
    }

    #[test]
    fn the_clock_resumes_where_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let dev = DeviceId::new();
        let mut c = Store::clock(store.conn(), dev).unwrap();
        let far = c.tick(now_ms() + 60_000);
        Store::save_clock(store.conn(), &c).unwrap();
        let mut again = Store::clock(store.conn(), dev).unwrap();
        assert!(again.tick(now_ms()) > far);
    }
}
