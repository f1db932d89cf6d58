use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub title: String,
    pub source: String,
    pub source_note: String,
    pub lead_leader_id: Option<i64>,
    pub department_id: i64,
    pub assigned_date: NaiveDate,
    pub deadline: NaiveDate,
    pub deadline_working_days: Option<i32>,
    pub evidence: String,
    pub status: String,
    pub closed_date: Option<NaiveDate>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
