//! Sign-in: success, wrong password, the failure limit, revoked and expired tokens.

use gridsafe_tests::{PASSWORD, TestServer, assert_error, send};
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn login_gives_a_token_bound_to_a_device() {
    let s = TestServer::town();
    let me = s.login("insp1");
    assert_eq!(me.token.len(), 64);
    let (status, grids) = me.get("/api/v1/grids");
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = grids
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["V1", "U1"]);
    // Signing in again with the same device keeps its id.
    let again = s.login_as("insp1", PASSWORD, Some(me.device)).unwrap();
    assert_eq!(again.device, me.device);
    // No token, a bad token.
    let (st, v) = send(s.http().get(s.url("/api/v1/grids")));
    assert_error(st, &v, 401, "unauthorized");
    let (st, v) = send(
        s.http()
            .get(s.url("/api/v1/grids"))
            .bearer_auth("f".repeat(64)),
    );
    assert_error(st, &v, 401, "invalid_token");
}

#[test]
fn wrong_password_and_the_failure_limit() {
    let s = TestServer::town();
    let (st, v) = s.login_as("insp1", "wrong-password", None).err().unwrap();
    assert_error(st, &v, 401, "bad_credentials");
    let (st, v) = s.login_as("nobody", "wrong-password", None).err().unwrap();
    assert_error(st, &v, 401, "bad_credentials");
    for _ in 0..4 {
        let _ = s.login_as("insp2", "wrong-password", None);
    }
    // The sixth try within the window is refused before the password is looked at.
    let resp = s
        .http()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "insp2", "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry));
    let v: serde_json::Value = resp.json().unwrap();
    assert_eq!(v["error"]["code"], "too_many_attempts");
}

#[test]
fn a_revoked_device_is_signed_out() {
    let s = TestServer::town();
    let phone = s.login("insp1");
    let office = s.login("office");
    let (st, devices) = office.get("/api/v1/devices");
    assert_eq!(st, StatusCode::OK);
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == json!(phone.device))
    );
    // An inspector may not manage devices.
    let (st, v) = phone.get("/api/v1/devices");
    assert_error(st, &v, 403, "forbidden");
    let (st, v) = office.post(
        &format!("/api/v1/devices/{}/revoke", phone.device),
        &json!({}),
    );
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(v["revoked_at"].is_string());
    let (st, v) = phone.get("/api/v1/grids");
    assert_error(st, &v, 401, "token_revoked");
    let (st, v) = s
        .login_as("insp1", PASSWORD, Some(phone.device))
        .err()
        .unwrap();
    assert_error(st, &v, 403, "device_revoked");
    // The same from the command line.
    let other = s.login("insp2");
    let out = s.cli_ok(&["device", "list"], None);
    assert!(out.contains(&other.device.to_string()));
    s.cli_ok(&["device", "revoke", &other.device.to_string()], None);
    let (st, v) = other.get("/api/v1/grids");
    assert_error(st, &v, 401, "token_revoked");
}

#[test]
fn an_expired_token_is_refused() {
    let s = TestServer::town_with(&["--token-days", "0"]);
    let me = s.login("insp1");
    let (st, v) = me.get("/api/v1/grids");
    assert_error(st, &v, 401, "token_expired");
}
