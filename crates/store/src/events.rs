//! A project's dated stage events (谋划 … 投产, 暂停, 终止, 恢复). Every change — adding,
//! correcting or removing an event — replays the whole history through the domain rules, then
//! refreshes the project's cached stage and status in the same transaction, audited.

use chrono::{DateTime, NaiveDate, Utc};
use kaifaqu_domain::Invalid;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::stage::{self, Event, EventKind, Position, Stage};
use kaifaqu_domain::validate::TEXT_MAX;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{project, project_event};
use crate::lookups::{Lookups, req_date, today};
use crate::projects::{find_visible, find_writable, status_code};
use crate::{Actor, Db, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectEvent {
    pub id: i64,
    pub project_id: i64,
    /// planning … producing, pause, terminate, resume.
    pub kind: String,
    pub kind_label: String,
    pub date: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn to_event(m: project_event::Model, l: &Lookups) -> ProjectEvent {
    ProjectEvent {
        kind_label: EventKind::parse(&m.kind).map(|k| k.label().to_string()).unwrap_or_else(|| m.kind.clone()),
        recorded_by: l.user(m.recorded_by),
        id: m.id,
        project_id: m.project_id,
        kind: m.kind,
        date: m.event_date,
        note: m.note,
        created_at: m.created_at,
    }
}

fn domain_event(m: &project_event::Model) -> Option<Event> {
    Some(Event { kind: EventKind::parse(&m.kind)?, date: m.event_date, note: m.note.clone() })
}

async fn rows<C: ConnectionTrait>(
    conn: &C,
    zone_id: i64,
    project_id: i64,
) -> Result<Vec<project_event::Model>, StoreError> {
    Ok(project_event::Entity::find()
        .filter(project_event::Column::ZoneId.eq(zone_id))
        .filter(project_event::Column::ProjectId.eq(project_id))
        .order_by_asc(project_event::Column::EventDate)
        .order_by_asc(project_event::Column::Id)
        .all(conn)
        .await?)
}

/// The events of a project, in order.
pub async fn list(db: &Db, scope: &Scope, project_id: i64) -> Result<Vec<ProjectEvent>, StoreError> {
    let p = find_visible(db, scope, project_id).await?;
    let l = Lookups::load(db, p.zone_id).await?;
    Ok(rows(&db.conn, p.zone_id, project_id).await?.into_iter().map(|m| to_event(m, &l)).collect())
}

/// The raw fields of the event form.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventForm {
    /// planning, negotiating, signed, landed, started, producing, pause, terminate, resume.
    pub kind: String,
    /// YYYY-MM-DD, not in the future.
    pub date: String,
    pub note: String,
}

fn parse_form(f: &EventForm, kind_fixed: Option<EventKind>) -> Result<Event, Invalid> {
    let mut e = Invalid::new();
    let kind = kind_fixed.or_else(|| EventKind::parse(&f.kind));
    if kind.is_none() {
        e.add("kind", "请选择节点（谋划、洽谈、签约、落地、开工、投产、暂停、终止或恢复）");
    }
    let date = req_date(&mut e, "date", "日期", &f.date);
    if let Some(d) = date
        && d > today()
    {
        e.add("date", format!("日期 {d} 晚于今天：只能记录已经发生的节点"));
    }
    let note = e.optional("note", "说明", &f.note, TEXT_MAX);
    e.into_result()?;
    Ok(Event { kind: kind.expect("checked"), date: date.expect("checked"), note })
}

/// Replays `events` (sorted by date, then the given order) and returns the position or the
/// first rule broken, as a field error.
fn replay(mut events: Vec<(i64, Event)>) -> Result<Position, Invalid> {
    events.sort_by_key(|(order, e)| (e.date, *order));
    let plain: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
    stage::replay(&plain).map_err(|err| Invalid::one(err.field, err.message))
}

/// Writes the cached stage/status of the project from its position.
/// Writes the cached stage/status of the project from its position, only if nobody changed
/// the project since it was read (else the whole change is refused: two people recording the
/// same event at once cannot both succeed).
async fn refresh<C: ConnectionTrait>(conn: &C, p: &project::Model, pos: &Position) -> Result<(), StoreError> {
    let mut am = p.clone().into_active_model();
    am.stage = Set(pos.stage.map(|s| s.code().to_string()));
    am.stage_date = Set(pos.stage.and_then(|s| pos.date_of(s)));
    am.status = Set(status_code(pos.status).to_string());
    am.version = Set(p.version + 1);
    am.updated_at = Set(Utc::now());
    let res = project::Entity::update_many()
        .set(am)
        .filter(project::Column::Id.eq(p.id))
        .filter(project::Column::ZoneId.eq(p.zone_id))
        .filter(project::Column::Version.eq(p.version))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

fn view(m: &project_event::Model) -> serde_json::Value {
    json!({"kind": m.kind, "date": m.event_date.to_string(), "note": m.note})
}

/// Records an event; the rules of the stage path decide whether it may be added.
pub async fn add(db: &Db, actor: &Actor, project_id: i64, f: &EventForm) -> Result<ProjectEvent, StoreError> {
    let p = find_writable(db, actor, project_id).await?;
    let new = parse_form(f, None)?;
    let txn = db.conn.begin().await?;
    let existing = rows(&txn, p.zone_id, project_id).await?;
    let plain: Vec<Event> = existing.iter().filter_map(domain_event).collect();
    let pos = stage::check_append(&plain, &new, today()).map_err(|err| Invalid::one(err.field, err.message))?;
    let m = project_event::ActiveModel {
        zone_id: Set(p.zone_id),
        project_id: Set(project_id),
        kind: Set(new.kind.code().to_string()),
        event_date: Set(new.date),
        note: Set(new.note.clone()),
        recorded_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    refresh(&txn, &p, &pos).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(p.zone_id),
            entity: "project",
            entity_id: Some(project_id.to_string()),
            action: Action::Create,
            summary: format!("{}：记录“{}”节点 {}", p.name, new.kind.label(), new.date),
            before: serde_json::Value::Null,
            after: view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    let l = Lookups::load(db, p.zone_id).await?;
    Ok(to_event(m, &l))
}

async fn find_event(
    db: &Db,
    actor: &Actor,
    event_id: i64,
) -> Result<(project_event::Model, project::Model), StoreError> {
    let ev = project_event::Entity::find_by_id(event_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let p = find_writable(db, actor, ev.project_id).await?;
    if p.zone_id != ev.zone_id {
        return Err(StoreError::NotFound);
    }
    Ok((ev, p))
}

/// Corrects the date or note of a recorded event (its kind stays); the whole history must
/// still follow the rules. The correction is audited with before and after.
pub async fn correct(db: &Db, actor: &Actor, event_id: i64, f: &EventForm) -> Result<(), StoreError> {
    let (ev, p) = find_event(db, actor, event_id).await?;
    let kind = EventKind::parse(&ev.kind).ok_or(StoreError::NotFound)?;
    let fixed = parse_form(f, Some(kind))?;
    let txn = db.conn.begin().await?;
    let all = rows(&txn, p.zone_id, p.id).await?;
    let events: Vec<(i64, Event)> = all
        .iter()
        .filter_map(|m| {
            let e = if m.id == event_id { Some(fixed.clone()) } else { domain_event(m) };
            e.map(|e| (m.id, e))
        })
        .collect();
    let pos = replay(events)?;
    let mut am = ev.clone().into_active_model();
    am.event_date = Set(fixed.date);
    am.note = Set(fixed.note.clone());
    let after = am.update(&txn).await?;
    refresh(&txn, &p, &pos).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(p.zone_id),
            entity: "project",
            entity_id: Some(p.id.to_string()),
            action: Action::Update,
            summary: format!("{}：更正“{}”节点", p.name, kind.label()),
            before: view(&ev),
            after: view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a wrongly recorded event, if the remaining history still follows the rules.
pub async fn remove(db: &Db, actor: &Actor, event_id: i64) -> Result<(), StoreError> {
    let (ev, p) = find_event(db, actor, event_id).await?;
    let txn = db.conn.begin().await?;
    let all = rows(&txn, p.zone_id, p.id).await?;
    let events: Vec<(i64, Event)> =
        all.iter().filter(|m| m.id != event_id).filter_map(|m| domain_event(m).map(|e| (m.id, e))).collect();
    let pos = replay(events)?;
    project_event::Entity::delete_by_id(event_id).exec(&txn).await?;
    refresh(&txn, &p, &pos).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(p.zone_id),
            entity: "project",
            entity_id: Some(p.id.to_string()),
            action: Action::Delete,
            summary: format!(
                "{}：删除“{}”节点 {}",
                p.name,
                EventKind::parse(&ev.kind).map(|k| k.label()).unwrap_or(""),
                ev.event_date
            ),
            before: view(&ev),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Days spent in each reached stage (to the next stage's date, or to today for the current one).
pub fn time_in_stages(events: &[ProjectEvent], today: NaiveDate) -> Vec<(Stage, NaiveDate, i64)> {
    let mut reached: Vec<(Stage, NaiveDate)> = events
        .iter()
        .filter_map(|e| match EventKind::parse(&e.kind) {
            Some(EventKind::Stage(s)) => Some((s, e.date)),
            _ => None,
        })
        .collect();
    reached.sort();
    reached
        .iter()
        .enumerate()
        .map(|(i, (s, d))| {
            let end = reached.get(i + 1).map(|(_, n)| *n).unwrap_or(today);
            (*s, *d, (end - *d).num_days())
        })
        .collect()
}
