//! Login, logout, own password and API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use kaifaqu_domain::Invalid;
use kaifaqu_domain::time::local_display;
use kaifaqu_store::StoreError;
use kaifaqu_store::auth;
use kaifaqu_store::users::User;
use serde::Deserialize;

use crate::assets;
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, Auth, CurrentUser, session_cookie_name};
use crate::middleware::ClientIp;
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route("/account/password", get(password_page).post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/digest", post(set_digest))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    css: &'static str,
    next: String,
    login_name: String,
    error: Option<&'static str>,
    info: Option<&'static str>,
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

async fn login_page(Query(q): Query<LoginQuery>) -> AppResult<Response> {
    let info = if q.changed.is_some() {
        Some("密码已修改，请用新密码登录。")
    } else if q.bye.is_some() {
        Some("您已退出登录。")
    } else {
        None
    };
    html(&LoginPage {
        css: assets::css_path(),
        next: safe_next(q.next.as_deref()),
        login_name: String::new(),
        error: None,
        info,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
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
    if f.login_name.len() > 64 || f.password.len() > 1024 {
        return Err(AppError::Invalid(Invalid::one("login_name", auth::LOGIN_FAILED)));
    }
    match auth::login(&state.db, &state.policy, &f.login_name, &f.password, ip.as_deref(), ua).await? {
        Some(s) => {
            let target = if s.session.user.must_change_password { "/account/password".to_string() } else { next };
            let mut res = Redirect::to(&target).into_response();
            let max_age = state.policy.absolute_timeout.num_seconds();
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &s.token, max_age));
            Ok(res)
        }
        None => {
            let page = LoginPage {
                css: assets::css_path(),
                next,
                login_name: f.login_name,
                error: Some(auth::LOGIN_FAILED),
                info: None,
            };
            Ok((StatusCode::UNAUTHORIZED, html(&page)?).into_response())
        }
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
    errors: Invalid,
}

async fn password_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    html(&PasswordPage {
        shell: Shell::load(&state, &user, "/account", None).await?,
        forced: user.user.must_change_password,
        errors: Invalid::new(),
    })
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
        auth::change_own_password(&state.db, &user.actor(), &f.old_password, &f.new_password).await
    };
    match result {
        Ok(()) => Ok(clear_cookie(&state, Redirect::to("/login?changed=1").into_response())),
        Err(StoreError::Invalid(errors)) => {
            let page = PasswordPage {
                shell: Shell::load(&state, &user, "/account", None).await?,
                forced: user.user.must_change_password,
                errors,
            };
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
