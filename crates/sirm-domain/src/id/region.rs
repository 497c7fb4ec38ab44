//! [`RegionCode`]: a 6-digit administrative region code (行政区划代码, GB/T 2260).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{IdError, IdKind, RegionReason};

/// Province-level codes (省级) of GB/T 2260: the first two digits of every code.
pub const PROVINCE_CODES: [&str; 34] = [
    "11", "12", "13", "14", "15", // 北京 天津 河北 山西 内蒙古
    "21", "22", "23", // 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36",
    "37", // 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46", // 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54", // 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65", // 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82", // 台湾 香港 澳门
];

/// `100000`: the national level (全国/中央). Not a GB/T 2260 province code, but
/// it is the region part of unified social credit codes issued by central
/// registration authorities, so it is accepted as a whole code.
pub const NATIONAL: &str = "100000";

/// `830000`: the address code of residence permits for Taiwan residents
/// (台湾居民居住证, 2018). Not in GB/T 2260 (Taiwan is `71`), but these permits
/// carry GB 11643 numbers with this address code, so it is accepted as a whole code.
pub const TAIWAN_RESIDENCE_PERMIT: &str = "830000";

/// The level of a region code, read from its structure `PP CC DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// `100000` (see [`NATIONAL`]).
    National,
    /// `PP0000`: province, autonomous region, municipality, SAR (省级).
    Province,
    /// `PPCC00`: prefecture (地级).
    Prefecture,
    /// `PPCCDD`: county (县级).
    County,
}

impl RegionLevel {
    /// `national`, `province`, `prefecture` or `county`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegionLevel::National => "national",
            RegionLevel::Province => "province",
            RegionLevel::Prefecture => "prefecture",
            RegionLevel::County => "county",
        }
    }
}

/// A 6-digit administrative region code (GB/T 2260).
///
/// What is checked (structure only — there is no table of every county, which
/// changes yearly and must still accept codes of abolished areas found in old
/// ID numbers):
/// - exactly 6 ASCII digits;
/// - the first two digits are a province-level code ([`PROVINCE_CODES`]), or the
///   whole code is [`NATIONAL`] (`100000`) or [`TAIWAN_RESIDENCE_PERMIT`] (`830000`);
/// - if the prefecture digits (3-4) are `00` the county digits (5-6) are `00` too
///   (`110000` is a province, `110001` is nothing). This also refuses `000000`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses a standalone 6-digit region code.
    pub fn parse(s: &str) -> Result<RegionCode, IdError> {
        let got = s.chars().count();
        if got != 6 {
            return Err(IdError::Length {
                kind: IdKind::Region,
                expected: 6,
                got,
            });
        }
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::Charset {
                kind: IdKind::Region,
                ch,
                position: i + 1,
                allowed: "digits only",
            });
        }
        RegionCode::from_part(s, IdKind::Region)
    }

    /// Validates the 6-character region part of a longer identifier of `kind`;
    /// errors name that part.
    pub(crate) fn from_part(part: &str, kind: IdKind) -> Result<RegionCode, IdError> {
        let err = |reason| IdError::Region {
            kind,
            value: part.to_owned(),
            reason,
        };
        if part.len() != 6 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(RegionReason::NotDigits));
        }
        if part == NATIONAL || part == TAIWAN_RESIDENCE_PERMIT {
            return Ok(RegionCode(part.to_owned()));
        }
        let (province, rest) = part.split_at(2);
        if !PROVINCE_CODES.contains(&province) {
            return Err(err(RegionReason::UnknownProvince {
                province: province.to_owned(),
            }));
        }
        let (prefecture, county) = rest.split_at(2);
        if prefecture == "00" && county != "00" {
            return Err(err(RegionReason::CountyWithoutPrefecture));
        }
        Ok(RegionCode(part.to_owned()))
    }

    /// The 6 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two province digits, e.g. `11` for `110105`.
    pub fn province_code(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    /// The level read from the code's structure.
    pub fn level(&self) -> RegionLevel {
        if self.0 == NATIONAL {
            RegionLevel::National
        } else if self.0.ends_with("0000") {
            RegionLevel::Province
        } else if self.0.ends_with("00") {
            RegionLevel::Prefecture
        } else {
            RegionLevel::County
        }
    }

    /// Whether this is the national-level code `100000`.
    pub fn is_national(&self) -> bool {
        self.0 == NATIONAL
    }
}

impl FromStr for RegionCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl TryFrom<&str> for RegionCode {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        RegionCode::parse(s)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> String {
        code.0
    }
}

impl AsRef<str> for RegionCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_codes() {
        for code in [
            "110105", "110000", "110100", "429004", "810000", "820000", "710000", "100000",
            "830000", "650102",
        ] {
            let r = RegionCode::parse(code).unwrap();
            assert_eq!(r.as_str(), code);
            assert_eq!(r.to_string(), code);
        }
        assert_eq!(
            RegionCode::parse("110105").unwrap().level(),
            RegionLevel::County
        );
        assert_eq!(
            RegionCode::parse("110100").unwrap().level(),
            RegionLevel::Prefecture
        );
        assert_eq!(
            RegionCode::parse("440000").unwrap().level(),
            RegionLevel::Province
        );
        assert_eq!(
            RegionCode::parse("100000").unwrap().level(),
            RegionLevel::National
        );
        assert_eq!(RegionCode::parse("350102").unwrap().province_code(), "35");
    }

    #[test]
    fn refuses_bad_codes_naming_the_part() {
        let e = RegionCode::parse("12345").unwrap_err();
        assert_eq!((e.code(), e.part()), ("region.length", "length"));
        assert_eq!(e.to_string(), "region code: must be 6 characters, got 5");

        let e = RegionCode::parse("11A105").unwrap_err();
        assert_eq!((e.code(), e.part()), ("region.charset", "charset"));
        assert!(e.to_string().contains("'A' at position 3"), "{e}");

        let e = RegionCode::parse("990101").unwrap_err();
        assert_eq!((e.code(), e.part()), ("region.region", "region"));
        assert!(
            e.to_string().contains("'99' is not a province-level code"),
            "{e}"
        );

        for bad in ["000000", "100101", "200000", "830100", "910000"] {
            assert_eq!(
                RegionCode::parse(bad).unwrap_err().part(),
                "region",
                "{bad}"
            );
        }
        let e = RegionCode::parse("110001").unwrap_err();
        assert!(e.to_string().contains("prefecture digits are '00'"), "{e}");
    }

    #[test]
    fn serde_is_a_validated_string() {
        let r: RegionCode = serde_json::from_str("\"110105\"").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"110105\"");
        assert!(serde_json::from_str::<RegionCode>("\"000000\"").is_err());
    }
}
