//! The indicator catalog (指标目录), shared by every zone so that a city ranks its zones on the
//! same indicators. Administrators edit it.

use kaifaqu_domain::audit::Action;
use kaifaqu_domain::validate::NAME_MAX;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::indicator;
use crate::{Actor, Db, StoreError};

/// Units an indicator may be measured in.
pub const UNITS: &[&str] = &["亿元", "万元", "亿美元", "万美元", "%", "个", "家"];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    /// "flow": year-to-date cumulative; "stock": point in time.
    pub kind: String,
    /// January is published alone (otherwise only as 1-2月).
    pub january_alone: bool,
    /// The statistics bureau reports the growth rate.
    pub growth_reported: bool,
    pub decimals: i32,
    pub sort_order: i32,
    pub active: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

impl Indicator {
    pub fn is_flow(&self) -> bool {
        self.kind == "flow"
    }

    pub fn kind_label(&self) -> &'static str {
        if self.is_flow() { "累计值" } else { "时点值" }
    }
}

pub(crate) fn to_indicator(m: indicator::Model) -> Indicator {
    Indicator {
        id: m.id,
        code: m.code,
        name: m.name,
        unit: m.unit,
        kind: m.kind,
        january_alone: m.january_alone,
        growth_reported: m.growth_reported,
        decimals: m.decimals,
        sort_order: m.sort_order,
        active: m.active,
        version: m.version,
    }
}

fn audit_view(m: &indicator::Model) -> serde_json::Value {
    json!({
        "code": m.code, "name": m.name, "unit": m.unit, "kind": m.kind, "january_alone": m.january_alone,
        "growth_reported": m.growth_reported, "decimals": m.decimals, "sort_order": m.sort_order, "active": m.active,
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct IndicatorForm {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// flow / stock.
    pub kind: String,
    pub january_alone: Option<String>,
    pub growth_reported: Option<String>,
    pub decimals: String,
    pub sort_order: String,
    pub active: Option<String>,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

fn on(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| matches!(s, "on" | "true" | "1"))
}

struct Valid {
    code: String,
    name: String,
    unit: String,
    kind: String,
    january_alone: bool,
    growth_reported: bool,
    decimals: i32,
    sort_order: i32,
    active: bool,
}

fn validate(f: &IndicatorForm) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let code = f.code.trim().to_string();
    if code.is_empty() || code.len() > 40 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        e.add("code", "指标代码只能用英文字母、数字和下划线，1 到 40 位");
    }
    let name = e.required("name", "指标名称", &f.name, NAME_MAX);
    let unit = f.unit.trim().to_string();
    if !UNITS.contains(&unit.as_str()) {
        e.add("unit", format!("计量单位应为 {} 之一", UNITS.join("、")));
    }
    let kind = f.kind.trim().to_string();
    if kind != "flow" && kind != "stock" {
        e.add("kind", "请选择指标类型（累计值或时点值）");
    }
    let decimals = f.decimals.trim().parse::<i32>().ok().filter(|d| (0..=4).contains(d));
    if decimals.is_none() {
        e.add("decimals", "显示小数位应为 0 到 4");
    }
    let sort_order = if f.sort_order.trim().is_empty() {
        0
    } else {
        f.sort_order.trim().parse().unwrap_or_else(|_| {
            e.add("sort_order", "排序号应为整数");
            0
        })
    };
    e.into_result()?;
    Ok(Valid {
        code,
        name,
        unit,
        kind,
        january_alone: on(&f.january_alone),
        growth_reported: on(&f.growth_reported),
        decimals: decimals.unwrap_or(2),
        sort_order,
        active: f.active.is_none() || on(&f.active),
    })
}

/// The catalog, in display order.
pub async fn list(db: &Db, only_active: bool) -> Result<Vec<Indicator>, StoreError> {
    let mut q = indicator::Entity::find();
    if only_active {
        q = q.filter(indicator::Column::Active.eq(true));
    }
    Ok(q.order_by_asc(indicator::Column::SortOrder)
        .order_by_asc(indicator::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(to_indicator)
        .collect())
}

pub async fn get(db: &Db, id: i64) -> Result<Indicator, StoreError> {
    indicator::Entity::find_by_id(id).one(&db.conn).await?.map(to_indicator).ok_or(StoreError::NotFound)
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Indicator>, StoreError> {
    Ok(indicator::Entity::find().filter(indicator::Column::Code.eq(code)).one(&db.conn).await?.map(to_indicator))
}

pub async fn create(db: &Db, actor: &Actor, f: &IndicatorForm) -> Result<Indicator, StoreError> {
    actor.require(Permission::Administer)?;
    let v = validate(f)?;
    let txn = db.conn.begin().await?;
    let m = indicator::ActiveModel {
        code: Set(v.code),
        name: Set(v.name),
        unit: Set(v.unit),
        kind: Set(v.kind),
        january_alone: Set(v.january_alone),
        growth_reported: Set(v.growth_reported),
        decimals: Set(v.decimals),
        sort_order: Set(v.sort_order),
        active: Set(v.active),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::unique_as(e, "code", "已有相同代码的指标"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: actor.zone_id,
            entity: "indicator",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增指标 {}", m.name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_indicator(m))
}

pub async fn update(db: &Db, actor: &Actor, id: i64, f: &IndicatorForm) -> Result<Indicator, StoreError> {
    actor.require(Permission::Administer)?;
    let before = indicator::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let v = validate(f)?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "indicators", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.code = Set(v.code);
    am.name = Set(v.name);
    am.unit = Set(v.unit);
    am.kind = Set(v.kind);
    am.january_alone = Set(v.january_alone);
    am.growth_reported = Set(v.growth_reported);
    am.decimals = Set(v.decimals);
    am.sort_order = Set(v.sort_order);
    am.active = Set(v.active);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "code", "已有相同代码的指标"))?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: actor.zone_id,
            entity: "indicator",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改指标 {}", after.name),
            before: audit_view(&before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_indicator(after))
}

/// The standard catalog a new database starts with (the statistics a zone reports monthly).
pub const STANDARD: &[(&str, &str, &str, &str, bool, bool, i32)] = &[
    ("industrial_value_added", "规上工业增加值", "亿元", "flow", false, true, 2),
    ("industrial_output", "规上工业总产值", "亿元", "flow", false, true, 2),
    ("industrial_investment", "工业投资", "亿元", "flow", false, true, 2),
    ("fixed_asset_investment", "固定资产投资", "亿元", "flow", false, true, 2),
    ("revenue", "营业收入", "亿元", "flow", false, true, 2),
    ("profit", "利润总额", "亿元", "flow", false, true, 2),
    ("tax_revenue", "税收收入", "亿元", "flow", true, true, 2),
    ("trade", "进出口总额", "亿元", "flow", true, true, 2),
    ("foreign_capital", "实际利用外资", "万美元", "flow", false, true, 0),
    ("above_scale_enterprises", "规上工业企业数", "家", "stock", true, false, 0),
];

/// Inserts the standard catalog if the catalog is empty (the demo loader and first start).
pub async fn ensure_standard(db: &Db) -> Result<(), StoreError> {
    if !list(db, false).await?.is_empty() {
        return Ok(());
    }
    let actor = Actor::system("系统初始化");
    for (i, (code, name, unit, kind, jan, growth, decimals)) in STANDARD.iter().enumerate() {
        let f = IndicatorForm {
            code: code.to_string(),
            name: name.to_string(),
            unit: unit.to_string(),
            kind: kind.to_string(),
            january_alone: jan.then(|| "on".into()),
            growth_reported: growth.then(|| "on".into()),
            decimals: decimals.to_string(),
            sort_order: ((i + 1) * 10).to_string(),
            active: None,
            version: String::new(),
        };
        create(db, &actor, &f).await?;
    }
    Ok(())
}
