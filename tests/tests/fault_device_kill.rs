//! The phone killed at random points, over and over: while it keeps a big
//! photo and saves its record, and while it syncs. After every kill its
//! database passes SQLite's integrity check, every record it showed is
//! there once, every photo a record cites is whole or reported, and in the
//! end a sync finishes with everything on the server exactly once.
//! (`device_crash.rs` holds the one deterministic kill between the photo
//! and its record.) Also: a photo file lost or damaged on the phone is
//! reported by `status` and `list`, and never stops a sync or the CLI.
//!
//! Kill points come from a seeded generator; the seed is printed, and
//! `GRIDSAFE_FAULT_SEED=N` replays a run.

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use gridsafe_tests::fault::{Rng, ServerData, device_integrity, device_outbox, sha256_hex};
use gridsafe_tests::{TestDevice, TestServer};
use serde_json::Value;

/// Kills `child` after `delay`, unless it ended first; answers its stdout
/// when it ended by itself with success.
fn kill_after(mut child: Child, delay: Duration) -> Option<String> {
    let until = Instant::now() + delay;
    while Instant::now() < until {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return out
                .status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

fn hazard_ids(list: &Value) -> Vec<String> {
    list["hazards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

/// What must hold after any kill: the database is sound, the CLI reads it,
/// no record is doubled, the ones seen finished are there, and every photo
/// a record cites matches its hash or is reported.
fn assert_sound(phone: &TestDevice, finished: &BTreeSet<String>) -> Vec<String> {
    assert_eq!(device_integrity(phone.home()), "ok");
    let ids = hazard_ids(&phone.list());
    let unique: BTreeSet<_> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "a record is listed twice: {ids:?}");
    for id in finished {
        assert!(unique.contains(id), "finished record {id} is gone");
    }
    let status = phone.status();
    let reported: BTreeSet<String> = status["damaged_photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["hash"].as_str().unwrap().to_owned())
        .collect();
    let (_, cited) = device_outbox(phone.home());
    for hash in &cited {
        let whole = std::fs::read(phone.stored_photo(hash)).is_ok_and(|b| sha256_hex(&b) == *hash);
        assert!(
            whole || reported.contains(hash),
            "photo {hash} is neither whole nor reported: {status}"
        );
    }
    ids
}

/// Syncs until it finishes (a few tries) and checks the server holds
/// every event and photo of the phone once, whole.
fn assert_all_on_server(server: &TestServer, phone: &TestDevice) {
    let finished = (0..4).any(|_| phone.sync(&[]).0);
    assert!(finished, "no sync finished: {}", phone.status());
    let s = phone.status();
    assert_eq!(s["pending_events"], 0, "{s}");
    assert_eq!(s["pending_blobs"], 0, "{s}");
    let data = ServerData(&server.data_dir().join("server"));
    let (events, photos) = device_outbox(phone.home());
    for (id, n) in data.event_counts(events.keys()) {
        assert_eq!(n, 1, "event {id} is stored {n} times");
    }
    for sha in &photos {
        data.blob_ok(sha).unwrap();
    }
}

#[test]
fn photo_add_killed_at_random_points() {
    let mut rng = Rng::from_env("fault_device_kill photo add");
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");

    // One whole add first, to know how long one takes.
    let first = phone.photo("IMG_first.jpg", 2000, 1500, 0);
    let started = Instant::now();
    let id = phone.add_hazard("V1", &["--photo", first.to_str().unwrap()]);
    let full = started.elapsed();
    let mut finished = BTreeSet::from([id]);

    let rounds = 10;
    let mut killed = 0;
    for round in 1..=rounds {
        let photo = phone.photo(&format!("IMG_{round}.jpg"), 2000, 1500, round);
        let child = phone.spawn(&[
            "hazard",
            "add",
            "--grid",
            "V1",
            "--sector",
            "fire",
            "--description",
            "配电箱未上锁",
            "--photo",
            photo.to_str().unwrap(),
        ]);
        let delay = full.mul_f64(rng.range(0, 100) as f64 / 100.0);
        match kill_after(child, delay) {
            Some(out) => {
                finished.insert(out.trim().to_owned());
            }
            None => killed += 1,
        }
        let ids = assert_sound(&phone, &finished);
        assert!(ids.len() <= round as usize + 1, "{ids:?}");
    }
    eprintln!(
        "fault_device_kill: {rounds} photo adds, {killed} killed; a whole add takes {:.2}s",
        full.as_secs_f64()
    );
    assert!(killed > 0, "no add was killed; the delays are too long");

    // Nothing a kill left behind stops the phone: it syncs everything.
    assert_all_on_server(&server, &phone);
    let s = phone.status();
    assert_eq!(s["damaged_photos"], serde_json::json!([]), "{s}");
}

#[test]
fn sync_killed_at_random_points() {
    let mut rng = Rng::from_env("fault_device_kill sync");
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");
    let mut finished = BTreeSet::new();
    let sync_args = [
        "sync",
        "--json",
        "--chunk-size",
        "32768",
        "--batch-size",
        "2",
        "--retries",
        "1",
        "--backoff-ms",
        "10",
    ];

    // How long a sync of one round's records takes, undisturbed.
    let add_round = |round: u32, finished: &mut BTreeSet<String>| {
        let p = phone.photo(&format!("IMG_{round}.jpg"), 1024, 768, round);
        finished.insert(phone.add_hazard("V1", &["--photo", p.to_str().unwrap()]));
        finished.insert(phone.add_hazard("V1", &["--level", "major"]));
        phone.ok(&[
            "check",
            "add",
            "--point",
            "LS-1",
            "--verdict",
            "normal",
            "--reading",
            "crack_width_mm=1",
            "--reading",
            "new_cracks=no",
            "--reading",
            "bulging=no",
        ]);
    };
    add_round(0, &mut finished);
    let started = Instant::now();
    phone.ok(&sync_args);
    let full = started.elapsed();

    let rounds = 10;
    let mut killed = 0;
    for round in 1..=rounds {
        add_round(round, &mut finished);
        let delay = full.mul_f64(rng.range(0, 120) as f64 / 100.0);
        if kill_after(phone.spawn(&sync_args), delay).is_none() {
            killed += 1;
        }
        assert_sound(&phone, &finished);
        let (events, _) = device_outbox(phone.home());
        assert_eq!(events.len(), 3 * (round as usize + 1), "an event was lost");
    }
    eprintln!(
        "fault_device_kill: {rounds} syncs, {killed} killed; a whole sync takes {:.2}s",
        full.as_secs_f64()
    );
    assert!(killed > 0, "no sync was killed; the delays are too long");
    assert_all_on_server(&server, &phone);
    let list = phone.list();
    assert_eq!(
        list["checks"].as_array().unwrap().len(),
        rounds as usize + 1
    );
    assert_eq!(hazard_ids(&list).len(), 2 * (rounds as usize + 1));
}

#[test]
fn missing_or_damaged_photo_is_reported_and_sync_goes_on() {
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");
    let originals: Vec<_> = (0..3)
        .map(|i| phone.photo(&format!("IMG_{i}.jpg"), 1200, 900, 10 + i))
        .collect();
    let ids: Vec<String> = originals
        .iter()
        .map(|p| phone.add_hazard("V1", &["--photo", p.to_str().unwrap()]))
        .collect();
    let (lost, spoilt, fine) = (
        phone.first_photo(&ids[0]),
        phone.first_photo(&ids[1]),
        phone.first_photo(&ids[2]),
    );
    std::fs::remove_file(phone.stored_photo(&lost)).unwrap();
    let mut bytes = std::fs::read(phone.stored_photo(&spoilt)).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(phone.stored_photo(&spoilt), &bytes).unwrap();

    // status and list report both, and still work.
    let s = phone.status();
    let damaged = s["damaged_photos"].as_array().unwrap();
    let problem = |hash: &str| {
        damaged
            .iter()
            .find(|d| d["hash"] == hash)
            .map(|d| d["problem"].as_str().unwrap().to_owned())
    };
    assert_eq!(problem(&lost).as_deref(), Some("missing"), "{s}");
    assert_eq!(problem(&spoilt).as_deref(), Some("damaged"), "{s}");
    assert_eq!(problem(&fine), None, "{s}");
    assert_eq!(s["pending_blobs"], 3, "{s}");
    let lost_item = phone.hazard(&ids[0]);
    assert_eq!(
        lost_item["damaged_photos"][0]["problem"], "missing",
        "{lost_item}"
    );
    assert_eq!(
        phone.hazard(&ids[1])["damaged_photos"][0]["problem"],
        "damaged"
    );
    assert!(phone.hazard(&ids[2]).get("damaged_photos").is_none());
    let plain = phone.ok(&["status"]);
    assert!(plain.contains("damaged_photos"), "{plain}");

    // Sync sends every record and the whole photo, pulls, and names the two
    // it could not send; it does not finish while they wait.
    let (ok, counts, err) = phone.sync(&[]);
    assert!(!ok, "{counts}");
    assert_eq!(counts["accepted"], 3, "{counts} {err}");
    assert_eq!(counts["blobs_uploaded"], 1, "{counts} {err}");
    assert!(err.contains(&lost) && err.contains("missing"), "{err}");
    assert!(err.contains(&spoilt) && err.contains("damaged"), "{err}");
    let data = ServerData(&server.data_dir().join("server"));
    data.blob_ok(&fine).unwrap();
    assert!(data.blob_ok(&lost).is_err() && data.blob_ok(&spoilt).is_err());

    // Taking the same photo again mends the damaged copy; it is then sent.
    phone.add_hazard("V1", &["--photo", originals[1].to_str().unwrap()]);
    assert_eq!(
        sha256_hex(&std::fs::read(phone.stored_photo(&spoilt)).unwrap()),
        spoilt
    );
    let (ok, counts, err) = phone.sync(&[]);
    assert!(!ok, "the lost photo still waits: {counts}");
    assert_eq!(counts["blobs_uploaded"], 1, "{counts} {err}");
    data.blob_ok(&spoilt).unwrap();
    let s = phone.status();
    assert_eq!(s["damaged_photos"].as_array().unwrap().len(), 1, "{s}");
    assert_eq!(s["pending_events"], 0, "{s}");
}
