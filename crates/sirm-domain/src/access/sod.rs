//! Separation of duties (职责分离): which roles may be held by one account.
//!
//! Every rule is a rule about *pairs* of distinct roles, so a role set is
//! accepted exactly when every pair in it is accepted, and any subset of an
//! accepted set is accepted too. The rules (see [`SOD_RULES`]):
//!
//! | id | article | refuses |
//! |---|---|---|
//! | `art26-admin-business` | Art 26 (and Art 28(2)) | an administrator role together with a business or query role |
//! | `three-admins-separate` | GB/T 22239-2019 8.1.5 (三员分立) | two different administrator roles in one account |
//! | `staff-external` | Art 26 | a staff role (admin, business, query) together with an external role |
//! | `external-capacity` | Art 15, 17, 18 | an institutional external role together with any other external role |
//! | `contractor-alone` | Art 11, 28(6) | the outside maintenance helper's role together with any other role |
//!
//! Business roles may combine with each other and with the query role: the
//! four-eyes rule (one user never acts on two stages of one transaction, Art 7)
//! is enforced per transaction by the review workflow, not here.
//!
//! Decision (三员分立): the database administrator is exclusive too — one
//! administrator role per account. Art 26 names the database administrator
//! beside the system administrator, and a DBA who is also the security
//! administrator could approve their own grants, or as audit administrator
//! read the trail of their own maintenance.

use std::fmt;

use serde::Serialize;

use super::role::{Role, RoleClass};
use crate::RuleId;

/// Rule id: an administrator role never together with a business or query role.
pub const ART26_ADMIN_BUSINESS: RuleId = RuleId::Art26AdminBusiness;
/// Rule id: one administrator role per account (三员分立, DBA included).
pub const THREE_ADMINS_SEPARATE: RuleId = RuleId::ThreeAdminsSeparate;
/// Rule id: staff roles and external roles never in one account.
pub const STAFF_EXTERNAL: RuleId = RuleId::StaffExternal;
/// Rule id: an institutional external capacity (employer agent, organ officer,
/// statistics user) is an account of its own.
pub const EXTERNAL_CAPACITY: RuleId = RuleId::ExternalCapacity;
/// Rule id: an outside maintenance helper's account holds that role only.
pub const CONTRACTOR_ALONE: RuleId = RuleId::ContractorAlone;

/// One separation-of-duty rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SodRule {
    /// The rule.
    pub rule: RuleId,
    /// Stable id, e.g. `art26-admin-business`.
    pub id: &'static str,
    /// Where the rule comes from, e.g. "Art 26".
    pub article: &'static str,
    /// Chinese name of the rule.
    pub name_zh: &'static str,
    /// What the rule says, in English.
    pub description_en: &'static str,
}

/// All separation-of-duty rules, in the order they are documented.
pub const SOD_RULES: [SodRule; 5] = [
    SodRule {
        rule: ART26_ADMIN_BUSINESS,
        id: ART26_ADMIN_BUSINESS.as_str(),
        article: "Art 26",
        name_zh: "系统管理员、数据库管理员不得兼职业务经办用户或者信息查询用户",
        description_en: "an administrator (system, security, audit or database) may not also be a business or query user (Art 26; doing so is a breach under Art 28(2))",
    },
    SodRule {
        rule: THREE_ADMINS_SEPARATE,
        id: THREE_ADMINS_SEPARATE.as_str(),
        article: "GB/T 22239-2019 8.1.5",
        name_zh: "三员分立",
        description_en: "the system, security, audit and database administrators are different accounts: one administrator role per account",
    },
    SodRule {
        rule: STAFF_EXTERNAL,
        id: STAFF_EXTERNAL.as_str(),
        article: "Art 26",
        name_zh: "经办机构工作人员账户与外部用户账户分设",
        description_en: "agency staff roles and external roles are never held by one account; a staff member uses a separate portal account for their own record",
    },
    SodRule {
        rule: EXTERNAL_CAPACITY,
        id: EXTERNAL_CAPACITY.as_str(),
        article: "Art 15, 17, 18",
        name_zh: "单位、机关账户专户专用",
        description_en: "an employer agent, organ officer or statistics user account acts in that capacity only and holds no other external role",
    },
    SodRule {
        rule: CONTRACTOR_ALONE,
        id: CONTRACTOR_ALONE.as_str(),
        article: "Art 11, 28(6)",
        name_zh: "协助维护的外单位人员账户专户专用",
        description_en: "an outside maintenance helper (from an IT contractor) holds that role only: never an agency staff role, an administrator role or an external role, so that no outsider completes a maintenance alone",
    },
];

/// Looks a rule up by id.
pub fn sod_rule(id: RuleId) -> Option<&'static SodRule> {
    SOD_RULES.iter().find(|r| r.rule == id)
}

/// A role combination refused by a separation-of-duty rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct SodViolation {
    /// Stable rule id, e.g. `art26-admin-business`.
    pub rule: RuleId,
    /// Where the rule comes from, e.g. "Art 26".
    pub article: &'static str,
    /// The two roles that may not meet: the one already held (or listed
    /// first) and the one being added.
    pub roles: [Role; 2],
    /// English, names both roles and the Chinese rule name.
    pub message: String,
}

impl fmt::Display for SodViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refused by rule {} ({}): {}",
            self.rule, self.article, self.message
        )
    }
}

/// Whether an external role is an institutional capacity (an account bound to
/// an employer, an organ or a statistics user), as opposed to a private person.
const fn institutional(r: Role) -> bool {
    matches!(
        r,
        Role::EmployerAgent | Role::OrganOfficer | Role::StatisticsUser | Role::UnitOfficer
    )
}

/// The rule (if any) that refuses `a` and `b` in one account.
pub fn pair_rule(a: Role, b: Role) -> Option<&'static SodRule> {
    use RoleClass::{Admin, Business, External, Query};
    if a == b {
        return None;
    }
    if a == Role::MaintenanceContractor || b == Role::MaintenanceContractor {
        return sod_rule(CONTRACTOR_ALONE);
    }
    let id = match (a.class(), b.class()) {
        (Admin, Admin) => THREE_ADMINS_SEPARATE,
        (Admin, Business | Query) | (Business | Query, Admin) => ART26_ADMIN_BUSINESS,
        (External, External) => {
            if institutional(a) || institutional(b) {
                EXTERNAL_CAPACITY
            } else {
                return None;
            }
        }
        (External, _) | (_, External) => STAFF_EXTERNAL,
        (Business | Query, Business | Query) => return None,
    };
    sod_rule(id)
}

fn violation(rule: &'static SodRule, held: Role, added: Role) -> SodViolation {
    SodViolation {
        rule: rule.rule,
        article: rule.article,
        roles: [held, added],
        message: format!(
            "{} may not also hold {} ({}: {})",
            held.label(),
            added.label(),
            rule.name_zh,
            rule.description_en
        ),
    }
}

/// Checks a whole role set (on every request, and before storing a grant).
/// Returns the first refused pair, in the order the roles are given.
pub fn check_role_set(roles: &[Role]) -> Result<(), SodViolation> {
    for (i, a) in roles.iter().enumerate() {
        for b in &roles[i + 1..] {
            if let Some(rule) = pair_rule(*a, *b) {
                return Err(violation(rule, *a, *b));
            }
        }
    }
    Ok(())
}

/// Checks granting `new` to an account holding `existing`: the message names
/// the held role first and the new role second. Granting a role already held
/// is not a separation-of-duty matter and passes here. An `existing` set that
/// is already inconsistent is refused too.
pub fn check_grant(existing: &[Role], new: Role) -> Result<(), SodViolation> {
    for held in existing {
        if let Some(rule) = pair_rule(*held, new) {
            return Err(violation(rule, *held, new));
        }
    }
    check_role_set(existing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn art26_example() {
        let v = check_grant(&[Role::DatabaseAdmin], Role::Approver).unwrap_err();
        assert_eq!(v.rule, "art26-admin-business");
        assert_eq!(v.article, "Art 26");
        assert_eq!(v.roles, [Role::DatabaseAdmin, Role::Approver]);
        assert!(v.to_string().starts_with(
            "refused by rule art26-admin-business (Art 26): database_admin (数据库管理员) may not also hold approver (审批)"
        ), "{v}");
        assert!(v.message.contains("系统管理员、数据库管理员不得兼职"));
    }

    #[test]
    fn expected_rule_for_every_pair() {
        use Role::*;
        let admins = [SystemAdmin, SecurityAdmin, AuditAdmin, DatabaseAdmin];
        let business = [Clerk, Reviewer, Rechecker, Approver, MaintenanceOfficer];
        let personal = [InsuredPerson, Delegate];
        let institutional_roles = [EmployerAgent, OrganOfficer, StatisticsUser, UnitOfficer];
        let expected = |a: Role, b: Role| -> Option<RuleId> {
            let is = |set: &[Role], r: Role| set.contains(&r);
            let staff = |r: Role| is(&admins, r) || is(&business, r) || r == QueryOfficer;
            let external = |r: Role| is(&personal, r) || is(&institutional_roles, r);
            if a == b {
                None
            } else if a == MaintenanceContractor || b == MaintenanceContractor {
                Some(CONTRACTOR_ALONE)
            } else if is(&admins, a) && is(&admins, b) {
                Some(THREE_ADMINS_SEPARATE)
            } else if (is(&admins, a) && staff(b)) || (is(&admins, b) && staff(a)) {
                Some(ART26_ADMIN_BUSINESS)
            } else if (staff(a) && external(b)) || (staff(b) && external(a)) {
                Some(STAFF_EXTERNAL)
            } else if is(&institutional_roles, a) || is(&institutional_roles, b) {
                assert!(external(a) && external(b));
                Some(EXTERNAL_CAPACITY)
            } else {
                None
            }
        };
        for a in Role::ALL {
            for b in Role::ALL {
                let want = expected(a, b);
                let got = check_role_set(&[a, b]).err().map(|v| v.rule);
                assert_eq!(got, want, "{a} + {b}");
                let got = check_grant(&[a], b).err().map(|v| v.rule);
                assert_eq!(got, want, "grant {b} to {a}");
                if let Err(v) = check_grant(&[a], b) {
                    assert_eq!(v.roles, [a, b]);
                    assert!(v.message.contains(&a.label()) && v.message.contains(&b.label()));
                    let rule = sod_rule(v.rule).unwrap();
                    assert_eq!(v.article, rule.article);
                    assert!(v.message.contains(rule.name_zh));
                }
            }
        }
    }

    #[test]
    fn allowed_combinations() {
        use Role::*;
        // Every business role and the query officer, in one account (the
        // outside maintenance helper's role excepted: it stands alone).
        let business_and_query: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| matches!(r.class(), RoleClass::Business | RoleClass::Query))
            .filter(|r| *r != MaintenanceContractor)
            .collect();
        assert_eq!(business_and_query.len(), 6);
        check_role_set(&business_and_query).unwrap();
        check_role_set(&[InsuredPerson, Delegate]).unwrap();
        check_role_set(&[]).unwrap();
        check_role_set(&[DatabaseAdmin, DatabaseAdmin]).unwrap();
        check_grant(&[AuditAdmin], AuditAdmin).unwrap();
    }

    #[test]
    fn grant_on_inconsistent_set_is_refused() {
        let v = check_grant(&[Role::SystemAdmin, Role::Clerk], Role::SystemAdmin).unwrap_err();
        assert_eq!(v.rule, ART26_ADMIN_BUSINESS);
    }

    #[test]
    fn rules_are_documented_once() {
        for (i, r) in SOD_RULES.iter().enumerate() {
            assert!(SOD_RULES[i + 1..].iter().all(|o| o.id != r.id));
            assert_eq!(sod_rule(r.rule), Some(r));
        }
    }

    fn role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn accepted_sets_stay_accepted_for_every_subset(
            roles in prop::collection::vec(role(), 0..8),
            mask in any::<u8>(),
        ) {
            if check_role_set(&roles).is_ok() {
                let subset: Vec<Role> = roles
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, r)| *r)
                    .collect();
                prop_assert!(check_role_set(&subset).is_ok());
            }
        }

        #[test]
        fn set_check_is_order_independent_and_matches_grants(
            roles in prop::collection::vec(role(), 0..8),
        ) {
            let ok = check_role_set(&roles).is_ok();
            let mut rev = roles.clone();
            rev.reverse();
            prop_assert_eq!(check_role_set(&rev).is_ok(), ok);
            // Granting the roles one by one succeeds exactly when the set is accepted.
            let mut held = Vec::new();
            let mut all_granted = true;
            for r in &roles {
                if check_grant(&held, *r).is_err() {
                    all_granted = false;
                    break;
                }
                held.push(*r);
            }
            prop_assert_eq!(all_granted, ok);
        }

        #[test]
        fn accepted_sets_have_at_most_one_admin_and_no_admin_with_business(
            roles in prop::collection::vec(role(), 0..8),
        ) {
            if check_role_set(&roles).is_ok() {
                let mut admins: Vec<Role> = roles.iter().copied().filter(|r| r.is_admin()).collect();
                admins.dedup();
                admins.sort();
                admins.dedup();
                prop_assert!(admins.len() <= 1);
                if !admins.is_empty() {
                    prop_assert!(roles.iter().all(|r| r.is_admin()));
                }
                let staff = roles.iter().any(|r| r.is_staff());
                let external = roles.iter().any(|r| !r.is_staff());
                prop_assert!(!(staff && external));
            }
        }
    }
}
