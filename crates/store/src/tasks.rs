//! 重点工作任务: key-work task lists managed as lists and closed in a loop (清单化管理、闭环式
//! 落实). A task has a source, a lead leader, a responsible department and collaborating ones,
//! a deadline (a date, or N working days from assignment on the zone's calendar), a timetable
//! of milestones inside it, and steps — progress reports (with attachments), 提交办结, 审核销号,
//! 退回 with a reason — each a `task_steps` row with an audit record. Also the list filters,
//! the XLSX import (all or nothing), the rows of the export, what waits on a user
//! ([`waiting_on`]) and the overdue / due-soon escalation ([`run_escalation`]).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::calendar::Calendar;
use kaifaqu_domain::task::{
    self as rules, Deadline, TaskAction, TaskSource, TaskStatus, Who, milestone_overdue, parse_deadline,
};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{task, task_department, task_milestone, task_step, user};
use crate::lookups::{Lookups, opt_date, opt_id, req_date, today};
use crate::notifications::{Notice, notify_once};
use crate::{Actor, Db, Page, Scope, StoreError};

/// The audit entity of a task (its milestones and steps are recorded under it too, so the
/// task's history tab shows them).
pub const ENTITY: &str = "task";

/// Names a page shows beside a task, and the zone's calendar.
struct Names {
    l: Lookups,
    cal: Calendar,
}

impl Names {
    async fn load(db: &Db, zone_id: i64) -> Result<Names, StoreError> {
        Ok(Names {
            l: Lookups::load(db, zone_id).await?,
            cal: crate::calendar::load_unchecked(&db.conn, zone_id).await?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub zone_id: i64,
    pub title: String,
    pub source: TaskSource,
    /// What the source is exactly (巡视反馈问题, 会议名称, …).
    pub source_note: String,
    /// 牵头领导.
    pub lead_leader_id: Option<i64>,
    pub lead_leader: Option<String>,
    /// 责任科室.
    pub department_id: i64,
    pub department: String,
    /// 协办科室.
    pub collaborating_ids: Vec<i64>,
    pub collaborating: Vec<String>,
    /// 交办日期.
    pub assigned_date: NaiveDate,
    /// 完成时限.
    pub deadline: NaiveDate,
    /// When the deadline was given as N working days from assignment.
    pub deadline_working_days: Option<i32>,
    /// Required evidence (佐证材料).
    pub evidence: String,
    pub status: TaskStatus,
    /// The date of 销号.
    pub closed_date: Option<NaiveDate>,
    /// Open and past the deadline.
    pub overdue: bool,
    /// Open and due within 3 working days.
    pub due_soon: bool,
    pub milestones_total: u32,
    pub milestones_done: u32,
    pub milestones_overdue: u32,
    /// The latest step with a note, e.g. "2025-09-15 报送进展：完成可研批复".
    pub latest: Option<String>,
    pub created_by: Option<i64>,
    pub version: i32,
}

impl Task {
    /// The deadline as a person reads it: "2025-10-10（5个工作日）".
    pub fn deadline_text(&self) -> String {
        match self.deadline_working_days {
            Some(n) => format!("{}（{n}个工作日）", self.deadline),
            None => self.deadline.to_string(),
        }
    }

    /// The task as its edit form.
    pub fn form(&self) -> TaskForm {
        TaskForm {
            title: self.title.clone(),
            source: self.source.code().to_string(),
            source_note: self.source_note.clone(),
            lead_leader_id: self.lead_leader_id.map(|i| i.to_string()).unwrap_or_default(),
            department_id: self.department_id.to_string(),
            collaborating_ids: self.collaborating_ids.iter().map(|i| i.to_string()).collect(),
            assigned_date: self.assigned_date.to_string(),
            deadline: if self.deadline_working_days.is_some() { String::new() } else { self.deadline.to_string() },
            deadline_days: self.deadline_working_days.map(|n| n.to_string()).unwrap_or_default(),
            evidence: self.evidence.clone(),
            milestones: String::new(),
            version: self.version.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Milestone {
    pub id: i64,
    pub task_id: i64,
    pub title: String,
    pub due_date: NaiveDate,
    pub done_date: Option<NaiveDate>,
    /// Not done and past its date.
    pub overdue: bool,
}

fn to_milestone(m: task_milestone::Model, now: NaiveDate) -> Milestone {
    Milestone {
        overdue: milestone_overdue(m.done_date, m.due_date, now),
        id: m.id,
        task_id: m.task_id,
        title: m.title,
        due_date: m.due_date,
        done_date: m.done_date,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = TaskStep)]
pub struct Step {
    pub id: i64,
    pub task_id: i64,
    pub action: TaskAction,
    pub date: NaiveDate,
    pub note: String,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
}

fn to_step(m: task_step::Model, l: &Lookups) -> Step {
    Step {
        id: m.id,
        task_id: m.task_id,
        action: TaskAction::parse(&m.action).unwrap_or(TaskAction::Progress),
        date: m.step_date,
        actor: l.user(m.actor_id),
        actor_id: m.actor_id,
        note: m.note,
    }
}

fn status_of(m: &task::Model) -> TaskStatus {
    TaskStatus::parse(&m.status).unwrap_or(TaskStatus::InProgress)
}

/// Builds the records of `models` (one query each for collaborators, milestones and steps).
async fn to_tasks(db: &Db, zone_id: i64, models: Vec<task::Model>, n: &Names) -> Result<Vec<Task>, StoreError> {
    let now = today();
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let mut collab: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut miles: HashMap<i64, Vec<task_milestone::Model>> = HashMap::new();
    let mut latest: HashMap<i64, task_step::Model> = HashMap::new();
    if !ids.is_empty() {
        for r in task_department::Entity::find()
            .filter(task_department::Column::ZoneId.eq(zone_id))
            .filter(task_department::Column::TaskId.is_in(ids.clone()))
            .all(&db.conn)
            .await?
        {
            collab.entry(r.task_id).or_default().push(r.department_id);
        }
        for m in task_milestone::Entity::find()
            .filter(task_milestone::Column::ZoneId.eq(zone_id))
            .filter(task_milestone::Column::TaskId.is_in(ids.clone()))
            .all(&db.conn)
            .await?
        {
            miles.entry(m.task_id).or_default().push(m);
        }
        for s in task_step::Entity::find()
            .filter(task_step::Column::ZoneId.eq(zone_id))
            .filter(task_step::Column::TaskId.is_in(ids))
            .filter(task_step::Column::Note.ne(""))
            .order_by_asc(task_step::Column::StepDate)
            .order_by_asc(task_step::Column::Id)
            .all(&db.conn)
            .await?
        {
            latest.insert(s.task_id, s);
        }
    }
    Ok(models
        .into_iter()
        .map(|m| {
            let status = status_of(&m);
            let mut c = collab.remove(&m.id).unwrap_or_default();
            c.sort_by_key(|d| (n.l.department(Some(*d)), *d));
            let ms = miles.remove(&m.id).unwrap_or_default();
            Task {
                overdue: rules::overdue(status, m.deadline, now),
                due_soon: rules::due_soon(status, m.deadline, now, &n.cal),
                lead_leader: n.l.user(m.lead_leader_id),
                department: n.l.department(Some(m.department_id)).unwrap_or_default(),
                collaborating: c.iter().filter_map(|d| n.l.department(Some(*d))).collect(),
                collaborating_ids: c,
                milestones_total: ms.len() as u32,
                milestones_done: ms.iter().filter(|x| x.done_date.is_some()).count() as u32,
                milestones_overdue: ms.iter().filter(|x| milestone_overdue(x.done_date, x.due_date, now)).count()
                    as u32,
                latest: latest.get(&m.id).map(|s| {
                    let a = TaskAction::parse(&s.action).map(|a| a.label()).unwrap_or("");
                    format!("{} {a}：{}", s.step_date, s.note)
                }),
                id: m.id,
                zone_id: m.zone_id,
                title: m.title,
                source: TaskSource::parse(&m.source).unwrap_or(TaskSource::Other),
                source_note: m.source_note,
                lead_leader_id: m.lead_leader_id,
                department_id: m.department_id,
                assigned_date: m.assigned_date,
                deadline: m.deadline,
                deadline_working_days: m.deadline_working_days,
                evidence: m.evidence,
                status,
                closed_date: m.closed_date,
                created_by: m.created_by,
                version: m.version,
            }
        })
        .collect())
}

fn audit_view(m: &task::Model, collaborating: &[i64]) -> serde_json::Value {
    json!({
        "title": m.title, "source": m.source, "source_note": m.source_note, "lead_leader_id": m.lead_leader_id,
        "department_id": m.department_id, "collaborating_ids": collaborating,
        "assigned_date": m.assigned_date.to_string(), "deadline": m.deadline.to_string(),
        "deadline_working_days": m.deadline_working_days, "evidence": m.evidence, "status": m.status,
        "closed_date": m.closed_date.map(|d| d.to_string()),
    })
}

// ---------------------------------------------------------------------------------------------
// The task form
// ---------------------------------------------------------------------------------------------

/// A form or JSON value given as text, a number or null.
fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        N(i64),
        S(String),
    }
    Ok(match Option::<V>::deserialize(d)? {
        Some(V::N(n)) => n.to_string(),
        Some(V::S(s)) => s,
        None => String::new(),
    })
}

/// A list of ids given as numbers or texts (or one of them alone).
fn de_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        N(i64),
        S(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum L {
        One(V),
        Many(Vec<V>),
    }
    let list = match Option::<L>::deserialize(d)? {
        None => Vec::new(),
        Some(L::One(v)) => vec![v],
        Some(L::Many(v)) => v,
    };
    Ok(list
        .into_iter()
        .map(|v| match v {
            V::N(n) => n.to_string(),
            V::S(s) => s,
        })
        .collect())
}

/// A task as typed in the form, sent to the API or read from a sheet row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskForm {
    /// 任务名称.
    pub title: String,
    /// Code or label of the source: annual_plan (年度计划), provincial_inspection (省委巡视整改),
    /// city_inspection (市委巡察整改), dispatch_meeting (调度会), leader_instruction (领导交办), other.
    pub source: String,
    pub source_note: String,
    /// 牵头领导 (user id of a leader).
    #[serde(deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub lead_leader_id: String,
    /// 责任科室 (department id, required).
    #[serde(deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub department_id: String,
    /// 协办科室 (department ids).
    #[serde(deserialize_with = "de_ids")]
    #[schema(value_type = Vec<i64>)]
    pub collaborating_ids: Vec<String>,
    /// 交办日期 (today when empty).
    pub assigned_date: String,
    /// 完成时限: a date, or "N个工作日".
    pub deadline: String,
    /// 完成时限 in working days from the assignment date (instead of `deadline`).
    #[serde(deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub deadline_days: String,
    /// 佐证材料 required.
    pub evidence: String,
    /// The timetable at creation: one milestone a line, "2025-09-30 完成可研批复".
    pub milestones: String,
    /// The version the edit was loaded at (edits only).
    #[serde(deserialize_with = "de_text")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

struct Valid {
    title: String,
    source: TaskSource,
    source_note: String,
    lead_leader_id: i64,
    department_id: i64,
    collaborating: Vec<i64>,
    assigned: NaiveDate,
    deadline: NaiveDate,
    working_days: Option<i32>,
    evidence: String,
    milestones: Vec<(NaiveDate, String)>,
}

/// The sources as "年度计划、省委巡视整改、…".
fn source_list() -> String {
    TaskSource::ALL.iter().map(|s| s.label()).collect::<Vec<_>>().join("、")
}

/// Checks a form; `current` is the task being edited (its leader may stay even if inactive) and
/// `existing` its milestones (which must fit the new dates).
fn validate(
    f: &TaskForm,
    n: &Names,
    current: Option<&task::Model>,
    existing: &[task_milestone::Model],
) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let title = e.required("title", "任务名称", &f.title, NAME_MAX);
    let source = TaskSource::parse(&f.source);
    if source.is_none() {
        if f.source.trim().is_empty() {
            e.add("source", "请选择任务来源");
        } else {
            e.add("source", format!("任务来源“{}”无效，应为{}之一", f.source.trim(), source_list()));
        }
    }
    let source_note = e.optional("source_note", "来源说明", &f.source_note, NAME_MAX).unwrap_or_default();
    let leader = opt_id(&mut e, "lead_leader_id", "牵头领导", &f.lead_leader_id);
    if leader.is_none() && e.message_for("lead_leader_id").is_none() {
        e.add("lead_leader_id", "请选择牵头领导（由牵头领导审核销号）");
    }
    n.l.check_leader(&mut e, "lead_leader_id", leader, current.and_then(|c| c.lead_leader_id));
    if let Some(m) = e.message_for("lead_leader_id").map(str::to_string) {
        // the lookups' wording speaks of 包联领导; a task has a 牵头领导
        let i = e.errors.iter().position(|x| x.field == "lead_leader_id").expect("present");
        e.errors[i].message = m.replace("包联领导", "牵头领导");
    }
    let department = opt_id(&mut e, "department_id", "责任科室", &f.department_id);
    match department {
        None if e.message_for("department_id").is_none() => {
            e.add("department_id", "任务须明确责任科室：请选择责任科室")
        }
        Some(d) if !n.l.departments.contains_key(&d) => e.add("department_id", "所选责任科室不属于本开发区"),
        _ => {}
    }
    let mut collaborating = Vec::new();
    for raw in f.collaborating_ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match raw.parse::<i64>() {
            Ok(d) if !n.l.departments.contains_key(&d) => {
                e.add("collaborating_ids", "所选协办科室不属于本开发区");
            }
            Ok(d) if Some(d) == department => {
                let name = n.l.department(Some(d)).unwrap_or_default();
                e.add("collaborating_ids", format!("协办科室不能与责任科室（{name}）相同"));
            }
            Ok(d) => {
                if !collaborating.contains(&d) {
                    collaborating.push(d);
                }
            }
            Err(_) => e.add("collaborating_ids", "请从列表中选择协办科室"),
        }
    }
    let assigned = if f.assigned_date.trim().is_empty() {
        Some(current.map(|c| c.assigned_date).unwrap_or_else(today))
    } else {
        req_date(&mut e, "assigned_date", "交办日期", &f.assigned_date)
    };
    let deadline = match (f.deadline.trim(), f.deadline_days.trim()) {
        ("", "") => {
            e.add("deadline", "完成时限不能为空：请填写日期，或自交办日期起的工作日数");
            None
        }
        (_, "") => parse_deadline(&f.deadline, "完成时限").map_err(|m| e.add("deadline", m)).ok(),
        ("", days) => {
            let text = if days.chars().all(|c| c.is_ascii_digit() || c == '-') {
                format!("{days}个工作日")
            } else {
                days.to_string()
            };
            match parse_deadline(&text, "完成时限（工作日）") {
                Ok(d @ Deadline::WorkingDays(_)) => Some(d),
                Ok(Deadline::Date(_)) | Err(_) => {
                    e.add("deadline_days", format!("完成时限（工作日）“{days}”应为 1 到 365 之间的整数"));
                    None
                }
            }
        }
        (_, _) => {
            e.add("deadline_days", "完成时限请只填一种：日期，或工作日数");
            None
        }
    };
    let mut due = None;
    if let (Some(a), Some(dl)) = (assigned, deadline) {
        let d = dl.resolve(a, &n.cal);
        if d < a {
            e.add("deadline", format!("完成时限 {d} 不能早于交办日期 {a}"));
        } else {
            due = Some(d);
            for m in existing {
                if let Err(msg) = rules::check_milestone(m.due_date, a, d) {
                    e.add("deadline", format!("时间表节点“{}”：{msg}；请先调整该节点", m.title));
                    break;
                }
            }
        }
    }
    let evidence = e.optional("evidence", "佐证材料", &f.evidence, TEXT_MAX).unwrap_or_default();
    let mut milestones = Vec::new();
    for (i, line) in rules::split_milestones(&f.milestones).into_iter().enumerate() {
        match rules::parse_milestone_line(line) {
            Ok((d, t)) => {
                if t.chars().count() > NAME_MAX {
                    e.add("milestones", format!("第 {} 个节点的内容不能超过 {NAME_MAX} 个字", i + 1));
                } else if let (Some(a), Some(dl)) = (assigned, due)
                    && let Err(m) = rules::check_milestone(d, a, dl)
                {
                    e.add("milestones", format!("第 {} 个节点“{t}”：{m}", i + 1));
                }
                milestones.push((d, t));
            }
            Err(m) => e.add("milestones", format!("第 {} 个节点：{m}", i + 1)),
        }
    }
    e.into_result()?;
    Ok(Valid {
        title,
        source: source.expect("checked"),
        source_note,
        lead_leader_id: leader.expect("checked"),
        department_id: department.expect("checked"),
        collaborating,
        assigned: assigned.expect("checked"),
        deadline: due.expect("checked"),
        working_days: match deadline {
            Some(Deadline::WorkingDays(n)) => Some(n as i32),
            _ => None,
        },
        evidence,
        milestones,
    })
}

fn apply(am: &mut task::ActiveModel, v: &Valid) {
    am.title = Set(v.title.clone());
    am.source = Set(v.source.code().to_string());
    am.source_note = Set(v.source_note.clone());
    am.lead_leader_id = Set(Some(v.lead_leader_id));
    am.department_id = Set(v.department_id);
    am.assigned_date = Set(v.assigned);
    am.deadline = Set(v.deadline);
    am.deadline_working_days = Set(v.working_days);
    am.evidence = Set(v.evidence.clone());
}

async fn insert_valid<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    zone_id: i64,
    v: &Valid,
) -> Result<task::Model, StoreError> {
    let now = chrono::Utc::now();
    let mut am = task::ActiveModel {
        zone_id: Set(zone_id),
        status: Set(TaskStatus::InProgress.code().to_string()),
        closed_date: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    apply(&mut am, v);
    let m = am.insert(conn).await?;
    for d in &v.collaborating {
        task_department::ActiveModel { zone_id: Set(zone_id), task_id: Set(m.id), department_id: Set(*d) }
            .insert(conn)
            .await?;
    }
    for (due, title) in &v.milestones {
        task_milestone::ActiveModel {
            zone_id: Set(zone_id),
            task_id: Set(m.id),
            title: Set(title.clone()),
            due_date: Set(*due),
            done_date: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    let mut after = audit_view(&m, &v.collaborating);
    after["milestones"] = json!(v.milestones.iter().map(|(d, t)| format!("{d} {t}")).collect::<Vec<_>>());
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: ENTITY,
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("交办重点工作任务：{}", m.title),
            before: serde_json::Value::Null,
            after,
        },
    )
    .await?;
    Ok(m)
}

/// Assigns a task in the actor's zone.
pub async fn create(db: &Db, actor: &Actor, f: &TaskForm) -> Result<Task, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Assigns a task in `zone_id` (the system actor: the demo loader, the command line).
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &TaskForm) -> Result<Task, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let n = Names::load(db, zone_id).await?;
    let v = validate(f, &n, None, &[])?;
    let txn = db.conn.begin().await?;
    let m = insert_valid(&txn, actor, zone_id, &v).await?;
    txn.commit().await?;
    Ok(to_tasks(db, zone_id, vec![m], &n).await?.remove(0))
}

async fn find_writable(db: &Db, actor: &Actor, id: i64) -> Result<task::Model, StoreError> {
    actor.require(Permission::Write)?;
    let m = task::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    Ok(m)
}

async fn collaborators<C: ConnectionTrait>(conn: &C, zone_id: i64, task_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(task_department::Entity::find()
        .filter(task_department::Column::ZoneId.eq(zone_id))
        .filter(task_department::Column::TaskId.eq(task_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.department_id)
        .collect())
}

async fn milestones_of<C: ConnectionTrait>(
    conn: &C,
    zone_id: i64,
    task_id: i64,
) -> Result<Vec<task_milestone::Model>, StoreError> {
    Ok(task_milestone::Entity::find()
        .filter(task_milestone::Column::ZoneId.eq(zone_id))
        .filter(task_milestone::Column::TaskId.eq(task_id))
        .order_by_asc(task_milestone::Column::DueDate)
        .order_by_asc(task_milestone::Column::Id)
        .all(conn)
        .await?)
}

/// Saves `am` over `before` if its version (and status) are still current, with an audit
/// record; returns the row after.
async fn save<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    before: &task::Model,
    mut am: task::ActiveModel,
    summary: String,
    collab: (&[i64], &[i64]),
) -> Result<task::Model, StoreError> {
    am.version = Set(before.version + 1);
    am.updated_at = Set(chrono::Utc::now());
    let res = task::Entity::update_many()
        .set(am)
        .filter(task::Column::Id.eq(before.id))
        .filter(task::Column::ZoneId.eq(before.zone_id))
        .filter(task::Column::Version.eq(before.version))
        .filter(task::Column::Status.eq(before.status.clone()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = task::Entity::find_by_id(before.id).one(conn).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(before.zone_id),
            entity: ENTITY,
            entity_id: Some(before.id.to_string()),
            action: Action::Update,
            summary,
            before: audit_view(before, collab.0),
            after: audit_view(&after, collab.1),
        },
    )
    .await?;
    Ok(after)
}

/// Changes a task (not its status; a closed task is no longer changed). The version in the
/// form, when given, must still be current.
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &TaskForm) -> Result<Task, StoreError> {
    let m = find_writable(db, actor, id).await?;
    if let Ok(v) = f.version.trim().parse::<i32>()
        && v != m.version
    {
        return Err(StoreError::Stale);
    }
    if status_of(&m) == TaskStatus::Closed {
        return Err(Invalid::one("version", "任务已销号，不能再修改").into());
    }
    let n = Names::load(db, m.zone_id).await?;
    let existing = milestones_of(&db.conn, m.zone_id, id).await?;
    let v = validate(&TaskForm { milestones: String::new(), ..f.clone() }, &n, Some(&m), &existing)?;
    let before_collab = collaborators(&db.conn, m.zone_id, id).await?;
    let mut am = m.clone().into_active_model();
    apply(&mut am, &v);
    let txn = db.conn.begin().await?;
    task_department::Entity::delete_many()
        .filter(task_department::Column::ZoneId.eq(m.zone_id))
        .filter(task_department::Column::TaskId.eq(id))
        .exec(&txn)
        .await?;
    for d in &v.collaborating {
        task_department::ActiveModel { zone_id: Set(m.zone_id), task_id: Set(id), department_id: Set(*d) }
            .insert(&txn)
            .await?;
    }
    let after =
        save(&txn, actor, &m, am, format!("修改重点工作任务 #{id}"), (&before_collab, &v.collaborating)).await?;
    txn.commit().await?;
    Ok(to_tasks(db, m.zone_id, vec![after], &n).await?.remove(0))
}

// ---------------------------------------------------------------------------------------------
// Milestones
// ---------------------------------------------------------------------------------------------

/// A milestone as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MilestoneForm {
    pub title: String,
    pub due_date: String,
    /// 完成日期 (empty: not done).
    pub done_date: String,
}

fn check_milestone_form(f: &MilestoneForm, t: &task::Model) -> Result<(String, NaiveDate, Option<NaiveDate>), Invalid> {
    let mut e = Invalid::new();
    if status_of(t) == TaskStatus::Closed {
        e.add("title", "任务已销号，不能再修改时间表");
    }
    let title = e.required("title", "节点内容", &f.title, NAME_MAX);
    let due = req_date(&mut e, "due_date", "节点日期", &f.due_date);
    if let Some(d) = due
        && let Err(m) = rules::check_milestone(d, t.assigned_date, t.deadline)
    {
        e.add("due_date", m);
    }
    let done = opt_date(&mut e, "done_date", "完成日期", &f.done_date);
    if let Some(d) = done {
        if d > today() {
            e.add("done_date", "完成日期不能晚于今天");
        } else if d < t.assigned_date {
            e.add("done_date", format!("完成日期不能早于交办日期 {}", t.assigned_date));
        }
    }
    e.into_result()?;
    Ok((title, due.expect("checked"), done))
}

fn milestone_view(m: &task_milestone::Model) -> serde_json::Value {
    json!({"milestone": m.title, "due_date": m.due_date.to_string(), "done_date": m.done_date.map(|d| d.to_string())})
}

/// Adds a milestone to a task's timetable (on or after assignment, on or before the deadline).
pub async fn add_milestone(db: &Db, actor: &Actor, task_id: i64, f: &MilestoneForm) -> Result<Milestone, StoreError> {
    let t = find_writable(db, actor, task_id).await?;
    let (title, due, done) = check_milestone_form(f, &t)?;
    let txn = db.conn.begin().await?;
    let m = task_milestone::ActiveModel {
        zone_id: Set(t.zone_id),
        task_id: Set(task_id),
        title: Set(title),
        due_date: Set(due),
        done_date: Set(done),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(t.zone_id),
            entity: ENTITY,
            entity_id: Some(task_id.to_string()),
            action: Action::Update,
            summary: format!("任务 #{task_id} 添加时间表节点：{} {}", m.due_date, m.title),
            before: serde_json::Value::Null,
            after: milestone_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_milestone(m, today()))
}

/// Changes a milestone (its text, date, or done date: marking it done).
pub async fn update_milestone(
    db: &Db,
    actor: &Actor,
    task_id: i64,
    milestone_id: i64,
    f: &MilestoneForm,
) -> Result<Milestone, StoreError> {
    let t = find_writable(db, actor, task_id).await?;
    let m = task_milestone::Entity::find_by_id(milestone_id)
        .filter(task_milestone::Column::ZoneId.eq(t.zone_id))
        .filter(task_milestone::Column::TaskId.eq(task_id))
        .one(&db.conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let (title, due, done) = check_milestone_form(f, &t)?;
    let mut am = m.clone().into_active_model();
    am.title = Set(title);
    am.due_date = Set(due);
    am.done_date = Set(done);
    let txn = db.conn.begin().await?;
    let after = am.update(&txn).await?;
    let what = match (m.done_date, after.done_date) {
        (None, Some(d)) => format!("完成（{d}）"),
        _ => "修改".to_string(),
    };
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(t.zone_id),
            entity: ENTITY,
            entity_id: Some(task_id.to_string()),
            action: Action::Update,
            summary: format!("任务 #{task_id} 时间表节点“{}”{what}", after.title),
            before: milestone_view(&m),
            after: milestone_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_milestone(after, today()))
}

/// Marks a milestone done on `date` (today when empty).
pub async fn mark_milestone_done(
    db: &Db,
    actor: &Actor,
    task_id: i64,
    milestone_id: i64,
    date: &str,
) -> Result<Milestone, StoreError> {
    actor.require(Permission::Write)?;
    let m = task_milestone::Entity::find_by_id(milestone_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    if m.task_id != task_id {
        return Err(StoreError::NotFound);
    }
    let date = if date.trim().is_empty() { today().to_string() } else { date.trim().to_string() };
    let f = MilestoneForm { title: m.title.clone(), due_date: m.due_date.to_string(), done_date: date };
    update_milestone(db, actor, task_id, milestone_id, &f).await
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

/// One step: `progress` (note required), `submit`, `close` or `return` (reason required).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = TaskStepForm)]
pub struct StepForm {
    /// progress (报送进展), submit (提交办结), close (审核销号), return (退回).
    pub action: String,
    /// Today when empty.
    pub date: String,
    /// 进展情况, 办结情况, 审核意见 or 退回理由.
    pub note: String,
}

/// Who the actor is for `t`: a user of its responsible department, its lead leader, an admin.
async fn who(db: &Db, actor: &Actor, t: &task::Model) -> Result<Who, StoreError> {
    if actor.is_system() {
        return Ok(Who { in_department: false, is_lead_leader: false, is_admin: true });
    }
    let department = match actor.user_id {
        Some(uid) => user::Entity::find_by_id(uid).one(&db.conn).await?.and_then(|u| u.department_id),
        None => None,
    };
    Ok(Who {
        in_department: department == Some(t.department_id),
        is_lead_leader: actor.user_id.is_some() && actor.user_id == t.lead_leader_id,
        is_admin: actor.role == Role::Admin,
    })
}

/// The actions `who` may take on a task in `status` now (for the page's step form).
pub fn allowed_actions(status: TaskStatus, who: Who) -> Vec<TaskAction> {
    TaskAction::ALL.iter().copied().filter(|a| rules::transition(status, *a, who).is_ok()).collect()
}

/// What the actor may do on the task now.
pub async fn actions_for(db: &Db, actor: &Actor, t: &Task) -> Result<Vec<TaskAction>, StoreError> {
    if actor.require(Permission::Write).is_err() {
        return Ok(Vec::new());
    }
    let m = task::Entity::find_by_id(t.id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    Ok(allowed_actions(t.status, who(db, actor, &m).await?))
}

/// Takes a step on a task: checks who may, the status, the date (between assignment and today,
/// not before the previous step) and the note; writes the step, the new status and the audit
/// record in one transaction.
pub async fn step(db: &Db, actor: &Actor, task_id: i64, f: &StepForm) -> Result<Step, StoreError> {
    let t = find_writable(db, actor, task_id).await?;
    let mut e = Invalid::new();
    let action = TaskAction::parse(&f.action);
    if action.is_none() {
        e.add("action", "请选择操作");
    }
    let now = today();
    let date = if f.date.trim().is_empty() { Some(now) } else { req_date(&mut e, "date", "日期", &f.date) };
    if let Some(d) = date {
        if d > now {
            e.add("date", "日期不能晚于今天");
        } else if d < t.assigned_date {
            e.add("date", format!("日期不能早于交办日期 {}", t.assigned_date));
        }
    }
    let note = e.optional("note", "说明", &f.note, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    let (action, date) = (action.expect("checked"), date.expect("checked"));
    let status = status_of(&t);
    let next = rules::transition(status, action, who(db, actor, &t).await?).map_err(|m| Invalid::one("action", m))?;
    if let Some(msg) = rules::note_required(action)
        && note.is_empty()
    {
        return Err(Invalid::one("note", msg).into());
    }
    let last = task_step::Entity::find()
        .filter(task_step::Column::ZoneId.eq(t.zone_id))
        .filter(task_step::Column::TaskId.eq(task_id))
        .order_by_desc(task_step::Column::StepDate)
        .one(&db.conn)
        .await?;
    if let Some(last) = last
        && date < last.step_date
    {
        let label = TaskAction::parse(&last.action).map(|a| a.label()).unwrap_or("");
        return Err(Invalid::one("date", format!("日期不能早于上一步（{}，{label}）", last.step_date)).into());
    }
    let collab = collaborators(&db.conn, t.zone_id, task_id).await?;
    let mut am = t.clone().into_active_model();
    am.status = Set(next.code().to_string());
    am.closed_date = Set(if next == TaskStatus::Closed { Some(date) } else { None });
    let txn = db.conn.begin().await?;
    let short: String = note.chars().take(40).collect();
    let summary = if short.is_empty() {
        format!("任务 #{task_id}：{}", action.label())
    } else {
        format!("任务 #{task_id}：{}（{short}）", action.label())
    };
    save(&txn, actor, &t, am, summary, (&collab, &collab)).await?;
    let s = task_step::ActiveModel {
        zone_id: Set(t.zone_id),
        task_id: Set(task_id),
        action: Set(action.code().to_string()),
        step_date: Set(date),
        note: Set(note),
        actor_id: Set(actor.user_id),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let l = Lookups::load(db, t.zone_id).await?;
    Ok(to_step(s, &l))
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

async fn find_visible(db: &Db, scope: &Scope, id: i64) -> Result<task::Model, StoreError> {
    let m = task::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(m)
}

/// A task with its timetable and its steps (oldest first).
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<(Task, Vec<Milestone>, Vec<Step>), StoreError> {
    let m = find_visible(db, scope, id).await?;
    let zone_id = m.zone_id;
    let n = Names::load(db, zone_id).await?;
    let now = today();
    let milestones = milestones_of(&db.conn, zone_id, id).await?.into_iter().map(|x| to_milestone(x, now)).collect();
    let steps = task_step::Entity::find()
        .filter(task_step::Column::ZoneId.eq(zone_id))
        .filter(task_step::Column::TaskId.eq(id))
        .order_by_asc(task_step::Column::StepDate)
        .order_by_asc(task_step::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|s| to_step(s, &n.l))
        .collect();
    let t = to_tasks(db, zone_id, vec![m], &n).await?.remove(0);
    Ok((t, milestones, steps))
}

/// Filters of the task list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    /// Source code (annual_plan, provincial_inspection, …).
    pub source: String,
    /// Department id: responsible or collaborating.
    pub department: String,
    /// Lead leader (user id).
    pub leader: String,
    /// in_progress, submitted, closed, or "open" (not closed).
    pub status: String,
    /// "1": open and past the deadline.
    pub overdue: String,
    /// Part of the title.
    pub q: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

impl TaskFilter {
    /// The filter as (key, value) pairs (the list's links).
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("source", &self.source),
            ("department", &self.department),
            ("leader", &self.leader),
            ("status", &self.status),
            ("overdue", &self.overdue),
            ("q", &self.q),
        ]
    }
}

async fn filtered(
    db: &Db,
    zone_id: i64,
    f: &TaskFilter,
    now: NaiveDate,
) -> Result<sea_orm::Select<task::Entity>, StoreError> {
    let mut q = task::Entity::find().filter(task::Column::ZoneId.eq(zone_id));
    match f.status.trim() {
        "" => {}
        "open" => q = q.filter(task::Column::Status.ne(TaskStatus::Closed.code())),
        s => match TaskStatus::parse(s) {
            Some(st) => q = q.filter(task::Column::Status.eq(st.code())),
            None => return Err(Invalid::one("status", format!("状态“{s}”无效")).into()),
        },
    }
    if !f.source.trim().is_empty() {
        match TaskSource::parse(&f.source) {
            Some(s) => q = q.filter(task::Column::Source.eq(s.code())),
            None => return Err(Invalid::one("source", format!("任务来源“{}”无效", f.source.trim())).into()),
        }
    }
    let id = |s: &str| s.trim().parse::<i64>().ok();
    if let Some(d) = id(&f.department) {
        let helping: Vec<i64> = task_department::Entity::find()
            .filter(task_department::Column::ZoneId.eq(zone_id))
            .filter(task_department::Column::DepartmentId.eq(d))
            .all(&db.conn)
            .await?
            .into_iter()
            .map(|r| r.task_id)
            .collect();
        q = q.filter(Condition::any().add(task::Column::DepartmentId.eq(d)).add(task::Column::Id.is_in(helping)));
    }
    if let Some(u) = id(&f.leader) {
        q = q.filter(task::Column::LeadLeaderId.eq(u));
    }
    if f.overdue.trim() == "1" {
        q = q.filter(task::Column::Status.ne(TaskStatus::Closed.code())).filter(task::Column::Deadline.lt(now));
    }
    if !f.q.trim().is_empty() {
        q = q.filter(task::Column::Title.contains(f.q.trim()));
    }
    Ok(q)
}

/// The zone's tasks matching `f`, open ones first by deadline, a page at a time.
pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &TaskFilter) -> Result<Page<Task>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let now = today();
    let q = filtered(db, zone_id, f, now).await?.order_by_asc(task::Column::Deadline).order_by_asc(task::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    let n = Names::load(db, zone_id).await?;
    Ok(Page { rows: to_tasks(db, zone_id, rows, &n).await?, total, page, per_page })
}

/// The rows of the XLSX export: every task matching `f` with its timetable.
pub async fn export_rows(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    f: &TaskFilter,
) -> Result<Vec<(Task, Vec<Milestone>)>, StoreError> {
    let all = list(db, scope, zone_id, &TaskFilter { page: Some(1), per_page: Some(10_000), ..f.clone() }).await?;
    let ids: Vec<i64> = all.rows.iter().map(|t| t.id).collect();
    let now = today();
    let mut miles: BTreeMap<i64, Vec<Milestone>> = BTreeMap::new();
    for m in task_milestone::Entity::find()
        .filter(task_milestone::Column::ZoneId.eq(zone_id))
        .filter(task_milestone::Column::TaskId.is_in(ids))
        .order_by_asc(task_milestone::Column::DueDate)
        .order_by_asc(task_milestone::Column::Id)
        .all(&db.conn)
        .await?
    {
        miles.entry(m.task_id).or_default().push(to_milestone(m, now));
    }
    Ok(all
        .rows
        .into_iter()
        .map(|t| {
            let m = miles.remove(&t.id).unwrap_or_default();
            (t, m)
        })
        .collect())
}

/// Counts for the list's header, each the total of a filter (open, submitted, closed, overdue).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TaskCounts {
    pub total: u64,
    pub in_progress: u64,
    pub submitted: u64,
    pub closed: u64,
    pub overdue: u64,
}

pub async fn counts(db: &Db, scope: &Scope, zone_id: i64) -> Result<TaskCounts, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let now = today();
    let all = task::Entity::find().filter(task::Column::ZoneId.eq(zone_id)).all(&db.conn).await?;
    let by = |s: TaskStatus| all.iter().filter(|m| status_of(m) == s).count() as u64;
    Ok(TaskCounts {
        total: all.len() as u64,
        in_progress: by(TaskStatus::InProgress),
        submitted: by(TaskStatus::Submitted),
        closed: by(TaskStatus::Closed),
        overdue: all.iter().filter(|m| rules::overdue(status_of(m), m.deadline, now)).count() as u64,
    })
}

// ---------------------------------------------------------------------------------------------
// What waits on a user, and the escalation
// ---------------------------------------------------------------------------------------------

/// One item of a user's to-do list from this module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TaskTodo {
    /// `task` (报送进展 / 提交办结), `milestone` (a timetable node) or `review` (审核销号).
    pub kind: String,
    pub task_id: i64,
    pub milestone_id: Option<i64>,
    /// e.g. "待审核：推动瑞恒新材料开工建设", "时间表节点：… — 完成施工许可".
    pub title: String,
    pub due_date: NaiveDate,
    pub overdue: bool,
    /// Due within 3 working days (not overdue).
    pub due_soon: bool,
    pub link: String,
}

/// What waits on `user` on `today`: the open (进行中) tasks of the user's department and their
/// milestones not done; the submitted tasks the user reviews as lead leader. Overdue first,
/// then by due date.
pub async fn waiting_on(db: &Db, user: &crate::users::User, today: NaiveDate) -> Result<Vec<TaskTodo>, StoreError> {
    let Some(zone_id) = user.zone_id else { return Ok(Vec::new()) };
    let cal = crate::calendar::load_unchecked(&db.conn, zone_id).await?;
    let mut out = Vec::new();
    let soon = |s: TaskStatus, d: NaiveDate| rules::due_soon(s, d, today, &cal);
    if let Some(dept) = user.department_id {
        let mine = task::Entity::find()
            .filter(task::Column::ZoneId.eq(zone_id))
            .filter(task::Column::DepartmentId.eq(dept))
            .filter(task::Column::Status.eq(TaskStatus::InProgress.code()))
            .all(&db.conn)
            .await?;
        let ids: Vec<i64> = mine.iter().map(|t| t.id).collect();
        let open_miles = task_milestone::Entity::find()
            .filter(task_milestone::Column::ZoneId.eq(zone_id))
            .filter(task_milestone::Column::TaskId.is_in(ids))
            .filter(task_milestone::Column::DoneDate.is_null())
            .all(&db.conn)
            .await?;
        let titles: HashMap<i64, &str> = mine.iter().map(|t| (t.id, t.title.as_str())).collect();
        for t in &mine {
            let s = status_of(t);
            out.push(TaskTodo {
                kind: "task".into(),
                task_id: t.id,
                milestone_id: None,
                title: format!("重点工作任务：{}", t.title),
                due_date: t.deadline,
                overdue: rules::overdue(s, t.deadline, today),
                due_soon: soon(s, t.deadline),
                link: format!("/tasks/{}", t.id),
            });
        }
        for m in open_miles {
            let overdue = milestone_overdue(m.done_date, m.due_date, today);
            out.push(TaskTodo {
                kind: "milestone".into(),
                task_id: m.task_id,
                milestone_id: Some(m.id),
                title: format!("时间表节点：{} — {}", titles.get(&m.task_id).copied().unwrap_or(""), m.title),
                due_date: m.due_date,
                overdue,
                due_soon: !overdue && soon(TaskStatus::InProgress, m.due_date),
                link: format!("/tasks/{}#milestone-{}", m.task_id, m.id),
            });
        }
    }
    let review = task::Entity::find()
        .filter(task::Column::ZoneId.eq(zone_id))
        .filter(task::Column::LeadLeaderId.eq(user.id))
        .filter(task::Column::Status.eq(TaskStatus::Submitted.code()))
        .all(&db.conn)
        .await?;
    for t in review {
        let s = status_of(&t);
        out.push(TaskTodo {
            kind: "review".into(),
            task_id: t.id,
            milestone_id: None,
            title: format!("待审核销号：{}", t.title),
            due_date: t.deadline,
            overdue: rules::overdue(s, t.deadline, today),
            due_soon: soon(s, t.deadline),
            link: format!("/tasks/{}", t.id),
        });
    }
    out.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.due_date.cmp(&b.due_date)).then(a.task_id.cmp(&b.task_id)));
    Ok(out)
}

/// The active users of a department.
async fn department_users(db: &Db, zone_id: i64, department_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::ZoneId.eq(zone_id))
        .filter(user::Column::DepartmentId.eq(department_id))
        .filter(user::Column::Active.eq(true))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// One run of the task rules for `today`, in every zone: an open task past its deadline tells
/// the responsible department's users (while it is 进行中) and the lead leader, once per
/// deadline; a task due within 3 working days tells them once per deadline too; a milestone
/// past its date tells the department once. Returns how many notifications were created.
pub async fn run_escalation(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    let open = task::Entity::find()
        .filter(task::Column::Status.ne(TaskStatus::Closed.code()))
        .order_by_asc(task::Column::Id)
        .all(&db.conn)
        .await?;
    let mut cals: HashMap<i64, Calendar> = HashMap::new();
    let mut members: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
    let mut created = 0;
    for t in &open {
        if let Entry::Vacant(e) = cals.entry(t.zone_id) {
            e.insert(crate::calendar::load_unchecked(&db.conn, t.zone_id).await?);
        }
        let cal = &cals[&t.zone_id];
        let status = status_of(t);
        // (step, message to the department, message to the lead leader)
        let (step, to_department, to_leader) = if rules::overdue(status, t.deadline, today) {
            let days = (today - t.deadline).num_days();
            let leader = if status == TaskStatus::Submitted {
                format!("重点工作任务“{}”已提交办结，超过完成时限 {} 已 {days} 天，请审核销号", t.title, t.deadline)
            } else {
                format!("重点工作任务“{}”逾期 {days} 天未办结（完成时限 {}），请督办", t.title, t.deadline)
            };
            (
                format!("overdue:{}", t.deadline),
                format!(
                    "重点工作任务“{}”已超过完成时限 {}（逾期 {days} 天），尚未办结，请抓紧办理",
                    t.title, t.deadline
                ),
                leader,
            )
        } else if rules::due_soon(status, t.deadline, today, cal) {
            (
                format!("due_soon:{}", t.deadline),
                format!("重点工作任务“{}”将于 {} 到期，请抓紧办理", t.title, t.deadline),
                format!("重点工作任务“{}”将于 {} 到期，请督办", t.title, t.deadline),
            )
        } else {
            continue;
        };
        let mut to: BTreeMap<i64, &String> = BTreeMap::new();
        if status == TaskStatus::InProgress {
            let key = (t.zone_id, t.department_id);
            if let Entry::Vacant(e) = members.entry(key) {
                e.insert(department_users(db, t.zone_id, t.department_id).await?);
            }
            to.extend(members[&key].iter().map(|u| (*u, &to_department)));
        }
        if let Some(l) = t.lead_leader_id {
            to.insert(l, &to_leader);
        }
        for (u, message) in to {
            let n = Notice {
                zone_id: t.zone_id,
                user_id: u,
                entity: ENTITY,
                entity_id: t.id.to_string(),
                step: step.clone(),
                message: message.clone(),
                link: format!("/tasks/{}", t.id),
            };
            created += usize::from(notify_once(&db.conn, n).await?);
        }
    }
    // milestones past their date, of tasks still in progress: the department, once per date
    let in_progress: HashMap<i64, &task::Model> =
        open.iter().filter(|t| status_of(t) == TaskStatus::InProgress).map(|t| (t.id, t)).collect();
    let late = task_milestone::Entity::find()
        .filter(task_milestone::Column::DoneDate.is_null())
        .filter(task_milestone::Column::DueDate.lt(today))
        .order_by_asc(task_milestone::Column::Id)
        .all(&db.conn)
        .await?;
    for m in late {
        let Some(t) = in_progress.get(&m.task_id).filter(|t| t.zone_id == m.zone_id) else { continue };
        let key = (t.zone_id, t.department_id);
        if let Entry::Vacant(e) = members.entry(key) {
            e.insert(department_users(db, t.zone_id, t.department_id).await?);
        }
        for u in members[&key].clone() {
            let n = Notice {
                zone_id: t.zone_id,
                user_id: u,
                entity: "task_milestone",
                entity_id: m.id.to_string(),
                step: format!("overdue:{}", m.due_date),
                message: format!("重点工作任务“{}”的节点“{}”已过计划日期 {}，尚未完成", t.title, m.title, m.due_date),
                link: format!("/tasks/{}#milestone-{}", t.id, m.id),
            };
            created += usize::from(notify_once(&db.conn, n).await?);
        }
    }
    Ok(created)
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// One row of an uploaded task list, as text (names, not ids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportRow {
    /// The sheet row, for error messages.
    pub line: u32,
    pub title: String,
    pub source: String,
    /// 牵头领导 (display name).
    pub leader: String,
    /// 责任科室 (name).
    pub department: String,
    /// 协办科室 (names separated by 、 , ， ; or spaces).
    pub collaborating: String,
    /// 交办日期 (today when empty).
    pub assigned_date: String,
    /// 完成时限: a date or "N个工作日".
    pub deadline: String,
    /// 时间表（节点）: one "2025-09-30 节点" a line.
    pub milestones: String,
}

/// A refused row: the sheet row, the column header and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ImportOutcome {
    /// Tasks added, and rows identical to a task already in the list.
    Imported {
        added: usize,
        unchanged: usize,
    },
    Rejected(Vec<RowError>),
}

/// The sheet column of a form field.
pub fn column_of(field: &str) -> &'static str {
    match field {
        "title" => "任务名称",
        "source" | "source_note" => "任务来源",
        "lead_leader_id" => "牵头领导",
        "department_id" => "责任科室",
        "collaborating_ids" => "协办科室",
        "assigned_date" => "交办日期",
        "deadline" | "deadline_days" => "完成时限",
        "milestones" => "时间表（节点）",
        _ => "",
    }
}

/// What identifies a task's content for "unchanged": source, leader, departments, dates and
/// timetable.
type Content = (String, Option<i64>, i64, BTreeSet<i64>, NaiveDate, NaiveDate, BTreeSet<(NaiveDate, String)>);

/// Imports a task list into the zone: every row is checked first (names of leaders and
/// departments, source, deadline, milestones inside it); one bad row and nothing is saved. A
/// row whose title is already a task is accepted when identical (unchanged) and refused when
/// different (the task page changes a task).
pub async fn import(db: &Db, actor: &Actor, zone_id: i64, rows: &[ImportRow]) -> Result<ImportOutcome, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let n = Names::load(db, zone_id).await?;
    let existing: HashMap<String, task::Model> = task::Entity::find()
        .filter(task::Column::ZoneId.eq(zone_id))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| (m.title.clone(), m))
        .collect();
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    let mut unchanged = 0;
    let mut seen: HashMap<String, u32> = HashMap::new();
    for r in rows {
        let mut e: Vec<RowError> = Vec::new();
        let err = |column: &str, reason: String| RowError { line: r.line, column: column.into(), reason };
        let leader = match r.leader.trim() {
            "" => String::new(),
            name => match n.l.leader_id(name) {
                Some(id) => id.to_string(),
                None => {
                    e.push(err("牵头领导", format!("“{name}”不是本开发区“领导”角色的用户")));
                    String::new()
                }
            },
        };
        let department = match r.department.trim() {
            "" => String::new(),
            name => match n.l.department_id(name) {
                Some(id) => id.to_string(),
                None => {
                    e.push(err("责任科室", format!("“{name}”不是本开发区的科室")));
                    String::new()
                }
            },
        };
        let mut collaborating = Vec::new();
        for name in
            r.collaborating.split(['、', ',', '，', ';', '；', '\n', ' ']).map(str::trim).filter(|s| !s.is_empty())
        {
            match n.l.department_id(name) {
                Some(id) => collaborating.push(id.to_string()),
                None => e.push(err("协办科室", format!("“{name}”不是本开发区的科室"))),
            }
        }
        let form = TaskForm {
            title: r.title.clone(),
            source: r.source.clone(),
            lead_leader_id: leader,
            department_id: department,
            collaborating_ids: collaborating,
            assigned_date: r.assigned_date.clone(),
            deadline: r.deadline.clone(),
            milestones: r.milestones.clone(),
            ..Default::default()
        };
        match validate(&form, &n, None, &[]) {
            Ok(v) if e.is_empty() => {
                if let Some(first) = seen.get(&v.title) {
                    errors.push(err("任务名称", format!("任务名称“{}”与第 {first} 行重复", v.title)));
                    continue;
                }
                seen.insert(v.title.clone(), r.line);
                if let Some(m) = existing.get(&v.title) {
                    let mine: Content = (
                        v.source.code().to_string(),
                        Some(v.lead_leader_id),
                        v.department_id,
                        v.collaborating.iter().copied().collect(),
                        v.assigned,
                        v.deadline,
                        v.milestones.iter().cloned().collect(),
                    );
                    let theirs: Content = (
                        m.source.clone(),
                        m.lead_leader_id,
                        m.department_id,
                        collaborators(&db.conn, zone_id, m.id).await?.into_iter().collect(),
                        m.assigned_date,
                        m.deadline,
                        milestones_of(&db.conn, zone_id, m.id)
                            .await?
                            .into_iter()
                            .map(|x| (x.due_date, x.title))
                            .collect(),
                    );
                    if mine == theirs {
                        unchanged += 1;
                    } else {
                        errors.push(err(
                            "任务名称",
                            format!(
                                "任务“{}”已在清单中，且与表中内容不同；请在任务页修改，或使用新的任务名称",
                                v.title
                            ),
                        ));
                    }
                    continue;
                }
                valid.push(v);
            }
            Ok(_) => errors.extend(e),
            Err(inv) => {
                // a name not found already says why; the form's "请选择" would repeat it
                let named: HashSet<String> = e.iter().map(|x| x.column.clone()).collect();
                errors.extend(e);
                for fe in inv.errors {
                    let column = column_of(&fe.field);
                    if !named.contains(column) {
                        errors.push(err(column, fe.message));
                    }
                }
            }
        }
    }
    if rows.is_empty() {
        errors.push(RowError { line: 0, column: String::new(), reason: "表格中没有任务".into() });
    }
    if !errors.is_empty() {
        return Ok(ImportOutcome::Rejected(errors));
    }
    let txn = db.conn.begin().await?;
    for v in &valid {
        insert_valid(&txn, actor, zone_id, v).await?;
    }
    txn.commit().await?;
    Ok(ImportOutcome::Imported { added: valid.len(), unchanged })
}
