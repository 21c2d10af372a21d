//! The server killed (SIGKILL) at random points while several phones push
//! records and upload photos at once, twenty times over, and started again
//! on the same data each time. Whatever a phone was told was accepted or
//! uploaded must be on the server exactly once, photos whole; in the end
//! every phone finishes on retry with nothing left queued.
//!
//! The kill points come from a seeded generator; the seed is printed, and
//! `GRIDSAFE_FAULT_SEED=N` replays a run.

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use gridsafe_tests::fault::{DeviceAcks, Rng, ServerData, device_integrity, device_outbox};
use gridsafe_tests::{Proxy, TestDevice, TestServer};

const DEVICES: usize = 4;
const ROUNDS: usize = 20;
/// Small photo chunks, so a kill often lands between two of them.
const SYNC_ARGS: &[&str] = &["--chunk-size", "32768", "--batch-size", "3"];

fn spawn_sync(phone: &TestDevice) -> Child {
    let mut args = vec!["sync", "--json"];
    args.extend_from_slice(gridsafe_tests::device::FAST);
    args.extend_from_slice(SYNC_ARGS);
    phone.spawn(&args)
}

/// Checks that everything acknowledged so far is stored once, photos whole.
fn assert_acknowledged_kept(server: &TestServer, acked: &DeviceAcks, when: &str) {
    let data = ServerData(&server.data_dir().join("server"));
    for (id, n) in data.event_counts(acked.events.keys()) {
        assert_eq!(n, 1, "{when}: acknowledged event {id} is stored {n} times");
    }
    for sha in &acked.photos {
        if let Err(e) = data.blob_ok(sha) {
            panic!("{when}: acknowledged photo lost or damaged: {e}");
        }
    }
}

#[test]
fn killed_server_loses_nothing_it_acknowledged() {
    let mut rng = Rng::from_env("fault_server_kill");
    let mut server = TestServer::town();
    let proxy = Proxy::start(&server.base);
    let phones: Vec<TestDevice> = (0..DEVICES).map(|_| TestDevice::new()).collect();
    for (i, phone) in phones.iter().enumerate() {
        phone.enroll(
            &proxy.url(),
            if i.is_multiple_of(2) {
                "insp1"
            } else {
                "insp2"
            },
        );
    }
    let grid = |i: usize| if i.is_multiple_of(2) { "V1" } else { "V2" };

    let mut acked = DeviceAcks::default();
    let mut kills_mid_sync = 0;
    let mut round_ms: u64 = 600;
    let started = Instant::now();
    for round in 0..ROUNDS {
        // Each phone records offline: a hazard, with a photo every other
        // round, and now and then a major one (sent first).
        for (i, phone) in phones.iter().enumerate() {
            let mut extra: Vec<String> = Vec::new();
            if (round + i).is_multiple_of(2) {
                let seed = (round * DEVICES + i) as u32;
                let p = phone.photo(&format!("r{round}.jpg"), 1024, 768, seed);
                extra.extend(["--photo".into(), p.to_string_lossy().into_owned()]);
            }
            if rng.range(0, 4) == 0 {
                extra.extend(["--level".into(), "major".into()]);
            }
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            phone.add_hazard(grid(i), &extra);
        }

        // All sync at once; the server dies at a random moment within the
        // time a round of syncs takes, learned from the rounds that were
        // over before their kill (the machine sets it, not this test).
        let mut syncs: Vec<Child> = phones.iter().map(spawn_sync).collect();
        let began = Instant::now();
        let kill_at = began + Duration::from_millis(rng.range(0, round_ms));
        let mut over = None;
        while Instant::now() < kill_at {
            if syncs.iter_mut().all(|c| c.try_wait().unwrap().is_some()) {
                over = Some(began.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match over {
            Some(took) => round_ms = (took.as_millis() as u64).max(20),
            None => kills_mid_sync += 1,
        }
        server.kill();
        for c in &mut syncs {
            c.wait().unwrap();
        }
        for phone in &phones {
            acked.extend(DeviceAcks::read(phone.home()));
        }

        server.start_again();
        proxy.set_target(&server.base);
        assert_acknowledged_kept(&server, &acked, &format!("after kill {round}"));
    }
    eprintln!(
        "fault_server_kill: {ROUNDS} kills ({kills_mid_sync} while a phone was syncing), \
         {} events and {} photos acknowledged before the last restart, {:.1}s",
        acked.events.len(),
        acked.photos.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        kills_mid_sync >= ROUNDS / 4,
        "too few kills landed mid-sync ({kills_mid_sync}) to test anything"
    );

    // Every phone finishes on retry, with nothing left queued.
    for phone in &phones {
        let mut done = false;
        for _ in 0..5 {
            let (ok, _, _) = phone.sync(SYNC_ARGS);
            if ok {
                done = true;
                break;
            }
        }
        assert!(done, "a phone could not finish its sync after the kills");
        let s = phone.status();
        assert_eq!(s["pending_events"], 0, "{s}");
        assert_eq!(s["pending_blobs"], 0, "{s}");
        assert_eq!(s["rejected_events"], 0, "{s}");
        assert_eq!(device_integrity(phone.home()), "ok");
    }

    // Now everything every phone made is on the server once, and under the
    // sequence the phone gave it.
    let data = ServerData(&server.data_dir().join("server"));
    assert_eq!(data.integrity(), "ok");
    let mut all_photos = BTreeSet::new();
    let mut total = 0;
    for phone in &phones {
        let (events, photos) = device_outbox(phone.home());
        total += events.len();
        assert_eq!(events.len(), ROUNDS, "a phone lost a record of its own");
        for (id, n) in data.event_counts(events.keys()) {
            assert_eq!(n, 1, "event {id} is stored {n} times");
        }
        let device = phone.status()["device"].as_str().unwrap().to_owned();
        let pushes = data.pushes(&device);
        for (id, seq) in &events {
            assert_eq!(pushes.get(seq), Some(id), "seq {seq} of {device}");
        }
        all_photos.extend(photos);
    }
    assert_eq!(total, DEVICES * ROUNDS);
    assert_eq!(all_photos.len(), DEVICES * ROUNDS / 2);
    for sha in &all_photos {
        data.blob_ok(sha).unwrap();
    }
    assert_acknowledged_kept(&server, &acked, "at the end");
}
