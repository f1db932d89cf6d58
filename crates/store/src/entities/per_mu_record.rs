use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "per_mu_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub year: i32,
    pub enterprise_id: i64,
    pub land_mu100: i64,
    pub tax_wan100: i64,
    pub revenue_wan100: i64,
    pub value_added_wan100: i64,
    pub energy_tce100: i64,
    pub rd_wan100: i64,
    pub employees: i32,
    pub production_year: Option<i32>,
    pub exempt: bool,
    pub exempt_reason: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
