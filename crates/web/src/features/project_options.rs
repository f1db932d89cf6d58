//! The choices of the project forms and filters, loaded once per page.

use kaifaqu_domain::Role;
use kaifaqu_domain::project::{Category, KeyLevel};
use kaifaqu_domain::stage::Stage;
use kaifaqu_store::users::UserFilter;
use kaifaqu_store::{Scope, departments, dictionaries, enterprises, users};

use crate::error::AppResult;
use crate::state::AppState;

/// (value, label) pairs.
pub type Options = Vec<(String, String)>;

pub struct ProjectOptions {
    pub stages: Options,
    pub categories: Options,
    pub key_levels: Options,
    pub chains: Options,
    pub channels: Options,
    pub teams: Options,
    pub leaders: Options,
    pub departments: Options,
    pub enterprises: Options,
}

fn pairs(v: impl IntoIterator<Item = (impl ToString, impl ToString)>) -> Options {
    v.into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

impl ProjectOptions {
    pub async fn load(state: &AppState, scope: &Scope, zone_id: i64) -> AppResult<ProjectOptions> {
        Self::build(state, scope, zone_id, true).await
    }

    /// The choices of the list filters: no enterprise list (the filters do not offer one).
    pub async fn filters(state: &AppState, scope: &Scope, zone_id: i64) -> AppResult<ProjectOptions> {
        Self::build(state, scope, zone_id, false).await
    }

    async fn build(state: &AppState, scope: &Scope, zone_id: i64, with_enterprises: bool) -> AppResult<ProjectOptions> {
        let dict = |kind: &'static str| async move {
            AppResult::Ok(pairs(
                dictionaries::list(&state.db, scope, zone_id, Some(kind), false)
                    .await?
                    .into_iter()
                    .map(|d| (d.id, if d.active { d.value } else { format!("{}（停用）", d.value) })),
            ))
        };
        let leaders = users::list(
            &state.db,
            scope,
            &UserFilter { role: Role::Leader.code().into(), per_page: Some(500), ..Default::default() },
        )
        .await?
        .rows
        .into_iter()
        .map(|u| (u.id, u.display_name));
        Ok(ProjectOptions {
            stages: pairs(Stage::ALL.iter().map(|s| (s.code(), s.label()))),
            categories: pairs(Category::options()),
            key_levels: pairs(KeyLevel::options()),
            chains: dict("industry_chain").await?,
            channels: dict("promotion_channel").await?,
            teams: dict("promotion_team").await?,
            leaders: pairs(leaders),
            departments: pairs(departments::list(&state.db, scope, zone_id).await?.into_iter().map(|d| (d.id, d.name))),
            enterprises: if with_enterprises {
                pairs(enterprises::names(&state.db, scope, zone_id).await?)
            } else {
                Vec::new()
            },
        })
    }
}
