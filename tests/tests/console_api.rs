//! The console's routes against the real server: the cookie session and its
//! CSRF guard, the inbox, exports parsed back, imports with a preview, and
//! accounts.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use gridsafe_core::location::{Location, LocationSource};
use gridsafe_core::{EventBody, HazardLevel, PointKind, Sector, Verdict};
use gridsafe_tests::{PASSWORD, Session, TestServer, assert_error, check, report, send};
use reqwest::StatusCode;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

/// A browser's cookie session: the cookie and the CSRF token.
struct Console {
    base: String,
    http: reqwest::blocking::Client,
    cookie: String,
    csrf: String,
}

impl Console {
    fn sign_in(s: &TestServer, user: &str) -> Console {
        let resp = s
            .http()
            .post(s.url("/api/v1/auth/session"))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let set = resp
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(
            !set.contains("Secure"),
            "not Secure unless configured: {set}"
        );
        let cookie = set.split(';').next().unwrap().to_owned();
        let v: Value = resp.json().unwrap();
        Console {
            base: s.base.clone(),
            http: s.http().clone(),
            cookie,
            csrf: v["csrf"].as_str().expect("a CSRF token").to_owned(),
        }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
    }

    fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.req(reqwest::Method::GET, path))
    }

    fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(
            self.req(reqwest::Method::POST, path)
                .header("x-gridsafe-csrf", &self.csrf)
                .json(body),
        )
    }
}

fn ok(r: (StatusCode, Value)) -> Value {
    assert!(r.0.is_success(), "{} {}", r.0, r.1);
    r.1
}

fn located(body: EventBody, lat: f64, lon: f64) -> EventBody {
    match body {
        EventBody::HazardReported(mut h) => {
            h.location = Some(Location {
                lat,
                lon,
                accuracy_m: Some(5.0),
                fixed_at: None,
                source: LocationSource::Gps,
            });
            EventBody::HazardReported(h)
        }
        other => other,
    }
}

fn reports(phone: &mut Session, n: usize, grid: &str) {
    for i in 0..n {
        let (_, body) = report(grid, Sector::Fire, HazardLevel::General, vec![]);
        let body = if i % 2 == 0 {
            located(body, 30.61 + i as f64 / 1000.0, 103.51)
        } else {
            body
        };
        let ev = phone.event(body);
        assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    }
}

#[test]
fn cookie_session_with_csrf_guard() {
    let s = TestServer::town();
    let c = Console::sign_in(&s, "office");

    // Reads need only the cookie.
    let me = ok(c.get("/api/v1/auth/session"));
    assert_eq!(me["user"], "office");
    assert_eq!(me["role"], "office");
    assert_eq!(me["csrf"], c.csrf.as_str());
    ok(c.get("/api/v1/hazards"));

    // A write with the cookie but no (or a wrong) CSRF header is refused.
    let (st, v) = send(
        c.req(reqwest::Method::POST, "/api/v1/inbox/ack")
            .json(&json!({"up_to": 1})),
    );
    assert_error(st, &v, 403, "csrf");
    let (st, v) = send(
        c.req(reqwest::Method::POST, "/api/v1/inbox/ack")
            .header("x-gridsafe-csrf", "0".repeat(64))
            .json(&json!({"up_to": 1})),
    );
    assert_error(st, &v, 403, "csrf");
    ok(c.post("/api/v1/inbox/ack", &json!({"up_to": 1})));

    // Bearer tokens keep working without the header.
    let office = s.login("office");
    ok(office.post("/api/v1/inbox/ack", &json!({"up_to": 1})));

    // Inspectors and volunteers use the phone, not the console.
    let (st, v) = send(
        s.http()
            .post(s.url("/api/v1/auth/session"))
            .json(&json!({"username": "insp1", "password": PASSWORD})),
    );
    assert_error(st, &v, 403, "forbidden");
    let (st, v) = send(
        s.http()
            .post(s.url("/api/v1/auth/session"))
            .json(&json!({"username": "office", "password": "wrong-password"})),
    );
    assert_error(st, &v, 401, "bad_credentials");

    // Signing out needs the header too, then the cookie is dead.
    let (st, v) = send(c.req(reqwest::Method::DELETE, "/api/v1/auth/session"));
    assert_error(st, &v, 403, "csrf");
    let resp = c
        .req(reqwest::Method::DELETE, "/api/v1/auth/session")
        .header("x-gridsafe-csrf", &c.csrf)
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let cleared = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (st, v) = c.get("/api/v1/hazards");
    assert_error(st, &v, 401, "invalid_token");
}

#[test]
fn secure_cookie_when_configured_and_the_console_page() {
    let s = TestServer::start_with(&["--secure-cookies", "--ui-dir", "/nonexistent/ui/dist"]);
    s.add_user("boss", "admin", &[]);
    let resp = s
        .http()
        .post(s.url("/api/v1/auth/session"))
        .json(&json!({"username": "boss", "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.contains("; Secure"), "{set}");
    // No build: the page says how to make one.
    let page = s.http().get(s.url("/")).send().unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().unwrap().contains("npm run build"));
    let (st, v) = send(s.http().get(s.url("/assets/../../etc/passwd")));
    assert_eq!(st.as_u16(), 404, "{v}");
}

#[test]
fn inbox_puts_danger_first_and_remembers_acknowledgements() {
    let s = TestServer::town();
    let mut insp = s.login("insp1");
    let mut vol = s.login("vol1");
    let (_, general) = report("V1", Sector::Fire, HazardLevel::General, vec![]);
    let ev = insp.event(general);
    insp.push_one(&ev);
    let (major_id, major) = report("U1", Sector::SpecialEquipment, HazardLevel::Major, vec![]);
    let ev = insp.event(major);
    insp.push_one(&ev);
    let ev = vol.event(check("LS-1", "V1", PointKind::Landslide, Verdict::Danger));
    vol.push_one(&ev);
    let ev = vol.event(check("LS-1", "V1", PointKind::Landslide, Verdict::Normal));
    vol.push_one(&ev);

    let office = s.login("office");
    let inbox = ok(office.get("/api/v1/inbox"));
    let items = inbox["items"].as_array().unwrap();
    // The normal check is not news; the danger check, then the major hazard.
    assert_eq!(inbox["unread"], 3, "{inbox}");
    assert_eq!(items[0]["kind"], "check_logged");
    assert_eq!(items[0]["verdict"], "danger");
    assert_eq!(items[0]["grid_name"], "石桥村");
    assert_eq!(items[1]["hazard"], major_id.to_string());
    assert_eq!(items[1]["level"], "major");
    assert_eq!(items[2]["level"], "general");

    // One acknowledged: gone for this user only.
    let cursor = items[0]["cursor"].as_u64().unwrap();
    let after = ok(office.post("/api/v1/inbox/ack", &json!({"cursors": [cursor]})));
    assert_eq!(after["unread"], 2);
    let other = s.login("admin");
    assert_eq!(ok(other.get("/api/v1/inbox"))["unread"], 3);
    // Another office in another town sees none of it.
    assert_eq!(ok(s.login("office2").get("/api/v1/inbox"))["unread"], 0);

    // All read, and it stays so across sign-ins.
    let latest = after["latest"].as_u64().unwrap();
    let done = ok(office.post("/api/v1/inbox/ack", &json!({"up_to": latest})));
    assert_eq!(done["unread"], 0);
    assert_eq!(ok(s.login("office").get("/api/v1/inbox"))["unread"], 0);

    let (st, v) = office.post("/api/v1/inbox/ack", &json!({}));
    assert_error(st, &v, 422, "validation");
    let (st, v) = insp.get("/api/v1/inbox");
    assert_error(st, &v, 403, "forbidden");
}

#[test]
fn exports_match_the_list() {
    let s = TestServer::town();
    let mut v1 = s.login("insp1");
    let mut v2 = s.login("insp2");
    reports(&mut v1, 5, "V1");
    reports(&mut v1, 2, "U1");
    reports(&mut v2, 3, "V2");
    let office = s.login("office");
    let filter = "grid=V1&sector=fire";
    let list = ok(office.get(&format!("/api/v1/hazards?{filter}&per_page=200")));
    let total = list["total"].as_u64().unwrap();
    assert_eq!(total, 7, "V1 and its unit U1");

    // CSV: UTF-8 with a BOM, Chinese header, one line per hazard.
    let resp = office
        .http
        .get(office.url(&format!("/api/v1/hazards/export?format=csv&{filter}")))
        .bearer_auth(&office.token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let bytes = resp.bytes().unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "隐患编号");
    assert_eq!(&headers[3], "行业领域");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, total);
    assert!(rows.iter().all(|r| &r[3] == "消防"));
    assert!(
        rows.iter()
            .all(|r| r[11].contains('年') && r[11].ends_with('日'))
    );
    let ids: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, listed, "same hazards, same order");

    // XLSX: parsed back with calamine.
    let resp = office
        .http
        .get(office.url(&format!("/api/v1/hazards/export?format=xlsx&{filter}")))
        .bearer_auth(&office.token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().unwrap().to_vec();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height() as u64, total + 1);
    assert_eq!(sheet.get((0, 0)).unwrap().to_string(), "隐患编号");
    assert_eq!(sheet.get((0, 13)).unwrap().to_string(), "整改时限");
    let day = sheet.get((1, 11)).unwrap().to_string();
    assert!(
        day.contains('年') && day.contains('月') && day.ends_with('日'),
        "{day}"
    );

    // GeoJSON: one feature per hazard, located or not.
    let (st, geo) = send(
        office
            .http
            .get(office.url(&format!("/api/v1/hazards/export?format=geojson&{filter}")))
            .bearer_auth(&office.token),
    );
    assert_eq!(st, StatusCode::OK);
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len() as u64, total);
    let with_point = features
        .iter()
        .filter(|f| f["geometry"].is_object())
        .count();
    assert_eq!(with_point, 4, "every other report has a fix");
    let f = features.iter().find(|f| f["geometry"].is_object()).unwrap();
    assert_eq!(f["geometry"]["coordinates"][0], 103.51, "longitude first");

    // The same scope rules as the list.
    let (st, v) = office.get("/api/v1/hazards/export?format=pdf");
    assert_error(st, &v, 400, "bad_request");
    let (st, v) = s
        .login("office2")
        .get("/api/v1/hazards/export?format=csv&grid=V1");
    assert_error(st, &v, 403, "forbidden");
}

#[test]
fn hazard_list_sorts_by_deadline() {
    let s = TestServer::town();
    let mut v1 = s.login("insp1");
    reports(&mut v1, 3, "V1");
    let office = s.login("office");
    let list = ok(office.get("/api/v1/hazards?sort=reported_asc"));
    let ids: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    for (id, deadline) in ids.iter().zip(["2099-03-01", "2099-01-01"]) {
        let body = json!({"type": "hazard_confirmed", "data": {
            "hazard": id, "level": "general", "sector": null, "owner": "村委会",
            "deadline": deadline, "measures": null, "funds_yuan": null,
            "contingency_plan": null, "note": null}});
        ok(office.post(&format!("/api/v1/hazards/{id}/actions"), &body));
    }
    let asc = ok(office.get("/api/v1/hazards?sort=deadline_asc"));
    let order: Vec<&str> = asc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [ids[1].as_str(), ids[0].as_str(), ids[2].as_str()]);
    let newest = ok(office.get("/api/v1/hazards"));
    assert_eq!(newest["items"][0]["id"], ids[2].as_str());
    let (st, v) = office.get("/api/v1/hazards?sort=sideways");
    assert_error(st, &v, 400, "bad_request");
}

#[test]
fn import_previews_bad_rows_then_commits() {
    let s = TestServer::town();
    let admin = s.login("admin");
    let before = ok(admin.get("/api/v1/grids")).as_array().unwrap().len();
    let upload = |name: &str, bytes: Vec<u8>, commit: bool| {
        send(
            admin
                .http
                .post(admin.url(&format!(
                    "/api/v1/import/grids?filename={name}&commit={commit}"
                )))
                .bearer_auth(&admin.token)
                .header("content-type", "application/octet-stream")
                .body(bytes),
        )
    };
    // Row 3 has an unknown level: the preview names it, nothing is stored.
    let bad = "编码,名称,上级编码,层级,责任人\nV9,新村,T,village,张三\nV10,坏村,T,planet,\n";
    let v = ok(upload("grids.csv", bad.as_bytes().to_vec(), true));
    assert_eq!(v["rows"], 2);
    assert_eq!(v["committed"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["row"], 3);
    assert!(errors[0]["message"].as_str().unwrap().contains("planet"));
    // The console words the problem itself from its code and details.
    assert_eq!(errors[0]["problem"]["code"], "bad_level", "{v}");
    assert_eq!(errors[0]["problem"]["value"], "planet", "{v}");
    assert_eq!(
        ok(admin.get("/api/v1/grids")).as_array().unwrap().len(),
        before
    );

    // GBK, as Excel on a Chinese Windows saves it: preview, then commit.
    let good = "编码,名称,上级编码,层级,责任人\nV9,新村,T,village,张三\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(good);
    let v = ok(upload("网格.csv", gbk.to_vec(), false));
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    assert_eq!(v["items"][0]["name"], "新村");
    assert_eq!(v["committed"], false);
    assert_eq!(
        ok(admin.get("/api/v1/grids")).as_array().unwrap().len(),
        before
    );
    let v = ok(upload("网格.csv", gbk.to_vec(), true));
    assert_eq!(v["committed"], true);
    assert_eq!(
        ok(admin.get("/api/v1/grids")).as_array().unwrap().len(),
        before + 1
    );

    // XLSX points.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sh = wb.add_worksheet();
    for (c, h) in ["code", "name", "kind", "grid_code", "lat", "lon", "monitor"]
        .iter()
        .enumerate()
    {
        sh.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["RS-9", "新水库", "reservoir", "V9"].iter().enumerate() {
        sh.write_string(1, c as u16, *v).unwrap();
    }
    sh.write_number(1, 4, 30.6).unwrap();
    sh.write_number(1, 5, 103.5).unwrap();
    sh.write_string(1, 6, "王五").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let v = ok(send(
        admin
            .http
            .post(admin.url("/api/v1/import/points?filename=points.xlsx&commit=true"))
            .bearer_auth(&admin.token)
            .body(bytes),
    ));
    assert_eq!(v["committed"], true, "{v}");
    let points = ok(admin.get("/api/v1/points?grid=V9"));
    assert_eq!(points[0]["code"], "RS-9");
    assert_eq!(points[0]["check_overdue"], true, "never checked");

    let (st, v) = send(
        admin
            .http
            .post(admin.url("/api/v1/import/grids?filename=x.pdf"))
            .bearer_auth(&admin.token)
            .body("x"),
    );
    assert_error(st, &v, 422, "unreadable_file");
    let office = s.login("office");
    let (st, v) = send(
        office
            .http
            .post(office.url("/api/v1/import/grids?filename=g.csv"))
            .bearer_auth(&office.token)
            .body(good),
    );
    assert_error(st, &v, 403, "forbidden");
}

#[test]
fn administrator_adds_and_changes_accounts() {
    let s = TestServer::town();
    let admin = s.login("admin");
    let v = admin.post(
        "/api/v1/users",
        &json!({"name": "wang", "role": "inspector", "grids": ["V2"], "password": "wang-password"}),
    );
    assert_eq!(v.0, StatusCode::CREATED, "{}", v.1);
    assert_eq!(v.1["grids"], json!(["V2"]));
    let wang = s
        .login_as("wang", "wang-password", None)
        .expect("the new account signs in");
    assert_eq!(wang.user, "wang");

    let (st, v) = admin.post(
        "/api/v1/users",
        &json!({"name": "wang", "role": "inspector", "grids": ["V2"], "password": "wang-password"}),
    );
    assert_error(st, &v, 409, "exists");
    let (st, v) = admin.post(
        "/api/v1/users",
        &json!({"name": "li", "role": "chief", "grids": ["NOPE"], "password": "short"}),
    );
    assert_error(st, &v, 422, "validation");
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["role", "grids", "password"]);

    // Reset the password and move to V1.
    let v = ok(send(
        admin
            .http
            .patch(admin.url("/api/v1/users/wang"))
            .bearer_auth(&admin.token)
            .json(&json!({"grids": ["V1"], "password": "new-password-1"})),
    ));
    assert_eq!(v["grids"], json!(["V1"]));
    assert!(s.login_as("wang", "wang-password", None).is_err());
    s.login_as("wang", "new-password-1", None).unwrap();

    // The office sees the accounts in its grids and changes none.
    let office = s.login("office");
    let names: Vec<String> = ok(office.get("/api/v1/users"))
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"wang".to_owned()) && !names.contains(&"office2".to_owned()));
    let (st, v) = office.post(
        "/api/v1/users",
        &json!({"name": "x", "role": "inspector", "grids": ["V1"], "password": "xxxxxxxxx"}),
    );
    assert_error(st, &v, 403, "forbidden");
}

#[test]
fn console_config_points_and_openapi() {
    let s = TestServer::town_with(&[
        "--tiles",
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY",
        "--flood-season",
    ]);
    let office = s.login("office");
    let cfg = ok(office.get("/api/v1/console/config"));
    assert_eq!(cfg["tiles_subdomains"].as_array().unwrap().len(), 8);
    assert_eq!(cfg["flood_season"], true);
    assert_eq!(cfg["check_interval_hours"], 24);
    let mut vol = s.login("vol1");
    let ev = vol.event(check("LS-1", "V1", PointKind::Landslide, Verdict::Normal));
    vol.push_one(&ev);
    let pts = ok(office.get("/api/v1/points"));
    let ls = pts
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "LS-1")
        .unwrap();
    assert_eq!(ls["check_overdue"], false);
    assert!(ls["check_due_at"].is_string());
    let dw = pts
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "DW-2")
        .unwrap();
    assert_eq!(dw["check_overdue"], true);

    let plain = TestServer::town();
    let cfg = ok(plain.login("office").get("/api/v1/console/config"));
    assert!(cfg["tiles_url"].is_null());
    assert_eq!(cfg["check_interval_hours"], 168);

    let (_, doc) = send(s.http().get(s.url("/api/openapi.json")));
    for path in [
        "/api/v1/auth/session",
        "/api/v1/console/config",
        "/api/v1/inbox",
        "/api/v1/inbox/ack",
        "/api/v1/users",
        "/api/v1/users/{name}",
        "/api/v1/import/{kind}",
        "/api/v1/hazards/export",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in OpenAPI");
    }
}

#[test]
fn a_long_export_pages_through_every_hazard_once() {
    let s = TestServer::town();
    let mut v1 = s.login("insp1");
    // More than one export page (500), in batches as a phone pushes them.
    for _ in 0..11 {
        let events: Vec<_> = (0..50)
            .map(|_| v1.event(report("V1", Sector::Gas, HazardLevel::General, vec![]).1))
            .collect();
        let (st, v) = v1.push(&events);
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let office = s.login("office");
    for sort in ["reported_desc", "reported_asc", "deadline_asc"] {
        let resp = office
            .http
            .get(office.url(&format!("/api/v1/hazards/export?format=csv&sort={sort}")))
            .bearer_auth(&office.token)
            .send()
            .unwrap();
        let text = resp.text().unwrap();
        let mut ids: Vec<String> =
            csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
                .records()
                .map(|r| r.unwrap()[0].to_owned())
                .collect();
        assert_eq!(ids.len(), 550, "{sort}");
        let first_page = ok(office.get(&format!("/api/v1/hazards?sort={sort}&per_page=200")));
        assert_eq!(
            ids[0],
            first_page["items"][0]["id"].as_str().unwrap(),
            "{sort}"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 550, "{sort}: no hazard twice");
    }
}

#[test]
fn free_text_inside_a_grid_finds_the_same_hazards_from_either_side() {
    let s = TestServer::town();
    // 灭火器 is common in V1 and rare in V2, so a search in V2 starts from
    // V2's few hazards and one in V1 for a rarer word from that word's rows.
    let described = |grid: &str, description: &str| {
        let (id, mut body) = report(grid, Sector::Fire, HazardLevel::General, vec![]);
        if let EventBody::HazardReported(r) = &mut body {
            r.description = description.into();
            r.place = None;
        }
        (id, body)
    };
    let mut v1 = s.login("insp1");
    let events: Vec<_> = (0..40)
        .map(|i| {
            let text = if i == 7 {
                "消防栓漏水"
            } else {
                "灭火器过期"
            };
            v1.event(described("V1", text).1)
        })
        .collect();
    let (st, v) = v1.push(&events);
    assert_eq!(st, StatusCode::OK, "{v}");
    let mut v2 = s.login("insp2");
    let mut in_v2 = Vec::new();
    for text in [
        "灭火器缺失",
        "电线老化",
        "灭火器压力不足",
        "楼道堆物",
        "PE管老化, 压力低于50%",
    ] {
        let (id, body) = described("V2", text);
        let ev = v2.event(body);
        assert_eq!(v2.push_one(&ev)["verdict"], "accepted");
        if text.contains("灭火器") {
            in_v2.push(id.to_string());
        }
    }
    let office = s.login("office");
    let ids = |l: &Value| -> Vec<String> {
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = |text: &str, grid: &str| {
        let url = format!(
            "/api/v1/hazards?q={}&grid={grid}",
            text.bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        );
        ok(office.get(&url))
    };

    let l = q("灭火器", "V2");
    assert_eq!(l["total"], 2);
    in_v2.reverse();
    assert_eq!(ids(&l), in_v2, "V2's two, newest first");
    let l = q("灭火器", "V1");
    assert_eq!(l["total"], 39);
    assert_eq!(ids(&l).len(), 20, "a page of twenty");
    let l = q("消防栓", "V1");
    assert_eq!(l["total"], 1);
    let l = q("消防栓", "V2");
    assert_eq!(l["total"], 0);
    assert!(ids(&l).is_empty());
    let l = q("灭火器", "T");
    assert_eq!(l["total"], 41, "the town holds both villages");

    // Shorter than a trigram: a substring of the texts, % and _ as written,
    // Latin letters in either case.
    for (text, n) in [
        ("堆物", 1),
        ("0%", 1),
        ("5_", 0),
        ("pe", 1),
        ("Pe", 1),
        ("器过", 0),
    ] {
        assert_eq!(q(text, "V2")["total"], n, "{text} in V2");
    }
    assert_eq!(q("器过", "T")["total"], 39);
}
