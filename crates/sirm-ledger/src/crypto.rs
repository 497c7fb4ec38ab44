//! The one small interface for hashing and signing.
//!
//! Every hash and signature in SIRM goes through [`CryptoProfile`]: the
//! international profile (SHA-256, Ed25519) and the 国密 profile (SM3, SM2)
//! are two variants of one enum, and no caller names an algorithm.

use std::fmt;

use ed25519_dalek::Signer as _;
use sha2::digest::{consts::U32, OutputSizeUser};
use sha2::{Digest as _, Sha256};
use sm2::dsa::signature::{RandomizedSigner as _, Verifier as _};
use sm3::Sm3;
use zeroize::Zeroizing;

use crate::{Digest, LedgerError};

const SIGNING_KEY_HEADER: &str = "sirm-signing-key";
const PUBLIC_KEY_HEADER: &str = "sirm-public-key";
const KEY_FORMAT_VERSION: &str = "v1";

/// The SM2 distinguishing identifier (user ID) of every SIRM key: the
/// default ID of GM/T 0009-2012 §10 (GB/T 35276-2017), 16 ASCII digits, so
/// that other 国密 tools verify SIRM signatures with their defaults.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// Length of an SM2 public key in SIRM: SEC1 uncompressed, `04 || x || y`.
const SM2_PUBLIC_KEY_LEN: usize = 65;

/// A hash function plus a signature scheme.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, Default,
)]
pub enum CryptoProfile {
    /// SHA-256 (RFC 6962 tree hashing) and Ed25519 signatures (strict verification).
    #[default]
    #[serde(rename = "sha256-ed25519")]
    Sha256Ed25519,
    /// 国密: SM3 (GB/T 32905-2016) for the same RFC 6962 tree hashing, SM2
    /// signatures (GB/T 32918.2-2016) on the recommended curve
    /// (GB/T 32918.5-2017) with the default user ID [`SM2_DEFAULT_ID`];
    /// HMAC-SM3 and SM4-GCM (GB/T 32907-2016) for personal fields.
    #[serde(rename = "sm3-sm2")]
    Sm3Sm2,
}

impl CryptoProfile {
    /// Every profile this build knows.
    pub const ALL: &'static [CryptoProfile] =
        &[CryptoProfile::Sha256Ed25519, CryptoProfile::Sm3Sm2];

    /// The stable text name, as used in key files, notes and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            CryptoProfile::Sha256Ed25519 => "sha256-ed25519",
            CryptoProfile::Sm3Sm2 => "sm3-sm2",
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
            CryptoProfile::Sm3Sm2 => Sm3::digest(data).into(),
        }
    }

    /// RFC 6962 leaf hash: `H(0x00 || data)`.
    pub fn leaf_hash(&self, data: &[u8]) -> Digest {
        match self {
            CryptoProfile::Sha256Ed25519 => leaf_hash_with::<Sha256>(data),
            CryptoProfile::Sm3Sm2 => leaf_hash_with::<Sm3>(data),
        }
    }

    /// RFC 6962 interior node hash: `H(0x01 || left || right)`.
    pub fn node_hash(&self, left: &Digest, right: &Digest) -> Digest {
        let mut buf = [0u8; 65];
        buf[0] = 1;
        buf[1..33].copy_from_slice(left);
        buf[33..].copy_from_slice(right);
        self.digest(&buf)
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
            CryptoProfile::Sm3Sm2 => SigningKey {
                profile: *self,
                inner: KeyInner::Sm2(sm2_signing_key(sm2::NonZeroScalar::random(
                    &mut rand::rngs::OsRng,
                ))),
            },
        }
    }
}

/// `H(0x00 || data)` with a 256-bit hash.
fn leaf_hash_with<H: sha2::Digest + OutputSizeUser<OutputSize = U32>>(data: &[u8]) -> Digest {
    let mut h = H::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The SM2 signing key of a secret scalar, under [`SM2_DEFAULT_ID`].
fn sm2_signing_key(d: sm2::NonZeroScalar) -> sm2::dsa::SigningKey {
    match sm2::dsa::SigningKey::from_nonzero_scalar(SM2_DEFAULT_ID, d) {
        Ok(k) => k,
        // The only failure is a user ID longer than 8191 bytes; ours has 16.
        Err(_) => unreachable!("the SM2 default user ID is 16 bytes"),
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

/// Secret key material. `ed25519_dalek::SigningKey` zeroizes itself on
/// drop; `sm2::dsa::SigningKey` (sm2 0.13) does not, and keeps its scalar
/// private, so an SM2 secret stays in memory until the allocation is reused
/// (the key file text and the decoded bytes it came from are wiped).
#[derive(Clone)]
enum KeyInner {
    Ed25519(ed25519_dalek::SigningKey),
    Sm2(sm2::dsa::SigningKey),
}

/// A secret signing key. Never printed by `Debug`; an Ed25519 secret is
/// wiped from memory on drop (an SM2 one is not: see `KeyInner`).
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
            KeyInner::Sm2(k) => PublicKey::sm2(self.profile, k.verifying_key().clone()),
        }
    }

    /// Signs `msg`; the signature is in the profile's native encoding, 64
    /// bytes for both profiles: Ed25519's `R || S`, SM2's `r || s` (two
    /// big-endian 32-byte integers, not DER).
    ///
    /// SM2 signing follows GB/T 32918.2 with `e = SM3(Z_A || msg)` and
    /// `Z_A` over [`SM2_DEFAULT_ID`]; its per-signature `k` is drawn as in
    /// RFC 6979 (HMAC-SM3) from the secret, the message and fresh random
    /// bytes, so a weak random source cannot leak the key.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match &self.inner {
            KeyInner::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            KeyInner::Sm2(k) => {
                // Fails only if r = 0 or r + k = n (probability about
                // 2^-255); then try once more deterministically, and give
                // an empty signature (which never verifies) rather than panic.
                match k
                    .try_sign_with_rng(&mut rand::rngs::OsRng, msg)
                    .or_else(|_| k.try_sign(msg))
                {
                    Ok(sig) => sig.to_bytes().to_vec(),
                    Err(_) => Vec::new(),
                }
            }
        }
    }

    /// The key file form: `sirm-signing-key v1 <profile> <hex>\n`, where the
    /// hex is the Ed25519 seed (32 bytes) or the SM2 private scalar `d`
    /// (32 bytes, big-endian).
    pub fn to_file_text(&self) -> String {
        let secret: Zeroizing<[u8; 32]> = match &self.inner {
            KeyInner::Ed25519(k) => Zeroizing::new(k.to_bytes()),
            KeyInner::Sm2(k) => Zeroizing::new(k.to_bytes().into()),
        };
        let hex = Zeroizing::new(hex::encode(*secret));
        format!(
            "{SIGNING_KEY_HEADER} {KEY_FORMAT_VERSION} {} {}\n",
            self.profile.name(),
            hex.as_str()
        )
    }

    /// Parses [`SigningKey::to_file_text`], refusing a key of another
    /// profile than `expected` with an error that names both.
    pub fn from_file_text_for(expected: CryptoProfile, s: &str) -> Result<Self, LedgerError> {
        let k = Self::from_file_text(s)?;
        check_profile(expected, k.profile, "signing key")?;
        Ok(k)
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
            CryptoProfile::Sm3Sm2 => {
                if bytes.len() != 32 {
                    return Err(LedgerError::InvalidKey(format!(
                        "SM2 signing key must be 32 bytes (64 hex digits), got {} bytes",
                        bytes.len()
                    )));
                }
                let d = sm2::NonZeroScalar::try_from(bytes.as_slice()).map_err(|_| {
                    LedgerError::InvalidKey(
                        "not a valid SM2 private key (must be 1 ≤ d < n)".to_owned(),
                    )
                })?;
                Ok(SigningKey {
                    profile,
                    inner: KeyInner::Sm2(sm2_signing_key(d)),
                })
            }
        }
    }
}

/// `Err` naming both profiles when `found` is not `expected`.
fn check_profile(
    expected: CryptoProfile,
    found: CryptoProfile,
    what: &str,
) -> Result<(), LedgerError> {
    if expected == found {
        Ok(())
    } else {
        Err(LedgerError::InvalidKey(format!(
            "this is a {found} {what}, but the ledger uses the {expected} profile"
        )))
    }
}

#[derive(Clone, Debug)]
enum PublicInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    Sm2 {
        /// SEC1 uncompressed, `04 || x || y`: what `as_bytes` returns.
        sec1: [u8; SM2_PUBLIC_KEY_LEN],
        key: Box<sm2::dsa::VerifyingKey>,
    },
}

impl PartialEq for PublicInner {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (PublicInner::Ed25519(a), PublicInner::Ed25519(b)) => a == b,
            (PublicInner::Sm2 { sec1: a, .. }, PublicInner::Sm2 { sec1: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Eq for PublicInner {}

/// A public key that verifies signatures of one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    profile: CryptoProfile,
    inner: PublicInner,
}

impl PublicKey {
    fn sm2(profile: CryptoProfile, key: sm2::dsa::VerifyingKey) -> Self {
        use sm2::elliptic_curve::sec1::ToEncodedPoint as _;
        let point = key.to_encoded_point(false);
        let mut sec1 = [0u8; SM2_PUBLIC_KEY_LEN];
        // An uncompressed point of a valid key is always 65 bytes.
        if point.as_bytes().len() == SM2_PUBLIC_KEY_LEN {
            sec1.copy_from_slice(point.as_bytes());
        }
        PublicKey {
            profile,
            inner: PublicInner::Sm2 {
                sec1,
                key: Box::new(key),
            },
        }
    }

    /// The profile this key belongs to.
    pub fn profile(&self) -> CryptoProfile {
        self.profile
    }

    /// The raw public key bytes: 32 bytes for Ed25519; for SM2 the SEC1
    /// *uncompressed* point `04 || x || y` (65 bytes), the encoding the sm2
    /// crate uses (`Sm2::COMPRESS_POINTS` is false) and GB/T 32918 shows.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            PublicInner::Ed25519(k) => k.as_bytes(),
            PublicInner::Sm2 { sec1, .. } => sec1,
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

    /// Parses [`PublicKey::to_text`], refusing a key of another profile
    /// than `expected` with an error that names both.
    pub fn from_text_for(expected: CryptoProfile, s: &str) -> Result<Self, LedgerError> {
        let k = Self::from_text(s)?;
        check_profile(expected, k.profile, "public key")?;
        Ok(k)
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
            CryptoProfile::Sm3Sm2 => {
                if bytes.len() != SM2_PUBLIC_KEY_LEN || bytes.first() != Some(&0x04) {
                    return Err(LedgerError::InvalidKey(format!(
                        "SM2 public key must be 65 bytes (130 hex digits), SEC1 uncompressed \
                         starting with 04, got {} bytes",
                        bytes.len()
                    )));
                }
                let k = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, bytes).map_err(
                    |_| LedgerError::InvalidKey("not a point of the SM2 curve".to_owned()),
                )?;
                Ok(PublicKey::sm2(profile, k))
            }
        }
    }

    /// Lower-case hex of the raw public key bytes.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }

    /// Verifies `sig` over `msg` (strict Ed25519: rejects malleable and
    /// small-order signatures and keys; SM2: `r || s`, each in 1..n-1,
    /// user ID [`SM2_DEFAULT_ID`]).
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
            PublicInner::Sm2 { key, .. } => {
                let sig = sm2::dsa::Signature::from_slice(sig).map_err(|_| {
                    LedgerError::BadSignature(format!(
                        "an SM2 signature is 64 bytes r || s with 0 < r, s < n, got {} bytes",
                        sig.len()
                    ))
                })?;
                key.verify(msg, &sig).map_err(|_| {
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
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"sha256-ed25519\"");
        assert_eq!(
            serde_json::from_str::<CryptoProfile>("\"sha256-ed25519\"").unwrap(),
            p
        );
        let gm = CryptoProfile::Sm3Sm2;
        assert_eq!(gm.name(), "sm3-sm2");
        assert_eq!(CryptoProfile::from_name("sm3-sm2").unwrap(), gm);
        assert_eq!(serde_json::to_string(&gm).unwrap(), "\"sm3-sm2\"");
        assert_eq!(CryptoProfile::ALL, &[p, gm]);
        assert_eq!(CryptoProfile::default(), p);
        // The error names every known profile.
        let e = CryptoProfile::from_name("sm3").unwrap_err().to_string();
        for known in CryptoProfile::ALL {
            assert!(e.contains(&format!("\"{known}\"")), "{e}");
        }
    }

    #[test]
    fn sm2_keys_sign_verify_and_key_files() {
        let p = CryptoProfile::Sm3Sm2;
        let sk = p.generate_signing_key();
        let pk = sk.public_key();
        assert_eq!(pk.profile(), p);
        assert_eq!(pk.as_bytes().len(), 65);
        assert_eq!(pk.as_bytes()[0], 0x04, "SEC1 uncompressed");
        let sig = sk.sign(b"hello");
        assert_eq!(sig.len(), 64);
        pk.verify(b"hello", &sig).unwrap();
        assert!(pk.verify(b"hellO", &sig).is_err());
        assert!(pk.verify(b"hello", &sig[..63]).is_err());
        assert!(pk.verify(b"hello", &[0u8; 64]).is_err(), "r = s = 0");
        // Hedged signing: a fresh k each time, both verify.
        let sig2 = sk.sign(b"hello");
        assert_ne!(sig, sig2);
        pk.verify(b"hello", &sig2).unwrap();

        let text = sk.to_file_text();
        assert!(text.starts_with("sirm-signing-key v1 sm3-sm2 "), "{text}");
        assert_eq!(text.trim_end().split(' ').nth(3).unwrap().len(), 64);
        let sk2 = SigningKey::from_file_text(&text).unwrap();
        assert_eq!(sk2.public_key(), pk);
        pk.verify(b"x", &sk2.sign(b"x")).unwrap();

        let pt = pk.to_text();
        assert!(pt.starts_with("sirm-public-key v1 sm3-sm2 04"), "{pt}");
        assert_eq!(PublicKey::from_text(&pt).unwrap(), pk);
        assert_eq!(pk.key_id(), hex::encode(&p.digest(pk.as_bytes())[..4]));
        assert!(!format!("{sk:?}").contains(text.split(' ').nth(3).unwrap().trim()));

        // Another profile's key never verifies, nor compares equal.
        let ed = CryptoProfile::Sha256Ed25519.generate_signing_key();
        assert_ne!(ed.public_key(), pk);
        assert!(ed.public_key().verify(b"hello", &sig).is_err());
    }

    #[test]
    fn sm2_key_errors_are_clear() {
        let e = SigningKey::from_file_text("sirm-signing-key v1 sm3-sm2 0011").unwrap_err();
        assert!(e.to_string().contains("32 bytes"), "{e}");
        let e =
            SigningKey::from_file_text(&format!("sirm-signing-key v1 sm3-sm2 {}", "00".repeat(32)))
                .unwrap_err();
        assert!(e.to_string().contains("not a valid SM2 private key"), "{e}");
        // n itself is out of range.
        let n = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
        let e =
            SigningKey::from_file_text(&format!("sirm-signing-key v1 sm3-sm2 {n}")).unwrap_err();
        assert!(e.to_string().contains("not a valid SM2 private key"), "{e}");
        let pk = CryptoProfile::Sm3Sm2.generate_signing_key().public_key();
        let compressed = format!("sirm-public-key v1 sm3-sm2 02{}", &pk.to_hex()[2..66]);
        let e = PublicKey::from_text(&compressed).unwrap_err();
        assert!(e.to_string().contains("65 bytes"), "{e}");
        let mut off_curve = pk.as_bytes().to_vec();
        off_curve[64] ^= 1;
        let e = PublicKey::from_bytes(CryptoProfile::Sm3Sm2, &off_curve).unwrap_err();
        assert!(e.to_string().contains("not a point"), "{e}");
    }

    #[test]
    fn cross_profile_key_files_are_refused() {
        let gm = CryptoProfile::Sm3Sm2.generate_signing_key();
        let intl = CryptoProfile::Sha256Ed25519;
        let e = SigningKey::from_file_text_for(intl, &gm.to_file_text()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid key text: this is a sm3-sm2 signing key, but the ledger uses the sha256-ed25519 profile"
        );
        let e = PublicKey::from_text_for(intl, &gm.public_key().to_text()).unwrap_err();
        assert!(e.to_string().contains("sm3-sm2 public key"), "{e}");
        let ed = intl.generate_signing_key();
        assert!(SigningKey::from_file_text_for(CryptoProfile::Sm3Sm2, &ed.to_file_text()).is_err());
        // The right profile reads as before.
        let back =
            SigningKey::from_file_text_for(CryptoProfile::Sm3Sm2, &gm.to_file_text()).unwrap();
        assert_eq!(back.public_key(), gm.public_key());
        // The same 32 bytes under the other profile's name are a different
        // key, never a verifying one.
        let swapped = gm.to_file_text().replace("sm3-sm2", "sha256-ed25519");
        let ed2 = SigningKey::from_file_text(&swapped).unwrap();
        assert!(gm.public_key().verify(b"m", &ed2.sign(b"m")).is_err());
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
