//! Password rules, in two authentication profiles (issue 10 A2). The 等保 profile (the default):
//! at least 8 characters, 3 of the 4 character classes, changed every 90 days. The ASVS profile
//! (OWASP ASVS 5.0 V6.2): at least 12 characters, no composition rules, no periodic change. Both:
//! not containing the login name; not a common password nor one built on a common
//! password ("P@ssw0rd!" is "password" dressed up); not containing the unit's own words (the
//! zone's name, its place name also in pinyin — 襄垣: xiangyuan, xy —, 管委会, 经开区 …). Up to
//! 128 characters of any script are accepted and every character counts (no truncation).

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// An authentication profile: which password rules apply and whether passwords expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// 等保 2.0 level 3 (GB/T 22239-2019 8.1.4.1 a): complexity and periodic change.
    #[default]
    Dengbao,
    /// OWASP ASVS 5.0 level 2 (V6.2): length over composition, no periodic change.
    Asvs,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Profile> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dengbao" | "等保" => Some(Profile::Dengbao),
            "asvs" => Some(Profile::Asvs),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Profile::Dengbao => "dengbao",
            Profile::Asvs => "asvs",
        }
    }

    /// The shortest password the profile accepts.
    pub fn min_len(self) -> usize {
        match self {
            Profile::Dengbao => MIN_LEN,
            Profile::Asvs => ASVS_MIN_LEN,
        }
    }

    /// Whether 3 of the 4 character classes are required.
    pub fn requires_classes(self) -> bool {
        self == Profile::Dengbao
    }

    /// After how many days a password must be changed (None: never, ASVS 5.0 6.2.10).
    pub fn max_age_days(self) -> Option<i64> {
        match self {
            Profile::Dengbao => Some(90),
            Profile::Asvs => None,
        }
    }

    /// The rule as a user reads it beside the new-password field.
    pub fn hint(self) -> String {
        match self {
            Profile::Dengbao => format!("至少 {MIN_LEN} 位，含大写字母、小写字母、数字、符号中的三类，不含登录名"),
            Profile::Asvs => format!("至少 {ASVS_MIN_LEN} 位，可用任意文字（长一点的短语更好记也更安全），不含登录名"),
        }
    }
}

/// The ASVS profile's minimum length (ASVS 5.0 6.2.1).
pub const ASVS_MIN_LEN: usize = 12;

/// Words of every committee that no password may contain.
const UNIT_WORDS: &[&str] =
    &["管委会", "管理委员会", "经开区", "开发区", "高新区", "工业园", "kaifaqu", "jingkaiqu", "guanweihui", "kaifa"];

/// Suffixes stripped from a zone's name to find its place name ("襄垣经济技术开发区" → "襄垣").
const ZONE_SUFFIXES: &[&str] =
    &["经济技术开发区", "经济开发区", "高新技术产业开发区", "高新技术开发区", "工业园区", "产业园区", "开发区", "园区"];

fn weak_list() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("weak_passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.trim().to_lowercase())
            .collect()
    })
}

/// The password with its common disguises undone: lower case, look-alike digits and symbols as
/// letters, and the digits and symbols around it dropped ("P@ssw0rd2025!" → "password").
fn core(password: &str) -> String {
    let lower = password.to_lowercase();
    let trimmed = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    trimmed
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            '7' => 't',
            other => other,
        })
        .collect()
}

/// Why `password` is one everybody guesses first, if it is.
fn common(password: &str) -> Option<&'static str> {
    let list = weak_list();
    let lower = password.to_lowercase();
    if list.contains(&lower) {
        return Some("这是常见密码（在常用弱密码表中），很容易被猜中，请换一个");
    }
    let c = core(password);
    if c.chars().count() >= 4 && (list.contains(&c) || list.contains(&c.replace('i', "l"))) {
        return Some("这个密码只是在常见密码上加了数字或符号（如 P@ssw0rd123），很容易被猜中，请换一个");
    }
    None
}

/// The words a zone's passwords must not contain: the unit words and the zone's own name and
/// place name, the place name also in pinyin, whole and as initials (襄垣 → `xiangyuan`, `xy`),
/// and the whole name's initials (襄垣经济技术开发区 → `xyjjjskfq`).
pub fn context_words(zone_name: Option<&str>) -> Vec<String> {
    let mut words: Vec<String> = UNIT_WORDS.iter().map(|w| w.to_string()).collect();
    if let Some(name) = zone_name.map(str::trim).filter(|n| !n.is_empty()) {
        words.push(name.to_string());
        let mut place_words = Vec::new();
        for suffix in ZONE_SUFFIXES {
            if let Some(place) = name.strip_suffix(suffix)
                && place.chars().count() >= 2
            {
                place_words.push(place.to_string());
                for (full, initials) in pinyin_of(place) {
                    place_words.push(full);
                    place_words.push(initials);
                }
                break;
            }
        }
        words.extend(pinyin_of(name).into_iter().map(|(_, initials)| initials).filter(|i| i.len() >= 4));
        words.extend(place_words);
    }
    let mut seen = HashSet::new();
    words.retain(|w| seen.insert(w.clone()));
    words
}

/// At most this many readings of a name (a character with two readings doubles them).
const MAX_READINGS: usize = 8;

/// The readings of `text` in plain pinyin (no tones, ü as v), each whole and as initials:
/// 襄垣 → [("xiangyuan", "xy")]; a character with several readings (长: chang, zhang) gives one
/// reading per combination, at most [`MAX_READINGS`]. Empty when a character has no pinyin.
pub fn pinyin_of(text: &str) -> Vec<(String, String)> {
    use pinyin::ToPinyinMulti;
    let mut readings: Vec<(String, String)> = vec![(String::new(), String::new())];
    for (c, multi) in text.chars().zip(text.to_pinyin_multi()) {
        let Some(multi) = multi else {
            if c.is_whitespace() {
                continue;
            }
            return Vec::new();
        };
        let mut next = Vec::new();
        for (i, p) in multi.into_iter().enumerate() {
            let plain = p.plain().replace('ü', "v");
            for (full, initials) in &readings {
                // the first reading of every character always, others while there is room
                if i > 0 && next.len() >= MAX_READINGS {
                    break;
                }
                next.push((
                    format!("{full}{plain}"),
                    format!("{initials}{}", plain.chars().next().unwrap_or_default()),
                ));
            }
        }
        next.truncate(MAX_READINGS.max(1));
        readings = next;
    }
    readings.retain(|(full, _)| !full.is_empty());
    let mut seen = HashSet::new();
    readings.retain(|r| seen.insert(r.clone()));
    readings
}

/// Whether `password` (lower case) carries the context word `word`. Short Latin words (the
/// initials of a two- or three-character place name, `xy`) count only as a whole run of letters
/// (`Xy@2025` yes, `Proxy#2025` no); longer words anywhere.
fn carries(password: &str, word: &str) -> bool {
    let word = word.trim().to_lowercase();
    if word.is_empty() {
        return false;
    }
    if word.len() <= 3 && word.chars().all(|c| c.is_ascii_alphabetic()) {
        return password.split(|c: char| !c.is_ascii_alphabetic()).any(|run| run == word);
    }
    password.contains(&word)
}

/// Checks a new password with only the unit words as context; see [`check_in`].
pub fn check(password: &str, login_name: &str) -> Result<(), String> {
    check_in(password, login_name, &context_words(None))
}

/// Checks a new password under the 等保 profile; see [`check_with`].
pub fn check_in(password: &str, login_name: &str, context: &[String]) -> Result<(), String> {
    check_with(Profile::Dengbao, password, login_name, context)
}

/// Checks a new password of an account whose unit is described by `context` (see
/// [`context_words`]) under `profile`; the error says in Chinese which rule failed.
pub fn check_with(profile: Profile, password: &str, login_name: &str, context: &[String]) -> Result<(), String> {
    let len = password.chars().count();
    let min = profile.min_len();
    if len < min {
        return Err(format!("密码至少 {min} 位"));
    }
    if len > MAX_LEN {
        return Err(format!("密码不能超过 {MAX_LEN} 位"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if profile.requires_classes() && classes.iter().filter(|c| **c).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    let lower = password.to_lowercase();
    let login = login_name.trim().to_lowercase();
    if !login.is_empty() && lower.contains(&login) {
        return Err("密码不能包含登录名".into());
    }
    if let Some(word) = context.iter().find(|w| carries(&lower, w)) {
        return Err(format!("密码不能包含单位名称或“{}”这类人人都想得到的词", word.trim()));
    }
    if let Some(why) = common(password) {
        return Err(why.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert!(check("Tq7mZ2vx", "wang").is_ok());
        assert!(check("abc12345", "wang").is_err()); // two classes
        assert!(check("Ab1!", "wang").is_err()); // short
        assert!(check("Wang2025!", "wang").is_err()); // contains login
        assert!(check("密码密码Ab12", "li").is_ok()); // CJK counts as symbol class
    }

    #[test]
    fn common_passwords_and_their_disguises_are_refused() {
        for p in [
            "P@ssw0rd",
            "Password1",
            "Admin@123",
            "Qwer@1234",
            "1qaz@WSX",
            "P@ssw0rd2025!",
            "Passw0rd!!",
            "Dragon2024!",
        ] {
            assert!(check(p, "wang").is_err(), "{p} accepted");
        }
        assert!(check("Tq7#mZ2v", "wang").is_ok());
    }

    #[test]
    fn the_units_own_words_are_refused() {
        let ctx = context_words(Some("襄垣经济技术开发区"));
        assert!(ctx.iter().any(|w| w == "襄垣"));
        for p in ["襄垣Tq7#mZ2v", "Xy9#管委会ab", "jingkaiqu@2025X", "Kaifaqu#2025", "Tq7#经开区ab"] {
            let e = check_in(p, "wang", &ctx).unwrap_err();
            assert!(e.contains("单位名称"), "{p}: {e}");
        }
        assert!(check_in("襄垣Tq7#mZ2v", "wang", &context_words(None)).is_ok(), "another zone's name is not a rule");
    }

    #[test]
    fn the_zones_name_in_pinyin_is_a_context_word() {
        assert_eq!(pinyin_of("襄垣"), vec![("xiangyuan".to_string(), "xy".to_string())]);
        let ctx = context_words(Some("襄垣经济技术开发区"));
        for w in ["xiangyuan", "xy", "xyjjjskfq"] {
            assert!(ctx.iter().any(|c| c == w), "{w} missing from {ctx:?}");
        }
        let refused = [
            "Xiangyuan@2025",
            "XIANGYUAN#2025a",
            "Tq7#xiangyuanQ",
            "Xy@20252025",
            "xy#Tq7mZ2v",
            "Tq7!XY!mZ2v",
            "Xyjjjskfq#1",
        ];
        for p in refused {
            let e = check_in(p, "wang", &ctx).unwrap_err();
            assert!(e.contains("单位名称"), "{p}: {e}");
        }
        // the initials only as a word of their own: "proxy" is not the place's initials
        for p in ["Proxy#2025q", "Galaxy-Tq7#m", "Oxygen9#Tq7"] {
            assert!(check_in(p, "wang", &ctx).is_ok(), "{p} refused");
        }
        println!("A2 pinyin: 襄垣 → xiangyuan / xy / xyjjjskfq; {} dressed-up passwords refused", refused.len());
        // several readings: 长治 is changzhi (and zhangzhi), both refused
        let cz = pinyin_of("长治");
        assert!(cz.iter().any(|(f, i)| f == "changzhi" && i == "cz"), "{cz:?}");
        assert!(check_in("Changzhi#2025", "wang", &context_words(Some("长治高新技术产业开发区"))).is_err());
        // no pinyin for Latin text; a long name stays within the reading limit
        assert!(pinyin_of("ABC").is_empty());
        assert!(pinyin_of("长长长长长长").len() <= MAX_READINGS);
    }

    #[test]
    fn the_top_three_thousand_common_passwords_are_all_refused() {
        let top: Vec<&str> = include_str!("weak_passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .take(3000)
            .collect();
        let refused = top.iter().filter(|p| check(p, "wang").is_err()).count();
        // and the same words dressed up the usual way
        let dressed: Vec<String> = top
            .iter()
            .filter(|p| p.chars().count() >= 4 && p.chars().all(|c| c.is_ascii_alphabetic()))
            .map(|p| {
                let mut c = p.chars();
                let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or('A');
                format!("{first}{}2025!", c.as_str())
            })
            .collect();
        let dressed_refused = dressed.iter().filter(|p| check(p, "wang").is_err()).count();
        println!(
            "weak passwords: {refused}/{} refused; dressed up (Capital + 2025!): {dressed_refused}/{} refused",
            top.len(),
            dressed.len()
        );
        assert_eq!(refused, top.len());
        assert_eq!(dressed_refused, dressed.len());
    }

    #[test]
    fn long_and_any_script_passwords_are_accepted_whole() {
        let long = "Tq7#mZ2v".repeat(8);
        assert_eq!(long.chars().count(), 64);
        assert!(check(&long, "wang").is_ok());
        assert!(check("长治市Tq7#mZ2v", "wang").is_ok());
        assert!(check("🔐Tq7mZ2vx9", "wang").is_ok());
    }

    #[test]
    fn the_two_profiles() {
        let ctx = context_words(None);
        // 10 characters, three classes: 等保 yes, ASVS no (too short)
        assert!(check_with(Profile::Dengbao, "Tq7#mZ2vxw", "wang", &ctx).is_ok());
        let e = check_with(Profile::Asvs, "Tq7#mZ2vxw", "wang", &ctx).unwrap_err();
        assert!(e.contains("12"), "{e}");
        // a long lower-case phrase: ASVS yes (no composition rules), 等保 no (one class)
        assert!(check_with(Profile::Asvs, "correct horse battery", "wang", &ctx).is_ok());
        assert!(check_with(Profile::Dengbao, "correcthorsebattery", "wang", &ctx).is_err());
        // the weak list and the unit's words hold in both
        for p in [Profile::Dengbao, Profile::Asvs] {
            assert!(check_with(p, "P@ssw0rd2025!", "wang", &ctx).is_err());
            assert!(check_with(p, "guanweihui-spring-rain", "wang", &ctx).is_err());
            assert!(check_with(p, "wang-spring-rain-22", "wang", &ctx).is_err());
        }
        assert_eq!(Profile::parse("ASVS"), Some(Profile::Asvs));
        assert_eq!(Profile::parse("dengbao"), Some(Profile::Dengbao));
        assert_eq!(Profile::parse("x"), None);
        assert_eq!(Profile::Dengbao.max_age_days(), Some(90));
        assert_eq!(Profile::Asvs.max_age_days(), None);
    }

    proptest! {
        #[test]
        fn short_passwords_always_fail(p in "[a-zA-Z0-9!@#]{0,7}") {
            prop_assert!(check(&p, "x").is_err());
        }

        #[test]
        fn accepted_passwords_never_contain_login(p in "[a-zA-Z0-9!]{8,20}", login in "[a-z]{3,6}") {
            if check(&p, &login).is_ok() {
                prop_assert!(!p.to_lowercase().contains(&login));
            }
        }
    }
}
