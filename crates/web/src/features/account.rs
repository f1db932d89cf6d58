//! Login (password, then the TOTP code when the account has one; per-address throttling),
//! logout, own password (forced when reset or expired), the TOTP enrolment and its reset by a
//! security administrator, and API tokens.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::Invalid;
use kaifaqu_domain::time::local_display;
use kaifaqu_store::StoreError;
use kaifaqu_store::auth;
use kaifaqu_store::users::User;
use serde::Deserialize;

use crate::assets;
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, Auth, CurrentUser, session_cookie_name};
use crate::middleware::{ClientIp, constant_time_eq, cookie_value};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/login", get(Need::Public, login_page).post(Need::Public, login))
        .route("/logout", post(Need::SignedIn, logout))
        .route("/account", get(Need::SignedIn, account))
        .route("/account/password", get(Need::SignedIn, password_page).post(Need::SignedIn, change_password))
        .route("/account/tokens", post(Need::SignedIn, create_token))
        .route("/account/digest", post(Need::SignedIn, set_digest))
        .route("/account/tokens/{id}/revoke", post(Need::SignedIn, revoke_token))
        .route("/account/totp", get(Need::SignedIn, totp_page))
        .route("/account/totp/begin", post(Need::SignedIn, totp_begin))
        .route("/account/totp/confirm", post(Need::SignedIn, totp_confirm))
        .route("/admin/users/{id}/totp/reset", post(Need::SECURITY, totp_reset))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    css: &'static str,
    next: String,
    login_name: String,
    error: Option<String>,
    info: Option<&'static str>,
    /// Non-empty on the second step: the token of the login waiting for its TOTP code.
    mfa: String,
    /// The pre-session token (login CSRF): the login cookie's value, repeated in the form.
    csrf: String,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    bye: Option<String>,
    changed: Option<String>,
}

/// Only local paths: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.chars().any(|c| c.is_control() || c == '\\') => {
            n.to_string()
        }
        _ => "/".into(),
    }
}

/// The name of the pre-session cookie that carries the login form's token.
fn login_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-kfq_login" } else { "kfq_login" }
}

/// The login token the browser holds (a well-formed one), if any.
fn login_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, login_cookie_name(state.secure_cookies))
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Sets the login cookie: the double-submit token (ASVS 3.5.1) of the one public write, so a
/// form on another site cannot sign a victim's browser into the attacker's account (login CSRF):
/// that site can neither read nor set this cookie. `SameSite=Strict`, only for this server.
fn with_login_cookie(state: &AppState, token: &str, mut res: Response) -> Response {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let name = login_cookie_name(state.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let info = if q.changed.is_some() {
        Some("密码已修改，请用新密码登录。")
    } else if q.bye.is_some() {
        Some("您已退出登录。")
    } else {
        None
    };
    // the token the browser has (several open login pages keep working), or a new one
    let csrf = login_token(&state, &headers).unwrap_or_else(|| auth::random_hex(16));
    let page = html(&LoginPage {
        css: assets::css_path(),
        next: safe_next(q.next.as_deref()),
        login_name: String::new(),
        error: None,
        info,
        mfa: String::new(),
        csrf: csrf.clone(),
    })?;
    Ok(with_login_cookie(&state, &csrf, page.into_response()))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    /// The second step: the waiting login's token and the TOTP code.
    #[serde(default)]
    mfa: String,
    #[serde(default)]
    code: String,
    /// The login token (the login cookie's value).
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Too many failed logins from one address: 429 with Retry-After and the login page.
fn throttled(next: String, wait_seconds: u64, csrf: String) -> AppResult<Response> {
    let minutes = wait_seconds.div_ceil(60);
    let page = LoginPage {
        css: assets::css_path(),
        next,
        login_name: String::new(),
        error: Some(format!("此地址登录失败次数过多，已暂停登录：请 {minutes} 分钟后再试。")),
        info: None,
        mfa: String::new(),
        csrf,
    };
    let mut res = (StatusCode::TOO_MANY_REQUESTS, html(&page)?).into_response();
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait_seconds));
    Ok(res)
}

/// The one refusal for every failed password step (401).
fn refused(next: String, login_name: String, csrf: String) -> AppResult<Response> {
    let page = LoginPage {
        css: assets::css_path(),
        next,
        login_name,
        error: Some(auth::LOGIN_FAILED.to_string()),
        info: None,
        mfa: String::new(),
        csrf,
    };
    Ok((StatusCode::UNAUTHORIZED, html(&page)?).into_response())
}

/// The code step of a login (status 200 the first time, 401 after a wrong code).
fn code_page(next: String, mfa: String, error: Option<String>, csrf: String) -> AppResult<Response> {
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    let page = LoginPage { css: assets::css_path(), next, login_name: String::new(), error, info: None, mfa, csrf };
    Ok((status, html(&page)?).into_response())
}

fn signed_in(state: &AppState, s: auth::NewSession, next: String) -> Response {
    let target = if s.session.user.must_change_password {
        "/account/password".to_string()
    } else if state.policy.needs_totp_enrolment(&s.session.user) {
        // A5: the role must log in with a second factor: enrolment first
        "/account/totp".to_string()
    } else {
        next
    };
    let mut res = Redirect::to(&target).into_response();
    let max_age = state.policy.absolute_timeout.num_seconds();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(state, &s.token, max_age));
    res
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let name = session_cookie_name(state.secure_cookies);
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("cookie is ASCII")
}

async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    AppForm(f): AppForm<LoginForm>,
) -> AppResult<Response> {
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let next = safe_next(Some(&f.next));
    // login CSRF (E1): the form's token must be the login cookie's (double submit); the
    // middleware has already refused another site's Origin / Sec-Fetch-Site. Nothing is counted
    // or checked before this.
    // (the form field, or for scripts the `X-CSRF-Token` header)
    let given = match headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        Some(h) if f.csrf.is_empty() => h.to_string(),
        _ => f.csrf.clone(),
    };
    let Some(csrf) = login_token(&state, &headers).filter(|t| constant_time_eq(t.as_bytes(), given.as_bytes())) else {
        let csrf = auth::random_hex(16);
        let page = LoginPage {
            css: assets::css_path(),
            next,
            login_name: String::new(),
            error: Some("登录页面已过期，或登录请求不是从本系统的登录页发出的：请重新输入登录名和密码。".into()),
            info: None,
            mfa: String::new(),
            csrf: csrf.clone(),
        };
        return Ok(with_login_cookie(&state, &csrf, (StatusCode::FORBIDDEN, html(&page)?).into_response()));
    };
    let guard = &state.login_guard;
    let policy = &state.policy;
    let ip_key = ip.clone().unwrap_or_else(|| "unknown".into());
    if let Some(wait) = guard.blocked(&ip_key, policy) {
        return throttled(next, wait, csrf);
    }
    if f.login_name.len() > 64 || f.password.len() > 1024 || f.code.len() > 64 {
        return Err(AppError::Invalid(Invalid::one("login_name", auth::LOGIN_FAILED)));
    }
    // the second step: the TOTP code of a login whose password was right
    if !f.mfa.is_empty() {
        let Some((user_id, next)) = guard.pending(&f.mfa) else {
            let page = LoginPage {
                css: assets::css_path(),
                next,
                login_name: String::new(),
                error: Some("动态口令验证已超时或失败次数过多，请重新输入密码登录。".into()),
                info: None,
                mfa: String::new(),
                csrf,
            };
            return Ok((StatusCode::UNAUTHORIZED, html(&page)?).into_response());
        };
        return match auth::login_second_factor(&state.db, policy, user_id, &f.code, ip.as_deref(), ua).await? {
            Some(s) => {
                guard.finish_pending(&f.mfa);
                guard.succeeded(&ip_key);
                Ok(signed_in(&state, s, next))
            }
            None => {
                if guard.pending_failed(&f.mfa) {
                    code_page(
                        next,
                        f.mfa,
                        Some("动态口令不正确或已用过：请输入验证器上当前显示的 6 位数字。".into()),
                        csrf,
                    )
                } else {
                    refused(next, String::new(), csrf)
                }
            }
        };
    }
    match auth::login_first_factor(&state.db, policy, &f.login_name, &f.password, ip.as_deref(), ua).await? {
        auth::LoginOutcome::Session(s) => {
            guard.succeeded(&ip_key);
            Ok(signed_in(&state, *s, next))
        }
        auth::LoginOutcome::SecondFactor { user_id } => {
            guard.succeeded(&ip_key);
            let mfa = guard.start_pending(user_id, next.clone());
            code_page(next, mfa, None, csrf)
        }
        // the attempt was counted as a failure when `blocked` let it through
        auth::LoginOutcome::Refused => refused(next, f.login_name, csrf),
    }
}

fn clear_cookie(state: &AppState, mut res: Response) -> Response {
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(state, "", 0));
    res
}

async fn logout(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    if let Auth::Session { token_hash, .. } = &user.via {
        auth::logout(&state.db, &user.actor(), token_hash).await?;
    }
    Ok(clear_cookie(&state, Redirect::to("/login?bye=1").into_response()))
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    shell: Shell,
    user: User,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    token_name: String,
    token_error: Option<String>,
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn account_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    new_token: Option<String>,
    token_name: String,
    token_error: Option<String>,
) -> AppResult<Response> {
    let tokens = auth::list_tokens(&state.db, &user.actor())
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created: local_display(t.created_at),
            last_used: t.last_used_at.map(local_display).unwrap_or_else(|| "从未".into()),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let page = AccountPage {
        shell: Shell::load(state, user, "/account", done).await?,
        user: user.user.clone(),
        tokens,
        new_token,
        token_name,
        token_error,
    };
    html(&page)
}

async fn account(State(state): State<AppState>, user: CurrentUser, Query(d): Query<Done>) -> AppResult<Response> {
    account_page(&state, &user, d.done.as_deref(), None, String::new(), None).await
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<TokenForm>,
) -> AppResult<Response> {
    match auth::create_token(&state.db, &user.actor(), &f.name).await {
        Ok((_, value)) => account_page(&state, &user, Some("created"), Some(value), String::new(), None).await,
        Err(StoreError::Invalid(e)) => {
            let msg = e.message_for("name").map(str::to_string);
            let mut res = account_page(&state, &user, None, None, f.name, msg).await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    auth::revoke_token(&state.db, &user.actor(), id).await?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    shell: Shell,
    forced: bool,
    /// Forced because the password is older than the profile allows (days), not by a reset.
    expired_after: Option<i64>,
    /// The profile's rule, beside the new-password field.
    hint: String,
    errors: Invalid,
}

async fn password_page_for(state: &AppState, user: &CurrentUser, errors: Invalid) -> AppResult<PasswordPage> {
    let expired =
        user.user.must_change_password && auth::password_expired(&state.db, &state.policy, user.user.id).await?;
    Ok(PasswordPage {
        shell: Shell::load(state, user, "/account", None).await?,
        forced: user.user.must_change_password,
        expired_after: if expired { state.policy.password_max_age.map(|d| d.num_days()) } else { None },
        hint: state.policy.profile.hint(),
        errors,
    })
}

async fn password_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    html(&password_page_for(&state, &user, Invalid::new()).await?)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<PasswordForm>,
) -> AppResult<Response> {
    let result = if f.new_password != f.confirm {
        Err(StoreError::Invalid(Invalid::one("confirm", "两次输入的新密码不一致")))
    } else {
        auth::change_own_password_with(&state.db, &state.policy, &user.actor(), &f.old_password, &f.new_password).await
    };
    match result {
        Ok(()) => Ok(clear_cookie(&state, Redirect::to("/login?changed=1").into_response())),
        Err(StoreError::Invalid(errors)) => {
            let page = password_page_for(&state, &user, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DigestForm {
    /// "on" when the box is ticked (absent when not).
    digest: Option<String>,
}

/// 每日待办提醒 on or off for the signed-in user.
async fn set_digest(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<DigestForm>,
) -> AppResult<Response> {
    let wanted = f.digest.as_deref().is_some_and(|v| matches!(v, "on" | "1" | "true"));
    kaifaqu_store::users::set_digest(&state.db, &user.actor(), wanted).await?;
    Ok(Redirect::to("/account?done=saved").into_response())
}

/// The issuer an authenticator app shows beside the account.
const TOTP_ISSUER: &str = "开发区管委会工作平台";

/// The QR code of an `otpauth://` URI as an inline SVG element.
fn qr_svg(uri: &str) -> AppResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::Internal(format!("二维码生成失败：{e}")))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // the element only (no XML declaration inside HTML)
    Ok(image.find("<svg").map(|i| image[i..].to_string()).unwrap_or(image))
}

#[derive(Template)]
#[template(path = "account_totp.html")]
struct TotpPage {
    shell: Shell,
    enabled: bool,
    /// While enrolling: the secret in groups of four and its QR code (SVG).
    secret: Option<String>,
    qr: String,
    error: Option<String>,
    /// The user's role must enrol before anything else (A5).
    required: bool,
}

async fn totp_page_with(state: &AppState, user: &CurrentUser, error: Option<String>) -> AppResult<TotpPage> {
    let st = auth::totp_state(&state.db, &user.actor()).await?;
    let (enabled, secret, qr) = match st {
        auth::TotpState::On => (true, None, String::new()),
        auth::TotpState::Off => (false, None, String::new()),
        auth::TotpState::Pending { secret } => {
            let uri = kaifaqu_store::totp::otpauth_uri(TOTP_ISSUER, &user.user.login_name, &secret);
            let grouped =
                secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>();
            (false, Some(grouped.join(" ")), qr_svg(&uri)?)
        }
    };
    let required = state.policy.needs_totp_enrolment(&user.user);
    Ok(TotpPage { shell: Shell::load(state, user, "/account", None).await?, enabled, secret, qr, error, required })
}

/// 动态口令（双因素登录）: status, or the QR code and secret while enrolling.
async fn totp_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    html(&totp_page_with(&state, &user, None).await?)
}

async fn totp_begin(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    match auth::totp_begin(&state.db, &user.actor()).await {
        Ok(_) => Ok(Redirect::to("/account/totp").into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = totp_page_with(&state, &user, e.message_for("code").map(str::to_string)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn totp_confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<CodeForm>,
) -> AppResult<Response> {
    match auth::totp_confirm(&state.db, &user.actor(), &f.code).await {
        Ok(()) => Ok(Redirect::to("/account?done=totp").into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = totp_page_with(&state, &user, e.message_for("code").map(str::to_string)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A security administrator removes a user's second factor (a lost phone).
async fn totp_reset(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    auth::totp_reset(&state.db, &user.actor(), id).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response())
}
