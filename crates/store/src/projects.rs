//! Projects (项目): the ledger. The stage and status columns are a cache of the project's dated
//! events (see `events`), recomputed in the same transaction as every event change.

use chrono::{DateTime, NaiveDate, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::money::{Mu100, Wan};
use kaifaqu_domain::project::{Category, KeyLevel, ProblemStatus};
use kaifaqu_domain::project_code::ProjectCode;
use kaifaqu_domain::stage::{Stage, Status};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{problem, project};
use crate::lookups::{Lookups, opt_id, opt_year, today};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Project {
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub enterprise_id: Option<i64>,
    pub investor_name: Option<String>,
    /// The enterprise's name, or the not-yet-registered investor's.
    pub investor: Option<String>,
    pub content: String,
    pub category: Category,
    pub chain_id: Option<i64>,
    pub chain: Option<String>,
    /// 总投资 in 万元.
    pub total: Wan,
    /// 年度计划投资 in 万元.
    pub planned: Option<Wan>,
    pub key_level: KeyLevel,
    pub channel_id: Option<i64>,
    pub channel: Option<String>,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub leader_id: Option<i64>,
    pub leader: Option<String>,
    pub department_id: Option<i64>,
    pub department: Option<String>,
    pub site: Option<String>,
    /// Land need in hundredths of a 亩.
    pub land: Option<Mu100>,
    pub plan_year: i32,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub project_code: Option<String>,
    pub progress: String,
    pub stage: Option<Stage>,
    pub stage_date: Option<NaiveDate>,
    pub status: Status,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl Project {
    pub fn stage_label(&self) -> &'static str {
        self.stage.map(Stage::label).unwrap_or("未录入")
    }

    pub fn years(&self) -> String {
        match (self.start_year, self.end_year) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}—{b}"),
            (Some(a), None) => format!("{a}—"),
            (None, Some(b)) => format!("—{b}"),
            (None, None) => String::new(),
        }
    }
}

pub(crate) fn status_code(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Paused => "paused",
        Status::Terminated => "terminated",
    }
}

pub(crate) fn parse_status(s: &str) -> Status {
    match s {
        "paused" => Status::Paused,
        "terminated" => Status::Terminated,
        _ => Status::Active,
    }
}

pub(crate) fn to_project(m: project::Model, l: &Lookups) -> Project {
    Project {
        investor: l.enterprise(m.enterprise_id).or_else(|| m.investor_name.clone()),
        chain: l.dict_value(m.chain_id),
        channel: l.dict_value(m.channel_id),
        team: l.dict_value(m.team_id),
        leader: l.user(m.leader_id),
        department: l.department(m.department_id),
        id: m.id,
        zone_id: m.zone_id,
        name: m.name,
        enterprise_id: m.enterprise_id,
        investor_name: m.investor_name,
        content: m.content,
        category: Category::parse(&m.category).unwrap_or(Category::Industrial),
        chain_id: m.chain_id,
        total: Wan(m.total_wan),
        planned: m.planned_wan.map(Wan),
        key_level: KeyLevel::parse(&m.key_level).unwrap_or(KeyLevel::None),
        channel_id: m.channel_id,
        team_id: m.team_id,
        leader_id: m.leader_id,
        department_id: m.department_id,
        site: m.site,
        land: m.land_mu100.map(Mu100),
        plan_year: m.plan_year,
        start_year: m.start_year,
        end_year: m.end_year,
        project_code: m.project_code,
        progress: m.progress,
        stage: m.stage.as_deref().and_then(Stage::parse),
        stage_date: m.stage_date,
        status: parse_status(&m.status),
        version: m.version,
        updated_at: m.updated_at,
    }
}

pub(crate) fn audit_view(m: &project::Model) -> serde_json::Value {
    json!({
        "name": m.name, "enterprise_id": m.enterprise_id, "investor_name": m.investor_name,
        "content": m.content, "category": m.category, "chain_id": m.chain_id,
        "total_yi": Wan(m.total_wan).yi_trimmed(), "planned_yi": m.planned_wan.map(|w| Wan(w).yi_trimmed()),
        "key_level": m.key_level, "channel_id": m.channel_id, "team_id": m.team_id,
        "leader_id": m.leader_id, "department_id": m.department_id, "site": m.site,
        "land_mu": m.land_mu100.map(|a| Mu100(a).mu_2()), "plan_year": m.plan_year,
        "start_year": m.start_year, "end_year": m.end_year, "project_code": m.project_code,
        "progress": m.progress, "stage": m.stage, "stage_date": m.stage_date.map(|d| d.to_string()),
        "status": m.status,
    })
}

/// The raw fields of the project form (also the JSON input).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProjectForm {
    pub name: String,
    pub enterprise_id: String,
    pub investor_name: String,
    pub content: String,
    /// industrial / infrastructure (or 产业类 / 基础设施类).
    pub category: String,
    pub chain_id: String,
    /// 总投资 in 亿元, e.g. "0.95".
    pub total: String,
    /// 年度计划投资 in 亿元.
    pub planned: String,
    /// "", provincial, city, county.
    pub key_level: String,
    pub channel_id: String,
    pub team_id: String,
    pub leader_id: String,
    pub department_id: String,
    pub site: String,
    /// 用地需求 in 亩.
    pub land: String,
    pub plan_year: String,
    pub start_year: String,
    pub end_year: String,
    pub project_code: String,
    pub progress: String,
    /// The version the form was loaded at (edits only).
    pub version: String,
}

impl ProjectForm {
    pub fn from_project(p: &Project) -> ProjectForm {
        let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
        ProjectForm {
            name: p.name.clone(),
            enterprise_id: id(p.enterprise_id),
            investor_name: p.investor_name.clone().unwrap_or_default(),
            content: p.content.clone(),
            category: p.category.code().into(),
            chain_id: id(p.chain_id),
            total: p.total.yi_trimmed(),
            planned: p.planned.map(Wan::yi_trimmed).unwrap_or_default(),
            key_level: p.key_level.code().into(),
            channel_id: id(p.channel_id),
            team_id: id(p.team_id),
            leader_id: id(p.leader_id),
            department_id: id(p.department_id),
            site: p.site.clone().unwrap_or_default(),
            land: p.land.map(Mu100::mu_2).unwrap_or_default(),
            plan_year: p.plan_year.to_string(),
            start_year: p.start_year.map(|y| y.to_string()).unwrap_or_default(),
            end_year: p.end_year.map(|y| y.to_string()).unwrap_or_default(),
            project_code: p.project_code.clone().unwrap_or_default(),
            progress: p.progress.clone(),
            version: p.version.to_string(),
        }
    }
}

pub(crate) struct Valid {
    pub name: String,
    pub enterprise_id: Option<i64>,
    pub investor_name: Option<String>,
    pub content: String,
    pub category: Category,
    pub chain_id: Option<i64>,
    pub total: Wan,
    pub planned: Option<Wan>,
    pub key_level: KeyLevel,
    pub channel_id: Option<i64>,
    pub team_id: Option<i64>,
    pub leader_id: Option<i64>,
    pub department_id: Option<i64>,
    pub site: Option<String>,
    pub land: Option<Mu100>,
    pub plan_year: i32,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub project_code: Option<String>,
    pub progress: String,
}

fn validate(f: &ProjectForm, l: &Lookups, current: Option<&project::Model>) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let name = e.required("name", "项目名称", &f.name, NAME_MAX);
    let enterprise_id = opt_id(&mut e, "enterprise_id", "投资企业", &f.enterprise_id);
    if let Some(id) = enterprise_id
        && !l.enterprises.contains_key(&id)
    {
        e.add("enterprise_id", "所选企业不属于本开发区");
    }
    let investor_name = e.optional("investor_name", "投资方名称", &f.investor_name, NAME_MAX);
    let content = e.optional("content", "建设内容及规模", &f.content, TEXT_MAX).unwrap_or_default();
    let category = Category::parse(&f.category);
    if category.is_none() {
        e.add("category", "请选择项目类别（产业类或基础设施类）");
    }
    let cur = |pick: fn(&project::Model) -> Option<i64>| current.and_then(pick);
    let chain_id = opt_id(&mut e, "chain_id", "产业链", &f.chain_id);
    l.check_dict(&mut e, "chain_id", "产业链", "industry_chain", chain_id, cur(|m| m.chain_id));
    let channel_id = opt_id(&mut e, "channel_id", "招商方式", &f.channel_id);
    l.check_dict(&mut e, "channel_id", "招商方式", "promotion_channel", channel_id, cur(|m| m.channel_id));
    let team_id = opt_id(&mut e, "team_id", "招商小分队", &f.team_id);
    l.check_dict(&mut e, "team_id", "招商小分队", "promotion_team", team_id, cur(|m| m.team_id));
    let leader_id = opt_id(&mut e, "leader_id", "包联领导", &f.leader_id);
    l.check_leader(&mut e, "leader_id", leader_id, cur(|m| m.leader_id));
    let department_id = opt_id(&mut e, "department_id", "帮扶部门", &f.department_id);
    l.check_department(&mut e, "department_id", department_id);
    let total = match Wan::parse_yi(&f.total) {
        Ok(w) => Some(w),
        Err(m) => {
            e.add("total", format!("总投资：{m}"));
            None
        }
    };
    let planned = if f.planned.trim().is_empty() {
        None
    } else {
        match Wan::parse_yi(&f.planned) {
            Ok(w) => Some(w),
            Err(m) => {
                e.add("planned", format!("年度计划投资：{m}"));
                None
            }
        }
    };
    if let (Some(t), Some(p)) = (total, planned)
        && p > t
    {
        e.add("planned", "年度计划投资不能大于总投资");
    }
    let key_level = KeyLevel::parse(&f.key_level);
    if key_level.is_none() {
        e.add("key_level", "请选择重点级别");
    }
    let site = e.optional("site", "建设地点", &f.site, NAME_MAX);
    let land = if f.land.trim().is_empty() {
        None
    } else {
        Mu100::parse(&f.land).map_err(|m| e.add("land", format!("用地需求：{m}"))).ok()
    };
    let plan_year = opt_year(&mut e, "plan_year", "谋划年度", &f.plan_year);
    if plan_year.is_none() && !e.errors.iter().any(|x| x.field == "plan_year") {
        e.add("plan_year", "谋划年度不能为空");
    }
    let start_year = opt_year(&mut e, "start_year", "开工年份", &f.start_year);
    let end_year = opt_year(&mut e, "end_year", "建成年份", &f.end_year);
    if let (Some(a), Some(b)) = (start_year, end_year)
        && a > b
    {
        e.add("end_year", "建成年份不能早于开工年份");
    }
    let project_code = if f.project_code.trim().is_empty() {
        None
    } else {
        ProjectCode::parse(&f.project_code).map(|c| c.as_str().to_string()).map_err(|m| e.add("project_code", m)).ok()
    };
    let progress = e.optional("progress", "进展情况", &f.progress, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    Ok(Valid {
        name,
        enterprise_id,
        investor_name,
        content,
        category: category.expect("checked"),
        chain_id,
        total: total.expect("checked"),
        planned,
        key_level: key_level.expect("checked"),
        channel_id,
        team_id,
        leader_id,
        department_id,
        site,
        land,
        plan_year: plan_year.expect("checked"),
        start_year,
        end_year,
        project_code,
        progress,
    })
}

fn apply(am: &mut project::ActiveModel, v: Valid) {
    am.name = Set(v.name);
    am.enterprise_id = Set(v.enterprise_id);
    am.investor_name = Set(v.investor_name);
    am.content = Set(v.content);
    am.category = Set(v.category.code().to_string());
    am.chain_id = Set(v.chain_id);
    am.total_wan = Set(v.total.0);
    am.planned_wan = Set(v.planned.map(|w| w.0));
    am.key_level = Set(v.key_level.code().to_string());
    am.channel_id = Set(v.channel_id);
    am.team_id = Set(v.team_id);
    am.leader_id = Set(v.leader_id);
    am.department_id = Set(v.department_id);
    am.site = Set(v.site);
    am.land_mu100 = Set(v.land.map(|a| a.0));
    am.plan_year = Set(v.plan_year);
    am.start_year = Set(v.start_year);
    am.end_year = Set(v.end_year);
    am.project_code = Set(v.project_code);
    am.progress = Set(v.progress);
    am.updated_at = Set(Utc::now());
}

const DUPLICATE: &str = "本年度已有同名项目";

pub(crate) async fn insert<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    zone_id: i64,
    v: Valid,
) -> Result<project::Model, StoreError> {
    let now = Utc::now();
    let mut am = project::ActiveModel {
        zone_id: Set(zone_id),
        status: Set("active".into()),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut am, v);
    let m = am.insert(conn).await.map_err(|e| StoreError::unique_as(e, "name", DUPLICATE))?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "project",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增项目 {}", m.name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    Ok(m)
}

pub async fn create(db: &Db, actor: &Actor, f: &ProjectForm) -> Result<Project, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Creates in a given zone (the system actor's demo loader; others use `create`).
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &ProjectForm) -> Result<Project, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let v = validate(f, &l, None)?;
    let txn = db.conn.begin().await?;
    let m = insert(&txn, actor, zone_id, v).await?;
    txn.commit().await?;
    Ok(to_project(m, &l))
}

/// The project if it is visible in the scope.
pub(crate) async fn find_visible(db: &Db, scope: &Scope, id: i64) -> Result<project::Model, StoreError> {
    let m = project::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(m)
}

/// The project if the actor may change it.
pub(crate) async fn find_writable(db: &Db, actor: &Actor, id: i64) -> Result<project::Model, StoreError> {
    let m = project::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    actor.require(Permission::Write)?;
    Ok(m)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Project, StoreError> {
    let m = find_visible(db, scope, id).await?;
    let l = Lookups::for_rows(db, m.zone_id, m.enterprise_id).await?;
    Ok(to_project(m, &l))
}

/// The message of a lost update.
pub const STALE: &str = "保存失败：该记录已被他人修改。请刷新页面，核对最新内容后再保存。";

/// Saves an edit made on version `form.version`; a newer version in the database refuses it.
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &ProjectForm) -> Result<Project, StoreError> {
    let before = find_writable(db, actor, id).await?;
    let l = Lookups::load(db, before.zone_id).await?;
    let expected: i32 =
        f.version.trim().parse().map_err(|_| Invalid::one("version", "缺少版本号：请从项目页面打开编辑"))?;
    let v = validate(f, &l, Some(&before))?;
    let txn = db.conn.begin().await?;
    let mut am = before.clone().into_active_model();
    apply(&mut am, v);
    am.version = Set(expected + 1);
    // optimistic check: only the version the form was loaded at may be overwritten
    let res = project::Entity::update_many()
        .set(am)
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::ZoneId.eq(before.zone_id))
        .filter(project::Column::Version.eq(expected))
        .exec(&txn)
        .await
        .map_err(|e| StoreError::unique_as(e, "name", DUPLICATE))?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = project::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "project",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改项目 {}", after.name),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_project(after, &l))
}

/// Filters of the project list; all optional, all in the URL.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    /// Part of the name.
    pub q: String,
    /// Stage code (planning … producing), or "none".
    pub stage: String,
    /// active / paused / terminated.
    pub status: String,
    pub chain: String,
    pub category: String,
    pub channel: String,
    pub team: String,
    pub leader: String,
    pub department: String,
    pub year: String,
    pub key_level: String,
    /// "1": only projects with an overdue open problem.
    pub overdue: String,
    /// name, -total, total, stage, -updated (default: newest first).
    pub sort: String,
    pub page: Option<u64>,
    /// Rows per page (API: at most 500; also accepted as `limit`).
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

fn id_filter(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// The projects of the zone matching the filter (not sorted).
fn filtered(zone_id: i64, f: &ProjectFilter) -> sea_orm::Select<project::Entity> {
    let mut q = project::Entity::find().filter(project::Column::ZoneId.eq(zone_id));
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(project::Column::Name.contains(text));
    }
    match f.stage.trim() {
        "" => {}
        "none" => q = q.filter(project::Column::Stage.is_null()),
        s => {
            if let Some(st) = Stage::parse(s) {
                q = q.filter(project::Column::Stage.eq(st.code()));
            }
        }
    }
    if matches!(f.status.trim(), "active" | "paused" | "terminated") {
        q = q.filter(project::Column::Status.eq(f.status.trim()));
    }
    if let Some(id) = id_filter(&f.chain) {
        q = q.filter(project::Column::ChainId.eq(id));
    }
    if let Some(c) = Category::parse(&f.category).filter(|_| !f.category.trim().is_empty()) {
        q = q.filter(project::Column::Category.eq(c.code()));
    }
    if let Some(id) = id_filter(&f.channel) {
        q = q.filter(project::Column::ChannelId.eq(id));
    }
    if let Some(id) = id_filter(&f.team) {
        q = q.filter(project::Column::TeamId.eq(id));
    }
    if let Some(id) = id_filter(&f.leader) {
        q = q.filter(project::Column::LeaderId.eq(id));
    }
    if let Some(id) = id_filter(&f.department) {
        q = q.filter(project::Column::DepartmentId.eq(id));
    }
    if let Ok(y) = f.year.trim().parse::<i32>() {
        q = q.filter(project::Column::PlanYear.eq(y));
    }
    if !f.key_level.trim().is_empty()
        && let Some(k) = KeyLevel::parse(&f.key_level)
    {
        q = q.filter(project::Column::KeyLevel.eq(k.code()));
    }
    if f.overdue.trim() == "1" {
        let sub = Query::select()
            .column(problem::Column::ProjectId)
            .from(problem::Entity)
            .and_where(problem::Column::ZoneId.eq(zone_id))
            .and_where(problem::Column::Status.is_in([ProblemStatus::Open.code(), ProblemStatus::InProgress.code()]))
            .and_where(problem::Column::Deadline.lt(today()))
            .to_owned();
        q = q.filter(project::Column::Id.in_subquery(sub));
    }
    q
}

/// Sorts by the filter's `sort` (then id, so pages are stable).
fn sorted(q: sea_orm::Select<project::Entity>, f: &ProjectFilter) -> sea_orm::Select<project::Entity> {
    match f.sort.trim() {
        "name" => q.order_by_asc(project::Column::Name),
        "total" => q.order_by_asc(project::Column::TotalWan),
        "-total" => q.order_by_desc(project::Column::TotalWan),
        "stage" => q.order_by_desc(project::Column::StageDate),
        _ => q.order_by_desc(project::Column::UpdatedAt),
    }
    .order_by_asc(project::Column::Id)
}

/// Names the rows of a page: one lookup of the enterprises they reference.
async fn named(db: &Db, zone_id: i64, rows: Vec<project::Model>) -> Result<Vec<Project>, StoreError> {
    let l = Lookups::for_rows(db, zone_id, rows.iter().filter_map(|m| m.enterprise_id)).await?;
    Ok(rows.into_iter().map(|m| to_project(m, &l)).collect())
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &ProjectFilter) -> Result<Page<Project>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let q = sorted(filtered(zone_id, f), f);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    Ok(Page { rows: named(db, zone_id, rows).await?, total, page, per_page })
}

/// The number of projects matching the filter and their total investment (万元), in one
/// aggregate query (`COUNT(*)`, `SUM(total_wan)` with the list's filter).
pub async fn totals(db: &Db, scope: &Scope, zone_id: i64, f: &ProjectFilter) -> Result<(u64, Wan), StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    totals_of(db, zone_id, f).await
}

async fn totals_of(db: &Db, zone_id: i64, f: &ProjectFilter) -> Result<(u64, Wan), StoreError> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Expr;
    let (count, sum) = filtered(zone_id, f)
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::cust("CAST(COALESCE(SUM(total_wan), 0) AS BIGINT)"), "s")
        .into_tuple::<(i64, i64)>()
        .one(&db.conn)
        .await?
        .unwrap_or((0, 0));
    Ok((u64::try_from(count).unwrap_or(0), Wan(sum)))
}

/// A page of the list with the total investment of all matching rows: the aggregate query,
/// then the page (`LIMIT … OFFSET …`) and the names of its rows — no second load of the list.
pub async fn list_with_investment(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    f: &ProjectFilter,
) -> Result<(Page<Project>, Wan), StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let (total, investment) = totals_of(db, zone_id, f).await?;
    Ok((page_of(db, zone_id, f, total).await?, investment))
}

/// The page of the filtered list when the number of matching rows is known: `LIMIT … OFFSET …`
/// (nothing read past the end) and the names of its rows.
async fn page_of(db: &Db, zone_id: i64, f: &ProjectFilter, total: u64) -> Result<Page<Project>, StoreError> {
    use sea_orm::QuerySelect;
    let per_page = f.per_page.unwrap_or(50).clamp(1, 10_000);
    let page = f.page.unwrap_or(1).clamp(1, 1_000_000);
    let rows = if (page - 1) * per_page >= total {
        Vec::new()
    } else {
        sorted(filtered(zone_id, f), f).offset((page - 1) * per_page).limit(per_page).all(&db.conn).await?
    };
    Ok(Page { rows: named(db, zone_id, rows).await?, total, page, per_page })
}

/// The filtered list counted and summed for one stage of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StageTotal {
    /// The stage code (planning, negotiating, signed, landed, started, producing), or "none" for
    /// the projects whose stage is not recorded yet — the value of the list's `stage` filter.
    #[schema(example = "started")]
    pub stage: String,
    /// 谋划 … 投产, or 未录入.
    pub label: String,
    /// Projects matching the filter at this stage.
    pub count: u64,
    /// Their 总投资 in 万元.
    pub investment: Wan,
}

/// The projects matching the filter counted and their investment summed by stage, in one
/// `GROUP BY stage` query (`COUNT(*)`, `SUM(total_wan)`; the index `projects_zone_stage_total`
/// covers it): 谋划 … 投产 in pipeline order, then 未录入, every row present (0 when none).
/// The filter's stage, sort and page are ignored: every stage is counted, so a row's figures are
/// exactly the list with the same filter and that row's stage.
pub async fn by_stage(db: &Db, scope: &Scope, zone_id: i64, f: &ProjectFilter) -> Result<Vec<StageTotal>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    by_stage_of(db, zone_id, f).await
}

/// The project list page's queries: the `GROUP BY stage` of [`by_stage`] (its counts give the
/// page's total — the filtered stage's row, or all rows — so no separate `COUNT`), then the page
/// and the names of its rows.
pub async fn list_with_stages(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    f: &ProjectFilter,
) -> Result<(Page<Project>, Vec<StageTotal>), StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let stages = by_stage_of(db, zone_id, f).await?;
    let picked = match f.stage.trim() {
        "" => None,
        "none" => Some("none"),
        s => Stage::parse(s).map(Stage::code),
    };
    let total = stages.iter().filter(|g| picked.is_none_or(|c| g.stage == c)).map(|g| g.count).sum();
    Ok((page_of(db, zone_id, f, total).await?, stages))
}

async fn by_stage_of(db: &Db, zone_id: i64, f: &ProjectFilter) -> Result<Vec<StageTotal>, StoreError> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Expr;
    let every_stage = ProjectFilter { stage: String::new(), ..f.clone() };
    let groups = filtered(zone_id, &every_stage)
        .select_only()
        .column(project::Column::Stage)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::cust("CAST(COALESCE(SUM(total_wan), 0) AS BIGINT)"), "s")
        .group_by(project::Column::Stage)
        .into_tuple::<(Option<String>, i64, i64)>()
        .all(&db.conn)
        .await?;
    let row = |code: &str, label: &str| {
        let (count, sum) = groups
            .iter()
            .find(|(s, _, _)| s.as_deref().unwrap_or("none") == code)
            .map(|(_, n, s)| (u64::try_from(*n).unwrap_or(0), *s))
            .unwrap_or((0, 0));
        StageTotal { stage: code.to_string(), label: label.to_string(), count, investment: Wan(sum) }
    };
    Ok(Stage::ALL.iter().map(|s| row(s.code(), s.label())).chain(std::iter::once(row("none", "未录入"))).collect())
}

/// Every project of a plan year, by category then id (the planning table's order).
pub async fn of_plan_year(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Vec<Project>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = project::Entity::find()
        .filter(project::Column::ZoneId.eq(zone_id))
        .filter(project::Column::PlanYear.eq(year))
        .order_by_desc(project::Column::Category)
        .order_by_asc(project::Column::Id)
        .all(&db.conn)
        .await?;
    let mut out: Vec<Project> = named(db, zone_id, rows).await?;
    out.sort_by_key(|p| (p.category != Category::Industrial, p.id));
    Ok(out)
}
