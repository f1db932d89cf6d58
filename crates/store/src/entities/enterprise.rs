use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub name: String,
    pub credit_code: String,
    pub credit_code_legacy: bool,
    pub region_code: Option<String>,
    pub industry_code: Option<String>,
    pub industry_name: Option<String>,
    pub above_scale: bool,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Blind index of the contact phone (migration 15, `sensitive`).
    pub contact_phone_bidx: Option<String>,
    /// The optimistic version (migration 15).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
