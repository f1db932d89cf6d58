//! 投资项目代码: the code the national online approval and supervision platform for investment
//! projects gives every project, `YYYY-RRRRRR-II-TT-NNNNNN` (24 characters): year, region code
//! (GB/T 2260), industry code, project type code and serial number.

use serde::Serialize;

use crate::credit_code::fold_width;

/// Number of characters in a project code, separators included.
pub const LEN: usize = 24;

/// The five segments: name and number of digits.
const SEGMENTS: [(&str, usize); 5] =
    [("年份", 4), ("行政区划代码", 6), ("行业代码", 2), ("项目类型代码", 2), ("流水号", 6)];

const FORMAT_HINT: &str = "格式为 YYYY-RRRRRR-II-TT-NNNNNN（共 24 位），例如 2025-140423-26-03-000001";

/// A 投资项目代码 in its canonical form, e.g. `2025-140423-26-03-000001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "2025-140423-26-03-000001")]
pub struct ProjectCode(String);

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '－' | '—' | '–' | '‐' | '‑' | '−')
}

impl ProjectCode {
    /// Trims and removes spaces, accepts full-width digits and the hyphens `－`, `—` (and `–`)
    /// for `-`, and 20 digits without separators. Errors name the segment that is wrong.
    pub fn parse(input: &str) -> Result<ProjectCode, String> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if is_dash(c) { '-' } else { fold_width(c) })
            .collect();
        if s.is_empty() {
            return Err("投资项目代码不能为空".into());
        }
        let s = if s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit()) {
            format!("{}-{}-{}-{}-{}", &s[0..4], &s[4..10], &s[10..12], &s[12..14], &s[14..20])
        } else {
            s
        };
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != SEGMENTS.len() {
            return Err(format!(
                "投资项目代码应为以“-”分隔的 5 段，{FORMAT_HINT}；输入的“{}”有 {} 段",
                input.trim(),
                parts.len()
            ));
        }
        for (i, (part, (name, digits))) in parts.iter().zip(SEGMENTS).enumerate() {
            if part.len() != digits || !part.bytes().all(|b| b.is_ascii_digit()) {
                let actual = if part.is_empty() { "空".to_string() } else { format!("“{part}”") };
                return Err(format!("投资项目代码第 {} 段（{name}）应为 {digits} 位数字，实际为{actual}", i + 1));
            }
        }
        let year: i32 = parts[0].parse().map_err(|_| "投资项目代码第 1 段（年份）应为 4 位数字".to_string())?;
        if !(2000..=2099).contains(&year) {
            return Err(format!("投资项目代码第 1 段（年份）应在 2000 至 2099 之间，实际为 {year}"));
        }
        Ok(ProjectCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Segment 1: the year the code was given.
    pub fn year(&self) -> i32 {
        self.0[0..4].parse().unwrap_or(0)
    }

    /// Segment 2: the administrative-division code, e.g. "140423".
    pub fn region_code(&self) -> &str {
        &self.0[5..11]
    }

    /// Segment 3: the industry code.
    pub fn industry_code(&self) -> &str {
        &self.0[12..14]
    }

    /// Segment 4: the project type code.
    pub fn type_code(&self) -> &str {
        &self.0[15..17]
    }

    /// Segment 5: the serial number.
    pub fn serial(&self) -> &str {
        &self.0[18..24]
    }
}

impl std::fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProjectCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProjectCode::parse(s)
    }
}

impl AsRef<str> for ProjectCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_code() {
        let c = ProjectCode::parse("2025-140423-26-03-000001").unwrap();
        assert_eq!(c.as_str(), "2025-140423-26-03-000001");
        assert_eq!(c.as_str().len(), LEN);
        assert_eq!(c.year(), 2025);
        assert_eq!(c.region_code(), "140423");
        assert_eq!(c.industry_code(), "26");
        assert_eq!(c.type_code(), "03");
        assert_eq!(c.serial(), "000001");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"2025-140423-26-03-000001\"");
    }

    #[test]
    fn variants_are_normalised() {
        let want = "2024-140423-44-02-012345";
        for input in [
            " 2024-140423-44-02-012345 ",
            "2024－140423－44－02－012345",
            "2024—140423—44—02—012345",
            "２０２４－１４０４２３－４４－０２－０１２３４５",
            "2024 - 140423 - 44 - 02 - 012345",
            "20241404234402012345",
        ] {
            assert_eq!(ProjectCode::parse(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn errors_name_the_segment() {
        assert_eq!(ProjectCode::parse("").unwrap_err(), "投资项目代码不能为空");
        assert_eq!(
            ProjectCode::parse("2025-14042-26-03-000001").unwrap_err(),
            "投资项目代码第 2 段（行政区划代码）应为 6 位数字，实际为“14042”"
        );
        assert!(ProjectCode::parse("25-140423-26-03-000001").unwrap_err().contains("第 1 段（年份）应为 4 位数字"));
        assert!(
            ProjectCode::parse("2025-140423-2A-03-000001").unwrap_err().contains("第 3 段（行业代码）应为 2 位数字")
        );
        assert!(
            ProjectCode::parse("2025-140423-26-3-000001").unwrap_err().contains("第 4 段（项目类型代码）应为 2 位数字")
        );
        assert!(ProjectCode::parse("2025-140423-26-03-00001").unwrap_err().contains("第 5 段（流水号）应为 6 位数字"));
        assert!(
            ProjectCode::parse("2025-140423-26-03-").unwrap_err().contains("第 5 段（流水号）应为 6 位数字，实际为空")
        );
        let e = ProjectCode::parse("2025-140423-26-03").unwrap_err();
        assert!(e.contains("5 段") && e.contains("有 4 段"), "{e}");
        assert!(ProjectCode::parse("1999-140423-26-03-000001").unwrap_err().contains("2000 至 2099"));
        assert!(ProjectCode::parse("2100-140423-26-03-000001").unwrap_err().contains("实际为 2100"));
    }

    proptest! {
        #[test]
        fn every_well_formed_code_round_trips(
            year in 2000i32..=2099, region in 0u32..1_000_000, industry in 0u32..100, kind in 0u32..100,
            serial in 0u32..1_000_000,
        ) {
            let s = format!("{year}-{region:06}-{industry:02}-{kind:02}-{serial:06}");
            let c = ProjectCode::parse(&s).unwrap();
            prop_assert_eq!(c.as_str(), s.as_str());
            prop_assert_eq!(c.year(), year);
            prop_assert_eq!(ProjectCode::parse(&s.replace('-', "－")).unwrap(), c);
        }

        #[test]
        fn garbage_never_panics(s in "\\PC{0,30}") {
            let _ = ProjectCode::parse(&s);
        }
    }
}
