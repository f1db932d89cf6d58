//! In-app notifications and the overdue escalation run by the server's scheduler. A
//! notification is unique per (user, entity, id, step), so running the job twice — or after a
//! restart — notifies nobody twice.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};
use serde::Serialize;

use crate::entities::{notification, safety_setting, user};
use crate::{Actor, Db, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub entity: String,
    pub entity_id: String,
    pub step: String,
    pub message: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

fn to_notification(m: notification::Model) -> Notification {
    Notification {
        id: m.id,
        user_id: m.user_id,
        entity: m.entity,
        entity_id: m.entity_id,
        step: m.step,
        message: m.message,
        link: m.link,
        created_at: m.created_at,
        read: m.read_at.is_some(),
    }
}

/// What to notify.
pub struct Notice<'a> {
    pub zone_id: i64,
    pub user_id: i64,
    pub entity: &'a str,
    pub entity_id: String,
    pub step: String,
    pub message: String,
    pub link: String,
}

/// Inserts unless the same (user, entity, id, step) exists; true when inserted.
pub async fn notify_once<C: ConnectionTrait>(conn: &C, n: Notice<'_>) -> Result<bool, StoreError> {
    let am = notification::ActiveModel {
        zone_id: Set(n.zone_id),
        user_id: Set(n.user_id),
        entity: Set(n.entity.to_string()),
        entity_id: Set(n.entity_id),
        step: Set(n.step),
        message: Set(n.message),
        link: Set(n.link),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let rows = notification::Entity::insert(am)
        .on_conflict(
            OnConflict::columns([
                notification::Column::UserId,
                notification::Column::Entity,
                notification::Column::EntityId,
                notification::Column::Step,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(rows > 0)
}

/// The actor's notifications, unread first, newest first (at most 200).
pub async fn mine(db: &Db, actor: &Actor) -> Result<Vec<Notification>, StoreError> {
    let uid = actor.user_id.ok_or(StoreError::NotFound)?;
    let mut rows: Vec<Notification> = notification::Entity::find()
        .filter(notification::Column::UserId.eq(uid))
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(200)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(to_notification)
        .collect();
    rows.sort_by_key(|n| n.read);
    Ok(rows)
}

pub async fn unread_count(db: &Db, actor: &Actor) -> Result<u64, StoreError> {
    let Some(uid) = actor.user_id else { return Ok(0) };
    Ok(sea_orm::PaginatorTrait::count(
        notification::Entity::find()
            .filter(notification::Column::UserId.eq(uid))
            .filter(notification::Column::ReadAt.is_null()),
        &db.conn,
    )
    .await?)
}

/// Marks one of the actor's notifications read.
pub async fn mark_read(db: &Db, actor: &Actor, id: i64) -> Result<(), StoreError> {
    let uid = actor.user_id.ok_or(StoreError::NotFound)?;
    let m = notification::Entity::find_by_id(id)
        .filter(notification::Column::UserId.eq(uid))
        .one(&db.conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if m.read_at.is_none() {
        let mut am = m.into_active_model();
        am.read_at = Set(Some(Utc::now()));
        am.update(&db.conn).await?;
    }
    Ok(())
}

/// Notifications not yet delivered to the webhook, oldest first (with the user's name).
pub async fn undelivered(db: &Db, limit: u64) -> Result<Vec<(Notification, String)>, StoreError> {
    let rows = notification::Entity::find()
        .filter(notification::Column::DeliveredAt.is_null())
        .order_by_asc(notification::Column::Id)
        .limit(limit)
        .all(&db.conn)
        .await?;
    let mut out = Vec::new();
    for m in rows {
        let name = user::Entity::find_by_id(m.user_id).one(&db.conn).await?.map(|u| u.display_name).unwrap_or_default();
        out.push((to_notification(m), name));
    }
    Ok(out)
}

pub async fn mark_delivered(db: &Db, id: i64) -> Result<(), StoreError> {
    if let Some(m) = notification::Entity::find_by_id(id).one(&db.conn).await? {
        let mut am = m.into_active_model();
        am.delivered_at = Set(Some(Utc::now()));
        am.update(&db.conn).await?;
    }
    Ok(())
}

/// The zone's safety settings (defaults when never set: 2 inspection days a week, leaders told
/// after 3 overdue days).
pub async fn safety_settings(db: &Db, zone_id: i64) -> Result<(i32, i32), StoreError> {
    Ok(safety_setting::Entity::find_by_id(zone_id)
        .one(&db.conn)
        .await?
        .map(|s| (s.weekly_inspection_days, s.escalate_after_days))
        .unwrap_or((2, 3)))
}

/// Saves the zone's safety settings.
pub async fn save_safety_settings(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    weekly: i32,
    escalate_after: i32,
) -> Result<(), StoreError> {
    actor.require(kaifaqu_domain::Permission::Administer)?;
    let zone_id = actor.write_zone(zone_id)?;
    let mut e = kaifaqu_domain::Invalid::new();
    if !(0..=7).contains(&weekly) {
        e.add("weekly_inspection_days", "每周入企检查天数应为 0 到 7");
    }
    if !(0..=365).contains(&escalate_after) {
        e.add("escalate_after_days", "逾期多少天后报告领导：应为 0 到 365");
    }
    e.into_result()?;
    let before = safety_settings(db, zone_id).await?;
    let txn = db.conn.begin().await?;
    let am = safety_setting::ActiveModel {
        zone_id: Set(zone_id),
        weekly_inspection_days: Set(weekly),
        escalate_after_days: Set(escalate_after),
    };
    safety_setting::Entity::insert(am)
        .on_conflict(
            OnConflict::column(safety_setting::Column::ZoneId)
                .update_columns([
                    safety_setting::Column::WeeklyInspectionDays,
                    safety_setting::Column::EscalateAfterDays,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    crate::audit::append(
        &txn,
        actor,
        crate::audit::Change {
            zone_id: Some(zone_id),
            entity: "safety_settings",
            entity_id: Some(zone_id.to_string()),
            action: kaifaqu_domain::audit::Action::Update,
            summary: "修改安全检查设置".into(),
            before: serde_json::json!({"weekly_inspection_days": before.0, "escalate_after_days": before.1}),
            after: serde_json::json!({"weekly_inspection_days": weekly, "escalate_after_days": escalate_after}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One run of every module's overdue and due-soon rules for `today`: each overdue hazard
/// notifies the user who found it once per deadline, and — once it is `escalate_after_days`
/// overdue — the zone's leaders, once; then the rules of overdue approval commitments and cases,
/// tasks and their milestones (also due soon), problems, and hazards due soon, each in its
/// module. Returns how many notifications were created.
pub async fn run_escalation(db: &Db, today: NaiveDate) -> Result<usize, StoreError> {
    use sea_orm::TransactionTrait;
    use std::collections::HashMap;
    let mut created = 0;
    // at province scale a first run finds some 160,000 overdue hazards: the zone's settings and
    // leaders are read once per zone, and the notifications written in transactions of
    // `ESCALATION_BATCH` (one commit each, not one per notification)
    let overdue = crate::hazards::overdue_all(&db.conn, today).await?;
    let mut zones: HashMap<i64, (i32, Vec<i64>)> = HashMap::new();
    for batch in overdue.chunks(ESCALATION_BATCH) {
        for h in batch {
            if let std::collections::hash_map::Entry::Vacant(e) = zones.entry(h.zone_id) {
                let (_, escalate_after) = safety_settings(db, h.zone_id).await?;
                let leaders = user::Entity::find()
                    .filter(user::Column::ZoneId.eq(h.zone_id))
                    .filter(user::Column::Role.eq("leader"))
                    .filter(user::Column::Active.eq(true))
                    .all(&db.conn)
                    .await?
                    .into_iter()
                    .map(|u| u.id)
                    .collect();
                e.insert((escalate_after, leaders));
            }
        }
        let txn = db.conn.begin().await?;
        for h in batch {
            let (escalate_after, leaders) = &zones[&h.zone_id];
            let days = (today - h.deadline).num_days();
            let what: String = h.description.chars().take(30).collect();
            let link = format!("/safety/hazards/{}", h.id);
            if let Some(finder) = h.found_by {
                let n = Notice {
                    zone_id: h.zone_id,
                    user_id: finder,
                    entity: "hazard",
                    entity_id: h.id.to_string(),
                    step: format!("overdue:{}", h.deadline),
                    message: format!("隐患“{what}”已超过整改期限 {}，尚未销号", h.deadline),
                    link: link.clone(),
                };
                created += usize::from(notify_once(&txn, n).await?);
            }
            if days >= i64::from(*escalate_after) {
                for l in leaders {
                    let n = Notice {
                        zone_id: h.zone_id,
                        user_id: *l,
                        entity: "hazard",
                        entity_id: h.id.to_string(),
                        step: format!("escalate:{}", h.deadline),
                        message: format!("隐患“{what}”逾期 {days} 天未销号（整改期限 {}），请督办", h.deadline),
                        link: link.clone(),
                    };
                    created += usize::from(notify_once(&txn, n).await?);
                }
            }
        }
        txn.commit().await?;
    }
    created += crate::approval_cases::run_escalation(db, today).await?;
    created += crate::tasks::run_escalation(db, today).await?;
    created += crate::problems::run_escalation(db, today).await?;
    created += crate::hazards::run_due_soon(db, today).await?;
    created += crate::approval_cases::run_case_escalation(db, today).await?;
    Ok(created)
}

/// Overdue hazards escalated per transaction by [`run_escalation`].
pub const ESCALATION_BATCH: usize = 1_000;

/// Webhook message formats: generic JSON, and the DingTalk and WeCom group-robot text messages.
pub fn webhook_body(format: &str, title: &str, text: &str, link: &str) -> serde_json::Value {
    let content = format!("【{title}】{text}{}", if link.is_empty() { String::new() } else { format!("（{link}）") });
    match format {
        "dingtalk" => serde_json::json!({"msgtype": "text", "text": {"content": content}}),
        "wecom" => serde_json::json!({"msgtype": "text", "text": {"content": content}}),
        _ => serde_json::json!({"title": title, "text": text, "link": link}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_formats() {
        let g = webhook_body("generic", "张三", "隐患逾期", "/safety/hazards/1");
        assert_eq!(g["link"], "/safety/hazards/1");
        let d = webhook_body("dingtalk", "张三", "隐患逾期", "");
        assert_eq!(d["msgtype"], "text");
        assert_eq!(d["text"]["content"], "【张三】隐患逾期");
        let w = webhook_body("wecom", "张三", "隐患逾期", "/x");
        assert_eq!(w["text"]["content"], "【张三】隐患逾期（/x）");
    }
}
