//! The figures a report draws on, for one zone and one report period (a month, a half-year or a
//! year), gathered from the modules' own figure functions — never typed in — each with the link
//! to the records behind it, and the wording the documents use ("27.97 亿元", "第一", "300 余项").
//! Report templates (issue 8) read this structure; the same numbers appear on the modules'
//! pages, so a report and the ledger never disagree.

use std::collections::HashMap;

use chrono::NaiveDate;
use kaifaqu_domain::indicator::Pct;
use kaifaqu_domain::indicator::Period;
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::project::{Category, KeyLevel};
use kaifaqu_domain::stage::Stage;
use kaifaqu_domain::wording;
use serde::Serialize;

use crate::approval_cases::{self, ApprovalFigures};
use crate::hazards::{self, HazardFilter};
use crate::idle_plants::{self, PlantFigures};
use crate::land_parcels::{self, ParcelFigures};
use crate::safety_figures::{self, SafetyFigures};
use crate::targets::{self, TargetStatus};
use crate::{Db, Scope, StoreError, figures, indicator_views, projects};

/// A report period: `2025-05` (a month: statistics 1-5月, events of May), `2025-H1` /
/// `2025-H2` (a half-year), `2025` (a year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportPeriod {
    /// As given: "2025-H1".
    pub key: String,
    /// In Chinese: "2025年上半年", "2025年5月", "2025年".
    pub label: String,
    pub year: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The last month of the period (statistics are reported year-to-date up to it).
    pub last_month: u32,
    /// What the plan part covers: "下半年", "下年度", "下月".
    pub next_label: String,
}

impl ReportPeriod {
    pub fn parse(input: &str) -> Result<ReportPeriod, String> {
        let s = input.trim().to_ascii_uppercase();
        let bad =
            || format!("期间“{}”格式不对：应为 2025-05（月）、2025-H1 / 2025-H2（半年）或 2025（年）", input.trim());
        let (year, first, last, label) = if let Some((y, rest)) = s.split_once('-') {
            let year: i32 = y.parse().map_err(|_| bad())?;
            match rest {
                "H1" => (year, 1, 6, format!("{year}年上半年")),
                "H2" => (year, 7, 12, format!("{year}年下半年")),
                m => {
                    let m: u32 = m.parse().map_err(|_| bad())?;
                    if !(1..=12).contains(&m) {
                        return Err(bad());
                    }
                    (year, m, m, format!("{year}年{m}月"))
                }
            }
        } else {
            let year: i32 = s.parse().map_err(|_| bad())?;
            (year, 1, 12, format!("{year}年"))
        };
        if !(2000..=2100).contains(&year) {
            return Err(format!("年份应在 2000 到 2100 之间：{}", input.trim()));
        }
        let from = NaiveDate::from_ymd_opt(year, first, 1).ok_or_else(bad)?;
        let next = if last == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, last + 1, 1)
        };
        let to = next.and_then(|d| d.pred_opt()).ok_or_else(bad)?;
        let next_label = match (first, last) {
            (1, 6) => "下半年",
            (_, 12) if first != 12 => "下年度",
            _ => "下月",
        }
        .to_string();
        // one spelling per period ("2025-h1", "2025-5" → "2025-H1", "2025-05"), so drafts saved
        // under one are found under the other
        let key = match (first, last) {
            (1, 12) => format!("{year}"),
            (1, 6) => format!("{year}-H1"),
            (7, 12) => format!("{year}-H2"),
            _ => format!("{year}-{first:02}"),
        };
        Ok(ReportPeriod { key, label, year, from, to, last_month: last, next_label })
    }
}

/// A count with its wording and its records.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub value: u64,
    /// "10 余个"-style wording, for prose that rounds.
    pub approx: String,
    pub href: String,
}

fn count(value: u64, unit: &str, href: String) -> Count {
    Count { value, approx: wording::approx(value, unit), href }
}

/// Projects reaching one stage in the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageLine {
    pub stage: String,
    pub label: String,
    pub count: Count,
    pub investment: Wan,
    /// "16.9 亿元".
    pub investment_text: String,
    pub projects: Vec<ProjectLine>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectLine {
    pub id: i64,
    pub name: String,
    pub investor: Option<String>,
    pub date: NaiveDate,
    pub investment: Wan,
    pub investment_text: String,
    pub href: String,
}

/// One statistical indicator at the latest period published within the report period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// "1-5月".
    pub period_label: String,
    pub value: Option<String>,
    pub growth: Option<String>,
    pub growth_computed: bool,
    pub rank_value: Option<String>,
    pub rank_growth: Option<String>,
    /// Zones ranked.
    pub ranked: usize,
    /// The period the estimate is for ("1-6月": 预计上半年), the report period's end when one is
    /// entered for it.
    pub estimate_period_label: Option<String>,
    pub estimate: Option<String>,
    pub estimate_growth: Option<String>,
    pub href: String,
}

/// The year's project planning table (项目谋划表).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanSummary {
    pub year: i32,
    pub count: u64,
    pub total: Wan,
    pub total_text: String,
    /// (category label, count, total in words).
    pub by_category: Vec<(String, u64, String)>,
    /// The same with each count's list and the exact total, for tables.
    pub categories: Vec<PlanCategory>,
    pub href: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanCategory {
    pub label: String,
    pub count: Count,
    pub total: Wan,
}

/// A figure the data states and what it must equal (`stated` = the sum of `parts`; a count
/// backed by a list has one `1` per item), for the checks before export
/// (`kaifaqu_reports::check`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub what: String,
    pub stated: i64,
    pub parts: Vec<i64>,
    pub href: String,
}

fn tally_count(what: String, count: &Count, listed: usize) -> Tally {
    Tally { what, stated: count.value as i64, parts: vec![1; listed], href: count.href.clone() }
}

/// The tallies of a report's data: the plan's count and investment against its categories,
/// every stage's count against its projects, the key projects against their levels and their
/// problems, the hazards against their levels and categories, the overdue hazards against
/// their list.
fn tallies(d: &ReportData) -> Vec<Tally> {
    let mut out = vec![
        Tally {
            what: format!("{} 年谋划项目数", d.plan.year),
            stated: d.plan.count as i64,
            parts: d.plan.categories.iter().map(|c| c.count.value as i64).collect(),
            href: d.plan.href.clone(),
        },
        Tally {
            what: format!("{} 年谋划项目总投资（万元）", d.plan.year),
            stated: d.plan.total.0,
            parts: d.plan.categories.iter().map(|c| c.total.0).collect(),
            href: d.plan.href.clone(),
        },
    ];
    for (lines, when) in [(&d.stages, d.period.label.as_str()), (&d.stages_ytd, "本年累计")] {
        for s in lines {
            out.push(tally_count(format!("{when}{}项目数", s.label), &s.count, s.projects.len()));
        }
    }
    let kp = &d.key_projects;
    out.push(Tally {
        what: "省市重点项目数".into(),
        stated: kp.count as i64,
        parts: kp.levels.iter().map(|(_, c)| c.value as i64).collect(),
        href: kp.href.clone(),
    });
    for p in &kp.projects {
        if p.problems.value <= 500 {
            out.push(tally_count(format!("{}的未解决问题数", p.name), &p.problems, p.problem_list.len()));
        }
    }
    let s = &d.safety_report;
    out.push(Tally {
        what: "排查隐患数（按等级）".into(),
        stated: s.hazards.value as i64,
        parts: vec![s.general.value as i64, s.major.value as i64],
        href: s.hazards.href.clone(),
    });
    out.push(Tally {
        what: "排查隐患数（按类别）".into(),
        stated: s.hazards.value as i64,
        parts: d.safety.by_category.iter().map(|(_, n)| *n as i64).collect(),
        href: s.hazards.href.clone(),
    });
    out.push(tally_count("超期未整改隐患数".into(), &s.overdue, s.overdue_list.len()));
    out
}

/// One key project in the 重点项目进展月报.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyProjectLine {
    pub id: i64,
    pub name: String,
    /// "省级重点".
    pub level: String,
    /// 包联领导.
    pub leader: Option<String>,
    /// The stage reached ("开工"), or "未录入".
    pub stage: String,
    pub stage_date: Option<NaiveDate>,
    pub investment: Wan,
    pub investment_text: String,
    /// The project's 进展情况 field.
    pub progress: String,
    /// The notes of its latest events, newest first ("2025-05-12 开工：主体施工").
    pub notes: Vec<String>,
    pub latest_event: Option<String>,
    /// Unclosed problems, and those past their deadline.
    pub problems: Count,
    pub problem_list: Vec<String>,
    pub overdue_problems: Count,
    pub href: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyProjects {
    /// The number of lines in `projects`.
    pub count: u64,
    pub total: Wan,
    pub total_text: String,
    /// Unclosed problems of these projects, and those past their deadline.
    pub problems: u64,
    pub overdue_problems: u64,
    /// The planning table the projects come from.
    pub href: String,
    /// (level label, count with its list).
    pub levels: Vec<(String, Count)>,
    pub projects: Vec<KeyProjectLine>,
}

/// One overdue hazard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardLine {
    pub id: i64,
    pub enterprise: String,
    pub description: String,
    pub level: String,
    pub found_date: NaiveDate,
    pub deadline: NaiveDate,
    pub responsible_person: String,
    /// 挂牌督办 authority.
    pub supervisor: Option<String>,
    pub href: String,
}

/// The safety figures of the period with their lists (安全生产月报).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafetyReport {
    pub inspections: Count,
    pub enterprises: u64,
    pub hazards: Count,
    pub general: Count,
    pub major: Count,
    /// Found in the period and due by its end.
    pub due: u64,
    /// Of those, rectified by its end.
    pub closed: Count,
    /// closed ÷ due ("92.5%").
    pub rectification_rate: Option<String>,
    /// Found in the period, open and past the deadline; `overdue_list` are the hazards.
    pub overdue: Count,
    /// Open major hazards under 挂牌督办 (all periods).
    pub supervised: Count,
    pub weekly_target: i32,
    pub weeks: u64,
    pub weeks_met: u64,
    pub overdue_list: Vec<HazardLine>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportData {
    pub zone: String,
    pub period: ReportPeriod,
    pub contacts: Count,
    pub stages: Vec<StageLine>,
    /// Projects reaching each stage from 1 January to the period's end.
    pub stages_ytd: Vec<StageLine>,
    /// The same lines by stage code ("signed"), for templates.
    pub by_stage: std::collections::BTreeMap<String, StageLine>,
    /// Promotion teams with at least one project reaching a stage in the period.
    pub active_teams: u64,
    pub statistics_period: Option<String>,
    pub indicators: Vec<IndicatorLine>,
    /// The same lines by indicator code ("industrial_value_added"), for templates.
    pub by_indicator: std::collections::BTreeMap<String, IndicatorLine>,
    pub plan: PlanSummary,
    pub approvals: ApprovalFigures,
    pub parcels: ParcelFigures,
    pub parcel_area_text: String,
    pub plants: PlantFigures,
    pub safety: SafetyFigures,
    pub hazards: Count,
    pub safety_report: SafetyReport,
    pub key_projects: KeyProjects,
    pub targets: Vec<TargetStatus>,
    /// What the figures above must add up to, for the checks before export.
    pub tallies: Vec<Tally>,
}

impl ReportData {
    /// The line of a stage by its code ("signed").
    pub fn stage(&self, code: &str) -> Option<&StageLine> {
        self.stages.iter().find(|s| s.stage == code)
    }
}

/// The latest statistics period (1-N月) of the year, N ≤ the period's last month, for which the
/// zone has a published (not estimated) value of any active indicator, with the zone's overview
/// at it. The candidate months come from one query (issue 11: not an overview per month back
/// from the period's end).
async fn statistics_period(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    p: &ReportPeriod,
) -> Result<Option<(Period, Vec<indicator_views::OverviewRow>)>, StoreError> {
    use crate::entities::{indicator, indicator_value as iv};
    use sea_orm::sea_query::Query;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let active = Query::select()
        .column(indicator::Column::Id)
        .from(indicator::Entity)
        .and_where(indicator::Column::Active.eq(true))
        .to_owned();
    let months: Vec<i32> = iv::Entity::find()
        .select_only()
        .column(iv::Column::Month)
        .distinct()
        .filter(iv::Column::ZoneId.eq(zone_id))
        .filter(iv::Column::Year.eq(p.year))
        .filter(iv::Column::Month.between(1, i32::try_from(p.last_month).unwrap_or(12)))
        .filter(iv::Column::IsEstimate.eq(false))
        .filter(iv::Column::IndicatorId.in_subquery(active))
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut months: Vec<u32> = months.into_iter().filter_map(|m| u32::try_from(m).ok()).collect();
    months.sort_unstable_by(|a, b| b.cmp(a));
    for month in months {
        let Ok(period) = Period::new(p.year, month) else { continue };
        let rows = indicator_views::overview(db, scope, zone_id, period).await?;
        if rows.iter().any(|r| r.figure.value.is_some()) {
            return Ok(Some((period, rows)));
        }
    }
    Ok(None)
}

/// Projects reaching each stage between `from` and `to`, with the projects.
async fn stage_lines(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    f: Option<&figures::PeriodFigures>,
) -> Result<Vec<StageLine>, StoreError> {
    let read;
    let f = match f {
        Some(f) => f,
        None => {
            read = figures::period(db, scope, zone_id, from, to).await?;
            &read
        }
    };
    let range = format!("from={from}&to={to}");
    let mut stages = Vec::new();
    // every stage's projects from one read (was: `projects_reaching` per stage)
    let reaching = figures::projects_reaching_all(db, scope, zone_id, from, to).await?;
    for (s, reached) in Stage::ALL.into_iter().zip(reaching) {
        let line = f.stage(s);
        let mut projects = Vec::new();
        for (date, pr) in reached {
            projects.push(ProjectLine {
                id: pr.id,
                investor: pr.investor.clone(),
                name: pr.name,
                date,
                investment: pr.total,
                investment_text: wording::yi(pr.total),
                href: format!("/projects/{}", pr.id),
            });
        }
        stages.push(StageLine {
            stage: s.code().to_string(),
            label: s.label().to_string(),
            count: count(line.count, "个", format!("/figures/stage?stage={}&{range}", s.code())),
            investment: line.investment,
            investment_text: wording::yi(line.investment),
            projects,
        });
    }
    Ok(stages)
}

/// The year's 省级 and 市级 key projects of the planning table (`plan_rows`, as
/// `projects::of_plan_year` gives them), with their progress and problems (重点项目进展月报).
/// The events and the unclosed problems of all of them are read in one query each (issue 11:
/// an `events::list` and two `problems::list` per project, each reading the zone's projects for
/// their names, were 4 s of the half-year report at province scale); the lines are what those
/// lists give (`tests/report_speed.rs` pins them against the lists).
async fn key_projects(
    db: &Db,
    zone_id: i64,
    year: i32,
    plan_rows: &[projects::Project],
) -> Result<KeyProjects, StoreError> {
    let keys: Vec<i64> = plan_rows
        .iter()
        .filter(|x| matches!(x.key_level, KeyLevel::Provincial | KeyLevel::City))
        .map(|x| x.id)
        .collect();
    let mut events = key_events(db, zone_id, &keys).await?;
    let mut problems = key_problems(db, zone_id, &keys, crate::lookups::today()).await?;
    let mut levels = Vec::new();
    let mut lines = Vec::new();
    for level in [KeyLevel::Provincial, KeyLevel::City] {
        let of_level: Vec<_> = plan_rows.iter().filter(|x| x.key_level == level).collect();
        levels.push((
            level.label().to_string(),
            count(of_level.len() as u64, "个", format!("/projects?year={year}&key_level={}", level.code())),
        ));
        for pr in of_level {
            // (date, label, note) by date, then id
            let events = events.remove(&pr.id).unwrap_or_default();
            let notes: Vec<String> = events
                .iter()
                .rev()
                .filter_map(|e| e.2.as_deref().filter(|n| !n.trim().is_empty()).map(|n| (e, n)))
                .take(2)
                .map(|(e, n)| format!("{} {}：{}", e.0, e.1, n.trim()))
                .collect();
            let latest = events.last().map(|e| format!("{} {}", e.0, e.1));
            let open = problems.remove(&pr.id).unwrap_or_default();
            lines.push(KeyProjectLine {
                id: pr.id,
                name: pr.name.clone(),
                level: level.label().to_string(),
                leader: pr.leader.clone(),
                stage: pr.stage_label().to_string(),
                stage_date: pr.stage_date,
                investment: pr.total,
                investment_text: wording::yi(pr.total),
                progress: pr.progress.clone(),
                notes,
                latest_event: latest,
                problems: count(open.total, "个", format!("/problems?project={}&status=unclosed", pr.id)),
                problem_list: open.list,
                overdue_problems: count(
                    open.overdue,
                    "个",
                    format!("/problems?project={}&status=unclosed&overdue=1", pr.id),
                ),
                href: format!("/projects/{}", pr.id),
            });
        }
    }
    let total: Wan = lines.iter().map(|l| l.investment).sum();
    Ok(KeyProjects {
        count: lines.len() as u64,
        total,
        total_text: wording::yi(total),
        problems: lines.iter().map(|l| l.problems.value).sum(),
        overdue_problems: lines.iter().map(|l| l.overdue_problems.value).sum(),
        href: format!("/plan?year={year}"),
        levels,
        projects: lines,
    })
}

/// The events of the zone's projects `ids`, each project's in `events::list` order (by date,
/// then id): (date, kind label, note).
async fn key_events(
    db: &Db,
    zone_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<(NaiveDate, String, Option<String>)>>, StoreError> {
    use crate::entities::project_event as ev;
    use kaifaqu_domain::stage::EventKind;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut out: HashMap<i64, Vec<(NaiveDate, String, Option<String>)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String, NaiveDate, Option<String>)> = ev::Entity::find()
            .select_only()
            .columns([ev::Column::ProjectId, ev::Column::Kind, ev::Column::EventDate, ev::Column::Note])
            .filter(ev::Column::ZoneId.eq(zone_id))
            .filter(ev::Column::ProjectId.is_in(chunk.iter().copied()))
            .order_by_asc(ev::Column::ProjectId)
            .order_by_asc(ev::Column::EventDate)
            .order_by_asc(ev::Column::Id)
            .into_tuple()
            .all(&db.conn)
            .await?;
        for (project_id, kind, date, note) in rows {
            let label = EventKind::parse(&kind).map(|k| k.label().to_string()).unwrap_or(kind);
            out.entry(project_id).or_default().push((date, label, note));
        }
    }
    Ok(out)
}

/// A key project's unclosed problems as `problems::list` counts and lists them.
#[derive(Debug, Default)]
struct OpenProblems {
    total: u64,
    overdue: u64,
    /// The descriptions of the first 500 in the list's order (overdue first, then by deadline).
    list: Vec<String>,
}

/// The unclosed problems of the zone's projects `ids`, by project, in one query (chunks of 500
/// ids).
async fn key_problems(
    db: &Db,
    zone_id: i64,
    ids: &[i64],
    today: NaiveDate,
) -> Result<HashMap<i64, OpenProblems>, StoreError> {
    use crate::entities::problem as pb;
    use kaifaqu_domain::project::{ProblemStatus, is_overdue};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let open = [ProblemStatus::Open.code(), ProblemStatus::InProgress.code()];
    type Row = (i64, i64, String, String, Option<NaiveDate>);
    // (overdue, deadline, problem id, description) per project
    type Open = (bool, Option<NaiveDate>, i64, String);
    let mut by_project: HashMap<i64, Vec<Open>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Row> = pb::Entity::find()
            .select_only()
            .columns([
                pb::Column::ProjectId,
                pb::Column::Id,
                pb::Column::Status,
                pb::Column::Description,
                pb::Column::Deadline,
            ])
            .filter(pb::Column::ZoneId.eq(zone_id))
            .filter(pb::Column::ProjectId.is_in(chunk.iter().copied()))
            .filter(pb::Column::Status.is_in(open))
            .into_tuple()
            .all(&db.conn)
            .await?;
        for (project_id, id, status, description, deadline) in rows {
            let status = ProblemStatus::parse(&status).unwrap_or(ProblemStatus::Open);
            by_project.entry(project_id).or_default().push((
                is_overdue(status, deadline, today),
                deadline,
                id,
                description,
            ));
        }
    }
    Ok(by_project
        .into_iter()
        .map(|(project_id, mut rows)| {
            // the order of `problems::list` (all of these are open)
            rows.sort_by_key(|(overdue, deadline, id, _)| (!*overdue, deadline.is_none(), *deadline, *id));
            let overdue = rows.iter().filter(|r| r.0).count() as u64;
            let total = rows.len() as u64;
            let list = rows.into_iter().take(500).map(|r| r.3).collect();
            (project_id, OpenProblems { total, overdue, list })
        })
        .collect())
}

/// The safety figures of the period as a monthly report shows them, each count with its list.
async fn safety_report(db: &Db, scope: &Scope, zone_id: i64, s: &SafetyFigures) -> Result<SafetyReport, StoreError> {
    let range = format!("from={}&to={}", s.from, s.to);
    let filter = HazardFilter {
        overdue: "1".into(),
        from: s.from.to_string(),
        to: s.to.to_string(),
        per_page: Some(10_000),
        ..Default::default()
    };
    let overdue = hazards::list(db, scope, zone_id, &filter).await?;
    let overdue_list: Vec<HazardLine> = overdue
        .rows
        .into_iter()
        .map(|h| HazardLine {
            href: format!("/safety/hazards/{}", h.id),
            id: h.id,
            enterprise: h.enterprise,
            description: h.description,
            level: h.level.label().to_string(),
            found_date: h.found_date,
            deadline: h.deadline,
            responsible_person: h.responsible_person,
            supervisor: h.supervisor,
        })
        .collect();
    Ok(SafetyReport {
        inspections: count(s.inspections, "家次", format!("/safety/inspections?{range}")),
        enterprises: s.enterprises,
        hazards: count(s.hazards, "项", format!("/safety/hazards?{range}")),
        general: count(s.general, "项", format!("/safety/hazards?{range}&level=general")),
        major: count(s.major, "项", format!("/safety/hazards?{range}&level=major")),
        due: s.due,
        // the hazards the rectification rate counts: found in the period, due by its end, closed by its end
        closed: count(s.closed, "项", format!("/safety/hazards?{range}&due_by={}&closed_by={}", s.to, s.to)),
        rectification_rate: s.rectification_rate.map(|r| wording::percent(Pct(r))),
        overdue: count(s.overdue, "项", format!("/safety/hazards?{range}&overdue=1")),
        supervised: count(s.supervised, "项", "/safety/hazards?level=major&status=open".to_string()),
        weekly_target: s.weekly_target,
        weeks: s.weeks,
        weeks_met: s.weeks_met,
        overdue_list,
    })
}

/// Everything a report of `zone_id` for `p` draws on.
pub async fn gather(db: &Db, scope: &Scope, zone_id: i64, p: &ReportPeriod) -> Result<ReportData, StoreError> {
    // every key project's events and problems are listed: read the zone's names once for the
    // whole report, not per list (issue 11: 4 s at province scale without it)
    crate::lookups::cached(gather_uncached(db, scope, zone_id, p)).await
}

async fn gather_uncached(db: &Db, scope: &Scope, zone_id: i64, p: &ReportPeriod) -> Result<ReportData, StoreError> {
    let zone = crate::zones::get(db, scope, zone_id).await?;
    let (from, to) = (p.from, p.to);
    let range = format!("from={from}&to={to}");
    let f = figures::period(db, scope, zone_id, from, to).await?;
    let stages = stage_lines(db, scope, zone_id, from, to, Some(&f)).await?;
    let year_start = NaiveDate::from_ymd_opt(p.year, 1, 1).unwrap_or(from);
    // a half-year or year report starts on 1 January: the year to date is the period
    let stages_ytd =
        if year_start == from { stages.clone() } else { stage_lines(db, scope, zone_id, year_start, to, None).await? };
    let active_teams =
        f.by_team.iter().filter(|b| b.name != "未填写" && b.counts.iter().any(|c| *c > 0)).count() as u64;

    let (stats, stats_rows) = match statistics_period(db, scope, zone_id, p).await? {
        Some((period, rows)) => (Some(period), rows),
        None => (None, Vec::new()),
    };
    // estimates for the whole period (预计上半年) sit on its last month, which may not be
    // published yet
    let mut estimates = HashMap::new();
    if let Ok(end) = Period::new(p.year, p.last_month)
        && stats != Some(end)
    {
        for r in indicator_views::overview(db, scope, zone_id, end).await? {
            estimates.insert(r.indicator.id, (end, r.figure.estimate, r.figure.estimate_growth));
        }
    }
    let mut indicators = Vec::new();
    if let Some(period) = stats {
        for r in stats_rows {
            let (estimate_period, estimate, estimate_growth) = match estimates.get(&r.indicator.id) {
                Some((end, e, g)) if e.is_some() => (*end, *e, *g),
                _ => (period, r.figure.estimate, r.figure.estimate_growth),
            };
            let decimals = u32::try_from(r.indicator.decimals).unwrap_or(2);
            indicators.push(IndicatorLine {
                href: format!("/indicators/{}?until={}", r.indicator.id, period.key()),
                code: r.indicator.code.clone(),
                name: r.indicator.name.clone(),
                unit: r.indicator.unit.clone(),
                period_label: period.label(),
                value: r.figure.value.map(|v| v.display_trim(decimals)),
                growth: r.figure.growth.map(wording::percent),
                growth_computed: r.figure.growth_computed,
                rank_value: r.rank_value.map(wording::rank),
                rank_growth: r.rank_growth.map(wording::rank),
                ranked: r.ranked,
                estimate_period_label: estimate.map(|_| estimate_period.label()),
                estimate: estimate.map(|v| v.display_trim(decimals)),
                estimate_growth: estimate_growth.map(wording::percent),
            });
        }
    }

    let plan_rows = projects::of_plan_year(db, scope, zone_id, p.year).await?;
    let total: Wan = plan_rows.iter().map(|x| x.total).sum();
    let by_category = Category::ALL
        .iter()
        .filter_map(|c| {
            let rows: Vec<_> = plan_rows.iter().filter(|x| x.category == *c).collect();
            let sum: Wan = rows.iter().map(|x| x.total).sum();
            (!rows.is_empty()).then(|| (c.label().to_string(), rows.len() as u64, wording::yi(sum)))
        })
        .collect();
    let categories = Category::ALL
        .iter()
        .filter_map(|c| {
            let rows: Vec<_> = plan_rows.iter().filter(|x| x.category == *c).collect();
            (!rows.is_empty()).then(|| PlanCategory {
                label: c.label().to_string(),
                count: count(rows.len() as u64, "个", format!("/projects?year={}&category={}", p.year, c.code())),
                total: rows.iter().map(|x| x.total).sum(),
            })
        })
        .collect();
    let plan = PlanSummary {
        categories,
        year: p.year,
        count: plan_rows.len() as u64,
        total,
        total_text: wording::yi(total),
        by_category,
        href: format!("/plan?year={}", p.year),
    };

    let approvals = approval_cases::figures(db, scope, zone_id, from, to).await?;
    let parcels = land_parcels::figures(db, scope, zone_id, from, to).await?;
    let plants = idle_plants::figures(db, scope, zone_id, from, to).await?;
    let safety = safety_figures::period(db, scope, zone_id, from, to).await?;
    let safety_report = safety_report(db, scope, zone_id, &safety).await?;
    let key_projects = key_projects(db, zone_id, p.year, &plan_rows).await?;
    let as_of = to.min(crate::lookups::today().max(from));
    let targets = targets::evaluate(db, scope, zone_id, p.year, as_of).await?;
    let mut data = ReportData {
        zone: zone.name,
        contacts: count(f.contacts, "次", format!("/contacts?{range}")),
        hazards: count(safety.hazards, "项", format!("/safety/hazards?{range}")),
        parcel_area_text: format!("{} 亩", parcels.area.mu_2()),
        period: p.clone(),
        by_stage: stages.iter().map(|s| (s.stage.clone(), s.clone())).collect(),
        by_indicator: indicators.iter().map(|i| (i.code.clone(), i.clone())).collect(),
        stages,
        stages_ytd,
        active_teams,
        statistics_period: stats.map(|s| s.label()),
        indicators,
        plan,
        approvals,
        parcels,
        plants,
        safety,
        safety_report,
        key_projects,
        targets,
        tallies: Vec::new(),
    };
    data.tallies = tallies(&data);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn periods() {
        let h1 = ReportPeriod::parse("2025-h1").unwrap();
        assert_eq!(
            (h1.label.as_str(), h1.from.to_string(), h1.to.to_string()),
            ("2025年上半年", "2025-01-01".into(), "2025-06-30".into())
        );
        assert_eq!(h1.last_month, 6);
        let may = ReportPeriod::parse("2025-05").unwrap();
        assert_eq!((may.label.as_str(), may.from.day(), may.to.day()), ("2025年5月", 1, 31));
        let y = ReportPeriod::parse("2024").unwrap();
        assert_eq!((y.to.to_string(), y.last_month), ("2024-12-31".into(), 12));
        assert_eq!(ReportPeriod::parse("2025-H2").unwrap().from.to_string(), "2025-07-01");
        assert_eq!(ReportPeriod::parse("2024-02").unwrap().to.to_string(), "2024-02-29");
        // one key per period, whatever the spelling
        for (typed, key) in [
            ("2025-h1", "2025-H1"),
            (" 2025-5 ", "2025-05"),
            ("2025-H2", "2025-H2"),
            ("2024", "2024"),
            ("2025-12", "2025-12"),
        ] {
            assert_eq!(ReportPeriod::parse(typed).unwrap().key, key, "{typed}");
        }
        for bad in ["2025-13", "2025-H3", "今年", "1999", "2025-"] {
            assert!(ReportPeriod::parse(bad).is_err(), "{bad}");
        }
    }
}
