//! 国民经济行业分类 GB/T 4754-2017: 20 门类 (sections, a letter A–T) and 97 大类 (divisions,
//! two digits 01–97). 中类 (3 digits) and 小类 (4 digits) are accepted as codes and named after
//! their 大类; their own names are not carried.

use serde::{Deserialize, Serialize};

use crate::credit_code::fold_width;

/// The 20 门类: letter and official name.
static SECTIONS: [(char, &str); 20] = [
    ('A', "农、林、牧、渔业"),
    ('B', "采矿业"),
    ('C', "制造业"),
    ('D', "电力、热力、燃气及水生产和供应业"),
    ('E', "建筑业"),
    ('F', "批发和零售业"),
    ('G', "交通运输、仓储和邮政业"),
    ('H', "住宿和餐饮业"),
    ('I', "信息传输、软件和信息技术服务业"),
    ('J', "金融业"),
    ('K', "房地产业"),
    ('L', "租赁和商务服务业"),
    ('M', "科学研究和技术服务业"),
    ('N', "水利、环境和公共设施管理业"),
    ('O', "居民服务、修理和其他服务业"),
    ('P', "教育"),
    ('Q', "卫生和社会工作"),
    ('R', "文化、体育和娱乐业"),
    ('S', "公共管理、社会保障和社会组织"),
    ('T', "国际组织"),
];

/// The 97 大类: code, official name and the 门类 it belongs to.
static DIVISIONS: [(&str, &str, char); 97] = [
    ("01", "农业", 'A'),
    ("02", "林业", 'A'),
    ("03", "畜牧业", 'A'),
    ("04", "渔业", 'A'),
    ("05", "农、林、牧、渔专业及辅助性活动", 'A'),
    ("06", "煤炭开采和洗选业", 'B'),
    ("07", "石油和天然气开采业", 'B'),
    ("08", "黑色金属矿采选业", 'B'),
    ("09", "有色金属矿采选业", 'B'),
    ("10", "非金属矿采选业", 'B'),
    ("11", "开采专业及辅助性活动", 'B'),
    ("12", "其他采矿业", 'B'),
    ("13", "农副食品加工业", 'C'),
    ("14", "食品制造业", 'C'),
    ("15", "酒、饮料和精制茶制造业", 'C'),
    ("16", "烟草制品业", 'C'),
    ("17", "纺织业", 'C'),
    ("18", "纺织服装、服饰业", 'C'),
    ("19", "皮革、毛皮、羽毛及其制品和制鞋业", 'C'),
    ("20", "木材加工和木、竹、藤、棕、草制品业", 'C'),
    ("21", "家具制造业", 'C'),
    ("22", "造纸和纸制品业", 'C'),
    ("23", "印刷和记录媒介复制业", 'C'),
    ("24", "文教、工美、体育和娱乐用品制造业", 'C'),
    ("25", "石油、煤炭及其他燃料加工业", 'C'),
    ("26", "化学原料和化学制品制造业", 'C'),
    ("27", "医药制造业", 'C'),
    ("28", "化学纤维制造业", 'C'),
    ("29", "橡胶和塑料制品业", 'C'),
    ("30", "非金属矿物制品业", 'C'),
    ("31", "黑色金属冶炼和压延加工业", 'C'),
    ("32", "有色金属冶炼和压延加工业", 'C'),
    ("33", "金属制品业", 'C'),
    ("34", "通用设备制造业", 'C'),
    ("35", "专用设备制造业", 'C'),
    ("36", "汽车制造业", 'C'),
    ("37", "铁路、船舶、航空航天和其他运输设备制造业", 'C'),
    ("38", "电气机械和器材制造业", 'C'),
    ("39", "计算机、通信和其他电子设备制造业", 'C'),
    ("40", "仪器仪表制造业", 'C'),
    ("41", "其他制造业", 'C'),
    ("42", "废弃资源综合利用业", 'C'),
    ("43", "金属制品、机械和设备修理业", 'C'),
    ("44", "电力、热力生产和供应业", 'D'),
    ("45", "燃气生产和供应业", 'D'),
    ("46", "水的生产和供应业", 'D'),
    ("47", "房屋建筑业", 'E'),
    ("48", "土木工程建筑业", 'E'),
    ("49", "建筑安装业", 'E'),
    ("50", "建筑装饰、装修和其他建筑业", 'E'),
    ("51", "批发业", 'F'),
    ("52", "零售业", 'F'),
    ("53", "铁路运输业", 'G'),
    ("54", "道路运输业", 'G'),
    ("55", "水上运输业", 'G'),
    ("56", "航空运输业", 'G'),
    ("57", "管道运输业", 'G'),
    ("58", "多式联运和运输代理业", 'G'),
    ("59", "装卸搬运和仓储业", 'G'),
    ("60", "邮政业", 'G'),
    ("61", "住宿业", 'H'),
    ("62", "餐饮业", 'H'),
    ("63", "电信、广播电视和卫星传输服务", 'I'),
    ("64", "互联网和相关服务", 'I'),
    ("65", "软件和信息技术服务业", 'I'),
    ("66", "货币金融服务", 'J'),
    ("67", "资本市场服务", 'J'),
    ("68", "保险业", 'J'),
    ("69", "其他金融业", 'J'),
    ("70", "房地产业", 'K'),
    ("71", "租赁业", 'L'),
    ("72", "商务服务业", 'L'),
    ("73", "研究和试验发展", 'M'),
    ("74", "专业技术服务业", 'M'),
    ("75", "科技推广和应用服务业", 'M'),
    ("76", "水利管理业", 'N'),
    ("77", "生态保护和环境治理业", 'N'),
    ("78", "公共设施管理业", 'N'),
    ("79", "土地管理业", 'N'),
    ("80", "居民服务业", 'O'),
    ("81", "机动车、电子产品和日用产品修理业", 'O'),
    ("82", "其他服务业", 'O'),
    ("83", "教育", 'P'),
    ("84", "卫生", 'Q'),
    ("85", "社会工作", 'Q'),
    ("86", "新闻和出版业", 'R'),
    ("87", "广播、电视、电影和录音制作业", 'R'),
    ("88", "文化艺术业", 'R'),
    ("89", "体育", 'R'),
    ("90", "娱乐业", 'R'),
    ("91", "中国共产党机关", 'S'),
    ("92", "国家机构", 'S'),
    ("93", "人民政协、民主党派", 'S'),
    ("94", "社会保障", 'S'),
    ("95", "群众团体、社会团体和其他成员组织", 'S'),
    ("96", "基层群众自治组织及其他组织", 'S'),
    ("97", "国际组织", 'T'),
];

/// The 20 门类 (letter, name), in order A–T.
pub fn sections() -> &'static [(char, &'static str)] {
    &SECTIONS
}

/// The 97 大类 (code, name, 门类 letter), in code order 01–97.
pub fn divisions() -> &'static [(&'static str, &'static str, char)] {
    &DIVISIONS
}

/// The name of a 门类 letter (upper case).
pub fn section_name(letter: char) -> Option<&'static str> {
    SECTIONS.iter().find(|(l, _)| *l == letter).map(|(_, n)| *n)
}

/// The 大类 with this two-digit code: (code, name, 门类 letter).
pub fn division(code: &str) -> Option<(&'static str, &'static str, char)> {
    DIVISIONS.iter().find(|(c, _, _)| *c == code).copied()
}

/// An industry classification as entered: a 门类 (code "C"), a 大类 ("26"), a 中类 ("262") or a
/// 小类 ("2624"). `name` is the 门类's or 大类's official name (for 中类 and 小类, the name of
/// their 大类); `section` is the 门类 letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Industry {
    /// "C", "26", "262" or "2624".
    pub code: String,
    /// e.g. "化学原料和化学制品制造业".
    pub name: String,
    /// 门类 letter, e.g. 'C'.
    #[schema(value_type = String, example = "C")]
    pub section: char,
}

const FORMAT_HINT: &str = "应为门类字母（A–T）或 2、3、4 位数字代码（GB/T 4754-2017），例如 C、26、2624";

impl Industry {
    /// Accepts a 门类 letter ("C", "c"), or a 2-, 3- or 4-digit code ("26", "262", "2624"),
    /// optionally preceded by its 门类 letter ("C2624"). Spaces are removed, full-width
    /// characters folded, letters upper-cased. 3- and 4-digit codes must start with a valid 大类.
    pub fn parse(input: &str) -> Result<Industry, String> {
        let s: String =
            input.chars().filter(|c| !c.is_whitespace()).map(|c| fold_width(c).to_ascii_uppercase()).collect();
        if s.is_empty() {
            return Err("行业代码不能为空".into());
        }
        let (letter, digits) = match s.chars().next() {
            Some(c) if c.is_ascii_uppercase() => (Some(c), &s[1..]),
            _ => (None, s.as_str()),
        };
        if let Some(l) = letter {
            let Some(name) = section_name(l) else {
                return Err(format!("行业门类“{l}”不存在：门类为 A 至 T 的 20 个字母"));
            };
            if digits.is_empty() {
                return Ok(Industry { code: l.to_string(), name: name.to_string(), section: l });
            }
        }
        if !(2..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("行业代码“{}”格式不对：{FORMAT_HINT}", input.trim()));
        }
        let Some((div_code, div_name, section)) = division(&digits[..2]) else {
            return Err(format!("行业大类“{}”不存在：大类代码为 01 至 97", &digits[..2]));
        };
        if let Some(l) = letter
            && l != section
        {
            let section_label = section_name(section).unwrap_or_default();
            return Err(format!(
                "行业代码“{}”的门类 {l} 与大类不符：{div_code} {div_name}属于门类 {section}（{section_label}）",
                input.trim()
            ));
        }
        Ok(Industry { code: digits.to_string(), name: div_name.to_string(), section })
    }

    /// Whether this is a 门类 (a letter) rather than a numeric code.
    pub fn is_section(&self) -> bool {
        self.code.len() == 1
    }

    /// The 大类 code ("26" for "26", "262" and "2624"); `None` for a 门类.
    pub fn division_code(&self) -> Option<&str> {
        self.code.get(..2).filter(|_| !self.is_section())
    }

    /// The 门类's name, e.g. "制造业".
    pub fn section_name(&self) -> &'static str {
        section_name(self.section).unwrap_or_default()
    }

    /// For display: "C 制造业", "26 化学原料和化学制品制造业", "2624（属 26 化学原料和化学制品制造业）".
    pub fn label(&self) -> String {
        match self.division_code() {
            Some(d) if self.code.len() > 2 => format!("{}（属 {d} {}）", self.code, self.name),
            _ => format!("{} {}", self.code, self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn chemicals_are_manufacturing() {
        let i = Industry::parse("26").unwrap();
        assert_eq!(i, Industry { code: "26".into(), name: "化学原料和化学制品制造业".into(), section: 'C' });
        assert_eq!(i.section_name(), "制造业");
        assert_eq!(i.label(), "26 化学原料和化学制品制造业");
        assert_eq!(serde_json::to_value(&i).unwrap()["section"], "C");
    }

    #[test]
    fn three_and_four_digit_codes_take_their_division() {
        let i = Industry::parse("2624").unwrap();
        assert_eq!(i.code, "2624");
        assert_eq!(i.name, "化学原料和化学制品制造业");
        assert_eq!(i.section, 'C');
        assert_eq!(i.division_code(), Some("26"));
        assert_eq!(i.label(), "2624（属 26 化学原料和化学制品制造业）");
        assert_eq!(Industry::parse("441").unwrap().name, "电力、热力生产和供应业");
        assert_eq!(Industry::parse("C2624").unwrap().code, "2624");
        assert_eq!(Industry::parse(" ２６２４ ").unwrap().code, "2624");
        assert_eq!(Industry::parse("9700").unwrap().section, 'T');
    }

    #[test]
    fn sections_by_letter() {
        let c = Industry::parse("C").unwrap();
        assert_eq!(c.name, "制造业");
        assert_eq!(c.section, 'C');
        assert!(c.is_section());
        assert_eq!(c.division_code(), None);
        assert_eq!(c.label(), "C 制造业");
        assert_eq!(Industry::parse(" c ").unwrap(), c);
        assert_eq!(Industry::parse("Ｃ").unwrap(), c);
        assert_eq!(Industry::parse("T").unwrap().name, "国际组织");
    }

    #[test]
    fn bad_codes_say_why() {
        assert_eq!(Industry::parse("99").unwrap_err(), "行业大类“99”不存在：大类代码为 01 至 97");
        assert!(Industry::parse("00").unwrap_err().contains("不存在"));
        assert!(Industry::parse("9901").unwrap_err().contains("“99”不存在"));
        assert!(Industry::parse("U").unwrap_err().contains("A 至 T"));
        assert!(Industry::parse("2").unwrap_err().contains("格式不对"));
        assert!(Industry::parse("26245").unwrap_err().contains("格式不对"));
        assert!(Industry::parse("化工").unwrap_err().contains("格式不对"));
        assert_eq!(Industry::parse(" ").unwrap_err(), "行业代码不能为空");
        let e = Industry::parse("B26").unwrap_err();
        assert!(e.contains("属于门类 C（制造业）"), "{e}");
    }

    #[test]
    fn tables_are_complete() {
        assert_eq!(sections().len(), 20);
        assert_eq!(divisions().len(), 97);
        let letters: HashSet<char> = sections().iter().map(|(l, _)| *l).collect();
        assert_eq!(letters.len(), 20);
        assert_eq!(letters, ('A'..='T').collect());
        let codes: HashSet<&str> = divisions().iter().map(|(c, _, _)| *c).collect();
        assert_eq!(codes.len(), 97);
        // 01–97 in order, each in a known section, sections in non-decreasing order
        for (i, (code, name, section)) in divisions().iter().enumerate() {
            assert_eq!(*code, format!("{:02}", i + 1));
            assert!(!name.is_empty());
            assert!(letters.contains(section));
        }
        assert!(divisions().windows(2).all(|w| w[0].2 <= w[1].2));
        // every section has at least one division
        for (l, _) in sections() {
            assert!(divisions().iter().any(|d| d.2 == *l), "{l}");
        }
        assert_eq!(divisions().iter().filter(|d| d.2 == 'C').count(), 31);
    }

    proptest! {
        #[test]
        fn every_subcode_of_a_division_parses(d in 1usize..=97, rest in 0u32..100, len in 2usize..=4) {
            let code = format!("{d:02}{rest:02}")[..len].to_string();
            let i = Industry::parse(&code).unwrap();
            let (dc, name, section) = divisions()[d - 1];
            prop_assert_eq!(i.division_code(), Some(dc));
            prop_assert_eq!(i.name.as_str(), name);
            prop_assert_eq!(i.section, section);
            prop_assert_eq!(Industry::parse(&format!("{section}{code}")).unwrap(), i);
        }
    }
}
