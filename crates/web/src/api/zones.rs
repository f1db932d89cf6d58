//! `/me` and zones.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use kaifaqu_store::users::User;
use kaifaqu_store::zones::{self, Zone};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/me", get(me)).route("/zones", get(list_zones)).route("/zones/{id}", get(get_zone))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "账号", responses((status = 200, body = User), (status = 401, body = super::ApiError)))]
pub async fn me(user: CurrentUser) -> Json<User> {
    Json(user.user)
}

/// The zones the caller can see: their own, or (city users) every zone of the city.
#[utoipa::path(get, path = "/api/v1/zones", tag = "开发区", responses((status = 200, body = Vec<Zone>)))]
pub async fn list_zones(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Zone>>> {
    Ok(Json(zones::list(&state.db, &user.actor().scope()).await?))
}

#[utoipa::path(get, path = "/api/v1/zones/{id}", tag = "开发区", responses((status = 200, body = Zone), (status = 404, body = super::ApiError)))]
pub async fn get_zone(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<Zone>> {
    Ok(Json(zones::get(&state.db, &user.actor().scope(), id).await?))
}
