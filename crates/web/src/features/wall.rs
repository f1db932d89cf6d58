//! 大屏 (`/wall`): the cockpit of the zone for the committee's hall — 1920×1080, large type, no
//! menu or other controls, refreshed by the browser every 5 minutes (`<meta http-equiv=
//! "refresh">`, no script: the CSP allows none inline). The same figures as the home page, from
//! the same gathering (`super::home::gather`). City users get the city view's wall.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_store::lookups;

use super::home::{Cockpit, PeriodQuery, gather, period_of};
use crate::error::AppResult;
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::html;
use crate::state::AppState;

/// Seconds between refreshes of the wall display.
pub const REFRESH_SECONDS: u32 = 300;

pub fn routes() -> Routes {
    Routes::new().route("/wall", get(Need::READ, wall))
}

#[derive(Template)]
#[template(path = "wall.html")]
struct WallPage {
    css: &'static str,
    refresh: u32,
    c: Cockpit,
    now: String,
}

async fn wall(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let Some(zone_id) = user.user.zone_id else {
        return super::city::wall_page(&state, &user, &q).await;
    };
    let today = lookups::today();
    let p = period_of(&q.period, today)?;
    let c = gather(&state.db, &user.actor().scope(), zone_id, p, today).await?;
    html(&WallPage {
        css: crate::assets::css_path(),
        refresh: REFRESH_SECONDS,
        c,
        now: kaifaqu_domain::time::local_display(chrono::Utc::now()),
    })
}
