//! Development zones: level, region code, chemical-park risk grade.

use serde::{Deserialize, Serialize};

use crate::validate::{Invalid, NAME_MAX};

/// 开发区级别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZoneLevel {
    National,
    Provincial,
}

impl ZoneLevel {
    pub const ALL: [ZoneLevel; 2] = [ZoneLevel::National, ZoneLevel::Provincial];

    pub fn code(self) -> &'static str {
        match self {
            ZoneLevel::National => "national",
            ZoneLevel::Provincial => "provincial",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ZoneLevel::National => "国家级",
            ZoneLevel::Provincial => "省级",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == s || l.label() == s)
    }
}

/// 化工园区安全风险等级. A is the HIGHEST risk, D the LOWEST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub enum RiskGrade {
    A,
    B,
    C,
    D,
}

impl RiskGrade {
    pub const ALL: [RiskGrade; 4] = [RiskGrade::A, RiskGrade::B, RiskGrade::C, RiskGrade::D];

    pub fn code(self) -> &'static str {
        match self {
            RiskGrade::A => "A",
            RiskGrade::B => "B",
            RiskGrade::C => "C",
            RiskGrade::D => "D",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        Self::ALL.into_iter().find(|g| g.code() == s)
    }

    /// e.g. "D 级（较低安全风险）".
    pub fn label(self) -> &'static str {
        match self {
            RiskGrade::A => "A 级（高安全风险）",
            RiskGrade::B => "B 级（较高安全风险）",
            RiskGrade::C => "C 级（一般安全风险）",
            RiskGrade::D => "D 级（较低安全风险）",
        }
    }
}

/// A six-digit administrative-division code (GB/T 2260), e.g. 140423 襄垣县.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionCode(u32);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("行政区划代码应为 6 位数字，例如 140423（襄垣县）".into());
        }
        let n: u32 = s.parse().map_err(|_| "行政区划代码应为 6 位数字".to_string())?;
        let province = n / 10_000;
        if !(11..=82).contains(&province) {
            return Err(format!("行政区划代码前两位 {province:02} 不是有效的省级代码"));
        }
        Ok(RegionCode(n))
    }

    /// The city-level code: 140423 → 140400.
    pub fn city(self) -> RegionCode {
        RegionCode(self.0 / 100 * 100)
    }

    pub fn as_str(self) -> String {
        format!("{:06}", self.0)
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// A zone as entered on the zone form, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneInput {
    pub name: String,
    pub level: ZoneLevel,
    pub region_code: RegionCode,
    pub city_name: String,
    pub risk_grade: Option<RiskGrade>,
    pub staff_posts: i32,
}

/// The raw fields of a zone form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub region_code: String,
    #[serde(default)]
    pub city_name: String,
    #[serde(default)]
    pub risk_grade: String,
    #[serde(default)]
    pub staff_posts: String,
}

impl ZoneForm {
    pub fn validate(&self) -> Result<ZoneInput, Invalid> {
        let mut e = Invalid::new();
        let name = e.required("name", "开发区名称", &self.name, NAME_MAX);
        let city_name = e.required("city_name", "所属城市", &self.city_name, NAME_MAX);
        let level = ZoneLevel::parse(self.level.trim());
        if level.is_none() {
            e.add("level", "请选择开发区级别（国家级或省级）");
        }
        let region = RegionCode::parse(&self.region_code);
        if let Err(m) = &region {
            e.add("region_code", m.clone());
        }
        let risk_grade = if self.risk_grade.trim().is_empty() {
            None
        } else {
            let g = RiskGrade::parse(&self.risk_grade);
            if g.is_none() {
                e.add("risk_grade", "化工园区安全风险等级应为 A、B、C、D 之一，或留空（非化工园区）");
            }
            g
        };
        let staff_posts = match self.staff_posts.trim().parse::<i32>() {
            Ok(n) if (0..=100_000).contains(&n) => n,
            _ => {
                e.add("staff_posts", "编制数应为 0 到 100000 之间的整数");
                0
            }
        };
        e.into_result()?;
        Ok(ZoneInput {
            name,
            level: level.expect("checked"),
            region_code: region.expect("checked"),
            city_name,
            risk_grade,
            staff_posts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xiangyuan_belongs_to_changzhi() {
        let c = RegionCode::parse("140423").unwrap();
        assert_eq!(c.city().as_str(), "140400");
    }

    #[test]
    fn region_code_rejects_garbage() {
        assert!(RegionCode::parse("14042").is_err());
        assert!(RegionCode::parse("14042x").is_err());
        assert!(RegionCode::parse("990000").is_err());
    }

    #[test]
    fn d_is_the_lowest_risk() {
        assert!(RiskGrade::D > RiskGrade::A);
        assert!(RiskGrade::D.label().contains("较低"));
        assert_eq!(RiskGrade::parse(" d "), Some(RiskGrade::D));
    }

    #[test]
    fn zone_form_names_every_bad_field() {
        let f = ZoneForm {
            name: "".into(),
            level: "县级".into(),
            region_code: "12".into(),
            city_name: "长治市".into(),
            risk_grade: "E".into(),
            staff_posts: "-1".into(),
        };
        let e = f.validate().unwrap_err();
        for field in ["name", "level", "region_code", "risk_grade", "staff_posts"] {
            assert!(e.message_for(field).is_some(), "{field}");
        }
        assert!(e.message_for("city_name").is_none());
    }
}
