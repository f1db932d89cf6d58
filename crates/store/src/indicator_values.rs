//! Indicator values (per zone, indicator and period; an official figure and an estimate kept
//! side by side) and annual targets. Saving a grid is all-or-nothing; implausible entries (a
//! cumulative value falling within a year, a value ~10,000 times its neighbours) must be
//! confirmed, because revisions and unit slips both happen.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::indicator::{Fixed, Pct, Period, check_period, previous};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{indicator_target, indicator_value, user, zone};
use crate::indicators::{self, Indicator};
use crate::{Actor, Db, Scope, StoreError};

/// 数据来源.
pub const SOURCES: &[(&str, &str)] = &[("flash", "统计局快报"), ("official", "正式数"), ("estimate", "预计")];

pub fn source_label(code: &str) -> &'static str {
    SOURCES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("其他")
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Value {
    pub id: i64,
    pub zone_id: i64,
    pub indicator_id: i64,
    pub period: Period,
    pub is_estimate: bool,
    pub value: Fixed,
    /// Reported year-on-year growth.
    pub growth: Option<Pct>,
    /// 同口径上年同期 (restated prior-year base), when given.
    pub base_value: Option<Fixed>,
    pub source: String,
    pub entered_by: Option<String>,
    pub entered_at: DateTime<Utc>,
}

fn to_value(m: indicator_value::Model, names: &HashMap<i64, String>) -> Value {
    Value {
        id: m.id,
        zone_id: m.zone_id,
        indicator_id: m.indicator_id,
        period: Period { year: m.year, month: m.month as u32 },
        is_estimate: m.is_estimate,
        value: Fixed(m.value),
        growth: m.growth.map(Pct),
        base_value: m.base_value.map(Fixed),
        source: m.source,
        entered_by: m.entered_by.and_then(|u| names.get(&u).cloned()),
        entered_at: m.entered_at,
    }
}

async fn user_names(db: &Db) -> Result<HashMap<i64, String>, StoreError> {
    Ok(user::Entity::find().all(&db.conn).await?.into_iter().map(|u| (u.id, u.display_name)).collect())
}

/// All values of a zone for an indicator in the given years (official and estimates).
pub async fn series(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    indicator_id: i64,
    years: (i32, i32),
) -> Result<Vec<Value>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = indicator_value::Entity::find()
        .filter(indicator_value::Column::ZoneId.eq(zone_id))
        .filter(indicator_value::Column::IndicatorId.eq(indicator_id))
        .filter(indicator_value::Column::Year.between(years.0, years.1))
        .order_by_asc(indicator_value::Column::Year)
        .order_by_asc(indicator_value::Column::Month)
        .all(&db.conn)
        .await?;
    let names = user_names(db).await?;
    Ok(rows.into_iter().map(|m| to_value(m, &names)).collect())
}

/// Every zone's values for an indicator in a year range (for rankings), keyed by zone.
pub async fn of_zones(
    db: &Db,
    zone_ids: &[i64],
    indicator_id: i64,
    years: (i32, i32),
) -> Result<Vec<Value>, StoreError> {
    let rows = indicator_value::Entity::find()
        .filter(indicator_value::Column::ZoneId.is_in(zone_ids.to_vec()))
        .filter(indicator_value::Column::IndicatorId.eq(indicator_id))
        .filter(indicator_value::Column::Year.between(years.0, years.1))
        .all(&db.conn)
        .await?;
    let names = HashMap::new();
    Ok(rows.into_iter().map(|m| to_value(m, &names)).collect())
}

/// The values of every indicator for the zones in a year range, by indicator, in one query: for
/// each indicator the same values as [`of_zones`] (issue 11: the overview ran one `of_zones` per
/// indicator, 40 queries).
pub(crate) async fn of_zones_by_indicator(
    db: &Db,
    zone_ids: &[i64],
    years: (i32, i32),
) -> Result<HashMap<i64, Vec<Value>>, StoreError> {
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    if zone_ids.is_empty() {
        return Ok(out);
    }
    let names = HashMap::new();
    for chunk in zone_ids.chunks(500) {
        let rows = indicator_value::Entity::find()
            .filter(indicator_value::Column::ZoneId.is_in(chunk.to_vec()))
            .filter(indicator_value::Column::Year.between(years.0, years.1))
            .all(&db.conn)
            .await?;
        for m in rows {
            out.entry(m.indicator_id).or_default().push(to_value(m, &names));
        }
    }
    Ok(out)
}

/// The latest official period of each indicator of a zone within `years` (inclusive), in one
/// grouped query.
pub async fn latest_periods(db: &Db, zone_id: i64, years: (i32, i32)) -> Result<HashMap<i64, Period>, StoreError> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Expr;
    let rows: Vec<(i64, i64)> = indicator_value::Entity::find()
        .select_only()
        .column(indicator_value::Column::IndicatorId)
        .column_as(Expr::cust("CAST(MAX(year * 100 + month) AS BIGINT)"), "ym")
        .filter(indicator_value::Column::ZoneId.eq(zone_id))
        .filter(indicator_value::Column::IsEstimate.eq(false))
        .filter(indicator_value::Column::Year.between(years.0, years.1))
        .group_by(indicator_value::Column::IndicatorId)
        .into_tuple()
        .all(&db.conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, ym)| {
            let year = i32::try_from(ym / 100).ok()?;
            let month = u32::try_from(ym % 100).ok()?;
            Some((id, Period { year, month }))
        })
        .collect())
}

/// The values of several indicators for the zones in a year range, by indicator, with only the
/// columns the indicator rules read (value, growth, base, estimate flag): `source` is empty,
/// `entered_by` None and `entered_at` the epoch. For the warning rules, not for display.
/// Only the reference test of `indicator_views::warnings` reads this way now.
#[cfg(test)]
pub(crate) async fn for_rules(
    db: &Db,
    zone_ids: &[i64],
    indicator_ids: &[i64],
    years: (i32, i32),
) -> Result<HashMap<i64, Vec<Value>>, StoreError> {
    use sea_orm::QuerySelect;
    type Row = (i64, i64, i64, i32, i32, bool, i64, Option<i64>, Option<i64>);
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    if zone_ids.is_empty() || indicator_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<Row> = indicator_value::Entity::find()
        .select_only()
        .columns([
            indicator_value::Column::Id,
            indicator_value::Column::ZoneId,
            indicator_value::Column::IndicatorId,
            indicator_value::Column::Year,
            indicator_value::Column::Month,
            indicator_value::Column::IsEstimate,
            indicator_value::Column::Value,
            indicator_value::Column::Growth,
            indicator_value::Column::BaseValue,
        ])
        .filter(indicator_value::Column::ZoneId.is_in(zone_ids.to_vec()))
        .filter(indicator_value::Column::IndicatorId.is_in(indicator_ids.to_vec()))
        .filter(indicator_value::Column::Year.between(years.0, years.1))
        .into_tuple()
        .all(&db.conn)
        .await?;
    for (id, zone_id, indicator_id, year, month, is_estimate, value, growth, base) in rows {
        out.entry(indicator_id).or_default().push(Value {
            id,
            zone_id,
            indicator_id,
            period: Period { year, month: u32::try_from(month).unwrap_or(1) },
            is_estimate,
            value: Fixed(value),
            growth: growth.map(Pct),
            base_value: base.map(Fixed),
            source: String::new(),
            entered_by: None,
            entered_at: DateTime::<Utc>::UNIX_EPOCH,
        });
    }
    Ok(out)
}

/// One line of an entry grid (all text, as typed).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EntryLine {
    /// The zone (city grid) — empty in the zone grid.
    pub zone_id: String,
    pub indicator_id: String,
    pub value: String,
    pub growth: String,
    pub base_value: String,
    /// flash / official / estimate.
    pub source: String,
    /// "on": the user confirmed an implausible value (a fall within the year, or a unit slip).
    pub confirm: Option<String>,
}

/// Where a write may go: the actor's own zone, or a peer zone of the same city that has no
/// users of its own (its published figures are kept on its behalf). Another zone with its own
/// users is "not found".
pub async fn writable_zone(db: &Db, actor: &Actor, zone_id: i64) -> Result<zone::Model, StoreError> {
    actor.require(Permission::Write)?;
    let z = zone::Entity::find_by_id(zone_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    if actor.is_system() || actor.zone_id == Some(zone_id) {
        actor.write_zone(zone_id)?;
        return Ok(z);
    }
    let own = actor.own_write_zone()?;
    let own_city = zone::Entity::find_by_id(own).one(&db.conn).await?.map(|o| o.city_code).unwrap_or_default();
    // as the system: another zone's accounts are hidden from this one (row-level security)
    let has_users = crate::rls::system(user::Entity::find().filter(user::Column::ZoneId.eq(zone_id)).one(&db.conn))
        .await?
        .is_some();
    if z.city_code == own_city && !has_users { Ok(z) } else { Err(StoreError::NotFound) }
}

struct Parsed {
    zone_id: i64,
    indicator: Indicator,
    value: Fixed,
    growth: Option<Pct>,
    base: Option<Fixed>,
    source: String,
}

/// Saves a grid of values for one period — all lines or none. Field names in errors are
/// `value_{zone}_{indicator}`, `growth_…`, `base_value_…`, `source_…` so each shows beside its cell.
pub async fn save(
    db: &Db,
    actor: &Actor,
    default_zone: i64,
    period: Period,
    lines: &[EntryLine],
) -> Result<usize, StoreError> {
    let catalog: HashMap<i64, Indicator> = indicators::list(db, false).await?.into_iter().map(|i| (i.id, i)).collect();
    let mut e = Invalid::new();
    let mut parsed = Vec::new();
    for line in lines.iter().filter(|l| !l.value.trim().is_empty() || !l.growth.trim().is_empty()) {
        let zone_id =
            if line.zone_id.trim().is_empty() { default_zone } else { line.zone_id.trim().parse().unwrap_or(-1) };
        let Some(ind) = line.indicator_id.trim().parse::<i64>().ok().and_then(|i| catalog.get(&i)) else {
            e.add("indicator_id", format!("不认识的指标“{}”", line.indicator_id));
            continue;
        };
        let key = format!("{zone_id}_{}", ind.id);
        writable_zone(db, actor, zone_id).await?;
        if let Err(m) = check_period(period, ind.january_alone) {
            e.add(&format!("value_{key}"), format!("{}：{m}", ind.name));
            continue;
        }
        let value = match Fixed::parse(&line.value, 4) {
            Ok(v) => Some(v),
            Err(m) => {
                e.add(&format!("value_{key}"), format!("{}：{m}", ind.name));
                None
            }
        };
        let growth = if line.growth.trim().is_empty() {
            None
        } else {
            Pct::parse(&line.growth).map_err(|m| e.add(&format!("growth_{key}"), format!("{}：{m}", ind.name))).ok()
        };
        let base = if line.base_value.trim().is_empty() {
            None
        } else {
            Fixed::parse(&line.base_value, 4)
                .map_err(|m| e.add(&format!("base_value_{key}"), format!("{}：{m}", ind.name)))
                .ok()
        };
        let source = if line.source.trim().is_empty() { "flash".to_string() } else { line.source.trim().to_string() };
        if !SOURCES.iter().any(|(c, _)| *c == source) {
            e.add(&format!("source_{key}"), "数据来源应为 统计局快报、正式数 或 预计");
        }
        if let Some(v) = value {
            let confirmed = line.confirm.as_deref().is_some_and(|c| matches!(c, "on" | "true" | "1"));
            if !confirmed && let Some(msg) = plausibility(db, zone_id, ind, period, v).await? {
                e.add(&format!("value_{key}"), msg);
            }
            parsed.push(Parsed { zone_id, indicator: ind.clone(), value: v, growth, base, source });
        }
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    for p in &parsed {
        upsert(&txn, actor, p, period).await?;
    }
    txn.commit().await?;
    Ok(parsed.len())
}

/// A message when `v` looks wrong next to the zone's neighbouring official values.
async fn plausibility(
    db: &Db,
    zone_id: i64,
    ind: &Indicator,
    period: Period,
    v: Fixed,
) -> Result<Option<String>, StoreError> {
    let near = indicator_value::Entity::find()
        .filter(indicator_value::Column::ZoneId.eq(zone_id))
        .filter(indicator_value::Column::IndicatorId.eq(ind.id))
        .filter(indicator_value::Column::IsEstimate.eq(false))
        .filter(indicator_value::Column::Year.between(period.year - 1, period.year))
        .all(&db.conn)
        .await?;
    let unit_hint = format!("（单位：{}）", ind.unit);
    let others: Vec<i64> = near
        .iter()
        .filter(|m| !(m.year == period.year && m.month as u32 == period.month))
        .map(|m| m.value.abs())
        .filter(|x| *x > 0)
        .collect();
    if !others.is_empty() && v.0 != 0 {
        let mut sorted = others.clone();
        sorted.sort();
        let median = sorted[sorted.len() / 2];
        if v.0.abs() >= median.saturating_mul(1000) {
            return Ok(Some(format!(
                "{}：{} 约是相邻各期数值的 {} 倍，是否把万元当成了亿元？{unit_hint} 核实无误请勾选“确认”后再保存",
                ind.name,
                v.display(ind.decimals as u32),
                v.0.abs() / median.max(1)
            )));
        }
        if v.0.abs().saturating_mul(1000) <= median {
            return Ok(Some(format!(
                "{}：{} 约是相邻各期数值的千分之一以下，是否把亿元当成了万元？{unit_hint} 核实无误请勾选“确认”后再保存",
                ind.name,
                v.display(ind.decimals as u32)
            )));
        }
    }
    if ind.is_flow()
        && let Some(prev) = previous(period, ind.january_alone)
        && let Some(pm) = near.iter().find(|m| m.year == prev.year && m.month as u32 == prev.month)
        && v.0 < pm.value
    {
        return Ok(Some(format!(
            "{}：累计值 {} 小于上期（{}）的 {}。如系统计部门修订数据，请勾选“确认”后再保存",
            ind.name,
            v.display(ind.decimals as u32),
            prev.label(),
            Fixed(pm.value).display(ind.decimals as u32)
        )));
    }
    Ok(None)
}

fn view(m: &indicator_value::Model) -> serde_json::Value {
    json!({
        "indicator_id": m.indicator_id, "year": m.year, "month": m.month, "is_estimate": m.is_estimate,
        "value": Fixed(m.value).display(4), "growth": m.growth.map(|g| Pct(g).display()),
        "base_value": m.base_value.map(|b| Fixed(b).display(4)), "source": m.source,
    })
}

async fn upsert<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    p: &Parsed,
    period: Period,
) -> Result<(), StoreError> {
    let is_estimate = p.source == "estimate";
    let existing = indicator_value::Entity::find()
        .filter(indicator_value::Column::ZoneId.eq(p.zone_id))
        .filter(indicator_value::Column::IndicatorId.eq(p.indicator.id))
        .filter(indicator_value::Column::Year.eq(period.year))
        .filter(indicator_value::Column::Month.eq(period.month as i32))
        .filter(indicator_value::Column::IsEstimate.eq(is_estimate))
        .one(conn)
        .await?;
    let now = Utc::now();
    let (before, after, action) = match existing {
        Some(m) => {
            if m.value == p.value.0
                && m.growth == p.growth.map(|g| g.0)
                && m.base_value == p.base.map(|b| b.0)
                && m.source == p.source
            {
                return Ok(());
            }
            let before = view(&m);
            let mut am = m.into_active_model();
            am.value = Set(p.value.0);
            am.growth = Set(p.growth.map(|g| g.0));
            am.base_value = Set(p.base.map(|b| b.0));
            am.source = Set(p.source.clone());
            am.entered_by = Set(actor.user_id);
            am.entered_at = Set(now);
            (before, am.update(conn).await?, Action::Update)
        }
        None => {
            let m = indicator_value::ActiveModel {
                zone_id: Set(p.zone_id),
                indicator_id: Set(p.indicator.id),
                year: Set(period.year),
                month: Set(period.month as i32),
                is_estimate: Set(is_estimate),
                value: Set(p.value.0),
                growth: Set(p.growth.map(|g| g.0)),
                base_value: Set(p.base.map(|b| b.0)),
                source: Set(p.source.clone()),
                entered_by: Set(actor.user_id),
                entered_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            (serde_json::Value::Null, m, Action::Create)
        }
    };
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(p.zone_id),
            entity: "indicator_value",
            entity_id: Some(after.id.to_string()),
            action,
            summary: format!(
                "{} {} 年 {}{}：{}",
                p.indicator.name,
                period.year,
                period.label(),
                if is_estimate { "（预计）" } else { "" },
                p.value.display(p.indicator.decimals as u32)
            ),
            before,
            after: view(&after),
        },
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IndicatorTarget)]
pub struct Target {
    pub indicator_id: i64,
    pub year: i32,
    pub value: Option<Fixed>,
    pub growth: Option<Pct>,
}

pub async fn targets(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Vec<Target>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    Ok(indicator_target::Entity::find()
        .filter(indicator_target::Column::ZoneId.eq(zone_id))
        .filter(indicator_target::Column::Year.eq(year))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| Target {
            indicator_id: m.indicator_id,
            year: m.year,
            value: m.value_target.map(Fixed),
            growth: m.growth_target.map(Pct),
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TargetLine {
    pub indicator_id: String,
    pub value: String,
    pub growth: String,
}

/// Saves the year's targets of the actor's zone, all or none.
pub async fn save_targets(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    year: i32,
    lines: &[TargetLine],
) -> Result<(), StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let catalog: HashMap<i64, Indicator> = indicators::list(db, false).await?.into_iter().map(|i| (i.id, i)).collect();
    let mut e = Invalid::new();
    let mut parsed = Vec::new();
    for l in lines {
        let Some(ind) = l.indicator_id.trim().parse::<i64>().ok().and_then(|i| catalog.get(&i)) else {
            e.add("indicator_id", "不认识的指标");
            continue;
        };
        let v = if l.value.trim().is_empty() {
            None
        } else {
            Fixed::parse(&l.value, 4)
                .map_err(|m| e.add(&format!("target_{}", ind.id), format!("{}：{m}", ind.name)))
                .ok()
        };
        let g = if l.growth.trim().is_empty() {
            None
        } else {
            Pct::parse(&l.growth)
                .map_err(|m| e.add(&format!("target_growth_{}", ind.id), format!("{}：{m}", ind.name)))
                .ok()
        };
        parsed.push((ind.clone(), v, g));
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    for (ind, v, g) in parsed {
        let existing = indicator_target::Entity::find()
            .filter(indicator_target::Column::ZoneId.eq(zone_id))
            .filter(indicator_target::Column::IndicatorId.eq(ind.id))
            .filter(indicator_target::Column::Year.eq(year))
            .one(&txn)
            .await?;
        let before =
            existing.as_ref().map(|m| json!({"value": m.value_target, "growth": m.growth_target})).unwrap_or_default();
        let after_json = json!({"value": v.map(|x| x.0), "growth": g.map(|x| x.0)});
        if before == after_json || (existing.is_none() && v.is_none() && g.is_none()) {
            continue;
        }
        let id = match existing {
            Some(m) => {
                let mut am = m.into_active_model();
                am.value_target = Set(v.map(|x| x.0));
                am.growth_target = Set(g.map(|x| x.0));
                am.updated_at = Set(Utc::now());
                am.update(&txn).await?.id
            }
            None => {
                indicator_target::ActiveModel {
                    zone_id: Set(zone_id),
                    indicator_id: Set(ind.id),
                    year: Set(year),
                    value_target: Set(v.map(|x| x.0)),
                    growth_target: Set(g.map(|x| x.0)),
                    updated_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        audit::append(
            &txn,
            actor,
            Change {
                zone_id: Some(zone_id),
                entity: "indicator_target",
                entity_id: Some(id.to_string()),
                action: Action::Update,
                summary: format!("{year} 年{}目标", ind.name),
                before,
                after: after_json,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
