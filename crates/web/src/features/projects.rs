//! 项目台账 (list with filters, sort, pages and XLSX export, above it the filtered ledger counted
//! and summed by stage, each figure a link to its projects) and 项目看板 (board by stage).

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::stage::Stage;
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::projects::{self, Project, ProjectFilter, StageTotal};

use super::common::{Pager, query_base};
use super::project_options::ProjectOptions;
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/projects", get(Need::READ, list))
        .route("/projects.xlsx", get(Need::READ, export))
        .route("/projects/board", get(Need::READ, board))
}

/// The filter as URL pairs (for the pager and the export link).
fn filter_pairs(f: &ProjectFilter) -> Vec<(&'static str, String)> {
    vec![
        ("q", f.q.clone()),
        ("stage", f.stage.clone()),
        ("status", f.status.clone()),
        ("chain", f.chain.clone()),
        ("category", f.category.clone()),
        ("channel", f.channel.clone()),
        ("team", f.team.clone()),
        ("leader", f.leader.clone()),
        ("department", f.department.clone()),
        ("year", f.year.clone()),
        ("key_level", f.key_level.clone()),
        ("overdue", f.overdue.clone()),
        ("sort", f.sort.clone()),
    ]
}

fn base(path: &str, f: &ProjectFilter) -> String {
    let pairs = filter_pairs(f);
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    query_base(path, &refs)
}

/// The list at `path` with the same filter and another stage (the records behind a stage's
/// figures; also the JSON API's links).
pub(crate) fn stage_href(path: &str, f: &ProjectFilter, stage: &str) -> String {
    let href = base(path, &ProjectFilter { stage: stage.to_string(), ..f.clone() });
    href.trim_end_matches(['&', '?']).to_string()
}

/// One cell pair of the stage table.
struct StageLink {
    label: String,
    count: u64,
    investment: String,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    shell: Shell,
    f: ProjectFilter,
    o: ProjectOptions,
    rows: Vec<Project>,
    pager: Pager,
    total_investment: String,
    export_href: String,
    stages: Vec<StageLink>,
    /// All stages together (the filter without its stage), and its link.
    all_count: u64,
    all_investment: String,
    all_href: String,
}

impl ListPage {
    /// The current filter with another sort order.
    fn sort_href(&self, sort: &str) -> String {
        base("/projects", &ProjectFilter { sort: sort.to_string(), ..self.f.clone() })
    }
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ProjectFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    // one GROUP BY stage gives the stage table, the page's total and its investment (no second
    // aggregate), then the page
    let (page, groups) =
        projects::list_with_stages(&state.db, &scope, zone, &ProjectFilter { per_page: Some(50), ..f.clone() }).await?;
    let picked = match f.stage.trim() {
        "" => None,
        "none" => Some("none"),
        s => Stage::parse(s).map(Stage::code),
    };
    let in_list = |g: &&StageTotal| picked.is_none_or(|c| g.stage == c);
    let total_investment = groups.iter().filter(in_list).map(|g| g.investment).sum::<Wan>().yi_2();
    let all_count = groups.iter().map(|g| g.count).sum();
    let all_investment = groups.iter().map(|g| g.investment).sum::<Wan>().yi_2();
    let stages = groups
        .iter()
        .map(|g| StageLink {
            label: g.label.clone(),
            count: g.count,
            investment: g.investment.yi_2(),
            href: stage_href("/projects", &f, &g.stage),
            current: picked == Some(g.stage.as_str()),
        })
        .collect();
    html(&ListPage {
        stages,
        all_count,
        all_investment,
        all_href: stage_href("/projects", &f, ""),
        shell: Shell::load(&state, &user, "/projects", None).await?,
        o: ProjectOptions::filters(&state, &scope, zone).await?,
        pager: Pager::new(&page, &base("/projects", &f)),
        export_href: base("/projects.xlsx", &f),
        rows: page.rows,
        total_investment,
        f,
    })
}

const HEADERS: [&str; 14] = [
    "序号",
    "项目名称",
    "投资方",
    "项目类别",
    "产业链",
    "总投资（亿元）",
    "年度计划投资（亿元）",
    "重点级别",
    "招商方式",
    "招商小分队",
    "包联领导",
    "帮扶部门",
    "当前阶段",
    "阶段日期",
];

/// The filtered list (all pages) as XLSX.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ProjectFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all =
        projects::list(&state.db, &scope, zone, &ProjectFilter { page: Some(1), per_page: Some(10_000), ..f }).await?;
    let rows: Vec<Vec<Cell>> = all
        .rows
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                Cell::Int(i as i64 + 1),
                p.name.clone().into(),
                p.investor.clone().into(),
                p.category.label().into(),
                p.chain.clone().into(),
                Cell::Yi(p.total),
                p.planned.map(Cell::Yi).unwrap_or(Cell::Empty),
                p.key_level.label().into(),
                p.channel.clone().into(),
                p.team.clone().into(),
                p.leader.clone().into(),
                p.department.clone().into(),
                format!("{}{}", p.stage_label(), if p.status.label() == "进行中" { "" } else { "（暂停/终止）" })
                    .into(),
                p.stage_date.map(|d| d.to_string()).into(),
            ]
        })
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes = table::export("项目台账", &format!("{zone_name}项目台账（{} 个）", rows.len()), &HEADERS, &rows)
        .map_err(AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"projects.xlsx\"; filename*=UTF-8''%E9%A1%B9%E7%9B%AE%E5%8F%B0%E8%B4%A6.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
}

pub struct Column {
    pub code: &'static str,
    pub label: &'static str,
    pub projects: Vec<Project>,
    pub investment: String,
}

#[derive(Template)]
#[template(path = "project_board.html")]
struct BoardPage {
    shell: Shell,
    f: ProjectFilter,
    o: ProjectOptions,
    columns: Vec<Column>,
}

async fn board(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ProjectFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all = projects::list(
        &state.db,
        &scope,
        zone,
        &ProjectFilter {
            stage: String::new(),
            sort: "-total".into(),
            page: Some(1),
            per_page: Some(10_000),
            ..f.clone()
        },
    )
    .await?;
    let mut columns: Vec<Column> = std::iter::once(("none", "未录入"))
        .chain(Stage::ALL.iter().map(|s| (s.code(), s.label())))
        .map(|(code, label)| Column { code, label, projects: Vec::new(), investment: String::new() })
        .collect();
    for p in all.rows {
        let i = p.stage.map(|s| s as usize + 1).unwrap_or(0);
        columns[i].projects.push(p);
    }
    for c in &mut columns {
        c.investment = c.projects.iter().map(|p| p.total).sum::<Wan>().yi_2();
    }
    html(&BoardPage {
        shell: Shell::load(&state, &user, "/projects/board", None).await?,
        o: ProjectOptions::filters(&state, &scope, zone).await?,
        f,
        columns,
    })
}
