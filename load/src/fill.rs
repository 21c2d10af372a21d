//! `gridsafe-load fill`: a county in a server data directory.
//!
//! One county, towns of about 250 grids each, villages and the units under
//! them; an office account and a field account per town; a monitoring
//! point per village. Hazards are spread over the last two years with the
//! status, level and sector mix of a working county (old ones mostly
//! closed, recent ones still open, a few percent major and listed), and the
//! points carry regular checks. Every record is an event that goes through
//! the server's rules and apply path ([`SqliteStore::append_batch`]), so the
//! state, the trail, the counters and the free-text index are what they
//! would be after the same pushes; only the commits are batched.
//!
//! Hazards go in in the order they were found, as phones that sync every
//! day or two deliver them, so the rows lie on disk roughly in time order
//! as on a working server (each hazard's later steps follow its report at
//! once).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use gridsafe_core::access::Scope;
use gridsafe_core::event::*;
use gridsafe_core::location::{Location, LocationSource};
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::reading::ReadingValue;
use gridsafe_core::validate::{Limits, Warning};
use gridsafe_core::{
    CheckId, DeviceId, Event, EventBody, EventId, GridCode, GridLevel, GridNode, HazardId,
    HazardLevel, Hlc, PointKind, Role, StableKey, Username, Verdict,
};
use gridsafe_server::auth::{Caller, hash_password};
use gridsafe_server::catalog::Catalog;
use gridsafe_server::demo::calm_readings;
use gridsafe_server::store::sqlite::SqliteStore;
use gridsafe_server::store::{Judge, Rejection, Store, UserRecord};
use gridsafe_server::sync::rules::Rules;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::names;

#[derive(clap::Args)]
pub struct Args {
    /// The server's data directory (its database is DATA/gridsafe.db).
    #[arg(long)]
    data: PathBuf,
    /// How many hazards to record.
    #[arg(long, default_value_t = 1_000_000)]
    hazards: u64,
    /// How many grids the county has, itself included.
    #[arg(long, default_value_t = 5_000)]
    grids: usize,
    /// Seed of the generator: the same seed gives the same county.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Events per transaction.
    #[arg(long, default_value_t = 20_000)]
    batch: usize,
    /// SQLite page cache of the load, in MiB.
    #[arg(long, default_value_t = 1024)]
    cache_mib: u32,
    /// Password of the `admin` account.
    #[arg(long, default_value = "load-admin")]
    admin_password: String,
}

const COUNTY: &str = "5100";
const GRIDS_PER_TOWN: usize = 250;
const UNITS_PER_VILLAGE: usize = 20;
const DAYS: i64 = 730;

struct Town {
    code: GridCode,
    office: Caller,
    field: Caller,
    lat: f64,
    lon: f64,
    /// The villages and units hazards are recorded in.
    grids: Vec<GridCode>,
}

/// The county's tree: county, towns, villages, units, `total` grids in all.
fn tree(total: usize, rng: &mut StdRng) -> anyhow::Result<(Vec<GridNode>, Vec<Vec<usize>>)> {
    if total < 3 {
        bail!("a county needs at least 3 grids (the county, a town, a village)");
    }
    let code = |s: String| -> GridCode { s.parse().expect("generated codes are valid") };
    let towns = (total / GRIDS_PER_TOWN).max(1);
    let rest = total - 1 - towns;
    let villages = (rest / (UNITS_PER_VILLAGE + 1)).max(towns).min(rest);
    let units = rest - villages;
    let mut nodes = vec![GridNode {
        code: code(COUNTY.into()),
        name: "锦江县".into(),
        parent: None,
        level: GridLevel::County,
        responsible: Some(names::person(rng)),
    }];
    // Indexes into `nodes` of each town's villages and units.
    let mut by_town: Vec<Vec<usize>> = vec![Vec::new(); towns];
    for t in 0..towns {
        nodes.push(GridNode {
            code: code(format!("{COUNTY}-{:02}", t + 1)),
            name: names::town(t),
            parent: Some(code(COUNTY.into())),
            level: GridLevel::Town,
            responsible: Some(names::person(rng)),
        });
    }
    let mut village_nodes = Vec::new();
    for v in 0..villages {
        let t = v % towns;
        let n = v / towns;
        let node = GridNode {
            code: code(format!("{COUNTY}-{:02}-{:03}", t + 1, n + 1)),
            name: names::village(t, n),
            parent: Some(nodes[1 + t].code.clone()),
            level: GridLevel::Village,
            responsible: Some(names::person(rng)),
        };
        by_town[t].push(nodes.len());
        village_nodes.push(nodes.len());
        nodes.push(node);
    }
    for u in 0..units {
        let vi = village_nodes[u % villages];
        let n = u / villages;
        let village = nodes[vi].clone();
        let t = (u % villages) % towns;
        let node = GridNode {
            code: code(format!("{}-{:02}", village.code, n + 1)),
            name: names::unit(&village.name, u),
            parent: Some(village.code.clone()),
            level: GridLevel::Unit,
            responsible: Some(names::person(rng)),
        };
        by_town[t].push(nodes.len());
        nodes.push(node);
    }
    Ok((nodes, by_town))
}

fn device_of(i: usize) -> DeviceId {
    DeviceId(
        uuid::Uuid::parse_str(&format!("01900000-0000-7000-8000-{:012x}", 0x10ad_0000 + i))
            .expect("a valid uuid"),
    )
}

/// Judges each event by the rules of the account that authored it.
struct ByAuthor<'a> {
    callers: HashMap<Username, Caller>,
    catalog: &'a Catalog,
    limits: Limits,
    now: DateTime<Utc>,
}

impl Judge for ByAuthor<'_> {
    fn judge(&self, ev: &Event, grid: Option<&GridCode>) -> Result<Vec<Warning>, Rejection> {
        let Some(caller) = self.callers.get(&ev.author) else {
            return Err(Rejection::new("forged_author", "unknown author"));
        };
        Rules {
            caller,
            catalog: self.catalog,
            limits: &self.limits,
            now: self.now,
        }
        .judge(ev, grid)
    }
}

/// Events waiting for the next transaction.
struct Batch<'a> {
    store: &'a SqliteStore,
    judge: &'a ByAuthor<'a>,
    events: Vec<Event>,
    size: usize,
    stored: u64,
}

impl Batch<'_> {
    fn add(&mut self, by: &Caller, at: DateTime<Utc>, body: EventBody) -> anyhow::Result<()> {
        self.events.push(Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms: at.timestamp_millis() as u64,
                counter: 0,
                node: by.device,
            },
            author: by.user.clone(),
            device: by.device,
            body,
        });
        if self.events.len() >= self.size {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        let results = self.store.append_batch(&self.events, self.judge)?;
        for (ev, r) in self.events.iter().zip(&results) {
            if let Err(r) = r {
                bail!(
                    "the server refused a generated {} event: {} {}",
                    ev.kind(),
                    r.code,
                    r.message
                );
            }
        }
        self.stored += results.len() as u64;
        self.events.clear();
        Ok(())
    }
}

/// Where a hazard stands at the end, by how long ago it was reported.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Reported,
    Confirmed,
    Rectifying,
    Rectified,
    Verified,
    Closed,
    Rejected,
}

fn target(rng: &mut StdRng, age_days: i64) -> Target {
    use Target::*;
    let table: &[(Target, u32)] = if age_days < 7 {
        &[
            (Reported, 40),
            (Confirmed, 30),
            (Rectifying, 20),
            (Rejected, 10),
        ]
    } else if age_days < 60 {
        &[
            (Reported, 5),
            (Confirmed, 15),
            (Rectifying, 30),
            (Rectified, 20),
            (Verified, 10),
            (Closed, 12),
            (Rejected, 8),
        ]
    } else {
        &[
            (Confirmed, 1),
            (Rectifying, 3),
            (Rectified, 2),
            (Verified, 10),
            (Closed, 76),
            (Rejected, 8),
        ]
    };
    let mut pick = rng.random_range(0..100);
    for (t, w) in table {
        if pick < *w {
            return *t;
        }
        pick -= w;
    }
    Closed
}

pub fn run(a: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(a.seed);
    let store = SqliteStore::open(&a.data.join("gridsafe.db"))?;
    if !store.grids()?.is_empty() {
        bail!(
            "{} already holds grids; fill an empty data directory",
            a.data.display()
        );
    }
    // A county that fails half-way is made again from empty: no fsync.
    store.bulk_load(a.cache_mib)?;
    let (nodes, by_town) = tree(a.grids, &mut rng)?;
    store.upsert_grids(&nodes)?;

    // A monitoring point in every village, kinds in turn.
    let kinds = [
        PointKind::Landslide,
        PointKind::Reservoir,
        PointKind::PondDam,
        PointKind::Embankment,
        PointKind::DeepWater,
    ];
    let villages: Vec<&GridNode> = nodes
        .iter()
        .filter(|n| n.level == GridLevel::Village)
        .collect();
    let points: Vec<MonitoringPoint> = villages
        .iter()
        .enumerate()
        .map(|(i, v)| MonitoringPoint {
            code: format!("P-{:05}", i + 1).parse().expect("valid"),
            name: format!(
                "{}{}",
                v.name,
                kinds[i % kinds.len()].label(gridsafe_core::Lang::ZhCn)
            ),
            kind: kinds[i % kinds.len()],
            grid: v.code.clone(),
            lat: Some(30.0 + (i % 97) as f64 * 0.01),
            lon: Some(103.0 + (i % 89) as f64 * 0.01),
            monitor: Some(names::person(&mut rng)),
        })
        .collect();
    store.upsert_points(&points)?;

    // Accounts: the administrator, and an office and a field account per town.
    let hash = hash_password(&a.admin_password)?;
    store.add_user(&UserRecord {
        name: "admin".parse()?,
        role: Role::Admin,
        grids: vec![],
        password_hash: hash.clone(),
    })?;
    let mut callers = HashMap::new();
    let mut towns = Vec::new();
    for (t, members) in by_town.iter().enumerate() {
        let town = nodes[1 + t].code.clone();
        let mut account = |name: String, role: Role, i: usize| -> anyhow::Result<Caller> {
            let user: Username = name.parse()?;
            store.add_user(&UserRecord {
                name: user.clone(),
                role,
                grids: vec![town.clone()],
                password_hash: hash.clone(),
            })?;
            let device = device_of(i);
            store.enrol_device(device, &user, Some("批量生成"))?;
            let caller = Caller {
                user: user.clone(),
                scope: Scope {
                    role,
                    grids: vec![town.clone()],
                },
                device,
            };
            callers.insert(user, caller.clone());
            Ok(caller)
        };
        let office = account(format!("office-{:02}", t + 1), Role::Office, 2 * t)?;
        let field = account(
            format!("inspector-{:02}", t + 1),
            Role::Inspector,
            2 * t + 1,
        )?;
        towns.push(Town {
            code: town,
            office,
            field,
            lat: 30.0 + (t % 10) as f64 * 0.08,
            lon: 103.0 + (t / 10) as f64 * 0.08,
            grids: members.iter().map(|i| nodes[*i].code.clone()).collect(),
        });
    }
    let catalog = Catalog::load(&store)?;
    let now = Utc::now();
    let judge = ByAuthor {
        callers,
        catalog: &catalog,
        limits: Limits::default(),
        now,
    };
    let mut batch = Batch {
        store: &store,
        judge: &judge,
        events: Vec::with_capacity(a.batch),
        size: a.batch.max(1),
        stored: 0,
    };
    eprintln!(
        "{} grids ({} towns), {} points; recording {} hazards",
        nodes.len(),
        towns.len(),
        points.len(),
        a.hazards
    );

    let checks = a.hazards / 10;
    // How long ago each hazard was found, oldest first.
    let mut ages: Vec<i64> = (0..a.hazards)
        .map(|_| rng.random_range(3_600..DAYS * 86_400))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    let mut last_report = Instant::now();
    for (i, age) in ages.into_iter().enumerate() {
        hazard(
            &mut batch,
            &mut rng,
            &towns,
            now,
            now - Duration::seconds(age),
        )?;
        if last_report.elapsed().as_secs() >= 10 {
            last_report = Instant::now();
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{} hazards, {} events stored, {:.0} s, {:.0} hazards/s",
                i + 1,
                batch.stored,
                secs,
                (i + 1) as f64 / secs
            );
        }
    }
    for i in 0..checks {
        let p = &points[(i as usize) % points.len()];
        let town = towns
            .iter()
            .find(|t| catalog.tree.is_within(&p.grid, &t.code))
            .context("every village is in a town")?;
        check(&mut batch, &mut rng, p, &town.field, now)?;
    }
    batch.flush()?;
    store.optimize()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "filled {}: {} grids, {} points, {} hazards, {} checks, {} events in {:.0} s ({:.0} hazards/s); sign in as admin / {}",
        a.data.display(),
        nodes.len(),
        points.len(),
        a.hazards,
        checks,
        batch.stored,
        secs,
        a.hazards as f64 / secs,
        a.admin_password
    );
    Ok(())
}

fn hazard(
    batch: &mut Batch,
    rng: &mut StdRng,
    towns: &[Town],
    now: DateTime<Utc>,
    found: DateTime<Utc>,
) -> anyhow::Result<()> {
    let town = &towns[rng.random_range(0..towns.len())];
    let grid = town.grids[rng.random_range(0..town.grids.len())].clone();
    let sector = names::sector(rng);
    let level = if rng.random_range(0..100) < 3 {
        HazardLevel::Major
    } else {
        HazardLevel::General
    };
    let age = (now - found).num_days();
    let target = target(rng, age);
    let hazard = HazardId::new();
    let description = names::description(rng, sector);
    let place = format!("{}组", rng.random_range(1..12));
    let (lat, lon) = (
        town.lat + rng.random_range(-0.04..0.04),
        town.lon + rng.random_range(-0.04..0.04),
    );
    batch.add(
        &town.field,
        found,
        EventBody::HazardReported(HazardReported {
            hazard,
            grid,
            sector,
            level,
            description,
            place: Some(place.clone()),
            location: Some(Location {
                lat,
                lon,
                accuracy_m: Some(rng.random_range(3.0..30.0)),
                fixed_at: Some(found),
                source: LocationSource::Gps,
            }),
            photos: vec![],
        }),
    )?;
    // Each later step a few hours to a few days after the one before, never
    // after now.
    let mut at = found;
    let mut step = |rng: &mut StdRng, max_hours: i64| {
        let next = at + Duration::minutes(rng.random_range(30..max_hours * 60));
        at = next
            .min(now - Duration::seconds(1))
            .max(at + Duration::milliseconds(1));
        at
    };
    if target == Target::Reported {
        return Ok(());
    }
    let office = &town.office;
    if target == Target::Rejected {
        let t = step(rng, 72);
        return batch.add(
            office,
            t,
            EventBody::HazardRejected(HazardRejected {
                hazard,
                reason: "经核实不属于安全隐患".into(),
                duplicate_of: None,
            }),
        );
    }
    let confirmed = step(rng, 72);
    let major = level == HazardLevel::Major;
    let deadline = (confirmed + Duration::days(if major { 60 } else { 30 })).date_naive();
    batch.add(
        office,
        confirmed,
        EventBody::HazardConfirmed(HazardConfirmed {
            hazard,
            level,
            sector: None,
            owner: format!("{}负责人", place),
            deadline: Some(deadline),
            measures: major.then(|| "停止使用，委托有资质单位检测整改".into()),
            funds_yuan: major.then_some(50_000),
            contingency_plan: major.then(|| "设置警戒区，专人值守，制定应急疏散方案".into()),
            note: None,
        }),
    )?;
    if major {
        let t = step(rng, 2);
        batch.add(
            office,
            t,
            EventBody::HazardListed(HazardListed {
                hazard,
                note: Some("镇政府挂牌督办".into()),
            }),
        )?;
    }
    if target == Target::Confirmed {
        return Ok(());
    }
    let t = step(rng, 120);
    batch.add(
        &town.field,
        t,
        EventBody::RectificationStarted(RectificationStarted {
            hazard,
            note: Some("已督促责任单位开始整改".into()),
        }),
    )?;
    if target == Target::Rectifying {
        return Ok(());
    }
    let t = step(rng, 240);
    batch.add(
        &town.field,
        t,
        EventBody::RectificationSubmitted(RectificationSubmitted {
            hazard,
            note: "已按要求整改完毕".into(),
            photos: vec![],
            location: None,
        }),
    )?;
    if target == Target::Rectified {
        return Ok(());
    }
    let t = step(rng, 120);
    batch.add(
        office,
        t,
        EventBody::RectificationVerified(RectificationVerified {
            hazard,
            note: Some("整改效果良好".into()),
        }),
    )?;
    if target == Target::Verified {
        return Ok(());
    }
    let t = step(rng, 240);
    batch.add(
        office,
        t,
        EventBody::HazardClosed(HazardClosed {
            hazard,
            note: Some("销号".into()),
        }),
    )
}

fn check(
    batch: &mut Batch,
    rng: &mut StdRng,
    p: &MonitoringPoint,
    by: &Caller,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let at = now - Duration::seconds(rng.random_range(3_600..DAYS * 86_400));
    let mut readings = calm_readings(p.kind);
    let roll = rng.random_range(0..1000);
    let verdict = if p.kind == PointKind::Landslide && roll < 5 {
        readings.insert("crack_width_mm".into(), ReadingValue::Number(35.0));
        readings.insert("new_cracks".into(), ReadingValue::Flag(true));
        Verdict::Danger
    } else if roll < 40 {
        Verdict::Abnormal
    } else {
        Verdict::Normal
    };
    batch.add(
        by,
        at,
        EventBody::CheckLogged(CheckLogged {
            check: CheckId::new(),
            point: p.code.clone(),
            grid: p.grid.clone(),
            verdict,
            readings,
            note: (verdict == Verdict::Danger).then(|| "裂缝明显加宽，已通知受威胁群众撤离".into()),
            location: Some(Location {
                lat: p.lat.unwrap_or(30.0),
                lon: p.lon.unwrap_or(103.0),
                accuracy_m: Some(6.0),
                fixed_at: Some(at),
                source: LocationSource::Gps,
            }),
            photos: vec![],
        }),
    )
}
