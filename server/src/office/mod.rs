//! The office console's API: hazards, monitoring points, the grid tree,
//! devices and the urgent inbox. Every route is limited to the caller's
//! grids through `gridsafe_core::access::Scope`.

pub mod devices;
pub mod export;
pub mod grids;
pub mod hazards;
pub mod points;
pub mod urgent;

use gridsafe_core::GridCode;

use crate::auth::Caller;
use crate::catalog::Catalog;
use crate::error::ApiError;

/// The grids a query may read: the asked grid's subtree when the caller's
/// scope covers it, or everything the caller sees (`None`: every grid).
pub fn scoped_grids(
    catalog: &Catalog,
    caller: &Caller,
    asked: Option<&GridCode>,
) -> Result<Option<Vec<GridCode>>, ApiError> {
    match asked {
        None => Ok(catalog.scope_grids(&caller.scope)),
        Some(g) if !catalog.tree.contains(g) => {
            Err(ApiError::NotFound(format!("there is no grid {g}")))
        }
        Some(g) if !caller.scope.covers(&catalog.tree, g) => Err(ApiError::Forbidden(format!(
            "grid {g} is outside the grids this account may see"
        ))),
        Some(g) => Ok(Some(catalog.subtrees(std::slice::from_ref(g)))),
    }
}
