//! SeaORM entities: one per table, private to the store. Repositories convert them into the
//! public record types they return.

pub mod api_token;
pub mod attachment;
pub mod audit_log;
pub mod contact;
pub mod department;
pub mod dictionary_item;
pub mod enterprise;
pub mod hazard;
pub mod hazard_step;
pub mod indicator;
pub mod indicator_target;
pub mod indicator_value;
pub mod inspection;
pub mod meeting;
pub mod meeting_decision;
pub mod meeting_project;
pub mod notification;
pub mod problem;
pub mod project;
pub mod project_event;
pub mod safety_entry;
pub mod safety_profile;
pub mod safety_setting;
pub mod session;
pub mod user;
pub mod zone;
