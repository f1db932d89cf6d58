use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "land_parcels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub code: String,
    pub location: String,
    pub area_mu100: i64,
    pub investment_intensity_x100: Option<i64>,
    pub plot_ratio_x100: Option<i64>,
    pub tax_per_mu_x100: Option<i64>,
    pub energy_x100: Option<i64>,
    pub environment: String,
    pub status: String,
    pub transfer_date: Option<NaiveDate>,
    pub price_wan: Option<i64>,
    pub project_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub achieved_year: Option<i32>,
    pub achieved_investment_intensity_x100: Option<i64>,
    pub achieved_plot_ratio_x100: Option<i64>,
    pub achieved_tax_per_mu_x100: Option<i64>,
    pub achieved_energy_x100: Option<i64>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
