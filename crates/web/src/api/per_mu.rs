//! 亩均效益评价 over JSON: the year's evaluation (ranks, grades, distribution), the scheme
//! (read; replace after validation) and the enterprises' figures (list; add one).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_domain::per_mu::Scheme;
use kaifaqu_store::per_mu::{self, Evaluation, Record, RecordForm, SchemeInfo};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/per-mu/evaluation", get(Need::READ, evaluation))
        .route("/per-mu/scheme", get(Need::READ, get_scheme).put(Need::WRITE, put_scheme))
        .route("/per-mu/records", get(Need::READ, list_records).post(Need::WRITE, create_record))
}

#[derive(OpenApi)]
#[openapi(paths(evaluation, get_scheme, put_scheme, list_records, create_record))]
pub struct Doc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParam {
    /// The evaluated year, 2000–2099.
    #[param(minimum = 2000, maximum = 2099)]
    pub year: i32,
}

fn year(q: &YearParam) -> Result<i32, AppError> {
    if (2000..=2099).contains(&q.year) {
        Ok(q.year)
    } else {
        Err(AppError::BadRequest("year 应在 2000 到 2099 之间".into()))
    }
}

/// Every enterprise of the year with its inputs, derived values (`value_x100`, 0.01 of the
/// unit; `null` when not computable, with `note`), indicator scores and total (0.01 points),
/// rank (ties share one), grade (A–D, or `none` = 不定等级 with `reason`), and the distribution.
#[utoipa::path(get, path = "/api/v1/per-mu/evaluation", tag = "亩均效益评价", params(YearParam),
    responses((status = 200, body = Evaluation), (status = 400, body = super::ApiError)))]
pub async fn evaluation(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearParam>,
) -> AppResult<Json<Evaluation>> {
    let zone = user.zone_id()?;
    Ok(Json(per_mu::evaluate(&state.db, &user.actor().scope(), zone, year(&q)?).await?))
}

/// The scheme in force for the year (`saved` false: the previous year's or the preset).
#[utoipa::path(get, path = "/api/v1/per-mu/scheme", tag = "亩均效益评价", params(YearParam),
    responses((status = 200, body = SchemeInfo), (status = 400, body = super::ApiError)))]
pub async fn get_scheme(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearParam>,
) -> AppResult<Json<SchemeInfo>> {
    let zone = user.zone_id()?;
    Ok(Json(per_mu::scheme(&state.db, &user.actor().scope(), zone, year(&q)?).await?))
}

/// Replaces the year's scheme. Weights (`weight_x100`, 0.01 points) must sum to 10000, bands
/// (0.01 %) to 10000, benchmarks (0.01 of the unit) be positive, `cap_x100` 100–1000; otherwise
/// 422 naming the field (`weights`, `bands`, `benchmark_<indicator>` …) and nothing is saved.
#[utoipa::path(put, path = "/api/v1/per-mu/scheme", tag = "亩均效益评价", params(YearParam), request_body = Scheme,
    responses((status = 200, body = SchemeInfo), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn put_scheme(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearParam>,
    AppJson(s): AppJson<Scheme>,
) -> AppResult<Json<SchemeInfo>> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    Ok(Json(per_mu::save_scheme(&state.db, &user.actor(), zone, year(&q)?, &s).await?))
}

/// The enterprises' figures of the year (0.01 亩, 0.01 万元, 0.01 吨标准煤, persons).
#[utoipa::path(get, path = "/api/v1/per-mu/records", tag = "亩均效益评价", params(YearParam),
    responses((status = 200, body = Vec<Record>), (status = 400, body = super::ApiError)))]
pub async fn list_records(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearParam>,
) -> AppResult<Json<Vec<Record>>> {
    let zone = user.zone_id()?;
    Ok(Json(per_mu::list(&state.db, &user.actor().scope(), zone, year(&q)?).await?))
}

/// Adds one enterprise's figures for `year` (decimal text in 亩, 万元, 吨标准煤; at most 2
/// decimals). One record per enterprise and year.
#[utoipa::path(post, path = "/api/v1/per-mu/records", tag = "亩均效益评价", request_body = RecordForm,
    responses((status = 201, body = Record), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_record(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<RecordForm>,
) -> AppResult<(StatusCode, Json<Record>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let r = per_mu::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(r)))
}
