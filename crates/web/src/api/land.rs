//! 标准地 and 闲置厂房 over JSON: the parcel and idle-plant lists, records and edits, the
//! period figures (parcels and 亩 transferred, m² revitalised, with the list queries behind
//! them) and the matching of a lead's land need.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::idle_plants::{self, IdlePlant, Matches, PlantFigures, PlantFilter, PlantForm};
use kaifaqu_store::land_parcels::{self, Parcel, ParcelFigures, ParcelFilter, ParcelForm};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::Paging;
use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/land/parcels", get(Need::READ, list_parcels).post(Need::WRITE, create_parcel))
        .route("/land/parcels/{id}", get(Need::READ, get_parcel).put(Need::WRITE, update_parcel))
        .route("/land/idle-plants", get(Need::READ, list_plants).post(Need::WRITE, create_plant))
        .route("/land/idle-plants/{id}", get(Need::READ, get_plant).put(Need::WRITE, update_plant))
        .route("/land/figures", get(Need::READ, land_figures))
        .route("/land/match", get(Need::READ, land_match))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_parcels,
    create_parcel,
    get_parcel,
    update_parcel,
    list_plants,
    create_plant,
    get_plant,
    update_plant,
    land_figures,
    land_match
))]
pub struct Doc;

/// The filters of the page `/land/parcels` (`flagged=1`: achieved values short of the promise);
/// `limit` (or `per_page`) 1–500.
#[utoipa::path(get, path = "/api/v1/land/parcels", tag = "标准地", params(ParcelFilter),
    responses((status = 200, body = Page<Parcel>), (status = 400, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn list_parcels(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<ParcelFilter>,
) -> AppResult<Json<Page<Parcel>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(land_parcels::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// Registers a parcel. `area` in 亩 (> 0, ≤ 100,000, 2 decimals); indicators in 万元/亩,
/// plain ratio, 万元/亩 and 吨标准煤/万元; `transfer_date` required when `status` is
/// `transferred`; `price` in whole 万元.
#[utoipa::path(post, path = "/api/v1/land/parcels", tag = "标准地", request_body = ParcelForm,
    responses((status = 201, body = Parcel), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_parcel(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<ParcelForm>,
) -> AppResult<(StatusCode, Json<Parcel>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(land_parcels::create(&state.db, &user.actor(), &f).await?)))
}

#[utoipa::path(get, path = "/api/v1/land/parcels/{id}", tag = "标准地", params(("id" = i64, Path, description = "地块 id")),
    responses((status = 200, body = Parcel), (status = 404, body = super::ApiError)))]
pub async fn get_parcel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Parcel>> {
    user.zone_id()?;
    Ok(Json(land_parcels::get(&state.db, &user.actor().scope(), id).await?))
}

/// Replaces the parcel's fields (send them all, as the form does) and `version` as read
/// (required): a stale version is refused with 409 and changes nothing.
#[utoipa::path(put, path = "/api/v1/land/parcels/{id}", tag = "标准地", params(("id" = i64, Path, description = "地块 id")),
    request_body = ParcelForm,
    responses((status = 200, body = Parcel), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_parcel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<ParcelForm>,
) -> AppResult<Json<Parcel>> {
    user.zone_id()?;
    land_parcels::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    require_version(&f.version)?;
    Ok(Json(land_parcels::update(&state.db, &user.actor(), id, &f).await?))
}

/// The filters of the page `/land/idle-plants` (status also `open`); `limit` 1–500.
#[utoipa::path(get, path = "/api/v1/land/idle-plants", tag = "闲置厂房", params(PlantFilter),
    responses((status = 200, body = Page<IdlePlant>), (status = 400, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn list_plants(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<PlantFilter>,
) -> AppResult<Json<Page<IdlePlant>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(idle_plants::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// Registers an idle plant. `building_m2` in m² (> 0, 2 decimals), `land` in 亩 (optional);
/// `revitalised_date` required when `status` is `revitalised`.
#[utoipa::path(post, path = "/api/v1/land/idle-plants", tag = "闲置厂房", request_body = PlantForm,
    responses((status = 201, body = IdlePlant), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_plant(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<PlantForm>,
) -> AppResult<(StatusCode, Json<IdlePlant>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    Ok((StatusCode::CREATED, Json(idle_plants::create(&state.db, &user.actor(), &f).await?)))
}

#[utoipa::path(get, path = "/api/v1/land/idle-plants/{id}", tag = "闲置厂房", params(("id" = i64, Path, description = "厂房 id")),
    responses((status = 200, body = IdlePlant), (status = 404, body = super::ApiError)))]
pub async fn get_plant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<IdlePlant>> {
    user.zone_id()?;
    Ok(Json(idle_plants::get(&state.db, &user.actor().scope(), id).await?))
}

/// Replaces the plant's fields and `version` as read (required): a stale version is refused
/// with 409 and changes nothing.
#[utoipa::path(put, path = "/api/v1/land/idle-plants/{id}", tag = "闲置厂房", params(("id" = i64, Path, description = "厂房 id")),
    request_body = PlantForm,
    responses((status = 200, body = IdlePlant), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_plant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<PlantForm>,
) -> AppResult<Json<IdlePlant>> {
    user.zone_id()?;
    idle_plants::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    require_version(&f.version)?;
    Ok(Json(idle_plants::update(&state.db, &user.actor(), id, &f).await?))
}

/// A replacing PUT names the version it was made on: without it, it would silently overwrite
/// whatever another client saved since (the pages' forms always carry it).
fn require_version(v: &str) -> Result<(), AppError> {
    if v.trim().trim_matches('"').is_empty() {
        return Err(AppError::Invalid(kaifaqu_domain::Invalid::one(
            "version",
            "请提供读取记录时的版本号（version）：没有版本号的修改可能覆盖他人刚保存的内容",
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LandRange {
    /// First day, YYYY-MM-DD.
    pub from: NaiveDate,
    /// Last day, YYYY-MM-DD.
    pub to: NaiveDate,
}

/// The land figures of a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LandFigures {
    pub parcels: ParcelFigures,
    pub plants: PlantFigures,
}

/// Parcels and 亩 transferred, and idle plants and m² revitalised, in [from, to]; each with the
/// `list_query` of the page that lists those records.
#[utoipa::path(get, path = "/api/v1/land/figures", tag = "标准地", params(LandRange),
    responses((status = 200, body = LandFigures), (status = 400, body = super::ApiError)))]
pub async fn land_figures(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<LandRange>,
) -> AppResult<Json<LandFigures>> {
    if q.from > q.to {
        return Err(AppError::BadRequest("截止日期不能早于起始日期".into()));
    }
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    Ok(Json(LandFigures {
        parcels: land_parcels::figures(&state.db, &scope, zone, q.from, q.to).await?,
        plants: idle_plants::figures(&state.db, &scope, zone, q.from, q.to).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// The project (lead) whose 用地需求 is matched.
    pub project_id: i64,
}

/// The parcels (not transferred, area between the need and 1.5 × the need) and idle plants
/// (not revitalised, land or building covering the need) that fit the project's land need.
#[utoipa::path(get, path = "/api/v1/land/match", tag = "标准地", params(MatchQuery),
    responses((status = 200, body = Matches), (status = 404, body = super::ApiError)))]
pub async fn land_match(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<MatchQuery>,
) -> AppResult<Json<Matches>> {
    let zone = user.zone_id()?;
    Ok(Json(idle_plants::matches(&state.db, &user.actor().scope(), zone, q.project_id).await?))
}
