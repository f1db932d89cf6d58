//! Request id, security headers, authentication, CSRF and error rendering.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_store::{auth, rls};

use crate::error::{AppError, ErrorInfo};
use crate::extract::{Auth, CurrentUser, session_cookie_name};
use crate::shell::ErrorPage;
use crate::state::AppState;

/// The id of a request: in the `x-request-id` response header, on error pages and in logs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = auth::random_hex(8);
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The client address of the request (set by `authenticate` for every request).
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

/// The client address: the socket peer, or behind a trusted proxy the last `X-Forwarded-For`
/// entry — the one our proxy appended; the entries before it are whatever the client sent and
/// would let it pick a fresh address for every login attempt.
fn client_ip(req_headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(last) = req_headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
    {
        return Some(last.to_string());
    }
    peer.map(|p| p.ip().to_string())
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Paths a user who must change their password may still reach.
fn allowed_before_password_change(path: &str) -> bool {
    matches!(path, "/account/password" | "/logout" | "/login" | "/healthz" | "/readyz") || path.starts_with("/static/")
}

/// Paths a user who must enrol a second factor (A5, `[auth] totp_required_roles`) may still reach.
fn allowed_before_totp_enrolment(path: &str) -> bool {
    allowed_before_password_change(path) || path.starts_with("/account/totp")
}

/// Loads the signed-in user (session cookie, or `Authorization: Bearer` API token) once per
/// request, then runs the rest of the request with the database limited to the zones the user's
/// scope allows (PostgreSQL row-level security, `rls`): a zone user's zone, a city user's
/// zones. The session lookup runs as the system (users and sessions are nobody's zone); an
/// anonymous request sees no zone's rows (the public routes read none).
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (req, current) = match rls::system(identify(&state, req)).await {
        Ok(r) => r,
        Err(res) => return *res,
    };
    let zones = match &current {
        Some(u) => match rls::system(rls::zones_of(&state.db, &u.actor().scope())).await {
            Ok(z) => z,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => rls::DbZones::Zones(Vec::new()),
    };
    rls::within(zones, next.run(req)).await
}

/// The signed-in user of the request (also stored in its extensions), or the response that
/// ends it.
async fn identify(state: &AppState, mut req: Request) -> Result<(Request, Option<CurrentUser>), Box<Response>> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let ip = client_ip(req.headers(), peer, state.trust_proxy);
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let current = if let Some(token) = bearer {
        match auth::token_user(&state.db, &token).await {
            Ok(Some(user)) => Some(CurrentUser { user, via: Auth::Token, ip }),
            Ok(None) => {
                return Err(Box::new(AppError::Forbidden("接口令牌无效、已吊销或账号已停用".into()).into_response()));
            }
            Err(e) => return Err(Box::new(AppError::from(e).into_response())),
        }
    } else if let Some(token) = cookie_value(req.headers(), session_cookie_name(state.secure_cookies)) {
        match auth::session(&state.db, &state.policy, &token).await {
            Ok(Some(s)) => Some(CurrentUser {
                user: s.user,
                via: Auth::Session { token_hash: s.token_hash, csrf: s.csrf_token },
                ip,
            }),
            Ok(None) => None,
            Err(e) => return Err(Box::new(AppError::from(e).into_response())),
        }
    } else {
        None
    };
    if let Some(u) = &current
        && u.user.must_change_password
        && !allowed_before_password_change(req.uri().path())
    {
        if !is_api(req.uri().path()) && req.method() == Method::GET {
            return Err(Box::new(Redirect::to("/account/password").into_response()));
        }
        return Err(Box::new(
            AppError::Forbidden("请先修改密码再继续（管理员重设了您的密码，或密码已超过规定的使用期限）".into())
                .into_response(),
        ));
    }
    // A5: a role that must log in with a second factor reaches only the enrolment until it has one
    if let Some(u) = &current
        && state.policy.needs_totp_enrolment(&u.user)
        && !allowed_before_totp_enrolment(req.uri().path())
    {
        if !is_api(req.uri().path()) && req.method() == Method::GET {
            return Err(Box::new(Redirect::to("/account/totp").into_response()));
        }
        return Err(Box::new(
            AppError::Forbidden("请先绑定动态口令再继续：您的角色须使用动态口令（双因素）登录".into()).into_response(),
        ));
    }
    req.extensions_mut().insert(current.clone());
    Ok((req, current))
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every state-changing request made with a session cookie must carry the session's CSRF
/// token: header `X-CSRF-Token`, form field `_csrf`, or (multipart uploads) query `_csrf`.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The one public write, `POST /login` (signed in or not): another site's page is refused
    // here; the login form's own token (the login cookie, double submit) is checked by the
    // handler (features/account.rs), which issued it.
    if !safe && req.uri().path() == "/login" {
        if !same_origin(req.headers()) {
            return AppError::Csrf.into_response();
        }
        return next.run(req).await;
    }
    let expected = match req.extensions().get::<Option<CurrentUser>>() {
        Some(Some(CurrentUser { via: Auth::Session { csrf, .. }, .. })) => Some(csrf.clone()),
        _ => None,
    };
    let Some(expected) = expected.filter(|_| !safe) else {
        return next.run(req).await;
    };
    // A browser names the page a request comes from: another site's page is refused even with
    // a token (ASVS 3.5.3; E1 "wrong Origin").
    if !same_origin(req.headers()) {
        return AppError::Csrf.into_response();
    }
    if let Some(h) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok())
        && constant_time_eq(h.as_bytes(), expected.as_bytes())
    {
        return next.run(req).await;
    }
    if let Some(q) = req.uri().query()
        && let Some(v) = form_field(q.as_bytes(), "_csrf")
        && constant_time_eq(v.as_bytes(), expected.as_bytes())
    {
        return next.run(req).await;
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return AppError::Csrf.into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.limits.body_bytes).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge("提交的内容过大".into()).into_response(),
    };
    match form_field(&bytes, "_csrf") {
        Some(v) if constant_time_eq(v.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

/// Whether the request's `Origin` (when the browser sends one) is this server (`Host`), and
/// `Sec-Fetch-Site` (when sent) does not say cross-site.
fn same_origin(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // Behind a proxy that rewrites `Host`, the forwarded host counts too (a page on another site
    // cannot set that header without a CORS preflight, which this server never grants).
    let hosts: Vec<&str> = [header::HOST.as_str(), "x-forwarded-host"]
        .into_iter()
        .filter_map(|h| headers.get(h).and_then(|v| v.to_str().ok()))
        .collect();
    let origin = origin.to_str().unwrap_or("null");
    let origin_host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    origin_host.is_some_and(|o| hosts.iter().any(|h| !h.is_empty() && o.eq_ignore_ascii_case(h.trim())))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Turns bare error responses into a Chinese page, or JSON under `/api/`.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let method = req.method().clone();
    let rid = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let res = next.run(req).await;
    let status = res.status();
    if status.as_u16() < 400 {
        return res;
    }
    let info = match res.extensions().get::<ErrorInfo>() {
        Some(i) => i.clone(),
        None => {
            let ours = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
            if ours {
                return res;
            }
            ErrorInfo::for_status(status)
        }
    };
    if info.status.is_server_error() {
        tracing::error!(request_id = %rid, %method, %path, detail = info.detail.as_deref().unwrap_or(""), "internal error");
    }
    if is_api(&path) {
        let mut body = serde_json::json!({
            "code": info.code,
            "message": info.message,
            "request_id": rid,
        });
        if let Some(f) = &info.field {
            body["field"] = serde_json::Value::String(f.clone());
        }
        if let Some(errs) = &info.errors {
            body["errors"] = serde_json::to_value(&errs.errors).unwrap_or_default();
        }
        return (info.status, axum::Json(body)).into_response();
    }
    if info.status == StatusCode::UNAUTHORIZED {
        let next_path = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let target =
            format!("/login?next={}", url::form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>());
        return Redirect::to(&target).into_response();
    }
    let page = ErrorPage {
        status: info.status.as_u16(),
        title: ErrorInfo::for_status(info.status).message,
        message: info.message,
        request_id: rid,
        errors: info.errors.map(|e| e.errors).unwrap_or_default(),
    };
    (info.status, page.render_html()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behind_a_proxy_the_address_is_the_one_the_proxy_appended() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 10.0.0.7".parse().unwrap());
        let peer: Option<SocketAddr> = Some("127.0.0.1:9000".parse().unwrap());
        assert_eq!(client_ip(&h, peer, true).as_deref(), Some("10.0.0.7"));
        assert_eq!(client_ip(&h, peer, false).as_deref(), Some("127.0.0.1"), "untrusted header ignored");
        h.append("x-forwarded-for", "10.0.0.9".parse().unwrap());
        assert_eq!(client_ip(&h, peer, true).as_deref(), Some("10.0.0.9"));
        assert_eq!(client_ip(&HeaderMap::new(), peer, true).as_deref(), Some("127.0.0.1"));
    }
}
