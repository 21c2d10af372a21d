//! The real desktop app in its real webview (WebKitGTK under a virtual
//! display, driven through tauri-driver): sign in against a real server,
//! record a hazard with a photo, sync, and find it on the server with its
//! photo stored and verified; then file a meeting (会议纪录) through the
//! real commands, see it in the records list, sync, and find it on the
//! server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gridsafe_tests::webview::{AppDriver, missing_tools};
use gridsafe_tests::{PASSWORD, TestServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-artifacts/app-webview")
}

/// The camera, as the webview's file input sees it: a JPEG drawn on a
/// canvas, handed to the input as if the user had taken it.
const TAKE_PHOTO: &str = r#"
const done = arguments[arguments.length - 1];
const input = document.querySelector('[data-testid="photo-input"]');
const canvas = document.createElement('canvas');
canvas.width = 1200; canvas.height = 900;
const g = canvas.getContext('2d');
const grad = g.createLinearGradient(0, 0, 1200, 900);
grad.addColorStop(0, '#b5542c'); grad.addColorStop(1, '#3a7bd5');
g.fillStyle = grad; g.fillRect(0, 0, 1200, 900);
g.fillStyle = '#fff'; g.font = '80px sans-serif'; g.fillText('脚手架', 100, 200);
canvas.toBlob((blob) => {
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'scaffold.jpg', { type: 'image/jpeg' }));
  input.files = dt.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  done(blob.size);
}, 'image/jpeg', 0.9);
"#;

#[test]
fn record_a_hazard_with_a_photo_in_the_real_app_and_find_it_on_the_server() {
    if let Some(why) = missing_tools() {
        panic!("the real-webview test needs its tools: {why}");
    }
    let server = TestServer::town();
    let app = AppDriver::start(Path::new(env!("CARGO_BIN_EXE_gridsafe-app")));

    // Sign in.
    app.fill("[data-testid=enroll-server] input", &server.base);
    app.fill("[data-testid=enroll-username] input", "insp1");
    app.fill("[data-testid=enroll-password] input", PASSWORD);
    app.click("[data-testid=enroll-submit]");
    app.wait_for("[data-testid=signed-in-user]", WAIT);
    app.screenshot(&artifacts().join("01-signed-in.png"));
    app.click("[data-testid=enroll-continue]");

    // Record a hazard with a photo, offline as far as the app is concerned.
    app.click("[data-testid=home-new-hazard]");
    app.click("[data-testid=field-sector]");
    app.confirm_picker(WAIT);
    app.fill(
        "[data-testid=field-description] textarea",
        "脚手架缺少防护网",
    );
    let jpeg_bytes = app.script_async(TAKE_PHOTO, json!([]));
    assert!(
        jpeg_bytes.as_u64().unwrap_or(0) > 1000,
        "the canvas made a photo: {jpeg_bytes}"
    );
    app.wait_for("[data-testid=photo-thumb]", WAIT);
    app.wait_gone(".van-overlay, .van-toast", WAIT);
    app.screenshot(&artifacts().join("02-new-hazard.png"));
    app.click("[data-testid=save-hazard]");
    app.wait_for_text("脚手架缺少防护网", WAIT);

    sync_from_the_sync_screen(&app);
    app.screenshot(&artifacts().join("03-synced.png"));

    // The office finds it, with its photo stored and verified.
    let office = server.login("office");
    let (status, list) = office.get("/api/v1/hazards?grid=V1");
    assert!(status.is_success(), "{list}");
    assert_eq!(list["total"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["description"], "脚手架缺少防护网");
    let id = item["id"].as_str().unwrap();
    let (_, detail) = office.get(&format!("/api/v1/hazards/{id}"));
    let photos = detail["state"]["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 1, "{detail}");
    let blob = office
        .http
        .get(office.url(&format!("/api/v1/blobs/{}", photos[0].as_str().unwrap())))
        .bearer_auth(&office.token)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.bytes())
        .expect("the photo is served");
    assert_eq!(
        gridsafe_core::PhotoHash::of(&blob).as_str(),
        photos[0].as_str().unwrap()
    );

    // A meeting through the real commands: listed on the phone, then synced.
    app.script("location.hash = '#/records'", json!([]));
    app.click("[data-testid=new-meeting]");
    app.fill("[data-testid=field-topic] input", "汛期安全生产工作部署");
    app.fill("[data-testid=field-attendees] input", "王建国、李德明");
    app.click("[data-testid=save-record]");
    app.wait_for(
        "[data-testid=record-item][data-kind=meeting_recorded]",
        WAIT,
    );
    app.wait_for_text("汛期安全生产工作部署", WAIT);
    app.wait_gone(".van-toast", WAIT);
    app.screenshot(&artifacts().join("04-meeting-listed.png"));
    sync_from_the_sync_screen(&app);
    let deadline = std::time::Instant::now() + WAIT;
    let meetings = loop {
        let (status, list) = office.get("/api/v1/records/meetings?grid=V1");
        assert!(status.is_success(), "{list}");
        let list = list.as_array().expect("a list").clone();
        if !list.is_empty() || std::time::Instant::now() > deadline {
            break list;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(meetings.len(), 1, "{meetings:?}");
    let m = &meetings[0]["body"]["data"];
    assert_eq!(m["topic"], "汛期安全生产工作部署");
    assert_eq!(m["attendees"], json!(["王建国", "李德明"]));
    assert_eq!(meetings[0]["author"], "insp1");
}

/// Syncs from the sync screen and waits until nothing is left to send.
fn sync_from_the_sync_screen(app: &AppDriver) {
    app.script("location.hash = '#/sync'", json!([]));
    app.click("[data-testid=sync-now]");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let pending = app.script(
            "const e = document.querySelector('[data-testid=pending-events]'); const b = document.querySelector('[data-testid=pending-blobs]'); return [e && e.innerText, b && b.innerText];",
            json!([]),
        );
        if pending == json!(["0", "0"]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sync did not finish: {pending}; the page shows:\n{}",
            app.text_of_page()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
