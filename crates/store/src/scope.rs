//! Who is asking, and which zones they may see or change.

use kaifaqu_domain::{Permission, Role};

use crate::StoreError;

/// The data a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One zone's records; `write` when the role may change them.
    Zone { zone_id: i64, write: bool },
    /// All zones of a city, read-only.
    City { city_code: String },
    /// The command line and the demo loader: everything.
    System,
}

/// The caller of a write: identity for the audit trail plus scope.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub login_name: String,
    pub role: Role,
    pub zone_id: Option<i64>,
    pub city_code: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// The command line or the demo loader.
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            login_name: label.to_string(),
            role: Role::Admin,
            zone_id: None,
            city_code: None,
            ip: None,
        }
    }

    pub fn is_system(&self) -> bool {
        self.user_id.is_none()
    }

    pub fn scope(&self) -> Scope {
        if self.is_system() {
            return Scope::System;
        }
        match (self.zone_id, &self.city_code) {
            (Some(zone_id), _) => Scope::Zone { zone_id, write: self.role.has(Permission::Write) },
            (None, Some(city)) => Scope::City { city_code: city.clone() },
            (None, None) => Scope::Zone { zone_id: -1, write: false },
        }
    }

    pub fn require(&self, p: Permission) -> Result<(), StoreError> {
        if self.is_system() || self.role.has(p) {
            Ok(())
        } else {
            Err(StoreError::Forbidden(format!("需要“{}”权限", p.label())))
        }
    }

    /// The zone this actor may write to: its own, or `zone_id` for the system actor.
    pub fn write_zone(&self, zone_id: i64) -> Result<i64, StoreError> {
        if self.is_system() {
            return Ok(zone_id);
        }
        match self.scope() {
            Scope::Zone { zone_id: own, write: true } if own == zone_id => Ok(zone_id),
            Scope::Zone { zone_id: own, .. } if own != zone_id => Err(StoreError::NotFound),
            _ => Err(StoreError::Forbidden("当前账号只能查看，不能修改".into())),
        }
    }

    /// The actor's own zone for writing (error for city users and read-only roles).
    pub fn own_write_zone(&self) -> Result<i64, StoreError> {
        match self.zone_id {
            Some(z) => self.write_zone(z),
            None => Err(StoreError::Forbidden("市级账号只能查看，不能修改开发区的记录".into())),
        }
    }
}

impl Scope {
    /// Whether a row of `zone_id` (in city `city_code`) is visible.
    pub fn sees(&self, zone_id: i64, city_code: &str) -> bool {
        match self {
            Scope::Zone { zone_id: z, .. } => *z == zone_id,
            Scope::City { city_code: c } => c == city_code,
            Scope::System => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, zone: Option<i64>, city: Option<&str>) -> Actor {
        Actor {
            user_id: Some(1),
            login_name: "u".into(),
            role,
            zone_id: zone,
            city_code: city.map(str::to_string),
            ip: None,
        }
    }

    #[test]
    fn staff_writes_only_own_zone() {
        let a = user(Role::Staff, Some(1), None);
        assert_eq!(a.write_zone(1).unwrap(), 1);
        assert!(matches!(a.write_zone(2), Err(StoreError::NotFound)));
    }

    #[test]
    fn viewer_and_city_never_write() {
        assert!(matches!(user(Role::Viewer, Some(1), None).write_zone(1), Err(StoreError::Forbidden(_))));
        assert!(matches!(user(Role::City, None, Some("140400")).own_write_zone(), Err(StoreError::Forbidden(_))));
        assert!(user(Role::City, None, Some("140400")).scope().sees(5, "140400"));
        assert!(!user(Role::City, None, Some("140400")).scope().sees(5, "140100"));
    }
}
