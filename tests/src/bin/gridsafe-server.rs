//! The server binary, built by the test crate so the tests can run it.

fn main() -> std::process::ExitCode {
    gridsafe_server::cli::run()
}
