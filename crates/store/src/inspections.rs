//! Safety inspections (入企检查) and the enterprises' safety profiles.

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::safety::{InspectionType, RiskColour};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{enterprise, inspection, safety_entry, safety_profile};
use crate::lookups::{Lookups, opt_date, opt_id, req_date, today};
use crate::{Actor, Db, Page, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub zone_id: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub date: NaiveDate,
    pub kind: InspectionType,
    pub inspector_ids: Vec<i64>,
    pub inspectors: Vec<String>,
    pub experts: String,
    pub guidance: bool,
    pub findings: String,
}

fn to_inspection(m: inspection::Model, l: &Lookups) -> Inspection {
    let ids: Vec<i64> = m.inspectors.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    Inspection {
        enterprise: l.enterprise(Some(m.enterprise_id)).unwrap_or_default(),
        inspectors: ids.iter().filter_map(|i| l.user(Some(*i))).collect(),
        inspector_ids: ids,
        id: m.id,
        zone_id: m.zone_id,
        enterprise_id: m.enterprise_id,
        date: m.inspection_date,
        kind: InspectionType::parse(&m.kind).unwrap_or(InspectionType::Routine),
        experts: m.experts,
        guidance: m.guidance,
        findings: m.findings,
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InspectionForm {
    pub enterprise_id: String,
    pub date: String,
    /// routine, special, holiday, resumption, enforcement.
    pub kind: String,
    /// Ids of the inspecting users.
    pub inspector_ids: Vec<String>,
    pub experts: String,
    pub guidance: Option<String>,
    pub findings: String,
}

pub async fn create(db: &Db, actor: &Actor, f: &InspectionForm) -> Result<Inspection, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &InspectionForm) -> Result<Inspection, StoreError> {
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let mut e = Invalid::new();
    let ent = opt_id(&mut e, "enterprise_id", "企业", &f.enterprise_id);
    match ent {
        Some(id) if l.enterprises.contains_key(&id) => {}
        Some(_) => e.add("enterprise_id", "所选企业不属于本开发区"),
        None if !e.errors.iter().any(|x| x.field == "enterprise_id") => e.add("enterprise_id", "请选择被检查企业"),
        None => {}
    }
    let date = req_date(&mut e, "date", "检查日期", &f.date);
    if date.is_some_and(|d| d > today()) {
        e.add("date", "检查日期不能晚于今天");
    }
    let kind = InspectionType::parse(&f.kind);
    if kind.is_none() {
        e.add("kind", "请选择检查类型");
    }
    let mut inspectors = Vec::new();
    for raw in f.inspector_ids.iter().filter(|s| !s.trim().is_empty()) {
        match raw.trim().parse::<i64>() {
            Ok(id) if l.users.contains_key(&id) => {
                if !inspectors.contains(&id) {
                    inspectors.push(id);
                }
            }
            _ => e.add("inspector_ids", "检查人员须是本开发区的用户"),
        }
    }
    if inspectors.is_empty() && !e.errors.iter().any(|x| x.field == "inspector_ids") {
        e.add("inspector_ids", "请选择至少一名检查人员");
    }
    let experts = e.optional("experts", "邀请专家", &f.experts, NAME_MAX).unwrap_or_default();
    let findings = e.optional("findings", "检查情况", &f.findings, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let m = inspection::ActiveModel {
        zone_id: Set(zone_id),
        enterprise_id: Set(ent.expect("checked")),
        inspection_date: Set(date.expect("checked")),
        kind: Set(kind.expect("checked").code().to_string()),
        inspectors: Set(inspectors.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")),
        experts: Set(experts),
        guidance: Set(f.guidance.as_deref().is_some_and(|g| matches!(g, "on" | "true" | "1"))),
        findings: Set(findings),
        created_by: Set(actor.user_id),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "inspection",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增入企检查 {}", m.inspection_date),
            before: serde_json::Value::Null,
            after: json!({"enterprise_id": m.enterprise_id, "date": m.inspection_date.to_string(), "kind": m.kind, "inspectors": m.inspectors, "guidance": m.guidance, "findings": m.findings}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_inspection(m, &l))
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Inspection, StoreError> {
    let m = inspection::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    Ok(to_inspection(m, &l))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct InspectionFilter {
    pub enterprise: String,
    pub from: String,
    pub to: String,
    pub page: Option<u64>,
    #[serde(alias = "limit")]
    pub per_page: Option<u64>,
}

pub async fn list(db: &Db, scope: &Scope, zone_id: i64, f: &InspectionFilter) -> Result<Page<Inspection>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let mut q = crate::lookups::date_range(
        inspection::Entity::find().filter(inspection::Column::ZoneId.eq(zone_id)),
        inspection::Column::InspectionDate,
        &f.from,
        &f.to,
    )?;
    if let Ok(id) = f.enterprise.trim().parse::<i64>() {
        q = q.filter(inspection::Column::EnterpriseId.eq(id));
    }
    let (rows, total, page, per_page) = crate::fetch_page(
        &db.conn,
        q.order_by_desc(inspection::Column::InspectionDate).order_by_desc(inspection::Column::Id),
        f.page,
        f.per_page,
        10_000,
    )
    .await?;
    let l = Lookups::load(db, zone_id).await?;
    Ok(Page { rows: rows.into_iter().map(|m| to_inspection(m, &l)).collect(), total, page, per_page })
}

/// An enterprise's safety profile, with its major hazard installations, special-work filings
/// and contractors.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafetyProfile {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub chemical: bool,
    pub risk_colour: Option<RiskColour>,
    pub notes: String,
    pub entries: Vec<SafetyEntry>,
    /// The optimistic version of the profile (0: none saved yet): send it back with an edit (a
    /// stale one is refused with 409).
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafetyEntry {
    pub id: i64,
    /// major_source (重大危险源), special_work (特殊作业报备), contractor (承包商).
    pub kind: String,
    pub name: String,
    pub detail: String,
    /// 一级 … 四级 for major sources; the work type code for special work.
    pub grade: Option<String>,
    pub date: Option<NaiveDate>,
    /// 包保责任人.
    pub official: Option<String>,
}

pub const ENTRY_KINDS: &[(&str, &str)] =
    &[("major_source", "重大危险源"), ("special_work", "特殊作业报备"), ("contractor", "承包商")];

pub async fn profile(db: &Db, scope: &Scope, enterprise_id: i64) -> Result<SafetyProfile, StoreError> {
    let ent = enterprise::Entity::find_by_id(enterprise_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, ent.zone_id).await?;
    let l = Lookups::load(db, ent.zone_id).await?;
    let p = safety_profile::Entity::find()
        .filter(safety_profile::Column::ZoneId.eq(ent.zone_id))
        .filter(safety_profile::Column::EnterpriseId.eq(enterprise_id))
        .one(&db.conn)
        .await?;
    let entries = safety_entry::Entity::find()
        .filter(safety_entry::Column::ZoneId.eq(ent.zone_id))
        .filter(safety_entry::Column::EnterpriseId.eq(enterprise_id))
        .order_by_asc(safety_entry::Column::Kind)
        .order_by_desc(safety_entry::Column::EntryDate)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| SafetyEntry {
            official: l.user(m.official_id),
            id: m.id,
            kind: m.kind,
            name: m.name,
            detail: m.detail,
            grade: m.grade,
            date: m.entry_date,
        })
        .collect();
    Ok(SafetyProfile {
        enterprise_id,
        enterprise: ent.name,
        chemical: p.as_ref().is_some_and(|p| p.chemical),
        risk_colour: p.as_ref().and_then(|p| p.risk_colour.as_deref()).and_then(RiskColour::parse),
        version: p.as_ref().map_or(0, |p| p.version),
        notes: p.map(|p| p.notes).unwrap_or_default(),
        entries,
    })
}

/// The chemical flag and risk colour of every profiled enterprise of a zone, in one query.
pub async fn profile_flags(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
) -> Result<std::collections::HashMap<i64, (bool, Option<RiskColour>)>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    Ok(safety_profile::Entity::find()
        .filter(safety_profile::Column::ZoneId.eq(zone_id))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|p| (p.enterprise_id, (p.chemical, p.risk_colour.as_deref().and_then(RiskColour::parse))))
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProfileForm {
    pub chemical: Option<String>,
    pub risk_colour: String,
    pub notes: String,
    /// The version the edit was made on (0: the enterprise had no profile yet; empty: the
    /// current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

pub async fn save_profile(db: &Db, actor: &Actor, enterprise_id: i64, f: &ProfileForm) -> Result<(), StoreError> {
    actor.require(Permission::Write)?;
    let ent = enterprise::Entity::find_by_id(enterprise_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(ent.zone_id)?;
    let mut e = Invalid::new();
    let colour = if f.risk_colour.trim().is_empty() {
        None
    } else {
        let c = RiskColour::parse(&f.risk_colour);
        if c.is_none() {
            e.add("risk_colour", "风险等级颜色应为 红、橙、黄、蓝 之一");
        }
        c
    };
    let notes = e.optional("notes", "备注", &f.notes, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    let chemical = f.chemical.as_deref().is_some_and(|c| matches!(c, "on" | "true" | "1"));
    let txn = db.conn.begin().await?;
    let existing = safety_profile::Entity::find()
        .filter(safety_profile::Column::ZoneId.eq(zone_id))
        .filter(safety_profile::Column::EnterpriseId.eq(enterprise_id))
        .one(&txn)
        .await?;
    let before = existing
        .as_ref()
        .map(|p| json!({"chemical": p.chemical, "risk_colour": p.risk_colour, "notes": p.notes}))
        .unwrap_or_default();
    match existing {
        Some(p) => {
            let version = crate::versions::claim(&txn, "safety_profiles", p.id, &f.version, p.version).await?;
            let mut am = p.into_active_model();
            am.version = Set(version);
            am.chemical = Set(chemical);
            am.risk_colour = Set(colour.map(|c| c.code().to_string()));
            am.notes = Set(notes.clone());
            am.updated_at = Set(chrono::Utc::now());
            am.update(&txn).await?;
        }
        None => {
            // the form was made on "no profile yet" (0) or names none; a profile saved since
            // makes the insert collide with it: stale too
            StoreError::expected_version(&f.version, 0)?;
            safety_profile::ActiveModel {
                zone_id: Set(zone_id),
                enterprise_id: Set(enterprise_id),
                chemical: Set(chemical),
                risk_colour: Set(colour.map(|c| c.code().to_string())),
                notes: Set(notes.clone()),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match StoreError::unique_as(e, "version", "") {
                StoreError::Invalid(_) => StoreError::Stale,
                other => other,
            })?;
        }
    }
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "safety_profile",
            entity_id: Some(enterprise_id.to_string()),
            action: Action::Update,
            summary: format!("修改企业安全档案 {}", ent.name),
            before,
            after: json!({"chemical": chemical, "risk_colour": colour.map(|c| c.code()), "notes": notes}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EntryForm {
    pub kind: String,
    pub name: String,
    pub detail: String,
    pub grade: String,
    pub date: String,
    pub official_id: String,
}

pub async fn add_entry(db: &Db, actor: &Actor, enterprise_id: i64, f: &EntryForm) -> Result<(), StoreError> {
    actor.require(Permission::Write)?;
    let ent = enterprise::Entity::find_by_id(enterprise_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(ent.zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let mut e = Invalid::new();
    let kind = f.kind.trim();
    if !ENTRY_KINDS.iter().any(|(k, _)| *k == kind) {
        e.add("kind", "请选择类别（重大危险源、特殊作业报备或承包商）");
    }
    let name = e.required("name", "名称", &f.name, NAME_MAX);
    let detail = e.optional("detail", "说明", &f.detail, TEXT_MAX).unwrap_or_default();
    let grade = match kind {
        "major_source" => {
            let g = f.grade.trim();
            if !["一级", "二级", "三级", "四级"].contains(&g) {
                e.add("grade", "重大危险源等级应为 一级 到 四级");
            }
            Some(g.to_string())
        }
        "special_work" => {
            let w = kaifaqu_domain::safety::SpecialWork::parse(&f.grade);
            if w.is_none() {
                e.add("grade", "请选择特殊作业类型");
            }
            w.map(|w| w.code().to_string())
        }
        _ => None,
    };
    let date = opt_date(&mut e, "date", "日期", &f.date);
    let official = opt_id(&mut e, "official_id", "包保责任人", &f.official_id);
    if official.is_some_and(|o| !l.users.contains_key(&o)) {
        e.add("official_id", "包保责任人须是本开发区的用户");
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let m = safety_entry::ActiveModel {
        zone_id: Set(zone_id),
        enterprise_id: Set(enterprise_id),
        kind: Set(kind.to_string()),
        name: Set(name),
        detail: Set(detail),
        grade: Set(grade),
        entry_date: Set(date),
        official_id: Set(official),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "safety_profile",
            entity_id: Some(enterprise_id.to_string()),
            action: Action::Create,
            summary: format!("{}：新增{} {}", ent.name, ENTRY_KINDS.iter().find(|(k, _)| *k == m.kind).map(|(_, l)| *l).unwrap_or(""), m.name),
            before: serde_json::Value::Null,
            after: json!({"kind": m.kind, "name": m.name, "grade": m.grade, "date": m.entry_date.map(|d| d.to_string())}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
