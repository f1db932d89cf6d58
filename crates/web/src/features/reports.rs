//! 工作报告: a report of the zone for a period — the built-in template filled with live figures
//! (each linking to its records in the preview) and the narrative paragraphs staff write, kept
//! as numbered versions; downloads as DOCX (GB/T 9704) or Markdown.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::template::{self, Builtin};
use kaifaqu_reports::{docx, markdown};
use kaifaqu_store::lookups::today;
use kaifaqu_store::report_data::{self, ReportPeriod};
use kaifaqu_store::report_drafts::{self, Draft};
use kaifaqu_store::{StoreError, zones};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::file_download;
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/{name}", get(preview))
        .route("/reports/{name}/draft", post(save_draft))
        .route("/reports/{name}/download", get(download))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Q {
    period: String,
    version: Option<i32>,
    format: String,
    done: Option<String>,
}

/// The default period: the last half-year that has ended.
fn default_period() -> String {
    let t = today();
    if t.month() >= 7 { format!("{}-H1", t.year()) } else { format!("{}-H2", t.year() - 1) }
}

fn period_of(q: &Q) -> AppResult<ReportPeriod> {
    let key = if q.period.trim().is_empty() { default_period() } else { q.period.trim().to_string() };
    ReportPeriod::parse(&key).map_err(AppError::BadRequest)
}

fn builtin(name: &str) -> AppResult<&'static Builtin> {
    template::builtin(name).ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    shell: Shell,
    templates: &'static [Builtin],
    period: String,
}

async fn index(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    user.zone_id()?;
    html(&IndexPage {
        shell: Shell::load(&state, &user, "/reports", None).await?,
        templates: template::BUILTINS,
        period: default_period(),
    })
}

/// The report's Markdown: the template with the period's figures and the draft's paragraphs.
async fn render(
    state: &AppState,
    user: &CurrentUser,
    b: &Builtin,
    period: &ReportPeriod,
    draft: Option<&Draft>,
) -> AppResult<String> {
    let zone = user.zone_id()?;
    let data = report_data::gather(&state.db, &user.actor().scope(), zone, period).await?;
    let empty = BTreeMap::new();
    let narratives = draft.map(|d| &d.narratives).unwrap_or(&empty);
    template::render(b.source, &data, narratives).map_err(|e| AppError::Internal(e.to_string()))
}

/// One narrative field of the form.
struct Field {
    key: String,
    hint: String,
    text: String,
}

#[derive(Template)]
#[template(path = "report_preview.html")]
struct PreviewPage {
    shell: Shell,
    name: &'static str,
    title: &'static str,
    period: ReportPeriod,
    preview: String,
    fields: Vec<Field>,
    versions: Vec<(i32, String, String)>,
    version: Option<i32>,
    can_write: bool,
    errors: Invalid,
}

async fn preview_page(
    state: &AppState,
    user: &CurrentUser,
    b: &'static Builtin,
    period: ReportPeriod,
    version: Option<i32>,
    refused: Option<(BTreeMap<String, String>, Invalid)>,
    done: Option<&str>,
) -> AppResult<Response> {
    let (typed, errors) = match refused {
        Some((t, e)) => (Some(t), e),
        None => (None, Invalid::new()),
    };
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all = report_drafts::versions(&state.db, &scope, zone, b.name, &period.key).await?;
    let draft = match version {
        Some(v) => Some(all.iter().find(|d| d.version == v).ok_or(AppError::NotFound)?),
        None => all.first(),
    };
    let md = render(state, user, b, &period, draft).await?;
    let fields = template::narrative_keys(b.source)
        .into_iter()
        .map(|(key, hint)| Field {
            text: typed
                .as_ref()
                .and_then(|t| t.get(&key).cloned())
                .or_else(|| draft.and_then(|d| d.narratives.get(&key).cloned()))
                .unwrap_or_default(),
            key,
            hint,
        })
        .collect();
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = PreviewPage {
        shell: Shell::load(state, user, "/reports", done).await?,
        name: b.name,
        title: b.title,
        preview: markdown::parse(&md).to_html(),
        fields,
        versions: all
            .iter()
            .map(|d| {
                (d.version, d.created_by.clone().unwrap_or_default(), kaifaqu_domain::time::local_display(d.created_at))
            })
            .collect(),
        version: draft.map(|d| d.version),
        can_write: user.user.role.has(Permission::Write),
        errors,
        period,
    };
    Ok((status, html(&page)?).into_response())
}

async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
) -> AppResult<Response> {
    let b = builtin(&name)?;
    let period = period_of(&q)?;
    preview_page(&state, &user, b, period, q.version, None, q.done.as_deref()).await
}

/// Saves the paragraphs (`n_<key>` fields) as a new version of the draft.
async fn save_draft(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let b = builtin(&name)?;
    let period = period_of(&q)?;
    let keys: Vec<String> = template::narrative_keys(b.source).into_iter().map(|(k, _)| k).collect();
    let mut narratives = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        if let Some(key) = k.strip_prefix("n_")
            && keys.iter().any(|x| x == key)
        {
            narratives.insert(key.to_string(), v.into_owned());
        }
    }
    let zone = user.zone_id()?;
    match report_drafts::save(&state.db, &user.actor(), zone, b.name, &period.key, &narratives).await {
        Ok(d) => {
            Ok(Redirect::to(&format!("/reports/{}?period={}&version={}&done=saved", b.name, period.key, d.version))
                .into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            preview_page(&state, &user, b, period, None, Some((narratives, errors)), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
) -> AppResult<Response> {
    let b = builtin(&name)?;
    let period = period_of(&q)?;
    let zone = user.zone_id()?;
    let draft = report_drafts::get(&state.db, &user.actor().scope(), zone, b.name, &period.key, q.version).await?;
    let md = render(&state, &user, b, &period, draft.as_ref()).await?;
    let zone_name = zones::get(&state.db, &user.actor().scope(), zone).await?.name;
    let stem = format!("{zone_name}{}{}", period.label, b.title);
    let (bytes, file, mime) = match q.format.as_str() {
        "md" => (md.into_bytes(), format!("{stem}.md"), "text/markdown; charset=utf-8"),
        "docx" | "" => {
            let bytes = docx::write(&markdown::parse(&md)).map_err(AppError::Internal)?;
            (bytes, format!("{stem}.docx"), docx::CONTENT_TYPE)
        }
        _ => return Err(AppError::BadRequest("format 应为 docx 或 md".into())),
    };
    Ok(file_download("report", &file, mime, bytes))
}
