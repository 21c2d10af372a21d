//! The SQLite backend: one file, WAL, one writer and a pool of readers.
//!
//! Every write runs under `BEGIN IMMEDIATE` on the single writer connection,
//! so writers queue on a mutex instead of failing with SQLITE_BUSY, and a
//! push (sequence bookkeeping, events, state, counters) commits as one
//! transaction. Readers use their own connections and see a consistent
//! snapshot while the writer works. `synchronous=FULL`: an acknowledged push
//! survives a power cut, not just a crash.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::event::EntityRef;
use gridsafe_core::hazard::{self, HazardState, Superseded};
use gridsafe_core::point::{LastCheck, MonitoringPoint};
use gridsafe_core::validate::Warning;
use gridsafe_core::wire::{PullPage, PulledEvent, PushResponse, PushResult, PushVerdict};
use gridsafe_core::{
    DeviceId, Event, EventBody, GridCode, GridNode, HazardId, Hlc, PhotoHash, StableKey, Username,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    AppendOutcome, DeviceRecord, HazardQuery, HazardSort, Incoming, Judge, PeriodCounts,
    PointStatus, PushOutcome, Rejection, Store, StoreError, StoreResult, TokenRecord, TrailEvent,
    UserRecord, migrations,
};
use crate::calendar::local_day;

/// Readers kept open between requests.
const READER_POOL: usize = 8;

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.into())
}

fn bad_data(what: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        what.to_string().into(),
    )
}

fn parse_col<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(bad_data)
}

fn json_col<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(bad_data)
}

fn time_col(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.map(parse_col::<DateTime<Utc>>).transpose()
}

fn now_text() -> String {
    Utc::now().to_rfc3339()
}

/// A list of codes as one JSON parameter, read back with `json_each`: one
/// bound value however many grids a scope holds.
fn codes_json(grids: &[GridCode]) -> String {
    serde_json::to_string(&grids.iter().map(|g| g.as_str()).collect::<Vec<_>>())
        .expect("strings serialise")
}

impl SqliteStore {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut writer = Self::connect(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        migrations::migrate(&mut writer).context("migrating the database")?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn connect(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(conn)
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let conn = self.readers.lock().expect("reader pool").pop();
        let conn = match conn {
            Some(c) => c,
            None => Self::connect(&self.path).map_err(backend)?,
        };
        let out = f(&conn).map_err(backend);
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < READER_POOL {
            pool.push(conn);
        }
        out
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = f(&tx)?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }

    fn bump_catalog(tx: &Transaction) -> rusqlite::Result<()> {
        tx.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'catalog_rev'",
            [],
        )?;
        Ok(())
    }
}

/// Runs a statement through the connection's statement cache: the push path
/// runs the same few statements for every event of a batch.
fn exec(tx: &Transaction, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(p)
}

/// [`exec`] for a query of one row.
fn one<T>(
    tx: &Transaction,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    tx.prepare_cached(sql)?.query_row(p, f)
}

/// An applied event: its cursor, whether the fold kept it without effect,
/// and the validation warnings.
type Applied = (u64, Option<Superseded>, Vec<Warning>);

/// Applies one event inside a write transaction: rules, event row, photo
/// references, and the state and counters of its record.
fn apply_event(
    tx: &Transaction,
    ev: &Event,
    judge: &dyn Judge,
) -> StoreResult<Result<Applied, Rejection>> {
    let id = ev.id.to_string();
    let known: bool = one(tx, "SELECT 1 FROM events WHERE id = ?1", [&id], |_| Ok(()))
        .optional()
        .map_err(backend)?
        .is_some();
    if known {
        return Ok(Err(Rejection::new(
            "duplicate_event",
            format!("event {id} is already stored under another sequence"),
        )));
    }
    let entity = ev.body.entity();
    let record_grid: Option<GridCode> = match (&ev.body, entity) {
        (EventBody::HazardReported(r), _) => Some(r.grid.clone()),
        (_, EntityRef::Hazard(h)) => one(
            tx,
            "SELECT grid FROM hazards WHERE id = ?1",
            [h.to_string()],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(backend)?
        .map(|g| {
            g.parse()
                .map_err(|e| StoreError::Backend(anyhow::anyhow!("{e}")))
        })
        .transpose()?,
        _ => ev.body.grid().cloned(),
    };
    let warnings = match judge.judge(ev, record_grid.as_ref()) {
        Ok(w) => w,
        Err(r) => return Ok(Err(r)),
    };
    let Some(grid) = record_grid else {
        return Ok(Err(Rejection::new(
            "unknown_record",
            "the record this event is about is not on the server",
        )));
    };
    let entity_id = match entity {
        EntityRef::Hazard(h) => h.to_string(),
        EntityRef::Check(c) => c.to_string(),
        EntityRef::Accident(a) => a.to_string(),
    };
    let body = serde_json::to_string(ev).map_err(|e| StoreError::Backend(e.into()))?;
    exec(
        tx,
        "INSERT INTO events (id, kind, entity, grid, author, device, hlc, urgent, received_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            ev.kind().key(),
            entity_id,
            grid.as_str(),
            ev.author.as_str(),
            ev.device.to_string(),
            ev.hlc.sort_key(),
            ev.body.is_urgent(),
            now_text(),
            body
        ],
    )
    .map_err(backend)?;
    let cursor = tx.last_insert_rowid() as u64;
    for sha in ev.body.photos() {
        exec(
            tx,
            "INSERT OR IGNORE INTO photo_refs (sha, cursor, grid, device) VALUES (?1, ?2, ?3, ?4)",
            params![sha.as_str(), cursor, grid.as_str(), ev.device.to_string()],
        )
        .map_err(backend)?;
    }
    let superseded = match (&ev.body, entity) {
        (_, EntityRef::Hazard(h)) => refold_hazard(tx, h, ev, cursor)?,
        (EventBody::CheckLogged(c), _) => {
            let day = local_day(ev.hlc.time()).to_string();
            exec(
                tx,
                "INSERT INTO check_counts (grid, day, verdict, n) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT DO UPDATE SET n = n + 1",
                params![grid.as_str(), day, c.verdict.key()],
            )
            .map_err(backend)?;
            // The latest check in clock order decides the point, whatever the arrival order.
            exec(
                tx,
                "INSERT INTO point_state (point, grid, hlc, check_id, verdict, at, by_user)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (point) DO UPDATE SET grid = excluded.grid, hlc = excluded.hlc,
                   check_id = excluded.check_id, verdict = excluded.verdict, at = excluded.at,
                   by_user = excluded.by_user
                 WHERE excluded.hlc > point_state.hlc",
                params![
                    c.point.as_str(),
                    grid.as_str(),
                    ev.hlc.sort_key(),
                    c.check.to_string(),
                    c.verdict.key(),
                    ev.hlc.time().to_rfc3339(),
                    ev.author.as_str()
                ],
            )
            .map_err(backend)?;
            None
        }
        _ => None,
    };
    Ok(Ok((cursor, superseded, warnings)))
}

/// Re-folds a hazard from all its stored events (the new one may carry an
/// earlier stamp than events already applied) and moves its counters from
/// the old state's cell to the new one's.
fn refold_hazard(
    tx: &Transaction,
    h: HazardId,
    new: &Event,
    cursor: u64,
) -> StoreResult<Option<Superseded>> {
    let id = h.to_string();
    let old: Option<(String, String, String, String, String)> = one(
        tx,
        "SELECT grid, reported_day, status, level, sector FROM hazards WHERE id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .optional()
    .map_err(backend)?;
    // A hazard with no state yet has no other events either (those are
    // refused until its report is in): its only event is the new one, so
    // the usual case of a fresh report reads nothing back.
    let events: Vec<Event> = if old.is_none() {
        vec![new.clone()]
    } else {
        let mut stmt = tx
            .prepare_cached("SELECT body FROM events WHERE entity = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([&id], |r| json_col::<Event>(&r.get::<_, String>(0)?))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    let state = hazard::fold(&events).map_err(|e| StoreError::Backend(e.into()))?;
    let count = |cell: (&str, &str, &str, &str, &str), delta: i64| {
        exec(
        tx,
            "INSERT INTO hazard_counts (grid, day, status, level, sector, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
            params![cell.0, cell.1, cell.2, cell.3, cell.4, delta],
        )
        .map_err(backend)
    };
    if let Some(o) = &old {
        count((&o.0, &o.1, &o.2, &o.3, &o.4), -1)?;
    }
    let day = local_day(state.reported_at).to_string();
    count(
        (
            state.grid.as_str(),
            &day,
            state.status.key(),
            state.level.key(),
            state.sector.key(),
        ),
        1,
    )?;
    exec(
        tx,
        "INSERT OR REPLACE INTO hazards (id, grid, status, level, sector, listed, deadline, reported_ms,
           reported_day, description, place, last_cursor, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            state.grid.as_str(),
            state.status.key(),
            state.level.key(),
            state.sector.key(),
            state.listed.is_some(),
            state.deadline().map(|d| d.to_string()),
            state.reported_at.timestamp_millis(),
            day,
            state.description,
            state.place,
            cursor,
            serde_json::to_string(&state).map_err(|e| StoreError::Backend(e.into()))?
        ],
    )
    .map_err(backend)?;
    Ok(state
        .superseded
        .iter()
        .find(|s| s.event == new.id)
        .map(|s| s.reason))
}

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

impl Store for SqliteStore {
    fn grids(&self) -> StoreResult<Vec<GridNode>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT code, name, parent, level, responsible FROM grids ORDER BY code",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(GridNode {
                    code: parse_col(r.get(0)?)?,
                    name: r.get(1)?,
                    parent: r.get::<_, Option<String>>(2)?.map(parse_col).transpose()?,
                    level: parse_col(r.get(3)?)?,
                    responsible: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    fn points(&self) -> StoreResult<Vec<MonitoringPoint>> {
        Ok(self
            .point_statuses(None)?
            .into_iter()
            .map(|p| p.point)
            .collect())
    }

    fn upsert_grids(&self, nodes: &[GridNode]) -> StoreResult<()> {
        self.write(|tx| {
            for n in nodes {
                tx.execute(
                    "INSERT OR REPLACE INTO grids (code, name, parent, level, responsible) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        n.code.as_str(),
                        n.name,
                        n.parent.as_ref().map(|p| p.as_str()),
                        n.level.key(),
                        n.responsible
                    ],
                )
                .map_err(backend)?;
            }
            Self::bump_catalog(tx).map_err(backend)
        })
    }

    fn upsert_points(&self, points: &[MonitoringPoint]) -> StoreResult<()> {
        self.write(|tx| {
            for p in points {
                tx.execute(
                    "INSERT OR REPLACE INTO points (code, name, kind, grid, lat, lon, monitor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        p.code.as_str(),
                        p.name,
                        p.kind.key(),
                        p.grid.as_str(),
                        p.lat,
                        p.lon,
                        p.monitor
                    ],
                )
                .map_err(backend)?;
            }
            Self::bump_catalog(tx).map_err(backend)
        })
    }

    fn catalog_rev(&self) -> StoreResult<u64> {
        self.read(|c| {
            c.prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'catalog_rev'")?
                .query_row([], |r| r.get::<_, i64>(0))
                .map(|v| v as u64)
        })
    }

    fn add_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.write(|tx| {
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

    fn user(&self, name: &Username) -> StoreResult<Option<UserRecord>> {
        self.read(|c| {
            c.query_row(
                "SELECT name, role, grids, password_hash FROM users WHERE name = ?1",
                [name.as_str()],
                user_row,
            )
            .optional()
        })
    }

    fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT name, role, grids, password_hash FROM users ORDER BY name")?;
            let rows = stmt.query_map([], user_row)?;
            rows.collect()
        })
    }

    fn enrol_device(&self, id: DeviceId, user: &Username, name: Option<&str>) -> StoreResult<bool> {
        self.write(|tx| {
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

    fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [id.to_string()],
                device_row,
            )
            .optional()
        })
    }

    fn devices(&self) -> StoreResult<Vec<DeviceRecord>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLS} FROM devices ORDER BY user, created_at"
            ))?;
            let rows = stmt.query_map([], device_row)?;
            rows.collect()
        })
    }

    fn revoke_device(&self, id: DeviceId) -> StoreResult<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                    params![id.to_string(), now_text()],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
    }

    fn add_token(
        &self,
        token_hash: &str,
        user: &Username,
        device: DeviceId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tokens (hash, user, device, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user.as_str(), device.to_string(), now_text(), expires_at.to_rfc3339()],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        self.read(|c| {
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

    fn remove_token(&self, token_hash: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM tokens WHERE hash = ?1", [token_hash])
                .map_err(backend)?;
            Ok(())
        })
    }

    fn inbox_mark(&self, user: &Username) -> StoreResult<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT up_to FROM inbox_marks WHERE user = ?1",
                [user.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as u64)
        })
    }

    fn inbox_acks(&self, user: &Username) -> StoreResult<Vec<u64>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT a.cursor FROM inbox_acks a
                 WHERE a.user = ?1 AND a.cursor > coalesce((SELECT up_to FROM inbox_marks m WHERE m.user = ?1), 0)
                 ORDER BY a.cursor",
            )?;
            stmt.query_map([user.as_str()], |r| r.get::<_, i64>(0).map(|v| v as u64))?
                .collect()
        })
    }

    fn ack_inbox(&self, user: &Username, cursors: &[u64]) -> StoreResult<()> {
        self.write(|tx| {
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

    fn ack_inbox_up_to(&self, user: &Username, cursor: u64) -> StoreResult<()> {
        self.write(|tx| {
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

    fn touch_device(&self, id: DeviceId, synced: bool) -> StoreResult<()> {
        self.write(|tx| {
            let now = now_text();
            tx.execute(
                "UPDATE devices SET last_seen = ?2, last_sync = CASE WHEN ?3 THEN ?2 ELSE last_sync END WHERE id = ?1",
                params![id.to_string(), now, synced],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn push(
        &self,
        device: DeviceId,
        items: Vec<Incoming>,
        judge: &dyn Judge,
    ) -> StoreResult<PushOutcome> {
        let dev = device.to_string();
        self.write(|tx| {
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

    fn append(
        &self,
        event: &Event,
        judge: &dyn Judge,
        refuse_superseded: bool,
    ) -> StoreResult<AppendOutcome> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        match apply_event(&tx, event, judge)? {
            Err(r) => Ok(AppendOutcome::Rejected(r)),
            Ok((_, Some(reason), _)) if refuse_superseded => {
                tx.rollback().map_err(backend)?;
                Ok(AppendOutcome::WouldSupersede(reason))
            }
            Ok((cursor, superseded, _)) => {
                tx.commit().map_err(backend)?;
                Ok(AppendOutcome::Accepted { cursor, superseded })
            }
        }
    }

    fn pull(&self, grids: Option<&[GridCode]>, since: u64, limit: u64) -> StoreResult<PullPage> {
        let scope = grids.map(codes_json);
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut stmt = tx.prepare_cached(
                "SELECT cursor, body FROM events WHERE cursor > ?1
                 AND (?2 IS NULL OR grid IN (SELECT value FROM json_each(?2)))
                 ORDER BY cursor LIMIT ?3",
            )?;
            let mut events = stmt
                .query_map(params![since as i64, scope, (limit + 1) as i64], |r| {
                    Ok(PulledEvent {
                        cursor: r.get::<_, i64>(0)? as u64,
                        event: json_col(&r.get::<_, String>(1)?)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let more = events.len() as u64 > limit;
            events.truncate(limit as usize);
            let next = if more {
                events.last().map_or(since, |e| e.cursor)
            } else {
                // Nothing more in scope: skip past events outside it too.
                let max: Option<i64> =
                    tx.query_row("SELECT max(cursor) FROM events", [], |r| r.get(0))?;
                since.max(max.unwrap_or(0) as u64)
            };
            drop(stmt);
            tx.finish()?;
            Ok(PullPage { events, next, more })
        })
    }

    fn urgent(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<Vec<PulledEvent>> {
        let scope = grids.map(codes_json);
        self.read(|c| {
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

    fn last_hlc(&self) -> StoreResult<Option<Hlc>> {
        self.read(|c| {
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

    fn hazard(&self, id: HazardId) -> StoreResult<Option<(HazardState, Vec<TrailEvent>)>> {
        self.read(|c| {
            let state: Option<String> = c
                .query_row(
                    "SELECT state FROM hazards WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(state) = state else { return Ok(None) };
            let state: HazardState = json_col(&state)?;
            let mut stmt =
                c.prepare_cached("SELECT cursor, received_at, body FROM events WHERE entity = ?1")?;
            let mut trail = stmt
                .query_map([id.to_string()], |r| {
                    Ok(TrailEvent {
                        cursor: r.get::<_, i64>(0)? as u64,
                        received_at: parse_col(r.get(1)?)?,
                        event: json_col(&r.get::<_, String>(2)?)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            trail.sort_by(|a, b| hazard::clock_order(&a.event, &b.event));
            Ok(Some((state, trail)))
        })
    }

    fn hazards(&self, q: &HazardQuery) -> StoreResult<(u64, Vec<HazardState>)> {
        let mut clauses: Vec<&str> = vec!["1 = 1"];
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(g) = &q.grids {
            clauses.push("grid IN (SELECT value FROM json_each(?))");
            args.push(SqlValue::Text(codes_json(g)));
        }
        if !q.status.is_empty() {
            clauses.push("status IN (SELECT value FROM json_each(?))");
            let keys: Vec<&str> = q.status.iter().map(|s| s.key()).collect();
            args.push(SqlValue::Text(
                serde_json::to_string(&keys).expect("strings"),
            ));
        }
        if let Some(l) = q.level {
            clauses.push("level = ?");
            args.push(SqlValue::Text(l.key().into()));
        }
        if let Some(s) = q.sector {
            clauses.push("sector = ?");
            args.push(SqlValue::Text(s.key().into()));
        }
        if let Some(day) = q.overdue_on {
            clauses.push("status IN ('confirmed', 'rectifying') AND deadline < ?");
            args.push(SqlValue::Text(day.to_string()));
        }
        if let Some(listed) = q.listed {
            clauses.push("listed = ?");
            args.push(SqlValue::Integer(listed as i64));
        }
        if let Some(text) = q.text.as_ref().filter(|t| !t.trim().is_empty()) {
            clauses
                .push("(description LIKE ? ESCAPE '\\' OR coalesce(place, '') LIKE ? ESCAPE '\\')");
            let escaped = text
                .trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            args.push(SqlValue::Text(pattern.clone()));
            args.push(SqlValue::Text(pattern));
        }
        if let Some(from) = q.from {
            clauses.push("reported_day >= ?");
            args.push(SqlValue::Text(from.to_string()));
        }
        if let Some(to) = q.to {
            clauses.push("reported_day <= ?");
            args.push(SqlValue::Text(to.to_string()));
        }
        let filter = clauses.join(" AND ");
        let order = match q.sort {
            HazardSort::ReportedDesc => "reported_ms DESC, id",
            HazardSort::ReportedAsc => "reported_ms, id",
            HazardSort::DeadlineAsc => "deadline IS NULL, deadline, reported_ms DESC, id",
            HazardSort::DeadlineDesc => "deadline IS NULL, deadline DESC, reported_ms DESC, id",
        };
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let total: i64 = tx.query_row(
                &format!("SELECT count(*) FROM hazards WHERE {filter}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            let mut page_args = args.clone();
            let mut page_filter = filter.clone();
            let keyset = match (&q.after, q.sort) {
                (Some(k), HazardSort::ReportedDesc) => Some(("<", k)),
                (Some(k), HazardSort::ReportedAsc) => Some((">", k)),
                _ => None,
            };
            if let Some((cmp, (ms, id))) = keyset {
                page_filter.push_str(&format!(
                    " AND (reported_ms {cmp} ? OR (reported_ms = ? AND id > ?))"
                ));
                page_args.push(SqlValue::Integer(*ms));
                page_args.push(SqlValue::Integer(*ms));
                page_args.push(SqlValue::Text(id.clone()));
            }
            page_args.push(SqlValue::Integer(q.limit as i64));
            page_args.push(SqlValue::Integer(if keyset.is_some() {
                0
            } else {
                q.offset as i64
            }));
            let mut stmt = tx.prepare(&format!(
                "SELECT state FROM hazards WHERE {page_filter} ORDER BY {order} LIMIT ? OFFSET ?"
            ))?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(page_args.iter()), |r| {
                    json_col::<HazardState>(&r.get::<_, String>(0)?)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            drop(stmt);
            tx.finish()?;
            Ok((total as u64, rows))
        })
    }

    fn point_statuses(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<PointStatus>> {
        let scope = grids.map(codes_json);
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT p.code, p.name, p.kind, p.grid, p.lat, p.lon, p.monitor,
                        s.check_id, s.verdict, s.at, s.by_user
                 FROM points p LEFT JOIN point_state s ON s.point = p.code
                 WHERE ?1 IS NULL OR p.grid IN (SELECT value FROM json_each(?1))
                 ORDER BY p.grid, p.code",
            )?;
            stmt.query_map([scope], |r| {
                let last = match r.get::<_, Option<String>>(7)? {
                    None => None,
                    Some(check) => Some(LastCheck {
                        check: parse_col(check)?,
                        verdict: parse_col(r.get(8)?)?,
                        at: parse_col(r.get(9)?)?,
                        by: parse_col(r.get(10)?)?,
                    }),
                };
                Ok(PointStatus {
                    point: MonitoringPoint {
                        code: parse_col(r.get(0)?)?,
                        name: r.get(1)?,
                        kind: parse_col(r.get(2)?)?,
                        grid: parse_col(r.get(3)?)?,
                        lat: r.get(4)?,
                        lon: r.get(5)?,
                        monitor: r.get(6)?,
                    },
                    last,
                })
            })?
            .collect()
        })
    }

    fn period_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<PeriodCounts> {
        let (from, to, today) = (from.to_string(), to.to_string(), today.to_string());
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut out = PeriodCounts::default();
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT grid, status, level, sector, sum(n) FROM hazard_counts
                     WHERE day BETWEEN ?1 AND ?2 GROUP BY grid, status, level, sector HAVING sum(n) > 0",
                )?;
                out.hazards = stmt
                    .query_map(params![from, to], |r| {
                        Ok((
                            parse_col(r.get(0)?)?,
                            parse_col(r.get(1)?)?,
                            parse_col(r.get(2)?)?,
                            parse_col(r.get(3)?)?,
                            r.get::<_, i64>(4)? as u64,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare_cached(
                    "SELECT grid, count(*) FROM hazards WHERE status IN ('confirmed', 'rectifying')
                     AND deadline < ?3 AND reported_day BETWEEN ?1 AND ?2 GROUP BY grid",
                )?;
                out.overdue = stmt
                    .query_map(params![from, to, today], |r| {
                        Ok((parse_col(r.get(0)?)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare_cached(
                    "SELECT grid, verdict, sum(n) FROM check_counts WHERE day BETWEEN ?1 AND ?2
                     GROUP BY grid, verdict",
                )?;
                out.checks = stmt
                    .query_map(params![from, to], |r| {
                        Ok((
                            parse_col(r.get(0)?)?,
                            parse_col(r.get(1)?)?,
                            r.get::<_, i64>(2)? as u64,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare_cached(
                    "SELECT grid, count(*) FROM point_state WHERE verdict = 'danger' GROUP BY grid",
                )?;
                out.danger_open = stmt
                    .query_map([], |r| {
                        Ok((parse_col(r.get(0)?)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
            }
            tx.finish()?;
            Ok(out)
        })
    }

    fn blob_stored(&self, sha: &PhotoHash, size: u64, mime: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO blobs (sha, size, mime, stored_at) VALUES (?1, ?2, ?3, ?4)",
                params![sha.as_str(), size as i64, mime, now_text()],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn blob_mime(&self, sha: &PhotoHash) -> StoreResult<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT mime FROM blobs WHERE sha = ?1",
                [sha.as_str()],
                |r| r.get(0),
            )
            .optional()
        })
    }

    fn blob_grids(&self, sha: &PhotoHash) -> StoreResult<Vec<GridCode>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT DISTINCT grid FROM photo_refs WHERE sha = ?1")?;
            stmt.query_map([sha.as_str()], |r| parse_col::<GridCode>(r.get(0)?))?
                .collect()
        })
    }
}
