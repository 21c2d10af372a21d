//! The device's copy of the grids and monitoring points in its user's
//! scope, refreshed at every sync, so a record is validated with no network
//! (the same `gridsafe_core::validate` the server runs) before it is queued.

use gridsafe_core::grid::GridNode;
use gridsafe_core::keys::{GridLevel, PointKind, StableKey};
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::validate::Registry;
use gridsafe_core::{GridCode, PointCode};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::DeviceError;

/// Replaces the local copy of the grids with the server's.
pub fn replace_grids(conn: &Connection, grids: &[GridNode]) -> Result<(), DeviceError> {
    conn.execute("DELETE FROM grids", [])?;
    let mut st = conn.prepare(
        "INSERT OR REPLACE INTO grids (code, name, parent, level, responsible) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for g in grids {
        st.execute(params![
            g.code.as_str(),
            g.name,
            g.parent.as_ref().map(|p| p.as_str()),
            g.level.key(),
            g.responsible
        ])?;
    }
    Ok(())
}

/// Replaces the local copy of the monitoring points with the server's.
pub fn replace_points(conn: &Connection, points: &[MonitoringPoint]) -> Result<(), DeviceError> {
    conn.execute("DELETE FROM points", [])?;
    let mut st = conn.prepare(
        "INSERT OR REPLACE INTO points (code, name, kind, grid, lat, lon, monitor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for p in points {
        st.execute(params![
            p.code.as_str(),
            p.name,
            p.kind.key(),
            p.grid.as_str(),
            p.lat,
            p.lon,
            p.monitor
        ])?;
    }
    Ok(())
}

pub fn grids(conn: &Connection) -> Result<Vec<GridNode>, DeviceError> {
    let mut st =
        conn.prepare("SELECT code, name, parent, level, responsible FROM grids ORDER BY code")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, name, parent, level, responsible) = row?;
        out.push(GridNode {
            code: parse(&code)?,
            name,
            parent: parent.map(|p| parse(&p)).transpose()?,
            level: GridLevel::from_key(&level).map_err(|e| DeviceError::Corrupt(e.to_string()))?,
            responsible,
        });
    }
    Ok(out)
}

/// Every monitoring point of the user's grids, by code.
pub fn points(conn: &Connection) -> Result<Vec<MonitoringPoint>, DeviceError> {
    let mut st =
        conn.prepare("SELECT code, name, kind, grid, lat, lon, monitor FROM points ORDER BY code")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<f64>>(4)?,
            r.get::<_, Option<f64>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, name, kind, grid, lat, lon, monitor) = row?;
        out.push(MonitoringPoint {
            code: parse(&code)?,
            name,
            kind: PointKind::from_key(&kind).map_err(|e| DeviceError::Corrupt(e.to_string()))?,
            grid: parse(&grid)?,
            lat,
            lon,
            monitor,
        });
    }
    Ok(out)
}

/// A monitoring point's kind and grid, from the local copy.
pub fn point(
    conn: &Connection,
    code: &PointCode,
) -> Result<Option<(PointKind, GridCode)>, DeviceError> {
    let row = conn
        .query_row(
            "SELECT kind, grid FROM points WHERE code = ?1",
            [code.as_str()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    row.map(|(kind, grid)| {
        Ok((
            PointKind::from_key(&kind).map_err(|e| DeviceError::Corrupt(e.to_string()))?,
            parse(&grid)?,
        ))
    })
    .transpose()
}

/// A grid's name, from the local copy.
pub fn grid_name(conn: &Connection, code: &GridCode) -> Result<Option<String>, DeviceError> {
    Ok(conn
        .query_row(
            "SELECT name FROM grids WHERE code = ?1",
            [code.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn count(conn: &Connection) -> Result<(u64, u64), DeviceError> {
    let g: i64 = conn.query_row("SELECT COUNT(*) FROM grids", [], |r| r.get(0))?;
    let p: i64 = conn.query_row("SELECT COUNT(*) FROM points", [], |r| r.get(0))?;
    Ok((g as u64, p as u64))
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, DeviceError>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| DeviceError::Corrupt(e.to_string()))
}

/// The local copy as the validator's registry.
pub struct LocalRegistry<'a>(pub &'a Connection);

impl Registry for LocalRegistry<'_> {
    fn grid_exists(&self, grid: &GridCode) -> bool {
        self.0
            .query_row(
                "SELECT 1 FROM grids WHERE code = ?1",
                [grid.as_str()],
                |_| Ok(()),
            )
            .optional()
            .ok()
            .flatten()
            .is_some()
    }

    fn point(&self, code: &PointCode) -> Option<(PointKind, GridCode)> {
        point(self.0, code).ok().flatten()
    }

    fn grid_within(&self, grid: &GridCode, ancestor: &GridCode) -> bool {
        self.0
            .query_row(
                "WITH RECURSIVE up(code, parent) AS (
                     SELECT code, parent FROM grids WHERE code = ?1
                     UNION SELECT g.code, g.parent FROM grids g JOIN up ON g.code = up.parent)
                 SELECT 1 FROM up WHERE code = ?2",
                [grid.as_str(), ancestor.as_str()],
                |_| Ok(()),
            )
            .optional()
            .ok()
            .flatten()
            .is_some()
    }
}
