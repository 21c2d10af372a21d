//! The office console end to end: the real server seeded with `--demo`
//! serves the built UI (`ui/dist`, made by `npm run build` in `ui/`, which
//! the test script runs before cargo), and `node --test ui/e2e/office/`
//! drives it in headless Chromium (`/usr/bin/chromium`, never a downloaded
//! browser). Screenshots land in `ui/e2e/artifacts/office/`.

use std::path::PathBuf;
use std::process::Command;

use chrono::{Duration, FixedOffset, Utc};
use gridsafe_core::event::{
    AccidentReported, BanquetFiled, HazardReported, ItemOutcome, MeetingRecorded, PromiseSigned,
    RectificationSubmitted, TaskCheckRecorded, TaskTarget,
};
use gridsafe_core::{
    AccidentId, BannedDish, BanquetId, ChecklistItem, EventBody, HazardId, HazardLevel, ItemResult,
    MeetingId, PhotoHash, PromiseId, PromiseKind, Sector, TaskId,
};
use gridsafe_tests::{Session, TestServer, png};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Uploads a photo as a phone does.
fn upload(phone: &Session, bytes: Vec<u8>) {
    let sha = hex::encode(Sha256::digest(&bytes));
    let resp = phone
        .http
        .put(phone.url(&format!("/api/v1/blobs/{sha}")))
        .bearer_auth(&phone.token)
        .body(bytes)
        .send()
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().unwrap());
}

/// The demo has no photos: an inspector reports one hazard with a photo and
/// submits its rectification with another, as a phone would.
fn hazard_with_photos(server: &TestServer) {
    let mut phone = server
        .login_as("inspector", "demo-inspector", None)
        .expect("the demo inspector signs in");
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

/// The demo has no township records: the office issues two tasks (one
/// already overdue) and the inspector checks one target of the first, a
/// failed item raising a hazard, with a photo; then files a meeting, a
/// banquet, a promise and an accident, as the phone does.
fn township_records(server: &TestServer) {
    let office = server
        .login_as("office", "demo-office", None)
        .expect("the demo office signs in");
    let today = Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let issue = |body: serde_json::Value| {
        let (s, t) = office.post("/api/v1/tasks", &body);
        assert_eq!(s.as_u16(), 201, "{t}");
        t["task"].as_str().unwrap().parse::<TaskId>().unwrap()
    };
    let campaign = issue(json!({
        "kind": "special_campaign",
        "sector": "construction",
        "title": "建筑施工安全专项整治",
        "grid": "510001",
        "targets": [{"kind": "grid", "code": "510001-01-01"}, {"kind": "grid", "code": "510001-02"}],
        "due": (today + Duration::days(10)).to_string(),
        "items": ["qualification", "fall_protection", "protective_measures"],
        "note": "重点检查脚手架和临边防护",
    }));
    issue(json!({
        "kind": "holiday_check",
        "title": "国庆节前安全检查",
        "grid": "510001",
        "targets": [{"kind": "grid", "code": "510001-03"}],
        "due": (today - Duration::days(3)).to_string(),
        "items": ["fire_equipment", "emergency_exits"],
    }));

    let mut phone = server
        .login_as("inspector", "demo-inspector", None)
        .expect("the demo inspector signs in");
    let photo = png(640, 480, 21);
    let sha: PhotoHash = hex::encode(Sha256::digest(&photo)).parse().unwrap();
    let hazard = HazardId::new();
    let unit: gridsafe_core::GridCode = "510001-01-01".parse().unwrap();
    let village: gridsafe_core::GridCode = "510001-01".parse().unwrap();
    let events = [
        EventBody::HazardReported(HazardReported {
            hazard,
            grid: unit.clone(),
            sector: Sector::Construction,
            level: HazardLevel::General,
            description: "二层脚手架临边无防护网".into(),
            place: None,
            location: None,
            photos: vec![sha.clone()],
        }),
        EventBody::TaskCheckRecorded(TaskCheckRecorded {
            task: campaign,
            target: TaskTarget::Grid(unit.clone()),
            grid: unit,
            results: vec![
                ItemOutcome {
                    item: ChecklistItem::Qualification,
                    result: ItemResult::Pass,
                },
                ItemOutcome {
                    item: ChecklistItem::FallProtection,
                    result: ItemResult::Fail,
                },
                ItemOutcome {
                    item: ChecklistItem::ProtectiveMeasures,
                    result: ItemResult::Pass,
                },
            ],
            hazards: vec![hazard],
            note: Some("施工资质齐全，脚手架临边防护缺失".into()),
            location: None,
            photos: vec![sha],
        }),
        EventBody::MeetingRecorded(MeetingRecorded {
            meeting: MeetingId::new(),
            grid: village.clone(),
            held_on: today - Duration::days(2),
            topic: "汛期安全生产工作部署".into(),
            attendees: vec!["李明".into(), "王五".into()],
            minutes: Some("落实24小时值班制度".into()),
            photos: vec![],
        }),
        EventBody::BanquetFiled(BanquetFiled {
            banquet: BanquetId::new(),
            grid: village.clone(),
            host: "石桥村三组 张某".into(),
            held_on: today + Duration::days(5),
            tables: 18,
            cook: Some("李师傅".into()),
            samples_kept: true,
            banned_dishes_absent: vec![BannedDish::GreenBeans, BannedDish::WildMushrooms],
            photos: vec![],
        }),
        EventBody::PromiseSigned(PromiseSigned {
            promise: PromiseId::new(),
            grid: village.clone(),
            kind: PromiseKind::FarmVehicleNoPassengers,
            party: "石桥村农机户 赵某".into(),
            signed_on: today - Duration::days(1),
            note: None,
            photos: vec![],
        }),
        EventBody::AccidentReported(AccidentReported {
            accident: AccidentId::new(),
            grid: village,
            sector: Sector::RoadTraffic,
            occurred_at: Utc::now() - Duration::hours(5),
            place: "石桥村村道三组路口".into(),
            deaths: 0,
            injuries: 1,
            description: "农用车侧翻，一人轻伤".into(),
            location: None,
            photos: vec![],
        }),
    ];
    for body in events {
        let ev = phone.event(body);
        assert_eq!(phone.push_one(&ev)["verdict"], "accepted", "{ev:?}");
    }
    upload(&phone, photo);
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
    township_records(&server);
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
