use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub project_id: i64,
    pub category: String,
    pub description: String,
    pub raised_date: NaiveDate,
    pub department_id: Option<i64>,
    pub person: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub status: String,
    pub reason: Option<String>,
    pub resolution: Option<String>,
    pub resolved_date: Option<NaiveDate>,
    pub meeting_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
