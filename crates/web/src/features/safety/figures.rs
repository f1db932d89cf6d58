//! 安全统计: the figures of a date range from inspections and hazards (家次 and 家, hazards by
//! level and category, closed, 整改率, overdue, 挂牌督办, weekly compliance), each number linking
//! to the ledger or the inspection list filtered to its records where such a filter exists.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_store::safety_figures::{self, SafetyFigures};
use serde::Deserialize;

use super::{category_options, percent};
use crate::error::AppResult;
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::period_range;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/safety/figures", get(Need::READ, show))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Range {
    from: String,
    to: String,
}

/// A category line: its name, count and ledger link (none for 未分类).
pub struct CategoryRow {
    pub name: String,
    pub count: u64,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "safety_figures.html")]
struct FiguresPage {
    shell: Shell,
    f: SafetyFigures,
    /// `from=…&to=…` of the ledger and inspection links.
    q: String,
    categories: Vec<CategoryRow>,
    rate: String,
}

async fn show(State(state): State<AppState>, user: CurrentUser, AppQuery(r): AppQuery<Range>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let (from, to) = period_range(&r.from, &r.to)?;
    let f = safety_figures::period(&state.db, &user.actor().scope(), zone, from, to).await?;
    let q = format!("from={from}&to={to}");
    let ids = category_options(&state, &user).await?;
    let categories = f
        .by_category
        .iter()
        .map(|(name, count)| CategoryRow {
            href: ids
                .iter()
                .find(|(_, label)| label == name || label.strip_suffix("（停用）") == Some(name.as_str()))
                .map(|(id, _)| format!("/safety/hazards?category={id}&{q}")),
            name: name.clone(),
            count: *count,
        })
        .collect();
    html(&FiguresPage {
        shell: Shell::load(&state, &user, "/safety/figures", None).await?,
        rate: percent(f.rectification_rate),
        categories,
        q,
        f,
    })
}
