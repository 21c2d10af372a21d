//! The sync protocol's messages, shared by the phone and the server.
//!
//! - **Push**: a device sends its outbox as numbered events. The server keys
//!   them by (device, sequence): a repeat is answered with the saved verdict
//!   and changes nothing; a different event under a used number is refused;
//!   a gap is refused as a whole with the sequence the server expects.
//! - **Pull**: every accepted event gets a server cursor; a device asks for
//!   what is new in its scope since its cursor, page by page.
//! - **Errors**: every error answer is `{error: {code, message, ...}}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::event::Event;
use crate::hazard::Superseded;
use crate::ids::{DeviceId, EventId, GridCode, PhotoHash, Username};
use crate::keys::Role;
use crate::validate::{FieldError, Warning};

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The device's id if it has one; the server issues one otherwise.
    #[serde(default)]
    pub device_id: Option<DeviceId>,
    /// A name for the device as the office will see it ("王五的手机").
    #[serde(default)]
    pub device_name: Option<String>,
}

/// The answer to a login: a bearer token bound to the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LoginResponse {
    pub token: String,
    pub user: Username,
    pub role: Role,
    pub grids: Vec<GridCode>,
    pub device_id: DeviceId,
    pub expires_at: DateTime<Utc>,
}

/// One numbered event in a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PushItem {
    /// The device's gapless outbox sequence, from 1.
    #[ts(type = "number")]
    pub seq: u64,
    pub event: Event,
}

/// `POST /api/v1/sync/push`: events from one device, in ascending sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub device: DeviceId,
    pub events: Vec<PushItem>,
}

/// What the server made of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum PushVerdict {
    /// Stored. `superseded` says when the event is kept in the trail but did
    /// not change its record (see the fold's rules).
    Accepted {
        #[ts(type = "number")]
        cursor: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        superseded: Option<Superseded>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<Warning>,
    },
    /// Not stored; the device keeps it and shows the reason.
    Rejected {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<FieldError>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PushResult {
    #[ts(type = "number")]
    pub seq: u64,
    pub event: EventId,
    #[serde(flatten)]
    pub verdict: PushVerdict,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PushResponse {
    /// The highest sequence the server holds for this device.
    #[ts(type = "number")]
    pub taken_through: u64,
    pub results: Vec<PushResult>,
    /// Photos cited by this device's accepted events that the server lacks.
    pub missing_photos: Vec<PhotoHash>,
}

/// One event in a pull page, with its server cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PulledEvent {
    #[ts(type = "number")]
    pub cursor: u64,
    pub event: Event,
}

/// `GET /api/v1/sync/pull?since=CURSOR`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PullPage {
    pub events: Vec<PulledEvent>,
    /// The cursor to ask from next time.
    #[ts(type = "number")]
    pub next: u64,
    /// More pages wait beyond this one.
    pub more: bool,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ErrorDetail {
    /// A stable code for programs (`sequence_gap`, `unauthorized`, ...).
    pub code: String,
    /// What happened and what to do, for people.
    pub message: String,
    /// For `sequence_gap`: the sequence the server expects next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub expected_seq: Option<u64>,
    /// For validation errors: each field and its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For `superseded`: why the action does not fit the hazard's state, as
    /// a key of the `superseded` label table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "string | null")]
    pub reason: Option<String>,
    /// For `too_many_attempts`: seconds until the next try is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub retry_after_secs: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_naturally_on_the_wire() {
        let r = PushResult {
            seq: 4,
            event: EventId::new(),
            verdict: PushVerdict::Accepted {
                cursor: 99,
                superseded: Some(Superseded::Decided),
                warnings: vec![],
            },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["verdict"], "accepted");
        assert_eq!(v["cursor"], 99);
        assert_eq!(v["superseded"], "decided");
        assert_eq!(serde_json::from_value::<PushResult>(v).unwrap(), r);
        let rejected = PushVerdict::Rejected {
            code: "validation".into(),
            message: "grid names a grid that does not exist".into(),
            fields: vec![],
        };
        let v = serde_json::to_value(&rejected).unwrap();
        assert_eq!(v["verdict"], "rejected");
        assert!(v.get("fields").is_none());
    }

    #[test]
    fn push_refuses_unknown_fields() {
        let err = serde_json::from_str::<PushRequest>(
            r#"{"device":"0190f7d2-0000-7000-8000-000000000000","events":[],"extra":1}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("extra"));
    }
}
