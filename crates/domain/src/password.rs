//! Password rules: at least 8 characters, 3 of the 4 character classes, and not
//! containing the login name.

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Checks a new password; the error says in Chinese which rule failed.
pub fn check(password: &str, login_name: &str) -> Result<(), String> {
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
    let login = login_name.trim().to_lowercase();
    if !login.is_empty() && password.to_lowercase().contains(&login) {
        return Err("密码不能包含登录名".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert!(check("Abc12345", "wang").is_ok());
        assert!(check("abc12345", "wang").is_err()); // two classes
        assert!(check("Ab1!", "wang").is_err()); // short
        assert!(check("Wang2025!", "wang").is_err()); // contains login
        assert!(check("密码密码Ab12", "li").is_ok()); // CJK counts as symbol class
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
