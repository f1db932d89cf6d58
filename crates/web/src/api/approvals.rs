//! 审批服务 over JSON: the approval-power catalogue, the cases with their steps and
//! commitments, the verification of a commitment and the period figures.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::approval_cases::{
    self, ApprovalFigures, Case, CaseFilter, CaseForm, Commitment, CommitmentForm, StepForm, VerifyForm,
};
use kaifaqu_store::approval_powers::{self, Power, PowerFilter, PowerForm};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::Paging;
use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/approvals/powers", get(Need::READ, list_powers).post(Need::WRITE, create_power))
        .route("/approvals/powers/{id}", get(Need::READ, get_power).put(Need::WRITE, update_power))
        .route("/approvals/cases", get(Need::READ, list_cases).post(Need::WRITE, create_case))
        .route("/approvals/cases/{id}", get(Need::READ, get_case))
        .route("/approvals/cases/{id}/steps", post(Need::WRITE, add_step))
        .route("/approvals/cases/{id}/commitments", post(Need::WRITE, add_commitment))
        .route("/approvals/commitments/{id}/verify", post(Need::WRITE, verify_commitment))
        .route("/approvals/figures", get(Need::READ, figures))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_powers,
    create_power,
    get_power,
    update_power,
    list_cases,
    create_case,
    get_case,
    add_step,
    add_commitment,
    verify_commitment,
    figures
))]
pub struct Doc;

fn paged(page: &mut Option<u64>, per_page: &mut Option<u64>) -> Result<(), AppError> {
    let (p, l) = Paging { page: *page, limit: *per_page }.checked()?;
    *page = Some(p);
    *per_page = Some(l);
    Ok(())
}

/// The catalogue (active powers unless `active=all` or `0`), in 序号 order; `limit` 1–500.
#[utoipa::path(get, path = "/api/v1/approvals/powers", tag = "审批服务", params(PowerFilter),
    responses((status = 200, body = Page<Power>), (status = 400, body = super::ApiError)))]
pub async fn list_powers(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<PowerFilter>,
) -> AppResult<Json<Page<Power>>> {
    let zone = user.zone_id()?;
    paged(&mut f.page, &mut f.per_page)?;
    Ok(Json(approval_powers::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// Adds a power: limits in working days, > 0, promised ≤ statutory; names unique in the zone.
#[utoipa::path(post, path = "/api/v1/approvals/powers", tag = "审批服务", request_body = PowerForm,
    responses((status = 201, body = Power), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_power(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<PowerForm>,
) -> AppResult<(StatusCode, Json<Power>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(approval_powers::create(&state.db, &user.actor(), &f).await?)))
}

#[utoipa::path(get, path = "/api/v1/approvals/powers/{id}", tag = "审批服务", params(("id" = i64, Path, description = "事项 id")),
    responses((status = 200, body = Power), (status = 404, body = super::ApiError)))]
pub async fn get_power(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Power>> {
    user.zone_id()?;
    Ok(Json(approval_powers::get(&state.db, &user.actor().scope(), id).await?))
}

/// Replaces the power's fields; `version` as read is required: a stale one is refused with 409
/// and changes nothing.
#[utoipa::path(put, path = "/api/v1/approvals/powers/{id}", tag = "审批服务", params(("id" = i64, Path, description = "事项 id")),
    request_body = PowerForm,
    responses((status = 200, body = Power), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_power(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<PowerForm>,
) -> AppResult<Json<Power>> {
    user.zone_id()?;
    approval_powers::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    super::require_version(&f.version)?;
    Ok(Json(approval_powers::update(&state.db, &user.actor(), id, &f).await?))
}

/// The ledger with the filters of `/approvals/cases` (status also "open"; overdue=1; on_time=1).
#[utoipa::path(get, path = "/api/v1/approvals/cases", tag = "审批服务", params(CaseFilter),
    responses((status = 200, body = Page<Case>), (status = 400, body = super::ApiError)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<CaseFilter>,
) -> AppResult<Json<Page<Case>>> {
    let zone = user.zone_id()?;
    paged(&mut f.page, &mut f.per_page)?;
    Ok(Json(approval_cases::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// Registers a case: the promised limit is copied from the power and the due date counted in
/// working days on the zone's calendar from acceptance (or receipt).
#[utoipa::path(post, path = "/api/v1/approvals/cases", tag = "审批服务", request_body = CaseForm,
    responses((status = 201, body = Case), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<CaseForm>,
) -> AppResult<(StatusCode, Json<Case>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(approval_cases::create(&state.db, &user.actor(), &f).await?)))
}

/// A case with its commitments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub commitments: Vec<Commitment>,
}

#[utoipa::path(get, path = "/api/v1/approvals/cases/{id}", tag = "审批服务", params(("id" = i64, Path, description = "办件 id")),
    responses((status = 200, body = CaseDetail), (status = 404, body = super::ApiError)))]
pub async fn get_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CaseDetail>> {
    user.zone_id()?;
    let (case, commitments) = approval_cases::get(&state.db, &user.actor().scope(), id).await?;
    Ok(Json(CaseDetail { case, commitments }))
}

/// One step: `accept`, `approve`, `refuse` (note required) or `withdraw`, on `date`.
#[utoipa::path(post, path = "/api/v1/approvals/cases/{id}/steps", tag = "审批服务", params(("id" = i64, Path, description = "办件 id")),
    request_body = StepForm,
    responses((status = 200, body = Case), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<StepForm>,
) -> AppResult<Json<Case>> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok(Json(approval_cases::step(&state.db, &user.actor(), id, &f).await?))
}

/// A commitment of a commitment-based case.
#[utoipa::path(post, path = "/api/v1/approvals/cases/{id}/commitments", tag = "审批服务", params(("id" = i64, Path, description = "办件 id")),
    request_body = CommitmentForm,
    responses((status = 201, body = Commitment), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn add_commitment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<CommitmentForm>,
) -> AppResult<(StatusCode, Json<Commitment>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(approval_cases::add_commitment(&state.db, &user.actor(), id, &f).await?)))
}

/// The verification: `fulfilled` (final) or `unfulfilled` (note required).
#[utoipa::path(post, path = "/api/v1/approvals/commitments/{id}/verify", tag = "审批服务", params(("id" = i64, Path, description = "承诺事项 id")),
    request_body = VerifyForm,
    responses((status = 200, body = Commitment), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn verify_commitment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<VerifyForm>,
) -> AppResult<Json<Commitment>> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok(Json(approval_cases::verify(&state.db, &user.actor(), id, &f).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Range {
    /// First day, YYYY-MM-DD.
    pub from: NaiveDate,
    /// Last day, YYYY-MM-DD.
    pub to: NaiveDate,
}

/// 承诺制 projects, 全代办 projects, cases received / approved / on time / overdue, commitments
/// due / fulfilled / overdue for [from, to], each with the page listing its records.
#[utoipa::path(get, path = "/api/v1/approvals/figures", tag = "审批服务", params(Range),
    responses((status = 200, body = ApprovalFigures), (status = 400, body = super::ApiError)))]
pub async fn figures(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<Range>,
) -> AppResult<Json<ApprovalFigures>> {
    if q.from > q.to {
        return Err(AppError::BadRequest("截止日期不能早于起始日期".into()));
    }
    Ok(Json(approval_cases::figures(&state.db, &user.actor().scope(), user.zone_id()?, q.from, q.to).await?))
}
