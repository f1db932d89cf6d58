//! 系统管理 → 科室.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::departments::{self, Department, DepartmentForm};
use serde::Deserialize;

use super::common::{HistoryRow, history, stale_errors};
use crate::error::AppResult;
use crate::extract::{AppForm, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/admin/departments", get(Need::ADMIN, list).post(Need::ADMIN, create))
        .route("/admin/departments/{id}", get(Need::ADMIN, edit).post(Need::ADMIN, update))
        .route("/admin/departments/{id}/delete", post(Need::ADMIN, delete))
}

#[derive(Template)]
#[template(path = "departments.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Department>,
    form: DepartmentForm,
    errors: Invalid,
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    form: DepartmentForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let rows = departments::list(&state.db, &user.actor().scope(), user.zone_id()?).await?;
    html(&ListPage { shell: Shell::load(state, user, "/admin/departments", done).await?, rows, form, errors })
}

async fn list(State(state): State<AppState>, user: CurrentUser, Query(d): Query<Done>) -> AppResult<Response> {
    list_page(&state, &user, d.done.as_deref(), DepartmentForm::default(), Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<DepartmentForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    match departments::create(&state.db, &user.actor(), user.zone_id()?, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/departments?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = list_page(&state, &user, None, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "department_edit.html")]
struct EditPage {
    shell: Shell,
    id: i64,
    name: String,
    active: bool,
    form: DepartmentForm,
    errors: Invalid,
    history: Vec<HistoryRow>,
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Option<DepartmentForm>,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let scope = user.actor().scope();
    let d = departments::get(&state.db, &scope, id).await?;
    let active = form.as_ref().map(|f| f.active.is_some()).unwrap_or(d.active);
    let form = form.unwrap_or_else(|| DepartmentForm {
        name: d.name.clone(),
        sort_order: d.sort_order.to_string(),
        active: None,
        version: d.version.to_string(),
    });
    html(&EditPage {
        shell: Shell::load(state, user, "/admin/departments", None).await?,
        id,
        name: d.name,
        active,
        form,
        errors,
        history: history(state, &scope, "department", id).await?,
    })
}

async fn edit(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    edit_page(&state, &user, id, None, Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(mut f): AppForm<DepartmentForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    f.active = Some(f.active.unwrap_or_else(|| "off".into()));
    match departments::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/departments?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let f = DepartmentForm { active: (f.active.as_deref() == Some("on")).then(|| "on".into()), ..f };
            let page = edit_page(&state, &user, id, Some(f), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(StoreError::Stale) => {
            // the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = departments::get(&state.db, &scope, id).await?;
            let errors = stale_errors(&state, &scope, "department", id).await?;
            let f = DepartmentForm {
                active: (f.active.as_deref() == Some("on")).then(|| "on".into()),
                version: current.version.to_string(),
                ..f
            };
            let page = edit_page(&state, &user, id, Some(f), errors).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    match departments::delete(&state.db, &user.actor(), id).await {
        Ok(()) => Ok(Redirect::to("/admin/departments?done=deleted").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = edit_page(&state, &user, id, None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
