//! Identity and access policy (Art 7, 11, 15, 17, 18, 26, 28; GB/T 22239-2019
//! level 3), as pure code: no I/O, no clock, no randomness — time and random
//! bytes are parameters.
//!
//! - [`Role`] and [`RoleClass`]: who an account is (系统管理员, 审核, 参保人员, …).
//! - [`Permission`] and [`permissions`]: the role → permission matrix, deny by
//!   default; [`allows`] answers "may these roles do this?".
//! - [`check_role_set`] / [`check_grant`]: separation of duties (职责分离), each
//!   refusal a [`SodViolation`] naming a stable rule id ([`SOD_RULES`]).
//! - [`PasswordPolicy`]: the `gb22239-l3` and `asvs` profiles
//!   ([`PolicyProfile`]), with the bundled common-password list.
//! - [`totp`]: RFC 6238 codes, `otpauth://` URIs and recovery codes.
//! - [`pin`]: the telephone / self-service query PIN (查询密码, Art 14) rules.
//!
//! `docs/roles.md` documents all of this; `tests/access_docs.rs` checks that
//! its permission × role table equals [`permissions`].

mod password;
mod permission;
pub mod pin;
mod role;
mod sod;
pub mod totp;

pub use password::{
    common_password_count, is_common_password, ParseProfileError, PasswordPolicy, PolicyProfile,
    PolicyViolation, MAX_PASSWORD_LENGTH, RULE_CLASSES, RULE_COMMON, RULE_CONTAINS_USERNAME,
    RULE_MAX_LENGTH, RULE_MIN_LENGTH, RULE_POLICY_CONFIG,
};
pub use permission::{allows, permissions, roles_with, ParsePermissionError, Permission};
pub use pin::{check_query_pin, PinViolation};
pub use role::{ParseRoleError, Role, RoleClass};
pub use sod::{
    check_grant, check_role_set, pair_rule, sod_rule, SodRule, SodViolation, ART26_ADMIN_BUSINESS,
    EXTERNAL_CAPACITY, SOD_RULES, STAFF_EXTERNAL, THREE_ADMINS_SEPARATE,
};
pub use totp::{normalize_recovery_code, recovery_codes, TotpError, TotpSecret};
