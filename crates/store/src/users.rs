//! Users: accounts of a zone (or, for role 市级, of a city).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::validate::{NAME_MAX, check_phone};
use kaifaqu_domain::{Invalid, Permission, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{department, user};
use crate::{Actor, Db, Page, Scope, StoreError, auth};

/// A user as shown in lists and forms (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub login_name: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub zone_id: Option<i64>,
    pub city_code: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub must_change_password: bool,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub is_demo: bool,
    /// The user does not want the daily digest of 我的待办.
    pub digest_opt_out: bool,
    pub created_at: DateTime<Utc>,
    /// A second factor (TOTP) is enrolled.
    pub totp_enrolled: bool,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
}

impl User {
    pub fn role_label(&self) -> &'static str {
        self.role.label()
    }

    pub fn is_locked(&self) -> bool {
        self.locked_until.is_some_and(|t| t > Utc::now())
    }
}

pub(crate) fn to_user(m: user::Model, depts: &HashMap<i64, String>) -> User {
    User {
        id: m.id,
        department_name: m.department_id.and_then(|d| depts.get(&d).cloned()),
        login_name: m.login_name,
        display_name: m.display_name,
        phone: crate::sensitive::user_phone(m.id, m.phone.as_deref()),
        role: Role::parse(&m.role).unwrap_or(Role::Viewer),
        zone_id: m.zone_id,
        city_code: m.city_code,
        department_id: m.department_id,
        must_change_password: m.must_change_password,
        active: m.active,
        locked_until: m.locked_until,
        is_demo: m.is_demo,
        digest_opt_out: m.digest_opt_out,
        created_at: m.created_at,
        totp_enrolled: m.totp_secret.is_some(),
        version: m.version,
    }
}

/// The audited view of a user row (hash masked by the audit module).
pub(crate) fn audit_view(m: &user::Model) -> serde_json::Value {
    json!({
        "login_name": m.login_name,
        "display_name": m.display_name,
        "phone": crate::sensitive::audit_value(crate::sensitive::USER_PHONE, m.id, m.phone.as_deref()),
        "role": m.role,
        "zone_id": m.zone_id,
        "city_code": m.city_code,
        "department_id": m.department_id,
        "must_change_password": m.must_change_password,
        "active": m.active,
        "password_hash": m.password_hash,
    })
}

/// The raw fields of the user form (create and edit).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub login_name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub department_id: String,
    /// Checkbox: present ("on"/"true") when active. Only read on edit.
    #[serde(default)]
    pub active: Option<String>,
    /// Only on create.
    #[serde(default)]
    pub password: String,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(default, deserialize_with = "crate::error::de_version")]
    pub version: String,
}

/// 三员: what the 系统管理员 (`Administer`) edits of an account — the non-security fields.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DetailsForm {
    pub display_name: String,
    pub phone: String,
    pub department_id: String,
    /// The version the edit was made on (empty: the current one). A stale one is refused (409).
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

/// 三员: what only the 安全管理员 (`ManageSecurity`) changes of an account — its role and whether
/// it may sign in (password and second-factor resets are their own actions).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AccessForm {
    pub role: String,
    /// Checkbox: present ("on"/"true") when active.
    pub active: Option<String>,
    /// The version the edit was made on (empty: the current one). A stale one is refused (409).
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

/// Where a new user belongs (the system actor chooses; a zone admin always creates in their zone).
#[derive(Debug, Clone)]
pub enum Home {
    Zone(i64),
    City(String),
}

struct Valid {
    login_name: String,
    display_name: String,
    phone: Option<String>,
    role: Role,
    department_id: Option<i64>,
}

fn validate(f: &UserForm, e: &mut Invalid) -> Valid {
    let login_name = f.login_name.trim().to_string();
    if login_name.is_empty() {
        e.add("login_name", "登录名不能为空");
    } else if login_name.len() > 64
        || !login_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
    {
        e.add("login_name", "登录名只能用英文字母、数字和 _ . -，不超过 64 位");
    }
    let display_name = e.required("display_name", "姓名", &f.display_name, NAME_MAX);
    let phone = check_phone(e, "phone", &f.phone);
    let role = Role::parse(f.role.trim());
    if role.is_none() {
        e.add("role", "请选择角色");
    }
    let department_id = if f.department_id.trim().is_empty() {
        None
    } else {
        match f.department_id.trim().parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                e.add("department_id", "请选择科室");
                None
            }
        }
    };
    Valid { login_name, display_name, phone, role: role.unwrap_or(Role::Viewer), department_id }
}

async fn department_in_zone(db: &Db, zone_id: i64, dept: Option<i64>, e: &mut Invalid) -> Result<(), StoreError> {
    if let Some(d) = dept {
        let found =
            department::Entity::find_by_id(d).filter(department::Column::ZoneId.eq(zone_id)).one(&db.conn).await?;
        if found.is_none() {
            e.add("department_id", "所选科室不属于本开发区");
        }
    }
    Ok(())
}

/// The zone whose accounts the actor may manage: their own. 三员: managing accounts is the
/// security admin's duty, not a business write, so it does not ask for `Write`.
fn account_zone(actor: &Actor, zone_id: i64) -> Result<i64, StoreError> {
    if actor.is_system() || actor.zone_id == Some(zone_id) { Ok(zone_id) } else { Err(StoreError::NotFound) }
}

/// 三员: the accounts of the three duties (系统管理员, 审计管理员, 安全管理员) are created, changed and
/// reset only on the server (the command line, the system actor); a zone's security admin manages
/// every other account. Otherwise a security admin could make themselves (through a second
/// account, or by taking over the admin's) the system or audit administrator.
pub fn is_duty_role(r: Role) -> bool {
    matches!(r, Role::Admin | Role::AuditAdmin | Role::SecurityAdmin)
}

const DUTY_ACCOUNTS: &str =
    "系统管理员、审计管理员和安全管理员的账号只能由运维人员在服务器上用命令行创建和变更（三员分立）";

/// Refuses a security admin's change to another duty account (their own they may edit, but not
/// its role).
pub(crate) fn guard_duty_account(actor: &Actor, target_id: i64, target_role: &str) -> Result<(), StoreError> {
    let duty = Role::parse(target_role).is_some_and(is_duty_role);
    if !actor.is_system() && duty && Some(target_id) != actor.user_id {
        return Err(StoreError::Forbidden(DUTY_ACCOUNTS.into()));
    }
    Ok(())
}

/// Creates a user. A zone's security admin creates users of their own zone; only the system (command
/// line) creates city-level users, users of another zone, and the three duty accounts.
pub async fn create(db: &Db, actor: &Actor, home: Option<Home>, f: &UserForm) -> Result<User, StoreError> {
    actor.require(Permission::ManageSecurity)?;
    let home = match (actor.is_system(), home) {
        (true, Some(h)) => h,
        (_, _) => {
            Home::Zone(actor.zone_id.ok_or_else(|| StoreError::Forbidden("市级账号不能管理开发区的账号".into()))?)
        }
    };
    let mut e = Invalid::new();
    let v = validate(f, &mut e);
    if !actor.is_system() && is_duty_role(v.role) {
        e.add("role", DUTY_ACCOUNTS);
    }
    match (&home, v.role) {
        (Home::City(_), r) if r != Role::City => e.add("role", "市级账号的角色只能是“市级”"),
        (Home::Zone(_), Role::City) => e.add("role", "开发区账号不能是“市级”角色"),
        _ => {}
    }
    let zone = match home {
        Home::Zone(z) => Some(z),
        Home::City(_) => None,
    };
    let context = auth::password_context(db, zone).await?;
    if let Err(m) = auth::check_password(&f.password, &v.login_name, &context) {
        e.add("password", m);
    }
    if let Home::Zone(z) = home {
        department_in_zone(db, z, v.department_id, &mut e).await?;
    }
    if let Home::City(c) = &home
        && crate::zones::list(db, &Scope::City { city_code: c.clone() }).await?.is_empty()
    {
        // a city account sees its city's zones and nothing else (at the database too: its own
        // account row is visible through its city's zones), so a city without zones — or a
        // mistyped code — would give an account that cannot even open its own page
        e.add("city_code", format!("城市代码“{c}”下尚无已登记的开发区：请先登记开发区，或核对城市代码"));
    }
    e.into_result()?;
    let hash = auth::hash_password(&f.password)?;
    let now = Utc::now();
    let (zone_id, city_code) = match home {
        Home::Zone(z) => (Some(z), None),
        Home::City(c) => (None, Some(c)),
    };
    let txn = db.conn.begin().await?;
    let m = user::ActiveModel {
        login_name: Set(v.login_name.clone()),
        display_name: Set(v.display_name),
        // sealed below, once the row id (part of the associated data) is known
        phone: Set(None),
        role: Set(v.role.code().to_string()),
        zone_id: Set(zone_id),
        city_code: Set(city_code),
        department_id: Set(v.department_id),
        password_hash: Set(hash),
        must_change_password: Set(false),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        is_demo: Set(actor.login_name == crate::demo::DEMO_ACTOR),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| StoreError::unique_as(err, "login_name", "该登录名已被使用"))?;
    let m = crate::sensitive::set_user_phone(&txn, m, v.phone.as_deref()).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: m.zone_id,
            entity: "user",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增用户 {}（{}）", m.display_name, m.login_name),
            before: serde_json::Value::Null,
            after: audit_view(&m),
        },
    )
    .await?;
    txn.commit().await?;
    get(db, &actor.scope(), m.id).await
}

pub(crate) async fn find_scoped(db: &Db, scope: &Scope, id: i64) -> Result<user::Model, StoreError> {
    let m = user::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let visible = match scope {
        Scope::System => true,
        Scope::Zone { zone_id, .. } => m.zone_id == Some(*zone_id),
        Scope::City { city_code } => m.city_code.as_deref() == Some(city_code.as_str()),
    };
    if visible { Ok(m) } else { Err(StoreError::NotFound) }
}

async fn dept_names(db: &Db, zone_id: Option<i64>) -> Result<HashMap<i64, String>, StoreError> {
    let mut q = department::Entity::find();
    if let Some(z) = zone_id {
        q = q.filter(department::Column::ZoneId.eq(z));
    }
    Ok(q.all(&db.conn).await?.into_iter().map(|d| (d.id, d.name)).collect())
}

/// A user; the phone masked unless the scope is the system's (a page showing it whole uses
/// [`get_as`]).
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<User, StoreError> {
    let m = find_scoped(db, scope, id).await?;
    let depts = dept_names(db, m.zone_id).await?;
    Ok(shown(to_user(m, &depts), crate::sensitive::Reveal::for_scope(scope)))
}

/// A user as `actor` may see them: the phone whole if the role holds `ReadPersonal`.
pub async fn get_as(db: &Db, actor: &Actor, id: i64) -> Result<User, StoreError> {
    let m = find_scoped(db, &actor.scope(), id).await?;
    let depts = dept_names(db, m.zone_id).await?;
    Ok(shown(to_user(m, &depts), crate::sensitive::Reveal::for_actor(actor)))
}

/// The phone as the reader may see it (personal data, `sensitive`).
fn shown(mut u: User, r: crate::sensitive::Reveal) -> User {
    u.phone = u.phone.map(|p| r.show(crate::sensitive::Kind::Phone, p));
    u
}

/// Filters for the user list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub async fn list(db: &Db, scope: &Scope, f: &UserFilter) -> Result<Page<User>, StoreError> {
    let mut q = user::Entity::find();
    let zone = match scope {
        Scope::Zone { zone_id, .. } => {
            q = q.filter(user::Column::ZoneId.eq(*zone_id));
            Some(*zone_id)
        }
        Scope::City { city_code } => {
            q = q.filter(user::Column::CityCode.eq(city_code.clone()));
            None
        }
        Scope::System => None,
    };
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(
            Condition::any().add(user::Column::LoginName.contains(text)).add(user::Column::DisplayName.contains(text)),
        );
    }
    if let Some(r) = Role::parse(f.role.trim()) {
        q = q.filter(user::Column::Role.eq(r.code()));
    }
    q = match f.sort.as_str() {
        "name" => q.order_by_asc(user::Column::DisplayName),
        "-created" => q.order_by_desc(user::Column::CreatedAt),
        _ => q.order_by_asc(user::Column::LoginName),
    }
    .order_by_asc(user::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, f.page, f.per_page, 500).await?;
    let depts = dept_names(db, zone).await?;
    let r = crate::sensitive::Reveal::for_scope(scope);
    Ok(Page { rows: rows.into_iter().map(|m| shown(to_user(m, &depts), r)).collect(), total, page, per_page })
}

/// Edits name, phone, role, department and the active flag at once: the server's command line
/// (the system actor) only. In the zones the edit is split between the three duties:
/// [`update_details`] (系统管理员) and [`update_access`] (安全管理员). Deactivating ends the
/// user's sessions.
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &UserForm) -> Result<User, StoreError> {
    if !actor.is_system() {
        return Err(StoreError::Forbidden(
            "账号信息由系统管理员修改（姓名、电话、科室），角色和启用状态由安全管理员修改（三员分立）".into(),
        ));
    }
    let before = find_scoped(db, &actor.scope(), id).await?;
    if let Some(z) = before.zone_id {
        account_zone(actor, z)?;
    }
    guard_duty_account(actor, id, &before.role)?;
    let mut e = Invalid::new();
    let mut form = f.clone();
    form.login_name = before.login_name.clone();
    let v = validate(&form, &mut e);
    if (before.role == Role::City.code()) != (v.role == Role::City) {
        e.add("role", "开发区账号与市级账号不能互相转换");
    }
    let active = f.active.as_deref().is_some_and(|s| matches!(s, "on" | "true" | "1"));
    if Some(id) == actor.user_id && (!active || v.role.code() != before.role) {
        e.add("active", "不能停用自己的账号或改变自己的角色");
    } else if !actor.is_system() && is_duty_role(v.role) && v.role.code() != before.role {
        e.add("role", DUTY_ACCOUNTS);
    }
    if let Some(z) = before.zone_id {
        department_in_zone(db, z, v.department_id, &mut e).await?;
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "users", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.display_name = Set(v.display_name);
    am.role = Set(v.role.code().to_string());
    am.department_id = Set(v.department_id);
    am.active = Set(active);
    am.updated_at = Set(Utc::now());
    let after = am.update(&txn).await?;
    let after = crate::sensitive::set_user_phone(&txn, after, v.phone.as_deref()).await?;
    if !after.active {
        auth::end_sessions(&txn, id).await?;
    }
    updated(db, txn, actor, &before, &after, "修改用户").await
}

/// The end of every edit of an account: the audit record (before → after) in the edit's
/// transaction, the commit, and the account as the actor now sees it.
async fn updated(
    db: &Db,
    txn: sea_orm::DatabaseTransaction,
    actor: &Actor,
    before: &user::Model,
    after: &user::Model,
    what: &str,
) -> Result<User, StoreError> {
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: after.zone_id,
            entity: "user",
            entity_id: Some(after.id.to_string()),
            action: Action::Update,
            summary: format!("{what} {}（{}）", after.display_name, after.login_name),
            before: audit_view(before),
            after: audit_view(after),
        },
    )
    .await?;
    txn.commit().await?;
    get(db, &actor.scope(), after.id).await
}

/// 三员: the 系统管理员 edits the non-security fields (name, phone, department) of an account of
/// their zone that is not one of the three duties' (those change only on the server).
pub async fn update_details(db: &Db, actor: &Actor, id: i64, f: &DetailsForm) -> Result<User, StoreError> {
    actor.require(Permission::Administer)?;
    let before = find_scoped(db, &actor.scope(), id).await?;
    let Some(zone_id) = before.zone_id else {
        return Err(StoreError::NotFound);
    };
    account_zone(actor, zone_id)?;
    if !actor.is_system() && Role::parse(&before.role).is_some_and(is_duty_role) {
        return Err(StoreError::Forbidden(DUTY_ACCOUNTS.into()));
    }
    let mut e = Invalid::new();
    let display_name = e.required("display_name", "姓名", &f.display_name, NAME_MAX);
    // a reader who saw the phone masked and left it sends the mask back: unchanged
    let current = crate::sensitive::user_phone(id, before.phone.as_deref());
    let phone = crate::sensitive::unmasked_input(crate::sensitive::Kind::Phone, &f.phone, current.as_deref());
    let phone = check_phone(&mut e, "phone", &phone);
    let department_id = match f.department_id.trim() {
        "" => None,
        d => d.parse::<i64>().map(Some).unwrap_or_else(|_| {
            e.add("department_id", "请选择科室");
            None
        }),
    };
    department_in_zone(db, zone_id, department_id, &mut e).await?;
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "users", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.display_name = Set(display_name);
    am.department_id = Set(department_id);
    am.updated_at = Set(Utc::now());
    let after = am.update(&txn).await?;
    let after = crate::sensitive::set_user_phone(&txn, after, phone.as_deref()).await?;
    updated(db, txn, actor, &before, &after, "修改用户信息").await
}

/// 三员: the 安全管理员 changes an account's role and active flag (not a duty account's, not
/// their own role or activity). Deactivating ends the user's sessions.
pub async fn update_access(db: &Db, actor: &Actor, id: i64, f: &AccessForm) -> Result<User, StoreError> {
    actor.require(Permission::ManageSecurity)?;
    let before = find_scoped(db, &actor.scope(), id).await?;
    if let Some(z) = before.zone_id {
        account_zone(actor, z)?;
    }
    guard_duty_account(actor, id, &before.role)?;
    let mut e = Invalid::new();
    let role = Role::parse(f.role.trim());
    let Some(role) = role else {
        return Err(Invalid::one("role", "请选择角色").into());
    };
    if (before.role == Role::City.code()) != (role == Role::City) {
        e.add("role", "开发区账号与市级账号不能互相转换");
    }
    let active = f.active.as_deref().is_some_and(|s| matches!(s, "on" | "true" | "1"));
    if Some(id) == actor.user_id && (!active || role.code() != before.role) {
        e.add("active", "不能停用自己的账号或改变自己的角色");
    } else if !actor.is_system() && is_duty_role(role) && role.code() != before.role {
        e.add("role", DUTY_ACCOUNTS);
    }
    e.into_result()?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "users", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.role = Set(role.code().to_string());
    am.active = Set(active);
    am.updated_at = Set(Utc::now());
    let after = am.update(&txn).await?;
    if !after.active {
        auth::end_sessions(&txn, id).await?;
    }
    updated(db, txn, actor, &before, &after, "修改用户角色与状态").await
}

/// An admin sets a new password: the user must change it at next login; their sessions end.
pub async fn reset_password(db: &Db, actor: &Actor, id: i64, new_password: &str) -> Result<(), StoreError> {
    actor.require(Permission::ManageSecurity)?;
    let before = find_scoped(db, &actor.scope(), id).await?;
    if let Some(z) = before.zone_id {
        account_zone(actor, z)?;
    }
    guard_duty_account(actor, id, &before.role)?;
    let context = auth::password_context(db, before.zone_id).await?;
    auth::check_password(new_password, &before.login_name, &context).map_err(|m| Invalid::one("password", m))?;
    let must_change = Some(id) != actor.user_id && !actor.is_system();
    auth::store_password(db, actor, &before, new_password, must_change, "重设密码").await
}

/// Looks a user up by login name (for the command line).
pub async fn find_by_login(db: &Db, login_name: &str) -> Result<Option<User>, StoreError> {
    let m = user::Entity::find().filter(user::Column::LoginName.eq(login_name.trim())).one(&db.conn).await?;
    match m {
        Some(m) => {
            let depts = dept_names(db, m.zone_id).await?;
            Ok(Some(to_user(m, &depts)))
        }
        None => Ok(None),
    }
}

/// Turns the caller's own daily digest on or off (audited).
pub async fn set_digest(db: &Db, actor: &Actor, wanted: bool) -> Result<(), StoreError> {
    let id = actor.user_id.ok_or(StoreError::NotFound)?;
    let m = user::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    if m.digest_opt_out != wanted {
        return Ok(());
    }
    let txn = db.conn.begin().await?;
    let mut am: user::ActiveModel = m.clone().into();
    am.digest_opt_out = Set(!wanted);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: m.zone_id,
            entity: "user",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: if wanted { "开启每日待办提醒".into() } else { "关闭每日待办提醒".into() },
            before: json!({"digest": !m.digest_opt_out}),
            after: json!({"digest": wanted}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
