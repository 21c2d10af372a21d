//! Recording in the field: a hazard, its rectification, a check of a
//! monitoring point. Each works with no network at all.
//!
//! A record is built, stamped by the device's clock, validated against the
//! local copy of the user's grids and points (the server's own rules, from
//! `gridsafe_core::validate`), and then written with its photos: the photo
//! files first (atomically, named by hash), then the event, its outbox entry,
//! its local state and the clock in one transaction. A crash between the
//! two leaves only photo files that no record cites, which nothing shows and
//! the next sync sweeps away.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::event::{
    AccidentReported, BanquetFiled, CheckLogged, HazardReported, ItemOutcome, MeetingRecorded,
    PromiseSigned, RectificationSubmitted, TaskCheckRecorded, TaskTarget,
};
use gridsafe_core::location::Location;
use gridsafe_core::reading::{Readings, parse_reading};
use gridsafe_core::validate::{Limits, Warning, validate};
use gridsafe_core::{
    AccidentId, BannedDish, BanquetId, CheckId, ChecklistItem, Event, EventBody, EventId, GridCode,
    HazardId, HazardLevel, ItemResult, MeetingId, PhotoHash, PointCode, PromiseId, PromiseKind,
    Sector, TaskId, Verdict,
};
use rusqlite::params;

use crate::error::DeviceError;
use crate::outbox;
use crate::photo::{self, PhotoLimits, PhotoStore, ProcessedPhoto};
use crate::reference::{self, LocalRegistry};
use crate::state;
use crate::store::{self, Store};

/// A photo for a record: a camera file to process now, or one kept earlier
/// by [`crate::app::add_photo`] and named by its hash.
#[derive(Debug, Clone, PartialEq)]
pub enum PhotoInput {
    File(PathBuf),
    Kept(PhotoHash),
}

impl From<PathBuf> for PhotoInput {
    fn from(p: PathBuf) -> Self {
        PhotoInput::File(p)
    }
}

/// A hazard found in the field.
#[derive(Debug, Clone)]
pub struct HazardDraft {
    pub grid: GridCode,
    pub sector: Sector,
    pub level: HazardLevel,
    pub description: String,
    pub place: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PhotoInput>,
}

/// The fix of a hazard, with its "after" photos.
#[derive(Debug, Clone)]
pub struct RectificationDraft {
    pub hazard: HazardId,
    pub note: String,
    pub location: Option<Location>,
    pub photos: Vec<PhotoInput>,
}

/// A check of a monitoring point; readings as typed (`KEY=VALUE`).
#[derive(Debug, Clone)]
pub struct CheckDraft {
    pub point: PointCode,
    pub verdict: Verdict,
    pub readings: Vec<String>,
    pub note: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PhotoInput>,
}

/// A village safety meeting (会议纪录).
#[derive(Debug, Clone)]
pub struct MeetingDraft {
    pub grid: GridCode,
    pub held_on: NaiveDate,
    pub topic: String,
    pub attendees: Vec<String>,
    pub minutes: Option<String>,
    pub photos: Vec<PhotoInput>,
}

/// A rural banquet filing (农村家宴备案).
#[derive(Debug, Clone)]
pub struct BanquetDraft {
    pub grid: GridCode,
    pub host: String,
    pub held_on: NaiveDate,
    pub tables: u32,
    pub cook: Option<String>,
    pub samples_kept: bool,
    pub banned_dishes_absent: Vec<BannedDish>,
    pub photos: Vec<PhotoInput>,
}

/// A signed responsibility letter or promise (责任书/承诺书).
#[derive(Debug, Clone)]
pub struct PromiseDraft {
    pub grid: GridCode,
    pub kind: PromiseKind,
    pub party: String,
    pub signed_on: NaiveDate,
    pub note: Option<String>,
    pub photos: Vec<PhotoInput>,
}

/// An accident (事故), urgent like a danger check.
#[derive(Debug, Clone)]
pub struct AccidentDraft {
    pub grid: GridCode,
    pub sector: Sector,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub deaths: u32,
    pub injuries: u32,
    pub description: String,
    pub location: Option<Location>,
    pub photos: Vec<PhotoInput>,
}

/// A task's check on site: the target's code, each item's result as typed
/// (`KEY=pass|fail`), and the hazards raised from failed items (already
/// recorded with [`hazard`]).
#[derive(Debug, Clone)]
pub struct TaskCheckDraft {
    pub task: TaskId,
    pub target: String,
    pub results: Vec<String>,
    pub hazards: Vec<HazardId>,
    pub note: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PhotoInput>,
}

/// What was saved.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The record's id (hazard or check).
    pub id: String,
    pub event: EventId,
    pub seq: u64,
    pub photos: Vec<PhotoHash>,
    pub warnings: Vec<Warning>,
}

pub fn hazard(
    store: &mut Store,
    draft: HazardDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let photos = process_all(store, &draft.photos, limits)?;
    let location = draft.location.or_else(|| exif_location(&photos));
    let id = HazardId::new();
    let body = EventBody::HazardReported(HazardReported {
        hazard: id,
        grid: draft.grid,
        sector: draft.sector,
        level: draft.level,
        description: draft.description,
        place: draft.place,
        location,
        photos: hashes(&photos),
    });
    save(store, id.to_string(), body, &photos)
}

pub fn rectification(
    store: &mut Store,
    draft: RectificationDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    if !state::knows_hazard(store.conn(), draft.hazard)? {
        return Err(DeviceError::UnknownHazard(draft.hazard));
    }
    let photos = process_all(store, &draft.photos, limits)?;
    let location = draft.location.or_else(|| exif_location(&photos));
    let body = EventBody::RectificationSubmitted(RectificationSubmitted {
        hazard: draft.hazard,
        note: draft.note,
        photos: hashes(&photos),
        location,
    });
    save(store, draft.hazard.to_string(), body, &photos)
}

pub fn check(
    store: &mut Store,
    draft: CheckDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let (kind, grid) = reference::point(store.conn(), &draft.point)?
        .ok_or_else(|| DeviceError::UnknownPoint(draft.point.clone()))?;
    let mut readings = Readings::new();
    for text in &draft.readings {
        let (k, v) = parse_reading(kind, text).map_err(DeviceError::Reading)?;
        readings.insert(k, v);
    }
    let photos = process_all(store, &draft.photos, limits)?;
    let location = draft.location.or_else(|| exif_location(&photos));
    let id = CheckId::new();
    let body = EventBody::CheckLogged(CheckLogged {
        check: id,
        point: draft.point,
        grid,
        verdict: draft.verdict,
        readings,
        note: draft.note,
        location,
        photos: hashes(&photos),
    });
    save(store, id.to_string(), body, &photos)
}

pub fn meeting(
    store: &mut Store,
    d: MeetingDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let photos = process_all(store, &d.photos, limits)?;
    let id = MeetingId::new();
    let body = EventBody::MeetingRecorded(MeetingRecorded {
        meeting: id,
        grid: d.grid,
        held_on: d.held_on,
        topic: d.topic,
        attendees: d.attendees,
        minutes: d.minutes,
        photos: hashes(&photos),
    });
    save(store, id.to_string(), body, &photos)
}

pub fn banquet(
    store: &mut Store,
    d: BanquetDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let photos = process_all(store, &d.photos, limits)?;
    let id = BanquetId::new();
    let body = EventBody::BanquetFiled(BanquetFiled {
        banquet: id,
        grid: d.grid,
        host: d.host,
        held_on: d.held_on,
        tables: d.tables,
        cook: d.cook,
        samples_kept: d.samples_kept,
        banned_dishes_absent: d.banned_dishes_absent,
        photos: hashes(&photos),
    });
    save(store, id.to_string(), body, &photos)
}

pub fn promise(
    store: &mut Store,
    d: PromiseDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let photos = process_all(store, &d.photos, limits)?;
    let id = PromiseId::new();
    let body = EventBody::PromiseSigned(PromiseSigned {
        promise: id,
        grid: d.grid,
        kind: d.kind,
        party: d.party,
        signed_on: d.signed_on,
        note: d.note,
        photos: hashes(&photos),
    });
    save(store, id.to_string(), body, &photos)
}

pub fn accident(
    store: &mut Store,
    d: AccidentDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let photos = process_all(store, &d.photos, limits)?;
    let location = d.location.or_else(|| exif_location(&photos));
    let id = AccidentId::new();
    let body = EventBody::AccidentReported(AccidentReported {
        accident: id,
        grid: d.grid,
        sector: d.sector,
        occurred_at: d.occurred_at,
        place: d.place,
        deaths: d.deaths,
        injuries: d.injuries,
        description: d.description,
        location,
        photos: hashes(&photos),
    });
    save(store, id.to_string(), body, &photos)
}

/// Parses `KEY=pass|fail` (or 合格/不合格) into a checklist item's result.
pub fn parse_item(text: &str) -> Result<ItemOutcome, DeviceError> {
    let (k, v) = text
        .split_once('=')
        .ok_or_else(|| DeviceError::Reading(format!("{text:?} is not KEY=pass or KEY=fail")))?;
    let item: ChecklistItem = k
        .parse()
        .map_err(|e: gridsafe_core::UnknownKey| DeviceError::Reading(e.to_string()))?;
    let result = match v.trim() {
        "合格" => ItemResult::Pass,
        "不合格" => ItemResult::Fail,
        other => other
            .parse()
            .map_err(|e: gridsafe_core::UnknownKey| DeviceError::Reading(e.to_string()))?,
    };
    Ok(ItemOutcome { item, result })
}

pub fn task_check(
    store: &mut Store,
    d: TaskCheckDraft,
    limits: &PhotoLimits,
) -> Result<Recorded, DeviceError> {
    let today = crate::township::local_today(Utc::now());
    let view = crate::township::task(store.conn(), d.task, today)?
        .ok_or(DeviceError::UnknownTask(d.task))?;
    let target =
        crate::township::target(&view.task, &d.target).ok_or_else(|| DeviceError::NotATarget {
            task: d.task,
            code: d.target.clone(),
            targets: view
                .task
                .targets
                .iter()
                .map(|t| t.target.code().to_owned())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let grid = match &target {
        TaskTarget::Grid(g) => g.clone(),
        TaskTarget::Point(p) => {
            reference::point(store.conn(), p)?
                .ok_or_else(|| DeviceError::UnknownPoint(p.clone()))?
                .1
        }
    };
    let results = d
        .results
        .iter()
        .map(|t| parse_item(t))
        .collect::<Result<Vec<_>, _>>()?;
    let photos = process_all(store, &d.photos, limits)?;
    let location = d.location.or_else(|| exif_location(&photos));
    let body = EventBody::TaskCheckRecorded(TaskCheckRecorded {
        task: d.task,
        target,
        grid,
        results,
        hazards: d.hazards,
        note: d.note,
        location,
        photos: hashes(&photos),
    });
    save(store, d.task.to_string(), body, &photos)
}

fn process_all(
    store: &Store,
    inputs: &[PhotoInput],
    limits: &PhotoLimits,
) -> Result<Vec<ProcessedPhoto>, DeviceError> {
    let kept = PhotoStore::new(store.photo_dir());
    inputs
        .iter()
        .map(|input| match input {
            PhotoInput::File(p) => {
                photo::process_file(p, limits).map_err(|source| DeviceError::Photo {
                    path: p.clone(),
                    source,
                })
            }
            PhotoInput::Kept(h) => kept.load(h).map_err(|source| DeviceError::Photo {
                path: kept.path(h),
                source,
            }),
        })
        .collect()
}

fn hashes(photos: &[ProcessedPhoto]) -> Vec<PhotoHash> {
    photos.iter().map(|p| p.hash.clone()).collect()
}

/// The phone's own fix wins; the first photo's EXIF position stands in.
fn exif_location(photos: &[ProcessedPhoto]) -> Option<Location> {
    photos.iter().find_map(|p| p.exif.location)
}

fn save(
    store: &mut Store,
    id: String,
    body: EventBody,
    photos: &[ProcessedPhoto],
) -> Result<Recorded, DeviceError> {
    let who = store.require_enrollment()?;
    let make = |hlc| Event {
        id: EventId::new(),
        hlc,
        author: who.user.clone(),
        device: who.device,
        body: body.clone(),
    };
    // Validate before anything is written; the stamp is provisional (the
    // rules do not depend on it) and is taken for real under the lock.
    let draft = make(Store::clock(store.conn(), who.device)?.last());
    let warnings = validate(
        &draft,
        &LocalRegistry(store.conn()),
        &Limits::default(),
        Utc::now(),
    )
    .map_err(DeviceError::Invalid)?;
    // Photo files go first, outside the transaction: a crash after this
    // leaves files that nothing cites, never a record without its photos.
    let photo_store = PhotoStore::new(store.photo_dir());
    for p in photos {
        photo_store.put(p).map_err(|source| DeviceError::Photo {
            path: photo_store.path(&p.hash),
            source,
        })?;
    }
    let tx = store.write()?;
    let mut clock = Store::clock(&tx, who.device)?;
    let event = make(clock.tick(store::now_ms()));
    for p in photos {
        tx.execute(
            "INSERT OR IGNORE INTO photos (hash, bytes, width, height, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                p.hash.as_str(),
                p.jpeg.len() as i64,
                p.width,
                p.height,
                Utc::now().to_rfc3339()
            ],
        )?;
    }
    let seq = outbox::append(&tx, &event)?;
    state::refresh(&tx, event.body.entity())?;
    Store::save_clock(&tx, &clock)?;
    tx.commit()?;
    Ok(Recorded {
        id,
        event: event.id,
        seq,
        photos: hashes(photos),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::tests::{camera_jpeg, with_exif};
    use crate::testing;
    use gridsafe_core::HazardStatus;
    use gridsafe_core::event::EntityRef;

    fn draft(grid: &str) -> HazardDraft {
        HazardDraft {
            grid: grid.parse().unwrap(),
            sector: Sector::Fire,
            level: HazardLevel::General,
            description: "灭火器过期".into(),
            place: None,
            location: None,
            photos: vec![],
        }
    }

    fn seqs(store: &Store) -> Vec<u64> {
        outbox::all(store.conn())
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect()
    }

    #[test]
    fn a_hazard_is_saved_queued_and_folded_in_one_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let r = hazard(&mut store, draft("V1"), &PhotoLimits::default()).unwrap();
        assert_eq!(r.seq, 1);
        let id: HazardId = r.id.parse().unwrap();
        let s = state::hazard(store.conn(), id).unwrap().unwrap();
        assert_eq!(s.status, HazardStatus::Reported);
        let e = &outbox::for_entity(store.conn(), EntityRef::Hazard(id)).unwrap()[0];
        assert_eq!(e.state, outbox::SyncState::Pending);
        assert_eq!(e.event.author.as_str(), "wangwu");

        let r2 = rectification(
            &mut store,
            RectificationDraft {
                hazard: id,
                note: "已更换灭火器".into(),
                location: None,
                photos: vec![],
            },
            &PhotoLimits::default(),
        )
        .unwrap();
        assert_eq!(r2.seq, 2);
        let s = state::hazard(store.conn(), id).unwrap().unwrap();
        assert_eq!(s.status, HazardStatus::Rectified);
        let evs = outbox::all(store.conn()).unwrap();
        assert!(evs[1].event.hlc > evs[0].event.hlc);
    }

    #[test]
    fn an_invalid_record_is_refused_and_nothing_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let err = hazard(&mut store, draft("NOPE"), &PhotoLimits::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("grid names a grid that does not exist"),
            "{err}"
        );
        let unknown = rectification(
            &mut store,
            RectificationDraft {
                hazard: HazardId::new(),
                note: "x".into(),
                location: None,
                photos: vec![],
            },
            &PhotoLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(unknown, DeviceError::UnknownHazard(_)));
        assert!(seqs(&store).is_empty());
    }

    #[test]
    fn not_enrolled_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let err = hazard(&mut store, draft("V1"), &PhotoLimits::default()).unwrap_err();
        assert!(err.to_string().contains("gridsafe-field enroll"), "{err}");
    }

    #[test]
    fn a_transaction_that_fails_midway_leaves_no_gap() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        hazard(&mut store, draft("V1"), &PhotoLimits::default()).unwrap();
        // The local-state write fails after the outbox row is in: the whole
        // record must go, its sequence number with it.
        store
            .conn()
            .execute_batch(
                "CREATE TRIGGER fail_state BEFORE INSERT ON hazards
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        let err = hazard(&mut store, draft("V1"), &PhotoLimits::default()).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        let events: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events, 1, "no event of the failed record survives");
        store
            .conn()
            .execute_batch("DROP TRIGGER fail_state")
            .unwrap();
        // A process killed mid-transaction is the same as a rollback: reopen.
        drop(store);
        let mut store = Store::open(dir.path()).unwrap();
        hazard(&mut store, draft("V1"), &PhotoLimits::default()).unwrap();
        check(
            &mut store,
            CheckDraft {
                point: "LS-1".parse().unwrap(),
                verdict: Verdict::Danger,
                readings: vec![
                    "crack_width_mm=12".into(),
                    "new_cracks=yes".into(),
                    "bulging=no".into(),
                ],
                note: None,
                location: None,
                photos: vec![],
            },
            &PhotoLimits::default(),
        )
        .unwrap();
        assert_eq!(seqs(&store), [1, 2, 3]);
    }

    #[test]
    fn a_check_takes_its_grid_and_reading_types_from_the_point() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let mk = |readings: &[&str]| CheckDraft {
            point: "LS-1".parse().unwrap(),
            verdict: Verdict::Normal,
            readings: readings.iter().map(|s| s.to_string()).collect(),
            note: None,
            location: None,
            photos: vec![],
        };
        let err = check(
            &mut store,
            mk(&["spillway_clear=yes"]),
            &PhotoLimits::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("not a reading of a landslide point"),
            "{err}"
        );
        let err = check(&mut store, mk(&["new_cracks=no"]), &PhotoLimits::default()).unwrap_err();
        assert!(
            err.to_string().contains("crack_width_mm is required"),
            "{err}"
        );
        let r = check(
            &mut store,
            mk(&["crack_width_mm=2", "new_cracks=no", "bulging=no"]),
            &PhotoLimits::default(),
        )
        .unwrap();
        let e = &outbox::all(store.conn()).unwrap()[0];
        match &e.event.body {
            EventBody::CheckLogged(c) => {
                assert_eq!(c.grid.as_str(), "V1");
                assert_eq!(c.check.to_string(), r.id);
            }
            other => panic!("{other:?}"),
        }
        let mut unknown = mk(&[]);
        unknown.point = "RS-9".parse().unwrap();
        assert!(matches!(
            check(&mut store, unknown, &PhotoLimits::default()),
            Err(DeviceError::UnknownPoint(_))
        ));
    }

    #[test]
    fn photos_are_stored_and_their_exif_position_stands_in() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let photo = dir.path().join("IMG_0001.jpg");
        std::fs::write(
            &photo,
            with_exif(&camera_jpeg(800, 600), 1, Some((30.61, 104.07))),
        )
        .unwrap();
        let mut d = draft("V1");
        d.photos = vec![photo.clone().into()];
        let r = hazard(&mut store, d, &PhotoLimits::default()).unwrap();
        assert_eq!(r.photos.len(), 1);
        assert!(PhotoStore::new(store.photo_dir()).contains(&r.photos[0]));
        let s = state::hazard(store.conn(), r.id.parse().unwrap())
            .unwrap()
            .unwrap();
        let loc = s.location.unwrap();
        assert_eq!(loc.source, gridsafe_core::location::LocationSource::Exif);
        assert!((loc.lat - 30.61).abs() < 1e-4);
        assert_eq!(crate::sync::pending_photos(store.conn()).unwrap(), 1);

        // Something that is not a photo refuses the whole record.
        let bogus = dir.path().join("notes.jpg");
        std::fs::write(&bogus, "not a photo").unwrap();
        let mut d = draft("V1");
        d.photos = vec![bogus.into()];
        let err = hazard(&mut store, d, &PhotoLimits::default()).unwrap_err();
        assert!(err.to_string().contains("not an image"), "{err}");
        assert_eq!(seqs(&store), [1]);
    }
}
