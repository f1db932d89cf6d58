//! 安全管理 → 用户 (the 安全管理员: accounts, roles, the active flag, password and second-factor
//! resets) and 系统管理 → 人员信息 (the 系统管理员: name, phone and department of the accounts
//! that are not one of the three duties') — 三员分立, C9.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission, Role};
use kaifaqu_store::StoreError;
use kaifaqu_store::departments::{self, Department};
use kaifaqu_store::users::{self, AccessForm, DetailsForm, User, UserFilter, UserForm};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base, stale_errors};
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
        .route("/admin/people", get(Need::ADMIN, people))
        .route("/admin/users/{id}/details", get(Need::ADMIN, details_form).post(Need::ADMIN, update_details))
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
    /// The account being edited (its name, phone and department are shown, not edited here).
    target: Option<User>,
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
    let (form, active, history, target) = match id {
        Some(id) => {
            let u = users::get(&state.db, &scope, id).await?;
            let active = form.as_ref().map(|f| f.active.is_some()).unwrap_or(u.active);
            let form = form.unwrap_or_else(|| UserForm {
                role: u.role.code().to_string(),
                version: u.version.to_string(),
                ..Default::default()
            });
            let form = UserForm { login_name: u.login_name.clone(), ..form };
            (form, active, history(state, &scope, "user", id).await?, Some(u))
        }
        None => (form.unwrap_or_default(), true, Vec::new(), None),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/admin/users", None).await?,
        id,
        target,
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

/// The 安全管理员's change: role and active flag.
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<AccessForm>,
) -> AppResult<Response> {
    user.require(Permission::ManageSecurity)?;
    let kept =
        |version: String| UserForm { role: f.role.clone(), active: f.active.clone(), version, ..Default::default() };
    match users::update_access(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => {
            form_page(&state, &user, Some(id), Some(kept(f.version.clone())), errors).await
        }
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = users::get(&state.db, &scope, id).await?;
            let errors = stale_errors(&state, &scope, "user", id).await?;
            let page = form_page(&state, &user, Some(id), Some(kept(current.version.to_string())), errors).await;
            crate::error::with_status(page, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    shell: Shell,
    q: String,
    rows: Vec<User>,
    pager: Pager,
}

impl PeoplePage {
    fn is_duty(&self, u: &User) -> bool {
        users::is_duty_role(u.role)
    }
}

/// 系统管理 → 人员信息: the zone's accounts, each with its name, phone and department; the three
/// duties' accounts are listed but change only on the server.
async fn people(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    user.zone_id()?;
    let f = UserFilter { q: q.q, sort: "name".into(), page: q.page, ..Default::default() };
    let page = users::list(&state.db, &user.actor().scope(), &f).await?;
    let base = query_base("/admin/people", &[("q", &f.q)]);
    html(&PeoplePage {
        shell: Shell::load(&state, &user, "/admin/people", q.done.as_deref()).await?,
        q: f.q.clone(),
        pager: Pager::new(&page, &base),
        rows: page.rows,
    })
}

#[derive(Template)]
#[template(path = "user_details.html")]
struct DetailsPage {
    shell: Shell,
    id: i64,
    target: User,
    form: DetailsForm,
    errors: Invalid,
    departments: Vec<Department>,
    history: Vec<HistoryRow>,
}

async fn details_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Option<DetailsForm>,
    errors: Invalid,
    status: StatusCode,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let scope = user.actor().scope();
    let zone = user.zone_id()?;
    let u = users::get(&state.db, &scope, id).await?;
    if users::is_duty_role(u.role) {
        return Err(crate::error::AppError::Forbidden(
            "系统管理员、审计管理员和安全管理员的账号只能由运维人员在服务器上变更（三员分立）".into(),
        ));
    }
    let form = form.unwrap_or_else(|| DetailsForm {
        display_name: u.display_name.clone(),
        phone: u.phone.clone().unwrap_or_default(),
        department_id: u.department_id.map(|d| d.to_string()).unwrap_or_default(),
        version: u.version.to_string(),
    });
    let page = DetailsPage {
        shell: Shell::load(state, user, "/admin/people", None).await?,
        id,
        target: u,
        form,
        errors,
        departments: departments::list(&state.db, &scope, zone).await?,
        history: history(state, &scope, "user", id).await?,
    };
    Ok((status, html(&page)?).into_response())
}

async fn details_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    details_page(&state, &user, id, None, Invalid::new(), StatusCode::OK).await
}

/// The 系统管理员's change: name, phone, department.
async fn update_details(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<DetailsForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    match users::update_details(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/people?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => {
            details_page(&state, &user, id, Some(f), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = users::get(&state.db, &scope, id).await?;
            let errors = stale_errors(&state, &scope, "user", id).await?;
            let f = DetailsForm { version: current.version.to_string(), ..f };
            details_page(&state, &user, id, Some(f), errors, StatusCode::CONFLICT).await
        }
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
