//! [`IdError`]: why an identifier was refused, naming the part that is wrong.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The three kinds of identifier this module validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// Resident ID number (公民身份号码, GB 11643-1999).
    ResidentId,
    /// Unified social credit code (统一社会信用代码, GB 32100-2015).
    CreditCode,
    /// Administrative region code (行政区划代码, GB/T 2260).
    Region,
}

impl IdKind {
    /// Stable machine name: `resident_id`, `credit_code`, `region`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdKind::ResidentId => "resident_id",
            IdKind::CreditCode => "credit_code",
            IdKind::Region => "region",
        }
    }

    /// Human name, used as the prefix of error messages.
    pub const fn label(self) -> &'static str {
        match self {
            IdKind::ResidentId => "resident ID number",
            IdKind::CreditCode => "unified social credit code",
            IdKind::Region => "region code",
        }
    }

    /// The length of a complete identifier of this kind, in characters.
    pub const fn length(self) -> usize {
        match self {
            IdKind::ResidentId | IdKind::CreditCode => 18,
            IdKind::Region => 6,
        }
    }

    /// How the 6-digit region part is called inside this kind of identifier.
    const fn region_part_label(self) -> &'static str {
        match self {
            IdKind::ResidentId => "address code part",
            IdKind::CreditCode => "region part",
            IdKind::Region => "code",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a 6-digit region code (or the region part of a longer identifier) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionReason {
    /// The part contains something other than the digits 0-9.
    NotDigits,
    /// The first two digits are not a province-level code of GB/T 2260.
    UnknownProvince {
        /// The two province digits as given.
        province: String,
    },
    /// The prefecture digits (3-4) are `00` but the county digits (5-6) are not:
    /// GB/T 2260 has no county directly below a province with prefecture `00`
    /// (counties directly under a province use prefecture `90`).
    CountyWithoutPrefecture,
    /// `100000` (national level) is accepted in credit codes but is no person's address.
    NationalNotAnAddress,
}

impl fmt::Display for RegionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionReason::NotDigits => f.write_str("must be 6 digits"),
            RegionReason::UnknownProvince { province } => write!(
                f,
                "'{province}' is not a province-level code (GB/T 2260: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82)"
            ),
            RegionReason::CountyWithoutPrefecture => {
                f.write_str("the prefecture digits are '00' but the county digits are not '00'")
            }
            RegionReason::NationalNotAnAddress => {
                f.write_str("'100000' (national level) is not an address code")
            }
        }
    }
}

/// Why the birth date part of a resident ID number is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BirthDateReason {
    /// The 8 digits are not a real calendar date (e.g. `19900231`).
    NotACalendarDate,
    /// The date is after the date of checking.
    InFuture {
        /// The date the check was made against.
        today: NaiveDate,
    },
    /// The date is outside the supported range 1800-01-01 ..= 9999-12-31.
    OutOfRange,
}

impl fmt::Display for BirthDateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BirthDateReason::NotACalendarDate => f.write_str("is not a calendar date"),
            BirthDateReason::InFuture { today } => write!(f, "is in the future (today is {today})"),
            BirthDateReason::OutOfRange => {
                f.write_str("is outside the supported range 18000101 to 99991231")
            }
        }
    }
}

/// An identifier was refused. The message says which part is wrong and what is
/// expected; [`IdError::code`] is a stable machine code and [`IdError::part`]
/// names the part. Character positions are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Wrong number of characters.
    #[error("{}: {}", .kind.label(), length_message(*.expected, *.got))]
    Length {
        /// The kind being parsed.
        kind: IdKind,
        /// Expected number of characters (17 for a credit code body).
        expected: usize,
        /// Number of characters given.
        got: usize,
    },
    /// A character outside the allowed alphabet.
    #[error("{}: character {ch:?} at position {position} is not allowed ({allowed})", .kind.label())]
    Charset {
        /// The kind being parsed.
        kind: IdKind,
        /// The offending character, as given.
        ch: char,
        /// 1-based position of the character.
        position: usize,
        /// What is allowed there.
        allowed: &'static str,
    },
    /// The 6-digit region part is not a valid GB/T 2260 code.
    #[error("{}: {} '{value}' is not a valid region code: {reason}", .kind.label(), .kind.region_part_label())]
    Region {
        /// The kind being parsed.
        kind: IdKind,
        /// The region part as given.
        value: String,
        /// What is wrong with it.
        reason: RegionReason,
    },
    /// The birth date part of a resident ID number.
    #[error("resident ID number: birth date part '{value}' {reason}")]
    BirthDate {
        /// The 8-digit birth date part as given.
        value: String,
        /// What is wrong with it.
        reason: BirthDateReason,
    },
    /// A sequence number outside 000-999 (only from [`super::ResidentId::from_parts`]).
    #[error("resident ID number: sequence {value} is out of range (expected 000 to 999)")]
    Sequence {
        /// The sequence number given.
        value: u16,
    },
    /// The check character does not match the one computed from the body.
    #[error("{}: check character is {found:?}, expected {expected:?}", .kind.label())]
    CheckChar {
        /// The kind being parsed.
        kind: IdKind,
        /// The check character as given.
        found: char,
        /// The check character computed from the first 17 characters.
        expected: char,
    },
    /// Unknown registration authority (登记管理部门) code, position 1 of a credit code.
    #[error("unified social credit code: registration authority code {ch:?} (position 1) is not known (expected one of 1-9, A, N, Y)")]
    Authority {
        /// The authority character given.
        ch: char,
    },
    /// Organisation type (机构类别) not defined for the authority, position 2 of a credit code.
    #[error("unified social credit code: organisation type {ch:?} (position 2) is not defined for registration authority {authority:?} ({authority_name}); expected one of {expected}")]
    OrgType {
        /// The authority character.
        authority: char,
        /// Name of the authority.
        authority_name: &'static str,
        /// The organisation type character given.
        ch: char,
        /// The organisation types defined for this authority, e.g. `1, 2, 3`.
        expected: String,
    },
    /// Not recognisable as any kind: neither 18 nor 6 characters and no clear guess.
    #[error("identifier: {got} characters is not recognised (expected an 18-character resident ID number or unified social credit code, or a 6-digit region code)")]
    Unrecognised {
        /// Number of characters given.
        got: usize,
    },
}

fn length_message(expected: usize, got: usize) -> String {
    if expected == 17 {
        format!("body (without the check character) must be 17 characters, got {got}")
    } else if expected == 18 && got == 15 {
        "must be 18 characters, got 15 (15-digit first-generation numbers are not accepted)"
            .to_owned()
    } else {
        format!("must be {expected} characters, got {got}")
    }
}

impl IdError {
    /// The kind of identifier the error is about (`None` when not recognised).
    pub fn kind(&self) -> Option<IdKind> {
        match self {
            IdError::Length { kind, .. }
            | IdError::Charset { kind, .. }
            | IdError::Region { kind, .. }
            | IdError::CheckChar { kind, .. } => Some(*kind),
            IdError::BirthDate { .. } | IdError::Sequence { .. } => Some(IdKind::ResidentId),
            IdError::Authority { .. } | IdError::OrgType { .. } => Some(IdKind::CreditCode),
            IdError::Unrecognised { .. } => None,
        }
    }

    /// The part that is wrong: `length`, `charset`, `region`, `birth_date`,
    /// `sequence`, `check_char`, `authority` or `org_type`.
    pub fn part(&self) -> &'static str {
        match self {
            IdError::Length { .. } | IdError::Unrecognised { .. } => "length",
            IdError::Charset { .. } => "charset",
            IdError::Region { .. } => "region",
            IdError::BirthDate { .. } => "birth_date",
            IdError::Sequence { .. } => "sequence",
            IdError::CheckChar { .. } => "check_char",
            IdError::Authority { .. } => "authority",
            IdError::OrgType { .. } => "org_type",
        }
    }

    /// Stable machine code `<kind>.<part>`, e.g. `resident_id.check_char`,
    /// `credit_code.charset`, `region.region`; `identifier.unrecognised` when
    /// the kind could not be guessed.
    pub fn code(&self) -> &'static str {
        use IdKind::{CreditCode as C, Region as G, ResidentId as R};
        match self {
            IdError::Length { kind, .. } => match kind {
                R => "resident_id.length",
                C => "credit_code.length",
                G => "region.length",
            },
            IdError::Charset { kind, .. } => match kind {
                R => "resident_id.charset",
                C => "credit_code.charset",
                G => "region.charset",
            },
            IdError::Region { kind, .. } => match kind {
                R => "resident_id.region",
                C => "credit_code.region",
                G => "region.region",
            },
            IdError::CheckChar { kind, .. } => match kind {
                R => "resident_id.check_char",
                C => "credit_code.check_char",
                // A region code has no check character.
                G => "region.check_char",
            },
            IdError::BirthDate { .. } => "resident_id.birth_date",
            IdError::Sequence { .. } => "resident_id.sequence",
            IdError::Authority { .. } => "credit_code.authority",
            IdError::OrgType { .. } => "credit_code.org_type",
            IdError::Unrecognised { .. } => "identifier.unrecognised",
        }
    }
}
