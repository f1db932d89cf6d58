//! Configuration, layered: defaults < file (`kaifaqu.toml`) < environment (`KAIFAQU_*`) < flags.
//! Every key is documented in `kaifaqu.example.toml` at the repository root.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    /// PostgreSQL: the tables' owner, for migrations and the operator's commands; the server
    /// then connects with `database_url` as an app role that owns nothing (row-level security,
    /// issue 10 C6). Empty: `database_url` does both.
    pub database_migrate_url: String,
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    pub log: String,
    pub session: Session,
    pub login: Login,
    pub limits: Limits,
    pub attachments: Attachments,
    pub notify: NotifyConfig,
    pub audit: AuditConfig,
    pub auth: AuthConfig,
    pub crypto: CryptoConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// "dengbao" (等保, the default) or "asvs".
    pub profile: String,
    pub ip_max_failures: u32,
    pub ip_window_minutes: i64,
    /// Role codes that must enrol a second factor (TOTP) before anything else (A5). Unset: the
    /// three duties `["admin", "security_admin", "audit_admin"]`, except under `serve --demo`,
    /// where the shared demo accounts would lock each other out (unset there means none).
    pub totp_required_roles: Option<Vec<String>>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { profile: "dengbao".into(), ip_max_failures: 30, ip_window_minutes: 15, totp_required_roles: None }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoConfig {
    /// The data-encryption keys (SM4), created on first use; empty: `data/crypto.key`.
    pub key_file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    pub scheduler_minutes: u64,
    pub webhook_url: String,
    pub webhook_format: String,
    /// When the daily digest of 我的待办 goes out (Beijing time, "HH:MM"); "" turns it off.
    pub digest_time: String,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            scheduler_minutes: 60,
            webhook_url: String::new(),
            webhook_format: "generic".into(),
            digest_time: "08:30".into(),
        }
    }
}

impl NotifyConfig {
    /// The digest time, or None when the digest is off.
    pub fn digest_time(&self) -> Result<Option<chrono::NaiveTime>> {
        let t = self.digest_time.trim();
        if t.is_empty() {
            return Ok(None);
        }
        chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .map(Some)
            .map_err(|_| anyhow::anyhow!("digest_time 应为“时:分”（如 08:30），或留空表示不发送每日待办提醒"))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Session {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Login {
    pub max_failures: i32,
    pub lockout_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub body_mib: usize,
    pub upload_mib: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Attachments {
    pub dir: PathBuf,
    pub max_mib: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/kaifaqu.db".into(),
            database_migrate_url: String::new(),
            secure_cookies: false,
            trust_proxy: false,
            log: "info".into(),
            session: Session::default(),
            login: Login::default(),
            limits: Limits::default(),
            attachments: Attachments::default(),
            notify: NotifyConfig::default(),
            audit: AuditConfig::default(),
            auth: AuthConfig::default(),
            crypto: CryptoConfig::default(),
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Session { idle_minutes: 30, absolute_hours: 12 }
    }
}

impl Default for Login {
    fn default() -> Self {
        Login { max_failures: 5, lockout_minutes: 15 }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_mib: 10, upload_mib: 50 }
    }
}

impl Default for Attachments {
    fn default() -> Self {
        Attachments { dir: PathBuf::from("data/attachments"), max_mib: 20 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The audit chain's key (64 hex digits), created on first use; empty: `data/audit.key`.
    /// The same key verifies the database's backups. Keep it apart from the backups and readable
    /// by the service account only.
    pub key_file: PathBuf,
}

/// Values given on the command line (highest precedence).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub database: Option<String>,
    pub listen: Option<String>,
}

fn parse<T: std::str::FromStr>(key: &str, v: &str) -> Result<T> {
    v.trim().parse().map_err(|_| anyhow::anyhow!("环境变量 {key} 的值“{v}”格式不对"))
}

fn parse_bool(key: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => bail!("环境变量 {key} 应为 true 或 false，实际为“{v}”"),
    }
}

impl Config {
    /// Loads the layers. `file`: an explicit file must exist; without one, `kaifaqu.toml` in the
    /// working directory is read when present. `env` looks a variable up (tests pass a map).
    pub fn load(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>, flags: &Flags) -> Result<Config> {
        let mut c = match file {
            Some(p) => Self::from_file(p)?,
            None if Path::new("kaifaqu.toml").exists() => Self::from_file(Path::new("kaifaqu.toml"))?,
            None => Config::default(),
        };
        c.apply_env(env)?;
        if let Some(d) = &flags.database {
            c.database_url = d.clone();
        }
        if let Some(l) = &flags.listen {
            c.listen = l.clone();
        }
        c.check()?;
        Ok(c)
    }

    fn from_file(p: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(p).with_context(|| format!("无法读取配置文件 {}", p.display()))?;
        toml::from_str(&text).with_context(|| format!("配置文件 {} 有误", p.display()))
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let get = |k: &str| env(k).map(|v| (k.to_string(), v));
        if let Some((_, v)) = get("KAIFAQU_LISTEN") {
            self.listen = v;
        }
        if let Some((_, v)) = get("KAIFAQU_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some((_, v)) = get("KAIFAQU_DATABASE_MIGRATE_URL") {
            self.database_migrate_url = v;
        }
        if let Some((k, v)) = get("KAIFAQU_SECURE_COOKIES") {
            self.secure_cookies = parse_bool(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_TRUST_PROXY") {
            self.trust_proxy = parse_bool(&k, &v)?;
        }
        if let Some((_, v)) = get("KAIFAQU_LOG") {
            self.log = v;
        }
        if let Some((k, v)) = get("KAIFAQU_SESSION_IDLE_MINUTES") {
            self.session.idle_minutes = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_SESSION_ABSOLUTE_HOURS") {
            self.session.absolute_hours = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_LOGIN_MAX_FAILURES") {
            self.login.max_failures = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_LOGIN_LOCKOUT_MINUTES") {
            self.login.lockout_minutes = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_LIMITS_BODY_MIB") {
            self.limits.body_mib = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_LIMITS_UPLOAD_MIB") {
            self.limits.upload_mib = parse(&k, &v)?;
        }
        if let Some((_, v)) = get("KAIFAQU_ATTACHMENTS_DIR") {
            self.attachments.dir = PathBuf::from(v);
        }
        if let Some((k, v)) = get("KAIFAQU_ATTACHMENTS_MAX_MIB") {
            self.attachments.max_mib = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_NOTIFY_SCHEDULER_MINUTES") {
            self.notify.scheduler_minutes = parse(&k, &v)?;
        }
        if let Some((_, v)) = get("KAIFAQU_NOTIFY_WEBHOOK_URL") {
            self.notify.webhook_url = v;
        }
        if let Some((_, v)) = get("KAIFAQU_NOTIFY_WEBHOOK_FORMAT") {
            self.notify.webhook_format = v;
        }
        if let Some((_, v)) = get("KAIFAQU_NOTIFY_DIGEST_TIME") {
            self.notify.digest_time = v;
        }
        if let Some((_, v)) = get("KAIFAQU_AUDIT_KEY_FILE") {
            self.audit.key_file = PathBuf::from(v);
        }
        if let Some((_, v)) = get("KAIFAQU_AUTH_PROFILE") {
            self.auth.profile = v;
        }
        if let Some((k, v)) = get("KAIFAQU_AUTH_IP_MAX_FAILURES") {
            self.auth.ip_max_failures = parse(&k, &v)?;
        }
        if let Some((k, v)) = get("KAIFAQU_AUTH_IP_WINDOW_MINUTES") {
            self.auth.ip_window_minutes = parse(&k, &v)?;
        }
        if let Some((_, v)) = get("KAIFAQU_AUTH_TOTP_REQUIRED_ROLES") {
            // comma-separated role codes; "" requires none
            self.auth.totp_required_roles =
                Some(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect());
        }
        if let Some((_, v)) = get("KAIFAQU_CRYPTO_KEY_FILE") {
            self.crypto.key_file = PathBuf::from(v);
        }
        Ok(())
    }

    /// Where the audit chain's key is kept (see [`AuditConfig::key_file`]).
    pub fn audit_key_file(&self) -> PathBuf {
        if self.audit.key_file.as_os_str().is_empty() {
            PathBuf::from("data/audit.key")
        } else {
            self.audit.key_file.clone()
        }
    }

    /// Where the data-encryption keys are kept (see [`CryptoConfig::key_file`]).
    pub fn crypto_key_file(&self) -> PathBuf {
        if self.crypto.key_file.as_os_str().is_empty() {
            PathBuf::from("data/crypto.key")
        } else {
            self.crypto.key_file.clone()
        }
    }

    /// The authentication profile named by `[auth] profile`.
    pub fn profile(&self) -> Result<kaifaqu_domain::password::Profile> {
        kaifaqu_domain::password::Profile::parse(&self.auth.profile)
            .ok_or_else(|| anyhow::anyhow!("[auth] profile 应为 dengbao（等保）或 asvs，实际为“{}”", self.auth.profile))
    }

    /// The login and session policy: the profile's rules with the configured numbers.
    pub fn auth_policy(&self) -> Result<kaifaqu_store::auth::AuthPolicy> {
        let mut p = kaifaqu_store::auth::AuthPolicy::for_profile(self.profile()?);
        p.idle_timeout = chrono::Duration::minutes(self.session.idle_minutes);
        p.absolute_timeout = chrono::Duration::hours(self.session.absolute_hours);
        p.max_failures = self.login.max_failures;
        p.lockout = chrono::Duration::minutes(self.login.lockout_minutes);
        p.ip_max_failures = self.auth.ip_max_failures;
        p.ip_window = chrono::Duration::minutes(self.auth.ip_window_minutes);
        p.totp_required = self.totp_required_roles()?;
        Ok(p)
    }

    /// The roles that must enrol TOTP (`[auth] totp_required_roles`; unset: the three duties).
    pub fn totp_required_roles(&self) -> Result<Vec<kaifaqu_domain::Role>> {
        match &self.auth.totp_required_roles {
            None => Ok(kaifaqu_store::auth::DUTY_ROLES.to_vec()),
            Some(codes) => codes
                .iter()
                .map(|c| {
                    kaifaqu_domain::Role::parse(c.trim()).ok_or_else(|| {
                        anyhow::anyhow!(
                            "[auth] totp_required_roles 中的“{c}”不是角色代码（admin、security_admin、audit_admin、leader、staff、viewer、city）"
                        )
                    })
                })
                .collect(),
        }
    }

    /// The URL of the operator's commands and migrations: the owner's when configured.
    pub fn admin_url(&self) -> &str {
        if self.database_migrate_url.is_empty() { &self.database_url } else { &self.database_migrate_url }
    }

    fn check(&self) -> Result<()> {
        self.profile()?;
        self.totp_required_roles()?;
        let pg = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
        if !self.database_migrate_url.is_empty() && (!pg(&self.database_url) || !pg(&self.database_migrate_url)) {
            bail!(
                "database_migrate_url 只用于 PostgreSQL：database_url 与 database_migrate_url 都应为 postgres:// 地址"
            );
        }
        if self.auth.ip_max_failures < 1 || self.auth.ip_window_minutes < 1 {
            bail!("[auth] 按地址限制登录的设置有误：失败次数和时间窗口都至少为 1");
        }
        if self.session.idle_minutes < 1 || self.session.absolute_hours < 1 {
            bail!("会话超时设置有误：空闲超时至少 1 分钟，绝对超时至少 1 小时");
        }
        if self.login.max_failures < 1 || self.login.lockout_minutes < 1 {
            bail!("登录锁定设置有误：失败次数和锁定时长都至少为 1");
        }
        if self.notify.scheduler_minutes < 1 {
            bail!("提醒检查间隔至少 1 分钟");
        }
        if !["generic", "dingtalk", "wecom"].contains(&self.notify.webhook_format.as_str()) {
            bail!("webhook_format 应为 generic、dingtalk 或 wecom");
        }
        if !self.notify.webhook_url.is_empty() && !self.notify.webhook_url.starts_with("http") {
            bail!("webhook_url 应以 http:// 或 https:// 开头");
        }
        self.notify.digest_time()?;
        if self.limits.body_mib < 1 || self.limits.upload_mib < 1 || self.attachments.max_mib < 1 {
            bail!("大小限制至少为 1 MiB");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_when_nothing_is_given() {
        let c = Config::load(None, &env(&[]), &Flags::default()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/kaifaqu.db");
        assert_eq!(c.session.idle_minutes, 30);
        assert_eq!(c.login.max_failures, 5);
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = std::env::temp_dir().join(format!("kfq-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("k.toml");
        std::fs::write(
            &f,
            "listen = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite://file.db\"\n[session]\nidle_minutes = 10\n",
        )
        .unwrap();
        let c = Config::load(Some(&f), &env(&[]), &Flags::default()).unwrap();
        assert_eq!((c.listen.as_str(), c.session.idle_minutes, c.session.absolute_hours), ("0.0.0.0:9000", 10, 12));
        let e = env(&[("KAIFAQU_DATABASE_URL", "sqlite://env.db"), ("KAIFAQU_SESSION_IDLE_MINUTES", "20")]);
        let c = Config::load(Some(&f), &e, &Flags::default()).unwrap();
        assert_eq!((c.database_url.as_str(), c.session.idle_minutes), ("sqlite://env.db", 20));
        let flags = Flags { database: Some("sqlite://flag.db".into()), listen: None };
        let c = Config::load(Some(&f), &e, &flags).unwrap();
        assert_eq!((c.database_url.as_str(), c.listen.as_str()), ("sqlite://flag.db", "0.0.0.0:9000"));
    }

    #[test]
    fn the_migrate_url_is_the_owners_and_postgresql_only() {
        let e = env(&[
            ("KAIFAQU_DATABASE_URL", "postgres://kaifaqu_app:a@h/k"),
            ("KAIFAQU_DATABASE_MIGRATE_URL", "postgres://kaifaqu:o@h/k"),
        ]);
        let c = Config::load(None, &e, &Flags::default()).unwrap();
        assert_eq!(
            (c.database_url.as_str(), c.admin_url()),
            ("postgres://kaifaqu_app:a@h/k", "postgres://kaifaqu:o@h/k")
        );
        assert_eq!(Config::default().admin_url(), "sqlite://data/kaifaqu.db");
        let e = env(&[("KAIFAQU_DATABASE_MIGRATE_URL", "postgres://kaifaqu:o@h/k")]);
        let err = Config::load(None, &e, &Flags::default()).unwrap_err().to_string();
        assert!(err.contains("database_migrate_url"), "{err}");
    }

    #[test]
    fn typos_and_bad_values_are_errors() {
        let dir = std::env::temp_dir().join(format!("kfq-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("k.toml");
        std::fs::write(&f, "lisen = \"x\"\n").unwrap();
        assert!(Config::load(Some(&f), &env(&[]), &Flags::default()).is_err());
        let e = env(&[("KAIFAQU_SESSION_IDLE_MINUTES", "half an hour")]);
        let msg = format!("{:#}", Config::load(None, &e, &Flags::default()).unwrap_err());
        assert!(msg.contains("KAIFAQU_SESSION_IDLE_MINUTES"), "{msg}");
        assert!(Config::load(Some(&dir.join("missing.toml")), &env(&[]), &Flags::default()).is_err());
    }

    #[test]
    fn the_digest_time_is_a_time_or_off() {
        let c = Config::load(None, &env(&[]), &Flags::default()).unwrap();
        assert_eq!(c.notify.digest_time().unwrap(), chrono::NaiveTime::from_hms_opt(8, 30, 0));
        let c = Config::load(None, &env(&[("KAIFAQU_NOTIFY_DIGEST_TIME", "")]), &Flags::default()).unwrap();
        assert_eq!(c.notify.digest_time().unwrap(), None);
        let e = env(&[("KAIFAQU_NOTIFY_DIGEST_TIME", "8点半")]);
        let msg = format!("{:#}", Config::load(None, &e, &Flags::default()).unwrap_err());
        assert!(msg.contains("digest_time"), "{msg}");
    }

    #[test]
    fn the_auth_profile_is_named_and_checked() {
        let c = Config::load(None, &env(&[]), &Flags::default()).unwrap();
        let p = c.auth_policy().unwrap();
        assert_eq!(p.profile, kaifaqu_domain::password::Profile::Dengbao);
        assert_eq!(p.password_max_age, Some(chrono::Duration::days(90)));
        let c = Config::load(None, &env(&[("KAIFAQU_AUTH_PROFILE", "asvs")]), &Flags::default()).unwrap();
        let p = c.auth_policy().unwrap();
        assert_eq!((p.profile, p.password_max_age), (kaifaqu_domain::password::Profile::Asvs, None));
        let msg = format!(
            "{:#}",
            Config::load(None, &env(&[("KAIFAQU_AUTH_PROFILE", "strict")]), &Flags::default()).unwrap_err()
        );
        assert!(msg.contains("profile"), "{msg}");
        assert_eq!(c.crypto_key_file(), PathBuf::from("data/crypto.key"));
    }

    #[test]
    fn example_file_documents_every_key_and_parses() {
        let text = include_str!("../../../kaifaqu.example.toml");
        let c: Config = toml::from_str(text).expect("example parses");
        assert_eq!(c, Config::default(), "the example shows the defaults");
    }
}
