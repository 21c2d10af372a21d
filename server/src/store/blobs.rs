//! Photo bytes, content-addressed by SHA-256.
//!
//! The directory backend keeps a blob at `blobs/ab/cdef…` (the first two hex
//! digits as a folder, so no folder grows past a few thousand files), an
//! unfinished upload at `blobs/partial/<sha>` and thumbnails at
//! `blobs/thumbs/ab/cdef…`. A finished blob is written to a temporary file,
//! fsynced and renamed into place, so a crash leaves either the whole blob or
//! none of it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use gridsafe_core::PhotoHash;

use super::full_disk;

/// Where photo bytes live.
pub trait BlobStore: Send + Sync + 'static {
    fn exists(&self, sha: &PhotoHash) -> anyhow::Result<bool>;
    /// The size of a stored blob, without reading it.
    fn stored_len(&self, sha: &PhotoHash) -> anyhow::Result<Option<u64>>;
    fn get(&self, sha: &PhotoHash) -> anyhow::Result<Option<Vec<u8>>>;
    /// Stores a complete, verified blob atomically.
    fn put(&self, sha: &PhotoHash, bytes: &[u8]) -> anyhow::Result<()>;
    /// Bytes held so far of an unfinished upload.
    fn partial_len(&self, sha: &PhotoHash) -> anyhow::Result<u64>;
    /// Appends at `offset` (which the caller checked) and returns the new length.
    fn append_partial(&self, sha: &PhotoHash, offset: u64, bytes: &[u8]) -> anyhow::Result<u64>;
    fn read_partial(&self, sha: &PhotoHash) -> anyhow::Result<Vec<u8>>;
    fn discard_partial(&self, sha: &PhotoHash) -> anyhow::Result<()>;
    fn thumb(&self, sha: &PhotoHash) -> anyhow::Result<Option<Vec<u8>>>;
    fn put_thumb(&self, sha: &PhotoHash, bytes: &[u8]) -> anyhow::Result<()>;
}

/// Blobs as files under one directory.
pub struct DirBlobs {
    root: PathBuf,
}

impl DirBlobs {
    pub fn open(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let root = root.into();
        for sub in ["partial", "thumbs", "tmp"] {
            fs::create_dir_all(root.join(sub))
                .with_context(|| format!("creating {}", root.join(sub).display()))?;
        }
        Ok(Self { root })
    }

    fn sharded(&self, base: &Path, sha: &PhotoHash) -> PathBuf {
        let s = sha.as_str();
        base.join(&s[..2]).join(&s[2..])
    }

    fn path(&self, sha: &PhotoHash) -> PathBuf {
        self.sharded(&self.root, sha)
    }

    fn partial(&self, sha: &PhotoHash) -> PathBuf {
        self.root.join("partial").join(sha.as_str())
    }

    fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        full_disk::injected_io()?;
        let dir = dest.parent().expect("sharded paths have a parent");
        fs::create_dir_all(dir)?;
        let tmp =
            self.root
                .join("tmp")
                .join(format!("{}.{}", uuid::Uuid::now_v7().simple(), "tmp"));
        let written = File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| fs::rename(&tmp, dest)) {
            // A full disk leaves a half-written temp file: give its space back.
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        // The rename itself must reach the disk before the blob is reported stored.
        File::open(dir)?.sync_all()?;
        Ok(())
    }

    fn read_opt(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
        match fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl BlobStore for DirBlobs {
    fn exists(&self, sha: &PhotoHash) -> anyhow::Result<bool> {
        Ok(self.path(sha).is_file())
    }

    fn stored_len(&self, sha: &PhotoHash) -> anyhow::Result<Option<u64>> {
        match fs::metadata(self.path(sha)) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn get(&self, sha: &PhotoHash) -> anyhow::Result<Option<Vec<u8>>> {
        Self::read_opt(&self.path(sha))
    }

    fn put(&self, sha: &PhotoHash, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_atomic(&self.path(sha), bytes)
    }

    fn partial_len(&self, sha: &PhotoHash) -> anyhow::Result<u64> {
        match fs::metadata(self.partial(sha)) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    fn append_partial(&self, sha: &PhotoHash, offset: u64, bytes: &[u8]) -> anyhow::Result<u64> {
        full_disk::injected_io()?;
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.partial(sha))?;
        // Write at the checked offset: bytes of a request cut half-way are
        // overwritten by the retry rather than appended twice.
        f.set_len(offset)?;
        f.seek(SeekFrom::Start(offset))?;
        if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_data()) {
            // Keep only what was acknowledged (a full disk may have taken part).
            let _ = f.set_len(offset);
            return Err(e.into());
        }
        Ok(offset + bytes.len() as u64)
    }

    fn read_partial(&self, sha: &PhotoHash) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        File::open(self.partial(sha))?.read_to_end(&mut out)?;
        Ok(out)
    }

    fn discard_partial(&self, sha: &PhotoHash) -> anyhow::Result<()> {
        match fs::remove_file(self.partial(sha)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn thumb(&self, sha: &PhotoHash) -> anyhow::Result<Option<Vec<u8>>> {
        Self::read_opt(&self.sharded(&self.root.join("thumbs"), sha))
    }

    fn put_thumb(&self, sha: &PhotoHash, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_atomic(&self.sharded(&self.root.join("thumbs"), sha), bytes)
    }
}
