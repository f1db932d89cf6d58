//! Standard parcels (标准地): the zone's parcels with their promised control indicators, the
//! transfer (date, price, the project and enterprise that took it), the achieved values beside
//! the promised ones (a shortfall flags the parcel), the 亩 transferred per year and the period
//! figures (parcels and 亩 transferred between two dates, with the list query behind them).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::land::{self, Indicator, Indicators, ParcelStatus};
use kaifaqu_domain::money::{Mu100, Wan};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::land_parcel;
use crate::lookups::{Lookups, opt_date, opt_id, opt_year, project_names, today};
use crate::{Actor, Db, Page, Scope, StoreError};

/// The largest transfer price accepted: 10,000,000 万元 (1,000 亿元).
pub const MAX_PRICE_WAN: i64 = 10_000_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Parcel {
    pub id: i64,
    pub zone_id: i64,
    /// 地块编号.
    pub code: String,
    pub location: String,
    /// Area in 0.01 亩.
    pub area: Mu100,
    /// The same area in whole m².
    pub area_m2: i64,
    /// The control indicators promised at transfer.
    pub promised: Indicators,
    /// 环境标准.
    pub environment: String,
    pub status: ParcelStatus,
    pub transfer_date: Option<NaiveDate>,
    /// 出让价格, 万元.
    pub price: Option<Wan>,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub enterprise_id: Option<i64>,
    pub enterprise: Option<String>,
    /// The year the achieved values are for.
    pub achieved_year: Option<i32>,
    pub achieved: Indicators,
    pub notes: String,
    /// The indicators that fall short of the promise (labels); non-empty means flagged.
    pub shortfalls: Vec<Indicator>,
    pub flagged: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

impl Parcel {
    pub fn shortfall_text(&self) -> String {
        self.shortfalls.iter().map(|i| i.label()).collect::<Vec<_>>().join("、")
    }
}

fn promised(m: &land_parcel::Model) -> Indicators {
    Indicators {
        investment_intensity_x100: m.investment_intensity_x100,
        plot_ratio_x100: m.plot_ratio_x100,
        tax_per_mu_x100: m.tax_per_mu_x100,
        energy_x100: m.energy_x100,
    }
}

fn achieved(m: &land_parcel::Model) -> Indicators {
    Indicators {
        investment_intensity_x100: m.achieved_investment_intensity_x100,
        plot_ratio_x100: m.achieved_plot_ratio_x100,
        tax_per_mu_x100: m.achieved_tax_per_mu_x100,
        energy_x100: m.achieved_energy_x100,
    }
}

fn status_of(m: &land_parcel::Model) -> ParcelStatus {
    ParcelStatus::parse(&m.status).unwrap_or(ParcelStatus::Reserve)
}

/// The names of a zone's projects (one query).
pub(crate) fn to_parcel(m: land_parcel::Model, l: &Lookups, projects: &HashMap<i64, String>) -> Parcel {
    let status = status_of(&m);
    let (promised, achieved) = (promised(&m), achieved(&m));
    let shortfalls = land::shortfalls(status, &promised, &achieved);
    Parcel {
        area: Mu100(m.area_mu100),
        area_m2: Mu100(m.area_mu100).square_metres(),
        project: m.project_id.and_then(|p| projects.get(&p).cloned()),
        enterprise: l.enterprise(m.enterprise_id),
        flagged: !shortfalls.is_empty(),
        shortfalls,
        promised,
        achieved,
        status,
        id: m.id,
        zone_id: m.zone_id,
        code: m.code,
        location: m.location,
        environment: m.environment,
        transfer_date: m.transfer_date,
        price: m.price_wan.map(Wan),
        project_id: m.project_id,
        enterprise_id: m.enterprise_id,
        achieved_year: m.achieved_year,
        notes: m.notes,
        version: m.version,
    }
}

fn audit_view(m: &land_parcel::Model) -> serde_json::Value {
    let v = |x: Option<i64>| x.map(land::x100_2);
    json!({
        "code": m.code, "location": m.location, "area_mu": Mu100(m.area_mu100).mu_2(),
        "investment_intensity": v(m.investment_intensity_x100), "plot_ratio": v(m.plot_ratio_x100),
        "tax_per_mu": v(m.tax_per_mu_x100), "energy": v(m.energy_x100), "environment": m.environment,
        "status": m.status, "transfer_date": m.transfer_date.map(|d| d.to_string()), "price_wan": m.price_wan,
        "project_id": m.project_id, "enterprise_id": m.enterprise_id, "achieved_year": m.achieved_year,
        "achieved_investment_intensity": v(m.achieved_investment_intensity_x100),
        "achieved_plot_ratio": v(m.achieved_plot_ratio_x100), "achieved_tax_per_mu": v(m.achieved_tax_per_mu_x100),
        "achieved_energy": v(m.achieved_energy_x100), "notes": m.notes,
    })
}

/// The raw fields of the parcel form (also the JSON input); numbers as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ParcelForm {
    pub code: String,
    pub location: String,
    /// 面积, 亩 (2 decimals).
    pub area: String,
    /// 固定资产投资强度, 万元/亩.
    pub investment_intensity: String,
    /// 容积率.
    pub plot_ratio: String,
    /// 亩均税收, 万元/亩.
    pub tax_per_mu: String,
    /// 单位能耗, 吨标准煤/万元.
    pub energy: String,
    /// 环境标准.
    pub environment: String,
    /// reserve / transferring / transferred (or 储备 / 出让中 / 已出让).
    pub status: String,
    /// 出让日期 (required when transferred).
    pub transfer_date: String,
    /// 出让价格, 万元 (whole).
    pub price: String,
    pub project_id: String,
    pub enterprise_id: String,
    /// The year of the achieved values.
    pub achieved_year: String,
    pub achieved_investment_intensity: String,
    pub achieved_plot_ratio: String,
    pub achieved_tax_per_mu: String,
    pub achieved_energy: String,
    pub notes: String,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

impl ParcelForm {
    pub fn from_parcel(p: &Parcel) -> ParcelForm {
        let x = |v: Option<i64>| v.map(land::x100_trimmed).unwrap_or_default();
        let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
        ParcelForm {
            code: p.code.clone(),
            location: p.location.clone(),
            area: p.area.mu_2(),
            investment_intensity: x(p.promised.investment_intensity_x100),
            plot_ratio: x(p.promised.plot_ratio_x100),
            tax_per_mu: x(p.promised.tax_per_mu_x100),
            energy: x(p.promised.energy_x100),
            environment: p.environment.clone(),
            status: p.status.code().to_string(),
            transfer_date: p.transfer_date.map(|d| d.to_string()).unwrap_or_default(),
            price: p.price.map(|w| w.0.to_string()).unwrap_or_default(),
            project_id: id(p.project_id),
            enterprise_id: id(p.enterprise_id),
            achieved_year: p.achieved_year.map(|y| y.to_string()).unwrap_or_default(),
            achieved_investment_intensity: x(p.achieved.investment_intensity_x100),
            achieved_plot_ratio: x(p.achieved.plot_ratio_x100),
            achieved_tax_per_mu: x(p.achieved.tax_per_mu_x100),
            achieved_energy: x(p.achieved.energy_x100),
            notes: p.notes.clone(),
            version: p.version.to_string(),
        }
    }

    fn promised_raw(&self, i: Indicator) -> &str {
        match i {
            Indicator::Intensity => &self.investment_intensity,
            Indicator::PlotRatio => &self.plot_ratio,
            Indicator::TaxPerMu => &self.tax_per_mu,
            Indicator::Energy => &self.energy,
        }
    }

    fn achieved_raw(&self, i: Indicator) -> &str {
        match i {
            Indicator::Intensity => &self.achieved_investment_intensity,
            Indicator::PlotRatio => &self.achieved_plot_ratio,
            Indicator::TaxPerMu => &self.achieved_tax_per_mu,
            Indicator::Energy => &self.achieved_energy,
        }
    }
}

/// Parses the four indicators of one side; fields are `prefix` + the indicator code.
fn indicators(e: &mut Invalid, what: &str, prefix: &str, raw: impl Fn(Indicator) -> String) -> Indicators {
    let mut out = [None; 4];
    for (n, i) in Indicator::ALL.iter().enumerate() {
        let s = raw(*i);
        if s.trim().is_empty() {
            continue;
        }
        match i.parse_value(what, &s) {
            Ok(v) => out[n] = Some(v),
            Err(m) => e.add(&format!("{prefix}{}", i.code()), m),
        }
    }
    Indicators {
        investment_intensity_x100: out[0],
        plot_ratio_x100: out[1],
        tax_per_mu_x100: out[2],
        energy_x100: out[3],
    }
}

/// Parses an optional whole number of 万元 ("1200", "1,200万元").
pub(crate) fn opt_wan(e: &mut Invalid, field: &str, label: &str, s: &str) -> Option<Wan> {
    let raw = s.trim();
    if raw.is_empty() {
        return None;
    }
    let n = raw.replace([',', '，', ' '], "");
    let n = n.strip_suffix("万元").or_else(|| n.strip_suffix('万')).unwrap_or(&n);
    match n.parse::<i64>() {
        Ok(v) if (0..=MAX_PRICE_WAN).contains(&v) => Some(Wan(v)),
        Ok(v) if v < 0 => {
            e.add(field, format!("{label}不能为负数"));
            None
        }
        Ok(_) => {
            e.add(field, format!("{label}“{raw}”超过 1000 亿元，请核对单位（以万元计）"));
            None
        }
        Err(_) => {
            e.add(field, format!("{label}“{raw}”应为以万元计的整数"));
            None
        }
    }
}

/// Checks an optional project id: it must be a project of the zone.
pub(crate) fn check_project(e: &mut Invalid, projects: &HashMap<i64, String>, raw: &str) -> Option<i64> {
    let id = opt_id(e, "project_id", "项目", raw);
    if id.is_some_and(|p| !projects.contains_key(&p)) {
        e.add("project_id", "所选项目不属于本开发区");
    }
    id
}

/// Checks an optional enterprise id: it must be an enterprise of the zone.
pub(crate) fn check_enterprise(e: &mut Invalid, field: &str, l: &Lookups, raw: &str) -> Option<i64> {
    let id = opt_id(e, field, "企业", raw);
    if id.is_some_and(|x| !l.enterprises.contains_key(&x)) {
        e.add(field, "所选企业不属于本开发区");
    }
    id
}

struct Valid {
    code: String,
    location: String,
    area: Mu100,
    promised: Indicators,
    environment: String,
    status: ParcelStatus,
    transfer_date: Option<NaiveDate>,
    price: Option<Wan>,
    project_id: Option<i64>,
    enterprise_id: Option<i64>,
    achieved_year: Option<i32>,
    achieved: Indicators,
    notes: String,
}

fn validate(f: &ParcelForm, l: &Lookups, projects: &HashMap<i64, String>) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let code = e.required("code", "地块编号", &f.code, NAME_MAX);
    let location = e.optional("location", "位置", &f.location, NAME_MAX).unwrap_or_default();
    let area = land::parse_area_mu("面积", &f.area).map_err(|m| e.add("area", m)).ok();
    let promised = indicators(&mut e, "承诺", "", |i| f.promised_raw(i).to_string());
    let environment = e.optional("environment", "环境标准", &f.environment, TEXT_MAX).unwrap_or_default();
    let status = ParcelStatus::parse(&f.status);
    if status.is_none() {
        e.add("status", "请选择状态（储备、出让中或已出让）");
    }
    let transferred = status == Some(ParcelStatus::Transferred);
    let transfer_date = opt_date(&mut e, "transfer_date", "出让日期", &f.transfer_date);
    if transferred && transfer_date.is_none() && e.message_for("transfer_date").is_none() {
        e.add("transfer_date", "状态为已出让时须填写出让日期");
    }
    if transfer_date.is_some_and(|d| d > today()) {
        e.add("transfer_date", "出让日期不能晚于今天");
    }
    if !transferred && status.is_some() && transfer_date.is_some() {
        e.add("transfer_date", "地块尚未出让：请把状态改为已出让，或清空出让日期");
    }
    let price = opt_wan(&mut e, "price", "出让价格", &f.price);
    let project_id = check_project(&mut e, projects, &f.project_id);
    let enterprise_id = check_enterprise(&mut e, "enterprise_id", l, &f.enterprise_id);
    let achieved_year = opt_year(&mut e, "achieved_year", "实际值年度", &f.achieved_year);
    let achieved = indicators(&mut e, "实际", "achieved_", |i| f.achieved_raw(i).to_string());
    if !achieved.is_empty() {
        if status.is_some() && !transferred {
            e.add("achieved_year", "地块出让后才能填写实际达到的指标");
        } else if achieved_year.is_none() && e.message_for("achieved_year").is_none() {
            e.add("achieved_year", "填写了实际值，请同时填写实际值所属年度");
        }
    }
    if let (Some(y), Some(d)) = (achieved_year, transfer_date)
        && y < d.year()
    {
        e.add("achieved_year", format!("实际值年度不能早于出让年度 {}", d.year()));
    }
    let notes = e.optional("notes", "备注", &f.notes, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    Ok(Valid {
        code,
        location,
        area: area.expect("checked"),
        promised,
        environment,
        status: status.expect("checked"),
        transfer_date,
        price,
        project_id,
        enterprise_id,
        achieved_year,
        achieved,
        notes,
    })
}

fn apply(am: &mut land_parcel::ActiveModel, v: Valid) {
    am.code = Set(v.code);
    am.location = Set(v.location);
    am.area_mu100 = Set(v.area.0);
    am.investment_intensity_x100 = Set(v.promised.investment_intensity_x100);
    am.plot_ratio_x100 = Set(v.promised.plot_ratio_x100);
    am.tax_per_mu_x100 = Set(v.promised.tax_per_mu_x100);
    am.energy_x100 = Set(v.promised.energy_x100);
    am.environment = Set(v.environment);
    am.status = Set(v.status.code().to_string());
    am.transfer_date = Set(v.transfer_date);
    am.price_wan = Set(v.price.map(|w| w.0));
    am.project_id = Set(v.project_id);
    am.enterprise_id = Set(v.enterprise_id);
    am.achieved_year = Set(v.achieved_year);
    am.achieved_investment_intensity_x100 = Set(v.achieved.investment_intensity_x100);
    am.achieved_plot_ratio_x100 = Set(v.achieved.plot_ratio_x100);
    am.achieved_tax_per_mu_x100 = Set(v.achieved.tax_per_mu_x100);
    am.achieved_energy_x100 = Set(v.achieved.energy_x100);
    am.notes = Set(v.notes);
    am.updated_at = Set(chrono::Utc::now());
}

const DUPLICATE: &str = "本开发区已有相同编号的地块";

/// Registers a parcel in the actor's own zone.
pub async fn create(db: &Db, actor: &Actor, f: &ParcelForm) -> Result<Parcel, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Registers a parcel in `zone_id` (the system actor's demo loader; others use `create`).
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &ParcelForm) -> Result<Parcel, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let projects = project_names(db, zone_id).await?;
    let v = validate(f, &l, &projects)?;
    let now = chrono::Utc::now();
    let mut am = land_parcel::ActiveModel { zone_id: Set(zone_id), created_at: Set(now), ..Default::default() };
    apply(&mut am, v);
    let txn = db.conn.begin().await?;
    let m = am.insert(&txn).await.map_err(|e| StoreError::unique_as(e, "code", DUPLICATE))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "land_parcel",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增标准地 {}（{} 亩）", m.code, Mu100(m.area_mu100).mu_2()),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_parcel(m, &l, &projects))
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Parcel, StoreError> {
    let m = land_parcel::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let projects = project_names(db, m.zone_id).await?;
    Ok(to_parcel(m, &l, &projects))
}

/// Saves an edit: the record, a status change with its transfer date, the taker, and later
/// the achieved values.
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &ParcelForm) -> Result<Parcel, StoreError> {
    actor.require(Permission::Write)?;
    let before = land_parcel::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
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
    let res = land_parcel::Entity::update_many()
        .set(am)
        .filter(land_parcel::Column::Id.eq(id))
        .filter(land_parcel::Column::ZoneId.eq(zone_id))
        .filter(land_parcel::Column::Version.eq(expected))
        .exec(&txn)
        .await
        .map_err(|e| StoreError::unique_as(e, "code", DUPLICATE))?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    let after = land_parcel::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
    let summary = if before.status != after.status {
        format!("修改标准地 {}：{} → {}", after.code, status_of(&before).label(), status_of(&after).label())
    } else {
        format!("修改标准地 {}", after.code)
    };
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "land_parcel",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary,
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_parcel(after, &l, &projects))
}

/// Filters of the parcel list; all optional, all in the URL.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ParcelFilter {
    /// reserve / transferring / transferred.
    pub status: String,
    /// Transferred from (YYYY-MM-DD).
    pub from: String,
    /// Transferred to (YYYY-MM-DD).
    pub to: String,
    /// "1": only parcels whose achieved values fall short of the promise.
    pub flagged: String,
    /// Part of the code, location or environment standard.
    pub q: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

impl ParcelFilter {
    /// The filter as URL pairs, without paging.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("status", self.status.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("flagged", self.flagged.clone()),
            ("q", self.q.clone()),
        ]
    }
}

/// The zone's parcels matching the filter, transferred first by date, newest first. The
/// flag is the domain's shortfall rule, applied to each row (a zone has dozens of parcels).
pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &ParcelFilter) -> Result<Page<Parcel>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = crate::lookups::date_range(
        land_parcel::Entity::find().filter(land_parcel::Column::ZoneId.eq(zone_id)),
        land_parcel::Column::TransferDate,
        &f.from,
        &f.to,
    )?;
    if !f.status.trim().is_empty() {
        match ParcelStatus::parse(&f.status) {
            Some(s) => q = q.filter(land_parcel::Column::Status.eq(s.code())),
            None => return Err(Invalid::one("status", "状态应为 储备、出让中 或 已出让").into()),
        }
    }
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(
            Condition::any()
                .add(land_parcel::Column::Code.contains(text))
                .add(land_parcel::Column::Location.contains(text))
                .add(land_parcel::Column::Environment.contains(text)),
        );
    }
    let rows = q
        .order_by_desc(land_parcel::Column::TransferDate)
        .order_by_asc(land_parcel::Column::Code)
        .order_by_asc(land_parcel::Column::Id)
        .all(&db.conn)
        .await?;
    let l = Lookups::load(db, zone_id).await?;
    let projects = project_names(db, zone_id).await?;
    let mut all: Vec<Parcel> = rows.into_iter().map(|m| to_parcel(m, &l, &projects)).collect();
    // parcels not yet transferred (no date) after the transferred ones
    all.sort_by_key(|p| p.transfer_date.is_none());
    if f.flagged.trim() == "1" {
        all.retain(|p| p.flagged);
    }
    let per_page = f.per_page.unwrap_or(50).clamp(1, 10_000);
    let page = f.page.unwrap_or(1).clamp(1, 1_000_000);
    let total = all.len() as u64;
    let rows = all.into_iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).collect();
    Ok(Page { rows, total, page, per_page })
}

/// Parcels transferred in one calendar year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearTotal {
    pub year: i32,
    pub count: u64,
    pub area: Mu100,
}

/// Count and 亩 of the parcels transferred, by transfer year, newest year first.
pub async fn per_year(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<YearTotal>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = land_parcel::Entity::find()
        .filter(land_parcel::Column::ZoneId.eq(zone_id))
        .filter(land_parcel::Column::Status.eq(ParcelStatus::Transferred.code()))
        .filter(land_parcel::Column::TransferDate.is_not_null())
        .all(&db.conn)
        .await?;
    let mut by_year: BTreeMap<i32, (u64, i64)> = BTreeMap::new();
    for m in rows {
        if let Some(d) = m.transfer_date {
            let e = by_year.entry(d.year()).or_default();
            e.0 += 1;
            e.1 += m.area_mu100;
        }
    }
    Ok(by_year.into_iter().rev().map(|(year, (count, a))| YearTotal { year, count, area: Mu100(a) }).collect())
}

/// The parcels transferred between two dates and their area.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParcelFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 出让标准地（宗）.
    pub parcels: u64,
    /// Their area in 0.01 亩.
    pub area: Mu100,
    /// The query of `/land/parcels` that lists exactly these parcels.
    pub list_query: String,
}

pub async fn figures(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ParcelFigures, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = land_parcel::Entity::find()
        .filter(land_parcel::Column::ZoneId.eq(zone_id))
        .filter(land_parcel::Column::Status.eq(ParcelStatus::Transferred.code()))
        .filter(land_parcel::Column::TransferDate.between(from, to))
        .all(&db.conn)
        .await?;
    Ok(ParcelFigures {
        from,
        to,
        parcels: rows.len() as u64,
        area: Mu100(rows.iter().map(|m| m.area_mu100).sum()),
        list_query: format!("status=transferred&from={from}&to={to}"),
    })
}

/// The zone's parcels not yet transferred (for matching).
pub(crate) async fn open_parcels(db: &Db, zone_id: i64) -> Result<Vec<land_parcel::Model>, StoreError> {
    Ok(land_parcel::Entity::find()
        .filter(land_parcel::Column::ZoneId.eq(zone_id))
        .filter(land_parcel::Column::Status.ne(ParcelStatus::Transferred.code()))
        .order_by_asc(land_parcel::Column::AreaMu100)
        .order_by_asc(land_parcel::Column::Id)
        .all(&db.conn)
        .await?)
}
