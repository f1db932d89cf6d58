//! Extractors: the signed-in user, and form/JSON/query bodies whose rejections speak Chinese.

use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use kaifaqu_domain::Permission;
use kaifaqu_store::Actor;
use kaifaqu_store::users::User;

use crate::error::AppError;

pub const SESSION_COOKIE: &str = "kfq_session";
/// The session cookie's name when cookies are `Secure` (behind TLS): the `__Host-` prefix makes
/// the browser refuse it unless it is Secure, for path `/` and without a domain (ASVS 3.3.3).
pub const SECURE_SESSION_COOKIE: &str = "__Host-kfq_session";

/// The session cookie's name for the deployment.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// How the request was authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    Session { token_hash: String, csrf: String },
    Token,
}

/// The signed-in user; extracting it from an anonymous request answers 401 (pages: to login).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub via: Auth,
    pub ip: Option<String>,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        kaifaqu_store::auth::actor_of(&self.user, self.ip.clone())
    }

    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.user.role.has(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("您的角色（{}）没有“{}”权限", self.user.role.label(), p.label())))
        }
    }

    /// The CSRF token forms must carry (empty for token-authenticated requests).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Auth::Session { csrf, .. } => csrf,
            Auth::Token => "",
        }
    }

    /// The user's own zone, or 403 for city-level users on zone pages.
    pub fn zone_id(&self) -> Result<i64, AppError> {
        self.user
            .zone_id
            .ok_or_else(|| AppError::Forbidden("市级账号没有所属开发区：请从首页选择要查看的开发区".into()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<CurrentUser>>() {
            Some(Some(u)) => Ok(u.clone()),
            _ => Err(AppError::Unauthorized),
        }
    }
}

/// Translates serde's messages for the common cases.
fn explain(detail: &str) -> String {
    if let Some(rest) = detail.split("missing field `").nth(1) {
        let field = rest.split('`').next().unwrap_or("");
        return format!("缺少字段 {field}");
    }
    if let Some(rest) = detail.split("unknown field `").nth(1) {
        let field = rest.split('`').next().unwrap_or("");
        return format!("不认识的字段 {field}");
    }
    if detail.contains("invalid type") || detail.contains("invalid digit") || detail.contains("invalid value") {
        return format!("字段类型或取值有误（{detail}）");
    }
    detail.to_string()
}

/// `axum::Form` with Chinese rejections.
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct AppForm<T>(pub T);

impl From<FormRejection> for AppError {
    fn from(r: FormRejection) -> Self {
        if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge("提交的内容过大".into());
        }
        AppError::BadRequest(format!("表单数据无法解析：{}", explain(&r.body_text())))
    }
}

/// `axum::Json` with Chinese rejections; malformed JSON is a 400 that says where, and a field
/// the endpoint does not know is a 422 naming it (a misspelt field is never silently dropped).
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state).await?;
        let unknown_field = |field: &str| {
            AppError::Invalid(kaifaqu_domain::Invalid::one(
                field,
                format!("不认识的字段“{field}”：请对照接口文档（/api/v1/openapi.json）检查字段名"),
            ))
        };
        let mut unknown = Vec::new();
        let t: T = serde_ignored::deserialize(value, |path| unknown.push(path.to_string())).map_err(|e| {
            let text = e.to_string();
            // types that `deny_unknown_fields` say so themselves
            match text.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
                Some(field) => unknown_field(field),
                None => AppError::BadRequest(format!("JSON 内容有误：{}", explain(&text))),
            }
        })?;
        if let Some(field) = unknown.first() {
            return Err(unknown_field(field));
        }
        Ok(AppJson(t))
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match &r {
            JsonRejection::JsonSyntaxError(_) => AppError::BadRequest(format!("JSON 格式有误：{}", r.body_text())),
            JsonRejection::JsonDataError(_) => {
                AppError::BadRequest(format!("JSON 内容有误：{}", explain(&r.body_text())))
            }
            JsonRejection::MissingJsonContentType(_) => {
                AppError::BadRequest("请求须为 JSON（Content-Type: application/json）".into())
            }
            _ if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge("提交的内容过大".into()),
            _ => AppError::BadRequest(r.body_text()),
        }
    }
}

/// `axum::extract::Query` with Chinese rejections. On the JSON API the paging parameters are
/// precise: `page` 1–1,000,000 and `per_page`/`limit` 1–500, anything else is a 400 (the pages
/// stay forgiving and clamp).
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        // inside the nested API router the path has lost its `/api/v1` prefix; the original keeps it
        let original = parts.extensions.get::<axum::extract::OriginalUri>().map(|u| u.0.path().to_string());
        if original.as_deref().unwrap_or(parts.uri.path()).starts_with("/api/") {
            check_paging(parts.uri.query().unwrap_or(""))?;
        }
        let axum::extract::Query(t) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(AppQuery(t))
    }
}

/// The API's paging parameters within their documented ranges.
fn check_paging(query: &str) -> Result<(), AppError> {
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let max = match k {
            "page" => 1_000_000,
            "per_page" | "limit" => 500,
            _ => continue,
        };
        if v.is_empty() {
            continue;
        }
        match v.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => {}
            _ => return Err(AppError::BadRequest(format!("{k} 应为 1 到 {max} 之间的整数"))),
        }
    }
    Ok(())
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::BadRequest(format!("查询参数有误：{}", explain(&r.body_text())))
    }
}
