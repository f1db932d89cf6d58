use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub project_id: Option<i64>,
    pub power_id: i64,
    pub applicant: String,
    pub enterprise_id: Option<i64>,
    pub commitment: bool,
    pub agency: bool,
    pub agent_id: Option<i64>,
    pub leader_id: Option<i64>,
    pub received_date: NaiveDate,
    pub accepted_date: Option<NaiveDate>,
    pub approved_date: Option<NaiveDate>,
    pub promised_days: i32,
    pub due_date: NaiveDate,
    pub status: String,
    pub notes: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
