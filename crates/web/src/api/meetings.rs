//! Dispatch meetings (调度会) and their decisions over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::meetings::{self, Decision, DecisionForm, Meeting, MeetingForm};
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::error::AppResult;
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/meetings", get(Need::READ, list_meetings).post(Need::WRITE, create_meeting))
        .route("/meetings/{id}", get(Need::READ, get_meeting))
        .route("/meetings/{id}/decisions", post(Need::WRITE, add_decision))
}

/// Filters of the meeting list, newest first.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Only meetings that discussed this project.
    pub project: Option<i64>,
    pub page: Option<u64>,
    /// Rows per page, 1–500 (default 50).
    pub limit: Option<u64>,
}

/// A meeting with its decisions and what became of each.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub decisions: Vec<Decision>,
}

#[utoipa::path(get, path = "/api/v1/meetings", tag = "调度会", params(MeetingQuery),
    responses((status = 200, body = Page<Meeting>), (status = 400, body = super::ApiError)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<MeetingQuery>,
) -> AppResult<Json<Page<Meeting>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: q.page, limit: q.limit }.checked()?;
    Ok(Json(meetings::list(&state.db, &user.actor().scope(), zone, q.project, page, limit).await?))
}

/// `project_ids`: the ids (as strings) of the projects discussed.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "调度会", request_body = MeetingForm,
    responses((status = 201, body = Meeting), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<MeetingForm>,
) -> AppResult<(StatusCode, Json<Meeting>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let m = meetings::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "调度会", params(("id" = i64, Path, description = "调度会 id")),
    responses((status = 200, body = MeetingDetail), (status = 404, body = super::ApiError)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<MeetingDetail>> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let meeting = meetings::get(&state.db, &scope, id).await?;
    let decisions = meetings::decisions(&state.db, &scope, id).await?;
    Ok(Json(MeetingDetail { meeting, decisions }))
}

/// `action`: "" (record only), "open" (open a problem: `category` required, plus
/// `department_id`, `person`, `deadline`) or "assign" (hand over the open `problem_id`).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/decisions", tag = "调度会", params(("id" = i64, Path, description = "调度会 id")),
    request_body = DecisionForm,
    responses((status = 201, body = Decision), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_decision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<DecisionForm>,
) -> AppResult<(StatusCode, Json<Decision>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let d = meetings::add_decision(&state.db, &user.actor(), id, &f).await?;
    Ok((StatusCode::CREATED, Json(d)))
}
