//! What the phone's screens ask of the device: who is signed in, the records
//! as the screens show them, photos kept the moment they are taken, and how
//! far sync has got. The app's Tauri commands are one-line wrappers over
//! these functions, so everything here is tested without a webview.
//!
//! A photo is processed and kept when it is chosen ([`add_photo`]), so
//! saving the record afterwards only cites it by hash and is instant.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use gridsafe_core::event::ItemOutcome;
use gridsafe_core::event::{EntityRef, Event, EventBody, EventKind};
use gridsafe_core::hazard::{HazardState, Superseded};
use gridsafe_core::location::Location;
use gridsafe_core::point::{self, LastCheck, MonitoringPoint, PointDuty};
use gridsafe_core::reading::{self, Readings};
use gridsafe_core::{
    BannedDish, GridCode, GridNode, HazardId, HazardLevel, ItemResult, PhotoHash, PointCode,
    PromiseKind, Role, Sector, StableKey, TaskId, Username, Verdict,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::api::ClientOptions;
use crate::enroll::{self, Credentials};
use crate::error::DeviceError;
use crate::outbox::{self, SyncState};
use crate::photo::{self, DamagedPhoto, PhotoLimits, PhotoProblem, PhotoStore};
use crate::record::{self, CheckDraft, HazardDraft, PhotoInput, RectificationDraft};
use crate::reference;
use crate::store::{self, Store, keys};
use crate::sync::{self, NoProgress, SyncError, SyncOptions, SyncReport};
use crate::township::{self, RecordView, TaskView};

/// How long a monitoring point may go unchecked before it is due, outside
/// flood-season duty; a point the office put on duty takes the duty's
/// interval (see [`points`]).
pub fn check_interval() -> Duration {
    point::check_interval(false, point::DEFAULT_CHECK_INTERVAL_DAYS)
}

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Photo(#[from] photo::PhotoError),
    /// The screens look for this prefix to ask a second time.
    #[error(
        "unsynced: {events} records and {photos} photos have not reached the server yet; signing out now keeps them on this phone but they cannot be sent until this account signs in again"
    )]
    Unsynced { events: u64, photos: u64 },
    #[error("{0}")]
    Input(String),
}

/// Prefix of a refusal that names fields: `invalid:` then the core's field
/// errors as JSON, so a screen can put each reason next to its field, in
/// the reader's language.
pub const INVALID_PREFIX: &str = "invalid:";

impl AppError {
    /// The text a screen receives for this error: field errors in the form
    /// of [`INVALID_PREFIX`], anything else as the sentence a person reads.
    pub fn screen_text(&self) -> String {
        match self {
            AppError::Device(DeviceError::Invalid(fields)) => match serde_json::to_string(fields) {
                Ok(json) => format!("{INVALID_PREFIX}{json}"),
                Err(_) => self.to_string(),
            },
            _ => self.to_string(),
        }
    }
}

type Result<T> = std::result::Result<T, AppError>;

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Device(e.into())
    }
}

/// Who is signed in on this phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub user: Username,
    pub role: Role,
    pub grids: Vec<GridCode>,
    pub server: String,
    pub device_id: String,
}

/// Where a record stands with the server, for a tag on screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordSync {
    pub state: SyncState,
    /// The server's reason, when something of the record was refused.
    pub reason: Option<String>,
    /// Kept in the trail without effect, and why.
    pub superseded: Option<Superseded>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardView {
    pub state: HazardState,
    pub sync: RecordSync,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrailEntry {
    pub event: Event,
    pub sync: RecordSync,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardDetail {
    pub view: HazardView,
    pub trail: Vec<TrailEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointView {
    pub point: MonitoringPoint,
    pub last_check: Option<LastCheck>,
    pub check_due: bool,
    /// When the next check falls due; `None` for a point never checked (due now).
    pub next_check_at: Option<DateTime<Utc>>,
    /// The flood-season duty the office put the point under, if any.
    pub duty: Option<PointDuty>,
}

/// A photo kept on the phone, with its thumbnail as a `data:` URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoRef {
    pub hash: PhotoHash,
    pub thumb: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxPhoto {
    pub hash: PhotoHash,
    pub size: u64,
    pub uploaded: u64,
    /// Set when the file of a photo still to upload is missing or damaged.
    pub problem: Option<PhotoProblem>,
}

/// One of the phone's own events, as the sync screen lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub seq: u64,
    pub event_id: String,
    pub kind: EventKind,
    pub summary: String,
    pub state: SyncState,
    pub reason: Option<String>,
    pub urgent: bool,
    pub photos: Vec<OutboxPhoto>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    pub pending_events: u64,
    pub pending_blobs: u64,
    pub rejected: u64,
    pub last_sync: Option<String>,
    pub last_error: Option<String>,
    /// Photos waiting for upload whose file is missing or damaged.
    pub damaged_photos: Vec<DamagedPhoto>,
}

/// A new hazard as the form sends it; photos already kept by [`add_photo`].
#[derive(Debug, Clone, Deserialize)]
pub struct NewHazard {
    pub grid: GridCode,
    pub sector: Sector,
    pub level: HazardLevel,
    pub description: String,
    pub place: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PhotoHash>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewRectification {
    pub hazard: HazardId,
    pub note: String,
    #[serde(default)]
    pub location: Option<Location>,
    pub photos: Vec<PhotoHash>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewCheck {
    pub point: PointCode,
    pub verdict: Verdict,
    pub readings: Readings,
    pub note: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PhotoHash>,
}

/// A task's check as the task screen sends it; a failed item may be
/// reported as a hazard in the same step.
#[derive(Debug, Clone, Deserialize)]
pub struct NewTaskCheck {
    pub task: TaskId,
    pub target: String,
    pub results: Vec<ItemOutcome>,
    #[serde(default)]
    pub hazard: Option<TaskHazard>,
    pub note: Option<String>,
    pub location: Option<Location>,
    pub photos: Vec<PhotoHash>,
}

/// The hazard a failed item becomes.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskHazard {
    pub description: String,
    pub level: HazardLevel,
    /// Default: the task's sector, or the first failed item's.
    #[serde(default)]
    pub sector: Option<Sector>,
}

/// What a task's check saved: the check, and the hazard it raised.
#[derive(Debug, Clone, Serialize)]
pub struct TaskCheckSaved {
    pub task: String,
    pub hazard: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewMeeting {
    pub grid: GridCode,
    pub held_on: chrono::NaiveDate,
    pub topic: String,
    #[serde(default)]
    pub attendees: Vec<String>,
    #[serde(default)]
    pub minutes: Option<String>,
    pub photos: Vec<PhotoHash>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewBanquet {
    pub grid: GridCode,
    pub host: String,
    pub held_on: chrono::NaiveDate,
    pub tables: u32,
    #[serde(default)]
    pub cook: Option<String>,
    #[serde(default)]
    pub samples_kept: bool,
    #[serde(default)]
    pub banned_dishes_absent: Vec<BannedDish>,
    pub photos: Vec<PhotoHash>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewPromise {
    pub grid: GridCode,
    pub kind: PromiseKind,
    pub party: String,
    #[serde(default)]
    pub signed_on: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
    pub photos: Vec<PhotoHash>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewAccident {
    pub grid: GridCode,
    pub sector: Sector,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub deaths: u32,
    pub injuries: u32,
    pub description: String,
    #[serde(default)]
    pub location: Option<Location>,
    pub photos: Vec<PhotoHash>,
}

/// The tasks of the phone's grids, open and overdue first.
pub fn tasks(store: &Store, now: DateTime<Utc>) -> Result<Vec<TaskView>> {
    Ok(township::tasks(store.conn(), township::local_today(now))?)
}

pub fn task(store: &Store, id: TaskId, now: DateTime<Utc>) -> Result<Option<TaskView>> {
    Ok(township::task(
        store.conn(),
        id,
        township::local_today(now),
    )?)
}

/// Meetings, banquets, promises and accidents on the phone, newest first.
pub fn records(store: &Store) -> Result<Vec<RecordView>> {
    Ok(township::records(store.conn())?)
}

pub fn add_task_check(store: &mut Store, c: NewTaskCheck) -> Result<TaskCheckSaved> {
    let limits = PhotoLimits::default();
    let view = township::task(store.conn(), c.task, township::local_today(Utc::now()))?
        .ok_or(DeviceError::UnknownTask(c.task))?;
    let mut hazards = Vec::new();
    let mut raised = None;
    if let Some(h) = c.hazard {
        let grid = match township::target(&view.task, &c.target) {
            Some(gridsafe_core::event::TaskTarget::Grid(g)) => g,
            Some(gridsafe_core::event::TaskTarget::Point(p)) => {
                reference::point(store.conn(), &p)?
                    .ok_or(DeviceError::UnknownPoint(p))?
                    .1
            }
            None => {
                return Err(AppError::Input(format!(
                    "{} is not a target of this task",
                    c.target
                )));
            }
        };
        let sector = h.sector.or(view.task.sector).unwrap_or_else(|| {
            c.results
                .iter()
                .find(|o| o.result == ItemResult::Fail)
                .map_or(Sector::Other, |o| o.item.sector())
        });
        let r = record::hazard(
            store,
            HazardDraft {
                grid,
                sector,
                level: h.level,
                description: h.description,
                place: None,
                location: c.location,
                photos: kept(c.photos.clone()),
            },
            &limits,
        )?;
        hazards.push(
            r.id.parse()
                .map_err(|e: gridsafe_core::ids::IdError| AppError::Input(e.to_string()))?,
        );
        raised = Some(r.id);
    }
    let r = record::task_check(
        store,
        record::TaskCheckDraft {
            task: c.task,
            target: c.target,
            results: c
                .results
                .iter()
                .map(|o| format!("{}={}", o.item.key(), o.result.key()))
                .collect(),
            hazards,
            note: c.note.filter(|n| !n.trim().is_empty()),
            location: c.location,
            photos: kept(c.photos),
        },
        &limits,
    )?;
    Ok(TaskCheckSaved {
        task: r.id,
        hazard: raised,
    })
}

pub fn add_meeting(store: &mut Store, m: NewMeeting) -> Result<String> {
    let d = record::MeetingDraft {
        grid: m.grid,
        held_on: m.held_on,
        topic: m.topic,
        attendees: m
            .attendees
            .into_iter()
            .filter(|a| !a.trim().is_empty())
            .collect(),
        minutes: m.minutes.filter(|n| !n.trim().is_empty()),
        photos: kept(m.photos),
    };
    Ok(record::meeting(store, d, &PhotoLimits::default())?.id)
}

pub fn add_banquet(store: &mut Store, b: NewBanquet) -> Result<String> {
    let d = record::BanquetDraft {
        grid: b.grid,
        host: b.host,
        held_on: b.held_on,
        tables: b.tables,
        cook: b.cook.filter(|n| !n.trim().is_empty()),
        samples_kept: b.samples_kept,
        banned_dishes_absent: b.banned_dishes_absent,
        photos: kept(b.photos),
    };
    Ok(record::banquet(store, d, &PhotoLimits::default())?.id)
}

pub fn add_promise(store: &mut Store, p: NewPromise) -> Result<String> {
    let d = record::PromiseDraft {
        grid: p.grid,
        kind: p.kind,
        party: p.party,
        signed_on: p
            .signed_on
            .unwrap_or_else(|| township::local_today(Utc::now())),
        note: p.note.filter(|n| !n.trim().is_empty()),
        photos: kept(p.photos),
    };
    Ok(record::promise(store, d, &PhotoLimits::default())?.id)
}

pub fn add_accident(store: &mut Store, a: NewAccident) -> Result<String> {
    let d = record::AccidentDraft {
        grid: a.grid,
        sector: a.sector,
        occurred_at: a.occurred_at,
        place: a.place,
        deaths: a.deaths,
        injuries: a.injuries,
        description: a.description,
        location: a.location,
        photos: kept(a.photos),
    };
    Ok(record::accident(store, d, &PhotoLimits::default())?.id)
}

pub fn session(store: &Store) -> Result<Option<Session>> {
    Ok(store.enrollment()?.map(|e| Session {
        user: e.user,
        role: e.role,
        grids: e.grids,
        server: e.server,
        device_id: e.device.to_string(),
    }))
}

pub fn enroll(store: &mut Store, server: &str, username: &str, password: &str) -> Result<Session> {
    let creds = Credentials {
        server: server.to_owned(),
        user: username.to_owned(),
        password: password.to_owned(),
        device_name: None,
    };
    enroll::enroll(store, &creds, &ClientOptions::default())?;
    Ok(session(store)?.expect("enrolled just now"))
}

/// Forgets the sign-in. Refused while records or photos wait, unless forced;
/// the records themselves always stay on the phone.
pub fn sign_out(store: &mut Store, force: bool) -> Result<()> {
    let c = outbox::counts(store.conn())?;
    let events = c.pending + c.sent;
    let photos = sync::pending_photos(store.conn())?;
    if !force && (events > 0 || photos > 0) {
        return Err(AppError::Unsynced { events, photos });
    }
    store::delete_meta(store.conn(), keys::ENROLLMENT)?;
    Ok(())
}

pub fn grids(store: &Store) -> Result<Vec<GridNode>> {
    Ok(reference::grids(store.conn())?)
}

/// The checks of a point that count, oldest first.
fn point_checks(store: &Store, code: &PointCode) -> Result<Vec<Event>> {
    let mut st = store.conn().prepare(
        "SELECT e.body FROM checks c JOIN events e ON e.event_id = c.event_id
         LEFT JOIN outbox o ON o.event_id = e.event_id
         WHERE c.point = ?1 AND (o.state IS NULL OR o.state != 'rejected')
         ORDER BY e.hlc",
    )?;
    let rows = st.query_map([code.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?).map_err(DeviceError::from)?);
    }
    Ok(out)
}

pub fn points(store: &Store, now: DateTime<Utc>) -> Result<Vec<PointView>> {
    let mut out = Vec::new();
    let duties = township::duties(store.conn())?;
    for p in reference::points(store.conn())? {
        let checks = point_checks(store, &p.code)?;
        let last = point::last_check(&checks);
        let duty = duties.get(&p.code).cloned();
        let interval = point::point_interval(
            duty.as_ref().map(|d| d.interval_hours),
            false,
            point::DEFAULT_CHECK_INTERVAL_DAYS,
        );
        out.push(PointView {
            check_due: point::check_due(last.as_ref(), interval, now),
            next_check_at: point::next_check_at(last.as_ref(), interval),
            last_check: last,
            duty,
            point: p,
        });
    }
    Ok(out)
}

/// What the server said of one of the phone's events, or `None` for an
/// event pulled from the server (accepted there by definition).
fn own_sync(entry: &outbox::Entry) -> RecordSync {
    RecordSync {
        state: entry.state,
        reason: entry.rejection.as_ref().map(|r| r.message.clone()),
        superseded: entry.superseded,
    }
}

/// A record's own events summed up: anything waiting first, then refusals.
fn record_sync(entries: &[outbox::Entry]) -> RecordSync {
    let worst = [SyncState::Pending, SyncState::Sent, SyncState::Rejected]
        .into_iter()
        .find(|s| entries.iter().any(|e| e.state == *s))
        .unwrap_or(SyncState::Accepted);
    RecordSync {
        state: worst,
        reason: entries
            .iter()
            .rev()
            .find_map(|e| e.rejection.as_ref().map(|r| r.message.clone())),
        superseded: entries.iter().rev().find_map(|e| e.superseded),
    }
}

fn stored_hazards(store: &Store) -> Result<Vec<HazardState>> {
    let mut st = store
        .conn()
        .prepare("SELECT state FROM hazards ORDER BY id DESC")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for s in rows {
        out.push(serde_json::from_str(&s?).map_err(DeviceError::from)?);
    }
    Ok(out)
}

/// The hazards the phone knows, newest first. A hazard whose report the
/// server refused has no state; it shows on the sync screen with the reason.
pub fn hazards(store: &Store) -> Result<Vec<HazardView>> {
    let mut out = Vec::new();
    for state in stored_hazards(store)? {
        let own = outbox::for_entity(store.conn(), EntityRef::Hazard(state.id))?;
        out.push(HazardView {
            sync: record_sync(&own),
            state,
        });
    }
    Ok(out)
}

pub fn hazard(store: &Store, id: HazardId) -> Result<Option<HazardDetail>> {
    let Some(state) = crate::state::hazard(store.conn(), id)? else {
        return Ok(None);
    };
    let own = outbox::for_entity(store.conn(), EntityRef::Hazard(id))?;
    let mut st = store.conn().prepare(
        "SELECT body FROM events WHERE entity_kind = 'hazard' AND entity_id = ?1 ORDER BY hlc",
    )?;
    let rows = st.query_map([id.to_string()], |r| r.get::<_, String>(0))?;
    let mut trail = Vec::new();
    for body in rows {
        let event: Event = serde_json::from_str(&body?).map_err(DeviceError::from)?;
        let sync = match own.iter().find(|e| e.event.id == event.id) {
            Some(entry) => own_sync(entry),
            None => RecordSync {
                state: SyncState::Accepted,
                reason: None,
                superseded: state
                    .superseded
                    .iter()
                    .find(|s| s.event == event.id)
                    .map(|s| s.reason),
            },
        };
        trail.push(TrailEntry { event, sync });
    }
    Ok(Some(HazardDetail {
        view: HazardView {
            sync: record_sync(&own),
            state,
        },
        trail,
    }))
}

fn data_url(jpeg: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

/// Processes a camera photo and keeps it, ready to be cited by a record.
pub fn add_photo(store: &Store, bytes: &[u8], limits: &PhotoLimits) -> Result<PhotoRef> {
    let processed = photo::process(bytes, limits)?;
    PhotoStore::new(store.photo_dir()).put(&processed)?;
    Ok(PhotoRef {
        thumb: data_url(&processed.thumb),
        bytes: processed.jpeg.len() as u64,
        hash: processed.hash,
    })
}

pub fn photo_thumb(store: &Store, hash: &PhotoHash) -> Option<String> {
    PhotoStore::new(store.photo_dir())
        .thumb(hash)
        .map(|t| data_url(&t))
}

fn kept(photos: Vec<PhotoHash>) -> Vec<PhotoInput> {
    photos.into_iter().map(PhotoInput::Kept).collect()
}

pub fn add_hazard(store: &mut Store, h: NewHazard) -> Result<String> {
    let draft = HazardDraft {
        grid: h.grid,
        sector: h.sector,
        level: h.level,
        description: h.description,
        place: h.place.filter(|p| !p.trim().is_empty()),
        location: h.location,
        photos: kept(h.photos),
    };
    Ok(record::hazard(store, draft, &PhotoLimits::default())?.id)
}

pub fn rectify(store: &mut Store, r: NewRectification) -> Result<String> {
    let draft = RectificationDraft {
        hazard: r.hazard,
        note: r.note,
        location: r.location,
        photos: kept(r.photos),
    };
    Ok(record::rectification(store, draft, &PhotoLimits::default())?.id)
}

pub fn add_check(store: &mut Store, c: NewCheck) -> Result<String> {
    let draft = CheckDraft {
        point: c.point,
        verdict: c.verdict,
        readings: c
            .readings
            .iter()
            .map(|(k, v)| reading::format_reading(k, *v))
            .collect(),
        note: c.note.filter(|n| !n.trim().is_empty()),
        location: c.location,
        photos: kept(c.photos),
    };
    Ok(record::check(store, draft, &PhotoLimits::default())?.id)
}

/// The verdict the readings suggest, against the point's previous check.
pub fn suggest_verdict(store: &Store, code: &PointCode, readings: &Readings) -> Result<Verdict> {
    let (kind, _) = reference::point(store.conn(), code)?
        .ok_or_else(|| AppError::Input(format!("unknown monitoring point {code}")))?;
    let previous = point_checks(store, code)?
        .into_iter()
        .rev()
        .find_map(|e| match e.body {
            EventBody::CheckLogged(c) => Some(c.readings),
            _ => None,
        });
    Ok(reading::suggest_verdict(kind, readings, previous.as_ref()))
}

pub fn sync(store: &mut Store) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    sync::sync(store, &SyncOptions::default(), &NoProgress, &mut report)?;
    Ok(report)
}

pub fn sync_status(store: &Store) -> Result<SyncStatus> {
    let conn = store.conn();
    let c = outbox::counts(conn)?;
    Ok(SyncStatus {
        pending_events: c.pending + c.sent,
        pending_blobs: sync::pending_photos(conn)?,
        rejected: c.rejected,
        last_sync: store::get_meta(conn, keys::LAST_SYNC)?,
        last_error: store::get_meta(conn, keys::LAST_SYNC_ERROR)?,
        damaged_photos: sync::damaged_photos(conn, &PhotoStore::new(store.photo_dir()))?,
    })
}

/// A line that says what an event was, in the words of the record.
fn summary(event: &Event) -> String {
    match &event.body {
        EventBody::HazardReported(h) => h.description.clone(),
        EventBody::RectificationSubmitted(r) => r.note.clone(),
        EventBody::CheckLogged(c) => format!(
            "{} · {}",
            c.point,
            c.verdict.label(gridsafe_core::Lang::ZhCn)
        ),
        EventBody::AccidentReported(a) => a.description.clone(),
        EventBody::MeetingRecorded(m) => m.topic.clone(),
        EventBody::BanquetFiled(b) => format!("{} · {}桌", b.host, b.tables),
        EventBody::PromiseSigned(p) => {
            format!("{} · {}", p.party, p.kind.label(gridsafe_core::Lang::ZhCn))
        }
        EventBody::TaskCheckRecorded(k) => k.target.code().to_string(),
        other => other.hazard().map(|h| h.to_string()).unwrap_or_default(),
    }
}

pub fn outbox(store: &Store) -> Result<Vec<OutboxItem>> {
    let conn = store.conn();
    let photos = PhotoStore::new(store.photo_dir());
    let mut sizes: BTreeMap<String, (u64, bool)> = BTreeMap::new();
    {
        let mut st = conn.prepare("SELECT hash, bytes, uploaded_at IS NOT NULL FROM photos")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for row in rows {
            let (h, b, up) = row?;
            sizes.insert(h, (b as u64, up));
        }
    }
    let mut items: Vec<OutboxItem> = outbox::all(conn)?
        .into_iter()
        .map(|e| OutboxItem {
            seq: e.seq,
            event_id: e.event.id.to_string(),
            kind: e.event.kind(),
            summary: summary(&e.event),
            state: e.state,
            reason: e.rejection.as_ref().map(|r| r.message.clone()),
            urgent: e.urgent,
            photos: e
                .event
                .body
                .photos()
                .iter()
                .map(|h| {
                    let (size, done) = sizes.get(h.as_str()).copied().unwrap_or((0, false));
                    OutboxPhoto {
                        hash: h.clone(),
                        size,
                        uploaded: if done { size } else { 0 },
                        problem: if done { None } else { photos.check(h) },
                    }
                })
                .collect(),
        })
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.seq));
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::tests::camera_jpeg;
    use crate::testing;

    fn new_hazard(photos: Vec<PhotoHash>) -> NewHazard {
        NewHazard {
            grid: "V1".parse().unwrap(),
            sector: Sector::Construction,
            level: HazardLevel::Major,
            description: "塔吊无检测报告".into(),
            place: Some("  ".into()),
            location: None,
            photos,
        }
    }

    #[test]
    fn a_photo_kept_first_is_cited_by_the_record_without_processing_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let kept = add_photo(&store, &camera_jpeg(1600, 1200), &PhotoLimits::default()).unwrap();
        assert!(kept.thumb.starts_with("data:image/jpeg;base64,"));
        assert_eq!(photo_thumb(&store, &kept.hash), Some(kept.thumb.clone()));
        let id = add_hazard(&mut store, new_hazard(vec![kept.hash.clone()])).unwrap();

        let list = hazards(&store).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].state.id.to_string(), id);
        assert_eq!(list[0].state.photos, vec![kept.hash.clone()]);
        assert_eq!(list[0].state.place, None, "a blank place is no place");
        assert_eq!(list[0].sync.state, SyncState::Pending);

        let detail = hazard(&store, list[0].state.id).unwrap().unwrap();
        assert_eq!(detail.trail.len(), 1);
        assert_eq!(detail.trail[0].sync.state, SyncState::Pending);

        let out = outbox(&store).unwrap();
        assert_eq!(out.len(), 1);
        assert!(out[0].urgent, "a major hazard goes first");
        assert_eq!(out[0].photos[0].uploaded, 0);
        assert_eq!(out[0].photos[0].size, kept.bytes);
        let status = sync_status(&store).unwrap();
        assert_eq!((status.pending_events, status.pending_blobs), (1, 1));
    }

    #[test]
    fn a_damaged_kept_photo_is_reported_and_nothing_is_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let kept = add_photo(&store, &camera_jpeg(800, 600), &PhotoLimits::default()).unwrap();
        let path = PhotoStore::new(store.photo_dir()).path(&kept.hash);
        std::fs::write(&path, b"not the photo any more").unwrap();
        let err = add_hazard(&mut store, new_hazard(vec![kept.hash.clone()])).unwrap_err();
        assert!(err.to_string().contains("missing or damaged"), "{err}");
        assert!(hazards(&store).unwrap().is_empty());
        assert!(outbox(&store).unwrap().is_empty());
    }

    #[test]
    fn a_photo_file_lost_after_saving_is_shown_on_the_sync_screen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let lost = add_photo(&store, &camera_jpeg(800, 600), &PhotoLimits::default()).unwrap();
        let spoilt = add_photo(&store, &camera_jpeg(640, 480), &PhotoLimits::default()).unwrap();
        add_hazard(
            &mut store,
            new_hazard(vec![lost.hash.clone(), spoilt.hash.clone()]),
        )
        .unwrap();
        assert!(sync_status(&store).unwrap().damaged_photos.is_empty());

        let photos = PhotoStore::new(store.photo_dir());
        std::fs::remove_file(photos.path(&lost.hash)).unwrap();
        std::fs::write(photos.path(&spoilt.hash), b"half a photo").unwrap();
        let status = sync_status(&store).unwrap();
        let mut want = vec![
            DamagedPhoto {
                hash: lost.hash.clone(),
                problem: PhotoProblem::Missing,
            },
            DamagedPhoto {
                hash: spoilt.hash.clone(),
                problem: PhotoProblem::Damaged,
            },
        ];
        want.sort_by(|a, b| a.hash.as_str().cmp(b.hash.as_str()));
        assert_eq!(status.damaged_photos, want);
        assert_eq!(status.pending_blobs, 2);
        let out = outbox(&store).unwrap();
        let problems: Vec<_> = out[0].photos.iter().map(|p| p.problem).collect();
        assert_eq!(
            problems,
            vec![Some(PhotoProblem::Missing), Some(PhotoProblem::Damaged)]
        );
        // The list still opens, and shows the record.
        assert_eq!(hazards(&store).unwrap().len(), 1);
    }

    #[test]
    fn sign_out_waits_for_unsynced_records_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        add_hazard(&mut store, new_hazard(vec![])).unwrap();
        let err = sign_out(&mut store, false).unwrap_err();
        assert!(err.to_string().starts_with("unsynced: 1 records"), "{err}");
        assert!(session(&store).unwrap().is_some());
        sign_out(&mut store, true).unwrap();
        assert!(session(&store).unwrap().is_none());
        assert_eq!(
            outbox(&store).unwrap().len(),
            1,
            "the record stays on the phone"
        );
    }

    #[test]
    fn checks_use_typed_readings_and_the_suggestion_compares_with_the_last_check() {
        use gridsafe_core::reading::ReadingValue::{Flag, Number};
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let point = reference::points(store.conn())
            .unwrap()
            .into_iter()
            .find(|p| p.kind == gridsafe_core::PointKind::Landslide)
            .expect("a landslide point in the test town");
        let readings = |w: f64, new: bool| -> Readings {
            [
                ("crack_width_mm", Number(w)),
                ("new_cracks", Flag(new)),
                ("bulging", Flag(false)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        };
        let calm = readings(2.0, false);
        assert_eq!(
            suggest_verdict(&store, &point.code, &calm).unwrap(),
            Verdict::Normal
        );
        let check = NewCheck {
            point: point.code.clone(),
            verdict: Verdict::Normal,
            readings: calm,
            note: None,
            location: None,
            photos: vec![],
        };
        add_check(&mut store, check).unwrap();
        assert_eq!(
            suggest_verdict(&store, &point.code, &readings(5.0, true)).unwrap(),
            Verdict::Danger
        );
        let views = points(&store, Utc::now()).unwrap();
        let view = views.iter().find(|v| v.point.code == point.code).unwrap();
        assert_eq!(view.last_check.as_ref().unwrap().verdict, Verdict::Normal);
        assert!(!view.check_due);
        assert!(
            points(&store, Utc::now() + check_interval())
                .unwrap()
                .iter()
                .find(|v| v.point.code == point.code)
                .unwrap()
                .check_due
        );
    }

    #[test]
    fn a_refused_record_names_its_fields_for_the_screen_and_nothing_is_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let err = add_meeting(
            &mut store,
            NewMeeting {
                grid: "V1".parse().unwrap(),
                held_on: township::local_today(Utc::now()) + chrono::Duration::days(3),
                topic: " ".into(),
                attendees: vec![],
                minutes: None,
                photos: vec![],
            },
        )
        .unwrap_err();
        let text = err.screen_text();
        let json = text.strip_prefix(INVALID_PREFIX).expect(&text);
        let fields: Vec<gridsafe_core::validate::FieldError> = serde_json::from_str(json).unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert!(names.contains(&"topic"), "{names:?}");
        assert!(names.contains(&"held_on"), "{names:?}");
        assert!(records(&store).unwrap().is_empty());
        assert!(outbox(&store).unwrap().is_empty());
        let other = AppError::Input("no such hazard".into());
        assert_eq!(other.screen_text(), "no such hazard");
    }
}
