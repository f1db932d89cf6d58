//! Period figures of the pipeline, derived from dated records and never typed in: contacts in
//! a date range, and projects reaching each stage (count and investment), by team, channel and
//! chain. Every figure can list the records behind it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::stage::Stage;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::entities::{contact, project, project_event};
use crate::lookups::Lookups;
use crate::projects::{Project, to_project};
use crate::{Db, Scope, StoreError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageFigure {
    pub stage: Stage,
    pub count: u64,
    /// Total investment of those projects, 万元.
    pub investment: Wan,
}

/// One row of a breakdown: the group's name (or "未填写") and the count per stage, in
/// `Stage::ALL` order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    pub name: String,
    pub counts: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub contacts: u64,
    pub stages: Vec<StageFigure>,
    pub by_team: Vec<Breakdown>,
    pub by_channel: Vec<Breakdown>,
    pub by_chain: Vec<Breakdown>,
}

impl PeriodFigures {
    pub fn stage(&self, s: Stage) -> &StageFigure {
        &self.stages[s as usize]
    }
}

/// The projects whose `stage` event falls in [from, to], by event date.
pub async fn projects_reaching(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    stage: Stage,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, Project)>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let events = project_event::Entity::find()
        .filter(project_event::Column::ZoneId.eq(zone_id))
        .filter(project_event::Column::Kind.eq(stage.code()))
        .filter(project_event::Column::EventDate.gte(from))
        .filter(project_event::Column::EventDate.lte(to))
        .order_by_asc(project_event::Column::EventDate)
        .order_by_asc(project_event::Column::Id)
        .all(&db.conn)
        .await?;
    let ids: Vec<i64> = events.iter().map(|e| e.project_id).collect();
    let l = Lookups::load(db, zone_id).await?;
    let mut by_id: BTreeMap<i64, Project> = project::Entity::find()
        .filter(project::Column::ZoneId.eq(zone_id))
        .filter(project::Column::Id.is_in(ids))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| (m.id, to_project(m, &l)))
        .collect();
    Ok(events.into_iter().filter_map(|e| by_id.remove(&e.project_id).map(|p| (e.event_date, p))).collect())
}

pub async fn period(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PeriodFigures, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let contacts = contact::Entity::find()
        .filter(contact::Column::ZoneId.eq(zone_id))
        .filter(contact::Column::ContactDate.gte(from))
        .filter(contact::Column::ContactDate.lte(to))
        .count(&db.conn)
        .await?;
    let mut stages = Vec::new();
    let mut groups: [BTreeMap<String, Vec<u64>>; 3] = Default::default();
    for (i, s) in Stage::ALL.iter().enumerate() {
        let reached = projects_reaching(db, scope, zone_id, *s, from, to).await?;
        stages.push(StageFigure {
            stage: *s,
            count: reached.len() as u64,
            investment: reached.iter().map(|(_, p)| p.total).sum(),
        });
        for (_, p) in &reached {
            for (g, key) in groups.iter_mut().zip([&p.team, &p.channel, &p.chain]) {
                let name = key.clone().unwrap_or_else(|| "未填写".into());
                g.entry(name).or_insert_with(|| vec![0; Stage::ALL.len()])[i] += 1;
            }
        }
    }
    let [team, channel, chain] =
        groups.map(|g| g.into_iter().map(|(name, counts)| Breakdown { name, counts }).collect());
    Ok(PeriodFigures { from, to, contacts, stages, by_team: team, by_channel: channel, by_chain: chain })
}
