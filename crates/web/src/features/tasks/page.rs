//! One task: what it is, its timetable (add a milestone, change one, mark it done), the steps
//! timeline with each step's attachments, and the step form offering only what the user may do
//! now — 报送进展 and 提交办结 for the responsible department, 审核销号 and 退回 for the lead
//! leader; refusals beside the fields.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use kaifaqu_domain::task::{TaskAction, TaskStatus};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::attachments::{self, Attachment};
use kaifaqu_store::tasks::{self, Milestone, MilestoneForm, Step, StepForm, Task};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, history};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/tasks/{id}", get(Need::READ, show))
        .route("/tasks/{id}/steps", post(Need::WRITE, add_step).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/tasks/{id}/milestones", post(Need::WRITE, add_milestone))
        .route("/tasks/{id}/milestones/{mid}", post(Need::WRITE, update_milestone))
}

/// A step with its attachments.
pub struct StepRow {
    pub s: Step,
    pub files: Vec<Attachment>,
}

#[derive(Template)]
#[template(path = "task_show.html")]
struct TaskPage {
    shell: Shell,
    t: Task,
    milestones: Vec<Milestone>,
    steps: Vec<StepRow>,
    can_write: bool,
    /// The steps this user may take now.
    actions: Vec<(&'static str, &'static str)>,
    step: StepForm,
    milestone: MilestoneForm,
    /// The milestone a refused change was for (0: the add form).
    milestone_id: i64,
    errors: Invalid,
    history: Vec<HistoryRow>,
}

impl TaskPage {
    fn is_open(&self) -> bool {
        self.t.status != TaskStatus::Closed
    }
}

struct Forms {
    step: StepForm,
    milestone: MilestoneForm,
    milestone_id: i64,
    errors: Invalid,
}

impl Forms {
    fn blank() -> Forms {
        Forms {
            step: StepForm { date: lookups::today().to_string(), ..Default::default() },
            milestone: MilestoneForm::default(),
            milestone_id: 0,
            errors: Invalid::new(),
        }
    }
}

async fn page(state: &AppState, user: &CurrentUser, id: i64, forms: Forms, done: Option<&str>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let actor = user.actor();
    let scope = actor.scope();
    let (t, milestones, steps) = tasks::get(&state.db, &scope, id).await?;
    let links: Vec<(&str, String)> = steps.iter().map(|s| ("task_step", s.id.to_string())).collect();
    let files = attachments::linked(&state.db, &scope, zone, &links).await?;
    let steps = steps
        .into_iter()
        .map(|s| {
            let sid = s.id.to_string();
            let files = files.iter().filter(|a| a.entity_id.as_deref() == Some(sid.as_str())).cloned().collect();
            StepRow { s, files }
        })
        .collect();
    let actions = tasks::actions_for(&state.db, &actor, &t)
        .await?
        .into_iter()
        .map(|a: TaskAction| (a.code(), a.label()))
        .collect();
    let status = if forms.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = TaskPage {
        shell: Shell::load(state, user, "/tasks", done).await?,
        milestones,
        steps,
        can_write: user.user.role.has(Permission::Write),
        actions,
        step: forms.step,
        milestone: forms.milestone,
        milestone_id: forms.milestone_id,
        errors: forms.errors,
        history: history(state, &scope, tasks::ENTITY, id).await?,
        t,
    };
    Ok((status, html(&p)?).into_response())
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    page(&state, &user, id, Forms::blank(), d.done.as_deref()).await
}

fn bad_request(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("上传的文件过大".into())
    } else {
        AppError::BadRequest(e.body_text())
    }
}

/// Refuses a file of a kind not accepted (or too large) before the step is saved.
fn check_file(bytes: &[u8], max: u64) -> Result<(), String> {
    if bytes.len() as u64 > max {
        return Err(format!(
            "附件过大：{}，上限 {}",
            attachments::human_size(bytes.len() as u64),
            attachments::human_size(max)
        ));
    }
    if attachments::sniff(bytes).is_none() {
        let names: Vec<&str> = attachments::ALLOWED.iter().map(|(_, e, _)| *e).collect();
        return Err(format!("不支持的附件类型：只接受 {}", names.join("、")));
    }
    Ok(())
}

/// The step form (multipart): `action`, `date`, `note` and an optional `file` (佐证材料).
async fn add_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    // another zone's task is a 404 before anything is read or stored
    tasks::get(&state.db, &user.actor().scope(), id).await?;
    let mut f = StepForm::default();
    let mut file: Option<(String, Bytes)> = None;
    while let Some(field) = mp.next_field().await.map_err(bad_request)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("附件").to_string();
            let bytes = field.bytes().await.map_err(bad_request)?;
            if !bytes.is_empty() {
                file = Some((file_name, bytes));
            }
            continue;
        }
        let text = field.text().await.map_err(bad_request)?;
        match name.as_str() {
            "action" => f.action = text,
            "date" => f.date = text,
            "note" => f.note = text,
            _ => {}
        }
    }
    if let Some((_, bytes)) = &file
        && let Err(m) = check_file(bytes, state.storage.max_bytes)
    {
        return page(&state, &user, id, Forms { step: f, errors: Invalid::one("file", m), ..Forms::blank() }, None)
            .await;
    }
    let step = match tasks::step(&state.db, &user.actor(), id, &f).await {
        Ok(s) => s,
        Err(StoreError::Invalid(errors)) => {
            return page(&state, &user, id, Forms { step: f, errors, ..Forms::blank() }, None).await;
        }
        Err(e) => return Err(e.into()),
    };
    if let Some((name, bytes)) = file {
        let sid = step.id.to_string();
        match attachments::upload(&state.db, &state.storage, &user.actor(), &name, bytes, Some(("task_step", &sid)))
            .await
        {
            Ok(_) => {}
            Err(StoreError::Invalid(e)) => {
                let m = format!("“{}”已记录，但附件未能上传：{e}", step.action.label());
                return page(&state, &user, id, Forms { errors: Invalid::one("file", m), ..Forms::blank() }, None)
                    .await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to(&format!("/tasks/{id}?done=saved")).into_response())
}

async fn add_milestone(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<MilestoneForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match tasks::add_milestone(&state.db, &user.actor(), id, &f).await {
        Ok(m) => Ok(Redirect::to(&format!("/tasks/{id}?done=saved#milestone-{}", m.id)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            page(&state, &user, id, Forms { milestone: f, errors, ..Forms::blank() }, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a milestone: its text, its date, or its done date (marking it done).
async fn update_milestone(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, mid)): Path<(i64, i64)>,
    AppForm(f): AppForm<MilestoneForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match tasks::update_milestone(&state.db, &user.actor(), id, mid, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}?done=saved#milestone-{mid}")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            page(&state, &user, id, Forms { milestone: f, milestone_id: mid, errors, ..Forms::blank() }, None).await
        }
        Err(e) => Err(e.into()),
    }
}
