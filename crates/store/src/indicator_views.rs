//! What the indicator pages show, computed from the stored values with the domain rules:
//! a zone's overview for a period (value, growth, the two city ranks, target, pace, warnings),
//! the city's ranking table, an indicator's series with month-own values, and the warnings.
//! Zones read the values of the other zones of their city: the city publishes these tables.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::indicator::{
    self as ind, Fixed, Pace, Pct, Period, Warning, behind_pace, computed_growth, growth_falling, latest_due_period,
    month_own, not_entered, pace, projected_below, rank, rank_dropped,
};
use serde::Serialize;

use crate::indicator_values::{self, Target, Value};
use crate::indicators::{self, Indicator};
use crate::zones::{self, Zone};
use crate::{Db, Scope, StoreError};

/// A zone's figure for an indicator and period.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub value: Option<Fixed>,
    pub growth: Option<Pct>,
    /// The growth was computed (no reported growth), labelled 计算值.
    pub growth_computed: bool,
    pub source: Option<String>,
    pub estimate: Option<Fixed>,
    pub estimate_growth: Option<Pct>,
}

fn figure(values: &[Value], zone_id: i64, p: Period) -> Figure {
    let at = |y: i32, est: bool| {
        values
            .iter()
            .find(|v| v.zone_id == zone_id && v.period == Period { year: y, month: p.month } && v.is_estimate == est)
    };
    let official = at(p.year, false);
    let estimate = at(p.year, true);
    let last_year = at(p.year - 1, false);
    let (growth, computed) = match official {
        Some(v) if v.growth.is_some() => (v.growth, false),
        Some(v) => {
            let base = v.base_value.or(last_year.map(|l| l.value));
            (base.and_then(|b| computed_growth(v.value, b)), base.is_some())
        }
        None => (None, false),
    };
    Figure {
        value: official.map(|v| v.value),
        growth,
        growth_computed: computed && growth.is_some(),
        source: official.map(|v| v.source.clone()),
        estimate: estimate.map(|v| v.value),
        estimate_growth: estimate.and_then(|v| v.growth),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankedZone {
    pub zone_id: i64,
    pub zone_name: String,
    pub figure: Figure,
    /// None: 缺报 (no data), not ranked.
    pub rank_value: Option<u32>,
    pub rank_growth: Option<u32>,
}

/// The zones of the city of `zone` (every zone for the system scope's own city).
async fn city_zones(db: &Db, scope: &Scope, zone_id: i64) -> Result<Vec<Zone>, StoreError> {
    let z = zones::get(db, scope, zone_id).await?;
    zones::list(db, &Scope::City { city_code: z.city_code }).await
}

/// The city's ranking table for an indicator and period (ranked zones first, then 缺报).
pub async fn city_table(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    indicator_id: i64,
    p: Period,
) -> Result<Vec<RankedZone>, StoreError> {
    let zs = city_zones(db, scope, zone_id).await?;
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let values = indicator_values::of_zones(db, &ids, indicator_id, (p.year - 1, p.year)).await?;
    Ok(ranked(&zs, &values, p))
}

/// The ranking table of a city, for city-level users (their scope must cover the city).
pub async fn city_table_of(
    db: &Db,
    scope: &Scope,
    city_code: &str,
    indicator_id: i64,
    p: Period,
) -> Result<Vec<RankedZone>, StoreError> {
    let zs: Vec<Zone> = zones::list(db, scope).await?.into_iter().filter(|z| z.city_code == city_code).collect();
    if zs.is_empty() {
        return Err(StoreError::NotFound);
    }
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let values = indicator_values::of_zones(db, &ids, indicator_id, (p.year - 1, p.year)).await?;
    Ok(ranked(&zs, &values, p))
}

fn ranked(zs: &[Zone], values: &[Value], p: Period) -> Vec<RankedZone> {
    let figures: Vec<(i64, Figure)> = zs.iter().map(|z| (z.id, figure(values, z.id, p))).collect();
    let by_value = rank(&figures.iter().map(|(id, f)| (*id, f.value.map(|v| v.0))).collect::<Vec<_>>());
    let by_growth = rank(&figures.iter().map(|(id, f)| (*id, f.growth.map(|g| g.0))).collect::<Vec<_>>());
    let rv: HashMap<i64, Option<u32>> = by_value.into_iter().collect();
    let rg: HashMap<i64, Option<u32>> = by_growth.into_iter().collect();
    let mut rows: Vec<RankedZone> = zs
        .iter()
        .zip(figures)
        .map(|(z, (_, f))| RankedZone {
            zone_id: z.id,
            zone_name: z.name.clone(),
            figure: f,
            rank_value: rv.get(&z.id).copied().flatten(),
            rank_growth: rg.get(&z.id).copied().flatten(),
        })
        .collect();
    rows.sort_by_key(|r| (r.rank_value.is_none(), r.rank_value, r.zone_id));
    rows
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverviewRow {
    pub indicator: Indicator,
    pub figure: Figure,
    pub rank_value: Option<u32>,
    pub rank_growth: Option<u32>,
    /// How many zones of the city were ranked.
    pub ranked: usize,
    pub target: Option<Target>,
    #[schema(value_type = Object)]
    pub pace: Option<Pace>,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Warning>,
}

/// Every active indicator of a zone for a period.
pub async fn overview(db: &Db, scope: &Scope, zone_id: i64, p: Period) -> Result<Vec<OverviewRow>, StoreError> {
    let zs = city_zones(db, scope, zone_id).await?;
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let targets = indicator_values::targets(db, scope, zone_id, p.year).await?;
    let mut out = Vec::new();
    for indicator in indicators::list(db, true).await? {
        let values = indicator_values::of_zones(db, &ids, indicator.id, (p.year - 1, p.year)).await?;
        let table = ranked(&zs, &values, p);
        let me = table.iter().find(|r| r.zone_id == zone_id).cloned();
        let target = targets.iter().find(|t| t.indicator_id == indicator.id).cloned();
        let warnings = zone_warnings(&indicator, &zs, &values, zone_id, p, target.as_ref());
        let pace = pace_of(&indicator, &values, zone_id, p, target.as_ref());
        out.push(OverviewRow {
            ranked: table.iter().filter(|r| r.rank_value.is_some()).count(),
            rank_value: me.as_ref().and_then(|m| m.rank_value),
            rank_growth: me.as_ref().and_then(|m| m.rank_growth),
            figure: me.map(|m| m.figure).unwrap_or_default(),
            indicator,
            target,
            pace,
            warnings,
        });
    }
    Ok(out)
}

fn official(values: &[Value], zone_id: i64, p: Period) -> Option<Fixed> {
    values.iter().find(|v| v.zone_id == zone_id && v.period == p && !v.is_estimate).map(|v| v.value)
}

fn pace_of(indicator: &Indicator, values: &[Value], zone_id: i64, p: Period, target: Option<&Target>) -> Option<Pace> {
    let t = target?.value?;
    if !indicator.is_flow() {
        return None;
    }
    let actual = official(values, zone_id, p)?;
    let last_same = official(values, zone_id, Period { year: p.year - 1, month: p.month });
    let last_full = official(values, zone_id, Period { year: p.year - 1, month: 12 });
    pace(actual, t, p, last_same, last_full)
}

/// The warning rules for one zone and indicator at period `p`.
fn zone_warnings(
    indicator: &Indicator,
    zs: &[Zone],
    values: &[Value],
    zone_id: i64,
    p: Period,
    target: Option<&Target>,
) -> Vec<Warning> {
    let mut w = Vec::new();
    if let Some(pc) = pace_of(indicator, values, zone_id, p, target) {
        w.extend(behind_pace(&pc));
        w.extend(projected_below(&pc));
    }
    let growths: Vec<(Period, Pct)> = ind::periods_of_year(p.year, indicator.january_alone)
        .into_iter()
        .filter(|q| *q <= p)
        .filter_map(|q| figure(values, zone_id, q).growth.map(|g| (q, g)))
        .collect();
    w.extend(growth_falling(&growths));
    if let Some(prev) = ind::previous(p, indicator.january_alone) {
        let before = ranked(zs, values, prev).into_iter().find(|r| r.zone_id == zone_id).and_then(|r| r.rank_growth);
        let now = ranked(zs, values, p).into_iter().find(|r| r.zone_id == zone_id).and_then(|r| r.rank_growth);
        w.extend(rank_dropped(before, now));
    }
    w
}

/// A row of an indicator's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesRow {
    pub period: Period,
    pub figure: Figure,
    /// The value of the months this period adds (累计值之差).
    pub month_own: Option<Fixed>,
    pub rank_value: Option<u32>,
    pub rank_growth: Option<u32>,
    /// The target × N/12 (序时进度) for that period, when the year has a value target.
    pub expected: Option<Fixed>,
}

/// The last `n` periods up to `until` (official, with estimates beside).
pub async fn series(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    indicator: &Indicator,
    until: Period,
    n: usize,
) -> Result<Vec<SeriesRow>, StoreError> {
    let zs = city_zones(db, scope, zone_id).await?;
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let first_year = until.year - 2;
    let values = indicator_values::of_zones(db, &ids, indicator.id, (first_year - 1, until.year)).await?;
    let mut periods: Vec<Period> = (first_year..=until.year)
        .flat_map(|y| ind::periods_of_year(y, indicator.january_alone))
        .filter(|q| *q <= until)
        .collect();
    let skip = periods.len().saturating_sub(n);
    periods.drain(..skip);
    let mut targets = HashMap::new();
    for y in first_year..=until.year {
        let t = indicator_values::targets(db, scope, zone_id, y).await?;
        targets.insert(y, t.into_iter().find(|t| t.indicator_id == indicator.id).and_then(|t| t.value));
    }
    let mine: Vec<(Period, Fixed)> =
        values.iter().filter(|v| v.zone_id == zone_id && !v.is_estimate).map(|v| (v.period, v.value)).collect();
    Ok(periods
        .into_iter()
        .map(|q| {
            let table = ranked(&zs, &values, q);
            let me = table.iter().find(|r| r.zone_id == zone_id);
            let (covered, of) = ind::expected_share(q);
            SeriesRow {
                period: q,
                figure: figure(&values, zone_id, q),
                month_own: if indicator.is_flow() { month_own(&mine, q, indicator.january_alone) } else { None },
                rank_value: me.and_then(|m| m.rank_value),
                rank_growth: me.and_then(|m| m.rank_growth),
                expected: targets.get(&q.year).copied().flatten().and_then(|t| t.mul_div(covered as i64, of as i64)),
            }
        })
        .collect())
}

/// The zone's current warnings: for each active indicator, the rules at its latest entered
/// period, and 逾期未填报 for the latest period due by `today`.
pub async fn warnings(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    today: NaiveDate,
) -> Result<Vec<(Indicator, Period, Warning)>, StoreError> {
    let zs = city_zones(db, scope, zone_id).await?;
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let mut out = Vec::new();
    for indicator in indicators::list(db, true).await? {
        let values = indicator_values::of_zones(db, &ids, indicator.id, (today.year() - 3, today.year() + 1)).await?;
        let latest = values.iter().filter(|v| v.zone_id == zone_id && !v.is_estimate).map(|v| v.period).max();
        if let Some(p) = latest {
            let targets = indicator_values::targets(db, scope, zone_id, p.year).await?;
            let target = targets.iter().find(|t| t.indicator_id == indicator.id);
            for w in zone_warnings(&indicator, &zs, &values, zone_id, p, target) {
                out.push((indicator.clone(), p, w));
            }
        }
        if let Some(due) = latest_due_period(today, indicator.january_alone)
            && latest.is_some()
        {
            let entered = values.iter().any(|v| v.zone_id == zone_id && v.period == due && !v.is_estimate);
            if let Some(w) = not_entered(due, entered, today) {
                out.push((indicator.clone(), due, w));
            }
        }
    }
    Ok(out)
}
