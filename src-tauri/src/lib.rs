//! The field app's shell: wires the Tauri window that shows `ui/app` to thin
//! commands over `gridsafe-device`. Work belongs in the device crate, not here.

/// Starts the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    build(tauri::Builder::default())
        .run(tauri::generate_context!())
        .expect("the gridsafe window could not start");
}

/// The app's plugins and commands, shared by `run` and the tests.
pub fn build<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_geolocation::init());
    builder
}
