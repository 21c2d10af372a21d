//! The field story end to end: record offline, sync, the office confirms,
//! the device sees it, rectify with a photo, sync, the office verifies, the
//! device shows verified.

use gridsafe_core::event::{HazardConfirmed, RectificationVerified};
use gridsafe_core::{EventBody, HazardId, HazardLevel};
use gridsafe_tests::{TestDevice, TestServer};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

#[test]
fn record_offline_sync_confirm_rectify_verify() {
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");
    assert_eq!(
        phone.status()["points"],
        1,
        "LS-1 is kept for offline checks"
    );

    // Offline: nothing below needs the server until `sync`.
    let before = phone.photo("before.jpg", 4000, 3000, 1);
    let id = phone.add_hazard(
        "V1",
        &[
            "--photo",
            before.to_str().unwrap(),
            "--lat",
            "30.61",
            "--lon",
            "103.51",
            "--accuracy",
            "6",
        ],
    );
    let check = phone.ok(&[
        "check",
        "add",
        "--point",
        "LS-1",
        "--verdict",
        "normal",
        "--reading",
        "crack_width_mm=1.5",
        "--reading",
        "new_cracks=no",
        "--reading",
        "bulging=no",
    ]);
    assert!(!check.trim().is_empty());
    let s = phone.status();
    assert_eq!(s["pending_events"], 2);
    assert_eq!(s["pending_blobs"], 1);

    let counts = phone.sync_ok();
    assert_eq!(counts["pushed"], 2, "{counts}");
    assert_eq!(counts["accepted"], 2, "{counts}");
    assert_eq!(counts["rejected"], 0, "{counts}");
    assert_eq!(counts["blobs_uploaded"], 1, "{counts}");
    let s = phone.status();
    assert_eq!(s["pending_events"], 0);
    assert_eq!(s["pending_blobs"], 0);
    assert!(s["last_sync"].is_string());

    // The photo on the server is the device's stored file, byte for byte.
    let h = phone.hazard(&id);
    assert_eq!(h["sync"], "accepted");
    let hash = h["state"]["photos"][0].as_str().unwrap().to_owned();
    let office = server.login("office");
    let served = office.photo(&hash);
    assert_eq!(hex::encode(Sha256::digest(&served)), hash);
    assert_eq!(served, std::fs::read(phone.stored_photo(&hash)).unwrap());

    // The office confirms; the device sees it after a sync.
    let hazard: HazardId = id.parse().unwrap();
    let (status, v) = office.act(
        hazard,
        &EventBody::HazardConfirmed(HazardConfirmed {
            hazard,
            level: HazardLevel::General,
            sector: None,
            owner: "青石建材有限公司".into(),
            deadline: Some("2030-07-01".parse().unwrap()),
            measures: None,
            funds_yuan: None,
            contingency_plan: None,
            note: None,
        }),
    );
    assert!(status.is_success(), "{status} {v}");
    let counts = phone.sync_ok();
    assert!(counts["pulled"].as_u64().unwrap() >= 1, "{counts}");
    let h = phone.hazard(&id);
    assert_eq!(h["status"], "confirmed", "{h}");
    assert_eq!(h["state"]["confirmation"]["owner"], "青石建材有限公司");

    // Rectified with an "after" photo, synced, verified by the office.
    let after = phone.photo("after.jpg", 3000, 4000, 2);
    phone.ok(&[
        "hazard",
        "rectify",
        &id,
        "--note",
        "已加装防护网",
        "--photo",
        after.to_str().unwrap(),
    ]);
    assert_eq!(phone.hazard(&id)["status"], "rectified");
    let counts = phone.sync_ok();
    assert_eq!(counts["accepted"], 1, "{counts}");
    assert_eq!(counts["blobs_uploaded"], 1, "{counts}");
    let (status, v) = office.act(
        hazard,
        &EventBody::RectificationVerified(RectificationVerified {
            hazard,
            note: Some("整改到位".into()),
        }),
    );
    assert!(status.is_success(), "{status} {v}");
    phone.sync_ok();
    let h = phone.hazard(&id);
    assert_eq!(h["status"], "verified", "{h}");
    assert_eq!(h["state"]["after_photos"].as_array().unwrap().len(), 1);

    // The device and the server fold to the same state.
    let (status, detail) = office.get(&format!("/api/v1/hazards/{id}"));
    assert_eq!(status, StatusCode::OK);
    let server_state = if detail["state"].is_object() {
        &detail["state"]
    } else {
        &detail
    };
    assert_eq!(server_state["status"], "verified", "{detail}");
    assert_eq!(server_state["after_photos"], h["state"]["after_photos"]);

    // Nothing was deleted because the server said ok.
    let text = phone.ok(&["list"]);
    assert!(text.contains(&id), "{text}");
    assert!(phone.stored_photo(&hash).is_file());
}
