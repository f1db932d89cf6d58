use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub january_alone: bool,
    pub growth_reported: bool,
    pub decimals: i32,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The optimistic version (migration 16).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
