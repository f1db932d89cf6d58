//! Development zones. Created by the system (command line, demo); a zone's admin edits its profile.

use chrono::{DateTime, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::zone::{RiskGrade, ZoneForm, ZoneInput, ZoneLevel};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::zone;
use crate::{Actor, Db, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Zone {
    pub id: i64,
    pub name: String,
    pub level: ZoneLevel,
    pub region_code: String,
    pub city_code: String,
    pub city_name: String,
    pub risk_grade: Option<RiskGrade>,
    pub staff_posts: i32,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
}

impl Zone {
    pub fn level_label(&self) -> &'static str {
        self.level.label()
    }

    pub fn risk_label(&self) -> &'static str {
        self.risk_grade.map(RiskGrade::label).unwrap_or("非化工园区")
    }
}

fn to_zone(m: zone::Model) -> Zone {
    Zone {
        id: m.id,
        level: ZoneLevel::parse(&m.level).unwrap_or(ZoneLevel::Provincial),
        risk_grade: m.risk_grade.as_deref().and_then(RiskGrade::parse),
        name: m.name,
        region_code: m.region_code,
        city_code: m.city_code,
        city_name: m.city_name,
        staff_posts: m.staff_posts,
        is_demo: m.is_demo,
        created_at: m.created_at,
    }
}

fn audit_view(m: &zone::Model) -> serde_json::Value {
    json!({
        "name": m.name, "level": m.level, "region_code": m.region_code, "city_code": m.city_code,
        "city_name": m.city_name, "risk_grade": m.risk_grade, "staff_posts": m.staff_posts,
    })
}

/// The zones the scope can see, by city then name.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Zone>, StoreError> {
    let mut q = zone::Entity::find();
    match scope {
        Scope::Zone { zone_id, .. } => q = q.filter(zone::Column::Id.eq(*zone_id)),
        Scope::City { city_code } => q = q.filter(zone::Column::CityCode.eq(city_code.clone())),
        Scope::System => {}
    }
    let rows = q.order_by_asc(zone::Column::CityCode).order_by_asc(zone::Column::Id).all(&db.conn).await?;
    Ok(rows.into_iter().map(to_zone).collect())
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Zone, StoreError> {
    let m = zone::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    if scope.sees(m.id, &m.city_code) { Ok(to_zone(m)) } else { Err(StoreError::NotFound) }
}

pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<Zone>, StoreError> {
    Ok(zone::Entity::find().filter(zone::Column::Name.eq(name.trim())).one(&db.conn).await?.map(to_zone))
}

/// Creates a zone (system only: the command line and the demo loader).
pub async fn create(db: &Db, actor: &Actor, input: &ZoneInput, is_demo: bool) -> Result<Zone, StoreError> {
    if !actor.is_system() {
        return Err(StoreError::Forbidden("开发区只能由系统管理命令创建".into()));
    }
    let txn = db.conn.begin().await?;
    let m = zone::ActiveModel {
        name: Set(input.name.clone()),
        level: Set(input.level.code().to_string()),
        region_code: Set(input.region_code.as_str()),
        city_code: Set(input.region_code.city().as_str()),
        city_name: Set(input.city_name.clone()),
        risk_grade: Set(input.risk_grade.map(|g| g.code().to_string())),
        staff_posts: Set(input.staff_posts),
        is_demo: Set(is_demo),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::unique_as(e, "name", "已有同名开发区"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(m.id),
            entity: "zone",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增开发区 {}", m.name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_zone(m))
}

/// Edits a zone's profile (its own admin, or the system).
pub async fn update(db: &Db, actor: &Actor, id: i64, form: &ZoneForm) -> Result<Zone, StoreError> {
    actor.require(Permission::Administer)?;
    let zone_id = actor.write_zone(id)?;
    let before = zone::Entity::find_by_id(zone_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let input = form.validate()?;
    if !actor.is_system() && input.region_code.city().as_str() != before.city_code {
        return Err(Invalid::one("region_code", "行政区划代码须属于本开发区所在城市；跨市调整请联系系统运维").into());
    }
    let txn = db.conn.begin().await?;
    let mut am = before.clone().into_active_model();
    am.name = Set(input.name.clone());
    am.level = Set(input.level.code().to_string());
    am.region_code = Set(input.region_code.as_str());
    am.city_code = Set(input.region_code.city().as_str());
    am.city_name = Set(input.city_name.clone());
    am.risk_grade = Set(input.risk_grade.map(|g| g.code().to_string()));
    am.staff_posts = Set(input.staff_posts);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "name", "已有同名开发区"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(id),
            entity: "zone",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改开发区信息 {}", after.name),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_zone(after))
}
