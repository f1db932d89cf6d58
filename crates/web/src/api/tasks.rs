//! 重点工作任务 over JSON: the task list with its filters, assigning and changing a task, one
//! task with its timetable and steps, a step (报送进展, 提交办结, 审核销号, 退回) and the
//! timetable's milestones — the same store calls, rights and refusals as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::tasks::{self, Milestone, MilestoneForm, Step, StepForm, Task, TaskFilter, TaskForm};
use serde::Serialize;
use utoipa::OpenApi;

use super::Paging;
use crate::error::AppResult;
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post, put};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/tasks", get(Need::READ, list_tasks).post(Need::WRITE, create_task))
        .route("/tasks/{id}", get(Need::READ, get_task).put(Need::WRITE, update_task))
        .route("/tasks/{id}/steps", post(Need::WRITE, add_step))
        .route("/tasks/{id}/milestones", post(Need::WRITE, add_milestone))
        .route("/tasks/{id}/milestones/{mid}", put(Need::WRITE, update_milestone))
}

#[derive(OpenApi)]
#[openapi(paths(list_tasks, create_task, get_task, update_task, add_step, add_milestone, update_milestone))]
pub struct Doc;

/// The zone's tasks, by deadline; filters as on `/tasks` (status also "open"; overdue=1);
/// `limit` 1–500.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "重点工作任务", params(TaskFilter),
    responses((status = 200, body = Page<Task>), (status = 400, body = super::ApiError)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<TaskFilter>,
) -> AppResult<Json<Page<Task>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(tasks::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// Assigns a task: a responsible department and a lead leader are required; the deadline is a
/// date or `deadline_days` working days from `assigned_date` on the zone's calendar; the
/// timetable's milestones (`milestones`, one "2025-09-30 节点" a line) lie inside it.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "重点工作任务", request_body = TaskForm,
    responses((status = 201, body = Task), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_task(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<TaskForm>,
) -> AppResult<(StatusCode, Json<Task>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(tasks::create(&state.db, &user.actor(), &f).await?)))
}

/// A task with its timetable and its steps.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: Task,
    pub milestones: Vec<Milestone>,
    pub steps: Vec<Step>,
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "重点工作任务", params(("id" = i64, Path, description = "任务 id")),
    responses((status = 200, body = TaskDetail), (status = 404, body = super::ApiError)))]
pub async fn get_task(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<TaskDetail>> {
    user.zone_id()?;
    let (task, milestones, steps) = tasks::get(&state.db, &user.actor().scope(), id).await?;
    Ok(Json(TaskDetail { task, milestones, steps }))
}

/// Changes a task (not its status or timetable); `version` guards against overwriting another
/// change; a closed task is not changed.
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "重点工作任务", params(("id" = i64, Path, description = "任务 id")),
    request_body = TaskForm,
    responses((status = 200, body = Task), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_task(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<TaskForm>,
) -> AppResult<Json<Task>> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok(Json(tasks::update(&state.db, &user.actor(), id, &f).await?))
}

/// One step: `progress` (note required) and `submit` by the responsible department, `close`
/// and `return` (reason required) by the lead leader; nothing is closed without a submitted
/// review, nothing follows 销号.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/steps", tag = "重点工作任务", params(("id" = i64, Path, description = "任务 id")),
    request_body = StepForm,
    responses((status = 201, body = Step), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<StepForm>,
) -> AppResult<(StatusCode, Json<Step>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(tasks::step(&state.db, &user.actor(), id, &f).await?)))
}

/// Adds a milestone (between the assignment date and the deadline).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/milestones", tag = "重点工作任务", params(("id" = i64, Path, description = "任务 id")),
    request_body = MilestoneForm,
    responses((status = 201, body = Milestone), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_milestone(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<MilestoneForm>,
) -> AppResult<(StatusCode, Json<Milestone>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(tasks::add_milestone(&state.db, &user.actor(), id, &f).await?)))
}

/// Changes a milestone: its text, date, or `done_date` (marks it done).
#[utoipa::path(put, path = "/api/v1/tasks/{id}/milestones/{mid}", tag = "重点工作任务",
    params(("id" = i64, Path, description = "任务 id"), ("mid" = i64, Path, description = "节点 id")),
    request_body = MilestoneForm,
    responses((status = 200, body = Milestone), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_milestone(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, mid)): Path<(i64, i64)>,
    AppJson(f): AppJson<MilestoneForm>,
) -> AppResult<Json<Milestone>> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok(Json(tasks::update_milestone(&state.db, &user.actor(), id, mid, &f).await?))
}
