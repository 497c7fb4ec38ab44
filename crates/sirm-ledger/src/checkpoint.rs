//! Signed checkpoints: (origin, tree size, root, time) signed by the ledger
//! key, in a text form like C2SP signed notes.
//!
//! The signed text names the crypto profile: a checkpoint of any profile but
//! `sha256-ed25519` has one more body line, `profile <name>` (e.g.
//! `profile sm3-sm2`), after the time. A `sha256-ed25519` body has no such
//! line, so every checkpoint signed before profiles had names still
//! verifies byte for byte; the JSON form always has a `profile` field.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};

use crate::entry::format_time;
use crate::{CryptoProfile, Digest, LedgerError, PublicKey, SigningKey};

/// First line of every checkpoint body.
pub const CHECKPOINT_HEADER: &str = "sirm-checkpoint v1";

/// Prefix of a signature line in a note (em dash and a space, as in C2SP).
const SIG_PREFIX: &str = "\u{2014} ";

/// Prefix of the body line that names the profile.
const PROFILE_PREFIX: &str = "profile ";

/// The profile a body without a `profile` line uses (the original one).
const UNNAMED_PROFILE: CryptoProfile = CryptoProfile::Sha256Ed25519;

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

/// Parses [`signed_body`] strictly.
fn parse_signed_body(body: &str) -> Result<(Checkpoint, CryptoProfile), LedgerError> {
    let text = body.strip_suffix('\n').unwrap_or(body);
    if let Some(pos) = text.rfind('\n') {
        if let Some(name) = text[pos + 1..].strip_prefix(PROFILE_PREFIX) {
            let profile = CryptoProfile::from_name(name)?;
            if profile == UNNAMED_PROFILE {
                return Err(LedgerError::InvalidCheckpoint(format!(
                    "a {UNNAMED_PROFILE} checkpoint body has no profile line"
                )));
            }
            return Ok((Checkpoint::parse_body(&body[..=pos])?, profile));
        }
    }
    Ok((Checkpoint::parse_body(body)?, UNNAMED_PROFILE))
}

/// What a checkpoint commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which ledger, e.g. `sirm:110105`. One line, not empty.
    pub origin: String,
    /// Number of entries covered.
    pub tree_size: u64,
    /// Merkle root of the first `tree_size` entries.
    pub root: Digest,
    /// When the checkpoint was made (microsecond precision in the body).
    pub time: DateTime<Utc>,
}

impl Checkpoint {
    /// The signed text:
    /// `sirm-checkpoint v1\n{origin}\n{tree_size}\n{base64 root}\n{time RFC 3339 µs Z}\n`.
    pub fn body(&self) -> String {
        format!(
            "{CHECKPOINT_HEADER}\n{}\n{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            B64.encode(self.root),
            format_time(&self.time)
        )
    }

    /// Parses [`Checkpoint::body`] strictly (it must re-encode to the same text).
    pub fn parse_body(body: &str) -> Result<Self, LedgerError> {
        let bad = |m: &str| LedgerError::InvalidCheckpoint(m.to_owned());
        let Some(text) = body.strip_suffix('\n') else {
            return Err(bad("checkpoint body must end with a newline"));
        };
        let lines: Vec<&str> = text.split('\n').collect();
        let [header, origin, size, root, time] = lines.as_slice() else {
            return Err(bad("checkpoint body must have exactly 5 lines"));
        };
        if *header != CHECKPOINT_HEADER {
            return Err(bad(
                "checkpoint body must start with \"sirm-checkpoint v1\"",
            ));
        }
        let tree_size: u64 = size.parse().map_err(|_| {
            LedgerError::InvalidCheckpoint(format!("tree size {size:?} is not a number"))
        })?;
        let root_bytes = B64
            .decode(root)
            .map_err(|e| LedgerError::InvalidCheckpoint(format!("root is not base64: {e}")))?;
        let root: Digest = root_bytes.as_slice().try_into().map_err(|_| {
            LedgerError::InvalidCheckpoint(format!(
                "root must be 32 bytes, got {}",
                root_bytes.len()
            ))
        })?;
        let time = DateTime::parse_from_rfc3339(time)
            .map_err(|e| LedgerError::InvalidCheckpoint(format!("time {time:?}: {e}")))?
            .with_timezone(&Utc);
        let cp = Checkpoint {
            origin: (*origin).to_owned(),
            tree_size,
            root,
            time,
        };
        cp.validate()?;
        if cp.body() != body {
            return Err(bad("checkpoint body is not in canonical form"));
        }
        Ok(cp)
    }

    fn validate(&self) -> Result<(), LedgerError> {
        if self.origin.is_empty() || self.origin.contains('\n') || self.origin.trim() != self.origin
        {
            return Err(LedgerError::InvalidCheckpoint(format!(
                "origin {:?} must be one non-empty line without surrounding spaces",
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

/// A checkpoint with the ledger key's signature over its [`Checkpoint::body`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "SignedCheckpointJson", try_from = "SignedCheckpointJson")]
pub struct SignedCheckpoint {
    /// What is signed.
    pub checkpoint: Checkpoint,
    /// Hash and signature scheme.
    pub profile: CryptoProfile,
    /// [`PublicKey::key_id`] of the signer.
    pub key_id: String,
    /// Signature over the body.
    pub signature: Vec<u8>,
}

impl SignedCheckpoint {
    /// The signed text: [`Checkpoint::body`], and for every profile but
    /// `sha256-ed25519` a last line `profile <name>` (e.g. `profile sm3-sm2`).
    pub fn body(&self) -> String {
        signed_body(&self.checkpoint, self.profile)
    }

    /// Signs `cp` (its time is truncated to microseconds first so the body
    /// and the struct agree).
    pub fn sign(cp: Checkpoint, key: &SigningKey) -> Self {
        let checkpoint = cp.truncated_to_micros();
        let signature = key.sign(signed_body(&checkpoint, key.profile()).as_bytes());
        SignedCheckpoint {
            checkpoint,
            profile: key.profile(),
            key_id: key.public_key().key_id(),
            signature,
        }
    }

    /// Checks profile, key id and signature against `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), LedgerError> {
        if self.profile != key.profile() {
            return Err(LedgerError::BadSignature(format!(
                "checkpoint uses profile {}, key is {}",
                self.profile,
                key.profile()
            )));
        }
        let expected = key.key_id();
        if self.key_id != expected {
            return Err(LedgerError::KeyMismatch {
                expected,
                found: self.key_id.clone(),
            });
        }
        self.checkpoint.validate()?;
        key.verify(self.body().as_bytes(), &self.signature)
    }

    /// The text an auditor keeps: body (with its `profile` line, if any),
    /// blank line, `— {key_id} {base64 sig}\n`.
    pub fn to_note(&self) -> String {
        format!(
            "{}\n{SIG_PREFIX}{} {}\n",
            self.body(),
            self.key_id,
            B64.encode(&self.signature)
        )
    }

    /// Parses [`SignedCheckpoint::to_note`]. The first signature line is the
    /// ledger's; further well-formed signature lines (e.g. witness
    /// cosignatures) are ignored here. The profile is the one the body's
    /// `profile` line names, `sha256-ed25519` without one.
    pub fn from_note(s: &str) -> Result<Self, LedgerError> {
        let Some(split) = s.find("\n\n") else {
            return Err(LedgerError::InvalidCheckpoint(
                "note must have a blank line between body and signatures".to_owned(),
            ));
        };
        let (checkpoint, profile) = parse_signed_body(&s[..=split])?;
        let sigs = &s[split + 2..];
        let Some(sigs) = sigs.strip_suffix('\n') else {
            return Err(LedgerError::InvalidCheckpoint(
                "note must end with a newline".to_owned(),
            ));
        };
        let mut first = None;
        for line in sigs.split('\n') {
            let parsed = parse_sig_line(line)?;
            if first.is_none() {
                first = Some(parsed);
            }
        }
        let Some((key_id, signature)) = first else {
            return Err(LedgerError::InvalidCheckpoint(
                "note has no signature".to_owned(),
            ));
        };
        Ok(SignedCheckpoint {
            checkpoint,
            profile,
            key_id,
            signature,
        })
    }
}

fn parse_sig_line(line: &str) -> Result<(String, Vec<u8>), LedgerError> {
    let bad = || {
        LedgerError::InvalidCheckpoint(format!(
            "bad signature line {line:?} (expected \"— <key id> <base64>\")"
        ))
    };
    let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(bad)?;
    let (key_id, sig) = rest.split_once(' ').ok_or_else(bad)?;
    if key_id.is_empty() || sig.contains(' ') {
        return Err(bad());
    }
    let sig = B64
        .decode(sig)
        .map_err(|e| LedgerError::InvalidCheckpoint(format!("signature is not base64: {e}")))?;
    Ok((key_id.to_owned(), sig))
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
    fn body_format() {
        assert_eq!(
            cp().body(),
            "sirm-checkpoint v1\nsirm:110105\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n2026-11-27T03:36:37.123456Z\n"
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
        assert!(note.contains(&format!("\n\n\u{2014} {} ", pk.key_id())));
        let back = SignedCheckpoint::from_note(&note).unwrap();
        assert_eq!(back, s);
        back.verify(&pk).unwrap();
        // Extra cosignature lines are tolerated.
        let cosigned = format!("{note}\u{2014} witness AAAA\n");
        assert_eq!(SignedCheckpoint::from_note(&cosigned).unwrap(), s);
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
            note.replace("sirm-checkpoint v1", "sirm-checkpoint v2"),
            note.replace("\n42\n", "\n0x2a\n"),
            note.replace("\n42\n", "\n042\n"),
            note.replace(".123456Z", "Z"),
            note.replace('\u{2014}', "-"),
            note.trim_end().to_owned(),
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
        // The default profile is never named; unknown ones are refused.
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
        // An international checkpoint's body is unchanged: no profile line.
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
        assert_eq!(json["key_id"], key.public_key().key_id());
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
