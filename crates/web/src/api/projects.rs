//! Projects, their stage events and the period figures over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::events::{self, EventForm, ProjectEvent};
use kaifaqu_store::figures::{self, PeriodFigures};
use kaifaqu_store::projects::{self, Project, ProjectFilter, ProjectForm};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/projects", get(Need::READ, list_projects).post(Need::WRITE, create_project))
        .route("/projects/{id}", get(Need::READ, get_project).put(Need::WRITE, update_project))
        .route("/projects/{id}/events", get(Need::READ, list_events).post(Need::WRITE, add_event))
        .route("/figures", get(Need::READ, period_figures))
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "项目", params(ProjectFilter), responses((status = 200, body = Page<Project>)))]
pub async fn list_projects(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ProjectFilter>,
) -> AppResult<Json<Page<Project>>> {
    if f.per_page.is_some_and(|n| n > 500) {
        return Err(AppError::BadRequest("per_page 不能超过 500".into()));
    }
    Ok(Json(projects::list(&state.db, &user.actor().scope(), user.zone_id()?, &f).await?))
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "项目", request_body = ProjectForm,
    responses((status = 201, body = Project), (status = 422, body = super::ApiError)))]
pub async fn create_project(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<ProjectForm>,
) -> AppResult<(StatusCode, Json<Project>)> {
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(projects::create(&state.db, &user.actor(), &f).await?)))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "项目", responses((status = 200, body = Project), (status = 404, body = super::ApiError)))]
pub async fn get_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Project>> {
    Ok(Json(projects::get(&state.db, &user.actor().scope(), id).await?))
}

/// Saves an edit; `version` must be the version that was read (else 422, field `version`).
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "项目", request_body = ProjectForm,
    responses((status = 200, body = Project), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<ProjectForm>,
) -> AppResult<Json<Project>> {
    user.require(Permission::Write)?;
    Ok(Json(projects::update(&state.db, &user.actor(), id, &f).await?))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}/events", tag = "项目", responses((status = 200, body = Vec<ProjectEvent>)))]
pub async fn list_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<ProjectEvent>>> {
    Ok(Json(events::list(&state.db, &user.actor().scope(), id).await?))
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/events", tag = "项目", request_body = EventForm,
    responses((status = 201, body = ProjectEvent), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<EventForm>,
) -> AppResult<(StatusCode, Json<ProjectEvent>)> {
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(events::add(&state.db, &user.actor(), id, &f).await?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, YYYY-MM-DD.
    pub from: NaiveDate,
    /// Last day, YYYY-MM-DD.
    pub to: NaiveDate,
}

/// Contacts and projects reaching each stage in [from, to], by team, channel and chain.
#[utoipa::path(get, path = "/api/v1/figures", tag = "项目", params(RangeQuery), responses((status = 200, body = PeriodFigures)))]
pub async fn period_figures(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<RangeQuery>,
) -> AppResult<Json<PeriodFigures>> {
    if q.from > q.to {
        return Err(AppError::BadRequest("截止日期不能早于起始日期".into()));
    }
    Ok(Json(figures::period(&state.db, &user.actor().scope(), user.zone_id()?, q.from, q.to).await?))
}
