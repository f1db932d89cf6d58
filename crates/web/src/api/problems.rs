//! The problem ledger (问题台账) over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::problems::{self, Problem, ProblemFilter, ProblemForm};

use super::Paging;
use crate::error::AppResult;
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/problems", get(Need::READ, list_problems).post(Need::WRITE, create_problem))
        .route("/problems/{id}", get(Need::READ, get_problem).put(Need::WRITE, update_problem))
}

/// The filters of the page `/problems` (status also "unclosed"), overdue first; `limit` (or `per_page`) 1–500.
#[utoipa::path(get, path = "/api/v1/problems", tag = "问题台账", params(ProblemFilter),
    responses((status = 200, body = Page<Problem>), (status = 400, body = super::ApiError)))]
pub async fn list_problems(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<ProblemFilter>,
) -> AppResult<Json<Page<Problem>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(problems::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

#[utoipa::path(post, path = "/api/v1/problems", tag = "问题台账", request_body = ProblemForm,
    responses((status = 201, body = Problem), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_problem(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<ProblemForm>,
) -> AppResult<(StatusCode, Json<Problem>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let p = problems::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(get, path = "/api/v1/problems/{id}", tag = "问题台账", params(("id" = i64, Path, description = "问题 id")),
    responses((status = 200, body = Problem), (status = 404, body = super::ApiError)))]
pub async fn get_problem(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Problem>> {
    user.zone_id()?;
    Ok(Json(problems::get(&state.db, &user.actor().scope(), id).await?))
}

/// The whole record (as on the edit page): `reason` is required for unresolvable, `resolution`
/// for resolved; a closed problem cannot change status. `version` as read is required: a stale
/// one is refused with 409 and changes nothing.
#[utoipa::path(put, path = "/api/v1/problems/{id}", tag = "问题台账", params(("id" = i64, Path, description = "问题 id")),
    request_body = ProblemForm,
    responses((status = 200, body = Problem), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_problem(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<ProblemForm>,
) -> AppResult<Json<Problem>> {
    user.zone_id()?;
    problems::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    super::require_version(&f.version)?;
    Ok(Json(problems::update(&state.db, &user.actor(), id, &f).await?))
}
