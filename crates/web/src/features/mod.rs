//! Page features: each module owns its routes; `routes()` composes them.

mod account;
mod admin_audit;
mod admin_departments;
mod admin_dictionaries;
mod admin_users;
mod admin_zone;
pub mod attachments;
mod common;
mod health;
mod home;

use axum::Router;

use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .merge(account::routes())
        .merge(home::routes())
        .merge(health::routes())
        .merge(admin_zone::routes())
        .merge(admin_departments::routes())
        .merge(admin_users::routes())
        .merge(admin_dictionaries::routes())
        .merge(admin_audit::routes())
        .merge(attachments::routes(upload_limit))
}
