//! The command line and the edges of the HTTP API: imports that refuse bad
//! files whole, the demo seed, configuration, OpenAPI, JSON errors.

use gridsafe_tests::{TestServer, assert_error, send};
use reqwest::StatusCode;

#[test]
fn a_bad_grid_file_is_refused_whole_with_row_numbers() {
    let s = TestServer::town();
    let bad = s.write_file(
        "bad.csv",
        "编码,名称,上级编码,层级,责任人\nV9,新村,T,村,\nV8,坏村,NOPE,村,\n".as_bytes(),
    );
    let out = s.cli(&["grid", "import", bad.to_str().unwrap()], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 3") && err.contains("NOPE"), "{err}");
    let office = s.login("office");
    let (_, grids) = office.get("/api/v1/grids");
    assert!(!grids.to_string().contains("V9"), "nothing half-imported");
    // GBK from a Chinese Excel, imported while the server runs.
    let (gbk, _, _) =
        encoding_rs::GBK.encode("编码,名称,上级编码,层级,责任人\nV9,新村,T,村,孙七\n");
    let good = s.write_file("gbk.csv", &gbk);
    s.cli_ok(
        &[
            "--data",
            s.data_dir().join("server").to_str().unwrap(),
            "grid",
            "import",
            good.to_str().unwrap(),
        ],
        None,
    );
    let (_, grids) = office.get("/api/v1/grids");
    let v9 = grids
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "V9")
        .expect("V9 imported");
    assert_eq!(v9["name"], "新村");
    assert_eq!(v9["responsible"], "孙七");
    assert_eq!(v9["parent"], "T");
    assert_eq!(v9["level"], "village");
    // A point in a grid that does not exist.
    let pts = s.write_file(
        "p.csv",
        b"code,name,kind,grid_code,lat,lon,monitor\nX1,x,landslide,NOPE,,,\n",
    );
    let out = s.cli(&["point", "import", pts.to_str().unwrap()], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 2"));
    // A user in an unknown grid.
    let out = s.cli(
        &[
            "user",
            "add",
            "--name",
            "x",
            "--role",
            "inspector",
            "--grid",
            "NOPE",
            "--password-stdin",
        ],
        Some("long-enough\n"),
    );
    assert!(!out.status.success());
}

#[test]
fn demo_is_idempotent_and_errors_are_json() {
    let mut s = TestServer::start_with(&["--demo"]);
    let office = s.login_as("office", "demo-office", None).unwrap();
    let (_, first) = office.get("/api/v1/grids/510001/summary");
    assert_eq!(first["hazards_total"], 30);
    assert_eq!(first["danger_open"], 1);
    for status in [
        "reported",
        "confirmed",
        "rectifying",
        "rectified",
        "verified",
        "closed",
        "rejected",
    ] {
        assert!(
            first["by_status"][status].as_u64().unwrap() > 0,
            "{status}: {first}"
        );
    }
    assert_eq!(first["children"].as_array().unwrap().len(), 5);
    s.restart();
    let office = s.login_as("office", "demo-office", None).unwrap();
    let (_, again) = office.get("/api/v1/grids/510001/summary");
    assert_eq!(again["hazards_total"], 30, "seeding twice adds nothing");

    // Every route is in the OpenAPI document.
    let (st, doc) = send(s.http().get(s.url("/api/openapi.json")));
    assert_eq!(st, StatusCode::OK);
    for p in [
        "/api/v1/auth/login",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/blobs/{sha256}",
        "/api/v1/blobs/{sha256}/thumb",
        "/api/v1/hazards",
        "/api/v1/hazards/{id}",
        "/api/v1/hazards/{id}/actions",
        "/api/v1/points",
        "/api/v1/grids",
        "/api/v1/grids/{code}/summary",
        "/api/v1/urgent",
        "/api/v1/devices",
        "/api/v1/devices/{id}/revoke",
        "/healthz",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
    // JSON errors everywhere: unknown route, wrong method, bad query, bad JSON, too large.
    let (st, v) = send(s.http().get(s.url("/api/v1/nothing")));
    assert_error(st, &v, 404, "not_found");
    let (st, v) = send(s.http().delete(s.url("/api/v1/hazards")));
    assert_error(st, &v, 405, "method_not_allowed");
    let (st, v) = office.get("/api/v1/hazards?page=many");
    assert_error(st, &v, 400, "bad_request");
    let (st, v) = send(
        s.http()
            .post(s.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body("{not json"),
    );
    assert_error(st, &v, 400, "bad_request");
    let huge = format!(
        "{{\"username\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(9 * 1024 * 1024)
    );
    // Its own connection: the server answers before reading the whole body and closes it.
    let once = reqwest::blocking::Client::new();
    let (st, v) = send(
        once.post(s.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(huge),
    );
    assert_error(st, &v, 413, "too_large");
    let (st, v) = send(s.http().get(s.url("/healthz")));
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status"], "ok");
}

#[test]
fn a_postgres_url_is_refused_plainly() {
    let s = TestServer::start();
    let out = s.cli(
        &["serve", "--database", "postgres://localhost/gridsafe"],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not supported yet"));
}
