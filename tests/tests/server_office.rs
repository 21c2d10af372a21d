//! Office actions and the per-grid summary, checked against figures worked
//! out by hand, including after a re-opened and a rejected hazard.

use gridsafe_core::event::*;
use gridsafe_core::{EventBody, HazardId, HazardLevel, PointKind, Sector, Verdict};
use gridsafe_tests::{Session, TestServer, assert_error, check, report};
use reqwest::StatusCode;
use serde_json::json;

fn confirm(hazard: HazardId, level: HazardLevel, deadline: &str) -> EventBody {
    let major = level == HazardLevel::Major;
    EventBody::HazardConfirmed(HazardConfirmed {
        hazard,
        level,
        sector: None,
        owner: "青石建材".into(),
        deadline: Some(deadline.parse().unwrap()),
        measures: major.then(|| "停用检测".into()),
        funds_yuan: major.then_some(20_000),
        contingency_plan: major.then(|| "设警戒区".into()),
        note: None,
    })
}

fn ok(r: (StatusCode, serde_json::Value)) -> serde_json::Value {
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    r.1
}

fn submit(phone: &mut Session, hazard: HazardId) {
    let ev = phone.event(EventBody::RectificationSubmitted(RectificationSubmitted {
        hazard,
        note: "已整改".into(),
        photos: vec![],
        location: None,
    }));
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
}

#[test]
fn office_actions_and_the_summary() {
    let s = TestServer::town();
    let mut v1 = s.login("insp1");
    let mut v2 = s.login("insp2");
    let office = s.login("office");
    let mut h = Vec::new();
    // V1: four general (one in unit U1), one major; V2: two general.
    for (first, grid, level, sector) in [
        (true, "V1", HazardLevel::General, Sector::Fire),
        (true, "V1", HazardLevel::General, Sector::Fire),
        (true, "U1", HazardLevel::General, Sector::Construction),
        (true, "V1", HazardLevel::General, Sector::Gas),
        (true, "U1", HazardLevel::Major, Sector::SpecialEquipment),
        (false, "V2", HazardLevel::General, Sector::RoadTraffic),
        (false, "V2", HazardLevel::General, Sector::RoadTraffic),
    ] {
        let phone = if first { &mut v1 } else { &mut v2 };
        let (id, body) = report(grid, sector, level, vec![]);
        let ev = phone.event(body);
        assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
        h.push(id);
    }
    // h0: confirmed with a deadline long past → overdue.
    ok(office.act(h[0], &confirm(h[0], HazardLevel::General, "2020-01-01")));
    // h1: confirmed, rectified, verified, then re-opened (回头看) → rectifying.
    ok(office.act(h[1], &confirm(h[1], HazardLevel::General, "2099-01-01")));
    submit(&mut v1, h[1]);
    ok(office.act(
        h[1],
        &EventBody::RectificationVerified(RectificationVerified {
            hazard: h[1],
            note: None,
        }),
    ));
    let v = ok(office.act(
        h[1],
        &EventBody::HazardReopened(HazardReopened {
            hazard: h[1],
            reason: "问题反弹".into(),
            deadline: None,
        }),
    ));
    assert_eq!(v["state"]["status"], "rectifying");
    assert_eq!(v["state"]["reopened"], 1);
    // h2: rectified, verified, closed.
    submit(&mut v1, h[2]);
    ok(office.act(
        h[2],
        &EventBody::RectificationVerified(RectificationVerified {
            hazard: h[2],
            note: None,
        }),
    ));
    let v = ok(office.act(
        h[2],
        &EventBody::HazardClosed(HazardClosed {
            hazard: h[2],
            note: None,
        }),
    ));
    assert_eq!(v["state"]["status"], "closed");
    // h3: rejected.
    ok(office.act(
        h[3],
        &EventBody::HazardRejected(HazardRejected {
            hazard: h[3],
            reason: "重复上报".into(),
            duplicate_of: None,
        }),
    ));
    // h4: major: confirming without the 五到位 is refused with the fields named.
    let (st, v) = office.act(
        h[4],
        &EventBody::HazardConfirmed(HazardConfirmed {
            hazard: h[4],
            level: HazardLevel::Major,
            sector: None,
            owner: "青石建材".into(),
            deadline: None,
            measures: None,
            funds_yuan: None,
            contingency_plan: None,
            note: None,
        }),
    );
    assert_error(st, &v, 422, "validation");
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["deadline", "measures", "funds_yuan", "contingency_plan"]
    );
    ok(office.act(h[4], &confirm(h[4], HazardLevel::Major, "2099-06-30")));
    let v = ok(office.act(
        h[4],
        &EventBody::HazardListed(HazardListed {
            hazard: h[4],
            note: None,
        }),
    ));
    assert!(v["state"]["listed"].is_object());
    // Listing it again would change nothing: 409, not a silent no-op.
    let (st, v) = office.act(
        h[4],
        &EventBody::HazardListed(HazardListed {
            hazard: h[4],
            note: None,
        }),
    );
    assert_error(st, &v, 409, "superseded");
    // Closing an unverified hazard, likewise.
    let (st, v) = office.act(
        h[0],
        &EventBody::HazardClosed(HazardClosed {
            hazard: h[0],
            note: None,
        }),
    );
    assert_error(st, &v, 409, "superseded");
    // An inspector cannot decide.
    let (st, v) = v1.act(
        h[0],
        &EventBody::HazardClosed(HazardClosed {
            hazard: h[0],
            note: None,
        }),
    );
    assert_error(st, &v, 403, "forbidden");
    // The body must name the hazard in the path.
    let (st, v) = office.act(
        h[5],
        &EventBody::HazardClosed(HazardClosed {
            hazard: h[6],
            note: None,
        }),
    );
    assert_error(st, &v, 422, "validation");
    // h5: rectified by the field, awaiting verification. h6: just reported.
    submit(&mut v2, h[5]);

    // Checks: V1's landslide normal then danger; V2's deep water normal.
    let mut vol = s.login("vol1");
    let ev = vol.event(check("LS-1", "V1", PointKind::Landslide, Verdict::Normal));
    assert_eq!(vol.push_one(&ev)["verdict"], "accepted");
    let ev = vol.event(check("LS-1", "V1", PointKind::Landslide, Verdict::Danger));
    assert_eq!(vol.push_one(&ev)["verdict"], "accepted");
    let ev = v2.event(check("DW-2", "V2", PointKind::DeepWater, Verdict::Normal));
    assert_eq!(v2.push_one(&ev)["verdict"], "accepted");
    // A check at a point in another village is refused.
    let ev = vol.event(check("DW-2", "V2", PointKind::DeepWater, Verdict::Normal));
    assert_eq!(vol.push_one(&ev)["code"], "out_of_scope");

    // The danger check and the major hazard reached the urgent inbox at once.
    let urgent = ok(office.get("/api/v1/urgent"));
    let kinds: Vec<&str> = urgent
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["body"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["check_logged", "hazard_reported"]);
    let pts = ok(office.get("/api/v1/points"));
    assert_eq!(pts[0]["code"], "LS-1");
    assert_eq!(pts[0]["danger_open"], true);
    assert_eq!(pts[0]["last_check"]["verdict"], "danger");
    assert_eq!(pts[1]["danger_open"], false);

    // By hand. Town T: 7 hazards: confirmed 1 (h0), rectifying 1 (h1),
    // closed 1 (h2), rejected 1 (h3), confirmed 1 (h4), rectified 1 (h5),
    // reported 1 (h6). Rate = (rectified 1 + verified 0 + closed 1) / (7 − 1).
    let t = ok(office.get("/api/v1/grids/T/summary"));
    assert_eq!(t["grid"], "T");
    assert_eq!(t["hazards_total"], 7);
    assert_eq!(
        t["by_status"],
        json!({"reported": 1, "confirmed": 2, "rectifying": 1, "rectified": 1, "verified": 0, "closed": 1, "rejected": 1})
    );
    assert_eq!(t["by_level"], json!({"general": 6, "major": 1}));
    assert_eq!(t["by_sector"]["road_traffic"], 2);
    assert_eq!(t["overdue"], 1);
    assert_eq!(t["major_open"], 1);
    assert!((t["rectified_rate"].as_f64().unwrap() - 2.0 / 6.0).abs() < 1e-9);
    assert_eq!(t["checks_total"], 3);
    assert_eq!(t["danger_open"], 1);
    let kids = t["children"].as_array().unwrap();
    assert_eq!(kids.len(), 2);
    // V1 (with U1): h0..h4: confirmed 2, rectifying 1, closed 1, rejected 1.
    assert_eq!(kids[0]["grid"], "V1");
    assert_eq!(kids[0]["hazards_total"], 5);
    assert!((kids[0]["rectified_rate"].as_f64().unwrap() - 1.0 / 4.0).abs() < 1e-9);
    assert_eq!(kids[0]["major_open"], 1);
    assert_eq!(kids[0]["checks_total"], 2);
    assert_eq!(kids[0]["danger_open"], 1);
    // V2: h5 rectified, h6 reported.
    assert_eq!(kids[1]["hazards_total"], 2);
    assert_eq!(kids[1]["rectified_rate"], 0.5);
    assert_eq!(kids[1]["overdue"], 0);
    // A period before anything happened is empty.
    let old = ok(office.get("/api/v1/grids/T/summary?from=2020-01-01&to=2020-12-31"));
    assert_eq!(old["hazards_total"], 0);
    assert_eq!(old["rectified_rate"], serde_json::Value::Null);
    let y = ok(office.get(&format!(
        "/api/v1/grids/T/summary?period={}",
        chrono::Utc::now().format("%Y")
    )));
    assert_eq!(y["hazards_total"], 7);
    // Month by month over the year: twelve months, all seven in this one,
    // with their statuses.
    // (Months are Beijing-time months, as the counters' days are.)
    let beijing = chrono::Utc::now() + chrono::Duration::hours(8);
    let year = beijing.format("%Y").to_string();
    let m = ok(office.get(&format!(
        "/api/v1/grids/T/summary?period={year}&by_month=true&depth=0"
    )));
    let months = m["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], format!("{year}-01"));
    let this_month = beijing.format("%Y-%m").to_string();
    for month in months {
        let n = if month["month"] == this_month.as_str() {
            7
        } else {
            0
        };
        assert_eq!(month["hazards_total"], n, "{month}");
    }
    let now = months
        .iter()
        .find(|m| m["month"] == this_month.as_str())
        .unwrap();
    assert_eq!(now["by_status"], t["by_status"]);
    assert!(y.get("months").is_none(), "only when asked");
    let (status, body) =
        office.get("/api/v1/grids/T/summary?from=1900-01-01&to=2026-12-31&by_month=true");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 120 months")
    );

    // Re-opening h2 (closed) moves it back to rectifying: the counters follow.
    ok(office.act(
        h[2],
        &EventBody::HazardReopened(HazardReopened {
            hazard: h[2],
            reason: "回头看".into(),
            deadline: None,
        }),
    ));
    // And a rejected hazard re-opened goes back to reported.
    let v = ok(office.act(
        h[3],
        &EventBody::HazardReopened(HazardReopened {
            hazard: h[3],
            reason: "并非重复".into(),
            deadline: None,
        }),
    ));
    assert_eq!(v["state"]["status"], "reported");
    let t = ok(office.get("/api/v1/grids/T/summary"));
    assert_eq!(
        t["by_status"],
        json!({"reported": 2, "confirmed": 2, "rectifying": 2, "rectified": 1, "verified": 0, "closed": 0, "rejected": 0})
    );
    assert!((t["rectified_rate"].as_f64().unwrap() - 1.0 / 7.0).abs() < 1e-9);

    // The list: filters, count, overdue flag, text search.
    let l = ok(office.get("/api/v1/hazards?grid=V1&per_page=2&page=1"));
    assert_eq!(l["total"], 5);
    assert_eq!(l["items"].as_array().unwrap().len(), 2);
    let l = ok(office.get("/api/v1/hazards?overdue=true"));
    assert_eq!(l["total"], 1);
    assert_eq!(l["items"][0]["id"], json!(h[0]));
    assert_eq!(l["items"][0]["overdue"], true);
    let l = ok(office.get("/api/v1/hazards?status=reported,rectified"));
    assert_eq!(l["total"], 3);
    let l = ok(office.get("/api/v1/hazards?level=major&listed=true"));
    assert_eq!(l["total"], 1);
    let l = ok(office.get("/api/v1/hazards?sector=road_traffic&grid=V2"));
    assert_eq!(l["total"], 2);
    let l = ok(office.get("/api/v1/hazards?q=%E7%8E%8B%E5%AE%B6"));
    assert_eq!(l["total"], 7, "every test report is at 王家院子");
    // Three characters or more go through the trigram index, whatever
    // events each hazard has had since its report.
    let l = ok(office.get("/api/v1/hazards?q=%E7%8E%8B%E5%AE%B6%E9%99%A2%E5%AD%90"));
    assert_eq!(l["total"], 7, "王家院子 through the free-text index");
    assert_eq!(l["total_exact"], true);
    let l = ok(office.get("/api/v1/hazards?q=%E9%99%A2%E5%AD%90%E9%87%8C"));
    assert_eq!(l["total"], 0, "院子里 is in no description or place");
    // The detail: the trail with who, which device, when.
    let d = ok(office.get(&format!("/api/v1/hazards/{}", h[1])));
    let trail = d["events"].as_array().unwrap();
    let kinds: Vec<&str> = trail.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "hazard_reported",
            "hazard_confirmed",
            "rectification_submitted",
            "rectification_verified",
            "hazard_reopened"
        ]
    );
    assert_eq!(trail[0]["author"], "insp1");
    assert_eq!(trail[0]["device"], json!(v1.device));
    assert_eq!(trail[1]["author"], "office");
    assert_eq!(trail[1]["device"], json!(office.device));
    // The other town's office sees none of it.
    let o2 = s.login("office2");
    let (st, v) = o2.get(&format!("/api/v1/hazards/{}", h[1]));
    assert_error(st, &v, 404, "not_found");
    // Nor learns by acting on it that it exists.
    let (st, v) = o2.act(
        h[0],
        &EventBody::HazardClosed(HazardClosed {
            hazard: h[0],
            note: None,
        }),
    );
    assert_error(st, &v, 404, "not_found");
}
