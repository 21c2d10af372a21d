//! Push: verdicts, repeats, reused and skipped sequences, forged authors
//! and devices, permissions, validation, superseded events.

use gridsafe_core::event::{HazardConfirmed, RectificationSubmitted};
use gridsafe_core::{EventBody, HazardLevel, Sector};
use gridsafe_tests::{TestServer, assert_error, report};
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn push_repeat_reuse_and_gap() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let events: Vec<_> = (0..3)
        .map(|_| {
            let (_, body) = report("V1", Sector::Fire, HazardLevel::General, vec![]);
            phone.event(body)
        })
        .collect();
    let (st, first) = phone.push(&events);
    assert_eq!(st, StatusCode::OK, "{first}");
    assert_eq!(first["taken_through"], 3);
    for (i, r) in first["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(r["seq"], i as u64 + 1);
        assert_eq!(r["verdict"], "accepted", "{r}");
        assert!(r["cursor"].as_u64().unwrap() > 0);
        assert_eq!(r["event"], json!(events[i].id));
    }
    // The same batch again: the saved verdicts, nothing new stored.
    let items: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"seq": i + 1, "event": e}))
        .collect();
    let (st, again) = phone.push_items(items);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(again["results"], first["results"]);
    assert_eq!(again["taken_through"], 3);
    let office = s.login("office");
    assert_eq!(office.get("/api/v1/hazards").1["total"], 3);
    // Another event under a used sequence.
    let (_, body) = report("V1", Sector::Fire, HazardLevel::General, vec![]);
    let other = phone.event(body);
    let (st, v) = phone.push_items(vec![json!({"seq": 2, "event": other})]);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["results"][0]["verdict"], "rejected");
    assert_eq!(v["results"][0]["code"], "sequence_reused");
    assert_eq!(office.get("/api/v1/hazards").1["total"], 3);
    // A gap: refused as a whole, with the sequence expected.
    let (st, v) = phone.push_items(vec![json!({"seq": 5, "event": other})]);
    assert_error(st, &v, 409, "sequence_gap");
    assert_eq!(v["error"]["expected_seq"], 4);
    // Not consecutive within a batch.
    let (st, v) = phone.push_items(vec![
        json!({"seq": 4, "event": other}),
        json!({"seq": 6, "event": other}),
    ]);
    assert_error(st, &v, 400, "bad_request");
    // A repeat followed by a new one in the same batch.
    let (st, v) = phone.push_items(vec![
        json!({"seq": 3, "event": events[2]}),
        json!({"seq": 4, "event": other}),
    ]);
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["taken_through"], 4);
    assert_eq!(v["results"][1]["verdict"], "accepted");
}

#[test]
fn forged_schema_and_permission_failures_are_rejected_one_by_one() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let other = s.login("insp2");
    let (_, body) = report("V1", Sector::Fire, HazardLevel::General, vec![]);
    let mut forged_author = phone.event(body.clone());
    forged_author.author = "insp2".parse().unwrap();
    let mut forged_device = phone.event(body.clone());
    forged_device.device = other.device;
    let mut unknown_field = serde_json::to_value(phone.event(body.clone())).unwrap();
    unknown_field["body"]["data"]["sneaky"] = json!(1);
    let (hazard, report_body) = report("V1", Sector::Fire, HazardLevel::General, vec![]);
    let good = phone.event(report_body);
    let confirm = phone.event(EventBody::HazardConfirmed(HazardConfirmed {
        hazard,
        level: HazardLevel::General,
        sector: None,
        owner: "王五".into(),
        deadline: None,
        measures: None,
        funds_yuan: None,
        contingency_plan: None,
        note: None,
    }));
    let mut empty = phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![]).1);
    if let EventBody::HazardReported(r) = &mut empty.body {
        r.description = "  ".into();
    }
    let mut future = phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![]).1);
    future.hlc.wall_ms += 3 * 24 * 3600 * 1000;
    let items = vec![
        json!({"seq": 1, "event": forged_author}),
        json!({"seq": 2, "event": forged_device}),
        json!({"seq": 3, "event": unknown_field}),
        json!({"seq": 4, "event": good}),
        json!({"seq": 5, "event": confirm}),
        json!({"seq": 6, "event": empty}),
        json!({"seq": 7, "event": future}),
    ];
    let (st, v) = phone.push_items(items);
    assert_eq!(st, StatusCode::OK, "{v}");
    let codes: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap_or("accepted"))
        .collect();
    assert_eq!(
        codes,
        [
            "forged_author",
            "forged_device",
            "schema",
            "accepted",
            "not_permitted",
            "validation",
            "clock_ahead"
        ]
    );
    assert_eq!(v["results"][5]["fields"][0]["field"], "description");
    assert_eq!(v["taken_through"], 7, "rejected events keep their sequence");
    // A push naming another device is refused whole.
    let (st, v) = phone.post(
        "/api/v1/sync/push",
        &json!({"device": other.device, "events": []}),
    );
    assert_error(st, &v, 403, "forbidden");
    // A malformed body answers JSON.
    let (st, v) = phone.post("/api/v1/sync/push", &json!({"device": phone.device}));
    assert_error(st, &v, 422, "schema");
    let _ = phone.next_seq;
}

#[test]
fn a_late_rectification_after_verification_is_accepted_as_superseded() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let office = s.login("office");
    let (hazard, body) = report("V1", Sector::Construction, HazardLevel::General, vec![]);
    let ev = phone.event(body);
    let r = phone.push_one(&ev);
    assert_eq!(r["verdict"], "accepted");
    let submitted = |phone: &mut gridsafe_tests::Session| {
        phone.event(EventBody::RectificationSubmitted(RectificationSubmitted {
            hazard,
            note: "已整改".into(),
            photos: vec![],
            location: None,
        }))
    };
    let ev = submitted(&mut phone);
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    let (st, v) = office.act(
        hazard,
        &EventBody::RectificationVerified(gridsafe_core::event::RectificationVerified {
            hazard,
            note: None,
        }),
    );
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["status"], "verified");
    // A second rectification made offline, stamped after the verification.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let late = submitted(&mut phone);
    let r = phone.push_one(&late);
    assert_eq!(r["verdict"], "accepted");
    assert_eq!(r["superseded"], "decided");
    let (_, d) = office.get(&format!("/api/v1/hazards/{hazard}"));
    assert_eq!(d["state"]["status"], "verified");
    let trail = d["events"].as_array().unwrap();
    assert_eq!(trail.len(), 4);
    assert_eq!(trail[3]["superseded"], "decided");
    assert_eq!(trail[3]["author"], "insp1");
}
