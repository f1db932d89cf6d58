//! Enterprises (企业) over JSON. The contact phone comes whole to roles holding `ReadPersonal` and
//! masked (`138****5678`) to the others; `q` also finds the exact contact phone.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::enterprises::{self, Enterprise, EnterpriseForm};
use serde::Deserialize;

use super::Paging;
use crate::error::AppResult;
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/enterprises", get(Need::READ, list_enterprises).post(Need::WRITE, create_enterprise))
        .route("/enterprises/{id}", get(Need::READ, get_enterprise).put(Need::WRITE, update_enterprise))
}

/// Search of the enterprise list.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// Part of the name or of the 统一社会信用代码, or the contact phone (the whole number).
    #[serde(default)]
    pub q: String,
    pub page: Option<u64>,
    /// Rows per page, 1–500 (default 50).
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/enterprises", tag = "企业", params(EnterpriseQuery),
    responses((status = 200, body = Page<Enterprise>), (status = 403, body = super::ApiError)))]
pub async fn list_enterprises(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<EnterpriseQuery>,
) -> AppResult<Json<Page<Enterprise>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: q.page, limit: q.limit }.checked()?;
    Ok(Json(enterprises::list_as(&state.db, &user.actor(), zone, &q.q, page, limit).await?))
}

/// `legacy` and `above_scale` are "on" (or "true", "1") when set; `legacy` (a wrong check
/// character accepted for a known legacy code) only for administrators.
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "企业", request_body = EnterpriseForm,
    responses((status = 201, body = Enterprise), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<EnterpriseForm>,
) -> AppResult<(StatusCode, Json<Enterprise>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let e = enterprises::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "企业", params(("id" = i64, Path, description = "企业 id")),
    responses((status = 200, body = Enterprise), (status = 404, body = super::ApiError)))]
pub async fn get_enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Enterprise>> {
    user.zone_id()?;
    Ok(Json(enterprises::get_as(&state.db, &user.actor(), id).await?))
}

/// Replaces the enterprise's fields and `version` as read (required): a stale version is refused
/// with 409 and changes nothing. A masked phone sent back as it was read keeps the number.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}", tag = "企业", params(("id" = i64, Path, description = "企业 id")),
    request_body = EnterpriseForm,
    responses((status = 200, body = Enterprise), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<EnterpriseForm>,
) -> AppResult<Json<Enterprise>> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    super::require_version(&f.version)?;
    Ok(Json(enterprises::update(&state.db, &user.actor(), id, &f).await?))
}
