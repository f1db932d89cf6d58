//! 工作报告: a report of the zone for a period — the zone's template (its edited copy, or the
//! built-in) filled with live figures (each linking to its records in the preview) and the
//! narrative paragraphs staff write, kept as numbered versions; the consistency checks listed on
//! the preview and confirmed before a download; downloads as DOCX (GB/T 9704), Markdown, or the
//! report's tables as XLSX. The template editor is in [`editor`].

mod editor;

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::check::{self, Problem, Tally};
use kaifaqu_reports::doc::Doc;
use kaifaqu_reports::template::{self, Builtin, TemplateError};
use kaifaqu_reports::{chart_block, doc_xlsx, docx, markdown};
use kaifaqu_store::lookups::today;
use kaifaqu_store::report_data::{self, ReportData, ReportPeriod};
use kaifaqu_store::report_drafts::{self, Draft};
use kaifaqu_store::{StoreError, report_templates, zones};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::file_download;
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/reports", get(Need::READ, index))
        .route("/reports/{name}", get(Need::READ, preview))
        .route("/reports/{name}/draft", post(Need::WRITE, save_draft))
        .route("/reports/{name}/download", get(Need::READ, download))
        .route("/reports/{name}/template", get(Need::READ, editor::show).post(Need::WRITE, editor::submit))
        .route("/reports/{name}/template/reset", post(Need::WRITE, editor::reset))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Q {
    period: String,
    version: Option<i32>,
    format: String,
    done: Option<String>,
    /// "1": export even though the checks found problems.
    confirm: String,
}

/// The default period of a report: the last half-year that has ended for the half-year
/// summary, the last month that has ended for the monthly reports.
fn default_period(name: &str) -> String {
    let t = today();
    if name == "half_year" {
        return if t.month() >= 7 { format!("{}-H1", t.year()) } else { format!("{}-H2", t.year() - 1) };
    }
    if t.month() == 1 { format!("{}-12", t.year() - 1) } else { format!("{}-{:02}", t.year(), t.month() - 1) }
}

fn period_of(name: &str, key: &str) -> AppResult<ReportPeriod> {
    let key = if key.trim().is_empty() { default_period(name) } else { key.trim().to_string() };
    ReportPeriod::parse(&key).map_err(AppError::BadRequest)
}

fn builtin(name: &str) -> AppResult<&'static Builtin> {
    template::builtin(name).ok_or(AppError::NotFound)
}

/// The template text the user's zone uses for `b`, and whether it is the zone's own copy.
async fn zone_source(state: &AppState, user: &CurrentUser, b: &Builtin) -> AppResult<(String, bool)> {
    let zone = user.zone_id()?;
    Ok(match report_templates::get(&state.db, &user.actor().scope(), zone, b.name).await? {
        Some(t) => (t.body, true),
        None => (b.source.to_string(), false),
    })
}

/// The checks' view of what the data states about itself.
pub(crate) fn tallies(d: &ReportData) -> Vec<Tally> {
    d.tallies.iter().map(|t| Tally::sum(t.what.clone(), t.stated, t.parts.clone(), Some(t.href.clone()))).collect()
}

/// A report rendered from a template text.
struct Rendered {
    md: String,
    doc: Doc,
    problems: Vec<Problem>,
}

/// The period's data for the user's zone.
async fn gather(state: &AppState, user: &CurrentUser, period: &ReportPeriod) -> AppResult<ReportData> {
    let zone = user.zone_id()?;
    Ok(report_data::gather(&state.db, &user.actor().scope(), zone, period).await?)
}

/// `source` with the data and paragraphs, read into a document and checked.
fn render_with(
    source: &str,
    data: &ReportData,
    narratives: &BTreeMap<String, String>,
) -> Result<Rendered, TemplateError> {
    let md = template::render(source, data, narratives)?;
    let doc = markdown::parse(&md);
    let problems = check::check(&doc, &tallies(data));
    Ok(Rendered { md, doc, problems })
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    shell: Shell,
    /// (template, whether the zone has its own copy, default period).
    templates: Vec<(&'static Builtin, bool, String)>,
    can_write: bool,
}

async fn index(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let own = report_templates::list(&state.db, &user.actor().scope(), zone).await?;
    html(&IndexPage {
        shell: Shell::load(&state, &user, "/reports", None).await?,
        templates: template::BUILTINS
            .iter()
            .map(|b| (b, own.iter().any(|t| t.name == b.name), default_period(b.name)))
            .collect(),
        can_write: user.user.role.has(Permission::Write),
    })
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
    template_error: Option<String>,
    own_template: bool,
    problems: Vec<Problem>,
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
    let (source, own_template) = zone_source(state, user, b).await?;
    let data = gather(state, user, &period).await?;
    let empty = BTreeMap::new();
    let (preview, problems, template_error) =
        match render_with(&source, &data, draft.map(|d| &d.narratives).unwrap_or(&empty)) {
            Ok(r) => (r.doc.to_html(), r.problems, None),
            Err(e) => (String::new(), Vec::new(), Some(e.to_string())),
        };
    let fields = template::narrative_keys(&source)
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
        preview,
        template_error,
        own_template,
        problems,
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
    let period = period_of(&name, &q.period)?;
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
    let period = period_of(&name, &q.period)?;
    let (source, _) = zone_source(&state, &user, b).await?;
    let keys: Vec<String> = template::narrative_keys(&source).into_iter().map(|(k, _)| k).collect();
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

#[derive(Template)]
#[template(path = "report_confirm.html")]
struct ConfirmPage {
    shell: Shell,
    title: &'static str,
    period: ReportPeriod,
    format: String,
    problems: Vec<Problem>,
    /// The download link with `confirm=1`.
    confirmed: String,
    back: String,
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<Q>,
) -> AppResult<Response> {
    let b = builtin(&name)?;
    let period = period_of(&name, &q.period)?;
    let format = if q.format.is_empty() { "docx" } else { q.format.as_str() };
    if !matches!(format, "docx" | "md" | "xlsx") {
        return Err(AppError::BadRequest("format 应为 docx、md 或 xlsx".into()));
    }
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let draft: Option<Draft> = report_drafts::get(&state.db, &scope, zone, b.name, &period.key, q.version).await?;
    let (source, _) = zone_source(&state, &user, b).await?;
    let data = gather(&state, &user, &period).await?;
    let empty = BTreeMap::new();
    let r = render_with(&source, &data, draft.as_ref().map(|d| &d.narratives).unwrap_or(&empty))
        .map_err(|e| AppError::BadRequest(format!("报告模板无法生成：{e}（请在“编辑模板”中修改或恢复内置模板）")))?;
    if !r.problems.is_empty() && q.confirm != "1" {
        let version = q.version.map(|v| format!("&version={v}")).unwrap_or_default();
        let page = ConfirmPage {
            shell: Shell::load(&state, &user, "/reports", None).await?,
            title: b.title,
            confirmed: format!("/reports/{}/download?period={}{version}&format={format}&confirm=1", b.name, period.key),
            back: format!("/reports/{}?period={}{version}", b.name, period.key),
            format: format.to_string(),
            problems: r.problems,
            period,
        };
        return html(&page);
    }
    let zone_name = zones::get(&state.db, &scope, zone).await?.name;
    let stem = format!("{zone_name}{}{}", period.label, b.title);
    let (bytes, file, mime) = match format {
        // a chart as its data table: Markdown cannot carry the picture
        "md" => {
            (chart_block::charts_as_tables(&r.md).into_bytes(), format!("{stem}.md"), "text/markdown; charset=utf-8")
        }
        "xlsx" => {
            let bytes = doc_xlsx::write(&r.doc).map_err(AppError::BadRequest)?;
            (bytes, format!("{stem}（表格）.xlsx"), doc_xlsx::CONTENT_TYPE)
        }
        _ => {
            let bytes = docx::write(&r.doc).map_err(AppError::Internal)?;
            (bytes, format!("{stem}.docx"), docx::CONTENT_TYPE)
        }
    };
    Ok(file_download("report", &file, mime, bytes))
}
