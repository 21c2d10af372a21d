//! Durability: a graceful restart keeps everything, and a SIGKILL in the
//! middle of concurrent pushes loses no acknowledged event and duplicates
//! none once the devices retry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gridsafe_core::{HazardLevel, Sector};
use gridsafe_tests::{TestServer, report};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[test]
fn a_restart_keeps_everything() {
    let mut s = TestServer::town();
    let mut phone = s.login("insp1");
    let ev = phone.event(report("V1", Sector::Fire, HazardLevel::Major, vec![]).1);
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    s.restart();
    phone.base = s.base.clone();
    // The token, the sequence and the record survived.
    let (st, list) = phone.get("/api/v1/hazards");
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["total"], 1);
    let (_, v) = phone.push_items(vec![json!({"seq": 1, "event": ev})]);
    assert_eq!(v["results"][0]["verdict"], "accepted");
    let ev2 = phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![]).1);
    let (_, v) = phone.push(&[ev2]);
    assert_eq!(v["taken_through"], 2);
    // The server's clock resumed past what it had seen: an office action
    // after the restart is ordered after the report.
    let office = gridsafe_tests::TestServer::login(&s, "office");
    let h = match &ev.body {
        gridsafe_core::EventBody::HazardReported(r) => r.hazard,
        _ => unreachable!(),
    };
    let (st, v) = office.act(
        h,
        &gridsafe_core::EventBody::HazardRejected(gridsafe_core::event::HazardRejected {
            hazard: h,
            reason: "重复".into(),
            duplicate_of: None,
        }),
    );
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["status"], "rejected");
}

#[test]
fn sigkill_during_concurrent_pushes_loses_nothing_acknowledged() {
    let mut s = TestServer::town();
    const DEVICES: usize = 4;
    const EVENTS: usize = 400;
    let mut outboxes = Vec::new();
    for _ in 0..DEVICES {
        let mut phone = s.login("insp1");
        let events: Vec<_> = (0..EVENTS)
            .map(|_| phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![]).1))
            .collect();
        outboxes.push((phone, events));
    }
    // seq -> cursor of every acknowledged event, per device.
    let acked: Arc<Mutex<Vec<HashMap<u64, u64>>>> =
        Arc::new(Mutex::new(vec![HashMap::new(); DEVICES]));
    let mut handles = Vec::new();
    for (d, (phone, events)) in outboxes.iter().enumerate() {
        let (url, token, device) = (
            phone.url("/api/v1/sync/push"),
            phone.token.clone(),
            phone.device,
        );
        let events = events.clone();
        let acked = acked.clone();
        handles.push(std::thread::spawn(move || {
            let http = reqwest::blocking::Client::new();
            let mut next = 0usize;
            while next < events.len() {
                let end = (next + 2).min(events.len());
                let items: Vec<Value> = (next..end)
                    .map(|i| json!({"seq": i + 1, "event": events[i]}))
                    .collect();
                let resp = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"device": device, "events": items}))
                    .send();
                let Ok(resp) = resp else { return };
                let Ok(v) = resp.json::<Value>() else { return };
                for r in v["results"].as_array().unwrap() {
                    assert_eq!(r["verdict"], "accepted", "{r}");
                    acked.lock().unwrap()[d]
                        .insert(r["seq"].as_u64().unwrap(), r["cursor"].as_u64().unwrap());
                }
                next = end;
            }
        }));
    }
    std::thread::sleep(std::time::Duration::from_millis(700));
    s.kill();
    for h in handles {
        h.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let total_acked: usize = acked.iter().map(|a| a.len()).sum();
    assert!(
        total_acked > 0,
        "some pushes were acknowledged before the kill"
    );
    assert!(
        total_acked < DEVICES * EVENTS,
        "the kill came while pushes were in flight"
    );
    s.start_again();
    // Each device retries its whole outbox from seq 1.
    for (d, (phone, events)) in outboxes.iter_mut().enumerate() {
        phone.base = s.base.clone();
        for chunk in (0..EVENTS).collect::<Vec<_>>().chunks(50) {
            let items: Vec<Value> = chunk
                .iter()
                .map(|&i| json!({"seq": i + 1, "event": events[i]}))
                .collect();
            let (st, v) = phone.push_items(items);
            assert_eq!(st, StatusCode::OK, "{v}");
            for r in v["results"].as_array().unwrap() {
                assert_eq!(r["verdict"], "accepted", "{r}");
                let seq = r["seq"].as_u64().unwrap();
                if let Some(cursor) = acked[d].get(&seq) {
                    assert_eq!(
                        r["cursor"].as_u64().unwrap(),
                        *cursor,
                        "an acknowledged event kept its place"
                    );
                }
            }
        }
    }
    let office = s.login("office");
    let (_, list) = office.get("/api/v1/hazards?per_page=1");
    assert_eq!(
        list["total"],
        (DEVICES * EVENTS) as u64,
        "each event stored exactly once"
    );
    let (_, page) = office.get("/api/v1/sync/pull?since=0&limit=2000");
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), DEVICES * EVENTS);
    let mut ids: Vec<&str> = events
        .iter()
        .map(|e| e["event"]["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), DEVICES * EVENTS);
}
