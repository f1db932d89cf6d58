//! 亩均效益评价: a zone's scheme per year (saved, or the previous year's, or a preset), the
//! enterprises' yearly figures (one record per enterprise and year; form, JSON and an
//! all-or-nothing XLSX import), and the evaluation computed from them by
//! `kaifaqu_domain::per_mu` (derived values, scores, ranks, grades, distribution).

use std::collections::HashMap;

use kaifaqu_domain::audit::Action;
use kaifaqu_domain::money::Mu100;
use kaifaqu_domain::per_mu::{self, Grade, IndicatorScore, Inputs, Scheme, parse_x100, x100_text};
use kaifaqu_domain::validate::NAME_MAX;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{enterprise, per_mu_record, per_mu_scheme};
use crate::lookups::opt_year;
use crate::{Actor, Db, Scope, StoreError};

/// The preset used when a zone has saved no scheme yet.
pub const DEFAULT_PRESET: &str = "zhejiang";

/// The scheme in force for a zone and year, and where it comes from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SchemeInfo {
    pub year: i32,
    pub scheme: Scheme,
    /// Saved for this year (otherwise the previous saved year's, or the default preset).
    pub saved: bool,
    /// "本年度已保存的方案", "沿用 2023 年的方案" or "预置方案（尚未保存）".
    pub source: String,
}

fn parse_scheme(m: &per_mu_scheme::Model) -> Result<Scheme, StoreError> {
    serde_json::from_str(&m.config).map_err(|e| StoreError::Config(format!("亩均效益评价方案无法读取：{e}")))
}

/// The scheme of `year`: this year's saved one, else the latest earlier saved one, else the
/// default preset.
pub async fn scheme(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<SchemeInfo, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    scheme_on(&db.conn, zone_id, year).await
}

async fn scheme_on<C: ConnectionTrait>(conn: &C, zone_id: i64, year: i32) -> Result<SchemeInfo, StoreError> {
    let m = per_mu_scheme::Entity::find()
        .filter(per_mu_scheme::Column::ZoneId.eq(zone_id))
        .filter(per_mu_scheme::Column::Year.lte(year))
        .order_by_desc(per_mu_scheme::Column::Year)
        .one(conn)
        .await?;
    Ok(match m {
        Some(m) if m.year == year => {
            SchemeInfo { year, scheme: parse_scheme(&m)?, saved: true, source: "本年度已保存的方案".into() }
        }
        Some(m) => {
            SchemeInfo {
                year, scheme: parse_scheme(&m)?, saved: false, source: format!("沿用 {} 年的方案", m.year)
            }
        }
        None => SchemeInfo {
            year,
            scheme: Scheme::preset(DEFAULT_PRESET).expect("the default preset exists"),
            saved: false,
            source: "预置方案（尚未保存）".into(),
        },
    })
}

fn check_year(year: i32) -> Result<i32, StoreError> {
    if (2000..=2099).contains(&year) {
        Ok(year)
    } else {
        Err(Invalid::one("year", "年度应为 2000 到 2099 之间的年份").into())
    }
}

/// Saves the scheme of `year` after validating it (weights sum to 100, bands to 100 %, …).
pub async fn save_scheme(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    year: i32,
    scheme: &Scheme,
) -> Result<SchemeInfo, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let year = check_year(year)?;
    let mut s = scheme.clone();
    s.name = s.name.trim().to_string();
    s.validate()?;
    let config = serde_json::to_string(&s).map_err(|e| StoreError::Config(e.to_string()))?;
    let txn = db.conn.begin().await?;
    let existing = per_mu_scheme::Entity::find()
        .filter(per_mu_scheme::Column::ZoneId.eq(zone_id))
        .filter(per_mu_scheme::Column::Year.eq(year))
        .one(&txn)
        .await?;
    let (before, id, action) = match existing {
        Some(m) => {
            let before: serde_json::Value = serde_json::from_str(&m.config).unwrap_or_default();
            let id = m.id;
            let mut am = m.into_active_model();
            am.name = Set(s.name.clone());
            am.config = Set(config);
            am.updated_at = Set(chrono::Utc::now());
            am.update(&txn).await?;
            (before, id, Action::Update)
        }
        None => {
            let m = per_mu_scheme::ActiveModel {
                zone_id: Set(zone_id),
                year: Set(year),
                name: Set(s.name.clone()),
                config: Set(config),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (serde_json::Value::Null, m.id, Action::Create)
        }
    };
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "per_mu_scheme",
            entity_id: Some(id.to_string()),
            action,
            summary: format!("保存 {year} 年亩均效益评价方案：{}", s.name),
            before,
            after: serde_json::to_value(&s).unwrap_or_default(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SchemeInfo { year, scheme: s, saved: true, source: "本年度已保存的方案".into() })
}

/// The id of the saved scheme row of `year` (for its history tab), if saved.
pub async fn scheme_id(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Option<i64>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    Ok(per_mu_scheme::Entity::find()
        .filter(per_mu_scheme::Column::ZoneId.eq(zone_id))
        .filter(per_mu_scheme::Column::Year.eq(year))
        .one(&db.conn)
        .await?
        .map(|m| m.id))
}

/// One enterprise's figures for a year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Record {
    pub id: i64,
    pub zone_id: i64,
    pub year: i32,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub credit_code: String,
    pub above_scale: bool,
    /// 用地面积, 0.01 亩.
    pub land_mu100: i64,
    /// 税收, 0.01 万元.
    pub tax_wan100: i64,
    /// 营业收入, 0.01 万元.
    pub revenue_wan100: i64,
    /// 工业增加值, 0.01 万元.
    pub value_added_wan100: i64,
    /// 综合能耗, 0.01 吨标准煤.
    pub energy_tce100: i64,
    /// 研发经费, 0.01 万元.
    pub rd_wan100: i64,
    pub employees: i64,
    /// 投产年份.
    pub production_year: Option<i32>,
    /// 人工认定不定等级.
    pub exempt: bool,
    pub exempt_reason: String,
}

impl Record {
    pub fn inputs(&self) -> Inputs {
        Inputs {
            land_mu100: self.land_mu100,
            tax_wan100: self.tax_wan100,
            revenue_wan100: self.revenue_wan100,
            value_added_wan100: self.value_added_wan100,
            energy_tce100: self.energy_tce100,
            rd_wan100: self.rd_wan100,
            employees: self.employees,
            above_scale: self.above_scale,
            production_year: self.production_year,
            exempt: self.exempt,
            exempt_reason: self.exempt_reason.clone(),
        }
    }

    /// The record as its form (for editing): numbers as decimal text.
    pub fn form(&self) -> RecordForm {
        RecordForm {
            year: self.year.to_string(),
            enterprise_id: self.enterprise_id.to_string(),
            land_mu: Mu100(self.land_mu100).mu_2(),
            tax_wan: x100_text(self.tax_wan100),
            revenue_wan: x100_text(self.revenue_wan100),
            value_added_wan: x100_text(self.value_added_wan100),
            energy_tce: x100_text(self.energy_tce100),
            rd_wan: x100_text(self.rd_wan100),
            employees: self.employees.to_string(),
            production_year: self.production_year.map(|y| y.to_string()).unwrap_or_default(),
            exempt: self.exempt.then(|| "on".to_string()),
            exempt_reason: self.exempt_reason.clone(),
        }
    }
}

type Firms = HashMap<i64, enterprise::Model>;

async fn firms<C: ConnectionTrait>(conn: &C, zone_id: i64) -> Result<Firms, StoreError> {
    Ok(enterprise::Entity::find()
        .filter(enterprise::Column::ZoneId.eq(zone_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect())
}

fn to_record(m: per_mu_record::Model, f: &Firms) -> Record {
    let firm = f.get(&m.enterprise_id);
    Record {
        enterprise: firm.map(|e| e.name.clone()).unwrap_or_default(),
        credit_code: firm.map(|e| e.credit_code.clone()).unwrap_or_default(),
        above_scale: firm.is_some_and(|e| e.above_scale),
        id: m.id,
        zone_id: m.zone_id,
        year: m.year,
        enterprise_id: m.enterprise_id,
        land_mu100: m.land_mu100,
        tax_wan100: m.tax_wan100,
        revenue_wan100: m.revenue_wan100,
        value_added_wan100: m.value_added_wan100,
        energy_tce100: m.energy_tce100,
        rd_wan100: m.rd_wan100,
        employees: i64::from(m.employees),
        production_year: m.production_year,
        exempt: m.exempt,
        exempt_reason: m.exempt_reason,
    }
}

fn audit_view(m: &per_mu_record::Model) -> serde_json::Value {
    json!({
        "year": m.year, "enterprise_id": m.enterprise_id,
        "land_mu": Mu100(m.land_mu100).mu_2(), "tax_wan": x100_text(m.tax_wan100),
        "revenue_wan": x100_text(m.revenue_wan100), "value_added_wan": x100_text(m.value_added_wan100),
        "energy_tce": x100_text(m.energy_tce100), "rd_wan": x100_text(m.rd_wan100),
        "employees": m.employees, "production_year": m.production_year,
        "exempt": m.exempt, "exempt_reason": m.exempt_reason,
    })
}

/// The record form (page, JSON): numbers as decimal text in 亩, 万元, 吨标准煤 (≤ 2 decimals).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RecordForm {
    pub year: String,
    pub enterprise_id: String,
    /// 用地面积（亩）.
    pub land_mu: String,
    /// 税收（万元）.
    pub tax_wan: String,
    /// 营业收入（万元）.
    pub revenue_wan: String,
    /// 工业增加值（万元）, may be negative.
    pub value_added_wan: String,
    /// 综合能耗（吨标准煤）.
    pub energy_tce: String,
    /// 研发经费（万元）.
    pub rd_wan: String,
    /// 从业人员（人）.
    pub employees: String,
    /// 投产年份 (optional).
    pub production_year: String,
    /// "on": 人工认定不定等级 (a reason is then required).
    pub exempt: Option<String>,
    pub exempt_reason: String,
}

/// The largest land accepted: 100,000 亩.
const MAX_LAND_MU100: i64 = 10_000_000;

struct Valid {
    year: i32,
    enterprise_id: i64,
    inputs: Inputs,
}

/// The form's field names and the labels used in messages (and as import column headers).
pub const FIELDS: &[(&str, &str)] = &[
    ("enterprise_id", "企业名称"),
    ("land_mu", "用地面积（亩）"),
    ("tax_wan", "税收（万元）"),
    ("revenue_wan", "营业收入（万元）"),
    ("value_added_wan", "工业增加值（万元）"),
    ("energy_tce", "综合能耗（吨标准煤）"),
    ("rd_wan", "研发经费（万元）"),
    ("employees", "从业人员（人）"),
    ("production_year", "投产年份"),
    ("exempt_reason", "不定等级原因"),
];

fn validate(f: &RecordForm, firms: &Firms) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let year = match opt_year(&mut e, "year", "年度", &f.year) {
        Some(y) => y,
        None => {
            if e.message_for("year").is_none() {
                e.add("year", "请填写评价年度");
            }
            0
        }
    };
    let enterprise_id = match f.enterprise_id.trim().parse::<i64>() {
        Ok(id) if firms.contains_key(&id) => id,
        Ok(_) => {
            e.add("enterprise_id", "所选企业不属于本开发区");
            0
        }
        Err(_) => {
            e.add("enterprise_id", "请选择企业");
            0
        }
    };
    let land = match Mu100::parse(&f.land_mu) {
        _ if f.land_mu.trim().is_empty() => {
            e.add("land_mu", "用地面积不能为空");
            0
        }
        Ok(m) if m.0 == 0 => {
            e.add("land_mu", "用地面积应大于 0 亩");
            0
        }
        Ok(m) if m.0 > MAX_LAND_MU100 => {
            e.add("land_mu", "用地面积超过 100000 亩，请检查单位是否为亩（而非平方米）");
            0
        }
        Ok(m) => m.0,
        Err(msg) => {
            e.add("land_mu", format!("用地面积：{msg}"));
            0
        }
    };
    let mut num = |field: &str, label: &str, s: &str, neg: bool| match parse_x100(s, label, neg) {
        Ok(v) => v,
        Err(m) => {
            e.add(field, m);
            0
        }
    };
    let tax = num("tax_wan", "税收", &f.tax_wan, false);
    let revenue = num("revenue_wan", "营业收入", &f.revenue_wan, false);
    let value_added = num("value_added_wan", "工业增加值", &f.value_added_wan, true);
    let energy = num("energy_tce", "综合能耗", &f.energy_tce, false);
    let rd = num("rd_wan", "研发经费", &f.rd_wan, false);
    if revenue > 0 && tax > revenue {
        e.add("tax_wan", "税收大于营业收入，请检查单位是否都是万元");
    }
    if revenue > 0 && rd > revenue {
        e.add("rd_wan", "研发经费大于营业收入，请检查单位是否都是万元");
    }
    if revenue > 0 && value_added > revenue {
        e.add("value_added_wan", "工业增加值大于营业收入，请检查单位是否都是万元");
    }
    let employees = match f.employees.trim().parse::<i64>() {
        Ok(n) if (0..=1_000_000).contains(&n) => n,
        _ if f.employees.trim().is_empty() => {
            e.add("employees", "从业人员不能为空");
            0
        }
        _ => {
            e.add("employees", "从业人员应为 0 到 1000000 之间的整数（人）");
            0
        }
    };
    let production_year = opt_year(&mut e, "production_year", "投产年份", &f.production_year);
    if let Some(p) = production_year
        && year > 0
        && p > year
    {
        e.add("production_year", format!("投产年份不能晚于评价年度 {year} 年"));
    }
    let exempt = f.exempt.as_deref().is_some_and(|v| matches!(v, "on" | "true" | "1"));
    let reason = e.optional("exempt_reason", "不定等级原因", &f.exempt_reason, NAME_MAX).unwrap_or_default();
    if exempt && reason.is_empty() {
        e.add("exempt_reason", "认定为不定等级时须填写原因");
    }
    e.into_result()?;
    Ok(Valid {
        year,
        enterprise_id,
        inputs: Inputs {
            land_mu100: land,
            tax_wan100: tax,
            revenue_wan100: revenue,
            value_added_wan100: value_added,
            energy_tce100: energy,
            rd_wan100: rd,
            employees,
            above_scale: false,
            production_year,
            exempt,
            exempt_reason: if exempt { reason } else { String::new() },
        },
    })
}

fn apply(am: &mut per_mu_record::ActiveModel, v: &Valid) {
    am.year = Set(v.year);
    am.enterprise_id = Set(v.enterprise_id);
    am.land_mu100 = Set(v.inputs.land_mu100);
    am.tax_wan100 = Set(v.inputs.tax_wan100);
    am.revenue_wan100 = Set(v.inputs.revenue_wan100);
    am.value_added_wan100 = Set(v.inputs.value_added_wan100);
    am.energy_tce100 = Set(v.inputs.energy_tce100);
    am.rd_wan100 = Set(v.inputs.rd_wan100);
    am.employees = Set(i32::try_from(v.inputs.employees).unwrap_or(i32::MAX));
    am.production_year = Set(v.inputs.production_year);
    am.exempt = Set(v.inputs.exempt);
    am.exempt_reason = Set(v.inputs.exempt_reason.clone());
    am.updated_at = Set(chrono::Utc::now());
}

const DUPLICATE: &str = "该企业本年度的亩均效益数据已登记，请修改已有记录";

/// Creates a record in the actor's own zone.
pub async fn create(db: &Db, actor: &Actor, f: &RecordForm) -> Result<Record, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Creates a record in `zone_id` (the system actor's demo loader; others use `create`).
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &RecordForm) -> Result<Record, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let fs = firms(&db.conn, zone_id).await?;
    let v = validate(f, &fs)?;
    let txn = db.conn.begin().await?;
    let m = insert(&txn, actor, zone_id, &v, &fs).await?;
    txn.commit().await?;
    Ok(to_record(m, &fs))
}

async fn insert<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    zone_id: i64,
    v: &Valid,
    fs: &Firms,
) -> Result<per_mu_record::Model, StoreError> {
    let mut am = per_mu_record::ActiveModel { zone_id: Set(zone_id), ..Default::default() };
    apply(&mut am, v);
    let m = am.insert(conn).await.map_err(|e| StoreError::unique_as(e, "enterprise_id", DUPLICATE))?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "per_mu_record",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!(
                "新增 {} 年亩均效益数据：{}",
                m.year,
                fs.get(&m.enterprise_id).map(|e| e.name.as_str()).unwrap_or("")
            ),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    Ok(m)
}

async fn update_model<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    before: per_mu_record::Model,
    v: &Valid,
    fs: &Firms,
) -> Result<per_mu_record::Model, StoreError> {
    let mut am = before.clone().into_active_model();
    apply(&mut am, v);
    let after = am.update(conn).await.map_err(|e| StoreError::unique_as(e, "enterprise_id", DUPLICATE))?;
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "per_mu_record",
            entity_id: Some(after.id.to_string()),
            action: Action::Update,
            summary: format!(
                "修改 {} 年亩均效益数据：{}",
                after.year,
                fs.get(&after.enterprise_id).map(|e| e.name.as_str()).unwrap_or("")
            ),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    Ok(after)
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &RecordForm) -> Result<Record, StoreError> {
    actor.require(Permission::Write)?;
    let before = per_mu_record::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    let fs = firms(&db.conn, zone_id).await?;
    let v = validate(f, &fs)?;
    let txn = db.conn.begin().await?;
    let after = update_model(&txn, actor, before, &v, &fs).await?;
    txn.commit().await?;
    Ok(to_record(after, &fs))
}

pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<(), StoreError> {
    actor.require(Permission::Write)?;
    let m = per_mu_record::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(m.zone_id)?;
    let fs = firms(&db.conn, zone_id).await?;
    let txn = db.conn.begin().await?;
    per_mu_record::Entity::delete_by_id(id).exec(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "per_mu_record",
            entity_id: Some(id.to_string()),
            action: Action::Delete,
            summary: format!(
                "删除 {} 年亩均效益数据：{}",
                m.year,
                fs.get(&m.enterprise_id).map(|e| e.name.as_str()).unwrap_or("")
            ),
            before: audit_view(&m),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Record, StoreError> {
    let m = per_mu_record::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let fs = firms(&db.conn, m.zone_id).await?;
    Ok(to_record(m, &fs))
}

/// The records of a zone and year, by enterprise name.
pub async fn list(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Vec<Record>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let fs = firms(&db.conn, zone_id).await?;
    let mut rows: Vec<Record> = per_mu_record::Entity::find()
        .filter(per_mu_record::Column::ZoneId.eq(zone_id))
        .filter(per_mu_record::Column::Year.eq(year))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| to_record(m, &fs))
        .collect();
    rows.sort_by(|a, b| a.enterprise.cmp(&b.enterprise).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// One row of an uploaded sheet (texts as read; checked here).
#[derive(Debug, Clone, Default)]
pub struct ImportRow {
    /// 1-based sheet row.
    pub line: u32,
    /// 企业名称 or 统一社会信用代码.
    pub enterprise: String,
    /// The header of the column the enterprise came from (for messages).
    pub enterprise_column: String,
    pub land_mu: String,
    pub tax_wan: String,
    pub revenue_wan: String,
    pub value_added_wan: String,
    pub energy_tce: String,
    pub rd_wan: String,
    pub employees: String,
    pub production_year: String,
    /// Not empty: 不定等级 for this reason.
    pub exempt_reason: String,
}

/// A problem with one cell (or row) of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行“{}”：{}", self.line, self.column, self.reason)
    }
}

pub enum ImportOutcome {
    /// (created, updated).
    Imported(usize, usize),
    Rejected(Vec<RowError>),
}

/// Imports a year's figures: each row creates the enterprise's record of `year` or replaces it.
/// Every row is checked first; on any error nothing is saved.
pub async fn import(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    year: i32,
    rows: &[ImportRow],
) -> Result<ImportOutcome, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let year = check_year(year)?;
    let fs = firms(&db.conn, zone_id).await?;
    let mut errors = Vec::new();
    let mut valid: Vec<Valid> = Vec::new();
    let mut seen: HashMap<i64, u32> = HashMap::new();
    if rows.is_empty() {
        errors.push(RowError { line: 0, column: String::new(), reason: "表中没有数据行".into() });
    }
    for r in rows {
        let key = r.enterprise.trim();
        let code = key.to_uppercase();
        let firm = fs.values().find(|e| e.name == key || e.credit_code == code);
        let Some(firm) = firm else {
            errors.push(RowError {
                line: r.line,
                column: r.enterprise_column.clone(),
                reason: if key.is_empty() {
                    "企业名称或统一社会信用代码不能为空".into()
                } else {
                    format!("本开发区没有登记“{key}”这家企业（请先在企业名录中登记）")
                },
            });
            continue;
        };
        if let Some(first) = seen.insert(firm.id, r.line) {
            errors.push(RowError {
                line: r.line,
                column: r.enterprise_column.clone(),
                reason: format!("“{}”在第 {first} 行已出现", firm.name),
            });
            continue;
        }
        let f = RecordForm {
            year: year.to_string(),
            enterprise_id: firm.id.to_string(),
            land_mu: r.land_mu.clone(),
            tax_wan: r.tax_wan.clone(),
            revenue_wan: r.revenue_wan.clone(),
            value_added_wan: r.value_added_wan.clone(),
            energy_tce: r.energy_tce.clone(),
            rd_wan: r.rd_wan.clone(),
            employees: r.employees.clone(),
            production_year: r.production_year.clone(),
            exempt: (!r.exempt_reason.trim().is_empty()).then(|| "on".into()),
            exempt_reason: r.exempt_reason.clone(),
        };
        match validate(&f, &fs) {
            Ok(v) => valid.push(v),
            Err(inv) => {
                for fe in inv.errors {
                    let column = FIELDS
                        .iter()
                        .find(|(k, _)| *k == fe.field)
                        .map(|(_, l)| l.to_string())
                        .unwrap_or(fe.field.clone());
                    errors.push(RowError { line: r.line, column, reason: fe.message });
                }
            }
        }
    }
    if !errors.is_empty() {
        return Ok(ImportOutcome::Rejected(errors));
    }
    let txn = db.conn.begin().await?;
    let existing: HashMap<i64, per_mu_record::Model> = per_mu_record::Entity::find()
        .filter(per_mu_record::Column::ZoneId.eq(zone_id))
        .filter(per_mu_record::Column::Year.eq(year))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| (m.enterprise_id, m))
        .collect();
    let (mut created, mut updated) = (0, 0);
    for v in &valid {
        match existing.get(&v.enterprise_id) {
            Some(m) => {
                update_model(&txn, actor, m.clone(), v, &fs).await?;
                updated += 1;
            }
            None => {
                insert(&txn, actor, zone_id, v, &fs).await?;
                created += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(ImportOutcome::Imported(created, updated))
}

/// One enterprise in the evaluation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvalRow {
    pub record: Record,
    /// The five indicators (亩均税收, 亩均营业收入, 单位能耗增加值, 研发经费投入强度,
    /// 全员劳动生产率): value and score.
    pub scores: Vec<IndicatorScore>,
    /// Total score in 0.01 points.
    pub total_x100: i64,
    /// "87.50".
    pub total: String,
    pub rank: Option<u32>,
    pub grade: Grade,
    /// Why 不定等级.
    pub reason: Option<String>,
}

/// How many enterprises got a grade.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeCount {
    pub grade: Grade,
    pub label: String,
    pub count: usize,
}

/// A zone's evaluation of a year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub zone_id: i64,
    pub year: i32,
    pub scheme: SchemeInfo,
    /// Ranked enterprises first (by rank, then name), then the 不定等级 ones by name.
    pub rows: Vec<EvalRow>,
    /// A, B, C, D, 不定等级.
    pub distribution: Vec<GradeCount>,
}

pub async fn evaluate(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Evaluation, StoreError> {
    let records = list(db, scope, zone_id, year).await?;
    let info = scheme_on(&db.conn, zone_id, year).await?;
    let inputs: Vec<Inputs> = records.iter().map(Record::inputs).collect();
    let outcomes = per_mu::evaluate(&info.scheme, year, &inputs);
    let distribution = per_mu::distribution(&outcomes)
        .into_iter()
        .map(|(grade, count)| GradeCount { grade, label: grade.label().to_string(), count })
        .collect();
    let mut rows: Vec<EvalRow> = records
        .into_iter()
        .zip(outcomes)
        .map(|(record, o)| EvalRow {
            record,
            scores: o.scores,
            total: x100_text(o.total_x100),
            total_x100: o.total_x100,
            rank: o.rank,
            grade: o.grade,
            reason: o.reason,
        })
        .collect();
    rows.sort_by(|a, b| {
        a.rank.unwrap_or(u32::MAX).cmp(&b.rank.unwrap_or(u32::MAX)).then(a.record.enterprise.cmp(&b.record.enterprise))
    });
    Ok(Evaluation { zone_id, year, scheme: info, rows, distribution })
}
