//! Property tests of the identifier types (RULES.md "Identifiers").
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use sirm_domain::id::{
    identify, CreditCode, Identified, RegionCode, RegistrationAuthority, ResidentId,
    CREDIT_CODE_ALPHABET, PROVINCE_CODES,
};

const RESIDENT_ALPHABET: &str = "0123456789X";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

/// County- or prefecture-level codes `PPCCDD` with a real province.
fn region() -> impl Strategy<Value = RegionCode> {
    (
        prop::sample::select(PROVINCE_CODES.to_vec()),
        1u8..=99,
        0u8..=99,
    )
        .prop_map(|(p, c, d)| RegionCode::parse(&format!("{p}{c:02}{d:02}")).unwrap())
}

fn birth_date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
    let days = (today() - first).num_days();
    (0..=days).prop_map(move |d| first + chrono::Days::new(d as u64))
}

fn resident_id() -> impl Strategy<Value = ResidentId> {
    (region(), birth_date(), 0u16..=999)
        .prop_map(|(r, d, s)| ResidentId::from_parts(&r, d, s).unwrap())
}

fn credit_code() -> impl Strategy<Value = CreditCode> {
    let pairs: Vec<(char, char)> = RegistrationAuthority::ALL
        .iter()
        .flat_map(|a| a.org_types().iter().map(move |t| (a.code(), t.0)))
        .collect();
    let alphabet: Vec<char> = CREDIT_CODE_ALPHABET.chars().collect();
    (
        prop::sample::select(pairs),
        region(),
        prop::collection::vec(prop::sample::select(alphabet), 9),
    )
        .prop_map(|((a, t), r, org)| {
            let org: String = org.into_iter().collect();
            CreditCode::from_body(&format!("{a}{t}{r}{org}")).unwrap()
        })
}

fn substitute(s: &str, pos: usize, ch: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == pos { ch } else { c })
        .collect()
}

proptest! {
    #[test]
    fn resident_id_round_trips(id in resident_id()) {
        let shown = format!("{id}");
        let parsed = ResidentId::parse_at(&shown, today()).unwrap();
        prop_assert_eq!(&parsed, &id);
        // FromStr reads the clock; the generated dates are all in the past.
        prop_assert_eq!(&id.as_str().parse::<ResidentId>().unwrap(), &id);
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(&json, &format!("\"{}\"", id.as_str()));
        prop_assert_eq!(&serde_json::from_str::<ResidentId>(&json).unwrap(), &id);
        prop_assert_eq!(identify(id.as_str(), today()).unwrap(), Identified::ResidentId(id.clone()));
        let lower = id.as_str().to_ascii_lowercase();
        prop_assert_eq!(&ResidentId::parse_at(&lower, today()).unwrap(), &id);
    }

    #[test]
    fn resident_id_rejects_any_single_substitution(
        id in resident_id(),
        pos in 0usize..18,
        ch in prop::sample::select(RESIDENT_ALPHABET.chars().collect::<Vec<_>>()),
    ) {
        let original = id.as_str().chars().nth(pos).unwrap();
        prop_assume!(ch != original);
        let changed = substitute(id.as_str(), pos, ch);
        prop_assert!(ResidentId::parse_at(&changed, today()).is_err(), "{} accepted", changed);
    }

    /// Weights are 2^(17-i) mod 11 (the check character has weight 1 and value
    /// X = 10), so swapping adjacent different digits a, b changes the sum by
    /// (a - b)·w mod 11 ≠ 0: every such transposition is detected.
    #[test]
    fn resident_id_rejects_any_adjacent_transposition(id in resident_id(), pos in 0usize..17) {
        let mut chars: Vec<char> = id.as_str().chars().collect();
        prop_assume!(chars[pos] != chars[pos + 1]);
        chars.swap(pos, pos + 1);
        let changed: String = chars.into_iter().collect();
        prop_assert!(ResidentId::parse_at(&changed, today()).is_err(), "{} accepted", changed);
    }

    #[test]
    fn credit_code_round_trips(code in credit_code()) {
        prop_assert_eq!(&code.to_string().parse::<CreditCode>().unwrap(), &code);
        let json = serde_json::to_string(&code).unwrap();
        prop_assert_eq!(&serde_json::from_str::<CreditCode>(&json).unwrap(), &code);
        let lower = code.as_str().to_ascii_lowercase();
        prop_assert_eq!(&lower.parse::<CreditCode>().unwrap(), &code);
        prop_assert_eq!(identify(code.as_str(), today()).unwrap(), Identified::CreditCode(code.clone()));
    }

    #[test]
    fn credit_code_rejects_any_single_substitution(
        code in credit_code(),
        pos in 0usize..18,
        ch in prop::sample::select(CREDIT_CODE_ALPHABET.chars().collect::<Vec<_>>()),
    ) {
        let original = code.as_str().chars().nth(pos).unwrap();
        prop_assume!(ch != original);
        let changed = substitute(code.as_str(), pos, ch);
        prop_assert!(changed.parse::<CreditCode>().is_err(), "{} accepted", changed);
    }

    /// Weights are 3^i mod 31 and the check character closes the sum to 0 mod 31
    /// (weight 1), so an adjacent swap changes the sum by (a - b)·(w_i - w_(i+1)),
    /// never 0 mod 31 for different characters: every transposition is detected.
    #[test]
    fn credit_code_rejects_any_adjacent_transposition(code in credit_code(), pos in 0usize..17) {
        let mut chars: Vec<char> = code.as_str().chars().collect();
        prop_assume!(chars[pos] != chars[pos + 1]);
        chars.swap(pos, pos + 1);
        let changed: String = chars.into_iter().collect();
        prop_assert!(changed.parse::<CreditCode>().is_err(), "{} accepted", changed);
    }

    #[test]
    fn region_round_trips(r in region()) {
        prop_assert_eq!(&r.as_str().parse::<RegionCode>().unwrap(), &r);
        let json = serde_json::to_string(&r).unwrap();
        prop_assert_eq!(&serde_json::from_str::<RegionCode>(&json).unwrap(), &r);
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,20}") {
        let _ = identify(&s, today());
        let _ = ResidentId::parse_at(&s, today());
        let _ = s.parse::<CreditCode>();
        let _ = s.parse::<RegionCode>();
    }
}

#[test]
fn known_examples() {
    // GB 11643-1999's own example.
    let id = ResidentId::parse_at("11010519491231002X", today()).unwrap();
    assert_eq!(id.masked(), "110105********002X");
    // Female, born 1990-03-07, sequence 122 (check character computed: 0).
    let id = ResidentId::parse_at("110105199003071220", today()).unwrap();
    assert_eq!(
        id.birth_date(),
        NaiveDate::from_ymd_opt(1990, 3, 7).unwrap()
    );
    assert_eq!(id.gender().to_string(), "female");
    assert!(ResidentId::parse_at("110105199003071223", today()).is_err());
    // GB 32100 format examples, check characters verified by the algorithm.
    for s in ["91350100M000100Y43", "91110000600037341L"] {
        assert_eq!(s.parse::<CreditCode>().unwrap().as_str(), s);
    }
}
