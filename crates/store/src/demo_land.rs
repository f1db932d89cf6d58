//! Demo data of standard parcels and idle plants, entered through the same repository
//! functions the pages use, so that the seed's figures come out of the ordinary queries:
//! - H1 2025: 3 standard parcels transferred, 86.25 + 72.60 + 61.56 = 220.41 亩;
//! - H1 2025: idle plants revitalised 6,200 m² (首投悦雅) + 4,300 m² (卡仕途) = 10,500 m²
//!   ("盘活闲置厂房 1 万平方米");
//! - besides: parcels in 储备 / 出让中, a parcel transferred in 2024 whose achieved values fall
//!   short of its promise (flagged), a plant revitalised in 2024, plants still 闲置 / 洽谈中.
//!
//! Locations and owners are invented and neutral.

use std::collections::HashMap;

use crate::idle_plants::{self, PlantForm};
use crate::land_parcels::{self, ParcelForm};
use crate::lookups::project_names;
use crate::{Actor, Db, StoreError};

struct DemoParcel {
    code: &'static str,
    location: &'static str,
    area: &'static str,
    /// intensity 万元/亩, plot ratio, tax 万元/亩, energy 吨标准煤/万元.
    promised: [&'static str; 4],
    status: &'static str,
    transfer_date: &'static str,
    price: &'static str,
    project: &'static str,
    achieved: Option<(&'static str, [&'static str; 4])>,
}

const PARCELS: &[DemoParcel] = &[
    DemoParcel {
        code: "XY2025-01",
        location: "园区纬三路东侧、经二路北侧",
        area: "86.25",
        promised: ["300", "1.2", "15", "0.8"],
        status: "transferred",
        transfer_date: "2025-01-16",
        price: "2588",
        project: "山西宁元科技光伏储充一体化项目",
        achieved: None,
    },
    DemoParcel {
        code: "XY2025-02",
        location: "园区纬五路南侧、经四路西侧",
        area: "72.60",
        promised: ["320", "1.0", "18", "1.2"],
        status: "transferred",
        transfer_date: "2025-03-14",
        price: "2178",
        project: "山西贝尔年产35万吨复合肥项目",
        achieved: None,
    },
    DemoParcel {
        code: "XY2025-03",
        location: "园区经六路东侧、纬二路北侧",
        area: "61.56",
        promised: ["350", "1.2", "20", "1.0"],
        status: "transferred",
        transfer_date: "2025-05-12",
        price: "1847",
        project: "中催科技催化剂项目",
        achieved: None,
    },
    DemoParcel {
        code: "XY2024-07",
        location: "园区纬一路南侧、经三路东侧",
        area: "45.80",
        promised: ["300", "1.0", "15", "1.5"],
        status: "transferred",
        transfer_date: "2024-04-26",
        price: "1374",
        project: "坤元化工聚合氯化铝项目",
        achieved: Some(("2024", ["265", "1.1", "9.5", "1.8"])),
    },
    DemoParcel {
        code: "XY2025-04",
        location: "园区纬七路北侧、经五路东侧",
        area: "55.00",
        promised: ["300", "1.0", "15", "1.0"],
        status: "transferring",
        transfer_date: "",
        price: "",
        project: "",
        achieved: None,
    },
    DemoParcel {
        code: "XY2025-05",
        location: "园区纬八路南侧、经七路西侧",
        area: "38.40",
        promised: ["280", "1.0", "12", "1.0"],
        status: "reserve",
        transfer_date: "",
        price: "",
        project: "",
        achieved: None,
    },
    DemoParcel {
        code: "XY2025-06",
        location: "园区经八路东侧（储备用地）",
        area: "120.00",
        promised: ["", "", "", ""],
        status: "reserve",
        transfer_date: "",
        price: "",
        project: "",
        achieved: None,
    },
];

struct DemoPlant {
    name: &'static str,
    location: &'static str,
    owner: &'static str,
    building_m2: &'static str,
    land: &'static str,
    condition: &'static str,
    status: &'static str,
    date: &'static str,
    project: &'static str,
}

const PLANTS: &[DemoPlant] = &[
    DemoPlant {
        name: "原示例机械厂 1 号、2 号厂房",
        location: "园区纬三路东侧",
        owner: "示例业主甲有限公司",
        building_m2: "6200",
        land: "14.20",
        condition: "钢结构厂房，层高 12 米，带 10 吨行车",
        status: "revitalised",
        date: "2025-06-10",
        project: "首投悦雅共享单车生产基地项目",
    },
    DemoPlant {
        name: "原示例铸造车间",
        location: "园区经二路北段",
        owner: "示例业主乙有限公司",
        building_m2: "4300",
        land: "9.60",
        condition: "砖混结构，已完成加固",
        status: "revitalised",
        date: "2025-03-25",
        project: "山西卡仕途金属自动化装备制造项目",
    },
    DemoPlant {
        name: "原示例建材仓库",
        location: "园区纬一路西段",
        owner: "示例业主丙有限公司",
        building_m2: "3500",
        land: "7.50",
        condition: "轻钢结构仓库",
        status: "revitalised",
        date: "2024-09-18",
        project: "",
    },
    DemoPlant {
        name: "原示例食品厂车间",
        location: "园区经四路南段",
        owner: "示例业主丁有限公司",
        building_m2: "8600",
        land: "18.00",
        condition: "框架结构，水电齐全，需改造消防设施",
        status: "negotiating",
        date: "",
        project: "",
    },
    DemoPlant {
        name: "原示例纺织厂厂房",
        location: "园区纬六路北侧",
        owner: "示例业主戊有限公司",
        building_m2: "12000",
        land: "26.50",
        condition: "钢结构，屋面需翻修",
        status: "idle",
        date: "",
        project: "",
    },
    DemoPlant {
        name: "原示例配件厂小厂房",
        location: "园区经五路东侧",
        owner: "示例业主己有限公司",
        building_m2: "1800",
        land: "",
        condition: "砖混结构",
        status: "idle",
        date: "",
        project: "",
    },
];

/// The id of the named demo project, and its enterprise, when the projects demo loaded them.
fn taker(name: &str, by_name: &HashMap<String, i64>, enterprise_of: &HashMap<i64, Option<i64>>) -> (String, String) {
    match by_name.get(name) {
        Some(id) => {
            (id.to_string(), enterprise_of.get(id).copied().flatten().map(|e| e.to_string()).unwrap_or_default())
        }
        None => (String::new(), String::new()),
    }
}

pub(crate) async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let by_name: HashMap<String, i64> = project_names(db, zone_id).await?.into_iter().map(|(id, n)| (n, id)).collect();
    let enterprise_of: HashMap<i64, Option<i64>> = crate::entities::project::Entity::find()
        .filter(crate::entities::project::Column::ZoneId.eq(zone_id))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.enterprise_id))
        .collect();
    for p in PARCELS {
        let (project_id, enterprise_id) = taker(p.project, &by_name, &enterprise_of);
        let (year, achieved) = p.achieved.unwrap_or(("", ["", "", "", ""]));
        let f = ParcelForm {
            code: p.code.into(),
            location: p.location.into(),
            area: p.area.into(),
            investment_intensity: p.promised[0].into(),
            plot_ratio: p.promised[1].into(),
            tax_per_mu: p.promised[2].into(),
            energy: p.promised[3].into(),
            environment: if p.promised[0].is_empty() {
                String::new()
            } else {
                "污染物排放执行国家和山西省现行排放标准，满足园区规划环评要求".into()
            },
            status: p.status.into(),
            transfer_date: p.transfer_date.into(),
            price: p.price.into(),
            project_id,
            enterprise_id,
            achieved_year: year.into(),
            achieved_investment_intensity: achieved[0].into(),
            achieved_plot_ratio: achieved[1].into(),
            achieved_tax_per_mu: achieved[2].into(),
            achieved_energy: achieved[3].into(),
            notes: String::new(),
            version: String::new(),
        };
        land_parcels::create_in(db, actor, zone_id, &f).await?;
    }
    for p in PLANTS {
        let (project_id, enterprise_id) = taker(p.project, &by_name, &enterprise_of);
        let f = PlantForm {
            name: p.name.into(),
            location: p.location.into(),
            owner: p.owner.into(),
            owner_enterprise_id: String::new(),
            building_m2: p.building_m2.into(),
            land: p.land.into(),
            condition: p.condition.into(),
            status: p.status.into(),
            revitalised_date: p.date.into(),
            project_id,
            enterprise_id,
            notes: String::new(),
            version: String::new(),
        };
        idle_plants::create_in(db, actor, zone_id, &f).await?;
    }
    Ok(())
}
