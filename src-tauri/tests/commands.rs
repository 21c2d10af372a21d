//! The commands answer through Tauri's real IPC (on its mock runtime, which
//! needs no display): arguments arrive by name, raw bodies reach
//! `add_photo`, and errors come back as text a person can read.

use gridsafe_app::commands::Home;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

fn app(home: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = gridsafe_app::build(mock_builder())
        .manage(Home(home.to_path_buf()))
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a window");
    (app, window)
}

fn invoke(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: InvokeBody,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the mocked page must be tauri://localhost to be a local page.
            url: "tauri://localhost".parse().unwrap(),
            body,
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|r| r.deserialize::<Value>().expect("a JSON answer"))
}

#[test]
fn commands_answer_through_the_ipc() {
    let home = tempfile::tempdir().unwrap();
    let (_app, window) = app(home.path());

    assert_eq!(
        invoke(&window, "session", InvokeBody::default()),
        Ok(Value::Null)
    );
    assert_eq!(
        invoke(&window, "hazards", InvokeBody::default()),
        Ok(json!([]))
    );
    let status = invoke(&window, "sync_status", InvokeBody::default()).unwrap();
    assert_eq!(status["pending_events"], 0);
    assert!(
        home.path().join("device.db").is_file(),
        "the store lives in the app's data directory"
    );

    let not_image = invoke(
        &window,
        "add_photo",
        InvokeBody::Raw(b"GIF89a not a photo".to_vec()),
    )
    .unwrap_err();
    assert!(
        not_image.as_str().unwrap().contains("not an image"),
        "{not_image}"
    );
    let json_body = invoke(&window, "add_photo", InvokeBody::Json(json!({}))).unwrap_err();
    assert!(
        json_body.as_str().unwrap().contains("image bytes"),
        "{json_body}"
    );

    let hazard = json!({
        "grid": "V1", "sector": "fire", "level": "general", "description": "灭火器过期",
        "place": null, "location": null, "photos": []
    });
    let not_enrolled = invoke(&window, "add_hazard", InvokeBody::Json(hazard.clone())).unwrap_err();
    assert!(
        not_enrolled
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("enrol"),
        "{not_enrolled}"
    );
    let mut bad = hazard;
    bad["sector"] = json!("mining");
    let bad_key = invoke(&window, "add_hazard", InvokeBody::Json(bad)).unwrap_err();
    assert!(bad_key.as_str().unwrap().contains("mining"), "{bad_key}");
}
