//! 安全生产 over JSON: the hazard ledger and its steps, inspections and the period figures.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::hazards::{self, Hazard, HazardFilter, HazardForm, Step, StepForm};
use kaifaqu_store::inspections::{self, Inspection, InspectionFilter, InspectionForm};
use kaifaqu_store::safety_figures::{self, SafetyFigures};
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/hazards", get(Need::READ, list_hazards).post(Need::WRITE, create_hazard))
        .route("/hazards/{id}", get(Need::READ, get_hazard))
        .route("/hazards/{id}/steps", post(Need::WRITE, add_step))
        .route("/inspections", get(Need::READ, list_inspections).post(Need::WRITE, create_inspection))
        .route("/safety/figures", get(Need::READ, safety_figures))
}

/// A hazard with every step of its loop.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HazardDetail {
    #[serde(flatten)]
    pub hazard: Hazard,
    pub steps: Vec<Step>,
}

/// The filters of the page `/safety/hazards` (status also "open"; overdue=1), newest first;
/// `limit` (or `per_page`) 1–500.
#[utoipa::path(get, path = "/api/v1/hazards", tag = "安全生产", params(HazardFilter),
    responses((status = 200, body = Page<Hazard>), (status = 400, body = super::ApiError)))]
pub async fn list_hazards(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<HazardFilter>,
) -> AppResult<Json<Page<Hazard>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(hazards::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// Registers a hazard found by the caller. A `major` hazard needs the whole plan
/// (`plan_responsibility`, `plan_measures`, `plan_funds`, `plan_deadline`, `plan_contingency`)
/// and the `supervisor` (挂牌督办单位).
#[utoipa::path(post, path = "/api/v1/hazards", tag = "安全生产", request_body = HazardForm,
    responses((status = 201, body = Hazard), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_hazard(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<HazardForm>,
) -> AppResult<(StatusCode, Json<Hazard>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let h = hazards::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(h)))
}

#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "安全生产", params(("id" = i64, Path, description = "隐患 id")),
    responses((status = 200, body = HazardDetail), (status = 404, body = super::ApiError)))]
pub async fn get_hazard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<HazardDetail>> {
    user.zone_id()?;
    let (hazard, steps) = hazards::get(&state.db, &user.actor().scope(), id).await?;
    Ok(Json(HazardDetail { hazard, steps }))
}

/// One step: `start`, `submit` (note required), `pass` (not by the person who submitted the
/// fix: 双人复核), `reject`, or `extend` (note and a later `new_deadline` required).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/steps", tag = "安全生产", params(("id" = i64, Path, description = "隐患 id")),
    request_body = StepForm,
    responses((status = 201, body = Step), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<StepForm>,
) -> AppResult<(StatusCode, Json<Step>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let s = hazards::step(&state.db, &user.actor(), id, &f).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Inspections by enterprise and date, newest first; `limit` (or `per_page`) 1–500.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "安全生产", params(InspectionFilter),
    responses((status = 200, body = Page<Inspection>), (status = 400, body = super::ApiError)))]
pub async fn list_inspections(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<InspectionFilter>,
) -> AppResult<Json<Page<Inspection>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(inspections::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// `inspector_ids`: the ids (as strings) of the inspecting users of the zone, at least one.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "安全生产", request_body = InspectionForm,
    responses((status = 201, body = Inspection), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<InspectionForm>,
) -> AppResult<(StatusCode, Json<Inspection>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let i = inspections::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SafetyRange {
    /// First day, YYYY-MM-DD.
    pub from: NaiveDate,
    /// Last day, YYYY-MM-DD.
    pub to: NaiveDate,
}

/// Inspections (家次, 家), hazards by level and category, closed, 整改率 (hundredths of a
/// percent), overdue, supervised major hazards and weekly compliance for [from, to].
#[utoipa::path(get, path = "/api/v1/safety/figures", tag = "安全生产", params(SafetyRange),
    responses((status = 200, body = SafetyFigures), (status = 400, body = super::ApiError), (status = 422, description = "日期超出可统计的范围（1900 年至 2100 年）", body = super::ApiError)))]
pub async fn safety_figures(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<SafetyRange>,
) -> AppResult<Json<SafetyFigures>> {
    if q.from > q.to {
        return Err(AppError::BadRequest("截止日期不能早于起始日期".into()));
    }
    Ok(Json(safety_figures::period(&state.db, &user.actor().scope(), user.zone_id()?, q.from, q.to).await?))
}
