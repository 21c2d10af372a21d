//! Bad input is refused with `{error: {code, message}}` and a fitting
//! status, and changes nothing in the store: broken and oversized JSON,
//! unknown fields and keys, unknown records, decompression bombs, path-like
//! photo names, broken import files and grid cycles. Text that looks like
//! SQL or a spreadsheet formula is kept and returned as typed.
//! (Forged authors and devices, reused sequences, wrong hashes and
//! non-images are in `server_push.rs` and `server_blobs.rs`.)

use gridsafe_core::{EventBody, HazardLevel, PhotoHash, Sector};
use gridsafe_tests::{Session, TestServer, assert_error, png, report, send};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Sends a request and checks the error's status and code, and that the
/// store is as it was.
fn refused(
    s: &TestServer,
    req: reqwest::blocking::RequestBuilder,
    status: u16,
    code: &str,
) -> Value {
    let before = s.store_fingerprint();
    let (st, v) = send(req);
    assert_error(st, &v, status, code);
    assert_eq!(before, s.store_fingerprint(), "the store changed after {v}");
    v
}

fn push_raw(
    p: &Session,
    body: impl Into<reqwest::blocking::Body>,
) -> reqwest::blocking::RequestBuilder {
    p.http
        .post(p.url("/api/v1/sync/push"))
        .bearer_auth(&p.token)
        .header("content-type", "application/json")
        .body(body)
}

#[test]
fn broken_oversized_and_unknown_json_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "max_json_mb = 1\n").unwrap();
    let s = TestServer::town_with(&["--config", cfg.to_str().unwrap()]);
    let mut phone = s.login("insp1");
    let admin = s.login("admin");

    // Broken JSON, no content type, a body that is not an object.
    refused(&s, push_raw(&phone, "{\"device\": "), 400, "bad_request");
    refused(
        &s,
        phone
            .http
            .post(phone.url("/api/v1/sync/push"))
            .bearer_auth(&phone.token)
            .body(json!({"device": phone.device, "events": []}).to_string()),
        400,
        "bad_request",
    );
    refused(&s, push_raw(&phone, "[1, 2, 3]"), 422, "schema");
    refused(
        &s,
        push_raw(
            &phone,
            json!({"device": phone.device, "events": "all of them"}).to_string(),
        ),
        422,
        "schema",
    );
    // Over the JSON limit (1 MB here): refused before it is read whole.
    let ev = phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![]).1);
    let mut big = serde_json::to_value(&ev).unwrap();
    big["body"]["data"]["description"] = json!("隐".repeat(400_000));
    refused(
        &s,
        push_raw(
            &phone,
            json!({"device": phone.device, "events": [{"seq": 1, "event": big}]}).to_string(),
        ),
        413,
        "too_large",
    );
    // Deeply nested JSON is refused, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused(&s, push_raw(&phone, deep), 422, "schema");
    let deep = format!(
        "{{\"device\": \"{}\", \"events\": [{{\"seq\": 1, \"event\": {}{}}}]}}",
        phone.device,
        "{\"a\":".repeat(50_000),
        "1}".repeat(50_000)
    );
    let v = refused(&s, push_raw(&phone, deep), 400, "bad_request");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("recursion"),
        "{v}"
    );

    // Unknown fields in the console's requests name the field.
    let v = refused(
        &s,
        admin
            .http
            .post(admin.url("/api/v1/users"))
            .bearer_auth(&admin.token)
            .json(&json!({
                "name": "newbie", "role": "inspector", "grid": ["V1"], "password": "password-456"
            })),
        422,
        "schema",
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("grid"),
        "{v}"
    );
    refused(
        &s,
        admin
            .http
            .patch(admin.url("/api/v1/users/insp1"))
            .bearer_auth(&admin.token)
            .json(&json!({"rol": "admin"})),
        422,
        "schema",
    );
    // Unknown keys: a role, a sector, an event type, a grid, a point, a hazard.
    refused(
        &s,
        admin
            .http
            .post(admin.url("/api/v1/users"))
            .bearer_auth(&admin.token)
            .json(&json!({
                "name": "newbie", "role": "mayor", "grids": ["V1"], "password": "password-456"
            })),
        422,
        "validation",
    );
    let before = s.store_fingerprint();
    let mut bad_sector = serde_json::to_value(&ev).unwrap();
    bad_sector["body"]["data"]["sector"] = json!("volcano");
    let mut bad_type = serde_json::to_value(&ev).unwrap();
    bad_type["body"]["type"] = json!("hazard_deleted");
    let unknown_grid = phone.event(report("NOWHERE", Sector::Fire, HazardLevel::General, vec![]).1);
    let unknown_point = phone.event(gridsafe_tests::check(
        "NO-SUCH-POINT",
        "V1",
        gridsafe_core::PointKind::Landslide,
        gridsafe_core::Verdict::Normal,
    ));
    let unknown_hazard = phone.event(EventBody::RectificationSubmitted(
        gridsafe_core::event::RectificationSubmitted {
            hazard: gridsafe_core::HazardId::new(),
            note: "已整改".into(),
            photos: vec![],
            location: None,
        },
    ));
    let items: Vec<Value> = [
        bad_sector,
        bad_type,
        serde_json::to_value(&unknown_grid).unwrap(),
        serde_json::to_value(&unknown_point).unwrap(),
        serde_json::to_value(&unknown_hazard).unwrap(),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, e)| json!({"seq": i + 1, "event": e}))
    .collect();
    let (st, v) = phone.push_items(items);
    assert_eq!(st, StatusCode::OK, "{v}");
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["verdict"], "rejected", "{r}");
        assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
    assert_eq!(
        before,
        s.store_fingerprint(),
        "a rejected event left a trace"
    );
    phone.next_seq = 6;

    // Query strings: unknown keys and values.
    for q in [
        "/api/v1/hazards?status=lost",
        "/api/v1/hazards?sector=volcano",
        "/api/v1/hazards?page=-1",
        "/api/v1/sync/pull?since=minus-one",
    ] {
        let (st, v) = phone.get(q);
        assert!(st == 400 || st == 422, "{q}: {st} {v}");
        assert!(v["error"]["code"].is_string(), "{q}: {v}");
    }
    let (st, v) = phone.get("/api/v1/grids/NOWHERE/summary");
    assert_error(st, &v, 404, "not_found");
}

/// A PNG whose header declares `w`×`h` pixels around the pixel data of a
/// 1×1 image: a few hundred bytes that would decode to gigabytes.
fn bomb(w: u32, h: u32) -> Vec<u8> {
    let mut b = png(1, 1, 9);
    // The IHDR chunk: length (4) "IHDR" (4) width (4) height (4) … CRC (4),
    // after the 8-byte signature.
    b[16..20].copy_from_slice(&w.to_be_bytes());
    b[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&b[12..29]);
    b[29..33].copy_from_slice(&crc.to_be_bytes());
    b
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn decompression_bombs_and_path_like_photo_names_are_refused() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let bomb = bomb(60_000, 60_000);
    assert!(bomb.len() < 200);
    let sha = PhotoHash::of(&bomb);
    let ev = phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![sha.clone()]).1);
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    let v = refused(
        &s,
        phone
            .http
            .put(phone.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&phone.token)
            .body(bomb),
        413,
        "too_large",
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("60000"),
        "{v}"
    );

    // Names that are not a SHA-256, however they are spelled.
    let good = png(16, 16, 3);
    for name in [
        "..%2F..%2Fgridsafe.db",
        "%2e%2e",
        "%2e%2e%2f%2e%2e%2fserver.log",
        "..%5C..%5Cgridsafe.db",
        &format!("{}%00", "a".repeat(64)),
        &"A".repeat(64),
        &"a".repeat(63),
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::PUT] {
            let before = s.store_fingerprint();
            let (st, v) = send(
                phone
                    .http
                    .request(
                        method.clone(),
                        format!("{}/api/v1/blobs/{name}", phone.base),
                    )
                    .bearer_auth(&phone.token)
                    .body(good.clone()),
            );
            assert!(st == 400 || st == 404, "{method} {name}: {st} {v}");
            assert!(v["error"]["message"].is_string(), "{method} {name}: {v}");
            assert_eq!(before, s.store_fingerprint());
        }
    }
    // Literal dots are resolved by the client or refused; nothing outside
    // the blob folder is ever served.
    for path in [
        "/api/v1/blobs/../../gridsafe.db",
        "/assets/..%2F..%2FCargo.toml",
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let resp = phone
            .http
            .get(format!("{}{path}", phone.base))
            .bearer_auth(&phone.token)
            .send()
            .unwrap();
        let st = resp.status();
        let text = resp.text().unwrap();
        assert!(st.is_client_error(), "{path}: {st}");
        assert!(
            !text.contains("[workspace]") && !text.contains("SQLite format"),
            "{path}"
        );
    }
    // No file appeared outside the data folder's own layout.
    let stray: Vec<_> = std::fs::read_dir(s.data_dir().join("server"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("gridsafe.db") && n != "blobs")
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn sql_and_formulas_in_text_are_kept_as_typed() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let office = s.login("office");
    let nasty = [
        "'; DROP TABLE hazards; --",
        "\" OR 1=1 --",
        "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "Robert'); DELETE FROM events WHERE ('1'='1",
        "\\x00 \u{202e} 反转 %s %n {{7*7}} <script>alert(1)</script>",
    ];
    let mut ids = Vec::new();
    for text in nasty {
        let (hazard, mut body) = report("V1", Sector::Fire, HazardLevel::General, vec![]);
        if let EventBody::HazardReported(r) = &mut body {
            r.description = text.to_owned();
            r.place = Some(text.to_owned());
        }
        let ev = phone.event(body);
        assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
        ids.push(hazard);
    }
    let (_, list) = office.get("/api/v1/hazards?per_page=100");
    assert_eq!(list["total"], nasty.len(), "every row still there: {list}");
    for (hazard, text) in ids.iter().zip(nasty) {
        let (st, v) = office.get(&format!("/api/v1/hazards/{hazard}"));
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["state"]["description"], text);
        assert_eq!(v["state"]["place"], text);
    }
    // A note on a check, and a rejection reason, the same.
    let mut check = gridsafe_tests::check(
        "LS-1",
        "V1",
        gridsafe_core::PointKind::Landslide,
        gridsafe_core::Verdict::Normal,
    );
    if let EventBody::CheckLogged(c) = &mut check {
        c.note = Some(nasty[0].to_owned());
    }
    let ev = phone.event(check);
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    let (_, page) = office.get("/api/v1/sync/pull?since=0");
    assert!(page.to_string().contains("DROP TABLE hazards"));
    let (st, v) = office.act(
        ids[0],
        &EventBody::HazardRejected(gridsafe_core::event::HazardRejected {
            hazard: ids[0],
            reason: nasty[5].to_owned(),
            duplicate_of: None,
        }),
    );
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, detail) = office.get(&format!("/api/v1/hazards/{}", ids[0]));
    let reasons: Vec<&Value> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["body"]["data"].get("reason"))
        .collect();
    assert_eq!(reasons, [&json!(nasty[5])], "{detail}");

    // SQL in the query string and the sign-in finds nothing and breaks nothing.
    let (st, v) = office.get("/api/v1/hazards?grid=V1'%20OR%20'1'='1");
    assert!(st == 404 || st == 422 || st == 400, "{st} {v}");
    let (st, v) = send(
        s.http()
            .post(s.url("/api/v1/auth/login"))
            .json(&json!({"username": "admin' --", "password": "' OR '1'='1"})),
    );
    assert_error(st, &v, 401, "bad_credentials");

    // The CSV export shows formulas as text: Excel does not run them.
    let text = office
        .http
        .get(office.url("/api/v1/hazards/export?format=csv&grid=V1"))
        .bearer_auth(&office.token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    let mut rdr =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> = rdr
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for text in nasty.iter().filter(|t| t.starts_with(['=', '+', '@'])) {
        assert!(
            cells.contains(&format!("'{text}")),
            "{text} not neutralised"
        );
        assert!(
            !cells.contains(&text.to_string()),
            "{text} left as a formula"
        );
    }
    assert!(cells.contains(&nasty[0].to_owned()));
}

#[test]
fn broken_import_files_change_nothing() {
    let s = TestServer::town();
    let admin = s.login("admin");
    let import = |name: &str, body: Vec<u8>| {
        admin
            .http
            .post(admin.url(&format!("/api/v1/import/grids?filename={name}&commit=true")))
            .bearer_auth(&admin.token)
            .body(body)
    };
    let header = "code,name,parent_code,level,responsible\n";
    // Bytes that are neither UTF-8 nor GBK.
    let mut bad = header.as_bytes().to_vec();
    bad.extend_from_slice(b"V7,\xff\xfe\xff,T,village,\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bad-encoding.csv", bad, "UTF-8"),
        (
            "missing.csv",
            b"code,name,level\nV7,New,village\n".to_vec(),
            "parent_code",
        ),
        (
            "cycle.csv",
            format!("{header}A1,甲,A2,village,\nA2,乙,A1,village,\n").into_bytes(),
            "A1",
        ),
        (
            "self.csv",
            format!("{header}A3,丙,A3,village,\n").into_bytes(),
            "A3",
        ),
        (
            "not-a-zip.xlsx",
            b"PK\x03\x04 this is not a workbook".to_vec(),
            "xlsx",
        ),
        ("empty.csv", Vec::new(), ""),
    ];
    for (name, body, mention) in cases {
        let before = s.store_fingerprint();
        let (st, v) = send(import(name, body));
        let text = v.to_string();
        let refused_whole = st == 422
            || (st == 200
                && v["committed"] == false
                && !v["errors"].as_array().unwrap().is_empty());
        assert!(refused_whole, "{name}: {st} {v}");
        assert!(
            text.to_lowercase().contains(&mention.to_lowercase()),
            "{name} should mention {mention}: {v}"
        );
        assert_eq!(before, s.store_fingerprint(), "{name} changed the store");
    }
    // The same files from the command line, refused whole too.
    let before = s.store_fingerprint();
    let f = s.write_file(
        "cycle.csv",
        format!("{header}A1,甲,A2,village,\nA2,乙,A1,village,\n").as_bytes(),
    );
    let out = s.cli(&["grid", "import", f.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert_eq!(before, s.store_fingerprint());
}
