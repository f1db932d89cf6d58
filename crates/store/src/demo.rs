//! The demo data set: the seed's zone (襄垣经济技术开发区), seven invented peer zones of 长治市,
//! departments, dictionaries and one account per role. Each module adds its own demo records here.

use kaifaqu_domain::zone::ZoneForm;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::departments::{self, DepartmentForm};
use crate::dictionaries::{self, ItemForm};
use crate::entities::{user, zone};
use crate::users::{self, Home, UserForm};
use crate::{Actor, Db, StoreError, auth, zones};

/// The audit name of the demo loader.
pub const DEMO_ACTOR: &str = "演示数据";
pub const DEMO_ZONE: &str = "襄垣经济技术开发区";

/// (name, level, region code, risk grade, staff posts). Peers are invented, per the brief.
const ZONES: &[(&str, &str, &str, &str, &str)] = &[
    (DEMO_ZONE, "provincial", "140423", "D", "31"),
    ("示例开发区甲", "national", "140403", "C", "58"),
    ("示例开发区乙", "provincial", "140404", "", "26"),
    ("示例开发区丙", "provincial", "140405", "D", "24"),
    ("示例开发区丁", "provincial", "140406", "C", "35"),
    ("示例开发区戊", "provincial", "140428", "", "22"),
    ("示例开发区己", "provincial", "140429", "D", "20"),
    ("示例开发区庚", "provincial", "140431", "", "18"),
];

const DEPARTMENTS: &[&str] = &[
    "党政办公室",
    "招商引资部",
    "项目建设部",
    "经济发展部",
    "规划建设部",
    "安全生产监督管理部",
    "生态环境部",
    "行政审批服务部",
    "财政金融部",
];

const DICTIONARY: &[(&str, &[&str])] = &[
    ("industry_chain", &["煤化工", "新材料", "固废综合利用", "PVC 深加工", "新能源", "装备制造"]),
    ("promotion_channel", &["产业链招商", "以商招商", "乡情招商", "小分队招商", "科技招商", "其他"]),
    (
        "promotion_team",
        &[
            "第一招商小分队",
            "第二招商小分队",
            "第三招商小分队",
            "第四招商小分队",
            "第五招商小分队",
            "第六招商小分队",
            "第七招商小分队",
            "第八招商小分队",
        ],
    ),
    ("hazard_category", &["安全管理", "设备设施", "作业环境", "消防安全", "危险化学品", "特殊作业"]),
    ("task_source", &["年度计划", "省委巡视整改", "市委巡察整改", "调度会", "领导交办", "其他"]),
];

/// (login, display name, role, department index).
const USERS: &[(&str, &str, &str, Option<usize>)] = &[
    ("admin", "系统管理员", "admin", Some(0)),
    ("leader", "班子成员甲（示例）", "leader", Some(0)),
    ("leader2", "班子成员乙（示例）", "leader", Some(0)),
    ("leader3", "班子成员丙（示例）", "leader", Some(0)),
    ("leader4", "班子成员丁（示例）", "leader", Some(0)),
    ("leader5", "班子成员戊（示例）", "leader", Some(0)),
    ("staff", "招商引资部科员（示例）", "staff", Some(1)),
    ("safety", "安全生产监督管理部科员（示例）", "staff", Some(5)),
    ("approval", "行政审批服务部科员（示例）", "staff", Some(7)),
    ("viewer", "只读用户（示例）", "viewer", Some(3)),
    ("city", "长治市级用户（示例）", "city", None),
    // 三员: the audit log and the accounts are not the system admin's.
    ("auditor", "审计管理员（示例）", "audit_admin", Some(0)),
    ("security", "安全管理员（示例）", "security_admin", Some(0)),
];

/// The display name of a demo account, by its login.
pub(crate) fn display_name_of(login: &str) -> Option<&'static str> {
    USERS.iter().find(|u| u.0 == login).map(|u| u.1)
}

pub enum DemoOutcome {
    /// Loaded now: the one password of every demo account, shown only this once.
    Loaded {
        password: String,
        accounts: Vec<(String, String)>,
    },
    AlreadyLoaded,
}

/// Loads the demo data unless it is there already. Refuses a database holding real data.
pub async fn load(db: &Db) -> Result<DemoOutcome, StoreError> {
    let real_zones = zone::Entity::find().filter(zone::Column::IsDemo.eq(false)).count(&db.conn).await?;
    let real_users = user::Entity::find().filter(user::Column::IsDemo.eq(false)).count(&db.conn).await?;
    if real_zones > 0 || real_users > 0 {
        return Err(StoreError::Config(format!(
            "数据库中已有正式数据（{real_zones} 个开发区、{real_users} 个用户），不能载入演示数据。请使用一个新的数据库文件。"
        )));
    }
    if zones::find_by_name(db, DEMO_ZONE).await?.is_some() {
        return Ok(DemoOutcome::AlreadyLoaded);
    }
    let actor = Actor::system(DEMO_ACTOR);
    let mut home = None;
    for (name, level, region, grade, posts) in ZONES {
        let form = ZoneForm {
            name: name.to_string(),
            level: level.to_string(),
            region_code: region.to_string(),
            city_name: "长治市".into(),
            risk_grade: grade.to_string(),
            staff_posts: posts.to_string(),
        };
        let z = zones::create(db, &actor, &form.validate()?, true).await?;
        home.get_or_insert(z);
    }
    let home = home.expect("at least one demo zone");
    let mut dept_ids = Vec::new();
    for (i, name) in DEPARTMENTS.iter().enumerate() {
        let f = DepartmentForm { name: name.to_string(), sort_order: ((i + 1) * 10).to_string(), ..Default::default() };
        dept_ids.push(departments::create(db, &actor, home.id, &f).await?.id);
    }
    for (kind, values) in DICTIONARY {
        for (i, v) in values.iter().enumerate() {
            let f = ItemForm {
                kind: kind.to_string(),
                value: v.to_string(),
                sort_order: ((i + 1) * 10).to_string(),
                ..Default::default()
            };
            dictionaries::create(db, &actor, home.id, &f).await?;
        }
    }
    let password = format!("Kfq#{}", auth::random_hex(6));
    let mut accounts = Vec::new();
    for (login, display, role, dept) in USERS {
        let f = UserForm {
            login_name: login.to_string(),
            display_name: display.to_string(),
            role: role.to_string(),
            department_id: dept.map(|d| dept_ids[d].to_string()).unwrap_or_default(),
            password: password.clone(),
            ..Default::default()
        };
        let where_ = if *role == "city" { Home::City(home.city_code.clone()) } else { Home::Zone(home.id) };
        let u = users::create(db, &actor, Some(where_), &f).await?;
        accounts.push((u.login_name, u.role.label().to_string()));
    }
    crate::demo_projects::load(db, &actor, home.id).await?;
    crate::demo_indicators::load(db, &actor).await?;
    crate::demo_safety::load(db, &actor, home.id).await?;
    crate::calendar::load_official_years(db, &actor, home.id).await?;
    crate::demo_approvals::load(db, &actor, home.id).await?;
    crate::demo_land::load(db, &actor, home.id).await?;
    crate::demo_per_mu::load(db, &actor, home.id).await?;
    crate::demo_targets::load(db, &actor, home.id).await?;
    crate::demo_tasks::load(db, &actor, home.id).await?;
    Ok(DemoOutcome::Loaded { password, accounts })
}

/// Gives another (demo) zone the demo zone's records: the same departments, dictionaries, users
/// (the city user aside; logins get `login_suffix`, e.g. `admin_b`, all with `password`) and each
/// module's demo records. For tests that need two zones with identical fixtures (isolation).
pub async fn load_twin(db: &Db, zone_id: i64, login_suffix: &str, password: &str) -> Result<(), StoreError> {
    let actor = Actor::system(DEMO_ACTOR);
    let mut dept_ids = Vec::new();
    for (i, name) in DEPARTMENTS.iter().enumerate() {
        let f = DepartmentForm { name: name.to_string(), sort_order: ((i + 1) * 10).to_string(), ..Default::default() };
        dept_ids.push(departments::create(db, &actor, zone_id, &f).await?.id);
    }
    for (kind, values) in DICTIONARY {
        for (i, v) in values.iter().enumerate() {
            let sort_order = ((i + 1) * 10).to_string();
            let f = ItemForm { kind: kind.to_string(), value: v.to_string(), sort_order, ..Default::default() };
            dictionaries::create(db, &actor, zone_id, &f).await?;
        }
    }
    for (login, display, role, dept) in USERS.iter().filter(|u| u.2 != "city") {
        let f = UserForm {
            login_name: format!("{login}{login_suffix}"),
            display_name: display.to_string(),
            role: role.to_string(),
            department_id: dept.map(|d| dept_ids[d].to_string()).unwrap_or_default(),
            password: password.to_string(),
            ..Default::default()
        };
        users::create(db, &actor, Some(Home::Zone(zone_id)), &f).await?;
    }
    crate::demo_projects::load(db, &actor, zone_id).await?;
    crate::demo_safety::load(db, &actor, zone_id).await?;
    crate::calendar::load_official_years(db, &actor, zone_id).await?;
    crate::demo_approvals::load(db, &actor, zone_id).await?;
    crate::demo_land::load(db, &actor, zone_id).await?;
    crate::demo_per_mu::load(db, &actor, zone_id).await?;
    crate::demo_targets::load(db, &actor, zone_id).await?;
    crate::demo_tasks::load(db, &actor, zone_id).await?;
    Ok(())
}
