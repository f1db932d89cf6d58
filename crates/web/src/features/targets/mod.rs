//! (in progress)

use axum::Router;

use crate::state::AppState;

pub fn routes(_upload_limit: usize) -> Router<AppState> {
    Router::new()
}
