//! Password policy as configuration: [`PasswordPolicy`] with two shipped
//! profiles ([`PolicyProfile`]).
//!
//! | | `gb22239-l3` (default) | `asvs` |
//! |---|---|---|
//! | length | 8–128 characters | 12–128 characters |
//! | composition | 3 of 4 classes (lower, upper, digit, other) | none |
//! | rotation | every 90 days | never forced |
//! | history | not the last 5 (current included) | not the current one |
//! | lockout | 30 min after 5 consecutive failures | 30 min after 10 consecutive failures |
//! | common-password list | refused | refused |
//! | contains the user name | refused | refused |
//!
//! Decisions:
//! - The bundled common-password list (`data/common-passwords.txt`: the
//!   10,000 most frequent passwords of zxcvbn 4.4.2, MIT) is checked under
//!   both profiles; GB/T 22239 asks for complexity and a common password
//!   with three classes ("Password123") is not complex. A password that is a
//!   listed password (≥ 4 characters) with only digits and symbols added
//!   before or after it ("Dragon2024!") counts as common too.
//! - `asvs` history 1: a new password must differ from the current one
//!   (ASVS and NIST SP 800-63B do not ask for a history; without this a forced
//!   change after an issued password could be "changed" to itself).
//! - `asvs` lockout 10 failures / 30 minutes: ASVS 2.2.1 asks for at most 100
//!   failed attempts per hour per account; 10 per 30 minutes is at most 20.
//!   Lockouts can be abused to deny service, hence the higher threshold than
//!   `gb22239-l3`.
//! - Maximum length 128 characters under both (argon2 work grows with the input;
//!   ASVS 2.1.2 allows up to 128). Lengths are counted in Unicode scalar values;
//!   passwords are never truncated.
//!
//! Checking history needs the stored hashes, so it is done by the application;
//! this module only exposes [`PasswordPolicy::history`].

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::RuleId;

/// A shipped password policy profile.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum PolicyProfile {
    /// GB/T 22239-2019 level 3 (等保三级), the default.
    #[default]
    #[serde(rename = "gb22239-l3")]
    Gb22239L3,
    /// OWASP ASVS 4.0 V2.1 / NIST SP 800-63B style.
    #[serde(rename = "asvs")]
    Asvs,
}

/// A profile name that is neither `gb22239-l3` nor `asvs`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown password policy profile `{given}`; valid profiles: gb22239-l3, asvs")]
pub struct ParseProfileError {
    /// The name that was given.
    pub given: String,
}

impl PolicyProfile {
    /// Both profiles.
    pub const ALL: [PolicyProfile; 2] = [PolicyProfile::Gb22239L3, PolicyProfile::Asvs];

    /// Stable name (also the serde name): `gb22239-l3`, `asvs`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyProfile::Gb22239L3 => "gb22239-l3",
            PolicyProfile::Asvs => "asvs",
        }
    }
}

impl fmt::Display for PolicyProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PolicyProfile {
    type Err = ParseProfileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        PolicyProfile::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == norm)
            .ok_or_else(|| ParseProfileError {
                given: s.to_owned(),
            })
    }
}

/// Hard upper bound on password length for every policy (argon2 DoS).
pub const MAX_PASSWORD_LENGTH: usize = 128;

/// Rule id: too short.
pub const RULE_MIN_LENGTH: RuleId = RuleId::PasswordMinLength;
/// Rule id: too long.
pub const RULE_MAX_LENGTH: RuleId = RuleId::PasswordMaxLength;
/// Rule id: too few character classes.
pub const RULE_CLASSES: RuleId = RuleId::PasswordClasses;
/// Rule id: on the common-password list.
pub const RULE_COMMON: RuleId = RuleId::PasswordCommon;
/// Rule id: contains the user name.
pub const RULE_CONTAINS_USERNAME: RuleId = RuleId::PasswordContainsUsername;
/// Rule id: the policy itself is not acceptable (configuration check).
pub const RULE_POLICY_CONFIG: RuleId = RuleId::PasswordPolicyConfig;

/// A password policy. Build one with [`PasswordPolicy::profile`]; fields may
/// be overridden by configuration and checked with
/// [`PasswordPolicy::check_config`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// The profile the values come from.
    pub profile: PolicyProfile,
    /// Minimum length in characters.
    pub min_length: usize,
    /// Maximum length in characters (at most [`MAX_PASSWORD_LENGTH`]).
    pub max_length: usize,
    /// How many of the four classes (lower case, upper case, digit, other)
    /// must occur; 0 = no composition rule.
    pub min_classes: usize,
    /// Forced rotation after this many days; `None` = never.
    pub max_age_days: Option<u32>,
    /// A new password must differ from this many most recent passwords, the
    /// current one included; 0 = no check. Checked by the application.
    pub history: usize,
    /// Consecutive failed logins that lock the account; 0 = never lock.
    pub lockout_threshold: u32,
    /// How long a lock lasts.
    pub lockout_minutes: u32,
    /// Refuse passwords on the bundled common-password list.
    pub reject_common: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy::profile(PolicyProfile::default())
    }
}

/// A new password (or a policy configuration) refused by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct PolicyViolation {
    /// Stable rule id, e.g. `password.min_length`.
    pub rule: RuleId,
    /// The profile of the policy that refused it.
    pub profile: PolicyProfile,
    /// English; names the rule and the profile; never contains the password.
    pub message: String,
}

/// Character classes counted by the composition rule.
fn classes(password: &str) -> usize {
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in password.chars() {
        if c.is_ascii_digit() {
            digit = true;
        } else if c.is_lowercase() {
            lower = true;
        } else if c.is_uppercase() {
            upper = true;
        } else {
            other = true;
        }
    }
    [lower, upper, digit, other].iter().filter(|b| **b).count()
}

const COMMON_PASSWORDS_TXT: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS_TXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Number of entries in the bundled common-password list.
pub fn common_password_count() -> usize {
    common_passwords().len()
}

/// Whether `password` is on the bundled list (case-insensitive), or is a
/// listed password of at least 4 characters with only digits and symbols
/// added before or after it.
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    let set = common_passwords();
    if set.contains(lower.as_str()) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    core.chars().count() >= 4 && core.len() < lower.len() && set.contains(core)
}

impl PasswordPolicy {
    /// The shipped values of a profile.
    pub const fn profile(p: PolicyProfile) -> Self {
        match p {
            PolicyProfile::Gb22239L3 => PasswordPolicy {
                profile: p,
                min_length: 8,
                max_length: MAX_PASSWORD_LENGTH,
                min_classes: 3,
                max_age_days: Some(90),
                history: 5,
                lockout_threshold: 5,
                lockout_minutes: 30,
                reject_common: true,
            },
            PolicyProfile::Asvs => PasswordPolicy {
                profile: p,
                min_length: 12,
                max_length: MAX_PASSWORD_LENGTH,
                min_classes: 0,
                max_age_days: None,
                history: 1,
                lockout_threshold: 10,
                lockout_minutes: 30,
                reject_common: true,
            },
        }
    }

    fn violation(&self, rule: RuleId, detail: String) -> PolicyViolation {
        PolicyViolation {
            rule,
            profile: self.profile,
            message: format!(
                "refused by rule {rule} (password policy {}): {detail}",
                self.profile
            ),
        }
    }

    /// Checks that overridden values still make a sane policy: 8 ≤ min_length
    /// ≤ max_length ≤ 128, min_classes ≤ 4, max_age_days ≥ 1 when set, and a
    /// lock of at least one minute when locking is on.
    pub fn check_config(&self) -> Result<(), PolicyViolation> {
        let bad = |d: String| Err(self.violation(RULE_POLICY_CONFIG, d));
        if self.min_length < 8 {
            return bad(format!("min_length {} is below 8", self.min_length));
        }
        if self.max_length > MAX_PASSWORD_LENGTH || self.max_length < self.min_length {
            return bad(format!(
                "max_length {} must be between min_length {} and {MAX_PASSWORD_LENGTH}",
                self.max_length, self.min_length
            ));
        }
        if self.min_classes > 4 {
            return bad(format!(
                "min_classes {} exceeds the 4 classes",
                self.min_classes
            ));
        }
        if self.max_age_days == Some(0) {
            return bad("max_age_days 0: use none for no rotation".to_owned());
        }
        if self.lockout_threshold > 0 && self.lockout_minutes == 0 {
            return bad("lockout_minutes 0 with a lockout threshold set".to_owned());
        }
        Ok(())
    }

    /// Checks a new password for `username`. Order: max length, common list,
    /// min length, classes, user name. History is checked by the caller.
    pub fn check_new_password(
        &self,
        password: &str,
        username: &str,
    ) -> Result<(), PolicyViolation> {
        let len = password.chars().count();
        let max = self.max_length.min(MAX_PASSWORD_LENGTH);
        if len > max {
            return Err(self.violation(
                RULE_MAX_LENGTH,
                format!("the password has {len} characters; at most {max} are allowed"),
            ));
        }
        if self.reject_common && is_common_password(password) {
            return Err(self.violation(
                RULE_COMMON,
                "the password is (or is built on) one of the 10,000 most common passwords"
                    .to_owned(),
            ));
        }
        if len < self.min_length {
            return Err(self.violation(
                RULE_MIN_LENGTH,
                format!(
                    "the password has {len} characters; at least {} are required",
                    self.min_length
                ),
            ));
        }
        let n = classes(password);
        if n < self.min_classes {
            return Err(self.violation(
                RULE_CLASSES,
                format!(
                    "the password uses {n} of the 4 character classes (lower case, upper case, digit, other); at least {} are required",
                    self.min_classes
                ),
            ));
        }
        let user = username.trim().to_lowercase();
        if user.chars().count() >= 3 {
            let pw = password.to_lowercase();
            let reversed: String = user.chars().rev().collect();
            if pw.contains(&user) || pw.contains(&reversed) {
                return Err(self.violation(
                    RULE_CONTAINS_USERNAME,
                    "the password contains the user name".to_owned(),
                ));
            }
        }
        Ok(())
    }

    /// When a password changed at `changed_at` must be changed; `None` if the
    /// policy never forces rotation.
    pub fn expires_at(&self, changed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.max_age_days
            .map(|d| changed_at + Duration::days(i64::from(d)))
    }

    /// Whether a password changed at `changed_at` must be changed at `now`
    /// (its age is at least `max_age_days`).
    pub fn needs_rotation(&self, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.expires_at(changed_at).is_some_and(|at| now >= at)
    }

    /// Until when an account with `consecutive_failures` failed logins, the
    /// last at `last_failure_at`, is locked; `None` if it is not locked.
    pub fn locked_until(
        &self,
        consecutive_failures: u32,
        last_failure_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        (self.lockout_threshold > 0 && consecutive_failures >= self.lockout_threshold)
            .then(|| last_failure_at + Duration::minutes(i64::from(self.lockout_minutes)))
    }

    /// Whether the account is locked at `now` (see [`Self::locked_until`]).
    pub fn is_locked(
        &self,
        consecutive_failures: u32,
        last_failure_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        self.locked_until(consecutive_failures, last_failure_at)
            .is_some_and(|until| now < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn gb() -> PasswordPolicy {
        PasswordPolicy::profile(PolicyProfile::Gb22239L3)
    }
    fn asvs() -> PasswordPolicy {
        PasswordPolicy::profile(PolicyProfile::Asvs)
    }
    fn rule(p: &PasswordPolicy, pw: &str, user: &str) -> Option<RuleId> {
        p.check_new_password(pw, user).err().map(|v| v.rule)
    }

    #[test]
    fn shipped_values() {
        let g = gb();
        assert_eq!(
            (g.min_length, g.min_classes, g.max_age_days, g.history),
            (8, 3, Some(90), 5)
        );
        assert_eq!((g.lockout_threshold, g.lockout_minutes), (5, 30));
        let a = asvs();
        assert_eq!(
            (a.min_length, a.min_classes, a.max_age_days, a.history),
            (12, 0, None, 1)
        );
        assert!(a.reject_common && g.reject_common);
        assert_eq!(a.max_length, 128);
        for p in PolicyProfile::ALL {
            PasswordPolicy::profile(p).check_config().unwrap();
        }
        assert_eq!(PasswordPolicy::default(), g);
    }

    #[test]
    fn profile_names() {
        assert_eq!(
            serde_json::to_string(&PolicyProfile::Gb22239L3).unwrap(),
            "\"gb22239-l3\""
        );
        assert_eq!(
            serde_json::from_str::<PolicyProfile>("\"asvs\"").unwrap(),
            PolicyProfile::Asvs
        );
        assert_eq!(
            "ASVS".parse::<PolicyProfile>().unwrap(),
            PolicyProfile::Asvs
        );
        assert!("nist"
            .parse::<PolicyProfile>()
            .unwrap_err()
            .to_string()
            .contains("gb22239-l3, asvs"));
        let toml_policy: PasswordPolicy = toml::from_str(
            "profile = \"asvs\"\nmin_length = 14\nmax_length = 128\nmin_classes = 0\nhistory = 1\nlockout_threshold = 10\nlockout_minutes = 30\nreject_common = true\n",
        )
        .unwrap();
        assert_eq!(toml_policy.max_age_days, None);
        assert_eq!(toml_policy.min_length, 14);
    }

    #[test]
    fn gb_boundaries() {
        let g = gb();
        assert_eq!(rule(&g, "Xq7#tzk", "alice"), Some(RULE_MIN_LENGTH));
        assert_eq!(rule(&g, "Xq7#tzkm", "alice"), None);
        assert_eq!(rule(&g, "xq7tzkmw", "alice"), Some(RULE_CLASSES));
        assert_eq!(rule(&g, "xq7tzkmW", "alice"), None);
        assert_eq!(rule(&g, "xq#tzkmW", "alice"), None);
        assert_eq!(rule(&g, "XQ7#TZKM", "alice"), None);
        assert_eq!(rule(&g, "xqztzkmw", "alice"), Some(RULE_CLASSES));
        // Chinese characters count as "other".
        assert_eq!(rule(&g, "社保qz7Kwtm", "alice"), None);
        let long = format!("Aa1{}", "x".repeat(125));
        assert_eq!(long.chars().count(), 128);
        assert_eq!(rule(&g, &long, "alice"), None);
        assert_eq!(
            rule(&g, &format!("{long}y"), "alice"),
            Some(RULE_MAX_LENGTH)
        );
    }

    #[test]
    fn asvs_boundaries() {
        let a = asvs();
        assert_eq!(rule(&a, "qzvtkmwrbnx", "alice"), Some(RULE_MIN_LENGTH));
        assert_eq!(rule(&a, "qzvtkmwrbnxj", "alice"), None);
        // No composition rule: twelve lower-case letters pass.
        assert_eq!(rule(&a, "correcthorsebatterystaple", "alice"), None);
        // 12 Chinese characters are 12 characters.
        assert_eq!(rule(&a, "社会保险个人权益记录管理办", "alice"), None);
        assert_eq!(rule(&a, &"k".repeat(129), "alice"), Some(RULE_MAX_LENGTH));
        assert_eq!(rule(&a, &"k".repeat(128), "alice"), None);
    }

    #[test]
    fn common_list() {
        assert_eq!(common_password_count(), 10_000);
        let a = asvs();
        let g = gb();
        for pw in [
            "password1",
            "Password123",
            "PASSWORD",
            "qwertyuiop",
            "Dragon2024!",
            "1qaz2wsx",
        ] {
            assert_eq!(rule(&a, pw, "alice"), Some(RULE_COMMON), "{pw}");
            assert_eq!(rule(&g, pw, "alice"), Some(RULE_COMMON), "{pw}");
        }
        assert!(is_common_password("123456"));
        assert!(!is_common_password("Xq7#tzkm"));
        // A 3-letter core with decorations is not treated as common.
        assert!(!is_common_password("abc-7781-zz9"));
        let off = PasswordPolicy {
            reject_common: false,
            ..a.clone()
        };
        assert_eq!(rule(&off, "password1234", "alice"), None);
    }

    #[test]
    fn username() {
        let a = asvs();
        assert_eq!(
            rule(&a, "my-ZHANGWEI-pass-77", "zhangwei"),
            Some(RULE_CONTAINS_USERNAME)
        );
        assert_eq!(
            rule(&a, "xx-iewgnahz-pass-77", "ZhangWei"),
            Some(RULE_CONTAINS_USERNAME)
        );
        assert_eq!(rule(&a, "my-zhang-pass-77", "zhangwei"), None);
        // Very short user names are not searched for.
        assert_eq!(rule(&a, "my-jo-pass-777", "jo"), None);
        let v = gb()
            .check_new_password("Zhangwei#2025", "zhangwei")
            .unwrap_err();
        assert!(v.message.contains("password.contains_username"));
        assert!(v.message.contains("gb22239-l3"));
        assert!(!v.message.contains("Zhangwei#2025"));
    }

    #[test]
    fn rotation_and_lockout() {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 8, 0, 0).unwrap();
        let g = gb();
        assert!(!g.needs_rotation(t0, t0 + Duration::days(90) - Duration::seconds(1)));
        assert!(g.needs_rotation(t0, t0 + Duration::days(90)));
        assert!(!asvs().needs_rotation(t0, t0 + Duration::days(10_000)));
        assert_eq!(asvs().expires_at(t0), None);

        assert!(!g.is_locked(4, t0, t0));
        assert!(g.is_locked(5, t0, t0 + Duration::minutes(29)));
        assert!(!g.is_locked(5, t0, t0 + Duration::minutes(30)));
        assert_eq!(g.locked_until(6, t0), Some(t0 + Duration::minutes(30)));
        assert!(!asvs().is_locked(9, t0, t0));
        assert!(asvs().is_locked(10, t0, t0));
    }

    #[test]
    fn config_check() {
        let bad = PasswordPolicy {
            min_length: 6,
            ..gb()
        };
        assert_eq!(bad.check_config().unwrap_err().rule, RULE_POLICY_CONFIG);
        let bad = PasswordPolicy {
            max_length: 512,
            ..gb()
        };
        assert!(bad.check_config().is_err());
        let bad = PasswordPolicy {
            max_age_days: Some(0),
            ..gb()
        };
        assert!(bad.check_config().is_err());
    }
}
