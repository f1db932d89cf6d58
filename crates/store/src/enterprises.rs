//! Enterprises (企业), shared by the projects, safety and approval modules.

use kaifaqu_domain::audit::Action;
use kaifaqu_domain::credit_code::CreditCode;
use kaifaqu_domain::industry::Industry;
use kaifaqu_domain::validate::{NAME_MAX, check_phone};
use kaifaqu_domain::zone::RegionCode;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::enterprise;
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enterprise {
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub credit_code: String,
    /// Accepted by an admin although its check character is wrong (a known legacy code).
    pub credit_code_legacy: bool,
    pub region_code: Option<String>,
    pub industry_code: Option<String>,
    pub industry_name: Option<String>,
    pub above_scale: bool,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
}

fn to_enterprise(m: enterprise::Model) -> Enterprise {
    Enterprise {
        id: m.id,
        zone_id: m.zone_id,
        name: m.name,
        credit_code: m.credit_code,
        credit_code_legacy: m.credit_code_legacy,
        region_code: m.region_code,
        industry_code: m.industry_code,
        industry_name: m.industry_name,
        above_scale: m.above_scale,
        contact_person: m.contact_person,
        contact_phone: m.contact_phone,
        address: m.address,
    }
}

fn audit_view(m: &enterprise::Model) -> serde_json::Value {
    json!({
        "name": m.name, "credit_code": m.credit_code, "credit_code_legacy": m.credit_code_legacy,
        "region_code": m.region_code, "industry_code": m.industry_code, "above_scale": m.above_scale,
        "contact_person": m.contact_person, "contact_phone": m.contact_phone, "address": m.address,
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EnterpriseForm {
    pub name: String,
    pub credit_code: String,
    /// "on": accept a wrong check character (administrators only, for known legacy codes).
    pub legacy: Option<String>,
    pub region_code: String,
    /// GB/T 4754-2017 code, e.g. 26 or 2624.
    pub industry_code: String,
    pub above_scale: Option<String>,
    pub contact_person: String,
    pub contact_phone: String,
    pub address: String,
}

fn checked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| matches!(s, "on" | "true" | "1"))
}

struct Valid {
    name: String,
    credit_code: String,
    legacy: bool,
    region_code: Option<String>,
    industry: Option<Industry>,
    above_scale: bool,
    contact_person: Option<String>,
    contact_phone: Option<String>,
    address: Option<String>,
}

fn validate(f: &EnterpriseForm, actor: &Actor) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let name = e.required("name", "企业名称", &f.name, NAME_MAX);
    let legacy = checked(&f.legacy);
    if legacy && !actor.role.has(Permission::Administer) {
        e.add("legacy", "只有系统管理员可以登记校验位不符的历史代码");
    }
    let code = if legacy { CreditCode::parse_legacy(&f.credit_code) } else { CreditCode::parse(&f.credit_code) };
    let credit_code = match code {
        Ok(c) => c.as_str().to_string(),
        Err(err) => {
            e.add("credit_code", err.to_string());
            String::new()
        }
    };
    let region_code = if f.region_code.trim().is_empty() {
        None
    } else {
        RegionCode::parse(&f.region_code).map(|r| r.as_str()).map_err(|m| e.add("region_code", m)).ok()
    };
    let industry = if f.industry_code.trim().is_empty() {
        None
    } else {
        Industry::parse(&f.industry_code).map_err(|m| e.add("industry_code", m)).ok()
    };
    let contact_person = e.optional("contact_person", "联系人", &f.contact_person, NAME_MAX);
    let contact_phone = check_phone(&mut e, "contact_phone", &f.contact_phone);
    let address = e.optional("address", "地址", &f.address, NAME_MAX);
    e.into_result()?;
    Ok(Valid {
        name,
        credit_code,
        legacy,
        region_code,
        industry,
        above_scale: checked(&f.above_scale),
        contact_person,
        contact_phone,
        address,
    })
}

fn apply(am: &mut enterprise::ActiveModel, v: Valid) {
    am.name = Set(v.name);
    am.credit_code = Set(v.credit_code);
    am.credit_code_legacy = Set(v.legacy);
    am.region_code = Set(v.region_code);
    am.industry_code = Set(v.industry.as_ref().map(|i| i.code.clone()));
    am.industry_name = Set(v.industry.map(|i| i.name));
    am.above_scale = Set(v.above_scale);
    am.contact_person = Set(v.contact_person);
    am.contact_phone = Set(v.contact_phone);
    am.address = Set(v.address);
    am.updated_at = Set(chrono::Utc::now());
}

const DUPLICATE: &str = "本开发区已登记该统一社会信用代码的企业";

pub async fn create(db: &Db, actor: &Actor, f: &EnterpriseForm) -> Result<Enterprise, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Creates in a given zone (the system actor's demo loader; others use `create`).
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &EnterpriseForm) -> Result<Enterprise, StoreError> {
    let zone_id = actor.write_zone(zone_id)?;
    let v = validate(f, actor)?;
    let txn = db.conn.begin().await?;
    let mut am =
        enterprise::ActiveModel { zone_id: Set(zone_id), created_at: Set(chrono::Utc::now()), ..Default::default() };
    apply(&mut am, v);
    let m = am.insert(&txn).await.map_err(|e| StoreError::unique_as(e, "credit_code", DUPLICATE))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "enterprise",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增企业 {}", m.name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_enterprise(m))
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &EnterpriseForm) -> Result<Enterprise, StoreError> {
    actor.require(Permission::Write)?;
    let before = enterprise::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(before.zone_id)?;
    let v = validate(f, actor)?;
    let txn = db.conn.begin().await?;
    let mut am = before.clone().into_active_model();
    apply(&mut am, v);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "credit_code", DUPLICATE))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "enterprise",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改企业 {}", after.name),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_enterprise(after))
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Enterprise, StoreError> {
    let m = enterprise::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(to_enterprise(m))
}

pub async fn list(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    q: &str,
    page: u64,
    per_page: u64,
) -> Result<Page<Enterprise>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut query = enterprise::Entity::find().filter(enterprise::Column::ZoneId.eq(zone_id));
    let text = q.trim();
    if !text.is_empty() {
        let code = text.to_uppercase();
        query = query.filter(
            Condition::any()
                .add(enterprise::Column::Name.contains(text))
                .add(enterprise::Column::CreditCode.contains(code)),
        );
    }
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    let p =
        query.order_by_asc(enterprise::Column::Name).order_by_asc(enterprise::Column::Id).paginate(&db.conn, per_page);
    let total = p.num_items().await?;
    let rows = p.fetch_page(page - 1).await?;
    Ok(Page { rows: rows.into_iter().map(to_enterprise).collect(), total, page, per_page })
}
