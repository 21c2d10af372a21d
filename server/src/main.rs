//! `gridsafe-server`: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    gridsafe_server::cli::run()
}
