//! The binary, run as an operator would run it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use kaifaqu_store::testing;
use sea_orm::{ConnectionTrait, Statement};

fn kaifaqu(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaifaqu"))
        .args(args)
        .current_dir(dir)
        .env_remove("KAIFAQU_DATABASE_URL")
        .env_remove("KAIFAQU_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn bad_database_urls_fail_loudly_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["migrate", "--database", "mysql://u@h/db"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("无法识别的数据库地址"), "{}", text(&o));
    let o = kaifaqu(dir.path(), &["migrate", "--database", "data/k.db"], None);
    assert!(!o.status.success());
    let o = kaifaqu(dir.path(), &["migrate", "--database", "postgres://nobody:secret@127.0.0.1:1/none"], None);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("无法连接 PostgreSQL") && !out.contains("secret"), "{out}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no stray files");
}

#[test]
fn default_database_is_created_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.path().join("data/kaifaqu.db").exists());
    let o = kaifaqu(dir.path(), &["migrate"], None);
    assert!(text(&o).contains("已是最新"));
}

#[test]
fn newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(kaifaqu(dir.path(), &["migrate"], None).status.success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = kaifaqu_store::Db::connect(&format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display()))
            .await
            .unwrap();
        db.conn
            .execute_unprepared("INSERT INTO kaifaqu_schema (version, name, applied_at) VALUES (999, 'future', 'x')")
            .await
            .unwrap();
    });
    let o = kaifaqu(dir.path(), &["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("比本程序支持的版本"), "{}", text(&o));
}

#[test]
fn zone_and_first_admin_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(
        dir.path(),
        &[
            "zone",
            "add",
            "--name",
            "测试开发区",
            "--region",
            "140423",
            "--city",
            "长治市",
            "--risk-grade",
            "D",
            "--posts",
            "31",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let o =
        kaifaqu(dir.path(), &["user", "add", "--admin", "--login", "root1", "--zone", "测试开发区"], Some("weak\n"));
    assert!(!o.status.success());
    assert!(text(&o).contains("密码至少 8 位"), "{}", text(&o));
    let o = kaifaqu(
        dir.path(),
        &["user", "add", "--admin", "--login", "root1", "--zone", "测试开发区"],
        Some("First-admin-9\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = kaifaqu(dir.path(), &["user", "list"], None);
    assert!(text(&o).contains("root1") && text(&o).contains("系统管理员"));
    let o = kaifaqu(dir.path(), &["user", "passwd", "root1"], Some("Second-admin-9\n"));
    assert!(o.status.success(), "{}", text(&o));
    // a database with real data refuses the demo set
    let o = kaifaqu(dir.path(), &["demo"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("已有正式数据"), "{}", text(&o));
}

fn count(db: &kaifaqu_store::Db, table: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let row = db
            .conn
            .query_one_raw(Statement::from_string(db.backend(), format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    })
}

#[test]
fn demo_then_backup_holds_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["demo"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("密码："));
    let o = kaifaqu(dir.path(), &["demo"], None);
    assert!(text(&o).contains("演示数据已存在"), "idempotent");
    let o = kaifaqu(dir.path(), &["backup", "backups/copy.db"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = kaifaqu(dir.path(), &["backup", "backups/copy.db"], None);
    assert!(!o.status.success(), "never overwrites");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (orig, copy) = rt.block_on(async {
        let a = kaifaqu_store::Db::connect(&format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display()))
            .await
            .unwrap();
        let b = kaifaqu_store::Db::connect(&format!("sqlite://{}", dir.path().join("backups/copy.db").display()))
            .await
            .unwrap();
        (a, b)
    });
    for table in ["zones", "departments", "users", "dictionary_items", "audit_log", "kaifaqu_schema"] {
        let (x, y) = (count(&orig, table), count(&copy, table));
        assert!(x > 0, "{table} has rows");
        assert_eq!(x, y, "{table}");
    }
}

#[test]
fn serve_prints_where_to_open_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaifaqu"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("KAIFAQU_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    let url = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(p) = line.trim().strip_prefix("密码：") {
            password = Some(p.to_string());
        }
        if let Some(i) = line.find("http://") {
            break line[i..].split_whitespace().next().unwrap().to_string();
        }
    };
    assert!(password.is_some(), "the demo password is printed");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async { reqwest_get(&format!("{url}healthz")).await });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200);
}

async fn reqwest_get(url: &str) -> u16 {
    // a raw HTTP/1.1 request keeps this crate free of an HTTP client dependency
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    buf.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn postgres_migrate_demo_and_backup_advice() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(url) = rt.block_on(testing::postgres_url()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["demo", "--database", &url], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = kaifaqu(dir.path(), &["backup", "out.dump", "--database", &url], None);
    assert!(o.status.success());
    assert!(text(&o).contains("pg_dump --enable-row-security --format=custom"), "{}", text(&o));
    assert!(!text(&o).contains(":kaifaqu@"), "no password in the advice");
}

#[test]
fn report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["report", "--list"], None);
    assert!(o.status.success() && text(&o).contains("half_year"), "{}", text(&o));
    assert!(kaifaqu(dir.path(), &["demo"], None).status.success());
    let args = ["report", "--zone", "襄垣经济技术开发区", "--template", "half_year", "--period", "2025-H1"];
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "md"]].concat(), None);
    assert!(o.status.success(), "{}", text(&o));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("实行承诺制项目 [22 个](/approvals/cases?"), "{md}");
    assert!(
        md.contains("出让标准地 [3 宗 220.41 亩](/land/parcels?status=transferred&from=2025-01-01&to=2025-06-30)。")
    );
    assert!(md.contains("【待填写："), "no paragraphs written yet");
    // the staff's latest paragraphs go into the command line's report as into the page's
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = kaifaqu_store::Db::connect(&format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display()))
            .await
            .unwrap();
        let zone = kaifaqu_store::zones::list(&db, &kaifaqu_store::Scope::System).await.unwrap()[0].id;
        let mut n = std::collections::BTreeMap::new();
        n.insert("highlights".to_string(), "命令行也写进了这段亮点。".to_string());
        let actor = kaifaqu_store::Actor::system("test");
        kaifaqu_store::report_drafts::save(&db, &actor, zone, "half_year", "2025-H1", &n).await.unwrap();
    });
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "md"]].concat(), None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("命令行也写进了这段亮点。"), "{}", text(&o));
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "docx", "--output", "h1.docx"]].concat(), None);
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(dir.path().join("h1.docx")).unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip package");
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "docx", "--output", "h1.docx"]].concat(), None);
    assert!(!o.status.success() && text(&o).contains("已存在"), "never overwrites");
    for (bad, says) in [("2025-H3", "格式不对"), ("", "格式不对")] {
        let o = kaifaqu(dir.path(), &["report", "--zone", "襄垣经济技术开发区", "--period", bad], None);
        assert!(!o.status.success() && text(&o).contains(says), "{bad}: {}", text(&o));
    }
    let o = kaifaqu(dir.path(), &["report", "--zone", "无此开发区", "--period", "2025-H1"], None);
    assert!(!o.status.success() && text(&o).contains("找不到开发区"));
}

#[test]
fn report_tables_checks_and_the_zones_template_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(kaifaqu(dir.path(), &["demo"], None).status.success());
    let args = ["report", "--zone", "襄垣经济技术开发区", "--template", "half_year", "--period", "2025-H1"];
    // the tables as a workbook, without problems: nothing on standard error but the summary
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "xlsx", "--output", "h1.xlsx", "--strict"]].concat(), None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("不一致"), "{}", text(&o));
    assert!(std::fs::read(dir.path().join("h1.xlsx")).unwrap().starts_with(b"PK"));
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "xlsx"]].concat(), None);
    assert!(!o.status.success() && text(&o).contains("--output"));
    // the zone's own copy of the template is used, and its wrong 合计 is reported
    let url = format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = kaifaqu_store::open(&url).await.unwrap();
        let zone = kaifaqu_store::zones::list(&db, &kaifaqu_store::Scope::System).await.unwrap()[0].id;
        let source = kaifaqu_reports::template::builtin("half_year").unwrap().source;
        let wrong = source
            .replace("| 合计 | [{{ plan.count }}]", "| 合计 | [{{ plan.count + 1 }}]")
            .replace("工作计划", "工作安排");
        let actor = kaifaqu_store::Actor::system("测试");
        kaifaqu_store::report_templates::save(&db, &actor, zone, "half_year", &wrong, None).await.unwrap();
        db.close().await;
    });
    let o = kaifaqu(dir.path(), &[&args[..], &["--format", "md"]].concat(), None);
    assert!(o.status.success(), "problems are reported, the report still written: {}", text(&o));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("工作总结和下半年工作安排"), "the zone's template: {md}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("报告核对发现 1 处不一致") && err.contains("为 59，但上面各行之和为 58"), "{err}");
    let o =
        kaifaqu(dir.path(), &[&args[..], &["--format", "docx", "--output", "strict.docx", "--strict"]].concat(), None);
    assert!(!o.status.success() && text(&o).contains("--strict"), "{}", text(&o));
    assert!(!dir.path().join("strict.docx").exists(), "nothing written");
}

#[test]
fn audit_verify_finds_the_log_intact_and_then_the_altered_record() {
    let dir = tempfile::tempdir().unwrap();
    assert!(kaifaqu(dir.path(), &["demo"], None).status.success());
    let key = dir.path().join("data/audit.key");
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(key_text.trim().len(), 64, "a 256-bit key in hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let o = kaifaqu(dir.path(), &["audit", "verify"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计日志完整"), "{}", text(&o));
    // a backup verifies with the same key
    assert!(kaifaqu(dir.path(), &["backup", "copy.db"], None).status.success());
    let o = kaifaqu(dir.path(), &["audit", "verify", "--database", "sqlite://copy.db"], None);
    assert!(o.status.success() && text(&o).contains("审计日志完整"), "{}", text(&o));

    // someone with the database but not the key changes a record
    let rt = tokio::runtime::Runtime::new().unwrap();
    let id: i64 = rt.block_on(async {
        let db = kaifaqu_store::Db::connect(&format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display()))
            .await
            .unwrap();
        db.conn.execute_unprepared("DROP TRIGGER audit_log_no_update").await.unwrap();
        let row = db
            .conn
            .query_one_raw(Statement::from_string(db.backend(), "SELECT MAX(id) AS id FROM audit_log"))
            .await
            .unwrap()
            .unwrap();
        let id: i64 = row.try_get("", "id").unwrap();
        db.conn
            .execute_unprepared(&format!("UPDATE audit_log SET login_name = 'someone' WHERE id = {id}"))
            .await
            .unwrap();
        id
    });
    let o = kaifaqu(dir.path(), &["audit", "verify"], None);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("审计日志被改动") && out.contains(&format!("审计记录 #{id}")), "{out}");
    // and the wrong key does not verify even the untouched copy
    std::fs::write(&key, format!("{}\n", "0".repeat(64))).unwrap();
    let o = kaifaqu(dir.path(), &["audit", "verify", "--database", "sqlite://copy.db"], None);
    assert!(!o.status.success(), "{}", text(&o));
}
