//! The one small interface for hashing and signing.
//!
//! Every hash and signature in SIRM goes through [`CryptoProfile`], so another
//! profile (for example SM3/SM2 for a 国密 deployment) can be added later as a
//! new enum variant without touching any caller.

use std::fmt;

use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::{Digest, LedgerError};

const SIGNING_KEY_HEADER: &str = "sirm-signing-key";
const PUBLIC_KEY_HEADER: &str = "sirm-public-key";
const KEY_FORMAT_VERSION: &str = "v1";

/// A hash function plus a signature scheme.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, Default,
)]
pub enum CryptoProfile {
    /// SHA-256 (RFC 6962 tree hashing) and Ed25519 signatures (strict verification).
    #[default]
    #[serde(rename = "sha256-ed25519")]
    Sha256Ed25519,
}

impl CryptoProfile {
    /// Every profile this build knows.
    pub const ALL: &'static [CryptoProfile] = &[CryptoProfile::Sha256Ed25519];

    /// The stable text name, as used in key files, notes and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            CryptoProfile::Sha256Ed25519 => "sha256-ed25519",
        }
    }

    /// Parses [`CryptoProfile::name`].
    pub fn from_name(s: &str) -> Result<Self, LedgerError> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| LedgerError::UnknownProfile(s.to_owned()))
    }

    /// Plain hash of `data` (content addressing).
    pub fn digest(&self, data: &[u8]) -> Digest {
        match self {
            CryptoProfile::Sha256Ed25519 => Sha256::digest(data).into(),
        }
    }

    /// RFC 6962 leaf hash: `H(0x00 || data)`.
    pub fn leaf_hash(&self, data: &[u8]) -> Digest {
        match self {
            CryptoProfile::Sha256Ed25519 => {
                let mut h = Sha256::new();
                h.update([0u8]);
                h.update(data);
                h.finalize().into()
            }
        }
    }

    /// RFC 6962 interior node hash: `H(0x01 || left || right)`.
    pub fn node_hash(&self, left: &Digest, right: &Digest) -> Digest {
        match self {
            CryptoProfile::Sha256Ed25519 => {
                let mut buf = [0u8; 65];
                buf[0] = 1;
                buf[1..33].copy_from_slice(left);
                buf[33..].copy_from_slice(right);
                Sha256::digest(buf).into()
            }
        }
    }

    /// Root of the empty tree: `H("")`.
    pub fn empty_root(&self) -> Digest {
        self.digest(b"")
    }

    /// A fresh signing key from the operating system's random source.
    pub fn generate_signing_key(&self) -> SigningKey {
        match self {
            CryptoProfile::Sha256Ed25519 => SigningKey {
                profile: *self,
                inner: KeyInner::Ed25519(ed25519_dalek::SigningKey::generate(
                    &mut rand::rngs::OsRng,
                )),
            },
        }
    }
}

impl fmt::Display for CryptoProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CryptoProfile {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s)
    }
}

/// Secret key material. `ed25519_dalek::SigningKey` zeroizes itself on drop.
#[derive(Clone)]
enum KeyInner {
    Ed25519(ed25519_dalek::SigningKey),
}

/// A secret signing key. The secret is wiped from memory on drop and never
/// printed by `Debug`.
#[derive(Clone)]
pub struct SigningKey {
    profile: CryptoProfile,
    inner: KeyInner,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("profile", &self.profile)
            .field("key_id", &self.public_key().key_id())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// The profile this key belongs to.
    pub fn profile(&self) -> CryptoProfile {
        self.profile
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match &self.inner {
            KeyInner::Ed25519(k) => PublicKey {
                profile: self.profile,
                inner: PublicInner::Ed25519(k.verifying_key()),
            },
        }
    }

    /// Signs `msg`; the signature is in the profile's native encoding
    /// (64 bytes for Ed25519).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match &self.inner {
            KeyInner::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
        }
    }

    /// The key file form: `sirm-signing-key v1 sha256-ed25519 <hex seed>\n`.
    pub fn to_file_text(&self) -> String {
        match &self.inner {
            KeyInner::Ed25519(k) => {
                let seed = Zeroizing::new(k.to_bytes());
                let hex = Zeroizing::new(hex::encode(*seed));
                format!(
                    "{SIGNING_KEY_HEADER} {KEY_FORMAT_VERSION} {} {}\n",
                    self.profile.name(),
                    hex.as_str()
                )
            }
        }
    }

    /// Parses [`SigningKey::to_file_text`].
    pub fn from_file_text(s: &str) -> Result<Self, LedgerError> {
        let (profile, bytes) = parse_key_text(s, SIGNING_KEY_HEADER, "signing key")?;
        let bytes = Zeroizing::new(bytes);
        match profile {
            CryptoProfile::Sha256Ed25519 => {
                let seed: Zeroizing<[u8; 32]> =
                    Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
                        LedgerError::InvalidKey(format!(
                            "signing key must be 32 bytes (64 hex digits), got {} bytes",
                            bytes.len()
                        ))
                    })?);
                Ok(SigningKey {
                    profile,
                    inner: KeyInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)),
                })
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PublicInner {
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// A public key that verifies signatures of one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    profile: CryptoProfile,
    inner: PublicInner,
}

impl PublicKey {
    /// The profile this key belongs to.
    pub fn profile(&self) -> CryptoProfile {
        self.profile
    }

    /// The raw public key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            PublicInner::Ed25519(k) => k.as_bytes(),
        }
    }

    /// Short key id: hex of the first 4 bytes of `digest(public key bytes)`.
    pub fn key_id(&self) -> String {
        let d = self.profile.digest(self.as_bytes());
        hex::encode(&d[..4])
    }

    /// The text form: `sirm-public-key v1 sha256-ed25519 <hex>\n`.
    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_KEY_HEADER} {KEY_FORMAT_VERSION} {} {}\n",
            self.profile.name(),
            self.to_hex()
        )
    }

    /// Parses [`PublicKey::to_text`].
    pub fn from_text(s: &str) -> Result<Self, LedgerError> {
        let (profile, bytes) = parse_key_text(s, PUBLIC_KEY_HEADER, "public key")?;
        Self::from_bytes(profile, &bytes)
    }

    /// Builds a public key from its raw bytes.
    pub fn from_bytes(profile: CryptoProfile, bytes: &[u8]) -> Result<Self, LedgerError> {
        match profile {
            CryptoProfile::Sha256Ed25519 => {
                let arr: [u8; 32] = bytes.try_into().map_err(|_| {
                    LedgerError::InvalidKey(format!(
                        "public key must be 32 bytes (64 hex digits), got {} bytes",
                        bytes.len()
                    ))
                })?;
                let k = ed25519_dalek::VerifyingKey::from_bytes(&arr).map_err(|_| {
                    LedgerError::InvalidKey("not a valid Ed25519 public key".to_owned())
                })?;
                Ok(PublicKey {
                    profile,
                    inner: PublicInner::Ed25519(k),
                })
            }
        }
    }

    /// Lower-case hex of the raw public key bytes.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }

    /// Verifies `sig` over `msg` (strict Ed25519: rejects malleable and
    /// small-order signatures and keys).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), LedgerError> {
        match &self.inner {
            PublicInner::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| {
                    LedgerError::BadSignature(format!(
                        "an Ed25519 signature is 64 bytes, got {} bytes",
                        sig.len()
                    ))
                })?;
                k.verify_strict(msg, &sig).map_err(|_| {
                    LedgerError::BadSignature(format!(
                        "signature does not verify under key {}",
                        self.key_id()
                    ))
                })
            }
        }
    }
}

/// Parses `<header> v1 <profile> <hex>` (one line, trailing newline optional).
fn parse_key_text(
    s: &str,
    header: &str,
    what: &str,
) -> Result<(CryptoProfile, Vec<u8>), LedgerError> {
    let line = s.trim();
    let mut parts = line.split_ascii_whitespace();
    let (h, v, p, x) = (parts.next(), parts.next(), parts.next(), parts.next());
    if h != Some(header) {
        return Err(LedgerError::InvalidKey(format!(
            "a {what} file must start with \"{header} {KEY_FORMAT_VERSION}\""
        )));
    }
    if v != Some(KEY_FORMAT_VERSION) {
        return Err(LedgerError::InvalidKey(format!(
            "unsupported {what} format version {:?} (expected {KEY_FORMAT_VERSION})",
            v.unwrap_or("")
        )));
    }
    let profile = CryptoProfile::from_name(p.unwrap_or(""))?;
    let (Some(x), None) = (x, parts.next()) else {
        return Err(LedgerError::InvalidKey(format!(
            "expected \"{header} {KEY_FORMAT_VERSION} <profile> <hex>\" on one line"
        )));
    };
    let bytes = hex::decode(x)
        .map_err(|e| LedgerError::InvalidKey(format!("{what} is not valid hex: {e}")))?;
    Ok((profile, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_round_trip() {
        let p = CryptoProfile::Sha256Ed25519;
        assert_eq!(p.name(), "sha256-ed25519");
        assert_eq!(CryptoProfile::from_name("sha256-ed25519").unwrap(), p);
        assert!(CryptoProfile::from_name("sm3-sm2").is_err());
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"sha256-ed25519\"");
        assert_eq!(
            serde_json::from_str::<CryptoProfile>("\"sha256-ed25519\"").unwrap(),
            p
        );
    }

    #[test]
    fn hashes_match_rfc6962() {
        let p = CryptoProfile::Sha256Ed25519;
        assert_eq!(
            hex::encode(p.empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(p.leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let l0 = p.leaf_hash(b"");
        let l1 = p.leaf_hash(&[0]);
        assert_eq!(
            hex::encode(p.node_hash(&l0, &l1)),
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
        );
    }

    #[test]
    fn sign_verify_and_key_files() {
        let p = CryptoProfile::default();
        let sk = p.generate_signing_key();
        let pk = sk.public_key();
        let sig = sk.sign(b"hello");
        assert_eq!(sig.len(), 64);
        pk.verify(b"hello", &sig).unwrap();
        assert!(pk.verify(b"hellO", &sig).is_err());
        assert!(pk.verify(b"hello", &sig[..63]).is_err());

        let text = sk.to_file_text();
        assert!(text.starts_with("sirm-signing-key v1 sha256-ed25519 "));
        assert!(text.ends_with('\n'));
        let sk2 = SigningKey::from_file_text(&text).unwrap();
        assert_eq!(sk2.public_key(), pk);

        let pt = pk.to_text();
        assert!(pt.starts_with("sirm-public-key v1 sha256-ed25519 "));
        assert_eq!(PublicKey::from_text(&pt).unwrap(), pk);
        assert_eq!(pk.key_id().len(), 8);
        assert_eq!(pk.key_id(), hex::encode(&p.digest(pk.as_bytes())[..4]));
    }

    #[test]
    fn debug_does_not_leak_secret() {
        let sk = CryptoProfile::default().generate_signing_key();
        let text = sk.to_file_text();
        let hex_seed = text.split_whitespace().last().unwrap();
        let dbg = format!("{sk:?}");
        assert!(!dbg.contains(hex_seed), "{dbg}");
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn key_file_errors_are_clear() {
        let e = SigningKey::from_file_text("sirm-public-key v1 sha256-ed25519 00").unwrap_err();
        assert!(e.to_string().contains("must start with"), "{e}");
        let e = SigningKey::from_file_text("sirm-signing-key v2 sha256-ed25519 00").unwrap_err();
        assert!(e.to_string().contains("version"), "{e}");
        let e = SigningKey::from_file_text("sirm-signing-key v1 rsa 00").unwrap_err();
        assert!(matches!(e, LedgerError::UnknownProfile(_)), "{e}");
        let e = SigningKey::from_file_text("sirm-signing-key v1 sha256-ed25519 zz").unwrap_err();
        assert!(e.to_string().contains("hex"), "{e}");
        let e = SigningKey::from_file_text("sirm-signing-key v1 sha256-ed25519 0011").unwrap_err();
        assert!(e.to_string().contains("32 bytes"), "{e}");
        let e = SigningKey::from_file_text("sirm-signing-key v1 sha256-ed25519").unwrap_err();
        assert!(e.to_string().contains("one line"), "{e}");
        let e = PublicKey::from_text("sirm-public-key v1 sha256-ed25519 00").unwrap_err();
        assert!(e.to_string().contains("32 bytes"), "{e}");
    }
}
