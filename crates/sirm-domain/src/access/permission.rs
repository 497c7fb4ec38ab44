//! [`Permission`] and the role → permission matrix ([`permissions`]).
//!
//! Deny by default: a permission is granted only if a held role lists it.
//! `docs/roles.md` holds the same matrix as a table; a test asserts the two
//! are equal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::role::Role;

/// Something a use case may require. Every use case declares exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create accounts, lock/unlock, reset passwords, request role grants and
    /// revocations (system administrator).
    AccountManage,
    /// Approve or reject role requests (security administrator).
    RoleApprove,
    /// Security configuration: password policy, second-factor policy
    /// (security administrator).
    SecurityConfig,
    /// Read the security audit trail (audit administrator only).
    AuditRead,
    /// Export the security audit trail (audit administrator only).
    AuditExport,
    /// Database maintenance: migrations, backups, verification runs
    /// (database administrator).
    DatabaseMaintain,
    /// Run ledger verification and read checkpoints with detail (audit and
    /// database administrator).
    LedgerVerify,
    /// Take applications, preliminary review (初审, clerk).
    RecordCollect,
    /// Review (审核).
    RecordReview,
    /// Re-check (复核).
    RecordRecheck,
    /// Approve (审批).
    RecordApprove,
    /// Maintain records: check completeness and compliance, correct and
    /// supplement by the prescribed procedure (维护, Art 11).
    RecordMaintain,
    /// Prepare a maintenance application for a maintenance officer, who
    /// takes it (初审) or declines it (外包协助维护, Art 11).
    RecordPrepare,
    /// Look up a person of one's own agency (查询).
    PersonQuery,
    /// Issue activation codes after checking an ID document, bind employer
    /// agents, record delegations (clerk).
    ExternalActivate,
    /// Read one's own record (参保人员).
    OwnRecordRead,
    /// Read a record under a delegation (被委托人).
    DelegatedRecordRead,
    /// Read the employer's records (用人单位经办人).
    EmployerRecordRead,
    /// Query by an administrative or judicial organ (Art 18).
    OrganQuery,
    /// Read de-identified statistics (Art 17).
    StatisticsRead,
    /// Read what a disclosure grant covers, while it is valid (其他单位, Art 19–20).
    GrantRead,
    /// Every authenticated account: change own password, enrol a second
    /// factor, log out.
    SelfService,
}

/// A permission name that is not one of [`Permission::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown permission `{given}`; valid permissions: {}",
    valid_permission_names()
)]
pub struct ParsePermissionError {
    /// The name that was given.
    pub given: String,
}

fn valid_permission_names() -> String {
    Permission::ALL
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Permission {
    /// All permissions, in the order of `docs/roles.md`.
    pub const ALL: [Permission; 22] = [
        Permission::AccountManage,
        Permission::RoleApprove,
        Permission::SecurityConfig,
        Permission::AuditRead,
        Permission::AuditExport,
        Permission::DatabaseMaintain,
        Permission::LedgerVerify,
        Permission::RecordCollect,
        Permission::RecordReview,
        Permission::RecordRecheck,
        Permission::RecordApprove,
        Permission::RecordMaintain,
        Permission::RecordPrepare,
        Permission::PersonQuery,
        Permission::ExternalActivate,
        Permission::OwnRecordRead,
        Permission::DelegatedRecordRead,
        Permission::EmployerRecordRead,
        Permission::OrganQuery,
        Permission::StatisticsRead,
        Permission::GrantRead,
        Permission::SelfService,
    ];

    /// Stable machine name (also the serde name), e.g. `record_approve`.
    /// Administration of the installation (accounts, role approvals,
    /// security configuration, audit, database maintenance, verification):
    /// reachable from the management terminals only when `[server]
    /// admin_networks` is set (GB/T 22239-2019 入侵防范 c).
    pub const fn is_administration(self) -> bool {
        matches!(
            self,
            Permission::AccountManage
                | Permission::RoleApprove
                | Permission::SecurityConfig
                | Permission::AuditRead
                | Permission::AuditExport
                | Permission::DatabaseMaintain
                | Permission::LedgerVerify
        )
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::AccountManage => "account_manage",
            Permission::RoleApprove => "role_approve",
            Permission::SecurityConfig => "security_config",
            Permission::AuditRead => "audit_read",
            Permission::AuditExport => "audit_export",
            Permission::DatabaseMaintain => "database_maintain",
            Permission::LedgerVerify => "ledger_verify",
            Permission::RecordCollect => "record_collect",
            Permission::RecordReview => "record_review",
            Permission::RecordRecheck => "record_recheck",
            Permission::RecordApprove => "record_approve",
            Permission::RecordMaintain => "record_maintain",
            Permission::RecordPrepare => "record_prepare",
            Permission::PersonQuery => "person_query",
            Permission::ExternalActivate => "external_activate",
            Permission::OwnRecordRead => "own_record_read",
            Permission::DelegatedRecordRead => "delegated_record_read",
            Permission::EmployerRecordRead => "employer_record_read",
            Permission::OrganQuery => "organ_query",
            Permission::StatisticsRead => "statistics_read",
            Permission::GrantRead => "grant_read",
            Permission::SelfService => "self_service",
        }
    }

    /// What the permission allows, in English.
    pub const fn description_en(self) -> &'static str {
        match self {
            Permission::AccountManage => {
                "create accounts, lock and unlock them, reset passwords, request role grants and revocations"
            }
            Permission::RoleApprove => "approve or reject role requests",
            Permission::SecurityConfig => {
                "change the security configuration: password policy, second-factor policy"
            }
            Permission::AuditRead => "read the security audit trail",
            Permission::AuditExport => "export the security audit trail (CSV of a filtered range)",
            Permission::DatabaseMaintain => "run migrations, backups and verification runs",
            Permission::LedgerVerify => "run ledger verification, read checkpoints with detail",
            Permission::RecordCollect => "take applications at the counter (preliminary review)",
            Permission::RecordReview => "review collected records",
            Permission::RecordRecheck => "re-check reviewed records",
            Permission::RecordApprove => "approve re-checked records",
            Permission::RecordMaintain => {
                "check records for completeness and compliance, correct and supplement them by the prescribed procedure"
            }
            Permission::RecordPrepare => {
                "prepare a maintenance application that a maintenance officer takes or declines (never complete one)"
            }
            Permission::PersonQuery => "look up a person of one's own agency",
            Permission::ExternalActivate => {
                "issue activation codes and set telephone query PINs after checking an ID document, bind employer agents, record delegations"
            }
            Permission::OwnRecordRead => "read one's own rights record",
            Permission::DelegatedRecordRead => {
                "read a person's rights record within a written authorization"
            }
            Permission::EmployerRecordRead => {
                "read the employer's contributions and its employees' records for their time with the employer"
            }
            Permission::OrganQuery => {
                "query the prescribed records of the prescribed persons for an administrative or judicial organ"
            }
            Permission::StatisticsRead => "read de-identified statistics",
            Permission::GrantRead => {
                "read the records a disclosure grant to the officer's unit covers, while it is valid"
            }
            Permission::SelfService => "change own password, enrol a second factor, log out",
        }
    }

    /// What the permission allows, in Chinese.
    pub const fn description_zh(self) -> &'static str {
        match self {
            Permission::AccountManage => "创建账户、锁定/解锁、重置口令、申请授予或撤销角色",
            Permission::RoleApprove => "审批或驳回角色申请",
            Permission::SecurityConfig => "安全配置：口令策略、双因素认证策略",
            Permission::AuditRead => "查阅安全审计记录",
            Permission::AuditExport => "导出安全审计记录",
            Permission::DatabaseMaintain => "数据库迁移、备份、校验",
            Permission::LedgerVerify => "运行账本校验、查看检查点详情",
            Permission::RecordCollect => "前台受理、初审",
            Permission::RecordReview => "审核",
            Permission::RecordRecheck => "复核",
            Permission::RecordApprove => "审批",
            Permission::RecordMaintain => "数据维护：检查完整性、合规性，按规定程序修正和补充",
            Permission::RecordPrepare => {
                "协助维护：预填维护业务，由维护员受理（初审）或退回，不能单独完成"
            }
            Permission::PersonQuery => "查询本经办机构的参保人员",
            Permission::ExternalActivate => {
                "核验身份证件后发放激活码、设置电话查询密码、绑定用人单位经办人、登记委托"
            }
            Permission::OwnRecordRead => "查询本人权益记录",
            Permission::DelegatedRecordRead => "凭书面委托查询他人权益记录",
            Permission::EmployerRecordRead => "查询本单位缴费情况及职工在本单位期间的记录",
            Permission::OrganQuery => "行政/司法机关依法查询",
            Permission::StatisticsRead => "查阅去标识化统计数据",
            Permission::GrantRead => "在批准的范围和期限内查询其他单位获准查询的记录",
            Permission::SelfService => "修改本人口令、绑定第二因素、退出登录",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = ParsePermissionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Permission::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == norm)
            .ok_or_else(|| ParsePermissionError {
                given: s.to_owned(),
            })
    }
}

use Permission as P;

/// The permissions of one role: the matrix. Anything not listed is denied.
pub const fn permissions(role: Role) -> &'static [Permission] {
    match role {
        Role::SystemAdmin => &[P::AccountManage, P::SelfService],
        Role::SecurityAdmin => &[P::RoleApprove, P::SecurityConfig, P::SelfService],
        Role::AuditAdmin => &[
            P::AuditRead,
            P::AuditExport,
            P::LedgerVerify,
            P::SelfService,
        ],
        Role::DatabaseAdmin => &[P::DatabaseMaintain, P::LedgerVerify, P::SelfService],
        Role::Clerk => &[
            P::RecordCollect,
            P::PersonQuery,
            P::ExternalActivate,
            P::SelfService,
        ],
        Role::Reviewer => &[P::RecordReview, P::PersonQuery, P::SelfService],
        Role::Rechecker => &[P::RecordRecheck, P::PersonQuery, P::SelfService],
        Role::Approver => &[P::RecordApprove, P::PersonQuery, P::SelfService],
        Role::MaintenanceOfficer => &[P::RecordMaintain, P::PersonQuery, P::SelfService],
        Role::MaintenanceContractor => &[P::RecordPrepare, P::PersonQuery, P::SelfService],
        Role::QueryOfficer => &[P::PersonQuery, P::SelfService],
        Role::InsuredPerson => &[P::OwnRecordRead, P::SelfService],
        Role::Delegate => &[P::DelegatedRecordRead, P::SelfService],
        Role::EmployerAgent => &[P::EmployerRecordRead, P::SelfService],
        Role::OrganOfficer => &[P::OrganQuery, P::SelfService],
        Role::StatisticsUser => &[P::StatisticsRead, P::SelfService],
        Role::UnitOfficer => &[P::GrantRead, P::SelfService],
    }
}

/// Whether any of `roles` grants `p`. Deny by default: no roles, no permission.
///
/// This does not check separation of duties; callers check
/// [`crate::access::check_role_set`] on every request as well.
pub fn allows(roles: &[Role], p: Permission) -> bool {
    roles.iter().any(|r| permissions(*r).contains(&p))
}

/// The roles that grant `p`, in [`Role::ALL`] order.
pub fn roles_with(p: Permission) -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| permissions(*r).contains(&p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::RoleClass;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert!("sudo"
            .parse::<Permission>()
            .unwrap_err()
            .to_string()
            .contains("self_service"));
    }

    #[test]
    fn every_permission_is_held_by_some_role() {
        for p in Permission::ALL {
            assert!(!roles_with(p).is_empty(), "{p} held by nobody");
        }
    }

    #[test]
    fn no_duplicates_in_matrix() {
        for r in Role::ALL {
            let ps = permissions(r);
            for (i, p) in ps.iter().enumerate() {
                assert!(!ps[i + 1..].contains(p), "{r} lists {p} twice");
            }
        }
    }

    #[test]
    fn deny_by_default() {
        for p in Permission::ALL {
            assert!(!allows(&[], p));
        }
    }

    #[test]
    fn audit_trail_is_audit_admin_only() {
        assert_eq!(roles_with(P::AuditRead), vec![Role::AuditAdmin]);
        assert_eq!(roles_with(P::AuditExport), vec![Role::AuditAdmin]);
        assert_eq!(roles_with(P::RoleApprove), vec![Role::SecurityAdmin]);
        assert_eq!(roles_with(P::AccountManage), vec![Role::SystemAdmin]);
        assert_eq!(
            roles_with(P::LedgerVerify),
            vec![Role::AuditAdmin, Role::DatabaseAdmin]
        );
    }

    #[test]
    fn every_role_has_self_service() {
        for r in Role::ALL {
            assert!(allows(&[r], P::SelfService));
        }
    }

    #[test]
    fn admins_never_touch_records_and_business_never_administers() {
        let record_perms = [
            P::RecordCollect,
            P::RecordReview,
            P::RecordRecheck,
            P::RecordApprove,
            P::RecordMaintain,
            P::RecordPrepare,
            P::PersonQuery,
            P::ExternalActivate,
            P::OwnRecordRead,
            P::DelegatedRecordRead,
            P::EmployerRecordRead,
            P::OrganQuery,
            P::StatisticsRead,
            P::GrantRead,
        ];
        let admin_perms = [
            P::AccountManage,
            P::RoleApprove,
            P::SecurityConfig,
            P::AuditRead,
            P::AuditExport,
            P::DatabaseMaintain,
            P::LedgerVerify,
        ];
        for r in Role::ALL {
            let forbidden: &[Permission] = if r.class() == RoleClass::Admin {
                &record_perms
            } else {
                &admin_perms
            };
            for p in forbidden {
                assert!(!allows(&[r], *p), "{r} must not hold {p}");
            }
        }
    }
}
