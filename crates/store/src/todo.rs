//! 我的待办: everything waiting on one user across the modules, overdue first, then what is due
//! within 3 working days (on the zone's calendar), then the rest by date.
//!
//! - 问题: open problems of the user's department, or of projects the user answers for (包联).
//! - 隐患: open hazards the user found (跟踪整改), and those waiting for re-inspection that the
//!   user did not fix (待复查; the four-eyes rule).
//! - 审批: open cases where the user is the agent (代办员), and overdue ones of a leader who
//!   packages them (包保领导); commitments of the agent's cases to verify (核查) once their
//!   deadline is within 30 days or past.
//! - 任务: tasks and milestones of the user's department, and submitted tasks the user reviews as
//!   lead leader ([`crate::tasks::waiting_on`]).
//! - 统计: the monthly indicators of the zone not entered for the latest period due (10th of the
//!   next month), and the next period when it is due soon — for the users who entered indicator
//!   values in the last 400 days, or the zone's admins when nobody has.
//! - 项目: the number of projects the user answers for that are not yet in production.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use kaifaqu_domain::Role;
use kaifaqu_domain::approval::{CaseStatus, CommitmentStatus};
use kaifaqu_domain::calendar::Calendar;
use kaifaqu_domain::indicator::{Period, due_date, latest_due_period, periods_of_year};
use kaifaqu_domain::project::ProblemStatus;
use kaifaqu_domain::safety::HazardStatus;
use kaifaqu_domain::stage::Stage;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::entities::{approval_case, approval_commitment, hazard, indicator_value, problem, project, user};
use crate::users::User;
use crate::{Db, StoreError};

/// Days within which a due date counts as "due soon", in working days.
pub const DUE_SOON_WORKING_DAYS: u32 = 3;

/// One thing waiting on the user.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TodoItem {
    /// The module: 问题, 隐患, 审批, 承诺核查, 任务, 任务节点, 统计.
    pub module: String,
    /// What it is.
    pub title: String,
    /// What the user is to do (待整改跟踪, 待复查, 办理中, 待核查, 待审核, 待填报 …).
    pub action: String,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
    pub due_soon: bool,
    /// The page of the record.
    pub link: String,
}

/// The user's to-do list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Todo {
    pub today: NaiveDate,
    pub items: Vec<TodoItem>,
    pub overdue: usize,
    pub due_soon: usize,
    /// Projects the user answers for (包联) that are not yet in production or stopped.
    pub projects: usize,
}

struct Collector<'a> {
    today: NaiveDate,
    cal: &'a Calendar,
    items: Vec<TodoItem>,
}

impl Collector<'_> {
    fn push(&mut self, module: &str, title: String, action: &str, due: Option<NaiveDate>, link: String) {
        let overdue = due.is_some_and(|d| d < self.today);
        let due_soon = due
            .is_some_and(|d| d >= self.today && self.cal.working_days_between(self.today, d) <= DUE_SOON_WORKING_DAYS);
        self.items.push(TodoItem {
            module: module.to_string(),
            title,
            action: action.to_string(),
            due,
            overdue,
            due_soon,
            link,
        });
    }
}

fn short(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// The to-do list of `u` on `today`. City users and users without a zone have none.
pub async fn for_user(db: &Db, u: &User, today: NaiveDate) -> Result<Todo, StoreError> {
    let Some(zone_id) = u.zone_id else {
        return Ok(Todo { today, items: Vec::new(), overdue: 0, due_soon: 0, projects: 0 });
    };
    let cal = crate::calendar::load_unchecked(&db.conn, zone_id).await?;
    let mut c = Collector { today, cal: &cal, items: Vec::new() };

    // the projects the user answers for (包联): their id, status and stage only
    let mine: Vec<(i64, String, Option<String>)> = project::Entity::find()
        .select_only()
        .columns([project::Column::Id, project::Column::Status, project::Column::Stage])
        .filter(project::Column::ZoneId.eq(zone_id))
        .filter(project::Column::LeaderId.eq(u.id))
        .into_tuple()
        .all(&db.conn)
        .await?;
    let producing = Some(Stage::Producing.code());
    let active_projects =
        mine.iter().filter(|(_, status, stage)| status != "terminated" && stage.as_deref() != producing).count();
    let mine: Vec<i64> = mine.into_iter().map(|(id, _, _)| id).collect();

    problems(db, u, zone_id, &mine, &mut c).await?;
    hazards(db, u, zone_id, &mut c).await?;
    approvals(db, u, zone_id, &mut c).await?;
    for t in crate::tasks::waiting_on(db, u, today).await? {
        let (module, action) = match t.kind.as_str() {
            "review" => ("任务", "待审核销号"),
            "milestone" => ("任务节点", "按时间表推进"),
            _ => ("任务", "报送进展 / 提交办结"),
        };
        c.push(module, t.title, action, Some(t.due_date), t.link);
    }
    statistics(db, u, zone_id, &mut c).await?;

    let mut items = c.items;
    items.sort_by_key(|i| (!i.overdue, !i.due_soon, i.due.is_none(), i.due, i.module.clone()));
    Ok(Todo {
        today,
        overdue: items.iter().filter(|i| i.overdue).count(),
        due_soon: items.iter().filter(|i| i.due_soon).count(),
        items,
        projects: active_projects,
    })
}

/// The open problems of the user's department or of the projects they answer for, selected in
/// the database, named with only their own projects' names.
async fn problems(db: &Db, u: &User, zone_id: i64, mine: &[i64], c: &mut Collector<'_>) -> Result<(), StoreError> {
    let mut whose = Condition::any();
    if let Some(d) = u.department_id {
        whose = whose.add(problem::Column::DepartmentId.eq(d));
    }
    if !mine.is_empty() {
        let theirs = Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(project::Column::ZoneId.eq(zone_id))
            .and_where(project::Column::LeaderId.eq(u.id))
            .to_owned();
        whose = whose.add(problem::Column::ProjectId.in_subquery(theirs));
    }
    if whose.is_empty() {
        return Ok(());
    }
    let open = [ProblemStatus::Open.code(), ProblemStatus::InProgress.code()];
    let rows = problem::Entity::find()
        .filter(problem::Column::ZoneId.eq(zone_id))
        .filter(problem::Column::Status.is_in(open))
        .filter(whose)
        .order_by_asc(problem::Column::Id)
        .all(&db.conn)
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|p| p.project_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names: HashMap<i64, String> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, String)> = project::Entity::find()
            .select_only()
            .columns([project::Column::Id, project::Column::Name])
            .filter(project::Column::ZoneId.eq(zone_id))
            .filter(project::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&db.conn)
            .await?;
        names.extend(found);
    }
    for p in rows {
        let status = ProblemStatus::parse(&p.status).unwrap_or(ProblemStatus::Open);
        let project = names.get(&p.project_id).cloned().unwrap_or_default();
        let title = format!("{project}：{}", short(&p.description, 40));
        c.push("问题", title, status.label(), p.deadline, format!("/problems/{}", p.id));
    }
    Ok(())
}

async fn hazards(db: &Db, u: &User, zone_id: i64, c: &mut Collector<'_>) -> Result<(), StoreError> {
    let rows = hazard::Entity::find()
        .filter(hazard::Column::ZoneId.eq(zone_id))
        .filter(hazard::Column::Status.ne(HazardStatus::Closed.code()))
        .filter(hazard::Column::FoundBy.eq(u.id))
        .all(&db.conn)
        .await?;
    for h in rows {
        let status = HazardStatus::parse(&h.status).unwrap_or(HazardStatus::Pending);
        let action = match status {
            HazardStatus::Reviewing if h.fixer_id != Some(u.id) => "待复查",
            HazardStatus::Reviewing => "待他人复查",
            _ => "跟踪整改",
        };
        c.push("隐患", short(&h.description, 40), action, Some(h.deadline), format!("/safety/hazards/{}", h.id));
    }
    Ok(())
}

async fn approvals(db: &Db, u: &User, zone_id: i64, c: &mut Collector<'_>) -> Result<(), StoreError> {
    let open = [CaseStatus::Received.code(), CaseStatus::Accepted.code()];
    let cases = approval_case::Entity::find()
        .filter(approval_case::Column::ZoneId.eq(zone_id))
        .filter(
            sea_orm::Condition::any()
                .add(approval_case::Column::AgentId.eq(u.id))
                .add(approval_case::Column::LeaderId.eq(u.id)),
        )
        .all(&db.conn)
        .await?;
    let powers: HashMap<i64, String> = crate::entities::approval_power::Entity::find()
        .filter(crate::entities::approval_power::Column::ZoneId.eq(zone_id))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut agent_cases = HashMap::new();
    for k in &cases {
        let power = powers.get(&k.power_id).cloned().unwrap_or_default();
        if k.agent_id == Some(u.id) {
            agent_cases.insert(k.id, format!("{}（{}）", power, k.applicant));
        }
        if !open.contains(&k.status.as_str()) {
            continue;
        }
        let title = format!("{power}（{}）", k.applicant);
        let link = format!("/approvals/cases/{}", k.id);
        if k.agent_id == Some(u.id) {
            c.push("审批", title, "办理中", Some(k.due_date), link);
        } else if k.due_date < c.today {
            c.push("审批", title, "包保事项超时，请督办", Some(k.due_date), link);
        }
    }
    if agent_cases.is_empty() {
        return Ok(());
    }
    let horizon = c.today + Duration::days(30);
    let waiting = [CommitmentStatus::Pending.code(), CommitmentStatus::Unfulfilled.code()];
    let commitments = approval_commitment::Entity::find()
        .filter(approval_commitment::Column::ZoneId.eq(zone_id))
        .filter(approval_commitment::Column::Status.is_in(waiting))
        .filter(approval_commitment::Column::Deadline.lte(horizon))
        .all(&db.conn)
        .await?;
    for m in commitments {
        let Some(case) = agent_cases.get(&m.case_id) else { continue };
        let title = format!("{case}：{}", short(&m.content, 30));
        c.push("承诺核查", title, "待核查", Some(m.deadline), format!("/approvals/cases/{}", m.case_id));
    }
    Ok(())
}

/// Whether `u` is reminded of the zone's statistics: they entered values in the last 400 days,
/// or nobody did and they are an admin of the zone.
async fn enters_statistics(db: &Db, u: &User, zone_id: i64, today: NaiveDate) -> Result<bool, StoreError> {
    let since = (today - Duration::days(400)).and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let mut q = indicator_value::Entity::find()
        .filter(indicator_value::Column::ZoneId.eq(zone_id))
        .filter(indicator_value::Column::EnteredBy.is_not_null());
    if let Some(since) = since {
        q = q.filter(indicator_value::Column::EnteredAt.gte(since));
    }
    // who entered values (a handful of distinct users), not the values themselves
    let enterers: Vec<Option<i64>> =
        q.select_only().column(indicator_value::Column::EnteredBy).distinct().into_tuple().all(&db.conn).await?;
    let enterers: HashSet<i64> = enterers.into_iter().flatten().collect();
    if !enterers.is_empty() {
        return Ok(enterers.contains(&u.id));
    }
    Ok(u.role == Role::Admin)
}

async fn statistics(db: &Db, u: &User, zone_id: i64, c: &mut Collector<'_>) -> Result<(), StoreError> {
    if !enters_statistics(db, u, zone_id, c.today).await? {
        return Ok(());
    }
    let entered: HashSet<(i64, i32, i32)> = indicator_value::Entity::find()
        .select_only()
        .columns([indicator_value::Column::IndicatorId, indicator_value::Column::Year, indicator_value::Column::Month])
        .filter(indicator_value::Column::ZoneId.eq(zone_id))
        .filter(indicator_value::Column::IsEstimate.eq(false))
        .filter(indicator_value::Column::Year.gte(chrono::Datelike::year(&c.today) - 1))
        .into_tuple::<(i64, i32, i32)>()
        .all(&db.conn)
        .await?
        .into_iter()
        .collect();
    for ind in crate::indicators::list(db, true).await? {
        let latest = latest_due_period(c.today, ind.january_alone);
        let next = next_period(latest, c.today, ind.january_alone);
        for p in [latest, next].into_iter().flatten() {
            if entered.contains(&(ind.id, p.year, p.month as i32)) {
                continue;
            }
            let due = due_date(p);
            let soon = due >= c.today && c.cal.working_days_between(c.today, due) <= DUE_SOON_WORKING_DAYS;
            if due < c.today || soon {
                let title = format!("{}{}", p.full_label(), ind.name);
                c.push("统计", title, "待填报", Some(due), format!("/indicators/entry?period={}", p.key()));
            }
        }
    }
    Ok(())
}

/// The period after `latest` (or the first of the year when none is due yet).
fn next_period(latest: Option<Period>, today: NaiveDate, january_alone: bool) -> Option<Period> {
    let year = chrono::Datelike::year(&today);
    let all: Vec<Period> = [year - 1, year].into_iter().flat_map(|y| periods_of_year(y, january_alone)).collect();
    match latest {
        Some(l) => all.into_iter().find(|p| *p > l),
        None => all.into_iter().find(|p| p.year == year),
    }
}

/// The active users of every zone who want the daily digest (not opted out), for the scheduler.
pub async fn digest_recipients(db: &Db) -> Result<Vec<User>, StoreError> {
    let rows = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::DigestOptOut.eq(false))
        .filter(user::Column::ZoneId.is_not_null())
        .all(&db.conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        out.push(crate::users::get(db, &crate::Scope::System, m.id).await?);
    }
    Ok(out)
}

/// The digest message: counts, then the first items.
pub fn digest_message(t: &Todo) -> String {
    let mut s = format!("今日待办 {} 项", t.items.len());
    if t.overdue > 0 || t.due_soon > 0 {
        s.push_str(&format!("（已逾期 {} 项，{} 个工作日内到期 {} 项）", t.overdue, DUE_SOON_WORKING_DAYS, t.due_soon));
    }
    s.push('：');
    let lines: Vec<String> = t
        .items
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, it)| {
            let due = it.due.map(|d| format!("，期限 {d}")).unwrap_or_default();
            let flag = if it.overdue { "【逾期】" } else { "" };
            format!("{}. {flag}[{}] {}（{}{due}）", i + 1, it.module, it.title, it.action)
        })
        .collect();
    s.push_str(&lines.join("；"));
    if t.items.len() > 5 {
        s.push_str(&format!("；另有 {} 项，请登录查看", t.items.len() - 5));
    }
    s
}

/// Sends each user who has not opted out their digest for `today`, once (a notification unique
/// per user and day), on the zone's working days, when there is something waiting. Returns how
/// many were created.
pub async fn run_digest(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    let mut created = 0;
    let mut calendars: HashMap<i64, Calendar> = HashMap::new();
    for u in digest_recipients(db).await? {
        let Some(zone_id) = u.zone_id else { continue };
        if let std::collections::hash_map::Entry::Vacant(e) = calendars.entry(zone_id) {
            e.insert(crate::calendar::load_unchecked(&db.conn, zone_id).await?);
        }
        if !calendars[&zone_id].is_working_day(today) {
            continue;
        }
        let t = for_user(db, &u, today).await?;
        if t.items.is_empty() {
            continue;
        }
        let n = crate::notifications::Notice {
            zone_id,
            user_id: u.id,
            entity: "digest",
            entity_id: today.to_string(),
            step: "daily".into(),
            message: digest_message(&t),
            link: "/todo".into(),
        };
        created += usize::from(crate::notifications::notify_once(&db.conn, n).await?);
    }
    Ok(created)
}
