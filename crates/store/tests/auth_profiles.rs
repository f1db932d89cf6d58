//! Authentication profiles (等保 / ASVS), password expiry, the TOTP second factor and the
//! encryption of its secret at rest with key rotation (issue 10 A2, A5, K1). Every body runs on
//! SQLite, and on PostgreSQL when configured.

use kaifaqu_domain::Role;
use kaifaqu_domain::password::Profile;
use kaifaqu_store::auth::{self, AuthPolicy, LoginOutcome, TotpState};
use kaifaqu_store::crypto::{self, Keyring};
use kaifaqu_store::users::{self, Home, UserForm};
use kaifaqu_store::{Actor, Db, Engine, Scope, StoreError, db_test, demo, totp, zones};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

async fn demo_db(db: &Db) -> (i64, i64) {
    match demo::load(db).await.unwrap() {
        demo::DemoOutcome::Loaded { .. } => {}
        demo::DemoOutcome::AlreadyLoaded => panic!("fresh database"),
    }
    let zs = zones::list(db, &Scope::System).await.unwrap();
    (zs[0].id, zs[1].id)
}

/// Creates a staff member of `zone` and returns their actor.
async fn staff(db: &Db, zone: i64, login: &str, password: &str) -> Actor {
    let f = UserForm {
        login_name: login.into(),
        display_name: "测试".into(),
        role: "staff".into(),
        password: password.into(),
        ..Default::default()
    };
    let u = users::create(db, &Actor::system("test"), Some(Home::Zone(zone)), &f).await.unwrap();
    auth::actor_of(&u, None)
}

/// One text column of a user, read with raw SQL (what someone with the database file sees).
async fn raw_column(db: &Db, login: &str, column: &str) -> Option<String> {
    let sql = match db.backend() {
        DbBackend::Postgres => format!("SELECT {column} AS v FROM users WHERE login_name = $1"),
        _ => format!("SELECT {column} AS v FROM users WHERE login_name = ?"),
    };
    let row = db.conn.query_one_raw(Statement::from_sql_and_values(db.backend(), sql, [login.into()])).await.unwrap();
    row.and_then(|r| r.try_get::<Option<String>>("", "v").unwrap())
}

/// Moves the time the password was set `days` into the past.
async fn age_password(db: &Db, login: &str, days: i64) {
    let sql = match db.engine {
        Engine::Postgres => format!(
            "UPDATE users SET password_changed_at = now() - interval '{days} days', created_at = now() - interval '{days} days' WHERE login_name = '{login}'"
        ),
        Engine::Sqlite => format!(
            "UPDATE users SET password_changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-{days} days'), created_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-{days} days') WHERE login_name = '{login}'"
        ),
    };
    db.conn.execute_unprepared(&sql).await.unwrap();
}

async fn set_last_step(db: &Db, login: &str, step: i64) {
    db.conn
        .execute_unprepared(&format!("UPDATE users SET totp_last_step = {step} WHERE login_name = '{login}'"))
        .await
        .unwrap();
}

db_test!(the_profile_decides_the_rules_and_the_expiry, |db: Db| async move {
    let (a, _) = demo_db(&db).await;
    let dengbao = AuthPolicy::for_profile(Profile::Dengbao);
    let asvs = AuthPolicy::for_profile(Profile::Asvs);
    let me = staff(&db, a, "zhao", "Start-pass1").await;
    // a 10-character password: accepted by 等保, refused by ASVS (12 at least)
    let e = auth::change_own_password_with(&db, &asvs, &me, "Start-pass1", "Tq7#mZ2vxw").await.unwrap_err();
    assert!(matches!(&e, StoreError::Invalid(i) if i.message_for("new_password").is_some_and(|m| m.contains("12"))));
    auth::change_own_password_with(&db, &dengbao, &me, "Start-pass1", "Tq7#mZ2vxw").await.unwrap();
    // a long phrase of one class: ASVS yes, 等保 no
    let e = auth::change_own_password_with(&db, &dengbao, &me, "Tq7#mZ2vxw", "quiet river under stone").await;
    assert!(e.is_err());
    auth::change_own_password_with(&db, &asvs, &me, "Tq7#mZ2vxw", "quiet river under stone").await.unwrap();

    // fresh password: no change forced under either profile
    let s = auth::login(&db, &dengbao, "zhao", "quiet river under stone", None, None).await.unwrap().unwrap();
    assert!(!s.session.user.must_change_password);
    // 91 days later: 等保 forces the change (at login and on every request), ASVS does not
    age_password(&db, "zhao", 91).await;
    let s = auth::login(&db, &dengbao, "zhao", "quiet river under stone", None, None).await.unwrap().unwrap();
    assert!(s.session.user.must_change_password, "等保: 90-day expiry");
    assert!(auth::session(&db, &dengbao, &s.token).await.unwrap().unwrap().user.must_change_password);
    assert!(auth::password_expired(&db, &dengbao, me.user_id.unwrap()).await.unwrap());
    let s2 = auth::login(&db, &asvs, "zhao", "quiet river under stone", None, None).await.unwrap().unwrap();
    assert!(!s2.session.user.must_change_password, "ASVS: no periodic change");
    // changing it starts the count again
    auth::change_own_password_with(&db, &dengbao, &me, "quiet river under stone", "Fresh#pass22").await.unwrap();
    let s = auth::login(&db, &dengbao, "zhao", "Fresh#pass22", None, None).await.unwrap().unwrap();
    assert!(!s.session.user.must_change_password);
    println!(
        "profiles: 10-character password 等保 accepted / ASVS refused; 91-day-old password forced to change under 等保, not under ASVS"
    );
});

db_test!(totp_enrolment_login_replay_and_reset, |db: Db| async move {
    let (a, b) = demo_db(&db).await;
    let policy = AuthPolicy::default();
    let me = staff(&db, a, "qian", "Start-pass1").await;
    assert_eq!(auth::totp_state(&db, &me).await.unwrap(), TotpState::Off);
    let secret_b32 = auth::totp_begin(&db, &me).await.unwrap();
    assert_eq!(auth::totp_state(&db, &me).await.unwrap(), TotpState::Pending { secret: secret_b32.clone() });
    let secret = totp::base32_decode(&secret_b32).unwrap();
    // not yet confirmed: the password alone still signs in
    assert!(matches!(
        auth::login_first_factor(&db, &policy, "qian", "Start-pass1", None, None).await.unwrap(),
        LoginOutcome::Session(_)
    ));
    // a wrong code does not confirm
    let now = totp::current_step();
    let wrong = if totp::code_at(&secret, now) == "000000" { "111111" } else { "000000" };
    assert!(auth::totp_confirm(&db, &me, wrong).await.is_err());
    auth::totp_confirm(&db, &me, &totp::code_at(&secret, now)).await.unwrap();
    assert_eq!(auth::totp_state(&db, &me).await.unwrap(), TotpState::On);

    // the secret at rest: SM4-GCM with its algorithm and key id, never the secret itself
    let stored = raw_column(&db, "qian", "totp_secret").await.unwrap();
    assert!(stored.starts_with("sm4gcm:0:"), "{stored}");
    assert!(!stored.to_uppercase().contains(&secret_b32[..16]));
    assert!(raw_column(&db, "qian", "totp_pending").await.is_none());

    // the password now leads to the code
    let LoginOutcome::SecondFactor { user_id } =
        auth::login_first_factor(&db, &policy, "qian", "Start-pass1", None, None).await.unwrap()
    else {
        panic!("the code is asked for");
    };
    assert!(auth::login(&db, &policy, "qian", "Start-pass1", None, None).await.unwrap().is_none(), "no bypass");
    // the code used to confirm is spent (replay), a wrong one is refused
    let step = totp::current_step();
    set_last_step(&db, "qian", step).await;
    assert!(
        auth::login_second_factor(&db, &policy, user_id, &totp::code_at(&secret, step), None, None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(auth::login_second_factor(&db, &policy, user_id, wrong, None, None).await.unwrap().is_none());
    // as if a minute had passed: the previous step's code is accepted once, then replayed
    set_last_step(&db, "qian", step - 2).await;
    let prev = totp::code_at(&secret, totp::current_step() - 1);
    assert!(auth::login_second_factor(&db, &policy, user_id, &prev, None, None).await.unwrap().is_some());
    assert!(auth::login_second_factor(&db, &policy, user_id, &prev, None, None).await.unwrap().is_none(), "replay");

    // reset: only 安全管理 in the user's zone; another zone's admin gets NotFound
    let admin = Actor {
        user_id: Some(1),
        login_name: "admin".into(),
        role: Role::Admin,
        zone_id: Some(a),
        city_code: None,
        ip: None,
    };
    assert!(matches!(auth::totp_reset(&db, &admin, user_id).await, Err(StoreError::Forbidden(_))));
    let security_b = Actor { role: Role::SecurityAdmin, zone_id: Some(b), ..admin.clone() };
    assert!(matches!(auth::totp_reset(&db, &security_b, user_id).await, Err(StoreError::NotFound)));
    let security = Actor { role: Role::SecurityAdmin, ..admin };
    auth::totp_reset(&db, &security, user_id).await.unwrap();
    assert_eq!(auth::totp_state(&db, &me).await.unwrap(), TotpState::Off);
    assert!(raw_column(&db, "qian", "totp_secret").await.is_none());
    assert!(matches!(
        auth::login_first_factor(&db, &policy, "qian", "Start-pass1", None, None).await.unwrap(),
        LoginOutcome::Session(_)
    ));
});

db_test!(rotation_reencrypts_every_secret_under_the_new_key, |db: Db| async move {
    let (a, _) = demo_db(&db).await;
    // two enrolled users and one half-way (pending), all under the development key (id 0)
    for login in ["sun", "li4", "zhou"] {
        let me = staff(&db, a, login, "Start-pass1").await;
        let s = auth::totp_begin(&db, &me).await.unwrap();
        if login != "zhou" {
            let secret = totp::base32_decode(&s).unwrap();
            auth::totp_confirm(&db, &me, &totp::code_at(&secret, totp::current_step())).await.unwrap();
        }
    }
    let before = raw_column(&db, "sun", "totp_secret").await.unwrap();
    assert_eq!(crypto::key_id_of(&before), Some(0));
    let ring = Keyring::development().rotated().unwrap();
    let done = crypto::reencrypt_all(&db, &ring).await.unwrap();
    assert_eq!(done.values, 3, "{done:?}");
    for (login, column) in [("sun", "totp_secret"), ("li4", "totp_secret"), ("zhou", "totp_pending")] {
        let v = raw_column(&db, login, column).await.unwrap();
        assert_eq!(crypto::key_id_of(&v), Some(1), "{login}");
    }
    let after = raw_column(&db, "sun", "totp_secret").await.unwrap();
    assert_ne!(before, after);
    // same secret behind both
    let id: i64 = users::find_by_login(&db, "sun").await.unwrap().unwrap().id;
    let ctx = format!("users.totp_secret:{id}");
    assert_eq!(ring.decrypt(&before, &ctx).unwrap(), ring.decrypt(&after, &ctx).unwrap());
    // a keyring without key 1 cannot read the new values; a second run changes nothing
    assert!(Keyring::development().decrypt(&after, &ctx).is_err());
    let again = crypto::reencrypt_all(&db, &ring).await.unwrap();
    assert_eq!((again.values, again.already_current), (0, 3));
    println!("key rotation: 3 values re-encrypted from key 0 to key 1, 0 on the second run");
});

db_test!(sqlite_overwrites_deleted_content, |db: Db| async move {
    if db.engine != Engine::Sqlite {
        return;
    }
    let row =
        db.conn.query_one_raw(Statement::from_string(db.backend(), "PRAGMA secure_delete")).await.unwrap().unwrap();
    assert_eq!(row.try_get::<i64>("", "secure_delete").unwrap(), 1, "secure_delete is on for every connection");
});
