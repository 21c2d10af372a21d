//! The app's commands: each opens the device store and calls one function
//! of `gridsafe_device::app`, off the main thread. Errors reach the screens
//! as the text a person reads, field errors as `invalid:` JSON
//! ([`app::AppError::screen_text`]).

use std::path::PathBuf;

use chrono::Utc;
use gridsafe_core::location::Location;
use gridsafe_core::reading::Readings;
use gridsafe_core::{
    GridCode, GridNode, HazardId, HazardLevel, PhotoHash, PointCode, Sector, TaskId, Verdict,
};
use gridsafe_device::Store;
use gridsafe_device::app::{
    self, AppError, HazardDetail, HazardView, NewAccident, NewBanquet, NewCheck, NewHazard,
    NewMeeting, NewPromise, NewRectification, NewTaskCheck, OutboxItem, PhotoRef, PointView,
    Session, SyncStatus, TaskCheckSaved,
};
use gridsafe_device::photo::PhotoLimits;
use gridsafe_device::sync::SyncReport;
use gridsafe_device::township::{RecordView, TaskView};
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

/// Where the device store and photos live: the app's data directory.
pub struct Home(pub PathBuf);

type Answer<T> = Result<T, String>;

/// Runs `f` on the store on a blocking thread.
async fn with_store<T, F>(home: &Home, f: F) -> Answer<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
{
    let dir = home.0.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let mut store = Store::open(&dir).map_err(|e| e.to_string())?;
        f(&mut store).map_err(|e| e.screen_text())
    })
    .await
    .map_err(|e| format!("the app's worker stopped: {e}"))?
}

#[tauri::command]
pub async fn session(home: State<'_, Home>) -> Answer<Option<Session>> {
    with_store(&home, |s| app::session(s)).await
}

#[tauri::command]
pub async fn enroll(
    home: State<'_, Home>,
    server: String,
    username: String,
    password: String,
) -> Answer<Session> {
    with_store(&home, move |s| {
        app::enroll(s, &server, &username, &password)
    })
    .await
}

#[tauri::command]
pub async fn sign_out(home: State<'_, Home>, force: bool) -> Answer<()> {
    with_store(&home, move |s| app::sign_out(s, force)).await
}

#[tauri::command]
pub async fn grids(home: State<'_, Home>) -> Answer<Vec<GridNode>> {
    with_store(&home, |s| app::grids(s)).await
}

#[tauri::command]
pub async fn points(home: State<'_, Home>) -> Answer<Vec<PointView>> {
    with_store(&home, |s| app::points(s, Utc::now())).await
}

#[tauri::command]
pub async fn hazards(home: State<'_, Home>) -> Answer<Vec<HazardView>> {
    with_store(&home, |s| app::hazards(s)).await
}

#[tauri::command]
pub async fn hazard(home: State<'_, Home>, id: HazardId) -> Answer<HazardDetail> {
    with_store(&home, move |s| {
        app::hazard(s, id)?.ok_or_else(|| AppError::Input(format!("no hazard {id} on this phone")))
    })
    .await
}

/// The camera's bytes arrive as the raw request body.
#[tauri::command]
pub async fn add_photo(home: State<'_, Home>, request: Request<'_>) -> Answer<PhotoRef> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err("add_photo expects the image bytes as the request body".into());
    };
    let bytes = bytes.clone();
    with_store(&home, move |s| {
        app::add_photo(s, &bytes, &PhotoLimits::default())
    })
    .await
}

#[tauri::command]
pub async fn photo_thumb(home: State<'_, Home>, hash: PhotoHash) -> Answer<Option<String>> {
    with_store(&home, move |s| Ok(app::photo_thumb(s, &hash))).await
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn add_hazard(
    home: State<'_, Home>,
    grid: GridCode,
    sector: Sector,
    level: HazardLevel,
    description: String,
    place: Option<String>,
    location: Option<Location>,
    photos: Vec<PhotoHash>,
) -> Answer<String> {
    let h = NewHazard {
        grid,
        sector,
        level,
        description,
        place,
        location,
        photos,
    };
    with_store(&home, move |s| app::add_hazard(s, h)).await
}

#[tauri::command]
pub async fn rectify(
    home: State<'_, Home>,
    hazard: HazardId,
    note: String,
    location: Option<Location>,
    photos: Vec<PhotoHash>,
) -> Answer<String> {
    let r = NewRectification {
        hazard,
        note,
        location,
        photos,
    };
    with_store(&home, move |s| app::rectify(s, r)).await
}

#[tauri::command]
pub async fn add_check(
    home: State<'_, Home>,
    point: PointCode,
    verdict: Verdict,
    readings: Readings,
    note: Option<String>,
    location: Option<Location>,
    photos: Vec<PhotoHash>,
) -> Answer<String> {
    let c = NewCheck {
        point,
        verdict,
        readings,
        note,
        location,
        photos,
    };
    with_store(&home, move |s| app::add_check(s, c)).await
}

#[tauri::command]
pub async fn suggest_verdict(
    home: State<'_, Home>,
    point: PointCode,
    readings: Readings,
) -> Answer<Verdict> {
    with_store(&home, move |s| app::suggest_verdict(s, &point, &readings)).await
}

#[tauri::command]
pub async fn sync(home: State<'_, Home>) -> Answer<SyncReport> {
    with_store(&home, app::sync).await
}

#[tauri::command]
pub async fn sync_status(home: State<'_, Home>) -> Answer<SyncStatus> {
    with_store(&home, |s| app::sync_status(s)).await
}

#[tauri::command]
pub async fn outbox(home: State<'_, Home>) -> Answer<Vec<OutboxItem>> {
    with_store(&home, |s| app::outbox(s)).await
}

#[tauri::command]
pub async fn tasks(home: State<'_, Home>) -> Answer<Vec<TaskView>> {
    with_store(&home, |s| app::tasks(s, Utc::now())).await
}

#[tauri::command]
pub async fn task(home: State<'_, Home>, id: TaskId) -> Answer<Option<TaskView>> {
    with_store(&home, move |s| app::task(s, id, Utc::now())).await
}

#[tauri::command]
pub async fn records(home: State<'_, Home>) -> Answer<Vec<RecordView>> {
    with_store(&home, |s| app::records(s)).await
}

#[tauri::command]
pub async fn add_task_check(home: State<'_, Home>, check: NewTaskCheck) -> Answer<TaskCheckSaved> {
    with_store(&home, move |s| app::add_task_check(s, check)).await
}

#[tauri::command]
pub async fn add_meeting(home: State<'_, Home>, meeting: NewMeeting) -> Answer<String> {
    with_store(&home, move |s| app::add_meeting(s, meeting)).await
}

#[tauri::command]
pub async fn add_banquet(home: State<'_, Home>, banquet: NewBanquet) -> Answer<String> {
    with_store(&home, move |s| app::add_banquet(s, banquet)).await
}

#[tauri::command]
pub async fn add_promise(home: State<'_, Home>, promise: NewPromise) -> Answer<String> {
    with_store(&home, move |s| app::add_promise(s, promise)).await
}

#[tauri::command]
pub async fn add_accident(home: State<'_, Home>, accident: NewAccident) -> Answer<String> {
    with_store(&home, move |s| app::add_accident(s, accident)).await
}
