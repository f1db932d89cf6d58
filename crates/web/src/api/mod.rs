//! The JSON API under `/api/v1`: the same store calls, permissions and validation as the
//! pages; errors as `{code, message, field?}`; OpenAPI 3 at `/api/v1/openapi.json`.

mod admin;
mod approvals;
mod attachments;
mod contacts;
mod enterprises;
mod indicators;
mod land;
mod meetings;
mod openapi_formats;
mod openapi_rules;
mod per_mu;
mod problems;
mod projects;
mod safety;
mod targets;
mod tasks;
mod zones;

use kaifaqu_store::Page;
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::AppError;
use crate::routing::{Need, Routes, get};

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/openapi.json", get(Need::Public, openapi))
        .merge(zones::routes())
        .merge(admin::routes())
        .merge(attachments::routes(upload_limit))
        .merge(enterprises::routes())
        .merge(contacts::routes())
        .merge(problems::routes())
        .merge(meetings::routes())
        .merge(projects::routes())
        .merge(indicators::routes())
        .merge(safety::routes())
        .merge(approvals::routes())
        .merge(land::routes())
        .merge(per_mu::routes())
        .merge(targets::routes())
        .merge(tasks::routes())
}

/// `?page=&limit=` of every list endpoint (limit ≤ 500).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based page number, 1–1,000,000 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Rows per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

impl Paging {
    pub fn checked(&self) -> Result<(u64, u64), AppError> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            return Err(AppError::BadRequest("limit 应在 1 到 500 之间".into()));
        }
        let page = self.page.unwrap_or(1);
        if !(1..=1_000_000).contains(&page) {
            return Err(AppError::BadRequest("page 应在 1 到 1000000 之间".into()));
        }
        Ok((page, limit))
    }

    /// Pages an in-memory list (for the small per-zone lists).
    pub fn apply<T>(&self, rows: Vec<T>) -> Result<Page<T>, AppError> {
        let (page, limit) = self.checked()?;
        let total = rows.len() as u64;
        let rows = rows.into_iter().skip(((page - 1) * limit) as usize).take(limit as usize).collect();
        Ok(Page { rows, total, page, per_page: limit })
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kaifaqu 开发区管委会工作平台 API", version = "1"),
    paths(
        zones::me, zones::todo, zones::list_zones, zones::get_zone,
        admin::list_departments, admin::create_department, admin::get_department, admin::update_department, admin::delete_department,
        admin::list_users, admin::create_user, admin::get_user, admin::update_user, admin::get_user_details, admin::update_user_details,
        admin::list_dictionary, admin::create_dictionary_item, admin::update_dictionary_item, admin::delete_dictionary_item,
        admin::list_audit, admin::get_audit, admin::get_calendar, admin::set_calendar_day,
        indicators::catalog, indicators::overview, indicators::series, indicators::ranking, indicators::save_values,
        projects::list_projects, projects::projects_by_stage, projects::create_project, projects::get_project, projects::update_project,
        projects::list_events, projects::add_event, projects::period_figures,
        attachments::list_attachments, attachments::upload_attachment, attachments::get_attachment, attachments::attachment_content,
        enterprises::list_enterprises, enterprises::create_enterprise, enterprises::get_enterprise, enterprises::update_enterprise,
        contacts::list_contacts, contacts::create_contact, contacts::get_contact, contacts::update_contact,
        problems::list_problems, problems::create_problem, problems::get_problem, problems::update_problem,
        meetings::list_meetings, meetings::create_meeting, meetings::get_meeting, meetings::add_decision,
        safety::list_hazards, safety::create_hazard, safety::get_hazard, safety::add_step,
        safety::list_inspections, safety::create_inspection, safety::safety_figures,
    ),
    components(schemas(ApiError)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

/// The error body of every endpoint.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ApiError {
    /// Machine-readable code: bad_request, unauthorized, forbidden, csrf, not_found, conflict (409: a stale
    /// `version`, nothing written), too_large, invalid, internal.
    code: String,
    /// What is wrong, in Chinese.
    message: String,
    /// The field at fault, for validation errors.
    field: Option<String>,
    /// The request id (quote it to the administrator).
    request_id: String,
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new::<_, _, &str>("token", [])]);
    }
}

async fn openapi() -> axum::Json<serde_json::Value> {
    axum::Json(openapi_json())
}

/// The document as served: `openapi_doc` with the rules of `openapi_rules` applied.
pub fn openapi_json() -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi_doc()).unwrap_or_default();
    openapi_rules::apply(&mut doc);
    doc
}

/// The OpenAPI document (for tests and the command line): the core paths plus each module's
/// own `Doc`.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(approvals::Doc::openapi());
    doc.merge(land::Doc::openapi());
    doc.merge(per_mu::Doc::openapi());
    doc.merge(targets::Doc::openapi());
    doc.merge(tasks::Doc::openapi());
    doc
}

/// A replacing PUT names the version it was made on (422 without it): without it, it would
/// silently overwrite whatever another client saved since (the pages' forms always carry it).
pub(crate) fn require_version(v: &str) -> Result<(), crate::error::AppError> {
    if v.trim().trim_matches('"').is_empty() {
        return Err(crate::error::AppError::Invalid(kaifaqu_domain::Invalid::one(
            "version",
            "请提供读取记录时的版本号（version）：没有版本号的修改可能覆盖他人刚保存的内容",
        )));
    }
    Ok(())
}
