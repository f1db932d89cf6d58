//! Departments (科室) of a zone.

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
use crate::entities::department;
use crate::{Actor, Db, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Department {
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

fn to_dept(m: department::Model) -> Department {
    Department {
        id: m.id,
        zone_id: m.zone_id,
        name: m.name,
        sort_order: m.sort_order,
        active: m.active,
        version: m.version,
    }
}

fn audit_view(m: &department::Model) -> serde_json::Value {
    json!({"name": m.name, "sort_order": m.sort_order, "active": m.active})
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sort_order: String,
    #[serde(default)]
    pub active: Option<String>,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(default, deserialize_with = "crate::error::de_version")]
    pub version: String,
}

impl DepartmentForm {
    fn validate(&self) -> Result<(String, i32, bool), Invalid> {
        let mut e = Invalid::new();
        let name = e.required("name", "科室名称", &self.name, NAME_MAX);
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
        Ok((name, sort, active))
    }
}

/// Departments of the zones in scope (a zone's own, or every zone's for the system).
pub async fn list(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<Department>, StoreError> {
    if let Scope::Zone { zone_id: own, .. } = scope
        && *own != zone_id
    {
        return Err(StoreError::NotFound);
    }
    if let Scope::City { .. } = scope {
        crate::zones::get(db, scope, zone_id).await?;
    }
    let rows = department::Entity::find()
        .filter(department::Column::ZoneId.eq(zone_id))
        .order_by_asc(department::Column::SortOrder)
        .order_by_asc(department::Column::Id)
        .all(&db.conn)
        .await?;
    Ok(rows.into_iter().map(to_dept).collect())
}

/// The department `id` if the actor may change it (another zone's is "not found").
async fn find(db: &Db, actor: &Actor, id: i64) -> Result<department::Model, StoreError> {
    let m = department::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    Ok(m)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Department, StoreError> {
    let m = department::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let z = crate::zones::get(db, &Scope::System, m.zone_id).await?;
    if scope.sees(z.id, &z.city_code) { Ok(to_dept(m)) } else { Err(StoreError::NotFound) }
}

pub async fn create(db: &Db, actor: &Actor, zone_id: i64, f: &DepartmentForm) -> Result<Department, StoreError> {
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
    f: &DepartmentForm,
) -> Result<i64, StoreError> {
    let (name, sort_order, _) = f.validate()?;
    let m = department::ActiveModel {
        zone_id: Set(zone_id),
        name: Set(name),
        sort_order: Set(sort_order),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "name", "本开发区已有同名科室"))?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "department",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增科室 {}", m.name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    Ok(m.id)
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &DepartmentForm) -> Result<Department, StoreError> {
    actor.require(Permission::Administer)?;
    let before = find(db, actor, id).await?;
    let (name, sort_order, active) = f.validate()?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "departments", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.name = Set(name);
    am.sort_order = Set(sort_order);
    am.active = Set(active);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "name", "本开发区已有同名科室"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "department",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改科室 {}", after.name),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_dept(after))
}

/// Deletes a department that no user belongs to; otherwise it can only be disabled.
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<(), StoreError> {
    actor.require(Permission::Administer)?;
    let before = find(db, actor, id).await?;
    let zone_id = before.zone_id;
    let txn = db.conn.begin().await?;
    department::Entity::delete_by_id(id).exec(&txn).await.map_err(|e| {
        if StoreError::is_foreign_key_violation(&e) {
            StoreError::Invalid(Invalid::one("name", "该科室下还有用户或记录，不能删除，只能停用"))
        } else {
            StoreError::Db(e)
        }
    })?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "department",
            entity_id: Some(id.to_string()),
            action: Action::Delete,
            summary: format!("删除科室 {}", before.name),
            before: audit_view(&before),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
