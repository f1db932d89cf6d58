//! One project's page: summary, stage timeline with time in each stage, events (record,
//! correct, remove), contacts, problems, meetings, attachments and change history.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::Permission;
use kaifaqu_domain::stage::{EventKind, Stage};
use kaifaqu_store::attachments::{self, Attachment};
use kaifaqu_store::contacts::{self, Contact, ContactFilter};
use kaifaqu_store::events::{self, EventForm, ProjectEvent};
use kaifaqu_store::meetings::{self, Meeting};
use kaifaqu_store::problems::{self, Problem, ProblemFilter};
use kaifaqu_store::projects::{self, Project};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::common::{HistoryRow, history};
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/projects/{id}", get(Need::READ, show))
        .route("/projects/{id}/events", post(Need::WRITE, add_event))
        .route("/projects/events/{id}", post(Need::WRITE, correct_event))
        .route("/projects/events/{id}/delete", post(Need::WRITE, remove_event))
        .route(
            "/projects/{id}/attachments",
            post(Need::WRITE, upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
}

pub struct StageRow {
    pub label: &'static str,
    pub date: String,
    pub days: String,
    pub reached: bool,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    shell: Shell,
    p: Project,
    can_write: bool,
    stages: Vec<StageRow>,
    events: Vec<ProjectEvent>,
    kinds: Vec<(&'static str, &'static str)>,
    event_form: EventForm,
    event_error: Option<String>,
    contacts: Vec<Contact>,
    problems: Vec<Problem>,
    meetings: Vec<Meeting>,
    attachments: Vec<(Attachment, String)>,
    upload_error: Option<String>,
    history: Vec<HistoryRow>,
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    done: Option<&str>,
    event_form: EventForm,
    event_error: Option<String>,
    upload_error: Option<String>,
) -> AppResult<Response> {
    // the lists below each name their rows: read the zone's names once for the whole page
    lookups::cached(page_inner(state, user, id, done, event_form, event_error, upload_error)).await
}

async fn page_inner(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    done: Option<&str>,
    event_form: EventForm,
    event_error: Option<String>,
    upload_error: Option<String>,
) -> AppResult<Response> {
    let scope = user.actor().scope();
    let zone = user.zone_id()?;
    let p = projects::get(&state.db, &scope, id).await?;
    if p.zone_id != zone {
        return Err(AppError::NotFound);
    }
    let events = events::list(&state.db, &scope, id).await?;
    let today = lookups::today();
    let spans = events::time_in_stages(&events, today);
    let stages = Stage::ALL
        .iter()
        .map(|s| match spans.iter().find(|(st, _, _)| st == s) {
            Some((_, d, days)) => {
                StageRow { label: s.label(), date: d.to_string(), days: format!("{days} 天"), reached: true }
            }
            None => StageRow { label: s.label(), date: String::new(), days: String::new(), reached: false },
        })
        .collect();
    let contacts = contacts::list(
        &state.db,
        &scope,
        zone,
        &ContactFilter { project: id.to_string(), per_page: Some(500), ..Default::default() },
    )
    .await?
    .rows;
    let problems = problems::list(
        &state.db,
        &scope,
        zone,
        &ProblemFilter { project: id.to_string(), per_page: Some(500), ..Default::default() },
    )
    .await?
    .rows;
    let meetings = meetings::list(&state.db, &scope, zone, Some(id), 1, 100).await?.rows;
    let mut links: Vec<(&str, String)> = vec![("project", id.to_string())];
    links.extend(events.iter().map(|e| ("project_event", e.id.to_string())));
    let attachments = attachments::linked(&state.db, &scope, zone, &links)
        .await?
        .into_iter()
        .map(|a| {
            let what = match (a.entity.as_deref(), a.entity_id.as_deref()) {
                (Some("project_event"), Some(eid)) => events
                    .iter()
                    .find(|e| e.id.to_string() == eid)
                    .map(|e| format!("{}（{}）", e.kind_label, e.date))
                    .unwrap_or_default(),
                _ => "项目".to_string(),
            };
            (a, what)
        })
        .collect();
    let page = ProjectPage {
        shell: Shell::load(state, user, "/projects", done).await?,
        can_write: user.user.role.has(Permission::Write),
        kinds: EventKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        history: history(state, &scope, "project", id).await?,
        p,
        stages,
        events,
        event_form,
        event_error: event_error.clone(),
        contacts,
        problems,
        meetings,
        attachments,
        upload_error: upload_error.clone(),
    };
    let status =
        if event_error.is_some() || upload_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html(&page)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(d): Query<Done>,
) -> AppResult<Response> {
    let form = EventForm { date: lookups::today().to_string(), ..Default::default() };
    page(&state, &user, id, d.done.as_deref(), form, None, None).await
}

fn first_message(e: &kaifaqu_domain::Invalid) -> String {
    e.errors.iter().map(|x| x.message.as_str()).collect::<Vec<_>>().join("；")
}

async fn add_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<EventForm>,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    match events::add(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => page(&state, &user, id, None, f, Some(first_message(&e)), None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct Back {
    #[serde(default)]
    project: i64,
}

async fn correct_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(b): Query<Back>,
    AppForm(f): AppForm<EventForm>,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    match events::correct(&state.db, &user.actor(), id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{}?done=saved", b.project)).into_response()),
        Err(StoreError::Invalid(e)) => {
            let form = EventForm { date: lookups::today().to_string(), ..Default::default() };
            page(&state, &user, b.project, None, form, Some(format!("更正未保存：{}", first_message(&e))), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(b): Query<Back>,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    match events::remove(&state.db, &user.actor(), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{}?done=deleted", b.project)).into_response()),
        Err(StoreError::Invalid(e)) => {
            let form = EventForm { date: lookups::today().to_string(), ..Default::default() };
            page(&state, &user, b.project, None, form, Some(format!("删除未完成：{}", first_message(&e))), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Evidence upload: part `file`, and optionally `event` (the event it documents).
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let p = projects::get(&state.db, &user.actor().scope(), id).await?;
    let mut event: Option<String> = None;
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        match field.name() {
            Some("event") => event = Some(field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?),
            Some("file") => {
                let name = field.file_name().unwrap_or("附件").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        AppError::TooLarge("上传的文件过大".into())
                    } else {
                        AppError::BadRequest(e.body_text())
                    }
                })?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let form = EventForm { date: lookups::today().to_string(), ..Default::default() };
    let Some((name, bytes)) = file else {
        return page(&state, &user, id, None, form, None, Some("请选择要上传的文件".into())).await;
    };
    let event = event.filter(|e| !e.trim().is_empty());
    if let Some(eid) = &event {
        let evs = events::list(&state.db, &user.actor().scope(), p.id).await?;
        if !evs.iter().any(|e| &e.id.to_string() == eid) {
            return page(&state, &user, id, None, form, None, Some("所选节点不属于本项目".into())).await;
        }
    }
    let link = match &event {
        Some(eid) => ("project_event", eid.clone()),
        None => ("project", id.to_string()),
    };
    match attachments::upload(&state.db, &state.storage, &user.actor(), &name, bytes, Some((link.0, &link.1))).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}?done=uploaded")).into_response()),
        Err(StoreError::Invalid(e)) => page(&state, &user, id, None, form, None, Some(first_message(&e))).await,
        Err(e) => Err(e.into()),
    }
}
