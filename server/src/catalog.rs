//! The reference data every request consults: the grid tree and the
//! monitoring points, cached in memory.
//!
//! Imports can run from the command line while the server runs, so the
//! cache compares the store's catalog revision (one cheap read) before use
//! and reloads when it moved.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use gridsafe_core::access::Scope;
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::validate::Registry;
use gridsafe_core::{GridCode, GridTree, PointCode, PointKind};

use crate::store::{Store, StoreError, StoreResult};

/// Grids and points at one revision.
pub struct Catalog {
    pub rev: u64,
    pub tree: GridTree,
    pub points: HashMap<PointCode, MonitoringPoint>,
}

impl Registry for Catalog {
    fn grid_exists(&self, grid: &GridCode) -> bool {
        self.tree.contains(grid)
    }

    fn point(&self, point: &PointCode) -> Option<(PointKind, GridCode)> {
        self.points.get(point).map(|p| (p.kind, p.grid.clone()))
    }

    fn grid_within(&self, grid: &GridCode, ancestor: &GridCode) -> bool {
        self.tree.contains(grid) && self.tree.is_within(grid, ancestor)
    }
}

impl Catalog {
    pub fn load(store: &dyn Store) -> StoreResult<Self> {
        let rev = store.catalog_rev()?;
        let tree = GridTree::new(store.grids()?).map_err(|e| {
            StoreError::Backend(anyhow::anyhow!("the stored grid tree is broken: {e}"))
        })?;
        let points = store
            .points()?
            .into_iter()
            .map(|p| (p.code.clone(), p))
            .collect();
        Ok(Self { rev, tree, points })
    }

    /// Every grid a scope covers, or `None` when it covers all of them.
    pub fn scope_grids(&self, scope: &Scope) -> Option<Vec<GridCode>> {
        if scope.role == gridsafe_core::Role::Admin {
            return None;
        }
        Some(self.subtrees(&scope.roots(&self.tree)))
    }

    /// The codes of these grids and everything below them.
    pub fn subtrees(&self, roots: &[GridCode]) -> Vec<GridCode> {
        roots
            .iter()
            .flat_map(|r| self.tree.subtree(r))
            .map(|n| n.code.clone())
            .collect()
    }
}

/// The current catalog, reloaded when the store says it changed.
pub struct CatalogCache {
    current: RwLock<Arc<Catalog>>,
}

impl CatalogCache {
    pub fn new(store: &dyn Store) -> StoreResult<Self> {
        Ok(Self {
            current: RwLock::new(Arc::new(Catalog::load(store)?)),
        })
    }

    pub fn get(&self, store: &dyn Store) -> StoreResult<Arc<Catalog>> {
        let rev = store.catalog_rev()?;
        {
            let cur = self.current.read().expect("catalog lock");
            if cur.rev == rev {
                return Ok(cur.clone());
            }
        }
        let fresh = Arc::new(Catalog::load(store)?);
        *self.current.write().expect("catalog lock") = fresh.clone();
        Ok(fresh)
    }
}
