//! Money and land, exact. Investment is quoted in 亿元 with up to 4 decimals, so it is stored
//! as an integer number of 万元 (1 亿元 = 10,000 万元; 0.0001 亿元 = 1 万元). Land is quoted in 亩
//! with 2 decimals, stored as an integer number of 0.01 亩.

use serde::{Deserialize, Serialize};

/// An amount of money in whole 万元 (never a float).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Wan(pub i64);

/// The largest investment accepted for one project: 10,000 亿元.
pub const MAX_YI: i64 = 10_000;

impl Wan {
    pub fn from_yi(yi: i64) -> Wan {
        Wan(yi * 10_000)
    }

    /// Parses a quantity of 亿元: "3", "0.95", "2.6", "1,234.5", "273.76亿元", " 4.48 亿 ".
    /// A value with a 万元 unit ("9500万元", "9500 万") is read as 万元. At most 4 decimals in
    /// 亿元; negative values and values over 10,000 亿元 are refused. Errors are in Chinese.
    pub fn parse_yi(input: &str) -> Result<Wan, String> {
        let s = input.trim().replace([',', '，', ' '], "");
        if s.is_empty() {
            return Err("金额不能为空".into());
        }
        let (num, unit_wan) = if let Some(n) = s.strip_suffix("万元").or_else(|| s.strip_suffix('万')) {
            (n, true)
        } else {
            (s.strip_suffix("亿元").or_else(|| s.strip_suffix('亿')).unwrap_or(&s), false)
        };
        if num.starts_with('-') {
            return Err(format!("金额“{}”不能为负数", input.trim()));
        }
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        if int_part.is_empty() && frac_part.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!("金额“{}”不是数字", input.trim()));
        }
        let max_decimals = if unit_wan { 0 } else { 4 };
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > max_decimals {
            return Err(if unit_wan {
                format!("金额“{}”：以万元计时应为整数", input.trim())
            } else {
                format!("金额“{}”：以亿元计最多 4 位小数", input.trim())
            });
        }
        if int_part.len() > 12 {
            return Err(format!("金额“{}”超过 {MAX_YI} 亿元", input.trim()));
        }
        let int: i64 =
            if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| "金额不是数字".to_string())? };
        let wan = if unit_wan {
            int
        } else {
            let mut frac = frac_trimmed.to_string();
            while frac.len() < 4 {
                frac.push('0');
            }
            int * 10_000 + frac.parse::<i64>().unwrap_or(0)
        };
        if wan > MAX_YI * 10_000 {
            return Err(format!("金额“{}”超过 {MAX_YI} 亿元", input.trim()));
        }
        Ok(Wan(wan))
    }

    /// 亿元 with exactly 2 decimals, rounded half up: 0.95, 3.00, 273.76.
    pub fn yi_2(self) -> String {
        let hundredths = (self.0 + 50) / 100;
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }

    /// 亿元 with trailing zeros trimmed (up to 4 decimals): 3, 2.6, 0.95, 1.2345.
    pub fn yi_trimmed(self) -> String {
        let int = self.0 / 10_000;
        let frac = self.0 % 10_000;
        if frac == 0 { int.to_string() } else { format!("{int}.{}", format!("{frac:04}").trim_end_matches('0')) }
    }

    /// The exact value in 亿元 for spreadsheets (a decimal string, never lossy for display).
    pub fn yi_exact(self) -> String {
        self.yi_trimmed()
    }
}

impl std::ops::Add for Wan {
    type Output = Wan;
    fn add(self, o: Wan) -> Wan {
        Wan(self.0 + o.0)
    }
}

impl std::iter::Sum for Wan {
    fn sum<I: Iterator<Item = Wan>>(iter: I) -> Wan {
        Wan(iter.map(|w| w.0).sum())
    }
}

/// An area in hundredths of a 亩 (1 亩 = 10000/15 m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Mu100(pub i64);

impl Mu100 {
    /// Parses "220.41", "220.41亩", "12" (at most 2 decimals, not negative, ≤ 1,000,000 亩).
    pub fn parse(input: &str) -> Result<Mu100, String> {
        let s = input.trim().replace([',', '，', ' '], "");
        let num = s.strip_suffix('亩').unwrap_or(&s);
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        if num.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || int_part.is_empty() && frac_part.is_empty()
        {
            return Err(format!("面积“{}”不是非负数字", input.trim()));
        }
        let frac = frac_part.trim_end_matches('0');
        if frac.len() > 2 {
            return Err(format!("面积“{}”：以亩计最多 2 位小数", input.trim()));
        }
        if int_part.len() > 7 {
            return Err(format!("面积“{}”过大", input.trim()));
        }
        let int: i64 =
            if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| "面积不是数字".to_string())? };
        let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
        Ok(Mu100(int * 100 + f))
    }

    /// 亩 with 2 decimals: 220.41.
    pub fn mu_2(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    /// Square metres, rounded to whole m² (1 亩 = 10000/15 m²).
    pub fn square_metres(self) -> i64 {
        // hundredths of a mu × 10000 / 15 / 100 = × 20 / 3
        (self.0 * 20 + 1) / 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_amounts() {
        assert_eq!(Wan::parse_yi("0.95").unwrap(), Wan(9_500));
        assert_eq!(Wan::parse_yi("3").unwrap(), Wan(30_000));
        assert_eq!(Wan::parse_yi("273.76亿元").unwrap(), Wan(2_737_600));
        assert_eq!(Wan::parse_yi(" 4.48 亿 ").unwrap(), Wan(44_800));
        assert_eq!(Wan::parse_yi("9500万元").unwrap(), Wan(9_500));
        assert_eq!(Wan::parse_yi("1,234.5").unwrap(), Wan(12_345_000));
        assert_eq!(Wan(9_500).yi_2(), "0.95");
        assert_eq!(Wan(30_000).yi_2(), "3.00");
        assert_eq!(Wan(26_000).yi_trimmed(), "2.6");
        assert_eq!(Wan(12_345).yi_trimmed(), "1.2345");
    }

    #[test]
    fn bad_amounts_say_why() {
        assert!(Wan::parse_yi("-1").unwrap_err().contains("负数"));
        assert!(Wan::parse_yi("1.23456").unwrap_err().contains("4 位小数"));
        assert!(Wan::parse_yi("10000.0001").unwrap_err().contains("超过"));
        assert!(Wan::parse_yi("abc").unwrap_err().contains("不是数字"));
        assert!(Wan::parse_yi("").is_err());
        assert!(Wan::parse_yi(".").is_err());
        assert!(Wan::parse_yi("1.5万").is_err());
        assert!(Wan::parse_yi("10000").is_ok());
    }

    #[test]
    fn land() {
        assert_eq!(Mu100::parse("220.41").unwrap(), Mu100(22_041));
        assert_eq!(Mu100::parse("12亩").unwrap().mu_2(), "12.00");
        assert_eq!(Mu100(100).square_metres(), 667);
        assert_eq!(Mu100(1500).square_metres(), 10_000);
        assert!(Mu100::parse("1.234").is_err());
        assert!(Mu100::parse("-3").is_err());
    }

    proptest! {
        #[test]
        fn parse_and_print_round_trip(wan in 0i64..=100_000_000) {
            let w = Wan(wan);
            prop_assert_eq!(Wan::parse_yi(&w.yi_trimmed()).unwrap(), w);
        }

        #[test]
        fn sums_are_exact(a in proptest::collection::vec(0i64..1_000_000, 0..60)) {
            let total: Wan = a.iter().map(|x| Wan(*x)).sum();
            prop_assert_eq!(total.0, a.iter().sum::<i64>());
        }
    }
}
