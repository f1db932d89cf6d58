//! 亩均效益评价: the year's ranking and grade distribution (each count links to its
//! enterprises; a bar chart), the XLSX exports (ranking; input figures or a blank template) and
//! the all-or-nothing import; the record form and the scheme form live in `records` and `scheme`.

mod records;
mod scheme;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use kaifaqu_domain::Permission;
use kaifaqu_domain::money::Mu100;
use kaifaqu_domain::per_mu::{Grade, Indicator, x100_short, x100_text};
use kaifaqu_reports::per_mu_table::{self, InputRow, RankRow};
use kaifaqu_store::per_mu::{self, EvalRow, Evaluation, ImportOutcome, ImportRow, RowError};
use kaifaqu_store::{lookups, zones};
use serde::Deserialize;

use crate::charts::{self, Series};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::attachments::read_file;
use crate::features::common::{XLSX, file_download};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/per-mu", get(Need::READ, show))
        .route("/per-mu.xlsx", get(Need::READ, export_ranking))
        .route("/per-mu/data.xlsx", get(Need::READ, export_inputs))
        .route("/per-mu/import", post(Need::WRITE, import).layer(DefaultBodyLimit::max(upload_limit)))
        .merge(records::routes())
        .merge(scheme::routes())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct YearQuery {
    pub year: Option<i32>,
    pub grade: String,
    pub done: Option<String>,
    pub template: Option<String>,
    pub preset: String,
}

/// The evaluated year: `?year=`, else last year (evaluations are of a closed year).
pub(super) fn year_of(year: Option<i32>) -> AppResult<i32> {
    let y = year.unwrap_or_else(|| lookups::today().year() - 1);
    if (2000..=2099).contains(&y) {
        Ok(y)
    } else {
        Err(AppError::BadRequest("年度应在 2000 到 2099 之间".into()))
    }
}

/// An indicator's column heading: "亩均税收（万元/亩）".
fn heading(i: Indicator) -> String {
    format!("{}（{}）", i.label(), i.unit())
}

/// One line of the distribution: grade, count, link to its enterprises.
pub struct DistLine {
    pub code: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub href: String,
}

#[derive(Template)]
#[template(path = "per_mu.html")]
struct RankingPage {
    shell: Shell,
    year: i32,
    ev: Evaluation,
    /// The formula and bands in words.
    rule_text: String,
    rows: Vec<RowView>,
    grade: Option<Grade>,
    dist: Vec<DistLine>,
    graded: usize,
    chart: String,
    headings: Vec<String>,
    can_write: bool,
    errors: Vec<RowError>,
}

/// One ranking row as shown: numbers already as text.
pub struct RowView {
    pub id: i64,
    pub rank: String,
    pub enterprise: String,
    /// 用地, 税收, 营业收入, 工业增加值, 综合能耗, 研发经费, 从业人员.
    pub inputs: Vec<String>,
    /// (value, why "—", score) per indicator.
    pub cells: Vec<(String, Option<String>, String)>,
    pub total: String,
    pub grade_code: &'static str,
    pub grade_label: &'static str,
    pub reason: Option<String>,
}

fn inputs_text(x: &kaifaqu_store::per_mu::Record) -> Vec<String> {
    vec![
        mu(x.land_mu100),
        money(x.tax_wan100),
        money(x.revenue_wan100),
        money(x.value_added_wan100),
        money(x.energy_tce100),
        money(x.rd_wan100),
        x.employees.to_string(),
    ]
}

fn view(r: &EvalRow) -> RowView {
    RowView {
        id: r.record.id,
        rank: r.rank.map(|n| n.to_string()).unwrap_or_default(),
        enterprise: r.record.enterprise.clone(),
        inputs: inputs_text(&r.record),
        cells: r.scores.iter().map(|s| (s.value_text.clone(), s.note.clone(), x100_text(s.score_x100))).collect(),
        total: r.total.clone(),
        grade_code: r.grade.code(),
        grade_label: r.grade.label(),
        reason: r.reason.clone(),
    }
}

fn mu(v: i64) -> String {
    Mu100(v).mu_2()
}

fn money(v: i64) -> String {
    x100_text(v)
}

async fn page(state: &AppState, user: &CurrentUser, q: &YearQuery, errors: Vec<RowError>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let year = year_of(q.year)?;
    let grade = if q.grade.trim().is_empty() {
        None
    } else {
        Some(Grade::parse(&q.grade).ok_or_else(|| AppError::BadRequest("等级应为 A、B、C、D 或 none".into()))?)
    };
    let ev = per_mu::evaluate(&state.db, &user.actor().scope(), zone, year).await?;
    let dist: Vec<DistLine> = ev
        .distribution
        .iter()
        .map(|d| DistLine {
            code: d.grade.code(),
            label: d.grade.label(),
            count: d.count,
            href: format!("/per-mu?year={year}&grade={}", d.grade.code()),
        })
        .collect();
    let graded = ev.rows.iter().filter(|r| r.rank.is_some()).count();
    let labels: Vec<String> = dist.iter().map(|d| d.label.to_string()).collect();
    let bars = Series { name: "企业数".into(), points: dist.iter().map(|d| Some(d.count as i64)).collect() };
    let chart = charts::bar_line(&format!("{year} 年亩均效益评价等级分布"), &labels, &bars, "家", None, "", 1);
    let rows = ev.rows.iter().filter(|r| grade.is_none_or(|g| r.grade == g)).map(view).collect();
    let sc = &ev.scheme.scheme;
    let rule_text = format!(
        "得分 = 权重 × min(指标值 ÷ 基准值, {})；按综合得分排名，前 {}% 为 A 类，其后 {}% 为 B 类，再后 {}% 为 C 类，其余为 D 类（名次界限四舍五入到整家，并列者同档）",
        x100_short(sc.cap_x100),
        x100_short(sc.bands.a_x100),
        x100_short(sc.bands.b_x100),
        x100_short(sc.bands.c_x100)
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = RankingPage {
        shell: Shell::load(state, user, "/per-mu", q.done.as_deref()).await?,
        year,
        rule_text,
        rows,
        grade,
        dist,
        graded,
        chart,
        headings: Indicator::ALL.iter().map(|i| heading(*i)).collect(),
        can_write: user.user.role.has(Permission::Write),
        errors,
        ev,
    };
    Ok((status, html(&p)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    page(&state, &user, &q, Vec::new()).await
}

async fn export_ranking(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let year = year_of(q.year)?;
    let scope = user.actor().scope();
    let ev = per_mu::evaluate(&state.db, &scope, zone, year).await?;
    let zone_name = zones::get(&state.db, &scope, zone).await?.name;
    let rows: Vec<RankRow> = ev
        .rows
        .iter()
        .map(|r| {
            let x = &r.record;
            RankRow {
                rank: r.rank.map(|n| n.to_string()).unwrap_or_default(),
                name: x.enterprise.clone(),
                credit_code: x.credit_code.clone(),
                inputs: inputs_text(x),
                derived: r.scores.iter().map(|s| s.value_text.clone()).collect(),
                scores: r.scores.iter().map(|s| x100_text(s.score_x100)).collect(),
                total: r.total.clone(),
                grade: r.grade.label().to_string(),
                reason: r.reason.clone().unwrap_or_default(),
            }
        })
        .collect();
    let dist: Vec<(String, usize)> = ev.distribution.iter().map(|d| (d.label.clone(), d.count)).collect();
    let headings: Vec<String> = Indicator::ALL.iter().map(|i| heading(*i)).collect();
    let title = format!("{zone_name} {year} 年亩均效益评价结果（{}）", ev.scheme.scheme.name);
    let bytes = per_mu_table::export_ranking(&title, &headings, &rows, &dist).map_err(AppError::Internal)?;
    Ok(file_download(&format!("per-mu-{year}.xlsx"), &format!("{year}年亩均效益评价.xlsx"), XLSX, bytes))
}

async fn export_inputs(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let year = year_of(q.year)?;
    let scope = user.actor().scope();
    let template = q.template.as_deref().is_some_and(|t| !t.is_empty() && t != "0");
    let rows: Vec<InputRow> = if template {
        Vec::new()
    } else {
        per_mu::list(&state.db, &scope, zone, year)
            .await?
            .into_iter()
            .map(|x| InputRow {
                line: 0,
                name: x.enterprise,
                credit_code: x.credit_code,
                land_mu: mu(x.land_mu100),
                tax_wan: money(x.tax_wan100),
                revenue_wan: money(x.revenue_wan100),
                value_added_wan: money(x.value_added_wan100),
                energy_tce: money(x.energy_tce100),
                rd_wan: money(x.rd_wan100),
                employees: x.employees.to_string(),
                production_year: x.production_year.map(|y| y.to_string()).unwrap_or_default(),
                exempt_reason: if x.exempt { x.exempt_reason } else { String::new() },
            })
            .collect()
    };
    let title = format!("{year} 年亩均效益评价基础数据");
    let bytes = per_mu_table::export_inputs(&title, &rows).map_err(AppError::Internal)?;
    Ok(file_download(&format!("per-mu-data-{year}.xlsx"), &format!("{year}年亩均效益基础数据.xlsx"), XLSX, bytes))
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
    mp: Multipart,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let year = year_of(q.year)?;
    let (_, bytes) = read_file(mp).await?;
    let rows = match per_mu_table::import(&bytes) {
        Ok(rows) => rows,
        Err(cell_errors) => {
            let errors =
                cell_errors.into_iter().map(|e| RowError { line: e.row, column: e.column, reason: e.reason }).collect();
            return page(&state, &user, &q, errors).await;
        }
    };
    let import_rows: Vec<ImportRow> = rows
        .iter()
        .map(|r| {
            let (key, column) = per_mu_table::enterprise_key(r);
            ImportRow {
                line: r.line,
                enterprise: key.to_string(),
                enterprise_column: column.to_string(),
                land_mu: r.land_mu.clone(),
                tax_wan: r.tax_wan.clone(),
                revenue_wan: r.revenue_wan.clone(),
                value_added_wan: r.value_added_wan.clone(),
                energy_tce: r.energy_tce.clone(),
                rd_wan: r.rd_wan.clone(),
                employees: r.employees.clone(),
                production_year: r.production_year.clone(),
                exempt_reason: r.exempt_reason.clone(),
            }
        })
        .collect();
    match per_mu::import(&state.db, &user.actor(), zone, year, &import_rows).await? {
        ImportOutcome::Imported(..) => Ok(Redirect::to(&format!("/per-mu?year={year}&done=imported")).into_response()),
        ImportOutcome::Rejected(errors) => page(&state, &user, &q, errors).await,
    }
}
