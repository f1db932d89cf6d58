//! Passwords (argon2id) under an authentication profile (等保 or ASVS: rules and expiry),
//! database-held sessions, login lockout, the TOTP second factor (secret encrypted through
//! [`crate::crypto`]) and API tokens.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::{DateTime, Duration, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::password::Profile;
use kaifaqu_domain::{Invalid, Permission, Role, password};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::entities::{api_token, session, user};
use crate::users::{User, audit_view, to_user};
use crate::{Actor, Db, StoreError};
use crate::{crypto, totp};

/// Session, lockout and password settings (from configuration): the authentication profile.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// Which password rules apply (等保 or ASVS).
    pub profile: Profile,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub max_failures: i32,
    pub lockout: Duration,
    /// A password older than this must be changed before anything else (None: never).
    pub password_max_age: Option<Duration>,
    /// Failed logins from one address within `ip_window` after which that address is refused
    /// (429) until the oldest failure leaves the window; counted by the web layer in memory.
    pub ip_max_failures: u32,
    pub ip_window: Duration,
    /// Roles that must have a second factor (TOTP) enrolled: after the password such a user
    /// reaches only the enrolment page until it is done (A5). Empty here; the configuration's
    /// `[auth] totp_required_roles` fills it (by default the three duties, [`DUTY_ROLES`]).
    pub totp_required: Vec<Role>,
}

/// 等保 level 3 asks a second factor of the administrators: the three duties 系统管理员,
/// 审计管理员 and 安全管理员 — the default of `[auth] totp_required_roles`.
pub const DUTY_ROLES: [Role; 3] = [Role::Admin, Role::AuditAdmin, Role::SecurityAdmin];

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy::for_profile(Profile::Dengbao)
    }
}

impl AuthPolicy {
    /// The profile's settings: 等保 — 8 characters of 3 classes, 90-day expiry; ASVS — 12
    /// characters, no expiry. Both: 5 failures → 15 minutes locked, 30 minutes idle, 12 hours at
    /// most, 30 failures from one address in 15 minutes → refused.
    pub fn for_profile(profile: Profile) -> AuthPolicy {
        AuthPolicy {
            profile,
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
            max_failures: 5,
            lockout: Duration::minutes(15),
            password_max_age: profile.max_age_days().map(Duration::days),
            ip_max_failures: 30,
            ip_window: Duration::minutes(15),
            totp_required: Vec::new(),
        }
    }

    /// Whether `user` must enrol a second factor before anything else.
    pub fn needs_totp_enrolment(&self, user: &User) -> bool {
        !user.totp_enrolled && self.totp_required.contains(&user.role)
    }

    /// Whether the password of `m` is older than the profile allows.
    fn password_expired(&self, m: &user::Model, now: DateTime<Utc>) -> bool {
        self.password_max_age.is_some_and(|age| now - m.password_changed_at.unwrap_or(m.created_at) > age)
    }
}

/// The profile the administrators' password checks use (`users::create`, `reset_password`);
/// installed by `kaifaqu serve` from the configuration, 等保 until then.
static PROFILE: std::sync::RwLock<Profile> = std::sync::RwLock::new(Profile::Dengbao);

/// Installs the deployment's profile for the checks that have no [`AuthPolicy`] at hand.
pub fn install_profile(p: Profile) {
    *PROFILE.write().unwrap_or_else(|e| e.into_inner()) = p;
}

/// Checks a new password under the installed profile.
pub(crate) fn check_password(pw: &str, login_name: &str, context: &[String]) -> Result<(), String> {
    let p = *PROFILE.read().unwrap_or_else(|e| e.into_inner());
    password::check_with(p, pw, login_name, context)
}

pub fn hash_password(pw: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Config(format!("密码哈希失败：{e}")))
}

pub fn verify_password(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A hash to verify against when the login name does not exist, so both cases take as long.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password-1A!").unwrap_or_default())
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    hex(&buf)
}

/// Bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// The one message for every failed login: it does not tell whether the name exists.
pub const LOGIN_FAILED: &str = "登录名或密码不正确，或账号已被暂时锁定。连续输错 5 次将锁定 15 分钟。";

/// A signed-in user and their session.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub token_hash: String,
    pub csrf_token: String,
}

/// A successful login: the cookie value (shown only now) and the session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub session: SessionUser,
}

fn actor_for(m: &user::Model, ip: Option<&str>) -> Actor {
    Actor {
        user_id: Some(m.id),
        login_name: m.login_name.clone(),
        role: Role::parse(&m.role).unwrap_or(Role::Viewer),
        zone_id: m.zone_id,
        city_code: m.city_code.clone(),
        ip: ip.map(str::to_string),
    }
}

/// What a password check leads to.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Signed in.
    Session(Box<NewSession>),
    /// The password was right and the account has a second factor: ask for the code, then
    /// [`login_second_factor`].
    SecondFactor { user_id: i64 },
    /// Wrong name, wrong password, locked or inactive (one answer for all).
    Refused,
}

/// Checks a login with the password only; `None` means refused (wrong name, wrong password,
/// locked, inactive, or an account that also needs its TOTP code — see [`login_first_factor`]).
pub async fn login(
    db: &Db,
    policy: &AuthPolicy,
    login_name: &str,
    pw: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Option<NewSession>, StoreError> {
    match login_first_factor(db, policy, login_name, pw, ip, user_agent).await? {
        LoginOutcome::Session(s) => Ok(Some(*s)),
        _ => Ok(None),
    }
}

/// Counts a failure against the account (locking it after `max_failures`) and audits it.
async fn record_failure(
    db: &Db,
    policy: &AuthPolicy,
    m: &user::Model,
    actor: &Actor,
    locked: bool,
    reason: &str,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let txn = db.conn.begin().await?;
    if !locked && m.active {
        // counted in the database, so parallel guesses cannot each write "1"
        user::Entity::update_many()
            .col_expr(user::Column::FailedLogins, Expr::col(user::Column::FailedLogins).add(1))
            .filter(user::Column::Id.eq(m.id))
            .exec(&txn)
            .await?;
        let failures = user::Entity::find_by_id(m.id).one(&txn).await?.map(|u| u.failed_logins).unwrap_or(0);
        if failures >= policy.max_failures {
            user::Entity::update_many()
                .col_expr(user::Column::FailedLogins, Expr::value(0))
                .col_expr(user::Column::LockedUntil, Expr::value(Some(now + policy.lockout)))
                .filter(user::Column::Id.eq(m.id))
                .exec(&txn)
                .await?;
        }
    }
    audit::append(&txn, actor, failed_change(Some(m.id), reason)).await?;
    txn.commit().await?;
    Ok(())
}

/// The first step of a login: the password. An account with a TOTP secret answers
/// [`LoginOutcome::SecondFactor`] instead of a session. Runs as the system at the database
/// (row-level security, `rls`): the request is anonymous, the account of any zone or city.
pub async fn login_first_factor(
    db: &Db,
    policy: &AuthPolicy,
    login_name: &str,
    pw: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<LoginOutcome, StoreError> {
    crate::rls::system(first_factor(db, policy, login_name, pw, ip, user_agent)).await
}

async fn first_factor(
    db: &Db,
    policy: &AuthPolicy,
    login_name: &str,
    pw: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<LoginOutcome, StoreError> {
    let name = login_name.trim();
    let found = user::Entity::find().filter(user::Column::LoginName.eq(name)).one(&db.conn).await?;
    let Some(m) = found else {
        verify_password(pw, dummy_hash());
        // Recorded under the name that was typed, with no user id.
        let mut anon = Actor::system(name);
        anon.ip = ip.map(str::to_string);
        audit::append(&db.conn, &anon, failed_change(None, "登录名不存在")).await?;
        return Ok(LoginOutcome::Refused);
    };
    let now = Utc::now();
    let locked = m.locked_until.is_some_and(|t| t > now);
    let ok = verify_password(pw, &m.password_hash);
    let actor = actor_for(&m, ip);
    if locked || !m.active || !ok {
        record_failure(db, policy, &m, &actor, locked, refusal(locked, m.active, "密码错误")).await?;
        return Ok(LoginOutcome::Refused);
    }
    if m.totp_secret.is_some() {
        return Ok(LoginOutcome::SecondFactor { user_id: m.id });
    }
    start_session(db, policy, m, &actor, ip, user_agent, "登录").await.map(|s| LoginOutcome::Session(Box::new(s)))
}

/// The second step of a login: the TOTP code of the account `user_id` whose password was just
/// right. A wrong or replayed code counts as a failed login; `None` means refused. Runs as the
/// system at the database, as the first step does.
pub async fn login_second_factor(
    db: &Db,
    policy: &AuthPolicy,
    user_id: i64,
    code: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Option<NewSession>, StoreError> {
    crate::rls::system(second_factor(db, policy, user_id, code, ip, user_agent)).await
}

async fn second_factor(
    db: &Db,
    policy: &AuthPolicy,
    user_id: i64,
    code: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Option<NewSession>, StoreError> {
    let Some(m) = user::Entity::find_by_id(user_id).one(&db.conn).await? else {
        return Ok(None);
    };
    let actor = actor_for(&m, ip);
    let locked = m.locked_until.is_some_and(|t| t > Utc::now());
    let accepted = match (&m.totp_secret, locked || !m.active) {
        (Some(stored), false) => accept_code(db, &m, stored, code).await?,
        _ => false,
    };
    if !accepted {
        record_failure(db, policy, &m, &actor, locked, refusal(locked, m.active, "动态口令错误或已用过")).await?;
        return Ok(None);
    }
    start_session(db, policy, m, &actor, ip, user_agent, "登录（密码＋动态口令）").await.map(Some)
}

/// Why a login step was refused, for the audit record: the lock and the deactivation come
/// before what the person typed.
fn refusal(locked: bool, active: bool, wrong: &'static str) -> &'static str {
    if locked {
        "账号锁定中"
    } else if !active {
        "账号已停用"
    } else {
        wrong
    }
}

/// Checks a TOTP code against the stored secret and, if it matches a step later than the last
/// one used, records that step — atomically, so two requests with one code cannot both pass.
async fn accept_code(db: &Db, m: &user::Model, stored: &str, code: &str) -> Result<bool, StoreError> {
    let secret = crypto::decrypt(stored, &crypto::totp_context(m.id))?;
    let Some(step) = totp::verify(&secret, code, totp::current_step(), m.totp_last_step) else {
        return Ok(false);
    };
    // one statement decides: not used before (replay), and the account still active and not
    // locked by failures that arrived meanwhile (parallel guesses)
    let res = user::Entity::update_many()
        .col_expr(user::Column::TotpLastStep, Expr::value(Some(step)))
        .filter(user::Column::Id.eq(m.id))
        .filter(user::Column::Active.eq(true))
        .filter(
            sea_orm::Condition::any()
                .add(user::Column::LockedUntil.is_null())
                .add(user::Column::LockedUntil.lte(Utc::now())),
        )
        .filter(
            sea_orm::Condition::any()
                .add(user::Column::TotpLastStep.is_null())
                .add(user::Column::TotpLastStep.lt(step)),
        )
        .exec(&db.conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Opens a session for `m` (failures cleared), audited as a login.
async fn start_session(
    db: &Db,
    policy: &AuthPolicy,
    m: user::Model,
    actor: &Actor,
    ip: Option<&str>,
    user_agent: Option<&str>,
    what: &str,
) -> Result<NewSession, StoreError> {
    let now = Utc::now();
    let token = random_hex(32);
    let csrf = random_hex(32);
    let txn = db.conn.begin().await?;
    let mut am = m.clone().into_active_model();
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    let m = am.update(&txn).await?;
    session::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        user_id: Set(m.id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        ip: Set(ip.map(str::to_string)),
        user_agent: Set(user_agent.map(|s| s.chars().take(300).collect())),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: m.zone_id,
            entity: "session",
            entity_id: Some(m.id.to_string()),
            action: Action::Login,
            summary: format!("{} {what}", m.login_name),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    let depts = Default::default();
    let expired = policy.password_expired(&m, now);
    let mut user = to_user(m, &depts);
    user.must_change_password |= expired;
    Ok(NewSession { session: SessionUser { user, token_hash: sha256_hex(&token), csrf_token: csrf }, token })
}

fn failed_change(user_id: Option<i64>, reason: &str) -> Change<'static> {
    Change {
        zone_id: None,
        entity: "session",
        entity_id: user_id.map(|i| i.to_string()),
        action: Action::LoginFailed,
        summary: format!("登录失败：{reason}"),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    }
}

/// The session behind a cookie value, if it is still valid (idle and absolute timeouts);
/// an expired session is deleted. Touches `last_seen_at` at most once a minute.
pub async fn session(db: &Db, policy: &AuthPolicy, token: &str) -> Result<Option<SessionUser>, StoreError> {
    let hash = sha256_hex(token);
    let Some(s) = session::Entity::find_by_id(hash.clone()).one(&db.conn).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let expired = now - s.last_seen_at > policy.idle_timeout || now - s.created_at > policy.absolute_timeout;
    let u = user::Entity::find_by_id(s.user_id).one(&db.conn).await?;
    let Some(u) = u.filter(|u| u.active && !expired) else {
        session::Entity::delete_by_id(hash).exec(&db.conn).await?;
        return Ok(None);
    };
    if now - s.last_seen_at > Duration::seconds(60) {
        let mut am = s.clone().into_active_model();
        am.last_seen_at = Set(now);
        am.update(&db.conn).await?;
    }
    let depts = department_names(db, u.zone_id).await?;
    let expired = policy.password_expired(&u, now);
    let mut user = to_user(u, &depts);
    // an expired password sends the user to 修改密码 like an administrator's reset does
    user.must_change_password |= expired;
    Ok(Some(SessionUser { user, token_hash: hash, csrf_token: s.csrf_token }))
}

async fn department_names(db: &Db, zone_id: Option<i64>) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    use crate::entities::department;
    let Some(z) = zone_id else {
        return Ok(Default::default());
    };
    Ok(department::Entity::find()
        .filter(department::Column::ZoneId.eq(z))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// Ends one session (logout).
pub async fn logout(db: &Db, actor: &Actor, token_hash: &str) -> Result<(), StoreError> {
    let txn = db.conn.begin().await?;
    session::Entity::delete_by_id(token_hash.to_string()).exec(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: actor.zone_id,
            entity: "session",
            entity_id: actor.user_id.map(|i| i.to_string()),
            action: Action::Logout,
            summary: format!("{} 退出", actor.login_name),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every session of a user.
pub async fn end_sessions<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<(), StoreError> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}

/// Writes a new hash, ends all sessions of the user and audits it.
pub(crate) async fn store_password(
    db: &Db,
    actor: &Actor,
    before: &user::Model,
    new_password: &str,
    must_change: bool,
    what: &str,
) -> Result<(), StoreError> {
    let hash = hash_password(new_password)?;
    let txn = db.conn.begin().await?;
    let mut am = before.clone().into_active_model();
    am.password_hash = Set(hash);
    am.must_change_password = Set(must_change);
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    am.updated_at = Set(Utc::now());
    am.password_changed_at = Set(Some(Utc::now()));
    let after = am.update(&txn).await?;
    end_sessions(&txn, before.id).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: before.zone_id,
            entity: "user",
            entity_id: Some(before.id.to_string()),
            action: Action::PasswordChange,
            summary: format!("{what}：{}", before.login_name),
            before: audit_view(before),
            after: audit_view(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The words a password of an account in `zone_id` must not contain: the unit words and the
/// zone's own name (see `kaifaqu_domain::password::context_words`).
pub(crate) async fn password_context(db: &Db, zone_id: Option<i64>) -> Result<Vec<String>, StoreError> {
    let name = match zone_id {
        Some(z) => crate::entities::zone::Entity::find_by_id(z).one(&db.conn).await?.map(|m| m.name),
        None => None,
    };
    Ok(password::context_words(name.as_deref()))
}

/// A user changes their own password under the 等保 profile; see [`change_own_password_with`].
pub async fn change_own_password(db: &Db, actor: &Actor, old: &str, new: &str) -> Result<(), StoreError> {
    change_own_password_with(db, &AuthPolicy::default(), actor, old, new).await
}

/// A user changes their own password (the policy's profile decides the rules); every session of
/// theirs ends (they log in again) and the expiry starts again.
pub async fn change_own_password_with(
    db: &Db,
    policy: &AuthPolicy,
    actor: &Actor,
    old: &str,
    new: &str,
) -> Result<(), StoreError> {
    let id = actor.user_id.ok_or(StoreError::NotFound)?;
    let m = user::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let mut e = Invalid::new();
    if !verify_password(old, &m.password_hash) {
        e.add("old_password", "原密码不正确");
    }
    let context = password_context(db, m.zone_id).await?;
    if let Err(msg) = password::check_with(policy.profile, new, &m.login_name, &context) {
        e.add("new_password", msg);
    } else if old == new {
        e.add("new_password", "新密码不能与原密码相同");
    }
    e.into_result()?;
    store_password(db, actor, &m, new, false, "修改本人密码").await
}

/// Whether the signed-in user's password is older than the policy allows (the reason the
/// 修改密码 page is forced, when it is not an administrator's reset).
pub async fn password_expired(db: &Db, policy: &AuthPolicy, user_id: i64) -> Result<bool, StoreError> {
    let m = user::Entity::find_by_id(user_id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    Ok(policy.password_expired(&m, Utc::now()))
}

/// A user's second factor as the account page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotpState {
    /// No second factor.
    Off,
    /// Enrolment begun: the secret (base32) to show with its QR code until a code confirms it.
    Pending { secret: String },
    /// Every login asks for a code.
    On,
}

fn totp_change(m: &user::Model, what: &str, after: bool) -> Change<'static> {
    Change {
        zone_id: m.zone_id,
        entity: "user",
        entity_id: Some(m.id.to_string()),
        action: Action::Update,
        summary: format!("{what}：{}", m.login_name),
        before: json!({"totp": m.totp_secret.is_some()}),
        after: json!({"totp": after}),
    }
}

async fn own_user(db: &Db, actor: &Actor) -> Result<user::Model, StoreError> {
    let id = actor.user_id.ok_or(StoreError::NotFound)?;
    user::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)
}

/// The actor's second factor.
pub async fn totp_state(db: &Db, actor: &Actor) -> Result<TotpState, StoreError> {
    let m = own_user(db, actor).await?;
    if m.totp_secret.is_some() {
        return Ok(TotpState::On);
    }
    match &m.totp_pending {
        Some(p) => {
            let secret = crypto::decrypt(p, &crypto::totp_pending_context(m.id))?;
            Ok(TotpState::Pending { secret: totp::base32_encode(&secret) })
        }
        None => Ok(TotpState::Off),
    }
}

/// Begins (or begins again) the actor's enrolment: a fresh secret, stored encrypted until a
/// first code confirms it. Returns the secret in base32.
pub async fn totp_begin(db: &Db, actor: &Actor) -> Result<String, StoreError> {
    let m = own_user(db, actor).await?;
    if m.totp_secret.is_some() {
        return Err(Invalid::one("code", "已启用动态口令；如需更换手机，请先由管理员重置").into());
    }
    let secret = totp::new_secret();
    let stored = crypto::keyring().encrypt(&secret, &crypto::totp_pending_context(m.id))?;
    let mut am = m.into_active_model();
    am.totp_pending = Set(Some(stored));
    am.update(&db.conn).await?;
    Ok(totp::base32_encode(&secret))
}

/// Confirms the actor's enrolment with a code from the authenticator: from now on every login
/// asks for a code. A wrong code leaves the enrolment pending.
pub async fn totp_confirm(db: &Db, actor: &Actor, code: &str) -> Result<(), StoreError> {
    let m = own_user(db, actor).await?;
    let Some(pending) = m.totp_pending.clone() else {
        return Err(Invalid::one("code", "请先点击“开始绑定”并用手机扫描二维码").into());
    };
    let ring = crypto::keyring_for(&pending);
    let secret = ring.decrypt(&pending, &crypto::totp_pending_context(m.id))?;
    let Some(step) = totp::verify(&secret, code, totp::current_step(), None) else {
        return Err(Invalid::one("code", "动态口令不正确：请输入手机验证器上当前显示的 6 位数字").into());
    };
    let stored = ring.encrypt(&secret, &crypto::totp_context(m.id))?;
    let txn = db.conn.begin().await?;
    let mut am = m.clone().into_active_model();
    am.totp_secret = Set(Some(stored));
    am.totp_pending = Set(None);
    am.totp_last_step = Set(Some(step));
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    audit::append(&txn, actor, totp_change(&m, "启用动态口令", true)).await?;
    txn.commit().await?;
    Ok(())
}

/// An administrator (安全管理 permission) removes a user's second factor (a lost phone); the
/// user's sessions end and they may enrol again.
pub async fn totp_reset(db: &Db, actor: &Actor, user_id: i64) -> Result<(), StoreError> {
    actor.require(Permission::ManageSecurity)?;
    // the zone filter of the actor's scope: another zone's user is NotFound (the security
    // administrator manages accounts without the general write permission, 三员)
    let m = crate::users::find_scoped(db, &actor.scope(), user_id).await?;
    crate::users::guard_duty_account(actor, m.id, &m.role)?;
    let txn = db.conn.begin().await?;
    let mut am = m.clone().into_active_model();
    am.totp_secret = Set(None);
    am.totp_pending = Set(None);
    am.totp_last_step = Set(None);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    end_sessions(&txn, m.id).await?;
    audit::append(&txn, actor, totp_change(&m, "重置动态口令", false)).await?;
    txn.commit().await?;
    Ok(())
}

/// An API token as listed (never its value).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn to_token(m: api_token::Model) -> ApiToken {
    ApiToken {
        id: m.id,
        name: m.name,
        prefix: m.prefix,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    }
}

/// Creates a token for the actor; returns its value, which is shown once and stored hashed.
pub async fn create_token(db: &Db, actor: &Actor, name: &str) -> Result<(ApiToken, String), StoreError> {
    let user_id = actor.user_id.ok_or(StoreError::NotFound)?;
    let mut e = Invalid::new();
    let name = e.required("name", "令牌名称", name, 100);
    e.into_result()?;
    let value = format!("kfq_{}", random_hex(24));
    let txn = db.conn.begin().await?;
    let m = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name),
        token_hash: Set(sha256_hex(&value)),
        prefix: Set(value[..12].to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: actor.zone_id,
            entity: "api_token",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新建接口令牌“{}”", m.name),
            before: serde_json::Value::Null,
            after: json!({"name": m.name, "prefix": m.prefix}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((to_token(m), value))
}

pub async fn list_tokens(db: &Db, actor: &Actor) -> Result<Vec<ApiToken>, StoreError> {
    let user_id = actor.user_id.ok_or(StoreError::NotFound)?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(to_token)
        .collect())
}

/// Revokes one of the actor's own tokens.
pub async fn revoke_token(db: &Db, actor: &Actor, id: i64) -> Result<(), StoreError> {
    let user_id = actor.user_id.ok_or(StoreError::NotFound)?;
    let m = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::UserId.eq(user_id))
        .one(&db.conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if m.revoked_at.is_some() {
        return Ok(());
    }
    let txn = db.conn.begin().await?;
    let mut am = m.clone().into_active_model();
    am.revoked_at = Set(Some(Utc::now()));
    am.update(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: actor.zone_id,
            entity: "api_token",
            entity_id: Some(id.to_string()),
            action: Action::Delete,
            summary: format!("吊销接口令牌“{}”", m.name),
            before: json!({"revoked": false}),
            after: json!({"revoked": true}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The user behind a bearer token (active, not revoked); records its use.
pub async fn token_user(db: &Db, value: &str) -> Result<Option<User>, StoreError> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(sha256_hex(value.trim())))
        .one(&db.conn)
        .await?
    else {
        return Ok(None);
    };
    if t.revoked_at.is_some() {
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(t.user_id).one(&db.conn).await?.filter(|u| u.active) else {
        return Ok(None);
    };
    let now = Utc::now();
    if t.last_used_at.is_none_or(|l| now - l > Duration::seconds(60)) {
        let mut am = t.into_active_model();
        am.last_used_at = Set(Some(now));
        am.update(&db.conn).await?;
    }
    let depts = department_names(db, u.zone_id).await?;
    Ok(Some(to_user(u, &depts)))
}

/// The actor for a signed-in user.
pub fn actor_of(u: &User, ip: Option<String>) -> Actor {
    Actor {
        user_id: Some(u.id),
        login_name: u.login_name.clone(),
        role: u.role,
        zone_id: u.zone_id,
        city_code: u.city_code.clone(),
        ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("Abc12345!").unwrap();
        let b = hash_password("Abc12345!").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("Abc12345!", &a));
        assert!(!verify_password("Abc12345?", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn random_tokens_differ() {
        assert_eq!(random_hex(32).len(), 64);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
