//! 招商与项目 → 对接记录: visits, receptions, calls and fairs with investors, filtered by date,
//! team and project (the filters stay in the URL, so a figure can link to its records).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::project::ContactForm;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::contacts::{self, Contact, ContactFilter, ContactFormInput};
use kaifaqu_store::dictionaries::{self, DictionaryItem};
use kaifaqu_store::{Page, StoreError};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base, stale_errors};
use super::problems::project_options;
use crate::error::{AppResult, form_errors, with_status};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/contacts", get(Need::READ, list))
        .route("/contacts/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/contacts/{id}", get(Need::READ, edit).post(Need::WRITE, update))
}

async fn teams(state: &AppState, user: &CurrentUser) -> AppResult<Vec<DictionaryItem>> {
    Ok(dictionaries::list(&state.db, &user.actor().scope(), user.zone_id()?, Some("promotion_team"), false).await?)
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ListPage {
    shell: Shell,
    q: ListQuery,
    teams: Vec<DictionaryItem>,
    projects: Vec<(i64, String)>,
    can_write: bool,
    new_href: String,
    rows: Vec<Contact>,
    pager: Pager,
    errors: Invalid,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    from: String,
    to: String,
    team: String,
    project: String,
    page: Option<u64>,
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let f = ContactFilter {
        from: q.from.clone(),
        to: q.to.clone(),
        team: q.team.clone(),
        project: q.project.clone(),
        page: q.page,
        per_page: None,
    };
    let (page, errors) = match contacts::list(&state.db, &scope, zone, &f).await {
        Ok(p) => (p, Invalid::new()),
        Err(StoreError::Invalid(errors)) => (Page { rows: Vec::new(), total: 0, page: 1, per_page: 50 }, errors),
        Err(e) => return Err(e.into()),
    };
    let base = query_base("/contacts", &[("from", &q.from), ("to", &q.to), ("team", &q.team), ("project", &q.project)]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let new_href = match q.project.trim().parse::<i64>() {
        Ok(p) => format!("/contacts/new?project={p}"),
        Err(_) => "/contacts/new".to_string(),
    };
    let page = ListPage {
        shell: Shell::load(&state, &user, "/contacts", q.done.as_deref()).await?,
        teams: teams(&state, &user).await?,
        projects: project_options(&state, &user).await?,
        can_write: user.user.role.has(Permission::Write),
        new_href,
        pager: Pager::new(&page, &base),
        rows: page.rows,
        errors,
        q,
    };
    Ok((status, html(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    can_write: bool,
    form: ContactFormInput,
    errors: Invalid,
    teams: Vec<DictionaryItem>,
    projects: Vec<(i64, String)>,
    forms: Vec<(&'static str, &'static str)>,
    history: Vec<HistoryRow>,
}

fn form_of(c: &Contact) -> ContactFormInput {
    ContactFormInput {
        date: c.date.to_string(),
        project_id: c.project_id.map(|p| p.to_string()).unwrap_or_default(),
        lead_name: c.lead_name.clone().unwrap_or_default(),
        team_id: c.team_id.map(|t| t.to_string()).unwrap_or_default(),
        form: c.form.code().to_string(),
        place: c.place.clone().unwrap_or_default(),
        participants: c.participants.clone().unwrap_or_default(),
        summary: c.summary.clone(),
        next_step: c.next_step.clone().unwrap_or_default(),
        next_date: c.next_date.map(|d| d.to_string()).unwrap_or_default(),
        version: c.version.to_string(),
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: ContactFormInput,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let history = match id {
        Some(id) => history(state, &scope, "contact", id).await?,
        None => Vec::new(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/contacts", done).await?,
        id,
        can_write: user.user.role.has(Permission::Write),
        form,
        errors,
        teams: teams(state, user).await?,
        projects: project_options(state, user).await?,
        forms: ContactForm::options(),
        history,
    };
    Ok((status, html(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    project: String,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<NewQuery>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let form = ContactFormInput {
        date: kaifaqu_store::lookups::today().to_string(),
        project_id: q.project.trim().parse::<i64>().map(|p| p.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, &user, None, form, Invalid::new(), None).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<ContactFormInput>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match contacts::create(&state.db, &user.actor(), &f).await {
        Ok(_) => Ok(Redirect::to("/contacts?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, f, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    user.zone_id()?;
    let c = contacts::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), form_of(&c), Invalid::new(), d.done.as_deref()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ContactFormInput>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match contacts::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/contacts/{id}?done=saved")).into_response()),
        Err(StoreError::Stale) => {
            // 409: the input kept with what changed, and the current version in the hidden
            // field, so saving again overwrites knowingly
            let scope = user.actor().scope();
            let mut f = f;
            f.version = contacts::get(&state.db, &scope, id).await?.version.to_string();
            let errors = stale_errors(&state, &scope, "contact", id).await?;
            with_status(form_page(&state, &user, Some(id), f, errors, None).await, StatusCode::CONFLICT)
        }
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            contacts::get(&state.db, &user.actor().scope(), id).await?;
            with_status(form_page(&state, &user, Some(id), f, errors, None).await, status)
        }
    }
}
