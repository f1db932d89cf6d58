//! 我的项目: what a leader answers for, and what a department helps with — their projects and
//! their open problems, overdue first.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_store::problems::{self, Problem, ProblemFilter};
use kaifaqu_store::projects::{self, Project, ProjectFilter};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/my", get(Need::READ, my))
}

#[derive(Template)]
#[template(path = "my.html")]
struct MyPage {
    shell: Shell,
    led: Vec<Project>,
    helped: Vec<Project>,
    department: Option<String>,
    problems: Vec<Problem>,
}

async fn my(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let me = user.user.id.to_string();
    let all = |f: ProjectFilter| ProjectFilter { sort: "-total".into(), page: Some(1), per_page: Some(10_000), ..f };
    let led = projects::list(&state.db, &scope, zone, &all(ProjectFilter { leader: me.clone(), ..Default::default() }))
        .await?
        .rows;
    let dept = user.user.department_id.map(|d| d.to_string()).unwrap_or_default();
    let helped = if dept.is_empty() {
        Vec::new()
    } else {
        projects::list(&state.db, &scope, zone, &all(ProjectFilter { department: dept.clone(), ..Default::default() }))
            .await?
            .rows
    };
    let open = |f: ProblemFilter| ProblemFilter { status: "unclosed".into(), per_page: Some(10_000), ..f };
    let mut problems =
        problems::list(&state.db, &scope, zone, &open(ProblemFilter { leader: me, ..Default::default() })).await?.rows;
    if !dept.is_empty() {
        for p in
            problems::list(&state.db, &scope, zone, &open(ProblemFilter { department: dept, ..Default::default() }))
                .await?
                .rows
        {
            if !problems.iter().any(|q| q.id == p.id) {
                problems.push(p);
            }
        }
    }
    problems.sort_by_key(|p| (!p.overdue, p.deadline.is_none(), p.deadline, p.id));
    html(&MyPage {
        shell: Shell::load(&state, &user, "/my", None).await?,
        led,
        helped,
        department: user.user.department_name.clone(),
        problems,
    })
}
