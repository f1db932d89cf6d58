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
    let z = zones::get(db, scope, zone_id).await?;
    ranking_where(db, Some(&z.city_code), |_| true, indicator_id, p).await
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
    let ids: std::collections::HashSet<i64> = zs.iter().map(|z| z.id).collect();
    ranking_where(db, Some(city_code), |id| ids.contains(&id), indicator_id, p).await
}

/// Every zone the scope sees (the system scope: all zones of the deployment — the national or
/// province ranking) ranked for one indicator and period, with ties (`domain::indicator::rank`),
/// ranked zones first, then 缺报. One query: the zones joined to their official value, estimate
/// and last year's official value of the period.
pub async fn ranking(db: &Db, scope: &Scope, indicator_id: i64, p: Period) -> Result<Vec<RankedZone>, StoreError> {
    match scope {
        Scope::System => ranking_where(db, None, |_| true, indicator_id, p).await,
        Scope::City { city_code } => ranking_where(db, Some(city_code), |_| true, indicator_id, p).await,
        Scope::Zone { zone_id, .. } => {
            let z = *zone_id;
            let city = zones::get(db, scope, z).await?.city_code;
            ranking_where(db, Some(&city), |id| id == z, indicator_id, p).await
        }
    }
}

/// The ranking of the zones of `city` (all zones when None) that `keep` accepts, from one
/// query. Zones in (city code, id) order, as `zones::list` gives them, so ties keep that order.
async fn ranking_where(
    db: &Db,
    city: Option<&str>,
    keep: impl Fn(i64) -> bool,
    indicator_id: i64,
    p: Period,
) -> Result<Vec<RankedZone>, StoreError> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.conn.get_database_backend();
    let month = i32::try_from(p.month).unwrap_or(12);
    let join = |alias: &str, n: usize, estimate: &str| {
        format!(
            "LEFT JOIN indicator_values {alias} ON {alias}.indicator_id = ${} AND {alias}.year = ${} \
             AND {alias}.month = ${} AND {alias}.is_estimate = {estimate} AND {alias}.zone_id = z.id ",
            n,
            n + 1,
            n + 2
        )
    };
    let mut sql = String::from(
        "SELECT z.id, z.name, o.value AS o_value, o.growth AS o_growth, o.base_value AS o_base, \
         o.source AS o_source, e.value AS e_value, e.growth AS e_growth, l.value AS l_value FROM zones z ",
    );
    sql.push_str(&join("o", 1, "FALSE"));
    sql.push_str(&join("e", 4, "TRUE"));
    sql.push_str(&join("l", 7, "FALSE"));
    let mut values: Vec<sea_orm::Value> = vec![
        indicator_id.into(),
        p.year.into(),
        month.into(),
        indicator_id.into(),
        p.year.into(),
        month.into(),
        indicator_id.into(),
        (p.year - 1).into(),
        month.into(),
    ];
    if let Some(c) = city {
        sql.push_str("WHERE z.city_code = $10 ");
        values.push(c.into());
    }
    sql.push_str("ORDER BY z.city_code, z.id");
    if backend != DbBackend::Postgres {
        // `$n` → `?n` (SQLite's numbered parameters)
        sql = sql.replace('$', "?");
    }
    let rows = db.conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut zs: Vec<(i64, String, Figure)> = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("", "id")?;
        if !keep(id) {
            continue;
        }
        let value: Option<i64> = r.try_get("", "o_value")?;
        let growth: Option<i64> = r.try_get("", "o_growth")?;
        let base: Option<i64> = r.try_get("", "o_base")?;
        let last: Option<i64> = r.try_get("", "l_value")?;
        // as `figure`: the reported growth, else computed from the base (restated or last year's)
        let (growth, computed) = match value {
            Some(_) if growth.is_some() => (growth.map(Pct), false),
            Some(v) => {
                let b = base.or(last);
                (b.and_then(|b| computed_growth(Fixed(v), Fixed(b))), b.is_some())
            }
            None => (None, false),
        };
        let f = Figure {
            value: value.map(Fixed),
            growth_computed: computed && growth.is_some(),
            growth,
            source: r.try_get("", "o_source")?,
            estimate: r.try_get::<Option<i64>>("", "e_value")?.map(Fixed),
            estimate_growth: r.try_get::<Option<i64>>("", "e_growth")?.map(Pct),
        };
        zs.push((id, r.try_get("", "name")?, f));
    }
    Ok(rank_figures(zs))
}

/// Ranks (zone id, name, figure) by value and by growth; ranked zones first, then 缺报.
fn rank_figures(zs: Vec<(i64, String, Figure)>) -> Vec<RankedZone> {
    let by_value = rank(&zs.iter().map(|(id, _, f)| (*id, f.value.map(|v| v.0))).collect::<Vec<_>>());
    let by_growth = rank(&zs.iter().map(|(id, _, f)| (*id, f.growth.map(|g| g.0))).collect::<Vec<_>>());
    let rv: HashMap<i64, Option<u32>> = by_value.into_iter().collect();
    let rg: HashMap<i64, Option<u32>> = by_growth.into_iter().collect();
    let mut rows: Vec<RankedZone> = zs
        .into_iter()
        .map(|(id, name, f)| RankedZone {
            zone_id: id,
            zone_name: name,
            figure: f,
            rank_value: rv.get(&id).copied().flatten(),
            rank_growth: rg.get(&id).copied().flatten(),
        })
        .collect();
    rows.sort_by_key(|r| (r.rank_value.is_none(), r.rank_value, r.zone_id));
    rows
}

fn ranked(zs: &[Zone], values: &[Value], p: Period) -> Vec<RankedZone> {
    rank_figures(zs.iter().map(|z| (z.id, z.name.clone(), figure(values, z.id, p))).collect())
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
    // the city's values of the two years for all indicators in one query, not one per indicator
    let mut by_indicator = indicator_values::of_zones_by_indicator(db, &ids, (p.year - 1, p.year)).await?;
    let mut out = Vec::new();
    for indicator in indicators::list(db, true).await? {
        let values = by_indicator.remove(&indicator.id).unwrap_or_default();
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
///
/// Reads only what the rules compare (issue 11): the zone's latest official period of every
/// indicator (one grouped query), then in two queries the zone's own official values of the
/// years the rules look at (the latest period's year and the one before, and the due period's)
/// and the city's official values of the four periods the rank rule compares (the latest period
/// and the one before it, each with the same period of the year before) — not three years of
/// every value of every zone of the city. `tests::warnings_equal_the_reference` pins the result
/// to the former read.
pub async fn warnings(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    today: NaiveDate,
) -> Result<Vec<(Indicator, Period, Warning)>, StoreError> {
    let zs = city_zones(db, scope, zone_id).await?;
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let window = (today.year() - 3, today.year() + 1);
    let latest = indicator_values::latest_periods(db, zone_id, window).await?;
    let catalog = indicators::list(db, true).await?;
    let needs = needs_of(&catalog, &latest, today);
    // the rules never read before the window's first year (as the former three-year read)
    let mut by_indicator = rule_values(db, &ids, zone_id, &needs, window.0).await?;
    let mut targets_of: HashMap<i32, Vec<Target>> = HashMap::new();
    let mut out = Vec::new();
    for indicator in catalog {
        let values = by_indicator.remove(&indicator.id).unwrap_or_default();
        let latest = latest.get(&indicator.id).copied();
        if let Some(p) = latest {
            if let std::collections::hash_map::Entry::Vacant(e) = targets_of.entry(p.year) {
                e.insert(indicator_values::targets(db, scope, zone_id, p.year).await?);
            }
            let target = targets_of[&p.year].iter().find(|t| t.indicator_id == indicator.id);
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

/// The indicators with a latest period and what the rules read of each.
fn needs_of(catalog: &[Indicator], latest: &HashMap<i64, Period>, today: NaiveDate) -> Vec<Need> {
    catalog
        .iter()
        .filter_map(|i| {
            let p = *latest.get(&i.id)?;
            Some(Need {
                indicator_id: i.id,
                at: p,
                prev: ind::previous(p, i.january_alone),
                due: latest_due_period(today, i.january_alone),
            })
        })
        .collect()
}

/// What the warning rules read of one indicator: its latest period, the period before it (the
/// rank rule) and the period due (逾期未填报).
struct Need {
    indicator_id: i64,
    at: Period,
    prev: Option<Period>,
    due: Option<Period>,
}

/// The official values the warning rules read, by indicator, with only the columns they use
/// (`source` empty, `entered_by` None, `entered_at` the epoch), from two queries on the
/// `(zone_id, indicator_id, year, month, is_estimate)` key:
/// - the zone's own values of the years from the year before the earliest latest period (or the
///   earliest due period) to the last of them: growth falling, pace, 逾期未填报;
/// - every city zone's values of the latest periods and the periods before them, each with the
///   same month a year earlier (the years × months of those periods, a small superset): the
///   growth ranks of the two periods.
///
/// Nothing before `first_year` is read.
async fn rule_values(
    db: &Db,
    city_ids: &[i64],
    zone_id: i64,
    needs: &[Need],
    first_year: i32,
) -> Result<HashMap<i64, Vec<Value>>, StoreError> {
    use std::collections::{BTreeSet, HashSet};

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

    use crate::entities::indicator_value as iv;
    type Row = (i64, i64, i64, i32, i32, i64, Option<i64>, Option<i64>);
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    if needs.is_empty() {
        return Ok(out);
    }
    let indicator_ids: Vec<i64> = needs.iter().map(|n| n.indicator_id).collect();
    let own_from = needs.iter().flat_map(|n| [Some(n.at.year - 1), n.due.map(|d| d.year)]).flatten().min();
    let own_to = needs.iter().flat_map(|n| [Some(n.at.year), n.due.map(|d| d.year)]).flatten().max();
    let mut years: BTreeSet<i32> = BTreeSet::new();
    let mut months: BTreeSet<i32> = BTreeSet::new();
    for n in needs {
        for q in [Some(n.at), n.prev].into_iter().flatten() {
            years.extend([q.year, q.year - 1].into_iter().filter(|y| *y >= first_year));
            months.insert(i32::try_from(q.month).unwrap_or(12));
        }
    }
    let select = || {
        iv::Entity::find()
            .select_only()
            .columns([
                iv::Column::Id,
                iv::Column::ZoneId,
                iv::Column::IndicatorId,
                iv::Column::Year,
                iv::Column::Month,
                iv::Column::Value,
                iv::Column::Growth,
                iv::Column::BaseValue,
            ])
            .filter(iv::Column::IndicatorId.is_in(indicator_ids.clone()))
            .filter(iv::Column::IsEstimate.eq(false))
    };
    let mut rows: Vec<Row> = Vec::new();
    if let (Some(from), Some(to)) = (own_from, own_to) {
        rows.extend(
            select()
                .filter(iv::Column::ZoneId.eq(zone_id))
                .filter(iv::Column::Year.between(from.max(first_year), to))
                .into_tuple::<Row>()
                .all(&db.conn)
                .await?,
        );
    }
    if !city_ids.is_empty() && !years.is_empty() {
        rows.extend(
            select()
                .filter(iv::Column::ZoneId.is_in(city_ids.to_vec()))
                .filter(iv::Column::Year.is_in(years))
                .filter(iv::Column::Month.is_in(months))
                .into_tuple::<Row>()
                .all(&db.conn)
                .await?,
        );
    }
    let mut seen: HashSet<i64> = HashSet::with_capacity(rows.len());
    for (id, zone_id, indicator_id, year, month, value, growth, base) in rows {
        if !seen.insert(id) {
            continue;
        }
        out.entry(indicator_id).or_default().push(Value {
            id,
            zone_id,
            indicator_id,
            period: Period { year, month: u32::try_from(month).unwrap_or(1) },
            is_estimate: false,
            value: Fixed(value),
            growth: growth.map(Pct),
            base_value: base.map(Fixed),
            source: String::new(),
            entered_by: None,
            entered_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::{db_test, demo};

    /// The former `warnings` (before issue 11's fourth pass), kept as the reference: three years
    /// of every indicator for every zone of the city, both estimate flags.
    async fn reference(
        db: &Db,
        scope: &Scope,
        zone_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<(Indicator, Period, Warning)>, StoreError> {
        let zs = city_zones(db, scope, zone_id).await?;
        let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
        let window = (today.year() - 3, today.year() + 1);
        let latest = indicator_values::latest_periods(db, zone_id, window).await?;
        let years = (
            latest.values().map(|p| p.year).min().unwrap_or(window.0).saturating_sub(2).max(window.0),
            latest.values().map(|p| p.year).max().unwrap_or(window.1),
        );
        let catalog = indicators::list(db, true).await?;
        let wanted: Vec<i64> = catalog.iter().filter(|i| latest.contains_key(&i.id)).map(|i| i.id).collect();
        let mut by_indicator = indicator_values::for_rules(db, &ids, &wanted, years).await?;
        let mut out = Vec::new();
        for indicator in catalog {
            let values = by_indicator.remove(&indicator.id).unwrap_or_default();
            let latest = latest.get(&indicator.id).copied();
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

    fn key(ws: Vec<(Indicator, Period, Warning)>) -> Vec<(i64, Period, Warning)> {
        ws.into_iter().map(|(i, p, w)| (i.id, p, w)).collect()
    }

    const TODAYS: [&str; 10] = [
        "2025-03-15",
        "2025-06-15",
        "2025-07-11",
        "2025-12-20",
        "2026-01-12",
        "2026-02-11",
        "2026-03-15",
        "2026-11-28",
        "2027-02-01",
        "2028-05-01",
    ];

    /// Every zone at every date: the new read gives exactly the reference's warnings. Returns how
    /// many warnings were compared.
    async fn compare_all(db: &Db) -> usize {
        let mut n = 0;
        for z in zones::list(db, &Scope::System).await.unwrap() {
            for t in TODAYS {
                let today: NaiveDate = t.parse().unwrap();
                let scope = Scope::Zone { zone_id: z.id, write: false };
                let new = key(warnings(db, &scope, z.id, today).await.unwrap());
                let old = key(reference(db, &scope, z.id, today).await.unwrap());
                assert_eq!(new, old, "zone {} ({}) on {t}", z.id, z.name);
                n += new.len();
                same_inputs(db, &scope, z.id, today).await;
            }
        }
        n
    }

    /// What the rules read, from the new rows and from the reference's: every city zone's growth
    /// at the latest period and the one before (the ranks), the zone's growth at every period of
    /// the year up to the latest, its official values at the latest period, the same period and
    /// December of the year before (pace), and at the due period — equal for every indicator.
    async fn same_inputs(db: &Db, scope: &Scope, zone_id: i64, today: NaiveDate) {
        let zs = city_zones(db, scope, zone_id).await.unwrap();
        let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
        let window = (today.year() - 3, today.year() + 1);
        let latest = indicator_values::latest_periods(db, zone_id, window).await.unwrap();
        let years = (
            latest.values().map(|p| p.year).min().unwrap_or(window.0).saturating_sub(2).max(window.0),
            latest.values().map(|p| p.year).max().unwrap_or(window.1),
        );
        let catalog = indicators::list(db, true).await.unwrap();
        let needs = needs_of(&catalog, &latest, today);
        let wanted: Vec<i64> = needs.iter().map(|n| n.indicator_id).collect();
        let mut old = indicator_values::for_rules(db, &ids, &wanted, years).await.unwrap();
        let mut new = rule_values(db, &ids, zone_id, &needs, window.0).await.unwrap();
        for (n, i) in needs.iter().zip(catalog.iter().filter(|i| latest.contains_key(&i.id))) {
            assert_eq!(n.indicator_id, i.id);
            let (o, w) = (old.remove(&i.id).unwrap_or_default(), new.remove(&i.id).unwrap_or_default());
            let growth = |v: &[Value], z: i64, q: Period| figure(v, z, q).growth;
            for q in [Some(n.at), n.prev].into_iter().flatten() {
                for z in &ids {
                    assert_eq!(growth(&o, *z, q), growth(&w, *z, q), "growth of zone {z} at {q:?}, indicator {}", i.id);
                }
            }
            for q in ind::periods_of_year(n.at.year, i.january_alone).into_iter().filter(|q| *q <= n.at) {
                assert_eq!(growth(&o, zone_id, q), growth(&w, zone_id, q), "own growth at {q:?}");
            }
            let y = n.at.year - 1;
            for q in [n.at, Period { year: y, month: n.at.month }, Period { year: y, month: 12 }] {
                assert_eq!(official(&o, zone_id, q), official(&w, zone_id, q), "own value at {q:?}");
            }
            if let Some(d) = n.due {
                assert_eq!(official(&o, zone_id, d), official(&w, zone_id, d), "own value at the due {d:?}");
            }
        }
    }

    async fn exec(db: &Db, sql: &str) {
        db.conn.execute_raw(Statement::from_string(db.backend(), sql.to_string())).await.unwrap();
    }

    db_test!(warnings_equal_the_reference, |db: Db| async move {
        assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
        let n = compare_all(&db).await;
        assert!(n > 0, "the demo has warnings to compare");
        // the kinds the demo raises, so the comparison is not vacuous
        let x = zones::list(&db, &Scope::System).await.unwrap()[0].id;
        let scope = Scope::Zone { zone_id: x, write: false };
        let ws = warnings(&db, &scope, x, "2025-07-11".parse().unwrap()).await.unwrap();
        assert!(!ws.is_empty());

        // the twin: computed growths (no reported growth in March and May), one indicator of the
        // first zone last entered in February (the rank compares with last December, and on
        // 2028-05-01 that year is outside the three-year window), a peer missing April
        // (缺报 in the rank), a zone that entered nothing, and
        // restated bases (同口径) for another
        exec(&db, "UPDATE indicator_values SET growth = NULL WHERE month IN (3, 5) AND is_estimate = FALSE").await;
        let zs = zones::list(&db, &Scope::System).await.unwrap();
        let first = indicators::list(&db, true).await.unwrap();
        let latest = indicator_values::latest_periods(&db, x, (2020, 2030)).await.unwrap();
        let a = first.iter().find(|i| latest.contains_key(&i.id)).expect("an indicator with values").id;
        exec(
            &db,
            &format!(
                "DELETE FROM indicator_values WHERE zone_id = {x} AND indicator_id = {a} AND year = 2025 AND month > 2"
            ),
        )
        .await;
        exec(&db, &format!("DELETE FROM indicator_values WHERE zone_id = {} AND year = 2025 AND month = 4", zs[1].id))
            .await;
        exec(&db, &format!("DELETE FROM indicator_values WHERE zone_id = {}", zs[2].id)).await;
        exec(
            &db,
            &format!(
                "UPDATE indicator_values SET base_value = value - value / 10 WHERE zone_id = {} AND year = 2025",
                zs[3].id
            ),
        )
        .await;
        // a second indicator of the first zone and every indicator of another zone last entered in
        // May (no reported growth: computed from last May, the rank against April) and in March
        if let Some(b) = first.iter().filter(|i| latest.contains_key(&i.id)).map(|i| i.id).find(|&i| i != a) {
            exec(
                &db,
                &format!(
                    "DELETE FROM indicator_values WHERE zone_id = {x} AND indicator_id = {b} AND year = 2025 AND month > 5"
                ),
            )
            .await;
        }
        exec(&db, &format!("DELETE FROM indicator_values WHERE zone_id = {} AND year = 2025 AND month > 3", zs[4].id))
            .await;
        let m = compare_all(&db).await;
        assert!(m > 0);
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for z in &zs {
            let scope = Scope::Zone { zone_id: z.id, write: false };
            for (_, _, w) in warnings(&db, &scope, z.id, "2025-07-11".parse().unwrap()).await.unwrap() {
                match kinds.iter_mut().find(|(k, _)| k == w.kind.label()) {
                    Some((_, c)) => *c += 1,
                    None => kinds.push((w.kind.label().to_string(), 1)),
                }
            }
        }
        eprintln!("warnings compared: demo {n}, twin {m}; twin on 2025-07-11 by kind: {kinds:?}");
    });
}
