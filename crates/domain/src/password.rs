//! Password rules (the 等保 profile, issue 10 A2): at least 8 characters, 3 of the 4 character
//! classes, not containing the login name; not a common password nor one built on a common
//! password ("P@ssw0rd!" is "password" dressed up); not containing the unit's own words (the
//! zone's name, 管委会, 经开区 …). Up to 128 characters of any script are accepted and every
//! character counts (no truncation).

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

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
/// place name.
pub fn context_words(zone_name: Option<&str>) -> Vec<String> {
    let mut words: Vec<String> = UNIT_WORDS.iter().map(|w| w.to_string()).collect();
    if let Some(name) = zone_name.map(str::trim).filter(|n| !n.is_empty()) {
        words.push(name.to_string());
        for suffix in ZONE_SUFFIXES {
            if let Some(place) = name.strip_suffix(suffix)
                && place.chars().count() >= 2
            {
                words.push(place.to_string());
                break;
            }
        }
    }
    words
}

/// Checks a new password with only the unit words as context; see [`check_in`].
pub fn check(password: &str, login_name: &str) -> Result<(), String> {
    check_in(password, login_name, &context_words(None))
}

/// Checks a new password of an account whose unit is described by `context` (see
/// [`context_words`]); the error says in Chinese which rule failed.
pub fn check_in(password: &str, login_name: &str, context: &[String]) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(format!("密码至少 {MIN_LEN} 位"));
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
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    let lower = password.to_lowercase();
    let login = login_name.trim().to_lowercase();
    if !login.is_empty() && lower.contains(&login) {
        return Err("密码不能包含登录名".into());
    }
    if let Some(word) = context.iter().find(|w| !w.trim().is_empty() && lower.contains(&w.trim().to_lowercase())) {
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
