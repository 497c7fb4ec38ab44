//! The backup manifest: which increments make up a backup of the ledger up
//! to one tree size, signed with the agency key. Stored in clear beside the
//! increments (`manifests/<tree size>-<time>.json`): it names sizes, hashes
//! and the signed checkpoint, nothing about a person.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sirm_ledger::{PublicKey, SigningKey};

use super::BackupError;

/// First field of every manifest.
pub const MANIFEST_FORMAT: &str = "sirm-backup-manifest v1";

/// One increment: an encrypted, content-addressed object holding the
/// ledger entries `first_seq..=last_seq`, the checkpoints in that range, the
/// archive files new since the previous increment, and a snapshot of the
/// state tables and the configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementRef {
    /// Object name, `increments/<sha256 of the object>.age`.
    pub object: String,
    /// SHA-256 of the stored (encrypted) object, hex.
    pub sha256: String,
    pub bytes: u64,
    /// First and last ledger entry inside (`first_seq > last_seq`: none).
    pub first_seq: u64,
    pub last_seq: u64,
    /// Keyed names of the archive files inside (not their addresses, which
    /// would let anyone holding the medium test a guessed document).
    pub blobs: Vec<String>,
}

/// A signed manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub origin: String,
    pub agency_code: String,
    pub profile: String,
    /// The agency public key, hex (as in the installation record).
    pub public_key: String,
    /// RFC 3339.
    pub created: String,
    pub tree_size: u64,
    /// Root at `tree_size`, hex.
    pub root: String,
    /// The signed checkpoint at `tree_size`, as a note.
    pub checkpoint: String,
    /// Every increment, oldest first; a restore reads them in this order.
    pub increments: Vec<IncrementRef>,
    /// The age recipients the increments are encrypted for.
    pub recipients: Vec<String>,
    /// How long the run took until the manifest was signed.
    pub milliseconds: u64,
    /// Base64 signature of the agency key over [`Manifest::signed_bytes`].
    #[serde(default)]
    pub signature: String,
}

impl Manifest {
    /// The manifest's JSON with an empty signature: what is signed.
    fn signed_bytes(&self) -> Result<Vec<u8>, BackupError> {
        let mut unsigned = self.clone();
        unsigned.signature.clear();
        serde_json::to_vec(&unsigned).map_err(|e| BackupError::Format(e.to_string()))
    }

    pub fn sign(&mut self, key: &SigningKey) -> Result<(), BackupError> {
        self.signature = B64.encode(key.sign(&self.signed_bytes()?));
        Ok(())
    }

    /// Checks that this manifest is of the installation whose public key is
    /// `key` and that the agency key signed it.
    pub fn verify(&self, name: &str, key: &PublicKey) -> Result<(), BackupError> {
        if self.format != MANIFEST_FORMAT {
            return Err(BackupError::Manifest {
                name: name.into(),
                reason: format!("format {:?}, expected {MANIFEST_FORMAT:?}", self.format),
            });
        }
        if self.public_key != key.to_hex() {
            return Err(BackupError::OtherAgency {
                name: name.into(),
                origin: self.origin.clone(),
                agency: self.agency_code.clone(),
            });
        }
        let sig = B64
            .decode(&self.signature)
            .map_err(|_| BackupError::Manifest {
                name: name.into(),
                reason: "signature is not base64".into(),
            })?;
        key.verify(&self.signed_bytes()?, &sig)
            .map_err(|_| BackupError::Manifest {
                name: name.into(),
                reason: "wrong signature: not signed by this agency's key, or altered".into(),
            })
    }

    /// `manifests/<tree size, 20 digits>-<created, digits only>.json`: names
    /// sort by tree size, then time.
    pub fn object_name(&self) -> String {
        let stamp: String = self.created.chars().filter(char::is_ascii_digit).collect();
        format!("manifests/{:020}-{stamp}.json", self.tree_size)
    }
}
