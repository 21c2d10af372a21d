//! The office console end to end: the real server seeded with `--demo`
//! serves the built UI (`ui/dist`, made by `npm run build` in `ui/`, which
//! the test script runs before cargo), and `node --test ui/e2e/office/`
//! drives it in headless Chromium (`/usr/bin/chromium`, never a downloaded
//! browser). Screenshots land in `ui/e2e/artifacts/office/`.

use std::path::PathBuf;
use std::process::Command;

use gridsafe_tests::TestServer;

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
