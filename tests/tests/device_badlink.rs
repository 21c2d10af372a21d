//! A day's records over a bad rural link: slow, with a long round trip, and
//! the signal lost every so often. Everything must arrive whole, and the
//! photos must resume where a cut left them, never start again.
//!
//! The shape of the field (256 kbit/s, 300 ms, a cut every few megabytes,
//! photos of about 300 KB) is scaled down in time so the test stays short:
//! smaller photos, a faster link and a shorter round trip, with cuts as
//! frequent relative to the photo size. `gridsafe-load badlink` runs the
//! full-size version (docs/PERFORMANCE.md).

use std::collections::BTreeSet;
use std::time::Duration;

use gridsafe_tests::proxy::Link;
use gridsafe_tests::{Proxy, TestDevice, TestServer};
use sha2::{Digest, Sha256};

const HAZARDS: u32 = 30;
const PHOTOS_EACH: u32 = 3;

#[test]
fn thirty_hazards_with_three_photos_each_arrive_whole_over_a_bad_link() {
    let server = TestServer::town();
    let proxy = Proxy::start(&server.base);
    let phone = TestDevice::new();
    phone.enroll(&proxy.url(), "insp1");

    let mut ids = Vec::new();
    for h in 0..HAZARDS {
        let mut args = Vec::new();
        for p in 0..PHOTOS_EACH {
            let photo = phone.photo(&format!("IMG_{h:02}_{p}.jpg"), 240, 180, h * 10 + p);
            args.push("--photo".to_owned());
            args.push(photo.to_str().unwrap().to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ids.push(phone.add_hazard("V1", &args));
    }
    let mut hashes = BTreeSet::new();
    for id in &ids {
        for h in phone.hazard(id)["state"]["photos"].as_array().unwrap() {
            hashes.insert(h.as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        hashes.len(),
        (HAZARDS * PHOTOS_EACH) as usize,
        "unique photos"
    );
    let photo_bytes: u64 = hashes
        .iter()
        .map(|h| std::fs::metadata(phone.stored_photo(h)).unwrap().len())
        .sum();
    let event_bytes: u64 = {
        let db = rusqlite::Connection::open(phone.home().join("device.db")).unwrap();
        db.query_row("SELECT SUM(LENGTH(body)) FROM events", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64
    };
    let payload = photo_bytes + event_bytes;

    // About a fifth of a megabyte between cuts: a cut every seven photos or
    // so, as a cut every two megabytes is for 300 KB photos.
    proxy.set_link(Link {
        cut_every: Some(200 * 1024),
        ..Link::rural(2000, Duration::from_millis(60))
    });
    proxy.reset_count();
    let mut runs = 0;
    loop {
        runs += 1;
        let (ok, counts, err) = phone.sync(&["--json", "--chunk-size", "524288"]);
        if ok {
            break;
        }
        assert!(
            runs < 5,
            "five syncs did not finish over the bad link: {err} {counts}"
        );
    }
    let sent = proxy.up_bytes();
    let cuts = proxy.cuts();
    assert!(cuts >= 3, "the link was cut only {cuts} times");
    let s = phone.status();
    assert_eq!(s["pending_events"], 0, "{s}");
    assert_eq!(s["pending_blobs"], 0, "{s}");
    // Resumed, never restarted: the bytes that went up are the payload
    // plus the requests' own headers, well inside a tenth more.
    assert!(
        (sent as f64) <= 1.1 * payload as f64,
        "{sent} bytes went up for a payload of {payload} ({photo_bytes} of photos) with {cuts} cuts"
    );

    // Every photo is on the server, whole.
    let office = server.login("office");
    for hash in &hashes {
        assert_eq!(&hex::encode(Sha256::digest(office.photo(hash))), hash);
    }
    for id in &ids {
        let (status, v) = office.get(&format!("/api/v1/hazards/{id}"));
        assert_eq!(status, reqwest::StatusCode::OK, "{v}");
    }
}
