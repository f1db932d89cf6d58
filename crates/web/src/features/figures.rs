//! 招商统计: pipeline figures for any date range, derived from dated records, each linking to
//! the records behind it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use kaifaqu_domain::stage::Stage;
use kaifaqu_store::figures::{self, Breakdown, PeriodFigures};
use kaifaqu_store::projects::Project;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::period_range;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/figures", get(Need::READ, show)).route("/figures/stage", get(Need::READ, stage_records))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Range {
    from: String,
    to: String,
    stage: String,
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    shell: Shell,
    f: PeriodFigures,
    stages: Vec<(&'static str, &'static str)>,
    breakdowns: Vec<(&'static str, Vec<Breakdown>)>,
}

async fn show(State(state): State<AppState>, user: CurrentUser, AppQuery(r): AppQuery<Range>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let (from, to) = period_range(&r.from, &r.to)?;
    let f = figures::period(&state.db, &user.actor().scope(), zone, from, to).await?;
    html(&FiguresPage {
        shell: Shell::load(&state, &user, "/figures", None).await?,
        breakdowns: vec![
            ("按招商小分队", f.by_team.clone()),
            ("按招商方式", f.by_channel.clone()),
            ("按产业链", f.by_chain.clone()),
        ],
        f,
        stages: Stage::ALL.iter().map(|s| (s.code(), s.label())).collect(),
    })
}

#[derive(Template)]
#[template(path = "figures_stage.html")]
struct StagePage {
    shell: Shell,
    label: &'static str,
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<(NaiveDate, Project)>,
    total: String,
}

async fn stage_records(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(r): AppQuery<Range>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let (from, to) = period_range(&r.from, &r.to)?;
    let stage = Stage::parse(&r.stage).ok_or_else(|| AppError::BadRequest("请指定阶段（stage）".into()))?;
    let rows = figures::projects_reaching(&state.db, &user.actor().scope(), zone, stage, from, to).await?;
    let total = rows.iter().map(|(_, p)| p.total).sum::<kaifaqu_domain::money::Wan>().yi_2();
    html(&StagePage {
        shell: Shell::load(&state, &user, "/figures", None).await?,
        label: stage.label(),
        from,
        to,
        rows,
        total,
    })
}
