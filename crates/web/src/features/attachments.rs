//! 附件资料: upload (type sniffed from content, size-limited) and scope-checked download.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use kaifaqu_domain::Permission;
use kaifaqu_domain::time::local_display;
use kaifaqu_store::StoreError;
use kaifaqu_store::attachments::{self, ALLOWED, Attachment, human_size};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route(
            "/attachments",
            get(Need::READ, list).post(Need::WRITE, upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/attachments/{id}", get(Need::READ, download))
}

struct Row {
    id: i64,
    file_name: String,
    kind: &'static str,
    size: String,
    time: String,
    sha_short: String,
}

fn row(a: Attachment) -> Row {
    Row {
        id: a.id,
        kind: ALLOWED.iter().find(|(m, _, _)| *m == a.content_type).map(|(_, _, l)| *l).unwrap_or("文件"),
        size: human_size(a.size_bytes.max(0) as u64),
        time: local_display(a.created_at),
        sha_short: a.sha256.chars().take(12).collect(),
        file_name: a.file_name,
    }
}

#[derive(Template)]
#[template(path = "attachments.html")]
struct ListPage {
    shell: Shell,
    can_write: bool,
    max_size: String,
    rows: Vec<Row>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let rows = attachments::list(&state.db, &user.actor().scope(), user.zone_id()?, Some(1), Some(500)).await?.rows;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ListPage {
        shell: Shell::load(state, user, "/attachments", done).await?,
        can_write: user.user.role.has(Permission::Write),
        max_size: human_size(state.storage.max_bytes),
        rows: rows.into_iter().map(row).collect(),
        error,
    };
    Ok((status, html(&page)?).into_response())
}

async fn list(State(state): State<AppState>, user: CurrentUser, Query(d): Query<Done>) -> AppResult<Response> {
    list_page(&state, &user, d.done.as_deref(), None).await
}

/// Reads the `file` part of a multipart upload: (file name, bytes).
pub async fn read_file(mut mp: Multipart) -> AppResult<(String, Bytes)> {
    loop {
        let field = mp.next_field().await.map_err(multipart_error)?;
        let Some(field) = field else {
            return Err(AppError::Invalid(kaifaqu_domain::Invalid::one("file", "请选择要上传的文件")));
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("附件").to_string();
            let bytes = field.bytes().await.map_err(multipart_error)?;
            return Ok((name, bytes));
        }
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("上传的文件过大".into())
    } else {
        AppError::BadRequest(format!("上传数据无法解析：{}", e.body_text()))
    }
}

async fn upload(State(state): State<AppState>, user: CurrentUser, mp: Multipart) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let (name, bytes) = match read_file(mp).await {
        Ok(v) => v,
        Err(AppError::Invalid(e)) => {
            return list_page(&state, &user, None, e.message_for("file").map(str::to_string)).await;
        }
        Err(e) => return Err(e),
    };
    match attachments::upload(&state.db, &state.storage, &user.actor(), &name, bytes, None).await {
        Ok(_) => Ok(Redirect::to("/attachments?done=uploaded").into_response()),
        Err(StoreError::Invalid(e)) => list_page(&state, &user, None, e.message_for("file").map(str::to_string)).await,
        Err(e) => Err(e.into()),
    }
}

/// The download response: the stored type, as an attachment with its original name.
pub fn file_response(a: &Attachment, bytes: Bytes) -> Response {
    let encoded: String =
        url::form_urlencoded::byte_serialize(a.file_name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}");
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

async fn download(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, bytes) = attachments::download(&state.db, &state.storage, &user.actor(), id).await?;
    Ok(file_response(&a, bytes))
}
