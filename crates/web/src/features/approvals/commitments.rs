//! 承诺核查: the commitments of commitment-based approvals to verify — pending, found
//! unfulfilled, overdue (red) — each linking to its case, where the verify form is.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_domain::approval::CommitmentStatus;
use kaifaqu_store::StoreError;
use kaifaqu_store::approval_cases::{self, Commitment, CommitmentFilter};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::{Pager, query_base};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/approvals/commitments", get(Need::READ, list))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Query {
    status: String,
    overdue: String,
    case: String,
    from: String,
    to: String,
    page: String,
}

#[derive(Template)]
#[template(path = "approval_commitments.html")]
struct ListPage {
    shell: Shell,
    f: CommitmentFilter,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<Commitment>,
    pager: Pager,
}

async fn list(State(state): State<AppState>, user: CurrentUser, AppQuery(q): AppQuery<Query>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    // by default: what is left to verify
    let status = if q.status.is_empty() && q.overdue.is_empty() && q.from.is_empty() && q.case.is_empty() {
        "open".to_string()
    } else {
        q.status
    };
    let f = CommitmentFilter {
        status,
        overdue: q.overdue,
        case: q.case,
        from: q.from,
        to: q.to,
        page: q.page.parse().ok(),
        per_page: Some(50),
    };
    let page =
        approval_cases::list_commitments(&state.db, &user.actor().scope(), zone, &f).await.map_err(|e| match e {
            StoreError::Invalid(i) => AppError::BadRequest(i.to_string()),
            e => e.into(),
        })?;
    let base = query_base(
        "/approvals/commitments",
        &[("status", &f.status), ("overdue", &f.overdue), ("case", &f.case), ("from", &f.from), ("to", &f.to)],
    );
    let mut statuses = vec![("open", "未履行完毕（待核查、未履行）")];
    statuses.extend(CommitmentStatus::options());
    html(&ListPage {
        shell: Shell::load(&state, &user, "/approvals/commitments", None).await?,
        statuses,
        pager: Pager::new(&page, &base),
        rows: page.rows,
        f,
    })
}
