//! SIRM ledger: canonical entry encoding, RFC 6962 Merkle tree, inclusion and
//! consistency proofs, signed checkpoints and a streaming verifier.
//!
//! # Invariants
//!
//! * **This crate knows no database.** Storage code feeds it values (entries,
//!   leaf hashes, frontiers, checkpoints) and stores what it returns.
//! * **Hashing and signing go through [`CryptoProfile`] only.** No other
//!   module calls a hash function or a signature scheme directly: the
//!   international profile (`sha256-ed25519`) and the 国密 profile
//!   (`sm3-sm2`: SM3, SM2, HMAC-SM3, SM4-GCM) are two enum variants.
//!
//! # Code map
//!
//! * [`crypto`]: [`CryptoProfile`], [`SigningKey`], [`PublicKey`].
//! * [`entry`]: [`EntryDraft`], [`Entry`], [`Entry::leaf_bytes`], [`canonical_json`].
//! * [`merkle`]: [`Frontier`], [`root_of`], inclusion and consistency proofs
//!   (from all leaves, or from the roots of perfect [`Subtree`]s).
//! * [`checkpoint`]: [`Checkpoint`], [`SignedCheckpoint`] (signed-note text and JSON).
//! * [`verify`]: [`Verifier`], [`VerifyReport`], [`Finding`].

pub mod checkpoint;
pub mod cosign;
pub mod crypto;
pub mod entry;
mod error;
pub mod fields;
pub mod merkle;
pub mod verify;

pub use checkpoint::{note_key_id, split_note, Checkpoint, SignedCheckpoint};
pub use cosign::{WitnessKey, WitnessVerifier};
pub use crypto::{CryptoProfile, PublicKey, SigningKey};
pub use entry::{canonical_json, format_time, Entry, EntryDraft, Stream, LEAF_VERSION};
pub use error::LedgerError;
pub use fields::SecretKey;
pub use merkle::{
    consistency_proof, consistency_proof_from, inclusion_proof, inclusion_proof_from, root_from,
    root_of, verify_consistency, verify_inclusion, Frontier, Subtree, SubtreeRecorder,
    SubtreeSource,
};
pub use verify::{CheckpointSource, Finding, Verifier, VerifyReport};

/// A hash value (32 bytes for every profile so far).
pub type Digest = [u8; 32];
