//! SeaORM entities: one per table, private to the store. Repositories convert them into the
//! public record types they return.

pub mod api_token;
pub mod attachment;
pub mod audit_log;
pub mod department;
pub mod dictionary_item;
pub mod session;
pub mod user;
pub mod zone;
