//! The sync client: push the outbox, upload photos, pull what is new, in
//! the order docs/SYNC.md sets.
//!
//! 1. Events in sequence order, in batches. When urgent events wait (danger
//!    checks, major hazards, accidents) the first batch runs up to the last
//!    of them, so they reach the town office in the first request. Each
//!    entry is marked `sent` before its request and gets the server's
//!    verdict after, in one transaction per batch. A `sequence_gap` answer
//!    resends from the sequence the server expects.
//! 2. Photos of accepted events (those of urgent records first), uploaded
//!    in chunks from the server's offset, so a cut connection resumes rather
//!    than restarts.
//! 3. Pull pages until there are no more, each page applied with its cursor
//!    in one transaction; then refresh the copy of the user's grids and points.
//!
//! Transient failures (network, 5xx) are retried a bounded number of times
//! with exponential backoff and jitter. Any failure leaves the store
//! consistent, and the next sync carries on from where this one stopped.
//! Nothing local is deleted because the server said ok.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use chrono::Utc;
use gridsafe_core::PhotoHash;
use gridsafe_core::wire::{PushItem, PushRequest, PushVerdict};
use rand::Rng;
use rusqlite::{Connection, params};
use serde::Serialize;
use thiserror::Error;

use crate::api::{ApiError, Client, ClientOptions, UploadState};
use crate::enroll;
use crate::error::DeviceError;
use crate::outbox;
use crate::photo::{DamagedPhoto, PhotoStore};
use crate::state;
use crate::store::{self, Store, keys};

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Events in one push (the urgent first batch may be longer).
    pub batch_size: usize,
    /// Bytes in one PATCH of a photo.
    pub chunk_size: usize,
    /// Events asked for in one pull page.
    pub pull_limit: u32,
    /// How often a transient failure is retried before the sync gives up.
    pub retries: u32,
    /// First pause before a retry; it doubles each time, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub client: ClientOptions,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            batch_size: 100,
            // A photo of the usual size in one request; a cut one resumes
            // from what the server kept.
            chunk_size: 512 * 1024,
            pull_limit: 500,
            retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            client: ClientOptions::default(),
        }
    }
}

#[derive(Debug, Error)]
pub enum SyncError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(
        "the server no longer accepts this device's sign-in ({code}: {message}); your records are kept on this device; run `gridsafe-field enroll` again to sign in"
    )]
    SignIn { code: String, message: String },
    #[error(transparent)]
    Api(ApiError),
    #[error("{0}")]
    Usage(String),
    #[error("sync did not finish: {0}")]
    Incomplete(String),
}

impl From<ApiError> for SyncError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Auth { code, message } => SyncError::SignIn { code, message },
            other => SyncError::Api(other),
        }
    }
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Device(e.into())
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Events sent (a resent event counts again).
    pub pushed: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Accepted but without effect on their record (kept in the trail).
    pub superseded: u64,
    pub blobs_uploaded: u64,
    pub pulled: u64,
}

/// Told how a sync is going, for a progress bar.
pub trait Progress {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

/// Runs one sync. `report` counts what was done, also when it fails part-way
/// (the store already holds that part).
pub fn sync(
    store: &mut Store,
    opts: &SyncOptions,
    progress: &dyn Progress,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let who = store.require_enrollment()?;
    let client = Client::new(&who.server, Some(who.token.clone()), &opts.client)?;
    let log_id = {
        let conn = store.conn();
        conn.execute(
            "INSERT INTO sync_log (started_at) VALUES (?1)",
            [Utc::now().to_rfc3339()],
        )?;
        conn.last_insert_rowid()
    };
    let result = run(store, &client, opts, progress, report);
    progress.finish();
    let conn = store.conn();
    let now = Utc::now().to_rfc3339();
    match &result {
        Ok(()) => {
            store::set_meta(conn, keys::LAST_SYNC, &now)?;
            store::delete_meta(conn, keys::LAST_SYNC_ERROR)?;
            store::delete_meta(conn, keys::AUTH_ERROR)?;
        }
        Err(e) => {
            store::set_meta(conn, keys::LAST_SYNC_ERROR, &e.to_string())?;
            if let SyncError::SignIn { code, .. } = e {
                store::set_meta(conn, keys::AUTH_ERROR, code)?;
            }
        }
    }
    conn.execute(
        "UPDATE sync_log SET finished_at = ?2, outcome = ?3, message = ?4 WHERE id = ?1",
        params![
            log_id,
            now,
            if result.is_ok() { "ok" } else { "failed" },
            result.as_ref().err().map(|e| e.to_string()),
        ],
    )?;
    result
}

fn run(
    store: &mut Store,
    client: &Client,
    opts: &SyncOptions,
    progress: &dyn Progress,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    // Photo files from a record that never committed (the app killed
    // mid-save) are cited by nothing; an hour's grace spares a save in progress.
    let photos = PhotoStore::new(store.photo_dir());
    let cited = cited_photos(store.conn())?;
    let _ = photos.sweep(|h| cited.contains(h), Duration::from_secs(3600));

    let missing = push(store, client, opts, progress, report)?;
    let failures = upload(store, client, &photos, &missing, opts, progress, report)?;
    pull(store, client, opts, progress, report)?;
    enroll::refresh_reference(store, client)?;

    if let Some(seq) = outbox::first_undecided(store.conn())? {
        return Err(SyncError::Incomplete(format!(
            "the server has not answered for event {seq}"
        )));
    }
    if !failures.is_empty() {
        return Err(SyncError::Incomplete(failures.join("; ")));
    }
    Ok(())
}

fn retry<T>(opts: &SyncOptions, mut f: impl FnMut() -> Result<T, ApiError>) -> Result<T, ApiError> {
    let mut attempt = 0;
    loop {
        match f() {
            Err(e) if e.is_transient() && attempt < opts.retries => {
                std::thread::sleep(backoff(opts, attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Exponential backoff with jitter: a random pause in [½, 1] of base·2ⁿ, so
/// phones that lost the network together do not all come back at once.
pub fn backoff(opts: &SyncOptions, attempt: u32) -> Duration {
    let full = opts
        .backoff_base
        .saturating_mul(1u32 << attempt.min(16))
        .min(opts.backoff_max);
    full.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// Pushes every event the server has not answered for. Returns the photos
/// the server said it lacks.
fn push(
    store: &mut Store,
    client: &Client,
    opts: &SyncOptions,
    progress: &dyn Progress,
    report: &mut SyncReport,
) -> Result<BTreeSet<PhotoHash>, SyncError> {
    let who = store.require_enrollment()?;
    let mut missing = BTreeSet::new();
    let Some(mut from) = outbox::first_undecided(store.conn())? else {
        return Ok(missing);
    };
    let last = outbox::last_seq(store.conn())?;
    progress.stage("sending records", last + 1 - from);
    let batch = opts.batch_size.max(1) as u64;
    // The urgent rule applies to what waits when the sync starts.
    let mut urgent_through = outbox::last_urgent_undecided(store.conn())?;
    let mut gaps = 0;
    loop {
        let mut to = (from + batch - 1).min(last);
        if let Some(u) = urgent_through.take() {
            to = to.max(u);
        }
        let entries = outbox::range(store.conn(), from, to)?;
        if entries.is_empty() {
            break;
        }
        {
            let tx = store.write()?;
            outbox::mark_sent(&tx, from, to)?;
            tx.commit()?;
        }
        let req = PushRequest {
            device: who.device,
            events: entries
                .iter()
                .map(|e| PushItem {
                    seq: e.seq,
                    event: e.event.clone(),
                })
                .collect(),
        };
        let result = retry(opts, || client.push(&req));
        if matches!(
            result,
            Err(ApiError::SequenceGap { .. } | ApiError::Auth { .. } | ApiError::Refused { .. })
        ) {
            // Refused as a whole: none of it was taken.
            outbox::unmark_sent(store.conn(), from, to)?;
        }
        let resp = match result {
            Ok(r) => r,
            Err(ApiError::SequenceGap { expected_seq }) => {
                gaps += 1;
                if gaps > 3 || expected_seq == 0 || expected_seq > last {
                    return Err(SyncError::Incomplete(format!(
                        "the server expects event {expected_seq} next and this device cannot supply it"
                    )));
                }
                // The server lost or never got these: send them again, even
                // those this device holds a verdict for.
                from = expected_seq;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        report.pushed += entries.len() as u64;
        progress.advance(entries.len() as u64);
        {
            let tx = store.write()?;
            let mut touched = HashSet::new();
            for r in &resp.results {
                let Some(entry) = entries.iter().find(|e| e.seq == r.seq) else {
                    continue;
                };
                if entry.event.id != r.event {
                    return Err(SyncError::Incomplete(format!(
                        "the server answered for a different event under sequence {}",
                        r.seq
                    )));
                }
                outbox::record_verdict(&tx, r.seq, &r.verdict)?;
                match &r.verdict {
                    PushVerdict::Accepted { superseded, .. } => {
                        report.accepted += 1;
                        report.superseded += u64::from(superseded.is_some());
                    }
                    PushVerdict::Rejected { .. } => report.rejected += 1,
                }
                touched.insert(entry.event.body.entity());
            }
            for entity in touched {
                state::refresh(&tx, entity)?;
            }
            tx.commit()?;
        }
        missing.extend(resp.missing_photos);
        let answered: HashSet<u64> = resp.results.iter().map(|r| r.seq).collect();
        if let Some(unanswered) = entries.iter().find(|e| !answered.contains(&e.seq)) {
            return Err(SyncError::Incomplete(format!(
                "the server did not answer for event {}",
                unanswered.seq
            )));
        }
        // Every entry of the batch has its verdict now, so the next
        // undecided one lies beyond it.
        match outbox::first_undecided(store.conn())? {
            Some(next) if next <= last => from = next,
            _ => break,
        }
    }
    Ok(missing)
}

/// Photos cited by any of the device's own events not rejected, or by
/// pulled events: the ones the sweep must keep.
fn cited_photos(conn: &Connection) -> Result<HashSet<PhotoHash>, DeviceError> {
    let mut st = conn.prepare("SELECT DISTINCT hash FROM photo_refs")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = HashSet::new();
    for h in rows {
        if let Ok(h) = h?.parse() {
            out.insert(h);
        }
    }
    Ok(out)
}

/// Photos of the device's accepted events not yet uploaded, urgent records'
/// first, then in the order their events were made.
pub fn photos_to_upload(conn: &Connection) -> Result<Vec<PhotoHash>, DeviceError> {
    let mut st = conn.prepare(
        "SELECT p.hash FROM photos p
         JOIN photo_refs r ON r.hash = p.hash
         JOIN outbox o ON o.event_id = r.event_id
         WHERE o.state = 'accepted' AND p.uploaded_at IS NULL
         GROUP BY p.hash
         ORDER BY MAX(o.urgent) DESC, MIN(o.seq)",
    )?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for h in rows {
        out.push(
            h?.parse()
                .map_err(|e: gridsafe_core::ids::IdError| DeviceError::Corrupt(e.to_string()))?,
        );
    }
    Ok(out)
}

/// Photos waiting for upload: cited by the device's own events that are not
/// rejected and not yet on the server.
pub fn pending_photos(conn: &Connection) -> Result<u64, DeviceError> {
    Ok(conn.query_row(
        "SELECT COUNT(DISTINCT p.hash) FROM photos p
         JOIN photo_refs r ON r.hash = p.hash
         JOIN outbox o ON o.event_id = r.event_id
         WHERE o.state != 'rejected' AND p.uploaded_at IS NULL",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// Photos waiting for upload whose file is missing or damaged: they can
/// never be sent, so they are shown to the user rather than retried quietly.
pub fn damaged_photos(
    conn: &Connection,
    photos: &PhotoStore,
) -> Result<Vec<DamagedPhoto>, DeviceError> {
    let mut st = conn.prepare(
        "SELECT DISTINCT p.hash FROM photos p
         JOIN photo_refs r ON r.hash = p.hash
         JOIN outbox o ON o.event_id = r.event_id
         WHERE o.state != 'rejected' AND p.uploaded_at IS NULL
         ORDER BY p.hash",
    )?;
    let hashes: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for h in hashes {
        let hash: PhotoHash = h
            .parse()
            .map_err(|e: gridsafe_core::ids::IdError| DeviceError::Corrupt(e.to_string()))?;
        if let Some(problem) = photos.check(&hash) {
            out.push(DamagedPhoto { hash, problem });
        }
    }
    Ok(out)
}

fn upload(
    store: &mut Store,
    client: &Client,
    photos: &PhotoStore,
    missing: &BTreeSet<PhotoHash>,
    opts: &SyncOptions,
    progress: &dyn Progress,
    report: &mut SyncReport,
) -> Result<Vec<String>, SyncError> {
    // A photo the server says it lacks is uploaded again even if this
    // device thought it was done (the server may have been restored).
    for h in missing {
        store.conn().execute(
            "UPDATE photos SET uploaded_at = NULL WHERE hash = ?1",
            [h.as_str()],
        )?;
    }
    let todo = photos_to_upload(store.conn())?;
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let total: u64 = todo
        .iter()
        .filter_map(|h| std::fs::metadata(photos.path(h)).ok())
        .map(|m| m.len())
        .sum();
    progress.stage("uploading photos", total);
    let mut failures = Vec::new();
    for hash in todo {
        // A missing or damaged file is reported and skipped: the other
        // photos and the pull still go ahead.
        let bytes = match photos.read(&hash) {
            Ok(bytes) if PhotoHash::of(&bytes) == hash => bytes,
            Ok(_) => {
                failures.push(format!(
                    "photo {hash} is damaged on this device (its content no longer matches its name)"
                ));
                continue;
            }
            Err(_) => {
                failures.push(format!(
                    "photo {hash} is missing from this device, so it cannot be uploaded; its record was sent without it"
                ));
                continue;
            }
        };
        // Marked before the first byte goes: if the app dies mid-upload,
        // the next sync asks the server where it got to.
        let started = store.conn().query_row(
            "SELECT upload_started FROM photos WHERE hash = ?1",
            [hash.as_str()],
            |r| r.get::<_, bool>(0),
        )?;
        if !started {
            store.conn().execute(
                "UPDATE photos SET upload_started = 1 WHERE hash = ?1",
                [hash.as_str()],
            )?;
        }
        match upload_one(client, &hash, &bytes, started, opts, progress) {
            Ok(sent) => {
                store.conn().execute(
                    "UPDATE photos SET uploaded_at = ?2 WHERE hash = ?1",
                    params![hash.as_str(), Utc::now().to_rfc3339()],
                )?;
                report.blobs_uploaded += u64::from(sent);
            }
            Err(
                e @ (ApiError::Network { .. } | ApiError::Server { .. } | ApiError::Auth { .. }),
            ) => {
                return Err(e.into());
            }
            // The server refused this photo (too large, not an image, ...):
            // keep it, say so, and carry on with the others.
            Err(e) => failures.push(format!("photo {hash}: {e}")),
        }
    }
    Ok(failures)
}

/// Uploads one blob from wherever the server's copy stops: asked first if
/// the upload was `started` before, from the start otherwise (a server
/// that holds some of it after all answers with its offset). Returns
/// whether any bytes had to be sent.
fn upload_one(
    client: &Client,
    hash: &PhotoHash,
    bytes: &[u8],
    started: bool,
    opts: &SyncOptions,
    progress: &dyn Progress,
) -> Result<bool, ApiError> {
    let total = bytes.len() as u64;
    let chunk = opts.chunk_size.max(1) as u64;
    let mut state = if started {
        retry(opts, || client.blob_state(hash))?
    } else {
        UploadState {
            offset: 0,
            complete: false,
        }
    };
    if state.complete {
        progress.advance(total);
        return Ok(false);
    }
    progress.advance(state.offset.min(total));
    let mut attempts = 0;
    let mut hash_retries = 0;
    while !state.complete {
        if state.offset > total {
            state.offset = 0;
        }
        let end = (state.offset + chunk).min(total);
        let body = bytes[state.offset as usize..end as usize].to_vec();
        match client.blob_patch(hash, state.offset, total, body) {
            Ok(next) => {
                progress.advance(next.offset.saturating_sub(state.offset));
                attempts = 0;
                if !next.complete && next.offset <= state.offset {
                    return Err(ApiError::BadAnswer(format!(
                        "the server did not take any of photo {hash} at offset {}",
                        state.offset
                    )));
                }
                state = next;
            }
            Err(ApiError::OffsetMismatch { offset }) => state.offset = offset,
            Err(e) if e.is_transient() && attempts < opts.retries => {
                // Cut mid-chunk: ask the server how far it got and go on from there.
                std::thread::sleep(backoff(opts, attempts));
                attempts += 1;
                state = retry(opts, || client.blob_state(hash))?;
            }
            Err(ApiError::Refused { code, .. }) if code == "hash_mismatch" && hash_retries < 1 => {
                // The server discarded its copy; start again once.
                hash_retries += 1;
                state = retry(opts, || client.blob_state(hash))?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn pull(
    store: &mut Store,
    client: &Client,
    opts: &SyncOptions,
    progress: &dyn Progress,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let who = store.require_enrollment()?;
    let mut cursor: u64 = store::get_meta(store.conn(), keys::PULL_CURSOR)?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    progress.stage("receiving records", 0);
    loop {
        let page = retry(opts, || client.pull(cursor, opts.pull_limit))?;
        let tx = store.write()?;
        let mut clock = Store::clock(&tx, who.device)?;
        let now = store::now_ms();
        let mut touched = HashSet::new();
        for pe in &page.events {
            outbox::store_event(&tx, &pe.event, false, Some(pe.cursor))?;
            // A stamp far in the future is kept as data but not followed.
            let _ = clock.observe(&pe.event.hlc, now);
            touched.insert(pe.event.body.entity());
        }
        for entity in touched {
            state::refresh(&tx, entity)?;
        }
        Store::save_clock(&tx, &clock)?;
        let next = page.next.max(cursor);
        store::set_meta(&tx, keys::PULL_CURSOR, &next.to_string())?;
        tx.commit()?;
        report.pulled += page.events.len() as u64;
        progress.advance(page.events.len() as u64);
        if !page.more || next == cursor && page.events.is_empty() {
            break;
        }
        cursor = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    use gridsafe_core::wire::{PullPage, PushResponse, PushResult};
    use gridsafe_core::{HazardLevel, Sector, Verdict};
    use serde_json::json;

    use super::*;
    use crate::photo::PhotoLimits;
    use crate::record::{self, CheckDraft, HazardDraft};
    use crate::testing;

    /// A stand-in server that takes every pushed event and records the
    /// sequences of each push it is sent; it can refuse the first push with
    /// a `sequence_gap`.
    struct Fake {
        url: String,
        pushes: Arc<Mutex<Vec<Vec<u64>>>>,
    }

    fn fake(gap_once: Option<u64>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let pushes = Arc::new(Mutex::new(Vec::new()));
        let gap = Arc::new(Mutex::new(gap_once));
        let p = pushes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let mut len = 0;
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    if h.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                let (status, answer) = match (method, path.split('?').next().unwrap()) {
                    ("POST", "/api/v1/sync/push") => {
                        let req: PushRequest = serde_json::from_slice(&body).unwrap();
                        let seqs: Vec<u64> = req.events.iter().map(|i| i.seq).collect();
                        p.lock().unwrap().push(seqs.clone());
                        if let Some(expected) = gap.lock().unwrap().take() {
                            (
                                "409 Conflict",
                                json!({"error": {"code": "sequence_gap", "message": "gap", "expected_seq": expected}}),
                            )
                        } else {
                            let resp = PushResponse {
                                taken_through: *seqs.last().unwrap(),
                                results: req
                                    .events
                                    .iter()
                                    .map(|i| PushResult {
                                        seq: i.seq,
                                        event: i.event.id,
                                        verdict: PushVerdict::Accepted {
                                            cursor: i.seq,
                                            superseded: None,
                                            warnings: vec![],
                                        },
                                    })
                                    .collect(),
                                missing_photos: vec![],
                            };
                            ("200 OK", serde_json::to_value(resp).unwrap())
                        }
                    }
                    ("GET", "/api/v1/sync/pull") => (
                        "200 OK",
                        serde_json::to_value(PullPage {
                            events: vec![],
                            next: 0,
                            more: false,
                        })
                        .unwrap(),
                    ),
                    ("GET", "/api/v1/grids") => {
                        ("200 OK", serde_json::to_value(testing::grids()).unwrap())
                    }
                    ("GET", "/api/v1/points") => {
                        ("200 OK", serde_json::to_value(testing::points()).unwrap())
                    }
                    _ => (
                        "404 Not Found",
                        json!({"error": {"code": "not_found", "message": path}}),
                    ),
                };
                let text = answer.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Fake { url, pushes }
    }

    fn opts() -> SyncOptions {
        SyncOptions {
            batch_size: 2,
            retries: 0,
            backoff_base: Duration::from_millis(1),
            ..SyncOptions::default()
        }
    }

    fn add_hazard(store: &mut Store) {
        record::hazard(
            store,
            HazardDraft {
                grid: "V1".parse().unwrap(),
                sector: Sector::Fire,
                level: HazardLevel::General,
                description: "灭火器过期".into(),
                place: None,
                location: None,
                photos: vec![],
            },
            &PhotoLimits::default(),
        )
        .unwrap();
    }

    #[test]
    fn urgent_events_ride_in_the_first_batch() {
        let server = fake(None);
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), &server.url);
        for _ in 0..5 {
            add_hazard(&mut store);
        }
        record::check(
            &mut store,
            CheckDraft {
                point: "LS-1".parse().unwrap(),
                verdict: Verdict::Danger,
                readings: vec![
                    "crack_width_mm=30".into(),
                    "new_cracks=yes".into(),
                    "bulging=yes".into(),
                ],
                note: Some("立即撤离".into()),
                location: None,
                photos: vec![],
            },
            &PhotoLimits::default(),
        )
        .unwrap();
        for _ in 0..3 {
            add_hazard(&mut store);
        }
        let mut report = SyncReport::default();
        sync(&mut store, &opts(), &NoProgress, &mut report).unwrap();
        assert_eq!(
            *server.pushes.lock().unwrap(),
            vec![vec![1, 2, 3, 4, 5, 6], vec![7, 8], vec![9]]
        );
        assert_eq!(report.accepted, 9);
        assert_eq!(outbox::counts(store.conn()).unwrap().accepted, 9);
        assert!(
            store::get_meta(store.conn(), keys::LAST_SYNC)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_sequence_gap_resends_from_what_the_server_expects() {
        let server = fake(Some(2));
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), &server.url);
        for _ in 0..4 {
            add_hazard(&mut store);
        }
        // 1–3 were accepted once; the server has since lost 2 and 3.
        for seq in 1..=3 {
            outbox::record_verdict(
                store.conn(),
                seq,
                &PushVerdict::Accepted {
                    cursor: seq,
                    superseded: None,
                    warnings: vec![],
                },
            )
            .unwrap();
        }
        let mut report = SyncReport::default();
        sync(&mut store, &opts(), &NoProgress, &mut report).unwrap();
        assert_eq!(
            *server.pushes.lock().unwrap(),
            vec![vec![4], vec![2, 3], vec![4]],
            "resent from 2 in batches of 2"
        );
        assert_eq!(outbox::first_undecided(store.conn()).unwrap(), None);
    }

    #[test]
    fn photos_of_urgent_records_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = testing::enrolled(dir.path(), "http://127.0.0.1:9");
        let mut with_photo = |level, seed: u32| {
            let path = dir.path().join(format!("{seed}.jpg"));
            std::fs::write(&path, crate::photo::tests::camera_jpeg(320 + seed, 240)).unwrap();
            record::hazard(
                &mut store,
                HazardDraft {
                    grid: "V1".parse().unwrap(),
                    sector: Sector::Construction,
                    level,
                    description: "高空作业无防护".into(),
                    place: None,
                    location: None,
                    photos: vec![path.into()],
                },
                &PhotoLimits::default(),
            )
            .unwrap()
            .photos[0]
                .clone()
        };
        let general = with_photo(HazardLevel::General, 1);
        let major = with_photo(HazardLevel::Major, 2);
        // Nothing is uploaded before its event is accepted.
        assert!(photos_to_upload(store.conn()).unwrap().is_empty());
        assert_eq!(pending_photos(store.conn()).unwrap(), 2);
        for seq in 1..=2 {
            outbox::record_verdict(
                store.conn(),
                seq,
                &PushVerdict::Accepted {
                    cursor: seq,
                    superseded: None,
                    warnings: vec![],
                },
            )
            .unwrap();
        }
        assert_eq!(
            photos_to_upload(store.conn()).unwrap(),
            vec![major, general]
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let o = SyncOptions {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..SyncOptions::default()
        };
        for (attempt, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (30, 1000),
        ] {
            let d = backoff(&o, attempt).as_millis() as u64;
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d} ms");
        }
    }
}
