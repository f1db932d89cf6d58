//! Report drafts: the narrative paragraphs (亮点, 存在问题, plans …) staff write for a report of a
//! zone, a template and a period. Each save adds a numbered version; a report is regenerated
//! from current data with the chosen version's paragraphs, so nothing written is lost.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::validate::TEXT_MAX;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::report_draft;
use crate::lookups::Lookups;
use crate::{Actor, Db, Scope, StoreError};

/// One saved version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub id: i64,
    pub zone_id: i64,
    pub template: String,
    pub period: String,
    pub version: i32,
    pub narratives: BTreeMap<String, String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn to_draft(m: report_draft::Model, l: &Lookups) -> Draft {
    Draft {
        id: m.id,
        zone_id: m.zone_id,
        narratives: serde_json::from_str(&m.narratives).unwrap_or_default(),
        created_by: l.user(m.created_by),
        template: m.template,
        period: m.period,
        version: m.version,
        created_at: m.created_at,
    }
}

/// Every version of a report's draft, newest first.
pub async fn versions(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    template: &str,
    period: &str,
) -> Result<Vec<Draft>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = report_draft::Entity::find()
        .filter(report_draft::Column::ZoneId.eq(zone_id))
        .filter(report_draft::Column::Template.eq(template))
        .filter(report_draft::Column::Period.eq(period))
        .order_by_desc(report_draft::Column::Version)
        .all(&db.conn)
        .await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(rows.into_iter().map(|m| to_draft(m, &l)).collect())
}

/// Version `version`, or the latest when `None`; `None` when nothing was saved yet.
pub async fn get(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    template: &str,
    period: &str,
    version: Option<i32>,
) -> Result<Option<Draft>, StoreError> {
    let all = versions(db, scope, zone_id, template, period).await?;
    Ok(match version {
        Some(v) => Some(all.into_iter().find(|d| d.version == v).ok_or(StoreError::NotFound)?),
        None => all.into_iter().next(),
    })
}

/// Saves the paragraphs as a new version (keys are the template's narrative keys; empty ones
/// are dropped). Returns the new version.
pub async fn save(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    template: &str,
    period: &str,
    narratives: &BTreeMap<String, String>,
) -> Result<Draft, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let mut e = Invalid::new();
    let mut kept = BTreeMap::new();
    for (k, v) in narratives {
        let v = v.trim();
        if v.chars().count() > TEXT_MAX {
            e.add(k, format!("这一段不能超过 {TEXT_MAX} 个字"));
        } else if !v.is_empty() {
            kept.insert(k.clone(), v.to_string());
        }
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let last = report_draft::Entity::find()
        .filter(report_draft::Column::ZoneId.eq(zone_id))
        .filter(report_draft::Column::Template.eq(template))
        .filter(report_draft::Column::Period.eq(period))
        .order_by_desc(report_draft::Column::Version)
        .one(&txn)
        .await?;
    let version = last.as_ref().map(|m| m.version + 1).unwrap_or(1);
    let before: BTreeMap<String, String> =
        last.as_ref().and_then(|m| serde_json::from_str(&m.narratives).ok()).unwrap_or_default();
    let m = report_draft::ActiveModel {
        zone_id: Set(zone_id),
        template: Set(template.to_string()),
        period: Set(period.to_string()),
        version: Set(version),
        narratives: Set(serde_json::to_string(&kept).unwrap_or_default()),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| StoreError::unique_as(err, "version", "另一位同事刚刚保存了这份报告，请刷新后再保存"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "report_draft",
            entity_id: Some(format!("{template}:{period}")),
            action: Action::Create,
            summary: format!("保存报告文字 {template} {period} 第 {version} 版"),
            before: json!(before),
            after: json!(kept),
        },
    )
    .await?;
    txn.commit().await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(to_draft(m, &l))
}
