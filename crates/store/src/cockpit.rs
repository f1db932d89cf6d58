//! The figures of the cockpit (驾驶舱, the home page), the wall display (大屏) and the city view
//! (全市开发区对比), read-only and gathered from the modules' own figure and list functions:
//! every number here is the total of a list filter, and carries the link of that filtered list,
//! so a tile always leads to exactly the records it counts.
//!
//! - [`indicators`]: the key statistics at the latest period published within the report
//!   period — value, growth, the two city ranks, pace against 序时进度.
//! - [`funnel`]: the year's pipeline 对接 → 签约 → 落地 → 开工 → 投产 for the period, beside the
//!   year's targets of those stages and where their monthly route says they should be.
//! - [`open_items`]: open and overdue problems, hazards, tasks and approval cases (for the zone,
//!   a leader's projects, or a department).
//! - [`week`]: the inspections of the week against the weekly target.
//! - [`city_view`]: all zones of a city side by side.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use kaifaqu_domain::indicator::{Fixed, Period};
use kaifaqu_domain::stage::Stage;
use kaifaqu_domain::target::{Metric, Status};
use kaifaqu_domain::wording;
use serde::Serialize;

use crate::indicator_views::{self, OverviewRow};
use crate::indicators;
use crate::report_data::ReportPeriod;
use crate::targets::{self, TargetStatus};
use crate::{Actor, Db, Scope, StoreError, figures, zones};

/// The stages of the funnel after 对接 (contacts).
pub const FUNNEL_STAGES: [Stage; 4] = [Stage::Signed, Stage::Landed, Stage::Started, Stage::Producing];

/// A number and the list of the records behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tile {
    pub label: String,
    pub value: u64,
    pub href: String,
}

fn tile(label: &str, value: u64, href: String) -> Tile {
    Tile { label: label.to_string(), value, href }
}

/// The date a period is judged on: its end, or today when the period is still running (never
/// before its start).
pub fn as_of(p: &ReportPeriod, today: NaiveDate) -> NaiveDate {
    p.to.min(today.max(p.from))
}

/// The year to date as a report period: 1 January to `today`.
pub fn year_to_date(today: NaiveDate) -> ReportPeriod {
    let year = today.year();
    ReportPeriod {
        key: String::new(),
        label: format!("{year}年（截至{}月{}日）", today.month(), today.day()),
        year,
        from: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
        to: today,
        last_month: today.month(),
        next_label: "下年度".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Key indicators
// ---------------------------------------------------------------------------------------------

/// One statistical indicator on the cockpit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyIndicator {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    /// "1-5月".
    pub period_label: String,
    /// The value in 1/10,000 of the unit.
    pub value: Option<i64>,
    /// "27.97".
    pub value_text: Option<String>,
    /// In 0.01 %.
    pub growth: Option<i64>,
    /// "+22.9%".
    pub growth_text: Option<String>,
    pub growth_computed: bool,
    pub rank_value: Option<u32>,
    pub rank_growth: Option<u32>,
    /// "第一".
    pub rank_value_text: Option<String>,
    pub rank_growth_text: Option<String>,
    /// Zones ranked.
    pub ranked: usize,
    /// "66 亿元".
    pub target_text: Option<String>,
    /// Completion of the annual target, "42.38%".
    pub completion_text: Option<String>,
    /// 序时进度, "41.67%".
    pub schedule_text: Option<String>,
    /// completion − schedule in 百分点, "+0.71" / "-13.4".
    pub gap_text: Option<String>,
    /// Behind 序时进度.
    pub behind: bool,
    /// Completion and schedule in whole percent 0–100 (for a progress bar).
    pub completion_percent: i64,
    pub schedule_percent: i64,
    /// The indicator's page up to this period.
    pub href: String,
}

/// "+22.9%" / "-3.4%" / "0%".
pub fn signed_percent(p: kaifaqu_domain::indicator::Pct) -> String {
    let s = wording::percent(p);
    if p.0 > 0 { format!("+{s}") } else { s }
}

fn key_indicator(r: OverviewRow, period: Period) -> KeyIndicator {
    let decimals = u32::try_from(r.indicator.decimals).unwrap_or(2);
    let pace = r.pace.as_ref();
    let whole = |v: i64| (v / 100).clamp(0, 100);
    KeyIndicator {
        id: r.indicator.id,
        code: r.indicator.code.clone(),
        href: format!("/indicators/{}?until={}", r.indicator.id, period.key()),
        name: r.indicator.name.clone(),
        unit: r.indicator.unit.clone(),
        period_label: period.label(),
        value: r.figure.value.map(|v| v.0),
        value_text: r.figure.value.map(|v| v.display_trim(decimals)),
        growth: r.figure.growth.map(|g| g.0),
        growth_text: r.figure.growth.map(signed_percent),
        growth_computed: r.figure.growth_computed,
        rank_value: r.rank_value,
        rank_growth: r.rank_growth,
        rank_value_text: r.rank_value.map(wording::rank),
        rank_growth_text: r.rank_growth.map(wording::rank),
        ranked: r.ranked,
        target_text: r
            .target
            .as_ref()
            .and_then(|t| t.value)
            .map(|v: Fixed| format!("{} {}", v.display_trim(decimals), r.indicator.unit)),
        completion_text: pace.map(|p| p.completion.display_percent()),
        schedule_text: pace.map(|p| p.schedule.display_percent()),
        gap_text: pace.map(|p| {
            let s = units(p.gap_points.0, 100);
            if p.gap_points.0 > 0 { format!("+{s}") } else { s }
        }),
        behind: pace.is_some_and(|p| p.gap_points.0 < 0),
        completion_percent: pace.map(|p| whole(p.completion.0)).unwrap_or(0),
        schedule_percent: pace.map(|p| whole(p.schedule.0)).unwrap_or(0),
    }
}

/// `v ÷ scale`, trailing zeros trimmed (exact).
fn units(v: i64, scale: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let s = scale.unsigned_abs().max(1);
    let digits = s.ilog10() as usize;
    let frac = format!("{:0digits$}", a % s);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{sign}{}", a / s) } else { format!("{sign}{}.{frac}", a / s) }
}

/// The latest statistics period (1-N月, N ≤ the period's last month) of the period's year with a
/// published value of the zone, and the zone's indicators at it.
pub async fn indicators(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    p: &ReportPeriod,
) -> Result<(Option<Period>, Vec<KeyIndicator>), StoreError> {
    use sea_orm::sea_query::Query;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

    use crate::entities::{indicator, indicator_value};
    crate::zones::get(db, scope, zone_id).await?;
    // the latest month with an official value of an active indicator, in one query (not an
    // overview per month)
    let active = Query::select()
        .column(indicator::Column::Id)
        .from(indicator::Entity)
        .and_where(indicator::Column::Active.eq(true))
        .to_owned();
    let months: Vec<i32> = indicator_value::Entity::find()
        .select_only()
        .column(indicator_value::Column::Month)
        .distinct()
        .filter(indicator_value::Column::ZoneId.eq(zone_id))
        .filter(indicator_value::Column::Year.eq(p.year))
        .filter(indicator_value::Column::Month.lte(i32::try_from(p.last_month).unwrap_or(12)))
        .filter(indicator_value::Column::IsEstimate.eq(false))
        .filter(indicator_value::Column::IndicatorId.in_subquery(active))
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut months: Vec<u32> = months.into_iter().filter_map(|m| u32::try_from(m).ok()).collect();
    months.sort_unstable_by(|a, b| b.cmp(a));
    for month in months {
        let Ok(period) = Period::new(p.year, month) else { continue };
        let rows = indicator_views::overview(db, scope, zone_id, period).await?;
        if rows.iter().any(|r| r.figure.value.is_some()) {
            return Ok((Some(period), rows.into_iter().map(|r| key_indicator(r, period)).collect()));
        }
    }
    Ok((None, Vec::new()))
}

// ---------------------------------------------------------------------------------------------
// The pipeline funnel
// ---------------------------------------------------------------------------------------------

/// A year's target of a funnel stage, judged on the period's date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageTarget {
    pub target_id: i64,
    pub name: String,
    pub target: i64,
    pub target_text: String,
    /// Year to date (from 1 January), with its records.
    pub actual: Option<i64>,
    pub actual_href: String,
    /// Where the monthly route says the count should be by the last month end (0: none due).
    pub route_month: u32,
    pub route: i64,
    pub route_text: String,
    pub status: String,
    pub behind: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelStep {
    /// "contacts", "signed", …
    pub code: String,
    /// 对接, 签约, …
    pub label: String,
    /// 次 or 个.
    pub unit: String,
    /// Reached in the period.
    pub count: Tile,
    pub target: Option<StageTarget>,
}

fn stage_target(t: &TargetStatus) -> StageTarget {
    StageTarget {
        target_id: t.target.id,
        name: t.target.name.clone(),
        target: t.target.target_value,
        target_text: t.target.target_text.clone(),
        actual: t.actual,
        actual_href: t.href.clone(),
        route_month: t.milestone_month,
        route: t.milestone,
        route_text: t.milestone_text.clone(),
        status: t.status_label.clone(),
        behind: t.status != Status::Normal,
        reason: t.reason.clone(),
    }
}

/// 对接 → 签约 → 落地 → 开工 → 投产 in the period, each beside the first target of the year that
/// counts it (from `targets`, an evaluation of the year).
pub async fn funnel(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    p: &ReportPeriod,
    targets: &[TargetStatus],
) -> Result<Vec<FunnelStep>, StoreError> {
    let f = figures::period(db, scope, zone_id, p.from, p.to).await?;
    let range = format!("from={}&to={}", p.from, p.to);
    let find = |m: Metric, s: Option<Stage>| {
        targets
            .iter()
            .find(|t| t.target.binding.is_some_and(|b| b.metric == m && (s.is_none() || b.stage == s)))
            .map(stage_target)
    };
    let mut out = vec![FunnelStep {
        code: "contacts".into(),
        label: "对接".into(),
        unit: "次".into(),
        count: tile("对接", f.contacts, format!("/contacts?{range}")),
        target: find(Metric::Contacts, None),
    }];
    for s in FUNNEL_STAGES {
        out.push(FunnelStep {
            code: s.code().into(),
            label: s.label().into(),
            unit: "个".into(),
            count: tile(s.label(), f.stage(s).count, format!("/figures/stage?stage={}&{range}", s.code())),
            target: find(Metric::StageCount, Some(s)),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Open and overdue items
// ---------------------------------------------------------------------------------------------

/// Whose items: the zone's (both None), a leader's projects and tasks, or a department's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Focus {
    pub leader: Option<i64>,
    pub department: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenItems {
    pub problems: Tile,
    pub problems_overdue: Tile,
    pub hazards: Tile,
    pub hazards_overdue: Tile,
    pub tasks: Tile,
    pub tasks_overdue: Tile,
    pub cases: Tile,
    pub cases_overdue: Tile,
}

impl OpenItems {
    /// (open, overdue) pairs in display order.
    pub fn pairs(&self) -> [(&Tile, &Tile); 4] {
        [
            (&self.problems, &self.problems_overdue),
            (&self.hazards, &self.hazards_overdue),
            (&self.tasks, &self.tasks_overdue),
            (&self.cases, &self.cases_overdue),
        ]
    }
}

/// `COUNT(*)` of a filtered select and, in the same statement, how many of its rows have
/// `deadline < today` (one query for a tile and its 其中逾期).
async fn open_and_overdue<E>(
    db: &Db,
    q: sea_orm::Select<E>,
    deadline: E::Column,
    today: NaiveDate,
) -> Result<(u64, u64), StoreError>
where
    E: sea_orm::EntityTrait,
{
    use sea_orm::sea_query::{Expr, Func};
    use sea_orm::{ColumnTrait, QuerySelect};
    let row: Option<(i64, i64)> = q
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::from(Func::count(Expr::case(deadline.lt(today), 1))), "o")
        .into_tuple()
        .one(&db.conn)
        .await?;
    let (n, o) = row.unwrap_or((0, 0));
    Ok((u64::try_from(n).unwrap_or(0), u64::try_from(o).unwrap_or(0)))
}

/// The open and overdue items of a zone (or of a leader / a department of it): each the total of
/// the list filter its link opens, counted in the database (`COUNT(*)` with the list's own
/// conditions, one statement per module — `tests/cockpit.rs` pins them to the lists' totals).
/// Hazards have no department or leader; a focus keeps the zone's hazards.
pub async fn open_items(db: &Db, scope: &Scope, zone_id: i64, focus: Focus) -> Result<OpenItems, StoreError> {
    use kaifaqu_domain::approval::CaseStatus;
    use kaifaqu_domain::project::ProblemStatus;
    use kaifaqu_domain::safety::HazardStatus;
    use kaifaqu_domain::task::TaskStatus;
    use sea_orm::sea_query::Query;
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

    use crate::entities::{approval_case, hazard, problem, project, task, task_department};
    crate::zones::get(db, scope, zone_id).await?;
    let today = crate::lookups::today();

    // problems: unclosed (open + in progress); of a leader's projects; of a department
    let unclosed = [ProblemStatus::Open.code(), ProblemStatus::InProgress.code()];
    let mut q = problem::Entity::find()
        .filter(problem::Column::ZoneId.eq(zone_id))
        .filter(problem::Column::Status.is_in(unclosed));
    if let Some(d) = focus.department {
        q = q.filter(problem::Column::DepartmentId.eq(d));
    }
    if let Some(l) = focus.leader {
        let theirs = Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(project::Column::ZoneId.eq(zone_id))
            .and_where(project::Column::LeaderId.eq(l))
            .to_owned();
        q = q.filter(problem::Column::ProjectId.in_subquery(theirs));
    }
    let (problems, problems_overdue) = open_and_overdue(db, q, problem::Column::Deadline, today).await?;

    // hazards: not closed (the zone's, whatever the focus)
    let q = hazard::Entity::find()
        .filter(hazard::Column::ZoneId.eq(zone_id))
        .filter(hazard::Column::Status.ne(HazardStatus::Closed.code()));
    let (hazards, hazards_overdue) = open_and_overdue(db, q, hazard::Column::Deadline, today).await?;

    // tasks: not closed; led by the leader; of the department as lead or helping department
    let mut q = task::Entity::find()
        .filter(task::Column::ZoneId.eq(zone_id))
        .filter(task::Column::Status.ne(TaskStatus::Closed.code()));
    if let Some(d) = focus.department {
        let helping = Query::select()
            .column(task_department::Column::TaskId)
            .from(task_department::Entity)
            .and_where(task_department::Column::ZoneId.eq(zone_id))
            .and_where(task_department::Column::DepartmentId.eq(d))
            .to_owned();
        q = q.filter(Condition::any().add(task::Column::DepartmentId.eq(d)).add(task::Column::Id.in_subquery(helping)));
    }
    if let Some(l) = focus.leader {
        q = q.filter(task::Column::LeadLeaderId.eq(l));
    }
    let (tasks, tasks_overdue) = open_and_overdue(db, q, task::Column::Deadline, today).await?;

    // approval cases: received or accepted; packaged by the leader (no department filter)
    let mut q = approval_case::Entity::find()
        .filter(approval_case::Column::ZoneId.eq(zone_id))
        .filter(approval_case::Column::Status.is_in([CaseStatus::Received.code(), CaseStatus::Accepted.code()]));
    if let Some(l) = focus.leader {
        q = q.filter(approval_case::Column::LeaderId.eq(l));
    }
    let (cases, cases_overdue) = open_and_overdue(db, q, approval_case::Column::DueDate, today).await?;

    let mut extra = String::new();
    if let Some(l) = focus.leader {
        extra.push_str(&format!("&leader={l}"));
    }
    if let Some(d) = focus.department {
        extra.push_str(&format!("&department={d}"));
    }
    let case_extra = focus.leader.map(|l| format!("&leader={l}")).unwrap_or_default();
    Ok(OpenItems {
        problems: tile("未解决问题", problems, format!("/problems?status=unclosed{extra}")),
        problems_overdue: tile("逾期问题", problems_overdue, format!("/problems?overdue=1{extra}")),
        hazards: tile("未销号隐患", hazards, "/safety/hazards?status=open".into()),
        hazards_overdue: tile("逾期隐患", hazards_overdue, "/safety/hazards?overdue=1".into()),
        tasks: tile("未销号任务", tasks, format!("/tasks?status=open{extra}")),
        tasks_overdue: tile("逾期任务", tasks_overdue, format!("/tasks?overdue=1{extra}")),
        cases: tile("在办审批事项", cases, format!("/approvals/cases?status=open{case_extra}")),
        cases_overdue: tile("超期审批事项", cases_overdue, format!("/approvals/cases?overdue=1{case_extra}")),
    })
}

// ---------------------------------------------------------------------------------------------
// The week's inspections
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeekInspections {
    /// 本周 (the running week) or 最近一周 (the last whole week of a past period).
    pub label: String,
    /// Monday of the week.
    pub from: NaiveDate,
    /// The judged date (Sunday at most).
    pub to: NaiveDate,
    /// 家次 in the week, with its list.
    pub inspections: Tile,
    /// Distinct days with an inspection.
    pub days: u64,
    /// Inspection days a week (安全检查设置).
    pub target: i32,
    pub met: bool,
}

/// The week a period's inspections are judged by: on or after `today`, this week (Monday to
/// `day`); for a period already over, its last whole week (Monday to Sunday, ending on or before
/// `day`). Returns (Monday, last day, whether it is the running week).
pub fn week_of(day: NaiveDate, today: NaiveDate) -> (NaiveDate, NaiveDate, bool) {
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    if day >= today || day.weekday() == chrono::Weekday::Sun {
        return (monday, day, day >= today);
    }
    let sunday = monday - Duration::days(1);
    (sunday - Duration::days(6), sunday, false)
}

/// The days with an inspection of the zone in [from, to] and how many inspections on each
/// (家次), in one grouped query — the list `/safety/inspections?from=…&to=…` shows those rows.
async fn inspection_days(
    db: &Db,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, u64>, StoreError> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

    use crate::entities::inspection;
    let rows: Vec<(NaiveDate, i64)> = inspection::Entity::find()
        .select_only()
        .column(inspection::Column::InspectionDate)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(inspection::Column::ZoneId.eq(zone_id))
        .filter(inspection::Column::InspectionDate.gte(from))
        .filter(inspection::Column::InspectionDate.lte(to))
        .group_by(inspection::Column::InspectionDate)
        .into_tuple()
        .all(&db.conn)
        .await?;
    Ok(rows.into_iter().map(|(d, n)| (d, u64::try_from(n).unwrap_or(0))).collect())
}

/// The inspections of the week [`week_of`] `day` against the zone's weekly target.
pub async fn week(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<WeekInspections, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let (monday, day, current) = week_of(day, today);
    let by_day = inspection_days(db, zone_id, monday, day).await?;
    let (target, _) = crate::notifications::safety_settings(db, zone_id).await?;
    let days = by_day.len() as u64;
    Ok(WeekInspections {
        label: if current { "本周" } else { "最近一周" }.into(),
        from: monday,
        to: day,
        inspections: tile(
            if current { "本周入企检查" } else { "最近一周入企检查" },
            by_day.values().sum(),
            format!("/safety/inspections?from={monday}&to={day}"),
        ),
        days,
        target,
        met: days >= u64::try_from(target.max(0)).unwrap_or(0),
    })
}

/// The weeks of [from, to] (ISO weeks, partial ones included) and how many of them met the
/// zone's weekly inspection target — the same figures as `safety_figures::period`'s `weeks` and
/// `weeks_met`, from one grouped query of the inspection days instead of the period's
/// inspections and hazards. Returns (weeks met, weeks).
pub async fn weeks_met(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(u64, u64), StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    crate::lookups::bounded_range(from, to)?;
    let by_day = inspection_days(db, zone_id, from, to).await?;
    let (target, _) = crate::notifications::safety_settings(db, zone_id).await?;
    let mut weeks: BTreeMap<(i32, u32), u64> =
        kaifaqu_domain::calendar::iso_weeks(from, to).into_iter().map(|w| (w, 0)).collect();
    for day in by_day.keys() {
        let w = day.iso_week();
        *weeks.entry((w.year(), w.week())).or_default() += 1;
    }
    let met = weeks.values().filter(|n| i64::try_from(**n).unwrap_or(i64::MAX) >= i64::from(target)).count();
    Ok((met as u64, weeks.len() as u64))
}

// ---------------------------------------------------------------------------------------------
// The city view
// ---------------------------------------------------------------------------------------------

/// One zone's figure for one indicator in the city view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CityCell {
    pub value: Option<i64>,
    pub value_text: Option<String>,
    pub growth: Option<i64>,
    pub growth_text: Option<String>,
    pub rank_value: Option<u32>,
    pub rank_growth: Option<u32>,
}

/// One zone of the city.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CityRow {
    pub zone_id: i64,
    pub zone_name: String,
    /// The viewer's own zone (its numbers link to its lists).
    pub own: bool,
    /// In the order of [`CityView::indicators`].
    pub cells: Vec<CityCell>,
    /// 对接, 签约, 落地, 开工, 投产 in the period.
    pub pipeline: Vec<u64>,
    pub targets: u64,
    /// Targets on the route (正常).
    pub targets_on_track: u64,
    /// Targets 滞后 or 预警.
    pub targets_behind: u64,
    /// Overdue problems, hazards, tasks, approval cases.
    pub overdue: Vec<u64>,
}

impl CityRow {
    pub fn overdue_total(&self) -> u64 {
        self.overdue.iter().sum()
    }
}

/// An indicator column of the city view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CityIndicator {
    pub id: i64,
    pub name: String,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CityView {
    pub city_code: String,
    pub city_name: String,
    pub period: ReportPeriod,
    pub as_of: NaiveDate,
    /// "1-5月": the latest statistics period of the period with any zone's value.
    pub statistics_period: Option<String>,
    pub indicators: Vec<CityIndicator>,
    pub rows: Vec<CityRow>,
}

/// The labels of the city view's pipeline columns.
pub const PIPELINE_LABELS: [&str; 5] = ["对接", "签约", "落地", "开工", "投产"];
/// The labels of the city view's overdue columns.
pub const OVERDUE_LABELS: [&str; 4] = ["逾期问题", "逾期隐患", "逾期任务", "超期审批"];

/// The scope the city view reads with, and the city: a city user's own city. Zone users are
/// refused: the view shows each zone's internal work (pipeline, targets, overdue items), which
/// zones do not see of each other; they compare the published indicators on 全市指标对比.
pub fn city_scope(actor: &Actor) -> Result<(Scope, String), StoreError> {
    match actor.scope() {
        Scope::City { city_code } => Ok((Scope::City { city_code: city_code.clone() }, city_code)),
        Scope::Zone { .. } => Err(StoreError::Forbidden(
            "全市开发区对比只对市级用户开放：各开发区已报送的指标和排名请看“全市指标对比”（招商、目标、逾期等内部情况不在开发区之间公开）".into(),
        )),
        Scope::System => Err(StoreError::Forbidden("系统范围没有所属城市".into())),
    }
}

/// All zones of `city_code` side by side for period `p`, judged on `as_of` (the indicators
/// reported by some zone of the city for the latest statistics period of `p`). `own` is the
/// viewer's zone, if any. The scope must cover the city.
pub async fn city_view(
    db: &Db,
    scope: &Scope,
    city_code: &str,
    own: Option<i64>,
    p: &ReportPeriod,
    as_of: NaiveDate,
) -> Result<CityView, StoreError> {
    let zs: Vec<zones::Zone> = zones::list(db, scope).await?.into_iter().filter(|z| z.city_code == city_code).collect();
    let Some(first) = zs.first() else { return Err(StoreError::NotFound) };
    let city_name = first.city_name.clone();
    let catalog = indicators::list(db, true).await?;
    // the latest statistics period of the period's year with any zone's value
    let mut statistics = None;
    let mut tables = Vec::new();
    for month in (1..=p.last_month).rev() {
        let Ok(period) = Period::new(p.year, month) else { continue };
        let mut t = Vec::new();
        for ind in &catalog {
            t.push(indicator_views::city_table_of(db, scope, city_code, ind.id, period).await?);
        }
        if t.iter().flatten().any(|r| r.figure.value.is_some()) {
            statistics = Some(period);
            tables = t;
            break;
        }
    }
    // only the indicators some zone reported for that period
    let (catalog, tables): (Vec<_>, Vec<_>) =
        catalog.into_iter().zip(tables).filter(|(_, t)| t.iter().any(|r| r.figure.value.is_some())).unzip();
    let mut rows = Vec::new();
    for z in &zs {
        let cells = catalog
            .iter()
            .enumerate()
            .map(|(i, ind)| {
                let decimals = u32::try_from(ind.decimals).unwrap_or(2);
                let r = tables.get(i).and_then(|t| t.iter().find(|r| r.zone_id == z.id));
                CityCell {
                    value: r.and_then(|r| r.figure.value).map(|v| v.0),
                    value_text: r.and_then(|r| r.figure.value).map(|v| v.display_trim(decimals)),
                    growth: r.and_then(|r| r.figure.growth).map(|g| g.0),
                    growth_text: r.and_then(|r| r.figure.growth).map(signed_percent),
                    rank_value: r.and_then(|r| r.rank_value),
                    rank_growth: r.and_then(|r| r.rank_growth),
                }
            })
            .collect();
        let f = figures::period(db, scope, z.id, p.from, p.to).await?;
        let mut pipeline = vec![f.contacts];
        pipeline.extend(FUNNEL_STAGES.iter().map(|s| f.stage(*s).count));
        let ts = targets::evaluate(db, scope, z.id, p.year, as_of).await?;
        let on_track = ts.iter().filter(|t| t.status == Status::Normal).count() as u64;
        let o = open_items(db, scope, z.id, Focus::default()).await?;
        rows.push(CityRow {
            zone_id: z.id,
            zone_name: z.name.clone(),
            own: own == Some(z.id),
            cells,
            pipeline,
            targets: ts.len() as u64,
            targets_on_track: on_track,
            targets_behind: ts.len() as u64 - on_track,
            overdue: vec![
                o.problems_overdue.value,
                o.hazards_overdue.value,
                o.tasks_overdue.value,
                o.cases_overdue.value,
            ],
        });
    }
    Ok(CityView {
        city_code: city_code.to_string(),
        city_name,
        period: p.clone(),
        as_of,
        statistics_period: statistics.map(|s| s.label()),
        indicators: catalog
            .iter()
            .map(|i| CityIndicator { id: i.id, name: i.name.clone(), unit: i.unit.clone() })
            .collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_text_is_exact() {
        assert_eq!(units(71, 100), "0.71");
        assert_eq!(units(-1340, 100), "-13.4");
        assert_eq!(units(500, 100), "5");
        assert_eq!(units(0, 100), "0");
    }

    #[test]
    fn a_period_is_judged_on_its_end_or_today() {
        let h1 = ReportPeriod::parse("2025-H1").unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(as_of(&h1, d("2026-11-28")), d("2025-06-30"));
        assert_eq!(as_of(&h1, d("2025-03-02")), d("2025-03-02"));
        assert_eq!(as_of(&h1, d("2024-12-01")), d("2025-01-01"));
        let ytd = year_to_date(d("2026-11-28"));
        assert_eq!((ytd.from, ytd.to, ytd.last_month), (d("2026-01-01"), d("2026-11-28"), 11));
        assert_eq!(ytd.label, "2026年（截至11月28日）");
    }

    #[test]
    fn the_week_is_this_one_or_the_last_whole_one() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // today, a Saturday: Monday to today
        assert_eq!(week_of(d("2026-11-28"), d("2026-11-28")), (d("2026-11-23"), d("2026-11-28"), true));
        // a half-year ending on a Monday: the week before
        assert_eq!(week_of(d("2025-06-30"), d("2026-11-28")), (d("2025-06-23"), d("2025-06-29"), false));
        // ending on a Sunday: that week
        assert_eq!(week_of(d("2025-08-31"), d("2026-11-28")), (d("2025-08-25"), d("2025-08-31"), false));
    }
}
