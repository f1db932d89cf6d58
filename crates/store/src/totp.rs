//! Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 6 digits, 30-second
//! steps, a code accepted for the current step and one step either side (clock drift), never
//! for a step at or before the last one accepted (replay). Secrets are 160 random bits, shown
//! to the user as RFC 4648 base32 and inside an `otpauth://` URI for the authenticator's QR code.
//! The enrolment, login and reset that use these are in [`crate::auth`].

use sha1::{Digest, Sha1};

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const WINDOW: i64 = 1;
/// Secret length in bytes (RFC 4226 recommends 160 bits).
pub const SECRET_LEN: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Base32 decoding, forgiving of case, spaces and padding (as people type it).
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=' && *c != '-') {
        let v = ALPHABET.iter().position(|a| *a as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buf >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
        buf &= 0xff;
    }
    Some(out)
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha1::new().chain_update(&ipad).chain_update(msg).finalize();
    Sha1::new().chain_update(&opad).chain_update(inner).finalize().into()
}

/// The RFC 4226 code of `secret` for `counter`.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let mac = hmac_sha1(secret, &counter.to_be_bytes());
    let off = (mac[19] & 0x0f) as usize;
    let bin = (u32::from(mac[off] & 0x7f) << 24)
        | (u32::from(mac[off + 1]) << 16)
        | (u32::from(mac[off + 2]) << 8)
        | u32::from(mac[off + 3]);
    format!("{:0width$}", bin % 10u32.pow(digits), width = digits as usize)
}

/// The step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The current step.
pub fn current_step() -> i64 {
    step_at(chrono::Utc::now().timestamp())
}

/// The 6-digit code of `secret` for `step`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    hotp(secret, step.max(0) as u64, DIGITS)
}

/// The step `code` matches within the window around `now_step`, later than `last_step`; the
/// comparison runs over every candidate step whatever matches.
pub fn verify(secret: &[u8], code: &str, now_step: i64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut found = None;
    for step in (now_step - WINDOW)..=(now_step + WINDOW) {
        let same = code_at(secret, step).bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same && last_step.is_none_or(|l| step > l) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A new random secret.
pub fn new_secret() -> [u8; SECRET_LEN] {
    let mut s = [0u8; SECRET_LEN];
    getrandom::fill(&mut s).expect("the operating system's random source is available");
    s
}

fn uri_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let label = format!("{}:{}", uri_escape(issuer), uri_escape(account));
    format!(
        "otpauth://totp/{label}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        uri_escape(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1, 8 digits
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(secret, step_at(t) as u64, 8), code, "t = {t}");
        }
        // RFC 4226 appendix D, 6 digits
        assert_eq!(hotp(secret, 0, 6), "755224");
        assert_eq!(hotp(secret, 9, 6), "520489");
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        let s = new_secret();
        assert_eq!(base32_decode(&base32_encode(&s)).unwrap(), s);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn window_and_replay() {
        let s = b"12345678901234567890";
        let now = 1000;
        assert_eq!(verify(s, &code_at(s, now), now, None), Some(now));
        assert_eq!(verify(s, &code_at(s, now - 1), now, None), Some(now - 1));
        assert_eq!(verify(s, &code_at(s, now + 1), now, None), Some(now + 1));
        assert_eq!(verify(s, &code_at(s, now - 2), now, None), None);
        assert_eq!(verify(s, &code_at(s, now), now, Some(now)), None, "the same step again");
        assert_eq!(verify(s, &code_at(s, now - 1), now, Some(now)), None, "an older step");
        assert_eq!(verify(s, "12345", now, None), None);
        assert_eq!(verify(s, "abcdef", now, None), None);
    }

    #[test]
    fn the_uri_names_issuer_and_account() {
        let u = otpauth_uri("开发区平台", "wang", "MZXW6YTBOI");
        assert!(u.starts_with("otpauth://totp/%E5%BC%80"), "{u}");
        assert!(u.contains(":wang?secret=MZXW6YTBOI&issuer=%E5"), "{u}");
        assert!(u.ends_with("&algorithm=SHA1&digits=6&period=30"));
    }
}
