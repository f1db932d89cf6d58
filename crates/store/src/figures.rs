//! Period figures of the pipeline, derived from dated records and never typed in: contacts in
//! a date range, and projects reaching each stage (count and investment), by team, channel and
//! chain. Every figure can list the records behind it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::stage::Stage;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
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
    let mut by_id = projects_of_events(db, zone_id, &events).await?;
    Ok(events.into_iter().filter_map(|e| by_id.remove(&e.project_id).map(|p| (e.event_date, p))).collect())
}

/// The projects the events name (each once, with its names), by id: one read of the projects,
/// 500 ids at a time, and one of their names.
async fn projects_of_events(
    db: &Db,
    zone_id: i64,
    events: &[project_event::Model],
) -> Result<HashMap<i64, Project>, StoreError> {
    let mut ids: Vec<i64> = events.iter().map(|e| e.project_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut models = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        models.extend(
            project::Entity::find()
                .filter(project::Column::ZoneId.eq(zone_id))
                .filter(project::Column::Id.is_in(chunk.iter().copied()))
                .all(&db.conn)
                .await?,
        );
    }
    let l = Lookups::for_rows(db, zone_id, models.iter().filter_map(|m| m.enterprise_id)).await?;
    Ok(models.into_iter().map(|m| (m.id, to_project(m, &l))).collect())
}

/// [`projects_reaching`] for every stage at once (in `Stage::ALL` order): one read of the
/// period's stage events, one of the projects they name and one of their names, instead of
/// three per stage (the half-year report lists every stage twice: the period and the year to
/// date).
pub async fn projects_reaching_all(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Vec<(NaiveDate, Project)>>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let events = project_event::Entity::find()
        .filter(project_event::Column::ZoneId.eq(zone_id))
        .filter(project_event::Column::Kind.is_in(Stage::ALL.iter().map(|s| s.code())))
        .filter(project_event::Column::EventDate.gte(from))
        .filter(project_event::Column::EventDate.lte(to))
        .order_by_asc(project_event::Column::EventDate)
        .order_by_asc(project_event::Column::Id)
        .all(&db.conn)
        .await?;
    let by_id = projects_of_events(db, zone_id, &events).await?;
    // as `projects_reaching`: a project once per stage, at its first event of the stage in the range
    let mut out: Vec<Vec<(NaiveDate, Project)>> = vec![Vec::new(); Stage::ALL.len()];
    let mut seen: Vec<HashSet<i64>> = vec![HashSet::new(); Stage::ALL.len()];
    for e in events {
        let Some(i) = Stage::ALL.iter().position(|s| s.code() == e.kind) else { continue };
        if let Some(p) = by_id.get(&e.project_id)
            && seen[i].insert(e.project_id)
        {
            out[i].push((e.event_date, p.clone()));
        }
    }
    Ok(out)
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
    // one read of the period's stage events and one of the projects they name (only the
    // columns counted), then the dictionary once — not a list of projects per stage
    let events: Vec<(i64, String)> = project_event::Entity::find()
        .select_only()
        .columns([project_event::Column::ProjectId, project_event::Column::Kind])
        .filter(project_event::Column::ZoneId.eq(zone_id))
        .filter(project_event::Column::Kind.is_in(Stage::ALL.iter().map(|s| s.code())))
        .filter(project_event::Column::EventDate.gte(from))
        .filter(project_event::Column::EventDate.lte(to))
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut ids: Vec<i64> = events.iter().map(|e| e.0).collect();
    ids.sort_unstable();
    ids.dedup();
    type Row = (i64, i64, Option<i64>, Option<i64>, Option<i64>);
    let mut projects: HashMap<i64, Row> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<Row> = project::Entity::find()
            .select_only()
            .columns([
                project::Column::Id,
                project::Column::TotalWan,
                project::Column::TeamId,
                project::Column::ChannelId,
                project::Column::ChainId,
            ])
            .filter(project::Column::ZoneId.eq(zone_id))
            .filter(project::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&db.conn)
            .await?;
        projects.extend(rows.into_iter().map(|r| (r.0, r)));
    }
    let l = Lookups::for_rows(db, zone_id, std::iter::empty()).await?;
    // each project counts once per stage (as `projects_reaching` lists it once)
    let mut seen: Vec<HashSet<i64>> = vec![HashSet::new(); Stage::ALL.len()];
    let mut stages: Vec<StageFigure> =
        Stage::ALL.iter().map(|s| StageFigure { stage: *s, count: 0, investment: Wan(0) }).collect();
    let mut groups: [BTreeMap<String, Vec<u64>>; 3] = Default::default();
    for (project_id, kind) in &events {
        let Some(i) = Stage::ALL.iter().position(|s| s.code() == kind) else { continue };
        let Some(&(_, total, team, channel, chain)) = projects.get(project_id) else { continue };
        if !seen[i].insert(*project_id) {
            continue;
        }
        stages[i].count += 1;
        stages[i].investment = stages[i].investment + Wan(total);
        for (g, key) in groups.iter_mut().zip([team, channel, chain]) {
            let name = l.dict_value(key).unwrap_or_else(|| "未填写".into());
            g.entry(name).or_insert_with(|| vec![0; Stage::ALL.len()])[i] += 1;
        }
    }
    let [team, channel, chain] =
        groups.map(|g| g.into_iter().map(|(name, counts)| Breakdown { name, counts }).collect());
    Ok(PeriodFigures { from, to, contacts, stages, by_team: team, by_channel: channel, by_chain: chain })
}
