//! The stable keys of the public contract, each with its zh-CN and en label.
//!
//! A key is what scripts, URLs, files and the database store; a label is
//! what a person reads. Both are defined here and nowhere else: the server's
//! exports, the reports and the UI's label tables (see [`crate::labels`]) all
//! read them from these tables.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

/// The languages gridsafe speaks: Chinese first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A key that is not one of a table's keys.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not a known {table}; expected one of: {expected}")]
pub struct UnknownKey {
    pub table: &'static str,
    pub value: String,
    pub expected: String,
}

/// An enum of stable keys with their labels.
pub trait StableKey: Copy + Eq + 'static {
    /// The table's name in the label files, e.g. `sector`.
    const TABLE: &'static str;
    /// Every member, in display order.
    const ALL: &'static [Self];
    fn key(self) -> &'static str;
    fn label(self, lang: Lang) -> &'static str;
    fn from_key(key: &str) -> Result<Self, UnknownKey> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.key() == key)
            .ok_or_else(|| UnknownKey {
                table: Self::TABLE,
                value: key.chars().take(64).collect(),
                expected: Self::ALL
                    .iter()
                    .map(|k| k.key())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

macro_rules! stable_keys {
    ($(#[$doc:meta])* $name:ident, $table:literal {
        $($variant:ident = $key:literal, $zh:literal, $en:literal;)+
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize, ::ts_rs::TS)]
        pub enum $name {
            $(#[serde(rename = $key)] $variant,)+
        }

        impl $crate::keys::StableKey for $name {
            const TABLE: &'static str = $table;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }
            fn label(self, lang: $crate::keys::Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, $crate::keys::Lang::ZhCn) => $zh, ($name::$variant, $crate::keys::Lang::En) => $en,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::keys::StableKey::key(*self))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::keys::UnknownKey;
            fn from_str(s: &str) -> Result<Self, $crate::keys::UnknownKey> {
                <Self as $crate::keys::StableKey>::from_key(s.trim())
            }
        }
    };
}

pub(crate) use stable_keys;

stable_keys!(
    /// 行业领域: the sector a hazard or accident belongs to.
    Sector, "sector" {
        RoadTraffic = "road_traffic", "道路交通", "Road traffic";
        Fire = "fire", "消防", "Fire";
        Construction = "construction", "建筑施工", "Construction";
        HazardousChemicals = "hazardous_chemicals", "危险化学品", "Hazardous chemicals";
        Fireworks = "fireworks", "烟花爆竹", "Fireworks";
        NonCoalMines = "non_coal_mines", "非煤矿山", "Non-coal mines";
        SpecialEquipment = "special_equipment", "特种设备", "Special equipment";
        OccupationalHealth = "occupational_health", "职业健康", "Occupational health";
        FoodSafety = "food_safety", "食品安全", "Food safety";
        GeologicalWater = "geological_water", "地质灾害与水利", "Geological hazards and water";
        WaterTransport = "water_transport", "水上交通", "Water transport";
        Gas = "gas", "燃气", "Gas";
        ForestFire = "forest_fire", "森林防火", "Forest fire";
        Electrical = "electrical", "用电安全", "Electrical safety";
        CrowdedPlaces = "crowded_places", "人员密集场所", "Crowded places";
        Other = "other", "其他", "Other";
    }
);

stable_keys!(
    /// 隐患等级.
    HazardLevel, "hazard_level" {
        General = "general", "一般隐患", "General hazard";
        Major = "major", "重大隐患", "Major hazard";
    }
);

stable_keys!(
    /// Where a hazard stands in its life (see [`crate::hazard`]).
    HazardStatus, "hazard_status" {
        Reported = "reported", "已上报", "Reported";
        Confirmed = "confirmed", "已确认", "Confirmed";
        Rectifying = "rectifying", "整改中", "Being rectified";
        Rectified = "rectified", "已整改", "Rectified";
        Verified = "verified", "已验收", "Verified";
        Closed = "closed", "已销号", "Closed";
        Rejected = "rejected", "已驳回", "Rejected";
    }
);

stable_keys!(
    /// 危险地段的类型.
    PointKind, "point_kind" {
        Landslide = "landslide", "滑坡体", "Landslide body";
        Reservoir = "reservoir", "水库", "Reservoir";
        PondDam = "pond_dam", "塘坝", "Pond dam";
        Embankment = "embankment", "河堤", "River embankment";
        DeepWater = "deep_water", "深水区", "Deep water";
    }
);

stable_keys!(
    /// 巡查结论.
    Verdict, "verdict" {
        Normal = "normal", "正常", "Normal";
        Abnormal = "abnormal", "异常", "Abnormal";
        Danger = "danger", "危险", "Danger";
    }
);

stable_keys!(
    /// What an account may do (see [`crate::access`]).
    Role, "role" {
        Inspector = "inspector", "网格员", "Grid inspector";
        Volunteer = "volunteer", "村安全员", "Village safety volunteer";
        Office = "office", "镇安办", "Town safety office";
        Admin = "admin", "系统管理员", "Administrator";
    }
);

stable_keys!(
    /// 网格层级, from the top of the tree down.
    GridLevel, "grid_level" {
        County = "county", "县", "County";
        Town = "town", "镇(乡)", "Town";
        Village = "village", "村(社区)", "Village";
        Unit = "unit", "企业单位", "Unit";
    }
);

stable_keys!(
    /// 检查任务的类型: the planned inspections of the township's year.
    TaskKind, "task_kind" {
        QuarterlyCheck = "quarterly_check", "季度大检查", "Quarterly big check";
        SpecialCampaign = "special_campaign", "专项整治", "Special campaign";
        HolidayCheck = "holiday_check", "节日检查", "Holiday check";
        FloodSeasonCheck = "flood_season_check", "汛期检查", "Flood-season check";
    }
);

stable_keys!(
    /// Where an inspection task stands (see [`crate::task`]).
    TaskStatus, "task_status" {
        Open = "open", "进行中", "Open";
        Done = "done", "已完成", "Done";
        Overdue = "overdue", "已逾期", "Overdue";
    }
);

stable_keys!(
    /// A checklist item of an inspection task, in the seed's words.
    ChecklistItem, "checklist_item" {
        Qualification = "qualification", "施工资质", "Builder's qualification";
        GantryCrane = "gantry_crane", "龙门吊检测", "Gantry crane inspection";
        FallProtection = "fall_protection", "高空坠落防护", "Fall protection";
        ProtectiveMeasures = "protective_measures", "防护措施", "Protective measures";
        EmergencyExits = "emergency_exits", "安全出口与疏散通道", "Emergency exits and escape routes";
        FireEquipment = "fire_equipment", "消防器材", "Fire-fighting equipment";
        ElectricalWiring = "electrical_wiring", "用电线路", "Electrical wiring";
        NoPassengers = "no_passengers", "农用车不载人", "No passengers on farm vehicles";
        HazardousGoodsStorage = "hazardous_goods_storage", "危险品储存", "Storage of dangerous goods";
        WarningSigns = "warning_signs", "警示牌", "Warning signs";
        DutyRoster = "duty_roster", "24小时值班", "24-hour duty roster";
        EvacuationCard = "evacuation_card", "避险明白卡", "Evacuation card";
        SafetyTraining = "safety_training", "安全培训与持证上岗", "Safety training and certificates";
        ResponsibilityLetter = "responsibility_letter", "安全生产责任书", "Safety responsibility letter";
    }
);

stable_keys!(
    /// The result of one checklist item on site.
    ItemResult, "item_result" {
        Pass = "pass", "合格", "Pass";
        Fail = "fail", "不合格", "Fail";
    }
);

stable_keys!(
    /// Dishes a rural banquet must not serve (农村家宴禁用菜品).
    BannedDish, "banned_dish" {
        GreenBeans = "green_beans", "四季豆", "Green beans";
        WildMushrooms = "wild_mushrooms", "野生菌", "Wild mushrooms";
        MedicinalDishes = "medicinal_dishes", "药膳", "Medicinal dishes";
    }
);

stable_keys!(
    /// The kind of a signed responsibility letter or promise.
    PromiseKind, "promise_kind" {
        FarmVehicleNoPassengers = "farm_vehicle_no_passengers", "农用车不载人责任书", "Farm vehicle no-passenger promise";
        BanquetFoodSafety = "banquet_food_safety", "农村家宴食品安全承诺书", "Rural banquet food-safety promise";
        ConstructionSafety = "construction_safety", "安全施工目标责任书", "Construction safety responsibility letter";
        WorkSafetyTarget = "work_safety_target", "安全生产目标责任书", "Work-safety target responsibility letter";
    }
);

impl ChecklistItem {
    /// The sector whose checks offer this item first.
    pub fn sector(self) -> Sector {
        use ChecklistItem::*;
        match self {
            Qualification | GantryCrane | FallProtection | ProtectiveMeasures => {
                Sector::Construction
            }
            EmergencyExits | FireEquipment => Sector::Fire,
            ElectricalWiring => Sector::Electrical,
            NoPassengers => Sector::RoadTraffic,
            HazardousGoodsStorage => Sector::HazardousChemicals,
            WarningSigns | DutyRoster | EvacuationCard => Sector::GeologicalWater,
            SafetyTraining | ResponsibilityLetter => Sector::Other,
        }
    }
}

impl GridLevel {
    /// Depth from the top: a child grid is always deeper than its parent.
    pub fn depth(self) -> u8 {
        match self {
            GridLevel::County => 0,
            GridLevel::Town => 1,
            GridLevel::Village => 2,
            GridLevel::Unit => 3,
        }
    }
}

impl HazardStatus {
    /// Still needs someone's work: not verified, closed or rejected.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            HazardStatus::Verified | HazardStatus::Closed | HazardStatus::Rejected
        )
    }
}

impl Verdict {
    /// How urgently a check must reach the town office; danger first.
    pub fn urgency(self) -> u8 {
        match self {
            Verdict::Danger => 2,
            Verdict::Abnormal => 1,
            Verdict::Normal => 0,
        }
    }
}

impl Sector {
    /// The seed's examples for each sector, offered as hints when a hazard is
    /// recorded (zh-CN, en).
    pub fn examples(self, lang: Lang) -> &'static [&'static str] {
        let (zh, en): (&[&str], &[&str]) = match self {
            Sector::RoadTraffic => (
                &[
                    "农用车非法载人",
                    "客运车",
                    "校车",
                    "运渣车",
                    "危险品运输车",
                    "摩托车",
                    "电动三轮",
                    "酒驾",
                    "超速",
                    "超载",
                    "疲劳驾驶",
                ],
                &[
                    "Farm vehicle carrying passengers",
                    "Passenger coach",
                    "School bus",
                    "Muck truck",
                    "Dangerous goods vehicle",
                    "Motorcycle",
                    "Electric tricycle",
                    "Drunk driving",
                    "Speeding",
                    "Overloading",
                    "Fatigued driving",
                ],
            ),
            Sector::Fire => (
                &[
                    "人员密集场所",
                    "大型活动",
                    "装饰装修材料",
                    "建筑工地火灾",
                    "夏季用电",
                ],
                &[
                    "Crowded place",
                    "Large event",
                    "Flammable decoration materials",
                    "Fire on a building site",
                    "Summer power use",
                ],
            ),
            Sector::Construction => (
                &["高空坠落", "龙门吊检测", "无资质施工", "防护措施"],
                &[
                    "Falls from height",
                    "Gantry crane inspection",
                    "Building without qualification",
                    "Protective measures",
                ],
            ),
            Sector::HazardousChemicals => (
                &["储存", "运输", "使用", "废弃处置"],
                &["Storage", "Transport", "Use", "Disposal"],
            ),
            Sector::Fireworks => (
                &["非法制售", "零售点储存", "燃放"],
                &[
                    "Illegal making or selling",
                    "Storage at a retail point",
                    "Setting off",
                ],
            ),
            Sector::NonCoalMines => (&["采石场", "边坡"], &["Quarry", "Slope"]),
            Sector::SpecialEquipment => (
                &["锅炉", "压力容器", "液化石油气钢瓶"],
                &["Boiler", "Pressure vessel", "LPG cylinder"],
            ),
            Sector::OccupationalHealth => (
                &["粉尘", "噪声", "职业危害申报"],
                &["Dust", "Noise", "Occupational hazard declaration"],
            ),
            Sector::FoodSafety => (
                &["农村家宴", "四季豆", "野生菌", "药膳", "过期变质食品"],
                &[
                    "Rural banquet",
                    "Green beans",
                    "Wild mushrooms",
                    "Medicinal dishes",
                    "Expired or spoiled food",
                ],
            ),
            Sector::GeologicalWater => (
                &["滑坡体", "水库", "塘坝", "河堤", "深水区", "汛期"],
                &[
                    "Landslide body",
                    "Reservoir",
                    "Pond dam",
                    "River embankment",
                    "Deep water",
                    "Flood season",
                ],
            ),
            Sector::WaterTransport => (&["渡船", "救生衣"], &["Ferry", "Life jackets"]),
            Sector::Gas => (&["燃气泄漏", "软管老化"], &["Gas leak", "Aged hose"]),
            Sector::ForestFire => (
                &["野外用火", "祭祀用火"],
                &["Open fire outdoors", "Fire at graves"],
            ),
            Sector::Electrical => (&["私拉乱接", "线路老化"], &["Unsafe wiring", "Aged wiring"]),
            Sector::CrowdedPlaces => (
                &["安全出口", "疏散通道", "踩踏"],
                &["Emergency exits", "Escape routes", "Crushes"],
            ),
            Sector::Other => (&[], &[]),
        };
        match lang {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_table<K: StableKey + std::fmt::Debug + Serialize>() {
        let mut seen = std::collections::HashSet::new();
        for &k in K::ALL {
            assert!(seen.insert(k.key()), "duplicate key {}", k.key());
            assert_eq!(K::from_key(k.key()).unwrap(), k);
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.key())
            );
            for lang in Lang::ALL {
                assert!(!k.label(lang).is_empty());
            }
            assert!(
                !k.label(Lang::ZhCn).is_ascii(),
                "{:?} zh label is not Chinese",
                k
            );
        }
        let err = K::from_key("nonsense").unwrap_err();
        assert!(err.to_string().contains(K::ALL[0].key()));
    }

    #[test]
    fn every_table_is_complete_and_round_trips() {
        check_table::<Sector>();
        check_table::<HazardLevel>();
        check_table::<HazardStatus>();
        check_table::<PointKind>();
        check_table::<Verdict>();
        check_table::<Role>();
        check_table::<GridLevel>();
        check_table::<TaskKind>();
        check_table::<TaskStatus>();
        check_table::<ChecklistItem>();
        check_table::<ItemResult>();
        check_table::<BannedDish>();
        check_table::<PromiseKind>();
    }

    #[test]
    fn keys_are_the_contract_keys() {
        let keys = |all: &[&str]| all.join(" ");
        assert_eq!(
            keys(&Sector::ALL.iter().map(|k| k.key()).collect::<Vec<_>>()),
            "road_traffic fire construction hazardous_chemicals fireworks non_coal_mines special_equipment occupational_health food_safety geological_water water_transport gas forest_fire electrical crowded_places other"
        );
        assert_eq!(
            keys(
                &HazardStatus::ALL
                    .iter()
                    .map(|k| k.key())
                    .collect::<Vec<_>>()
            ),
            "reported confirmed rectifying rectified verified closed rejected"
        );
        assert_eq!(
            keys(&PointKind::ALL.iter().map(|k| k.key()).collect::<Vec<_>>()),
            "landslide reservoir pond_dam embankment deep_water"
        );
        assert_eq!(
            keys(&Verdict::ALL.iter().map(|k| k.key()).collect::<Vec<_>>()),
            "normal abnormal danger"
        );
        assert_eq!(
            keys(&Role::ALL.iter().map(|k| k.key()).collect::<Vec<_>>()),
            "inspector volunteer office admin"
        );
        assert_eq!(
            keys(&GridLevel::ALL.iter().map(|k| k.key()).collect::<Vec<_>>()),
            "county town village unit"
        );
        assert_eq!(
            keys(&HazardLevel::ALL.iter().map(|k| k.key()).collect::<Vec<_>>()),
            "general major"
        );
    }

    #[test]
    fn sector_examples_match_in_both_languages() {
        for &s in Sector::ALL {
            assert_eq!(
                s.examples(Lang::ZhCn).len(),
                s.examples(Lang::En).len(),
                "{s}"
            );
        }
        assert!(
            Sector::RoadTraffic
                .examples(Lang::ZhCn)
                .contains(&"农用车非法载人")
        );
    }
}
