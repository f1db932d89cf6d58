//! 审批/代办事项: approval and agency cases (承诺制, 全代办) with their working-day time limits
//! on the zone's calendar, the steps 受理 → 办结 / 不予批准 / 撤回, the commitments of
//! commitment-based approvals and their verification (核查), the ledger filters, the period
//! figures (each with the ledger query listing its records) and the overdue escalation.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use kaifaqu_domain::approval::{
    self, CaseAction, CaseStatus, CommitmentStatus, case_overdue, commitment_overdue, de_flag, flag, start_date,
};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::calendar::Calendar;
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{approval_case, approval_commitment, approval_power, project, user};
use crate::lookups::{Lookups, opt_date, opt_id, req_date, today};
use crate::notifications::{Notice, notify_once, safety_settings};
use crate::{Actor, Db, Page, Scope, StoreError};

/// Names a page shows beside a case: lookups plus the zone's projects and powers.
pub(crate) struct Names {
    l: Lookups,
    projects: HashMap<i64, String>,
    powers: HashMap<i64, String>,
    cal: Calendar,
}

impl Names {
    async fn load(db: &Db, zone_id: i64) -> Result<Names, StoreError> {
        let projects = project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .column(project::Column::Name)
            .filter(project::Column::ZoneId.eq(zone_id))
            .into_tuple::<(i64, String)>()
            .all(&db.conn)
            .await?
            .into_iter()
            .collect();
        let powers = approval_power::Entity::find()
            .select_only()
            .column(approval_power::Column::Id)
            .column(approval_power::Column::Name)
            .filter(approval_power::Column::ZoneId.eq(zone_id))
            .into_tuple::<(i64, String)>()
            .all(&db.conn)
            .await?
            .into_iter()
            .collect();
        Ok(Names {
            l: Lookups::load(db, zone_id).await?,
            projects,
            powers,
            cal: crate::calendar::load_unchecked(&db.conn, zone_id).await?,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub id: i64,
    pub zone_id: i64,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub power_id: i64,
    pub power: String,
    pub applicant: String,
    pub enterprise_id: Option<i64>,
    pub enterprise: Option<String>,
    /// 承诺制.
    pub commitment: bool,
    /// 全代办.
    pub agency: bool,
    /// 代办员.
    pub agent_id: Option<i64>,
    pub agent: Option<String>,
    /// 包保领导.
    pub leader_id: Option<i64>,
    pub leader: Option<String>,
    pub received_date: NaiveDate,
    pub accepted_date: Option<NaiveDate>,
    /// The date the case was closed: approved (办结), refused or withdrawn.
    pub approved_date: Option<NaiveDate>,
    /// The promised limit in working days, copied from the power.
    pub promised_days: i32,
    /// `promised_days` working days after acceptance (or receipt).
    pub due_date: NaiveDate,
    pub status: CaseStatus,
    pub notes: String,
    /// Working days used: from acceptance (or receipt) to the closing date, or to today.
    pub days_used: u32,
    /// Open and past the due date.
    pub overdue: bool,
    /// Approved within the limit (None while not approved).
    pub on_time: Option<bool>,
    pub created_by: Option<i64>,
    pub version: i32,
}

fn to_case(m: approval_case::Model, n: &Names, now: NaiveDate) -> Case {
    let status = CaseStatus::parse(&m.status).unwrap_or(CaseStatus::Received);
    let start = start_date(m.received_date, m.accepted_date);
    let end = if status.is_open() { now } else { m.approved_date.unwrap_or(now) };
    Case {
        days_used: n.cal.working_days_between(start, end),
        overdue: case_overdue(status, m.due_date, now),
        on_time: approval::on_time(status, m.approved_date, m.due_date),
        project: m.project_id.and_then(|p| n.projects.get(&p).cloned()),
        power: n.powers.get(&m.power_id).cloned().unwrap_or_default(),
        enterprise: n.l.enterprise(m.enterprise_id),
        agent: n.l.user(m.agent_id),
        leader: n.l.user(m.leader_id),
        id: m.id,
        zone_id: m.zone_id,
        project_id: m.project_id,
        power_id: m.power_id,
        applicant: m.applicant,
        enterprise_id: m.enterprise_id,
        commitment: m.commitment,
        agency: m.agency,
        agent_id: m.agent_id,
        leader_id: m.leader_id,
        received_date: m.received_date,
        accepted_date: m.accepted_date,
        approved_date: m.approved_date,
        promised_days: m.promised_days,
        due_date: m.due_date,
        status,
        notes: m.notes,
        created_by: m.created_by,
        version: m.version,
    }
}

fn audit_view(m: &approval_case::Model) -> serde_json::Value {
    let d = |x: Option<NaiveDate>| x.map(|d| d.to_string());
    json!({
        "project_id": m.project_id, "power_id": m.power_id, "applicant": m.applicant,
        "enterprise_id": m.enterprise_id, "commitment": m.commitment, "agency": m.agency,
        "agent_id": m.agent_id, "leader_id": m.leader_id, "received_date": m.received_date.to_string(),
        "accepted_date": d(m.accepted_date), "approved_date": d(m.approved_date),
        "promised_days": m.promised_days, "due_date": m.due_date.to_string(), "status": m.status, "notes": m.notes,
    })
}

/// A case as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CaseForm {
    pub project_id: String,
    pub power_id: String,
    /// 申请人 (empty: the enterprise's name).
    pub applicant: String,
    pub enterprise_id: String,
    /// 承诺制 (only for powers that apply it).
    #[serde(deserialize_with = "de_flag")]
    #[schema(value_type = bool)]
    pub commitment: String,
    /// 全代办 (needs an agent).
    #[serde(deserialize_with = "de_flag")]
    #[schema(value_type = bool)]
    pub agency: String,
    pub agent_id: String,
    pub leader_id: String,
    pub received_date: String,
    pub accepted_date: String,
    /// 办结日期: a case entered after it was approved.
    pub approved_date: String,
    pub notes: String,
    /// The version the edit was loaded at (edits only).
    pub version: String,
}

impl Case {
    pub fn form(&self) -> CaseForm {
        let s = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
        let d = |x: Option<NaiveDate>| x.map(|v| v.to_string()).unwrap_or_default();
        CaseForm {
            project_id: s(self.project_id),
            power_id: self.power_id.to_string(),
            applicant: self.applicant.clone(),
            enterprise_id: s(self.enterprise_id),
            commitment: if self.commitment { "1" } else { "" }.into(),
            agency: if self.agency { "1" } else { "" }.into(),
            agent_id: s(self.agent_id),
            leader_id: s(self.leader_id),
            received_date: self.received_date.to_string(),
            accepted_date: d(self.accepted_date),
            approved_date: if self.status == CaseStatus::Approved { d(self.approved_date) } else { String::new() },
            notes: self.notes.clone(),
            version: self.version.to_string(),
        }
    }
}

struct ValidCase {
    project_id: Option<i64>,
    power: approval_power::Model,
    applicant: String,
    enterprise_id: Option<i64>,
    commitment: bool,
    agency: bool,
    agent_id: Option<i64>,
    leader_id: Option<i64>,
    received: NaiveDate,
    accepted: Option<NaiveDate>,
    approved: Option<NaiveDate>,
    notes: String,
}

async fn validate(
    db: &Db,
    zone_id: i64,
    f: &CaseForm,
    n: &Names,
    current: Option<&approval_case::Model>,
) -> Result<ValidCase, StoreError> {
    let mut e = Invalid::new();
    let project_id = opt_id(&mut e, "project_id", "项目", &f.project_id);
    if project_id.is_some_and(|p| !n.projects.contains_key(&p)) {
        e.add("project_id", "所选项目不属于本开发区");
    }
    let power_id = opt_id(&mut e, "power_id", "审批事项", &f.power_id);
    let mut power = None;
    match power_id {
        Some(id) => {
            let p = approval_power::Entity::find_by_id(id)
                .filter(approval_power::Column::ZoneId.eq(zone_id))
                .one(&db.conn)
                .await?;
            match p {
                Some(p) if !p.active && current.is_none_or(|c| c.power_id != id) => {
                    e.add("power_id", format!("审批事项“{}”已停用", p.name))
                }
                Some(p) => power = Some(p),
                None => e.add("power_id", "所选审批事项不在本开发区的审批权限清单中"),
            }
        }
        None if e.message_for("power_id").is_none() => e.add("power_id", "请选择审批事项"),
        None => {}
    }
    let enterprise_id = opt_id(&mut e, "enterprise_id", "企业", &f.enterprise_id);
    if enterprise_id.is_some_and(|id| !n.l.enterprises.contains_key(&id)) {
        e.add("enterprise_id", "所选企业不属于本开发区");
    }
    let mut applicant = e.optional("applicant", "申请人", &f.applicant, NAME_MAX).unwrap_or_default();
    if applicant.is_empty() {
        match n.l.enterprise(enterprise_id) {
            Some(name) => applicant = name,
            None => e.add("applicant", "申请人不能为空"),
        }
    }
    let commitment = flag(&f.commitment);
    if commitment && power.as_ref().is_some_and(|p| !p.commitment) {
        e.add("commitment", "该审批事项未实行承诺制，不能按承诺制办理");
    }
    let agency = flag(&f.agency);
    let agent_id = opt_id(&mut e, "agent_id", "代办员", &f.agent_id);
    if let Some(a) = agent_id {
        if !n.l.users.contains_key(&a) {
            e.add("agent_id", "所选代办员不是本开发区的用户");
        } else if n.l.inactive.contains(&a) && current.is_none_or(|c| c.agent_id != Some(a)) {
            e.add("agent_id", "所选代办员的账号已停用");
        }
    }
    if agency && agent_id.is_none() && e.message_for("agent_id").is_none() {
        e.add("agent_id", "全代办事项须指定代办员");
    }
    let leader_id = opt_id(&mut e, "leader_id", "包保领导", &f.leader_id);
    n.l.check_leader(&mut e, "leader_id", leader_id, current.and_then(|c| c.leader_id));
    let received = req_date(&mut e, "received_date", "收件日期", &f.received_date);
    let accepted = opt_date(&mut e, "accepted_date", "受理日期", &f.accepted_date);
    let mut approved = opt_date(&mut e, "approved_date", "办结日期", &f.approved_date);
    if approved.is_none()
        && let Some(c) = current
        && matches!(CaseStatus::parse(&c.status), Some(CaseStatus::Refused | CaseStatus::Withdrawn))
    {
        approved = c.approved_date;
    }
    approval::check_dates(&mut e, received, accepted, approved, today());
    let notes = e.optional("notes", "备注", &f.notes, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    Ok(ValidCase {
        project_id,
        power: power.expect("checked"),
        applicant,
        enterprise_id,
        commitment,
        agency,
        agent_id,
        leader_id,
        received: received.expect("checked"),
        accepted,
        approved,
        notes,
    })
}

fn apply(am: &mut approval_case::ActiveModel, v: ValidCase, cal: &Calendar, current: Option<&approval_case::Model>) {
    // the limit is the power's at registration; a changed power brings its own
    let promised = match current {
        Some(c) if c.power_id == v.power.id => c.promised_days,
        _ => v.power.promised_days,
    };
    let status = match current.and_then(|c| CaseStatus::parse(&c.status)) {
        Some(s @ (CaseStatus::Refused | CaseStatus::Withdrawn)) => s,
        _ if v.approved.is_some() => CaseStatus::Approved,
        _ if v.accepted.is_some() => CaseStatus::Accepted,
        _ => CaseStatus::Received,
    };
    am.project_id = Set(v.project_id);
    am.power_id = Set(v.power.id);
    am.applicant = Set(v.applicant);
    am.enterprise_id = Set(v.enterprise_id);
    am.commitment = Set(v.commitment);
    am.agency = Set(v.agency);
    am.agent_id = Set(v.agent_id);
    am.leader_id = Set(v.leader_id);
    am.received_date = Set(v.received);
    am.accepted_date = Set(v.accepted);
    am.approved_date = Set(v.approved);
    am.promised_days = Set(promised);
    am.due_date = Set(cal.add_working_days(start_date(v.received, v.accepted), promised.unsigned_abs()));
    am.status = Set(status.code().to_string());
    am.notes = Set(v.notes);
}

/// Registers a case in the actor's zone.
pub async fn create(db: &Db, actor: &Actor, f: &CaseForm) -> Result<Case, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &CaseForm) -> Result<Case, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let n = Names::load(db, zone_id).await?;
    let v = validate(db, zone_id, f, &n, None).await?;
    let now = chrono::Utc::now();
    let mut am = approval_case::ActiveModel {
        zone_id: Set(zone_id),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let power_name = v.power.name.clone();
    apply(&mut am, v, &n.cal, None);
    let txn = db.conn.begin().await?;
    let m = am.insert(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "approval_case",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("登记审批事项：{}（{}）", power_name, m.applicant),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    let mut n = n;
    n.powers.insert(m.power_id, power_name);
    Ok(to_case(m, &n, today()))
}

async fn find_writable(db: &Db, actor: &Actor, id: i64) -> Result<approval_case::Model, StoreError> {
    actor.require(Permission::Write)?;
    let m = approval_case::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    Ok(m)
}

/// Saves `am` over `before` if its version is still current, with an audit record.
async fn save(
    db: &Db,
    actor: &Actor,
    before: &approval_case::Model,
    mut am: approval_case::ActiveModel,
    summary: String,
) -> Result<approval_case::Model, StoreError> {
    am.version = Set(before.version + 1);
    am.updated_at = Set(chrono::Utc::now());
    let txn = db.conn.begin().await?;
    let res = approval_case::Entity::update_many()
        .set(am)
        .filter(approval_case::Column::Id.eq(before.id))
        .filter(approval_case::Column::ZoneId.eq(before.zone_id))
        .filter(approval_case::Column::Version.eq(before.version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = approval_case::Entity::find_by_id(before.id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(before.zone_id),
            entity: "approval_case",
            entity_id: Some(before.id.to_string()),
            action: Action::Update,
            summary,
            before: audit_view(before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Changes a case (the version in the form must still be current when given).
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &CaseForm) -> Result<Case, StoreError> {
    let m = find_writable(db, actor, id).await?;
    if let Ok(v) = f.version.trim().parse::<i32>()
        && v != m.version
    {
        return Err(StoreError::Stale);
    }
    let n = Names::load(db, m.zone_id).await?;
    let v = validate(db, m.zone_id, f, &n, Some(&m)).await?;
    let mut am = m.clone().into_active_model();
    apply(&mut am, v, &n.cal, Some(&m));
    let after = save(db, actor, &m, am, format!("修改审批事项 #{id}")).await?;
    Ok(to_case(after, &n, today()))
}

/// One step of a case: `accept`, `approve`, `refuse` or `withdraw`, on `date` (today when empty).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = ApprovalStepForm)]
pub struct StepForm {
    pub action: String,
    pub date: String,
    /// Appended to the case's notes (a refusal needs its reason).
    pub note: String,
}

pub async fn step(db: &Db, actor: &Actor, id: i64, f: &StepForm) -> Result<Case, StoreError> {
    let m = find_writable(db, actor, id).await?;
    let mut e = Invalid::new();
    let action = CaseAction::parse(&f.action);
    if action.is_none() {
        e.add("action", "请选择操作");
    }
    let date = if f.date.trim().is_empty() { Some(today()) } else { req_date(&mut e, "date", "日期", &f.date) };
    let note = e.optional("note", "说明", &f.note, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    let (action, date) = (action.expect("checked"), date.expect("checked"));
    let status = CaseStatus::parse(&m.status).unwrap_or(CaseStatus::Received);
    let next = approval::transition(status, action).map_err(|msg| Invalid::one("action", msg))?;
    if action == CaseAction::Refuse && note.is_empty() {
        return Err(Invalid::one("note", "不予批准须说明理由").into());
    }
    let (accepted, closed) = match action {
        CaseAction::Accept => (Some(date), None),
        _ => (m.accepted_date, Some(date)),
    };
    let mut e = Invalid::new();
    approval::check_dates(&mut e, Some(m.received_date), accepted, closed, today());
    if !e.is_empty() {
        // the step's one date field carries the message
        let msg = e.errors.into_iter().map(|x| x.message).collect::<Vec<_>>().join("；");
        return Err(Invalid::one("date", msg.replace("办结日期", &format!("{}日期", action.label()))).into());
    }
    let n = Names::load(db, m.zone_id).await?;
    let mut am = m.clone().into_active_model();
    am.status = Set(next.code().to_string());
    am.accepted_date = Set(accepted);
    am.approved_date = Set(closed);
    if action == CaseAction::Accept {
        am.due_date = Set(n.cal.add_working_days(date, m.promised_days.unsigned_abs()));
    }
    if !note.is_empty() {
        let line = format!("{date} {}：{note}", action.label());
        am.notes = Set(if m.notes.is_empty() { line } else { format!("{}\n{line}", m.notes) });
    }
    let after = save(db, actor, &m, am, format!("审批事项 #{id}：{}", action.label())).await?;
    Ok(to_case(after, &n, today()))
}

async fn find_visible(db: &Db, scope: &Scope, id: i64) -> Result<approval_case::Model, StoreError> {
    let m = approval_case::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(m)
}

/// A case and its commitments.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<(Case, Vec<Commitment>), StoreError> {
    let m = find_visible(db, scope, id).await?;
    let n = Names::load(db, m.zone_id).await?;
    let now = today();
    let cs = approval_commitment::Entity::find()
        .filter(approval_commitment::Column::ZoneId.eq(m.zone_id))
        .filter(approval_commitment::Column::CaseId.eq(id))
        .order_by_asc(approval_commitment::Column::Deadline)
        .order_by_asc(approval_commitment::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|c| to_commitment(c, &m, &n, now))
        .collect();
    Ok((to_case(m, &n, now), cs))
}

/// Filters of the case ledger.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// received, accepted, approved, refused, withdrawn, or "open".
    pub status: String,
    pub power: String,
    pub project: String,
    /// "1": 承诺制 only; "0": the others.
    pub commitment: String,
    /// "1": 全代办 only; "0": the others.
    pub agency: String,
    /// 代办员 (user id).
    pub agent: String,
    /// 包保领导 (user id).
    pub leader: String,
    /// Received from (YYYY-MM-DD).
    pub from: String,
    /// Received to (YYYY-MM-DD).
    pub to: String,
    /// "1": open and past the due date.
    pub overdue: String,
    /// "1": approved within the limit.
    pub on_time: String,
    /// Part of the applicant's name.
    pub q: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

impl CaseFilter {
    /// The filter as `key=value&` pairs (the ledger's links).
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("status", &self.status),
            ("power", &self.power),
            ("project", &self.project),
            ("commitment", &self.commitment),
            ("agency", &self.agency),
            ("agent", &self.agent),
            ("leader", &self.leader),
            ("from", &self.from),
            ("to", &self.to),
            ("overdue", &self.overdue),
            ("on_time", &self.on_time),
            ("q", &self.q),
        ]
    }
}

fn open_statuses() -> [&'static str; 2] {
    [CaseStatus::Received.code(), CaseStatus::Accepted.code()]
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &CaseFilter) -> Result<Page<Case>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let now = today();
    let mut q = crate::lookups::date_range(
        approval_case::Entity::find().filter(approval_case::Column::ZoneId.eq(zone_id)),
        approval_case::Column::ReceivedDate,
        &f.from,
        &f.to,
    )?;
    match f.status.trim() {
        "" => {}
        "open" => q = q.filter(approval_case::Column::Status.is_in(open_statuses())),
        s => {
            if let Some(st) = CaseStatus::parse(s) {
                q = q.filter(approval_case::Column::Status.eq(st.code()));
            }
        }
    }
    let id = |s: &str| s.trim().parse::<i64>().ok();
    if let Some(p) = id(&f.power) {
        q = q.filter(approval_case::Column::PowerId.eq(p));
    }
    if let Some(p) = id(&f.project) {
        q = q.filter(approval_case::Column::ProjectId.eq(p));
    }
    if let Some(u) = id(&f.agent) {
        q = q.filter(approval_case::Column::AgentId.eq(u));
    }
    if let Some(u) = id(&f.leader) {
        q = q.filter(approval_case::Column::LeaderId.eq(u));
    }
    for (v, col) in [(&f.commitment, approval_case::Column::Commitment), (&f.agency, approval_case::Column::Agency)] {
        match v.trim() {
            "1" => q = q.filter(col.eq(true)),
            "0" => q = q.filter(col.eq(false)),
            _ => {}
        }
    }
    if f.overdue.trim() == "1" {
        q = q
            .filter(approval_case::Column::Status.is_in(open_statuses()))
            .filter(approval_case::Column::DueDate.lt(now));
    }
    if f.on_time.trim() == "1" {
        q = q
            .filter(approval_case::Column::Status.eq(CaseStatus::Approved.code()))
            .filter(Expr::col(approval_case::Column::ApprovedDate).lte(Expr::col(approval_case::Column::DueDate)));
    }
    if !f.q.trim().is_empty() {
        q = q.filter(Condition::any().add(approval_case::Column::Applicant.contains(f.q.trim())));
    }
    let q = q.order_by_desc(approval_case::Column::ReceivedDate).order_by_desc(approval_case::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    let n = Names::load(db, zone_id).await?;
    Ok(Page { rows: rows.into_iter().map(|m| to_case(m, &n, now)).collect(), total, page, per_page })
}

// ---------------------------------------------------------------------------------------------
// Commitments
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Commitment {
    pub id: i64,
    pub zone_id: i64,
    pub case_id: i64,
    pub content: String,
    /// The deadline to fulfil it.
    pub deadline: NaiveDate,
    pub status: CommitmentStatus,
    pub verified_date: Option<NaiveDate>,
    pub verified_by_id: Option<i64>,
    pub verified_by: Option<String>,
    /// What the verification found.
    pub verification: String,
    /// Not fulfilled and past the deadline.
    pub overdue: bool,
    /// The case's power, applicant, project and agent (for the verification list).
    pub power: String,
    pub applicant: String,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub agent: Option<String>,
}

fn to_commitment(m: approval_commitment::Model, c: &approval_case::Model, n: &Names, now: NaiveDate) -> Commitment {
    let status = CommitmentStatus::parse(&m.status).unwrap_or(CommitmentStatus::Pending);
    Commitment {
        overdue: commitment_overdue(status, m.deadline, now),
        verified_by: n.l.user(m.verified_by),
        power: n.powers.get(&c.power_id).cloned().unwrap_or_default(),
        applicant: c.applicant.clone(),
        project_id: c.project_id,
        project: c.project_id.and_then(|p| n.projects.get(&p).cloned()),
        agent: n.l.user(c.agent_id),
        id: m.id,
        zone_id: m.zone_id,
        case_id: m.case_id,
        content: m.content,
        deadline: m.deadline,
        status,
        verified_date: m.verified_date,
        verified_by_id: m.verified_by,
        verification: m.verification,
    }
}

fn commitment_view(m: &approval_commitment::Model) -> serde_json::Value {
    json!({
        "case_id": m.case_id, "content": m.content, "deadline": m.deadline.to_string(), "status": m.status,
        "verified_date": m.verified_date.map(|d| d.to_string()), "verified_by": m.verified_by,
        "verification": m.verification,
    })
}

/// What a commitment-based applicant promised, and by when.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CommitmentForm {
    pub content: String,
    pub deadline: String,
}

/// Adds a commitment to a commitment-based case.
pub async fn add_commitment(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    f: &CommitmentForm,
) -> Result<Commitment, StoreError> {
    let c = find_writable(db, actor, case_id).await?;
    let mut e = Invalid::new();
    if !c.commitment {
        e.add("content", "该事项不是承诺制办理，不能登记承诺事项");
    }
    let content = e.required("content", "承诺内容", &f.content, TEXT_MAX);
    let deadline = req_date(&mut e, "deadline", "履诺期限", &f.deadline);
    if deadline.is_some_and(|d| d < c.received_date) {
        e.add("deadline", format!("履诺期限不能早于收件日期 {}", c.received_date));
    }
    e.into_result()?;
    let now = chrono::Utc::now();
    let txn = db.conn.begin().await?;
    let m = approval_commitment::ActiveModel {
        zone_id: Set(c.zone_id),
        case_id: Set(case_id),
        content: Set(content),
        deadline: Set(deadline.expect("checked")),
        status: Set(CommitmentStatus::Pending.code().to_string()),
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
            zone_id: Some(c.zone_id),
            entity: "approval_commitment",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("登记承诺事项（审批事项 #{case_id}）：{}", m.content.chars().take(40).collect::<String>()),
            before: serde_json::Value::Null,
            after: commitment_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    let n = Names::load(db, c.zone_id).await?;
    Ok(to_commitment(m, &c, &n, today()))
}

/// The verification (核查) of a commitment.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VerifyForm {
    /// fulfilled / unfulfilled.
    pub result: String,
    /// Today when empty.
    pub date: String,
    /// What was found (required when unfulfilled).
    pub note: String,
}

/// Records the verification: fulfilled (final) or unfulfilled (verified again later).
pub async fn verify(db: &Db, actor: &Actor, id: i64, f: &VerifyForm) -> Result<Commitment, StoreError> {
    actor.require(Permission::Write)?;
    let m = approval_commitment::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(m.zone_id)?;
    let c = approval_case::Entity::find_by_id(m.case_id)
        .filter(approval_case::Column::ZoneId.eq(zone_id))
        .one(&db.conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut e = Invalid::new();
    if m.status == CommitmentStatus::Fulfilled.code() {
        e.add("result", "该承诺已核查为已履行，不能再核查");
    }
    let result = CommitmentStatus::parse(&f.result);
    let date = if f.date.trim().is_empty() { Some(today()) } else { req_date(&mut e, "date", "核查日期", &f.date) };
    approval::check_verification(&mut e, result, date, c.received_date, today());
    let note = e.optional("note", "核查情况", &f.note, TEXT_MAX).unwrap_or_default();
    if result == Some(CommitmentStatus::Unfulfilled) && note.is_empty() {
        e.add("note", "核查为未履行时须写明核查情况");
    }
    e.into_result()?;
    let mut am = m.clone().into_active_model();
    am.status = Set(result.expect("checked").code().to_string());
    am.verified_date = Set(date);
    am.verified_by = Set(actor.user_id);
    am.verification = Set(note);
    am.updated_at = Set(chrono::Utc::now());
    let txn = db.conn.begin().await?;
    let res = approval_commitment::Entity::update_many()
        .set(am)
        .filter(approval_commitment::Column::Id.eq(id))
        .filter(approval_commitment::Column::ZoneId.eq(zone_id))
        .filter(approval_commitment::Column::Status.eq(m.status.clone()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(Invalid::one("result", "该承诺刚被他人核查，请刷新页面后再操作").into());
    }
    let after = approval_commitment::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "approval_commitment",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("核查承诺事项 #{id}：{}", result.expect("checked").label()),
            before: commitment_view(&m),
            after: commitment_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    let n = Names::load(db, zone_id).await?;
    Ok(to_commitment(after, &c, &n, today()))
}

/// Filters of the verification list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct CommitmentFilter {
    /// pending, fulfilled, unfulfilled, or "open" (not fulfilled).
    pub status: String,
    /// "1": not fulfilled and past the deadline.
    pub overdue: String,
    /// The case id.
    pub case: String,
    /// Deadline from (YYYY-MM-DD).
    pub from: String,
    /// Deadline to (YYYY-MM-DD).
    pub to: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

pub async fn list_commitments(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    f: &CommitmentFilter,
) -> Result<Page<Commitment>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let now = today();
    let mut q = crate::lookups::date_range(
        approval_commitment::Entity::find().filter(approval_commitment::Column::ZoneId.eq(zone_id)),
        approval_commitment::Column::Deadline,
        &f.from,
        &f.to,
    )?;
    match f.status.trim() {
        "" => {}
        "open" => q = q.filter(approval_commitment::Column::Status.ne(CommitmentStatus::Fulfilled.code())),
        s => {
            if let Some(st) = CommitmentStatus::parse(s) {
                q = q.filter(approval_commitment::Column::Status.eq(st.code()));
            }
        }
    }
    if f.overdue.trim() == "1" {
        q = q
            .filter(approval_commitment::Column::Status.ne(CommitmentStatus::Fulfilled.code()))
            .filter(approval_commitment::Column::Deadline.lt(now));
    }
    if let Ok(c) = f.case.trim().parse::<i64>() {
        q = q.filter(approval_commitment::Column::CaseId.eq(c));
    }
    let q = q.order_by_asc(approval_commitment::Column::Deadline).order_by_asc(approval_commitment::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    let ids: BTreeSet<i64> = rows.iter().map(|r| r.case_id).collect();
    let cases: HashMap<i64, approval_case::Model> = approval_case::Entity::find()
        .filter(approval_case::Column::ZoneId.eq(zone_id))
        .filter(approval_case::Column::Id.is_in(ids))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let n = Names::load(db, zone_id).await?;
    let rows = rows
        .into_iter()
        .filter_map(|m| {
            let c = cases.get(&m.case_id)?;
            Some(to_commitment(m, c, &n, now))
        })
        .collect();
    Ok(Page { rows, total, page, per_page })
}

// ---------------------------------------------------------------------------------------------
// Figures and escalation
// ---------------------------------------------------------------------------------------------

/// A figure and the list that shows the records behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ApprovalFigure)]
pub struct Figure {
    pub value: u64,
    /// The page listing the records, e.g. `/approvals/cases?commitment=1&from=…&to=…`.
    pub href: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApprovalFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Distinct projects with a commitment-based case received in the range (承诺制项目).
    pub commitment_projects: Figure,
    /// Distinct projects with an agency case received in the range (全代办项目).
    pub agency_projects: Figure,
    /// Cases received in the range.
    pub received: Figure,
    /// Of those, approved.
    pub approved: Figure,
    /// Of those, approved within the promised limit.
    pub on_time: Figure,
    /// Of those, open and past the due date today.
    pub overdue: Figure,
    /// Commitments whose deadline falls in the range.
    pub commitments_due: Figure,
    /// Of those, verified as fulfilled.
    pub commitments_fulfilled: Figure,
    /// Of those, not fulfilled and past the deadline today.
    pub commitments_overdue: Figure,
}

fn href(path: &str, extra: &str, from: NaiveDate, to: NaiveDate) -> String {
    format!("{path}?{extra}from={from}&to={to}")
}

pub async fn figures(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ApprovalFigures, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let now = today();
    let cases = approval_case::Entity::find()
        .filter(approval_case::Column::ZoneId.eq(zone_id))
        .filter(approval_case::Column::ReceivedDate.between(from, to))
        .all(&db.conn)
        .await?;
    let projects = |pick: &dyn Fn(&approval_case::Model) -> bool| {
        cases.iter().filter(|c| pick(c)).filter_map(|c| c.project_id).collect::<BTreeSet<i64>>().len() as u64
    };
    let status = |c: &approval_case::Model| CaseStatus::parse(&c.status).unwrap_or(CaseStatus::Received);
    let approved: Vec<&approval_case::Model> = cases.iter().filter(|c| status(c) == CaseStatus::Approved).collect();
    let on_time = approved.iter().filter(|c| c.approved_date.is_some_and(|a| a <= c.due_date)).count() as u64;
    let overdue = cases.iter().filter(|c| case_overdue(status(c), c.due_date, now)).count() as u64;
    let commitments = approval_commitment::Entity::find()
        .filter(approval_commitment::Column::ZoneId.eq(zone_id))
        .filter(approval_commitment::Column::Deadline.between(from, to))
        .all(&db.conn)
        .await?;
    let cstatus =
        |m: &approval_commitment::Model| CommitmentStatus::parse(&m.status).unwrap_or(CommitmentStatus::Pending);
    let fulfilled = commitments.iter().filter(|m| cstatus(m) == CommitmentStatus::Fulfilled).count() as u64;
    let c_overdue = commitments.iter().filter(|m| commitment_overdue(cstatus(m), m.deadline, now)).count() as u64;
    let cases_href = |extra: &str| href("/approvals/cases", extra, from, to);
    let commitments_href = |extra: &str| href("/approvals/commitments", extra, from, to);
    Ok(ApprovalFigures {
        from,
        to,
        commitment_projects: Figure { value: projects(&|c| c.commitment), href: cases_href("commitment=1&") },
        agency_projects: Figure { value: projects(&|c| c.agency), href: cases_href("agency=1&") },
        received: Figure { value: cases.len() as u64, href: cases_href("") },
        approved: Figure { value: approved.len() as u64, href: cases_href("status=approved&") },
        on_time: Figure { value: on_time, href: cases_href("on_time=1&") },
        overdue: Figure { value: overdue, href: cases_href("overdue=1&") },
        commitments_due: Figure { value: commitments.len() as u64, href: commitments_href("") },
        commitments_fulfilled: Figure { value: fulfilled, href: commitments_href("status=fulfilled&") },
        commitments_overdue: Figure { value: c_overdue, href: commitments_href("overdue=1&") },
    })
}

/// One run of the commitment overdue rule for `today`, in every zone: a commitment not fulfilled
/// past its deadline notifies the case's agent (or, without one, whoever registered the case)
/// once per deadline, and — once it is the zone's `escalate_after_days` overdue — the zone's
/// leaders, once. Returns how many notifications were created.
pub async fn run_escalation(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    let overdue = approval_commitment::Entity::find()
        .filter(approval_commitment::Column::Status.ne(CommitmentStatus::Fulfilled.code()))
        .filter(approval_commitment::Column::Deadline.lt(today))
        .all(&db.conn)
        .await?;
    let mut created = 0;
    for m in overdue {
        let Some(c) = approval_case::Entity::find_by_id(m.case_id)
            .filter(approval_case::Column::ZoneId.eq(m.zone_id))
            .one(&db.conn)
            .await?
        else {
            continue;
        };
        let (_, escalate_after) = safety_settings(db, m.zone_id).await?;
        let days = (today - m.deadline).num_days();
        let what: String = m.content.chars().take(30).collect();
        let link = format!("/approvals/cases/{}", c.id);
        if let Some(u) = c.agent_id.or(c.created_by) {
            let n = Notice {
                zone_id: m.zone_id,
                user_id: u,
                entity: "approval_commitment",
                entity_id: m.id.to_string(),
                step: format!("overdue:{}", m.deadline),
                message: format!("{}的承诺“{what}”已超过履诺期限 {}，尚未核查为已履行", c.applicant, m.deadline),
                link: link.clone(),
            };
            created += usize::from(notify_once(&db.conn, n).await?);
        }
        if days >= i64::from(escalate_after) {
            let leaders = user::Entity::find()
                .filter(user::Column::ZoneId.eq(m.zone_id))
                .filter(user::Column::Role.eq("leader"))
                .filter(user::Column::Active.eq(true))
                .all(&db.conn)
                .await?;
            for l in leaders {
                let n = Notice {
                    zone_id: m.zone_id,
                    user_id: l.id,
                    entity: "approval_commitment",
                    entity_id: m.id.to_string(),
                    step: format!("escalate:{}", m.deadline),
                    message: format!(
                        "{}的承诺“{what}”逾期 {days} 天未履行（履诺期限 {}），请督办",
                        c.applicant, m.deadline
                    ),
                    link: link.clone(),
                };
                created += usize::from(notify_once(&db.conn, n).await?);
            }
        }
    }
    Ok(created)
}

/// Inserts cases and their commitments as they are (the demo loader): no checks but the
/// database's, no audit record of their own.
pub(crate) async fn insert_raw<C: ConnectionTrait>(
    conn: &C,
    case: approval_case::ActiveModel,
    commitments: Vec<approval_commitment::ActiveModel>,
) -> Result<i64, StoreError> {
    let m = case.insert(conn).await?;
    for mut c in commitments {
        c.case_id = Set(m.id);
        c.zone_id = Set(m.zone_id);
        c.insert(conn).await?;
    }
    Ok(m.id)
}

/// One run of the case time-limit rule for `today`, in every zone: an open case (收件 or 受理)
/// past its due date notifies its agent (or whoever registered it) and its 包保领导, once per due
/// date. Returns how many notifications were created.
pub async fn run_case_escalation(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    let open = [CaseStatus::Received.code(), CaseStatus::Accepted.code()];
    let rows = approval_case::Entity::find()
        .filter(approval_case::Column::Status.is_in(open))
        .filter(approval_case::Column::DueDate.lt(today))
        .all(&db.conn)
        .await?;
    let mut created = 0;
    for k in rows {
        let power = approval_power::Entity::find_by_id(k.power_id).one(&db.conn).await?.map(|p| p.name);
        let what = format!("{}（{}）", power.unwrap_or_default(), k.applicant);
        let handler = k.agent_id.or(k.created_by);
        let mut to: Vec<i64> = [handler, k.leader_id].into_iter().flatten().collect();
        to.dedup();
        for user_id in to {
            let n = Notice {
                zone_id: k.zone_id,
                user_id,
                entity: "approval_case",
                entity_id: k.id.to_string(),
                step: format!("overdue:{}", k.due_date),
                message: if Some(user_id) == handler {
                    format!("审批事项“{what}”已超过承诺办结时限 {}，尚未办结", k.due_date)
                } else {
                    format!("您包保的审批事项“{what}”已超过承诺办结时限 {}，尚未办结，请督办", k.due_date)
                },
                link: format!("/approvals/cases/{}", k.id),
            };
            created += usize::from(notify_once(&db.conn, n).await?);
        }
    }
    Ok(created)
}
