//! Demo key-work tasks: the seed's part 四(二) "拟推进的重点工作任务" as a task list — the four
//! focus areas and their concrete items (省委巡视、市委巡察整改; 招商 in 煤化工、固废综合利用、
//! PVC 深加工 and the 52/42/26 goal; 瑞恒新材料 to start construction; 潞北三路 and 固废路 with
//! 县交通运输局; the 供电系统及配套工程; "全省开发区第一方阵"), with lead leaders, responsible and
//! collaborating departments, deadlines in 2025 H2 (two in working days), timetables and steps.
//! One task is closed, one submitted awaiting review, one returned and reworked, and several
//! are overdue on 2025-12-31. Entered through the repository functions the pages use, so the
//! rules (who may take which step, milestones inside the deadline) hold for the demo too.

use kaifaqu_domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::user;
use crate::lookups::Lookups;
use crate::tasks::{self, MilestoneForm, StepForm, TaskForm};
use crate::{Actor, Db, StoreError};

/// (title, source, source note, lead leader login, department, collaborating, assigned,
/// deadline, working days, evidence, milestones).
type Spec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const TASKS: &[Spec] = &[
    (
        "做好省委巡视整改“后半篇文章”，促进整改与开发区中心工作有机融合",
        "provincial_inspection",
        "省委巡视反馈意见",
        "leader",
        "党政办公室",
        &["财政金融部"],
        "2025-07-07",
        "2025-10-31",
        "",
        "整改方案、问题清单、任务清单、责任清单及整改佐证材料",
        &[
            "2025-07-31 制定整改方案，建立问题、任务、责任三张清单",
            "2025-09-30 完成阶段性整改并报送整改进展",
            "2025-10-31 整改事项全部完成，申请销号",
        ],
    ),
    (
        "落实市委巡察反馈问题整改：项目审批服务和要素保障方面问题",
        "city_inspection",
        "市委第三巡察组反馈意见",
        "leader2",
        "行政审批服务部",
        &["项目建设部"],
        "2025-08-01",
        "",
        "40",
        "整改前后对比材料、修订的制度文件",
        &["2025-08-29 修订《投资项目建设“全代办”工作实施方案》", "2025-09-19 完成问题整改并形成整改报告"],
    ),
    (
        "深耕煤化工、固废综合利用、PVC 深加工等领域，开展产业链招商",
        "annual_plan",
        "下半年工作计划",
        "leader3",
        "招商引资部",
        &["经济发展部"],
        "2025-07-01",
        "2025-12-31",
        "",
        "产业链招商图谱、外出招商记录、签约协议",
        &["2025-09-30 编制煤化工、固废综合利用、PVC 深加工产业链招商图谱", "2025-11-30 小分队外出招商不少于 3 次"],
    ),
    (
        "推动在谈项目尽快落地，力争全年签约项目 52 个、开工项目 42 个、投产项目 26 个",
        "annual_plan",
        "下半年工作计划",
        "leader3",
        "招商引资部",
        &["项目建设部", "行政审批服务部"],
        "2025-07-01",
        "2025-12-31",
        "",
        "签约、开工、投产项目清单及佐证材料",
        &["2025-09-30 前三季度累计签约项目 39 个", "2025-12-31 全年签约 52 个、开工 42 个、投产 26 个"],
    ),
    (
        "发挥 D 级化工园区、省级绿色低碳循环示范园区招牌效应，开展以商招商、乡情招商、科技招商",
        "annual_plan",
        "下半年工作计划",
        "leader3",
        "招商引资部",
        &[],
        "2025-07-01",
        "2025-11-30",
        "",
        "招商推介材料、对接记录",
        &["2025-09-30 举办园区招商推介会"],
    ),
    (
        "推动山西瑞恒新材料氯化石蜡项目尽快开工建设",
        "dispatch_meeting",
        "项目专题调度会",
        "leader4",
        "项目建设部",
        &["行政审批服务部", "规划建设部"],
        "2025-07-15",
        "2025-10-31",
        "",
        "调度会纪要、施工许可证、开工照片",
        &[
            "2025-08-15 召开专题调度会，解决项目落地问题",
            "2025-09-15 办齐施工许可等开工手续",
            "2025-10-31 项目开工建设",
        ],
    ),
    (
        "协助县交通运输局加快推进潞北三路、固废路等园区道路开工建设",
        "leader_instruction",
        "协助县交通运输局",
        "leader5",
        "规划建设部",
        &["项目建设部"],
        "2025-07-20",
        "2025-12-20",
        "",
        "路线方案批复、开工报告",
        &["2025-09-30 配合完成路线方案和用地手续", "2025-11-30 潞北三路开工", "2025-12-20 固废路开工"],
    ),
    (
        "加快实施基础设施项目（一期）供电系统及配套工程（省级重点工程，总投资 4.48 亿元）",
        "annual_plan",
        "省级重点工程",
        "leader4",
        "项目建设部",
        &["财政金融部"],
        "2025-07-01",
        "2025-12-31",
        "",
        "招标文件、施工合同、投资完成情况",
        &["2025-08-31 完成施工招标", "2025-10-31 变电站主体工程开工", "2025-12-31 完成年度投资计划"],
    ),
    (
        "锚定“全省开发区第一方阵”目标，明确路线图、细化时间表，密切关注指标走势",
        "annual_plan",
        "下半年工作计划",
        "leader",
        "经济发展部",
        &["招商引资部", "项目建设部"],
        "2025-07-01",
        "2025-12-31",
        "",
        "目标任务路线图、月度指标分析",
        &["2025-07-31 制定下半年目标任务路线图", "2025-10-31 完成前三季度指标运行分析"],
    ),
    (
        "调度会议定事项：协调解决瑞恒新材料项目施工用电、用水问题",
        "dispatch_meeting",
        "2025 年 9 月项目专题调度会",
        "leader4",
        "项目建设部",
        &["规划建设部"],
        "2025-09-26",
        "",
        "5",
        "协调会议纪要",
        &[],
    ),
];

/// (task index, action, date, login of the actor or "" for the demo loader, note).
const STEPS: &[(usize, &str, &str, &str, &str)] = &[
    (0, "progress", "2025-07-30", "leader2", "已制定整改方案，建立问题、任务、责任三张清单，明确整改时限。"),
    (0, "progress", "2025-09-26", "leader2", "阶段性整改完成，整改进展已按要求报送。"),
    (0, "submit", "2025-10-28", "leader2", "整改事项全部完成，佐证材料已归档，申请销号。"),
    (0, "close", "2025-10-30", "leader", "经审核，整改到位，同意销号。"),
    (
        1,
        "progress",
        "2025-08-20",
        "approval",
        "已修订《投资项目建设“全代办”工作实施方案》，实行包保领导打包办、专项小组全代办。",
    ),
    (1, "submit", "2025-09-19", "approval", "问题整改完成，已形成整改报告。"),
    (1, "return", "2025-09-23", "leader2", "佐证材料不全：请补充整改前后对比材料和修订后的制度文件。"),
    (1, "progress", "2025-09-25", "approval", "已补充整改前后对比材料，制度文件正在印发。"),
    (
        2,
        "progress",
        "2025-09-20",
        "staff",
        "已编制煤化工、固废综合利用、PVC 深加工产业链招商图谱，梳理目标企业 36 家。",
    ),
    (3, "progress", "2025-10-10", "staff", "前三季度累计签约项目 38 个，较序时进度差 1 个，重点推进 5 个在谈项目。"),
    (4, "progress", "2025-08-15", "staff", "在园区招商推介会上推介 D 级化工园区、省级绿色低碳循环示范园区优势。"),
    (4, "submit", "2025-11-25", "staff", "以商招商、乡情招商、科技招商各开展对接活动，签约项目 3 个，申请办结。"),
    (5, "progress", "2025-08-14", "", "召开专题调度会，协调解决项目用地和环评问题。"),
    (5, "progress", "2025-09-12", "", "施工许可等开工手续已办齐。"),
    (6, "progress", "2025-09-28", "", "配合县交通运输局完成潞北三路、固废路路线方案，用地手续正在办理。"),
    (7, "progress", "2025-08-29", "", "完成施工招标，确定施工单位。"),
];

/// (task index, milestone index, done date).
const DONE: &[(usize, usize, &str)] = &[
    (0, 0, "2025-07-30"),
    (0, 1, "2025-09-26"),
    (0, 2, "2025-10-28"),
    (1, 0, "2025-08-20"),
    (1, 1, "2025-09-19"),
    (2, 0, "2025-09-20"),
    (4, 0, "2025-08-15"),
    (5, 0, "2025-08-14"),
    (5, 1, "2025-09-12"),
    (6, 0, "2025-09-28"),
    (7, 0, "2025-08-29"),
    (8, 0, "2025-07-31"),
    (8, 1, "2025-10-31"),
];

/// The actor of a demo user (the role the account has, for the step rules): the zone's own
/// account of that demo login, found by its display name (a twin zone's logins carry a suffix).
async fn actor_of(db: &Db, zone_id: i64, login: &str, fallback: &Actor) -> Result<Actor, StoreError> {
    let Some(name) = crate::demo::display_name_of(login) else {
        return Ok(fallback.clone());
    };
    let u = user::Entity::find()
        .filter(user::Column::ZoneId.eq(zone_id))
        .filter(user::Column::DisplayName.eq(name))
        .one(&db.conn)
        .await?;
    let Some(u) = u else { return Ok(fallback.clone()) };
    Ok(Actor {
        user_id: Some(u.id),
        login_name: u.login_name,
        role: Role::parse(&u.role).unwrap_or(Role::Staff),
        zone_id: u.zone_id,
        city_code: u.city_code,
        ip: None,
    })
}

pub(crate) async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    let l = Lookups::load(db, zone_id).await?;
    let dept = |name: &str| l.department_id(name).map(|d| d.to_string()).unwrap_or_default();
    let mut ids = Vec::new();
    for (title, source, note, leader, department, collab, assigned, deadline, days, evidence, miles) in TASKS {
        // the zone's own leader of that demo name (a twin zone's logins carry a suffix)
        let leader_id = crate::demo::display_name_of(leader)
            .and_then(|name| l.leader_id(name))
            .map(|id| id.to_string())
            .unwrap_or_default();
        let f = TaskForm {
            title: title.to_string(),
            source: source.to_string(),
            source_note: note.to_string(),
            lead_leader_id: leader_id,
            department_id: dept(department),
            collaborating_ids: collab.iter().map(|c| dept(c)).collect(),
            assigned_date: assigned.to_string(),
            deadline: deadline.to_string(),
            deadline_days: days.to_string(),
            evidence: evidence.to_string(),
            milestones: miles.join("\n"),
            version: String::new(),
        };
        ids.push(tasks::create_in(db, actor, zone_id, &f).await?.id);
    }
    for (i, m, date) in DONE {
        let (_, miles, _) = tasks::get(db, &actor.scope(), ids[*i]).await?;
        let ms = &miles[*m];
        let f =
            MilestoneForm { title: ms.title.clone(), due_date: ms.due_date.to_string(), done_date: date.to_string() };
        tasks::update_milestone(db, actor, ids[*i], ms.id, &f).await?;
    }
    for (i, action, date, login, note) in STEPS {
        let who = actor_of(db, zone_id, login, actor).await?;
        let f = StepForm { action: action.to_string(), date: date.to_string(), note: note.to_string() };
        tasks::step(db, &who, ids[*i], &f).await?;
    }
    Ok(())
}
