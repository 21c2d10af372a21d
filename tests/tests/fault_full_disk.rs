//! The server's disk full: a push or a photo upload is answered 507
//! `storage_full` with a message a person can act on, nothing of the
//! refused request is stored, everything acknowledged before is kept, and
//! once space is back the same requests go through, without a restart.
//!
//! Two ways to fill the disk: a real size-limited tmpfs mounted on the data
//! directory, filled with a filler file (needs the right to mount, as root in
//! CI), and the server's test-only injection (`GRIDSAFE_FAULT_FULL_DISK`),
//! which works for any user. The story is the same for both.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gridsafe_core::{HazardLevel, PhotoHash, Sector};
use gridsafe_tests::fault::ServerData;
use gridsafe_tests::{Session, TestDevice, TestServer, assert_error, png, report, send};
use reqwest::StatusCode;

/// How the test fills and frees the disk.
trait Disk {
    fn fill(&mut self);
    fn free(&mut self);
}

/// The injected full disk: a flag file the server looks for.
struct Injected {
    flag: PathBuf,
    _dir: tempfile::TempDir,
}

impl Injected {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Injected {
            flag: dir.path().join("disk-full"),
            _dir: dir,
        }
    }
}

impl Disk for Injected {
    fn fill(&mut self) {
        std::fs::write(&self.flag, b"").unwrap();
    }
    fn free(&mut self) {
        std::fs::remove_file(&self.flag).unwrap();
    }
}

/// A tmpfs of a few megabytes on the data directory, filled to the last
/// byte by a filler file.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts it, or answers `None` when this user may not mount.
    fn mount(dir: &Path) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=8m", "gridsafe-full-disk"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        // Built only once mounted: dropping one unmounts.
        if ok {
            Some(Tmpfs {
                dir: dir.to_owned(),
            })
        } else {
            None
        }
    }

    fn filler(&self) -> PathBuf {
        self.dir.join("filler")
    }
}

impl Disk for Tmpfs {
    fn fill(&mut self) {
        let mut f = std::fs::File::create(self.filler()).unwrap();
        let block = vec![0x5a_u8; 64 * 1024];
        // Whole blocks, then single bytes, until the filesystem says no.
        loop {
            if let Err(e) = f.write_all(&block) {
                assert_eq!(e.raw_os_error(), Some(28), "{e}");
                break;
            }
        }
        while f.write_all(&[0x5a]).is_ok() {}
        let _ = f.sync_all();
    }
    fn free(&mut self) {
        std::fs::remove_file(self.filler()).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        // The temp dir around it could not remove a mounted folder.
        let _ = std::fs::remove_dir(&self.dir);
        if let Some(parent) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

fn put_photo(s: &Session, bytes: &[u8]) -> (StatusCode, serde_json::Value) {
    let sha = PhotoHash::of(bytes);
    send(
        s.http
            .put(s.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&s.token)
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec()),
    )
}

fn patch_photo(s: &Session, bytes: &[u8]) -> (StatusCode, serde_json::Value) {
    let sha = PhotoHash::of(bytes);
    send(
        s.http
            .patch(s.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&s.token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .header("upload-length", bytes.len().to_string())
            .body(bytes.to_vec()),
    )
}

fn assert_storage_full(status: StatusCode, v: &serde_json::Value, what: &str) {
    assert_error(status, v, 507, "storage_full");
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("disk is full") && m.contains("free space"),
        "{what}: {m}"
    );
}

/// The story, whichever way the disk fills up.
fn full_disk_story(mut server: TestServer, disk: &mut dyn Disk) {
    let mut s = server.login("insp1");
    let data_dir = server.data_dir().join("server");

    // Before: a hazard with its photo, and a second hazard whose photo
    // will arrive only while the disk is full.
    let kept_photo = png(640, 480, 1);
    let (kept, body) = report(
        "V1",
        Sector::Fire,
        HazardLevel::General,
        vec![PhotoHash::of(&kept_photo)],
    );
    let ev = s.event(body);
    assert_eq!(s.push_one(&ev)["verdict"], "accepted");
    let (status, v) = put_photo(&s, &kept_photo);
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let late_photo = png(800, 600, 2);
    let (late, body) = report(
        "V1",
        Sector::Construction,
        HazardLevel::General,
        vec![PhotoHash::of(&late_photo)],
    );
    let ev = s.event(body);
    assert_eq!(s.push_one(&ev)["verdict"], "accepted");
    let mut acknowledged = vec![ev.id.to_string()];

    // A phone records offline; it will try to sync while the disk is full.
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");
    let phone_photo = phone.photo("IMG_0001.jpg", 1200, 900, 3);
    phone.add_hazard("V1", &["--photo", phone_photo.to_str().unwrap()]);

    disk.fill();

    // Events: a real disk may still take a few pushes in the space SQLite's
    // journal already holds; sooner or later one is refused whole.
    let mut refused = None;
    for _ in 0..200 {
        let events: Vec<_> = (0..50)
            .map(|_| {
                let (_, body) = report("V1", Sector::Gas, HazardLevel::General, vec![]);
                s.event(body)
            })
            .collect();
        let (status, v) = s.push(&events);
        if status == StatusCode::OK {
            assert!(
                v["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["verdict"] == "accepted"),
                "{v}"
            );
            acknowledged.extend(events.iter().map(|e| e.id.to_string()));
            continue;
        }
        assert_storage_full(status, &v, "push");
        refused = Some(events);
        break;
    }
    let refused = refused.expect("the full disk never refused a push");
    let refused_ids: Vec<String> = refused.iter().map(|e| e.id.to_string()).collect();
    let counts = ServerData(&data_dir).event_counts(&refused_ids);
    assert!(
        counts.values().all(|n| *n == 0),
        "a refused push left events behind: {counts:?}"
    );

    // Photos: both ways of sending are refused, and nothing half-written
    // is taken for the photo.
    let (status, v) = put_photo(&s, &late_photo);
    assert_storage_full(status, &v, "PUT");
    let (status, v) = patch_photo(&s, &late_photo);
    assert_storage_full(status, &v, "PATCH");
    let (status, v) = s.get(&format!("/api/v1/hazards/{late}"));
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = send(
        s.http
            .get(s.url(&format!("/api/v1/blobs/{}", PhotoHash::of(&late_photo))))
            .bearer_auth(&s.token),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Reading goes on: what was acknowledged is there.
    let (status, v) = s.get(&format!("/api/v1/hazards/{kept}"));
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = s.get("/api/v1/sync/pull?since=0");
    assert_eq!(status, StatusCode::OK, "{v}");

    // The phone cannot finish, and keeps its queue.
    let (ok, _, err) = phone.sync(&[]);
    assert!(!ok, "sync finished on a full disk");
    assert!(err.contains("507") || err.contains("disk is full"), "{err}");
    let st = phone.status();
    assert_eq!(st["pending_events"], 1, "{st}");
    assert_eq!(st["pending_blobs"], 1, "{st}");

    disk.free();

    // Space is back: the same requests go through, with no restart.
    let (status, v) = s.push(&refused);
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "accepted"),
        "{v}"
    );
    acknowledged.extend(refused_ids);
    let (status, v) = put_photo(&s, &late_photo);
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let counts = phone.sync_ok();
    assert_eq!(counts["accepted"], 1, "{counts}");
    assert_eq!(counts["blobs_uploaded"], 1, "{counts}");
    let st = phone.status();
    assert_eq!(st["pending_events"], 0, "{st}");
    assert_eq!(st["pending_blobs"], 0, "{st}");

    // And all of it survives a restart.
    server.restart();
    let data = ServerData(&data_dir);
    assert_eq!(data.integrity(), "ok");
    for (id, n) in data.event_counts(&acknowledged) {
        assert_eq!(n, 1, "event {id}");
    }
    for photo in [&kept_photo, &late_photo] {
        data.blob_ok(PhotoHash::of(photo).as_str()).unwrap();
    }
    let (events, photos) = gridsafe_tests::fault::device_outbox(phone.home());
    assert!(data.event_counts(events.keys()).values().all(|n| *n == 1));
    for sha in &photos {
        data.blob_ok(sha).unwrap();
    }
}

#[test]
fn injected_full_disk_answers_507_and_recovers() {
    let mut disk = Injected::new();
    let flag = disk.flag.to_string_lossy().into_owned();
    let server = TestServer::town_custom(&[], &[("GRIDSAFE_FAULT_FULL_DISK", &flag)], |_| {});
    full_disk_story(server, &mut disk);
}

/// On a real filesystem when this user may mount one; otherwise (a normal
/// user) the same story with the injected full disk, so it still runs.
#[test]
fn real_full_disk_answers_507_and_recovers() {
    let mut mounted = None;
    let server = TestServer::town_custom(&[], &[], |dir| mounted = Tmpfs::mount(dir));
    match mounted.as_mut() {
        Some(disk) => {
            eprintln!("filling a real 8 MB tmpfs");
            full_disk_story(server, disk);
        }
        None => {
            eprintln!("cannot mount here; using the injected full disk");
            drop(server);
            injected_full_disk_answers_507_and_recovers();
        }
    }
}
