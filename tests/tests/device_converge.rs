//! Two devices acting on the same hazard offline converge to the fold's
//! answer, the same as the server's.

use gridsafe_core::event::{HazardConfirmed, RectificationVerified};
use gridsafe_core::{EventBody, HazardId, HazardLevel};
use gridsafe_tests::{TestDevice, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

fn confirm(hazard: HazardId) -> EventBody {
    EventBody::HazardConfirmed(HazardConfirmed {
        hazard,
        level: HazardLevel::General,
        sector: None,
        owner: "石桥村委会".into(),
        deadline: None,
        measures: None,
        funds_yuan: None,
        contingency_plan: None,
        note: None,
    })
}

#[test]
fn two_devices_rectify_the_same_hazard_offline() {
    let server = TestServer::town();
    let office = server.login("office");
    let a = TestDevice::new();
    let b = TestDevice::new();
    a.enroll(&server.base, "insp1");
    b.enroll(&server.base, "insp1");

    let id = a.add_hazard("V1", &[]);
    a.sync_ok();
    let hazard: HazardId = id.parse().unwrap();
    let (status, v) = office.act(hazard, &confirm(hazard));
    assert!(status.is_success(), "{status} {v}");
    a.sync_ok();
    b.sync_ok();
    assert_eq!(b.hazard(&id)["status"], "confirmed");
    assert_eq!(b.hazard(&id)["sync"], "from_server");

    // A fixes it and syncs; the office verifies.
    let pa = a.photo("a.jpg", 800, 600, 11);
    a.ok(&[
        "hazard",
        "rectify",
        &id,
        "--note",
        "A: 已清理",
        "--photo",
        pa.to_str().unwrap(),
    ]);
    a.sync_ok();
    let (status, v) = office.act(
        hazard,
        &EventBody::RectificationVerified(RectificationVerified { hazard, note: None }),
    );
    assert!(status.is_success(), "{status} {v}");

    // B, offline all along, also submits a fix, stamped after the verification.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let pb = b.photo("b.jpg", 800, 600, 12);
    b.ok(&[
        "hazard",
        "rectify",
        &id,
        "--note",
        "B: 已清理",
        "--photo",
        pb.to_str().unwrap(),
    ]);
    assert_eq!(
        b.hazard(&id)["status"],
        "rectified",
        "B's own view, offline"
    );

    let counts = b.sync_ok();
    assert_eq!(counts["accepted"], 1, "{counts}");
    a.sync_ok();

    let ha = a.hazard(&id);
    let hb = b.hazard(&id);
    // The decision stands; B's late fix is kept in the trail, superseded.
    assert_eq!(ha["status"], "verified", "{ha}");
    assert_eq!(hb["status"], "verified", "{hb}");
    let b_event = hb["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rectification_submitted")
        .unwrap();
    assert_eq!(b_event["sync"], "accepted");
    assert_eq!(b_event["superseded"], "decided", "{hb}");
    // Both devices hold the same folded state, and so does the server.
    assert_eq!(ha["state"], hb["state"]);
    let (status, detail) = office.get(&format!("/api/v1/hazards/{id}"));
    assert_eq!(status, StatusCode::OK);
    let server_state: &Value = if detail["state"].is_object() {
        &detail["state"]
    } else {
        &detail
    };
    for field in ["status", "after_photos", "superseded", "events", "verified"] {
        assert_eq!(server_state[field], ha["state"][field], "{field}: {detail}");
    }
    assert_eq!(ha["state"]["after_photos"].as_array().unwrap().len(), 1);
    assert_eq!(ha["state"]["superseded"][0]["reason"], "decided");
}
