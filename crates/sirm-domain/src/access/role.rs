//! [`Role`]: the roles an account can hold, and their [`RoleClass`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The class of a role: the separation-of-duty rules are stated in classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleClass {
    /// Administrator (管理员): system, security, audit and database administrator.
    Admin,
    /// Business user (业务经办用户, Art 26): the four review stages of Art 7 and
    /// the maintenance officer of Art 11.
    Business,
    /// Query user (信息查询用户, Art 26).
    Query,
    /// External user: insured persons, delegates, employer agents, organs,
    /// statistics users. Never agency staff.
    External,
}

impl RoleClass {
    /// All classes, in order.
    pub const ALL: [RoleClass; 4] = [
        RoleClass::Admin,
        RoleClass::Business,
        RoleClass::Query,
        RoleClass::External,
    ];

    /// Stable machine name: `admin`, `business`, `query`, `external`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RoleClass::Admin => "admin",
            RoleClass::Business => "business",
            RoleClass::Query => "query",
            RoleClass::External => "external",
        }
    }

    /// Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            RoleClass::Admin => "管理员",
            RoleClass::Business => "业务经办用户",
            RoleClass::Query => "信息查询用户",
            RoleClass::External => "外部用户",
        }
    }

    /// Whether roles of this class are agency staff (管理员, 业务经办, 信息查询).
    pub const fn is_staff(self) -> bool {
        !matches!(self, RoleClass::External)
    }
}

impl fmt::Display for RoleClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role held by an account. Permissions are granted only through roles
/// (see [`crate::access::permissions`]); which roles may be combined in one
/// account is decided by [`crate::access::check_role_set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System administrator (系统管理员, Art 26): accounts and role requests.
    SystemAdmin,
    /// Security administrator (安全管理员, 三员分立): approves role requests,
    /// security configuration.
    SecurityAdmin,
    /// Audit administrator (审计管理员, 三员分立): reads the security audit trail.
    AuditAdmin,
    /// Database administrator (数据库管理员, Art 26): migrations, backups,
    /// verification runs.
    DatabaseAdmin,
    /// Clerk, preliminary review (初审（前台经办）, Art 7): takes applications at
    /// the counter.
    Clerk,
    /// Reviewer (审核, Art 7).
    Reviewer,
    /// Re-checker (复核, Art 7).
    Rechecker,
    /// Approver (审批, Art 7).
    Approver,
    /// Maintenance officer (维护员, Art 11): checks completeness and compliance
    /// of records and corrects them by the prescribed procedure.
    MaintenanceOfficer,
    /// Outside maintenance helper (外包协助维护人员, Art 11, 28(6)): someone
    /// from an IT contractor who prepares maintenance applications for a
    /// maintenance officer, under a confidentiality agreement on file;
    /// never completes one.
    MaintenanceContractor,
    /// Query officer (查询员, Art 15, Art 26 信息查询用户): looks up persons at
    /// the query window.
    QueryOfficer,
    /// Insured person (参保人员, Art 14, 15): reads their own record.
    InsuredPerson,
    /// Delegate (被委托人, Art 15): reads a record under a written authorization.
    Delegate,
    /// Employer agent (用人单位经办人, Art 15): reads the employer's contributions
    /// and its employees' records for their time with the employer.
    EmployerAgent,
    /// Administrative or judicial organ officer (行政/司法机关查询人员, Art 18).
    OrganOfficer,
    /// Statistics user (统计用户, Art 17): de-identified figures only.
    StatisticsUser,
    /// Officer of another unit (其他单位查询人员, Art 19–20): reads what a
    /// disclosure grant to the unit covers, while it is valid.
    UnitOfficer,
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{given}`; valid roles: {}", valid_role_names())]
pub struct ParseRoleError {
    /// The name that was given.
    pub given: String,
}

fn valid_role_names() -> String {
    Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Role {
    /// All roles, administrators first, in the order of `docs/roles.md`.
    pub const ALL: [Role; 17] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
        Role::DatabaseAdmin,
        Role::Clerk,
        Role::Reviewer,
        Role::Rechecker,
        Role::Approver,
        Role::MaintenanceOfficer,
        Role::MaintenanceContractor,
        Role::QueryOfficer,
        Role::InsuredPerson,
        Role::Delegate,
        Role::EmployerAgent,
        Role::OrganOfficer,
        Role::StatisticsUser,
        Role::UnitOfficer,
    ];

    /// Stable machine name (also the serde name), e.g. `database_admin`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
            Role::DatabaseAdmin => "database_admin",
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Rechecker => "rechecker",
            Role::Approver => "approver",
            Role::MaintenanceOfficer => "maintenance_officer",
            Role::MaintenanceContractor => "maintenance_contractor",
            Role::QueryOfficer => "query_officer",
            Role::InsuredPerson => "insured_person",
            Role::Delegate => "delegate",
            Role::EmployerAgent => "employer_agent",
            Role::OrganOfficer => "organ_officer",
            Role::StatisticsUser => "statistics_user",
            Role::UnitOfficer => "unit_officer",
        }
    }

    /// Chinese name, e.g. 数据库管理员.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
            Role::DatabaseAdmin => "数据库管理员",
            Role::Clerk => "初审（前台经办）",
            Role::Reviewer => "审核",
            Role::Rechecker => "复核",
            Role::Approver => "审批",
            Role::MaintenanceOfficer => "维护员",
            Role::MaintenanceContractor => "外包协助维护人员",
            Role::QueryOfficer => "查询员",
            Role::InsuredPerson => "参保人员",
            Role::Delegate => "被委托人",
            Role::EmployerAgent => "用人单位经办人",
            Role::OrganOfficer => "行政/司法机关查询人员",
            Role::StatisticsUser => "统计用户",
            Role::UnitOfficer => "其他单位查询人员",
        }
    }

    /// English name, e.g. "database administrator".
    pub const fn name_en(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system administrator",
            Role::SecurityAdmin => "security administrator",
            Role::AuditAdmin => "audit administrator",
            Role::DatabaseAdmin => "database administrator",
            Role::Clerk => "clerk (preliminary review)",
            Role::Reviewer => "reviewer",
            Role::Rechecker => "re-checker",
            Role::Approver => "approver",
            Role::MaintenanceOfficer => "maintenance officer",
            Role::MaintenanceContractor => "outside maintenance helper",
            Role::QueryOfficer => "query officer",
            Role::InsuredPerson => "insured person",
            Role::Delegate => "delegate",
            Role::EmployerAgent => "employer agent",
            Role::OrganOfficer => "administrative or judicial organ officer",
            Role::StatisticsUser => "statistics user",
            Role::UnitOfficer => "officer of another unit",
        }
    }

    /// The class of the role.
    pub const fn class(self) -> RoleClass {
        match self {
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin | Role::DatabaseAdmin => {
                RoleClass::Admin
            }
            Role::Clerk
            | Role::Reviewer
            | Role::Rechecker
            | Role::Approver
            | Role::MaintenanceOfficer
            | Role::MaintenanceContractor => RoleClass::Business,
            Role::QueryOfficer => RoleClass::Query,
            Role::InsuredPerson
            | Role::Delegate
            | Role::EmployerAgent
            | Role::OrganOfficer
            | Role::StatisticsUser
            | Role::UnitOfficer => RoleClass::External,
        }
    }

    /// Whether the role is held by agency staff (not an external user).
    pub const fn is_staff(self) -> bool {
        self.class().is_staff()
    }

    /// Whether the role is an administrator role.
    pub const fn is_admin(self) -> bool {
        matches!(self.class(), RoleClass::Admin)
    }

    /// The article (of the regulation, or of GB/T 22239-2019 for the
    /// security and audit administrators) the role comes from, e.g. "Art 26".
    pub const fn article(self) -> &'static str {
        match self {
            Role::SystemAdmin | Role::DatabaseAdmin => "Art 26",
            Role::SecurityAdmin => "Art 25, 26; GB/T 22239-2019 8.1.5.3",
            Role::AuditAdmin => "Art 25, 26; GB/T 22239-2019 8.1.5.2",
            Role::Clerk | Role::Reviewer | Role::Rechecker | Role::Approver => "Art 7",
            Role::MaintenanceOfficer => "Art 11, 12",
            Role::MaintenanceContractor => "Art 11, 28(6)",
            Role::QueryOfficer => "Art 15, 26",
            Role::InsuredPerson => "Art 14, 15",
            Role::Delegate | Role::EmployerAgent => "Art 15",
            Role::OrganOfficer => "Art 18",
            Role::StatisticsUser => "Art 17",
            Role::UnitOfficer => "Art 19, 20",
        }
    }

    /// "`as_str` (`name_zh`)", e.g. "approver (审批)", as used in messages.
    pub fn label(self) -> String {
        format!("{} ({})", self.as_str(), self.name_zh())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseRoleError;

    /// Parses the machine name ([`Role::as_str`]); surrounding whitespace and
    /// ASCII case are ignored, `-` is accepted for `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == norm)
            .ok_or_else(|| ParseRoleError {
                given: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), r);
        }
        assert_eq!(
            " Database-Admin ".parse::<Role>().unwrap(),
            Role::DatabaseAdmin
        );
    }

    #[test]
    fn unknown_role_lists_valid_names() {
        let err = "root".parse::<Role>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("unknown role `root`; valid roles: system_admin, "));
        for r in Role::ALL {
            assert!(msg.contains(r.as_str()));
        }
    }

    #[test]
    fn classes() {
        let count = |c| Role::ALL.iter().filter(|r| r.class() == c).count();
        assert_eq!(count(RoleClass::Admin), 4);
        assert_eq!(count(RoleClass::Business), 6);
        assert_eq!(count(RoleClass::Query), 1);
        assert_eq!(count(RoleClass::External), 6);
        assert!(Role::QueryOfficer.is_staff());
        assert!(!Role::Delegate.is_staff());
        assert!(Role::DatabaseAdmin.is_admin());
    }
}
