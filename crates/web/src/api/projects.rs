//! Projects, their stage events and the period figures over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kaifaqu_domain::Permission;
use kaifaqu_domain::money::Wan;
use kaifaqu_store::Page;
use kaifaqu_store::events::{self, EventForm, ProjectEvent};
use kaifaqu_store::figures::{self, PeriodFigures};
use kaifaqu_store::projects::{self, Project, ProjectFilter, ProjectForm};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/projects", get(Need::READ, list_projects).post(Need::WRITE, create_project))
        .route("/projects/by-stage", get(Need::READ, projects_by_stage))
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

/// One stage of the filtered ledger, with the links to the projects behind its figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StageRow {
    /// The stage code (planning, negotiating, signed, landed, started, producing), or "none" for
    /// the projects whose stage is not recorded yet — the value of the list's `stage` filter.
    #[schema(example = "started")]
    pub stage: String,
    /// 谋划 … 投产, or 未录入.
    pub label: String,
    /// Projects matching the filter at this stage.
    pub count: u64,
    /// Their 总投资 in 万元.
    pub investment: Wan,
    /// These projects: `/api/v1/projects` with the same filter and this stage.
    pub href: String,
    /// The same list as a page of the ledger (`/projects?…`).
    pub page: String,
}

/// The ledger counted and summed by stage, in pipeline order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ByStage {
    /// 谋划 … 投产, then 未录入; every stage present (0 when none).
    pub stages: Vec<StageRow>,
    /// All projects matching the filter (every stage).
    pub count: u64,
    /// Their 总投资 in 万元.
    pub investment: Wan,
}

/// The projects matching the list's filter, counted and their investment summed by stage (one
/// `GROUP BY stage`). The same query parameters as `/api/v1/projects`; `stage`, `sort`, `page`
/// and `per_page` are ignored (every stage is counted; each row links to its own stage's list).
#[utoipa::path(get, path = "/api/v1/projects/by-stage", tag = "项目", params(ProjectFilter), responses((status = 200, body = ByStage)))]
pub async fn projects_by_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ProjectFilter>,
) -> AppResult<Json<ByStage>> {
    let groups = projects::by_stage(&state.db, &user.actor().scope(), user.zone_id()?, &f).await?;
    let stages: Vec<StageRow> = groups
        .into_iter()
        .map(|g| StageRow {
            href: crate::features::projects::stage_href("/api/v1/projects", &f, &g.stage),
            page: crate::features::projects::stage_href("/projects", &f, &g.stage),
            stage: g.stage,
            label: g.label,
            count: g.count,
            investment: g.investment,
        })
        .collect();
    Ok(Json(ByStage {
        count: stages.iter().map(|s| s.count).sum(),
        investment: stages.iter().map(|s| s.investment).sum(),
        stages,
    }))
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
