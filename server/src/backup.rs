//! `gridsafe-server backup DIR` and `gridsafe-server restore DIR`.
//!
//! A backup is a folder laid out like a data directory: `gridsafe.db` and
//! `blobs/ab/cdef…`. The database is copied first with SQLite's online
//! backup in a single step, which reads one consistent snapshot while the
//! server goes on writing. Then every photo that snapshot lists as stored is
//! copied and its SHA-256 checked. A photo is written to disk before the
//! database records it, so every photo the snapshot knows is there to copy;
//! photos stored later are simply not in this backup.
//!
//! Backing up into the same folder again replaces the database and copies
//! only the photos it does not hold yet (photos never change). Thumbnails are
//! left out: the server makes them again when asked.
//!
//! A restore does the reverse into a data directory that holds no database
//! yet, checking the database's integrity and every photo's hash.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use gridsafe_core::sha256_hex;
use rusqlite::{Connection, OpenFlags};

/// What a backup or restore copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Photos the database lists.
    pub photos: u64,
    /// Of those, copied now (the rest were already in place).
    pub photos_copied: u64,
    pub bytes: u64,
}

/// Where a photo lives under a `blobs/` folder (as the directory blob store
/// keeps it).
fn blob_path(blobs: &Path, sha: &str) -> PathBuf {
    blobs.join(&sha[..2]).join(&sha[2..])
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Copies the database at `db` and the photos under `blobs` into `dest`.
pub fn backup(db: &Path, blobs: &Path, dest: &Path) -> anyhow::Result<Copied> {
    if !db.is_file() {
        bail!(
            "there is no database at {}; give the --data (or --database) the server runs with",
            db.display()
        );
    }
    fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    let snapshot = dest.join("gridsafe.db.partial");
    let _ = fs::remove_file(&snapshot);
    copy_database(db, &snapshot)
        .with_context(|| format!("copying the database {}", db.display()))?;
    let shas = stored_photos(&snapshot)?;
    let copied = copy_photos(&shas, blobs, &dest.join("blobs"))?;
    // The database goes into place last: a backup folder with a
    // `gridsafe.db` holds every photo that database lists.
    fs::rename(&snapshot, dest.join("gridsafe.db"))?;
    sync_dir(dest)?;
    Ok(copied)
}

/// Puts a backup made by [`backup`] into place: the database at `db`, the
/// photos under `blobs`. Refuses to overwrite a database.
pub fn restore(src: &Path, db: &Path, blobs: &Path) -> anyhow::Result<Copied> {
    let from = src.join("gridsafe.db");
    if !from.is_file() {
        bail!(
            "{} holds no gridsafe.db; give the folder `gridsafe-server backup` wrote",
            src.display()
        );
    }
    if db.exists() {
        bail!(
            "{} already exists; restore into an empty data directory (or move the old database away first)",
            db.display()
        );
    }
    {
        let conn = Connection::open_with_flags(&from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            bail!("the backup's database is damaged: {check}");
        }
    }
    let shas = stored_photos(&from)?;
    let copied = copy_photos(&shas, &src.join("blobs"), blobs)?;
    if let Some(dir) = db.parent() {
        fs::create_dir_all(dir)?;
    }
    let partial = db.with_extension("db.partial");
    copy_database(&from, &partial)?;
    fs::rename(&partial, db)?;
    if let Some(dir) = db.parent() {
        sync_dir(dir)?;
    }
    Ok(copied)
}

/// SQLite's online backup, all pages in one step: one read transaction on
/// the source, so the copy is a snapshot even while another process writes.
fn copy_database(from: &Path, to: &Path) -> anyhow::Result<()> {
    let src = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(std::time::Duration::from_secs(30))?;
    let mut dst = Connection::open(to)?;
    {
        let b = rusqlite::backup::Backup::new(&src, &mut dst)?;
        loop {
            match b.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                // Locked by a writer for longer than the busy timeout: try again.
                _ => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    }
    // A self-contained file: no -wal beside it.
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    drop(dst);
    File::open(to)?.sync_all()?;
    Ok(())
}

/// The photos a database lists as stored.
fn stored_photos(db: &Path) -> anyhow::Result<Vec<String>> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare("SELECT sha FROM blobs ORDER BY sha")?;
    let shas = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(bad) = shas.iter().find(|s| !is_sha256_hex(s)) {
        bail!("the database lists a photo named {bad:?}, which is not a SHA-256");
    }
    Ok(shas)
}

/// Copies each listed photo from one `blobs/` folder to another, checking its
/// hash; photos already in place with the right size are kept.
fn copy_photos(shas: &[String], from: &Path, to: &Path) -> anyhow::Result<Copied> {
    let mut out = Copied::default();
    let tmp_dir = to.join("tmp");
    fs::create_dir_all(&tmp_dir)?;
    // Folders whose new entries must reach the disk; each is synced once,
    // at the end, before the caller puts the database into place.
    let mut touched = std::collections::BTreeSet::new();
    for sha in shas {
        out.photos += 1;
        let src = blob_path(from, sha);
        let dst = blob_path(to, sha);
        let want_len = fs::metadata(&src)
            .with_context(|| format!("photo {sha} is listed but missing at {}", src.display()))?
            .len();
        if fs::metadata(&dst).is_ok_and(|m| m.len() == want_len) {
            continue;
        }
        let mut bytes = Vec::with_capacity(want_len as usize);
        File::open(&src)?.read_to_end(&mut bytes)?;
        let got = sha256_hex(&bytes);
        if got != *sha {
            bail!(
                "photo {sha} at {} does not match its hash (its bytes hash to {got}); the disk may be damaged",
                src.display()
            );
        }
        let dir = dst.parent().expect("sharded paths have a parent");
        fs::create_dir_all(dir)?;
        let tmp = tmp_dir.join(format!("{sha}.tmp"));
        let mut f = File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &dst)?;
        touched.insert(dir.to_owned());
        out.photos_copied += 1;
        out.bytes += bytes.len() as u64;
    }
    if !touched.is_empty() {
        touched.insert(to.to_owned());
    }
    for dir in touched {
        sync_dir(&dir)?;
    }
    Ok(out)
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_names_are_photos() {
        assert!(is_sha256_hex(&"a1".repeat(32)));
        assert!(!is_sha256_hex(&format!("../{}", "a".repeat(61))));
        assert!(!is_sha256_hex(&"A1".repeat(32)));
    }
}
