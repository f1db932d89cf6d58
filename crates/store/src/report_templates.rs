//! Report templates edited in the app: a zone's own copy of a built-in template (the Markdown
//! with placeholders in `kaifaqu_reports::template`). The copy replaces the built-in of the same
//! name for that zone — on the pages, in downloads and on the command line — until it is reset
//! (deleted). Saves are guarded by a version number against lost updates; saving and resetting
//! are audited. Whether the text renders is checked by the caller (the reports crate), before
//! `save`.

use chrono::{DateTime, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::report_template;
use crate::lookups::Lookups;
use crate::{Actor, Db, Scope, StoreError};

/// The longest template, in characters.
pub const BODY_MAX: usize = 100_000;

/// The message of a lost update.
pub const STALE: &str = "保存失败：这个模板已被他人修改或恢复。请刷新页面，核对最新内容后再保存。";

/// A zone's copy of a template.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneTemplate {
    pub id: i64,
    pub zone_id: i64,
    /// The built-in's name ("half_year").
    pub name: String,
    pub body: String,
    pub version: i32,
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

fn to_template(m: report_template::Model, l: &Lookups) -> ZoneTemplate {
    ZoneTemplate {
        id: m.id,
        zone_id: m.zone_id,
        updated_by: l.user(m.updated_by),
        name: m.name,
        body: m.body,
        version: m.version,
        updated_at: m.updated_at,
    }
}

/// The zone's copy of template `name`, if it has one.
pub async fn get(db: &Db, scope: &Scope, zone_id: i64, name: &str) -> Result<Option<ZoneTemplate>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let Some(m) = report_template::Entity::find()
        .filter(report_template::Column::ZoneId.eq(zone_id))
        .filter(report_template::Column::Name.eq(name))
        .one(&db.conn)
        .await?
    else {
        return Ok(None);
    };
    let l = Lookups::load(db, zone_id).await?;
    Ok(Some(to_template(m, &l)))
}

/// Every copy the zone has, by name.
pub async fn list(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<ZoneTemplate>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = report_template::Entity::find()
        .filter(report_template::Column::ZoneId.eq(zone_id))
        .order_by_asc(report_template::Column::Name)
        .all(&db.conn)
        .await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(rows.into_iter().map(|m| to_template(m, &l)).collect())
}

/// The text the zone's reports of template `name` use: its copy, or `builtin`.
pub async fn source(db: &Db, scope: &Scope, zone_id: i64, name: &str, builtin: &str) -> Result<String, StoreError> {
    Ok(get(db, scope, zone_id, name).await?.map(|t| t.body).unwrap_or_else(|| builtin.to_string()))
}

fn validate(name: &str, body: &str) -> Result<(), Invalid> {
    let mut e = Invalid::new();
    if name.is_empty()
        || name.len() > 40
        || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        e.add("name", "模板名称应为小写字母、数字或下划线，不超过 40 个字符");
    }
    if body.trim().is_empty() {
        e.add("body", "模板内容不能为空");
    } else if body.chars().count() > BODY_MAX {
        e.add("body", format!("模板内容不能超过 {BODY_MAX} 个字"));
    }
    e.into_result()
}

/// Saves the zone's copy of `name`. `expected` is the version the editor was loaded at (`None`
/// when the zone had no copy); a newer copy in the database refuses the save. The caller checks
/// that the text renders before calling.
pub async fn save(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    name: &str,
    body: &str,
    expected: Option<i32>,
) -> Result<ZoneTemplate, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    validate(name, body)?;
    let body = body.replace("\r\n", "\n");
    let txn = db.conn.begin().await?;
    let before = report_template::Entity::find()
        .filter(report_template::Column::ZoneId.eq(zone_id))
        .filter(report_template::Column::Name.eq(name))
        .one(&txn)
        .await?;
    let now = Utc::now();
    let after = match (&before, expected) {
        (None, None) => report_template::ActiveModel {
            zone_id: Set(zone_id),
            name: Set(name.to_string()),
            body: Set(body.clone()),
            version: Set(1),
            updated_by: Set(actor.user_id),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| StoreError::unique_as(err, "body", STALE))?,
        (Some(m), Some(v)) if m.version == v => {
            let res = report_template::Entity::update_many()
                .set(report_template::ActiveModel {
                    body: Set(body.clone()),
                    version: Set(v + 1),
                    updated_by: Set(actor.user_id),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .filter(report_template::Column::Id.eq(m.id))
                .filter(report_template::Column::ZoneId.eq(zone_id))
                .filter(report_template::Column::Version.eq(v))
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(Invalid::one("body", STALE).into());
            }
            report_template::Entity::find_by_id(m.id).one(&txn).await?.ok_or(StoreError::NotFound)?
        }
        _ => return Err(Invalid::one("body", STALE).into()),
    };
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "report_template",
            entity_id: Some(name.to_string()),
            action: if before.is_some() { Action::Update } else { Action::Create },
            summary: format!("修改报告模板 {name}（第 {} 版）", after.version),
            before: json!({ "body": before.as_ref().map(|m| m.body.clone()) }),
            after: json!({ "body": after.body }),
        },
    )
    .await?;
    txn.commit().await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(to_template(after, &l))
}

/// Deletes the zone's copy of `name`, so its reports use the built-in again. `Ok(false)` when
/// there was no copy (nothing audited).
pub async fn reset(db: &Db, actor: &Actor, zone_id: i64, name: &str) -> Result<bool, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let txn = db.conn.begin().await?;
    let Some(before) = report_template::Entity::find()
        .filter(report_template::Column::ZoneId.eq(zone_id))
        .filter(report_template::Column::Name.eq(name))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    report_template::Entity::delete_many()
        .filter(report_template::Column::Id.eq(before.id))
        .filter(report_template::Column::ZoneId.eq(zone_id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "report_template",
            entity_id: Some(name.to_string()),
            action: Action::Delete,
            summary: format!("恢复内置报告模板 {name}"),
            before: json!({ "body": before.body }),
            after: json!({ "body": null }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
