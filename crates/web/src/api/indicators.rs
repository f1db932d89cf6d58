//! Indicators over JSON: the catalog, a zone's overview, an indicator's series and the city's
//! ranking table, and saving values (all or nothing).

use axum::Json;
use axum::extract::{Path, State};
use kaifaqu_domain::indicator::Period;
use kaifaqu_store::indicator_values::{self, EntryLine};
use kaifaqu_store::indicator_views::{self, OverviewRow, RankedZone, SeriesRow};
use kaifaqu_store::indicators::{self, Indicator};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/indicators", get(Need::READ, catalog))
        .route("/indicators/overview", get(Need::READ, overview))
        .route("/indicators/values", post(Need::WRITE, save_values))
        .route("/indicators/{id}/series", get(Need::READ, series))
        .route("/indicators/{id}/ranking", get(Need::READ, ranking))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The last month of the year-to-date range, YYYY-MM (2025-05 = 1-5月 2025).
    pub period: String,
}

fn period(q: &PeriodQuery) -> AppResult<Period> {
    Period::parse(&q.period).map_err(|m| AppError::BadRequest(format!("period 有误：{m}")))
}

/// The indicator catalog (active and inactive).
#[utoipa::path(get, path = "/api/v1/indicators", tag = "经济指标", responses((status = 200, body = Vec<Indicator>)))]
pub async fn catalog(State(state): State<AppState>, _user: CurrentUser) -> AppResult<Json<Vec<Indicator>>> {
    Ok(Json(indicators::list(&state.db, false).await?))
}

/// Every active indicator of the caller's zone: value, growth, city ranks, target, pace, warnings.
#[utoipa::path(get, path = "/api/v1/indicators/overview", tag = "经济指标", params(PeriodQuery), responses((status = 200, body = Vec<OverviewRow>)))]
pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Json<Vec<OverviewRow>>> {
    let p = period(&q)?;
    Ok(Json(indicator_views::overview(&state.db, &user.actor().scope(), user.zone_id()?, p).await?))
}

/// The last 24 periods up to `period`, with month-own values and ranks.
#[utoipa::path(get, path = "/api/v1/indicators/{id}/series", tag = "经济指标", params(PeriodQuery), responses((status = 200, body = Vec<SeriesRow>)))]
pub async fn series(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Json<Vec<SeriesRow>>> {
    let p = period(&q)?;
    let ind = indicators::get(&state.db, id).await?;
    Ok(Json(indicator_views::series(&state.db, &user.actor().scope(), user.zone_id()?, &ind, p, 24).await?))
}

/// The city's ranking table (zones without data last, unranked).
#[utoipa::path(get, path = "/api/v1/indicators/{id}/ranking", tag = "经济指标", params(PeriodQuery),
    responses((status = 200, body = Vec<RankedZone>), (status = 404, body = super::ApiError)))]
pub async fn ranking(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Json<Vec<RankedZone>>> {
    let p = period(&q)?;
    // an indicator that does not exist is a 404 (not a table of empty rows)
    indicators::get(&state.db, id).await?;
    let scope = user.actor().scope();
    let rows = match (user.user.zone_id, user.user.city_code.as_deref()) {
        (Some(z), _) => indicator_views::city_table(&state.db, &scope, z, id, p).await?,
        (None, Some(c)) => indicator_views::city_table_of(&state.db, &scope, c, id, p).await?,
        _ => return Err(AppError::NotFound),
    };
    Ok(Json(rows))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuesInput {
    /// YYYY-MM.
    pub period: String,
    pub lines: Vec<EntryLine>,
}

/// Saves values for one period; every line or none (422 names the field `value_{zone}_{indicator}`).
#[utoipa::path(post, path = "/api/v1/indicators/values", tag = "经济指标", request_body = ValuesInput,
    responses((status = 200, description = "saved count"), (status = 422, body = super::ApiError)))]
pub async fn save_values(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(input): AppJson<ValuesInput>,
) -> AppResult<Json<serde_json::Value>> {
    let p = Period::parse(&input.period).map_err(|m| AppError::BadRequest(format!("period 有误：{m}")))?;
    let n = indicator_values::save(&state.db, &user.actor(), user.zone_id()?, p, &input.lines).await?;
    Ok(Json(serde_json::json!({ "saved": n })))
}
