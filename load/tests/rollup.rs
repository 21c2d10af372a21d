//! The subtree counters against the per-grid ones, on a county made by
//! `gridsafe-load fill`: a summary's hazard figures and a list's total must
//! be what summing every grid of the subtree gives, for any period, and
//! stay so when a grid moves under another parent.

use std::collections::BTreeMap;
use std::process::Command;

use chrono::{Duration, NaiveDate};
use gridsafe_core::{GridCode, GridLevel, GridNode, HazardLevel, HazardStatus, Sector};
use gridsafe_server::calendar::today;
use gridsafe_server::catalog::Catalog;
use gridsafe_server::store::sqlite::SqliteStore;
use gridsafe_server::store::{HazardCell, HazardQuery, Store};

type Cells = BTreeMap<(HazardStatus, HazardLevel, Sector), u64>;

fn cells<'a>(rows: impl Iterator<Item = &'a HazardCell>) -> Cells {
    let mut out = Cells::new();
    for (_, s, l, k, n) in rows {
        *out.entry((*s, *l, *k)).or_default() += n;
    }
    out.retain(|_, n| *n > 0);
    out
}

/// What summing the grid's subtree, grid by grid, gives.
fn by_grid(
    store: &SqliteStore,
    catalog: &Catalog,
    g: &GridCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Cells {
    let subtree = catalog.subtrees(std::slice::from_ref(g));
    let counts = store.period_counts(None, from, to, today(), true).unwrap();
    cells(counts.hazards.iter().filter(|c| subtree.contains(&c.0)))
}

fn rolled(store: &SqliteStore, g: &GridCode, from: NaiveDate, to: NaiveDate) -> Cells {
    cells(
        store
            .hazard_rollup(std::slice::from_ref(g), from, to)
            .unwrap()
            .iter(),
    )
}

/// Periods that start and end on and off month boundaries, within a month,
/// across a year, and over the whole history.
fn periods() -> Vec<(NaiveDate, NaiveDate)> {
    let day = today();
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let y = day.format("%Y").to_string().parse::<i32>().unwrap();
    vec![
        (day - Duration::days(800), day),
        (d(y, 1, 1), day),
        (d(y - 1, 1, 1), d(y - 1, 12, 31)),
        (d(y - 1, 3, 17), d(y - 1, 3, 29)),
        (d(y - 1, 3, 17), d(y - 1, 4, 2)),
        (d(y - 1, 2, 1), d(y - 1, 2, 28)),
        (d(y - 1, 5, 9), d(y, 2, 14)),
        (d(y - 1, 6, 1), d(y, 1, 15)),
        (d(y - 1, 6, 20), d(y - 1, 9, 30)),
        (day, day),
    ]
}

#[test]
fn subtree_counters_equal_the_sum_of_their_grids() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_gridsafe-load"))
        .arg("fill")
        .arg("--data")
        .arg(dir.path())
        .args(["--hazards", "3000", "--grids", "560", "--seed", "7"])
        .status()
        .unwrap();
    assert!(status.success(), "gridsafe-load fill");
    let store = SqliteStore::open(&dir.path().join("gridsafe.db")).unwrap();
    let catalog = Catalog::load(&store).unwrap();
    let pick = |level: GridLevel, n: usize| -> Vec<GridCode> {
        catalog
            .tree
            .nodes()
            .iter()
            .filter(|g| g.level == level)
            .take(n)
            .map(|g| g.code.clone())
            .collect()
    };
    let towns = pick(GridLevel::Town, 3);
    assert!(towns.len() >= 2, "the county has towns");
    let mut grids: Vec<GridCode> = vec!["5100".parse().unwrap()];
    grids.extend(towns.iter().cloned());
    grids.extend(pick(GridLevel::Village, 4));
    grids.extend(pick(GridLevel::Unit, 2));

    let mut compared = 0;
    for g in &grids {
        for &(from, to) in &periods() {
            let want = by_grid(&store, &catalog, g, from, to);
            assert_eq!(rolled(&store, g, from, to), want, "{g} {from}..{to}");
            compared += want.values().sum::<u64>();
        }
    }
    assert!(compared > 3000, "the periods hold hazards ({compared})");

    // A list's total from the subtree counters (`roots`) against the
    // per-grid counters (`grids` alone) and, without a grid, the rows.
    let day = today();
    let filters = [
        HazardQuery::default(),
        HazardQuery {
            status: vec![HazardStatus::Closed, HazardStatus::Rectifying],
            ..Default::default()
        },
        HazardQuery {
            level: Some(HazardLevel::Major),
            from: Some(day - Duration::days(200)),
            ..Default::default()
        },
        HazardQuery {
            sector: Some(Sector::Fire),
            from: Some(day - Duration::days(400)),
            to: Some(day - Duration::days(35)),
            ..Default::default()
        },
    ];
    for f in &filters {
        for g in &grids {
            let subtree = catalog.subtrees(std::slice::from_ref(g));
            let by_rows = HazardQuery {
                grids: Some(subtree.clone()),
                limit: 1,
                ..f.clone()
            };
            let by_roots = HazardQuery {
                roots: Some(vec![g.clone()]),
                ..by_rows.clone()
            };
            assert_eq!(
                store.hazards(&by_roots).unwrap().0,
                store.hazards(&by_rows).unwrap().0,
                "{g}"
            );
        }
        let everything = store
            .hazards(&HazardQuery {
                limit: 1,
                ..f.clone()
            })
            .unwrap()
            .0;
        let county = HazardQuery {
            grids: Some(catalog.subtrees(&grids[..1])),
            limit: 1,
            ..f.clone()
        };
        assert_eq!(everything, store.hazards(&county).unwrap().0);
    }

    // A village moves to another town: both towns' counters follow.
    let village = catalog
        .tree
        .children(&towns[0])
        .next()
        .expect("a village in the first town")
        .clone();
    let moved = GridNode {
        parent: Some(towns[1].clone()),
        ..village.clone()
    };
    store.upsert_grids(&[moved]).unwrap();
    let catalog = Catalog::load(&store).unwrap();
    assert!(catalog.tree.is_within(&village.code, &towns[1]));
    for town in &towns[..2] {
        for &(from, to) in &periods()[..3] {
            assert_eq!(
                rolled(&store, town, from, to),
                by_grid(&store, &catalog, town, from, to),
                "{town} after the move"
            );
        }
    }
}
