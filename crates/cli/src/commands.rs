//! The subcommands.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use kaifaqu_domain::zone::ZoneForm;
use kaifaqu_store::attachments::Storage;
use kaifaqu_store::backup::BackupOutcome;
use kaifaqu_store::demo::DemoOutcome;
use kaifaqu_store::users::{Home, UserForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, users, zones};
use kaifaqu_web::{AppState, Limits};

use crate::config::Config;

/// The audit name of command-line changes.
const CLI_ACTOR: &str = "命令行";

pub fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Opens the database and runs migrations; errors say what to do. With `database_migrate_url`
/// (PostgreSQL) the commands connect as the tables' owner. Command-line work sees every zone
/// (row-level security's '*', the default of a `Db` outside `rls::scoped`).
pub(crate) async fn open(cfg: &Config) -> Result<Db> {
    let db = kaifaqu_store::open(cfg.admin_url()).await.map_err(store_err)?;
    install_keys_and_seal(cfg, &db).await?;
    tracing::info!(database = %db.display_url(), "database ready");
    Ok(db)
}

/// The deployment's keys, then personal data still in plain text sealed under them. Called
/// after the database opened, so a database that cannot be opened leaves no key file behind.
async fn install_keys_and_seal(cfg: &Config, db: &Db) -> Result<()> {
    // the audit chain's key, before anything is written
    let key_file = cfg.audit_key_file();
    let key = kaifaqu_store::audit_chain::load_or_create_key_file(&key_file).map_err(store_err)?;
    kaifaqu_store::audit_chain::install_key(key).map_err(store_err)?;
    // the data-encryption keys (TOTP secrets, phone numbers) and the password profile of
    // admin-set passwords (watched: a `kaifaqu keys rotate` by another process is picked up
    // without a restart)
    kaifaqu_store::crypto::install_file(&cfg.crypto_key_file()).map_err(store_err)?;
    kaifaqu_store::auth::install_profile(cfg.profile()?);
    // phone numbers left in plain text by rows older than schema 15 or a raw bulk load
    // (`demo --scale`), sealed under the deployment's key — never the development one
    kaifaqu_store::sensitive::seal_plaintext(db).await.map_err(store_err)?;
    Ok(())
}

pub(crate) fn store_err(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => anyhow!("{i}"),
        other => anyhow!("{other}"),
    }
}

fn print_demo(outcome: &DemoOutcome) {
    match outcome {
        DemoOutcome::Loaded { password, accounts } => {
            println!("已载入演示数据：襄垣经济技术开发区及长治市 7 个示例开发区。");
            println!("演示账号（密码相同，只显示这一次）：");
            for (login, role) in accounts {
                println!("  {login:<8} {role}");
            }
            println!("  密码：{password}");
        }
        DemoOutcome::AlreadyLoaded => {
            println!("演示数据已存在（密码见首次载入时的输出；可用 `kaifaqu user passwd admin` 重设）。");
        }
    }
}

pub async fn serve(cfg: &Config, demo: bool) -> Result<()> {
    let db = open(cfg).await?;
    if demo {
        let outcome = kaifaqu_store::demo::load(&db).await.map_err(store_err)?;
        print_demo(&outcome);
    }
    // the server: as the app role when `database_migrate_url` is set (migrated and granted by
    // the owner), and every request limited at the database to its user's zones (`rls`)
    let db = if cfg.database_migrate_url.is_empty() {
        db.deny_unscoped();
        db
    } else {
        db.close().await;
        kaifaqu_store::rls::open_for_server(&cfg.database_url, Some(&cfg.database_migrate_url))
            .await
            .map_err(store_err)?
    };
    let storage = Storage::local(&cfg.attachments.dir, cfg.attachments.max_mib * 1024 * 1024).map_err(store_err)?;
    let mut policy = cfg.auth_policy()?;
    if demo && cfg.auth.totp_required_roles.is_none() {
        // A5: the demo's shared accounts would lock each other out once one visitor enrolled a
        // phone; a demo requires no second factor unless the configuration names roles
        policy.totp_required.clear();
        println!("演示模式：不强制动态口令（正式部署时系统管理员、审计管理员、安全管理员须绑定动态口令）。");
    }
    let state = AppState {
        db,
        storage,
        policy: Arc::new(policy),
        limits: Limits {
            body_bytes: cfg.limits.body_mib * 1024 * 1024,
            upload_bytes: cfg.limits.upload_mib * 1024 * 1024,
        },
        secure_cookies: cfg.secure_cookies,
        trust_proxy: cfg.trust_proxy,
        notify: kaifaqu_web::Notify {
            scheduler: true,
            interval: std::time::Duration::from_secs(cfg.notify.scheduler_minutes * 60),
            webhook_url: Some(cfg.notify.webhook_url.clone()).filter(|u| !u.is_empty()),
            webhook_format: cfg.notify.webhook_format.clone(),
            digest_time: cfg.notify.digest_time()?,
        },
        login_guard: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("无法监听 {}（端口被占用或地址有误？可用 --listen 换一个）", cfg.listen))?;
    let addr = listener.local_addr()?;
    println!("kaifaqu 已启动：请用浏览器打开 http://{addr}/ （按 Ctrl+C 停止）");
    if let Some(warning) = plain_http_warning(addr, cfg.secure_cookies) {
        println!("{warning}");
    }
    if demo {
        println!("登录名 admin（系统管理员），密码见上。");
    }
    kaifaqu_web::serve(listener, state).await?;
    println!("kaifaqu 已停止。");
    Ok(())
}

/// B4: on plain HTTP the session cookie cannot carry `Secure` nor the `__Host-` prefix, and
/// passwords cross the network readable. That is fine on this machine (loopback); served to other
/// machines it must sit behind HTTPS (a reverse proxy) with `secure_cookies = true`. The server
/// still starts — an office may try it on its LAN first — but says so every time.
fn plain_http_warning(addr: std::net::SocketAddr, secure_cookies: bool) -> Option<&'static str> {
    (!secure_cookies && !addr.ip().is_loopback()).then_some(
        "警告：本服务以明文 HTTP 对其他计算机开放，口令和会话可被同一网络中的人截获。\
         正式使用请在前面部署 HTTPS（反向代理），并在配置中设置 secure_cookies = true（等保要求传输加密）。",
    )
}

pub async fn demo(cfg: &Config) -> Result<()> {
    let db = open(cfg).await?;
    let outcome = kaifaqu_store::demo::load(&db).await.map_err(store_err)?;
    print_demo(&outcome);
    Ok(())
}

/// `kaifaqu demo --scale …`: generates the scale data set into an empty database and prints
/// the rows written, the rate, the digest and the logins (every account has the printed password,
/// or `KAIFAQU_DEMO_PASSWORD` when set).
pub async fn demo_scale(cfg: &Config, scale: &str, seed: u64) -> Result<()> {
    let Some(s) = kaifaqu_store::demo_scale::Scale::parse(scale) else {
        bail!("未知的规模“{scale}”：可选 zone、city、province、national");
    };
    let db = open(cfg).await?;
    let password = std::env::var("KAIFAQU_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| format!("Kfq#{}", kaifaqu_store::auth::random_hex(6)));
    let report = kaifaqu_store::demo_scale::generate(&db, &s, seed, &password).await.map_err(store_err)?;
    println!("已生成规模数据 {}（种子 {}）：", report.scale, report.seed);
    for (table, n) in &report.rows {
        println!("  {table:<18} {n:>12}");
    }
    println!(
        "  合计 {} 行，用时 {:.1} 秒，{} 行/秒",
        report.total(),
        report.elapsed.as_secs_f64(),
        report.rows_per_second()
    );
    println!("  摘要：{}", report.digest());
    println!("账号（密码相同）：{}", report.logins.join("、"));
    println!("  密码：{password}");
    Ok(())
}

pub async fn migrate(cfg: &Config) -> Result<()> {
    let db = Db::connect(cfg.admin_url()).await.map_err(store_err)?;
    let applied = kaifaqu_store::migrate::run(&db).await.map_err(store_err)?;
    install_keys_and_seal(cfg, &db).await?;
    let now = kaifaqu_store::migrate::current_version(&db).await.map_err(store_err)?;
    if applied.is_empty() {
        println!("数据库结构已是最新（版本 {now}）。");
    } else {
        println!("已升级数据库结构：应用了 {applied:?}，当前版本 {now}。");
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ZoneCommand {
    /// Add a development zone.
    Add {
        #[arg(long)]
        name: String,
        /// national or provincial (国家级 / 省级).
        #[arg(long, default_value = "provincial")]
        level: String,
        /// Six-digit administrative-division code, e.g. 140423.
        #[arg(long)]
        region: String,
        /// City name, e.g. 长治市.
        #[arg(long)]
        city: String,
        /// Chemical-park risk grade A–D (omit for none).
        #[arg(long, default_value = "")]
        risk_grade: String,
        /// Number of staff posts (编制数).
        #[arg(long, default_value = "0")]
        posts: String,
    },
    /// List zones.
    List,
}

pub async fn zone(cfg: &Config, cmd: ZoneCommand) -> Result<()> {
    let db = open(cfg).await?;
    match cmd {
        ZoneCommand::Add { name, level, region, city, risk_grade, posts } => {
            let form = ZoneForm { name, level, region_code: region, city_name: city, risk_grade, staff_posts: posts };
            let input = form.validate().map_err(|e| anyhow!("{e}"))?;
            let z = zones::create(&db, &Actor::system(CLI_ACTOR), &input, false).await.map_err(store_err)?;
            println!("已新增开发区 #{}：{}", z.id, z.name);
        }
        ZoneCommand::List => {
            for z in zones::list(&db, &Scope::System).await.map_err(store_err)? {
                println!("#{:<4} {}  {}  {}  {}", z.id, z.name, z.level_label(), z.region_code, z.risk_label());
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is asked for (or read from standard input).
    Add {
        #[arg(long)]
        login: String,
        /// Display name (姓名); defaults to the login name.
        #[arg(long)]
        name: Option<String>,
        /// admin, leader, staff, viewer, city, audit_admin (审计管理员) or security_admin (安全管理员).
        #[arg(long, default_value = "staff")]
        role: String,
        /// Shorthand for --role admin.
        #[arg(long)]
        admin: bool,
        /// The zone, by name (required unless --city).
        #[arg(long)]
        zone: Option<String>,
        /// For city-level users: the city's six-digit code, e.g. 140400.
        #[arg(long)]
        city: Option<String>,
    },
    /// Set a user's password (asked for, or read from standard input).
    Passwd { login: String },
    /// List users.
    List,
}

/// A password from a hidden prompt, or the first line of standard input when it is not a terminal.
fn read_password(prompt: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password(prompt)?;
        let again = rpassword::prompt_password("再次输入：")?;
        if p != again {
            bail!("两次输入的密码不一致");
        }
        Ok(p)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub async fn user(cfg: &Config, cmd: UserCommand) -> Result<()> {
    let db = open(cfg).await?;
    let actor = Actor::system(CLI_ACTOR);
    match cmd {
        UserCommand::Add { login, name, role, admin, zone, city } => {
            let role = if admin { "admin".to_string() } else { role };
            let home = match (zone, city) {
                (Some(z), None) => {
                    let found = zones::find_by_name(&db, &z).await.map_err(store_err)?;
                    Home::Zone(found.ok_or_else(|| anyhow!("没有名为“{z}”的开发区（`kaifaqu zone list` 可列出）"))?.id)
                }
                (None, Some(c)) => Home::City(c),
                _ => bail!("请用 --zone 指定所属开发区，或用 --city 指定市级账号所属城市（二者选一）"),
            };
            let password = read_password("密码：")?;
            let form = UserForm {
                display_name: name.unwrap_or_else(|| login.clone()),
                login_name: login,
                role,
                password,
                ..Default::default()
            };
            let u = users::create(&db, &actor, Some(home), &form).await.map_err(store_err)?;
            println!("已新增用户 {}（{}）。", u.login_name, u.role.label());
        }
        UserCommand::Passwd { login } => {
            let u = users::find_by_login(&db, &login)
                .await
                .map_err(store_err)?
                .ok_or_else(|| anyhow!("没有登录名为“{login}”的用户"))?;
            let password = read_password("新密码：")?;
            users::reset_password(&db, &actor, u.id, &password).await.map_err(store_err)?;
            println!("已为 {} 设置新密码（其所有会话已结束）。", u.login_name);
        }
        UserCommand::List => {
            let page =
                users::list(&db, &Scope::System, &users::UserFilter { per_page: Some(500), ..Default::default() })
                    .await
                    .map_err(store_err)?;
            for u in page.rows {
                let state = if !u.active {
                    "停用"
                } else if u.is_locked() {
                    "锁定中"
                } else {
                    "正常"
                };
                println!("{:<16} {:<12} {:<8} {}", u.login_name, u.display_name, u.role.label(), state);
            }
            if page.total > 500 {
                println!("……共 {} 个用户，只列出前 500 个。", page.total);
            }
        }
    }
    Ok(())
}

pub async fn backup(cfg: &Config, file: &Path) -> Result<()> {
    let db = open(cfg).await?;
    match kaifaqu_store::backup::backup(&db, file).await.map_err(store_err)? {
        BackupOutcome::Written { bytes } => {
            println!(
                "已备份到 {}（{} 字节）。可用 --database sqlite://{} 打开检查。",
                file.display(),
                bytes,
                file.display()
            );
        }
        BackupOutcome::UsePgDump { command } => {
            println!("PostgreSQL 数据库请用 pg_dump 备份（在能连接数据库的机器上运行，密码另行输入）：");
            println!("  {command}");
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Add a new data-encryption key, make it the active one and re-encrypt every stored value
    /// with it (old keys stay in the file so that a backup taken before can still be read).
    Rotate,
}

/// `kaifaqu keys rotate`.
pub async fn keys(cfg: &Config, command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Rotate => {
            let db = open(cfg).await?;
            let path = cfg.crypto_key_file();
            let ring = kaifaqu_store::crypto::keyring().rotated().map_err(store_err)?;
            // the file first: a crash after it leaves values under old keys, still readable
            kaifaqu_store::crypto::write_key_file(&path, &ring).map_err(store_err)?;
            kaifaqu_store::crypto::install(ring.clone());
            let done = kaifaqu_store::crypto::reencrypt_all(&db, &ring).await.map_err(store_err)?;
            println!(
                "已生成新密钥 {}（写入 {}），{} 个加密值已改用新密钥重新加密（{} 个原已是新密钥）。",
                ring.active_id(),
                path.display(),
                done.values,
                done.already_current
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plain_http_warning;

    #[test]
    fn plain_http_to_other_machines_is_warned_about() {
        let at = |s: &str| s.parse().unwrap();
        assert!(plain_http_warning(at("127.0.0.1:8080"), false).is_none());
        assert!(plain_http_warning(at("[::1]:8080"), false).is_none());
        let w = plain_http_warning(at("0.0.0.0:8080"), false).expect("warned");
        assert!(w.contains("HTTPS") && w.contains("secure_cookies = true"));
        assert!(plain_http_warning(at("192.168.1.20:8080"), false).is_some());
        assert!(plain_http_warning(at("0.0.0.0:8080"), true).is_none());
    }
}
