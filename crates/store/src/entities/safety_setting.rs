use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "safety_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub zone_id: i64,
    pub weekly_inspection_days: i32,
    pub escalate_after_days: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
