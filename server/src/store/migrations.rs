//! The SQLite schema, as numbered migrations.
//!
//! `PRAGMA user_version` holds the number of migrations applied; each runs in
//! its own transaction. Append new migrations, never edit a shipped one.
//!
//! Events are the record (`events`, cursor = server sequence); `pushes` keys
//! them by (device, seq) with the saved verdict; `hazards`, `point_state`
//! and the `*_counts` tables are the current state and per-grid counters,
//! kept in the same transaction as the events they come from.

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // 1: everything of the first release.
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('catalog_rev', '0');

CREATE TABLE grids (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent TEXT,
    level TEXT NOT NULL,
    responsible TEXT
);

CREATE TABLE points (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    grid TEXT NOT NULL,
    lat REAL,
    lon REAL,
    monitor TEXT
);
CREATE INDEX points_grid ON points (grid);

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    grids TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    name TEXT,
    created_at TEXT NOT NULL,
    last_seen TEXT,
    last_sync TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT
);

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    device TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX tokens_device ON tokens (device);

CREATE TABLE events (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    grid TEXT NOT NULL,
    author TEXT NOT NULL,
    device TEXT NOT NULL,
    hlc TEXT NOT NULL,
    urgent INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_entity ON events (entity);
CREATE INDEX events_grid_cursor ON events (grid, cursor);
CREATE INDEX events_urgent ON events (cursor) WHERE urgent = 1;

CREATE TABLE pushes (
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;

CREATE TABLE hazards (
    id TEXT PRIMARY KEY,
    grid TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    listed INTEGER NOT NULL,
    deadline TEXT,
    reported_ms INTEGER NOT NULL,
    reported_day TEXT NOT NULL,
    description TEXT NOT NULL,
    place TEXT,
    last_cursor INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX hazards_grid_day ON hazards (grid, reported_day);
CREATE INDEX hazards_status_deadline ON hazards (status, deadline);
CREATE INDEX hazards_reported ON hazards (reported_ms);

CREATE TABLE hazard_counts (
    grid TEXT NOT NULL,
    day TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (grid, day, status, level, sector)
) WITHOUT ROWID;
CREATE INDEX hazard_counts_day ON hazard_counts (day);

CREATE TABLE check_counts (
    grid TEXT NOT NULL,
    day TEXT NOT NULL,
    verdict TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (grid, day, verdict)
) WITHOUT ROWID;
CREATE INDEX check_counts_day ON check_counts (day);

CREATE TABLE point_state (
    point TEXT PRIMARY KEY,
    grid TEXT NOT NULL,
    hlc TEXT NOT NULL,
    check_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL
);

CREATE TABLE blobs (
    sha TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    stored_at TEXT NOT NULL
);

CREATE TABLE photo_refs (
    sha TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    grid TEXT NOT NULL,
    device TEXT NOT NULL,
    PRIMARY KEY (sha, cursor)
) WITHOUT ROWID;
CREATE INDEX photo_refs_device ON photo_refs (device, sha);
"#,
    // 2: the console: what each office user has acknowledged in the inbox,
    // and an index for the hazard list sorted by deadline.
    r#"
CREATE TABLE inbox_marks (
    user TEXT PRIMARY KEY,
    up_to INTEGER NOT NULL
);
CREATE TABLE inbox_acks (
    user TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (user, cursor)
) WITHOUT ROWID;
CREATE INDEX hazards_deadline ON hazards (deadline);
"#,
    // 3: township records. Inspection tasks and the targets they cover,
    // meetings, banquets, promises and accidents (backfilled from the events
    // already stored), every point check's time for missed-check counts, the
    // flood-season duty of each point, and the extra grids an event reaches
    // (a task's targets, a duty's points) so their devices pull it.
    //
    // `tasks.status` is 'open' or 'done'; a task is overdue when it is open
    // and its due_date is before today (Beijing time).
    r#"
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    grid_code TEXT NOT NULL,
    sector TEXT,
    title TEXT NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_day TEXT NOT NULL,
    done_at TEXT,
    last_cursor INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX tasks_grid ON tasks (grid_code, due_date);
CREATE INDEX tasks_status_due ON tasks (status, due_date);

CREATE TABLE task_targets (
    task_id TEXT NOT NULL,
    target_code TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    grid_code TEXT NOT NULL,
    covered_at TEXT,
    covered_by TEXT,
    checks INTEGER NOT NULL,
    failed_items INTEGER NOT NULL,
    PRIMARY KEY (task_id, target_kind, target_code)
) WITHOUT ROWID;
CREATE INDEX task_targets_grid ON task_targets (grid_code);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    grid_code TEXT NOT NULL,
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    attendees INTEGER NOT NULL,
    author TEXT NOT NULL,
    cursor INTEGER NOT NULL
);
CREATE INDEX meetings_grid_day ON meetings (grid_code, held_on);

CREATE TABLE banquets (
    id TEXT PRIMARY KEY,
    grid_code TEXT NOT NULL,
    held_on TEXT NOT NULL,
    host TEXT NOT NULL,
    tables_count INTEGER NOT NULL,
    samples_kept INTEGER NOT NULL,
    author TEXT NOT NULL,
    cursor INTEGER NOT NULL
);
CREATE INDEX banquets_grid_day ON banquets (grid_code, held_on);

CREATE TABLE promises (
    id TEXT PRIMARY KEY,
    grid_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    party TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    author TEXT NOT NULL,
    cursor INTEGER NOT NULL
);
CREATE INDEX promises_grid_day ON promises (grid_code, signed_on);

CREATE TABLE accidents (
    id TEXT PRIMARY KEY,
    grid_code TEXT NOT NULL,
    sector TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_day TEXT NOT NULL,
    deaths INTEGER NOT NULL,
    injuries INTEGER NOT NULL,
    place TEXT NOT NULL,
    author TEXT NOT NULL,
    cursor INTEGER NOT NULL
);
CREATE INDEX accidents_grid_day ON accidents (grid_code, occurred_day);
INSERT OR IGNORE INTO accidents
SELECT entity, grid, json_extract(body, '$.body.data.sector'),
       json_extract(body, '$.body.data.occurred_at'),
       date(json_extract(body, '$.body.data.occurred_at'), '+8 hours'),
       json_extract(body, '$.body.data.deaths'), json_extract(body, '$.body.data.injuries'),
       json_extract(body, '$.body.data.place'), author, cursor
FROM events WHERE kind = 'accident_reported';

CREATE TABLE point_checks (
    point TEXT NOT NULL,
    grid_code TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    cursor INTEGER NOT NULL,
    PRIMARY KEY (point, at_ms, cursor)
) WITHOUT ROWID;
INSERT OR IGNORE INTO point_checks
SELECT json_extract(body, '$.body.data.point'), grid, json_extract(body, '$.hlc.wall_ms'), cursor
FROM events WHERE kind = 'check_logged';

CREATE TABLE point_duty (
    point TEXT PRIMARY KEY,
    grid_code TEXT NOT NULL,
    hlc TEXT NOT NULL,
    duty_id TEXT NOT NULL,
    on_duty INTEGER NOT NULL,
    interval_hours INTEGER,
    since TEXT NOT NULL
);

CREATE TABLE event_reach (
    grid TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    PRIMARY KEY (grid, cursor)
) WITHOUT ROWID;
"#,
    // 4: the office at a million hazards. Free text through an FTS5 trigram
    // index (substrings, Chinese included) keyed by the hazard's rowid,
    // which the projection now keeps stable; the list's newest-first walk
    // reads the filter columns from one covering index instead of the
    // rows; a grid's own hazards newest first; open hazards by grid and
    // deadline for the overdue figures.
    r#"
CREATE VIRTUAL TABLE hazards_fts USING fts5(
    description, place, content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO hazards_fts (rowid, description, place)
    SELECT rowid, description, coalesce(place, '') FROM hazards;
DROP INDEX hazards_reported;
DROP INDEX hazards_status_deadline;
CREATE INDEX hazards_recent ON hazards
    (reported_ms, id, grid, status, level, sector, reported_day, deadline, listed);
CREATE INDEX hazards_grid_recent ON hazards (grid, reported_ms);
CREATE INDEX hazards_open ON hazards (status, grid, deadline, reported_day);
"#,
    // 5: counters kept for every grid's whole subtree, so that a town's or
    // the county's figures and a list's total read a few hundred rows
    // whatever the size of the tree: each grid's ancestors (itself
    // included), and the hazard counters summed into each ancestor by day
    // and by month. `ROLLUP_REBUILD` fills them, here and whenever the tree
    // changes; the projection keeps them current.
    r#"
CREATE TABLE grid_ancestors (
    grid TEXT NOT NULL,
    ancestor TEXT NOT NULL,
    PRIMARY KEY (grid, ancestor)
) WITHOUT ROWID;

CREATE TABLE hazard_rollup (
    ancestor TEXT NOT NULL,
    day TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (ancestor, day, status, level, sector)
) WITHOUT ROWID;

CREATE TABLE hazard_rollup_month (
    ancestor TEXT NOT NULL,
    month TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (ancestor, month, status, level, sector)
) WITHOUT ROWID;
"#,
    // 6: the office's judgement of an accident's social impact
    // (`accident_impact_judged`), the latest in clock order, for the
    // assessment's one-vote veto.
    r#"
ALTER TABLE accidents ADD COLUMN bad_social_impact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accidents ADD COLUMN impact_hlc TEXT;
ALTER TABLE accidents ADD COLUMN impact_by TEXT;
ALTER TABLE accidents ADD COLUMN impact_at TEXT;
ALTER TABLE accidents ADD COLUMN impact_note TEXT;
"#,
    // 7: the open hazards by deadline with the list's other filter
    // columns, so that "overdue" with a level, sector or listed filter is
    // counted on the index, without reading a row per open hazard.
    r#"
CREATE INDEX IF NOT EXISTS hazards_overdue ON hazards
    (deadline, level, sector, listed, grid, reported_day)
    WHERE status IN ('confirmed', 'rectifying');
"#,
    // 8: the texts alone, for counting the free-text queries too short for
    // the trigram index (one or two characters), which test every hazard:
    // a walk of this index reads some 60 bytes a hazard instead of its row.
    r#"
CREATE INDEX IF NOT EXISTS hazards_text ON hazards (description, place);
"#,
];

/// Recomputes `grid_ancestors` from `grids` and the subtree counters from
/// the per-grid `hazard_counts`. Cheap next to the counters themselves
/// (one pass over them); run when the tree changes.
pub const ROLLUP_REBUILD: &str = r#"
DELETE FROM grid_ancestors;
INSERT INTO grid_ancestors (grid, ancestor)
WITH RECURSIVE up (grid, ancestor, hops) AS (
    SELECT code, code, 0 FROM grids
    UNION ALL
    SELECT up.grid, g.parent, up.hops + 1 FROM up JOIN grids g ON g.code = up.ancestor
    WHERE g.parent IS NOT NULL AND up.hops < 32
)
SELECT DISTINCT grid, ancestor FROM up;
DELETE FROM hazard_rollup;
INSERT INTO hazard_rollup (ancestor, day, status, level, sector, n)
SELECT a.ancestor, c.day, c.status, c.level, c.sector, sum(c.n)
FROM hazard_counts c JOIN grid_ancestors a ON a.grid = c.grid
WHERE c.n != 0
GROUP BY a.ancestor, c.day, c.status, c.level, c.sector;
DELETE FROM hazard_rollup_month;
INSERT INTO hazard_rollup_month (ancestor, month, status, level, sector, n)
SELECT ancestor, substr(day, 1, 7), status, level, sector, sum(n)
FROM hazard_rollup
GROUP BY ancestor, substr(day, 1, 7), status, level, sector;
"#;

/// The migration that made the subtree counters, filled as it runs.
const ROLLUP_MIGRATION: usize = 5;

/// Brings the database up to the latest schema.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if i + 1 == ROLLUP_MIGRATION {
            tx.execute_batch(ROLLUP_REBUILD)?;
        }
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_empty_and_again_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
        migrate(&mut conn).unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('events', 'pushes', 'hazards', 'hazard_counts', 'tasks', 'task_targets', 'meetings', 'accidents')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 8);
    }

    #[test]
    fn township_tables_are_backfilled_from_stored_events() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate().take(2) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i + 1).unwrap();
        }
        let accident = r#"{"hlc":{"wall_ms":1782864000000},"body":{"type":"accident_reported","data":{"sector":"road_traffic","occurred_at":"2026-06-30T20:30:00Z","deaths":2,"injuries":1,"place":"国道108线"}}}"#;
        let check = r#"{"hlc":{"wall_ms":1782864000000},"body":{"type":"check_logged","data":{"point":"LS-1"}}}"#;
        for (kind, entity, body) in [
            ("accident_reported", "A1", accident),
            ("check_logged", "C1", check),
        ] {
            conn.execute(
                "INSERT INTO events (id, kind, entity, grid, author, device, hlc, urgent, received_at, body)
                 VALUES (?1, ?2, ?3, 'V1', 'li', 'd', 'h', 0, 'now', ?4)",
                rusqlite::params![format!("e-{entity}"), kind, entity, body],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let (day, deaths): (String, i64) = conn
            .query_row(
                "SELECT occurred_day, deaths FROM accidents WHERE id = 'A1' AND grid_code = 'V1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(day, "2026-07-01", "a Beijing-time day");
        assert_eq!(deaths, 2);
        // Migration 5: no accident is judged of bad social impact until the office says so.
        let (bad, judged): (bool, Option<String>) = conn
            .query_row(
                "SELECT bad_social_impact, impact_by FROM accidents WHERE id = 'A1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((bad, judged), (false, None));
        let at: i64 = conn
            .query_row(
                "SELECT at_ms FROM point_checks WHERE point = 'LS-1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(at, 1_782_864_000_000);
    }
}
