//! Storage behind a narrow trait.
//!
//! Handlers see only [`Store`] (as `Arc<dyn Store>`) and [`BlobStore`], so a
//! PostgreSQL or object-storage backend can be added beside
//! [`sqlite::SqliteStore`] and [`blobs::DirBlobs`] without touching them.
//! The methods are blocking: handlers call them on tokio's blocking pool.
//!
//! The rules (who may write what, validation) stay outside the backend: a
//! push hands the backend a [`Judge`] that it asks about every new event
//! inside its write transaction, with the grid of the record the event is
//! about, so sequence keeping, rule checking and applying are one atomic step.

pub mod blobs;
pub mod full_disk;
pub mod migrations;
pub mod records;
mod rollup;
pub mod sqlite;

use chrono::{DateTime, NaiveDate, Utc};
use gridsafe_core::hazard::{HazardState, Superseded};
use gridsafe_core::point::{LastCheck, MonitoringPoint, PointDuty};
use gridsafe_core::task::TaskState;
use gridsafe_core::validate::{FieldError, Warning};
use gridsafe_core::wire::{PullPage, PulledEvent, PushResponse, PushVerdict};
use gridsafe_core::{
    DeviceId, Event, EventId, GridCode, GridNode, HazardId, HazardLevel, HazardStatus, PhotoHash,
    PointCode, Role, Sector, TaskId, Username, Verdict,
};
use serde::Serialize;

pub use blobs::BlobStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Backend(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An account.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub name: Username,
    pub role: Role,
    pub grids: Vec<GridCode>,
    pub password_hash: String,
}

/// What a bearer token stands for.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub user: Username,
    pub role: Role,
    pub grids: Vec<GridCode>,
    pub device: DeviceId,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

/// An enrolled device, as the office sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceRecord {
    #[schema(value_type = String)]
    pub id: DeviceId,
    #[schema(value_type = String)]
    pub user: Username,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen: Option<DateTime<Utc>>,
    pub last_sync: Option<DateTime<Utc>>,
    /// The highest outbox sequence the server holds from it.
    pub last_seq: u64,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why an event is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl Rejection {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Rejection {
            code: code.to_owned(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn into_verdict(self) -> PushVerdict {
        PushVerdict::Rejected {
            code: self.code,
            message: self.message,
            fields: self.fields,
        }
    }
}

/// The rules an event must pass, asked inside the write transaction.
pub trait Judge {
    /// `record_grid` is the grid of the record the event is about: the
    /// event's own grid for a report, the stored hazard's grid otherwise, or
    /// `None` when the record is unknown.
    fn judge(
        &self,
        event: &Event,
        record_grid: Option<&GridCode>,
    ) -> Result<Vec<Warning>, Rejection>;
}

/// One numbered event of a push, parsed or not.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub seq: u64,
    /// The event's id, or the nil id when it could not be read.
    pub event_id: EventId,
    /// SHA-256 of the event's canonical JSON: a repeat must match it.
    pub payload_hash: String,
    /// The event, or why it was refused before it reached the rules.
    pub parsed: Result<Event, Rejection>,
}

/// How a push ended.
#[derive(Debug)]
pub enum PushOutcome {
    Gap { expected: u64 },
    Done(PushResponse),
}

/// How a single server-made event (an office action, a demo record) ended.
#[derive(Debug)]
pub enum AppendOutcome {
    Accepted {
        cursor: u64,
        superseded: Option<Superseded>,
    },
    Rejected(Rejection),
    /// The fold would keep it without effect; nothing was stored.
    WouldSupersede(Superseded),
}

/// One event of a hazard's trail.
#[derive(Debug, Clone)]
pub struct TrailEvent {
    pub cursor: u64,
    pub received_at: DateTime<Utc>,
    pub event: Event,
}

/// The office's hazard list filters. `grids` is the set the caller may see
/// intersected with the grid asked for; `None` means every grid.
#[derive(Debug, Clone, Default)]
pub struct HazardQuery {
    /// Every grid the list may show (`None`: all).
    pub grids: Option<Vec<GridCode>>,
    /// The top grids of the subtrees that make up `grids`, none inside
    /// another: the list's total is then read from their subtree counters.
    pub roots: Option<Vec<GridCode>>,
    pub status: Vec<HazardStatus>,
    pub level: Option<HazardLevel>,
    pub sector: Option<Sector>,
    /// Overdue on this day (past the deadline, not yet rectified).
    pub overdue_on: Option<NaiveDate>,
    pub listed: Option<bool>,
    pub text: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: HazardSort,
    /// Keyset paging for the `reported_*` orders: the page starts after this
    /// (reported time in ms, id), walking the index instead of skipping
    /// `offset` rows (which a long export would do over and over).
    pub after: Option<(i64, String)>,
    pub offset: u64,
    pub limit: u64,
    /// The total when already known: a walk page by page counts once.
    pub known_total: Option<HazardTotal>,
}

/// How many hazards a list query matches: exact, or at least `n` when the
/// count was stopped at its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HazardTotal {
    pub n: u64,
    pub exact: bool,
}

/// The orders the hazard list offers; each is backed by an index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HazardSort {
    /// Newest report first.
    #[default]
    ReportedDesc,
    ReportedAsc,
    /// Nearest deadline first; hazards without one last.
    DeadlineAsc,
    DeadlineDesc,
}

/// A count of hazards in a grid (its own, or its subtree's) with one
/// status, level and sector.
pub type HazardCell = (GridCode, HazardStatus, HazardLevel, Sector, u64);

/// The stored per-grid counters for a period, by the grid each figure was
/// recorded in (not yet rolled up).
#[derive(Debug, Clone, Default)]
pub struct PeriodCounts {
    pub hazards: Vec<HazardCell>,
    pub overdue: Vec<(GridCode, u64)>,
    pub checks: Vec<(GridCode, Verdict, u64)>,
    pub danger_open: Vec<(GridCode, u64)>,
    /// Meetings held, banquets held, promises signed in the period.
    pub meetings: Vec<(GridCode, u64)>,
    pub banquets: Vec<(GridCode, u64)>,
    pub promises: Vec<(GridCode, u64)>,
    /// Accidents that happened in the period: (grid, count, deaths, injuries).
    pub accidents: Vec<(GridCode, u64, u64, u64)>,
    /// Tasks due in the period by the grid they were issued in:
    /// (grid, total, done, overdue today).
    pub tasks: Vec<(GridCode, u64, u64, u64)>,
    /// Targets of quarterly-check tasks covered in the period, by the target's grid.
    pub quarterly_checks: Vec<(GridCode, u64)>,
    /// The time of every point check in the period.
    pub point_checks: Vec<(PointCode, DateTime<Utc>)>,
}

/// The township records kept one row each (besides their events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Meeting,
    Banquet,
    Promise,
    Accident,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Meeting,
        RecordKind::Banquet,
        RecordKind::Promise,
        RecordKind::Accident,
    ];

    /// The path segment: `meetings`, `banquets`, `promises`, `accidents`.
    pub fn plural(self) -> &'static str {
        match self {
            RecordKind::Meeting => "meetings",
            RecordKind::Banquet => "banquets",
            RecordKind::Promise => "promises",
            RecordKind::Accident => "accidents",
        }
    }

    pub fn from_plural(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.plural() == s)
    }
}

/// What the assessment and the duty report read for a period, for every grid.
#[derive(Debug, Clone)]
pub struct PeriodRecords {
    pub hazards: Vec<gridsafe_core::assessment::HazardFact>,
    /// Every monitoring-point check of the period.
    pub point_checks: Vec<(PointCode, DateTime<Utc>)>,
    pub meetings: Vec<gridsafe_core::assessment::MeetingFact>,
    pub task_targets: Vec<records::TaskTargetRow>,
    pub banquets: Vec<(GridCode, u64)>,
    pub accidents: Vec<gridsafe_core::assessment::AccidentFact>,
}

/// A point and its latest check.
#[derive(Debug, Clone)]
pub struct PointStatus {
    pub point: MonitoringPoint,
    pub last: Option<LastCheck>,
    /// The flood-season duty the office put the point under, if any.
    pub duty: Option<PointDuty>,
}

/// A hazard's state as [`Store::hazards_json`] gives it.
pub fn parse_hazard_state(json: &str) -> StoreResult<HazardState> {
    serde_json::from_str(json).map_err(|e| {
        StoreError::Backend(anyhow::anyhow!("a stored hazard state does not read: {e}"))
    })
}

/// A pull page as stored: each event's JSON as it was written when the
/// event was accepted, so that a page goes out to a phone without every
/// event being read into memory and written again.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPullPage {
    /// Cursor and stored JSON of each event.
    pub events: Vec<(u64, String)>,
    /// The cursor to ask from next time.
    pub next: u64,
    /// More pages wait beyond this one.
    pub more: bool,
}

impl StoredPullPage {
    /// The page with its events read back, for the server's own uses.
    pub fn parse(self) -> StoreResult<PullPage> {
        let events = self
            .events
            .into_iter()
            .map(|(cursor, body)| {
                serde_json::from_str(&body)
                    .map(|event| PulledEvent { cursor, event })
                    .map_err(|e| StoreError::Backend(anyhow::anyhow!("stored event {cursor}: {e}")))
            })
            .collect::<StoreResult<_>>()?;
        Ok(PullPage {
            events,
            next: self.next,
            more: self.more,
        })
    }

    /// The page as the JSON of a [`PullPage`], each event's text copied as
    /// stored.
    pub fn into_json(self) -> String {
        let size: usize = self.events.iter().map(|(_, b)| b.len() + 32).sum();
        let mut out = String::with_capacity(size + 64);
        out.push_str("{\"events\":[");
        for (i, (cursor, body)) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"cursor\":");
            out.push_str(&cursor.to_string());
            out.push_str(",\"event\":");
            out.push_str(body);
            out.push('}');
        }
        out.push_str("],\"next\":");
        out.push_str(&self.next.to_string());
        out.push_str(",\"more\":");
        out.push_str(if self.more { "true" } else { "false" });
        out.push('}');
        out
    }
}

/// The storage of everything but photo bytes.
pub trait Store: Send + Sync + 'static {
    // Reference data: the grid tree and the monitoring points.
    fn grids(&self) -> StoreResult<Vec<GridNode>>;
    fn points(&self) -> StoreResult<Vec<MonitoringPoint>>;
    /// Inserts or replaces these grids in one transaction (checked by the caller).
    fn upsert_grids(&self, nodes: &[GridNode]) -> StoreResult<()>;
    fn upsert_points(&self, points: &[MonitoringPoint]) -> StoreResult<()>;
    /// Changes whenever grids or points change, so a cache knows to reload.
    fn catalog_rev(&self) -> StoreResult<u64>;

    // Accounts, devices and tokens.
    fn add_user(&self, user: &UserRecord) -> StoreResult<()>;
    fn user(&self, name: &Username) -> StoreResult<Option<UserRecord>>;
    fn users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Records a device for this user (new or known). False when the device
    /// was revoked: it stays signed out.
    fn enrol_device(&self, id: DeviceId, user: &Username, name: Option<&str>) -> StoreResult<bool>;
    fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRecord>>;
    fn devices(&self) -> StoreResult<Vec<DeviceRecord>>;
    /// Revokes the device and every token bound to it; false when unknown.
    fn revoke_device(&self, id: DeviceId) -> StoreResult<bool>;
    fn add_token(
        &self,
        token_hash: &str,
        user: &Username,
        device: DeviceId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>>;
    fn touch_device(&self, id: DeviceId, synced: bool) -> StoreResult<()>;
    /// Forgets one token (signing out of the console).
    fn remove_token(&self, token_hash: &str) -> StoreResult<()>;

    // The console's inbox: per user, everything up to a mark is read, and
    // single items above it may be acknowledged one by one.
    fn inbox_mark(&self, user: &Username) -> StoreResult<u64>;
    /// The acknowledged cursors above the user's mark.
    fn inbox_acks(&self, user: &Username) -> StoreResult<Vec<u64>>;
    fn ack_inbox(&self, user: &Username, cursors: &[u64]) -> StoreResult<()>;
    /// Marks everything up to `cursor` read (never moves the mark back).
    fn ack_inbox_up_to(&self, user: &Username, cursor: u64) -> StoreResult<()>;

    // Events.
    /// Stores a device's batch: sequence keeping, rules, applying, counters,
    /// all in one transaction.
    fn push(
        &self,
        device: DeviceId,
        items: Vec<Incoming>,
        judge: &dyn Judge,
    ) -> StoreResult<PushOutcome>;
    /// Stores one event made on the server (no device sequence). With
    /// `refuse_superseded`, an event the fold would keep without effect is not
    /// stored at all.
    fn append(
        &self,
        event: &Event,
        judge: &dyn Judge,
        refuse_superseded: bool,
    ) -> StoreResult<AppendOutcome>;
    /// Accepted events above `since` in these grids (`None`: all), cursor
    /// order, as they were stored.
    fn pull(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<StoredPullPage>;
    /// Urgent events (danger checks, major hazards, accidents), newest first.
    fn urgent(
        &self,
        grids: Option<&[GridCode]>,
        since: u64,
        limit: u64,
    ) -> StoreResult<Vec<PulledEvent>>;
    /// The last stamp the server accepted, to resume its clock.
    fn last_hlc(&self) -> StoreResult<Option<gridsafe_core::Hlc>>;

    // Current state.
    fn hazard(&self, id: HazardId) -> StoreResult<Option<(HazardState, Vec<TrailEvent>)>>;
    /// A page of the hazard list and its total.
    fn hazards(&self, q: &HazardQuery) -> StoreResult<(HazardTotal, Vec<HazardState>)> {
        let (total, rows) = self.hazards_json(q)?;
        let states = rows
            .iter()
            .map(|s| parse_hazard_state(s))
            .collect::<StoreResult<_>>()?;
        Ok((total, states))
    }
    /// [`Store::hazards`] with each hazard as its stored JSON, for a reader
    /// that parses them on threads of its own (the CSV export).
    fn hazards_json(&self, q: &HazardQuery) -> StoreResult<(HazardTotal, Vec<String>)>;
    fn point_statuses(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<PointStatus>>;
    /// The counters of these grids (`None`: all) for a period; the
    /// per-grid hazard counts only with `hazards` (a summary reads them
    /// rolled up from [`Store::hazard_rollup`] instead).
    fn period_counts(
        &self,
        grids: Option<&[GridCode]>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        hazards: bool,
    ) -> StoreResult<PeriodCounts>;
    /// The hazards reported in a period in each of these grids' whole
    /// subtree, by status, level and sector.
    fn hazard_rollup(
        &self,
        grids: &[GridCode],
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<HazardCell>>;

    // Township records.
    /// Tasks issued in these grids or with a target in them (`None`: all),
    /// nearest due date first.
    fn tasks(&self, grids: Option<&[GridCode]>) -> StoreResult<Vec<TaskState>>;
    fn task(&self, id: TaskId) -> StoreResult<Option<(TaskState, Vec<TrailEvent>)>>;
    /// Meetings, banquets, promises or accidents in these grids whose day
    /// (held, signed, happened) lies in `from..=to`, newest first.
    fn records(
        &self,
        kind: RecordKind,
        grids: Option<&[GridCode]>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: u64,
    ) -> StoreResult<Vec<TrailEvent>>;
    fn record(&self, kind: RecordKind, id: &str) -> StoreResult<Option<TrailEvent>>;
    /// Every monitoring-point check logged on the days `from..=to`.
    fn point_checks(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(PointCode, DateTime<Utc>)>>;
    /// The office's latest judgement of each judged accident's social impact.
    fn accident_impacts(
        &self,
    ) -> StoreResult<std::collections::BTreeMap<String, records::AccidentImpact>>;
    /// The records of a period that the assessment and the duty report read.
    fn period_records(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<PeriodRecords>;

    // Photos.
    fn blob_stored(&self, sha: &PhotoHash, size: u64, mime: &str) -> StoreResult<()>;
    fn blob_mime(&self, sha: &PhotoHash) -> StoreResult<Option<String>>;
    /// The grids of the accepted events that cite this photo.
    fn blob_grids(&self, sha: &PhotoHash) -> StoreResult<Vec<GridCode>>;
}

#[cfg(test)]
mod tests {
    use super::StoredPullPage;
    use gridsafe_core::event::HazardReported;
    use gridsafe_core::wire::{PullPage, PulledEvent};
    use gridsafe_core::{
        DeviceId, Event, EventBody, EventId, HazardId, HazardLevel, Hlc, PhotoHash, Sector,
    };
    use serde_json::json;

    /// The page written from stored JSON is the page serde writes: a field
    /// added to `PullPage` or `PulledEvent` and not to `into_json` fails here.
    #[test]
    fn a_stored_page_round_trips_through_the_wire_type() {
        let device = DeviceId::new();
        let events: Vec<PulledEvent> = (0..3u64)
            .map(|i| PulledEvent {
                cursor: 10 + i * 5,
                event: Event {
                    id: EventId::new(),
                    hlc: Hlc {
                        wall_ms: 1_790_000_000_000 + i,
                        counter: i as u32,
                        node: device,
                    },
                    author: "insp1".parse().unwrap(),
                    device,
                    body: EventBody::HazardReported(HazardReported {
                        hazard: HazardId::new(),
                        grid: "V1".parse().unwrap(),
                        sector: Sector::Gas,
                        level: HazardLevel::General,
                        description: format!("钢瓶\"{i}\"\n无防倾倒措施"),
                        place: (i % 2 == 0).then(|| "二组".into()),
                        location: None,
                        photos: vec![PhotoHash::of(&[i as u8])],
                    }),
                },
            })
            .collect();
        let wire = PullPage {
            events: events.clone(),
            next: 20,
            more: true,
        };
        let stored = StoredPullPage {
            events: events
                .iter()
                .map(|e| (e.cursor, serde_json::to_string(&e.event).unwrap()))
                .collect(),
            next: 20,
            more: true,
        };
        let written: serde_json::Value = serde_json::from_str(&stored.clone().into_json()).unwrap();
        assert_eq!(written, serde_json::to_value(&wire).unwrap());
        let read: PullPage = serde_json::from_str(&stored.clone().into_json()).unwrap();
        assert_eq!(read, wire);
        assert_eq!(stored.parse().unwrap(), wire);
    }

    #[test]
    fn a_stored_page_is_written_as_a_pull_page() {
        let page = StoredPullPage {
            events: vec![
                (3, r#"{"id":"a","note":"河堤,\"裂缝\""}"#.into()),
                (7, r#"{"id":"b"}"#.into()),
            ],
            next: 7,
            more: true,
        };
        let v: serde_json::Value = serde_json::from_str(&page.into_json()).unwrap();
        assert_eq!(
            v,
            json!({"events": [
                {"cursor": 3, "event": {"id": "a", "note": "河堤,\"裂缝\""}},
                {"cursor": 7, "event": {"id": "b"}},
            ], "next": 7, "more": true})
        );
        let empty = StoredPullPage {
            events: vec![],
            next: 12,
            more: false,
        };
        let v: serde_json::Value = serde_json::from_str(&empty.into_json()).unwrap();
        assert_eq!(v, json!({"events": [], "next": 12, "more": false}));
    }

    #[test]
    fn a_damaged_stored_event_is_an_error_not_a_panic() {
        let page = StoredPullPage {
            events: vec![(5, "{not json".into())],
            next: 5,
            more: false,
        };
        let err = page.parse().unwrap_err().to_string();
        assert!(err.contains("stored event 5"), "{err}");
    }
}
