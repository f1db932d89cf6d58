use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub enterprise_id: Option<i64>,
    pub investor_name: Option<String>,
    pub content: String,
    pub category: String,
    pub chain_id: Option<i64>,
    pub total_wan: i64,
    pub planned_wan: Option<i64>,
    pub key_level: String,
    pub channel_id: Option<i64>,
    pub team_id: Option<i64>,
    pub leader_id: Option<i64>,
    pub department_id: Option<i64>,
    pub site: Option<String>,
    pub land_mu100: Option<i64>,
    pub plan_year: i32,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub project_code: Option<String>,
    pub progress: String,
    pub stage: Option<String>,
    pub stage_date: Option<NaiveDate>,
    pub status: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
