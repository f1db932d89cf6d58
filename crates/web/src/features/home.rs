//! The home page, 驾驶舱: for a zone and a period (`?period=2025-H1`; by default the year to
//! date) the key indicators with growth, the two city ranks and pace; the pipeline funnel
//! against the year's targets and their route; open and overdue problems, hazards, tasks and
//! approval cases; the week's inspections against the weekly target; the current warnings with
//! their reasons — every number a link to the list of its records. A leader sees first the
//! projects they answer for (包联) and their problems, staff their department's work and
//! 我的待办, admins the recent actions. City users get the city view (`super::city`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::time::local_display;
use kaifaqu_domain::{Permission, Role};
use kaifaqu_store::audit::{self, AuditFilter};
use kaifaqu_store::cockpit::{self, Focus, FunnelStep, KeyIndicator, OpenItems, WeekInspections};
use kaifaqu_store::projects::{self, Project, ProjectFilter};
use kaifaqu_store::report_data::ReportPeriod;
use kaifaqu_store::targets;
use kaifaqu_store::todo::{self, TodoItem};
use kaifaqu_store::zones::{self, Zone};
use kaifaqu_store::{Db, Scope, departments, indicator_views, lookups, users};
use serde::Deserialize;

use crate::charts;
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/", get(Need::SignedIn, home))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct PeriodQuery {
    pub period: String,
    pub sort: String,
    pub dir: String,
}

/// The period of `?period=` (a month, a half-year, a year), or the year to date.
pub(super) fn period_of(q: &str, today: NaiveDate) -> AppResult<ReportPeriod> {
    if q.trim().is_empty() {
        return Ok(cockpit::year_to_date(today));
    }
    ReportPeriod::parse(q).map_err(AppError::BadRequest)
}

/// The quick choices of the period selector: the year to date, and the half-years and years of
/// this year and the last.
pub(super) fn period_choices(today: NaiveDate) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "本年至今".to_string())];
    for y in [today.year(), today.year() - 1] {
        out.push((format!("{y}-H1"), format!("{y}年上半年")));
        out.push((format!("{y}-H2"), format!("{y}年下半年")));
        out.push((y.to_string(), format!("{y}年全年")));
    }
    out
}

pub struct RecentRow {
    pub id: i64,
    pub time: String,
    pub user: String,
    pub action: &'static str,
    pub summary: String,
}

/// A current warning: an indicator rule or a target behind its route.
pub struct WarningRow {
    pub what: String,
    pub href: String,
    pub period: String,
    pub kind: String,
    pub reason: String,
}

/// Everything the cockpit and the wall show for a zone and a period.
pub(super) struct Cockpit {
    pub zone: Zone,
    pub period: ReportPeriod,
    pub as_of: NaiveDate,
    pub statistics_period: Option<String>,
    pub indicators: Vec<KeyIndicator>,
    pub funnel: Vec<FunnelStep>,
    pub funnel_chart: String,
    pub progress_chart: String,
    pub open: OpenItems,
    pub week: WeekInspections,
    pub weeks_met: u64,
    pub weeks: u64,
    pub warnings: Vec<WarningRow>,
}

impl Cockpit {
    /// The key indicators that have a value for the period.
    pub fn shown_indicators(&self) -> Vec<&KeyIndicator> {
        self.indicators.iter().filter(|i| i.value.is_some()).collect()
    }
}

/// Gathers the cockpit of `zone_id` for `p` on `today` (the current warnings and open items are
/// those of today; the period's figures those of the period).
pub(super) async fn gather(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    p: ReportPeriod,
    today: NaiveDate,
) -> AppResult<Cockpit> {
    let zone = zones::get(db, scope, zone_id).await?;
    let as_of = cockpit::as_of(&p, today);
    let (stats, indicators) = cockpit::indicators(db, scope, zone_id, &p).await?;
    let targets = targets::evaluate(db, scope, zone_id, p.year, as_of).await?;
    let funnel = cockpit::funnel(db, scope, zone_id, &p, &targets).await?;
    let steps: Vec<charts::FunnelStep> = funnel
        .iter()
        .map(|s| charts::FunnelStep {
            label: s.label.clone(),
            value: i64::try_from(s.count.value).unwrap_or(i64::MAX),
            unit: s.unit.clone(),
            target: s.target.as_ref().map(|t| t.target),
            to_date: s.target.as_ref().and_then(|t| t.actual),
        })
        .collect();
    let title = format!("{}招商项目漏斗", p.label);
    let funnel_chart = charts::figure(&charts::funnel(&title, &steps), &charts::funnel_table(&title, &steps));
    let bars: Vec<charts::Progress> = funnel
        .iter()
        .filter_map(|s| {
            let t = s.target.as_ref()?;
            Some(charts::Progress {
                label: format!("{}（{}）", s.label, t.name),
                actual: t.actual,
                target: t.target,
                route: (t.route_month > 0).then_some(t.route),
                unit: s.unit.clone(),
                scale: 1,
            })
        })
        .collect();
    let title = format!("{}年目标完成情况（截至{}）", p.year, as_of.format("%-m月%-d日"));
    let progress_chart = charts::figure(&charts::progress(&title, &bars), &charts::progress_table(&title, &bars));
    let open = cockpit::open_items(db, scope, zone_id, Focus::default()).await?;
    let week = cockpit::week(db, scope, zone_id, as_of, today).await?;
    let (weeks_met, weeks) = cockpit::weeks_met(db, scope, zone_id, p.from, as_of).await?;
    let mut warnings: Vec<WarningRow> = indicator_views::warnings(db, scope, zone_id, today)
        .await?
        .into_iter()
        .map(|(i, per, w)| WarningRow {
            href: format!("/indicators/{}", i.id),
            what: i.name,
            period: per.full_label(),
            kind: w.kind.label().to_string(),
            reason: w.reason,
        })
        .collect();
    for t in targets.iter().filter(|t| t.status != kaifaqu_domain::target::Status::Normal) {
        warnings.push(WarningRow {
            what: t.target.name.clone(),
            href: format!("/targets/{}", t.target.id),
            period: format!("{}年", t.target.year),
            kind: format!("目标{}", t.status_label),
            reason: t.reason.clone(),
        });
    }
    Ok(Cockpit {
        zone,
        period: p,
        as_of,
        statistics_period: stats.map(|s| s.label()),
        indicators,
        funnel,
        funnel_chart,
        progress_chart,
        open,
        week,
        weeks_met,
        weeks,
        warnings,
    })
}

/// What a leader answers for.
pub struct LeaderPart {
    pub projects: Vec<Project>,
    pub projects_total: u64,
    pub projects_href: String,
    pub open: OpenItems,
}

/// What waits on a member of staff and their department.
pub struct StaffPart {
    pub department: Option<String>,
    pub open: Option<OpenItems>,
    pub todo: Vec<TodoItem>,
    pub todo_total: usize,
    pub todo_overdue: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    shell: Shell,
    c: Cockpit,
    period_key: String,
    choices: Vec<(String, String)>,
    leader: Option<LeaderPart>,
    staff: Option<StaffPart>,
    profile: bool,
    departments: usize,
    users: u64,
    recent: Vec<RecentRow>,
    city_link: bool,
}

async fn home(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    // a dozen modules' figures and lists, each naming its rows: read the zone's names once
    kaifaqu_store::lookups::cached(home_page(state, user, q)).await
}

async fn home_page(state: AppState, user: CurrentUser, q: PeriodQuery) -> AppResult<Response> {
    if !user.user.role.has(Permission::Read) {
        // 审计管理员 and 安全管理员 see no business records: their home is their duty's page.
        let to = if user.user.role.has(Permission::ReadAudit) { "/admin/audit" } else { "/admin/users" };
        return Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(to)));
    }
    let Some(zone_id) = user.user.zone_id else {
        return super::city::page(&state, &user, &q, "/").await;
    };
    let today = lookups::today();
    let period = period_of(&q.period, today)?;
    let scope = user.actor().scope();
    let shell = Shell::load(&state, &user, "/", None).await?;
    let c = gather(&state.db, &scope, zone_id, period, today).await?;
    let role = user.user.role;
    let leader = if role == Role::Leader {
        let f = ProjectFilter { leader: user.user.id.to_string(), per_page: Some(10), ..Default::default() };
        let page = projects::list(&state.db, &scope, zone_id, &f).await?;
        Some(LeaderPart {
            projects: page.rows,
            projects_total: page.total,
            projects_href: format!("/projects?leader={}", user.user.id),
            open: cockpit::open_items(
                &state.db,
                &scope,
                zone_id,
                Focus { leader: Some(user.user.id), department: None },
            )
            .await?,
        })
    } else {
        None
    };
    let staff = if role == Role::Staff {
        let t = todo::for_user(&state.db, &user.user, today).await?;
        let open = match user.user.department_id {
            Some(d) => Some(
                cockpit::open_items(&state.db, &scope, zone_id, Focus { leader: None, department: Some(d) }).await?,
            ),
            None => None,
        };
        Some(StaffPart {
            department: user.user.department_name.clone(),
            open,
            todo_total: t.items.len(),
            todo_overdue: t.overdue,
            todo: t.items.into_iter().take(8).collect(),
        })
    } else {
        None
    };
    let profile = role == Role::Admin;
    let (departments, users) = if profile {
        (
            departments::list(&state.db, &scope, zone_id).await?.len(),
            users::list(&state.db, &scope, &Default::default()).await?.total,
        )
    } else {
        (0, 0)
    };
    let recent = if role.has(Permission::ReadAudit) {
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
    let period_key = q.period.trim().to_string();
    let mut choices = period_choices(today);
    if !choices.iter().any(|ch| ch.0 == period_key) {
        choices.push((period_key.clone(), c.period.label.clone()));
    }
    html(&HomePage {
        shell,
        period_key,
        choices,
        c,
        leader,
        staff,
        profile,
        departments,
        users,
        recent,
        city_link: role.is_city_level(),
    })
}
