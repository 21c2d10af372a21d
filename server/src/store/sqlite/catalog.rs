//! The grid tree, the monitoring points and the stored photos' records.

use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::{GridCode, GridNode, PhotoHash, StableKey};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{SqliteStore, backend, now_text, parse_col};
use crate::store::{StoreResult, migrations};

pub(super) fn grids(store: &SqliteStore) -> StoreResult<Vec<GridNode>> {
    store.read(|c| {
        let mut stmt =
            c.prepare("SELECT code, name, parent, level, responsible FROM grids ORDER BY code")?;
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

pub(super) fn points(store: &SqliteStore) -> StoreResult<Vec<MonitoringPoint>> {
    Ok(super::township::point_statuses(store, None)?
        .into_iter()
        .map(|p| p.point)
        .collect())
}

pub(super) fn upsert_grids(store: &SqliteStore, nodes: &[GridNode]) -> StoreResult<()> {
    store.write(|tx| {
        // A new grid, or one moved under another parent, changes whose
        // subtree counts which hazards.
        let mut moved = false;
        for n in nodes {
            let parent: Option<Option<String>> = tx
                .query_row(
                    "SELECT parent FROM grids WHERE code = ?1",
                    [n.code.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            moved |= parent != Some(n.parent.as_ref().map(|p| p.to_string()));
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
        if moved {
            tx.execute_batch(migrations::ROLLUP_REBUILD)
                .map_err(backend)?;
        }
        bump_catalog(tx).map_err(backend)
    })
}

pub(super) fn upsert_points(store: &SqliteStore, points: &[MonitoringPoint]) -> StoreResult<()> {
    store.write(|tx| {
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
        bump_catalog(tx).map_err(backend)
    })
}

pub(super) fn catalog_rev(store: &SqliteStore) -> StoreResult<u64> {
    store.read(|c| {
        c.prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'catalog_rev'")?
            .query_row([], |r| r.get::<_, i64>(0))
            .map(|v| v as u64)
    })
}

pub(super) fn blob_stored(
    store: &SqliteStore,
    sha: &PhotoHash,
    size: u64,
    mime: &str,
) -> StoreResult<()> {
    store.write(|tx| {
        tx.execute(
            "INSERT OR IGNORE INTO blobs (sha, size, mime, stored_at) VALUES (?1, ?2, ?3, ?4)",
            params![sha.as_str(), size as i64, mime, now_text()],
        )
        .map_err(backend)?;
        Ok(())
    })
}

pub(super) fn blob_mime(store: &SqliteStore, sha: &PhotoHash) -> StoreResult<Option<String>> {
    store.read(|c| {
        c.query_row(
            "SELECT mime FROM blobs WHERE sha = ?1",
            [sha.as_str()],
            |r| r.get(0),
        )
        .optional()
    })
}

pub(super) fn blob_grids(store: &SqliteStore, sha: &PhotoHash) -> StoreResult<Vec<GridCode>> {
    store.read(|c| {
        let mut stmt = c.prepare_cached("SELECT DISTINCT grid FROM photo_refs WHERE sha = ?1")?;
        stmt.query_map([sha.as_str()], |r| parse_col::<GridCode>(r.get(0)?))?
            .collect()
    })
}

fn bump_catalog(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'catalog_rev'",
        [],
    )?;
    Ok(())
}
