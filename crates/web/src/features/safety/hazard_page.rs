//! One hazard: what was found, the 重大隐患 plan, every step of the loop with who, when, a note
//! and photos (整改前 on 开始整改, 整改后 on 提交复查 and 销号), and the form of the next step
//! with an optional photo; refusals (双人复核, 延期 without a reason) beside the fields.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use kaifaqu_domain::safety::{self, HazardAction, StepContext};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::attachments::{self, Attachment};
use kaifaqu_store::hazards::{self, Hazard, Step, StepForm};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::{deadline_text, messages};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, history};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new().route("/safety/hazards/{id}", get(Need::READ, show)).route(
        "/safety/hazards/{id}/steps",
        post(Need::WRITE, add_step).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
    )
}

/// A step with its photos and what they show.
pub struct StepRow {
    pub s: Step,
    pub photo_label: &'static str,
    pub photos: Vec<Attachment>,
}

/// 整改前 for the start of the work, 整改后 for the finished work and its acceptance.
fn photo_label(a: HazardAction) -> &'static str {
    match a {
        HazardAction::Start => "整改前",
        HazardAction::Submit | HazardAction::Pass => "整改后",
        HazardAction::Reject | HazardAction::Extend => "照片",
    }
}

#[derive(Template)]
#[template(path = "safety_hazard.html")]
struct HazardPage {
    shell: Shell,
    h: Hazard,
    deadline: String,
    has_plan: bool,
    steps: Vec<StepRow>,
    can_write: bool,
    /// The actions the current status allows.
    actions: Vec<(&'static str, &'static str)>,
    form: StepForm,
    errors: Invalid,
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
    form: StepForm,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let (h, steps) = hazards::get(&state.db, &scope, id).await?;
    let links: Vec<(&str, String)> = steps.iter().map(|s| ("hazard_step", s.id.to_string())).collect();
    let photos = attachments::linked(&state.db, &scope, zone, &links).await?;
    let steps = steps
        .into_iter()
        .map(|s| {
            let sid = s.id.to_string();
            let photos = photos.iter().filter(|a| a.entity_id.as_deref() == Some(sid.as_str())).cloned().collect();
            StepRow { photo_label: photo_label(s.action), photos, s }
        })
        .collect();
    // what the status allows; the four-eyes rule is checked when submitted
    let ctx = StepContext { actor: 0, fixer: None };
    let actions = HazardAction::ALL
        .iter()
        .filter(|a| safety::transition(h.status, **a, ctx).is_ok())
        .map(|a| (a.code(), a.label()))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = HazardPage {
        shell: Shell::load(state, user, "/safety/hazards", done).await?,
        deadline: deadline_text(&h),
        has_plan: h.plan_responsibility.is_some()
            || h.plan_measures.is_some()
            || h.plan_funds.is_some()
            || h.plan_deadline.is_some()
            || h.plan_contingency.is_some()
            || h.supervisor.is_some(),
        steps,
        can_write: user.user.role.has(Permission::Write),
        actions,
        form,
        errors,
        history: history(state, &scope, "hazard", id).await?,
        h,
    };
    Ok((status, html(&page)?).into_response())
}

fn blank_step() -> StepForm {
    StepForm { date: lookups::today().to_string(), ..Default::default() }
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    page(&state, &user, id, blank_step(), Invalid::new(), d.done.as_deref()).await
}

/// Refuses anything but an image (and anything over the size limit) before the step is saved.
fn check_photo(bytes: &[u8], max: u64) -> Result<(), String> {
    if bytes.len() as u64 > max {
        return Err(format!(
            "照片过大：{}，上限 {}",
            attachments::human_size(bytes.len() as u64),
            attachments::human_size(max)
        ));
    }
    match attachments::sniff(bytes) {
        Some(t) if t.starts_with("image/") => Ok(()),
        Some(t) => {
            let name = attachments::ALLOWED.iter().find(|(m, _, _)| *m == t).map(|(_, _, n)| *n).unwrap_or(t);
            Err(format!("照片须为图片（JPG、PNG、GIF、WebP），所选文件是{name}"))
        }
        None => Err("照片须为图片（JPG、PNG、GIF、WebP），无法识别所选文件的类型".into()),
    }
}

fn bad_request(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("上传的照片过大".into())
    } else {
        AppError::BadRequest(e.body_text())
    }
}

/// The step form (multipart): `action`, `date`, `note`, `new_deadline` and an optional `photo`.
async fn add_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    // another zone's hazard is a 404 before anything is read or stored
    hazards::get(&state.db, &user.actor().scope(), id).await?;
    let mut f = StepForm::default();
    let mut photo: Option<(String, Bytes)> = None;
    while let Some(field) = mp.next_field().await.map_err(bad_request)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "photo" {
            let file_name = field.file_name().unwrap_or("照片").to_string();
            let bytes = field.bytes().await.map_err(bad_request)?;
            if !bytes.is_empty() {
                photo = Some((file_name, bytes));
            }
            continue;
        }
        let text = field.text().await.map_err(bad_request)?;
        match name.as_str() {
            "action" => f.action = text,
            "date" => f.date = text,
            "note" => f.note = text,
            "new_deadline" => f.new_deadline = text,
            "version" => f.version = text,
            _ => {}
        }
    }
    if let Some((_, bytes)) = &photo
        && let Err(m) = check_photo(bytes, state.storage.max_bytes)
    {
        return page(&state, &user, id, f, Invalid::one("photo", m), None).await;
    }
    let step = match hazards::step(&state.db, &user.actor(), id, &f).await {
        Ok(s) => s,
        Err(e) => {
            // bad fields (422) or a stale version (409): the page again, with the step kept
            let (status, errors) = crate::error::form_errors(e)?;
            return crate::error::with_status(page(&state, &user, id, f, errors, None).await, status);
        }
    };
    if let Some((name, bytes)) = photo {
        let sid = step.id.to_string();
        match attachments::upload(&state.db, &state.storage, &user.actor(), &name, bytes, Some(("hazard_step", &sid)))
            .await
        {
            Ok(_) => {}
            Err(StoreError::Invalid(e)) => {
                let m = format!("“{}”已记录，但照片未能上传：{}", step.action.label(), messages(&e));
                return page(&state, &user, id, blank_step(), Invalid::one("photo", m), None).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to(&format!("/safety/hazards/{id}?done=saved")).into_response())
}
