//! The grid tree (网格): county → town → village or community → unit.
//!
//! Every record belongs to exactly one grid, every figure rolls up this tree,
//! and every permission is a subtree. The tree is built once from its nodes,
//! checked (unique codes, known parents, no cycles, each child a level below
//! its parent) and then answers ancestry questions without allocation where
//! it can.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::ids::GridCode;
use crate::keys::{GridLevel, StableKey};

/// One grid as the office imports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GridNode {
    pub code: GridCode,
    pub name: String,
    pub parent: Option<GridCode>,
    pub level: GridLevel,
    /// 责任人: the person answering for this grid.
    #[serde(default)]
    pub responsible: Option<String>,
}

/// Why a set of grid nodes is not a tree.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GridError {
    #[error("grid {0} appears more than once")]
    Duplicate(GridCode),
    #[error("grid {code} names parent {parent}, which is not a known grid")]
    UnknownParent { code: GridCode, parent: GridCode },
    #[error("grid {0} is its own ancestor (the parent links form a cycle)")]
    Cycle(GridCode),
    #[error(
        "grid {code} is a {level} but its parent {parent} is a {parent_level}; a child must be a lower level than its parent"
    )]
    LevelOrder {
        code: GridCode,
        level: &'static str,
        parent: GridCode,
        parent_level: &'static str,
    },
    #[error("grid {0} has an empty name")]
    EmptyName(GridCode),
    #[error("unknown grid {0}")]
    Unknown(GridCode),
}

/// A checked grid tree.
#[derive(Debug, Clone, Default)]
pub struct GridTree {
    nodes: Vec<GridNode>,
    index: HashMap<GridCode, usize>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
}

impl GridTree {
    /// Builds and checks the tree. Nodes may come in any order.
    pub fn new(nodes: Vec<GridNode>) -> Result<Self, GridError> {
        let mut index = HashMap::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            if n.name.trim().is_empty() {
                return Err(GridError::EmptyName(n.code.clone()));
            }
            if index.insert(n.code.clone(), i).is_some() {
                return Err(GridError::Duplicate(n.code.clone()));
            }
        }
        let mut parent = vec![None; nodes.len()];
        let mut children = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let Some(p) = &n.parent {
                let &pi = index.get(p).ok_or_else(|| GridError::UnknownParent {
                    code: n.code.clone(),
                    parent: p.clone(),
                })?;
                parent[i] = Some(pi);
                children[pi].push(i);
            }
        }
        // Cycles first: a cycle would otherwise show up as a confusing level error.
        for start in 0..nodes.len() {
            let mut at = start;
            let mut steps = 0;
            while let Some(p) = parent[at] {
                steps += 1;
                if p == start || steps > nodes.len() {
                    return Err(GridError::Cycle(nodes[start].code.clone()));
                }
                at = p;
            }
        }
        for (i, n) in nodes.iter().enumerate() {
            if let Some(pi) = parent[i] {
                let p = &nodes[pi];
                if n.level.depth() <= p.level.depth() {
                    return Err(GridError::LevelOrder {
                        code: n.code.clone(),
                        level: n.level.key(),
                        parent: p.code.clone(),
                        parent_level: p.level.key(),
                    });
                }
            }
        }
        for c in &mut children {
            c.sort_by(|&a, &b| nodes[a].code.cmp(&nodes[b].code));
        }
        Ok(Self {
            nodes,
            index,
            parent,
            children,
        })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn get(&self, code: &GridCode) -> Option<&GridNode> {
        self.index.get(code).map(|&i| &self.nodes[i])
    }

    pub fn contains(&self, code: &GridCode) -> bool {
        self.index.contains_key(code)
    }

    /// All nodes, in the order they were given.
    pub fn nodes(&self) -> &[GridNode] {
        &self.nodes
    }

    /// Grids with no parent.
    pub fn roots(&self) -> impl Iterator<Item = &GridNode> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| self.parent[*i].is_none())
            .map(|(_, n)| n)
    }

    pub fn parent_of(&self, code: &GridCode) -> Option<&GridNode> {
        let &i = self.index.get(code)?;
        self.parent[i].map(|p| &self.nodes[p])
    }

    /// Direct children, ordered by code.
    pub fn children(&self, code: &GridCode) -> impl Iterator<Item = &GridNode> {
        let kids: &[usize] = self
            .index
            .get(code)
            .map(|&i| self.children[i].as_slice())
            .unwrap_or(&[]);
        kids.iter().map(|&k| &self.nodes[k])
    }

    /// The ancestors of a grid, nearest first, not including the grid itself.
    pub fn ancestors(&self, code: &GridCode) -> impl Iterator<Item = &GridNode> {
        let mut at = self.index.get(code).copied();
        std::iter::from_fn(move || {
            let p = self.parent[at?]?;
            at = Some(p);
            Some(&self.nodes[p])
        })
    }

    /// The path from the root down to this grid, inclusive.
    pub fn path(&self, code: &GridCode) -> Vec<&GridNode> {
        let mut path: Vec<&GridNode> = self.ancestors(code).collect();
        path.reverse();
        if let Some(n) = self.get(code) {
            path.push(n);
        }
        path
    }

    /// Whether `code` is `scope` or lies below it. Unknown grids are within nothing.
    pub fn is_within(&self, code: &GridCode, scope: &GridCode) -> bool {
        if !self.contains(code) || !self.contains(scope) {
            return false;
        }
        code == scope || self.ancestors(code).any(|a| &a.code == scope)
    }

    /// The grid and everything below it, depth first, the grid itself first.
    pub fn subtree(&self, code: &GridCode) -> Vec<&GridNode> {
        let mut out = Vec::new();
        if let Some(&i) = self.index.get(code) {
            let mut stack = vec![i];
            while let Some(n) = stack.pop() {
                out.push(&self.nodes[n]);
                stack.extend(self.children[n].iter().rev());
            }
        }
        out
    }

    /// The nearest grid at `level` on the way up (the grid itself counts).
    pub fn ancestor_at(&self, code: &GridCode, level: GridLevel) -> Option<&GridNode> {
        let me = self.get(code)?;
        if me.level == level {
            return Some(me);
        }
        self.ancestors(code).find(|a| a.level == level)
    }

    /// The child of `under` whose subtree holds `code`, for rolling a figure up one level.
    pub fn child_toward(&self, under: &GridCode, code: &GridCode) -> Option<&GridNode> {
        self.path(code)
            .into_iter()
            .skip_while(|n| &n.code != under)
            .nth(1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn node(code: &str, parent: Option<&str>, level: GridLevel) -> GridNode {
        GridNode {
            code: code.parse().unwrap(),
            name: format!("网格{code}"),
            parent: parent.map(|p| p.parse().unwrap()),
            level,
            responsible: None,
        }
    }

    /// A town with two villages, each with a unit, and a second town.
    pub fn sample() -> GridTree {
        use GridLevel::*;
        GridTree::new(vec![
            node("U1", Some("V1"), Unit),
            node("T", None, Town),
            node("V1", Some("T"), Village),
            node("V2", Some("T"), Village),
            node("U2", Some("V2"), Unit),
            node("T2", None, Town),
            node("V3", Some("T2"), Village),
        ])
        .unwrap()
    }

    fn c(s: &str) -> GridCode {
        s.parse().unwrap()
    }

    #[test]
    fn ancestry() {
        let t = sample();
        let anc: Vec<_> = t.ancestors(&c("U1")).map(|n| n.code.as_str()).collect();
        assert_eq!(anc, ["V1", "T"]);
        assert!(t.is_within(&c("U1"), &c("T")));
        assert!(t.is_within(&c("T"), &c("T")));
        assert!(!t.is_within(&c("T"), &c("U1")));
        assert!(!t.is_within(&c("U2"), &c("V1")));
        assert!(!t.is_within(&c("V3"), &c("T")));
        assert!(!t.is_within(&c("nope"), &c("T")));
        let sub: Vec<_> = t.subtree(&c("T")).iter().map(|n| n.code.as_str()).collect();
        assert_eq!(sub, ["T", "V1", "U1", "V2", "U2"]);
        assert_eq!(
            t.ancestor_at(&c("U2"), GridLevel::Town)
                .unwrap()
                .code
                .as_str(),
            "T"
        );
        assert_eq!(
            t.child_toward(&c("T"), &c("U2")).unwrap().code.as_str(),
            "V2"
        );
        assert!(t.child_toward(&c("T"), &c("T")).is_none());
        assert_eq!(t.path(&c("U1")).len(), 3);
        assert_eq!(t.roots().count(), 2);
        let kids: Vec<_> = t.children(&c("T")).map(|n| n.code.as_str()).collect();
        assert_eq!(kids, ["V1", "V2"]);
    }

    #[test]
    fn refuses_what_is_not_a_tree() {
        use GridLevel::*;
        let cycle = GridTree::new(vec![
            node("A", Some("B"), Village),
            node("B", Some("A"), Village),
        ]);
        assert!(matches!(cycle, Err(GridError::Cycle(_))));
        let selfloop = GridTree::new(vec![node("A", Some("A"), Town)]);
        assert!(matches!(selfloop, Err(GridError::Cycle(_))));
        let orphan = GridTree::new(vec![node("A", Some("X"), Village)]);
        assert!(matches!(orphan, Err(GridError::UnknownParent { .. })));
        let dup = GridTree::new(vec![node("A", None, Town), node("A", None, Town)]);
        assert!(matches!(dup, Err(GridError::Duplicate(_))));
        let upside = GridTree::new(vec![node("A", None, Village), node("B", Some("A"), Town)]);
        let err = upside.unwrap_err();
        assert!(err.to_string().contains("lower level"), "{err}");
    }
}
