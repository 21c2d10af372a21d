//! The office's reads at county scale: a town's grid summary and the hazard
//! list (filter pairs, free text, a deep page) on a database of
//! `GRIDSAFE_BENCH_HAZARDS` hazards (default 1,000,000) in
//! `GRIDSAFE_BENCH_GRIDS` grids (default 5,000).
//!
//! The database is made once by `gridsafe-load fill` (built in release by
//! this bench) and kept under the target directory
//! (`gridsafe-bench/fill-<hazards>-<grids>`); later runs reuse it. A
//! 1,000,000-hazard county takes several minutes and some 4 GB to make;
//! `GRIDSAFE_BENCH_HAZARDS=50000` makes a quick one.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use gridsafe_core::{GridCode, HazardLevel, HazardStatus, Sector};
use gridsafe_server::calendar::today;
use gridsafe_server::catalog::Catalog;
use gridsafe_server::config::Settings;
use gridsafe_server::store::sqlite::SqliteStore;
use gridsafe_server::store::{HazardQuery, Store};
use gridsafe_server::summary::summarise;

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The target directory this bench runs from (`target/release/deps/…`).
fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return dir.into();
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    exe.ancestors()
        .nth(3)
        .expect("target/release/deps/bench")
        .to_owned()
}

/// The filled county, made on first use.
fn county(hazards: u64, grids: u64) -> PathBuf {
    let target = target_dir();
    let dir = target.join(format!("gridsafe-bench/fill-{hazards}-{grids}"));
    if dir.join("filled").exists() {
        return dir;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "gridsafe-load"])
        .status()
        .expect("running cargo");
    assert!(status.success(), "building gridsafe-load");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    eprintln!(
        "filling {} with {hazards} hazards (made once)",
        dir.display()
    );
    let status = Command::new(target.join("release/gridsafe-load"))
        .arg("fill")
        .arg("--data")
        .arg(&dir)
        .args(["--hazards", &hazards.to_string()])
        .args(["--grids", &grids.to_string()])
        .status()
        .expect("running gridsafe-load fill");
    assert!(status.success(), "gridsafe-load fill");
    std::fs::write(dir.join("filled"), b"").unwrap();
    dir
}

fn code(s: &str) -> GridCode {
    s.parse().unwrap()
}

fn bench(c: &mut Criterion) {
    let hazards = env_or("GRIDSAFE_BENCH_HAZARDS", 1_000_000);
    let grids = env_or("GRIDSAFE_BENCH_GRIDS", 5_000);
    let dir = county(hazards, grids);
    let store = SqliteStore::open(&Path::new(&dir).join("gridsafe.db")).unwrap();
    let catalog = Catalog::load(&store).unwrap();
    let town = code("5100-01");
    let unit = catalog
        .tree
        .subtree(&town)
        .into_iter()
        .find(|n| n.level == gridsafe_core::GridLevel::Unit)
        .map(|n| n.code.clone())
        .unwrap_or_else(|| town.clone());
    let county_code = code("5100");
    let town_grids = catalog.subtrees(std::slice::from_ref(&town));
    let unit_grids = catalog.subtrees(std::slice::from_ref(&unit));
    let day = today();
    let jan1 = NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap();

    // The summary as the handler makes it (`summarise`: the subtree
    // counters of the grids shown, the rest rolled up), missed point checks
    // included.
    let settings = Settings::default();
    let season = gridsafe_server::assessment::rubric(&settings)
        .unwrap()
        .flood_season;
    let mut g = c.benchmark_group(format!("summary_{hazards}"));
    g.sample_size(30);
    for (name, grid, from) in [
        ("town_this_year", &town, jan1),
        ("town_two_years", &town, day - Duration::days(730)),
        ("county_this_year", &county_code, jan1),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                summarise(
                    &store,
                    &catalog.tree,
                    &settings,
                    &season,
                    grid,
                    (from, day),
                    1,
                    Utc::now(),
                )
                .unwrap()
            })
        });
    }
    g.finish();

    let page = |q: HazardQuery| HazardQuery { limit: 20, ..q };
    let lists: Vec<(&str, HazardQuery)> = vec![
        ("first_page", page(HazardQuery::default())),
        (
            "town_status",
            page(HazardQuery {
                grids: Some(town_grids.clone()),
                roots: Some(vec![town.clone()]),
                status: vec![HazardStatus::Rectifying],
                ..Default::default()
            }),
        ),
        (
            "sector_level",
            page(HazardQuery {
                sector: Some(Sector::Fire),
                level: Some(HazardLevel::Major),
                ..Default::default()
            }),
        ),
        (
            "town_overdue",
            page(HazardQuery {
                grids: Some(town_grids.clone()),
                roots: Some(vec![town.clone()]),
                overdue_on: Some(day),
                ..Default::default()
            }),
        ),
        (
            "dates_status",
            page(HazardQuery {
                from: Some(day - Duration::days(90)),
                to: Some(day),
                status: vec![HazardStatus::Confirmed],
                ..Default::default()
            }),
        ),
        (
            "unit_sector",
            page(HazardQuery {
                grids: Some(unit_grids.clone()),
                roots: Some(vec![unit.clone()]),
                sector: Some(Sector::RoadTraffic),
                ..Default::default()
            }),
        ),
        (
            "level_overdue",
            page(HazardQuery {
                level: Some(HazardLevel::Major),
                overdue_on: Some(day),
                ..Default::default()
            }),
        ),
        (
            "text_common",
            page(HazardQuery {
                text: Some("脚手架".into()),
                ..Default::default()
            }),
        ),
        (
            "text_town",
            page(HazardQuery {
                text: Some("灭火器".into()),
                grids: Some(town_grids.clone()),
                roots: Some(vec![town.clone()]),
                ..Default::default()
            }),
        ),
        (
            "text_two_chars",
            page(HazardQuery {
                text: Some("钢瓶".into()),
                ..Default::default()
            }),
        ),
        (
            "deep_page_500",
            HazardQuery {
                offset: 499 * 20,
                ..page(HazardQuery::default())
            },
        ),
    ];
    let mut g = c.benchmark_group(format!("list_{hazards}"));
    g.sample_size(20);
    for (name, q) in &lists {
        let (total, items) = store.hazards(q).unwrap();
        eprintln!(
            "{name}: {}{} hazards, {} on the page",
            total.n,
            if total.exact { "" } else { "+" },
            items.len()
        );
        g.bench_function(*name, |b| b.iter(|| store.hazards(q).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
