//! Demo 亩均效益评价: the zone's 2024 scheme (the 浙江 preset) and the 2024 figures of 15 of
//! the park's enterprises (invented but plausible for a coal-chemical park): two use less than
//! 3 亩 (out of scope), one went into production in 2023 (exempt for 2 years) and one is marked
//! 不定等级 by hand. Entered through the same repository functions the pages use.

use kaifaqu_domain::per_mu::Scheme;

use crate::lookups::Lookups;
use crate::per_mu::{self, RecordForm};
use crate::{Actor, Db, StoreError};

/// The evaluated year of the demo.
pub const YEAR: i32 = 2024;

/// (enterprise, 亩, 税收 万元, 营业收入 万元, 工业增加值 万元, 综合能耗 吨标准煤, 研发经费 万元,
/// 从业人员, 投产年份, 不定等级原因).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ROWS: &[Row] = &[
    ("山西鸿达煤化有限公司", "320", "6800", "185000", "42000", "260000", "3700", "860", "", ""),
    ("山西坤元化工有限公司", "85", "1250", "36000", "8200", "21000", "900", "210", "", ""),
    ("山西贝尔化肥有限公司", "110", "900", "42000", "6900", "38000", "700", "260", "", ""),
    ("示例焦化有限公司", "450", "9200", "320000", "51000", "980000", "2600", "1350", "", ""),
    ("示例煤焦油加工有限公司", "120", "1500", "58000", "9800", "150000", "600", "260", "", ""),
    ("示例精细化工有限公司", "60", "1400", "26000", "7400", "9000", "1100", "180", "", ""),
    ("示例氯碱化工有限公司", "210", "3100", "96000", "18800", "240000", "1900", "540", "", ""),
    ("示例甲醇有限公司", "150", "1300", "67000", "9900", "310000", "400", "300", "", ""),
    ("示例化肥有限公司", "95", "700", "31000", "5200", "42000", "300", "220", "", ""),
    ("示例机械制造有限公司", "35", "420", "9800", "2600", "1600", "380", "120", "", ""),
    ("示例建材有限公司", "48", "260", "8800", "1900", "26000", "60", "140", "", ""),
    // put into production in 2023: under the preset's 2 years
    ("示例新材料科技有限公司", "40", "980", "15500", "4600", "3800", "820", "95", "2023", ""),
    // under 3 亩: out of scope
    ("示例危化品仓储有限公司", "2.6", "45", "900", "300", "120", "0", "18", "", ""),
    ("示例物流有限公司", "2.4", "30", "1200", "400", "80", "0", "25", "", ""),
    // marked by hand
    ("示例食品有限公司", "22", "180", "6200", "1500", "900", "50", "110", "", "2024 年停产技术改造，经认定不定等级"),
];

pub(crate) async fn load(db: &Db, actor: &Actor, zone_id: i64) -> Result<(), StoreError> {
    let scheme = Scheme::preset(per_mu::DEFAULT_PRESET).expect("the default preset exists");
    per_mu::save_scheme(db, actor, zone_id, YEAR, &scheme).await?;
    let l = Lookups::load(db, zone_id).await?;
    for (name, land, tax, revenue, va, energy, rd, people, production, reason) in ROWS {
        let Some(id) = l.enterprises.iter().find(|(_, n)| n.as_str() == *name).map(|(id, _)| *id) else {
            continue;
        };
        let f = RecordForm {
            year: YEAR.to_string(),
            enterprise_id: id.to_string(),
            land_mu: land.to_string(),
            tax_wan: tax.to_string(),
            revenue_wan: revenue.to_string(),
            value_added_wan: va.to_string(),
            energy_tce: energy.to_string(),
            rd_wan: rd.to_string(),
            employees: people.to_string(),
            production_year: production.to_string(),
            exempt: (!reason.is_empty()).then(|| "on".to_string()),
            exempt_reason: reason.to_string(),
        };
        per_mu::create_in(db, actor, zone_id, &f).await?;
    }
    Ok(())
}
