//! 整改通知书: a printable notice (A4) to one enterprise listing its open hazards, numbered, with
//! their deadlines, from the management committee, with the date and signature lines.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kaifaqu_store::hazards::{self, HazardFilter};
use kaifaqu_store::{enterprises as ent_store, lookups, zones};

use super::chinese_date;
use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/safety/enterprises/{id}/notice", get(Need::READ, show))
}

/// One numbered line of the notice.
pub struct Line {
    pub n: usize,
    pub id: i64,
    pub description: String,
    pub location: String,
    pub level: &'static str,
    pub found: String,
    pub deadline: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "safety_notice.html")]
struct NoticePage {
    shell: Shell,
    enterprise_id: i64,
    enterprise: String,
    committee: String,
    date: String,
    lines: Vec<Line>,
}

async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let e = ent_store::get(&state.db, &scope, id).await?;
    let f = HazardFilter {
        enterprise: id.to_string(),
        status: "open".into(),
        per_page: Some(10_000),
        ..Default::default()
    };
    let mut open = hazards::list(&state.db, &scope, zone, &f).await?.rows;
    open.retain(|h| h.enterprise_id == e.id && h.status.is_open());
    open.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.found_date.cmp(&b.found_date)).then(a.id.cmp(&b.id)));
    let lines = open
        .into_iter()
        .enumerate()
        .map(|(i, h)| Line {
            n: i + 1,
            id: h.id,
            level: h.level.label(),
            found: chinese_date(h.found_date),
            deadline: chinese_date(h.deadline),
            overdue: h.overdue,
            description: h.description,
            location: h.location,
        })
        .collect();
    let committee = format!("{}管理委员会", zones::get(&state.db, &scope, zone).await?.name);
    html(&NoticePage {
        shell: Shell::load(&state, &user, "/safety/enterprises", None).await?,
        enterprise_id: e.id,
        enterprise: e.name,
        committee,
        date: chinese_date(lookups::today()),
        lines,
    })
}
