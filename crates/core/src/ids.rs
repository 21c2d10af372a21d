//! Identifiers as newtypes, so a device id can never be passed where a
//! hazard id is expected.
//!
//! Records and events are named by UUIDv7: unique without coordination (a
//! phone offline for a week mints them freely) and roughly ordered by time.
//! Grids, monitoring points and accounts are named by codes that people
//! type and import, validated when they are parsed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;
use uuid::Uuid;

/// Why a piece of text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} {value:?} contains {ch:?}; use letters, digits, '-', '_' or '.'")]
    BadChar {
        what: &'static str,
        value: String,
        ch: char,
    },
    #[error("{what} {value:?} is not a UUID")]
    NotUuid { what: &'static str, value: String },
    #[error("{value:?} is not a SHA-256 (64 lowercase hex digits)")]
    NotSha256 { value: String },
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| IdError::NotUuid { what: $what, value: s.to_owned() })
            }
        }
    };
}

uuid_id!(
    /// One event, the unit of change and of sync.
    EventId, "event id"
);
uuid_id!(
    /// One hazard (隐患), named by the device that reported it.
    HazardId, "hazard id"
);
uuid_id!(
    /// One check (巡查记录) of a monitoring point.
    CheckId, "check id"
);
uuid_id!(
    /// One accident report (事故).
    AccidentId, "accident id"
);
uuid_id!(
    /// One inspection task (检查任务) issued by the town office.
    TaskId, "task id"
);
uuid_id!(
    /// One village safety meeting (会议纪录).
    MeetingId, "meeting id"
);
uuid_id!(
    /// One rural banquet filing (农村家宴备案).
    BanquetId, "banquet id"
);
uuid_id!(
    /// One signed responsibility letter or promise (责任书/承诺书).
    PromiseId, "promise id"
);
uuid_id!(
    /// One switch of a group of monitoring points into or out of
    /// flood-season duty (汛期24小时值班).
    DutyId, "duty id"
);
uuid_id!(
    /// One enrolled device (a phone, the console, a command line).
    DeviceId, "device id"
);

macro_rules! code_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
        #[serde(try_from = "String", into = "String")]
        #[ts(type = "string")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                let s = s.trim();
                $check($what, s)?;
                Ok(Self(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                s.parse()
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

const CODE_MAX: usize = 64;

/// Codes travel in URLs, file names and spreadsheets: keep them plain.
fn check_code(what: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { what });
    }
    if s.chars().count() > CODE_MAX {
        return Err(IdError::TooLong {
            what,
            max: CODE_MAX,
        });
    }
    if let Some(ch) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(IdError::BadChar {
            what,
            value: s.to_owned(),
            ch,
        });
    }
    if s.starts_with('.') {
        return Err(IdError::BadChar {
            what,
            value: s.to_owned(),
            ch: '.',
        });
    }
    Ok(())
}

/// Account names may be Chinese (张三) but carry no spaces or control characters.
fn check_name(what: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { what });
    }
    if s.chars().count() > CODE_MAX {
        return Err(IdError::TooLong {
            what,
            max: CODE_MAX,
        });
    }
    if let Some(ch) = s
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '\\'))
    {
        return Err(IdError::BadChar {
            what,
            value: s.to_owned(),
            ch,
        });
    }
    Ok(())
}

code_id!(
    /// A grid (网格): town, village, unit. Codes come from the office's grid file.
    GridCode, "grid code", check_code
);
code_id!(
    /// A monitoring point (危险地段): landslide body, reservoir, pond dam, embankment, deep water.
    PointCode, "point code", check_code
);
code_id!(
    /// An account name, the author of events.
    Username, "user name", check_name
);

/// The SHA-256 of `bytes` as 64 lowercase hex digits: photo names, event
/// payload hashes and token digests all come from here.
///
/// `ring`'s assembly is used rather than a portable implementation: on a CPU
/// without SHA instructions it hashes about twice as fast, and a server takes
/// in every photo's bytes through this function.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// The SHA-256 of a photo's stored bytes, as 64 lowercase hex digits. Photos
/// are named by it everywhere, so it is also what keeps a blob name from ever
/// being a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct PhotoHash(String);

impl PhotoHash {
    /// The hash of these bytes.
    pub fn of(bytes: &[u8]) -> Self {
        Self(sha256_hex(bytes))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhotoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhotoHash {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::NotSha256 {
                value: s.chars().take(80).collect(),
            })
        }
    }
}

impl TryFrom<String> for PhotoHash {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<PhotoHash> for String {
    fn from(h: PhotoHash) -> String {
        h.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_are_v7_and_round_trip() {
        let id = HazardId::new();
        assert_eq!(id.0.get_version_num(), 7);
        let back: HazardId = id.to_string().parse().unwrap();
        assert_eq!(back, id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert!("not-a-uuid".parse::<EventId>().is_err());
    }

    #[test]
    fn codes_refuse_paths_and_blanks() {
        assert!("510124-001".parse::<GridCode>().is_ok());
        assert_eq!(" LS-01 ".parse::<PointCode>().unwrap().as_str(), "LS-01");
        for bad in ["", "../etc", "a/b", "有中文", ".hidden", "a b"] {
            assert!(bad.parse::<GridCode>().is_err(), "{bad:?} accepted");
        }
        assert!(serde_json::from_str::<GridCode>("\"a/b\"").is_err());
        assert!(serde_json::from_str::<GridCode>(&format!("\"{}\"", "x".repeat(65))).is_err());
    }

    #[test]
    fn user_names_may_be_chinese() {
        assert!("张三".parse::<Username>().is_ok());
        assert!("zhang san".parse::<Username>().is_err());
        assert!("a/b".parse::<Username>().is_err());
    }

    #[test]
    fn photo_hash_is_strict_hex() {
        let h = PhotoHash::of(b"abc");
        assert_eq!(
            h.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(h.as_str().parse::<PhotoHash>().is_ok());
        assert!(h.as_str().to_uppercase().parse::<PhotoHash>().is_err());
        assert!("../../etc/passwd".parse::<PhotoHash>().is_err());
        assert!(serde_json::from_str::<PhotoHash>("\"abc\"").is_err());
    }
}
