//! Dispatch meetings (专题调度会): the projects discussed and the decisions taken; a decision can
//! open a problem or take over an existing one, and the meeting lists what became of each.

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::project::ProblemStatus;
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{meeting, meeting_decision, meeting_project, problem, project};
use crate::lookups::{Lookups, opt_id, req_date, today};
use crate::problems::{self, Problem, ProblemForm};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub zone_id: i64,
    pub date: NaiveDate,
    pub title: String,
    pub chair_id: Option<i64>,
    pub chair: Option<String>,
    pub attendees: String,
    pub minutes: String,
    pub projects: Vec<(i64, String)>,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub id: i64,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub decision: String,
    /// The problem this decision opened or took over, as it stands now.
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingForm {
    pub date: String,
    pub title: String,
    pub chair_id: String,
    pub attendees: String,
    pub minutes: String,
    /// Ids of the projects discussed.
    pub project_ids: Vec<String>,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

fn audit_view(m: &meeting::Model, projects: &[i64]) -> serde_json::Value {
    json!({
        "date": m.meeting_date.to_string(), "title": m.title, "chair_id": m.chair_id,
        "attendees": m.attendees, "minutes": m.minutes, "project_ids": projects,
    })
}

struct Valid {
    date: NaiveDate,
    title: String,
    chair_id: Option<i64>,
    attendees: String,
    minutes: String,
    project_ids: Vec<i64>,
}

async fn validate(db: &Db, zone_id: i64, f: &MeetingForm, l: &Lookups) -> Result<Valid, StoreError> {
    let mut e = Invalid::new();
    let date = req_date(&mut e, "date", "会议日期", &f.date);
    let title = e.required("title", "会议名称", &f.title, NAME_MAX);
    let chair_id = opt_id(&mut e, "chair_id", "主持人", &f.chair_id);
    if let Some(c) = chair_id
        && !l.users.contains_key(&c)
    {
        e.add("chair_id", "主持人不是本开发区的用户");
    }
    let attendees = e.optional("attendees", "参会人员", &f.attendees, TEXT_MAX).unwrap_or_default();
    let minutes = e.optional("minutes", "会议纪要", &f.minutes, TEXT_MAX).unwrap_or_default();
    let mut project_ids = Vec::new();
    for raw in f.project_ids.iter().filter(|s| !s.trim().is_empty()) {
        match raw.trim().parse::<i64>() {
            Ok(id) if !project_ids.contains(&id) => project_ids.push(id),
            Ok(_) => {}
            Err(_) => e.add("project_ids", "请从列表中选择项目"),
        }
    }
    if !project_ids.is_empty() {
        let found = project::Entity::find()
            .filter(project::Column::ZoneId.eq(zone_id))
            .filter(project::Column::Id.is_in(project_ids.clone()))
            .count(&db.conn)
            .await?;
        if found != project_ids.len() as u64 {
            e.add("project_ids", "所选项目中有不属于本开发区的项目");
        }
    }
    e.into_result()?;
    Ok(Valid { date: date.expect("checked"), title, chair_id, attendees, minutes, project_ids })
}

pub async fn create(db: &Db, actor: &Actor, f: &MeetingForm) -> Result<Meeting, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &MeetingForm) -> Result<Meeting, StoreError> {
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let v = validate(db, zone_id, f, &l).await?;
    let now = chrono::Utc::now();
    let txn = db.conn.begin().await?;
    let m = meeting::ActiveModel {
        zone_id: Set(zone_id),
        meeting_date: Set(v.date),
        title: Set(v.title),
        chair_id: Set(v.chair_id),
        attendees: Set(v.attendees),
        minutes: Set(v.minutes),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for p in &v.project_ids {
        meeting_project::ActiveModel { zone_id: Set(zone_id), meeting_id: Set(m.id), project_id: Set(*p) }
            .insert(&txn)
            .await?;
    }
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "meeting",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增调度会 {} {}", m.meeting_date, m.title),
            before: serde_json::Value::Null,
            after: audit_view(&m, &v.project_ids),
        },
    )
    .await?;
    txn.commit().await?;
    get(db, &Scope::System, m.id).await
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &MeetingForm) -> Result<Meeting, StoreError> {
    actor.require(Permission::Write)?;
    let before = meeting::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(before.zone_id)?;
    let l = Lookups::load(db, before.zone_id).await?;
    let v = validate(db, before.zone_id, f, &l).await?;
    let old_projects: Vec<i64> = get(db, &Scope::System, id).await?.projects.iter().map(|(p, _)| *p).collect();
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "meetings", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.meeting_date = Set(v.date);
    am.title = Set(v.title);
    am.chair_id = Set(v.chair_id);
    am.attendees = Set(v.attendees);
    am.minutes = Set(v.minutes);
    am.updated_at = Set(chrono::Utc::now());
    let after = am.update(&txn).await?;
    meeting_project::Entity::delete_many()
        .filter(meeting_project::Column::ZoneId.eq(before.zone_id))
        .filter(meeting_project::Column::MeetingId.eq(id))
        .exec(&txn)
        .await?;
    for p in &v.project_ids {
        meeting_project::ActiveModel { zone_id: Set(before.zone_id), meeting_id: Set(id), project_id: Set(*p) }
            .insert(&txn)
            .await?;
    }
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(before.zone_id),
            entity: "meeting",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改调度会 {}", after.title),
            before: audit_view(&before, &old_projects),
            after: audit_view(&after, &v.project_ids),
        },
    )
    .await?;
    txn.commit().await?;
    get(db, &Scope::System, id).await
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Meeting, StoreError> {
    let m = meeting::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let ids: Vec<i64> = meeting_project::Entity::find()
        .filter(meeting_project::Column::ZoneId.eq(m.zone_id))
        .filter(meeting_project::Column::MeetingId.eq(id))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|r| r.project_id)
        .collect();
    let projects = project::Entity::find()
        .filter(project::Column::ZoneId.eq(m.zone_id))
        .filter(project::Column::Id.is_in(ids))
        .order_by_asc(project::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(Meeting {
        chair: l.user(m.chair_id),
        id: m.id,
        zone_id: m.zone_id,
        date: m.meeting_date,
        title: m.title,
        chair_id: m.chair_id,
        attendees: m.attendees,
        minutes: m.minutes,
        projects,
        version: m.version,
    })
}

/// Meetings of a zone, newest first; `project` limits to those that discussed it.
pub async fn list(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    project: Option<i64>,
    page: u64,
    per_page: u64,
) -> Result<Page<Meeting>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = meeting::Entity::find().filter(meeting::Column::ZoneId.eq(zone_id));
    if let Some(p) = project {
        let ids: Vec<i64> = meeting_project::Entity::find()
            .filter(meeting_project::Column::ZoneId.eq(zone_id))
            .filter(meeting_project::Column::ProjectId.eq(p))
            .all(&db.conn)
            .await?
            .into_iter()
            .map(|r| r.meeting_id)
            .collect();
        q = q.filter(meeting::Column::Id.is_in(ids));
    }
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    let p =
        q.order_by_desc(meeting::Column::MeetingDate).order_by_desc(meeting::Column::Id).paginate(&db.conn, per_page);
    let total = p.num_items().await?;
    let mut rows = Vec::new();
    for m in p.fetch_page(page - 1).await? {
        rows.push(get(db, &Scope::System, m.id).await?);
    }
    Ok(Page { rows, total, page, per_page })
}

/// The decisions of a meeting with the current state of their problems.
pub async fn decisions(db: &Db, scope: &Scope, meeting_id: i64) -> Result<Vec<Decision>, StoreError> {
    let m = get(db, scope, meeting_id).await?;
    let rows = meeting_decision::Entity::find()
        .filter(meeting_decision::Column::ZoneId.eq(m.zone_id))
        .filter(meeting_decision::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_decision::Column::Id)
        .all(&db.conn)
        .await?;
    let mut out = Vec::new();
    for d in rows {
        let problem = match d.problem_id {
            Some(p) => Some(problems::get(db, scope, p).await?),
            None => None,
        };
        let project = match d.project_id {
            Some(p) => project::Entity::find_by_id(p).one(&db.conn).await?.map(|p| p.name),
            None => None,
        };
        out.push(Decision { id: d.id, project_id: d.project_id, project, decision: d.decision, problem });
    }
    Ok(out)
}

/// A decision; `open_problem` opens a new problem from `problem`, or `assign_problem`
/// hands an existing open problem to a department, person and deadline.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DecisionForm {
    pub project_id: String,
    pub decision: String,
    /// "open": open a new problem with the fields below; "assign": take over `problem_id`.
    pub action: String,
    pub problem_id: String,
    pub category: String,
    pub department_id: String,
    pub person: String,
    pub deadline: String,
}

pub async fn add_decision(db: &Db, actor: &Actor, meeting_id: i64, f: &DecisionForm) -> Result<Decision, StoreError> {
    actor.require(Permission::Write)?;
    let m = meeting::Entity::find_by_id(meeting_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(m.zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let mut e = Invalid::new();
    let decision = e.required("decision", "决定事项", &f.decision, TEXT_MAX);
    let project_id = opt_id(&mut e, "project_id", "项目", &f.project_id);
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let problem_id = match f.action.trim() {
        "open" => {
            let pf = ProblemForm {
                project_id: project_id.map(|p| p.to_string()).unwrap_or_default(),
                category: f.category.clone(),
                description: decision.clone(),
                raised_date: m.meeting_date.min(today()).to_string(),
                department_id: f.department_id.clone(),
                person: f.person.clone(),
                deadline: f.deadline.clone(),
                ..Default::default()
            };
            let v = problems::validate(&txn, zone_id, &pf, &l, None).await?;
            Some(problems::insert(&txn, actor, zone_id, v, Some(meeting_id)).await?.id)
        }
        "assign" => {
            let mut e = Invalid::new();
            let pid = opt_id(&mut e, "problem_id", "问题", &f.problem_id);
            let before = match pid {
                Some(p) => problem::Entity::find_by_id(p).filter(problem::Column::ZoneId.eq(zone_id)).one(&txn).await?,
                None => None,
            };
            let Some(before) = before else {
                return Err(Invalid::one("problem_id", "请选择本开发区的一个问题").into());
            };
            if !ProblemStatus::parse(&before.status).is_some_and(ProblemStatus::is_open) {
                return Err(Invalid::one("problem_id", "该问题已办结，不能再交办").into());
            }
            let dept = opt_id(&mut e, "department_id", "责任科室", &f.department_id);
            l.check_department(&mut e, "department_id", dept);
            let person = e.optional("person", "责任人", &f.person, NAME_MAX);
            let deadline = crate::lookups::opt_date(&mut e, "deadline", "办结时限", &f.deadline);
            e.into_result()?;
            let mut am = before.clone().into_active_model();
            if dept.is_some() {
                am.department_id = Set(dept);
            }
            if person.is_some() {
                am.person = Set(person);
            }
            if deadline.is_some() {
                am.deadline = Set(deadline);
            }
            am.meeting_id = Set(Some(meeting_id));
            am.status = Set(ProblemStatus::InProgress.code().to_string());
            // claims the version it read, so an edit of the problem committed meanwhile is not
            // overwritten (that edit claimed it first: this assignment is then stale)
            am.version = Set(crate::versions::claim(&txn, "problems", before.id, "", before.version).await?);
            am.updated_at = Set(chrono::Utc::now());
            let after = am.update(&txn).await?;
            audit::append(
                &txn,
                actor,
                Change {
                    zone_id: Some(zone_id),
                    entity: "problem",
                    entity_id: Some(after.id.to_string()),
                    action: Action::Update,
                    summary: format!("调度会交办问题（会议 #{meeting_id}）"),
                    before: json!({"department_id": before.department_id, "person": before.person, "deadline": before.deadline.map(|d| d.to_string()), "status": before.status}),
                    after: json!({"department_id": after.department_id, "person": after.person, "deadline": after.deadline.map(|d| d.to_string()), "status": after.status}),
                },
            )
            .await?;
            Some(after.id)
        }
        _ => None,
    };
    let d = meeting_decision::ActiveModel {
        zone_id: Set(zone_id),
        meeting_id: Set(meeting_id),
        project_id: Set(project_id),
        decision: Set(decision),
        problem_id: Set(problem_id),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if StoreError::is_foreign_key_violation(&e) {
            StoreError::Invalid(Invalid::one("project_id", "所选项目不属于本开发区"))
        } else {
            StoreError::Db(e)
        }
    })?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "meeting",
            entity_id: Some(meeting_id.to_string()),
            action: Action::Create,
            summary: format!("调度会决定事项：{}", d.decision.chars().take(40).collect::<String>()),
            before: serde_json::Value::Null,
            after: json!({"decision": d.decision, "project_id": d.project_id, "problem_id": d.problem_id}),
        },
    )
    .await?;
    txn.commit().await?;
    let all = decisions(db, &Scope::System, meeting_id).await?;
    all.into_iter().find(|x| x.id == d.id).ok_or(StoreError::NotFound)
}
