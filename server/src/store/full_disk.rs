//! Telling a full disk apart from other storage failures, and a test-only
//! way to make the data directory act full.
//!
//! A write that fails because the disk (or a quota) is full is answered 507
//! `storage_full` instead of a bare 500, so a device keeps its queue and
//! retries later, and the town office knows what to fix. A real full disk
//! needs a size-limited mount, which only root may make; so that the same
//! tests run as a normal user, `GRIDSAFE_FAULT_FULL_DISK=PATH` makes every
//! write of the stores fail as ENOSPC would while the file `PATH` exists.
//! Nothing sets it outside the tests.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The environment variable naming the file whose presence means "full".
pub const FAULT_ENV: &str = "GRIDSAFE_FAULT_FULL_DISK";

/// True while the injected full disk is on (never when the variable is unset).
pub fn injected() -> bool {
    static FLAG: OnceLock<Option<PathBuf>> = OnceLock::new();
    FLAG.get_or_init(|| std::env::var_os(FAULT_ENV).map(PathBuf::from))
        .as_ref()
        .is_some_and(|p| p.exists())
}

/// The error a write gets while the injected full disk is on.
pub fn injected_io() -> std::io::Result<()> {
    if injected() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device (injected)",
        ));
    }
    Ok(())
}

/// The error SQLite gives when it cannot grow its files.
pub fn injected_sqlite() -> rusqlite::Result<()> {
    if injected() {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full (injected)".into()),
        ));
    }
    Ok(())
}

/// ENOSPC and EDQUOT on Linux.
const NO_SPACE: i32 = 28;
const QUOTA: i32 = 122;

/// Whether an error, anywhere in its chain, is the disk being full.
pub fn is_disk_full(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded
                || matches!(io.raw_os_error(), Some(NO_SPACE | QUOTA));
        }
        if let Some(rusqlite::Error::SqliteFailure(f, _)) = cause.downcast_ref::<rusqlite::Error>()
        {
            return f.code == rusqlite::ErrorCode::DiskFull;
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn full_disk_errors_are_recognised_through_context() {
        let io = std::io::Error::from_raw_os_error(NO_SPACE);
        let e = Err::<(), _>(io).context("writing a blob").unwrap_err();
        assert!(is_disk_full(&e));
        let sql = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(is_disk_full(&anyhow::Error::from(sql)));
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(!is_disk_full(&anyhow::Error::from(other)));
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(!is_disk_full(&anyhow::Error::from(busy)));
    }
}
