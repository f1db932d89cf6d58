//! New project and edit project (with the optimistic version check).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::projects::{self, ProjectForm};

use super::project_options::ProjectOptions;
use crate::error::AppResult;
use crate::extract::{AppForm, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/projects/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/projects/{id}/edit", get(Need::WRITE, edit).post(Need::WRITE, update))
}

#[derive(Template)]
#[template(path = "project_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    form: ProjectForm,
    errors: Invalid,
    o: ProjectOptions,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: ProjectForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let zone = user.zone_id()?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = FormPage {
        shell: Shell::load(state, user, "/projects", None).await?,
        o: ProjectOptions::load(state, &user.actor().scope(), zone).await?,
        id,
        form,
        errors,
    };
    Ok((status, html(&p)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let year = kaifaqu_store::lookups::today().format("%Y").to_string();
    let form = ProjectForm { category: "industrial".into(), plan_year: year, ..Default::default() };
    page(&state, &user, None, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<ProjectForm>,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    match projects::create(&state.db, &user.actor(), &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/projects/{}?done=created", p.id)).into_response()),
        Err(StoreError::Invalid(e)) => page(&state, &user, None, f, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let p = projects::get(&state.db, &user.actor().scope(), id).await?;
    page(&state, &user, Some(id), ProjectForm::from_project(&p), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ProjectForm>,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    match projects::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}?done=saved")).into_response()),
        Err(e) => {
            // bad fields (422) or a stale version (409): the form again, with the input kept
            let (status, e) = crate::error::form_errors(e)?;
            crate::error::with_status(page(&state, &user, Some(id), f, e).await, status)
        }
    }
}
