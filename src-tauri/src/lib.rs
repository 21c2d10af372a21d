//! The field app's shell: wires the Tauri window that shows `ui/app` to thin
//! commands over `gridsafe-device` ([`commands`]). Work belongs in the device
//! crate, not here.

pub mod commands;

use tauri::Manager;

/// Starts the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    build(tauri::Builder::default())
        .setup(|app| {
            let home = app.path().app_data_dir()?;
            app.manage(commands::Home(home));
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the gridsafe window could not start");
}

/// The app's plugins and commands, shared by `run` and the tests.
pub fn build<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_geolocation::init());
    builder.invoke_handler(tauri::generate_handler![
        commands::session,
        commands::enroll,
        commands::sign_out,
        commands::grids,
        commands::points,
        commands::hazards,
        commands::hazard,
        commands::add_photo,
        commands::photo_thumb,
        commands::add_hazard,
        commands::rectify,
        commands::add_check,
        commands::suggest_verdict,
        commands::sync,
        commands::sync_status,
        commands::outbox,
        commands::tasks,
        commands::task,
        commands::records,
        commands::add_task_check,
        commands::add_meeting,
        commands::add_banquet,
        commands::add_promise,
        commands::add_accident,
    ])
}
