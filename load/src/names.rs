//! Chinese place, unit and hazard wording for generated records, in the
//! words a township's safety office uses.

use gridsafe_core::Sector;
use rand::Rng;
use rand::seq::IndexedRandom;

const TOWN_HEADS: &[&str] = &[
    "青石", "柳溪", "龙潭", "白岩", "石桥", "桃源", "金山", "清水", "黄桷", "杨柳", "高峰", "双河",
    "新场", "永兴", "太平", "安乐", "长乐", "仁和", "兴隆", "万福", "凤鸣", "三合", "大兴", "永安",
    "马鞍", "松林", "福田", "红岩", "观音", "天池",
];
const VILLAGE_TAILS: &[&str] = &[
    "坝", "湾", "沟", "坪", "岭", "桥", "塘", "山", "岗", "冲", "堡", "林",
];
const UNIT_KINDS: &[&str] = &[
    "建材有限公司",
    "花炮厂",
    "加油站",
    "中学",
    "小学",
    "采石场",
    "砖厂",
    "养老院",
    "农贸市场",
    "液化气站",
    "幼儿园",
    "卫生院",
    "木材加工厂",
    "超市",
    "酒厂",
    "物流园",
    "水泥厂",
    "饭店",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡",
];
const GIVEN: &[&str] = &[
    "建国", "明", "丽", "刚", "芳", "强", "军", "平", "华", "勇", "敏", "伟", "秀英", "桂兰",
    "志强", "海", "长江", "大山", "小河", "水生",
];

pub fn town(i: usize) -> String {
    let head = TOWN_HEADS[i % TOWN_HEADS.len()];
    match i / TOWN_HEADS.len() {
        0 => format!("{head}镇"),
        n => format!("{head}{}镇", ["", "东", "西", "南", "北"][n % 5]),
    }
}

pub fn village(town: usize, i: usize) -> String {
    let head = TOWN_HEADS[(town * 7 + i * 3) % TOWN_HEADS.len()];
    let tail = VILLAGE_TAILS[(town + i) % VILLAGE_TAILS.len()];
    if i % 9 == 8 {
        format!("{head}{tail}社区")
    } else {
        format!("{head}{tail}村")
    }
}

pub fn unit(village_name: &str, i: usize) -> String {
    let place = village_name.trim_end_matches("社区").trim_end_matches('村');
    format!("{place}{}", UNIT_KINDS[i % UNIT_KINDS.len()])
}

pub fn person(rng: &mut impl Rng) -> String {
    format!(
        "{}{}",
        SURNAMES.choose(rng).expect("names"),
        GIVEN.choose(rng).expect("names")
    )
}

/// What was found, by sector.
fn problems(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::RoadTraffic => &[
            "村道急弯处缺少警示标志",
            "农用车违法载人",
            "临水临崖路段缺少护栏",
            "校车超员",
            "桥梁限载标志缺失",
        ],
        Sector::Fire => &[
            "灭火器过期未更换",
            "消防通道被杂物堵塞",
            "安全出口指示灯损坏",
            "电动自行车楼道内充电",
            "消火栓无水",
        ],
        Sector::Construction => &[
            "脚手架缺少防护网",
            "高处作业未系安全带",
            "基坑边缘未设防护栏杆",
            "无资质施工",
            "施工现场临时用电不规范",
        ],
        Sector::HazardousChemicals => &[
            "危险化学品仓库超量储存",
            "化学品未分类存放",
            "储罐区可燃气体报警器失效",
            "废弃化学品随意堆放",
        ],
        Sector::Fireworks => &[
            "花炮厂成品库超量存放",
            "零售点烟花爆竹与居住场所未分离",
            "非法储存烟花爆竹",
        ],
        Sector::NonCoalMines => &[
            "采石场边坡未分台阶开采",
            "爆破器材管理台账不全",
            "边坡有浮石未清理",
        ],
        Sector::SpecialEquipment => &[
            "龙门吊未经检测投入使用",
            "锅炉操作人员无证上岗",
            "压力容器超期未检",
            "液化石油气钢瓶露天存放",
        ],
        Sector::OccupationalHealth => &[
            "粉尘作业人员未佩戴防尘口罩",
            "噪声岗位未配发耳塞",
            "职业危害未申报",
        ],
        Sector::FoodSafety => &[
            "农村家宴未报备，厨师无健康证",
            "食堂生熟食品混放",
            "过期食品未下架",
        ],
        Sector::GeologicalWater => &[
            "后山排水沟堵塞",
            "滑坡体裂缝加宽",
            "塘坝坝体渗水",
            "河堤护坡垮塌",
        ],
        Sector::WaterTransport => &["渡船乘客未穿救生衣", "自用船非法载客", "渡口缺少安全警示牌"],
        Sector::Gas => &[
            "燃气管道穿越卧室",
            "餐馆未安装燃气泄漏报警器",
            "液化气钢瓶倒置使用",
        ],
        Sector::ForestFire => &["林区野外用火", "林区上坟烧纸", "防火隔离带杂草未清理"],
        Sector::Electrical => &["私拉乱接电线", "配电箱无漏电保护", "电线老化裸露"],
        Sector::CrowdedPlaces => &["疏散通道堵塞", "应急照明损坏", "人员超员未限流"],
        Sector::Other => &["安全警示标志缺失", "安全管理制度不健全"],
    }
}

pub fn description(rng: &mut impl Rng, sector: Sector) -> String {
    problems(sector).choose(rng).expect("wording").to_string()
}

/// Sectors weighted roughly as a rural township's hazards fall.
pub fn sector(rng: &mut impl Rng) -> Sector {
    const WEIGHTED: &[(Sector, u32)] = &[
        (Sector::RoadTraffic, 16),
        (Sector::Fire, 18),
        (Sector::Construction, 10),
        (Sector::HazardousChemicals, 3),
        (Sector::Fireworks, 2),
        (Sector::NonCoalMines, 2),
        (Sector::SpecialEquipment, 4),
        (Sector::OccupationalHealth, 3),
        (Sector::FoodSafety, 6),
        (Sector::GeologicalWater, 8),
        (Sector::WaterTransport, 2),
        (Sector::Gas, 7),
        (Sector::ForestFire, 5),
        (Sector::Electrical, 9),
        (Sector::CrowdedPlaces, 3),
        (Sector::Other, 2),
    ];
    let total: u32 = WEIGHTED.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (s, w) in WEIGHTED {
        if pick < *w {
            return *s;
        }
        pick -= w;
    }
    Sector::Other
}
