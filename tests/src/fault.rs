//! Tools for the fault tests (`tests/tests/fault_*.rs`): seeded randomness
//! that prints its seed, and readers of what a device holds and what the
//! server stored, straight from their SQLite files and photo folders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

/// A small seeded generator (SplitMix64): the same seed replays the same
/// kill points. `GRIDSAFE_FAULT_SEED` replays a failing run.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `GRIDSAFE_FAULT_SEED` or the clock; prints the seed.
    pub fn from_env(test: &str) -> Rng {
        let seed = std::env::var("GRIDSAFE_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: seed {seed} (replay with GRIDSAFE_FAULT_SEED={seed})");
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}

/// What a device was told the server holds: its events answered
/// `accepted` (event id → seq) and its photos marked uploaded.
#[derive(Debug, Default, Clone)]
pub struct DeviceAcks {
    pub events: BTreeMap<String, u64>,
    pub photos: BTreeSet<String>,
}

impl DeviceAcks {
    pub fn read(home: &Path) -> DeviceAcks {
        let c = read_only(&home.join("device.db"));
        let mut acks = DeviceAcks::default();
        let mut st = c
            .prepare("SELECT event_id, seq FROM outbox WHERE state = 'accepted'")
            .unwrap();
        for row in st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .unwrap()
        {
            let (id, seq) = row.unwrap();
            acks.events.insert(id, seq as u64);
        }
        let mut st = c
            .prepare("SELECT hash FROM photos WHERE uploaded_at IS NOT NULL")
            .unwrap();
        for h in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            acks.photos.insert(h.unwrap());
        }
        acks
    }

    pub fn extend(&mut self, other: DeviceAcks) {
        self.events.extend(other.events);
        self.photos.extend(other.photos);
    }
}

/// Every event the device made (event id → seq) and every photo its own
/// records cite.
pub fn device_outbox(home: &Path) -> (BTreeMap<String, u64>, BTreeSet<String>) {
    let c = read_only(&home.join("device.db"));
    let events = c
        .prepare("SELECT event_id, seq FROM outbox")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let photos = c
        .prepare(
            "SELECT DISTINCT r.hash FROM photo_refs r JOIN outbox o ON o.event_id = r.event_id",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    (events, photos)
}

/// The server's data directory, read from its files.
pub struct ServerData<'a>(pub &'a Path);

impl ServerData<'_> {
    fn db(&self) -> Connection {
        read_only(&self.0.join("gridsafe.db"))
    }

    /// How many times each of these events is stored.
    pub fn event_counts<'e>(
        &self,
        ids: impl IntoIterator<Item = &'e String>,
    ) -> BTreeMap<String, u64> {
        let c = self.db();
        let mut st = c
            .prepare("SELECT COUNT(*) FROM events WHERE id = ?1")
            .unwrap();
        ids.into_iter()
            .map(|id| {
                let n: i64 = st.query_row([id], |r| r.get(0)).unwrap();
                (id.clone(), n as u64)
            })
            .collect()
    }

    /// The (device, seq) → event id the server keeps for its pushes.
    pub fn pushes(&self, device: &str) -> BTreeMap<u64, String> {
        let c = self.db();
        let mut st = c
            .prepare("SELECT seq, event_id FROM pushes WHERE device = ?1")
            .unwrap();
        st.query_map([device], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
    }

    /// Whether the blob is stored whole: its file hashes to its name and
    /// the database lists it once.
    pub fn blob_ok(&self, sha: &str) -> Result<(), String> {
        let path = self.0.join("blobs").join(&sha[..2]).join(&sha[2..]);
        let bytes = std::fs::read(&path).map_err(|e| format!("{sha}: {e}"))?;
        let got = sha256_hex(&bytes);
        if got != sha {
            return Err(format!("{sha}: the stored file hashes to {got}"));
        }
        let n: i64 = self
            .db()
            .query_row("SELECT COUNT(*) FROM blobs WHERE sha = ?1", [sha], |r| {
                r.get(0)
            })
            .unwrap();
        if n != 1 {
            return Err(format!("{sha}: listed {n} times"));
        }
        Ok(())
    }

    /// SQLite's own check of the database file.
    pub fn integrity(&self) -> String {
        self.db()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap()
    }
}

/// SQLite's check of a device's database.
pub fn device_integrity(home: &Path) -> String {
    read_only(&home.join("device.db"))
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}
