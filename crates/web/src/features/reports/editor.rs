//! 编辑报告模板: the zone's copy of a built-in template, edited in a textarea. "预览" renders the
//! text being edited for a period (with the latest saved paragraphs) without saving; "保存"
//! refuses a text that does not render, with the error and its line, and keeps the text;
//! "恢复内置模板" deletes the copy. Saving and resetting need the write permission and are
//! audited by the store.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::Permission;
use kaifaqu_reports::check::Problem;
use kaifaqu_reports::template::{self, Builtin};
use kaifaqu_store::report_data::ReportPeriod;
use kaifaqu_store::{StoreError, report_drafts, report_templates};
use serde::Deserialize;

use super::{Q, builtin, gather, period_of, render_with};
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::shell::{Shell, html};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TemplateForm {
    body: String,
    /// The version of the zone's copy the editor was loaded at; empty when it had none.
    version: String,
    /// "preview" or "save".
    action: String,
}

#[derive(Template)]
#[template(path = "report_template.html")]
struct EditorPage {
    shell: Shell,
    name: &'static str,
    title: &'static str,
    period: ReportPeriod,
    body: String,
    version: String,
    own: bool,
    updated: Option<String>,
    preview: Option<String>,
    problems: Vec<Problem>,
    error: Option<String>,
    notice: Option<&'static str>,
    can_write: bool,
    data_help: &'static [(&'static str, &'static str)],
    filter_help: &'static [(&'static str, &'static str)],
    chart_help: &'static [(&'static str, &'static str)],
}

/// The page with `body` in the textarea and its preview for `period` (or its error).
#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    user: &CurrentUser,
    b: &'static Builtin,
    period: ReportPeriod,
    body: String,
    version: String,
    error: Option<String>,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let own = report_templates::get(&state.db, &scope, zone, b.name).await?;
    let data = gather(state, user, &period).await?;
    let draft = report_drafts::get(&state.db, &scope, zone, b.name, &period.key, None).await?;
    let narratives = draft.map(|d| d.narratives).unwrap_or_default();
    let (preview, problems, error) = match (&error, render_with(&body, &data, &narratives)) {
        (Some(_), _) => (None, Vec::new(), error),
        (None, Ok(r)) => (Some(r.doc.to_html()), r.problems, None),
        (None, Err(e)) => (None, Vec::new(), Some(e.to_string())),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let p = EditorPage {
        shell: Shell::load(state, user, "/reports", None).await?,
        name: b.name,
        title: b.title,
        period,
        body,
        version,
        updated: own.as_ref().map(|t| {
            format!(
                "本开发区的模板第 {} 版，{} 保存于 {}",
                t.version,
                t.updated_by.clone().unwrap_or_default(),
                kaifaqu_domain::time::local_display(t.updated_at)
            )
        }),
        own: own.is_some(),
        preview,
        problems,
        error,
        notice,
        can_write: user.user.role.has(Permission::Write),
        data_help: template::DATA_HELP,
        filter_help: template::FILTER_HELP,
        chart_help: template::CHART_HELP,
    };
    Ok((status, html(&p)?).into_response())
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
) -> AppResult<Response> {
    let b = builtin(&name)?;
    let period = period_of(&name, &q.period)?;
    let zone = user.zone_id()?;
    let own = report_templates::get(&state.db, &user.actor().scope(), zone, b.name).await?;
    let (body, version) = match own {
        Some(t) => (t.body, t.version.to_string()),
        None => (b.source.to_string(), String::new()),
    };
    let notice = match q.done.as_deref() {
        Some("saved") => Some("模板已保存，本开发区的报告将使用这个模板。"),
        Some("reset") => Some("已恢复内置模板。"),
        _ => None,
    };
    page(&state, &user, b, period, body, version, None, notice).await
}

/// "预览" re-renders the page with the text; "保存" checks it renders and saves it.
pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
    AppForm(f): AppForm<TemplateForm>,
) -> AppResult<Response> {
    let b = builtin(&name)?;
    let period = period_of(&name, &q.period)?;
    let body = f.body.replace("\r\n", "\n");
    // previewing a typed template runs it on the zone's data: for those who may change templates
    user.require(Permission::Write)?;
    if f.action != "save" {
        return page(&state, &user, b, period, body, f.version, None, None).await;
    }
    // a text that does not render is refused with its error, and kept
    let data = gather(&state, &user, &period).await?;
    if let Err(e) = template::check(&body).and_then(|_| render_with(&body, &data, &BTreeMap::new()).map(|_| ())) {
        return page(&state, &user, b, period, body, f.version, Some(format!("未保存：{e}")), None).await;
    }
    let expected = f.version.trim().parse::<i32>().ok();
    let zone = user.zone_id()?;
    match report_templates::save(&state.db, &user.actor(), zone, b.name, &body, expected).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/reports/{}/template?period={}&done=saved", b.name, period.key)).into_response())
        }
        Err(StoreError::Invalid(e)) => {
            let message = e.errors.iter().map(|x| x.message.clone()).collect::<Vec<_>>().join("；");
            page(&state, &user, b, period, body, f.version, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// "恢复内置模板": deletes the zone's copy.
pub(super) async fn reset(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let b = builtin(&name)?;
    let period = period_of(&name, &q.period)?;
    let zone = user.zone_id()?;
    if !url::form_urlencoded::parse(&body).any(|(k, v)| k == "confirm" && v == "1") {
        return Err(AppError::Invalid(kaifaqu_domain::Invalid::one(
            "confirm",
            "请先勾选“我知道恢复后本开发区修改过的模板将被删除”，再点“恢复内置模板”",
        )));
    }
    report_templates::reset(&state.db, &user.actor(), zone, b.name).await?;
    Ok(Redirect::to(&format!("/reports/{}/template?period={}&done=reset", b.name, period.key)).into_response())
}
