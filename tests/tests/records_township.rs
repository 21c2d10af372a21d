//! Township records from phone to console: a meeting, a banquet, a promise
//! and an accident recorded offline on the phone, synced, listed and shown
//! with their photos in the console API, and counted in the grid summary.
//! A volunteer cannot record in another village.

use chrono::{Datelike, Duration, FixedOffset, Utc};
use gridsafe_core::event::MeetingRecorded;
use gridsafe_core::{EventBody, MeetingId};
use gridsafe_tests::{TestDevice, TestServer};
use reqwest::StatusCode;

fn beijing_today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

#[test]
fn each_record_kind_goes_from_phone_to_console_and_summary() {
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "insp1");
    let today = beijing_today().to_string();
    let minutes = phone.photo("minutes.jpg", 1600, 1200, 3);
    let signed = phone.photo("promise.jpg", 1200, 1600, 4);

    // Offline: every record is kept and queued with no server involved.
    let meeting = phone
        .ok(&[
            "meeting",
            "add",
            "--grid",
            "V1",
            "--date",
            &today,
            "--topic",
            "汛期安全生产工作会议",
            "--attendee",
            "李明",
            "--attendee",
            "张大山",
            "--photo",
            minutes.to_str().unwrap(),
        ])
        .trim()
        .to_owned();
    let banquet = phone
        .ok(&[
            "banquet",
            "add",
            "--grid",
            "V1",
            "--host",
            "王德贵",
            "--date",
            &today,
            "--tables",
            "18",
            "--cook",
            "刘师傅",
            "--samples-kept",
            "--banned-absent",
            "green_beans",
            "--banned-absent",
            "wild_mushrooms",
        ])
        .trim()
        .to_owned();
    let promise = phone
        .ok(&[
            "promise",
            "add",
            "--grid",
            "U1",
            "--kind",
            "farm_vehicle_no_passengers",
            "--party",
            "陈农机",
            "--photo",
            signed.to_str().unwrap(),
        ])
        .trim()
        .to_owned();
    let when = (Utc::now() - Duration::hours(3)).to_rfc3339();
    let accident = phone
        .ok(&[
            "accident",
            "add",
            "--grid",
            "V1",
            "--sector",
            "road_traffic",
            "--time",
            &when,
            "--deaths",
            "1",
            "--injuries",
            "2",
            "--description",
            "农用车侧翻",
        ])
        .trim()
        .to_owned();
    let status = phone.status();
    assert_eq!(status["pending_events"], 4, "{status}");
    assert_eq!(status["pending_blobs"], 2, "{status}");

    // A bad banquet is refused on the phone and queues nothing.
    let bad = phone.run(&[
        "banquet", "add", "--grid", "V1", "--host", "王", "--date", &today, "--tables", "0",
    ]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("tables must be between 1 and 1000"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );

    let counts = phone.sync_ok();
    assert_eq!(counts["accepted"], 4, "{counts}");
    assert_eq!(counts["rejected"], 0, "{counts}");
    assert_eq!(counts["blobs_uploaded"], 2, "{counts}");

    let office = server.login("office");
    let (s, list) = office.get("/api/v1/records/meetings?grid=T");
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], meeting.as_str());
    assert_eq!(list[0]["grid"], "V1");
    assert_eq!(list[0]["body"]["data"]["topic"], "汛期安全生产工作会议");
    assert_eq!(list[0]["body"]["data"]["attendees"][1], "张大山");
    let photo = list[0]["photos"][0]["url"].as_str().unwrap().to_owned();
    let resp = office
        .http
        .get(office.url(&photo))
        .bearer_auth(&office.token)
        .send()
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "the minutes' photo is served"
    );

    let (s, b) = office.get(&format!("/api/v1/records/banquets/{banquet}"));
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["body"]["data"]["tables"], 18);
    assert_eq!(b["body"]["data"]["samples_kept"], true);
    assert_eq!(
        b["body"]["data"]["banned_dishes_absent"][1],
        "wild_mushrooms"
    );

    let (_, p) = office.get("/api/v1/records/promises?grid=V1");
    assert_eq!(
        p[0]["id"],
        promise.as_str(),
        "a unit's promise lies in its village"
    );
    assert_eq!(p[0]["grid"], "U1");
    assert_eq!(p[0]["photos"].as_array().unwrap().len(), 1);

    let (_, a) = office.get(&format!("/api/v1/records/accidents/{accident}"));
    assert_eq!(a["body"]["data"]["deaths"], 1);
    assert_eq!(
        a["body"]["data"]["place"], "石桥村",
        "the grid's name stands in"
    );

    let (s, e) = office.get("/api/v1/records/parcels");
    gridsafe_tests::assert_error(s, &e, 404, "not_found");
    let (s, e) = office.get("/api/v1/records/meetings/no-such-id");
    gridsafe_tests::assert_error(s, &e, 404, "not_found");

    // Another village's inspector sees none of it.
    let other = server.login("insp2");
    let (_, none) = other.get("/api/v1/records/meetings");
    assert_eq!(none.as_array().unwrap().len(), 0, "{none}");
    let (s, e) = other.get(&format!("/api/v1/records/banquets/{banquet}"));
    gridsafe_tests::assert_error(s, &e, 404, "not_found");

    let year = beijing_today().year();
    let (s, sum) = office.get(&format!("/api/v1/grids/T/summary?period={year}"));
    assert_eq!(s, StatusCode::OK, "{sum}");
    assert_eq!(sum["meetings"], 1, "{sum}");
    assert_eq!(sum["banquets"], 1);
    assert_eq!(sum["promises"], 1);
    assert_eq!(sum["accidents"], 1);
    assert_eq!(sum["accident_deaths"], 1);
    assert_eq!(sum["accident_injuries"], 2);
    assert!(sum["hazards_total"].is_u64(), "the existing keys stay");
    let v1 = sum["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["grid"] == "V1")
        .unwrap();
    assert_eq!(v1["promises"], 1, "rolled up from the unit");
    assert_eq!(v1["meetings"], 1);
    let v2 = sum["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["grid"] == "V2")
        .unwrap();
    assert_eq!(v2["meetings"], 0);

    // The accident went ahead of everything else: it is in the urgent inbox.
    let (_, urgent) = office.get("/api/v1/urgent");
    assert!(
        urgent.to_string().contains(&accident),
        "the accident is urgent: {urgent}"
    );

    // The phone lists its records as accepted.
    let listing = phone.list();
    let records = listing["records"].as_array().unwrap();
    assert_eq!(records.len(), 4, "{listing}");
    assert!(records.iter().all(|r| r["sync"] == "accepted"), "{listing}");
}

#[test]
fn a_volunteer_cannot_record_in_another_village() {
    let server = TestServer::town();
    let phone = TestDevice::new();
    phone.enroll(&server.base, "vol1");
    let today = beijing_today().to_string();

    // The phone holds only V1's grids: V2 is refused before anything is queued.
    let out = phone.run(&[
        "meeting",
        "add",
        "--grid",
        "V2",
        "--date",
        &today,
        "--topic",
        "安全会议",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("grid names a grid that does not exist"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(phone.status()["pending_events"], 0);
    phone.ok(&[
        "meeting",
        "add",
        "--grid",
        "V1",
        "--date",
        &today,
        "--topic",
        "安全会议",
    ]);
    assert_eq!(phone.sync_ok()["accepted"], 1);

    // A client that sends it anyway is refused by the server, and nothing is kept.
    let mut vol = server.login("vol1");
    let ev = vol.event(EventBody::MeetingRecorded(MeetingRecorded {
        meeting: MeetingId::new(),
        grid: "V2".parse().unwrap(),
        held_on: beijing_today(),
        topic: "越界记录".into(),
        attendees: vec![],
        minutes: None,
        photos: vec![],
    }));
    let r = vol.push_one(&ev);
    assert_eq!(r["verdict"], "rejected", "{r}");
    assert_eq!(r["code"], "out_of_scope", "{r}");
    let office = server.login("office");
    let (_, list) = office.get("/api/v1/records/meetings");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // Nor may a volunteer issue a task.
    let (s, e) = vol.post(
        "/api/v1/tasks",
        &serde_json::json!({"kind": "holiday_check", "title": "节日检查", "grid": "V1",
            "targets": [{"kind": "grid", "code": "V1"}], "due": today}),
    );
    gridsafe_tests::assert_error(s, &e, 403, "forbidden");
}
