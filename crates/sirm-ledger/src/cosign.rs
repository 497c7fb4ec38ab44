//! Witness cosignatures in the C2SP `tlog-cosignature` format
//! (`cosignature/v1`, Ed25519, signature type 0x04), and witness keys in
//! the signed-note key encodings:
//!
//! ```text
//! vkey:  <name>+<key ID, 8 hex>+<base64(0x04 || Ed25519 public key)>
//! skey:  PRIVATE+KEY+<name>+<key ID, 8 hex>+<base64(0x04 || Ed25519 seed)>
//! line:  — <name> base64(key ID || u64 big-endian timestamp || Ed25519 signature)
//! signed message: "cosignature/v1\ntime <timestamp>\n" || the checkpoint's note text
//! ```
//!
//! A witness key is always Ed25519, whatever the agency's profile: the
//! cosignature format is Ed25519 only, and a witness is another party.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::checkpoint::{split_note, SIG_PREFIX};
use crate::LedgerError;

/// Signature type of a timestamped Ed25519 cosignature.
const COSIGNATURE_V1: u8 = 0x04;

fn bad(m: impl Into<String>) -> LedgerError {
    LedgerError::InvalidCheckpoint(m.into())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '+')
}

fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', COSIGNATURE_V1]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The message a cosignature signs.
fn message(note_text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{note_text}").into_bytes()
}

/// A witness's secret key and name.
pub struct WitnessKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WitnessKey")
            .field("name", &self.name)
            .finish()
    }
}

impl WitnessKey {
    /// A fresh key named `name` (a schema-less URL, e.g. `witness.example/w1`).
    pub fn generate(name: &str) -> Result<Self, LedgerError> {
        if !valid_name(name) {
            return Err(bad(format!(
                "witness name {name:?}: no spaces or \"+\", not empty"
            )));
        }
        Ok(WitnessKey {
            name: name.to_owned(),
            key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `PRIVATE+KEY+…` text (keep it secret).
    pub fn to_skey(&self) -> Zeroizing<String> {
        let public = self.key.verifying_key().to_bytes();
        let mut raw = Zeroizing::new(vec![COSIGNATURE_V1]);
        raw.extend_from_slice(self.key.as_bytes());
        Zeroizing::new(format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex::encode(key_id(&self.name, &public)),
            B64.encode(&*raw)
        ))
    }

    /// Parses [`WitnessKey::to_skey`].
    pub fn from_skey(text: &str) -> Result<Self, LedgerError> {
        let text = text.trim();
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("a witness key starts with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(raw)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("a witness key is PRIVATE+KEY+<name>+<id>+<key>"));
        };
        let raw = Zeroizing::new(
            B64.decode(raw)
                .map_err(|_| bad("witness key is not base64"))?,
        );
        let [t, seed @ ..] = raw.as_slice() else {
            return Err(bad("witness key is empty"));
        };
        if *t != COSIGNATURE_V1 || seed.len() != 32 || !valid_name(name) {
            return Err(bad("not a cosignature/v1 (Ed25519, type 0x04) witness key"));
        }
        let mut s = Zeroizing::new([0u8; 32]);
        s.copy_from_slice(seed);
        let key = ed25519_dalek::SigningKey::from_bytes(&s);
        let w = WitnessKey {
            name: name.to_owned(),
            key,
        };
        if hex::encode(key_id(name, &w.key.verifying_key().to_bytes())) != id {
            return Err(bad("witness key: the key ID does not match the key"));
        }
        Ok(w)
    }

    pub fn verifier(&self) -> WitnessVerifier {
        WitnessVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (ending in a newline) over a checkpoint's note
    /// text (the note up to and including the text's last newline).
    pub fn cosign(&self, note_text: &str, timestamp: u64) -> String {
        let sig = self.key.sign(&message(note_text, timestamp));
        let mut raw = key_id(&self.name, &self.key.verifying_key().to_bytes()).to_vec();
        raw.extend_from_slice(&timestamp.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

/// A witness's public key and name: what a verifier is configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessVerifier {
    name: String,
    key: ed25519_dalek::VerifyingKey,
}

impl WitnessVerifier {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `<name>+<id>+<base64>` verifier key.
    pub fn to_vkey(&self) -> String {
        let public = self.key.to_bytes();
        let mut raw = vec![COSIGNATURE_V1];
        raw.extend_from_slice(&public);
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(key_id(&self.name, &public)),
            B64.encode(raw)
        )
    }

    /// Parses [`WitnessVerifier::to_vkey`].
    pub fn from_vkey(text: &str) -> Result<Self, LedgerError> {
        let text = text.trim();
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(raw)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("a witness verifier key is <name>+<id>+<key>"));
        };
        let raw = B64
            .decode(raw)
            .map_err(|_| bad("witness verifier key is not base64"))?;
        let [t, public @ ..] = raw.as_slice() else {
            return Err(bad("witness verifier key is empty"));
        };
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| bad("not a cosignature/v1 (Ed25519, type 0x04) verifier key"))?;
        if *t != COSIGNATURE_V1 || !valid_name(name) {
            return Err(bad(
                "not a cosignature/v1 (Ed25519, type 0x04) verifier key",
            ));
        }
        if hex::encode(key_id(name, &public)) != id {
            return Err(bad(
                "witness verifier key: the key ID does not match the key",
            ));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| bad("witness verifier key is not an Ed25519 point"))?;
        Ok(WitnessVerifier {
            name: name.to_owned(),
            key,
        })
    }

    /// Verifies one cosignature (the decoded signature bytes of a line with
    /// this witness's name) over `note_text`; returns its timestamp.
    pub fn verify(&self, note_text: &str, sig: &[u8]) -> Result<u64, LedgerError> {
        if sig.len() != 4 + 8 + 64 {
            return Err(bad(format!("a cosignature is 76 bytes, got {}", sig.len())));
        }
        if sig[..4] != key_id(&self.name, &self.key.to_bytes()) {
            return Err(bad(format!(
                "cosignature by another key named {}",
                self.name
            )));
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&sig[4..12]);
        let timestamp = u64::from_be_bytes(ts);
        let s = ed25519_dalek::Signature::from_slice(&sig[12..])
            .map_err(|_| bad("malformed cosignature"))?;
        self.key
            .verify_strict(&message(note_text, timestamp), &s)
            .map_err(|_| {
                LedgerError::BadSignature(format!(
                    "cosignature by witness {} does not verify",
                    self.name
                ))
            })?;
        Ok(timestamp)
    }

    /// Finds this witness's cosignature in a whole note and verifies it;
    /// returns its timestamp. A line with this name but another key ID is
    /// ignored (signed-note rule); none that verifies is an error.
    pub fn verify_note(&self, note: &str) -> Result<u64, LedgerError> {
        let (text, sigs) = split_note(note)?;
        let id = key_id(&self.name, &self.key.to_bytes());
        let mut found = None;
        for (name, sig) in &sigs {
            if *name == self.name && sig.len() >= 4 && sig[..4] == id {
                found = Some(self.verify(text, sig)?);
            }
        }
        found.ok_or_else(|| {
            bad(format!(
                "the checkpoint carries no cosignature by witness {}",
                self.name
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Checkpoint, CryptoProfile, SignedCheckpoint};

    #[test]
    fn cosign_and_verify_round_trip() {
        let agency = CryptoProfile::default().generate_signing_key();
        let cp = SignedCheckpoint::sign(
            Checkpoint {
                origin: "sirm:110105".into(),
                tree_size: 5,
                root: [3; 32],
                time: chrono::Utc::now(),
            },
            &agency,
        );
        let w = WitnessKey::generate("witness.example/w1").unwrap();
        let v = WitnessVerifier::from_vkey(&w.verifier().to_vkey()).unwrap();
        assert_eq!(v, w.verifier());
        let w2 = WitnessKey::from_skey(&w.to_skey()).unwrap();
        assert_eq!(w2.verifier(), v);
        let note = cp.to_note();
        let text = note.split("\n\n").next().unwrap().to_string() + "\n";
        let cosigned = format!("{note}{}", w.cosign(&text, 1_700_000_000));
        assert_eq!(v.verify_note(&cosigned).unwrap(), 1_700_000_000);
        // The agency's own parse still finds its signature.
        assert_eq!(SignedCheckpoint::from_note(&cosigned).unwrap(), cp);
        // Another checkpoint's text does not verify with this cosignature.
        let other = cosigned.replacen("\n5\n", "\n6\n", 1);
        assert!(v.verify_note(&other).is_err());
        // Another witness's key is not accepted under this name.
        let mallory = WitnessKey::generate("witness.example/w1").unwrap();
        let forged = format!("{note}{}", mallory.cosign(&text, 1_700_000_000));
        assert!(v.verify_note(&forged).is_err());
        // Bad key texts.
        for bad in ["", "w+00000000+AAAA", &v.to_vkey().replace("w1+", "w2+")] {
            assert!(WitnessVerifier::from_vkey(bad).is_err(), "{bad}");
        }
    }
}
