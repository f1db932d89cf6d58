//! The assign/edit form of a task: source, lead leader, responsible and collaborating
//! departments (a multi-select), assignment date, the deadline as a date or N working days,
//! required evidence and, when assigning, the timetable; refused input re-rendered beside the
//! fields with what was typed.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::tasks::{self, TaskForm};
use kaifaqu_store::{StoreError, lookups};

use super::TaskOptions;
use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/tasks/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/tasks/{id}/edit", get(Need::WRITE, edit_form).post(Need::WRITE, update))
}

#[derive(Template)]
#[template(path = "task_form.html")]
struct FormPage {
    shell: Shell,
    /// The task being edited.
    id: Option<i64>,
    form: TaskForm,
    errors: Invalid,
    o: TaskOptions,
}

impl FormPage {
    fn collaborating(&self, id: &str) -> bool {
        self.form.collaborating_ids.iter().any(|c| c.trim() == id)
    }
}

/// The form from a urlencoded body: `collaborating_ids` repeats (a multi-select).
fn parse_form(body: &[u8]) -> TaskForm {
    let mut f = TaskForm::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "title" => f.title = v,
            "source" => f.source = v,
            "source_note" => f.source_note = v,
            "lead_leader_id" => f.lead_leader_id = v,
            "department_id" => f.department_id = v,
            "collaborating_ids" => f.collaborating_ids.push(v),
            "assigned_date" => f.assigned_date = v,
            "deadline" => f.deadline = v,
            "deadline_days" => f.deadline_days = v,
            "evidence" => f.evidence = v,
            "milestones" => f.milestones = v,
            "version" => f.version = v,
            _ => {}
        }
    }
    f
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: TaskForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/tasks", None).await?,
        o: TaskOptions::load(state, user, &form.lead_leader_id).await?,
        id,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    user.zone_id()?;
    let form = TaskForm { assigned_date: lookups::today().to_string(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(State(state): State<AppState>, user: CurrentUser, body: Bytes) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let f = parse_form(&body);
    match tasks::create(&state.db, &user.actor(), &f).await {
        Ok(t) => Ok(Redirect::to(&format!("/tasks/{}?done=created", t.id)).into_response()),
        Err(StoreError::Invalid(e)) => form_page(&state, &user, None, f, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let (t, _, _) = tasks::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), t.form(), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    tasks::get(&state.db, &user.actor().scope(), id).await?;
    let f = parse_form(&body);
    match tasks::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}?done=saved")).into_response()),
        Err(e) => {
            // bad fields (422) or a stale version (409): the form again, with the input kept
            let (status, e) = crate::error::form_errors(e)?;
            crate::error::with_status(form_page(&state, &user, Some(id), f, e).await, status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_departments_are_kept() {
        let f = parse_form(b"title=%E4%BB%BB%E5%8A%A1&collaborating_ids=3&collaborating_ids=5&deadline_days=5");
        assert_eq!(f.title, "任务");
        assert_eq!(f.collaborating_ids, ["3", "5"]);
        assert_eq!(f.deadline_days, "5");
    }
}
