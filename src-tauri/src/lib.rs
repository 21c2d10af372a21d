//! The field app's shell: thin commands over `gridsafe-device`, wired into a
//! Tauri window that shows `ui/app`.
