//! 审批与土地 → 标准地 and 闲置厂房: the parcel list (filters, 亩 per year, flagged parcels,
//! XLSX), a parcel's page (promised vs achieved) and form, the idle-plant inventory (m²
//! revitalised per half-year, XLSX), a plant's page and form, and the matching of a lead's land
//! need against parcels and plants (`/land/match?project_id=`).

mod matching;
mod parcels;
mod plants;

use kaifaqu_store::projects::{self, ProjectFilter};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::Routes;
use crate::state::AppState;

pub fn routes(_upload_limit: usize) -> Routes {
    Routes::new().merge(parcels::routes()).merge(plants::routes()).merge(matching::routes())
}

/// (id, label) pairs for select boxes.
pub(super) type Options = Vec<(String, String)>;

pub(super) use crate::features::common::enterprise_options;

/// The zone's projects by name.
pub(super) async fn project_options(state: &AppState, user: &CurrentUser) -> AppResult<Options> {
    let f = ProjectFilter { sort: "name".into(), per_page: Some(10_000), ..Default::default() };
    let page = projects::list(&state.db, &user.actor().scope(), user.zone_id()?, &f).await?;
    Ok(page.rows.into_iter().map(|p| (p.id.to_string(), format!("{}（{}）", p.name, p.plan_year))).collect())
}
