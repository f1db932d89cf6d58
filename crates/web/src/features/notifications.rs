//! 通知: what the scheduler (and other modules) told the signed-in user; unread first.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::time::local_display;
use kaifaqu_store::notifications::{self, Notification};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/notifications", get(Need::SignedIn, list))
        .route("/notifications/{id}/read", post(Need::SignedIn, read))
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<(Notification, String)>,
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let rows = notifications::mine(&state.db, &user.actor())
        .await?
        .into_iter()
        .map(|n| {
            let t = local_display(n.created_at);
            (n, t)
        })
        .collect();
    html(&ListPage { shell: Shell::load(&state, &user, "/notifications", None).await?, rows })
}

/// Marks it read and opens what it is about.
async fn read(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    notifications::mark_read(&state.db, &user.actor(), id).await?;
    let link = notifications::mine(&state.db, &user.actor())
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .map(|n| n.link)
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .unwrap_or_else(|| "/notifications".into());
    Ok(Redirect::to(&link).into_response())
}
