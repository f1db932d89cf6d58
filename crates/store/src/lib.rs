//! kaifaqu-store: the schema, its migrations and the repositories.
//!
//! Every repository function takes the caller's [`Scope`] (reads) or [`Actor`] (writes), and
//! the zone filter is applied here, in the store, so no page or endpoint can forget it. Every
//! write appends its audit record in the same transaction.

pub mod approval_cases;
pub mod approval_powers;
pub mod attachments;
pub mod audit;
pub mod audit_chain;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod cockpit;
pub mod contacts;
pub mod crypto;
pub mod db;
pub mod demo;
mod demo_approvals;
mod demo_indicators;
mod demo_land;
mod demo_per_mu;
mod demo_projects;
mod demo_safety;
pub mod demo_scale;
mod demo_targets;
mod demo_tasks;
pub mod departments;
pub mod dictionaries;
pub mod enterprises;
mod entities;
pub mod error;
pub mod events;
pub mod figures;
pub mod hazards;
pub mod idle_plants;
pub mod indicator_values;
pub mod indicator_views;
pub mod indicators;
pub mod inspections;
pub mod land_parcels;
pub mod lookups;
pub mod meetings;
pub mod migrate;
pub mod notifications;
pub mod per_mu;
pub mod plan;
pub mod problems;
pub mod projects;
pub mod report_data;
pub mod report_drafts;
pub mod report_templates;
pub mod rls;
pub mod safety_figures;
pub mod scope;
pub mod sensitive;
pub mod targets;
pub mod tasks;
pub mod testing;
pub mod todo;
pub mod totp;
pub mod users;
mod versions;
pub mod zones;

pub use db::{Db, Engine, Synchronous};
pub use error::StoreError;
pub use scope::{Actor, Scope};

/// A page of a list: the rows and the total matching the filter.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// One page of `select`: the rows and the total matching it. `page` is 1-based (default 1);
/// `per_page` defaults to 50 and is clamped to 1..=`max`.
pub(crate) async fn fetch_page<E>(
    conn: &sea_orm::DatabaseConnection,
    select: sea_orm::Select<E>,
    page: Option<u64>,
    per_page: Option<u64>,
    max: u64,
) -> Result<(Vec<E::Model>, u64, u64, u64), StoreError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    let per_page = per_page.unwrap_or(50).clamp(1, max);
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    let p = select.paginate(conn, per_page);
    let total = p.num_items().await?;
    let rows = p.fetch_page(page - 1).await?;
    Ok((rows, total, page, per_page))
}

/// Opens the database and brings its schema up to date.
pub async fn open(url: &str) -> Result<Db, StoreError> {
    open_with(url, Synchronous::Full).await
}

/// [`open`] with an explicit SQLite durability level (tests and measurements).
pub async fn open_with(url: &str, synchronous: Synchronous) -> Result<Db, StoreError> {
    let db = Db::connect_with(url, synchronous).await?;
    migrate::run(&db).await?;
    Ok(db)
}
