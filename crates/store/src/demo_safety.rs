//! Demo safety records: enterprises of the park (valid credit codes of 140423 by the real
//! algorithm), inspections on two days a week through H1 2025 adding up to 95 家次, and 317
//! hazards with realistic closing (found by one officer, the fix recorded by another, closed by
//! a third), a few overdue and one major hazard under supervision. Written in bulk, in one
//! transaction, with one audit record for the load.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::credit_code;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use crate::audit::{self, Change};
use crate::entities::{enterprise, hazard, hazard_step, inspection, safety_entry, safety_profile, user};
use crate::lookups::Lookups;
use crate::{Actor, Db, StoreError};

const CHEMICAL: &[&str] = &[
    "示例焦化有限公司",
    "示例煤焦油加工有限公司",
    "示例精细化工有限公司",
    "示例氯碱化工有限公司",
    "示例甲醇有限公司",
    "示例化肥有限公司",
    "示例新材料科技有限公司",
    "示例危化品仓储有限公司",
];
const OTHER: &[&str] = &["示例机械制造有限公司", "示例建材有限公司", "示例物流有限公司", "示例食品有限公司"];

const FINDINGS: &[(&str, &str)] = &[
    ("安全管理", "安全培训记录不全"),
    ("设备设施", "压力表未按期校验"),
    ("作业环境", "通道堆放杂物"),
    ("消防安全", "灭火器压力不足"),
    ("危险化学品", "危化品储存未分区分类"),
    ("特殊作业", "动火作业票审批不规范"),
];

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid demo date")
}

pub async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    let now = Utc::now();
    let txn = db.conn.begin().await?;
    // the park's enterprises: the project investors plus these
    for (i, name) in CHEMICAL.iter().chain(OTHER).enumerate() {
        let base = format!("91140423MA0{:06}", 500 + i);
        let check = credit_code::check_char(&base).expect("valid characters");
        let e = enterprise::ActiveModel {
            zone_id: Set(zone_id),
            name: Set(name.to_string()),
            credit_code: Set(format!("{base}{check}")),
            credit_code_legacy: Set(false),
            region_code: Set(Some("140423".into())),
            industry_code: Set(Some(if i < CHEMICAL.len() { "26" } else { "34" }.into())),
            industry_name: Set(Some(
                if i < CHEMICAL.len() { "化学原料和化学制品制造业" } else { "通用设备制造业" }.into(),
            )),
            above_scale: Set(i % 3 != 2),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        safety_profile::ActiveModel {
            zone_id: Set(zone_id),
            enterprise_id: Set(e.id),
            chemical: Set(i < CHEMICAL.len()),
            risk_colour: Set(Some(["orange", "yellow", "blue", "yellow"][i % 4].into())),
            notes: Set(String::new()),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if i < 3 {
            safety_entry::ActiveModel {
                zone_id: Set(zone_id),
                enterprise_id: Set(e.id),
                kind: Set("major_source".into()),
                name: Set(["粗苯储罐区", "煤焦油储罐区", "液氯储存区"][i].into()),
                detail: Set(String::new()),
                grade: Set(Some(["三级", "四级", "二级"][i].into())),
                entry_date: Set(Some(d("2024-12-01"))),
                official_id: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    let l = Lookups::load(db, zone_id).await?;
    let users = user::Entity::find()
        .filter(user::Column::ZoneId.eq(zone_id))
        .order_by_asc(user::Column::Id)
        .all(&db.conn)
        .await?;
    // by the demo account's display name: a twin zone's logins carry a suffix
    let by_login = |login: &str| {
        let name = crate::demo::display_name_of(login);
        users.iter().find(|u| Some(u.display_name.as_str()) == name).map(|u| u.id)
    };
    let (finder, fixer, reviewer) = (by_login("safety"), by_login("staff"), by_login("admin"));
    let mut firms: Vec<i64> = l.enterprises.keys().copied().collect();
    firms.sort();
    // two inspection days a week (Tuesday and Thursday), 95 visits in all
    let mut days = Vec::new();
    let mut day = d("2025-01-01");
    while day <= d("2025-06-30") {
        if matches!(day.weekday(), Weekday::Tue | Weekday::Thu) {
            days.push(day);
        }
        day += Duration::days(1);
    }
    let doubles = 95 - days.len();
    let txn = db.conn.begin().await?;
    let mut visit = 0usize;
    let mut hazards = 0usize;
    for (n, day) in days.iter().enumerate() {
        for _ in 0..(if n < doubles { 2 } else { 1 }) {
            let firm = firms[(visit * 7) % firms.len()];
            let ins = inspection::ActiveModel {
                zone_id: Set(zone_id),
                enterprise_id: Set(firm),
                inspection_date: Set(*day),
                kind: Set(if visit.is_multiple_of(10) { "special" } else { "routine" }.into()),
                inspectors: Set([finder, fixer].iter().flatten().map(|i| i.to_string()).collect::<Vec<_>>().join(",")),
                experts: Set(if visit.is_multiple_of(4) {
                    "化工安全专家（示例）".into()
                } else {
                    String::new()
                }),
                guidance: Set(true),
                findings: Set("开展入企安全监督检查和技术指导".into()),
                created_by: Set(finder),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let count = 3 + usize::from(visit.is_multiple_of(3));
            for k in 0..count {
                let (cat, desc) = FINDINGS[(visit + k) % FINDINGS.len()];
                let major = hazards == 40 || hazards == 310;
                let deadline = *day + Duration::days(if major { 60 } else { 15 + (k as i64 * 5) });
                // hazards found from 10 June on are still open; every 7th of them is still untouched
                let open = *day >= d("2025-06-10");
                let status =
                    if open { if hazards.is_multiple_of(7) { "pending" } else { "rectifying" } } else { "closed" };
                let closed_date = (!open).then(|| *day + Duration::days(5 + (hazards % 9) as i64).min(deadline - *day));
                let h = hazard::ActiveModel {
                    zone_id: Set(zone_id),
                    enterprise_id: Set(firm),
                    inspection_id: Set(Some(ins.id)),
                    description: Set(format!("{desc}（示例 {}）", hazards + 1)),
                    location: Set(["生产车间", "罐区", "仓库", "办公区"][k % 4].into()),
                    category_id: Set(l.dict_id("hazard_category", cat)),
                    level: Set(if major { "major" } else { "general" }.into()),
                    found_date: Set(*day),
                    found_by: Set(finder),
                    deadline: Set(deadline),
                    original_deadline: Set(deadline),
                    responsible_person: Set("企业安全负责人（示例）".into()),
                    measures: Set("限期整改".into()),
                    plan_responsibility: Set(major.then(|| "企业主要负责人".into())),
                    plan_measures: Set(major.then(|| "停用隐患设备，更换并检测".into())),
                    plan_funds: Set(major.then(|| "企业自筹 50 万元".into())),
                    plan_deadline: Set(major.then_some(deadline)),
                    plan_contingency: Set(major.then(|| "制定专项应急预案并演练".into())),
                    supervisor: Set((major && hazards == 310).then(|| "襄垣县应急管理局".into())),
                    status: Set(status.into()),
                    fixer_id: Set(if status == "closed" { fixer } else { None }),
                    closed_date: Set(closed_date.map(|c| c.max(*day))),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                let mut steps = Vec::new();
                if status != "pending" {
                    steps.push(("start", finder, *day, "企业已安排整改"));
                }
                if let Some(c) = h.closed_date {
                    steps.push(("submit", fixer, c, "整改完成"));
                    steps.push(("pass", reviewer, c, "复查合格，予以销号"));
                }
                for (action, who, date, note) in steps {
                    hazard_step::ActiveModel {
                        zone_id: Set(zone_id),
                        hazard_id: Set(h.id),
                        action: Set(action.into()),
                        actor_id: Set(who),
                        step_date: Set(date),
                        note: Set(note.into()),
                        new_deadline: Set(None),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                hazards += 1;
            }
            visit += 1;
        }
    }
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "inspection",
            entity_id: None,
            action: Action::Create,
            summary: format!("载入演示数据：入企检查 {visit} 家次、隐患 {hazards} 项"),
            before: serde_json::Value::Null,
            after: serde_json::json!({"inspections": visit, "hazards": hazards}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
