use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idle_plants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub location: String,
    pub owner: String,
    pub owner_enterprise_id: Option<i64>,
    pub building_m2_x100: i64,
    pub land_mu100: Option<i64>,
    pub condition: String,
    pub status: String,
    pub revitalised_date: Option<NaiveDate>,
    pub project_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
