//! Demo approval services: the zone's list of 194 delegated approval powers (from the county
//! departments that delegated them, with their statutory and promised limits), and the cases of
//! H1 2025 over the demo projects so that the period figures give the seed's numbers — 22
//! projects approved under 承诺制 and 22 given 全代办 — with most cases approved on time, a few
//! late or still open, and commitments verified, pending and overdue. Written in one
//! transaction with one audit record for the load.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use kaifaqu_domain::approval::{CaseStatus, CommitmentStatus, PowerCategory};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::calendar::Calendar;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use crate::audit::{self, Change};
use crate::entities::{approval_case, approval_commitment, approval_power, project, user};
use crate::{Actor, Db, StoreError};

/// The number of powers delegated to the seed's zone.
pub const POWERS: usize = 194;

/// (department, legal basis, [(item, category, statutory days, promised days, 承诺制)]).
type Item = (&'static str, PowerCategory, i32, i32, bool);

const LICENCE: PowerCategory = PowerCategory::Licence;
const FILING: PowerCategory = PowerCategory::Filing;
const CONFIRM: PowerCategory = PowerCategory::Confirmation;
const OTHER: PowerCategory = PowerCategory::Other;
const SERVICE: PowerCategory = PowerCategory::Service;
const PAYMENT: PowerCategory = PowerCategory::Payment;

const CATALOGUE: &[(&str, &str, &[Item])] = &[
    (
        "县发改局",
        "《企业投资项目核准和备案管理条例》《政府投资条例》",
        &[
            ("企业投资项目备案", FILING, 5, 1, true),
            ("企业投资项目核准", LICENCE, 20, 10, true),
            ("政府投资项目建议书审批", LICENCE, 20, 10, false),
            ("政府投资项目可行性研究报告审批", LICENCE, 20, 10, false),
            ("政府投资项目初步设计及概算审批", LICENCE, 20, 10, false),
            ("固定资产投资项目节能审查", LICENCE, 20, 8, true),
            ("企业投资项目备案信息变更", FILING, 5, 1, true),
            ("招标方案核准", LICENCE, 20, 5, false),
        ],
    ),
    (
        "县自然资源局",
        "《中华人民共和国土地管理法》《中华人民共和国城乡规划法》",
        &[
            ("建设项目用地预审与选址意见书核发", LICENCE, 20, 10, false),
            ("建设用地规划许可证核发", LICENCE, 20, 7, true),
            ("建设工程规划许可证核发", LICENCE, 20, 7, true),
            ("乡村建设规划许可证核发", LICENCE, 20, 10, false),
            ("建设工程规划条件核实", CONFIRM, 20, 7, false),
            ("国有建设用地使用权出让后土地使用权分割转让批准", LICENCE, 20, 10, false),
            ("临时用地审批", LICENCE, 20, 10, false),
            ("不动产首次登记", CONFIRM, 30, 5, false),
            ("建设项目压覆重要矿产资源审批", LICENCE, 20, 10, false),
            ("地质灾害危险性评估报告备案", FILING, 10, 3, true),
        ],
    ),
    (
        "县住建局",
        "《中华人民共和国建筑法》《建设工程质量管理条例》",
        &[
            ("建筑工程施工许可证核发", LICENCE, 7, 3, true),
            ("建设工程消防设计审查", LICENCE, 15, 10, true),
            ("建设工程消防验收", LICENCE, 15, 10, false),
            ("建设工程消防验收备案", FILING, 5, 3, false),
            ("房屋建筑和市政基础设施工程竣工验收备案", FILING, 15, 5, false),
            ("建设工程质量安全监督登记", FILING, 5, 2, true),
            ("城市建筑垃圾处置核准", LICENCE, 20, 5, false),
            ("临时占用城市道路审批", LICENCE, 20, 5, false),
            ("挖掘城市道路审批", LICENCE, 20, 5, false),
            ("城镇污水排入排水管网许可", LICENCE, 20, 7, true),
            ("燃气经营许可", LICENCE, 20, 10, false),
            ("商品房预售许可", LICENCE, 10, 5, false),
            ("建设工程施工图设计文件审查备案", FILING, 10, 3, true),
        ],
    ),
    (
        "县生态环境局",
        "《中华人民共和国环境影响评价法》《排污许可管理条例》",
        &[
            ("建设项目环境影响报告书审批", LICENCE, 60, 20, true),
            ("建设项目环境影响报告表审批", LICENCE, 30, 10, true),
            ("建设项目环境影响登记表备案", FILING, 5, 1, false),
            ("排污许可证核发", LICENCE, 20, 10, true),
            ("排污许可证变更", LICENCE, 20, 10, true),
            ("危险废物经营许可", LICENCE, 20, 15, false),
            ("辐射安全许可证核发", LICENCE, 20, 15, false),
            ("建设项目竣工环境保护验收备案", FILING, 10, 5, false),
        ],
    ),
    (
        "县应急管理局",
        "《中华人民共和国安全生产法》《危险化学品安全管理条例》",
        &[
            ("危险化学品建设项目安全条件审查", LICENCE, 45, 20, false),
            ("危险化学品建设项目安全设施设计审查", LICENCE, 20, 15, false),
            ("危险化学品经营许可证核发（不带储存）", LICENCE, 30, 15, true),
            ("危险化学品安全使用许可", LICENCE, 45, 20, false),
            ("非药品类易制毒化学品生产备案", FILING, 10, 3, false),
            ("生产安全事故应急预案备案", FILING, 10, 3, true),
            ("烟花爆竹经营（零售）许可", LICENCE, 20, 10, true),
        ],
    ),
    (
        "县市场监管局",
        "《中华人民共和国市场主体登记管理条例》《中华人民共和国工业产品生产许可证管理条例》",
        &[
            ("企业设立登记", LICENCE, 15, 1, false),
            ("企业变更登记", LICENCE, 15, 1, false),
            ("企业注销登记", LICENCE, 15, 1, false),
            ("食品生产许可", LICENCE, 20, 10, true),
            ("食品经营许可", LICENCE, 20, 5, true),
            ("特种设备使用登记", CONFIRM, 15, 5, false),
            ("重要工业产品生产许可", LICENCE, 30, 15, true),
            ("计量标准器具核准", LICENCE, 20, 10, false),
        ],
    ),
    (
        "县水利局",
        "《中华人民共和国水法》《中华人民共和国水土保持法》",
        &[
            ("取水许可", LICENCE, 45, 20, true),
            ("生产建设项目水土保持方案审批", LICENCE, 20, 10, true),
            ("洪水影响评价审批", LICENCE, 20, 10, false),
            ("河道管理范围内建设项目工程建设方案审批", LICENCE, 20, 10, false),
            ("水利基建项目初步设计文件审批", LICENCE, 20, 10, false),
        ],
    ),
    (
        "县交通运输局",
        "《中华人民共和国公路法》《道路运输条例》",
        &[
            ("公路建筑控制区内埋设管线审批", LICENCE, 20, 10, false),
            ("涉路施工许可", LICENCE, 20, 10, false),
            ("道路货物运输经营许可", LICENCE, 20, 5, true),
            ("超限运输车辆行驶公路许可", LICENCE, 15, 5, false),
        ],
    ),
    (
        "县工信局",
        "《中华人民共和国节约能源法》《工业和信息化部关于工业企业技术改造的有关规定》",
        &[
            ("工业企业技术改造项目备案", FILING, 5, 1, true),
            ("新建工业项目能耗评估确认", CONFIRM, 20, 10, false),
            ("电力设施保护区内施工作业审批", LICENCE, 20, 10, false),
        ],
    ),
    (
        "县人社局",
        "《中华人民共和国劳动法》《工伤保险条例》",
        &[
            ("企业实行不定时工作制和综合计算工时工作制审批", LICENCE, 20, 10, false),
            ("劳务派遣经营许可", LICENCE, 20, 10, true),
            ("工伤认定", CONFIRM, 60, 20, false),
            ("就业见习补贴发放", PAYMENT, 20, 10, false),
        ],
    ),
    (
        "县商务局",
        "《中华人民共和国对外贸易法》",
        &[("对外贸易经营者备案登记", FILING, 5, 1, false), ("外商投资企业信息报告", SERVICE, 5, 1, false)],
    ),
    (
        "县气象局",
        "《中华人民共和国气象法》《防雷减灾管理办法》",
        &[("雷电防护装置设计审核", LICENCE, 20, 5, true), ("雷电防护装置竣工验收", LICENCE, 10, 5, false)],
    ),
    (
        "县人防办",
        "《中华人民共和国人民防空法》",
        &[
            ("结合民用建筑修建防空地下室审批", LICENCE, 20, 7, true),
            ("应建防空地下室的民用建筑项目报建审批", LICENCE, 20, 7, false),
        ],
    ),
    ("县文旅局", "《中华人民共和国文物保护法》", &[("建设工程文物保护和考古许可", LICENCE, 20, 10, false)]),
    (
        "县税务局",
        "《中华人民共和国税收征收管理法》",
        &[("增值税专用发票（增值税税控系统）最高开票限额审批", LICENCE, 20, 5, false)],
    ),
    ("县财政局", "《政府采购法实施条例》", &[("政府采购进口产品审核", OTHER, 20, 10, false)]),
];

/// The sub-items a power splits into in a 权责清单 (新办, 变更, 延续, 注销 …), most used first.
const SUB_ITEMS: &[&str] = &["（新办）", "（变更）", "（延续）", "（注销）", "（补办）"];

/// The 194 powers: every catalogue item, then licences split into their sub-items until the
/// list has 194 entries.
fn powers() -> Vec<(&'static str, &'static str, String, PowerCategory, i32, i32, bool)> {
    let mut out = Vec::new();
    for (dept, basis, items) in CATALOGUE {
        for (name, cat, s, p, c) in items.iter() {
            out.push((*dept, *basis, name.to_string(), *cat, *s, *p, *c));
        }
    }
    let base = out.clone();
    'outer: for sub in SUB_ITEMS {
        for (dept, basis, name, cat, s, p, c) in &base {
            if out.len() >= POWERS {
                break 'outer;
            }
            // only licences and filings have sub-items, and an item is split into at least two
            if matches!(cat, PowerCategory::Licence | PowerCategory::Filing)
                && !name.contains("变更")
                && !name.contains("注销")
                && !name.contains("设立")
            {
                out.push((*dept, *basis, format!("{name}{sub}"), *cat, *s, *p, *c));
            }
        }
    }
    out.truncate(POWERS);
    out
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid demo date")
}

/// The first working day on or after `day`.
fn working_on_or_after(cal: &Calendar, mut day: NaiveDate) -> NaiveDate {
    while !cal.is_working_day(day) {
        day += Duration::days(1);
    }
    day
}

const COMMITMENTS: &[&str] = &[
    "开工前补齐施工图设计文件审查合格书",
    "竣工验收前完成水土保持设施自主验收",
    "投产前取得排污许可证并按证排污",
    "按承诺的固定资产投资强度完成投资",
    "开工前完成地质灾害危险性评估",
    "试生产前完成安全设施竣工验收",
];

pub(crate) async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    let now = Utc::now();
    let cal = crate::calendar::load_unchecked(&db.conn, zone_id).await?;
    let staff = user::Entity::find().filter(user::Column::ZoneId.eq(zone_id)).all(&db.conn).await?;
    let agent =
        staff.iter().find(|u| Some(u.display_name.as_str()) == crate::demo::display_name_of("approval")).map(|u| u.id);
    let mut leaders: Vec<i64> = staff.iter().filter(|u| u.role == "leader").map(|u| u.id).collect();
    leaders.sort();
    let projects = project::Entity::find()
        .filter(project::Column::ZoneId.eq(zone_id))
        .order_by_asc(project::Column::Id)
        .all(&db.conn)
        .await?;
    let txn = db.conn.begin().await?;
    let list = powers();
    let mut ids: HashMap<String, (i64, i32, bool)> = HashMap::new();
    for (i, (dept, basis, name, cat, s, p, c)) in list.iter().enumerate() {
        let m = approval_power::ActiveModel {
            zone_id: Set(zone_id),
            seq: Set(i as i32 + 1),
            name: Set(name.clone()),
            category: Set(cat.code().to_string()),
            source_department: Set(dept.to_string()),
            legal_basis: Set(basis.to_string()),
            statutory_days: Set(*s),
            promised_days: Set(*p),
            commitment: Set(*c),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ids.insert(name.clone(), (m.id, *p, *c));
    }
    // the powers a project typically needs, in order: under 承诺制 and otherwise
    let with_commitment = [
        "建筑工程施工许可证核发",
        "建设工程规划许可证核发",
        "建设项目环境影响报告表审批",
        "固定资产投资项目节能审查",
        "生产建设项目水土保持方案审批",
        "企业投资项目备案",
    ];
    let without =
        ["建设项目用地预审与选址意见书核发", "建设工程消防验收", "危险化学品建设项目安全条件审查", "企业设立登记"];
    let (mut cases, mut commitments) = (0usize, 0usize);
    // projects 0–21 under 承诺制, projects 4–25 with 全代办: 22 and 22
    for (i, p) in projects.iter().take(26).enumerate() {
        let commitment = i < 22;
        let agency = (4..26).contains(&i);
        let received = working_on_or_after(&cal, d("2025-01-06") + Duration::days(i as i64 * 6 + 1));
        let n_cases = if i % 3 == 0 { 2 } else { 1 };
        for k in 0..n_cases {
            let first = k == 0;
            let power_name = if first && commitment {
                with_commitment[i % with_commitment.len()]
            } else {
                without[(i + k) % without.len()]
            };
            let (power_id, promised, _) = ids[power_name];
            let is_commitment = first && commitment;
            let received = if first { received } else { working_on_or_after(&cal, received + Duration::days(3)) };
            let accepted = cal.add_working_days(received, 1);
            let due = cal.add_working_days(accepted, promised as u32);
            // most approved on time; two late; the last three of June still open
            let (status, approved) = if i >= 23 && first {
                (CaseStatus::Accepted, None)
            } else if i == 7 || i == 15 {
                (CaseStatus::Approved, Some(cal.add_working_days(due, 2)))
            } else if i == 11 && !first {
                (CaseStatus::Withdrawn, Some(cal.add_working_days(accepted, 2)))
            } else {
                let used = (promised - 1 - (i as i32 % 3)).max(1);
                (CaseStatus::Approved, Some(cal.add_working_days(accepted, used as u32)))
            };
            let applicant = p.investor_name.clone().unwrap_or_else(|| p.name.clone());
            let case = approval_case::ActiveModel {
                zone_id: Set(zone_id),
                project_id: Set(Some(p.id)),
                power_id: Set(power_id),
                applicant: Set(applicant),
                enterprise_id: Set(p.enterprise_id),
                commitment: Set(is_commitment),
                agency: Set(agency),
                agent_id: Set(if agency { agent } else { None }),
                leader_id: Set(if agency { leaders.get(i % leaders.len().max(1)).copied() } else { None }),
                received_date: Set(received),
                accepted_date: Set(Some(accepted)),
                approved_date: Set(approved),
                promised_days: Set(promised),
                due_date: Set(due),
                status: Set(status.code().to_string()),
                notes: Set(if agency {
                    "全程代办：代办员负责材料收集、报送和跟踪".into()
                } else {
                    String::new()
                }),
                created_by: Set(agent),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                ..Default::default()
            };
            let mut promises = Vec::new();
            if is_commitment {
                let content = COMMITMENTS[i % COMMITMENTS.len()];
                let deadline = received + Duration::days(90);
                // verified when the deadline came; one found unfulfilled; later ones pending
                let (st, vdate, note) = if i == 9 {
                    (CommitmentStatus::Unfulfilled, Some(deadline), "核查时尚未完成，已督促企业限期补正")
                } else if deadline <= d("2025-06-30") {
                    (CommitmentStatus::Fulfilled, Some(deadline - Duration::days(3)), "现场核查，承诺事项已履行")
                } else {
                    (CommitmentStatus::Pending, None, "")
                };
                promises.push(approval_commitment::ActiveModel {
                    content: Set(content.to_string()),
                    deadline: Set(deadline),
                    status: Set(st.code().to_string()),
                    verified_date: Set(vdate),
                    verified_by: Set(vdate.and(agent)),
                    verification: Set(note.to_string()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                if i % 5 == 0 {
                    // a commitment over the years of production: not due yet
                    promises.push(approval_commitment::ActiveModel {
                        content: Set("投产后三年内亩均税收达到出让时约定的标准".to_string()),
                        deadline: Set(d("2028-12-31")),
                        status: Set(CommitmentStatus::Pending.code().to_string()),
                        verification: Set(String::new()),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    });
                }
            }
            commitments += promises.len();
            crate::approval_cases::insert_raw(&txn, case, promises).await?;
            cases += 1;
        }
    }
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "approval_case",
            entity_id: None,
            action: Action::Create,
            summary: format!(
                "载入演示数据：审批权限 {} 项、审批代办事项 {cases} 件、承诺事项 {commitments} 项",
                list.len()
            ),
            before: serde_json::Value::Null,
            after: serde_json::json!({"powers": list.len(), "cases": cases, "commitments": commitments}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_194_distinct_valid_powers() {
        let list = powers();
        assert_eq!(list.len(), POWERS);
        let names: std::collections::HashSet<&str> = list.iter().map(|p| p.2.as_str()).collect();
        assert_eq!(names.len(), POWERS);
        assert!(list.iter().all(|p| p.4 > 0 && p.5 > 0 && p.5 <= p.4));
    }
}
