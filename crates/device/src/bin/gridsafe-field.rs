fn main() -> std::process::ExitCode {
    gridsafe_device::cli::run()
}
