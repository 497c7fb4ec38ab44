//! [`CreditCode`]: the 18-character unified social credit code (统一社会信用代码,
//! GB 32100-2015).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{IdError, IdKind};
use super::region::RegionCode;

/// The code alphabet; a character's value is its index (0-30).
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the first 17 characters (3^i mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The value (0-30) of an upper-case alphabet character.
fn value(ch: char) -> Option<u32> {
    ALPHABET.find(ch).map(|i| i as u32)
}

/// The check character for 17 alphabet characters: c = 31 − (Σ value·weight mod 31),
/// c = 31 → 0.
fn check_char(body: &str) -> char {
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| value(c).unwrap_or(0) * w)
        .sum();
    let c = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(c as usize).unwrap_or('0')
}

/// Registration authority (登记管理部门), position 1 of a credit code.
///
/// The table of authorities and organisation types, as published with
/// GB 32100-2015 (Appendix A) and its later assignments by the national
/// standardisation administration (国家标准委):
///
/// | code | authority | organisation types (position 2) |
/// |---|---|---|
/// | 1 | 机构编制 establishment administration | 1 机关, 2 事业单位, 3 中央编办直接管理机构编制的群众团体, 9 其他 |
/// | 2 | 外交 foreign affairs | 1 外国常驻新闻机构, 9 其他 |
/// | 3 | 司法行政 justice administration | 1 律师执业机构, 2 公证处, 3 基层法律服务所, 4 司法鉴定机构, 5 仲裁委员会, 9 其他 |
/// | 4 | 文化 culture | 1 外国在华文化中心, 9 其他 |
/// | 5 | 民政 civil affairs | 1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他 |
/// | 6 | 旅游 tourism | 1 外国旅游部门常驻代表机构, 2 港澳台地区旅游部门常驻内地（大陆）代表机构, 9 其他 |
/// | 7 | 宗教 religious affairs | 1 宗教活动场所, 2 宗教院校, 9 其他 |
/// | 8 | 工会 trade unions | 1 基层工会, 9 其他 |
/// | 9 | 工商 industry and commerce (now market regulation) | 1 企业, 2 个体工商户, 3 农民专业合作社 |
/// | A | 中央军委改革和编制办公室 CMC reform and establishment office | 1 军队事业单位, 9 其他 |
/// | N | 农业 agriculture | 1 组级集体经济组织, 2 村级集体经济组织, 3 乡镇级集体经济组织, 9 其他 |
/// | Y | 其他 other | 1 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegistrationAuthority {
    /// `1` 机构编制.
    Establishment,
    /// `2` 外交.
    ForeignAffairs,
    /// `3` 司法行政.
    Justice,
    /// `4` 文化.
    Culture,
    /// `5` 民政.
    CivilAffairs,
    /// `6` 旅游.
    Tourism,
    /// `7` 宗教.
    Religion,
    /// `8` 工会.
    TradeUnion,
    /// `9` 工商 (市场监管).
    IndustryAndCommerce,
    /// `A` 中央军委改革和编制办公室.
    MilitaryEstablishment,
    /// `N` 农业.
    Agriculture,
    /// `Y` 其他.
    Other,
}

/// (code, Chinese name, English name).
type Entry = (char, &'static str, &'static str);

impl RegistrationAuthority {
    /// Every authority, in code order.
    pub const ALL: [RegistrationAuthority; 12] = [
        RegistrationAuthority::Establishment,
        RegistrationAuthority::ForeignAffairs,
        RegistrationAuthority::Justice,
        RegistrationAuthority::Culture,
        RegistrationAuthority::CivilAffairs,
        RegistrationAuthority::Tourism,
        RegistrationAuthority::Religion,
        RegistrationAuthority::TradeUnion,
        RegistrationAuthority::IndustryAndCommerce,
        RegistrationAuthority::MilitaryEstablishment,
        RegistrationAuthority::Agriculture,
        RegistrationAuthority::Other,
    ];

    const fn entry(self) -> Entry {
        match self {
            RegistrationAuthority::Establishment => {
                ('1', "机构编制", "establishment administration")
            }
            RegistrationAuthority::ForeignAffairs => ('2', "外交", "foreign affairs"),
            RegistrationAuthority::Justice => ('3', "司法行政", "justice administration"),
            RegistrationAuthority::Culture => ('4', "文化", "culture"),
            RegistrationAuthority::CivilAffairs => ('5', "民政", "civil affairs"),
            RegistrationAuthority::Tourism => ('6', "旅游", "tourism"),
            RegistrationAuthority::Religion => ('7', "宗教", "religious affairs"),
            RegistrationAuthority::TradeUnion => ('8', "工会", "trade unions"),
            RegistrationAuthority::IndustryAndCommerce => ('9', "工商", "industry and commerce"),
            RegistrationAuthority::MilitaryEstablishment => (
                'A',
                "中央军委改革和编制办公室",
                "CMC reform and establishment office",
            ),
            RegistrationAuthority::Agriculture => ('N', "农业", "agriculture"),
            RegistrationAuthority::Other => ('Y', "其他", "other"),
        }
    }

    /// The organisation types defined for this authority.
    pub const fn org_types(self) -> &'static [Entry] {
        const OTHER: Entry = ('9', "其他", "other");
        match self {
            RegistrationAuthority::Establishment => &[
                ('1', "机关", "government body"),
                ('2', "事业单位", "public institution"),
                (
                    '3',
                    "中央编办直接管理机构编制的群众团体",
                    "mass organisation under the central establishment office",
                ),
                OTHER,
            ],
            RegistrationAuthority::ForeignAffairs => &[
                ('1', "外国常驻新闻机构", "resident foreign news agency"),
                OTHER,
            ],
            RegistrationAuthority::Justice => &[
                ('1', "律师执业机构", "law firm"),
                ('2', "公证处", "notary office"),
                ('3', "基层法律服务所", "grassroots legal service office"),
                ('4', "司法鉴定机构", "forensic appraisal institution"),
                ('5', "仲裁委员会", "arbitration commission"),
                OTHER,
            ],
            RegistrationAuthority::Culture => &[
                ('1', "外国在华文化中心", "foreign cultural centre in China"),
                OTHER,
            ],
            RegistrationAuthority::CivilAffairs => &[
                ('1', "社会团体", "social organisation"),
                ('2', "民办非企业单位", "private non-enterprise unit"),
                ('3', "基金会", "foundation"),
                OTHER,
            ],
            RegistrationAuthority::Tourism => &[
                (
                    '1',
                    "外国旅游部门常驻代表机构",
                    "representative office of a foreign tourism authority",
                ),
                (
                    '2',
                    "港澳台地区旅游部门常驻内地（大陆）代表机构",
                    "representative office of a Hong Kong, Macao or Taiwan tourism authority",
                ),
                OTHER,
            ],
            RegistrationAuthority::Religion => &[
                ('1', "宗教活动场所", "place of religious activity"),
                ('2', "宗教院校", "religious college"),
                OTHER,
            ],
            RegistrationAuthority::TradeUnion => {
                &[('1', "基层工会", "grassroots trade union"), OTHER]
            }
            RegistrationAuthority::IndustryAndCommerce => &[
                ('1', "企业", "enterprise"),
                ('2', "个体工商户", "individual business"),
                ('3', "农民专业合作社", "farmers' specialised cooperative"),
            ],
            RegistrationAuthority::MilitaryEstablishment => {
                &[('1', "军队事业单位", "military public institution"), OTHER]
            }
            RegistrationAuthority::Agriculture => &[
                (
                    '1',
                    "组级集体经济组织",
                    "group-level collective economic organisation",
                ),
                (
                    '2',
                    "村级集体经济组织",
                    "village-level collective economic organisation",
                ),
                (
                    '3',
                    "乡镇级集体经济组织",
                    "township-level collective economic organisation",
                ),
                OTHER,
            ],
            RegistrationAuthority::Other => &[('1', "其他", "other")],
        }
    }

    /// The authority with this code character (upper-case), if any.
    pub fn from_code(ch: char) -> Option<RegistrationAuthority> {
        RegistrationAuthority::ALL
            .into_iter()
            .find(|a| a.code() == ch)
    }

    /// The code character, e.g. `9`.
    pub const fn code(self) -> char {
        self.entry().0
    }

    /// Chinese name, e.g. `工商`.
    pub const fn name_zh(self) -> &'static str {
        self.entry().1
    }

    /// English name, e.g. `industry and commerce`.
    pub const fn name_en(self) -> &'static str {
        self.entry().2
    }

    /// The organisation type with this code character under this authority.
    pub fn org_type(self, ch: char) -> Option<OrgType> {
        self.org_types()
            .iter()
            .find(|e| e.0 == ch)
            .map(|&(code, name_zh, name_en)| OrgType {
                authority: self,
                code,
                name_zh,
                name_en,
            })
    }
}

impl fmt::Display for RegistrationAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// Organisation type (机构类别), position 2 of a credit code; its meaning depends
/// on the registration authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgType {
    authority: RegistrationAuthority,
    code: char,
    name_zh: &'static str,
    name_en: &'static str,
}

impl OrgType {
    /// The authority this type belongs to.
    pub const fn authority(self) -> RegistrationAuthority {
        self.authority
    }
    /// The code character, e.g. `1`.
    pub const fn code(self) -> char {
        self.code
    }
    /// Chinese name, e.g. `企业`.
    pub const fn name_zh(self) -> &'static str {
        self.name_zh
    }
    /// English name, e.g. `enterprise`.
    pub const fn name_en(self) -> &'static str {
        self.name_en
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)
    }
}

/// A validated unified social credit code (GB 32100-2015), stored upper-case.
///
/// Layout: authority (1) · organisation type (1) · region (6) · organisation
/// code (9) · check (1). Checked, in this order: length 18; every character in
/// [`ALPHABET`] (lower-case is normalised to upper-case; I, O, Z, S, V are never
/// allowed); the authority/type pair is in the table of
/// [`RegistrationAuthority`]; the region part is a valid [`RegionCode`]; the
/// check character. The organisation code's own GB 11714 check character is
/// NOT checked (codes assigned without an organisation code do not satisfy it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode {
    // Field order matters for the derived `Ord`: the code decides.
    code: String,
    region: RegionCode,
    org_type: OrgType,
}

impl CreditCode {
    /// Parses and validates a credit code.
    pub fn parse(s: &str) -> Result<CreditCode, IdError> {
        let got = s.chars().count();
        if got != 18 {
            return Err(IdError::Length {
                kind: IdKind::CreditCode,
                expected: 18,
                got,
            });
        }
        let (code, region, org_type) = validate_body(s, 18)?;
        let expected = check_char(code.get(..17).unwrap_or_default());
        let found = code.chars().last().unwrap_or_default();
        if found != expected {
            let typed = s.chars().last().unwrap_or_default();
            return Err(IdError::CheckChar {
                kind: IdKind::CreditCode,
                found: typed,
                expected,
            });
        }
        Ok(CreditCode {
            code,
            region,
            org_type,
        })
    }

    /// Builds a credit code from its first 17 characters, appending the check
    /// character (used by the demo data generator). The body is validated as in
    /// [`CreditCode::parse`].
    pub fn from_body(first17: &str) -> Result<CreditCode, IdError> {
        let got = first17.chars().count();
        if got != 17 {
            return Err(IdError::Length {
                kind: IdKind::CreditCode,
                expected: 17,
                got,
            });
        }
        let (mut code, region, org_type) = validate_body(first17, 17)?;
        code.push(check_char(&code));
        Ok(CreditCode {
            code,
            region,
            org_type,
        })
    }

    /// The 18 characters, upper-case.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The registration administration's region code (登记管理机关行政区划码),
    /// characters 3-8.
    pub fn region(&self) -> RegionCode {
        self.region.clone()
    }

    /// The registration authority (登记管理部门), character 1.
    pub fn authority(&self) -> RegistrationAuthority {
        self.org_type.authority()
    }

    /// The organisation type (机构类别), character 2.
    pub fn org_type(&self) -> OrgType {
        self.org_type
    }

    /// The organisation code (主体标识码), characters 9-17.
    pub fn organisation_code(&self) -> &str {
        self.code.get(8..17).unwrap_or_default()
    }

    /// The check character, character 18.
    pub fn check_char(&self) -> char {
        self.code.chars().last().unwrap_or_default()
    }
}

/// Validates the characters, authority, type and region of `s` (`len`
/// characters, already counted), returning the upper-cased string.
fn validate_body(s: &str, len: usize) -> Result<(String, RegionCode, OrgType), IdError> {
    for (i, ch) in s.chars().enumerate().take(len) {
        let upper = ch.to_ascii_uppercase();
        if value(upper).is_none() {
            let allowed = if matches!(upper, 'I' | 'O' | 'Z' | 'S' | 'V') {
                "no I, O, Z, S, V"
            } else {
                "expected a digit 0-9 or a letter A-Z other than I, O, Z, S, V"
            };
            return Err(IdError::Charset {
                kind: IdKind::CreditCode,
                ch,
                position: i + 1,
                allowed,
            });
        }
    }
    // All characters are ASCII from here on, so byte slicing is exact.
    let code = s.to_ascii_uppercase();
    let mut chars = code.chars();
    let a = chars.next().unwrap_or_default();
    let t = chars.next().unwrap_or_default();
    let authority = RegistrationAuthority::from_code(a).ok_or(IdError::Authority { ch: a })?;
    let org_type = authority.org_type(t).ok_or_else(|| IdError::OrgType {
        authority: a,
        authority_name: authority.name_zh(),
        ch: t,
        expected: authority
            .org_types()
            .iter()
            .map(|e| e.0.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let region = RegionCode::from_part(code.get(2..8).unwrap_or_default(), IdKind::CreditCode)?;
    Ok((code, region, org_type))
}

impl FromStr for CreditCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl TryFrom<&str> for CreditCode {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        CreditCode::parse(s)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.code
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.code
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_codes() {
        // Verified by hand with the GB 32100 algorithm.
        for s in ["91350100M000100Y43", "91110000600037341L"] {
            let c = CreditCode::parse(s).unwrap();
            assert_eq!(c.as_str(), s);
            assert_eq!(c.to_string(), s);
        }
        let c = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(c.region().as_str(), "350100");
        assert_eq!(c.authority(), RegistrationAuthority::IndustryAndCommerce);
        assert_eq!(c.authority().code(), '9');
        assert_eq!(c.org_type().code(), '1');
        assert_eq!(c.org_type().name_zh(), "企业");
        assert_eq!(c.organisation_code(), "M000100Y4");
        assert_eq!(c.check_char(), '3');
    }

    #[test]
    fn lower_case_is_normalised() {
        let c = CreditCode::parse("91350100m000100y43").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn from_body_appends_the_check_character() {
        assert_eq!(
            CreditCode::from_body("91350100M000100Y4").unwrap().as_str(),
            "91350100M000100Y43"
        );
        // Central level (region 100000) and the other authorities of the table.
        for body in [
            "11100000000013127",
            "31110000MD0123456",
            "81440300MC1234567",
            "N2330106MF0000001",
            "Y1110105MA0000001",
        ] {
            let c = CreditCode::from_body(body).unwrap();
            assert_eq!(CreditCode::parse(c.as_str()).unwrap(), c);
        }
        let e = CreditCode::from_body("91350100M000100Y").unwrap_err();
        assert_eq!(e.to_string(), "unified social credit code: body (without the check character) must be 17 characters, got 16");
    }

    #[test]
    fn errors_name_the_part() {
        let cases: [(&str, &str, &str); 8] = [
            ("91350100M000100Y4", "credit_code.length", "unified social credit code: must be 18 characters, got 17"),
            ("91350100M000100Y44", "credit_code.check_char", "unified social credit code: check character is '4', expected '3'"),
            ("9135I100M000100Y43", "credit_code.charset", "unified social credit code: character 'I' at position 5 is not allowed (no I, O, Z, S, V)"),
            ("91350100M000100-43", "credit_code.charset", "unified social credit code: character '-' at position 16 is not allowed (expected a digit 0-9 or a letter A-Z other than I, O, Z, S, V)"),
            ("B1350100M000100Y43", "credit_code.authority", "unified social credit code: registration authority code 'B' (position 1) is not known (expected one of 1-9, A, N, Y)"),
            ("94350100M000100Y43", "credit_code.org_type", "unified social credit code: organisation type '4' (position 2) is not defined for registration authority '9' (工商); expected one of 1, 2, 3"),
            ("91990100M000100Y43", "credit_code.region", "unified social credit code: region part '990100' is not a valid region code: '99' is not a province-level code (GB/T 2260: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82)"),
            ("9135A100M000100Y43", "credit_code.region", "unified social credit code: region part '35A100' is not a valid region code: must be 6 digits"),
        ];
        for (input, code, message) in cases {
            let e = CreditCode::parse(input).unwrap_err();
            assert_eq!(e.code(), code, "{input}");
            assert_eq!(e.to_string(), message, "{input}");
            assert_eq!(e.kind(), Some(IdKind::CreditCode));
        }
        // Lower-case forbidden letters are reported as typed.
        let e = CreditCode::parse("9135i100M000100Y43").unwrap_err();
        assert!(e.to_string().contains("character 'i' at position 5"), "{e}");
    }

    #[test]
    fn serde_is_a_validated_string() {
        let c: CreditCode = serde_json::from_str("\"91350100m000100y43\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"91350100M000100Y43\"");
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
    }
}
