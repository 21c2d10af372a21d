//! The checks an event must pass before it is stored, with errors that name
//! the field and the reason, so a person can put it right.
//!
//! A poor GPS accuracy is a warning, not an error: the record is kept and
//! flagged, because a hazard with a vague position is still a hazard.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::event::{Event, EventBody, TaskTarget};
use crate::ids::{GridCode, PointCode};
use crate::keys::{HazardLevel, PointKind, StableKey, TaskKind};
use crate::location::Location;
use crate::reading::{self, ReadingType, ReadingValue, Readings};

/// Tunable limits; the defaults suit a township.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    /// A fix less accurate than this many metres is flagged.
    pub poor_accuracy_m: f64,
    /// Longest free text (description, reason, note), in characters.
    pub max_text_chars: usize,
    /// Longest short text (owner, place), in characters.
    pub max_name_chars: usize,
    /// Most photos on one event.
    pub max_photos: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            poor_accuracy_m: 50.0,
            max_text_chars: 2000,
            max_name_chars: 200,
            max_photos: 20,
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    Required,
    RequiredForMajor,
    TooLong { max: usize },
    TooMany { max: usize },
    Repeated,
    NotFinite,
    NullIsland,
    OutsideChina,
    OutOfRange { min: f64, max: f64 },
    InFuture,
    UnknownGrid,
    UnknownPoint,
    NotForKind { kind: PointKind },
    WrongType { expected: String },
    OutOfScope,
    RequiredForCampaign,
    NotWithin { grid: String },
    Empty,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Required => write!(f, "is required"),
            Reason::RequiredForMajor => write!(
                f,
                "is required for a major hazard (五到位: measures, responsibility, funds, deadline, contingency plan)"
            ),
            Reason::TooLong { max } => write!(f, "is longer than {max} characters"),
            Reason::TooMany { max } => write!(f, "has more than {max} entries"),
            Reason::Repeated => write!(f, "lists the same entry twice"),
            Reason::NotFinite => write!(f, "is not a finite number"),
            Reason::NullIsland => write!(
                f,
                "is 0,0, which location services report when they have no fix; leave the location out or enter it by hand"
            ),
            Reason::OutsideChina => {
                write!(f, "lies outside China; check the device's location setting")
            }
            Reason::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Reason::InFuture => write!(f, "is in the future; check the device's date and time"),
            Reason::UnknownGrid => write!(f, "names a grid that does not exist"),
            Reason::UnknownPoint => write!(f, "names a monitoring point that does not exist"),
            Reason::NotForKind { kind } => write!(f, "is not a reading of a {} point", kind.key()),
            Reason::WrongType { expected } => write!(f, "must be {expected}"),
            Reason::OutOfScope => write!(f, "is outside the grids this account may record in"),
            Reason::RequiredForCampaign => {
                write!(f, "is required for a special campaign (专项整治)")
            }
            Reason::NotWithin { grid } => write!(f, "lies outside grid {grid}"),
            Reason::Empty => write!(f, "needs at least one entry"),
        }
    }
}

/// A field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Error, Serialize, Deserialize, TS)]
#[error("{field} {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: Reason,
}

/// A field that is kept but flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    PoorAccuracy {
        field: String,
        accuracy_m: f64,
        limit_m: f64,
    },
}

/// The reference data validation looks up: grids and monitoring points.
pub trait Registry {
    fn grid_exists(&self, grid: &GridCode) -> bool;
    /// The kind and grid of a monitoring point.
    fn point(&self, point: &PointCode) -> Option<(PointKind, GridCode)>;
    /// Whether `grid` is `ancestor` or lies below it.
    fn grid_within(&self, grid: &GridCode, ancestor: &GridCode) -> bool;
}

/// Most targets of one task, points of one duty switch, names of one list.
pub const MAX_LIST: usize = 500;

struct Check<'a> {
    limits: &'a Limits,
    errors: Vec<FieldError>,
    warnings: Vec<Warning>,
}

impl Check<'_> {
    fn fail(&mut self, field: impl Into<String>, reason: Reason) {
        self.errors.push(FieldError {
            field: field.into(),
            reason,
        });
    }

    fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, Reason::Required);
        } else if value.chars().count() > max {
            self.fail(field, Reason::TooLong { max });
        }
    }

    fn long_text(&mut self, field: &str, value: &str) {
        self.text(field, value, self.limits.max_text_chars);
    }

    fn opt_text(&mut self, field: &str, value: Option<&String>, max: usize) {
        if let Some(v) = value
            && v.chars().count() > max
        {
            self.fail(field, Reason::TooLong { max });
        }
    }

    fn photos(&mut self, photos: &[crate::ids::PhotoHash]) {
        if photos.len() > self.limits.max_photos {
            self.fail(
                "photos",
                Reason::TooMany {
                    max: self.limits.max_photos,
                },
            );
        }
        for (i, p) in photos.iter().enumerate() {
            if photos[..i].contains(p) {
                self.fail(format!("photos[{i}]"), Reason::Repeated);
            }
        }
    }

    fn location(&mut self, field: &str, loc: Option<&Location>, now: DateTime<Utc>) {
        let Some(loc) = loc else { return };
        if !loc.lat.is_finite() || !loc.lon.is_finite() {
            self.fail(field, Reason::NotFinite);
        } else if loc.is_null_island() {
            self.fail(field, Reason::NullIsland);
        } else if !loc.in_china_box() {
            self.fail(field, Reason::OutsideChina);
        }
        if let Some(acc) = loc.accuracy_m {
            if !acc.is_finite() || acc < 0.0 {
                self.fail(
                    format!("{field}.accuracy_m"),
                    Reason::OutOfRange {
                        min: 0.0,
                        max: f64::MAX,
                    },
                );
            } else if acc > self.limits.poor_accuracy_m {
                self.warnings.push(Warning::PoorAccuracy {
                    field: format!("{field}.accuracy_m"),
                    accuracy_m: acc,
                    limit_m: self.limits.poor_accuracy_m,
                });
            }
        }
        if loc
            .fixed_at
            .is_some_and(|t| t > now + chrono::Duration::minutes(5))
        {
            self.fail(format!("{field}.fixed_at"), Reason::InFuture);
        }
    }

    fn list<T: PartialEq>(&mut self, field: &str, items: &[T], required: bool) {
        if required && items.is_empty() {
            self.fail(field, Reason::Empty);
        }
        if items.len() > MAX_LIST {
            self.fail(field, Reason::TooMany { max: MAX_LIST });
        }
        for (i, p) in items.iter().enumerate() {
            if items[..i].contains(p) {
                self.fail(format!("{field}[{i}]"), Reason::Repeated);
            }
        }
    }

    fn names(&mut self, field: &str, names: &[String]) {
        self.list(field, names, false);
        for (i, n) in names.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), n, self.limits.max_name_chars);
        }
    }

    /// Points that must exist and lie within `grid`.
    fn points_within(
        &mut self,
        reg: &dyn Registry,
        field: &str,
        points: &[PointCode],
        grid: &GridCode,
    ) {
        self.list(field, points, true);
        for (i, p) in points.iter().enumerate() {
            match reg.point(p) {
                None => self.fail(format!("{field}[{i}]"), Reason::UnknownPoint),
                Some((_, g)) if !reg.grid_within(&g, grid) => self.fail(
                    format!("{field}[{i}]"),
                    Reason::NotWithin {
                        grid: grid.to_string(),
                    },
                ),
                Some(_) => {}
            }
        }
    }

    fn grid(&mut self, reg: &dyn Registry, grid: &GridCode) {
        if !reg.grid_exists(grid) {
            self.fail("grid", Reason::UnknownGrid);
        }
    }

    /// A day that has happened (a meeting held, a letter signed); the
    /// planned day of a banquet may lie ahead.
    fn day(&mut self, field: &str, day: NaiveDate, now: DateTime<Utc>) {
        if day > (now + chrono::Duration::days(1)).date_naive() {
            self.fail(field, Reason::InFuture);
        }
    }

    fn readings(&mut self, kind: PointKind, readings: &Readings) {
        for (key, value) in readings {
            let field = format!("readings.{key}");
            let Some(spec) = reading::spec(kind, key) else {
                self.fail(field, Reason::NotForKind { kind });
                continue;
            };
            match (spec.ty, value) {
                (ReadingType::Flag, ReadingValue::Flag(_)) => {}
                (ReadingType::Number { min, max, .. }, ReadingValue::Number(n)) => {
                    if !n.is_finite() {
                        self.fail(field, Reason::NotFinite);
                    } else if *n < min || *n > max {
                        self.fail(field, Reason::OutOfRange { min, max });
                    }
                }
                (ReadingType::Flag, _) => self.fail(
                    field,
                    Reason::WrongType {
                        expected: "yes or no".into(),
                    },
                ),
                (ReadingType::Number { unit, .. }, _) => self.fail(
                    field,
                    Reason::WrongType {
                        expected: format!("a number in {unit}"),
                    },
                ),
            }
        }
        for spec in reading::specs(kind).iter().filter(|s| s.required) {
            if !readings.contains_key(spec.key) {
                self.fail(format!("readings.{}", spec.key), Reason::Required);
            }
        }
    }
}

/// Validates an event's body against the limits and the reference data.
/// Returns the warnings when it passes, every error found when it does not.
pub fn validate(
    event: &Event,
    reg: &dyn Registry,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Vec<Warning>, Vec<FieldError>> {
    let mut c = Check {
        limits,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let name_max = limits.max_name_chars;
    match &event.body {
        EventBody::HazardReported(h) => {
            c.grid(reg, &h.grid);
            c.long_text("description", &h.description);
            c.opt_text("place", h.place.as_ref(), name_max);
            c.location("location", h.location.as_ref(), now);
            c.photos(&h.photos);
        }
        EventBody::HazardConfirmed(h) => {
            c.text("owner", &h.owner, name_max);
            c.opt_text("measures", h.measures.as_ref(), limits.max_text_chars);
            c.opt_text(
                "contingency_plan",
                h.contingency_plan.as_ref(),
                limits.max_text_chars,
            );
            c.opt_text("note", h.note.as_ref(), limits.max_text_chars);
            if h.level == HazardLevel::Major {
                let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
                if h.deadline.is_none() {
                    c.fail("deadline", Reason::RequiredForMajor);
                }
                if blank(&h.measures) {
                    c.fail("measures", Reason::RequiredForMajor);
                }
                if h.funds_yuan.is_none() {
                    c.fail("funds_yuan", Reason::RequiredForMajor);
                }
                if blank(&h.contingency_plan) {
                    c.fail("contingency_plan", Reason::RequiredForMajor);
                }
            }
        }
        EventBody::RectificationStarted(r) => {
            c.opt_text("note", r.note.as_ref(), limits.max_text_chars)
        }
        EventBody::RectificationSubmitted(r) => {
            c.long_text("note", &r.note);
            c.location("location", r.location.as_ref(), now);
            c.photos(&r.photos);
        }
        EventBody::RectificationVerified(r) => {
            c.opt_text("note", r.note.as_ref(), limits.max_text_chars)
        }
        EventBody::RectificationSentBack(r) => c.long_text("reason", &r.reason),
        EventBody::HazardRejected(r) => c.long_text("reason", &r.reason),
        EventBody::HazardReopened(r) => c.long_text("reason", &r.reason),
        EventBody::HazardListed(r) => c.opt_text("note", r.note.as_ref(), limits.max_text_chars),
        EventBody::HazardClosed(r) => c.opt_text("note", r.note.as_ref(), limits.max_text_chars),
        EventBody::AccidentImpactJudged(r) => {
            c.opt_text("note", r.note.as_ref(), limits.max_text_chars)
        }
        EventBody::CheckLogged(k) => {
            match reg.point(&k.point) {
                None => c.fail("point", Reason::UnknownPoint),
                Some((kind, grid)) => {
                    if grid != k.grid {
                        // The point's grid is the registry's, not the phone's say.
                        c.fail(
                            "grid",
                            Reason::WrongType {
                                expected: format!("the point's grid {grid}"),
                            },
                        );
                    }
                    c.readings(kind, &k.readings);
                }
            }
            c.opt_text("note", k.note.as_ref(), limits.max_text_chars);
            c.location("location", k.location.as_ref(), now);
            c.photos(&k.photos);
        }
        EventBody::AccidentReported(a) => {
            c.grid(reg, &a.grid);
            c.text("place", &a.place, name_max);
            c.long_text("description", &a.description);
            if a.occurred_at > now + chrono::Duration::minutes(5) {
                c.fail("occurred_at", Reason::InFuture);
            }
            for (field, n) in [("deaths", a.deaths), ("injuries", a.injuries)] {
                if n > 10_000 {
                    c.fail(
                        field,
                        Reason::OutOfRange {
                            min: 0.0,
                            max: 10_000.0,
                        },
                    );
                }
            }
            c.location("location", a.location.as_ref(), now);
            c.photos(&a.photos);
        }
        EventBody::TaskCreated(t) => {
            c.grid(reg, &t.grid);
            c.text("title", &t.title, name_max);
            if t.kind == TaskKind::SpecialCampaign && t.sector.is_none() {
                c.fail("sector", Reason::RequiredForCampaign);
            }
            c.list("targets", &t.targets, true);
            for (i, target) in t.targets.iter().enumerate() {
                let field = format!("targets[{i}]");
                let target_grid = match target {
                    TaskTarget::Grid(g) if reg.grid_exists(g) => Some(g.clone()),
                    TaskTarget::Grid(_) => {
                        c.fail(field.clone(), Reason::UnknownGrid);
                        None
                    }
                    TaskTarget::Point(p) => match reg.point(p) {
                        Some((_, g)) => Some(g),
                        None => {
                            c.fail(field.clone(), Reason::UnknownPoint);
                            None
                        }
                    },
                };
                if let Some(g) = target_grid
                    && reg.grid_exists(&t.grid)
                    && !reg.grid_within(&g, &t.grid)
                {
                    c.fail(
                        field,
                        Reason::NotWithin {
                            grid: t.grid.to_string(),
                        },
                    );
                }
            }
            c.list("items", &t.items, false);
            c.opt_text("note", t.note.as_ref(), limits.max_text_chars);
        }
        EventBody::TaskCheckRecorded(k) => {
            match &k.target {
                TaskTarget::Grid(g) => {
                    if !reg.grid_exists(g) {
                        c.fail("target", Reason::UnknownGrid);
                    } else if g != &k.grid {
                        c.fail(
                            "grid",
                            Reason::WrongType {
                                expected: format!("the target's grid {g}"),
                            },
                        );
                    }
                }
                TaskTarget::Point(p) => match reg.point(p) {
                    None => c.fail("target", Reason::UnknownPoint),
                    Some((_, g)) if g != k.grid => c.fail(
                        "grid",
                        Reason::WrongType {
                            expected: format!("the point's grid {g}"),
                        },
                    ),
                    Some(_) => {}
                },
            }
            let items: Vec<_> = k.results.iter().map(|o| o.item).collect();
            c.list("results", &items, false);
            c.list("hazards", &k.hazards, false);
            c.opt_text("note", k.note.as_ref(), limits.max_text_chars);
            c.location("location", k.location.as_ref(), now);
            c.photos(&k.photos);
        }
        EventBody::MeetingRecorded(m) => {
            c.grid(reg, &m.grid);
            c.text("topic", &m.topic, name_max);
            c.names("attendees", &m.attendees);
            c.opt_text("minutes", m.minutes.as_ref(), limits.max_text_chars);
            c.day("held_on", m.held_on, now);
            c.photos(&m.photos);
        }
        EventBody::BanquetFiled(b) => {
            c.grid(reg, &b.grid);
            c.text("host", &b.host, name_max);
            c.opt_text("cook", b.cook.as_ref(), name_max);
            if b.tables == 0 || b.tables > 1000 {
                c.fail(
                    "tables",
                    Reason::OutOfRange {
                        min: 1.0,
                        max: 1000.0,
                    },
                );
            }
            c.list("banned_dishes_absent", &b.banned_dishes_absent, false);
            c.photos(&b.photos);
        }
        EventBody::PromiseSigned(p) => {
            c.grid(reg, &p.grid);
            c.text("party", &p.party, name_max);
            c.day("signed_on", p.signed_on, now);
            c.opt_text("note", p.note.as_ref(), limits.max_text_chars);
            c.photos(&p.photos);
        }
        EventBody::DutyStarted(d) => {
            c.grid(reg, &d.grid);
            c.points_within(reg, "points", &d.points, &d.grid);
            if d.interval_hours == 0 || d.interval_hours > 24 * 31 {
                c.fail(
                    "interval_hours",
                    Reason::OutOfRange {
                        min: 1.0,
                        max: (24 * 31) as f64,
                    },
                );
            }
            c.opt_text("note", d.note.as_ref(), limits.max_text_chars);
        }
        EventBody::DutyEnded(d) => {
            c.grid(reg, &d.grid);
            c.points_within(reg, "points", &d.points, &d.grid);
            c.opt_text("note", d.note.as_ref(), limits.max_text_chars);
        }
    }
    if c.errors.is_empty() {
        Ok(c.warnings)
    } else {
        Err(c.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::*;
    use crate::hlc::Hlc;
    use crate::ids::*;
    use crate::keys::{BannedDish, ChecklistItem, Sector, Verdict};
    use crate::location::LocationSource;

    struct Reg;
    impl Registry for Reg {
        fn grid_exists(&self, g: &GridCode) -> bool {
            g.as_str().starts_with('V')
        }
        fn point(&self, p: &PointCode) -> Option<(PointKind, GridCode)> {
            (p.as_str() == "LS-1").then(|| (PointKind::Landslide, "V1".parse().unwrap()))
        }
        fn grid_within(&self, g: &GridCode, a: &GridCode) -> bool {
            g == a || a.as_str() == "V1" && g.as_str().starts_with("V1")
        }
    }

    fn ev(body: EventBody) -> Event {
        Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms: 0,
                counter: 0,
                node: DeviceId::new(),
            },
            author: "a".parse().unwrap(),
            device: DeviceId::new(),
            body,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-06-30T08:00:00Z".parse().unwrap()
    }

    fn run(body: EventBody) -> Result<Vec<Warning>, Vec<FieldError>> {
        validate(&ev(body), &Reg, &Limits::default(), now())
    }

    fn fields(r: Result<Vec<Warning>, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    fn report(location: Option<Location>) -> EventBody {
        EventBody::HazardReported(HazardReported {
            hazard: HazardId::new(),
            grid: "V1".parse().unwrap(),
            sector: Sector::Fire,
            level: HazardLevel::General,
            description: "灭火器过期".into(),
            place: None,
            location,
            photos: vec![],
        })
    }

    fn at(lat: f64, lon: f64, accuracy_m: Option<f64>) -> Option<Location> {
        Some(Location {
            lat,
            lon,
            accuracy_m,
            fixed_at: None,
            source: LocationSource::Gps,
        })
    }

    #[test]
    fn locations() {
        assert_eq!(run(report(at(30.6, 104.0, Some(8.0)))).unwrap(), vec![]);
        assert_eq!(fields(run(report(at(0.0, 0.0, None)))), ["location"]);
        let err = run(report(at(0.0, 0.0, None))).unwrap_err();
        assert!(err[0].to_string().contains("0,0"), "{}", err[0]);
        assert_eq!(
            run(report(at(48.8, 2.3, None))).unwrap_err()[0].reason,
            Reason::OutsideChina
        );
        assert_eq!(
            run(report(at(f64::NAN, 2.3, None))).unwrap_err()[0].reason,
            Reason::NotFinite
        );
        let w = run(report(at(30.6, 104.0, Some(120.0)))).unwrap();
        assert_eq!(
            w,
            vec![Warning::PoorAccuracy {
                field: "location.accuracy_m".into(),
                accuracy_m: 120.0,
                limit_m: 50.0
            }]
        );
        let strict = Limits {
            poor_accuracy_m: 10.0,
            ..Limits::default()
        };
        assert_eq!(
            validate(
                &ev(report(at(30.6, 104.0, Some(20.0)))),
                &Reg,
                &strict,
                now()
            )
            .unwrap()
            .len(),
            1
        );
    }

    #[test]
    fn unknown_grid_and_blank_description() {
        let mut body = report(None);
        if let EventBody::HazardReported(h) = &mut body {
            h.grid = "T9".parse().unwrap();
            h.description = "  ".into();
        }
        assert_eq!(fields(run(body)), ["grid", "description"]);
    }

    #[test]
    fn major_hazard_needs_the_five_in_place() {
        let confirm = |level, deadline, measures: Option<&str>| {
            EventBody::HazardConfirmed(HazardConfirmed {
                hazard: HazardId::new(),
                level,
                sector: None,
                owner: "某建筑公司".into(),
                deadline,
                measures: measures.map(Into::into),
                funds_yuan: None,
                contingency_plan: None,
                note: None,
            })
        };
        assert!(run(confirm(HazardLevel::General, None, None)).is_ok());
        let missing = fields(run(confirm(HazardLevel::Major, None, Some("加装防护网"))));
        assert_eq!(missing, ["deadline", "funds_yuan", "contingency_plan"]);
        let err = run(confirm(HazardLevel::Major, None, None)).unwrap_err();
        assert!(
            err[0]
                .to_string()
                .starts_with("deadline is required for a major hazard"),
            "{}",
            err[0]
        );
    }

    #[test]
    fn readings_must_fit_the_point() {
        use ReadingValue::*;
        let check = |point: &str, readings: &[(&str, ReadingValue)]| {
            EventBody::CheckLogged(CheckLogged {
                check: CheckId::new(),
                point: point.parse().unwrap(),
                grid: "V1".parse().unwrap(),
                verdict: Verdict::Normal,
                readings: readings.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                note: None,
                location: None,
                photos: vec![],
            })
        };
        let good = [
            ("crack_width_mm", Number(2.0)),
            ("new_cracks", Flag(false)),
            ("bulging", Flag(false)),
        ];
        assert!(run(check("LS-1", &good)).is_ok());
        let mut wrong = good.to_vec();
        wrong.push(("spillway_clear", Flag(true)));
        let err = run(check("LS-1", &wrong)).unwrap_err();
        assert_eq!(err[0].field, "readings.spillway_clear");
        assert!(
            err[0]
                .to_string()
                .contains("not a reading of a landslide point")
        );
        assert_eq!(
            fields(run(check("LS-1", &good[1..]))),
            ["readings.crack_width_mm"]
        );
        assert_eq!(
            fields(run(check(
                "LS-1",
                &[
                    ("crack_width_mm", Flag(true)),
                    ("new_cracks", Number(1.0)),
                    ("bulging", Flag(false))
                ]
            ))),
            ["readings.crack_width_mm", "readings.new_cracks"]
        );
        assert_eq!(
            fields(run(check(
                "LS-1",
                &[
                    ("crack_width_mm", Number(-1.0)),
                    ("new_cracks", Flag(false)),
                    ("bulging", Flag(false))
                ]
            ))),
            ["readings.crack_width_mm"]
        );
        assert_eq!(fields(run(check("RS-9", &good))), ["point"]);
    }

    #[test]
    fn accidents_cannot_come_from_the_future() {
        let body = EventBody::AccidentReported(AccidentReported {
            accident: AccidentId::new(),
            grid: "V1".parse().unwrap(),
            sector: Sector::RoadTraffic,
            occurred_at: now() + chrono::Duration::hours(2),
            place: "国道108线".into(),
            deaths: 0,
            injuries: 2,
            description: "农用车侧翻".into(),
            location: None,
            photos: vec![PhotoHash::of(b"a"), PhotoHash::of(b"a")],
        });
        assert_eq!(fields(run(body)), ["occurred_at", "photos[1]"]);
    }

    #[test]
    fn tasks_name_known_targets_within_their_grid() {
        let task = |kind, sector, targets: Vec<TaskTarget>| {
            EventBody::TaskCreated(TaskCreated {
                task: TaskId::new(),
                kind,
                sector,
                title: "汛期检查".into(),
                grid: "V1".parse().unwrap(),
                targets,
                due: "2026-07-31".parse().unwrap(),
                items: vec![ChecklistItem::WarningSigns, ChecklistItem::WarningSigns],
                note: None,
            })
        };
        let g = |c: &str| TaskTarget::Grid(c.parse().unwrap());
        let p = |c: &str| TaskTarget::Point(c.parse().unwrap());
        assert_eq!(
            fields(run(task(
                TaskKind::SpecialCampaign,
                None,
                vec![g("V1a"), p("LS-1"), p("RS-9"), g("V2"), g("T9"), g("V1a")]
            ))),
            [
                "sector",
                "targets[5]",
                "targets[2]",
                "targets[3]",
                "targets[4]",
                "items[1]"
            ]
        );
        let err = run(task(TaskKind::SpecialCampaign, None, vec![g("V2")])).unwrap_err();
        assert!(
            err[0].to_string().contains("special campaign"),
            "{}",
            err[0]
        );
        assert!(err[1].to_string().contains("outside grid V1"), "{}", err[1]);
        assert_eq!(
            fields(run(task(TaskKind::HolidayCheck, None, vec![]))),
            ["targets", "items[1]"]
        );
    }

    #[test]
    fn township_records_name_their_fields() {
        let meeting = EventBody::MeetingRecorded(MeetingRecorded {
            meeting: MeetingId::new(),
            grid: "V1".parse().unwrap(),
            held_on: "2026-07-02".parse().unwrap(),
            topic: " ".into(),
            attendees: vec!["张三".into(), "张三".into()],
            minutes: None,
            photos: vec![],
        });
        assert_eq!(fields(run(meeting)), ["topic", "attendees[1]", "held_on"]);
        let banquet = EventBody::BanquetFiled(BanquetFiled {
            banquet: BanquetId::new(),
            grid: "V1".parse().unwrap(),
            host: "李四".into(),
            held_on: "2026-08-01".parse().unwrap(),
            tables: 0,
            cook: None,
            samples_kept: true,
            banned_dishes_absent: vec![BannedDish::GreenBeans],
            photos: vec![],
        });
        assert_eq!(fields(run(banquet)), ["tables"]);
        let duty = EventBody::DutyStarted(DutyStarted {
            duty: DutyId::new(),
            grid: "V2".parse().unwrap(),
            points: vec!["LS-1".parse().unwrap(), "RS-9".parse().unwrap()],
            interval_hours: 0,
            note: None,
        });
        assert_eq!(
            fields(run(duty)),
            ["points[0]", "points[1]", "interval_hours"]
        );
        let check = EventBody::TaskCheckRecorded(TaskCheckRecorded {
            task: TaskId::new(),
            target: TaskTarget::Point("LS-1".parse().unwrap()),
            grid: "V2".parse().unwrap(),
            results: vec![],
            hazards: vec![],
            note: None,
            location: None,
            photos: vec![],
        });
        assert_eq!(fields(run(check)), ["grid"]);
    }
}
