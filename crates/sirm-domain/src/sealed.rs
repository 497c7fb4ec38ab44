//! A sealed personal field (加密字段) as it travels in ledger payloads and
//! sits in projections: `enc1:` followed by the base64 (standard alphabet,
//! no padding) of `nonce || ciphertext || tag`, sealed under the person's
//! data key with the person's blind index and the field name as associated
//! data. This crate checks the shape only; sealing and opening are
//! `sirm-app`'s (it holds the keys).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The prefix of every sealed value: format version 1.
pub const SEALED_PREFIX: &str = "enc1:";

/// Longest sealed text accepted (a 400-character address in UTF-8 is at
/// most 1,600 bytes; base64 adds a third; certificate contents are larger).
pub const SEALED_MAX: usize = 256 * 1024;

/// A sealed field.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sealed(String);

/// Not a sealed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a sealed field (expected \"enc1:\" followed by base64, at most {SEALED_MAX} characters)"
)]
pub struct SealedError;

impl Sealed {
    /// Wraps sealed text produced by `Sealed::to_text`-compatible code.
    pub fn parse(s: &str) -> Result<Sealed, SealedError> {
        let ok = s.len() <= SEALED_MAX
            && s.starts_with(SEALED_PREFIX)
            && s.len() > SEALED_PREFIX.len()
            && s[SEALED_PREFIX.len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
        if ok {
            Ok(Sealed(s.to_owned()))
        } else {
            Err(SealedError)
        }
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base64 part.
    pub fn body(&self) -> &str {
        &self.0[SEALED_PREFIX.len()..]
    }

    /// Is this text a sealed value (by its prefix)?
    pub fn looks_sealed(s: &str) -> bool {
        s.starts_with(SEALED_PREFIX)
    }
}

impl TryFrom<String> for Sealed {
    type Error = SealedError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Sealed::parse(&s)
    }
}

impl From<Sealed> for String {
    fn from(s: Sealed) -> String {
        s.0
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} chars)", self.0.len())
    }
}
