//! 我的待办: the signed-in user's to-do list across the modules (store::todo), overdue first,
//! then due within 3 working days (the same list as JSON: /api/v1/todo).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_store::lookups::today;
use kaifaqu_store::todo::{self, Todo};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/todo", get(Need::READ, show))
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    shell: Shell,
    t: Todo,
    digest_on: bool,
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let t = todo::for_user(&state.db, &user.user, today()).await?;
    html(&TodoPage { shell: Shell::load(&state, &user, "/todo", None).await?, digest_on: !user.user.digest_opt_out, t })
}
