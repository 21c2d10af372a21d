//! The photo folder on the phone: files named by their hash, written
//! atomically, checked against their names.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use gridsafe_core::PhotoHash;

use super::{ExifFacts, PhotoError, ProcessedPhoto, io};

/// What can be wrong with a kept photo's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoProblem {
    /// The file is gone (deleted, or the folder restored without it).
    Missing,
    /// The file no longer hashes to its name (storage damage, an edit).
    Damaged,
}

/// A photo a record cites whose file is missing or damaged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DamagedPhoto {
    pub hash: PhotoHash,
    pub problem: PhotoProblem,
}

/// The photo folder, with files named by their hash.
#[derive(Debug, Clone)]
pub struct PhotoStore {
    dir: PathBuf,
}

impl PhotoStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PhotoStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, hash: &PhotoHash) -> PathBuf {
        self.dir.join(format!("{hash}.jpg"))
    }

    pub fn thumb_path(&self, hash: &PhotoHash) -> PathBuf {
        self.dir.join(format!("{hash}.thumb.jpg"))
    }

    /// Stores a processed photo and its thumbnail. A photo already stored
    /// (same hash, so same bytes) is left as it is.
    pub fn put(&self, photo: &ProcessedPhoto) -> Result<(), PhotoError> {
        // The same photo taken again mends a damaged copy.
        if self.check(&photo.hash) == Some(PhotoProblem::Damaged) {
            let _ = std::fs::remove_file(self.path(&photo.hash));
        }
        write_atomic(&self.thumb_path(&photo.hash), &photo.thumb)?;
        write_atomic(&self.path(&photo.hash), &photo.jpeg)?;
        Ok(())
    }

    pub fn read(&self, hash: &PhotoHash) -> Result<Vec<u8>, PhotoError> {
        let p = self.path(hash);
        std::fs::read(&p).map_err(|e| io(&p, e))
    }

    pub fn contains(&self, hash: &PhotoHash) -> bool {
        self.path(hash).is_file()
    }

    /// What is wrong with a kept photo's file, if anything: gone, or no
    /// longer the bytes its name is the hash of.
    pub fn check(&self, hash: &PhotoHash) -> Option<PhotoProblem> {
        match std::fs::read(self.path(hash)) {
            Ok(bytes) if PhotoHash::of(&bytes) == *hash => None,
            Ok(_) => Some(PhotoProblem::Damaged),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(PhotoProblem::Missing),
            Err(_) => Some(PhotoProblem::Damaged),
        }
    }

    /// A photo kept earlier (the app keeps each photo as it is taken and
    /// cites it when the record is saved), checked against its name so a
    /// damaged file is reported, never cited.
    pub fn load(&self, hash: &PhotoHash) -> Result<ProcessedPhoto, PhotoError> {
        let damaged = || PhotoError::Damaged { hash: hash.clone() };
        let jpeg = std::fs::read(self.path(hash)).map_err(|_| damaged())?;
        if PhotoHash::of(&jpeg) != *hash {
            return Err(damaged());
        }
        let thumb = std::fs::read(self.thumb_path(hash)).map_err(|_| damaged())?;
        let (width, height) =
            image::ImageReader::with_format(std::io::Cursor::new(&jpeg), image::ImageFormat::Jpeg)
                .into_dimensions()
                .map_err(|_| damaged())?;
        Ok(ProcessedPhoto {
            hash: hash.clone(),
            jpeg,
            thumb,
            width,
            height,
            quality: 0,
            exif: ExifFacts::default(),
        })
    }

    /// The thumbnail of a kept photo, if this device holds it.
    pub fn thumb(&self, hash: &PhotoHash) -> Option<Vec<u8>> {
        std::fs::read(self.thumb_path(hash)).ok()
    }

    /// Removes leftovers of interrupted writes and photo files that no
    /// record cites, once they are older than `min_age` (a record being
    /// saved right now writes its photos before its transaction commits).
    pub fn sweep(
        &self,
        is_cited: impl Fn(&PhotoHash) -> bool,
        min_age: std::time::Duration,
    ) -> Result<usize, PhotoError> {
        let mut removed = 0;
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io(&self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old_enough = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age >= min_age);
            if !old_enough {
                continue;
            }
            let orphan = if name.starts_with(TEMP_PREFIX) {
                true
            } else {
                let stem = name
                    .strip_suffix(".thumb.jpg")
                    .or_else(|| name.strip_suffix(".jpg"));
                match stem.and_then(|s| s.parse::<PhotoHash>().ok()) {
                    Some(h) => !is_cited(&h),
                    None => false,
                }
            };
            if orphan && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

pub(super) const TEMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `path` whole or not at all: a temp file beside it,
/// fsync, rename over, fsync of the folder so the rename itself survives a
/// power cut. The temp file is removed on any failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PhotoError> {
    if path.is_file() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::now_v7().simple()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            d.sync_all()?;
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path, e)
    })
}
