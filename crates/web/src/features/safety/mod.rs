//! 安全生产: the hazard loop 排查 → 登记 → 整改 → 复查 → 销号 (ledger, register, steps with
//! photos), inspections, the enterprises' safety profiles and 整改通知书, figures and settings.

mod enterprises;
mod figures;
mod hazard_form;
mod hazard_page;
mod hazards;
mod inspections;
mod notice;
mod settings;

use chrono::NaiveDate;
use kaifaqu_domain::Invalid;
use kaifaqu_store::dictionaries;
use kaifaqu_store::hazards::Hazard;
use kaifaqu_store::users::{self, UserFilter};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::routing::Routes;
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .merge(hazards::routes())
        .merge(hazard_form::routes())
        .merge(hazard_page::routes(upload_limit))
        .merge(inspections::routes())
        .merge(enterprises::routes())
        .merge(notice::routes())
        .merge(figures::routes())
        .merge(settings::routes())
}

/// (id, label) pairs for select boxes.
pub(super) type Options = Vec<(String, String)>;

pub(super) use crate::features::common::enterprise_options;

/// The zone's users (active ones, plus `keep` when chosen already) by name.
pub(super) async fn user_options(state: &AppState, user: &CurrentUser, keep: &[String]) -> AppResult<Options> {
    user.zone_id()?;
    let f = UserFilter { sort: "name".into(), per_page: Some(500), ..Default::default() };
    let rows = users::list(&state.db, &user.actor().scope(), &f).await?.rows;
    Ok(rows
        .into_iter()
        .filter(|u| u.active || keep.contains(&u.id.to_string()))
        .map(|u| (u.id.to_string(), u.display_name))
        .collect())
}

/// The hazard categories (dictionary `hazard_category`); stopped ones are marked.
pub(super) async fn category_options(state: &AppState, user: &CurrentUser) -> AppResult<Options> {
    let items =
        dictionaries::list(&state.db, &user.actor().scope(), user.zone_id()?, Some("hazard_category"), false).await?;
    Ok(items
        .into_iter()
        .map(|d| (d.id.to_string(), if d.active { d.value } else { format!("{}（停用）", d.value) }))
        .collect())
}

/// The deadline as the ledger shows it: "原期限 X，已延期至 Y" after an extension.
pub(super) fn deadline_text(h: &Hazard) -> String {
    if h.original_deadline != h.deadline {
        format!("原期限 {}，已延期至 {}", h.original_deadline, h.deadline)
    } else {
        h.deadline.to_string()
    }
}

/// 9512 hundredths of a percent → "95.12%".
pub(super) fn percent(hundredths: Option<i64>) -> String {
    match hundredths {
        Some(r) => format!("{}.{:02}%", r / 100, r % 100),
        None => "—".to_string(),
    }
}

/// All messages of a refusal, joined.
pub(super) fn messages(e: &Invalid) -> String {
    e.errors.iter().map(|x| x.message.as_str()).collect::<Vec<_>>().join("；")
}

/// A date in the Chinese style: 2025年6月30日.
pub(super) fn chinese_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_in_hundredths() {
        assert_eq!(percent(Some(9512)), "95.12%");
        assert_eq!(percent(Some(10_000)), "100.00%");
        assert_eq!(percent(Some(5)), "0.05%");
        assert_eq!(percent(None), "—");
    }
}
