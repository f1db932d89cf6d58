//! Contacts with investors (对接记录): visits, receptions, calls, fairs. An edit carries the
//! record's optimistic `version` (a stale one is refused).

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::project::ContactForm as Form;
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{contact, project};
use crate::lookups::{Lookups, opt_date, opt_id, project_names, req_date, today};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: i64,
    pub zone_id: i64,
    pub date: NaiveDate,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    /// An investor not yet entered as a project.
    pub lead_name: Option<String>,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub form: Form,
    pub place: Option<String>,
    pub participants: Option<String>,
    pub summary: String,
    pub next_step: Option<String>,
    pub next_date: Option<NaiveDate>,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

impl Contact {
    pub fn subject(&self) -> String {
        self.project.clone().or_else(|| self.lead_name.clone()).unwrap_or_default()
    }
}

fn to_contact(m: contact::Model, l: &Lookups, projects: &std::collections::HashMap<i64, String>) -> Contact {
    Contact {
        project: m.project_id.and_then(|p| projects.get(&p).cloned()),
        team: l.dict_value(m.team_id),
        id: m.id,
        zone_id: m.zone_id,
        date: m.contact_date,
        project_id: m.project_id,
        lead_name: m.lead_name,
        team_id: m.team_id,
        form: Form::parse(&m.form).unwrap_or(Form::Other),
        place: m.place,
        participants: m.participants,
        summary: m.summary,
        next_step: m.next_step,
        next_date: m.next_date,
        version: m.version,
    }
}

fn audit_view(m: &contact::Model) -> serde_json::Value {
    json!({
        "date": m.contact_date.to_string(), "project_id": m.project_id, "lead_name": m.lead_name,
        "team_id": m.team_id, "form": m.form, "place": m.place, "participants": m.participants,
        "summary": m.summary, "next_step": m.next_step, "next_date": m.next_date.map(|d| d.to_string()),
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContactFormInput {
    pub date: String,
    pub project_id: String,
    pub lead_name: String,
    pub team_id: String,
    /// visit, reception, video, fair, other.
    pub form: String,
    pub place: String,
    pub participants: String,
    pub summary: String,
    pub next_step: String,
    pub next_date: String,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

struct Valid {
    date: NaiveDate,
    project_id: Option<i64>,
    lead_name: Option<String>,
    team_id: Option<i64>,
    form: Form,
    place: Option<String>,
    participants: Option<String>,
    summary: String,
    next_step: Option<String>,
    next_date: Option<NaiveDate>,
}

async fn validate(
    db: &Db,
    zone_id: i64,
    f: &ContactFormInput,
    l: &Lookups,
    current: Option<i64>,
) -> Result<Valid, StoreError> {
    let mut e = Invalid::new();
    let date = req_date(&mut e, "date", "对接日期", &f.date);
    if let Some(d) = date
        && d > today()
    {
        e.add("date", format!("对接日期 {d} 晚于今天：请记录已经发生的对接"));
    }
    let project_id = opt_id(&mut e, "project_id", "项目", &f.project_id);
    if let Some(p) = project_id {
        let found = project::Entity::find_by_id(p).filter(project::Column::ZoneId.eq(zone_id)).one(&db.conn).await?;
        if found.is_none() {
            e.add("project_id", "所选项目不属于本开发区");
        }
    }
    let lead_name = e.optional("lead_name", "对接对象", &f.lead_name, NAME_MAX);
    if project_id.is_none() && lead_name.is_none() {
        e.add("project_id", "请选择项目，或填写尚未立项的对接对象名称");
    }
    let team_id = opt_id(&mut e, "team_id", "招商小分队", &f.team_id);
    l.check_dict(&mut e, "team_id", "招商小分队", "promotion_team", team_id, current);
    let form = Form::parse(&f.form);
    if form.is_none() {
        e.add("form", "请选择对接形式");
    }
    let place = e.optional("place", "地点", &f.place, NAME_MAX);
    let participants = e.optional("participants", "参加人员", &f.participants, TEXT_MAX);
    let summary = e.required("summary", "对接内容", &f.summary, TEXT_MAX);
    let next_step = e.optional("next_step", "下一步工作", &f.next_step, TEXT_MAX);
    let next_date = opt_date(&mut e, "next_date", "下一步日期", &f.next_date);
    if let (Some(d), Some(n)) = (date, next_date)
        && n < d
    {
        e.add("next_date", "下一步日期不能早于对接日期");
    }
    e.into_result()?;
    Ok(Valid {
        date: date.expect("checked"),
        project_id,
        lead_name,
        team_id,
        form: form.expect("checked"),
        place,
        participants,
        summary,
        next_step,
        next_date,
    })
}

fn apply(am: &mut contact::ActiveModel, v: Valid) {
    am.contact_date = Set(v.date);
    am.project_id = Set(v.project_id);
    am.lead_name = Set(v.lead_name);
    am.team_id = Set(v.team_id);
    am.form = Set(v.form.code().to_string());
    am.place = Set(v.place);
    am.participants = Set(v.participants);
    am.summary = Set(v.summary);
    am.next_step = Set(v.next_step);
    am.next_date = Set(v.next_date);
    am.updated_at = Set(chrono::Utc::now());
}

pub async fn create(db: &Db, actor: &Actor, f: &ContactFormInput) -> Result<Contact, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &ContactFormInput) -> Result<Contact, StoreError> {
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let v = validate(db, zone_id, f, &l, None).await?;
    let txn = db.conn.begin().await?;
    let mut am = contact::ActiveModel {
        zone_id: Set(zone_id),
        created_by: Set(actor.user_id),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    apply(&mut am, v);
    let m = am.insert(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "contact",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增对接记录 {}", m.contact_date),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    let names = project_names(db, zone_id).await?;
    Ok(to_contact(m, &l, &names))
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &ContactFormInput) -> Result<Contact, StoreError> {
    actor.require(Permission::Write)?;
    let before = contact::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    let l = Lookups::load(db, before.zone_id).await?;
    let v = validate(db, before.zone_id, f, &l, before.team_id).await?;
    let expected = StoreError::expected_version(&f.version, before.version)?;
    let txn = db.conn.begin().await?;
    let mut am = before.clone().into_active_model();
    apply(&mut am, v);
    am.version = Set(expected + 1);
    // only the version the edit was made on may be overwritten; a stale edit changes nothing
    let res = contact::Entity::update_many()
        .set(am)
        .filter(contact::Column::Id.eq(id))
        .filter(contact::Column::ZoneId.eq(zone_id))
        .filter(contact::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = contact::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "contact",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改对接记录 {}", after.contact_date),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    let names = project_names(db, after.zone_id).await?;
    Ok(to_contact(after, &l, &names))
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Contact, StoreError> {
    let m = contact::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let names = project_names(db, m.zone_id).await?;
    Ok(to_contact(m, &l, &names))
}

/// Filters of the contact list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ContactFilter {
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day (YYYY-MM-DD).
    pub to: String,
    pub team: String,
    pub project: String,
    pub page: Option<u64>,
    /// Rows per page (API: at most 500; also accepted as `limit`).
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &ContactFilter) -> Result<Page<Contact>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = crate::lookups::date_range(
        contact::Entity::find().filter(contact::Column::ZoneId.eq(zone_id)),
        contact::Column::ContactDate,
        &f.from,
        &f.to,
    )?;
    if let Ok(t) = f.team.trim().parse::<i64>() {
        q = q.filter(contact::Column::TeamId.eq(t));
    }
    if let Ok(p) = f.project.trim().parse::<i64>() {
        q = q.filter(contact::Column::ProjectId.eq(p));
    }
    let (rows, total, page, per_page) = crate::fetch_page(
        &db.conn,
        q.order_by_desc(contact::Column::ContactDate).order_by_desc(contact::Column::Id),
        f.page,
        f.per_page,
        10_000,
    )
    .await?;
    let l = Lookups::load(db, zone_id).await?;
    let names = project_names(db, zone_id).await?;
    Ok(Page { rows: rows.into_iter().map(|m| to_contact(m, &l, &names)).collect(), total, page, per_page })
}
