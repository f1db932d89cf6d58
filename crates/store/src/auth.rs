//! Passwords (argon2id), database-held sessions, login lockout and API tokens.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::{DateTime, Duration, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::{Invalid, Role, password};
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

/// Session and lockout settings (from configuration).
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub max_failures: i32,
    pub lockout: Duration,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
            max_failures: 5,
            lockout: Duration::minutes(15),
        }
    }
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

/// Checks a login; `None` means refused (wrong name, wrong password, locked or inactive).
pub async fn login(
    db: &Db,
    policy: &AuthPolicy,
    login_name: &str,
    pw: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Option<NewSession>, StoreError> {
    let name = login_name.trim();
    let found = user::Entity::find().filter(user::Column::LoginName.eq(name)).one(&db.conn).await?;
    let Some(m) = found else {
        verify_password(pw, dummy_hash());
        // Recorded under the name that was typed, with no user id.
        let mut anon = Actor::system(name);
        anon.ip = ip.map(str::to_string);
        audit::append(&db.conn, &anon, failed_change(None, "登录名不存在")).await?;
        return Ok(None);
    };
    let now = Utc::now();
    let locked = m.locked_until.is_some_and(|t| t > now);
    let ok = verify_password(pw, &m.password_hash);
    let actor = actor_for(&m, ip);
    if locked || !m.active || !ok {
        let reason = if locked {
            "账号锁定中"
        } else if !m.active {
            "账号已停用"
        } else {
            "密码错误"
        };
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
        audit::append(&txn, &actor, failed_change(Some(m.id), reason)).await?;
        txn.commit().await?;
        return Ok(None);
    }
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
        &actor,
        Change {
            zone_id: m.zone_id,
            entity: "session",
            entity_id: Some(m.id.to_string()),
            action: Action::Login,
            summary: format!("{} 登录", m.login_name),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    let depts = Default::default();
    Ok(Some(NewSession {
        session: SessionUser { user: to_user(m, &depts), token_hash: sha256_hex(&token), csrf_token: csrf },
        token,
    }))
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
    Ok(Some(SessionUser { user: to_user(u, &depts), token_hash: hash, csrf_token: s.csrf_token }))
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

/// A user changes their own password; every session of theirs ends (they log in again).
pub async fn change_own_password(db: &Db, actor: &Actor, old: &str, new: &str) -> Result<(), StoreError> {
    let id = actor.user_id.ok_or(StoreError::NotFound)?;
    let m = user::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let mut e = Invalid::new();
    if !verify_password(old, &m.password_hash) {
        e.add("old_password", "原密码不正确");
    }
    let context = password_context(db, m.zone_id).await?;
    if let Err(msg) = password::check_in(new, &m.login_name, &context) {
        e.add("new_password", msg);
    } else if old == new {
        e.add("new_password", "新密码不能与原密码相同");
    }
    e.into_result()?;
    store_password(db, actor, &m, new, false, "修改本人密码").await
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
