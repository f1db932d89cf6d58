//! Attachments over the API: list, upload (multipart field `file`), metadata, content.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::attachments::{self, Attachment};

use super::Paging;
use crate::error::AppResult;
use crate::extract::{AppQuery, CurrentUser};
use crate::features::attachments::{file_response, read_file};
use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route(
            "/attachments",
            get(Need::READ, list_attachments)
                .post(Need::WRITE, upload_attachment)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/attachments/{id}", get(Need::READ, get_attachment))
        .route("/attachments/{id}/content", get(Need::READ, attachment_content))
}

#[utoipa::path(get, path = "/api/v1/attachments", tag = "附件", params(Paging), responses((status = 200, body = Page<Attachment>)))]
pub async fn list_attachments(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(p): AppQuery<Paging>,
) -> AppResult<Json<Page<Attachment>>> {
    let (page, limit) = p.checked()?;
    Ok(Json(attachments::list(&state.db, &user.actor().scope(), user.zone_id()?, Some(page), Some(limit)).await?))
}

/// Multipart upload with one part named `file`.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "附件", request_body(content_type = "multipart/form-data", description = "part `file`"),
    responses((status = 201, body = Attachment), (status = 413, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    mp: Multipart,
) -> AppResult<(StatusCode, Json<Attachment>)> {
    user.require(Permission::Write)?;
    let (name, bytes) = read_file(mp).await?;
    let a = attachments::upload(&state.db, &state.storage, &user.actor(), &name, bytes, None).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "附件", responses((status = 200, body = Attachment), (status = 404, body = super::ApiError)))]
pub async fn get_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Attachment>> {
    Ok(Json(attachments::get(&state.db, &user.actor().scope(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}/content", tag = "附件", responses((status = 200, description = "the file"), (status = 404, body = super::ApiError)))]
pub async fn attachment_content(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (a, bytes) = attachments::download(&state.db, &state.storage, &user.actor(), id).await?;
    Ok(file_response(&a, bytes))
}
