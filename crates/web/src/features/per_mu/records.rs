//! 亩均效益评价 → 企业数据: the form that adds or corrects one enterprise's figures for a year
//! (refused beside the fields, the typed values kept), and deleting them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::per_mu::{self, RecordForm};
use kaifaqu_store::{StoreError, enterprises};

use super::{YearQuery, year_of};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, history};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/per-mu/records/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/per-mu/records/{id}/edit", get(Need::WRITE, edit_form).post(Need::WRITE, update))
        .route("/per-mu/records/{id}/delete", post(Need::WRITE, delete))
}

#[derive(Template)]
#[template(path = "per_mu_record.html")]
struct FormPage {
    shell: Shell,
    /// `None` for a new record.
    id: Option<i64>,
    form: RecordForm,
    errors: Invalid,
    enterprises: Vec<(String, String)>,
    history: Vec<HistoryRow>,
}

impl FormPage {
    fn exempt(&self) -> bool {
        self.form.exempt.as_deref().is_some_and(|v| matches!(v, "on" | "true" | "1"))
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: RecordForm,
    errors: Invalid,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let scope = user.actor().scope();
    let list = enterprises::names(&state.db, &scope, zone).await?;
    let history = match id {
        Some(id) => history(state, &scope, "per_mu_record", id).await?,
        None => Vec::new(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/per-mu", None).await?,
        id,
        enterprises: list.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
        form,
        errors,
        history,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let form = RecordForm { year: year_of(q.year)?.to_string(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<RecordForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match per_mu::create(&state.db, &user.actor(), &f).await {
        Ok(r) => Ok(Redirect::to(&format!("/per-mu?year={}&done=created", r.year)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let r = per_mu::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), r.form(), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<RecordForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match per_mu::update(&state.db, &user.actor(), id, &f).await {
        Ok(r) => Ok(Redirect::to(&format!("/per-mu?year={}&done=saved", r.year)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, Some(id), f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn delete(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let r = per_mu::get(&state.db, &user.actor().scope(), id).await?;
    per_mu::delete(&state.db, &user.actor(), id).await?;
    Ok(Redirect::to(&format!("/per-mu?year={}&done=deleted", r.year)).into_response())
}
