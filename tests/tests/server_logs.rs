//! The server's log, at the most detail a maintainer would turn on, holds
//! no password, token, session cookie or CSRF token.

use gridsafe_tests::{PASSWORD, TestServer, send};
use reqwest::StatusCode;
use serde_json::json;

fn header(resp: &reqwest::blocking::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn logs_hold_no_passwords_tokens_or_cookies() {
    // The most a maintainer would turn on while looking into a problem.
    // SAFETY: the only test of this binary, set before any thread starts.
    unsafe { std::env::set_var("GRIDSAFE_LOG", "debug") };
    let s = TestServer::town();
    let wrong = "Wrong-Secret-4711";
    let _ = s.login_as("insp1", wrong, None);
    let phone = s.login("insp1");
    let (st, _) = phone.get("/api/v1/grids");
    assert_eq!(st, StatusCode::OK);
    // The console: cookie and CSRF token.
    let resp = s
        .http()
        .post(s.url("/api/v1/auth/session"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .unwrap();
    let cookie = header(&resp, "set-cookie").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let session = cookie.trim_start_matches("gridsafe_session=").to_owned();
    let csrf = resp.json::<serde_json::Value>().unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_password = "Brand-New-Password-0815";
    let (st, v) = send(
        s.http()
            .post(s.url("/api/v1/users"))
            .header("cookie", &cookie)
            .header("x-gridsafe-csrf", &csrf)
            .json(&json!({"name": "newbie", "role": "inspector", "grids": ["V1"], "password": new_password})),
    );
    assert!(st.is_success(), "{st} {v}");
    let reset = "Reset-Password-2024";
    let (st, v) = send(
        s.http()
            .patch(s.url("/api/v1/users/newbie"))
            .header("cookie", &cookie)
            .header("x-gridsafe-csrf", &csrf)
            .json(&json!({"password": reset})),
    );
    assert!(st.is_success(), "{st} {v}");
    let (st, _) = send(
        s.http()
            .delete(s.url("/api/v1/auth/session"))
            .header("cookie", &cookie)
            .header("x-gridsafe-csrf", &csrf),
    );
    assert_eq!(st, StatusCode::NO_CONTENT);
    let _ = s.login_as("newbie", reset, None).unwrap();

    let log = std::fs::read_to_string(s.data_dir().join("server.log")).unwrap();
    // The log is there and says what happened.
    assert!(log.contains("failed sign-in"), "{log}");
    assert!(log.contains("signed in"), "{log}");
    assert!(log.contains("/api/v1/users"), "{log}");
    for secret in [
        PASSWORD,
        wrong,
        new_password,
        reset,
        phone.token.as_str(),
        session.as_str(),
        csrf.as_str(),
    ] {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
    }
}
