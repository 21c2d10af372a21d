//! The device database's schema, as numbered migrations.
//!
//! A phone may skip app versions, so the store must open from any schema
//! that ever shipped: each migration is one SQL script, applied in order
//! inside one transaction with `PRAGMA user_version` bumped alongside, so a
//! migration either happens whole or not at all. Shipped migrations are
//! never edited; a change is a new entry at the end.

use rusqlite::{Connection, TransactionBehavior};

/// The migrations, in order; the schema version is the number applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: the record store. Every event the device knows, the outbox that
    // numbers its own ones, the local state of records and the photos.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    -- The device's own events, numbered by the gapless per-device sequence
    -- that push uses. A row is never deleted: its verdict is kept beside it.
    CREATE TABLE outbox (
        seq            INTEGER PRIMARY KEY,
        event_id       TEXT NOT NULL UNIQUE,
        kind           TEXT NOT NULL,
        entity_kind    TEXT NOT NULL,
        entity_id      TEXT NOT NULL,
        urgent         INTEGER NOT NULL,
        created_at     TEXT NOT NULL,
        state          TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'sent', 'accepted', 'rejected')),
        cursor         INTEGER,
        superseded     TEXT,
        reject_code    TEXT,
        reject_message TEXT,
        reject_fields  TEXT,
        sent_at        TEXT,
        decided_at     TEXT
    );
    CREATE INDEX outbox_entity ON outbox (entity_kind, entity_id);

    -- Every event the device holds: its own and those pulled from the server.
    CREATE TABLE events (
        event_id    TEXT PRIMARY KEY,
        entity_kind TEXT NOT NULL,
        entity_id   TEXT NOT NULL,
        hlc         TEXT NOT NULL,
        body        TEXT NOT NULL,
        local       INTEGER NOT NULL,
        cursor      INTEGER
    );
    CREATE INDEX events_entity ON events (entity_kind, entity_id, hlc);

    -- The folded state of each hazard, refreshed whenever its events change.
    CREATE TABLE hazards (
        id          TEXT PRIMARY KEY,
        grid        TEXT NOT NULL,
        status      TEXT NOT NULL,
        level       TEXT NOT NULL,
        sector      TEXT NOT NULL,
        description TEXT NOT NULL,
        state       TEXT NOT NULL
    );

    CREATE TABLE checks (
        id       TEXT PRIMARY KEY,
        point    TEXT NOT NULL,
        grid     TEXT NOT NULL,
        verdict  TEXT NOT NULL,
        event_id TEXT NOT NULL,
        at       TEXT NOT NULL
    );

    -- Photos kept under HOME/photos/<hash>.jpg, and which events cite them.
    CREATE TABLE photos (
        hash        TEXT PRIMARY KEY,
        bytes       INTEGER NOT NULL,
        width       INTEGER NOT NULL,
        height      INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        uploaded_at TEXT
    );
    CREATE TABLE photo_refs (
        event_id TEXT NOT NULL,
        hash     TEXT NOT NULL,
        PRIMARY KEY (event_id, hash)
    );
    "#,
    // 2: the reference data of the user's scope, kept so records can be
    // validated offline, and a log of sync attempts for `status`.
    r#"
    CREATE TABLE grids (
        code        TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        parent      TEXT,
        level       TEXT NOT NULL,
        responsible TEXT
    );
    CREATE TABLE points (
        code    TEXT PRIMARY KEY,
        name    TEXT NOT NULL,
        kind    TEXT NOT NULL,
        grid    TEXT NOT NULL,
        lat     REAL,
        lon     REAL,
        monitor TEXT
    );
    CREATE TABLE sync_log (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        outcome     TEXT,
        message     TEXT
    );
    "#,
    // 3: whether any of a photo's bytes may have gone up. A photo never sent
    // is sent without first asking the server how much of it it holds (a
    // round trip less a photo, which on a 2G link is most of a small
    // photo's time); one that may have been cut off half-way asks. Photos
    // from before this column ask, as they always did.
    r#"
    ALTER TABLE photos ADD COLUMN upload_started INTEGER NOT NULL DEFAULT 0;
    UPDATE photos SET upload_started = 1;
    "#,
];

/// The schema version this build writes.
pub fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the schema up to `target` (at most [`latest`]).
pub fn migrate_to(conn: &mut Connection, target: u32) -> rusqlite::Result<u32> {
    let target = target.min(latest());
    // Only a store that needs a migration takes the write lock, so opening
    // an up-to-date store never waits on another writer.
    let current = version(conn)?;
    if current >= target {
        return Ok(current);
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read inside the write lock, so two processes opening the same
        // store at once cannot both apply the same migration.
        let current = version(&tx)?;
        if current >= target {
            return Ok(current);
        }
        tx.execute_batch(MIGRATIONS[current as usize])?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    migrate_to(conn, latest())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Data that a store at version `v` could hold, so an upgrade is tested
    /// with rows in the tables, not just an empty schema.
    fn seed(conn: &Connection, v: u32) {
        if v >= 1 {
            conn.execute_batch(
                "INSERT INTO meta VALUES ('device_id', 'd');
                 INSERT INTO outbox (seq, event_id, kind, entity_kind, entity_id, urgent, created_at)
                 VALUES (1, 'e1', 'hazard_reported', 'hazard', 'h1', 0, '2026-06-01T00:00:00Z');
                 INSERT INTO photos (hash, bytes, width, height, created_at)
                 VALUES ('p1', 1, 1, 1, '2026-06-01T00:00:00Z');",
            )
            .unwrap();
        }
        if v >= 2 {
            conn.execute_batch("INSERT INTO grids VALUES ('T', '某镇', NULL, 'town', NULL);")
                .unwrap();
        }
    }

    #[test]
    fn from_empty_to_latest() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(version(&conn).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), latest());
        let t = tables(&conn);
        for want in [
            "meta", "outbox", "events", "hazards", "checks", "photos", "grids", "points",
        ] {
            assert!(t.iter().any(|n| n == want), "{want} missing from {t:?}");
        }
        // A second run is a no-op.
        assert_eq!(migrate(&mut conn).unwrap(), latest());
    }

    #[test]
    fn from_every_earlier_version_keeping_its_data() {
        for start in 0..=latest() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("device.db");
            {
                let mut conn = Connection::open(&path).unwrap();
                migrate_to(&mut conn, start).unwrap();
                assert_eq!(version(&conn).unwrap(), start);
                seed(&conn, start);
            }
            let mut conn = Connection::open(&path).unwrap();
            assert_eq!(migrate(&mut conn).unwrap(), latest(), "from {start}");
            let outbox: i64 = conn
                .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
                .unwrap();
            assert_eq!(outbox, i64::from(start >= 1), "from {start}");
            // A photo from before the upload flag may have gone up in part,
            // so it asks the server first; a new one starts unsent.
            if (1..3).contains(&start) {
                let started: bool = conn
                    .query_row(
                        "SELECT upload_started FROM photos WHERE hash = 'p1'",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert!(started, "from {start}");
            }
            conn.execute(
                "INSERT INTO photos (hash, bytes, width, height, created_at)
                 VALUES ('p2', 1, 1, 1, '2026-06-02T00:00:00Z')",
                [],
            )
            .unwrap();
            let started: bool = conn
                .query_row(
                    "SELECT upload_started FROM photos WHERE hash = 'p2'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(!started, "from {start}");
            // The newest tables work whatever the starting point.
            conn.execute(
                "INSERT OR IGNORE INTO grids VALUES ('T', '某镇', NULL, 'town', NULL)",
                [],
            )
            .unwrap();
        }
    }
}
