//! 审批服务: the approval-power catalogue (审批权限清单, with XLSX export and import), the case
//! ledger (审批/代办事项) with its working-day limits, one case with its steps, commitments and
//! documents, and the commitments to verify (承诺核查).

mod cases;
mod commitments;
mod powers;

use kaifaqu_domain::Role;
use kaifaqu_store::approval_powers::{self, PowerFilter};
use kaifaqu_store::projects::{self, ProjectFilter};
use kaifaqu_store::users::{self, UserFilter};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::Routes;
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new().merge(powers::routes(upload_limit)).merge(cases::routes(upload_limit)).merge(commitments::routes())
}

/// (id, label) pairs for select boxes.
pub(super) type Options = Vec<(String, String)>;

/// The choices of the case form and the ledger filters.
pub(super) struct CaseOptions {
    pub powers: Options,
    pub projects: Options,
    pub users: Options,
    pub leaders: Options,
    pub enterprises: Options,
}

impl CaseOptions {
    pub async fn load(state: &AppState, user: &CurrentUser) -> AppResult<CaseOptions> {
        let zone = user.zone_id()?;
        let scope = user.actor().scope();
        let powers = approval_powers::list(
            &state.db,
            &scope,
            zone,
            &PowerFilter { per_page: Some(10_000), ..Default::default() },
        )
        .await?
        .rows
        .into_iter()
        .map(|p| {
            (
                p.id.to_string(),
                format!(
                    "{}（{}，承诺 {} 个工作日{}）",
                    p.name,
                    p.source_department,
                    p.promised_days,
                    if p.commitment { "，承诺制" } else { "" }
                ),
            )
        })
        .collect();
        let projects = projects::list(
            &state.db,
            &scope,
            zone,
            &ProjectFilter { sort: "name".into(), per_page: Some(10_000), ..Default::default() },
        )
        .await?
        .rows
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
        let all = users::list(
            &state.db,
            &scope,
            &UserFilter { sort: "name".into(), per_page: Some(500), ..Default::default() },
        )
        .await?
        .rows;
        let leaders = all
            .iter()
            .filter(|u| u.active && matches!(u.role, Role::Leader | Role::Admin))
            .map(|u| (u.id.to_string(), u.display_name.clone()))
            .collect();
        let users = all.into_iter().filter(|u| u.active).map(|u| (u.id.to_string(), u.display_name)).collect();
        let enterprises = kaifaqu_store::enterprises::names(&state.db, &scope, zone)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect();
        Ok(CaseOptions { powers, projects, users, leaders, enterprises })
    }
}
