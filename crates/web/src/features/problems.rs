//! 招商与项目 → 问题台账: problems blocking projects, overdue ones first and marked in red,
//! each closed as 已解决 (with how) or 无法解决 (with why).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::project::{ProblemCategory, ProblemStatus};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::departments::{self, Department};
use kaifaqu_store::problems::{self, Problem, ProblemFilter, ProblemForm};
use kaifaqu_store::projects::{self, ProjectFilter};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/problems", get(Need::READ, list))
        .route("/problems/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/problems/{id}", get(Need::READ, edit).post(Need::WRITE, update))
}

/// Every project of the user's zone as (id, name), by name, for select boxes.
pub(super) async fn project_options(state: &AppState, user: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    let f = ProjectFilter { sort: "name".into(), per_page: Some(10_000), ..Default::default() };
    let page = projects::list(&state.db, &user.actor().scope(), user.zone_id()?, &f).await?;
    Ok(page.rows.into_iter().map(|p| (p.id, p.name)).collect())
}

/// The zone's departments (for select boxes; stopped ones are shown only when already chosen).
pub(super) async fn department_options(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Department>> {
    Ok(departments::list(&state.db, &user.actor().scope(), user.zone_id()?).await?)
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ListPage {
    shell: Shell,
    q: ListQuery,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    departments: Vec<Department>,
    projects: Vec<(i64, String)>,
    can_write: bool,
    new_href: String,
    rows: Vec<Problem>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    category: String,
    department: String,
    overdue: String,
    project: String,
    /// Only problems of projects this leader answers for (the home page's tiles).
    leader: String,
    page: Option<u64>,
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let f = ProblemFilter {
        project: q.project.clone(),
        status: q.status.clone(),
        department: q.department.clone(),
        category: q.category.clone(),
        overdue: q.overdue.clone(),
        leader: q.leader.clone(),
        page: q.page,
        per_page: None,
    };
    let page = problems::list(&state.db, &user.actor().scope(), zone, &f).await?;
    let base = query_base(
        "/problems",
        &[
            ("status", &q.status),
            ("category", &q.category),
            ("department", &q.department),
            ("overdue", &q.overdue),
            ("project", &q.project),
            ("leader", &q.leader),
        ],
    );
    let new_href = match q.project.trim().parse::<i64>() {
        Ok(p) => format!("/problems/new?project={p}"),
        Err(_) => "/problems/new".to_string(),
    };
    let mut statuses = vec![("unclosed", "未办结")];
    statuses.extend(ProblemStatus::options());
    html(&ListPage {
        shell: Shell::load(&state, &user, "/problems", q.done.as_deref()).await?,
        statuses,
        categories: ProblemCategory::options(),
        departments: department_options(&state, &user).await?,
        projects: project_options(&state, &user).await?,
        can_write: user.user.role.has(Permission::Write),
        new_href,
        pager: Pager::new(&page, &base),
        rows: page.rows,
        q,
    })
}

#[derive(Template)]
#[template(path = "problem_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    /// The saved record (edit page).
    saved: Option<Problem>,
    can_write: bool,
    form: ProblemForm,
    errors: Invalid,
    projects: Vec<(i64, String)>,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    departments: Vec<Department>,
    history: Vec<HistoryRow>,
}

fn form_of(p: &Problem) -> ProblemForm {
    ProblemForm {
        project_id: p.project_id.to_string(),
        category: p.category.code().to_string(),
        description: p.description.clone(),
        raised_date: p.raised_date.to_string(),
        department_id: p.department_id.map(|d| d.to_string()).unwrap_or_default(),
        person: p.person.clone().unwrap_or_default(),
        deadline: p.deadline.map(|d| d.to_string()).unwrap_or_default(),
        status: p.status.code().to_string(),
        reason: p.reason.clone().unwrap_or_default(),
        resolution: p.resolution.clone().unwrap_or_default(),
        resolved_date: p.resolved_date.map(|d| d.to_string()).unwrap_or_default(),
        version: p.version.to_string(),
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: Option<ProblemForm>,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let (saved, form, history) = match id {
        Some(id) => {
            let p = problems::get(&state.db, &scope, id).await?;
            let form = form.unwrap_or_else(|| form_of(&p));
            (Some(p), form, history(state, &scope, "problem", id).await?)
        }
        None => (None, form.unwrap_or_default(), Vec::new()),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/problems", done).await?,
        id,
        saved,
        can_write: user.user.role.has(Permission::Write),
        form,
        errors,
        projects: project_options(state, user).await?,
        categories: ProblemCategory::options(),
        statuses: ProblemStatus::options(),
        departments: department_options(state, user).await?,
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
    let form = ProblemForm {
        project_id: q.project.trim().parse::<i64>().map(|p| p.to_string()).unwrap_or_default(),
        raised_date: kaifaqu_store::lookups::today().to_string(),
        status: ProblemStatus::Open.code().to_string(),
        ..Default::default()
    };
    form_page(&state, &user, None, Some(form), Invalid::new(), None).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<ProblemForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match problems::create(&state.db, &user.actor(), &f).await {
        Ok(_) => Ok(Redirect::to("/problems?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, Some(f), errors, None).await,
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
    form_page(&state, &user, Some(id), None, Invalid::new(), d.done.as_deref()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ProblemForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match problems::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/problems/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, Some(id), Some(f), errors, None).await,
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = problems::get(&state.db, &scope, id).await?;
            let errors = super::common::stale_errors(&state, &scope, "problem", id).await?;
            let f = ProblemForm { version: current.version.to_string(), ..f };
            let page = form_page(&state, &user, Some(id), Some(f), errors, None).await;
            crate::error::with_status(page, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
