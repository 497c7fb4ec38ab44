//! Signed checkpoints in the C2SP formats (`c2sp.org/tlog-checkpoint`,
//! `c2sp.org/signed-note`), so off-the-shelf note verifiers and witnesses
//! read them:
//!
//! ```text
//! sirm:110105                                     origin
//! 15466                                           tree size
//! GXKS+tpXi/dQAPmEWZfXfuVV6vF72rQcdt2pZ2N+8+8=    root, base64
//! time 2026-12-04T20:41:26.142118Z                extension line: when it was signed
//! profile sm3-sm2                                 extension line, only for a profile other than sha256-ed25519
//!
//! — sirm:110105 base64(key ID (4 bytes) || signature)
//! ```
//!
//! The key name of the log's signature is the origin. Its key ID is
//! `SHA-256(origin || 0x0A || 0x01 || Ed25519 public key)[:4]` (the signed
//! note Ed25519 type); for the 国密 profile, whose signatures no other note
//! implementation knows, `SHA-256(origin || 0x0A || 0xFF || "sirm-sm2" ||
//! SEC1 public key)[:4]` (type 0xFF: "defined elsewhere", docs/witness.md).
//! Further signature lines (witness cosignatures) are skipped by
//! [`SignedCheckpoint::from_note`]; [`split_note`] gives them all, and
//! `cosign.rs` verifies cosignatures.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

use crate::entry::format_time;
use crate::{CryptoProfile, Digest, LedgerError, PublicKey, SigningKey};

/// Prefix of a signature line in a note (em dash and a space, as in C2SP).
pub const SIG_PREFIX: &str = "\u{2014} ";

/// Prefix of the extension line that carries the signing time.
const TIME_PREFIX: &str = "time ";

/// Prefix of the extension line that names the profile.
const PROFILE_PREFIX: &str = "profile ";

/// The profile a body without a `profile` line uses.
const UNNAMED_PROFILE: CryptoProfile = CryptoProfile::Sha256Ed25519;

/// Most signature lines a note may carry (C2SP: accept at least 16).
pub const MAX_NOTE_SIGNATURES: usize = 64;

/// The signed-note key ID of `key` under the key name `name`.
pub fn note_key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    match key.profile() {
        CryptoProfile::Sha256Ed25519 => h.update([0x01]),
        CryptoProfile::Sm3Sm2 => {
            h.update([0xff]);
            h.update(b"sirm-sm2");
        }
    }
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Signature lines of a note: (key name, decoded signature bytes).
pub type NoteSignatures = Vec<(String, Vec<u8>)>;

/// A note split into its text (ending in a newline) and its signature
/// lines, each as (key name, decoded bytes). Syntax only; nothing verified.
pub fn split_note(s: &str) -> Result<(&str, NoteSignatures), LedgerError> {
    let bad = |m: String| LedgerError::InvalidCheckpoint(m);
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(bad("note contains control characters".into()));
    }
    let Some(body) = s.strip_suffix('\n') else {
        return Err(bad("note must end with a newline".into()));
    };
    let Some(split) = body.rfind("\n\n") else {
        return Err(bad(
            "note must have a blank line between text and signatures".into(),
        ));
    };
    let text = &s[..=split];
    let mut sigs = Vec::new();
    for line in body[split + 2..].split('\n') {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| {
            bad(format!(
                "bad signature line {line:?} (expected \"— <key name> <base64>\")"
            ))
        })?;
        let (name, sig) = rest
            .split_once(' ')
            .ok_or_else(|| bad(format!("bad signature line {line:?}")))?;
        if name.is_empty() || name.contains('+') || sig.contains(' ') {
            return Err(bad(format!("bad signature line {line:?}")));
        }
        let sig = B64
            .decode(sig)
            .map_err(|e| bad(format!("signature is not base64: {e}")))?;
        if sig.len() < 5 {
            return Err(bad(format!("signature line {line:?} is too short")));
        }
        sigs.push((name.to_owned(), sig));
    }
    if sigs.len() > MAX_NOTE_SIGNATURES {
        return Err(bad(format!(
            "note has {} signatures, more than {MAX_NOTE_SIGNATURES}",
            sigs.len()
        )));
    }
    Ok((text, sigs))
}

/// What a checkpoint commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which ledger, e.g. `sirm:110105`. One line, not empty, no spaces or `+`
    /// (it is also the key name of the log's signature).
    pub origin: String,
    /// Number of entries covered.
    pub tree_size: u64,
    /// Merkle root of the first `tree_size` entries.
    pub root: Digest,
    /// When the checkpoint was made (microsecond precision in the body).
    pub time: DateTime<Utc>,
}

impl Checkpoint {
    /// The three C2SP lines and the `time` extension line:
    /// `{origin}\n{tree_size}\n{base64 root}\ntime {RFC 3339 µs Z}\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n{TIME_PREFIX}{}\n",
            self.origin,
            self.tree_size,
            B64.encode(self.root),
            format_time(&self.time)
        )
    }

    fn validate(&self) -> Result<(), LedgerError> {
        if self.origin.is_empty()
            || self
                .origin
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
            || self.origin.contains('+')
        {
            return Err(LedgerError::InvalidCheckpoint(format!(
                "origin {:?} must be one non-empty word without spaces or \"+\"",
                self.origin
            )));
        }
        Ok(())
    }

    fn truncated_to_micros(mut self) -> Self {
        if let Some(t) = DateTime::from_timestamp_micros(self.time.timestamp_micros()) {
            self.time = t;
        }
        self
    }
}

/// The signed text of `cp` under `profile`: [`Checkpoint::body`], then
/// `profile <name>\n` unless the profile is `sha256-ed25519`.
fn signed_body(cp: &Checkpoint, profile: CryptoProfile) -> String {
    let mut body = cp.body();
    if profile != UNNAMED_PROFILE {
        body.push_str(PROFILE_PREFIX);
        body.push_str(profile.name());
        body.push('\n');
    }
    body
}

/// Parses [`signed_body`] strictly (it must re-encode to the same text).
fn parse_signed_body(body: &str) -> Result<(Checkpoint, CryptoProfile), LedgerError> {
    let bad = |m: &str| LedgerError::InvalidCheckpoint(m.to_owned());
    let Some(text) = body.strip_suffix('\n') else {
        return Err(bad("checkpoint text must end with a newline"));
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let (origin, size, root, time, profile) = match lines.as_slice() {
        [o, s, r, t] => (*o, *s, *r, *t, None),
        [o, s, r, t, p] => (*o, *s, *r, *t, Some(*p)),
        _ => return Err(bad(
            "checkpoint text must be origin, size, root, a time line and at most a profile line",
        )),
    };
    let tree_size: u64 = size.parse().map_err(|_| {
        LedgerError::InvalidCheckpoint(format!("tree size {size:?} is not a number"))
    })?;
    let root_bytes = B64
        .decode(root)
        .map_err(|e| LedgerError::InvalidCheckpoint(format!("root is not base64: {e}")))?;
    let root: Digest = root_bytes.as_slice().try_into().map_err(|_| {
        LedgerError::InvalidCheckpoint(format!("root must be 32 bytes, got {}", root_bytes.len()))
    })?;
    let time = time
        .strip_prefix(TIME_PREFIX)
        .ok_or_else(|| bad("the fourth line must be \"time <RFC 3339>\""))?;
    let time = DateTime::parse_from_rfc3339(time)
        .map_err(|e| LedgerError::InvalidCheckpoint(format!("time {time:?}: {e}")))?
        .with_timezone(&Utc);
    let profile = match profile {
        None => UNNAMED_PROFILE,
        Some(line) => {
            let name = line
                .strip_prefix(PROFILE_PREFIX)
                .ok_or_else(|| bad("the fifth line must be \"profile <name>\""))?;
            let p = CryptoProfile::from_name(name)?;
            if p == UNNAMED_PROFILE {
                return Err(LedgerError::InvalidCheckpoint(format!(
                    "a {UNNAMED_PROFILE} checkpoint has no profile line"
                )));
            }
            p
        }
    };
    let cp = Checkpoint {
        origin: origin.to_owned(),
        tree_size,
        root,
        time,
    };
    cp.validate()?;
    if signed_body(&cp, profile) != body {
        return Err(bad("checkpoint text is not in canonical form"));
    }
    Ok((cp, profile))
}

/// A checkpoint with the ledger key's signature over its signed text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "SignedCheckpointJson", try_from = "SignedCheckpointJson")]
pub struct SignedCheckpoint {
    /// What is signed.
    pub checkpoint: Checkpoint,
    /// Hash and signature scheme.
    pub profile: CryptoProfile,
    /// The signed-note key ID of the signer ([`note_key_id`] of the origin
    /// and the agency key), hex.
    pub key_id: String,
    /// Signature over the signed text.
    pub signature: Vec<u8>,
}

impl SignedCheckpoint {
    /// The signed text (the note text): [`Checkpoint::body`], and for every
    /// profile but `sha256-ed25519` a last line `profile <name>`.
    pub fn body(&self) -> String {
        signed_body(&self.checkpoint, self.profile)
    }

    /// Signs `cp` (its time is truncated to microseconds first so the body
    /// and the struct agree).
    pub fn sign(cp: Checkpoint, key: &SigningKey) -> Self {
        let checkpoint = cp.truncated_to_micros();
        let signature = key.sign(signed_body(&checkpoint, key.profile()).as_bytes());
        let key_id = hex::encode(note_key_id(&checkpoint.origin, &key.public_key()));
        SignedCheckpoint {
            checkpoint,
            profile: key.profile(),
            key_id,
            signature,
        }
    }

    /// Checks profile, key ID and signature against `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), LedgerError> {
        if self.profile != key.profile() {
            return Err(LedgerError::BadSignature(format!(
                "checkpoint uses profile {}, key is {}",
                self.profile,
                key.profile()
            )));
        }
        self.checkpoint.validate()?;
        let expected = hex::encode(note_key_id(&self.checkpoint.origin, key));
        if self.key_id != expected {
            return Err(LedgerError::KeyMismatch {
                expected,
                found: self.key_id.clone(),
            });
        }
        key.verify(self.body().as_bytes(), &self.signature)
    }

    /// The signed note: text, blank line, `— {origin} {base64(key ID || sig)}\n`.
    pub fn to_note(&self) -> String {
        let mut sig = hex::decode(&self.key_id).unwrap_or_default();
        sig.extend_from_slice(&self.signature);
        format!(
            "{}\n{SIG_PREFIX}{} {}\n",
            self.body(),
            self.checkpoint.origin,
            B64.encode(sig)
        )
    }

    /// Parses a signed note of a checkpoint: the signature is the first
    /// line whose key name is the origin; other well-formed signature lines
    /// (witness cosignatures) are ignored here. The profile is the one the
    /// text's `profile` line names, `sha256-ed25519` without one.
    pub fn from_note(s: &str) -> Result<Self, LedgerError> {
        let (text, sigs) = split_note(s)?;
        let (checkpoint, profile) = parse_signed_body(text)?;
        let Some((_, sig)) = sigs.iter().find(|(name, _)| *name == checkpoint.origin) else {
            return Err(LedgerError::InvalidCheckpoint(format!(
                "note has no signature by the log (key name {})",
                checkpoint.origin
            )));
        };
        Ok(SignedCheckpoint {
            checkpoint,
            profile,
            key_id: hex::encode(&sig[..4]),
            signature: sig[4..].to_vec(),
        })
    }
}

/// JSON wire form of [`SignedCheckpoint`] (HTTP API).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct SignedCheckpointJson {
    origin: String,
    tree_size: u64,
    /// Hex.
    root: String,
    /// RFC 3339, microseconds, `Z`.
    time: String,
    profile: CryptoProfile,
    key_id: String,
    /// Base64.
    signature: String,
    /// The [`SignedCheckpoint::to_note`] text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl From<SignedCheckpoint> for SignedCheckpointJson {
    fn from(s: SignedCheckpoint) -> Self {
        let note = Some(s.to_note());
        SignedCheckpointJson {
            origin: s.checkpoint.origin,
            tree_size: s.checkpoint.tree_size,
            root: hex::encode(s.checkpoint.root),
            time: format_time(&s.checkpoint.time),
            profile: s.profile,
            key_id: s.key_id,
            signature: B64.encode(&s.signature),
            note,
        }
    }
}

impl TryFrom<SignedCheckpointJson> for SignedCheckpoint {
    type Error = LedgerError;
    fn try_from(j: SignedCheckpointJson) -> Result<Self, Self::Error> {
        let root_bytes = hex::decode(&j.root)
            .map_err(|e| LedgerError::InvalidCheckpoint(format!("root is not hex: {e}")))?;
        let root: Digest = root_bytes.as_slice().try_into().map_err(|_| {
            LedgerError::InvalidCheckpoint(format!(
                "root must be 32 bytes, got {}",
                root_bytes.len()
            ))
        })?;
        let time = DateTime::parse_from_rfc3339(&j.time)
            .map_err(|e| LedgerError::InvalidCheckpoint(format!("time {:?}: {e}", j.time)))?
            .with_timezone(&Utc);
        let signature = B64
            .decode(&j.signature)
            .map_err(|e| LedgerError::InvalidCheckpoint(format!("signature is not base64: {e}")))?;
        let checkpoint = Checkpoint {
            origin: j.origin,
            tree_size: j.tree_size,
            root,
            time,
        };
        checkpoint.validate()?;
        let signed = SignedCheckpoint {
            checkpoint: checkpoint.truncated_to_micros(),
            profile: j.profile,
            key_id: j.key_id,
            signature,
        };
        if let Some(note) = j.note {
            let from_note = SignedCheckpoint::from_note(&note)?;
            if from_note != signed {
                return Err(LedgerError::InvalidCheckpoint(
                    "note does not match the other fields".to_owned(),
                ));
            }
        }
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn cp() -> Checkpoint {
        Checkpoint {
            origin: "sirm:110105".into(),
            tree_size: 42,
            root: [7u8; 32],
            time: Utc.with_ymd_and_hms(2026, 11, 27, 3, 36, 37).unwrap()
                + chrono::Duration::nanoseconds(123_456_789),
        }
    }

    #[test]
    fn body_is_a_c2sp_checkpoint() {
        assert_eq!(
            cp().body(),
            "sirm:110105\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\ntime 2026-11-27T03:36:37.123456Z\n"
        );
    }

    #[test]
    fn sign_verify_note_round_trip() {
        let key = CryptoProfile::default().generate_signing_key();
        let pk = key.public_key();
        let s = SignedCheckpoint::sign(cp(), &key);
        assert_eq!(s.checkpoint.time.timestamp_subsec_nanos(), 123_456_000);
        s.verify(&pk).unwrap();
        let note = s.to_note();
        // The signature line: key name = origin, base64(key ID || signature).
        let line = note.lines().last().unwrap();
        let b64 = line.strip_prefix("\u{2014} sirm:110105 ").unwrap();
        let raw = B64.decode(b64).unwrap();
        assert_eq!(raw.len(), 4 + 64);
        assert_eq!(raw[..4], note_key_id("sirm:110105", &pk));
        let back = SignedCheckpoint::from_note(&note).unwrap();
        assert_eq!(back, s);
        back.verify(&pk).unwrap();
        // Cosignature lines (another key name) are tolerated, before or after.
        let cosigned = format!("{note}\u{2014} witness.example/w1 AAAAAAAA\n");
        assert_eq!(SignedCheckpoint::from_note(&cosigned).unwrap(), s);
    }

    #[test]
    fn note_key_id_follows_signed_note() {
        let key = CryptoProfile::Sha256Ed25519
            .generate_signing_key()
            .public_key();
        let mut m = b"sirm:110105\n\x01".to_vec();
        m.extend_from_slice(key.as_bytes());
        let d = Sha256::digest(&m);
        assert_eq!(note_key_id("sirm:110105", &key), [d[0], d[1], d[2], d[3]]);
    }

    #[test]
    fn tampering_is_rejected() {
        let key = CryptoProfile::default().generate_signing_key();
        let pk = key.public_key();
        let s = SignedCheckpoint::sign(cp(), &key);

        let mut t = s.clone();
        t.checkpoint.tree_size += 1;
        assert!(matches!(t.verify(&pk), Err(LedgerError::BadSignature(_))));

        let mut t = s.clone();
        t.signature[0] ^= 1;
        assert!(t.verify(&pk).is_err());

        let other = CryptoProfile::default().generate_signing_key().public_key();
        assert!(matches!(
            s.verify(&other),
            Err(LedgerError::KeyMismatch { .. })
        ));

        let note = s.to_note().replace("\n42\n", "\n43\n");
        let parsed = SignedCheckpoint::from_note(&note).unwrap();
        assert!(parsed.verify(&pk).is_err());
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let key = CryptoProfile::default().generate_signing_key();
        let note = SignedCheckpoint::sign(cp(), &key).to_note();
        for bad in [
            note.replace("\n\n", "\n"),
            format!("sirm-checkpoint v1\n{note}"),
            note.replace("\n42\n", "\n0x2a\n"),
            note.replace("\n42\n", "\n042\n"),
            note.replace(".123456Z", "Z"),
            note.replace("time ", "time  "),
            note.replace('\u{2014}', "-"),
            note.replace("\u{2014} sirm:110105", "\u{2014} other.example"),
            note.trim_end().to_owned(),
            note.replace("42\n", "42\r\n"),
            format!("{}\n", note.split("\n\n").next().unwrap_or("")),
        ] {
            assert!(
                SignedCheckpoint::from_note(&bad).is_err(),
                "accepted {bad:?}"
            );
        }
    }

    #[test]
    fn gm_checkpoints_name_their_profile() {
        let key = CryptoProfile::Sm3Sm2.generate_signing_key();
        let pk = key.public_key();
        let s = SignedCheckpoint::sign(cp(), &key);
        assert_eq!(s.profile, CryptoProfile::Sm3Sm2);
        assert_eq!(s.body(), format!("{}profile sm3-sm2\n", cp().body()));
        s.verify(&pk).unwrap();
        let note = s.to_note();
        assert!(
            note.starts_with(&format!("{}profile sm3-sm2\n\n\u{2014} ", cp().body())),
            "{note}"
        );
        let back = SignedCheckpoint::from_note(&note).unwrap();
        assert_eq!(back, s);
        back.verify(&pk).unwrap();
        // The profile line is signed: without it (read as sha256-ed25519),
        // or naming another profile, the note does not verify.
        let stripped = SignedCheckpoint::from_note(&note.replace("profile sm3-sm2\n", "")).unwrap();
        assert_eq!(stripped.profile, CryptoProfile::Sha256Ed25519);
        assert!(stripped.verify(&pk).is_err());
        for bad in [
            note.replace("profile sm3-sm2", "profile sha256-ed25519"),
            note.replace("profile sm3-sm2", "profile sm9"),
            note.replace("profile sm3-sm2", "profile  sm3-sm2"),
        ] {
            assert!(
                SignedCheckpoint::from_note(&bad).is_err(),
                "accepted {bad:?}"
            );
        }
        // An international checkpoint has no profile line.
        let intl =
            SignedCheckpoint::sign(cp(), &CryptoProfile::Sha256Ed25519.generate_signing_key());
        assert_eq!(intl.body(), cp().body());
        // JSON names the profile and agrees with the note.
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["profile"], "sm3-sm2");
        let back: SignedCheckpoint = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, s);
        let mut lying = json;
        lying["profile"] = "sha256-ed25519".into();
        assert!(serde_json::from_value::<SignedCheckpoint>(lying).is_err());
    }

    #[test]
    fn json_round_trip() {
        let key = CryptoProfile::default().generate_signing_key();
        let s = SignedCheckpoint::sign(cp(), &key);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["origin"], "sirm:110105");
        assert_eq!(json["tree_size"], 42);
        assert_eq!(json["root"], hex::encode([7u8; 32]));
        assert_eq!(json["time"], "2026-11-27T03:36:37.123456Z");
        assert_eq!(json["profile"], "sha256-ed25519");
        assert_eq!(
            json["key_id"],
            hex::encode(note_key_id("sirm:110105", &key.public_key()))
        );
        assert_eq!(json["note"], s.to_note());
        let back: SignedCheckpoint = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, s);

        let mut no_note = json.clone();
        no_note.as_object_mut().unwrap().remove("note");
        assert_eq!(
            serde_json::from_value::<SignedCheckpoint>(no_note).unwrap(),
            s
        );

        let mut lying = json;
        lying["tree_size"] = 43.into();
        assert!(serde_json::from_value::<SignedCheckpoint>(lying).is_err());
    }
}
