//! The device killed between writing a photo and its record: no orphan is
//! shown, no broken record is left, and the device carries on.

use std::path::Path;
use std::time::{Duration, Instant};

use gridsafe_tests::{TestDevice, TestServer};
use rusqlite::{Connection, TransactionBehavior};

fn stored_photos(home: &Path) -> Vec<String> {
    std::fs::read_dir(home.join("photos"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jpg") && !n.starts_with('.'))
        .collect()
}

#[test]
fn killed_between_photo_and_event() {
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");
    let photo = phone.photo("IMG_0003.jpg", 4000, 3000, 3);

    // Hold the database's write lock, as a long write elsewhere would: the
    // device writes its photo files, then waits for the lock, and is killed.
    let mut db = Connection::open(phone.home().join("device.db")).unwrap();
    let lock = db
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    let mut child = phone.spawn(&[
        "hazard",
        "add",
        "--grid",
        "V1",
        "--sector",
        "fire",
        "--description",
        "仓库堆放易燃物",
        "--photo",
        photo.to_str().unwrap(),
    ]);
    let start = Instant::now();
    while stored_photos(phone.home()).len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the device never wrote its photo"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the device exited early"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    lock.rollback().unwrap();
    drop(db);

    // The photo and thumbnail are on disk, but no record cites them.
    assert_eq!(stored_photos(phone.home()).len(), 2);
    let list = phone.list();
    assert_eq!(list["hazards"].as_array().unwrap().len(), 0, "{list}");
    let s = phone.status();
    assert_eq!(s["pending_events"], 0, "{s}");
    assert_eq!(s["pending_blobs"], 0, "{s}");

    // The device carries on: the next record gets sequence 1 and syncs.
    let id = phone.add_hazard("V1", &["--photo", photo.to_str().unwrap()]);
    let counts = phone.sync_ok();
    assert_eq!(counts["accepted"], 1, "{counts}");
    assert_eq!(counts["blobs_uploaded"], 1, "{counts}");
    let h = phone.hazard(&id);
    assert_eq!(h["events"][0]["seq"], 1, "{h}");
    assert_eq!(phone.list()["hazards"].as_array().unwrap().len(), 1);
}
