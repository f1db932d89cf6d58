//! Contacts with investors (对接记录) over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::contacts::{self, Contact, ContactFilter, ContactFormInput};

use super::Paging;
use crate::error::AppResult;
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/contacts", get(Need::READ, list_contacts).post(Need::WRITE, create_contact))
        .route("/contacts/{id}", get(Need::READ, get_contact).put(Need::WRITE, update_contact))
}

/// The filters of the page `/contacts` (dates YYYY-MM-DD), newest first; `limit` (or `per_page`) 1–500.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "对接记录", params(ContactFilter),
    responses((status = 200, body = Page<Contact>), (status = 400, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(mut f): AppQuery<ContactFilter>,
) -> AppResult<Json<Page<Contact>>> {
    let zone = user.zone_id()?;
    let (page, limit) = Paging { page: f.page, limit: f.per_page }.checked()?;
    f.page = Some(page);
    f.per_page = Some(limit);
    Ok(Json(contacts::list(&state.db, &user.actor().scope(), zone, &f).await?))
}

/// `form`: visit, reception, video, fair or other; a `project_id` or a `lead_name` is required.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "对接记录", request_body = ContactFormInput,
    responses((status = 201, body = Contact), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(f): AppJson<ContactFormInput>,
) -> AppResult<(StatusCode, Json<Contact>)> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let c = contacts::create(&state.db, &user.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "对接记录", params(("id" = i64, Path, description = "对接记录 id")),
    responses((status = 200, body = Contact), (status = 404, body = super::ApiError)))]
pub async fn get_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Contact>> {
    user.zone_id()?;
    Ok(Json(contacts::get(&state.db, &user.actor().scope(), id).await?))
}

/// Replaces the record's fields and `version` as read (required): a stale version is refused
/// with 409 and changes nothing.
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "对接记录", params(("id" = i64, Path, description = "对接记录 id")),
    request_body = ContactFormInput,
    responses((status = 200, body = Contact), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(f): AppJson<ContactFormInput>,
) -> AppResult<Json<Contact>> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    super::require_version(&f.version)?;
    Ok(Json(contacts::update(&state.db, &user.actor(), id, &f).await?))
}
