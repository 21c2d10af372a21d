//! Who may see and do what.
//!
//! A scope is a role plus the grids an account is assigned to. Inspectors
//! and volunteers read and write in their grids and below; the office sees
//! its town (the town grid it is assigned); an administrator sees every
//! grid. What each role may record is [`may_author`]'s table, the one place
//! that rule lives.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::event::EventKind;
use crate::grid::GridTree;
use crate::ids::GridCode;
use crate::keys::Role;

/// An account's reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Scope {
    pub role: Role,
    pub grids: Vec<GridCode>,
}

impl Scope {
    /// Whether a record in `grid` is within this scope. Unknown grids are
    /// within no one's scope, an administrator's included.
    pub fn covers(&self, tree: &GridTree, grid: &GridCode) -> bool {
        if !tree.contains(grid) {
            return false;
        }
        self.role == Role::Admin || self.grids.iter().any(|g| tree.is_within(grid, g))
    }

    /// The tops of the subtrees this scope sees, without any that lie inside another.
    pub fn roots(&self, tree: &GridTree) -> Vec<GridCode> {
        if self.role == Role::Admin {
            return tree.roots().map(|n| n.code.clone()).collect();
        }
        let mut out: Vec<GridCode> = Vec::new();
        for g in self.grids.iter().filter(|g| tree.contains(g)) {
            let inside_another = self
                .grids
                .iter()
                .any(|o| o != g && tree.contains(o) && tree.is_within(g, o));
            if !inside_another && !out.contains(g) {
                out.push(g.clone());
            }
        }
        out
    }

    /// Whether this scope may record an event of this kind.
    pub fn may_author(&self, kind: EventKind) -> bool {
        may_author(self.role, kind)
    }

    /// Office work: the console's routes and actions.
    pub fn is_office(&self) -> bool {
        matches!(self.role, Role::Office | Role::Admin)
    }
}

/// Which role may record which kind of event.
pub fn may_author(role: Role, kind: EventKind) -> bool {
    use EventKind::*;
    match kind {
        // Anyone in the field may report what they see.
        HazardReported | CheckLogged | AccidentReported => true,
        // Township records are kept by whoever works the grid.
        TaskCheckRecorded | MeetingRecorded | BanquetFiled | PromiseSigned => true,
        // Rectification is recorded by the inspector who follows the hazard.
        RectificationStarted | RectificationSubmitted => {
            matches!(role, Role::Inspector | Role::Office | Role::Admin)
        }
        // Decisions are the town office's.
        HazardConfirmed
        | RectificationVerified
        | RectificationSentBack
        | HazardRejected
        | HazardReopened
        | HazardListed
        | HazardClosed
        | AccidentImpactJudged
        // Tasks and flood-season duty are issued by the office.
        | TaskCreated
        | DutyStarted
        | DutyEnded => matches!(role, Role::Office | Role::Admin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::tests::sample;
    use crate::keys::StableKey;

    fn c(s: &str) -> GridCode {
        s.parse().unwrap()
    }

    #[test]
    fn scope_is_a_subtree() {
        let t = sample();
        let village = Scope {
            role: Role::Inspector,
            grids: vec![c("V1")],
        };
        assert!(village.covers(&t, &c("V1")));
        assert!(village.covers(&t, &c("U1")));
        assert!(!village.covers(&t, &c("T")), "parent");
        assert!(!village.covers(&t, &c("V2")), "sibling");
        assert!(!village.covers(&t, &c("V3")), "other town");
        let office = Scope {
            role: Role::Office,
            grids: vec![c("T")],
        };
        assert!(office.covers(&t, &c("U2")));
        assert!(!office.covers(&t, &c("T2")));
        let admin = Scope {
            role: Role::Admin,
            grids: vec![],
        };
        assert!(admin.covers(&t, &c("V3")));
        assert!(!admin.covers(&t, &c("nowhere")));
        let both = Scope {
            role: Role::Inspector,
            grids: vec![c("U1"), c("V1"), c("V3")],
        };
        assert_eq!(both.roots(&t), vec![c("V1"), c("V3")]);
        assert_eq!(admin.roots(&t).len(), 2);
    }

    #[test]
    fn only_the_office_decides() {
        for &kind in EventKind::ALL {
            assert!(may_author(Role::Admin, kind));
            assert!(may_author(Role::Office, kind));
        }
        assert!(may_author(Role::Volunteer, EventKind::CheckLogged));
        assert!(!may_author(
            Role::Volunteer,
            EventKind::RectificationSubmitted
        ));
        assert!(may_author(
            Role::Inspector,
            EventKind::RectificationSubmitted
        ));
        assert!(!may_author(
            Role::Inspector,
            EventKind::RectificationVerified
        ));
        assert!(!may_author(Role::Inspector, EventKind::HazardConfirmed));
        assert!(!may_author(Role::Inspector, EventKind::TaskCreated));
        assert!(!may_author(Role::Volunteer, EventKind::DutyStarted));
        assert!(may_author(Role::Volunteer, EventKind::MeetingRecorded));
        assert!(may_author(Role::Inspector, EventKind::TaskCheckRecorded));
    }
}
