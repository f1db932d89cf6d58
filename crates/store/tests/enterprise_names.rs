//! `enterprises::names`, the choice list of every form that names an enterprise (hazards,
//! inspections, land, approvals, per-mu, projects): every enterprise of the zone, by name, with
//! no page limit, and nothing of another zone.

use kaifaqu_domain::Role;
use kaifaqu_store::enterprises::{self, EnterpriseForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, zones};

fn staff_of(zone_id: i64) -> Actor {
    Actor {
        user_id: Some(3),
        login_name: "staff".into(),
        role: Role::Staff,
        zone_id: Some(zone_id),
        city_code: None,
        ip: None,
    }
}

db_test!(names_lists_every_enterprise_of_the_zone_past_500, |db: Db| async move {
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let all = zones::list(&db, &Scope::System).await.unwrap();
    let (a, b) = (all[0].id, all[1].id);
    let staff = staff_of(a);
    let scope_a = staff.scope();
    let before = enterprises::names(&db, &scope_a, a).await.unwrap().len();
    // past the 500 rows the old choice lists were cut at
    let n = 501usize.saturating_sub(before) + 1;
    for i in 0..n {
        let first17 = format!("91140423NT{i:07}");
        let check = kaifaqu_domain::credit_code::check_char(&first17).unwrap();
        let f = EnterpriseForm {
            name: format!("名单测试企业{i:04}"),
            credit_code: format!("{first17}{check}"),
            ..Default::default()
        };
        enterprises::create(&db, &staff, &f).await.unwrap();
    }
    let names = enterprises::names(&db, &scope_a, a).await.unwrap();
    assert_eq!(names.len(), before + n);
    assert!(names.len() > 500, "{}", names.len());
    // the same enterprises, in the same order, as the paged list shows
    let listed = enterprises::list(&db, &scope_a, a, "", 1, 500).await.unwrap();
    assert_eq!(listed.total as usize, names.len());
    let first: Vec<(i64, String)> = listed.rows.into_iter().map(|e| (e.id, e.name)).collect();
    assert_eq!(&names[..first.len()], &first[..]);
    assert!(names.iter().any(|(_, name)| name == &format!("名单测试企业{:04}", n - 1)));
    // another zone's user gets nothing of zone A
    let scope_b = staff_of(b).scope();
    assert!(matches!(enterprises::names(&db, &scope_b, a).await, Err(StoreError::NotFound)));
    let own_b = enterprises::names(&db, &scope_b, b).await.unwrap();
    assert!(own_b.iter().all(|(_, name)| !name.starts_with("名单测试企业")));
    println!("zone A: {} enterprises named (list cut at 500 before), zone B sees 0 of them", names.len());
});
