//! The annual planning table (项目谋划表) import: all rows or none. Names in the sheet are
//! resolved against the zone: 产业链 and 责任单位 values that do not exist yet are added (the
//! additions are audited like any other); a 包联领导 must already be a leader of the zone.

use std::collections::HashSet;

use kaifaqu_domain::money::Wan;
use kaifaqu_domain::project::{Category, KeyLevel};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;

use crate::departments::{self, DepartmentForm};
use crate::dictionaries::{self, ItemForm};
use crate::entities::project;
use crate::lookups::Lookups;
use crate::projects::{self, Valid};
use crate::{Actor, Db, StoreError};

/// One row read from the sheet (the reports crate parses the file).
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The sheet row, for error messages.
    pub line: u32,
    pub name: String,
    pub content: String,
    pub total: Wan,
    pub planned: Option<Wan>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub category: String,
    pub chain: String,
    pub key_level: String,
    pub unit: String,
    pub leader: String,
    pub progress: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub reason: String,
}

pub enum ImportOutcome {
    Imported(usize),
    Rejected(Vec<RowError>),
}

/// Imports the rows as projects of plan year `year` in the actor's zone, in one transaction.
pub async fn import(db: &Db, actor: &Actor, year: i32, rows: &[ImportRow]) -> Result<ImportOutcome, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    if !(2000..=2099).contains(&year) {
        return Err(Invalid::one("year", "谋划年度应在 2000 到 2099 之间").into());
    }
    let l = Lookups::load(db, zone_id).await?;
    let existing: HashSet<String> = project::Entity::find()
        .filter(project::Column::ZoneId.eq(zone_id))
        .filter(project::Column::PlanYear.eq(year))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut err = |line: u32, column: &str, reason: String| {
        errors.push(RowError { line, column: column.to_string(), reason });
    };
    for r in rows {
        if existing.contains(&r.name) {
            err(r.line, "项目名称", format!("{year} 年已有同名项目“{}”", r.name));
        }
        if !seen.insert(r.name.clone()) {
            err(r.line, "项目名称", format!("表中有重复的项目名称“{}”", r.name));
        }
        if Category::parse(&r.category).is_none() {
            err(r.line, "项目类别", format!("项目类别“{}”应为 产业类 或 基础设施类", r.category));
        }
        if KeyLevel::parse(&r.key_level).is_none() {
            err(r.line, "重点级别", format!("重点级别“{}”应为 省级重点、市级重点、县级重点 或留空", r.key_level));
        }
        if !r.leader.trim().is_empty() && l.leader_id(r.leader.trim()).is_none() {
            err(
                r.line,
                "包联领导",
                format!("包联领导“{}”不是本开发区“领导”角色的用户：请先在用户管理中添加", r.leader.trim()),
            );
        }
    }
    if !errors.is_empty() {
        return Ok(ImportOutcome::Rejected(errors));
    }
    if rows.is_empty() {
        return Ok(ImportOutcome::Rejected(vec![RowError {
            line: 0,
            column: String::new(),
            reason: "表中没有项目行".into(),
        }]));
    }
    // Vocabulary first (chains, departments), then the projects: one transaction for all.
    let txn = db.conn.begin().await?;
    let mut chain_ids = std::collections::HashMap::new();
    let mut dept_ids = std::collections::HashMap::new();
    for r in rows {
        let chain = r.chain.trim();
        if !chain.is_empty() && !chain_ids.contains_key(chain) {
            let id = match l.dict_id("industry_chain", chain) {
                Some(id) => id,
                None => {
                    let f = ItemForm { kind: "industry_chain".into(), value: chain.into(), ..Default::default() };
                    dictionaries::insert(&txn, actor, zone_id, &f).await?
                }
            };
            chain_ids.insert(chain.to_string(), id);
        }
        let unit = r.unit.trim();
        if !unit.is_empty() && !dept_ids.contains_key(unit) {
            let id = match l.department_id(unit) {
                Some(id) => id,
                None => {
                    let f = DepartmentForm { name: unit.into(), sort_order: "900".into(), ..Default::default() };
                    departments::insert(&txn, actor, zone_id, &f).await?
                }
            };
            dept_ids.insert(unit.to_string(), id);
        }
    }
    for r in rows {
        let v = Valid {
            name: r.name.trim().to_string(),
            enterprise_id: None,
            investor_name: None,
            content: r.content.trim().to_string(),
            category: Category::parse(&r.category).expect("checked"),
            chain_id: chain_ids.get(r.chain.trim()).copied(),
            total: r.total,
            planned: r.planned,
            key_level: KeyLevel::parse(&r.key_level).expect("checked"),
            channel_id: None,
            team_id: None,
            leader_id: l.leader_id(r.leader.trim()),
            department_id: dept_ids.get(r.unit.trim()).copied(),
            site: None,
            land: None,
            plan_year: year,
            start_year: r.start_year,
            end_year: r.end_year,
            project_code: None,
            progress: r.progress.trim().to_string(),
        };
        projects::insert(&txn, actor, zone_id, v).await?;
    }
    txn.commit().await?;
    Ok(ImportOutcome::Imported(rows.len()))
}
