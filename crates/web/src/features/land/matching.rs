//! 土地匹配: for a lead (project) with a 用地需求, the parcels not yet transferred whose area is
//! between the need and 1.5 × the need, and the idle plants whose land or building covers it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_store::idle_plants::{self, Matches};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/land/match", get(Need::READ, page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MatchQuery {
    project_id: String,
}

#[derive(Template)]
#[template(path = "land_match.html")]
struct MatchPage {
    shell: Shell,
    m: Matches,
    /// The need in m² (1 亩 = 666.67 m²).
    need_m2: i64,
    /// The largest parcel that still fits, in 亩.
    max_mu: String,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<MatchQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let id: i64 =
        q.project_id.trim().parse().map_err(|_| AppError::BadRequest("缺少项目：请从项目页面打开土地匹配".into()))?;
    let m = idle_plants::matches(&state.db, &user.actor().scope(), zone, id).await?;
    let need = m.need.unwrap_or_default();
    let max =
        kaifaqu_domain::money::Mu100(need.0 * kaifaqu_domain::land::FIT_MAX_NUM / kaifaqu_domain::land::FIT_MAX_DEN);
    html(&MatchPage {
        shell: Shell::load(&state, &user, "/land/parcels", None).await?,
        need_m2: need.square_metres(),
        max_mu: max.mu_2(),
        m,
    })
}
