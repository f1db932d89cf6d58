use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    pub contact_date: NaiveDate,
    pub project_id: Option<i64>,
    pub lead_name: Option<String>,
    pub team_id: Option<i64>,
    pub form: String,
    pub place: Option<String>,
    pub participants: Option<String>,
    pub summary: String,
    pub next_step: Option<String>,
    pub next_date: Option<NaiveDate>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The optimistic version (migration 15).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
