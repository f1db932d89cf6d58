use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "target_milestones")]
pub struct Model {
    pub zone_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    pub cumulative: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
