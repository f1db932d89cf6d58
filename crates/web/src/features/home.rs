//! The home page: the zone's profile (zone users) or the city's zones (city users), and the
//! latest recorded actions for admins. The cockpit grows here as modules land.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use kaifaqu_domain::Permission;
use kaifaqu_domain::time::local_display;
use kaifaqu_store::audit::{self, AuditFilter};
use kaifaqu_store::zones::{self, Zone};
use kaifaqu_store::{departments, indicator_views, users};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

pub struct RecentRow {
    pub id: i64,
    pub time: String,
    pub user: String,
    pub action: &'static str,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    shell: Shell,
    zone: Option<Zone>,
    departments: usize,
    users: u64,
    city_zones: Vec<Zone>,
    recent: Vec<RecentRow>,
    warnings: Vec<WarningRow>,
}

pub struct WarningRow {
    pub indicator_id: i64,
    pub indicator: String,
    pub period: String,
    pub kind: &'static str,
    pub reason: String,
}

async fn home(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let scope = user.actor().scope();
    let shell = Shell::load(&state, &user, "/", None).await?;
    let (zone, departments, users, city_zones) = match user.user.zone_id {
        Some(z) => {
            let zone = zones::get(&state.db, &scope, z).await?;
            let d = departments::list(&state.db, &scope, z).await?.len();
            let u = users::list(&state.db, &scope, &Default::default()).await?.total;
            (Some(zone), d, u, Vec::new())
        }
        None => (None, 0, 0, zones::list(&state.db, &scope).await?),
    };
    let recent = if user.user.role.has(Permission::ReadAudit) {
        let f = AuditFilter { per_page: Some(10), ..Default::default() };
        audit::search(&state.db, &scope, &f)
            .await?
            .rows
            .into_iter()
            .map(|r| RecentRow {
                id: r.id,
                time: local_display(r.at),
                user: r.login_name.clone().unwrap_or_default(),
                action: r.action_label(),
                summary: r.summary,
            })
            .collect()
    } else {
        Vec::new()
    };
    let warnings = match user.user.zone_id {
        Some(z) => indicator_views::warnings(&state.db, &scope, z, kaifaqu_store::lookups::today())
            .await?
            .into_iter()
            .map(|(i, p, w)| WarningRow {
                indicator_id: i.id,
                indicator: i.name,
                period: p.full_label(),
                kind: w.kind.label(),
                reason: w.reason,
            })
            .collect(),
        None => Vec::new(),
    };
    html(&HomePage { shell, zone, departments, users, city_zones, recent, warnings })
}
