//! Idle plants (闲置厂房): the zone's inventory (building m², land 亩, owner, condition), the
//! status 闲置 → 洽谈中 → 已盘活 with the date it was brought back into use and the project and
//! enterprise that took it, the m² revitalised per half-year, the period figures with the list
//! query behind them, and the matching of a lead's land need against parcels and plants.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::land::{self, ParcelStatus, PlantStatus};
use kaifaqu_domain::money::Mu100;
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::idle_plant;
use crate::land_parcels::{self, Parcel, check_enterprise, check_project, to_parcel};
use crate::lookups::project_names;
use crate::lookups::{Lookups, opt_date, today};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IdlePlant {
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub location: String,
    /// 产权人 as written.
    pub owner: String,
    pub owner_enterprise_id: Option<i64>,
    pub owner_enterprise: Option<String>,
    /// 建筑面积 in 0.01 m².
    pub building_m2_x100: i64,
    /// 占地面积 in 0.01 亩.
    pub land: Option<Mu100>,
    /// 厂房状况.
    pub condition: String,
    pub status: PlantStatus,
    /// 盘活日期.
    pub revitalised_date: Option<NaiveDate>,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub enterprise_id: Option<i64>,
    pub enterprise: Option<String>,
    pub notes: String,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

impl IdlePlant {
    /// The building area as shown: "6,200 平方米".
    pub fn building_text(&self) -> String {
        format!("{} 平方米", land::m2_text(self.building_m2_x100))
    }

    /// The building area in whole m² with separators: "6,200".
    pub fn m2(&self) -> String {
        land::m2_text(self.building_m2_x100)
    }

    /// The owner's name: the enterprise's when linked, else as written.
    pub fn owner_text(&self) -> String {
        self.owner_enterprise.clone().unwrap_or_else(|| self.owner.clone())
    }
}

fn status_of(m: &idle_plant::Model) -> PlantStatus {
    PlantStatus::parse(&m.status).unwrap_or(PlantStatus::Idle)
}

fn to_plant(m: idle_plant::Model, l: &Lookups, projects: &HashMap<i64, String>) -> IdlePlant {
    IdlePlant {
        status: status_of(&m),
        owner_enterprise: l.enterprise(m.owner_enterprise_id),
        project: m.project_id.and_then(|p| projects.get(&p).cloned()),
        enterprise: l.enterprise(m.enterprise_id),
        land: m.land_mu100.map(Mu100),
        id: m.id,
        zone_id: m.zone_id,
        name: m.name,
        location: m.location,
        owner: m.owner,
        owner_enterprise_id: m.owner_enterprise_id,
        building_m2_x100: m.building_m2_x100,
        condition: m.condition,
        revitalised_date: m.revitalised_date,
        project_id: m.project_id,
        enterprise_id: m.enterprise_id,
        notes: m.notes,
        version: m.version,
    }
}

fn audit_view(m: &idle_plant::Model) -> serde_json::Value {
    json!({
        "name": m.name, "location": m.location, "owner": m.owner, "owner_enterprise_id": m.owner_enterprise_id,
        "building_m2": land::x100_2(m.building_m2_x100), "land_mu": m.land_mu100.map(|a| Mu100(a).mu_2()),
        "condition": m.condition, "status": m.status,
        "revitalised_date": m.revitalised_date.map(|d| d.to_string()), "project_id": m.project_id,
        "enterprise_id": m.enterprise_id, "notes": m.notes,
    })
}

/// The raw fields of the idle-plant form (also the JSON input).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlantForm {
    pub name: String,
    pub location: String,
    pub owner: String,
    pub owner_enterprise_id: String,
    /// 建筑面积, 平方米 (2 decimals).
    pub building_m2: String,
    /// 占地面积, 亩 (optional).
    pub land: String,
    pub condition: String,
    /// idle / negotiating / revitalised (or 闲置 / 洽谈中 / 已盘活).
    pub status: String,
    /// 盘活日期 (required when revitalised).
    pub revitalised_date: String,
    pub project_id: String,
    pub enterprise_id: String,
    pub notes: String,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

impl PlantForm {
    pub fn from_plant(p: &IdlePlant) -> PlantForm {
        let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
        PlantForm {
            name: p.name.clone(),
            location: p.location.clone(),
            owner: p.owner.clone(),
            owner_enterprise_id: id(p.owner_enterprise_id),
            building_m2: land::x100_trimmed(p.building_m2_x100),
            land: p.land.map(Mu100::mu_2).unwrap_or_default(),
            condition: p.condition.clone(),
            status: p.status.code().to_string(),
            revitalised_date: p.revitalised_date.map(|d| d.to_string()).unwrap_or_default(),
            project_id: id(p.project_id),
            enterprise_id: id(p.enterprise_id),
            notes: p.notes.clone(),
            version: p.version.to_string(),
        }
    }
}

struct Valid {
    name: String,
    location: String,
    owner: String,
    owner_enterprise_id: Option<i64>,
    building_m2_x100: i64,
    land: Option<Mu100>,
    condition: String,
    status: PlantStatus,
    revitalised_date: Option<NaiveDate>,
    project_id: Option<i64>,
    enterprise_id: Option<i64>,
    notes: String,
}

fn validate(f: &PlantForm, l: &Lookups, projects: &HashMap<i64, String>) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let name = e.required("name", "厂房名称", &f.name, NAME_MAX);
    let location = e.optional("location", "位置", &f.location, NAME_MAX).unwrap_or_default();
    let owner = e.optional("owner", "产权人", &f.owner, NAME_MAX).unwrap_or_default();
    let owner_enterprise_id = check_enterprise(&mut e, "owner_enterprise_id", l, &f.owner_enterprise_id);
    let building = land::parse_m2("建筑面积", &f.building_m2).map_err(|m| e.add("building_m2", m)).ok();
    let land_area = if f.land.trim().is_empty() {
        None
    } else {
        land::parse_area_mu("占地面积", &f.land).map_err(|m| e.add("land", m)).ok()
    };
    let condition = e.optional("condition", "厂房状况", &f.condition, TEXT_MAX).unwrap_or_default();
    let status = PlantStatus::parse(&f.status);
    if status.is_none() {
        e.add("status", "请选择状态（闲置、洽谈中或已盘活）");
    }
    let revitalised = status == Some(PlantStatus::Revitalised);
    let date = opt_date(&mut e, "revitalised_date", "盘活日期", &f.revitalised_date);
    if revitalised && date.is_none() && e.message_for("revitalised_date").is_none() {
        e.add("revitalised_date", "状态为已盘活时须填写盘活日期");
    }
    if date.is_some_and(|d| d > today()) {
        e.add("revitalised_date", "盘活日期不能晚于今天");
    }
    if !revitalised && status.is_some() && date.is_some() {
        e.add("revitalised_date", "厂房尚未盘活：请把状态改为已盘活，或清空盘活日期");
    }
    let project_id = check_project(&mut e, projects, &f.project_id);
    let enterprise_id = check_enterprise(&mut e, "enterprise_id", l, &f.enterprise_id);
    let notes = e.optional("notes", "备注", &f.notes, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    Ok(Valid {
        name,
        location,
        owner,
        owner_enterprise_id,
        building_m2_x100: building.expect("checked"),
        land: land_area,
        condition,
        status: status.expect("checked"),
        revitalised_date: date,
        project_id,
        enterprise_id,
        notes,
    })
}

fn apply(am: &mut idle_plant::ActiveModel, v: Valid) {
    am.name = Set(v.name);
    am.location = Set(v.location);
    am.owner = Set(v.owner);
    am.owner_enterprise_id = Set(v.owner_enterprise_id);
    am.building_m2_x100 = Set(v.building_m2_x100);
    am.land_mu100 = Set(v.land.map(|a| a.0));
    am.condition = Set(v.condition);
    am.status = Set(v.status.code().to_string());
    am.revitalised_date = Set(v.revitalised_date);
    am.project_id = Set(v.project_id);
    am.enterprise_id = Set(v.enterprise_id);
    am.notes = Set(v.notes);
    am.updated_at = Set(chrono::Utc::now());
}

/// Registers an idle plant in the actor's own zone.
pub async fn create(db: &Db, actor: &Actor, f: &PlantForm) -> Result<IdlePlant, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Registers an idle plant in `zone_id` (the system actor's demo loader; others use `create`).
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &PlantForm) -> Result<IdlePlant, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let projects = project_names(db, zone_id).await?;
    let v = validate(f, &l, &projects)?;
    let mut am =
        idle_plant::ActiveModel { zone_id: Set(zone_id), created_at: Set(chrono::Utc::now()), ..Default::default() };
    apply(&mut am, v);
    let txn = db.conn.begin().await?;
    let m = am.insert(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "idle_plant",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增闲置厂房 {}（{} 平方米）", m.name, land::m2_text(m.building_m2_x100)),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_plant(m, &l, &projects))
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<IdlePlant, StoreError> {
    let m = idle_plant::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let projects = project_names(db, m.zone_id).await?;
    Ok(to_plant(m, &l, &projects))
}

/// Saves an edit (status with the revitalised date, the project and enterprise that took it).
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &PlantForm) -> Result<IdlePlant, StoreError> {
    actor.require(Permission::Write)?;
    let before = idle_plant::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let projects = project_names(db, zone_id).await?;
    let v = validate(f, &l, &projects)?;
    let expected = StoreError::expected_version(&f.version, before.version)?;
    let mut am = before.clone().into_active_model();
    apply(&mut am, v);
    am.version = Set(expected + 1);
    let txn = db.conn.begin().await?;
    // only the version the edit was made on may be overwritten; a stale edit changes nothing
    let res = idle_plant::Entity::update_many()
        .set(am)
        .filter(idle_plant::Column::Id.eq(id))
        .filter(idle_plant::Column::ZoneId.eq(zone_id))
        .filter(idle_plant::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = idle_plant::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    let summary = if before.status != after.status {
        format!("修改闲置厂房 {}：{} → {}", after.name, status_of(&before).label(), status_of(&after).label())
    } else {
        format!("修改闲置厂房 {}", after.name)
    };
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "idle_plant",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary,
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_plant(after, &l, &projects))
}

/// Filters of the inventory; all optional, all in the URL.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PlantFilter {
    /// idle / negotiating / revitalised, or "open" (not revitalised).
    pub status: String,
    /// Revitalised from (YYYY-MM-DD).
    pub from: String,
    /// Revitalised to (YYYY-MM-DD).
    pub to: String,
    /// Part of the name, location or owner.
    pub q: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

impl PlantFilter {
    /// The filter as URL pairs, without paging.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("status", self.status.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("q", self.q.clone()),
        ]
    }
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &PlantFilter) -> Result<Page<IdlePlant>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = crate::lookups::date_range(
        idle_plant::Entity::find().filter(idle_plant::Column::ZoneId.eq(zone_id)),
        idle_plant::Column::RevitalisedDate,
        &f.from,
        &f.to,
    )?;
    match f.status.trim() {
        "" => {}
        "open" => q = q.filter(idle_plant::Column::Status.ne(PlantStatus::Revitalised.code())),
        s => match PlantStatus::parse(s) {
            Some(st) => q = q.filter(idle_plant::Column::Status.eq(st.code())),
            None => return Err(Invalid::one("status", "状态应为 闲置、洽谈中 或 已盘活").into()),
        },
    }
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(
            Condition::any()
                .add(idle_plant::Column::Name.contains(text))
                .add(idle_plant::Column::Location.contains(text))
                .add(idle_plant::Column::Owner.contains(text)),
        );
    }
    let q = q
        .order_by_asc(idle_plant::Column::Status)
        .order_by_desc(idle_plant::Column::RevitalisedDate)
        .order_by_asc(idle_plant::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    let l = Lookups::load(db, zone_id).await?;
    let projects = project_names(db, zone_id).await?;
    Ok(Page { rows: rows.into_iter().map(|m| to_plant(m, &l, &projects)).collect(), total, page, per_page })
}

/// The plants revitalised in one half-year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodTotal {
    pub year: i32,
    /// 1 = 上半年 (January–June), 2 = 下半年.
    pub half: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub count: u64,
    /// 0.01 m².
    pub m2_x100: i64,
}

impl PeriodTotal {
    pub fn label(&self) -> String {
        format!("{} 年{}", self.year, if self.half == 1 { "上半年" } else { "下半年" })
    }

    pub fn m2_text(&self) -> String {
        land::m2_text(self.m2_x100)
    }
}

/// The m² revitalised per half-year, newest first.
pub async fn per_period(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<PeriodTotal>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = idle_plant::Entity::find()
        .filter(idle_plant::Column::ZoneId.eq(zone_id))
        .filter(idle_plant::Column::Status.eq(PlantStatus::Revitalised.code()))
        .filter(idle_plant::Column::RevitalisedDate.is_not_null())
        .all(&db.conn)
        .await?;
    let mut by: BTreeMap<(i32, u32), (u64, i64)> = BTreeMap::new();
    for m in rows {
        if let Some(d) = m.revitalised_date {
            let e = by.entry((d.year(), if d.month() <= 6 { 1 } else { 2 })).or_default();
            e.0 += 1;
            e.1 += m.building_m2_x100;
        }
    }
    Ok(by
        .into_iter()
        .rev()
        .map(|((year, half), (count, m2_x100))| {
            let (a, b) = if half == 1 { ((1, 1), (6, 30)) } else { ((7, 1), (12, 31)) };
            PeriodTotal {
                year,
                half,
                from: NaiveDate::from_ymd_opt(year, a.0, a.1).expect("valid"),
                to: NaiveDate::from_ymd_opt(year, b.0, b.1).expect("valid"),
                count,
                m2_x100,
            }
        })
        .collect())
}

/// The plants revitalised between two dates and their building area.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlantFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 盘活闲置厂房（处）.
    pub plants: u64,
    /// Their building area in 0.01 m².
    pub m2_x100: i64,
    /// The query of `/land/idle-plants` that lists exactly these plants.
    pub list_query: String,
}

pub async fn figures(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PlantFigures, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = idle_plant::Entity::find()
        .filter(idle_plant::Column::ZoneId.eq(zone_id))
        .filter(idle_plant::Column::Status.eq(PlantStatus::Revitalised.code()))
        .filter(idle_plant::Column::RevitalisedDate.between(from, to))
        .all(&db.conn)
        .await?;
    Ok(PlantFigures {
        from,
        to,
        plants: rows.len() as u64,
        m2_x100: rows.iter().map(|m| m.building_m2_x100).sum(),
        list_query: format!("status=revitalised&from={from}&to={to}"),
    })
}

/// What fits a lead's land need.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matches {
    pub project_id: i64,
    pub project: String,
    /// The project's 用地需求 (None: not given, so nothing is matched).
    pub need: Option<Mu100>,
    /// Parcels not transferred whose area is between the need and 1.5 × the need.
    pub parcels: Vec<Parcel>,
    /// Plants not revitalised whose land or building area covers the need.
    pub plants: Vec<IdlePlant>,
}

/// The parcels and idle plants of `zone_id` that fit the land need of project `project_id`.
pub async fn matches(db: &Db, scope: &Scope, zone_id: i64, project_id: i64) -> Result<Matches, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let p = crate::projects::get(db, scope, project_id).await?;
    if p.zone_id != zone_id {
        return Err(StoreError::NotFound);
    }
    let mut out = Matches { project_id, project: p.name.clone(), need: p.land, parcels: vec![], plants: vec![] };
    let Some(need) = p.land.filter(|n| n.0 > 0) else {
        return Ok(out);
    };
    let l = Lookups::load(db, zone_id).await?;
    let projects = project_names(db, zone_id).await?;
    out.parcels = land_parcels::open_parcels(db, zone_id)
        .await?
        .into_iter()
        .filter(|m| {
            land::parcel_fits(
                need,
                Mu100(m.area_mu100),
                ParcelStatus::parse(&m.status).unwrap_or(ParcelStatus::Reserve),
            )
        })
        .map(|m| to_parcel(m, &l, &projects))
        .collect();
    out.plants = idle_plant::Entity::find()
        .filter(idle_plant::Column::ZoneId.eq(zone_id))
        .filter(idle_plant::Column::Status.ne(PlantStatus::Revitalised.code()))
        .order_by_asc(idle_plant::Column::BuildingM2X100)
        .order_by_asc(idle_plant::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .filter(|m| land::plant_fits(need, m.land_mu100.map(Mu100), m.building_m2_x100, status_of(m)))
        .map(|m| to_plant(m, &l, &projects))
        .collect();
    Ok(out)
}
