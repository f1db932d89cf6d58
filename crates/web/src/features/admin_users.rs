//! 系统管理 → 用户.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission, Role};
use kaifaqu_store::StoreError;
use kaifaqu_store::departments::{self, Department};
use kaifaqu_store::users::{self, User, UserFilter, UserForm};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/admin/users", get(Need::SECURITY, list))
        .route("/admin/users/new", get(Need::SECURITY, new_form).post(Need::SECURITY, create))
        .route("/admin/users/{id}", get(Need::SECURITY, edit).post(Need::SECURITY, update))
        .route("/admin/users/{id}/password", post(Need::SECURITY, reset_password))
}

/// Roles a zone admin can give (city-level accounts come from the command line).
fn zone_roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.into_iter().filter(|r| !r.is_city_level()).map(|r| (r.code(), r.label())).collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    shell: Shell,
    q: String,
    role: String,
    sort: String,
    roles: Vec<(&'static str, &'static str)>,
    rows: Vec<User>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    sort: String,
    page: Option<u64>,
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    user.require(Permission::ManageSecurity)?;
    user.zone_id()?;
    let f = UserFilter { q: q.q, role: q.role, sort: q.sort, page: q.page, per_page: None };
    let page = users::list(&state.db, &user.actor().scope(), &f).await?;
    let base = query_base("/admin/users", &[("q", &f.q), ("role", &f.role), ("sort", &f.sort)]);
    html(&ListPage {
        shell: Shell::load(&state, &user, "/admin/users", q.done.as_deref()).await?,
        q: f.q.clone(),
        role: f.role.clone(),
        sort: f.sort.clone(),
        roles: zone_roles(),
        pager: Pager::new(&page, &base),
        rows: page.rows,
    })
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    active: bool,
    form: UserForm,
    errors: Invalid,
    roles: Vec<(&'static str, &'static str)>,
    departments: Vec<Department>,
    history: Vec<HistoryRow>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: Option<UserForm>,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::ManageSecurity)?;
    let scope = user.actor().scope();
    let zone = user.zone_id()?;
    let (form, active, history) = match id {
        Some(id) => {
            let u = users::get(&state.db, &scope, id).await?;
            let active = form.as_ref().map(|f| f.active.is_some()).unwrap_or(u.active);
            let form = form.unwrap_or_else(|| UserForm {
                login_name: u.login_name.clone(),
                display_name: u.display_name.clone(),
                phone: u.phone.clone().unwrap_or_default(),
                role: u.role.code().to_string(),
                department_id: u.department_id.map(|d| d.to_string()).unwrap_or_default(),
                active: None,
                password: String::new(),
            });
            let form = UserForm { login_name: u.login_name, ..form };
            (form, active, history(state, &scope, "user", id).await?)
        }
        None => (form.unwrap_or_default(), true, Vec::new()),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/admin/users", None).await?,
        id,
        active,
        form: UserForm { password: String::new(), ..form },
        errors,
        roles: zone_roles(),
        departments: departments::list(&state.db, &scope, zone).await?,
        history,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    form_page(&state, &user, None, None, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<UserForm>,
) -> AppResult<Response> {
    user.require(Permission::ManageSecurity)?;
    match users::create(&state.db, &user.actor(), None, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, Some(f), errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    form_page(&state, &user, Some(id), None, Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<UserForm>,
) -> AppResult<Response> {
    user.require(Permission::ManageSecurity)?;
    match users::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, Some(id), Some(f), errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ResetForm>,
) -> AppResult<Response> {
    user.require(Permission::ManageSecurity)?;
    match users::reset_password(&state.db, &user.actor(), id, &f.password).await {
        Ok(()) => Ok(Redirect::to("/admin/users?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, Some(id), None, errors).await,
        Err(e) => Err(e.into()),
    }
}
