//! Where a contribution month, a benefit, an application, an account and
//! a role request stand (and what an account and a role request are): the
//! statuses the projections record, typed so that no caller compares text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An enum whose variants are stored and serialised by name: the type, its
/// `as_str`, `Display` and `FromStr` from one list of variants and names.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $ty {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),*
        }

        impl $ty {
            /// The stored and serialised name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text),*
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($ty::$variant),)*
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        [$($text),*].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum! {
    /// Where an assessed person-month of contributions stands (核定 → 到账).
    pub enum ContributionStatus {
        /// Assessed (核定), the contributions not yet arrived.
        Assessed = "assessed",
        /// The contributions arrived (已到账).
        Paid = "paid",
        /// Paid, then refunded in whole (已退费, `contribution.refunded`):
        /// the month counts neither as paid nor as in arrears.
        Refunded = "refunded",
    }
}

text_enum! {
    /// Where a granted benefit (待遇) stands.
    pub enum BenefitStatus {
        /// Paid monthly (正常发放).
        Granted = "granted",
        /// Suspended pending review (暂停发放).
        Suspended = "suspended",
        /// Ended, e.g. on death (终止).
        Terminated = "terminated",
    }
}

text_enum! {
    /// Where an application (业务申请) stands in its review chain; the
    /// projection's summary of [`crate::review::Status`].
    pub enum ApplicationStatus {
        Pending = "pending",
        Returned = "returned",
        Approved = "approved",
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// Whether an account may sign in.
    pub enum AccountStatus {
        Active = "active",
        /// Locked by an administrator (解锁 makes it active again).
        Locked = "locked",
        /// Retired for good (注销): never used again.
        Retired = "retired",
    }
}

text_enum! {
    /// Who an account belongs to: agency staff, or a person or employer
    /// outside it (参保人员、用人单位经办人).
    pub enum AccountKind {
        Staff = "staff",
        External = "external",
    }
}

text_enum! {
    /// What a role request asks for.
    pub enum RoleAction {
        Grant = "grant",
        Revoke = "revoke",
    }
}

text_enum! {
    /// Where a request to grant or revoke a role stands.
    pub enum RoleRequestStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

text_enum! {
    /// Where an objection (异议核查, Art 16) stands.
    pub enum ObjectionStatus {
        /// Filed, with the maintenance officer (待核查).
        Open = "open",
        /// A correction application naming it is in review (更正审核中).
        InCorrection = "in_correction",
        /// The correction was approved (已更正).
        Corrected = "corrected",
        /// Answered in writing: no error found (已书面答复).
        Answered = "answered",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in [ContributionStatus::Assessed, ContributionStatus::Paid] {
            assert_eq!(s.as_str().parse::<ContributionStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::String(s.as_str().into()))
            );
        }
        for s in [
            BenefitStatus::Granted,
            BenefitStatus::Suspended,
            BenefitStatus::Terminated,
        ] {
            assert_eq!(s.as_str().parse::<BenefitStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::String(s.as_str().into()))
            );
        }
        let s: AccountStatus = serde_json::from_str("\"retired\"").unwrap();
        assert_eq!(s, AccountStatus::Retired);
    }

    #[test]
    fn an_unknown_name_is_refused_naming_the_known_ones() {
        let e = "PAID".parse::<ContributionStatus>().unwrap_err();
        assert_eq!(e, "\"PAID\" is not one of assessed, paid, refunded");
    }
}
