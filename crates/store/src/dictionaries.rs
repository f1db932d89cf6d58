//! Dictionaries (字典): value lists per kind that select boxes offer. A value in use cannot be
//! deleted (the foreign keys of the tables that use it refuse), only disabled.

use kaifaqu_domain::audit::Action;
use kaifaqu_domain::validate::NAME_MAX;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::dictionary_item;
use crate::{Actor, Db, Scope, StoreError};

/// The kinds of value list, with their Chinese names. Modules add theirs here.
pub const KINDS: &[(&str, &str)] = &[
    ("industry_chain", "产业链"),
    ("promotion_channel", "招商方式"),
    ("promotion_team", "招商小分队"),
    ("hazard_category", "隐患类别"),
    ("task_source", "任务来源"),
];

pub fn kind_label(code: &str) -> Option<&'static str> {
    KINDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DictionaryItem {
    pub id: i64,
    pub zone_id: i64,
    pub kind: String,
    pub value: String,
    pub sort_order: i32,
    pub active: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

impl DictionaryItem {
    pub fn kind_label(&self) -> &str {
        kind_label(&self.kind).unwrap_or(&self.kind)
    }
}

fn to_item(m: dictionary_item::Model) -> DictionaryItem {
    DictionaryItem {
        id: m.id,
        zone_id: m.zone_id,
        kind: m.kind,
        value: m.value,
        sort_order: m.sort_order,
        active: m.active,
        version: m.version,
    }
}

fn audit_view(m: &dictionary_item::Model) -> serde_json::Value {
    json!({"kind": m.kind, "value": m.value, "sort_order": m.sort_order, "active": m.active})
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub sort_order: String,
    #[serde(default)]
    pub active: Option<String>,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(default, deserialize_with = "crate::error::de_version")]
    pub version: String,
}

impl ItemForm {
    fn validate(&self) -> Result<(String, String, i32, bool), Invalid> {
        let mut e = Invalid::new();
        let kind = self.kind.trim().to_string();
        if kind_label(&kind).is_none() {
            e.add("kind", "请选择字典类别");
        }
        let value = e.required("value", "字典值", &self.value, NAME_MAX);
        let sort = if self.sort_order.trim().is_empty() {
            0
        } else {
            self.sort_order.trim().parse::<i32>().unwrap_or_else(|_| {
                e.add("sort_order", "排序号应为整数");
                0
            })
        };
        let active = self.active.as_deref().is_none_or(|s| matches!(s, "on" | "true" | "1"));
        e.into_result()?;
        Ok((kind, value, sort, active))
    }
}

/// The items of one zone, optionally of one kind; `only_active` for select boxes.
pub async fn list(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    kind: Option<&str>,
    only_active: bool,
) -> Result<Vec<DictionaryItem>, StoreError> {
    let z = crate::zones::get(db, scope, zone_id).await?;
    let mut q = dictionary_item::Entity::find().filter(dictionary_item::Column::ZoneId.eq(z.id));
    if let Some(k) = kind.filter(|k| !k.is_empty()) {
        q = q.filter(dictionary_item::Column::Kind.eq(k));
    }
    if only_active {
        q = q.filter(dictionary_item::Column::Active.eq(true));
    }
    let rows = q
        .order_by_asc(dictionary_item::Column::Kind)
        .order_by_asc(dictionary_item::Column::SortOrder)
        .order_by_asc(dictionary_item::Column::Id)
        .all(&db.conn)
        .await?;
    Ok(rows.into_iter().map(to_item).collect())
}

async fn find(db: &Db, actor: &Actor, id: i64) -> Result<dictionary_item::Model, StoreError> {
    let m = dictionary_item::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    Ok(m)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<DictionaryItem, StoreError> {
    let m = dictionary_item::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(to_item(m))
}

pub async fn create(db: &Db, actor: &Actor, zone_id: i64, f: &ItemForm) -> Result<DictionaryItem, StoreError> {
    actor.require(Permission::Administer)?;
    let zone_id = actor.write_zone(zone_id)?;
    let txn = db.conn.begin().await?;
    let id = insert(&txn, actor, zone_id, f).await?;
    txn.commit().await?;
    get(db, &Scope::System, id).await
}

/// Validates and inserts on `conn` (the caller's transaction), audited; returns the new id.
pub(crate) async fn insert<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    zone_id: i64,
    f: &ItemForm,
) -> Result<i64, StoreError> {
    let (kind, value, sort_order, _) = f.validate()?;
    let m = dictionary_item::ActiveModel {
        zone_id: Set(zone_id),
        kind: Set(kind),
        value: Set(value),
        sort_order: Set(sort_order),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "value", "该类别下已有相同的值"))?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "dictionary_item",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增字典项 {}：{}", kind_label(&m.kind).unwrap_or(&m.kind), m.value),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    Ok(m.id)
}

/// Edits value, order and the active flag (the kind stays).
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &ItemForm) -> Result<DictionaryItem, StoreError> {
    actor.require(Permission::Administer)?;
    let before = find(db, actor, id).await?;
    let mut form = f.clone();
    form.kind = before.kind.clone();
    let (_, value, sort_order, active) = form.validate()?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "dictionary_items", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.value = Set(value);
    am.sort_order = Set(sort_order);
    am.active = Set(active);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "value", "该类别下已有相同的值"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "dictionary_item",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改字典项 {}：{}", kind_label(&after.kind).unwrap_or(&after.kind), after.value),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_item(after))
}

/// Deletes an unused item. When a record refers to it, the database refuses and the caller is
/// told to disable it instead.
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<(), StoreError> {
    actor.require(Permission::Administer)?;
    let before = find(db, actor, id).await?;
    let txn = db.conn.begin().await?;
    dictionary_item::Entity::delete_by_id(id).exec(&txn).await.map_err(|e| {
        if StoreError::is_foreign_key_violation(&e) {
            StoreError::Invalid(Invalid::one("value", "该字典值已被记录使用，不能删除，只能停用"))
        } else {
            StoreError::Db(e)
        }
    })?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(before.zone_id),
            entity: "dictionary_item",
            entity_id: Some(id.to_string()),
            action: Action::Delete,
            summary: format!("删除字典项 {}：{}", kind_label(&before.kind).unwrap_or(&before.kind), before.value),
            before: audit_view(&before),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
