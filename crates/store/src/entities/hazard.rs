use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hazards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub enterprise_id: i64,
    pub inspection_id: Option<i64>,
    pub description: String,
    pub location: String,
    pub category_id: Option<i64>,
    pub level: String,
    pub found_date: NaiveDate,
    pub found_by: Option<i64>,
    pub deadline: NaiveDate,
    pub original_deadline: NaiveDate,
    pub responsible_person: String,
    pub measures: String,
    pub plan_responsibility: Option<String>,
    pub plan_measures: Option<String>,
    pub plan_funds: Option<String>,
    pub plan_deadline: Option<NaiveDate>,
    pub plan_contingency: Option<String>,
    pub supervisor: Option<String>,
    pub status: String,
    pub fixer_id: Option<i64>,
    pub closed_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
