//! 招商与项目 → 调度会: dispatch meetings, the projects discussed and the decisions taken;
//! a decision can open a problem or hand over an existing one, and the meeting page shows
//! what became of each.

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::project::ProblemCategory;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::departments::Department;
use kaifaqu_store::meetings::{self, Decision, DecisionForm, Meeting, MeetingForm};
use kaifaqu_store::problems::{self, Problem, ProblemFilter};
use kaifaqu_store::users::{self, User, UserFilter};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base};
use super::problems::{department_options, project_options};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/meetings", get(Need::READ, list))
        .route("/meetings/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/meetings/{id}", get(Need::READ, show))
        .route("/meetings/{id}/edit", get(Need::WRITE, edit).post(Need::WRITE, update))
        .route("/meetings/{id}/decisions", post(Need::WRITE, add_decision))
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    shell: Shell,
    can_write: bool,
    rows: Vec<Meeting>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
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
    let project = q.project.trim().parse::<i64>().ok();
    let page = meetings::list(&state.db, &user.actor().scope(), zone, project, q.page.unwrap_or(1), 50).await?;
    let base = query_base("/meetings", &[("project", &q.project)]);
    html(&ListPage {
        shell: Shell::load(&state, &user, "/meetings", q.done.as_deref()).await?,
        can_write: user.user.role.has(Permission::Write),
        pager: Pager::new(&page, &base),
        rows: page.rows,
    })
}

/// A project of the multi-select, with whether it is chosen.
struct ProjectOption {
    id: i64,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    form: MeetingForm,
    errors: Invalid,
    users: Vec<User>,
    projects: Vec<ProjectOption>,
}

/// The meeting form from a urlencoded body: `project_ids` may repeat (a multi-select), which
/// serde_urlencoded cannot put into a Vec.
fn parse_meeting_form(body: &[u8]) -> MeetingForm {
    let mut f = MeetingForm::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "date" => f.date = v,
            "title" => f.title = v,
            "chair_id" => f.chair_id = v,
            "attendees" => f.attendees = v,
            "minutes" => f.minutes = v,
            "project_ids" => f.project_ids.push(v),
            "version" => f.version = v,
            _ => {}
        }
    }
    f
}

fn form_of(m: &Meeting) -> MeetingForm {
    MeetingForm {
        date: m.date.to_string(),
        title: m.title.clone(),
        chair_id: m.chair_id.map(|c| c.to_string()).unwrap_or_default(),
        attendees: m.attendees.clone(),
        minutes: m.minutes.clone(),
        project_ids: m.projects.iter().map(|(id, _)| id.to_string()).collect(),
        version: m.version.to_string(),
    }
}

async fn zone_users(state: &AppState, user: &CurrentUser) -> AppResult<Vec<User>> {
    user.zone_id()?;
    let f = UserFilter { sort: "name".into(), per_page: Some(500), ..Default::default() };
    Ok(users::list(&state.db, &user.actor().scope(), &f).await?.rows)
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: MeetingForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let chosen: Vec<&str> = form.project_ids.iter().map(|s| s.trim()).collect();
    let projects = project_options(state, user)
        .await?
        .into_iter()
        .map(|(id, name)| ProjectOption { selected: chosen.contains(&id.to_string().as_str()), id, name })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/meetings", None).await?,
        id,
        users: zone_users(state, user).await?,
        projects,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let form = MeetingForm { date: kaifaqu_store::lookups::today().to_string(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(State(state): State<AppState>, user: CurrentUser, RawForm(body): RawForm) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let f = parse_meeting_form(&body);
    match meetings::create(&state.db, &user.actor(), &f).await {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}?done=created", m.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let m = meetings::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), form_of(&m), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let f = parse_meeting_form(&body);
    match meetings::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            meetings::get(&state.db, &user.actor().scope(), id).await?;
            form_page(&state, &user, Some(id), f, errors).await
        }
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = meetings::get(&state.db, &scope, id).await?;
            let errors = super::common::stale_errors(&state, &scope, "meeting", id).await?;
            let f = MeetingForm { version: current.version.to_string(), ..f };
            crate::error::with_status(form_page(&state, &user, Some(id), f, errors).await, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "meeting_show.html")]
struct ShowPage {
    shell: Shell,
    m: Meeting,
    decisions: Vec<Decision>,
    can_write: bool,
    df: DecisionForm,
    errors: Invalid,
    /// The meeting's projects first, then the zone's others.
    meeting_projects: Vec<(i64, String)>,
    other_projects: Vec<(i64, String)>,
    open_problems: Vec<Problem>,
    categories: Vec<(&'static str, &'static str)>,
    departments: Vec<Department>,
    history: Vec<HistoryRow>,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    df: DecisionForm,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let m = meetings::get(&state.db, &scope, id).await?;
    let decisions = meetings::decisions(&state.db, &scope, id).await?;
    let can_write = user.user.role.has(Permission::Write);
    let (meeting_projects, other_projects, open_problems) = if can_write {
        let (mine, others) =
            project_options(state, user).await?.into_iter().partition(|(p, _)| m.projects.iter().any(|(q, _)| q == p));
        let f = ProblemFilter { status: "unclosed".into(), per_page: Some(10_000), ..Default::default() };
        (mine, others, problems::list(&state.db, &scope, zone, &f).await?.rows)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ShowPage {
        shell: Shell::load(state, user, "/meetings", done).await?,
        decisions,
        can_write,
        df,
        errors,
        meeting_projects,
        other_projects,
        open_problems,
        categories: ProblemCategory::options(),
        departments: department_options(state, user).await?,
        history: history(state, &scope, "meeting", id).await?,
        m,
    };
    Ok((status, html(&page)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    show_page(&state, &user, id, DecisionForm::default(), Invalid::new(), d.done.as_deref()).await
}

async fn add_decision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<DecisionForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match meetings::add_decision(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?done=created")).into_response()),
        Err(StoreError::Invalid(errors)) => show_page(&state, &user, id, f, errors, None).await,
        Err(e) => Err(e.into()),
    }
}
