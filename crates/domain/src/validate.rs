//! Validation errors that name the field and say in plain Chinese what is wrong.

use serde::Serialize;

/// Longest accepted name (project, enterprise, department, …), in characters.
pub const NAME_MAX: usize = 200;
/// Longest accepted free text, in characters.
pub const TEXT_MAX: usize = 10_000;

/// One problem with one field of a submitted record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The form/JSON field name, e.g. `login_name`.
    pub field: String,
    /// What is wrong, in Chinese, e.g. "登录名不能为空".
    pub message: String,
}

/// A rejected input: one or more field errors. Nothing was changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut me = Self::new();
        me.add(field, message);
        me
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_string(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when no error was recorded.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The message for `field`, if any (used by forms to show it beside the input).
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Required text of at most `max` characters; returns the trimmed value.
    pub fn required(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, format!("{label}不能为空"));
        } else if v.chars().count() > max {
            self.add(field, format!("{label}不能超过 {max} 个字"));
        }
        v.to_string()
    }

    /// Optional text of at most `max` characters; empty becomes `None`.
    pub fn optional(&mut self, field: &str, label: &str, value: &str, max: usize) -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > max {
            self.add(field, format!("{label}不能超过 {max} 个字"));
        }
        Some(v.to_string())
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<&str> = self.errors.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&parts.join("；"))
    }
}

impl std::error::Error for Invalid {}

/// A mainland mobile or landline number: digits, optionally with `-` and a leading `+86`.
pub fn check_phone(errors: &mut Invalid, field: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    let allowed = v.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ');
    if !allowed || digits.len() < 7 || digits.len() > 15 {
        errors.add(field, "电话号码格式不正确：应为 7–15 位数字，可含“-”");
    }
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_counts_characters_not_bytes() {
        let mut e = Invalid::new();
        let name = "开".repeat(NAME_MAX);
        assert_eq!(e.required("name", "名称", &name, NAME_MAX), name);
        assert!(e.is_empty());
        e.required("name", "名称", &"开".repeat(NAME_MAX + 1), NAME_MAX);
        assert_eq!(e.message_for("name"), Some("名称不能超过 200 个字"));
    }

    #[test]
    fn blank_is_missing() {
        let mut e = Invalid::new();
        e.required("name", "名称", "  \t", NAME_MAX);
        assert_eq!(e.message_for("name"), Some("名称不能为空"));
    }

    #[test]
    fn phone_rules() {
        let mut e = Invalid::new();
        assert_eq!(check_phone(&mut e, "phone", "0355-7221234").as_deref(), Some("0355-7221234"));
        assert_eq!(check_phone(&mut e, "phone", " ").as_deref(), None);
        assert!(e.is_empty());
        check_phone(&mut e, "phone", "abc123");
        assert!(e.message_for("phone").is_some());
    }
}
