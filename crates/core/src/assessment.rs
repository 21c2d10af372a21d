//! Assessment (考核): the yearly and half-yearly grading of each grid.
//!
//! "安全生产履职考核实行量化计分考核": a grid starts from a base score (100),
//! loses points for each fact the rubric (考核细则, re-issued every year, so
//! configuration and not code) names, each deduction up to its cap, and is
//! graded by bands (≥ 90 优秀, 80–89 良好, 70–79 合格, < 70 不合格). A one-vote
//! veto (一票否决) makes it 不合格 whatever its score.
//!
//! Everything here is pure: the server gathers the records of a period
//! ([`Records`]), and [`assess`] turns them, with a [`Rubric`] and the grid
//! tree, into scores whose every deduction lists the records behind it. The
//! periods the contract names (`2026`, `2026-H1`, `2026-Q3`) are [`Period`].

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::calendar::{day_start, local_day};
use crate::grid::GridTree;
use crate::ids::GridCode;
use crate::keys::{GridLevel, Lang, Sector, StableKey};

// ---------------------------------------------------------------- periods

/// Which part of a year a period covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodPart {
    Year,
    /// First (1) or second (2) half.
    Half(u8),
    /// Quarter 1 to 4.
    Quarter(u8),
}

/// A period as the contract spells it: `2026`, `2026-H1`/`H2`, `2026-Q1`…`Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub year: i32,
    pub part: PeriodPart,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "period {0:?} is not a year (2026), a half (2026-H1, 2026-H2) or a quarter (2026-Q1 … 2026-Q4)"
)]
pub struct PeriodError(pub String);

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError(s.chars().take(32).collect());
        let s2 = s.trim();
        let (year, part) = match s2.split_once('-') {
            Some((y, p)) => (y, Some(p)),
            None => (s2, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let part = match part {
            None => PeriodPart::Year,
            Some("H1") => PeriodPart::Half(1),
            Some("H2") => PeriodPart::Half(2),
            Some("Q1") => PeriodPart::Quarter(1),
            Some("Q2") => PeriodPart::Quarter(2),
            Some("Q3") => PeriodPart::Quarter(3),
            Some("Q4") => PeriodPart::Quarter(4),
            _ => return Err(bad()),
        };
        Ok(Period { year, part })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part {
            PeriodPart::Year => write!(f, "{}", self.year),
            PeriodPart::Half(h) => write!(f, "{}-H{h}", self.year),
            PeriodPart::Quarter(q) => write!(f, "{}-Q{q}", self.year),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

fn month_end(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_next
        .expect("a valid month")
        .pred_opt()
        .expect("a day before")
}

impl Period {
    fn months(self) -> (u32, u32) {
        match self.part {
            PeriodPart::Year => (1, 12),
            PeriodPart::Half(h) => (6 * h as u32 - 5, 6 * h as u32),
            PeriodPart::Quarter(q) => (3 * q as u32 - 2, 3 * q as u32),
        }
    }

    /// The first day, inclusive.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.months().0, 1).expect("a valid year")
    }

    /// The last day, inclusive.
    pub fn last_day(self) -> NaiveDate {
        month_end(self.year, self.months().1)
    }

    /// The quarters the period covers, in order.
    pub fn quarters(self) -> Vec<Period> {
        let (m1, m2) = self.months();
        (m1.div_ceil(3)..=m2 / 3)
            .map(|q| Period {
                year: self.year,
                part: PeriodPart::Quarter(q as u8),
            })
            .collect()
    }

    /// 2026年上半年, 2026年度, 2026年第三季度; 2026 H1, 2026, 2026 Q3.
    pub fn label(self, lang: Lang) -> String {
        let y = self.year;
        match (lang, self.part) {
            (Lang::ZhCn, PeriodPart::Year) => format!("{y}年度"),
            (Lang::ZhCn, PeriodPart::Half(1)) => format!("{y}年上半年"),
            (Lang::ZhCn, PeriodPart::Half(_)) => format!("{y}年下半年"),
            (Lang::ZhCn, PeriodPart::Quarter(q)) => {
                format!(
                    "{y}年第{}季度",
                    ["一", "二", "三", "四"][(q as usize - 1).min(3)]
                )
            }
            (Lang::En, PeriodPart::Year) => format!("{y}"),
            (Lang::En, PeriodPart::Half(h)) => format!("{y} H{h}"),
            (Lang::En, PeriodPart::Quarter(q)) => format!("{y} Q{q}"),
        }
    }

    /// The day the duty report (履职报告) for this period is due: 5 July for
    /// the first half, 5 January of the next year for the second half and
    /// the year; a quarter's report goes with its half's.
    pub fn duty_report_due(self) -> NaiveDate {
        let first_half = match self.part {
            PeriodPart::Year => false,
            PeriodPart::Half(h) => h == 1,
            PeriodPart::Quarter(q) => q <= 2,
        };
        if first_half {
            NaiveDate::from_ymd_opt(self.year, 7, 5).expect("5 July")
        } else {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 5).expect("5 January")
        }
    }
}

/// The duty report to remind of on this day: from 15 June to 5 July the
/// half-year report (its period, its due day), from 15 December to
/// 5 January the annual one; otherwise none.
pub fn duty_report_reminder(today: NaiveDate) -> Option<(Period, NaiveDate)> {
    let (y, m, d) = (today.year(), today.month(), today.day());
    let period = match (m, d) {
        (6, 15..) | (7, ..=5) => Period {
            year: y,
            part: PeriodPart::Half(1),
        },
        (12, 15..) => Period {
            year: y,
            part: PeriodPart::Year,
        },
        (1, ..=5) => Period {
            year: y - 1,
            part: PeriodPart::Year,
        },
        _ => return None,
    };
    Some((period, period.duty_report_due()))
}

// ---------------------------------------------------------------- keys

crate::keys::stable_keys!(
    /// What a rubric deducts points for.
    DeductionKind, "deduction" {
        OverdueHazard = "overdue_hazard", "隐患逾期未整改", "Hazard not rectified by its deadline";
        MajorWithoutFive = "major_without_five", "重大隐患未落实“五到位”", "Major hazard without the five in place";
        MissedQuarterlyCheck = "missed_quarterly_check", "季度安全大检查未完成", "Quarterly check not done";
        MissedQuarterlyMeeting = "missed_quarterly_meeting", "村季度安全会议未召开", "Quarterly village safety meeting not held";
        MissedFloodCheck = "missed_flood_check", "汛期危险地段漏巡", "Flood-season point check missed";
        Accident = "accident", "发生生产安全事故", "Accident";
    }
);

crate::keys::stable_keys!(
    /// 考评等次.
    Grade, "grade" {
        Excellent = "excellent", "优秀", "Excellent";
        Good = "good", "良好", "Good";
        Pass = "pass", "合格", "Pass";
        Fail = "fail", "不合格", "Fail";
    }
);

crate::keys::stable_keys!(
    /// 一票否决: the rule a grid failed by.
    VetoRule, "veto_rule" {
        RoadSingle = "road_single", "一次死亡人数达到否决线的道路交通事故", "A road accident with deaths at the veto line";
        RoadRepeat = "road_repeat", "两起以上较大道路交通事故", "Two or more serious road accidents";
        OtherSingle = "other_single", "一次死亡人数达到否决线的道路交通以外事故", "An accident outside road traffic with deaths at the veto line";
        OtherRepeat = "other_repeat", "两起以上道路交通以外较大事故", "Two or more serious accidents outside road traffic";
        BadImpact = "bad_impact", "社会影响特别恶劣的事故", "An accident of especially bad social impact";
    }
);

// ---------------------------------------------------------------- the rubric

/// The 考核细则 of a year, as the office writes it in TOML (see the default
/// rubric the server ships, documented line by line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// The score a grid starts from.
    #[serde(default = "default_base")]
    pub base: f64,
    pub bands: Bands,
    #[serde(default)]
    pub flood_season: FloodSeason,
    #[serde(rename = "deduction", default)]
    pub deductions: Vec<DeductionRule>,
    pub veto: VetoRules,
}

fn default_base() -> f64 {
    100.0
}

/// The lowest score of each grade; below `pass` is 不合格.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    pub excellent: f64,
    pub good: f64,
    pub pass: f64,
}

/// The flood season (汛期) as month-day, both ends included. The
/// `missed_flood_check` deduction counts the checks the monitoring points
/// missed inside it, each point at its own interval (see [`PointFact`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodSeason {
    /// `MM-DD`, e.g. `06-01`.
    pub from: String,
    pub to: String,
}

impl Default for FloodSeason {
    fn default() -> Self {
        FloodSeason {
            from: "06-01".into(),
            to: "09-30".into(),
        }
    }
}

fn month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.trim().split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

impl FloodSeason {
    /// Whether a day falls in the season.
    pub fn contains(&self, day: NaiveDate) -> bool {
        let (Some(from), Some(to)) = (month_day(&self.from), month_day(&self.to)) else {
            return false;
        };
        let md = (day.month(), day.day());
        from <= md && md <= to
    }

    /// The stretches of `from..=to` (days) inside the season, one per year.
    pub fn windows(&self, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        let (Some((fm, fd)), Some((tm, td))) = (month_day(&self.from), month_day(&self.to)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for year in from.year()..=to.year() {
            // 02-29 in a year without it is the last day of February.
            let day = |m: u32, d: u32| {
                NaiveDate::from_ymd_opt(year, m, d).unwrap_or_else(|| month_end(year, m))
            };
            let (a, b) = (day(fm, fd).max(from), day(tm, td).min(to));
            if a <= b {
                out.push((a, b));
            }
        }
        out
    }
}

/// Points off per fact of one kind, up to a cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductionRule {
    pub kind: DeductionKind,
    /// Points off for each fact.
    pub points: f64,
    /// At most this many points off for the kind (none: no cap).
    #[serde(default)]
    pub cap: Option<f64>,
}

/// The one-vote veto lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VetoRules {
    /// One road accident with at least this many deaths.
    pub road_single_deaths: u32,
    /// `road_repeat_count` road accidents, each with at least `road_repeat_deaths`.
    pub road_repeat_deaths: u32,
    pub road_repeat_count: u32,
    /// Outside road traffic: one accident with at least this many deaths…
    pub other_single_deaths: u32,
    /// …or `other_repeat_count` with at least `other_repeat_deaths` each.
    pub other_repeat_deaths: u32,
    pub other_repeat_count: u32,
    /// Whether an accident flagged as of especially bad social impact vetoes.
    pub bad_social_impact: bool,
}

/// A rubric that cannot be used, with what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RubricError {
    #[error("the rubric is not valid TOML or has an unknown or missing field: {0}")]
    Syntax(String),
    #[error(
        "the grade bands must fall from excellent to pass within 0 and the base score: excellent ≥ good ≥ pass"
    )]
    Bands,
    #[error("deduction {0} is listed twice; keep one line per kind")]
    DuplicateKind(String),
    #[error("deduction {0} has negative points or a negative cap")]
    Negative(String),
    #[error(
        "the flood season must be two month-days like 06-01 and 09-30, the first not after the second"
    )]
    FloodSeason,
    #[error("the base score must be above 0")]
    Base,
}

impl Rubric {
    /// Reads and checks a rubric.
    pub fn from_toml(text: &str) -> Result<Rubric, RubricError> {
        let r: Rubric =
            toml::from_str(text).map_err(|e| RubricError::Syntax(e.message().to_owned()))?;
        r.check()?;
        Ok(r)
    }

    fn check(&self) -> Result<(), RubricError> {
        if !(self.base.is_finite() && self.base > 0.0) {
            return Err(RubricError::Base);
        }
        let b = &self.bands;
        if !(b.excellent <= self.base && b.excellent >= b.good && b.good >= b.pass && b.pass >= 0.0)
        {
            return Err(RubricError::Bands);
        }
        let mut seen = BTreeSet::new();
        for d in &self.deductions {
            if !seen.insert(d.kind) {
                return Err(RubricError::DuplicateKind(d.kind.key().into()));
            }
            if !(d.points.is_finite() && d.points >= 0.0)
                || d.cap.is_some_and(|c| c.is_nan() || c < 0.0)
            {
                return Err(RubricError::Negative(d.kind.key().into()));
            }
        }
        match (
            month_day(&self.flood_season.from),
            month_day(&self.flood_season.to),
        ) {
            (Some(a), Some(b)) if a <= b => Ok(()),
            _ => Err(RubricError::FloodSeason),
        }
    }

    /// The grade a score earns (without a veto).
    pub fn grade(&self, score: f64) -> Grade {
        let b = &self.bands;
        if score >= b.excellent {
            Grade::Excellent
        } else if score >= b.good {
            Grade::Good
        } else if score >= b.pass {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }
}

// ---------------------------------------------------------------- the records

/// A hazard as the assessment sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct HazardFact {
    pub id: String,
    pub grid: GridCode,
    pub deadline: Option<NaiveDate>,
    /// The day it was rectified (or otherwise closed), if it was.
    pub rectified_on: Option<NaiveDate>,
    /// A major hazard, still open, without the full 五到位.
    pub lacks_five_in_place: bool,
}

/// One target of a planned check task (e.g. a unit in a quarterly big check).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckTarget {
    pub task: String,
    /// The target's grid (the task's when the target is not a grid).
    pub grid: GridCode,
    pub target: String,
    pub due: NaiveDate,
    pub covered_on: Option<NaiveDate>,
}

/// A safety meeting (安全会议).
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFact {
    pub id: String,
    pub grid: GridCode,
    pub held_on: NaiveDate,
}

/// A monitoring point, its checks and the interval they are due at (the
/// point's flood-season duty interval, else the town's: 24 hours while the
/// server's flood-season switch is on, otherwise every few days; see
/// [`crate::point::point_interval`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PointFact {
    pub point: String,
    pub grid: GridCode,
    /// The point's checks (at least those of the period asked about).
    pub checks: Vec<DateTime<Utc>>,
    pub interval: Duration,
}

impl PointFact {
    /// The checks the point missed on the days `from..=to` up to `now`, as
    /// the instants they fell due ([`crate::point::missed_checks`]).
    pub fn missed(&self, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        crate::point::missed_checks(
            &self.checks,
            self.interval,
            day_start(from),
            day_start(to + Duration::days(1)),
            now,
        )
    }

    /// Of those, the ones inside the flood season: the season's days within
    /// `from..=to` are each a window of their own.
    pub fn missed_in_flood_season(
        &self,
        season: &FloodSeason,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        season
            .windows(from, to)
            .into_iter()
            .flat_map(|(a, b)| self.missed(a, b, now))
            .collect()
    }
}

/// An accident (事故).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AccidentFact {
    pub id: String,
    #[ts(type = "string")]
    pub grid: GridCode,
    pub sector: Sector,
    pub occurred_on: NaiveDate,
    pub deaths: u32,
    pub injuries: u32,
    pub bad_social_impact: bool,
}

/// Everything of a period the assessment reads, for all grids.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub hazards: Vec<HazardFact>,
    pub check_targets: Vec<CheckTarget>,
    pub meetings: Vec<MeetingFact>,
    pub points: Vec<PointFact>,
    pub accidents: Vec<AccidentFact>,
    /// Kinds this server holds no records for (their table is not there):
    /// they deduct nothing rather than everything.
    pub unrecorded: BTreeSet<DeductionKind>,
}

// ---------------------------------------------------------------- the result

/// Points off for one kind of fact, with the records that caused them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Deduction {
    pub kind: DeductionKind,
    pub count: u32,
    pub points_each: f64,
    /// Points off, after the cap.
    pub points: f64,
    pub cap: Option<f64>,
    pub capped: bool,
    /// The ids of the records behind it (a hazard id, `task/target`,
    /// `village 2026-Q2`, `point 2026-07-03`, an accident id).
    pub records: Vec<String>,
}

/// A one-vote veto and the accidents that caused it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Veto {
    pub rule: VetoRule,
    pub accidents: Vec<AccidentFact>,
}

/// A grid's assessment for a period.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct GridAssessment {
    #[ts(type = "string")]
    pub grid: GridCode,
    pub name: String,
    pub level: GridLevel,
    pub score: f64,
    pub grade: Grade,
    pub deductions: Vec<Deduction>,
    pub veto: Option<Veto>,
    /// Place among its siblings (1 = best), when ranked.
    pub rank: Option<u32>,
}

// ---------------------------------------------------------------- scoring

/// The facts of one kind found in a grid's subtree, as record ids.
fn facts(
    kind: DeductionKind,
    tree: &GridTree,
    grid: &GridCode,
    period: Period,
    now: DateTime<Utc>,
    rubric: &Rubric,
    records: &Records,
) -> Vec<String> {
    let (from, to) = (period.first_day(), period.last_day());
    let as_of = local_day(now);
    let within = |g: &GridCode| tree.is_within(g, grid);
    // Only what has come due before the day of assessment counts.
    let due = |d: NaiveDate| from <= d && d <= to && d < as_of;
    match kind {
        DeductionKind::OverdueHazard => records
            .hazards
            .iter()
            .filter(|h| within(&h.grid))
            .filter(|h| {
                h.deadline
                    .is_some_and(|d| due(d) && h.rectified_on.is_none_or(|r| r > d))
            })
            .map(|h| h.id.clone())
            .collect(),
        DeductionKind::MajorWithoutFive => records
            .hazards
            .iter()
            .filter(|h| within(&h.grid) && h.lacks_five_in_place)
            .map(|h| h.id.clone())
            .collect(),
        DeductionKind::MissedQuarterlyCheck => records
            .check_targets
            .iter()
            .filter(|t| within(&t.grid) && due(t.due) && t.covered_on.is_none_or(|c| c > t.due))
            .map(|t| format!("{}/{}", t.task, t.target))
            .collect(),
        DeductionKind::MissedQuarterlyMeeting => {
            // Each village holds at least one meeting a quarter (会议纪录).
            let mut out = Vec::new();
            for village in tree
                .subtree(grid)
                .into_iter()
                .filter(|n| n.level == GridLevel::Village)
            {
                for q in period.quarters() {
                    if q.last_day() >= as_of {
                        continue;
                    }
                    let held = records.meetings.iter().any(|m| {
                        tree.is_within(&m.grid, &village.code)
                            && q.first_day() <= m.held_on
                            && m.held_on <= q.last_day()
                    });
                    if !held {
                        out.push(format!("{} {q}", village.code));
                    }
                }
            }
            out
        }
        DeductionKind::MissedFloodCheck => {
            // The checks due inside the season and missed, up to now.
            let mut out = Vec::new();
            for p in records.points.iter().filter(|p| within(&p.grid)) {
                for due in p.missed_in_flood_season(&rubric.flood_season, from, to, now) {
                    let local = due + Duration::hours(8);
                    out.push(format!("{} {}", p.point, local.format("%Y-%m-%d %H:%M")));
                }
            }
            out
        }
        DeductionKind::Accident => accidents_in(tree, grid, period, records)
            .map(|a| a.id.clone())
            .collect(),
    }
}

fn accidents_in<'a>(
    tree: &'a GridTree,
    grid: &'a GridCode,
    period: Period,
    records: &'a Records,
) -> impl Iterator<Item = &'a AccidentFact> {
    let (from, to) = (period.first_day(), period.last_day());
    records.accidents.iter().filter(move |a| {
        tree.is_within(&a.grid, grid) && from <= a.occurred_on && a.occurred_on <= to
    })
}

/// The first veto rule the accidents meet, with the accidents that meet it.
pub fn veto(rules: &VetoRules, accidents: &[&AccidentFact]) -> Option<Veto> {
    let is_road = |a: &AccidentFact| a.sector == Sector::RoadTraffic;
    let pick = |f: &dyn Fn(&AccidentFact) -> bool| -> Vec<AccidentFact> {
        accidents
            .iter()
            .filter(|a| f(a))
            .map(|a| (*a).clone())
            .collect()
    };
    let single = |road: bool, deaths: u32| {
        pick(&|a: &AccidentFact| is_road(a) == road && a.deaths >= deaths.max(1))
    };
    let checks: [(VetoRule, Vec<AccidentFact>, usize); 5] = [
        (
            VetoRule::RoadSingle,
            single(true, rules.road_single_deaths),
            1,
        ),
        (
            VetoRule::RoadRepeat,
            single(true, rules.road_repeat_deaths),
            rules.road_repeat_count.max(1) as usize,
        ),
        (
            VetoRule::OtherSingle,
            single(false, rules.other_single_deaths),
            1,
        ),
        (
            VetoRule::OtherRepeat,
            single(false, rules.other_repeat_deaths),
            rules.other_repeat_count.max(1) as usize,
        ),
        (
            VetoRule::BadImpact,
            if rules.bad_social_impact {
                pick(&|a: &AccidentFact| a.bad_social_impact)
            } else {
                Vec::new()
            },
            1,
        ),
    ];
    checks
        .into_iter()
        .find(|(_, hits, n)| hits.len() >= *n)
        .map(|(rule, accidents, _)| Veto { rule, accidents })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A grid's score for a period from everything recorded in its subtree.
/// `now` is the moment of assessment: quarters and deadlines count once
/// their day is before its (Beijing) day, missed checks once they fell due.
pub fn assess(
    rubric: &Rubric,
    tree: &GridTree,
    period: Period,
    now: DateTime<Utc>,
    records: &Records,
    grid: &GridCode,
) -> Option<GridAssessment> {
    let node = tree.get(grid)?;
    let mut deductions = Vec::new();
    let mut off = 0.0;
    for rule in &rubric.deductions {
        if records.unrecorded.contains(&rule.kind) {
            continue;
        }
        let ids = facts(rule.kind, tree, grid, period, now, rubric, records);
        if ids.is_empty() {
            continue;
        }
        let raw = rule.points * ids.len() as f64;
        let points = rule.cap.map_or(raw, |c| raw.min(c));
        off += points;
        deductions.push(Deduction {
            kind: rule.kind,
            count: ids.len() as u32,
            points_each: rule.points,
            points: round1(points),
            cap: rule.cap,
            capped: points < raw,
            records: ids,
        });
    }
    let score = round1((rubric.base - off).max(0.0));
    let accidents: Vec<&AccidentFact> = accidents_in(tree, grid, period, records).collect();
    let veto = veto(&rubric.veto, &accidents);
    let grade = if veto.is_some() {
        Grade::Fail
    } else {
        rubric.grade(score)
    };
    Some(GridAssessment {
        grid: grid.clone(),
        name: node.name.clone(),
        level: node.level,
        score,
        grade,
        deductions,
        veto,
        rank: None,
    })
}

/// Ranks grids best first: vetoed grids last, then by score, then by code.
pub fn rank(grids: &mut [GridAssessment]) {
    grids.sort_by(|a, b| {
        a.veto
            .is_some()
            .cmp(&b.veto.is_some())
            .then(b.score.total_cmp(&a.score))
            .then(a.grid.cmp(&b.grid))
    });
    for (i, g) in grids.iter_mut().enumerate() {
        g.rank = Some(i as u32 + 1);
    }
}

/// A grid and its children, the children ranked.
pub fn assess_with_children(
    rubric: &Rubric,
    tree: &GridTree,
    period: Period,
    now: DateTime<Utc>,
    records: &Records,
    grid: &GridCode,
) -> Option<(GridAssessment, Vec<GridAssessment>)> {
    let own = assess(rubric, tree, period, now, records, grid)?;
    let mut children: Vec<GridAssessment> = tree
        .children(grid)
        .filter_map(|c| assess(rubric, tree, period, now, records, &c.code))
        .collect();
    rank(&mut children);
    Some((own, children))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::GridNode;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn g(s: &str) -> GridCode {
        s.parse().unwrap()
    }

    /// The moment a Beijing day begins.
    fn at(y: i32, m: u32, day: u32) -> DateTime<Utc> {
        day_start(d(y, m, day))
    }

    const RUBRIC: &str = r#"
        base = 100
        [bands]
        excellent = 90
        good = 80
        pass = 70
        [flood_season]
        from = "06-01"
        to = "09-30"
        [[deduction]]
        kind = "overdue_hazard"
        points = 2
        cap = 6
        [[deduction]]
        kind = "major_without_five"
        points = 5
        [[deduction]]
        kind = "missed_quarterly_meeting"
        points = 1
        cap = 4
        [[deduction]]
        kind = "missed_quarterly_check"
        points = 1
        [[deduction]]
        kind = "missed_flood_check"
        points = 0.5
        cap = 5
        [[deduction]]
        kind = "accident"
        points = 3
        [veto]
        road_single_deaths = 10
        road_repeat_deaths = 5
        road_repeat_count = 2
        other_single_deaths = 5
        other_repeat_deaths = 3
        other_repeat_count = 2
        bad_social_impact = true
    "#;

    /// T1 with villages V1, V2 (V1 has unit U1).
    fn tree() -> GridTree {
        let n = |code: &str, parent: Option<&str>, level| GridNode {
            code: g(code),
            name: format!("{code}名"),
            parent: parent.map(g),
            level,
            responsible: None,
        };
        GridTree::new(vec![
            n("T1", None, GridLevel::Town),
            n("V1", Some("T1"), GridLevel::Village),
            n("V2", Some("T1"), GridLevel::Village),
            n("U1", Some("V1"), GridLevel::Unit),
        ])
        .unwrap()
    }

    fn hazard(
        id: &str,
        grid: &str,
        deadline: NaiveDate,
        rectified: Option<NaiveDate>,
    ) -> HazardFact {
        HazardFact {
            id: id.into(),
            grid: g(grid),
            deadline: Some(deadline),
            rectified_on: rectified,
            lacks_five_in_place: false,
        }
    }

    fn meetings_every_quarter(records: &mut Records, year: i32) {
        for v in ["V1", "V2"] {
            for m in [2, 5, 8, 11] {
                records.meetings.push(MeetingFact {
                    id: format!("m-{v}-{m}"),
                    grid: g(v),
                    held_on: d(year, m, 10),
                });
            }
        }
    }

    fn accident(id: &str, grid: &str, sector: Sector, deaths: u32) -> AccidentFact {
        AccidentFact {
            id: id.into(),
            grid: g(grid),
            sector,
            occurred_on: d(2026, 3, 1),
            deaths,
            injuries: 0,
            bad_social_impact: false,
        }
    }

    #[test]
    fn periods_parse_and_span_their_days() {
        let p: Period = "2026-H1".parse().unwrap();
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d(2026, 1, 1), d(2026, 6, 30))
        );
        let p: Period = "2026".parse().unwrap();
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        assert_eq!(p.quarters().len(), 4);
        let p: Period = "2026-Q4".parse().unwrap();
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        let p: Period = "2028-Q1".parse().unwrap();
        assert_eq!(p.last_day(), d(2028, 3, 31));
        let h2: Period = "2026-H2".parse().unwrap();
        assert_eq!(
            h2.quarters(),
            vec!["2026-Q3".parse().unwrap(), "2026-Q4".parse().unwrap()]
        );
        for bad in ["2026-Q5", "soon", "26", "2026-H", "2026-h1", ""] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!("2026-Q3".parse::<Period>().unwrap().to_string(), "2026-Q3");
        assert_eq!(
            "2026-H1".parse::<Period>().unwrap().label(Lang::ZhCn),
            "2026年上半年"
        );
        assert_eq!(
            "2026-Q3".parse::<Period>().unwrap().label(Lang::ZhCn),
            "2026年第三季度"
        );
    }

    #[test]
    fn duty_reports_are_due_on_5_july_and_5_january() {
        let h1: Period = "2026-H1".parse().unwrap();
        assert_eq!(h1.duty_report_due(), d(2026, 7, 5));
        assert_eq!(
            "2026".parse::<Period>().unwrap().duty_report_due(),
            d(2027, 1, 5)
        );
        assert_eq!(duty_report_reminder(d(2026, 6, 14)), None);
        assert_eq!(
            duty_report_reminder(d(2026, 6, 15)),
            Some((h1, d(2026, 7, 5)))
        );
        assert_eq!(
            duty_report_reminder(d(2026, 7, 5)),
            Some((h1, d(2026, 7, 5)))
        );
        assert_eq!(duty_report_reminder(d(2026, 7, 6)), None);
        let y: Period = "2026".parse().unwrap();
        assert_eq!(
            duty_report_reminder(d(2026, 12, 20)),
            Some((y, d(2027, 1, 5)))
        );
        assert_eq!(
            duty_report_reminder(d(2027, 1, 5)),
            Some((y, d(2027, 1, 5)))
        );
        assert_eq!(duty_report_reminder(d(2027, 1, 6)), None);
    }

    #[test]
    fn rubric_refuses_what_cannot_be_scored() {
        assert!(Rubric::from_toml(RUBRIC).is_ok());
        let bands = RUBRIC.replace("good = 80", "good = 95");
        assert_eq!(Rubric::from_toml(&bands), Err(RubricError::Bands));
        let twice = format!("{RUBRIC}\n[[deduction]]\nkind = \"accident\"\npoints = 1\n");
        assert_eq!(
            Rubric::from_toml(&twice),
            Err(RubricError::DuplicateKind("accident".into()))
        );
        let unknown = RUBRIC.replace("\"accident\"", "\"late_coffee\"");
        assert!(matches!(
            Rubric::from_toml(&unknown),
            Err(RubricError::Syntax(_))
        ));
        let season = RUBRIC.replace("\"09-30\"", "\"13-01\"");
        assert_eq!(Rubric::from_toml(&season), Err(RubricError::FloodSeason));
    }

    /// The worked example: the first half of 2026, assessed on 10 July.
    /// V1 has four overdue hazards (one in its unit U1, one rectified late)
    /// and one rectified in time; V2 missed both quarters' meetings and has
    /// a major hazard without the 五到位. The town counts everything below it.
    #[test]
    fn worked_example_with_a_cap() {
        let rubric = Rubric::from_toml(RUBRIC).unwrap();
        let tree = tree();
        let period: Period = "2026-H1".parse().unwrap();
        let mut r = Records::default();
        meetings_every_quarter(&mut r, 2026);
        r.meetings.retain(|m| m.id != "m-V2-5" && m.id != "m-V2-2");
        r.hazards.push(hazard("h1", "V1", d(2026, 3, 1), None));
        r.hazards
            .push(hazard("h2", "V1", d(2026, 3, 1), Some(d(2026, 3, 5))));
        r.hazards.push(hazard("h3", "U1", d(2026, 4, 1), None));
        r.hazards.push(hazard("h4", "V1", d(2026, 5, 1), None));
        r.hazards
            .push(hazard("ok", "V1", d(2026, 5, 1), Some(d(2026, 5, 1))));
        // Due after the period: not this period's.
        r.hazards.push(hazard("later", "V1", d(2026, 8, 1), None));
        r.hazards.push(HazardFact {
            id: "major".into(),
            grid: g("V2"),
            deadline: None,
            rectified_on: None,
            lacks_five_in_place: true,
        });
        let (town, villages) =
            assess_with_children(&rubric, &tree, period, at(2026, 7, 10), &r, &g("T1")).unwrap();

        let v1 = villages.iter().find(|v| v.grid == g("V1")).unwrap();
        assert_eq!(v1.deductions.len(), 1);
        let od = &v1.deductions[0];
        assert_eq!(od.kind, DeductionKind::OverdueHazard);
        assert_eq!(od.records, vec!["h1", "h2", "h3", "h4"]);
        assert_eq!(
            (od.count, od.points, od.capped),
            (4, 6.0, true),
            "4 × 2 capped at 6"
        );
        assert_eq!((v1.score, v1.grade), (94.0, Grade::Excellent));

        let v2 = villages.iter().find(|v| v.grid == g("V2")).unwrap();
        assert_eq!(v2.score, 100.0 - 5.0 - 2.0);
        let meeting = v2
            .deductions
            .iter()
            .find(|x| x.kind == DeductionKind::MissedQuarterlyMeeting)
            .unwrap();
        assert_eq!(meeting.records, vec!["V2 2026-Q1", "V2 2026-Q2"]);
        assert_eq!(v2.grade, Grade::Excellent);

        // The town: 6 (capped) + 5 + 2.
        assert_eq!(town.score, 87.0);
        assert_eq!(town.grade, Grade::Good);
        assert!(town.veto.is_none());
        // Ranked best first.
        assert_eq!(villages[0].grid, g("V1"));
        assert_eq!(villages[0].rank, Some(1));
        assert_eq!(villages[1].rank, Some(2));
    }

    #[test]
    fn a_veto_fails_whatever_the_score() {
        let rubric = Rubric::from_toml(RUBRIC).unwrap();
        let tree = tree();
        let period: Period = "2026".parse().unwrap();
        let mut r = Records::default();
        meetings_every_quarter(&mut r, 2026);
        // Two accidents outside road traffic with 3 deaths each: 其他行业 two ≥ 3.
        r.accidents
            .push(accident("a1", "U1", Sector::Construction, 3));
        r.accidents.push(accident("a2", "V2", Sector::Fire, 3));
        // A road accident with 6 deaths alone does not veto (needs 10, or two ≥ 5).
        r.accidents
            .push(accident("a3", "V2", Sector::RoadTraffic, 6));
        let today = at(2027, 1, 10);
        let (town, villages) =
            assess_with_children(&rubric, &tree, period, today, &r, &g("T1")).unwrap();
        let veto = town.veto.as_ref().unwrap();
        assert_eq!(veto.rule, VetoRule::OtherRepeat);
        let ids: Vec<&str> = veto.accidents.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, vec!["a1", "a2"]);
        assert_eq!(town.grade, Grade::Fail);
        assert_eq!(town.score, 91.0, "the score stays, the grade fails");
        // Each village alone has one accident ≥ 3 outside road traffic: no veto.
        let v1 = villages.iter().find(|v| v.grid == g("V1")).unwrap();
        assert!(v1.veto.is_none());
        assert_eq!(v1.score, 97.0);
        assert_eq!(v1.grade, Grade::Excellent);
        let v2 = villages.iter().find(|v| v.grid == g("V2")).unwrap();
        assert!(v2.veto.is_none());

        // One more road accident with 5 deaths: two road ≥ 5 in V2.
        let mut r2 = r.clone();
        r2.accidents
            .push(accident("a4", "V2", Sector::RoadTraffic, 5));
        let v2 = assess(&rubric, &tree, period, today, &r2, &g("V2")).unwrap();
        assert_eq!(v2.veto.as_ref().unwrap().rule, VetoRule::RoadRepeat);
        // A single accident of especially bad social impact.
        let mut r3 = Records::default();
        let mut a = accident("a5", "V2", Sector::Gas, 0);
        a.bad_social_impact = true;
        r3.accidents.push(a);
        let v2 = assess(&rubric, &tree, period, today, &r3, &g("V2")).unwrap();
        assert_eq!(v2.veto.unwrap().rule, VetoRule::BadImpact);
        // Ranked: the vetoed grid last even with a higher score.
        let mut both = vec![
            assess(&rubric, &tree, period, today, &r2, &g("V2")).unwrap(),
            assess(&rubric, &tree, period, today, &r2, &g("V1")).unwrap(),
        ];
        rank(&mut both);
        assert_eq!(both[1].grid, g("V2"));
    }

    #[test]
    fn changing_one_deduction_changes_only_the_affected_scores() {
        let rubric = Rubric::from_toml(RUBRIC).unwrap();
        let tree = tree();
        let period: Period = "2026-H1".parse().unwrap();
        let today = at(2026, 7, 10);
        let mut r = Records::default();
        meetings_every_quarter(&mut r, 2026);
        r.meetings.retain(|m| m.id != "m-V2-5");
        r.hazards.push(hazard("h1", "V1", d(2026, 3, 1), None));
        let before = assess_with_children(&rubric, &tree, period, today, &r, &g("T1")).unwrap();
        let mut dearer = rubric.clone();
        dearer
            .deductions
            .iter_mut()
            .find(|x| x.kind == DeductionKind::MissedQuarterlyMeeting)
            .unwrap()
            .points = 3.0;
        let after = assess_with_children(&dearer, &tree, period, today, &r, &g("T1")).unwrap();
        let score = |set: &(GridAssessment, Vec<GridAssessment>), code: &str| {
            if set.0.grid == g(code) {
                return set.0.score;
            }
            set.1.iter().find(|x| x.grid == g(code)).unwrap().score
        };
        assert_eq!(
            score(&before, "V1"),
            score(&after, "V1"),
            "V1 held every meeting"
        );
        assert_eq!(score(&before, "V2") - 2.0, score(&after, "V2"));
        assert_eq!(score(&before, "T1") - 2.0, score(&after, "T1"));
    }

    #[test]
    fn kinds_without_records_deduct_nothing() {
        let rubric = Rubric::from_toml(RUBRIC).unwrap();
        let mut r = Records::default();
        let period: Period = "2026".parse().unwrap();
        let today = at(2027, 1, 10);
        let t1 = assess(&rubric, &tree(), period, today, &r, &g("T1")).unwrap();
        assert_eq!(
            t1.score, 96.0,
            "two villages × four quarters without a meeting, capped at 4"
        );
        r.unrecorded.insert(DeductionKind::MissedQuarterlyMeeting);
        let t1 = assess(&rubric, &tree(), period, today, &r, &g("T1")).unwrap();
        assert_eq!(t1.score, 100.0);
    }

    /// The worked example of the flood-season deduction: a point checked
    /// daily at 09:00 through June except on the 2nd and the 9th, and once in
    /// May; the season runs from 1 June. At a daily interval the misses are
    /// the checks due on the 2nd and the 9th; the same point at a weekly
    /// interval misses nothing in June.
    #[test]
    fn flood_season_checks_missed_at_the_points_interval() {
        let rubric = Rubric::from_toml(RUBRIC).unwrap();
        let tree = tree();
        let period: Period = "2026-Q2".parse().unwrap();
        let mut r = Records::default();
        meetings_every_quarter(&mut r, 2026);
        let nine = |day: NaiveDate| day_start(day) + Duration::hours(9);
        let mut checks = vec![nine(d(2026, 5, 3))];
        let mut day = d(2026, 6, 1);
        while day <= d(2026, 6, 30) {
            if day != d(2026, 6, 2) && day != d(2026, 6, 9) {
                checks.push(nine(day));
            }
            day += Duration::days(1);
        }
        let mut point = PointFact {
            point: "LS-1".into(),
            grid: g("V1"),
            checks,
            interval: Duration::hours(24),
        };
        r.points.push(point.clone());
        // Assessed on 5 June: only the check due on 2 June has been missed.
        let v1 = assess(&rubric, &tree, period, at(2026, 6, 5), &r, &g("V1")).unwrap();
        assert_eq!(v1.deductions[0].kind, DeductionKind::MissedFloodCheck);
        assert_eq!(v1.deductions[0].records, vec!["LS-1 2026-06-02 09:00"]);
        let v1 = assess(&rubric, &tree, period, at(2026, 7, 5), &r, &g("V1")).unwrap();
        assert_eq!(
            v1.deductions[0].records,
            vec!["LS-1 2026-06-02 09:00", "LS-1 2026-06-09 09:00"]
        );
        assert_eq!(v1.score, 99.0);
        // The same figure as the point's own count for the period's season.
        let season = point.missed_in_flood_season(
            &rubric.flood_season,
            period.first_day(),
            period.last_day(),
            at(2026, 7, 5),
        );
        assert_eq!(season.len(), 2);
        // Its whole-period count also has April and May, checked once.
        let all = point.missed(period.first_day(), period.last_day(), at(2026, 7, 5));
        assert!(all.len() > season.len());
        // Checked weekly, the same June misses nothing.
        point.interval = Duration::days(7);
        r.points = vec![point];
        let v1 = assess(&rubric, &tree, period, at(2026, 7, 5), &r, &g("V1")).unwrap();
        assert!(v1.deductions.is_empty(), "{:?}", v1.deductions);
        assert_eq!(v1.score, 100.0);
        // The season's days of a period: one stretch a year, clipped.
        let season = &rubric.flood_season;
        assert_eq!(
            season.windows(d(2026, 1, 1), d(2026, 12, 31)),
            vec![(d(2026, 6, 1), d(2026, 9, 30))]
        );
        assert_eq!(
            season.windows(d(2026, 7, 1), d(2027, 6, 10)),
            vec![
                (d(2026, 7, 1), d(2026, 9, 30)),
                (d(2027, 6, 1), d(2027, 6, 10))
            ]
        );
        assert!(season.windows(d(2026, 1, 1), d(2026, 3, 31)).is_empty());
    }
}
