//! 审批权限清单: the approval powers delegated to the zone (name, category, the department that
//! delegated it, legal basis, statutory and promised limits in working days, 承诺制 or not), the
//! catalogue's filters, edits, deactivation, and the all-or-nothing sheet import (upsert by name).

use std::collections::{HashMap, HashSet};

use kaifaqu_domain::Permission;
use kaifaqu_domain::approval::{PowerCategory, ValidPower};
use kaifaqu_domain::audit::Action;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::approval_power;
use crate::{Actor, Db, Page, Scope, StoreError};

pub use kaifaqu_domain::approval::PowerForm;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Power {
    pub id: i64,
    pub zone_id: i64,
    pub seq: i32,
    pub name: String,
    pub category: PowerCategory,
    pub source_department: String,
    pub legal_basis: String,
    pub statutory_days: i32,
    pub promised_days: i32,
    pub commitment: bool,
    pub active: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

pub(crate) fn to_power(m: approval_power::Model) -> Power {
    Power {
        id: m.id,
        zone_id: m.zone_id,
        seq: m.seq,
        category: PowerCategory::parse(&m.category).unwrap_or(PowerCategory::Other),
        name: m.name,
        source_department: m.source_department,
        legal_basis: m.legal_basis,
        statutory_days: m.statutory_days,
        promised_days: m.promised_days,
        commitment: m.commitment,
        active: m.active,
        version: m.version,
    }
}

impl Power {
    /// The form holding this power's values (for the edit form).
    pub fn form(&self) -> PowerForm {
        PowerForm {
            seq: self.seq.to_string(),
            name: self.name.clone(),
            category: self.category.code().to_string(),
            source_department: self.source_department.clone(),
            legal_basis: self.legal_basis.clone(),
            statutory_days: self.statutory_days.to_string(),
            promised_days: self.promised_days.to_string(),
            commitment: if self.commitment { "1" } else { "" }.to_string(),
            version: self.version.to_string(),
        }
    }
}

fn audit_view(m: &approval_power::Model) -> serde_json::Value {
    json!({
        "seq": m.seq, "name": m.name, "category": m.category, "source_department": m.source_department,
        "legal_basis": m.legal_basis, "statutory_days": m.statutory_days, "promised_days": m.promised_days,
        "commitment": m.commitment, "active": m.active,
    })
}

/// Filters of the catalogue.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PowerFilter {
    /// A category code or label.
    pub category: String,
    /// "1": only 承诺制 powers; "0": only the others.
    pub commitment: String,
    /// Part of the name, department or legal basis.
    pub q: String,
    /// 委托部门 (exact).
    pub department: String,
    /// "": active only; "all": also deactivated; "0": deactivated only.
    pub active: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &PowerFilter) -> Result<Page<Power>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = approval_power::Entity::find().filter(approval_power::Column::ZoneId.eq(zone_id));
    if let Some(c) = PowerCategory::parse(&f.category) {
        q = q.filter(approval_power::Column::Category.eq(c.code()));
    }
    match f.commitment.trim() {
        "1" => q = q.filter(approval_power::Column::Commitment.eq(true)),
        "0" => q = q.filter(approval_power::Column::Commitment.eq(false)),
        _ => {}
    }
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(
            Condition::any()
                .add(approval_power::Column::Name.contains(text))
                .add(approval_power::Column::SourceDepartment.contains(text))
                .add(approval_power::Column::LegalBasis.contains(text)),
        );
    }
    if !f.department.trim().is_empty() {
        q = q.filter(approval_power::Column::SourceDepartment.eq(f.department.trim()));
    }
    match f.active.trim() {
        "all" => {}
        "0" => q = q.filter(approval_power::Column::Active.eq(false)),
        _ => q = q.filter(approval_power::Column::Active.eq(true)),
    }
    let q = q.order_by_asc(approval_power::Column::Seq).order_by_asc(approval_power::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 10_000).await?;
    Ok(Page { rows: rows.into_iter().map(to_power).collect(), total, page, per_page })
}

/// Every power of the zone (active and not), in catalogue order.
pub async fn all(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<Power>, StoreError> {
    let f = PowerFilter { active: "all".into(), per_page: Some(10_000), ..Default::default() };
    Ok(list(db, scope, zone_id, &f).await?.rows)
}

/// The departments that delegated powers to the zone, by name.
pub async fn departments(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<String>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut names: Vec<String> = approval_power::Entity::find()
        .select_only()
        .column(approval_power::Column::SourceDepartment)
        .distinct()
        .filter(approval_power::Column::ZoneId.eq(zone_id))
        .into_tuple::<String>()
        .all(&db.conn)
        .await?
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    Ok(names)
}

pub(crate) async fn find_visible(db: &Db, scope: &Scope, id: i64) -> Result<approval_power::Model, StoreError> {
    let m = approval_power::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(m)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Power, StoreError> {
    Ok(to_power(find_visible(db, scope, id).await?))
}

async fn next_seq<C: ConnectionTrait>(conn: &C, zone_id: i64) -> Result<i32, StoreError> {
    let max: Option<Option<i32>> = approval_power::Entity::find()
        .select_only()
        .column_as(approval_power::Column::Seq.max(), "m")
        .filter(approval_power::Column::ZoneId.eq(zone_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

const DUPLICATE: &str = "本开发区的审批权限清单中已有同名事项";

fn apply(am: &mut approval_power::ActiveModel, v: &ValidPower) {
    am.name = Set(v.name.clone());
    am.category = Set(v.category.code().to_string());
    am.source_department = Set(v.source_department.clone());
    am.legal_basis = Set(v.legal_basis.clone());
    am.statutory_days = Set(v.statutory_days);
    am.promised_days = Set(v.promised_days);
    am.commitment = Set(v.commitment);
    if let Some(s) = v.seq {
        am.seq = Set(s);
    }
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    zone_id: i64,
    v: &ValidPower,
) -> Result<approval_power::Model, StoreError> {
    let now = chrono::Utc::now();
    let seq = match v.seq {
        Some(s) => s,
        None => next_seq(conn, zone_id).await?,
    };
    let mut am = approval_power::ActiveModel {
        zone_id: Set(zone_id),
        seq: Set(seq),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut am, v);
    am.insert(conn).await.map_err(|e| StoreError::unique_as(e, "name", DUPLICATE))
}

/// Adds a power to the actor's zone.
pub async fn create(db: &Db, actor: &Actor, f: &PowerForm) -> Result<Power, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &PowerForm) -> Result<Power, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let v = f.validate()?;
    let txn = db.conn.begin().await?;
    let m = insert(&txn, zone_id, &v).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "approval_power",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增审批事项：{}", m.name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_power(m))
}

async fn find_writable(db: &Db, actor: &Actor, id: i64) -> Result<approval_power::Model, StoreError> {
    actor.require(Permission::Write)?;
    let m = approval_power::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    actor.write_zone(m.zone_id)?;
    Ok(m)
}

/// Saves an edit made on version `version` (`""`: the current one), claimed first.
async fn save(
    db: &Db,
    actor: &Actor,
    before: approval_power::Model,
    mut am: approval_power::ActiveModel,
    version: &str,
    summary: String,
) -> Result<Power, StoreError> {
    let txn = db.conn.begin().await?;
    am.version = Set(crate::versions::claim(&txn, "approval_powers", before.id, version, before.version).await?);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "name", DUPLICATE))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(after.zone_id),
            entity: "approval_power",
            entity_id: Some(after.id.to_string()),
            action: Action::Update,
            summary,
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_power(after))
}

/// Changes a power. Cases already registered keep the promised limit they were given.
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &PowerForm) -> Result<Power, StoreError> {
    let m = find_writable(db, actor, id).await?;
    let v = f.validate()?;
    let mut am = m.clone().into_active_model();
    apply(&mut am, &v);
    am.updated_at = Set(chrono::Utc::now());
    let summary = format!("修改审批事项：{}", v.name);
    save(db, actor, m, am, &f.version, summary).await
}

/// Deactivates (or reactivates) a power: it stays on its cases but new cases cannot use it.
/// Claims `version` (the one the button was shown with; empty: the current one): a stale one is
/// [`StoreError::Stale`] and nothing changes.
pub async fn set_active(db: &Db, actor: &Actor, id: i64, active: bool, version: &str) -> Result<Power, StoreError> {
    let m = find_writable(db, actor, id).await?;
    let mut am = m.clone().into_active_model();
    am.active = Set(active);
    am.updated_at = Set(chrono::Utc::now());
    let summary = format!("{}审批事项：{}", if active { "启用" } else { "停用" }, m.name);
    save(db, actor, m, am, version, summary).await
}

/// Deactivates a power at its current version.
pub async fn deactivate(db: &Db, actor: &Actor, id: i64) -> Result<Power, StoreError> {
    set_active(db, actor, id, false, "").await
}

/// One row of an imported sheet.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The sheet row, for error messages.
    pub line: u32,
    pub form: PowerForm,
}

/// A refused row: the sheet row, the column header and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ImportOutcome {
    /// (added, changed, unchanged, deactivated because missing from the sheet).
    Imported {
        added: usize,
        changed: usize,
        unchanged: usize,
        deactivated: usize,
    },
    Rejected(Vec<RowError>),
}

/// The sheet column of a form field.
pub fn column_of(field: &str) -> &'static str {
    match field {
        "seq" => "序号",
        "name" => "事项名称",
        "category" => "类别",
        "source_department" => "委托部门",
        "legal_basis" => "设定依据",
        "statutory_days" => "法定时限（工作日）",
        "promised_days" => "承诺时限（工作日）",
        "commitment" => "是否承诺制",
        _ => "",
    }
}

/// Imports the sheet into the zone's list, matching powers by name: new names are added,
/// existing ones updated (and reactivated). With `replace`, powers missing from the sheet are
/// deactivated. Every row is checked first; one bad row and nothing changes.
pub async fn import(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    rows: &[ImportRow],
    replace: bool,
) -> Result<ImportOutcome, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for r in rows {
        match r.form.validate() {
            Ok(v) => {
                if let Some(first) = seen.get(&v.name) {
                    errors.push(RowError {
                        line: r.line,
                        column: column_of("name").into(),
                        reason: format!("事项名称“{}”与第 {first} 行重复", v.name),
                    });
                } else {
                    seen.insert(v.name.clone(), r.line);
                    valid.push(v);
                }
            }
            Err(e) => errors.extend(e.errors.into_iter().map(|fe| RowError {
                line: r.line,
                column: column_of(&fe.field).into(),
                reason: fe.message,
            })),
        }
    }
    if rows.is_empty() {
        errors.push(RowError { line: 0, column: String::new(), reason: "表格中没有审批事项".into() });
    }
    if !errors.is_empty() {
        return Ok(ImportOutcome::Rejected(errors));
    }
    let existing: HashMap<String, approval_power::Model> = approval_power::Entity::find()
        .filter(approval_power::Column::ZoneId.eq(zone_id))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| (m.name.clone(), m))
        .collect();
    let names: HashSet<&str> = valid.iter().map(|v| v.name.as_str()).collect();
    let (mut added, mut changed, mut unchanged, mut deactivated) = (0, 0, 0, 0);
    let now = chrono::Utc::now();
    let txn = db.conn.begin().await?;
    let mut seq = next_seq(&txn, zone_id).await?;
    for v in &valid {
        match existing.get(&v.name) {
            Some(m) => {
                let same = m.active
                    && m.category == v.category.code()
                    && m.source_department == v.source_department
                    && m.legal_basis == v.legal_basis
                    && m.statutory_days == v.statutory_days
                    && m.promised_days == v.promised_days
                    && m.commitment == v.commitment
                    && v.seq.is_none_or(|s| s == m.seq);
                let mut am = m.clone().into_active_model();
                apply(&mut am, v);
                am.active = Set(true);
                if !same {
                    am.updated_at = Set(now);
                    // an import is an edit too: an editor holding the old version is refused
                    am.version = Set(crate::versions::claim(&txn, "approval_powers", m.id, "", m.version).await?);
                    am.update(&txn).await?;
                    changed += 1;
                } else {
                    unchanged += 1;
                }
            }
            None => {
                let mut v = v.clone();
                if v.seq.is_none() {
                    v.seq = Some(seq);
                    seq += 1;
                }
                insert(&txn, zone_id, &v).await?;
                added += 1;
            }
        }
    }
    if replace {
        for m in existing.values().filter(|m| m.active && !names.contains(m.name.as_str())) {
            let mut am = m.clone().into_active_model();
            am.active = Set(false);
            am.updated_at = Set(now);
            am.version = Set(crate::versions::claim(&txn, "approval_powers", m.id, "", m.version).await?);
            am.update(&txn).await?;
            deactivated += 1;
        }
    }
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "approval_power",
            entity_id: None,
            action: Action::Update,
            summary: format!(
                "导入审批权限清单：新增 {added} 项，修改 {changed} 项，未变 {unchanged} 项，停用 {deactivated} 项"
            ),
            before: serde_json::Value::Null,
            after: json!({"rows": rows.len(), "replace": replace}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ImportOutcome::Imported { added, changed, unchanged, deactivated })
}
