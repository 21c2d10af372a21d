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

use chrono::Utc;
use gridsafe_core::event::{CheckLogged, HazardReported, RectificationSubmitted};
use gridsafe_core::location::Location;
use gridsafe_core::reading::{Readings, parse_reading};
use gridsafe_core::validate::{Limits, Warning, validate};
use gridsafe_core::{
    CheckId, Event, EventBody, EventId, GridCode, HazardId, HazardLevel, PhotoHash, PointCode,
    Sector, Verdict,
};
use rusqlite::params;

use crate::error::DeviceError;
use crate::outbox;
use crate::photo::{self, PhotoLimits, PhotoStore, ProcessedPhoto};
use crate::reference::{self, LocalRegistry};
use crate::state;
use crate::store::{self, Store};

/// A hazard found in the field.
#[derive(Debug, Clone)]
pub struct HazardDraft {
    pub grid: GridCode,
    pub sector: Sector,
    pub level: HazardLevel,
    pub description: String,
    pub place: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PathBuf>,
}

/// The fix of a hazard, with its "after" photos.
#[derive(Debug, Clone)]
pub struct RectificationDraft {
    pub hazard: HazardId,
    pub note: String,
    pub location: Option<Location>,
    pub photos: Vec<PathBuf>,
}

/// A check of a monitoring point; readings as typed (`KEY=VALUE`).
#[derive(Debug, Clone)]
pub struct CheckDraft {
    pub point: PointCode,
    pub verdict: Verdict,
    pub readings: Vec<String>,
    pub note: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PathBuf>,
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
    let photos = process_all(&draft.photos, limits)?;
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
    let photos = process_all(&draft.photos, limits)?;
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
    let photos = process_all(&draft.photos, limits)?;
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

fn process_all(
    paths: &[PathBuf],
    limits: &PhotoLimits,
) -> Result<Vec<ProcessedPhoto>, DeviceError> {
    paths
        .iter()
        .map(|p| {
            photo::process_file(p, limits).map_err(|source| DeviceError::Photo {
                path: p.clone(),
                source,
            })
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
    let photo_store = PhotoStore::new(store.photo_dir());
    let tx = store.write()?;
    let mut clock = Store::clock(&tx, who.device)?;
    let event = Event {
        id: EventId::new(),
        hlc: clock.tick(store::now_ms()),
        author: who.user.clone(),
        device: who.device,
        body,
    };
    let warnings = validate(&event, &LocalRegistry(&tx), &Limits::default(), Utc::now())
        .map_err(DeviceError::Invalid)?;
    for p in photos {
        photo_store.put(p).map_err(|source| DeviceError::Photo {
            path: photo_store.path(&p.hash),
            source,
        })?;
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
