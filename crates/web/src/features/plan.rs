//! 项目谋划表: the annual planning table — shown with subtotals, exported to XLSX, and imported
//! from XLSX all-or-nothing (on any error nothing is saved and the sheet comes back with an
//! error column, kept as an attachment of the zone).

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use kaifaqu_domain::Permission;
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::project::Category;
use kaifaqu_reports::plan_table::{self, PlanRow, PlanTable};
use kaifaqu_store::plan::{self, ImportOutcome, ImportRow, RowError};
use kaifaqu_store::projects::{self, Project};
use kaifaqu_store::{attachments, lookups, zones};
use serde::Deserialize;

use super::attachments::read_file;
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/plan", get(Need::READ, show))
        .route("/plan.xlsx", get(Need::READ, export))
        .route("/plan/import", post(Need::WRITE, import).layer(DefaultBodyLimit::max(upload_limit)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: Option<i32>,
    done: Option<String>,
}

fn year_of(q: &YearQuery) -> AppResult<i32> {
    let y = q.year.unwrap_or_else(|| lookups::today().year());
    if (2000..=2099).contains(&y) {
        Ok(y)
    } else {
        Err(AppError::BadRequest("年度应在 2000 到 2099 之间".into()))
    }
}

pub struct Group {
    pub label: &'static str,
    pub rows: Vec<(usize, Project)>,
    pub total: String,
    pub planned: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    shell: Shell,
    year: i32,
    groups: Vec<Group>,
    count: usize,
    total: String,
    planned: String,
    can_write: bool,
    errors: Vec<RowError>,
    error_file: Option<i64>,
}

fn sums(rows: &[&Project]) -> (String, String) {
    let t: Wan = rows.iter().map(|p| p.total).sum();
    let pl: Wan = rows.iter().filter_map(|p| p.planned).sum();
    (t.yi_2(), pl.yi_2())
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    done: Option<&str>,
    errors: Vec<RowError>,
    error_file: Option<i64>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let rows = projects::of_plan_year(&state.db, &user.actor().scope(), zone, year).await?;
    let mut groups = Vec::new();
    let mut n = 0;
    for cat in Category::ALL {
        let members: Vec<&Project> = rows.iter().filter(|p| p.category == *cat).collect();
        if members.is_empty() {
            continue;
        }
        let (total, planned) = sums(&members);
        let rows = members
            .into_iter()
            .map(|p| {
                n += 1;
                (n, p.clone())
            })
            .collect();
        groups.push(Group { label: cat.label(), rows, total, planned });
    }
    let all: Vec<&Project> = rows.iter().collect();
    let (total, planned) = sums(&all);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = PlanPage {
        shell: Shell::load(state, user, "/plan", done).await?,
        year,
        groups,
        count: rows.len(),
        total,
        planned,
        can_write: user.user.role.has(Permission::Write),
        errors,
        error_file,
    };
    Ok((status, html(&p)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    page(&state, &user, year_of(&q)?, q.done.as_deref(), Vec::new(), None).await
}

fn to_row(p: &Project) -> PlanRow {
    PlanRow {
        name: p.name.clone(),
        content: p.content.clone(),
        total: p.total,
        planned_this_year: p.planned,
        start_year: p.start_year,
        end_year: p.end_year,
        category: p.category.label().to_string(),
        chain: p.chain.clone().unwrap_or_default(),
        key_level: if p.key_level.code().is_empty() { String::new() } else { p.key_level.label().to_string() },
        unit: p.department.clone().unwrap_or_default(),
        leader: p.leader.clone().unwrap_or_default(),
        progress: if p.progress.is_empty() { p.stage_label().to_string() } else { p.progress.clone() },
    }
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let year = year_of(&q)?;
    let scope = user.actor().scope();
    let rows = projects::of_plan_year(&state.db, &scope, zone, year).await?;
    let table = PlanTable {
        zone_name: zones::get(&state.db, &scope, zone).await?.name,
        year,
        rows: rows.iter().map(to_row).collect(),
    };
    let bytes = plan_table::export(&table).map_err(AppError::Internal)?;
    let disposition = format!(
        "attachment; filename=\"plan-{year}.xlsx\"; filename*=UTF-8''{year}%E9%A1%B9%E7%9B%AE%E8%B0%8B%E5%88%92%E8%A1%A8.xlsx"
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
    mp: Multipart,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let year = year_of(&q)?;
    let (name, bytes) = read_file(mp).await?;
    let rows = match plan_table::import_numbered(&bytes) {
        Ok(rows) => rows,
        Err(cell_errors) => {
            let errors: Vec<RowError> = cell_errors
                .iter()
                .map(|e| RowError { line: e.row, column: e.column.clone(), reason: e.reason.clone() })
                .collect();
            let file = keep_error_workbook(&state, &user, &name, &bytes, &cell_errors).await;
            return page(&state, &user, year, None, errors, file).await;
        }
    };
    let import_rows: Vec<ImportRow> = rows
        .iter()
        .map(|(line, r)| ImportRow {
            line: *line,
            name: r.name.clone(),
            content: r.content.clone(),
            total: r.total,
            planned: r.planned_this_year,
            start_year: r.start_year,
            end_year: r.end_year,
            category: r.category.clone(),
            chain: r.chain.clone(),
            key_level: r.key_level.clone(),
            unit: r.unit.clone(),
            leader: r.leader.clone(),
            progress: r.progress.clone(),
        })
        .collect();
    match plan::import(&state.db, &user.actor(), year, &import_rows).await? {
        ImportOutcome::Imported(n) => {
            Ok(Redirect::to(&format!("/plan?year={year}&done=imported&n={n}")).into_response())
        }
        ImportOutcome::Rejected(errors) => page(&state, &user, year, None, errors, None).await,
    }
}

/// Saves the uploaded sheet with its error column as an attachment; `None` if that fails
/// (the error list on the page is still complete).
async fn keep_error_workbook(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    bytes: &[u8],
    errors: &[plan_table::CellError],
) -> Option<i64> {
    let marked = plan_table::error_workbook(bytes, errors).ok()?;
    let stem = name.trim_end_matches(".xlsx");
    let file = format!("{stem}（错误标注）.xlsx");
    attachments::upload(&state.db, &state.storage, &user.actor(), &file, marked.into(), Some(("plan_import", "errors")))
        .await
        .ok()
        .map(|a| a.id)
}
