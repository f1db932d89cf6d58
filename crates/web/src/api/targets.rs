//! 年度目标 over JSON: the targets of a year, a target with its route, create / edit / delete,
//! the route edit, and the evaluation of a year on a date (actuals computed from records, each
//! with the link to them; milestone, completion, ahead/behind, projection, status and reason).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::targets::{self, RouteForm, Target, TargetDetail, TargetForm, TargetStatus};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, put};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/targets", get(Need::READ, list_targets).post(Need::WRITE, create_target))
        .route("/targets/evaluation", get(Need::READ, evaluation))
        .route(
            "/targets/{id}",
            get(Need::READ, get_target).put(Need::WRITE, update_target).delete(Need::WRITE, delete_target),
        )
        .route("/targets/{id}/route", put(Need::WRITE, set_route))
}

#[derive(OpenApi)]
#[openapi(paths(list_targets, create_target, evaluation, get_target, update_target, delete_target, set_route))]
pub struct Doc;

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year (default: this year).
    pub year: String,
    /// The evaluation date, YYYY-MM-DD (default: today, kept within the year).
    pub as_of: String,
}

/// The year and date of a query; malformed values are a 422 naming the field.
fn year_and_date(year: &str, as_of: &str, fixed_year: Option<i32>) -> AppResult<(i32, chrono::NaiveDate)> {
    targets::year_and_date(year, as_of, fixed_year).map_err(AppError::Invalid)
}

/// The targets of a year with their routes.
#[utoipa::path(get, path = "/api/v1/targets", tag = "年度目标", params(YearQuery),
    responses((status = 200, body = Vec<Target>), (status = 422, body = super::ApiError)))]
pub async fn list_targets(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Json<Vec<Target>>> {
    let zone = user.zone_id()?;
    let (year, _) = year_and_date(&q.year, &q.as_of, None)?;
    Ok(Json(targets::list(&state.db, &user.actor().scope(), zone, year).await?))
}

/// Creates a target bound to a metric the system computes, with the even route. `metric`
/// is a code (stage_count, stage_investment, contacts, indicator_value, indicator_growth,
/// parcels, parcel_area, plant_area, commitment_projects, agency_projects, inspections,
/// rectification_rate); `param` the stage (signed / landed / started / producing) or the
/// indicator id where needed; `target_value` as typed in the metric's unit (个, 亿元, 亩,
/// 万平方米, the indicator's unit, %), greater than 0.
#[utoipa::path(post, path = "/api/v1/targets", tag = "年度目标", request_body = TargetForm,
    responses((status = 201, body = Target), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_target(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<TargetForm>,
) -> AppResult<(StatusCode, Json<Target>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(targets::create(&state.db, &user.actor(), &f).await?)))
}

/// Every target of the year judged on `as_of`.
#[utoipa::path(get, path = "/api/v1/targets/evaluation", tag = "年度目标", params(YearQuery),
    responses((status = 200, body = Vec<TargetStatus>), (status = 422, body = super::ApiError)))]
pub async fn evaluation(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Json<Vec<TargetStatus>>> {
    let zone = user.zone_id()?;
    let (year, as_of) = year_and_date(&q.year, &q.as_of, None)?;
    Ok(Json(targets::evaluate(&state.db, &user.actor().scope(), zone, year, as_of).await?))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The evaluation date, YYYY-MM-DD (default: today, kept within the target's year).
    pub as_of: String,
}

/// A target judged on `as_of`, with its 12-month route beside the actual at each month end.
#[utoipa::path(get, path = "/api/v1/targets/{id}", tag = "年度目标", params(("id" = i64, Path, description = "目标 id"), AsOfQuery),
    responses((status = 200, body = TargetDetail), (status = 404, body = super::ApiError)))]
pub async fn get_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(q): AppQuery<AsOfQuery>,
) -> AppResult<Json<TargetDetail>> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let t = targets::get(&state.db, &scope, id).await?;
    let (_, as_of) = year_and_date("", &q.as_of, Some(t.year))?;
    Ok(Json(targets::detail(&state.db, &scope, id, as_of).await?))
}

/// Replaces the target's fields (send them all). A changed metric, param or value resets the
/// route to the even split. `version` as read is required: a stale one is refused with 409 and
/// changes nothing.
#[utoipa::path(put, path = "/api/v1/targets/{id}", tag = "年度目标", params(("id" = i64, Path, description = "目标 id")),
    request_body = TargetForm,
    responses((status = 200, body = Target), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<TargetForm>,
) -> AppResult<Json<Target>> {
    user.zone_id()?;
    targets::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    super::require_version(&f.version)?;
    Ok(Json(targets::update(&state.db, &user.actor(), id, &f).await?))
}

#[utoipa::path(delete, path = "/api/v1/targets/{id}", tag = "年度目标", params(("id" = i64, Path, description = "目标 id")),
    responses((status = 204), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn delete_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    user.zone_id()?;
    targets::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    targets::delete(&state.db, &user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the route: 12 values (January first) in the target's unit. Cumulative targets never
/// decrease; month 12 equals the target; none negative. Refused with the month (`m1` … `m12`).
/// `version` as read is required (422 without it); a stale one is refused with 409.
#[utoipa::path(put, path = "/api/v1/targets/{id}/route", tag = "年度目标", params(("id" = i64, Path, description = "目标 id")),
    request_body = RouteForm,
    responses((status = 200, body = Target), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn set_route(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<RouteForm>,
) -> AppResult<Json<Target>> {
    user.zone_id()?;
    targets::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    super::require_version(&f.version)?;
    Ok(Json(targets::set_route(&state.db, &user.actor(), id, &f).await?))
}
