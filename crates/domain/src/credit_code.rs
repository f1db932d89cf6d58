//! 统一社会信用代码 (GB 32100-2015): 18 characters from `0-9` and `A-Z` without I, O, Z, S, V.
//! Positions 3–8 are the registering authority's administrative-division code (GB/T 2260), the
//! 18th character is a check character over the first 17 (weights 3^i mod 31).

use serde::Serialize;

/// The 31 characters a credit code is made of, in value order (value = index).
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weight of position i (0-based) in the check sum: 3^i mod 31.
pub const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Number of characters in a credit code.
pub const LEN: usize = 18;

/// A 统一社会信用代码: 18 characters of [`CHARSET`], normalised (ASCII, upper case, no spaces).
/// Codes made by [`CreditCode::parse`] also carry a correct check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "91350100M000100Y43")]
pub struct CreditCode(String);

/// Why a text is not a 统一社会信用代码. The Display text is plain Chinese for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码不能为空")]
    Empty,
    #[error("统一社会信用代码应为 18 位，输入的是 {given} 位")]
    Length { given: usize },
    #[error(
        "统一社会信用代码第 {position} 位“{found}”不是有效字符：只能是数字 0-9 和大写字母，且不使用 I、O、Z、S、V{}",
        hint(*found)
    )]
    InvalidChar {
        /// 1-based position in the normalised code.
        position: usize,
        found: char,
    },
    #[error("统一社会信用代码校验位错误：第 18 位应为 {expected}，实际为 {actual}")]
    CheckChar { expected: char, actual: char },
}

fn hint(c: char) -> &'static str {
    match c {
        'O' => "（字母 O 是否应为数字 0？）",
        'I' => "（字母 I 是否应为数字 1？）",
        'Z' => "（字母 Z 是否应为数字 2？）",
        'S' => "（字母 S 是否应为数字 5？）",
        _ => "",
    }
}

/// The value of a code character (its index in [`CHARSET`]).
fn value(c: char) -> Option<u32> {
    CHARSET.chars().position(|x| x == c).and_then(|i| u32::try_from(i).ok())
}

/// Full-width ASCII forms (U+FF01–U+FF5E: `０`–`９`, `Ａ`–`Ｚ`, `ａ`–`ｚ`, `－`, …) to ASCII.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Removes every space (ASCII, full-width, …), turns full-width letters and digits into ASCII
/// and upper-cases: "  ９１３５　0100m000100y43 " → "91350100M000100Y43".
pub fn normalize(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).map(|c| fold_width(c).to_ascii_uppercase()).collect()
}

/// The check character for the first 17 characters of a code, or `None` when `first17` is not
/// exactly 17 characters of [`CHARSET`] (no normalisation is done here).
pub fn check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != LEN - 1 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.chars().nth(usize::try_from(check).ok()?)
}

impl CreditCode {
    /// Normalises (see [`normalize`]), then checks length, characters and the check character.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let code = Self::parse_legacy(input)?;
        let expected = check_char(&code.0[..LEN - 1]).ok_or(CreditCodeError::Empty)?;
        let actual = code.0.chars().last().unwrap_or(' ');
        if expected != actual {
            return Err(CreditCodeError::CheckChar { expected, actual });
        }
        Ok(code)
    }

    /// Like [`CreditCode::parse`] but does not verify the check character: an administrator's
    /// override for known legacy codes. Length and characters are still checked.
    pub fn parse_legacy(input: &str) -> Result<CreditCode, CreditCodeError> {
        let s = normalize(input);
        let given = s.chars().count();
        if given == 0 {
            return Err(CreditCodeError::Empty);
        }
        if given != LEN {
            return Err(CreditCodeError::Length { given });
        }
        if let Some((i, found)) = s.chars().enumerate().find(|(_, c)| value(*c).is_none()) {
            return Err(CreditCodeError::InvalidChar { position: i + 1, found });
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Characters 3–8: the registering authority's administrative-division code, e.g. "140423".
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Whether the 18th character is the right check character (always true for codes made by
    /// [`CreditCode::parse`]; may be false for codes accepted by [`CreditCode::parse_legacy`]).
    pub fn has_valid_check(&self) -> bool {
        check_char(&self.0[..LEN - 1]).is_some_and(|c| self.0.ends_with(c))
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 17 characters with 襄垣县's region code, then the computed check character.
    fn xiangyuan(body: &str) -> String {
        let first17 = format!("91140423{body}");
        let c = check_char(&first17).unwrap();
        format!("{first17}{c}")
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
        assert_eq!(CHARSET.len(), 31);
        for banned in ['I', 'O', 'Z', 'S', 'V'] {
            assert!(!CHARSET.contains(banned));
        }
    }

    #[test]
    fn standard_example_is_valid() {
        // The example printed in GB 32100-2015.
        let c = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(c.region_code(), "350100");
        assert_eq!(check_char("91350100M000100Y4"), Some('3'));
        assert!(c.has_valid_check());
    }

    #[test]
    fn computed_xiangyuan_codes() {
        // Check characters computed by hand from the weights.
        assert_eq!(check_char("91140423MA0GR8K2P"), Some('N'));
        assert_eq!(xiangyuan("MA0GR8K2P"), "91140423MA0GR8K2PN");
        let c = CreditCode::parse("91140423MA0GR8K2PN").unwrap();
        assert_eq!(c.as_str(), "91140423MA0GR8K2PN");
        assert_eq!(c.region_code(), "140423");
        assert_eq!(c.to_string(), "91140423MA0GR8K2PN");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"91140423MA0GR8K2PN\"");
    }

    #[test]
    fn input_is_normalised() {
        let c = CreditCode::parse("  ９１１４０４２３ma0gr８k２pn　").unwrap();
        assert_eq!(c.as_str(), "91140423MA0GR8K2PN");
        let c = CreditCode::parse("9114 0423 MA0G R8K2 PN").unwrap();
        assert_eq!(c.as_str(), "91140423MA0GR8K2PN");
        assert_eq!("91350100m000100y43".parse::<CreditCode>().unwrap().as_str(), "91350100M000100Y43");
    }

    #[test]
    fn check_char_needs_17_valid_chars() {
        assert_eq!(check_char("91350100M000100Y"), None);
        assert_eq!(check_char("91350100M000100Y43"), None);
        assert_eq!(check_char("91350100M000100O4"), None);
        assert_eq!(check_char("91350100m000100y4"), None);
    }

    #[test]
    fn wrong_length_says_how_many() {
        assert_eq!(CreditCode::parse("9135010"), Err(CreditCodeError::Length { given: 7 }));
        assert_eq!(CreditCode::parse("9135010").unwrap_err().to_string(), "统一社会信用代码应为 18 位，输入的是 7 位");
        assert_eq!(CreditCode::parse("91350100M000100Y431"), Err(CreditCodeError::Length { given: 19 }));
        assert_eq!(CreditCode::parse("  "), Err(CreditCodeError::Empty));
        assert_eq!(CreditCode::parse("").unwrap_err().to_string(), "统一社会信用代码不能为空");
        // characters, not bytes
        assert_eq!(CreditCode::parse("山西省襄垣县"), Err(CreditCodeError::Length { given: 6 }));
    }

    #[test]
    fn invalid_character_names_it_and_where() {
        let e = CreditCode::parse("91350100MO00100Y43").unwrap_err();
        assert_eq!(e, CreditCodeError::InvalidChar { position: 10, found: 'O' });
        let m = e.to_string();
        assert!(m.contains("第 10 位“O”"), "{m}");
        assert!(m.contains("I、O、Z、S、V"), "{m}");
        assert!(m.contains("数字 0"), "{m}");
        let e = CreditCode::parse("91350100M000100Y4-").unwrap_err();
        assert_eq!(e, CreditCodeError::InvalidChar { position: 18, found: '-' });
        assert!(!e.to_string().contains('？'));
        // legacy codes are still checked for characters
        assert!(matches!(CreditCode::parse_legacy("9135010VM000100Y43"), Err(CreditCodeError::InvalidChar { .. })));
    }

    #[test]
    fn wrong_check_character_names_the_right_one() {
        let e = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(e, CreditCodeError::CheckChar { expected: '3', actual: '4' });
        assert_eq!(e.to_string(), "统一社会信用代码校验位错误：第 18 位应为 3，实际为 4");
    }

    #[test]
    fn legacy_skips_only_the_check() {
        let c = CreditCode::parse_legacy(" 91350100m000100y44 ").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y44");
        assert!(!c.has_valid_check());
        assert_eq!(c.region_code(), "350100");
        assert!(CreditCode::parse_legacy("91350100M000100Y4").is_err());
    }

    fn code_char() -> impl Strategy<Value = char> {
        proptest::sample::select(CHARSET.chars().collect::<Vec<_>>())
    }

    fn first17() -> impl Strategy<Value = String> {
        (code_char(), code_char(), proptest::collection::vec(code_char(), 9)).prop_map(|(a, b, rest)| {
            let mut s = String::new();
            s.push(a);
            s.push(b);
            s.push_str("140423");
            s.extend(rest);
            s
        })
    }

    proptest! {
        #[test]
        fn computed_codes_parse_and_every_other_check_char_fails(body in first17()) {
            let check = check_char(&body).unwrap();
            let code = format!("{body}{check}");
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(parsed.region_code(), "140423");
            for other in CHARSET.chars().filter(|c| *c != check) {
                let e = CreditCode::parse(&format!("{body}{other}")).unwrap_err();
                prop_assert_eq!(&e, &CreditCodeError::CheckChar { expected: check, actual: other });
                let expected_text = format!("第 18 位应为 {check}，实际为 {other}");
                prop_assert!(e.to_string().contains(&expected_text));
                // the admin override still accepts it
                let wrong = format!("{body}{other}");
                prop_assert!(CreditCode::parse_legacy(&wrong).is_ok());
            }
        }

        #[test]
        fn any_single_substitution_is_detected(body in first17(), pos in 0usize..17, c in code_char()) {
            let check = check_char(&body).unwrap();
            let mut chars: Vec<char> = body.chars().collect();
            prop_assume!(chars[pos] != c);
            chars[pos] = c;
            let changed: String = chars.into_iter().collect();
            let wrong = format!("{changed}{check}");
            prop_assert!(CreditCode::parse(&wrong).is_err());
        }

        #[test]
        fn lower_case_full_width_and_spaces_are_normalised(body in first17(), gap in 0usize..18) {
            let code = format!("{body}{}", check_char(&body).unwrap());
            let messy: String = code
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let c = if i % 2 == 0 {
                        char::from_u32(u32::from(c.to_ascii_lowercase()) + 0xFEE0).unwrap()
                    } else {
                        c.to_ascii_lowercase()
                    };
                    if i == gap { vec!['\u{3000}', c] } else { vec![c] }
                })
                .collect();
            let parsed = CreditCode::parse(&format!(" {messy} ")).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }
    }
}
