//! The zone's working-day calendar (工作日历): the public holidays and the weekend days worked
//! instead (调休) of each year. A year with no rows in `calendar_days` uses the official
//! arrangement built into the program (`kaifaqu_domain::calendar::official`); as soon as a year
//! has rows — an admin changed a day, loaded the official arrangement or imported a sheet —
//! those rows are that year's calendar. Every deadline in working days goes through [`load`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::calendar::{self, Calendar, DayKind};
use kaifaqu_domain::validate::NAME_MAX;
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::calendar_day;
use crate::{Actor, Db, Scope, StoreError};

/// Years accepted by the calendar.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The stored code of a day kind.
pub fn kind_code(k: DayKind) -> &'static str {
    match k {
        DayKind::Holiday => "holiday",
        DayKind::Workday => "workday",
    }
}

/// The Chinese label of a day kind.
pub fn kind_label(k: DayKind) -> &'static str {
    match k {
        DayKind::Holiday => "放假",
        DayKind::Workday => "调休上班",
    }
}

/// A kind from its code or label (also 休息/上班).
pub fn parse_kind(s: &str) -> Option<DayKind> {
    match s.trim() {
        "holiday" | "放假" | "休息" | "节假日" => Some(DayKind::Holiday),
        "workday" | "调休上班" | "上班" | "补班" => Some(DayKind::Workday),
        _ => None,
    }
}

/// One marked day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Day {
    pub date: NaiveDate,
    /// `holiday` or `workday`.
    pub kind: String,
    pub kind_label: String,
    pub name: String,
}

fn day(date: NaiveDate, kind: DayKind, name: &str) -> Day {
    Day { date, kind: kind_code(kind).into(), kind_label: kind_label(kind).into(), name: name.to_string() }
}

/// Where a year's calendar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The zone's own rows.
    Zone,
    /// The official arrangement built into the program (no rows for the year).
    Official,
    /// Neither: only weekends are off (staff should add the year's arrangement).
    Missing,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Zone => "本区维护",
            Source::Official => "国家公布安排（内置）",
            Source::Missing => "未设置（仅按周末计算）",
        }
    }
}

/// A year of the zone's calendar.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Year {
    pub year: i32,
    pub source: Source,
    pub days: Vec<Day>,
    /// Working days in the year by this calendar.
    pub working_days: u32,
    /// Whether the program has the official arrangement of this year.
    pub official_available: bool,
}

async fn visible(db: &Db, scope: &Scope, zone_id: i64) -> Result<(), StoreError> {
    crate::zones::get(db, scope, zone_id).await.map(|_| ())
}

async fn rows<C: ConnectionTrait>(conn: &C, zone_id: i64) -> Result<Vec<calendar_day::Model>, StoreError> {
    Ok(calendar_day::Entity::find()
        .filter(calendar_day::Column::ZoneId.eq(zone_id))
        .order_by_asc(calendar_day::Column::Day)
        .all(conn)
        .await?)
}

fn model_kind(m: &calendar_day::Model) -> DayKind {
    parse_kind(&m.kind).unwrap_or(DayKind::Holiday)
}

/// The zone's calendar: its own rows for the years that have any, the built-in official
/// arrangement for the others.
pub async fn load(db: &Db, scope: &Scope, zone_id: i64) -> Result<Calendar, StoreError> {
    visible(db, scope, zone_id).await?;
    load_unchecked(&db.conn, zone_id).await
}

/// [`load`] without the scope check, for the scheduler and for writes already checked.
pub async fn load_unchecked<C: ConnectionTrait>(conn: &C, zone_id: i64) -> Result<Calendar, StoreError> {
    let rows = rows(conn, zone_id).await?;
    let own_years: BTreeSet<i32> = rows.iter().map(|m| m.day.year()).collect();
    let mut c = Calendar::new();
    for (d, k, n) in calendar::official_all().entries() {
        if !own_years.contains(&d.year()) {
            c.set(d, k, n);
        }
    }
    for m in &rows {
        c.set(m.day, model_kind(m), &m.name);
    }
    Ok(c)
}

/// One year as shown on the calendar page.
pub async fn year(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Year, StoreError> {
    visible(db, scope, zone_id).await?;
    let own: Vec<calendar_day::Model> =
        rows(&db.conn, zone_id).await?.into_iter().filter(|m| m.day.year() == year).collect();
    let official = calendar::official(year);
    let (source, days) = if !own.is_empty() {
        (Source::Zone, own.iter().map(|m| day(m.day, model_kind(m), &m.name)).collect())
    } else if let Some(o) = &official {
        (Source::Official, o.entries().map(|(d, k, n)| day(d, k, n)).collect())
    } else {
        (Source::Missing, Vec::new())
    };
    let cal = load_unchecked(&db.conn, zone_id).await?;
    let working_days = match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 1, 1)) {
        (Some(first), Some(next)) => {
            cal.working_days_between(first.pred_opt().unwrap_or(first), next.pred_opt().unwrap_or(next))
        }
        _ => 0,
    };
    Ok(Year { year, source, days, working_days, official_available: official.is_some() })
}

/// A day as entered in the form or a sheet row.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DayForm {
    #[serde(default)]
    pub date: String,
    /// `holiday`/`放假` or `workday`/`调休上班`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

impl DayForm {
    /// The checked day; `year`, when given, must contain it.
    pub fn validate(&self, year: Option<i32>) -> Result<(NaiveDate, DayKind, String), Invalid> {
        let mut e = Invalid::new();
        let date = crate::lookups::req_date(&mut e, "date", "日期", &self.date);
        let kind = parse_kind(&self.kind);
        if kind.is_none() {
            e.add("kind", "类型应为“放假”或“调休上班”");
        }
        let name = self.name.trim().to_string();
        if name.chars().count() > NAME_MAX {
            e.add("name", format!("名称不能超过 {NAME_MAX} 个字"));
        }
        if let Some(d) = date {
            if !YEARS.contains(&d.year()) {
                e.add("date", format!("日期应在 {} 年到 {} 年之间", YEARS.start(), YEARS.end()));
            } else if let Some(y) = year
                && d.year() != y
            {
                e.add("date", format!("日期 {d} 不在 {y} 年内"));
            }
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            if kind == Some(DayKind::Workday) && !weekend {
                e.add("kind", format!("{d} 是工作日（周一至周五），不需要设为调休上班"));
            }
        }
        e.into_result()?;
        Ok((date.expect("checked"), kind.expect("checked"), name))
    }
}

fn audit_days(days: &BTreeMap<NaiveDate, (DayKind, String)>) -> serde_json::Value {
    json!(days.iter().map(|(d, (k, n))| format!("{d} {} {n}", kind_label(*k))).collect::<Vec<_>>())
}

/// The rows a year will have: its own rows, or — the first time it is changed — the official
/// arrangement it used so far, so that changing one day keeps the others.
async fn year_rows<C: ConnectionTrait>(
    conn: &C,
    zone_id: i64,
    year: i32,
) -> Result<(BTreeMap<NaiveDate, (DayKind, String)>, bool), StoreError> {
    let own: BTreeMap<NaiveDate, (DayKind, String)> = rows(conn, zone_id)
        .await?
        .into_iter()
        .filter(|m| m.day.year() == year)
        .map(|m| (m.day, (model_kind(&m), m.name.clone())))
        .collect();
    if !own.is_empty() {
        return Ok((own, true));
    }
    let official = calendar::official(year)
        .map(|c| c.entries().map(|(d, k, n)| (d, (k, n.to_string()))).collect())
        .unwrap_or_default();
    Ok((official, false))
}

/// Replaces the stored rows of `year` by `days`, with one audit record.
async fn replace_year<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    zone_id: i64,
    year: i32,
    before: &BTreeMap<NaiveDate, (DayKind, String)>,
    days: &BTreeMap<NaiveDate, (DayKind, String)>,
    summary: String,
) -> Result<(), StoreError> {
    let (first, last) = (
        NaiveDate::from_ymd_opt(year, 1, 1).ok_or(StoreError::NotFound)?,
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or(StoreError::NotFound)?,
    );
    calendar_day::Entity::delete_many()
        .filter(calendar_day::Column::ZoneId.eq(zone_id))
        .filter(calendar_day::Column::Day.between(first, last))
        .exec(conn)
        .await?;
    let now = Utc::now();
    let models: Vec<calendar_day::ActiveModel> = days
        .iter()
        .map(|(d, (k, n))| calendar_day::ActiveModel {
            zone_id: Set(zone_id),
            day: Set(*d),
            kind: Set(kind_code(*k).into()),
            name: Set(n.clone()),
            updated_at: Set(now),
        })
        .collect();
    if !models.is_empty() {
        calendar_day::Entity::insert_many(models).exec_without_returning(conn).await?;
    }
    audit::append(
        conn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "calendar",
            entity_id: Some(format!("{zone_id}:{year}")),
            action: Action::Update,
            summary,
            before: json!({"days": audit_days(before)}),
            after: json!({"days": audit_days(days)}),
        },
    )
    .await
}

fn check_year(year: i32) -> Result<(), StoreError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(Invalid::one("year", format!("年份应在 {} 到 {} 之间", YEARS.start(), YEARS.end())).into())
    }
}

/// Marks (or re-marks) one day. Admins only.
pub async fn set_day(db: &Db, actor: &Actor, zone_id: i64, f: &DayForm) -> Result<Day, StoreError> {
    actor.require(Permission::Administer)?;
    let zone_id = actor.write_zone(zone_id)?;
    let (date, kind, name) = f.validate(None)?;
    let txn = db.conn.begin().await?;
    let (before, _) = year_rows(&txn, zone_id, date.year()).await?;
    let mut days = before.clone();
    days.insert(date, (kind, name.clone()));
    let summary = format!(
        "工作日历：{date} 设为{}{}",
        kind_label(kind),
        if name.is_empty() { String::new() } else { format!("（{name}）") }
    );
    replace_year(&txn, actor, zone_id, date.year(), &before, &days, summary).await?;
    txn.commit().await?;
    Ok(day(date, kind, &name))
}

/// Makes `date` an ordinary day again (weekday worked, weekend off). Admins only.
pub async fn clear_day(db: &Db, actor: &Actor, zone_id: i64, date: NaiveDate) -> Result<(), StoreError> {
    actor.require(Permission::Administer)?;
    let zone_id = actor.write_zone(zone_id)?;
    check_year(date.year())?;
    let txn = db.conn.begin().await?;
    let (before, _) = year_rows(&txn, zone_id, date.year()).await?;
    let mut days = before.clone();
    if days.remove(&date).is_none() {
        return Err(StoreError::NotFound);
    }
    if days.is_empty() {
        return Err(Invalid::one(
            "date",
            "这是该年最后一个特殊日期：一年没有任何节假日时将使用国家公布的安排，请改为导入或逐日设置",
        )
        .into());
    }
    replace_year(&txn, actor, zone_id, date.year(), &before, &days, format!("工作日历：{date} 恢复为普通日")).await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces `year` by the official arrangement built into the program.
pub async fn load_official(db: &Db, actor: &Actor, zone_id: i64, year: i32) -> Result<usize, StoreError> {
    actor.require(Permission::Administer)?;
    let zone_id = actor.write_zone(zone_id)?;
    check_year(year)?;
    let Some(official) = calendar::official(year) else {
        return Err(Invalid::one("year", format!("程序没有内置 {year} 年的国家节假日安排，请导入或逐日设置")).into());
    };
    let days: BTreeMap<NaiveDate, (DayKind, String)> =
        official.entries().map(|(d, k, n)| (d, (k, n.to_string()))).collect();
    let txn = db.conn.begin().await?;
    let (before, _) = year_rows(&txn, zone_id, year).await?;
    replace_year(&txn, actor, zone_id, year, &before, &days, format!("工作日历：{year} 年载入国家公布的安排")).await?;
    txn.commit().await?;
    Ok(days.len())
}

/// Loads every built-in year (the demo data).
pub async fn load_official_years(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    for y in calendar::official_years() {
        load_official(db, actor, zone_id, y).await?;
    }
    Ok(())
}

/// Replaces `year` by imported rows, all or nothing: any bad row refuses the whole sheet, with
/// the row number (as the user sees it in the sheet) in every message.
pub async fn import_year(
    db: &Db,
    actor: &Actor,
    zone_id: i64,
    year: i32,
    rows: &[(usize, DayForm)],
) -> Result<usize, StoreError> {
    actor.require(Permission::Administer)?;
    let zone_id = actor.write_zone(zone_id)?;
    check_year(year)?;
    let mut e = Invalid::new();
    let mut days: BTreeMap<NaiveDate, (DayKind, String)> = BTreeMap::new();
    let mut first_row: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (row, f) in rows {
        match f.validate(Some(year)) {
            Ok((d, k, n)) => {
                if let Some(prev) = first_row.insert(d, *row) {
                    e.add(&format!("row{row}.date"), format!("第 {row} 行：日期 {d} 与第 {prev} 行重复"));
                }
                days.insert(d, (k, n));
            }
            Err(inv) => {
                for fe in inv.errors {
                    e.add(&format!("row{row}.{}", fe.field), format!("第 {row} 行：{}", fe.message));
                }
            }
        }
    }
    if rows.is_empty() {
        e.add("file", "表中没有任何日期");
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let (before, _) = year_rows(&txn, zone_id, year).await?;
    replace_year(&txn, actor, zone_id, year, &before, &days, format!("工作日历：导入 {year} 年（{} 天）", days.len()))
        .await?;
    txn.commit().await?;
    Ok(days.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weekday_cannot_be_an_adjusted_working_day() {
        let f = DayForm { date: "2025-10-09".into(), kind: "调休上班".into(), name: String::new() };
        let e = f.validate(None).unwrap_err();
        assert!(e.message_for("kind").unwrap().contains("不需要设为调休上班"));
        let f = DayForm { date: "2025-09-28".into(), kind: "上班".into(), name: "国庆节调休上班".into() };
        assert_eq!(f.validate(Some(2025)).unwrap().1, DayKind::Workday);
        let f = DayForm { date: "2025-09-28".into(), kind: "x".into(), name: String::new() };
        assert!(f.validate(Some(2026)).unwrap_err().message_for("date").unwrap().contains("不在 2026 年内"));
    }
}
