//! kaifaqu-web: the axum application — pages (askama), the JSON API (`/api/v1`, OpenAPI),
//! sessions, CSRF, the error pages and the middleware that ties them together.
//!
//! `router(state)` composes one router from the feature modules; `serve` runs it.

pub mod api;
mod assets;
mod charts;
mod error;
mod extract;
mod features;
mod middleware;
pub mod routing;
pub mod scheduler;
mod shell;
mod state;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::AppError;
pub use state::{AppState, Limits, LoginGuard, Notify};

/// The whole application.
pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.body_bytes;
    Router::new()
        .merge(routes(state.limits.upload_bytes).into_router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::csrf))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(middleware::render_errors))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .with_state(state)
}

/// Every route of the application with what it needs (the registration table, `routing`).
pub fn routes(upload_limit: usize) -> routing::Routes {
    routing::Routes::new()
        .merge(features::routes(upload_limit))
        .nest("/api/v1", api::routes(upload_limit))
        .merge(assets::routes())
}

/// The registration table alone (for the permission-matrix tests and the 权限矩阵 page).
pub fn route_table() -> Vec<routing::Registered> {
    routes(Limits::default().upload_bytes).table().to_vec()
}

/// Serves until ctrl-c / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    if state.notify.scheduler {
        scheduler::spawn(state.clone());
    }
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
