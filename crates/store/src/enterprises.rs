//! Enterprises (企业), shared by the projects, safety and approval modules. The contact phone is
//! personal data: encrypted at rest with a blind index for search, and masked for readers without
//! `ReadPersonal` (`sensitive`); an edit carries the record's optimistic `version`.

use kaifaqu_domain::audit::Action;
use kaifaqu_domain::credit_code::CreditCode;
use kaifaqu_domain::industry::Industry;
use kaifaqu_domain::validate::{NAME_MAX, check_phone};
use kaifaqu_domain::zone::RegionCode;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::enterprise;
use crate::sensitive::{self, ENTERPRISE_PHONE, Reveal};
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
    /// Whole for readers holding the permission to read personal data, else masked (`138****5678`).
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

fn to_enterprise(m: enterprise::Model, r: Reveal) -> Result<Enterprise, StoreError> {
    let contact_phone = sensitive::reveal(ENTERPRISE_PHONE, m.id, m.contact_phone, r)?;
    Ok(Enterprise {
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
        contact_phone,
        address: m.address,
        version: m.version,
    })
}

fn audit_view(m: &enterprise::Model) -> serde_json::Value {
    json!({
        "name": m.name, "credit_code": m.credit_code, "credit_code_legacy": m.credit_code_legacy,
        "region_code": m.region_code, "industry_code": m.industry_code, "above_scale": m.above_scale,
        "contact_person": m.contact_person, "address": m.address,
        "contact_phone": sensitive::audit_value(ENTERPRISE_PHONE, m.id, m.contact_phone.as_deref()),
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
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

impl EnterpriseForm {
    /// The form of a saved record (as its reader sees it).
    pub fn from_enterprise(e: &Enterprise) -> EnterpriseForm {
        let on = |b: bool| b.then(|| "on".to_string());
        EnterpriseForm {
            name: e.name.clone(),
            credit_code: e.credit_code.clone(),
            legacy: on(e.credit_code_legacy),
            region_code: e.region_code.clone().unwrap_or_default(),
            industry_code: e.industry_code.clone().unwrap_or_default(),
            above_scale: on(e.above_scale),
            contact_person: e.contact_person.clone().unwrap_or_default(),
            contact_phone: e.contact_phone.clone().unwrap_or_default(),
            address: e.address.clone().unwrap_or_default(),
            version: e.version.to_string(),
        }
    }
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

/// Everything but the phone, which `sensitive::store` writes once the row id is known.
fn apply(am: &mut enterprise::ActiveModel, v: Valid) -> Option<String> {
    am.name = Set(v.name);
    am.credit_code = Set(v.credit_code);
    am.credit_code_legacy = Set(v.legacy);
    am.region_code = Set(v.region_code);
    am.industry_code = Set(v.industry.as_ref().map(|i| i.code.clone()));
    am.industry_name = Set(v.industry.map(|i| i.name));
    am.above_scale = Set(v.above_scale);
    am.contact_person = Set(v.contact_person);
    am.address = Set(v.address);
    am.updated_at = Set(chrono::Utc::now());
    v.contact_phone
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
    let phone = apply(&mut am, v);
    let m = am.insert(&txn).await.map_err(|e| StoreError::unique_as(e, "credit_code", DUPLICATE))?;
    sensitive::store(&txn, ENTERPRISE_PHONE, m.id, phone.as_deref()).await?;
    let m = enterprise::Entity::find_by_id(m.id).one(&txn).await?.ok_or(StoreError::NotFound)?;
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
    to_enterprise(m, Reveal::for_actor(actor))
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &EnterpriseForm) -> Result<Enterprise, StoreError> {
    actor.require(Permission::Write)?;
    let before = enterprise::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    // a reader who saw the phone masked and left it sends the mask back: unchanged
    let current = before.contact_phone.as_deref().map(|s| sensitive::open(ENTERPRISE_PHONE, id, s)).transpose()?;
    let mut form = f.clone();
    form.contact_phone = sensitive::unmasked_input(ENTERPRISE_PHONE.kind, &f.contact_phone, current.as_deref());
    let v = validate(&form, actor)?;
    let expected = StoreError::expected_version(&f.version, before.version)?;
    let txn = db.conn.begin().await?;
    let mut am = before.clone().into_active_model();
    let phone = apply(&mut am, v);
    am.version = Set(expected + 1);
    // only the version the edit was made on may be overwritten; a stale edit changes nothing
    let res = enterprise::Entity::update_many()
        .set(am)
        .filter(enterprise::Column::Id.eq(id))
        .filter(enterprise::Column::ZoneId.eq(zone_id))
        .filter(enterprise::Column::Version.eq(expected))
        .exec(&txn)
        .await
        .map_err(|e| StoreError::unique_as(e, "credit_code", DUPLICATE))?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    if phone != current {
        sensitive::store(&txn, ENTERPRISE_PHONE, id, phone.as_deref()).await?;
    }
    let after = enterprise::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
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
    to_enterprise(after, Reveal::for_actor(actor))
}

/// One enterprise; the contact phone masked unless the scope is the system's (pages showing it
/// whole use [`get_as`]).
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Enterprise, StoreError> {
    get_revealed(db, scope, Reveal::for_scope(scope), id).await
}

/// One enterprise as `actor` may see it: the contact phone whole if the role holds `ReadPersonal`.
pub async fn get_as(db: &Db, actor: &Actor, id: i64) -> Result<Enterprise, StoreError> {
    get_revealed(db, &actor.scope(), Reveal::for_actor(actor), id).await
}

async fn get_revealed(db: &Db, scope: &Scope, r: Reveal, id: i64) -> Result<Enterprise, StoreError> {
    let m = enterprise::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    to_enterprise(m, r)
}

/// A page of the zone's enterprises whose name or 统一社会信用代码 contains `q`, or — for readers
/// who see phones whole — whose contact phone is the number `q` (exact match of the normalised
/// number, through the blind index); the phone masked unless the scope is the system's (see
/// [`list_as`]).
pub async fn list(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    q: &str,
    page: u64,
    per_page: u64,
) -> Result<Page<Enterprise>, StoreError> {
    list_revealed(db, scope, Reveal::for_scope(scope), zone_id, q, page, per_page.clamp(1, 500)).await
}

/// Every enterprise of the zone as (id, name), by name: what a form's choice list needs. No
/// personal data is read (nothing to decrypt or mask) and there is no page limit — a zone with
/// more than 500 enterprises must still be able to choose the last one.
pub async fn names(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    Ok(enterprise::Entity::find()
        .select_only()
        .columns([enterprise::Column::Id, enterprise::Column::Name])
        .filter(enterprise::Column::ZoneId.eq(zone_id))
        .order_by_asc(enterprise::Column::Name)
        .order_by_asc(enterprise::Column::Id)
        .into_tuple::<(i64, String)>()
        .all(&db.conn)
        .await?)
}

/// [`list`] as `actor` may see it (the phone whole if the role holds `ReadPersonal`); up to
/// `per_page` ≤ 10,000 rows (the export).
pub async fn list_as(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    q: &str,
    page: u64,
    per_page: u64,
) -> Result<Page<Enterprise>, StoreError> {
    list_revealed(db, &actor.scope(), Reveal::for_actor(actor), zone_id, q, page, per_page.clamp(1, 10_000)).await
}

async fn list_revealed(
    db: &Db,
    scope: &Scope,
    r: Reveal,
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
        let mut any = Condition::any()
            .add(enterprise::Column::Name.contains(text))
            .add(enterprise::Column::CreditCode.contains(code));
        // by number only for readers who see numbers whole (else the search would tell a
        // masked reader whose number it is)
        if r == Reveal::Whole
            && let Some(bidx) = sensitive::search_index(ENTERPRISE_PHONE.kind, text)
        {
            any = any.add(enterprise::Column::ContactPhoneBidx.eq(bidx));
        }
        query = query.filter(any);
    }
    let page = page.max(1);
    let p =
        query.order_by_asc(enterprise::Column::Name).order_by_asc(enterprise::Column::Id).paginate(&db.conn, per_page);
    let total = p.num_items().await?;
    let rows = p.fetch_page(page - 1).await?;
    let rows = rows.into_iter().map(|m| to_enterprise(m, r)).collect::<Result<_, _>>()?;
    Ok(Page { rows, total, page, per_page })
}
