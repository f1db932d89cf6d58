//! `/healthz` (the process answers) and `/readyz` (the database answers).

use axum::extract::State;
use axum::http::StatusCode;

use crate::routing::{Need, Routes, get};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/healthz", get(Need::Public, healthz)).route("/readyz", get(Need::Public, readyz))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
