//! The readings a monitoring-point check takes, per kind of point.
//!
//! These are the items of the paper patrol forms (群测群防 and small-reservoir
//! patrols), offered on the phone as toggles and numbers. Each kind's table
//! says which readings exist, which are required, their units and limits,
//! and their labels; a check's readings are validated against its point's
//! table, and [`suggest_verdict`] proposes a verdict the volunteer confirms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::{Lang, PointKind, Verdict};

/// A reading's value: a number or a yes/no.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum ReadingValue {
    Flag(bool),
    Number(f64),
}

/// A check's readings by key.
pub type Readings = BTreeMap<String, ReadingValue>;

/// What type a reading has.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReadingType {
    /// A measured number within [min, max], in `unit`.
    Number {
        unit: &'static str,
        min: f64,
        max: f64,
    },
    /// A yes/no observation.
    Flag,
}

/// One reading of a kind's form.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
pub struct ReadingSpec {
    pub key: &'static str,
    #[serde(rename = "type")]
    pub ty: ReadingType,
    pub required: bool,
    /// For a flag, the value that is a warning sign (e.g. `true` for
    /// seepage, `false` for "spillway clear").
    pub alarm_when: Option<bool>,
    #[serde(skip)]
    pub zh: &'static str,
    #[serde(skip)]
    pub en: &'static str,
}

impl ReadingSpec {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn => self.zh,
            Lang::En => self.en,
        }
    }
}

const fn num(
    key: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    required: bool,
    zh: &'static str,
    en: &'static str,
) -> ReadingSpec {
    ReadingSpec {
        key,
        ty: ReadingType::Number { unit, min, max },
        required,
        alarm_when: None,
        zh,
        en,
    }
}

const fn flag(
    key: &'static str,
    alarm_when: bool,
    required: bool,
    zh: &'static str,
    en: &'static str,
) -> ReadingSpec {
    ReadingSpec {
        key,
        ty: ReadingType::Flag,
        required,
        alarm_when: Some(alarm_when),
        zh,
        en,
    }
}

const RAIN: ReadingSpec = num(
    "rainfall_24h_mm",
    "mm",
    0.0,
    1000.0,
    false,
    "24小时降雨量",
    "Rainfall in 24 h",
);

const LANDSLIDE: &[ReadingSpec] = &[
    num(
        "crack_width_mm",
        "mm",
        0.0,
        10_000.0,
        true,
        "裂缝宽度",
        "Crack width",
    ),
    num(
        "crack_length_m",
        "m",
        0.0,
        10_000.0,
        false,
        "裂缝长度",
        "Crack length",
    ),
    num(
        "crack_depth_m",
        "m",
        0.0,
        1_000.0,
        false,
        "裂缝深度",
        "Crack depth",
    ),
    flag(
        "new_cracks",
        true,
        true,
        "出现新裂缝(地面或房屋)",
        "New cracks (ground or houses)",
    ),
    flag("bulging", true, true, "鼓胀或下陷", "Bulging or sagging"),
    flag(
        "trees_tilting",
        true,
        false,
        "树木歪斜(醉汉林)",
        "Trees tilting",
    ),
    flag(
        "spring_change",
        true,
        false,
        "泉水井水变浑、新出或干涸",
        "Springs or wells muddy, new or dry",
    ),
    flag("rock_fall", true, false, "小规模落石", "Small rock falls"),
    flag(
        "animals_unusual",
        true,
        false,
        "动物异常",
        "Unusual animal behaviour",
    ),
    RAIN,
];

const RESERVOIR: &[ReadingSpec] = &[
    num(
        "water_level_m",
        "m",
        -100.0,
        9_000.0,
        true,
        "库水位",
        "Water level",
    ),
    num(
        "flood_limit_level_m",
        "m",
        -100.0,
        9_000.0,
        true,
        "汛限水位",
        "Flood-limit level",
    ),
    flag(
        "crest_cracks",
        true,
        false,
        "坝顶裂缝或沉陷",
        "Crest cracks or subsidence",
    ),
    flag("slope_slip", true, false, "坝坡滑坡", "Slope slips"),
    flag("seepage", true, true, "渗水、散浸", "Seepage"),
    flag("piping", true, true, "管涌、冒水冒沙", "Piping or boils"),
    flag(
        "spillway_clear",
        false,
        true,
        "溢洪道畅通",
        "Spillway clear",
    ),
    flag(
        "gates_working",
        false,
        false,
        "放水设施、闸门正常",
        "Outlet works and gates working",
    ),
    RAIN,
];

const EMBANKMENT: &[ReadingSpec] = &[
    flag("cracks", true, true, "裂缝", "Cracks"),
    flag("slump", true, false, "坍塌、滑坡", "Slumps"),
    flag(
        "seepage",
        true,
        true,
        "背水坡渗水",
        "Seepage on the land side",
    ),
    flag("piping", true, true, "管涌", "Piping"),
    flag("toe_scour", true, false, "堤脚冲刷", "Scour at the toe"),
    num(
        "water_level_m",
        "m",
        -100.0,
        9_000.0,
        false,
        "水位",
        "Water level",
    ),
    num(
        "warning_level_m",
        "m",
        -100.0,
        9_000.0,
        false,
        "警戒水位",
        "Warning level",
    ),
];

const DEEP_WATER: &[ReadingSpec] = &[
    flag(
        "warning_sign",
        false,
        true,
        "警示牌完好清晰",
        "Warning sign present and legible",
    ),
    flag(
        "railing_intact",
        false,
        false,
        "护栏或警戒绳完好",
        "Railing or rope intact",
    ),
    flag(
        "rescue_ring",
        false,
        false,
        "救生圈在位",
        "Rescue ring in place",
    ),
];

/// The readings form of a kind of point.
pub fn specs(kind: PointKind) -> &'static [ReadingSpec] {
    match kind {
        PointKind::Landslide => LANDSLIDE,
        // A pond dam is patrolled with the small-reservoir form.
        PointKind::Reservoir | PointKind::PondDam => RESERVOIR,
        PointKind::Embankment => EMBANKMENT,
        PointKind::DeepWater => DEEP_WATER,
    }
}

pub fn spec(kind: PointKind, key: &str) -> Option<&'static ReadingSpec> {
    specs(kind).iter().find(|s| s.key == key)
}

/// Every reading key of every kind, once, with its labels (for the label tables).
pub fn all_specs() -> Vec<&'static ReadingSpec> {
    let mut out: Vec<&'static ReadingSpec> = Vec::new();
    for s in [LANDSLIDE, RESERVOIR, EMBANKMENT, DEEP_WATER]
        .into_iter()
        .flatten()
    {
        if !out.iter().any(|o| o.key == s.key) {
            out.push(s);
        }
    }
    out
}

/// Parses `KEY=VALUE` as typed on a command line (`yes/no`, `true/false`,
/// `1/0`, `是/否` for flags).
pub fn parse_reading(kind: PointKind, text: &str) -> Result<(String, ReadingValue), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("reading {text:?} is not KEY=VALUE"))?;
    let key = key.trim();
    let value = value.trim();
    let spec = spec(kind, key).ok_or_else(|| {
        let keys: Vec<_> = specs(kind).iter().map(|s| s.key).collect();
        format!(
            "{key:?} is not a reading of a {} point; expected one of: {}",
            kind_key(kind),
            keys.join(", ")
        )
    })?;
    let parsed = match spec.ty {
        ReadingType::Flag => match value.to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" | "y" | "是" | "有" => ReadingValue::Flag(true),
            "no" | "false" | "0" | "n" | "否" | "无" => ReadingValue::Flag(false),
            _ => return Err(format!("{key} is a yes/no reading; {value:?} is neither")),
        },
        ReadingType::Number { .. } => ReadingValue::Number(
            value
                .parse::<f64>()
                .map_err(|_| format!("{key} is a number; {value:?} is not"))?,
        ),
    };
    Ok((key.to_owned(), parsed))
}

/// Writes a reading as `KEY=VALUE`, the form [`parse_reading`] reads.
pub fn format_reading(key: &str, value: ReadingValue) -> String {
    match value {
        ReadingValue::Flag(true) => format!("{key}=yes"),
        ReadingValue::Flag(false) => format!("{key}=no"),
        // Rust prints the shortest text that reads back to the same number.
        ReadingValue::Number(n) => format!("{key}={n}"),
    }
}

fn kind_key(kind: PointKind) -> &'static str {
    use crate::keys::StableKey;
    kind.key()
}

/// A verdict to propose from the readings, and from the previous check's
/// readings where the trend matters (a crack widening between two checks is
/// the landslide danger signal). The person at the point decides.
pub fn suggest_verdict(
    kind: PointKind,
    readings: &Readings,
    previous: Option<&Readings>,
) -> Verdict {
    let num = |r: &Readings, k: &str| match r.get(k) {
        Some(ReadingValue::Number(n)) => Some(*n),
        _ => None,
    };
    let flag = |k: &str| matches!(readings.get(k), Some(ReadingValue::Flag(true)));
    let alarms = specs(kind)
        .iter()
        .filter(|s| matches!((s.alarm_when, readings.get(s.key)), (Some(a), Some(ReadingValue::Flag(v))) if a == *v))
        .count();
    let mut verdict = if alarms > 0 {
        Verdict::Abnormal
    } else {
        Verdict::Normal
    };
    match kind {
        PointKind::Landslide => {
            let widening = match (
                num(readings, "crack_width_mm"),
                previous.and_then(|p| num(p, "crack_width_mm")),
            ) {
                (Some(now), Some(before)) => now > before,
                _ => false,
            };
            if widening && (flag("new_cracks") || flag("bulging")) {
                verdict = Verdict::Danger;
            } else if widening {
                verdict = verdict.max_urgency(Verdict::Abnormal);
            }
        }
        PointKind::Reservoir | PointKind::PondDam => {
            if flag("piping") {
                verdict = Verdict::Danger;
            }
            if let (Some(level), Some(limit)) = (
                num(readings, "water_level_m"),
                num(readings, "flood_limit_level_m"),
            ) && level > limit
            {
                verdict = verdict.max_urgency(Verdict::Abnormal);
            }
        }
        PointKind::Embankment => {
            if flag("piping") {
                verdict = Verdict::Danger;
            }
            if let (Some(level), Some(warn)) = (
                num(readings, "water_level_m"),
                num(readings, "warning_level_m"),
            ) && level > warn
            {
                verdict = verdict.max_urgency(Verdict::Abnormal);
            }
        }
        PointKind::DeepWater => {}
    }
    verdict
}

impl Verdict {
    /// The more urgent of two verdicts.
    pub fn max_urgency(self, other: Verdict) -> Verdict {
        if other.urgency() > self.urgency() {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::StableKey;

    fn r(pairs: &[(&str, ReadingValue)]) -> Readings {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }
    use ReadingValue::{Flag as F, Number as N};

    #[test]
    fn every_kind_has_the_readings_the_forms_require() {
        let required = |k: PointKind| {
            specs(k)
                .iter()
                .filter(|s| s.required)
                .map(|s| s.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            required(PointKind::Landslide),
            ["crack_width_mm", "new_cracks", "bulging"]
        );
        assert_eq!(
            required(PointKind::Reservoir),
            [
                "water_level_m",
                "flood_limit_level_m",
                "seepage",
                "piping",
                "spillway_clear"
            ]
        );
        assert_eq!(required(PointKind::PondDam), required(PointKind::Reservoir));
        assert_eq!(
            required(PointKind::Embankment),
            ["cracks", "seepage", "piping"]
        );
        assert_eq!(required(PointKind::DeepWater), ["warning_sign"]);
        for &k in PointKind::ALL {
            for s in specs(k) {
                assert!(!s.zh.is_empty() && !s.en.is_empty());
            }
        }
    }

    #[test]
    fn same_key_means_the_same_thing_everywhere() {
        // The label tables hold one label per key, so a key shared by two
        // kinds must have one type (labels may differ by kind in wording only
        // through a separate key).
        for a in all_specs() {
            for &k in PointKind::ALL {
                if let Some(b) = spec(k, a.key) {
                    assert_eq!(
                        std::mem::discriminant(&a.ty),
                        std::mem::discriminant(&b.ty),
                        "{}",
                        a.key
                    );
                }
            }
        }
    }

    #[test]
    fn parses_cli_readings() {
        assert_eq!(
            parse_reading(PointKind::Landslide, "crack_width_mm=3.5")
                .unwrap()
                .1,
            N(3.5)
        );
        assert_eq!(
            parse_reading(PointKind::Reservoir, "piping=否").unwrap().1,
            F(false)
        );
        assert_eq!(
            parse_reading(PointKind::DeepWater, "warning_sign=yes")
                .unwrap()
                .1,
            F(true)
        );
        let err = parse_reading(PointKind::DeepWater, "crack_width_mm=3").unwrap_err();
        assert!(err.contains("warning_sign"), "{err}");
        assert!(parse_reading(PointKind::Landslide, "crack_width_mm=wide").is_err());
        assert!(parse_reading(PointKind::Landslide, "new_cracks=maybe").is_err());
        assert!(parse_reading(PointKind::Landslide, "new_cracks").is_err());
        for (key, value) in [
            ("crack_width_mm", N(0.1 + 0.2)),
            ("new_cracks", F(true)),
            ("bulging", F(false)),
        ] {
            let text = format_reading(key, value);
            assert_eq!(
                parse_reading(PointKind::Landslide, &text).unwrap(),
                (key.to_string(), value),
                "{text}"
            );
        }
    }

    #[test]
    fn suggests_verdicts_like_the_forms() {
        let calm = r(&[
            ("crack_width_mm", N(2.0)),
            ("new_cracks", F(false)),
            ("bulging", F(false)),
        ]);
        assert_eq!(
            suggest_verdict(PointKind::Landslide, &calm, None),
            Verdict::Normal
        );
        let wider = r(&[
            ("crack_width_mm", N(3.0)),
            ("new_cracks", F(false)),
            ("bulging", F(false)),
        ]);
        assert_eq!(
            suggest_verdict(PointKind::Landslide, &wider, Some(&calm)),
            Verdict::Abnormal
        );
        let moving = r(&[
            ("crack_width_mm", N(3.0)),
            ("new_cracks", F(true)),
            ("bulging", F(false)),
        ]);
        assert_eq!(
            suggest_verdict(PointKind::Landslide, &moving, Some(&calm)),
            Verdict::Danger
        );

        let dam = r(&[
            ("water_level_m", N(101.0)),
            ("flood_limit_level_m", N(100.0)),
            ("seepage", F(false)),
            ("piping", F(false)),
            ("spillway_clear", F(true)),
        ]);
        assert_eq!(
            suggest_verdict(PointKind::PondDam, &dam, None),
            Verdict::Abnormal
        );
        let mut piping = dam.clone();
        piping.insert("piping".into(), F(true));
        assert_eq!(
            suggest_verdict(PointKind::Reservoir, &piping, None),
            Verdict::Danger
        );
        let blocked = r(&[("spillway_clear", F(false))]);
        assert_eq!(
            suggest_verdict(PointKind::Reservoir, &blocked, None),
            Verdict::Abnormal
        );

        assert_eq!(
            suggest_verdict(
                PointKind::DeepWater,
                &r(&[("warning_sign", F(false))]),
                None
            ),
            Verdict::Abnormal
        );
        assert_eq!(
            suggest_verdict(PointKind::DeepWater, &r(&[("warning_sign", F(true))]), None),
            Verdict::Normal
        );
    }
}
