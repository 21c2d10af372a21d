//! `serve --demo`: a demo town to try the console with.
//!
//! 青石镇 (510001) with five villages, a unit under each, a monitoring point
//! of every kind, an account per role, and a few dozen hazards in every
//! status plus checks (one of them a danger). Every record is a real event
//! that goes through the same rules and apply path as a phone's push, so the
//! state, the trail and the per-grid counters are what they would be in use.
//! Seeding again changes nothing: the grids and points are upserted, existing
//! accounts are left alone, and events are only made for an empty town.

use chrono::{Duration, NaiveDate, Utc};
use gridsafe_core::access::Scope;
use gridsafe_core::event::*;
use gridsafe_core::location::{Location, LocationSource};
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::reading::{self, ReadingType, ReadingValue, Readings};
use gridsafe_core::validate::Limits;
use gridsafe_core::{
    Event, EventBody, EventId, GridCode, GridLevel, GridNode, HazardId, HazardLevel, Hlc,
    PointKind, Role, Sector, Username, Verdict,
};

use crate::auth::{Caller, hash_password};
use crate::catalog::Catalog;
use crate::store::{AppendOutcome, HazardQuery, Store, UserRecord};
use crate::sync::rules::Rules;

pub const TOWN: &str = "510001";

const VILLAGES: [(&str, &str, &str); 5] = [
    ("510001-01", "石桥村", "李明"),
    ("510001-02", "柳溪村", "赵丽"),
    ("510001-03", "龙潭村", "陈刚"),
    ("510001-04", "青石社区", "刘芳"),
    ("510001-05", "白岩村", "周强"),
];

const UNITS: [(&str, &str, &str); 5] = [
    ("510001-01-01", "青石建材有限公司", "510001-01"),
    ("510001-02-01", "柳溪花炮厂", "510001-02"),
    ("510001-03-01", "龙潭加油站", "510001-03"),
    ("510001-04-01", "青石中学", "510001-04"),
    ("510001-05-01", "白岩采石场", "510001-05"),
];

const POINTS: [(&str, &str, PointKind, &str, f64, f64, &str); 5] = [
    (
        "LS-01",
        "石桥村后山滑坡体",
        PointKind::Landslide,
        "510001-01",
        30.612,
        103.512,
        "张大山",
    ),
    (
        "PD-01",
        "柳溪塘坝",
        PointKind::PondDam,
        "510001-02",
        30.605,
        103.534,
        "赵小河",
    ),
    (
        "RS-01",
        "龙潭水库",
        PointKind::Reservoir,
        "510001-03",
        30.598,
        103.547,
        "陈水生",
    ),
    (
        "EM-01",
        "清水河青石段河堤",
        PointKind::Embankment,
        "510001-04",
        30.590,
        103.521,
        "刘长江",
    ),
    (
        "DW-01",
        "白岩深水潭",
        PointKind::DeepWater,
        "510001-05",
        30.583,
        103.503,
        "周海",
    ),
];

/// (name, password, role, grids)
const ACCOUNTS: [(&str, &str, Role, &[&str]); 5] = [
    ("admin", "demo-admin", Role::Admin, &[]),
    ("office", "demo-office", Role::Office, &[TOWN]),
    (
        "inspector",
        "demo-inspector",
        Role::Inspector,
        &["510001-01", "510001-02"],
    ),
    (
        "inspector2",
        "demo-inspector2",
        Role::Inspector,
        &["510001-03", "510001-04", "510001-05"],
    ),
    (
        "volunteer",
        "demo-volunteer",
        Role::Volunteer,
        &["510001-03", "510001-05"],
    ),
];

/// (village index, unit?, sector, level, description, place)
const HAZARDS: [(usize, bool, Sector, HazardLevel, &str, &str); 30] = [
    (
        0,
        true,
        Sector::Construction,
        HazardLevel::General,
        "厂房二楼脚手架缺少防护网",
        "青石建材厂房",
    ),
    (
        0,
        false,
        Sector::RoadTraffic,
        HazardLevel::General,
        "村道急弯处缺少警示标志",
        "石桥村三组急弯",
    ),
    (
        0,
        false,
        Sector::Electrical,
        HazardLevel::General,
        "村委会活动室私拉乱接电线",
        "石桥村委会",
    ),
    (
        0,
        true,
        Sector::SpecialEquipment,
        HazardLevel::Major,
        "龙门吊未经检测投入使用",
        "青石建材堆场",
    ),
    (
        0,
        false,
        Sector::FoodSafety,
        HazardLevel::General,
        "农村家宴未报备，厨师无健康证",
        "石桥村五组",
    ),
    (
        0,
        false,
        Sector::GeologicalWater,
        HazardLevel::General,
        "后山排水沟堵塞",
        "石桥村后山",
    ),
    (
        1,
        true,
        Sector::Fireworks,
        HazardLevel::Major,
        "花炮厂成品库超量存放",
        "柳溪花炮厂成品库",
    ),
    (
        1,
        true,
        Sector::Fire,
        HazardLevel::General,
        "灭火器过期未更换",
        "柳溪花炮厂办公楼",
    ),
    (
        1,
        false,
        Sector::RoadTraffic,
        HazardLevel::General,
        "农用车违法载人",
        "柳溪村桥头",
    ),
    (
        1,
        false,
        Sector::Gas,
        HazardLevel::General,
        "液化石油气钢瓶露天存放",
        "柳溪村小卖部",
    ),
    (
        1,
        false,
        Sector::GeologicalWater,
        HazardLevel::General,
        "塘坝下游坡有渗水",
        "柳溪塘坝",
    ),
    (
        1,
        false,
        Sector::Fire,
        HazardLevel::General,
        "夏季用电负荷大，线路老化",
        "柳溪村二组",
    ),
    (
        2,
        true,
        Sector::HazardousChemicals,
        HazardLevel::Major,
        "加油站卸油口静电接地损坏",
        "龙潭加油站",
    ),
    (
        2,
        true,
        Sector::Fire,
        HazardLevel::General,
        "加油站消防沙池缺沙",
        "龙潭加油站",
    ),
    (
        2,
        false,
        Sector::WaterTransport,
        HazardLevel::General,
        "渡船无救生衣",
        "龙潭渡口",
    ),
    (
        2,
        false,
        Sector::GeologicalWater,
        HazardLevel::General,
        "水库溢洪道有杂物",
        "龙潭水库溢洪道",
    ),
    (
        2,
        false,
        Sector::ForestFire,
        HazardLevel::General,
        "清明期间林区野外用火",
        "龙潭村后山林区",
    ),
    (
        2,
        false,
        Sector::RoadTraffic,
        HazardLevel::General,
        "校车超载",
        "龙潭村小学门口",
    ),
    (
        3,
        true,
        Sector::CrowdedPlaces,
        HazardLevel::General,
        "学校食堂安全出口堵塞",
        "青石中学食堂",
    ),
    (
        3,
        true,
        Sector::Fire,
        HazardLevel::General,
        "宿舍楼消防通道堆放杂物",
        "青石中学宿舍楼",
    ),
    (
        3,
        false,
        Sector::Construction,
        HazardLevel::General,
        "社区改造工地无资质施工",
        "青石社区东街",
    ),
    (
        3,
        false,
        Sector::Electrical,
        HazardLevel::General,
        "电动三轮车楼道内充电",
        "青石社区6栋",
    ),
    (
        3,
        false,
        Sector::GeologicalWater,
        HazardLevel::General,
        "河堤背水坡有散浸",
        "清水河青石段",
    ),
    (
        3,
        false,
        Sector::OccupationalHealth,
        HazardLevel::General,
        "家具作坊粉尘无防护",
        "青石社区西街",
    ),
    (
        4,
        true,
        Sector::NonCoalMines,
        HazardLevel::Major,
        "采石场边坡过陡，有落石",
        "白岩采石场",
    ),
    (
        4,
        true,
        Sector::NonCoalMines,
        HazardLevel::General,
        "爆破器材登记不全",
        "白岩采石场",
    ),
    (
        4,
        false,
        Sector::GeologicalWater,
        HazardLevel::General,
        "深水潭警示牌倒伏",
        "白岩深水潭",
    ),
    (
        4,
        false,
        Sector::RoadTraffic,
        HazardLevel::General,
        "运渣车未覆盖篷布",
        "白岩村主干道",
    ),
    (
        4,
        false,
        Sector::FoodSafety,
        HazardLevel::General,
        "家宴使用野生菌",
        "白岩村二组",
    ),
    (
        4,
        false,
        Sector::Other,
        HazardLevel::General,
        "废弃窑洞未封闭",
        "白岩村四组",
    ),
];

/// Where each demo hazard ends up; cycled over the list.
#[derive(Clone, Copy)]
enum Target {
    Reported,
    Confirmed,
    Rectifying,
    Rectified,
    Verified,
    Closed,
    Rejected,
    Reopened,
}

const TARGETS: [Target; 10] = [
    Target::Reported,
    Target::Confirmed,
    Target::Rectifying,
    Target::Rectified,
    Target::Verified,
    Target::Closed,
    Target::Rectifying,
    Target::Rejected,
    Target::Confirmed,
    Target::Reopened,
];

fn code(s: &str) -> GridCode {
    s.parse().expect("demo codes are valid")
}

fn device_of(i: usize) -> gridsafe_core::DeviceId {
    // Fixed ids keep a re-seed from enrolling new devices.
    gridsafe_core::DeviceId(
        uuid::Uuid::parse_str(&format!("01900000-0000-7000-8000-{:012x}", 0xde_0000 + i))
            .expect("a valid uuid"),
    )
}

/// Seeds the demo town; returns the accounts (name, password, role) to print.
pub fn seed(store: &dyn Store) -> anyhow::Result<Vec<(String, String, Role)>> {
    let mut grids = vec![GridNode {
        code: code(TOWN),
        name: "青石镇".into(),
        parent: None,
        level: GridLevel::Town,
        responsible: Some("王建国".into()),
    }];
    for (c, name, resp) in VILLAGES {
        grids.push(GridNode {
            code: code(c),
            name: name.into(),
            parent: Some(code(TOWN)),
            level: GridLevel::Village,
            responsible: Some(resp.into()),
        });
    }
    for (c, name, parent) in UNITS {
        grids.push(GridNode {
            code: code(c),
            name: name.into(),
            parent: Some(code(parent)),
            level: GridLevel::Unit,
            responsible: None,
        });
    }
    let mut all = store.grids()?;
    all.retain(|g| !grids.iter().any(|n| n.code == g.code));
    all.extend(grids.iter().cloned());
    gridsafe_core::GridTree::new(all)?;
    store.upsert_grids(&grids)?;
    let points: Vec<MonitoringPoint> = POINTS
        .iter()
        .map(|(c, name, kind, grid, lat, lon, monitor)| MonitoringPoint {
            code: c.parse().expect("valid"),
            name: (*name).into(),
            kind: *kind,
            grid: code(grid),
            lat: Some(*lat),
            lon: Some(*lon),
            monitor: Some((*monitor).into()),
        })
        .collect();
    store.upsert_points(&points)?;

    let mut callers = Vec::new();
    for (i, (name, password, role, grids)) in ACCOUNTS.iter().enumerate() {
        let user: Username = name.parse()?;
        if store.user(&user)?.is_none() {
            store.add_user(&UserRecord {
                name: user.clone(),
                role: *role,
                grids: grids.iter().map(|g| code(g)).collect(),
                password_hash: hash_password(password)?,
            })?;
        }
        let device = device_of(i);
        store.enrol_device(device, &user, Some("演示设备"))?;
        callers.push(Caller {
            user,
            scope: Scope {
                role: *role,
                grids: grids.iter().map(|g| code(g)).collect(),
            },
            device,
        });
    }

    let catalog = Catalog::load(store)?;
    let town_grids = catalog.subtrees(&[code(TOWN)]);
    let (existing, _) = store.hazards(&HazardQuery {
        grids: Some(town_grids),
        limit: 1,
        ..Default::default()
    })?;
    if existing.n == 0 {
        Seeder {
            store,
            catalog: &catalog,
            callers: &callers,
        }
        .records()?;
    }
    Ok(ACCOUNTS
        .iter()
        .map(|(n, p, r, _)| (n.to_string(), p.to_string(), *r))
        .collect())
}

struct Seeder<'a> {
    store: &'a dyn Store,
    catalog: &'a Catalog,
    callers: &'a [Caller],
}

impl Seeder<'_> {
    fn caller(&self, name: &str) -> &Caller {
        self.callers
            .iter()
            .find(|c| c.user.as_str() == name)
            .expect("a demo account")
    }

    /// The field account that works in this village.
    fn field_for(&self, village: usize) -> &Caller {
        self.caller(if village < 2 {
            "inspector"
        } else {
            "inspector2"
        })
    }

    fn record(
        &self,
        by: &Caller,
        at: chrono::DateTime<Utc>,
        body: EventBody,
    ) -> anyhow::Result<()> {
        let event = Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms: at.timestamp_millis() as u64,
                counter: 0,
                node: by.device,
            },
            author: by.user.clone(),
            device: by.device,
            body,
        };
        let limits = Limits::default();
        let rules = Rules {
            caller: by,
            catalog: self.catalog,
            limits: &limits,
            now: Utc::now(),
        };
        match self.store.append(&event, &rules, false)? {
            AppendOutcome::Accepted { .. } => Ok(()),
            AppendOutcome::Rejected(r) => {
                anyhow::bail!("demo event refused: {} {}", r.code, r.message)
            }
            AppendOutcome::WouldSupersede(_) => Ok(()),
        }
    }

    fn records(&self) -> anyhow::Result<()> {
        let now = Utc::now();
        let office = self.caller("office");
        let today = crate::calendar::today();
        for (i, (village, unit, sector, level, description, place)) in HAZARDS.iter().enumerate() {
            let grid = if *unit {
                UNITS[*village].0
            } else {
                VILLAGES[*village].0
            };
            let finder = self.field_for(*village);
            // Spread over the last 100 days, oldest first.
            let found = now - Duration::days(100 - (i as i64) * 3) - Duration::hours(3);
            let hazard = HazardId::new();
            let (lat, lon) = (30.6 + (i as f64) * 0.001, 103.5 + (i as f64) * 0.001);
            self.record(
                finder,
                found,
                EventBody::HazardReported(HazardReported {
                    hazard,
                    grid: code(grid),
                    sector: *sector,
                    level: *level,
                    description: (*description).into(),
                    place: Some((*place).into()),
                    location: Some(Location {
                        lat,
                        lon,
                        accuracy_m: Some(8.0),
                        fixed_at: Some(found),
                        source: LocationSource::Gps,
                    }),
                    photos: vec![],
                }),
            )?;
            let target = TARGETS[i % TARGETS.len()];
            if matches!(target, Target::Reported) {
                continue;
            }
            let step = |n: i64| found + Duration::hours(20 * n);
            if matches!(target, Target::Rejected) {
                self.record(
                    office,
                    step(1),
                    EventBody::HazardRejected(HazardRejected {
                        hazard,
                        reason: "经核实不属于安全隐患".into(),
                        duplicate_of: None,
                    }),
                )?;
                continue;
            }
            // Every third confirmed hazard has a deadline already past: overdue.
            let deadline: NaiveDate = if i % 3 == 1 {
                today - Duration::days(5)
            } else {
                today + Duration::days(30)
            };
            let major = *level == HazardLevel::Major;
            self.record(
                office,
                step(1),
                EventBody::HazardConfirmed(HazardConfirmed {
                    hazard,
                    level: *level,
                    sector: None,
                    owner: format!("{}负责人", place),
                    deadline: Some(deadline),
                    measures: major.then(|| "停止使用，委托有资质单位检测整改".into()),
                    funds_yuan: major.then_some(50_000),
                    contingency_plan: major
                        .then(|| "设置警戒区，专人值守，制定应急疏散方案".into()),
                    note: None,
                }),
            )?;
            if major {
                self.record(
                    office,
                    step(1) + Duration::minutes(5),
                    EventBody::HazardListed(HazardListed {
                        hazard,
                        note: Some("镇政府挂牌督办".into()),
                    }),
                )?;
            }
            if matches!(target, Target::Confirmed) {
                continue;
            }
            self.record(
                finder,
                step(2),
                EventBody::RectificationStarted(RectificationStarted {
                    hazard,
                    note: Some("已督促责任单位开始整改".into()),
                }),
            )?;
            if matches!(target, Target::Rectifying) {
                continue;
            }
            self.record(
                finder,
                step(3),
                EventBody::RectificationSubmitted(RectificationSubmitted {
                    hazard,
                    note: "已按要求整改完毕".into(),
                    photos: vec![],
                    location: None,
                }),
            )?;
            if matches!(target, Target::Rectified) {
                continue;
            }
            self.record(
                office,
                step(4),
                EventBody::RectificationVerified(RectificationVerified {
                    hazard,
                    note: Some("整改效果良好".into()),
                }),
            )?;
            match target {
                Target::Closed => self.record(
                    office,
                    step(5),
                    EventBody::HazardClosed(HazardClosed {
                        hazard,
                        note: Some("销号".into()),
                    }),
                )?,
                Target::Reopened => self.record(
                    office,
                    step(5),
                    EventBody::HazardReopened(HazardReopened {
                        hazard,
                        reason: "回头看发现问题反弹".into(),
                        deadline: Some(today + Duration::days(15)),
                    }),
                )?,
                _ => {}
            }
        }
        self.checks(now)
    }

    fn checks(&self, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
        let who = |kind: PointKind| match kind {
            PointKind::Landslide | PointKind::PondDam => "inspector",
            PointKind::Embankment => "inspector2",
            PointKind::Reservoir | PointKind::DeepWater => "volunteer",
        };
        for (p, (point, _, kind, grid, lat, lon, _)) in POINTS.iter().enumerate() {
            for day in [21i64, 14, 7, 1] {
                let danger = *kind == PointKind::Landslide && day == 1;
                let at = now - Duration::days(day) - Duration::hours(p as i64 + 1);
                let mut readings = calm_readings(*kind);
                if danger {
                    readings.insert("crack_width_mm".into(), ReadingValue::Number(35.0));
                    readings.insert("new_cracks".into(), ReadingValue::Flag(true));
                }
                let verdict = if danger {
                    Verdict::Danger
                } else if day == 7 && *kind == PointKind::Embankment {
                    Verdict::Abnormal
                } else {
                    Verdict::Normal
                };
                self.record(
                    self.caller(who(*kind)),
                    at,
                    EventBody::CheckLogged(CheckLogged {
                        check: gridsafe_core::CheckId::new(),
                        point: point.parse()?,
                        grid: code(grid),
                        verdict,
                        readings,
                        note: danger.then(|| "裂缝明显加宽，已通知受威胁群众撤离".into()),
                        location: Some(Location {
                            lat: *lat,
                            lon: *lon,
                            accuracy_m: Some(6.0),
                            fixed_at: Some(at),
                            source: LocationSource::Gps,
                        }),
                        photos: vec![],
                    }),
                )?;
            }
        }
        Ok(())
    }
}

/// The required readings of a kind, each at a calm value (demo and load
/// data).
pub fn calm_readings(kind: PointKind) -> Readings {
    reading::specs(kind)
        .iter()
        .filter(|s| s.required)
        .map(|s| {
            let v = match s.ty {
                ReadingType::Flag => ReadingValue::Flag(!s.alarm_when.unwrap_or(true)),
                ReadingType::Number { min, max, .. } => {
                    ReadingValue::Number(min + (max - min) * 0.05)
                }
            };
            (s.key.to_owned(), v)
        })
        .collect()
}
