//! Inspection tasks and flood-season duty from console to phone and back:
//! a task issued on the console reaches the phones of its targets' grids on
//! their next pull, is covered by the checks done against it (a failed item
//! raising a linked hazard) and closes; a task past its due date escalates
//! as overdue; a duty switch reaches the point's phone and sets the point's
//! check interval; the quarterly self-check shows what each grid did.

use chrono::{Datelike, Duration, FixedOffset, Utc};
use gridsafe_tests::{TestDevice, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn beijing_today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

fn tasks(phone: &TestDevice) -> Value {
    serde_json::from_str(&phone.ok(&["task", "list", "--json"])).unwrap()
}

#[test]
fn a_task_reaches_the_phones_and_is_closed_by_their_checks() {
    let server = TestServer::town();
    let office = server.login("office");
    let due = (beijing_today() + Duration::days(10)).to_string();
    let (s, t) = office.post(
        "/api/v1/tasks",
        &json!({
            "kind": "special_campaign",
            "sector": "construction",
            "title": "建筑施工专项整治",
            "grid": "T",
            "targets": [{"kind": "grid", "code": "U1"}, {"kind": "point", "code": "DW-2"}],
            "due": due,
            "items": ["qualification", "gantry_crane", "fall_protection", "protective_measures"],
        }),
    );
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let id = t["task"].as_str().unwrap().to_owned();
    assert_eq!(t["status"], "open");
    assert_eq!(t["targets_total"], 2);
    assert_eq!(t["targets_covered"], 0);

    // Bad input is refused with the field named, and nothing is issued.
    let (s, e) = office.post(
        "/api/v1/tasks",
        &json!({"kind": "special_campaign", "title": "x", "grid": "T",
            "targets": [{"kind": "grid", "code": "T2"}], "due": due}),
    );
    assert_eq!(s.as_u16(), 422, "{e}");
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["sector", "targets[0]"], "{e}");
    let (_, all) = office.get("/api/v1/tasks");
    assert_eq!(all.as_array().unwrap().len(), 1);

    // Each village's phone receives the task on its next pull.
    let p1 = TestDevice::new();
    p1.enroll(&server.base, "insp1");
    let p2 = TestDevice::new();
    p2.enroll(&server.base, "insp2");
    assert_eq!(tasks(&p1).as_array().unwrap().len(), 0, "not pulled yet");
    p1.sync_ok();
    p2.sync_ok();
    let l1 = tasks(&p1);
    assert_eq!(l1.as_array().unwrap().len(), 1, "{l1}");
    assert_eq!(l1[0]["task"], id.as_str());
    assert_eq!(l1[0]["status"], "open");
    assert_eq!(tasks(&p2)[0]["items"][1], "gantry_crane");

    // On site, offline: the gantry crane fails and becomes a hazard.
    let crane = p1.photo("crane.jpg", 1600, 1200, 9);
    let out = p1.ok(&[
        "task",
        "check",
        &id,
        "--target",
        "U1",
        "--item",
        "qualification=pass",
        "--item",
        "gantry_crane=fail",
        "--item",
        "fall_protection=pass",
        "--item",
        "protective_measures=pass",
        "--hazard",
        "龙门吊未经检测即投入使用",
        "--photo",
        crane.to_str().unwrap(),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "the hazard's id, then the task's: {out}");
    let hazard = lines[0].to_owned();
    // A target the task does not name is refused on the phone.
    let wrong = p1.run(&["task", "check", &id, "--target", "V1"]);
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("not a target of task"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let counts = p1.sync_ok();
    assert_eq!(counts["accepted"], 2, "{counts}");
    assert_eq!(counts["rejected"], 0, "{counts}");

    let (_, t) = office.get(&format!("/api/v1/tasks/{id}"));
    assert_eq!(t["status"], "open", "one target left: {t}");
    assert_eq!(t["targets_covered"], 1);
    assert_eq!(t["targets"][0]["failed"][0], "gantry_crane");
    assert_eq!(t["targets"][0]["hazards"][0], hazard.as_str());
    assert_eq!(t["photos"].as_array().unwrap().len(), 1, "{t}");
    let (s, h) = office.get(&format!("/api/v1/hazards/{hazard}"));
    assert_eq!(s, StatusCode::OK, "{h}");
    assert_eq!(
        h["state"]["sector"], "construction",
        "the campaign's sector"
    );
    assert_eq!(h["state"]["grid"], "U1");

    // The deep-water spot in V2 is checked by V2's inspector: the task is done.
    p2.ok(&[
        "task",
        "check",
        &id,
        "--target",
        "DW-2",
        "--note",
        "警示牌完好",
    ]);
    assert_eq!(p2.sync_ok()["accepted"], 1);
    let (_, t) = office.get(&format!("/api/v1/tasks/{id}"));
    assert_eq!(t["status"], "done", "{t}");
    assert_eq!(t["targets_covered"], 2);
    let (_, done) = office.get("/api/v1/tasks?status=done");
    assert_eq!(done.as_array().unwrap().len(), 1);
    p1.sync_ok();
    assert_eq!(tasks(&p1)[0]["status"], "done", "the phone sees it closed");

    let year = beijing_today().year();
    let (_, sum) = office.get(&format!("/api/v1/grids/T/summary?period={year}"));
    assert_eq!(sum["tasks_total"], 1, "{sum}");
    assert_eq!(sum["tasks_done"], 1, "{sum}");
    assert_eq!(sum["tasks_overdue"], 0, "{sum}");
}

#[test]
fn an_overdue_task_escalates_and_the_quarter_shows_what_is_missing() {
    let server = TestServer::town();
    let office = server.login("office");
    let today = beijing_today();
    // Due yesterday, or on the first day of the quarter when that was earlier.
    let q_start =
        chrono::NaiveDate::from_ymd_opt(today.year(), (today.month() - 1) / 3 * 3 + 1, 1).unwrap();
    let due = (today - Duration::days(1)).max(q_start);
    let (s, t) = office.post(
        "/api/v1/tasks",
        &json!({"kind": "quarterly_check", "title": "季度安全生产大检查", "grid": "T",
            "targets": [{"kind": "grid", "code": "V1"}, {"kind": "grid", "code": "V2"}],
            "due": due, "items": ["fire_equipment", "emergency_exits"]}),
    );
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let id = t["task"].as_str().unwrap().to_owned();
    if due < today {
        assert_eq!(t["status"], "overdue", "{t}");
        assert!(t["days_overdue"].as_i64().unwrap() >= 1, "{t}");
        let (_, overdue) = office.get("/api/v1/tasks?status=overdue");
        assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
        let (_, sum) = office.get(&format!("/api/v1/grids/T/summary?period={}", today.year()));
        assert_eq!(sum["tasks_overdue"], 1, "{sum}");
    }

    // V1 does its part of the quarter: the check and a meeting.
    let p1 = TestDevice::new();
    p1.enroll(&server.base, "insp1");
    p1.sync_ok();
    p1.ok(&[
        "task",
        "check",
        &id,
        "--target",
        "V1",
        "--item",
        "fire_equipment=pass",
    ]);
    p1.ok(&[
        "meeting",
        "add",
        "--grid",
        "V1",
        "--date",
        &today.to_string(),
        "--topic",
        "季度安全会议",
    ]);
    assert_eq!(p1.sync_ok()["accepted"], 2);

    let quarter = format!("{}-Q{}", today.year(), (today.month() - 1) / 3 + 1);
    let (s, cov) = office.get(&format!("/api/v1/coverage?grid=T&quarter={quarter}"));
    assert_eq!(s, StatusCode::OK, "{cov}");
    let row = |g: &str| {
        cov["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["grid"] == g)
            .cloned()
            .unwrap()
    };
    assert_eq!(row("V1")["quarterly_check"], true, "{cov}");
    assert_eq!(row("V1")["meetings"], 1);
    assert_eq!(row("V1")["points"], 1);
    assert!(
        row("V1")["missed_point_checks"].as_u64().unwrap() >= 1,
        "LS-1 was never checked: {cov}"
    );
    assert_eq!(row("V1")["complete"], false);
    assert_eq!(row("V2")["quarterly_check"], false);
    assert_eq!(row("V2")["meetings"], 0);
    assert_eq!(cov["rows"][0]["grid"], "T");
    assert_eq!(cov["rows"][0]["meetings"], 1, "rolled up");
    let (s, e) = office.get("/api/v1/coverage?grid=T&quarter=2026");
    gridsafe_tests::assert_error(s, &e, 400, "bad_request");
    let (_, t) = office.get(&format!("/api/v1/tasks/{id}"));
    assert_eq!(t["targets_covered"], 1, "{t}");
    assert_ne!(t["status"], "done");
}

#[test]
fn flood_season_duty_reaches_the_point_and_sets_its_interval() {
    let server = TestServer::town();
    let office = server.login("office");
    let (_, points) = office.get("/api/v1/points?grid=V1");
    assert_eq!(points[0]["check_interval_hours"], 7 * 24, "{points}");

    let (s, d) = office.post(
        "/api/v1/duty",
        &json!({"grid": "V1", "points": ["LS-1"], "on": true, "interval_hours": 12}),
    );
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, points) = office.get("/api/v1/points?grid=V1");
    assert_eq!(points[0]["check_interval_hours"], 12, "{points}");
    assert_eq!(points[0]["duty"]["interval_hours"], 12);

    // A point outside the grid, or unknown, is refused and changes nothing.
    let (s, e) = office.post(
        "/api/v1/duty",
        &json!({"grid": "V1", "points": ["DW-2", "XX-9"], "on": true}),
    );
    assert_eq!(s.as_u16(), 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outside grid V1"),
        "{e}"
    );
    let (_, points) = office.get("/api/v1/points?grid=V2");
    assert!(points[0]["duty"].is_null(), "{points}");
    // Only the office switches duty.
    let insp = server.login("insp1");
    let (s, e) = insp.post(
        "/api/v1/duty",
        &json!({"grid": "V1", "points": ["LS-1"], "on": false}),
    );
    gridsafe_tests::assert_error(s, &e, 403, "forbidden");

    // The phone of V1 pulls the switch; the phone of V2 does not.
    let p1 = TestDevice::new();
    p1.enroll(&server.base, "vol1");
    let pulled = p1.sync_ok()["pulled"].as_u64().unwrap();
    assert!(pulled >= 1, "the duty switch is pulled");
    let p2 = TestDevice::new();
    p2.enroll(&server.base, "insp2");
    assert_eq!(p2.sync_ok()["pulled"], 0);

    let (s, _) = office.post(
        "/api/v1/duty",
        &json!({"grid": "V1", "points": ["LS-1"], "on": false}),
    );
    assert_eq!(s, StatusCode::OK);
    let (_, points) = office.get("/api/v1/points?grid=V1");
    assert!(points[0]["duty"].is_null(), "{points}");
    assert_eq!(points[0]["check_interval_hours"], 7 * 24);
}
