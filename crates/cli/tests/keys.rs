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
        // as the server would: the deployment's keys
        audit_chain::install_key(audit_chain::load_or_create_key_file(&dir.path().join("data/audit.key")).unwrap())
            .unwrap();
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
