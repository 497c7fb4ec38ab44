//! Keyed hashing and authenticated encryption of personal fields.
//!
//! The blind index (盲索引) of a person is [`CryptoProfile::keyed_hash`] of
//! the normalised ID number under the installation's index key; personal
//! fields are sealed with [`CryptoProfile::seal`] under the person's data
//! key, with the person's blind index as associated data, and data keys are
//! sealed (wrapped) the same way under the key-encryption key. This module
//! holds the primitives only; which key seals what is `sirm-app`'s business.
//!
//! Sealed bytes are `nonce (12) || ciphertext || tag (16)`; the nonce is
//! random (96 bits), which is safe for the number of seals one key sees here
//! (a person's fields, or one wrap per person under a key-encryption key).
//!
//! | profile | keyed hash | seal / open |
//! | --- | --- | --- |
//! | `sha256-ed25519` | HMAC-SHA-256 | AES-256-GCM (the whole 32-byte key) |
//! | `sm3-sm2` | HMAC-SM3 (the whole 32-byte key) | SM4-GCM: SM4 (GB/T 32907) in GCM, the TLS 1.3 SM4-GCM of RFC 8998; SM4 keys are 128 bits, so the first 16 bytes of the [`SecretKey`] |

use aes_gcm::aead::consts::{U12, U32};
use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use rand::RngCore as _;
use zeroize::Zeroizing;

use crate::{CryptoProfile, Digest, LedgerError};

/// Length of the random nonce in front of every sealed value.
pub const NONCE_LEN: usize = 12;
/// Length of the authentication tag at the end of every sealed value.
pub const TAG_LEN: usize = 16;

/// SM4 in Galois/Counter Mode, 96-bit nonce, 128-bit tag (RFC 8998 `SM4_GCM`).
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, U12>;

/// The SM4 key of a [`SecretKey`]: its first 16 bytes (SM4 keys are 128 bits).
fn sm4_gcm(key: &SecretKey) -> Sm4Gcm {
    let k: &[u8; 16] = key.expose().first_chunk().unwrap_or(&[0u8; 16]);
    Sm4Gcm::new(k.into())
}

/// HMAC (`M` = `Hmac<hash>`) of `data` under the whole 32-byte `key`.
fn hmac_with<M>(key: &SecretKey, data: &[u8]) -> Digest
where
    M: hmac::Mac + hmac::digest::KeyInit + hmac::digest::OutputSizeUser<OutputSize = U32>,
{
    // HMAC accepts keys of any length: this cannot fail.
    let Ok(mut mac) = <M as hmac::Mac>::new_from_slice(key.expose()) else {
        return [0u8; 32];
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// A 256-bit secret key (index key, key-encryption key, data key). Wiped on
/// drop; `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        SecretKey(k)
    }

    /// A key from 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            LedgerError::InvalidKey(format!("secret key must be 32 bytes, got {}", bytes.len()))
        })?;
        Ok(SecretKey(Zeroizing::new(arr)))
    }

    /// The key bytes (for wrapping and key files only).
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl CryptoProfile {
    /// Keyed hash (HMAC) of `data` under `key`: the blind index.
    pub fn keyed_hash(&self, key: &SecretKey, data: &[u8]) -> Digest {
        match self {
            CryptoProfile::Sha256Ed25519 => hmac_with::<hmac::Hmac<sha2::Sha256>>(key, data),
            CryptoProfile::Sm3Sm2 => hmac_with::<hmac::Hmac<sm3::Sm3>>(key, data),
        }
    }

    /// Authenticated encryption of `plaintext` under `key`, bound to `aad`.
    pub fn seal(&self, key: &SecretKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        self.seal_with_nonce(key, &nonce, aad, plaintext)
    }

    /// [`CryptoProfile::seal`] with a given nonce (test vectors; never reuse
    /// a nonce under one key).
    pub fn seal_with_nonce(
        &self,
        key: &SecretKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Vec<u8> {
        let sealed = match self {
            CryptoProfile::Sha256Ed25519 => {
                let cipher = aes_gcm::Aes256Gcm::new(key.expose().into());
                cipher.encrypt(
                    nonce.into(),
                    Payload {
                        msg: plaintext,
                        aad,
                    },
                )
            }
            CryptoProfile::Sm3Sm2 => sm4_gcm(key).encrypt(
                nonce.into(),
                Payload {
                    msg: plaintext,
                    aad,
                },
            ),
        };
        // Encryption with a valid key and nonce length cannot fail.
        let ct = sealed.unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens what [`CryptoProfile::seal`] sealed; fails when the key, the
    /// associated data or any byte differs.
    pub fn open(
        &self,
        key: &SecretKey,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, LedgerError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(LedgerError::Unseal("sealed value too short".into()));
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let opened = match self {
            CryptoProfile::Sha256Ed25519 => {
                let cipher = aes_gcm::Aes256Gcm::new(key.expose().into());
                cipher.decrypt(nonce.into(), Payload { msg: ct, aad })
            }
            CryptoProfile::Sm3Sm2 => sm4_gcm(key).decrypt(nonce.into(), Payload { msg: ct, aad }),
        };
        opened
            .map(Zeroizing::new)
            .map_err(|_| LedgerError::Unseal("authentication failed".into()))
    }

    /// Name of the field cipher, for `sirm keys status` and docs.
    pub fn field_cipher_name(&self) -> &'static str {
        match self {
            CryptoProfile::Sha256Ed25519 => "HMAC-SHA-256 / AES-256-GCM",
            CryptoProfile::Sm3Sm2 => "HMAC-SM3 / SM4-GCM",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        for &p in CryptoProfile::ALL {
            seal_open_round_trip_and_tamper_with(p);
        }
    }

    fn seal_open_round_trip_and_tamper_with(p: CryptoProfile) {
        let k = SecretKey::generate();
        let s = p.seal(&k, b"aad", b"110101199003074354");
        assert_eq!(
            p.open(&k, b"aad", &s).ok().as_deref().map(|v| v.as_slice()),
            Some(&b"110101199003074354"[..])
        );
        assert!(p.open(&k, b"other", &s).is_err(), "aad bound");
        let mut t = s.clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        assert!(p.open(&k, b"aad", &t).is_err(), "tag checked");
        assert!(
            p.open(&SecretKey::generate(), b"aad", &s).is_err(),
            "key checked"
        );
        assert_ne!(s, p.seal(&k, b"aad", b"110101199003074354"), "random nonce");
        assert_eq!(s.len(), NONCE_LEN + 18 + TAG_LEN);
        assert!(p.open(&k, b"aad", &s[..NONCE_LEN + TAG_LEN - 1]).is_err());
        // Sealed under one profile, never opened under the other.
        for &q in CryptoProfile::ALL {
            if q != p {
                assert!(q.open(&k, b"aad", &s).is_err(), "{p} sealed, {q} opened");
            }
        }
    }

    #[test]
    fn hmac_sha256_zero_key_abc() {
        // Computed independently (Python: hmac.new(bytes(32), b"abc", sha256)).
        let p = CryptoProfile::Sha256Ed25519;
        let k = SecretKey::from_bytes(&[0u8; 32]).expect("32 bytes");
        let d = p.keyed_hash(&k, b"abc");
        assert_eq!(
            hex::encode(d),
            "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351"
        );
    }

    #[test]
    fn aes_256_gcm_vector() {
        // NIST GCM test vector (Test Case 13 of the GCM spec): zero key,
        // zero nonce, empty plaintext → tag 530f8afbc74536b9a963b4f1c4cb738b.
        let p = CryptoProfile::Sha256Ed25519;
        let k = SecretKey::from_bytes(&[0u8; 32]).expect("32 bytes");
        let s = p.seal_with_nonce(&k, &[0u8; 12], b"", b"");
        assert_eq!(hex::encode(&s[12..]), "530f8afbc74536b9a963b4f1c4cb738b");
    }
}
