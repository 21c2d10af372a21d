//! The field app, built by the test crate so the real-webview test can start it.

fn main() {
    gridsafe_app::run();
}
