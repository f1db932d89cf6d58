//! Page features: each module owns its routes; `routes()` composes them.

mod account;
mod admin_audit;
mod admin_calendar;
mod admin_departments;
mod admin_dictionaries;
mod admin_indicators;
mod admin_users;
mod admin_zone;
mod approvals;
pub mod attachments;
mod city;
mod common;
mod contacts;
mod enterprises;
mod figures;
mod health;
mod home;
mod indicator_city;
mod indicator_entry;
mod indicator_xlsx;
mod indicators;
mod land;
mod meetings;
mod my;
mod notifications;
mod per_mu;
mod plan;
mod problems;
mod project_form;
mod project_options;
mod project_page;
pub(crate) mod projects;
mod reports;
mod safety;
mod services_figures;
mod targets;
mod tasks;
mod todo;
mod wall;

use crate::routing::Routes;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .merge(account::routes())
        .merge(home::routes())
        .merge(health::routes())
        .merge(admin_zone::routes())
        .merge(admin_departments::routes())
        .merge(admin_users::routes())
        .merge(admin_dictionaries::routes())
        .merge(admin_audit::routes())
        .merge(attachments::routes(upload_limit))
        .merge(enterprises::routes())
        .merge(contacts::routes())
        .merge(problems::routes())
        .merge(meetings::routes())
        .merge(projects::routes())
        .merge(project_form::routes())
        .merge(project_page::routes(upload_limit))
        .merge(my::routes())
        .merge(figures::routes())
        .merge(plan::routes(upload_limit))
        .merge(indicators::routes())
        .merge(indicator_city::routes())
        .merge(admin_indicators::routes())
        .merge(indicator_entry::routes())
        .merge(indicator_xlsx::routes(upload_limit))
        .merge(safety::routes(upload_limit))
        .merge(notifications::routes())
        .merge(admin_calendar::routes(upload_limit))
        .merge(approvals::routes(upload_limit))
        .merge(land::routes(upload_limit))
        .merge(per_mu::routes(upload_limit))
        .merge(services_figures::routes())
        .merge(targets::routes(upload_limit))
        .merge(tasks::routes(upload_limit))
        .merge(todo::routes())
        .merge(reports::routes())
        .merge(city::routes())
        .merge(wall::routes())
}
