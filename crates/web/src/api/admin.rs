//! Departments, users, dictionaries and the audit log over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifaqu_domain::Permission;
use kaifaqu_store::Page;
use kaifaqu_store::audit::{self, AuditFilter, AuditRecord};
use kaifaqu_store::calendar::{self, Day, DayForm, Year};
use kaifaqu_store::departments::{self, Department, DepartmentForm};
use kaifaqu_store::dictionaries::{self, DictionaryItem, ItemForm};
use kaifaqu_store::users::{self, AccessForm, DetailsForm, User, UserFilter, UserForm};
use serde::Deserialize;

use super::{Paging, require_version};
use crate::error::{AppError, AppResult};
use crate::extract::{AppJson, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, put};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/departments", get(Need::READ, list_departments).post(Need::ADMIN, create_department))
        .route(
            "/departments/{id}",
            get(Need::READ, get_department).put(Need::ADMIN, update_department).delete(Need::ADMIN, delete_department),
        )
        .route("/users", get(Need::SECURITY, list_users).post(Need::SECURITY, create_user))
        .route("/users/{id}", get(Need::SECURITY, get_user).put(Need::SECURITY, update_user))
        .route("/users/{id}/details", get(Need::ADMIN, get_user_details).put(Need::ADMIN, update_user_details))
        .route("/dictionaries", get(Need::READ, list_dictionary).post(Need::ADMIN, create_dictionary_item))
        .route(
            "/dictionaries/{id}",
            put(Need::ADMIN, update_dictionary_item).delete(Need::ADMIN, delete_dictionary_item),
        )
        .route("/audit", get(Need::AUDIT, list_audit))
        .route("/audit/{id}", get(Need::AUDIT, get_audit))
        .route("/calendar", get(Need::READ, get_calendar).post(Need::ADMIN, set_calendar_day))
}

fn flag(b: Option<bool>) -> Option<String> {
    Some(if b.unwrap_or(true) { "on" } else { "off" }.to_string())
}

/// A department to create or change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// 科室名称, ≤ 200 characters.
    pub name: String,
    /// Smaller first (default 0).
    pub sort_order: Option<i32>,
    /// Default true.
    pub active: Option<bool>,
    /// The version as read (required on PUT: a stale one is refused with 409; ignored on POST).
    #[serde(default, deserialize_with = "kaifaqu_store::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

fn version_text(v: &str) -> String {
    v.to_string()
}

impl DepartmentInput {
    fn form(&self) -> DepartmentForm {
        DepartmentForm {
            name: self.name.clone(),
            sort_order: self.sort_order.map(|s| s.to_string()).unwrap_or_default(),
            active: flag(self.active),
            version: version_text(&self.version),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "科室", params(Paging), responses((status = 200, body = Page<Department>)))]
pub async fn list_departments(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(p): AppQuery<Paging>,
) -> AppResult<Json<Page<Department>>> {
    let rows = departments::list(&state.db, &user.actor().scope(), user.zone_id()?).await?;
    Ok(Json(p.apply(rows)?))
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "科室", request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 422, body = super::ApiError)))]
pub async fn create_department(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(input): AppJson<DepartmentInput>,
) -> AppResult<(StatusCode, Json<Department>)> {
    user.require(Permission::Administer)?;
    let d = departments::create(&state.db, &user.actor(), user.zone_id()?, &input.form()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "科室", responses((status = 200, body = Department), (status = 404, body = super::ApiError)))]
pub async fn get_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Department>> {
    Ok(Json(departments::get(&state.db, &user.actor().scope(), id).await?))
}

/// Replaces the department's fields; `version` as read is required (a stale one: 409, nothing changed).
#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "科室", request_body = DepartmentInput,
    responses((status = 200, body = Department), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(input): AppJson<DepartmentInput>,
) -> AppResult<Json<Department>> {
    user.require(Permission::Administer)?;
    departments::get(&state.db, &user.actor().scope(), id).await?;
    let f = input.form();
    require_version(&f.version)?;
    Ok(Json(departments::update(&state.db, &user.actor(), id, &f).await?))
}

#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "科室",
    responses((status = 204), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn delete_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    user.require(Permission::Administer)?;
    departments::delete(&state.db, &user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user to create (`login_name`, `password` required) or change (both ignored... and refused).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub login_name: Option<String>,
    pub display_name: String,
    pub phone: Option<String>,
    /// admin, leader, staff or viewer.
    pub role: String,
    pub department_id: Option<i64>,
    pub active: Option<bool>,
    /// Only on create.
    pub password: Option<String>,
}

impl UserInput {
    fn form(&self) -> UserForm {
        UserForm {
            login_name: self.login_name.clone().unwrap_or_default(),
            display_name: self.display_name.clone(),
            phone: self.phone.clone().unwrap_or_default(),
            role: self.role.clone(),
            department_id: self.department_id.map(|d| d.to_string()).unwrap_or_default(),
            active: flag(self.active),
            password: self.password.clone().unwrap_or_default(),
            version: String::new(),
        }
    }
}

/// 三员: what the 安全管理员 changes of an account (PUT `/api/v1/users/{id}`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserAccessInput {
    /// A role code (leader, staff, viewer, …); the three duty roles only on the server.
    pub role: String,
    /// Default true.
    pub active: Option<bool>,
    /// The version as read (required: a stale one is refused with 409).
    #[serde(default, deserialize_with = "kaifaqu_store::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

/// 三员: what the 系统管理员 changes of an account (PUT `/api/v1/users/{id}/details`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDetailsInput {
    pub display_name: String,
    pub phone: Option<String>,
    pub department_id: Option<i64>,
    /// The version as read (required: a stale one is refused with 409).
    #[serde(default, deserialize_with = "kaifaqu_store::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

/// Filters of the user list.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the login name or display name.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub role: String,
    /// name, -created, or login name (default).
    #[serde(default)]
    pub sort: String,
    pub page: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "用户", params(UserQuery), responses((status = 200, body = Page<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<UserQuery>,
) -> AppResult<Json<Page<User>>> {
    user.require(Permission::ManageSecurity)?;
    let (page, limit) = Paging { page: q.page, limit: q.limit }.checked()?;
    let f = UserFilter { q: q.q, role: q.role, sort: q.sort, page: Some(page), per_page: Some(limit) };
    Ok(Json(users::list(&state.db, &user.actor().scope(), &f).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "用户", request_body = UserInput,
    responses((status = 201, body = User), (status = 422, body = super::ApiError)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(input): AppJson<UserInput>,
) -> AppResult<(StatusCode, Json<User>)> {
    user.require(Permission::ManageSecurity)?;
    let u = users::create(&state.db, &user.actor(), None, &input.form()).await?;
    Ok((StatusCode::CREATED, Json(u)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "用户", responses((status = 200, body = User), (status = 404, body = super::ApiError)))]
pub async fn get_user(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<User>> {
    user.require(Permission::ManageSecurity)?;
    Ok(Json(users::get(&state.db, &user.actor().scope(), id).await?))
}

/// 三员: the 安全管理员 changes an account's role and active flag (the name, phone and
/// department are the 系统管理员's: `/api/v1/users/{id}/details`). `version` as read is required.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "用户", request_body = UserAccessInput,
    responses((status = 200, body = User), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(input): AppJson<UserAccessInput>,
) -> AppResult<Json<User>> {
    user.require(Permission::ManageSecurity)?;
    users::get(&state.db, &user.actor().scope(), id).await?;
    let f = AccessForm { role: input.role, active: flag(input.active), version: version_text(&input.version) };
    require_version(&f.version)?;
    Ok(Json(users::update_access(&state.db, &user.actor(), id, &f).await?))
}

/// An account as the 系统管理员 sees it to edit its name, phone and department.
#[utoipa::path(get, path = "/api/v1/users/{id}/details", tag = "用户",
    responses((status = 200, body = User), (status = 404, body = super::ApiError)))]
pub async fn get_user_details(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<User>> {
    user.require(Permission::Administer)?;
    Ok(Json(users::get(&state.db, &user.actor().scope(), id).await?))
}

/// 三员: the 系统管理员 changes an account's name, phone and department (not a duty account's:
/// 403). `version` as read is required.
#[utoipa::path(put, path = "/api/v1/users/{id}/details", tag = "用户", request_body = UserDetailsInput,
    responses((status = 200, body = User), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_user_details(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(input): AppJson<UserDetailsInput>,
) -> AppResult<Json<User>> {
    user.require(Permission::Administer)?;
    users::get(&state.db, &user.actor().scope(), id).await?;
    let f = DetailsForm {
        display_name: input.display_name,
        phone: input.phone.unwrap_or_default(),
        department_id: input.department_id.map(|d| d.to_string()).unwrap_or_default(),
        version: version_text(&input.version),
    };
    require_version(&f.version)?;
    Ok(Json(users::update_details(&state.db, &user.actor(), id, &f).await?))
}

/// A dictionary item to create (`kind` required) or change (`kind` is kept).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictionaryInput {
    pub kind: Option<String>,
    pub value: String,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
    /// The version as read (required on PUT: a stale one is refused with 409; ignored on POST).
    #[serde(default, deserialize_with = "kaifaqu_store::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

impl DictionaryInput {
    fn form(&self) -> ItemForm {
        ItemForm {
            kind: self.kind.clone().unwrap_or_default(),
            value: self.value.clone(),
            sort_order: self.sort_order.map(|s| s.to_string()).unwrap_or_default(),
            active: flag(self.active),
            version: version_text(&self.version),
        }
    }
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DictionaryQuery {
    /// industry_chain, promotion_channel, promotion_team, hazard_category, task_source.
    #[serde(default)]
    pub kind: String,
    /// Only enabled values (for select boxes).
    #[serde(default)]
    pub active: Option<bool>,
    pub page: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/dictionaries", tag = "字典", params(DictionaryQuery), responses((status = 200, body = Page<DictionaryItem>)))]
pub async fn list_dictionary(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<DictionaryQuery>,
) -> AppResult<Json<Page<DictionaryItem>>> {
    let rows =
        dictionaries::list(&state.db, &user.actor().scope(), user.zone_id()?, Some(&q.kind), q.active.unwrap_or(false))
            .await?;
    Ok(Json(Paging { page: q.page, limit: q.limit }.apply(rows)?))
}

#[utoipa::path(post, path = "/api/v1/dictionaries", tag = "字典", request_body = DictionaryInput,
    responses((status = 201, body = DictionaryItem), (status = 422, body = super::ApiError)))]
pub async fn create_dictionary_item(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(input): AppJson<DictionaryInput>,
) -> AppResult<(StatusCode, Json<DictionaryItem>)> {
    user.require(Permission::Administer)?;
    let d = dictionaries::create(&state.db, &user.actor(), user.zone_id()?, &input.form()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Changes an item's value, order and active flag; `version` as read is required (stale: 409).
#[utoipa::path(put, path = "/api/v1/dictionaries/{id}", tag = "字典", request_body = DictionaryInput,
    responses((status = 200, body = DictionaryItem), (status = 404, body = super::ApiError), (status = 409, description = "该记录已被他人修改（版本号已过期），未作任何修改", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_dictionary_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppJson(input): AppJson<DictionaryInput>,
) -> AppResult<Json<DictionaryItem>> {
    user.require(Permission::Administer)?;
    dictionaries::get(&state.db, &user.actor().scope(), id).await?;
    let f = input.form();
    require_version(&f.version)?;
    Ok(Json(dictionaries::update(&state.db, &user.actor(), id, &f).await?))
}

#[utoipa::path(delete, path = "/api/v1/dictionaries/{id}", tag = "字典",
    responses((status = 204), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn delete_dictionary_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    user.require(Permission::Administer)?;
    dictionaries::delete(&state.db, &user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the audit search.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Login name.
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    /// create, update, delete, login, logout, login_failed, password_change, download.
    #[serde(default)]
    pub action: String,
    /// First day, YYYY-MM-DD (Asia/Shanghai).
    pub from: Option<chrono::NaiveDate>,
    /// Last day, YYYY-MM-DD.
    pub to: Option<chrono::NaiveDate>,
    pub page: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "审计日志", params(AuditQuery), responses((status = 200, body = Page<AuditRecord>)))]
pub async fn list_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<AuditQuery>,
) -> AppResult<Json<Page<AuditRecord>>> {
    user.require(Permission::ReadAudit)?;
    let (page, limit) = Paging { page: q.page, limit: q.limit }.checked()?;
    let f = AuditFilter {
        user: q.user,
        entity: q.entity,
        entity_id: q.entity_id,
        action: q.action,
        from: q.from,
        to: q.to,
        page: Some(page),
        per_page: Some(limit),
    };
    Ok(Json(audit::search(&state.db, &user.actor().scope(), &f).await?))
}

#[utoipa::path(get, path = "/api/v1/audit/{id}", tag = "审计日志", responses((status = 200, body = AuditRecord), (status = 404, body = super::ApiError)))]
pub async fn get_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<AuditRecord>> {
    user.require(Permission::ReadAudit)?;
    audit::get(&state.db, &user.actor().scope(), id).await?.map(Json).ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// The year (2000–2100); this year when absent.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// A year of the zone's working-day calendar: where it comes from, its 放假 and 调休上班 days
/// and the number of working days.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "工作日历", params(CalendarQuery),
    responses((status = 200, body = Year), (status = 422, body = super::ApiError)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<CalendarQuery>,
) -> AppResult<Json<Year>> {
    let year = q.year.unwrap_or_else(|| chrono::Datelike::year(&kaifaqu_store::lookups::today()));
    if !calendar::YEARS.contains(&year) {
        return Err(kaifaqu_domain::Invalid::one("year", "年份应在 2000 到 2100 之间").into());
    }
    Ok(Json(calendar::year(&state.db, &user.actor().scope(), user.zone_id()?, year).await?))
}

/// Marks one day as 放假 (`holiday`) or 调休上班 (`workday`, weekends only). Admins only.
#[utoipa::path(post, path = "/api/v1/calendar", tag = "工作日历", request_body = DayForm,
    responses((status = 201, body = Day), (status = 422, body = super::ApiError)))]
pub async fn set_calendar_day(
    State(state): State<AppState>,
    user: CurrentUser,
    AppJson(input): AppJson<DayForm>,
) -> AppResult<(StatusCode, Json<Day>)> {
    user.require(Permission::Administer)?;
    let d = calendar::set_day(&state.db, &user.actor(), user.zone_id()?, &input).await?;
    Ok((StatusCode::CREATED, Json(d)))
}
