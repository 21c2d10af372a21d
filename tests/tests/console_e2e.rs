//! The office console end to end: the real server seeded with `--demo`
//! serves the built UI (`ui/dist`, made by `npm run build` in `ui/`, which
//! the test script runs before cargo), and `node --test ui/e2e/office/`
//! drives it in headless Chromium (`/usr/bin/chromium`, never a downloaded
//! browser). Screenshots land in `ui/e2e/artifacts/office/`.

use std::path::PathBuf;
use std::process::Command;

use gridsafe_core::event::{HazardReported, RectificationSubmitted};
use gridsafe_core::{EventBody, HazardId, HazardLevel, PhotoHash, Sector};
use gridsafe_tests::{Session, TestServer, png};
use sha2::{Digest, Sha256};

/// The demo has no photos: an inspector reports one hazard with a photo and
/// submits its rectification with another, as a phone would.
fn hazard_with_photos(server: &TestServer) {
    let mut phone = server
        .login_as("inspector", "demo-inspector", None)
        .expect("the demo inspector signs in");
    let upload = |phone: &Session, bytes: Vec<u8>| {
        let sha = hex::encode(Sha256::digest(&bytes));
        let resp = phone
            .http
            .put(phone.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&phone.token)
            .body(bytes)
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.text().unwrap());
    };
    let (before, after) = (png(640, 480, 3), png(640, 480, 9));
    let before_sha: PhotoHash = hex::encode(Sha256::digest(&before)).parse().unwrap();
    let after_sha: PhotoHash = hex::encode(Sha256::digest(&after)).parse().unwrap();
    let hazard = HazardId::new();
    let ev = phone.event(EventBody::HazardReported(HazardReported {
        hazard,
        grid: "510001-01".parse().unwrap(),
        sector: Sector::Electrical,
        level: HazardLevel::General,
        description: "配电箱门锁损坏，线路裸露".into(),
        place: Some("石桥村村委会".into()),
        location: None,
        photos: vec![before_sha],
    }));
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    let ev = phone.event(EventBody::RectificationSubmitted(RectificationSubmitted {
        hazard,
        note: "已更换门锁，线路穿管".into(),
        photos: vec![after_sha],
        location: None,
    }));
    assert_eq!(phone.push_one(&ev)["verdict"], "accepted");
    upload(&phone, before);
    upload(&phone, after);
}

fn ui_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository")
        .join("ui")
}

#[test]
fn office_console_in_a_real_browser() {
    let ui = ui_dir();
    let dist = ui.join("dist");
    assert!(
        dist.join("office/index.html").is_file(),
        "the console is not built: run `npm ci && npm run build` in {} first (scripts/test does)",
        ui.display()
    );
    assert!(
        ui.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in {} first",
        ui.display()
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium package"
    );
    let server = TestServer::start_with(&["--demo", "--ui-dir", dist.to_str().unwrap()]);
    hazard_with_photos(&server);
    let out = Command::new("node")
        .args(["--test", "--test-concurrency=1", "e2e/office/"])
        .current_dir(&ui)
        .env("GRIDSAFE_BASE_URL", &server.base)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "the console's browser tests failed ({}); screenshots are in {}",
        out.status,
        ui.join("e2e/artifacts/office").display()
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
}
