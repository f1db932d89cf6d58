//! The web layer's one error type. A handler's error becomes a bare response carrying an
//! [`ErrorInfo`]; the `render_errors` middleware turns it into a Chinese HTML page (with a way
//! back) or, under `/api/`, JSON `{code, message, field?}`. A stale optimistic version is 409
//! `conflict` with the field `version`; forms re-render with the user's input ([`form_errors`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaifaqu_domain::Invalid;
use kaifaqu_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// 400: malformed request (bad JSON, bad form encoding, bad query).
    BadRequest(String),
    /// 401: not signed in (pages redirect to the login page).
    Unauthorized,
    /// 403 with the reason.
    Forbidden(String),
    /// 403: missing or wrong CSRF token.
    Csrf,
    /// 404.
    NotFound,
    /// 413.
    TooLarge(String),
    /// 422: bad field values.
    Invalid(Invalid),
    /// 409: the record changed since the client read it (a stale optimistic version); nothing
    /// was written.
    Conflict,
    /// 500: logged with the request id.
    Internal(String),
}

/// What the error renderer needs; attached to the response as an extension.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub errors: Option<Invalid>,
    /// Logged, never shown.
    pub detail: Option<String>,
}

impl ErrorInfo {
    /// The standard message of a status, for errors that did not come from a handler
    /// (unknown route, wrong method, an extractor's rejection, the body limit).
    pub fn for_status(status: StatusCode) -> ErrorInfo {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "请求格式有误"),
            401 => ("unauthorized", "请先登录"),
            403 => ("forbidden", "您没有权限进行此操作"),
            404 => ("not_found", "页面或记录不存在"),
            405 => ("method_not_allowed", "不支持此操作方式"),
            408 => ("timeout", "处理超时，请稍后重试"),
            409 => ("conflict", kaifaqu_store::error::STALE_MESSAGE),
            413 => ("too_large", "提交的内容过大"),
            415 => ("unsupported_media_type", "提交的内容格式不受支持"),
            422 => ("invalid", "提交的内容有误"),
            _ if status.is_server_error() => ("internal", "系统内部错误"),
            _ => ("error", "请求未能完成"),
        };
        ErrorInfo { status, code, message: message.into(), field: None, errors: None, detail: None }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => AppError::Invalid(i),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            StoreError::Stale => AppError::Conflict,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = match self {
            AppError::BadRequest(m) => ErrorInfo {
                message: format!("请求格式有误：{m}"),
                ..ErrorInfo::for_status(StatusCode::BAD_REQUEST)
            },
            AppError::Unauthorized => ErrorInfo::for_status(StatusCode::UNAUTHORIZED),
            AppError::Forbidden(m) => ErrorInfo { message: m, ..ErrorInfo::for_status(StatusCode::FORBIDDEN) },
            AppError::Csrf => ErrorInfo {
                code: "csrf",
                message: "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交".into(),
                ..ErrorInfo::for_status(StatusCode::FORBIDDEN)
            },
            AppError::NotFound => ErrorInfo::for_status(StatusCode::NOT_FOUND),
            AppError::TooLarge(m) => ErrorInfo { message: m, ..ErrorInfo::for_status(StatusCode::PAYLOAD_TOO_LARGE) },
            AppError::Invalid(i) => {
                let first = i.errors.first().cloned();
                ErrorInfo {
                    message: first.as_ref().map(|f| f.message.clone()).unwrap_or_else(|| "提交的内容有误".into()),
                    field: first.map(|f| f.field),
                    errors: Some(i),
                    ..ErrorInfo::for_status(StatusCode::UNPROCESSABLE_ENTITY)
                }
            }
            AppError::Conflict => {
                ErrorInfo { field: Some("version".into()), ..ErrorInfo::for_status(StatusCode::CONFLICT) }
            }
            AppError::Internal(detail) => {
                ErrorInfo { detail: Some(detail), ..ErrorInfo::for_status(StatusCode::INTERNAL_SERVER_ERROR) }
            }
        };
        let mut res = info.status.into_response();
        res.extensions_mut().insert(info);
        res
    }
}

/// How a form handler answers a store error that it shows on the re-rendered form: bad fields
/// (422) with their messages, or a stale version (409) with [`STALE_MESSAGE`] on the `version`
/// field; any other error passes through.
///
/// [`STALE_MESSAGE`]: kaifaqu_store::error::STALE_MESSAGE
pub fn form_errors(e: StoreError) -> Result<(StatusCode, Invalid), AppError> {
    match e {
        StoreError::Invalid(i) => Ok((StatusCode::UNPROCESSABLE_ENTITY, i)),
        StoreError::Stale => Ok((StatusCode::CONFLICT, Invalid::one("version", kaifaqu_store::error::STALE_MESSAGE))),
        other => Err(other.into()),
    }
}

/// A re-rendered form page answered with `status` (409 for a stale version, else as rendered).
pub fn with_status(res: AppResult<Response>, status: StatusCode) -> AppResult<Response> {
    let mut res = res?;
    if status != StatusCode::UNPROCESSABLE_ENTITY {
        *res.status_mut() = status;
    }
    Ok(res)
}

/// The fallback for unknown routes.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub type AppResult<T> = Result<T, AppError>;
