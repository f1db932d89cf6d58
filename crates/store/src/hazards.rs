//! Hazards (隐患): registered from inspections, closed through 整改 → 复查 → 销号 with the
//! four-eyes rule; every step is recorded with who, when and a note (photos attach to it).

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::safety::{self, HazardAction, HazardLevel, HazardStatus, StepContext, is_overdue};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{hazard, hazard_step, inspection};
use crate::lookups::{Lookups, opt_date, opt_id, req_date, today};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hazard {
    pub id: i64,
    pub zone_id: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub inspection_id: Option<i64>,
    pub description: String,
    pub location: String,
    pub category_id: Option<i64>,
    pub category: Option<String>,
    pub level: HazardLevel,
    pub found_date: NaiveDate,
    pub found_by_id: Option<i64>,
    pub found_by: Option<String>,
    pub deadline: NaiveDate,
    /// The deadline first set; differs from `deadline` after an extension.
    pub original_deadline: NaiveDate,
    pub responsible_person: String,
    pub measures: String,
    pub plan_responsibility: Option<String>,
    pub plan_measures: Option<String>,
    pub plan_funds: Option<String>,
    pub plan_deadline: Option<NaiveDate>,
    pub plan_contingency: Option<String>,
    /// 挂牌督办 authority.
    pub supervisor: Option<String>,
    pub status: HazardStatus,
    pub closed_date: Option<NaiveDate>,
    pub overdue: bool,
    /// The optimistic version: send it back with a step (a stale one is refused with 409).
    pub version: i32,
}

pub(crate) fn to_hazard(m: hazard::Model, l: &Lookups) -> Hazard {
    let status = HazardStatus::parse(&m.status).unwrap_or(HazardStatus::Pending);
    Hazard {
        overdue: is_overdue(status, m.deadline, today()),
        enterprise: l.enterprise(Some(m.enterprise_id)).unwrap_or_default(),
        category: l.dict_value(m.category_id),
        found_by: l.user(m.found_by),
        id: m.id,
        zone_id: m.zone_id,
        enterprise_id: m.enterprise_id,
        inspection_id: m.inspection_id,
        description: m.description,
        location: m.location,
        category_id: m.category_id,
        level: HazardLevel::parse(&m.level).unwrap_or(HazardLevel::General),
        found_date: m.found_date,
        found_by_id: m.found_by,
        deadline: m.deadline,
        original_deadline: m.original_deadline,
        responsible_person: m.responsible_person,
        measures: m.measures,
        plan_responsibility: m.plan_responsibility,
        plan_measures: m.plan_measures,
        plan_funds: m.plan_funds,
        plan_deadline: m.plan_deadline,
        plan_contingency: m.plan_contingency,
        supervisor: m.supervisor,
        status,
        closed_date: m.closed_date,
        version: m.version,
    }
}

fn audit_view(m: &hazard::Model) -> serde_json::Value {
    json!({
        "enterprise_id": m.enterprise_id, "description": m.description, "location": m.location,
        "category_id": m.category_id, "level": m.level, "found_date": m.found_date.to_string(),
        "deadline": m.deadline.to_string(), "responsible_person": m.responsible_person, "measures": m.measures,
        "plan_responsibility": m.plan_responsibility, "plan_measures": m.plan_measures, "plan_funds": m.plan_funds,
        "plan_deadline": m.plan_deadline.map(|d| d.to_string()), "plan_contingency": m.plan_contingency,
        "supervisor": m.supervisor, "status": m.status, "closed_date": m.closed_date.map(|d| d.to_string()),
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HazardForm {
    pub enterprise_id: String,
    pub inspection_id: String,
    pub description: String,
    pub location: String,
    pub category_id: String,
    /// general / major.
    pub level: String,
    pub found_date: String,
    pub deadline: String,
    pub responsible_person: String,
    pub measures: String,
    /// For 重大隐患: the rectification plan (五落实) and the supervising authority.
    pub plan_responsibility: String,
    pub plan_measures: String,
    pub plan_funds: String,
    pub plan_deadline: String,
    pub plan_contingency: String,
    pub supervisor: String,
}

/// Registers a hazard found by the actor (or found on an inspection).
pub async fn create(db: &Db, actor: &Actor, f: &HazardForm) -> Result<Hazard, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &HazardForm) -> Result<Hazard, StoreError> {
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let mut e = Invalid::new();
    let ent = opt_id(&mut e, "enterprise_id", "企业", &f.enterprise_id);
    match ent {
        Some(id) if l.enterprises.contains_key(&id) => {}
        Some(_) => e.add("enterprise_id", "所选企业不属于本开发区"),
        None if !e.errors.iter().any(|x| x.field == "enterprise_id") => e.add("enterprise_id", "请选择隐患所在企业"),
        None => {}
    }
    let inspection_id = opt_id(&mut e, "inspection_id", "检查记录", &f.inspection_id);
    if let Some(i) = inspection_id {
        let found =
            inspection::Entity::find_by_id(i).filter(inspection::Column::ZoneId.eq(zone_id)).one(&db.conn).await?;
        if found.is_none_or(|x| Some(x.enterprise_id) != ent) {
            e.add("inspection_id", "检查记录不属于该企业");
        }
    }
    let description = e.required("description", "隐患描述", &f.description, TEXT_MAX);
    let location = e.optional("location", "隐患部位", &f.location, NAME_MAX).unwrap_or_default();
    let category_id = opt_id(&mut e, "category_id", "隐患类别", &f.category_id);
    l.check_dict(&mut e, "category_id", "隐患类别", "hazard_category", category_id, None);
    let level = HazardLevel::parse(&f.level);
    if level.is_none() {
        e.add("level", "请选择隐患等级（一般或重大）");
    }
    let found = req_date(&mut e, "found_date", "发现日期", &f.found_date);
    if found.is_some_and(|d| d > today()) {
        e.add("found_date", "发现日期不能晚于今天");
    }
    let deadline = req_date(&mut e, "deadline", "整改期限", &f.deadline);
    if let (Some(a), Some(b)) = (found, deadline)
        && b < a
    {
        e.add("deadline", "整改期限不能早于发现日期");
    }
    let responsible =
        e.optional("responsible_person", "企业责任人", &f.responsible_person, NAME_MAX).unwrap_or_default();
    let measures = e.optional("measures", "整改措施", &f.measures, TEXT_MAX).unwrap_or_default();
    let major = level == Some(HazardLevel::Major);
    let plan = |e: &mut Invalid, field: &str, label: &str, v: &str| {
        let v = e.optional(field, label, v, TEXT_MAX);
        if major && v.is_none() {
            e.add(field, format!("重大隐患须有整改方案：{label}不能为空"));
        }
        v
    };
    let plan_responsibility = plan(&mut e, "plan_responsibility", "整改责任", &f.plan_responsibility);
    let plan_measures = plan(&mut e, "plan_measures", "整改措施", &f.plan_measures);
    let plan_funds = plan(&mut e, "plan_funds", "整改资金", &f.plan_funds);
    let plan_contingency = plan(&mut e, "plan_contingency", "应急预案", &f.plan_contingency);
    let plan_deadline = opt_date(&mut e, "plan_deadline", "方案完成时限", &f.plan_deadline);
    if major && plan_deadline.is_none() && !e.errors.iter().any(|x| x.field == "plan_deadline") {
        e.add("plan_deadline", "重大隐患须有整改方案：整改时限不能为空");
    }
    let supervisor = e.optional("supervisor", "挂牌督办单位", &f.supervisor, NAME_MAX);
    if major && supervisor.is_none() {
        e.add("supervisor", "重大隐患须写明挂牌督办单位");
    }
    e.into_result()?;
    let now = chrono::Utc::now();
    let txn = db.conn.begin().await?;
    let m = hazard::ActiveModel {
        zone_id: Set(zone_id),
        enterprise_id: Set(ent.expect("checked")),
        inspection_id: Set(inspection_id),
        description: Set(description),
        location: Set(location),
        category_id: Set(category_id),
        level: Set(level.expect("checked").code().to_string()),
        found_date: Set(found.expect("checked")),
        found_by: Set(actor.user_id),
        deadline: Set(deadline.expect("checked")),
        original_deadline: Set(deadline.expect("checked")),
        responsible_person: Set(responsible),
        measures: Set(measures),
        plan_responsibility: Set(plan_responsibility),
        plan_measures: Set(plan_measures),
        plan_funds: Set(plan_funds),
        plan_deadline: Set(plan_deadline),
        plan_contingency: Set(plan_contingency),
        supervisor: Set(supervisor),
        status: Set(HazardStatus::Pending.code().to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "hazard",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("登记隐患：{}", m.description.chars().take(40).collect::<String>()),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_hazard(m, &l))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HazardStep)]
pub struct Step {
    pub id: i64,
    pub action: HazardAction,
    pub actor: Option<String>,
    pub date: NaiveDate,
    pub note: String,
    pub new_deadline: Option<NaiveDate>,
}

/// One step of the loop (or a deadline extension, which needs a reason and a later date).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = HazardStepForm)]
pub struct StepForm {
    /// start, submit, pass, reject, extend.
    pub action: String,
    pub date: String,
    pub note: String,
    /// For extend: the new deadline.
    pub new_deadline: String,
    /// The version of the hazard the step was chosen on (empty: the current one). A stale one
    /// is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

pub async fn step(db: &Db, actor: &Actor, hazard_id: i64, f: &StepForm) -> Result<Step, StoreError> {
    actor.require(Permission::Write)?;
    let h = hazard::Entity::find_by_id(hazard_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(h.zone_id)?;
    let expected = StoreError::expected_version(&f.version, h.version)?;
    let mut e = Invalid::new();
    let action = HazardAction::parse(&f.action);
    if action.is_none() {
        e.add("action", "请选择操作");
    }
    let date = if f.date.trim().is_empty() { Some(today()) } else { req_date(&mut e, "date", "日期", &f.date) };
    if date.is_some_and(|d| d > today() || d < h.found_date) {
        e.add("date", format!("日期应在发现日期 {} 与今天之间", h.found_date));
    }
    let note = e.optional("note", "说明", &f.note, TEXT_MAX).unwrap_or_default();
    let last = hazard_step::Entity::find()
        .filter(hazard_step::Column::ZoneId.eq(zone_id))
        .filter(hazard_step::Column::HazardId.eq(hazard_id))
        .order_by_desc(hazard_step::Column::StepDate)
        .one(&db.conn)
        .await?;
    if let (Some(d), Some(last)) = (date, last.as_ref())
        && d < last.step_date
    {
        e.add(
            "date",
            format!(
                "日期不能早于上一步（{}，{}）",
                last.step_date,
                HazardAction::parse(&last.action).map(|a| a.label()).unwrap_or("")
            ),
        );
    }
    e.into_result()?;
    let action = action.expect("checked");
    let status = HazardStatus::parse(&h.status).unwrap_or(HazardStatus::Pending);
    let actor_id = actor.user_id.unwrap_or(0);
    let next = safety::transition(status, action, StepContext { actor: actor_id, fixer: h.fixer_id })
        .map_err(|m| Invalid::one("action", m))?;
    let mut new_deadline = None;
    if action == HazardAction::Extend {
        let mut e = Invalid::new();
        let nd = req_date(&mut e, "new_deadline", "新的整改期限", &f.new_deadline);
        e.into_result()?;
        let nd = nd.expect("checked");
        safety::check_extension(h.deadline, nd, &note).map_err(|m| {
            let field = if note.trim().is_empty() { "note" } else { "new_deadline" };
            Invalid::one(field, m)
        })?;
        new_deadline = Some(nd);
    }
    if action == HazardAction::Submit && note.trim().is_empty() {
        return Err(Invalid::one("note", "请说明整改完成情况").into());
    }
    let txn = db.conn.begin().await?;
    let mut am = h.clone().into_active_model();
    am.status = Set(next.code().to_string());
    if action == HazardAction::Submit {
        am.fixer_id = Set(actor.user_id);
    }
    if action == HazardAction::Pass {
        am.closed_date = Set(date);
    }
    if let Some(nd) = new_deadline {
        am.deadline = Set(nd);
    }
    am.updated_at = Set(chrono::Utc::now());
    am.version = Set(expected + 1);
    // only from the version (and status) that was checked: a concurrent step makes this one
    // refused, and nothing of it is written
    let res = hazard::Entity::update_many()
        .set(am)
        .filter(hazard::Column::Id.eq(hazard_id))
        .filter(hazard::Column::ZoneId.eq(zone_id))
        .filter(hazard::Column::Version.eq(expected))
        .filter(hazard::Column::Status.eq(h.status.clone()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = hazard::Entity::find_by_id(hazard_id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    let s = hazard_step::ActiveModel {
        zone_id: Set(zone_id),
        hazard_id: Set(hazard_id),
        action: Set(action.code().to_string()),
        actor_id: Set(actor.user_id),
        step_date: Set(date.expect("checked")),
        note: Set(note),
        new_deadline: Set(new_deadline),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "hazard",
            entity_id: Some(hazard_id.to_string()),
            action: Action::Update,
            summary: format!("隐患 #{hazard_id}：{}", action.label()),
            before: audit_view(&h),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(to_step(s, &l))
}

fn to_step(m: hazard_step::Model, l: &Lookups) -> Step {
    Step {
        id: m.id,
        action: HazardAction::parse(&m.action).unwrap_or(HazardAction::Start),
        actor: l.user(m.actor_id),
        date: m.step_date,
        note: m.note,
        new_deadline: m.new_deadline,
    }
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<(Hazard, Vec<Step>), StoreError> {
    let m = hazard::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let steps = hazard_step::Entity::find()
        .filter(hazard_step::Column::ZoneId.eq(m.zone_id))
        .filter(hazard_step::Column::HazardId.eq(id))
        .order_by_asc(hazard_step::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|s| to_step(s, &l))
        .collect();
    Ok((to_hazard(m, &l), steps))
}

/// Filters of the hazard ledger.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct HazardFilter {
    pub enterprise: String,
    /// general / major.
    pub level: String,
    /// pending, rectifying, reviewing, closed, or "open" (not closed).
    pub status: String,
    pub category: String,
    /// "1": only overdue.
    pub overdue: String,
    /// Found from (YYYY-MM-DD).
    pub from: String,
    /// Found to (YYYY-MM-DD).
    pub to: String,
    /// The user who found it.
    pub inspector: String,
    /// Due on or before (YYYY-MM-DD): the hazards a rectification rate counts.
    pub due_by: String,
    /// Closed on or before (YYYY-MM-DD).
    pub closed_by: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &HazardFilter) -> Result<Page<Hazard>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = crate::lookups::date_range(
        hazard::Entity::find().filter(hazard::Column::ZoneId.eq(zone_id)),
        hazard::Column::FoundDate,
        &f.from,
        &f.to,
    )?;
    if let Ok(id) = f.enterprise.trim().parse::<i64>() {
        q = q.filter(hazard::Column::EnterpriseId.eq(id));
    }
    if let Some(l) = HazardLevel::parse(&f.level) {
        q = q.filter(hazard::Column::Level.eq(l.code()));
    }
    match f.status.trim() {
        "" => {}
        "open" => q = q.filter(hazard::Column::Status.ne(HazardStatus::Closed.code())),
        s => {
            if let Some(st) = HazardStatus::parse(s) {
                q = q.filter(hazard::Column::Status.eq(st.code()));
            }
        }
    }
    if let Ok(c) = f.category.trim().parse::<i64>() {
        q = q.filter(hazard::Column::CategoryId.eq(c));
    }
    if f.overdue.trim() == "1" {
        q = q
            .filter(hazard::Column::Status.ne(HazardStatus::Closed.code()))
            .filter(hazard::Column::Deadline.lt(today()));
    }
    if let Ok(u) = f.inspector.trim().parse::<i64>() {
        q = q.filter(hazard::Column::FoundBy.eq(u));
    }
    let mut e = Invalid::new();
    let due_by = crate::lookups::opt_date(&mut e, "due_by", "整改期限截至", &f.due_by);
    let closed_by = crate::lookups::opt_date(&mut e, "closed_by", "销号截至", &f.closed_by);
    e.into_result()?;
    if let Some(d) = due_by {
        q = q.filter(hazard::Column::Deadline.lte(d));
    }
    if let Some(d) = closed_by {
        q = q.filter(hazard::Column::Status.eq(HazardStatus::Closed.code())).filter(hazard::Column::ClosedDate.lte(d));
    }
    let q = q.order_by_desc(hazard::Column::FoundDate).order_by_desc(hazard::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(Page { rows: rows.into_iter().map(|m| to_hazard(m, &l)).collect(), total, page, per_page })
}

/// Open hazards past their deadline, in every zone (for the scheduler).
pub(crate) async fn overdue_all<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> Result<Vec<hazard::Model>, StoreError> {
    Ok(hazard::Entity::find()
        .filter(hazard::Column::Status.ne(HazardStatus::Closed.code()))
        .filter(hazard::Column::Deadline.lt(today))
        .all(conn)
        .await?)
}

/// One run of the hazard due-soon rule for `today`: an open hazard whose deadline is today or
/// within the next 3 working days (zone calendar) reminds the user who found it, once per
/// deadline. Returns how many notifications were created.
pub async fn run_due_soon(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    use crate::notifications::{Notice, notify_once};
    let horizon = today + chrono::Duration::days(14);
    let rows = hazard::Entity::find()
        .filter(hazard::Column::Status.ne(HazardStatus::Closed.code()))
        .filter(hazard::Column::Deadline.between(today, horizon))
        .filter(hazard::Column::FoundBy.is_not_null())
        .all(&db.conn)
        .await?;
    let mut calendars = std::collections::HashMap::new();
    let mut created = 0;
    for h in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = calendars.entry(h.zone_id) {
            e.insert(crate::calendar::load_unchecked(&db.conn, h.zone_id).await?);
        }
        if calendars[&h.zone_id].working_days_between(today, h.deadline) > crate::todo::DUE_SOON_WORKING_DAYS {
            continue;
        }
        let Some(finder) = h.found_by else { continue };
        let what: String = h.description.chars().take(30).collect();
        let n = Notice {
            zone_id: h.zone_id,
            user_id: finder,
            entity: "hazard",
            entity_id: h.id.to_string(),
            step: format!("due_soon:{}", h.deadline),
            message: format!("隐患“{what}”的整改期限 {} 即将到期，请督促整改", h.deadline),
            link: format!("/safety/hazards/{}", h.id),
        };
        created += usize::from(notify_once(&db.conn, n).await?);
    }
    Ok(created)
}
