//! Rule set identity: the id, the reference every result records (id,
//! version, document hash) and the document hash itself.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest rule set id.
pub const MAX_ID_LEN: usize = 40;

/// A rule set id (`[a-z0-9._-]`, at most 40 bytes), stored inline so that a
/// [`RuleSetRef`] is `Copy` and stamping it on a result costs no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleSetId {
    len: u8,
    bytes: [u8; MAX_ID_LEN],
}

impl RuleSetId {
    pub fn parse(s: &str) -> Result<RuleSetId, String> {
        if s.is_empty() || s.len() > MAX_ID_LEN {
            return Err(format!("must be 1–{MAX_ID_LEN} characters"));
        }
        if !s.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        }) {
            return Err("may hold only a-z, 0-9, '-', '_' and '.'".to_owned());
        }
        let mut bytes = [0u8; MAX_ID_LEN];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Ok(RuleSetId {
            len: s.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from a validated ASCII &str.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for RuleSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for RuleSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleSetId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleSetId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RuleSetId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Which rule set (id, version and document hash) a value was computed
/// under. Every result carries one; with the result's inputs it is enough to
/// recompute the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleSetRef {
    pub id: RuleSetId,
    pub version: u32,
    /// The hash of the rule set document as approved in the installation
    /// (the installation's profile: SHA-256 or SM3). Absent for results
    /// computed before rule sets were installation data, and for sets
    /// loaded from a file by `sirm calc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<DocumentHash>,
}

impl RuleSetRef {
    /// Same id and version, and the same hash where both know one.
    pub fn matches(&self, other: &RuleSetRef) -> bool {
        self.id == other.id
            && self.version == other.version
            && match (self.hash, other.hash) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// A 32-byte document hash, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentHash(pub [u8; 32]);

impl DocumentHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
    pub fn from_hex(s: &str) -> Result<DocumentHash, String> {
        if s.len() != 64 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err("must be 64 hex digits".to_owned());
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
                .map_err(|_| "must be 64 hex digits".to_owned())?;
        }
        Ok(DocumentHash(out))
    }
}

impl fmt::Debug for DocumentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Display for DocumentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for DocumentHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for DocumentHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocumentHash::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RuleSetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}
