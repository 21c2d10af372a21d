//! The SQLite backend: one file, WAL, one writer and a pool of readers.
//!
//! Every write runs under `BEGIN IMMEDIATE` on the single writer connection,
//! so writers queue on a mutex instead of failing with SQLITE_BUSY, and a
//! push (sequence bookkeeping, events, state, counters) commits as one
//! transaction. Readers use their own connections and see a consistent
//! snapshot while the writer works. `synchronous=FULL`: an acknowledged push
//! survives a power cut, not just a crash.
//!
//! By concept: `apply` takes one event through the rules into the log,
//! `project` keeps the state of its record (hazards and tasks folded, the
//! free-text index, the township records' rows), `sync` is the push and the
//! pull, `hazards` the office's hazard queries, `township` the points,
//! tasks, records and period counts, `accounts` the users, devices, tokens
//! and inbox, and `catalog` the grid tree, the points and the photos.

mod accounts;
mod apply;
mod catalog;
mod hazards;
mod project;
mod sync;
mod township;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::hazard::HazardState;
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::task::TaskState;
use gridsafe_core::wire::PulledEvent;
use gridsafe_core::{
    DeviceId, Event, GridCode, GridNode, HazardId, Hlc, PhotoHash, TaskId, Username,
};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::{
    AppendOutcome, DeviceRecord, HazardCell, HazardQuery, HazardTotal, Incoming, Judge,
    PeriodCounts, PeriodRecords, PointStatus, PushOutcome, RecordKind, Store, StoreError,
    StoreResult, StoredPullPage, TokenRecord, TrailEvent, UserRecord, full_disk, migrations,
    records,
};

/// Readers kept open between requests.
const READER_POOL: usize = 8;

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

pub(super) fn backend(e: rusqlite::Error) -> StoreError {
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

/// Runs a statement through the connection's statement cache: the ingest
/// path runs the same few statements for every event.
fn exec(tx: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
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
        full_disk::injected_sqlite().map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }

    /// Trades durability for speed on the writer, for a bulk load into a
    /// database that is thrown away if the load fails (`gridsafe-load
    /// fill`): no fsync at commit, and a page cache of `cache_mib` so that
    /// the indexes of a growing county stay in memory. Never for serving.
    pub fn bulk_load(&self, cache_mib: u32) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.pragma_update(None, "synchronous", "OFF")
            .and_then(|_| conn.pragma_update(None, "cache_size", -1024 * i64::from(cache_mib)))
            .map_err(backend)
    }

    /// Refreshes the query planner's statistics (after a bulk load).
    pub fn optimize(&self) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute_batch("ANALYZE; PRAGMA optimize;")
            .map_err(backend)
    }
}

/// A row of `cursor, received_at, body` from `events`.
fn trail_row(r: &rusqlite::Row) -> rusqlite::Result<TrailEvent> {
    Ok(TrailEvent {
        cursor: r.get::<_, i64>(0)? as u64,
        received_at: parse_col(r.get(1)?)?,
        event: json_col(&r.get::<_, String>(2)?)?,
    })
}

/// [`exec`] for a query of one row.
fn one<T>(
    tx: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    tx.prepare_cached(sql)?.query_row(p, f)
}

/// Each call hands over to the module of its concept.
impl Store for SqliteStore {
    fn grids(&self) -> StoreResult<Vec<GridNode>> {
        catalog::grids(self)
    }

    fn points(&self) -> StoreResult<Vec<MonitoringPoint>> {
        catalog::points(self)
    }

    fn upsert_grids(&self, nodes: &[GridNode]) -> StoreResult<()> {
        catalog::upsert_grids(self, nodes)
    }

    fn upsert_points(&self, points: &[MonitoringPoint]) -> StoreResult<()> {
        catalog::upsert_points(self, points)
    }

    fn catalog_rev(&self) -> StoreResult<u64> {
        catalog::catalog_rev(self)
    }

    fn add_user(&self, user: &UserRecord) -> StoreResult<()> {
        accounts::add_user(self, user)
    }

    fn user(&self, name: &Username) -> StoreResult<Option<UserRecord>> {
        accounts::user(self, name)
    }

    fn users(&self) -> StoreResult<Vec<UserRecord>> {
        accounts::users(self)
    }

    fn enrol_device(&self, id: DeviceId, user: &Username, name: Option<&str>) -> StoreResult<bool> {
        accounts::enrol_device(self, id, user, name)
    }

    fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRecord>> {
        accounts::device(self, id)
    }

    fn devices(&self) -> StoreResult<Vec<DeviceRecord>> {
        accounts::devices(self)
    }

    fn revoke_device(&self, id: DeviceId) -> StoreResult<bool> {
        accounts::revoke_device(self, id)
    }

    fn add_token(
        &self,
        token_hash: &str,
        user: &Username,
        device: DeviceId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        accounts::add_token(self, token_hash, user, device, expires_at)
    }

    fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        accounts::token(self, token_hash)
    }

    fn remove_token(&self, token_hash: &str) -> StoreResult<()> {
        accounts::remove_token(self, token_hash)
    }

    fn inbox_mark(&self, user: &Username) -> StoreResult<u64> {
        accounts::inbox_mark(self, user)
    }

    fn inbox_acks(&self, user: &Username) -> StoreResult<Vec<u64>> {
        accounts::inbox_acks(self, user)
    }

    fn ack_inbox(&self, user: &Username, cursors: &[u64]) -> StoreResult<()> {
        accounts::ack_inbox(self, user, cursors)
    }

    fn ack_inbox_up_to(&self, user: &Username, cursor: u64) -> StoreResult<()> {
        accounts::ack_inbox_up_to(self, user, cursor)
    }

    fn touch_device(&self, id: DeviceId, synced: bool) -> StoreResult<()> {
        accounts::touch_device(self, id, synced)
    }

    fn push(
        &self,
        device: DeviceId,
        items: Vec<Incoming>,
        judge: &dyn Judge,
    ) -> StoreResult<PushOutcome> {
        sync::push(self, device, items, judge)
    }

    fn append(
        &self,
        event: &Event,
        judge: &dyn Judge,
        refuse_superseded: bool,
    ) -> StoreResult<AppendOutcome> {
        apply::append(self, event, judge, refuse_superseded)
    }

    fn pull(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<StoredPullPage> {
        sync::pull(self, grids, since, limit)
    }

    fn urgent(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<Vec<PulledEvent>> {
        sync::urgent(self, grids, since, limit)
    }

    fn last_hlc(&self) -> StoreResult<Option<Hlc>> {
        sync::last_hlc(self)
    }

    fn hazard(&self, id: HazardId) -> StoreResult<Option<(HazardState, Vec<TrailEvent>)>> {
        hazards::hazard(self, id)
    }

    fn hazards_json(&self, q: &HazardQuery) -> StoreResult<(HazardTotal, Vec<String>)> {
        hazards::hazards_json(self, q)
    }

    fn point_statuses(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<PointStatus>> {
        township::point_statuses(self, grids)
    }

    fn period_counts(
        &self,
        grids: Option<&[GridCode]>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        hazards: bool,
    ) -> StoreResult<PeriodCounts> {
        township::period_counts(self, grids, from, to, today, hazards)
    }

    fn hazard_rollup(
        &self,
        grids: &[GridCode],
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<HazardCell>> {
        hazards::hazard_rollup(self, grids, from, to)
    }

    fn point_checks(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(gridsafe_core::PointCode, DateTime<Utc>)>> {
        township::point_checks(self, from, to)
    }

    fn accident_impacts(
        &self,
    ) -> StoreResult<std::collections::BTreeMap<String, records::AccidentImpact>> {
        township::accident_impacts(self)
    }

    fn period_records(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<PeriodRecords> {
        township::period_records(self, from, to)
    }

    fn blob_stored(&self, sha: &PhotoHash, size: u64, mime: &str) -> StoreResult<()> {
        catalog::blob_stored(self, sha, size, mime)
    }

    fn blob_mime(&self, sha: &PhotoHash) -> StoreResult<Option<String>> {
        catalog::blob_mime(self, sha)
    }

    fn blob_grids(&self, sha: &PhotoHash) -> StoreResult<Vec<GridCode>> {
        catalog::blob_grids(self, sha)
    }

    fn tasks(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<TaskState>> {
        township::tasks(self, grids)
    }

    fn task(&self, id: TaskId) -> StoreResult<Option<(TaskState, Vec<TrailEvent>)>> {
        township::task(self, id)
    }

    fn records(
        &self,
        kind: RecordKind,
        grids: Option<&[GridCode]>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: u64,
    ) -> StoreResult<Vec<TrailEvent>> {
        township::records(self, kind, grids, from, to, limit)
    }

    fn record(&self, kind: RecordKind, id: &str) -> StoreResult<Option<TrailEvent>> {
        township::record(self, kind, id)
    }
}
