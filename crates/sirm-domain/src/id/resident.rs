//! [`ResidentId`]: the 18-character resident ID number (公民身份号码, GB 11643-1999).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::{BirthDateReason, IdError, IdKind, RegionReason};
use super::region::RegionCode;

/// Weights of the first 17 digits (2^(17-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by the weighted sum mod 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest birth date accepted (nobody alive was born before it).
fn earliest_birth_date() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1800, 1, 1)
}

/// Gender, from the parity of the sequence code (odd = male, even = female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// 男: odd sequence code.
    Male,
    /// 女: even sequence code.
    Female,
}

impl Gender {
    /// `male` or `female`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated resident ID number (GB 11643-1999), stored normalised (a final
/// lower-case `x` becomes `X`).
///
/// Layout: `AAAAAA YYYYMMDD SSS C` — address code (a [`RegionCode`], not `100000`),
/// birth date (a real calendar date, from 1800-01-01, not after the day of
/// checking), sequence code (odd = male, even = female) and check character:
/// weights `7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2` over the first 17 digits, sum
/// mod 11 = r, check = `"10X98765432"[r]`.
///
/// Parts are checked in the order length, characters, address code, birth date,
/// check character; the first failure is reported.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId {
    // Field order matters for the derived `Ord`: the code decides.
    code: String,
    region: RegionCode,
    birth_date: NaiveDate,
    sequence: u16,
}

/// The check character for 17 ASCII digits.
fn check_char(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl ResidentId {
    /// Parses and validates `s`, checking that the birth date is not after `today`.
    pub fn parse_at(s: &str, today: NaiveDate) -> Result<ResidentId, IdError> {
        let kind = IdKind::ResidentId;
        let got = s.chars().count();
        if got != 18 {
            return Err(IdError::Length {
                kind,
                expected: 18,
                got,
            });
        }
        for (i, ch) in s.chars().enumerate() {
            if i < 17 && !ch.is_ascii_digit() {
                return Err(IdError::Charset {
                    kind,
                    ch,
                    position: i + 1,
                    allowed: "digits only before the check character",
                });
            }
            if i == 17 && !(ch.is_ascii_digit() || ch == 'X' || ch == 'x') {
                return Err(IdError::Charset {
                    kind,
                    ch,
                    position: 18,
                    allowed: "the check character is a digit or X",
                });
            }
        }
        // All 18 characters are ASCII from here on, so byte slicing is exact.
        let code = s.to_ascii_uppercase();
        let region = address_code(&code[0..6])?;
        let birth_part = &code[6..14];
        let birth_date = parse_birth_date(birth_part).ok_or_else(|| IdError::BirthDate {
            value: birth_part.to_owned(),
            reason: BirthDateReason::NotACalendarDate,
        })?;
        check_birth_date_range(birth_date, birth_part)?;
        if birth_date > today {
            return Err(IdError::BirthDate {
                value: birth_part.to_owned(),
                reason: BirthDateReason::InFuture { today },
            });
        }
        let expected = check_char(&code.as_bytes()[..17]);
        let found = s.chars().last().unwrap_or_default();
        if found.to_ascii_uppercase() != expected {
            return Err(IdError::CheckChar {
                kind,
                found,
                expected,
            });
        }
        let sequence = code[14..17].parse::<u16>().unwrap_or_default();
        Ok(ResidentId {
            code,
            region,
            birth_date,
            sequence,
        })
    }

    /// Builds a resident ID number from its parts, computing the check character
    /// (used by the demo data generator). `sequence` must be 0..=999. The birth
    /// date is checked to be in 1800-01-01 ..= 9999-12-31 but not against today
    /// (no clock is read here); [`ResidentId::parse_at`] checks that.
    pub fn from_parts(
        region: &RegionCode,
        birth_date: NaiveDate,
        sequence: u16,
    ) -> Result<ResidentId, IdError> {
        if region.is_national() {
            return Err(IdError::Region {
                kind: IdKind::ResidentId,
                value: region.as_str().to_owned(),
                reason: RegionReason::NationalNotAnAddress,
            });
        }
        let birth_part = birth_date.format("%Y%m%d").to_string();
        check_birth_date_range(birth_date, &birth_part)?;
        if sequence > 999 {
            return Err(IdError::Sequence { value: sequence });
        }
        let mut code = format!("{}{}{:03}", region.as_str(), birth_part, sequence);
        code.push(check_char(code.as_bytes()));
        Ok(ResidentId {
            code,
            region: region.clone(),
            birth_date,
            sequence,
        })
    }

    /// The 18 characters, normalised (`X` upper-case).
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The birth date (出生日期).
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Gender from the parity of the sequence code.
    pub fn gender(&self) -> Gender {
        if self.sequence % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The address code (地址码), the first 6 digits.
    pub fn region(&self) -> RegionCode {
        self.region.clone()
    }

    /// The sequence code (顺序码), digits 15-17, 0..=999.
    pub fn sequence(&self) -> u16 {
        self.sequence
    }

    /// The check character (校验码), `0`-`9` or `X`.
    pub fn check_char(&self) -> char {
        self.code.chars().last().unwrap_or_default()
    }

    /// Display form for logs and screens: first 6 and last 4 characters kept,
    /// the 8 in between replaced by `*` (e.g. `110105********002X`).
    pub fn masked(&self) -> String {
        let head = self.code.get(..6).unwrap_or_default();
        let tail = self.code.get(14..).unwrap_or_default();
        format!("{head}********{tail}")
    }
}

/// The address code part: a region code other than the national `100000`.
fn address_code(part: &str) -> Result<RegionCode, IdError> {
    let region = RegionCode::from_part(part, IdKind::ResidentId)?;
    if region.is_national() {
        return Err(IdError::Region {
            kind: IdKind::ResidentId,
            value: part.to_owned(),
            reason: RegionReason::NationalNotAnAddress,
        });
    }
    Ok(region)
}

/// `YYYYMMDD` (8 ASCII digits) to a date, `None` if not a calendar date.
fn parse_birth_date(part: &str) -> Option<NaiveDate> {
    let year = part.get(0..4)?.parse::<i32>().ok()?;
    let month = part.get(4..6)?.parse::<u32>().ok()?;
    let day = part.get(6..8)?.parse::<u32>().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn check_birth_date_range(date: NaiveDate, part: &str) -> Result<(), IdError> {
    let too_early = earliest_birth_date().is_some_and(|earliest| date < earliest);
    if too_early || date.year() > 9999 {
        return Err(IdError::BirthDate {
            value: part.to_owned(),
            reason: BirthDateReason::OutOfRange,
        });
    }
    Ok(())
}

impl FromStr for ResidentId {
    type Err = IdError;
    /// Parses against the current UTC date (the only clock read of this module).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResidentId::parse_at(s, Utc::now().date_naive())
    }
}

impl TryFrom<String> for ResidentId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<&str> for ResidentId {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> String {
        id.code
    }
}

impl AsRef<str> for ResidentId {
    fn as_ref(&self) -> &str {
        &self.code
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    #[test]
    fn gb_11643_example() {
        // The example of GB 11643-1999: Beijing Chaoyang, 1949-12-31, sequence 002.
        let id = ResidentId::parse_at("11010519491231002X", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region().as_str(), "110105");
        assert_eq!(id.sequence(), 2);
        assert_eq!(id.check_char(), 'X');
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn lower_case_x_is_normalised() {
        let id = ResidentId::parse_at("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            id,
            ResidentId::parse_at("11010519491231002X", today()).unwrap()
        );
    }

    #[test]
    fn from_parts_computes_the_check_character() {
        let region = RegionCode::parse("110105").unwrap();
        let id = ResidentId::from_parts(&region, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap(), 2)
            .unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = ResidentId::from_parts(&region, NaiveDate::from_ymd_opt(1990, 3, 7).unwrap(), 122)
            .unwrap();
        assert_eq!(id.as_str(), "110105199003071220");
        assert_eq!(id.gender(), Gender::Female);
        let e = ResidentId::from_parts(&region, NaiveDate::from_ymd_opt(1990, 3, 7).unwrap(), 1000)
            .unwrap_err();
        assert_eq!((e.code(), e.part()), ("resident_id.sequence", "sequence"));
        let national = RegionCode::parse("100000").unwrap();
        let e = ResidentId::from_parts(&national, NaiveDate::from_ymd_opt(1990, 3, 7).unwrap(), 1)
            .unwrap_err();
        assert_eq!(e.part(), "region");
    }

    #[test]
    fn errors_name_the_part() {
        let cases: [(&str, &str, &str); 9] = [
            ("11010519491231002", "resident_id.length", "resident ID number: must be 18 characters, got 17"),
            ("110105194912310025", "resident_id.check_char", "resident ID number: check character is '5', expected 'X'"),
            ("110105199002310028", "resident_id.birth_date", "resident ID number: birth date part '19900231' is not a calendar date"),
            ("110105203001010011", "resident_id.birth_date", "resident ID number: birth date part '20300101' is in the future (today is 2025-06-30)"),
            ("110105179901010011", "resident_id.birth_date", "resident ID number: birth date part '17990101' is outside the supported range 18000101 to 99991231"),
            ("1101051949123100X2", "resident_id.charset", "resident ID number: character 'X' at position 17 is not allowed (digits only before the check character)"),
            ("11010519491231002Y", "resident_id.charset", "resident ID number: character 'Y' at position 18 is not allowed (the check character is a digit or X)"),
            ("990105194912310021", "resident_id.region", "resident ID number: address code part '990105' is not a valid region code: '99' is not a province-level code (GB/T 2260: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82)"),
            ("100000194912310021", "resident_id.region", "resident ID number: address code part '100000' is not a valid region code: '100000' (national level) is not an address code"),
        ];
        for (input, code, message) in cases {
            let e = ResidentId::parse_at(input, today()).unwrap_err();
            assert_eq!(e.code(), code, "{input}");
            assert_eq!(e.to_string(), message, "{input}");
            assert_eq!(e.kind(), Some(IdKind::ResidentId));
        }
        let e = ResidentId::parse_at("110105194912310", today()).unwrap_err();
        assert!(e.to_string().contains("15-digit first-generation"), "{e}");
    }

    #[test]
    fn birth_date_today_is_accepted() {
        let region = RegionCode::parse("110105").unwrap();
        let id = ResidentId::from_parts(&region, today(), 1).unwrap();
        assert!(ResidentId::parse_at(id.as_str(), today()).is_ok());
        assert!(ResidentId::parse_at(id.as_str(), today().pred_opt().unwrap()).is_err());
    }

    #[test]
    fn serde_is_a_validated_string() {
        let id: ResidentId = serde_json::from_str("\"11010519491231002x\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"11010519491231002X\""
        );
        assert!(serde_json::from_str::<ResidentId>("\"110105194912310025\"").is_err());
        assert_eq!(serde_json::to_string(&Gender::Male).unwrap(), "\"male\"");
        assert_eq!(
            serde_json::to_string(&Gender::Female).unwrap(),
            "\"female\""
        );
    }
}
