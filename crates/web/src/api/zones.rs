//! `/me` and zones.

use axum::Json;
use axum::extract::{Path, State};
use kaifaqu_store::users::User;
use kaifaqu_store::zones::{self, Zone};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/me", get(Need::SignedIn, me))
        .route("/todo", get(Need::READ, todo))
        .route("/zones", get(Need::READ, list_zones))
        .route("/zones/{id}", get(Need::READ, get_zone))
}

/// The signed-in user's 我的待办: everything waiting on them across the modules, overdue first,
/// then what is due within 3 working days.
#[utoipa::path(get, path = "/api/v1/todo", tag = "账号", responses((status = 200, body = kaifaqu_store::todo::Todo)))]
pub async fn todo(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<kaifaqu_store::todo::Todo>> {
    Ok(Json(kaifaqu_store::todo::for_user(&state.db, &user.user, kaifaqu_store::lookups::today()).await?))
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
