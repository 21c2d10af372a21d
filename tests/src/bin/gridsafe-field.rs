//! The device command line, built by the test crate so the tests can run it.

fn main() -> std::process::ExitCode {
    gridsafe_device::cli::run()
}
