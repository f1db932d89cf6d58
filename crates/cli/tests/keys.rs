//! `kaifaqu keys rotate` (issue 10 K1): a new active key in the key file, every encrypted value
//! re-encrypted with it, the old key kept so that older values and backups stay readable.

use std::process::{Command, Output};

use kaifaqu_store::{Actor, Db, audit_chain, auth, crypto, totp, users};
use sea_orm::{ConnectionTrait, Statement};

fn kaifaqu(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaifaqu"))
        .args(args)
        .current_dir(dir)
        .env_remove("KAIFAQU_DATABASE_URL")
        .env_remove("KAIFAQU_CONFIG")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn stored_secret(db: &Db) -> String {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT totp_secret AS v FROM users WHERE login_name = 'staff'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "v").unwrap()
}

#[test]
fn keys_rotate_reencrypts_the_totp_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let key_file = dir.path().join("data/crypto.key");
    let first = crypto::load_or_create_key_file(&key_file).unwrap();
    assert_eq!(first.ids(), vec![1], "created with the database");
    let url = format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (secret, before) = rt.block_on(async {
        // as the server would: the deployment's keys (the other test of this process may have
        // installed its own audit key first: the key is set once per process, and neither test
        // verifies its audit records)
        let _ =
            audit_chain::install_key(audit_chain::load_or_create_key_file(&dir.path().join("data/audit.key")).unwrap());
        crypto::install(first.clone());
        let db = Db::connect(&url).await.unwrap();
        let u = users::find_by_login(&db, "staff").await.unwrap().unwrap();
        let me: Actor = auth::actor_of(&u, None);
        let b32 = auth::totp_begin(&db, &me).await.unwrap();
        let secret = totp::base32_decode(&b32).unwrap();
        auth::totp_confirm(&db, &me, &totp::code_at(&secret, totp::current_step())).await.unwrap();
        let before = stored_secret(&db).await;
        db.close().await;
        (secret, before)
    });
    assert_eq!(crypto::key_id_of(&before), Some(1));

    let o = kaifaqu(dir.path(), &["keys", "rotate"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 个加密值已改用新密钥"), "{}", text(&o));
    println!("{}", text(&o).trim());

    let second = crypto::load_or_create_key_file(&key_file).unwrap();
    assert_eq!((second.ids(), second.active_id()), (vec![1, 2], 2));
    rt.block_on(async {
        let db = Db::connect(&url).await.unwrap();
        let after = stored_secret(&db).await;
        assert_eq!(crypto::key_id_of(&after), Some(2));
        let id = users::find_by_login(&db, "staff").await.unwrap().unwrap().id;
        let ctx = format!("users.totp_secret:{id}");
        assert_eq!(second.decrypt(&after, &ctx).unwrap(), secret);
        assert_eq!(second.decrypt(&before, &ctx).unwrap(), secret, "the old key stays for old values");
        assert!(first.decrypt(&after, &ctx).is_err(), "the old keyring alone cannot read the new value");
        // the server with the rotated keys: the code still works
        crypto::install(second.clone());
        let policy = auth::AuthPolicy::default();
        let u = users::find_by_login(&db, "staff").await.unwrap().unwrap();
        let code = totp::code_at(&secret, totp::current_step() + 1);
        assert!(auth::login_second_factor(&db, &policy, u.id, &code, None, None).await.unwrap().is_some());
        db.close().await;
    });
    // a second rotation: key 3, nothing left under old keys afterwards
    let o = kaifaqu(dir.path(), &["keys", "rotate"]);
    assert!(o.status.success() && text(&o).contains("新密钥 3"), "{}", text(&o));
}

/// The value of `name="<field>" value="…"` in a page.
fn field_in(html: &str, field: &str) -> Option<String> {
    let pat = format!("name=\"{field}\" value=\"");
    let i = html.find(&pat)? + pat.len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

/// A login through the server's form, password then TOTP code; the status of the last step.
async fn http_login(url: &str, login: &str, password: &str, code: &str) -> reqwest::StatusCode {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = c.get(format!("{url}/login")).send().await.unwrap().text().await.unwrap();
    let token = field_in(&page, "_csrf");
    let mut form = vec![("login_name", login.to_string()), ("password", password.to_string()), ("next", "/".into())];
    if let Some(t) = &token {
        form.push(("_csrf", t.clone()));
    }
    let r = c.post(format!("{url}/login")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200, "the password step asks for the code");
    let mfa = field_in(&r.text().await.unwrap(), "mfa").expect("the code form");
    let mut form = vec![("mfa", mfa), ("code", code.to_string()), ("next", "/".into())];
    if let Some(t) = token {
        form.push(("_csrf", t));
    }
    c.post(format!("{url}/login")).form(&form).send().await.unwrap().status()
}

/// `kaifaqu keys rotate` while the server runs: the server has only key 1 loaded, the rotation
/// re-encrypts the TOTP secret under key 2 in the database, and the next TOTP login through the
/// running server still works (it reads the key file again when a value names a key it lacks).
#[test]
fn a_rotation_reaches_the_running_server_without_a_restart() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let o = kaifaqu(dir.path(), &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let password = String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("密码：").map(str::to_string))
        .expect("the demo password");
    let key_file = dir.path().join("data/crypto.key");
    let url = format!("sqlite://{}", dir.path().join("data/kaifaqu.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let secret = rt.block_on(async {
        // (the other test of this process may have installed its own audit key first: this
        // test's audit records need not verify)
        let _ =
            audit_chain::install_key(audit_chain::load_or_create_key_file(&dir.path().join("data/audit.key")).unwrap());
        crypto::install(crypto::load_or_create_key_file(&key_file).unwrap());
        let db = Db::connect(&url).await.unwrap();
        let u = users::find_by_login(&db, "staff").await.unwrap().unwrap();
        let me: Actor = auth::actor_of(&u, None);
        let b32 = auth::totp_begin(&db, &me).await.unwrap();
        let secret = totp::base32_decode(&b32).unwrap();
        auth::totp_confirm(&db, &me, &totp::code_at(&secret, totp::current_step() - 1)).await.unwrap();
        db.close().await;
        secret
    });

    let mut server = Command::new(env!("CARGO_BIN_EXE_kaifaqu"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("KAIFAQU_DATABASE_URL")
        .env_remove("KAIFAQU_CONFIG")
        .env("KAIFAQU_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        if let Some(i) = line.find("http://") {
            break line[i..].split_whitespace().next().unwrap().trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let step = totp::current_step();
    let before = rt.block_on(http_login(&base, "staff", &password, &totp::code_at(&secret, step)));
    let o = kaifaqu(dir.path(), &["keys", "rotate"]);
    let rotated = text(&o);
    // the same server, not restarted: the secret is under key 2 now
    let after = rt.block_on(http_login(&base, "staff", &password, &totp::code_at(&secret, step + 1)));
    let _ = server.kill();
    let _ = server.wait();
    assert!(o.status.success(), "{rotated}");
    assert!(rotated.contains("1 个加密值已改用新密钥"), "{rotated}");
    assert_eq!(before, 303, "TOTP login before the rotation");
    assert_eq!(after, 303, "TOTP login after the rotation, same server process");
    let stored = rt.block_on(async {
        let db = Db::connect(&url).await.unwrap();
        let v = stored_secret(&db).await;
        db.close().await;
        v
    });
    assert_eq!(crypto::key_id_of(&stored), Some(2));
    println!("key rotation with the server running: TOTP login 303 before, rotated to key 2, 303 after (no restart)");
}
