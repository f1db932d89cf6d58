//! Roles and the permissions they carry.

use serde::{Deserialize, Serialize};

/// A user's role. A user of role `City` belongs to a city, every other role to one zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: departments, dictionaries, zone settings, the calendar and the indicator
    /// catalog, and the zone's business records. Not the audit log, not user accounts (三员).
    Admin,
    /// 领导: reads all of the zone; answers for assigned projects.
    Leader,
    /// 科室人员: writes the modules of their department.
    Staff,
    /// 只读: reads.
    Viewer,
    /// 市级: reads and ranks all zones of a city; changes nothing.
    City,
    /// 审计管理员: reads the zone's audit log and verifies its chain; no business records, no
    /// accounts (三员).
    AuditAdmin,
    /// 安全管理员: user accounts — creating them, roles, the active flag, password resets
    /// (which also unlock); no audit log, no business records (三员).
    SecurityAdmin,
}

/// What a request may do. Routes name the permission they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the records of the zone(s) in scope.
    Read,
    /// Create, change and delete the zone's business records.
    Write,
    /// Manage users, departments, dictionaries and zone settings.
    Administer,
    /// Read the audit log (and verify its chain).
    ReadAudit,
    /// Manage user accounts: create, assign roles, activate/deactivate, reset passwords.
    ManageSecurity,
    /// See personal data whole (phone numbers, 身份证号码); without it pages, the API, exports
    /// and reports show them masked (`138****5678`). The committee's own staff, leaders and the
    /// system admin hold it; read-only accounts, the city and the audit and security duties do not.
    ReadPersonal,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Leader, Role::Staff, Role::Viewer, Role::City, Role::AuditAdmin, Role::SecurityAdmin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
            Role::City => "city",
            Role::AuditAdmin => "audit_admin",
            Role::SecurityAdmin => "security_admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Chinese name shown in the interface.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Leader => "领导",
            Role::Staff => "科室人员",
            Role::Viewer => "只读",
            Role::City => "市级",
            Role::AuditAdmin => "审计管理员",
            Role::SecurityAdmin => "安全管理员",
        }
    }

    /// Whether users of this role belong to a city rather than one zone.
    pub fn is_city_level(self) -> bool {
        matches!(self, Role::City)
    }

    pub fn has(self, p: Permission) -> bool {
        match p {
            Permission::Read => !matches!(self, Role::AuditAdmin | Role::SecurityAdmin),
            Permission::Write => matches!(self, Role::Admin | Role::Leader | Role::Staff),
            Permission::Administer => matches!(self, Role::Admin),
            Permission::ReadAudit => matches!(self, Role::AuditAdmin),
            Permission::ManageSecurity => matches!(self, Role::SecurityAdmin),
            Permission::ReadPersonal => matches!(self, Role::Admin | Role::Leader | Role::Staff),
        }
    }
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::Read,
        Permission::Write,
        Permission::Administer,
        Permission::ReadAudit,
        Permission::ManageSecurity,
        Permission::ReadPersonal,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Permission::Read => "查看",
            Permission::Write => "录入和修改",
            Permission::Administer => "系统管理",
            Permission::ReadAudit => "查看审计日志",
            Permission::ManageSecurity => "账号与安全管理",
            Permission::ReadPersonal => "查看完整个人信息",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn city_and_viewer_never_write() {
        for r in [Role::City, Role::Viewer] {
            assert!(r.has(Permission::Read));
            assert!(!r.has(Permission::Write));
            assert!(!r.has(Permission::Administer));
        }
        assert!(Role::Staff.has(Permission::Write));
        assert!(!Role::Staff.has(Permission::Administer));
    }

    #[test]
    fn personal_data_whole_only_for_the_committee_s_own_people() {
        let whole: Vec<Role> = Role::ALL.into_iter().filter(|r| r.has(Permission::ReadPersonal)).collect();
        assert_eq!(whole, vec![Role::Admin, Role::Leader, Role::Staff]);
    }

    #[test]
    fn three_duties_are_separate() {
        // 系统管理员, 审计管理员, 安全管理员: each holds its own duty and none of the others'.
        assert!(Role::Admin.has(Permission::Administer));
        assert!(!Role::Admin.has(Permission::ReadAudit));
        assert!(!Role::Admin.has(Permission::ManageSecurity));
        assert!(Role::AuditAdmin.has(Permission::ReadAudit));
        assert!(Role::SecurityAdmin.has(Permission::ManageSecurity));
        for r in [Role::AuditAdmin, Role::SecurityAdmin] {
            for p in [Permission::Read, Permission::Write, Permission::Administer] {
                assert!(!r.has(p), "{r:?} {p:?}");
            }
        }
        assert!(!Role::AuditAdmin.has(Permission::ManageSecurity));
        assert!(!Role::SecurityAdmin.has(Permission::ReadAudit));
        for p in Permission::ALL {
            let holders = Role::ALL.into_iter().filter(|r| r.has(p)).count();
            assert!(holders >= 1, "{p:?}");
        }
    }
}
