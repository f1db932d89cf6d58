//! Safety in the store: the demo's half-year figures, every hazard transition (allowed and
//! refused), the four-eyes rule, major-hazard plans, deadline extensions, overdue escalation
//! run twice (one notification each), and the webhook formats.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_store::hazards::{self, HazardFilter, HazardForm, StepForm};
use kaifaqu_store::inspections::{self, InspectionForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, lookups, notifications, safety_figures, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn setup(db: &Db) -> (i64, Actor, Actor, i64) {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let z = zones::list(db, &Scope::System).await.unwrap()[0].id;
    let a = kaifaqu_store::users::find_by_login(db, "safety").await.unwrap().unwrap();
    let b = kaifaqu_store::users::find_by_login(db, "staff").await.unwrap().unwrap();
    let actor = |u: &kaifaqu_store::users::User| Actor {
        user_id: Some(u.id),
        login_name: u.login_name.clone(),
        role: Role::Staff,
        zone_id: Some(z),
        city_code: None,
        ip: None,
    };
    let l = lookups::Lookups::load(db, z).await.unwrap();
    let firm = *l.enterprises.keys().min().unwrap();
    (z, actor(&a), actor(&b), firm)
}

fn invalid(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("{other:?}"),
    }
}

db_test!(demo_half_year_figures, |db: Db| async move {
    let (z, ..) = setup(&db).await;
    let f = safety_figures::period(&db, &Scope::System, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    assert_eq!(f.inspections, 95, "95 家次");
    assert!((300..400).contains(&f.hazards), "300 余项: {}", f.hazards);
    assert_eq!(f.major, 2);
    assert_eq!(f.supervised, 1);
    assert!(f.overdue > 0, "open hazards of June are overdue today");
    assert!(f.rectification_rate.unwrap() > 9_000);
    assert_eq!(f.weekly_target, 2);
    assert_eq!(
        (f.weeks_met, f.weeks),
        (25, 27),
        "every full week had two visits; the partial weeks at either end (1 January, a Wednesday; 30 June, a Monday) did not"
    );
    assert_eq!(f.by_category.iter().map(|c| c.1).sum::<u64>(), f.hazards);
});

db_test!(the_hazard_loop_and_its_refusals, |db: Db| async move {
    let (_, finder, fixer, firm) = setup(&db).await;
    let form = HazardForm {
        enterprise_id: firm.to_string(),
        description: "配电柜未接地".into(),
        level: "general".into(),
        found_date: "2025-06-01".into(),
        deadline: "2025-06-20".into(),
        ..Default::default()
    };
    // bad input, nothing saved
    let bad = HazardForm { deadline: "2025-05-01".into(), ..form.clone() };
    assert_eq!(invalid(hazards::create(&db, &finder, &bad).await.unwrap_err()).0, "deadline");
    let major = HazardForm { level: "major".into(), ..form.clone() };
    let (field, msg) = invalid(hazards::create(&db, &finder, &major).await.unwrap_err());
    assert!(field.starts_with("plan_") && msg.contains("整改方案"), "{field} {msg}");
    let no_firm = HazardForm { enterprise_id: String::new(), ..form.clone() };
    assert_eq!(invalid(hazards::create(&db, &finder, &no_firm).await.unwrap_err()).0, "enterprise_id");
    let h = hazards::create(&db, &finder, &form).await.unwrap();
    let step = |action: &str, note: &str| StepForm {
        action: action.into(),
        date: "2025-06-10".into(),
        note: note.into(),
        new_deadline: String::new(),
        version: String::new(),
    };
    // pending: pass and reject are refused
    assert_eq!(invalid(hazards::step(&db, &finder, h.id, &step("pass", "")).await.unwrap_err()).0, "action");
    assert!(hazards::step(&db, &finder, h.id, &step("reject", "")).await.is_err());
    hazards::step(&db, &finder, h.id, &step("start", "")).await.unwrap();
    assert_eq!(invalid(hazards::step(&db, &fixer, h.id, &step("submit", "")).await.unwrap_err()).0, "note");
    hazards::step(&db, &fixer, h.id, &step("submit", "已接地")).await.unwrap();
    // the fixer cannot close their own fix
    let (_, msg) = invalid(hazards::step(&db, &fixer, h.id, &step("pass", "")).await.unwrap_err());
    assert!(msg.contains("双人复核"));
    hazards::step(&db, &finder, h.id, &step("reject", "接地电阻不合格")).await.unwrap();
    hazards::step(&db, &fixer, h.id, &step("submit", "重新接地")).await.unwrap();
    // an extension needs a reason and a later date; the original deadline stays visible
    let ext = |note: &str, nd: &str| StepForm {
        action: "extend".into(),
        date: "2025-06-12".into(),
        note: note.into(),
        new_deadline: nd.into(),
        version: String::new(),
    };
    assert_eq!(invalid(hazards::step(&db, &finder, h.id, &ext("", "2025-07-01")).await.unwrap_err()).0, "note");
    assert_eq!(
        invalid(hazards::step(&db, &finder, h.id, &ext("等备件", "2025-06-01")).await.unwrap_err()).0,
        "new_deadline"
    );
    hazards::step(&db, &finder, h.id, &ext("等备件", "2025-07-01")).await.unwrap();
    // the re-inspection cannot be dated before the fix it checks
    let early = StepForm {
        action: "pass".into(),
        date: "2025-06-05".into(),
        note: String::new(),
        new_deadline: String::new(),
        version: String::new(),
    };
    assert_eq!(invalid(hazards::step(&db, &finder, h.id, &early).await.unwrap_err()).0, "date");
    let pass = StepForm {
        action: "pass".into(),
        date: "2025-06-13".into(),
        note: "复查合格".into(),
        new_deadline: String::new(),
        version: String::new(),
    };
    hazards::step(&db, &finder, h.id, &pass).await.unwrap();
    let (done, steps) = hazards::get(&db, &Scope::System, h.id).await.unwrap();
    assert_eq!(done.status.code(), "closed");
    assert_eq!((done.original_deadline, done.deadline), (d("2025-06-20"), d("2025-07-01")));
    assert_eq!(steps.len(), 6, "start, submit, reject, submit, extend, pass");
    assert!(hazards::step(&db, &finder, h.id, &step("start", "")).await.is_err(), "closed is final");
    // an inspection needs an enterprise and inspectors
    let f = InspectionForm { date: "2025-06-10".into(), kind: "routine".into(), ..Default::default() };
    let e = inspections::create(&db, &finder, &f).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)));
});

db_test!(escalation_is_idempotent, |db: Db| async move {
    let (z, ..) = setup(&db).await;
    let open_overdue = hazards::list(
        &db,
        &Scope::System,
        z,
        &HazardFilter { overdue: "1".into(), per_page: Some(1000), ..Default::default() },
    )
    .await
    .unwrap()
    .total;
    assert!(open_overdue > 0);
    let first = notifications::run_escalation(&db, lookups::today()).await.unwrap();
    assert!(first as u64 >= open_overdue, "each overdue hazard tells its finder, and the leaders");
    let second = notifications::run_escalation(&db, lookups::today()).await.unwrap();
    assert_eq!(second, 0, "the same item is not notified twice for the same step");
    let leader = kaifaqu_store::users::find_by_login(&db, "leader").await.unwrap().unwrap();
    let la = Actor {
        user_id: Some(leader.id),
        login_name: "leader".into(),
        role: Role::Leader,
        zone_id: Some(z),
        city_code: None,
        ip: None,
    };
    let mine = notifications::mine(&db, &la).await.unwrap();
    assert!(!mine.is_empty() && mine.iter().all(|n| n.message.contains("请督办")));
    notifications::mark_read(&db, &la, mine[0].id).await.unwrap();
    assert_eq!(notifications::unread_count(&db, &la).await.unwrap(), mine.len() as u64 - 1);
});
