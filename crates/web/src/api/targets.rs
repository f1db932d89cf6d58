//! (in progress)

use axum::Router;
use utoipa::OpenApi;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

#[derive(OpenApi)]
#[openapi()]
pub struct Doc;
