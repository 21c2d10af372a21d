//! `gridsafe-server backup` while a device pushes, and `restore` into a new
//! data directory: every event and photo acknowledged before the backup
//! began is there after the restore, the photos hash-verified.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gridsafe_core::{HazardId, HazardLevel, PhotoHash, Sector};
use gridsafe_tests::{Session, TestServer, png, report};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

/// Reports a hazard with one photo and uploads the photo; answers what the
/// server acknowledged (the hazard once the push is accepted, the photo once
/// its upload is stored).
fn report_with_photo(phone: &mut Session, seed: u32) -> (Option<HazardId>, Option<PhotoHash>) {
    let photo = png(64, 48 + (seed % 200), (seed % 251) as u8);
    let sha = PhotoHash::of(&photo);
    let (hazard, body) = report("V1", Sector::Fire, HazardLevel::General, vec![sha.clone()]);
    let ev = phone.event(body);
    let (st, v) = phone.push(&[ev]);
    if st != StatusCode::OK || v["results"][0]["verdict"] != "accepted" {
        return (None, None);
    }
    let r = phone
        .http
        .put(phone.url(&format!("/api/v1/blobs/{sha}")))
        .bearer_auth(&phone.token)
        .header("content-type", "application/octet-stream")
        .body(photo)
        .send()
        .unwrap();
    let stored = r.status().is_success();
    (Some(hazard), stored.then_some(sha))
}

#[test]
fn backup_while_a_device_pushes_then_restore() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let acked: Arc<Mutex<(Vec<HazardId>, Vec<PhotoHash>)>> = Default::default();
    for i in 0..5 {
        let (h, p) = report_with_photo(&mut phone, i);
        let mut a = acked.lock().unwrap();
        a.0.push(h.unwrap());
        a.1.push(p.unwrap());
    }
    // The device goes on pushing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let pusher = {
        let (acked, stop) = (acked.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 100;
            while !stop.load(Ordering::SeqCst) {
                let (h, p) = report_with_photo(&mut phone, i);
                let mut a = acked.lock().unwrap();
                a.0.extend(h);
                a.1.extend(p);
                i += 1;
            }
            i - 100
        })
    };
    // Let a few pushes go through, then take what was acknowledged so far
    // just before the backup begins.
    while acked.lock().unwrap().0.len() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (before_hazards, before_photos) = acked.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup");
    let out = s.cli_ok(&["backup", backup.to_str().unwrap()], None);
    assert!(out.contains("backed up the database"), "{out}");
    stop.store(true, Ordering::SeqCst);
    let during = pusher.join().unwrap();
    assert!(during >= 5, "the device pushed only {during} reports");
    // The backup is a plain database file with no -wal beside it.
    assert!(backup.join("gridsafe.db").is_file());
    assert!(!backup.join("gridsafe.db-wal").exists());

    let restored = TestServer::restored_from(&backup);
    let office = restored.login("office");
    for h in &before_hazards {
        let (st, v) = office.get(&format!("/api/v1/hazards/{h}"));
        assert_eq!(st, StatusCode::OK, "hazard {h} lost: {v}");
    }
    for sha in &before_photos {
        let r = office
            .http
            .get(office.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&office.token)
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "photo {sha} lost");
        let bytes = r.bytes().unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), sha.as_str());
    }
    // The restored server takes new pushes from the same account.
    let mut again = restored.login("insp1");
    let (h, p) = report_with_photo(&mut again, 9999);
    assert!(h.is_some() && p.is_some());
}

#[test]
fn a_second_backup_copies_only_new_photos_and_restore_checks_what_it_copies() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let (_, p1) = report_with_photo(&mut phone, 1);
    let p1 = p1.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("b");
    let b = backup.to_str().unwrap();
    let out = s.cli_ok(&["backup", b], None);
    assert!(out.contains("1 photos (1 new"), "{out}");
    report_with_photo(&mut phone, 2).1.unwrap();
    let out = s.cli_ok(&["backup", b], None);
    assert!(out.contains("2 photos (1 new"), "{out}");

    // Restoring over a data directory that has a database is refused.
    let out = s.cli(&["restore", b], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already exists"), "{err}");

    // A folder without a backup in it is named as such.
    let empty = tempfile::tempdir().unwrap();
    let out = s.cli(&["restore", empty.path().to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no gridsafe.db"));

    // A photo damaged in the backup is found, and nothing is restored.
    let sha = p1.as_str();
    let damaged = backup.join("blobs").join(&sha[..2]).join(&sha[2..]);
    let mut bytes = std::fs::read(&damaged).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();
    let target = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(gridsafe_tests::bin())
        .args(["restore", b, "--data"])
        .arg(target.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match its hash"), "{err}");
    assert!(!target.path().join("gridsafe.db").exists());
}
