//! The blind index of a person (个人盲索引): how the ledger, the projections,
//! the query log and security events name an insured person.
//!
//! It is `pk` followed by 32 lowercase hex digits: the first 128 bits of a
//! keyed hash (HMAC) of the normalised resident ID number under the
//! installation's index key. The key lives outside the database, so nobody
//! holding only the database can turn a key back into an ID number or test
//! a guess. Computing it is `sirm-app`'s business (it holds the key); this
//! type only checks the shape.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Length of the text form: `pk` + 32 hex digits.
pub const PERSON_KEY_LEN: usize = 34;

/// A person's blind index.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonKey(String);

/// Not a person key: says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a person key (expected \"pk\" followed by 32 lowercase hex digits)")]
pub struct PersonKeyError;

impl PersonKey {
    /// The key from the first 16 bytes of a keyed hash.
    pub fn from_digest(digest: &[u8; 32]) -> PersonKey {
        let mut s = String::with_capacity(PERSON_KEY_LEN);
        s.push_str("pk");
        for b in &digest[..16] {
            s.push_str(&format!("{b:02x}"));
        }
        PersonKey(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Short form for screens and audit lines (`pk3fa9c2d1…`).
    pub fn short(&self) -> String {
        format!("{}…", self.0.get(..10).unwrap_or(&self.0))
    }
}

impl FromStr for PersonKey {
    type Err = PersonKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == PERSON_KEY_LEN
            && s.starts_with("pk")
            && s[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(PersonKey(s.to_owned()))
        } else {
            Err(PersonKeyError)
        }
    }
}

impl TryFrom<String> for PersonKey {
    type Error = PersonKeyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PersonKey> for String {
    fn from(k: PersonKey) -> String {
        k.0
    }
}

impl fmt::Display for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonKey({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_is_checked() {
        let k = PersonKey::from_digest(&[0xab; 32]);
        assert_eq!(k.as_str().len(), PERSON_KEY_LEN);
        assert_eq!(k.as_str().parse::<PersonKey>(), Ok(k.clone()));
        assert!("110101199003074354".parse::<PersonKey>().is_err());
        assert!("pkABABABABABABABABABABABABABABABAB"
            .parse::<PersonKey>()
            .is_err());
        assert!(serde_json::from_str::<PersonKey>("\"pk12\"").is_err());
    }
}
