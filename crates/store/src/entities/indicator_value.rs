use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub indicator_id: i64,
    pub year: i32,
    pub month: i32,
    pub is_estimate: bool,
    pub value: i64,
    pub growth: Option<i64>,
    pub base_value: Option<i64>,
    pub source: String,
    pub entered_by: Option<i64>,
    pub entered_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
