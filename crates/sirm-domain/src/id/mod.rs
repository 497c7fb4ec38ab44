//! Validated identifiers (RULES.md "Identifiers").
//!
//! - [`ResidentId`]: resident ID number (公民身份号码, GB 11643-1999).
//! - [`CreditCode`]: unified social credit code (统一社会信用代码, GB 32100-2015).
//! - [`RegionCode`]: administrative region code (行政区划代码, GB/T 2260).
//!
//! Each type can only hold a valid value: it is built by `FromStr` / `TryFrom`
//! / serde (plain strings, validated on deserialize) or by the generator
//! constructors [`ResidentId::from_parts`] and [`CreditCode::from_body`]. A bad
//! identifier is refused with an [`IdError`] whose message says which part is
//! wrong and what is expected, with a stable [`IdError::code`] and
//! [`IdError::part`].
//!
//! No I/O. The only clock read is `ResidentId::from_str` (current UTC date, for
//! "birth date not in the future"); [`ResidentId::parse_at`] and [`identify`]
//! take the date as a parameter.

mod credit;
mod error;
mod person_key;
mod region;
mod resident;

use chrono::NaiveDate;

pub use credit::{CreditCode, OrgType, RegistrationAuthority, ALPHABET as CREDIT_CODE_ALPHABET};
pub use error::{BirthDateReason, IdError, IdKind, RegionReason};
pub use person_key::{PersonKey, PersonKeyError, PERSON_KEY_LEN};
pub use region::{RegionCode, RegionLevel, NATIONAL, PROVINCE_CODES, TAIWAN_RESIDENCE_PERMIT};
pub use resident::{Gender, ResidentId};

/// An identifier whose kind was guessed by [`identify`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identified {
    /// A resident ID number.
    ResidentId(ResidentId),
    /// A unified social credit code.
    CreditCode(CreditCode),
    /// A region code.
    Region(RegionCode),
}

impl Identified {
    /// The kind of the identifier.
    pub fn kind(&self) -> IdKind {
        match self {
            Identified::ResidentId(_) => IdKind::ResidentId,
            Identified::CreditCode(_) => IdKind::CreditCode,
            Identified::Region(_) => IdKind::Region,
        }
    }

    /// The normalised identifier.
    pub fn as_str(&self) -> &str {
        match self {
            Identified::ResidentId(id) => id.as_str(),
            Identified::CreditCode(code) => code.as_str(),
            Identified::Region(region) => region.as_str(),
        }
    }
}

/// Parses `code` as the given kind (resident IDs checked against `today`).
pub fn parse_as(kind: IdKind, code: &str, today: NaiveDate) -> Result<Identified, IdError> {
    match kind {
        IdKind::ResidentId => ResidentId::parse_at(code, today).map(Identified::ResidentId),
        IdKind::CreditCode => CreditCode::parse(code).map(Identified::CreditCode),
        IdKind::Region => RegionCode::parse(code).map(Identified::Region),
    }
}

/// Whether `s` is digits only, except possibly a final `X`/`x`.
fn digits_with_optional_x(s: &str) -> bool {
    let n = s.chars().count();
    !s.is_empty()
        && s.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i + 1 == n && (c == 'X' || c == 'x')))
}

/// Guesses the kind of `code` and validates it:
///
/// - 18 characters, digits only with an optional final `X`/`x`: a resident ID
///   number; if that fails, a credit code (central-level credit codes can be
///   all digits); if both fail, the resident ID error is returned.
/// - 18 other characters: a credit code.
/// - 6 characters: a region code.
/// - Other lengths, to report a length error of the likely kind: digits (with
///   optional final X) of 10 or more characters → resident ID; shorter digit
///   strings → region code; 10 or more ASCII letters and digits with a letter →
///   credit code; anything else is [`IdError::Unrecognised`].
pub fn identify(code: &str, today: NaiveDate) -> Result<Identified, IdError> {
    let len = code.chars().count();
    let digits = digits_with_optional_x(code);
    match len {
        18 if digits => match ResidentId::parse_at(code, today) {
            Ok(id) => Ok(Identified::ResidentId(id)),
            Err(resident_err) => CreditCode::parse(code)
                .map(Identified::CreditCode)
                .map_err(|_| resident_err),
        },
        18 => CreditCode::parse(code).map(Identified::CreditCode),
        6 => RegionCode::parse(code).map(Identified::Region),
        _ => {
            let kind = if digits && len >= 10 {
                Some(IdKind::ResidentId)
            } else if digits {
                Some(IdKind::Region)
            } else if len >= 10 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
                Some(IdKind::CreditCode)
            } else {
                None
            };
            Err(match kind {
                Some(kind) => IdError::Length {
                    kind,
                    expected: kind.length(),
                    got: len,
                },
                None => IdError::Unrecognised { got: len },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    #[test]
    fn identifies_each_kind() {
        let id = identify("11010519491231002x", today()).unwrap();
        assert_eq!(id.kind(), IdKind::ResidentId);
        assert_eq!(id.as_str(), "11010519491231002X");
        let c = identify("91350100m000100y43", today()).unwrap();
        assert_eq!(c.kind(), IdKind::CreditCode);
        assert_eq!(c.as_str(), "91350100M000100Y43");
        assert_eq!(identify("110105", today()).unwrap().kind(), IdKind::Region);
    }

    #[test]
    fn all_digit_credit_code_is_found_after_resident_id_fails() {
        // Central level (region 100000), check character computed: 2.
        let c = CreditCode::from_body("11100000000001277").unwrap();
        assert_eq!(c.as_str(), "111000000000012772");
        assert!(digits_with_optional_x(c.as_str()));
        let got = identify(c.as_str(), today()).unwrap();
        assert_eq!(got, Identified::CreditCode(c));
    }

    #[test]
    fn ambiguous_failure_reports_the_resident_id_error() {
        let e = identify("110105194912310025", today()).unwrap_err();
        assert_eq!(e.code(), "resident_id.check_char");
        assert_eq!(e.kind(), Some(IdKind::ResidentId));
    }

    #[test]
    fn wrong_lengths_guess_a_kind() {
        let e = identify("11010519491231002", today()).unwrap_err();
        assert_eq!(e.code(), "resident_id.length");
        assert_eq!(
            e.to_string(),
            "resident ID number: must be 18 characters, got 17"
        );
        assert_eq!(
            identify("11010", today()).unwrap_err().code(),
            "region.length"
        );
        assert_eq!(
            identify("91350100M000100Y4", today()).unwrap_err().code(),
            "credit_code.length"
        );
        let e = identify("", today()).unwrap_err();
        assert_eq!(
            (e.code(), e.part(), e.kind()),
            ("identifier.unrecognised", "length", None)
        );
        assert_eq!(identify("hello world", today()).unwrap_err().kind(), None);
    }

    #[test]
    fn parse_as_forces_the_kind() {
        let e = parse_as(IdKind::CreditCode, "11010519491231002X", today()).unwrap_err();
        assert_eq!(e.kind(), Some(IdKind::CreditCode));
        assert!(parse_as(IdKind::ResidentId, "11010519491231002X", today()).is_ok());
    }
}
