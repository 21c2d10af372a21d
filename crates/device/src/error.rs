//! What can go wrong on the device, named so a person can act on it.

use std::path::PathBuf;

use gridsafe_core::validate::FieldError;
use gridsafe_core::{HazardId, PointCode};
use thiserror::Error;

use crate::photo::PhotoError;

/// An error of the device library (the sync client has its own, [`crate::sync::SyncError`]).
#[derive(Debug, Error)]
pub enum DeviceError {
    #[error("the device database failed: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "this device is not enrolled; run `gridsafe-field enroll --server URL --user NAME --password-stdin` first"
    )]
    NotEnrolled,
    #[error("the record is not valid: {}", join_fields(.0))]
    Invalid(Vec<FieldError>),
    #[error("hazard {0} is not on this device; sync to fetch the hazards of your grids")]
    UnknownHazard(HazardId),
    #[error("monitoring point {0} is not in this device's copy of your points; sync to refresh it")]
    UnknownPoint(PointCode),
    #[error("task {0} is not on this device; sync to fetch the tasks of your grids")]
    UnknownTask(gridsafe_core::TaskId),
    #[error("{code} is not a target of task {task}; its targets are: {targets}")]
    NotATarget {
        task: gridsafe_core::TaskId,
        code: String,
        targets: String,
    },
    #[error("{0}")]
    Reading(String),
    #[error("photo {path}: {source}")]
    Photo {
        path: PathBuf,
        #[source]
        source: PhotoError,
    },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

fn join_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl DeviceError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DeviceError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<serde_json::Error> for DeviceError {
    fn from(e: serde_json::Error) -> Self {
        DeviceError::Corrupt(e.to_string())
    }
}
