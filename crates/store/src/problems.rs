//! The problem ledger (问题台账): problems blocking projects, each closed in a loop.

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::project::{ProblemCategory, ProblemStatus, is_overdue};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{problem, project};
use crate::lookups::{Lookups, opt_date, opt_id, req_date, today};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub id: i64,
    pub zone_id: i64,
    pub project_id: i64,
    pub project: String,
    pub category: ProblemCategory,
    pub description: String,
    pub raised_date: NaiveDate,
    pub department_id: Option<i64>,
    pub department: Option<String>,
    pub person: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub status: ProblemStatus,
    pub reason: Option<String>,
    pub resolution: Option<String>,
    pub resolved_date: Option<NaiveDate>,
    pub meeting_id: Option<i64>,
    /// Open past its deadline (as of today, Asia/Shanghai).
    pub overdue: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

pub(crate) fn to_problem(m: problem::Model, l: &Lookups, project: String) -> Problem {
    let status = ProblemStatus::parse(&m.status).unwrap_or(ProblemStatus::Open);
    Problem {
        overdue: is_overdue(status, m.deadline, today()),
        department: l.department(m.department_id),
        id: m.id,
        zone_id: m.zone_id,
        project_id: m.project_id,
        project,
        category: ProblemCategory::parse(&m.category).unwrap_or(ProblemCategory::Other),
        description: m.description,
        raised_date: m.raised_date,
        department_id: m.department_id,
        person: m.person,
        deadline: m.deadline,
        status,
        reason: m.reason,
        resolution: m.resolution,
        resolved_date: m.resolved_date,
        meeting_id: m.meeting_id,
        version: m.version,
    }
}

fn audit_view(m: &problem::Model) -> serde_json::Value {
    json!({
        "project_id": m.project_id, "category": m.category, "description": m.description,
        "raised_date": m.raised_date.to_string(), "department_id": m.department_id, "person": m.person,
        "deadline": m.deadline.map(|d| d.to_string()), "status": m.status, "reason": m.reason,
        "resolution": m.resolution, "resolved_date": m.resolved_date.map(|d| d.to_string()), "meeting_id": m.meeting_id,
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProblemForm {
    pub project_id: String,
    /// land, water, power, road, approval, funding, environment, other.
    pub category: String,
    pub description: String,
    pub raised_date: String,
    pub department_id: String,
    pub person: String,
    pub deadline: String,
    /// open, in_progress, resolved, unresolvable (default open).
    pub status: String,
    /// Why it cannot be solved (required for unresolvable).
    pub reason: String,
    /// How it was solved (required for resolved).
    pub resolution: String,
    pub resolved_date: String,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

pub(crate) struct Valid {
    pub project_id: i64,
    pub category: ProblemCategory,
    pub description: String,
    pub raised_date: NaiveDate,
    pub department_id: Option<i64>,
    pub person: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub status: ProblemStatus,
    pub reason: Option<String>,
    pub resolution: Option<String>,
    pub resolved_date: Option<NaiveDate>,
}

pub(crate) async fn validate<C: ConnectionTrait>(
    conn: &C,
    zone_id: i64,
    f: &ProblemForm,
    l: &Lookups,
    current: Option<&problem::Model>,
) -> Result<Valid, StoreError> {
    let mut e = Invalid::new();
    let project_id = opt_id(&mut e, "project_id", "项目", &f.project_id);
    match project_id {
        None if !e.errors.iter().any(|x| x.field == "project_id") => e.add("project_id", "请选择项目"),
        Some(p) => {
            let found = project::Entity::find_by_id(p).filter(project::Column::ZoneId.eq(zone_id)).one(conn).await?;
            if found.is_none() {
                e.add("project_id", "所选项目不属于本开发区");
            }
        }
        None => {}
    }
    let category = ProblemCategory::parse(&f.category);
    if category.is_none() {
        e.add("category", "请选择问题类别");
    }
    let description = e.required("description", "问题描述", &f.description, TEXT_MAX);
    let raised_date = req_date(&mut e, "raised_date", "提出日期", &f.raised_date);
    if let Some(d) = raised_date
        && d > today()
    {
        e.add("raised_date", "提出日期不能晚于今天");
    }
    let department_id = opt_id(&mut e, "department_id", "责任科室", &f.department_id);
    l.check_department(&mut e, "department_id", department_id);
    let person = e.optional("person", "责任人", &f.person, NAME_MAX);
    let deadline = opt_date(&mut e, "deadline", "办结时限", &f.deadline);
    if let (Some(r), Some(d)) = (raised_date, deadline)
        && d < r
    {
        e.add("deadline", "办结时限不能早于提出日期");
    }
    let status = if f.status.trim().is_empty() { Some(ProblemStatus::Open) } else { ProblemStatus::parse(&f.status) };
    if status.is_none() {
        e.add("status", "请选择办理状态");
    }
    if let (Some(cur), Some(new)) = (current.and_then(|c| ProblemStatus::parse(&c.status)), status)
        && !cur.is_open()
        && new != cur
    {
        e.add("status", "已办结的问题不能再改变状态：如问题再次出现，请新增一条");
    }
    let reason = e.optional("reason", "无法解决的原因", &f.reason, TEXT_MAX);
    let resolution = e.optional("resolution", "解决情况", &f.resolution, TEXT_MAX);
    let mut resolved_date = opt_date(&mut e, "resolved_date", "解决日期", &f.resolved_date);
    match status {
        Some(ProblemStatus::Unresolvable) if reason.is_none() => e.add("reason", "标记为“无法解决”须说明原因"),
        Some(ProblemStatus::Resolved) if resolution.is_none() => e.add("resolution", "标记为“已解决”须填写解决情况"),
        _ => {}
    }
    if matches!(status, Some(ProblemStatus::Resolved | ProblemStatus::Unresolvable)) {
        let d = resolved_date.unwrap_or_else(today);
        if d > today() {
            e.add("resolved_date", "解决日期不能晚于今天");
        }
        if raised_date.is_some_and(|r| d < r) {
            e.add("resolved_date", "解决日期不能早于提出日期");
        }
        resolved_date = Some(d);
    } else {
        resolved_date = None;
    }
    e.into_result()?;
    Ok(Valid {
        project_id: project_id.expect("checked"),
        category: category.expect("checked"),
        description,
        raised_date: raised_date.expect("checked"),
        department_id,
        person,
        deadline,
        status: status.expect("checked"),
        reason,
        resolution,
        resolved_date,
    })
}

fn apply(am: &mut problem::ActiveModel, v: Valid) {
    am.project_id = Set(v.project_id);
    am.category = Set(v.category.code().to_string());
    am.description = Set(v.description);
    am.raised_date = Set(v.raised_date);
    am.department_id = Set(v.department_id);
    am.person = Set(v.person);
    am.deadline = Set(v.deadline);
    am.status = Set(v.status.code().to_string());
    am.reason = Set(v.reason);
    am.resolution = Set(v.resolution);
    am.resolved_date = Set(v.resolved_date);
    am.updated_at = Set(chrono::Utc::now());
}

pub(crate) async fn insert<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    zone_id: i64,
    v: Valid,
    meeting_id: Option<i64>,
) -> Result<problem::Model, StoreError> {
    let now = chrono::Utc::now();
    let mut am = problem::ActiveModel {
        zone_id: Set(zone_id),
        meeting_id: Set(meeting_id),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut am, v);
    let m = am.insert(conn).await?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "problem",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增问题：{}", m.description.chars().take(40).collect::<String>()),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    Ok(m)
}

pub async fn create(db: &Db, actor: &Actor, f: &ProblemForm) -> Result<Problem, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &ProblemForm) -> Result<Problem, StoreError> {
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let v = validate(&db.conn, zone_id, f, &l, None).await?;
    let txn = db.conn.begin().await?;
    let m = insert(&txn, actor, zone_id, v, None).await?;
    txn.commit().await?;
    get(db, &Scope::System, m.id).await
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &ProblemForm) -> Result<Problem, StoreError> {
    actor.require(Permission::Write)?;
    let before = problem::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(before.zone_id)?;
    let l = Lookups::load(db, before.zone_id).await?;
    let v = validate(&db.conn, before.zone_id, f, &l, Some(&before)).await?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "problems", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    apply(&mut am, v);
    am.version = Set(version);
    let after = am.update(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "problem",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改问题：{}", after.description.chars().take(40).collect::<String>()),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    get(db, &Scope::System, id).await
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Problem, StoreError> {
    let m = problem::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let name = project::Entity::find_by_id(m.project_id).one(&db.conn).await?.map(|p| p.name).unwrap_or_default();
    Ok(to_problem(m, &l, name))
}

/// Filters of the problem ledger.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ProblemFilter {
    pub project: String,
    /// open, in_progress, resolved, unresolvable, or "unclosed" (open + in_progress).
    pub status: String,
    pub department: String,
    pub category: String,
    /// "1": only overdue.
    pub overdue: String,
    /// Only problems of projects this leader answers for.
    pub leader: String,
    pub page: Option<u64>,
    /// Rows per page (API: at most 500; also accepted as `limit`).
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

/// Overdue first, then by deadline.
pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &ProblemFilter) -> Result<Page<Problem>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = problem::Entity::find().filter(problem::Column::ZoneId.eq(zone_id));
    if let Ok(p) = f.project.trim().parse::<i64>() {
        q = q.filter(problem::Column::ProjectId.eq(p));
    }
    let open = [ProblemStatus::Open.code(), ProblemStatus::InProgress.code()];
    match f.status.trim() {
        "" => {}
        "unclosed" => q = q.filter(problem::Column::Status.is_in(open)),
        s => {
            if let Some(st) = ProblemStatus::parse(s) {
                q = q.filter(problem::Column::Status.eq(st.code()));
            }
        }
    }
    if let Ok(d) = f.department.trim().parse::<i64>() {
        q = q.filter(problem::Column::DepartmentId.eq(d));
    }
    if let Some(c) = ProblemCategory::parse(&f.category) {
        q = q.filter(problem::Column::Category.eq(c.code()));
    }
    if f.overdue.trim() == "1" {
        q = q.filter(problem::Column::Status.is_in(open)).filter(problem::Column::Deadline.lt(today()));
    }
    if let Ok(leader) = f.leader.trim().parse::<i64>() {
        // the leader's projects as a subquery, not a list of their ids read first
        let theirs = sea_orm::sea_query::Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(project::Column::ZoneId.eq(zone_id))
            .and_where(project::Column::LeaderId.eq(leader))
            .to_owned();
        q = q.filter(problem::Column::ProjectId.in_subquery(theirs));
    }
    let per_page = f.per_page.unwrap_or(50).clamp(1, 10_000);
    let page = f.page.unwrap_or(1).clamp(1, 1_000_000);
    let all = q.order_by_asc(problem::Column::Deadline).order_by_asc(problem::Column::Id).all(&db.conn).await?;
    let l = Lookups::load(db, zone_id).await?;
    let mut rows: Vec<Problem> = all.into_iter().map(|m| to_problem(m, &l, String::new())).collect();
    rows.sort_by_key(|p| (!p.overdue, !p.status.is_open(), p.deadline.is_none(), p.deadline, p.id));
    let total = rows.len() as u64;
    let mut rows: Vec<Problem> =
        rows.into_iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).collect();
    // name only the projects of the page's problems (two columns), not every project of the zone
    let names = project_names(db, zone_id, rows.iter().map(|p| p.project_id)).await?;
    for p in &mut rows {
        p.project = names.get(&p.project_id).cloned().unwrap_or_default();
    }
    Ok(Page { rows, total, page, per_page })
}

/// The names of the zone's projects among `ids` (id and name only).
async fn project_names(
    db: &Db,
    zone_id: i64,
    ids: impl Iterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    use sea_orm::QuerySelect;
    let ids: std::collections::BTreeSet<i64> = ids.collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(i64, String)> = project::Entity::find()
        .select_only()
        .columns([project::Column::Id, project::Column::Name])
        .filter(project::Column::ZoneId.eq(zone_id))
        .filter(project::Column::Id.is_in(ids))
        .into_tuple()
        .all(&db.conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Open problem counts for a zone: (open, overdue).
pub async fn open_counts(db: &Db, scope: &Scope, zone_id: i64) -> Result<(u64, u64), StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let open = [ProblemStatus::Open.code(), ProblemStatus::InProgress.code()];
    let base =
        problem::Entity::find().filter(problem::Column::ZoneId.eq(zone_id)).filter(problem::Column::Status.is_in(open));
    let n_open = base.clone().count(&db.conn).await?;
    let n_overdue = base.filter(problem::Column::Deadline.lt(today())).count(&db.conn).await?;
    Ok((n_open, n_overdue))
}

/// One run of the problem overdue rule for `today`, in every zone: an open problem past its
/// deadline notifies the active users of its responsible department and the leader who answers
/// for its project, once per deadline. Returns how many notifications were created.
pub async fn run_escalation(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    use crate::entities::user;
    use crate::notifications::{Notice, notify_once};
    let open = [ProblemStatus::Open.code(), ProblemStatus::InProgress.code()];
    let rows = problem::Entity::find()
        .filter(problem::Column::Status.is_in(open))
        .filter(problem::Column::Deadline.lt(today))
        .all(&db.conn)
        .await?;
    let mut created = 0;
    for p in rows {
        let Some(deadline) = p.deadline else { continue };
        let project = project::Entity::find_by_id(p.project_id)
            .filter(project::Column::ZoneId.eq(p.zone_id))
            .one(&db.conn)
            .await?;
        let leader = project.as_ref().and_then(|x| x.leader_id);
        let mut to: Vec<i64> = leader.into_iter().collect();
        if let Some(d) = p.department_id {
            let users = user::Entity::find()
                .filter(user::Column::ZoneId.eq(p.zone_id))
                .filter(user::Column::DepartmentId.eq(d))
                .filter(user::Column::Active.eq(true))
                .all(&db.conn)
                .await?;
            to.extend(users.into_iter().map(|u| u.id));
        }
        to.sort_unstable();
        to.dedup();
        let what: String = p.description.chars().take(30).collect();
        let name = project.map(|x| x.name).unwrap_or_default();
        for user_id in to {
            let n = Notice {
                zone_id: p.zone_id,
                user_id,
                entity: "problem",
                entity_id: p.id.to_string(),
                step: format!("overdue:{deadline}"),
                message: if Some(user_id) == leader {
                    format!("您包联的{name}的问题“{what}”已超过解决时限 {deadline}，尚未解决，请督办")
                } else {
                    format!("{name}的问题“{what}”已超过解决时限 {deadline}，尚未解决")
                },
                link: format!("/problems/{}", p.id),
            };
            created += usize::from(notify_once(&db.conn, n).await?);
        }
    }
    Ok(created)
}
