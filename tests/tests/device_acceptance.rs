//! A hazard recorded offline, synced only after the server restarted and
//! two uploads of its photos were cut off, arrives on the server exactly
//! once with every photo, each verified against its hash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gridsafe_tests::{Proxy, TestDevice, TestServer};
use sha2::{Digest, Sha256};

/// One sync whose link dies for good after `bytes` more bytes go up.
fn sync_cut_after(phone: &TestDevice, proxy: &Proxy, bytes: u64) {
    proxy.set_down(false);
    proxy.reset_count();
    proxy.cut_after(bytes);
    let done = AtomicBool::new(false);
    let (ok, counts, err) = std::thread::scope(|s| {
        s.spawn(|| {
            while proxy.cuts() == 0 && !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            proxy.set_down(true);
        });
        let r = phone.sync(&["--chunk-size", "32768", "--retries", "1"]);
        done.store(true, Ordering::SeqCst);
        r
    });
    assert_eq!(proxy.cuts(), 1, "the link was cut: {err} {counts}");
    assert!(!ok, "a sync whose link died cannot finish: {counts}");
}

#[test]
fn offline_hazard_survives_a_restart_and_two_cut_uploads_and_arrives_once() {
    let mut server = TestServer::town();
    let proxy = Proxy::start(&server.base);
    let phone = TestDevice::new();
    phone.enroll(&proxy.url(), "insp1");

    // Recorded with no network at all.
    proxy.set_down(true);
    let photos = [
        phone.photo("IMG_1.jpg", 4000, 3000, 11),
        phone.photo("IMG_2.jpg", 4000, 3000, 12),
    ];
    let id = phone.add_hazard(
        "V1",
        &[
            "--photo",
            photos[0].to_str().unwrap(),
            "--photo",
            photos[1].to_str().unwrap(),
        ],
    );
    let (ok, _, _) = phone.sync(&["--retries", "0"]);
    assert!(!ok, "no network, no sync");

    // The server restarts meanwhile.
    server.restart();
    proxy.set_target(&server.base);

    // Two syncs, each cut off in the middle of a photo.
    let hashes: Vec<String> = phone.hazard(&id)["state"]["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    let size = std::fs::metadata(phone.stored_photo(&hashes[0]))
        .unwrap()
        .len();
    sync_cut_after(&phone, &proxy, size / 2);
    sync_cut_after(&phone, &proxy, size);

    // The next good sync completes.
    proxy.set_down(false);
    let counts = phone.sync_ok();
    assert_eq!(phone.status()["pending_events"], 0, "{counts}");
    assert_eq!(phone.status()["pending_blobs"], 0, "{counts}");

    // Exactly once on the server, with every photo.
    let office = server.login("office");
    let (_, list) = office.get("/api/v1/hazards?grid=V1");
    assert_eq!(list["total"], 1, "{list}");
    let (_, detail) = office.get(&format!("/api/v1/hazards/{id}"));
    assert_eq!(
        detail["events"].as_array().unwrap().len(),
        1,
        "one report, no duplicate: {detail}"
    );
    assert_eq!(detail["state"]["photos"].as_array().unwrap().len(), 2);
    for hash in &hashes {
        assert_eq!(&hex::encode(Sha256::digest(office.photo(hash))), hash);
    }
}
