//! Safety figures for a date range, derived from inspections and hazards: 家次 and distinct
//! enterprises, hazards by level and category, closed, rectification rate, overdue, major
//! hazards under supervision, and weekly compliance with the inspection target.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::safety::{HazardLevel, HazardStatus, rectification_rate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::entities::{hazard, inspection};
use crate::lookups::{Lookups, today};
use crate::notifications::safety_settings;
use crate::{Db, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafetyFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 检查企业（家次）.
    pub inspections: u64,
    pub enterprises: u64,
    pub hazards: u64,
    pub general: u64,
    pub major: u64,
    /// (category, count), by count.
    pub by_category: Vec<(String, u64)>,
    /// Found in the range and due by its end.
    pub due: u64,
    /// Of those, closed by the end of the range.
    pub closed: u64,
    /// closed ÷ due in hundredths of a percent.
    pub rectification_rate: Option<i64>,
    /// Found in the range, open and past the deadline today.
    pub overdue: u64,
    /// Open major hazards under 挂牌督办.
    pub supervised: u64,
    pub weekly_target: i32,
    /// Weeks (Monday–Sunday, within the range) with at least `weekly_target` inspection days.
    pub weeks_met: u64,
    pub weeks: u64,
}

/// A hazard as the figures count it: category, level, deadline, status, closed date.
type Hz = (Option<i64>, String, NaiveDate, String, Option<NaiveDate>);

pub async fn period(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<SafetyFigures, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    crate::lookups::bounded_range(from, to)?;
    let ins = inspection::Entity::find()
        .filter(inspection::Column::ZoneId.eq(zone_id))
        .filter(inspection::Column::InspectionDate.between(from, to))
        .all(&db.conn)
        .await?;
    // only the columns counted (issue 11: every column of the period's hazards was read)
    let hz: Vec<Hz> = hazard::Entity::find()
        .select_only()
        .columns([
            hazard::Column::CategoryId,
            hazard::Column::Level,
            hazard::Column::Deadline,
            hazard::Column::Status,
            hazard::Column::ClosedDate,
        ])
        .filter(hazard::Column::ZoneId.eq(zone_id))
        .filter(hazard::Column::FoundDate.between(from, to))
        .into_tuple()
        .all(&db.conn)
        .await?;
    // the dictionary names only (no enterprise names)
    let l = Lookups::for_rows(db, zone_id, std::iter::empty()).await?;
    let enterprises: BTreeSet<i64> = ins.iter().map(|i| i.enterprise_id).collect();
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    for h in &hz {
        *by_category.entry(l.dict_value(h.0).unwrap_or_else(|| "未分类".into())).or_default() += 1;
    }
    let mut by_category: Vec<(String, u64)> = by_category.into_iter().collect();
    by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let closed_code = HazardStatus::Closed.code();
    let due: Vec<&Hz> = hz.iter().filter(|h| h.2 <= to).collect();
    let closed = due.iter().filter(|h| h.3 == closed_code && h.4.is_some_and(|c| c <= to)).count() as u64;
    let now = today();
    let overdue = hz.iter().filter(|h| h.3 != closed_code && h.2 < now).count() as u64;
    // counted in the database, from the index of migration 18 (was: every row read)
    let supervised = hazard::Entity::find()
        .filter(hazard::Column::ZoneId.eq(zone_id))
        .filter(hazard::Column::Level.eq(HazardLevel::Major.code()))
        .filter(hazard::Column::Status.ne(closed_code))
        .filter(hazard::Column::Supervisor.is_not_null())
        .count(&db.conn)
        .await?;
    let (weekly_target, _) = safety_settings(db, zone_id).await?;
    let mut days_by_week: BTreeMap<(i32, u32), BTreeSet<NaiveDate>> =
        kaifaqu_domain::calendar::iso_weeks(from, to).into_iter().map(|w| (w, BTreeSet::new())).collect();
    for i in &ins {
        let w = i.inspection_date.iso_week();
        days_by_week.entry((w.year(), w.week())).or_default().insert(i.inspection_date);
    }
    let weeks = days_by_week.len() as u64;
    let weeks_met = days_by_week.values().filter(|days| days.len() as i32 >= weekly_target).count() as u64;
    Ok(SafetyFigures {
        from,
        to,
        inspections: ins.len() as u64,
        enterprises: enterprises.len() as u64,
        hazards: hz.len() as u64,
        general: hz.iter().filter(|h| h.1 == HazardLevel::General.code()).count() as u64,
        major: hz.iter().filter(|h| h.1 == HazardLevel::Major.code()).count() as u64,
        by_category,
        due: due.len() as u64,
        closed,
        rectification_rate: rectification_rate(closed, due.len() as u64),
        overdue,
        supervised,
        weekly_target,
        weeks_met,
        weeks,
    })
}
