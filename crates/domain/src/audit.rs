//! The audit trail's vocabulary and the field-by-field diff of a change.

use serde::Serialize;
use serde_json::Value;

/// What happened. Stored by code; shown by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    Login,
    Logout,
    LoginFailed,
    PasswordChange,
    Download,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Login,
        Action::Logout,
        Action::LoginFailed,
        Action::PasswordChange,
        Action::Download,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::LoginFailed => "login_failed",
            Action::PasswordChange => "password_change",
            Action::Download => "download",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Create => "新增",
            Action::Update => "修改",
            Action::Delete => "删除",
            Action::Login => "登录",
            Action::Logout => "退出",
            Action::LoginFailed => "登录失败",
            Action::PasswordChange => "修改密码",
            Action::Download => "下载",
        }
    }
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}

/// Field-by-field difference between two JSON objects (`Null` for absent).
/// Fields named in `secret` are recorded as changed without their values.
pub fn diff(before: &Value, after: &Value, secret: &[&str]) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let bv = b.get(k).cloned().unwrap_or(Value::Null);
            let av = a.get(k).cloned().unwrap_or(Value::Null);
            if bv == av {
                return None;
            }
            let hide = secret.contains(&k.as_str());
            Some(FieldChange {
                field: k.clone(),
                before: if hide { Value::String("***".into()) } else { bv },
                after: if hide { Value::String("***".into()) } else { av },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_only_changed_fields() {
        let d = diff(
            &json!({"name": "招商科", "phone": "1", "same": 3}),
            &json!({"name": "招商服务科", "phone": null, "same": 3, "new": true}),
            &[],
        );
        let fields: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["name", "new", "phone"]);
        assert_eq!(d[0].after, json!("招商服务科"));
    }

    #[test]
    fn create_and_delete_are_diffs_against_nothing() {
        let d = diff(&Value::Null, &json!({"a": 1}), &[]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].before, Value::Null);
    }

    #[test]
    fn secrets_are_masked() {
        let d = diff(&json!({"password_hash": "x"}), &json!({"password_hash": "y"}), &["password_hash"]);
        assert_eq!(d[0].after, json!("***"));
    }
}
