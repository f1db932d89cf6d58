//! 安全生产 → 隐患台账: the zone's hazards with filters (overdue rows in red), paged, and the
//! same filtered list as XLSX.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaifaqu_domain::Permission;
use kaifaqu_domain::safety::{HazardLevel, HazardStatus};
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::hazards::{self, Hazard, HazardFilter};

use super::{Options, category_options, deadline_text, enterprise_options, user_options};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::{Pager, query_base};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/safety/hazards", get(Need::READ, list)).route("/safety/hazards.xlsx", get(Need::READ, export))
}

/// The filter as URL pairs (for the pager and the export link).
fn base(path: &str, f: &HazardFilter) -> String {
    query_base(
        path,
        &[
            ("enterprise", &f.enterprise),
            ("level", &f.level),
            ("status", &f.status),
            ("category", &f.category),
            ("overdue", &f.overdue),
            ("from", &f.from),
            ("to", &f.to),
            ("inspector", &f.inspector),
            ("due_by", &f.due_by),
            ("closed_by", &f.closed_by),
        ],
    )
}

/// One ledger line: its number, the hazard and its deadline text.
pub struct Row {
    pub n: u64,
    pub h: Hazard,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "safety_hazards.html")]
struct ListPage {
    shell: Shell,
    f: HazardFilter,
    enterprises: Options,
    levels: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Options,
    inspectors: Options,
    can_write: bool,
    export_href: String,
    rows: Vec<Row>,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<HazardFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let page = hazards::list(&state.db, &user.actor().scope(), zone, &HazardFilter { per_page: Some(50), ..f.clone() })
        .await?;
    let first = (page.page - 1) * page.per_page;
    let pager = Pager::new(&page, &base("/safety/hazards", &f));
    let rows = page
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, h)| Row { n: first + i as u64 + 1, deadline: deadline_text(&h), h })
        .collect();
    let mut statuses = vec![("open", "未销号")];
    statuses.extend(HazardStatus::options());
    html(&ListPage {
        shell: Shell::load(&state, &user, "/safety/hazards", None).await?,
        enterprises: enterprise_options(&state, &user).await?,
        levels: HazardLevel::options(),
        statuses,
        categories: category_options(&state, &user).await?,
        inspectors: user_options(&state, &user, std::slice::from_ref(&f.inspector)).await?,
        can_write: user.user.role.has(Permission::Write),
        export_href: base("/safety/hazards.xlsx", &f),
        rows,
        pager,
        f,
    })
}

const HEADERS: [&str; 14] = [
    "序号",
    "企业名称",
    "隐患描述",
    "隐患部位",
    "隐患类别",
    "隐患等级",
    "发现日期",
    "发现人",
    "整改措施",
    "企业责任人",
    "整改期限",
    "整改状态",
    "销号日期",
    "是否逾期",
];

/// The filtered ledger (all pages) as XLSX.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<HazardFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all =
        hazards::list(&state.db, &scope, zone, &HazardFilter { page: Some(1), per_page: Some(10_000), ..f }).await?;
    let rows: Vec<Vec<Cell>> = all
        .rows
        .iter()
        .enumerate()
        .map(|(i, h)| {
            vec![
                Cell::Int(i as i64 + 1),
                h.enterprise.clone().into(),
                h.description.clone().into(),
                h.location.clone().into(),
                h.category.clone().unwrap_or_default().into(),
                h.level.label().into(),
                h.found_date.to_string().into(),
                h.found_by.clone().unwrap_or_default().into(),
                h.measures.clone().into(),
                h.responsible_person.clone().into(),
                deadline_text(h).into(),
                h.status.label().into(),
                h.closed_date.map(|d| d.to_string()).unwrap_or_default().into(),
                if h.overdue { "已逾期" } else { "" }.into(),
            ]
        })
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes = table::export("隐患台账", &format!("{zone_name}安全隐患台账（{} 项）", rows.len()), &HEADERS, &rows)
        .map_err(AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"hazards.xlsx\"; filename*=UTF-8''%E9%9A%90%E6%82%A3%E5%8F%B0%E8%B4%A6.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
}
