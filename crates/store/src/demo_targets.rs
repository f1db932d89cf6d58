//! Demo annual targets for 2025, entered through the same repository functions the pages use:
//! the seed's 签约 52, 开工 42 and 投产 26 projects (投产 with an edited, back-loaded route:
//! projects go into production late in the year), the statistics targets of the demo
//! indicators (规上工业增加值 66 亿元 and +20 %, 工业投资 45 亿元), and targets the seed does not
//! give, invented in proportion to its half-year figures: 对接 120 次, 标准地 400 亩, 盘活闲置
//! 厂房 2 万平方米, 承诺制 40 个, 入企检查 200 家次, 隐患整改率 95 %.

use crate::lookups::Lookups;
use crate::targets::{self, RouteForm, TargetForm};
use crate::{Actor, Db, StoreError, indicators};

/// (name, metric, param, target, department, leader login display name).
type Row = (&'static str, &'static str, String, &'static str, &'static str, &'static str);

pub(crate) async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    let ind = |code: &'static str| async move {
        Ok::<String, StoreError>(indicators::by_code(db, code).await?.map(|i| i.id.to_string()).unwrap_or_default())
    };
    let va = ind("industrial_value_added").await?;
    let inv = ind("industrial_investment").await?;
    let rows: Vec<Row> = vec![
        ("全年签约项目", "stage_count", "signed".into(), "52", "招商引资部", "班子成员甲（示例）"),
        ("全年开工项目", "stage_count", "started".into(), "42", "项目建设部", "班子成员乙（示例）"),
        ("全年投产项目", "stage_count", "producing".into(), "26", "项目建设部", "班子成员乙（示例）"),
        ("全年对接项目", "contacts", String::new(), "120", "招商引资部", "班子成员甲（示例）"),
        ("规上工业增加值", "indicator_value", va.clone(), "66", "经济发展部", "班子成员丙（示例）"),
        ("规上工业增加值增速", "indicator_growth", va, "20", "经济发展部", "班子成员丙（示例）"),
        ("工业投资", "indicator_value", inv, "45", "经济发展部", "班子成员丙（示例）"),
        ("出让标准地", "parcel_area", String::new(), "400", "行政审批服务部", "班子成员丁（示例）"),
        ("盘活闲置厂房", "plant_area", String::new(), "2", "规划建设部", "班子成员丁（示例）"),
        ("承诺制审批项目", "commitment_projects", String::new(), "40", "行政审批服务部", "班子成员丁（示例）"),
        ("入企安全检查", "inspections", String::new(), "200", "安全生产监督管理部", "班子成员戊（示例）"),
        ("隐患整改率", "rectification_rate", String::new(), "95", "安全生产监督管理部", "班子成员戊（示例）"),
    ];
    let l = Lookups::load(db, zone_id).await?;
    for (name, metric, param, value, dept, leader) in rows {
        if metric.starts_with("indicator") && param.is_empty() {
            continue;
        }
        let f = TargetForm {
            name: name.into(),
            year: "2025".into(),
            metric: metric.into(),
            param,
            target_value: value.into(),
            leader_id: l.leader_id(leader).map(|i| i.to_string()).unwrap_or_default(),
            department_id: l.department_id(dept).map(|i| i.to_string()).unwrap_or_default(),
            notes: String::new(),
            ..Default::default()
        };
        let t = targets::create_in(db, actor, zone_id, &f).await?;
        if name == "全年投产项目" {
            let route = [1, 2, 3, 5, 7, 9, 11, 14, 17, 20, 23, 26].iter().map(|v| v.to_string()).collect();
            targets::set_route(db, actor, t.id, &RouteForm { route, ..Default::default() }).await?;
        }
    }
    Ok(())
}
