//! 审批与土地统计: the period figures of the approval and land modules — commitment-based
//! projects, projects given agency service, cases received / approved / on time / overdue,
//! commitments due / fulfilled / overdue, standard parcels and 亩 transferred, idle plants and m²
//! revitalised — each derived from the records and linking to the list that shows them.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_domain::land::m2_text;
use kaifaqu_store::approval_cases::{self, ApprovalFigures};
use kaifaqu_store::idle_plants::{self, PlantFigures};
use kaifaqu_store::land_parcels::{self, ParcelFigures};
use serde::Deserialize;

use crate::error::AppResult;
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::period_range;
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/services/figures", get(Need::READ, show))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Range {
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "services_figures.html")]
struct FiguresPage {
    shell: Shell,
    a: ApprovalFigures,
    p: ParcelFigures,
    i: PlantFigures,
    /// 亩 with 2 decimals and the m² beside.
    parcel_mu: String,
    parcel_m2: String,
    plant_m2: String,
    /// The plants' m² in 万平方米 (2 decimals), as the seed writes "1 万平方米".
    plant_wan_m2: String,
}

/// 0.01 m² as 万平方米 with 2 decimals.
fn wan_m2(m2_x100: i64) -> String {
    // 0.01 万 m² = 100 m² = 10,000 hundredths of a m²; areas are never negative
    let hundredths = (m2_x100.max(0) + 5_000) / 10_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

async fn show(State(state): State<AppState>, user: CurrentUser, AppQuery(r): AppQuery<Range>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let (from, to) = period_range(&r.from, &r.to)?;
    let scope = user.actor().scope();
    let a = approval_cases::figures(&state.db, &scope, zone, from, to).await?;
    let p = land_parcels::figures(&state.db, &scope, zone, from, to).await?;
    let i = idle_plants::figures(&state.db, &scope, zone, from, to).await?;
    html(&FiguresPage {
        shell: Shell::load(&state, &user, "/services/figures", None).await?,
        parcel_mu: p.area.mu_2(),
        parcel_m2: m2_text(p.area.square_metres() * 100),
        plant_m2: m2_text(i.m2_x100),
        plant_wan_m2: wan_m2(i.m2_x100),
        a,
        p,
        i,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_metres_in_wan() {
        assert_eq!(wan_m2(1_000_000 * 100), "100.00");
        assert_eq!(wan_m2(10_450 * 100), "1.05", "10,450 m² ≈ 1.05 万 m² (half up)");
        assert_eq!(wan_m2(10_000 * 100), "1.00");
        assert_eq!(wan_m2(0), "0.00");
    }
}
