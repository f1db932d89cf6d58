//! Personal data (issue 10, L2/M2): phone numbers and 居民身份证号码 as the store keeps and shows
//! them. `normalise_phone`/`normalise_id` give the one form a blind index is computed from (so a
//! search for "138-1234-5678" finds "+86 13812345678"); `mask_phone`/`mask_id` give what a role
//! without the permission to read personal data sees (`138****5678`, `1401**********1234`).
//! `check_id` checks a GB 11643-1999 number (its mod 11-2 check character).

/// The digits of a phone number, a leading `+86`/`0086` country code dropped; `None` when the
/// text holds anything but digits, spaces, `-`, `+` and parentheses, or fewer than 7 digits.
pub fn normalise_phone(s: &str) -> Option<String> {
    let s = s.trim();
    if !s.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')')) {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = if s.starts_with('+') && digits.starts_with("86") {
        &digits[2..]
    } else if let Some(rest) = digits.strip_prefix("0086") {
        rest
    } else {
        digits.as_str()
    };
    (national.len() >= 7 && national.len() <= 15).then(|| national.to_string())
}

/// A 居民身份证号码 in its one form: 18 characters (or the old 15 digits), `x` upper-cased,
/// spaces dropped; `None` for anything else.
pub fn normalise_id(s: &str) -> Option<String> {
    let v: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let ok = match v.len() {
        18 => v[..17].bytes().all(|b| b.is_ascii_digit()) && matches!(v.as_bytes()[17], b'0'..=b'9' | b'X'),
        15 => v.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    ok.then_some(v)
}

/// GB 11643-1999: the 18th character of a 居民身份证号码 from the first 17 digits
/// (weights 2^(17−i) mod 11, check = (12 − Σ mod 11) mod 11, 10 written `X`).
pub fn id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(match (12 - sum % 11) % 11 {
        10 => 'X',
        n => char::from(b'0' + n as u8),
    })
}

/// Checks a 居民身份证号码 (18 characters with a valid check character); the normalised form,
/// or the Chinese reason.
pub fn check_id(s: &str) -> Result<String, String> {
    let v = normalise_id(s).filter(|v| v.len() == 18).ok_or("身份证号码应为 18 位：17 位数字加 1 位数字或 X")?;
    if id_check_char(&v[..17]) != v.chars().last() {
        return Err("身份证号码校验位不符：请核对".into());
    }
    Ok(v)
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// What a reader without the permission sees of a phone number: an 11-digit mobile number as
/// `138****5678`; a landline written with its area code as `0355-***1234`; any other number
/// only its last four digits. Text that is not a phone number is hidden entirely (`****`).
pub fn mask_phone(s: &str) -> String {
    let Some(n) = normalise_phone(s) else { return stars(4) };
    let t = s.trim();
    if let Some((area, _)) = t.split_once('-') {
        let area = area.trim();
        if (3..=4).contains(&area.len()) && area.starts_with('0') && area.bytes().all(|b| b.is_ascii_digit()) {
            let rest = &n[area.len()..];
            let keep = rest.len().min(4);
            return format!("{area}-{}{}", stars(rest.len() - keep), &rest[rest.len() - keep..]);
        }
    }
    let len = n.len();
    if len >= 11 {
        format!("{}{}{}", &n[..3], stars(len - 7), &n[len - 4..])
    } else {
        format!("{}{}", stars(len - 4), &n[len - 4..])
    }
}

/// What a reader without the permission sees of a 居民身份证号码: the first four characters
/// (province and city) and the last four, `1401**********1234`; anything else `****`.
pub fn mask_id(s: &str) -> String {
    match normalise_id(s) {
        Some(v) => format!("{}{}{}", &v[..4], stars(v.len() - 8), &v[v.len() - 4..]),
        None => stars(4),
    }
}

/// Whether a value shown to a reader is a masked one (a form sent back unchanged).
pub fn is_masked(s: &str) -> bool {
    s.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_their_digits() {
        assert_eq!(normalise_phone("138-1234-5678").as_deref(), Some("13812345678"));
        assert_eq!(normalise_phone("+86 138 1234 5678").as_deref(), Some("13812345678"));
        assert_eq!(normalise_phone("0086 13812345678").as_deref(), Some("13812345678"));
        assert_eq!(normalise_phone("(0355) 722-1234").as_deref(), Some("03557221234"));
        assert_eq!(normalise_phone("86123"), None);
        assert_eq!(normalise_phone("138a1234567"), None);
        assert_eq!(normalise_phone(""), None);
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+86 138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("0355-7221234"), "0355-***1234");
        assert_eq!(mask_phone("010-12345678"), "010-****5678");
        assert_eq!(mask_phone("7221234"), "***1234");
        assert_eq!(mask_phone("03557221234"), "035****1234");
        assert_eq!(mask_phone("not a phone"), "****");
        for p in ["13812345678", "0355-7221234", "7221234", "+8613812345678"] {
            let m = mask_phone(p);
            assert!(is_masked(&m));
            assert!(!m.contains("1234567"), "{p} → {m}");
        }
    }

    #[test]
    fn id_numbers_are_checked_and_masked() {
        // GB 11643-1999 appendix example
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert_eq!(check_id("11010519491231002x").as_deref(), Ok("11010519491231002X"));
        let first = "14042319900101123";
        let good = format!("{first}{}", id_check_char(first).unwrap());
        assert_eq!(check_id(&good).as_deref(), Ok(good.as_str()));
        let bad = format!("{first}{}", if good.ends_with('0') { '1' } else { '0' });
        assert!(check_id(&bad).unwrap_err().contains("校验位"));
        assert!(check_id("1404231990").is_err());
        assert_eq!(mask_id(&good), format!("1404**********{}", &good[14..]));
        assert_eq!(mask_id("140423900101123"), "1404*******1123");
        assert_eq!(mask_id("abc"), "****");
        assert_eq!(mask_id(&good).len(), 18);
    }
}
