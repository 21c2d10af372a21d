//! The server's defences around the routes: security headers and the
//! console's Content-Security-Policy, no CORS, tokens kept only as hashes,
//! sign-in limits per address, request time limits. (Logs: `server_logs.rs`.)

use std::io::Read;
use std::time::Duration;

use gridsafe_tests::{PASSWORD, TestServer, assert_error, send};
use reqwest::StatusCode;

fn header(resp: &reqwest::blocking::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn security_headers_on_every_answer_and_no_cors() {
    let s = TestServer::start_with(&[
        "--tiles",
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
    ]);
    for path in [
        "/",
        "/healthz",
        "/api/v1/grids",
        "/api/v1/nowhere",
        "/api/openapi.json",
    ] {
        let resp = s
            .http()
            .get(s.url(path))
            .header("origin", "https://evil.example")
            .send()
            .unwrap();
        let csp = header(&resp, "content-security-policy").unwrap_or_default();
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "img-src 'self' data: blob: https://*.tianditu.gov.cn",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {part} missing from {csp}");
        }
        assert!(!csp.contains("unsafe-eval"), "{csp}");
        assert_eq!(
            header(&resp, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(header(&resp, "x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(
            header(&resp, "referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            header(&resp, "strict-transport-security"),
            None,
            "{path}: HSTS only when configured"
        );
        assert_eq!(header(&resp, "access-control-allow-origin"), None, "{path}");
    }
    // A preflight from another site is not answered with CORS permission.
    let resp = s
        .http()
        .request(reqwest::Method::OPTIONS, s.url("/api/v1/auth/login"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .unwrap();
    assert_eq!(header(&resp, "access-control-allow-origin"), None);
    assert_eq!(header(&resp, "access-control-allow-credentials"), None);

    // Behind HTTPS, HSTS when asked for; no tile source, no foreign images.
    let s = TestServer::start_with(&["--hsts-max-age", "31536000"]);
    let resp = s.http().get(s.url("/healthz")).send().unwrap();
    assert_eq!(
        header(&resp, "strict-transport-security").as_deref(),
        Some("max-age=31536000")
    );
    let csp = header(&resp, "content-security-policy").unwrap();
    assert!(csp.contains("img-src 'self' data: blob:;"), "{csp}");
}

#[test]
fn tokens_are_stored_hashed_and_sign_ins_are_limited_per_address() {
    let s = TestServer::town();
    let me = s.login("insp1");
    let db = std::fs::read(s.data_dir().join("server/gridsafe.db")).unwrap();
    let wal = std::fs::read(s.data_dir().join("server/gridsafe.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes
                .windows(me.token.len())
                .any(|w| w == me.token.as_bytes()),
            "the token itself is on disk"
        );
    }
    // Five wrong passwords, each for a different account, from one address:
    // the address is held back, even for a right password.
    for name in ["insp2", "vol1", "office2", "nobody", "admin"] {
        let (st, v) = s.login_as(name, "wrong-password", None).err().unwrap();
        assert_error(st, &v, 401, "bad_credentials");
    }
    let (st, v) = s.login_as("office", PASSWORD, None).err().unwrap();
    assert_error(st, &v, 429, "too_many_attempts");
    // The token already given still works.
    let (st, _) = me.get("/api/v1/grids");
    assert_eq!(st, StatusCode::OK);
}

/// A request body that arrives slower than the server waits for.
struct Trickle {
    sent: bool,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.sent {
            std::thread::sleep(Duration::from_secs(4));
            return Ok(0);
        }
        self.sent = true;
        let head = b"{\"device\": ";
        buf[..head.len()].copy_from_slice(head);
        Ok(head.len())
    }
}

#[test]
fn a_request_that_takes_too_long_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "request_timeout_secs = 1\n").unwrap();
    let s = TestServer::town_with(&["--config", cfg.to_str().unwrap()]);
    let me = s.login("insp1");
    let (st, v) = send(
        me.http
            .post(me.url("/api/v1/sync/push"))
            .bearer_auth(&me.token)
            .header("content-type", "application/json")
            .body(reqwest::blocking::Body::new(Trickle { sent: false })),
    );
    assert_error(st, &v, 408, "timeout");
}
