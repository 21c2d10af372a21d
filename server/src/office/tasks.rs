//! Inspection tasks (检查任务): the office issues them, phones cover their
//! targets, and the list shows each task's coverage and whether it is
//! overdue (past its due date with targets still uncovered).

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use gridsafe_core::event::{TaskCreated, TaskTarget};
use gridsafe_core::task::TaskState;
use gridsafe_core::{
    ChecklistItem, EventBody, GridCode, Lang, Sector, StableKey, TaskId, TaskKind, TaskStatus,
};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::calendar::today;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::office::hazards::{PhotoRef, photo_ref};
use crate::office::records::RecordEvent;
use crate::office::{append_office_event, scoped_grids};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TaskQuery {
    /// Tasks issued in this grid or below, or with a target there.
    #[param(value_type = Option<String>)]
    pub grid: Option<GridCode>,
    /// `open`, `done` or `overdue`.
    #[param(value_type = Option<String>)]
    pub status: Option<TaskStatus>,
}

/// A task with its status today and how many targets are covered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskItem {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub task: TaskState,
    #[schema(value_type = String)]
    pub status: TaskStatus,
    pub status_label: &'static str,
    pub targets_total: usize,
    pub targets_covered: usize,
    /// Days past the due date, for an overdue task (督办 escalation).
    pub days_overdue: i64,
}

fn item(task: TaskState, today: NaiveDate) -> TaskItem {
    let status = task.status(today);
    TaskItem {
        status,
        status_label: status.label(Lang::ZhCn),
        targets_total: task.targets.len(),
        targets_covered: task.covered(),
        days_overdue: if status == TaskStatus::Overdue {
            (today - task.due).num_days()
        } else {
            0
        },
        task,
    }
}

/// Tasks in the caller's grids, nearest due date first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "records", params(TaskQuery),
    responses((status = 200, body = Vec<TaskItem>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<TaskQuery>,
) -> Result<Json<Vec<TaskItem>>, ApiError> {
    let catalog = st.catalog().await?;
    let grids = scoped_grids(&catalog, &caller, q.grid.as_ref())?;
    let tasks = st.blocking(move |s| s.tasks(grids.as_deref())).await?;
    let day = today();
    Ok(Json(
        tasks
            .into_iter()
            .map(|t| item(t, day))
            .filter(|t| q.status.is_none_or(|s| s == t.status))
            .collect(),
    ))
}

/// What the office fills in to issue a task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    #[schema(value_type = String)]
    pub kind: TaskKind,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub sector: Option<Sector>,
    pub title: String,
    #[schema(value_type = String)]
    pub grid: GridCode,
    /// `[{kind: "grid"|"point", code}]`.
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<TaskTarget>,
    pub due: NaiveDate,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub items: Vec<ChecklistItem>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Issues a task; phones of the targets' grids receive it on their next pull.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "records", request_body = NewTask,
    responses(
        (status = 201, body = TaskDetail),
        (status = 403, description = "not the office, or a grid outside the caller's"),
        (status = 422, description = "validation, with field errors"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(t): ApiJson<NewTask>,
) -> Result<(axum::http::StatusCode, Json<TaskDetail>), ApiError> {
    let id = TaskId::new();
    let body = EventBody::TaskCreated(TaskCreated {
        task: id,
        kind: t.kind,
        sector: t.sector,
        title: t.title,
        grid: t.grid,
        targets: t.targets,
        due: t.due,
        items: t.items,
        note: t.note,
    });
    append_office_event(&st, &caller, body).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(load(&st, &caller, id).await?),
    ))
}

/// A task, its targets, the checks against them and their photos.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub item: TaskItem,
    pub events: Vec<RecordEvent>,
    pub photos: Vec<PhotoRef>,
}

async fn load(st: &AppState, caller: &Caller, id: TaskId) -> Result<TaskDetail, ApiError> {
    let catalog = st.catalog().await?;
    let found = st.blocking(move |s| s.task(id)).await?;
    let not_found = || ApiError::NotFound(format!("no task {id} in your grids"));
    let (state, trail) = found.ok_or_else(not_found)?;
    let visible = caller.scope.covers(&catalog.tree, &state.grid)
        || state.targets.iter().any(|t| match &t.target {
            TaskTarget::Grid(g) => caller.scope.covers(&catalog.tree, g),
            TaskTarget::Point(p) => catalog
                .points
                .get(p)
                .is_some_and(|p| caller.scope.covers(&catalog.tree, &p.grid)),
        });
    if !visible {
        return Err(not_found());
    }
    // Each event only to those who see its grid or a grid it reaches, as a
    // pull would: a target's check is not shown to another target's grid.
    let sees = |g: &GridCode| caller.scope.covers(&catalog.tree, g);
    let trail: Vec<_> = trail
        .into_iter()
        .filter(|t| {
            t.event.body.grid().is_some_and(sees)
                || t.event
                    .body
                    .reaches(|p| catalog.points.get(p).map(|p| p.grid.clone()))
                    .iter()
                    .any(sees)
        })
        .collect();
    let photos = trail
        .iter()
        .flat_map(|t| t.event.body.photos().iter().map(|p| photo_ref(p, "check")))
        .collect();
    Ok(TaskDetail {
        item: item(state, today()),
        events: trail.into_iter().map(RecordEvent::from).collect(),
        photos,
    })
}

/// One task with its trail.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "records",
    params(("id" = String, Path, description = "the task id")),
    responses((status = 200, body = TaskDetail), (status = 404, description = "not_found")),
    security(("bearer" = [])))]
pub async fn detail(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TaskDetail>, ApiError> {
    let id: TaskId = id
        .parse()
        .map_err(|e: gridsafe_core::IdError| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(load(&st, &caller, id).await?))
}
