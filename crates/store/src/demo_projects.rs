//! Demo data of the projects module: the seed's named projects with their figures, completed
//! with invented projects (names marked 示例) so that every aggregate the seed states comes out
//! exactly from dated records:
//! - plan year 2025: 58 projects, 273.76 亿元 — 57 industrial at 269.28 亿元, 1 infrastructure
//!   (供电系统及配套工程, 4.48 亿元, 省级重点);
//! - 2025-01-01 to 2025-06-30: 67 contacts, 14 signed, 8 landed, 11 started ("10 余个"), and
//!   鸿达煤化 and 坤元化工 in production.

use chrono::NaiveDate;
use kaifaqu_domain::credit_code;

use crate::contacts::{self, ContactFormInput};
use crate::enterprises::{self, EnterpriseForm};
use crate::events::{self, EventForm};
use crate::lookups::Lookups;
use crate::meetings::{self, DecisionForm, MeetingForm};
use crate::problems::{self, ProblemForm};
use crate::projects::{self, ProjectForm};
use crate::{Actor, Db, StoreError};

struct Named {
    name: &'static str,
    investor: &'static str,
    content: &'static str,
    chain: &'static str,
    total: &'static str,
    events: &'static [(&'static str, &'static str)],
}

const NAMED: &[Named] = &[
    Named {
        name: "山西宁元科技光伏储充一体化项目",
        investor: "山西宁元科技有限公司",
        content: "建设光伏发电、储能及充电一体化设施",
        chain: "新能源",
        total: "3",
        events: &[("signed", "2024-11-15"), ("landed", "2025-01-20"), ("started", "2025-03-18")],
    },
    Named {
        name: "山西贝尔年产35万吨复合肥项目",
        investor: "山西贝尔化肥有限公司",
        content: "年产 35 万吨复合肥（含水溶肥）生产线",
        chain: "煤化工",
        total: "2.6",
        events: &[("signed", "2025-02-26"), ("landed", "2025-03-20"), ("started", "2025-04-15")],
    },
    Named {
        name: "山西卡仕途金属自动化装备制造项目",
        investor: "山西卡仕途智能装备有限公司",
        content: "利用闲置厂房建设金属自动化装备生产线",
        chain: "装备制造",
        total: "0.95",
        events: &[("signed", "2025-03-12"), ("landed", "2025-03-28"), ("started", "2025-05-10")],
    },
    Named {
        name: "中催科技催化剂项目",
        investor: "中催科技（山西）有限公司",
        content: "建设工业催化剂生产线",
        chain: "新材料",
        total: "1.5",
        events: &[("signed", "2025-04-08"), ("landed", "2025-05-16")],
    },
    Named {
        name: "鸿达煤化LNG驰放气制高纯氢联产液氨项目",
        investor: "山西鸿达煤化有限公司",
        content: "利用 LNG 驰放气制高纯氢并联产液氨",
        chain: "煤化工",
        total: "5",
        events: &[
            ("signed", "2023-05-10"),
            ("landed", "2023-08-02"),
            ("started", "2023-10-16"),
            ("producing", "2025-04-18"),
        ],
    },
    Named {
        name: "坤元化工聚合氯化铝项目",
        investor: "山西坤元化工有限公司",
        content: "建设聚合氯化铝生产线",
        chain: "新材料",
        total: "1.5",
        events: &[
            ("signed", "2024-03-06"),
            ("landed", "2024-05-09"),
            ("started", "2024-07-01"),
            ("producing", "2025-05-20"),
        ],
    },
    Named {
        name: "首投悦雅共享单车生产基地项目",
        investor: "首投悦雅（山西）科技有限公司",
        content: "利用闲置厂房建设共享单车生产基地",
        chain: "装备制造",
        total: "2.2",
        events: &[("signed", "2025-05-22")],
    },
    Named {
        name: "山西瑞恒新材料氯化石蜡项目",
        investor: "山西瑞恒新材料有限公司",
        content: "建设氯化石蜡生产线",
        chain: "PVC 深加工",
        total: "1.2",
        events: &[("signed", "2024-12-10"), ("landed", "2025-06-05")],
    },
];

const CHAINS: &[&str] = &["煤化工", "新材料", "固废综合利用", "PVC 深加工", "新能源", "装备制造"];
const LETTERS: &[&str] = &["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid")
}

/// A valid credit code of 襄垣县 for demo enterprise `n`.
fn credit_code(n: usize) -> String {
    let base = format!("91140423MA0{:06}", 100 + n);
    let check = credit_code::check_char(&base).expect("17 valid characters");
    format!("{base}{check}")
}

/// Invented project `i` (0-based among the 49 others): its amount in 万元 and its events.
fn other(i: usize) -> (String, i64, Vec<(&'static str, String)>) {
    let amount = if i < 48 { 8_000 + ((i * 37) % 23) as i64 * 3_700 } else { 205_300 };
    let name = match i {
        0 => "锦鑫新材料项目".to_string(),
        1 => "中科铁塔项目".to_string(),
        _ => format!("示例{}项目{:02}", CHAINS[i % CHAINS.len()], i - 1),
    };
    let m = |mo: usize, day: usize| format!("2025-{mo:02}-{day:02}");
    let events: Vec<(&'static str, String)> = match i {
        // started in H1 2025 after signing and landing in 2024 (8)
        0..=7 => vec![
            ("signed", format!("2024-{:02}-10", 3 + i)),
            ("landed", format!("2024-{:02}-20", 4 + i)),
            ("started", m(1 + i % 6, 8 + i)),
        ],
        // signed and landed in H1 2025 (3)
        8..=10 => vec![("signed", m(1 + (i - 8) * 2, 12)), ("landed", m(2 + (i - 8) * 2, 25))],
        // signed in H1 2025 (7)
        11..=17 => vec![("negotiating", format!("2024-{:02}-15", i - 5)), ("signed", m(1 + (i - 11) % 6, 6 + i))],
        // signed after H1 (outside the half-year figures)
        18..=20 => vec![("negotiating", m(3, 1 + i)), ("signed", m(8 + (i - 18), 18))],
        // in negotiation
        21..=34 => vec![("planning", "2024-12-20".to_string()), ("negotiating", m(1 + (i - 21) % 6, 3 + i - 21))],
        // planned only
        _ => vec![("planning", m(1, 6 + (i - 35) % 20))],
    };
    (name, amount, events)
}

/// Loads the projects module's demo records into `zone_id` (the demo zone).
pub async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    let l = Lookups::load(db, zone_id).await?;
    let dict = |kind: &str, v: &str| l.dict_id(kind, v).map(|i| i.to_string()).unwrap_or_default();
    let mut leaders: Vec<i64> = l.users.iter().filter(|(_, (_, r))| r == "leader").map(|(id, _)| *id).collect();
    leaders.sort();
    let mut depts: Vec<i64> = ["招商引资部", "项目建设部", "经济发展部", "行政审批服务部", "规划建设部"]
        .iter()
        .filter_map(|n| l.department_id(n))
        .collect();
    depts.sort();
    let teams: Vec<String> = (0..8)
        .map(|i| {
            dict("promotion_team", &format!("第{}招商小分队", ["一", "二", "三", "四", "五", "六", "七", "八"][i]))
        })
        .collect();
    let channels = ["产业链招商", "以商招商", "乡情招商", "小分队招商", "科技招商"];
    let mut ids = Vec::new();
    let add = |form: ProjectForm, events: Vec<(&'static str, String)>| {
        let f = form;
        async move {
            let p = projects::create_in(db, actor, zone_id, &f).await?;
            for (kind, date) in events {
                let ef = EventForm { kind: kind.into(), date, note: String::new() };
                events::add(db, actor, p.id, &ef).await?;
            }
            Ok::<i64, StoreError>(p.id)
        }
    };
    for (i, n) in NAMED.iter().enumerate() {
        let ent = enterprises::create_in(
            db,
            actor,
            zone_id,
            &EnterpriseForm {
                name: n.investor.into(),
                credit_code: credit_code(i),
                region_code: "140423".into(),
                industry_code: if n.chain == "装备制造" { "34".into() } else { "26".into() },
                above_scale: Some(if i == 4 || i == 5 { "on" } else { "off" }.into()),
                ..Default::default()
            },
        )
        .await?;
        let f = ProjectForm {
            name: n.name.into(),
            enterprise_id: ent.id.to_string(),
            content: n.content.into(),
            category: "industrial".into(),
            chain_id: dict("industry_chain", n.chain),
            total: n.total.into(),
            planned: n.total.into(),
            channel_id: dict("promotion_channel", channels[i % channels.len()]),
            team_id: teams[i % 8].clone(),
            leader_id: leaders.get(i % leaders.len().max(1)).map(|x| x.to_string()).unwrap_or_default(),
            department_id: depts.get(i % depts.len().max(1)).map(|x| x.to_string()).unwrap_or_default(),
            site: "襄垣经开区".into(),
            plan_year: "2025".into(),
            start_year: "2025".into(),
            end_year: "2026".into(),
            progress: String::new(),
            ..Default::default()
        };
        let events = n.events.iter().map(|(k, dt)| (*k, dt.to_string())).collect();
        ids.push(add(f, events).await?);
    }
    for i in 0..49 {
        let (name, amount, events) = other(i);
        let chain = CHAINS[i % CHAINS.len()];
        let f = ProjectForm {
            name,
            investor_name: format!("示例投资方{}{}", LETTERS[i % 10], i / 10 + 1),
            content: format!("示例：{chain}领域建设项目"),
            category: "industrial".into(),
            chain_id: dict("industry_chain", chain),
            total: format!("{}万元", amount),
            key_level: if i % 11 == 3 {
                "city".into()
            } else if i % 7 == 2 {
                "county".into()
            } else {
                String::new()
            },
            channel_id: dict("promotion_channel", channels[i % channels.len()]),
            team_id: teams[(i + 3) % 8].clone(),
            leader_id: leaders.get(i % leaders.len().max(1)).map(|x| x.to_string()).unwrap_or_default(),
            department_id: depts.get(i % depts.len().max(1)).map(|x| x.to_string()).unwrap_or_default(),
            plan_year: "2025".into(),
            start_year: "2025".into(),
            end_year: if i % 3 == 0 { "2027".into() } else { "2026".into() },
            // two leads in negotiation say how much land they need (标准地 / 闲置厂房 matching)
            land: match i {
                21 => "50".into(),
                22 => "8".into(),
                _ => String::new(),
            },
            ..Default::default()
        };
        ids.push(add(f, events).await?);
    }
    let infra = ProjectForm {
        name: "襄垣经济技术开发区基础设施建设项目（一期）供电系统及配套工程".into(),
        investor_name: "襄垣经济技术开发区管理委员会".into(),
        content: "建设园区供电系统及配套工程，为入园企业提供电力保障".into(),
        category: "infrastructure".into(),
        total: "4.48".into(),
        planned: "1.5".into(),
        key_level: "provincial".into(),
        leader_id: leaders.first().map(|x| x.to_string()).unwrap_or_default(),
        department_id: depts.get(1).map(|x| x.to_string()).unwrap_or_default(),
        plan_year: "2025".into(),
        start_year: "2025".into(),
        end_year: "2026".into(),
        progress: "已列入省级重点工程，加快推动实施".into(),
        ..Default::default()
    };
    ids.push(add(infra, vec![("planning", "2025-01-08".into())]).await?);

    // 67 contacts in the first half of 2025, and a few outside it
    for i in 0..75usize {
        let date = if i < 67 {
            (d("2025-01-03") + chrono::Duration::days((i * 177 / 66) as i64)).to_string()
        } else if i < 71 {
            format!("2024-12-{:02}", 2 + i - 67)
        } else {
            format!("2025-07-{:02}", 2 + i - 71)
        };
        let (project_id, lead_name) = if i % 3 == 2 {
            (String::new(), format!("示例意向企业{}{}", LETTERS[i % 10], i))
        } else {
            (ids[(i * 7) % ids.len()].to_string(), String::new())
        };
        let f = ContactFormInput {
            date,
            project_id,
            lead_name,
            team_id: teams[i % 8].clone(),
            form: ["visit", "reception", "video", "fair", "visit"][i % 5].into(),
            place: ["太原", "北京", "襄垣经开区", "郑州", "线上"][i % 5].into(),
            participants: "招商小分队成员".into(),
            summary: "介绍园区产业链和要素保障，了解投资意向".into(),
            next_step: "跟进项目方案".into(),
            ..Default::default()
        };
        contacts::create_in(db, actor, zone_id, &f).await?;
    }

    // the problem ledger: the seed's resolved problems, one open, one overdue
    let problem = |project: i64,
                   cat: &str,
                   desc: &str,
                   raised: &str,
                   deadline: &str,
                   status: &str,
                   resolution: &str,
                   resolved: &str,
                   dept: usize| ProblemForm {
        project_id: project.to_string(),
        category: cat.into(),
        description: desc.into(),
        raised_date: raised.into(),
        department_id: depts.get(dept).map(|x| x.to_string()).unwrap_or_default(),
        person: "示例责任人".into(),
        deadline: deadline.into(),
        status: status.into(),
        resolution: resolution.into(),
        resolved_date: resolved.into(),
        ..Default::default()
    };
    let jinxin = ids[NAMED.len()];
    let zhongke = ids[NAMED.len() + 1];
    let ruiheng = ids[7];
    problems::create_in(
        db,
        actor,
        zone_id,
        &problem(
            jinxin,
            "power",
            "厂区线路需改迁",
            "2025-03-03",
            "2025-04-30",
            "resolved",
            "协调供电公司完成线路改迁",
            "2025-04-22",
            1,
        ),
    )
    .await?;
    problems::create_in(
        db,
        actor,
        zone_id,
        &problem(
            zhongke,
            "water",
            "项目用水需接入园区管网",
            "2025-03-10",
            "2025-05-15",
            "resolved",
            "完成接水工程",
            "2025-05-08",
            1,
        ),
    )
    .await?;
    let open = problems::create_in(
        db,
        actor,
        zone_id,
        &problem(ruiheng, "environment", "环评批复尚未取得，影响开工", "2025-06-06", "2025-07-31", "open", "", "", 3),
    )
    .await?;
    problems::create_in(
        db,
        actor,
        zone_id,
        &problem(ids[0], "road", "进场道路需硬化", "2025-06-10", "2026-12-31", "in_progress", "", "", 4),
    )
    .await?;

    let meeting = meetings::create_in(
        db,
        actor,
        zone_id,
        &MeetingForm {
            date: "2025-06-12".into(),
            title: "重点项目建设专题调度会".into(),
            chair_id: leaders.first().map(|x| x.to_string()).unwrap_or_default(),
            attendees: "班子成员、各部门负责人、项目方代表".into(),
            minutes: "调度重点项目建设进度，协调解决项目落地建设中的实际问题。".into(),
            project_ids: vec![ruiheng.to_string(), ids[0].to_string(), ids[3].to_string()],
            ..Default::default()
        },
    )
    .await?;
    meetings::add_decision(
        db,
        actor,
        meeting.id,
        &DecisionForm {
            project_id: ruiheng.to_string(),
            decision: "由行政审批服务部牵头，督促瑞恒项目尽快取得环评批复".into(),
            action: "assign".into(),
            problem_id: open.id.to_string(),
            department_id: depts.get(3).map(|x| x.to_string()).unwrap_or_default(),
            person: "示例责任人".into(),
            deadline: "2025-07-31".into(),
            ..Default::default()
        },
    )
    .await?;
    meetings::add_decision(
        db,
        actor,
        meeting.id,
        &DecisionForm {
            project_id: ids[3].to_string(),
            decision: "协调中催科技项目施工用电临时接入".into(),
            action: "open".into(),
            category: "power".into(),
            department_id: depts.get(1).map(|x| x.to_string()).unwrap_or_default(),
            person: "示例责任人".into(),
            deadline: "2025-06-30".into(),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}
