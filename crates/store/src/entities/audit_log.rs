use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub login_name: Option<String>,
    pub zone_id: Option<i64>,
    pub ip: Option<String>,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub summary: String,
    pub changes: String,
    pub chain_seq: Option<i64>,
    pub chain_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
