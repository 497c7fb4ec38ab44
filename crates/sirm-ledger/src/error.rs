//! The one error type of this crate.

/// Everything that can go wrong in `sirm-ledger`.
///
/// Messages are plain English and meant to be shown to an operator as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A crypto profile name that this build does not know.
    #[error("unknown crypto profile {0:?} (known: \"sha256-ed25519\", \"sm3-sm2\")")]
    UnknownProfile(String),

    /// A key file or public key text that cannot be read.
    #[error("invalid key text: {0}")]
    InvalidKey(String),

    /// A sealed value that does not open (wrong key, altered bytes, wrong owner).
    #[error("sealed value does not open: {0}")]
    Unseal(String),

    /// A signature that does not verify (or is malformed).
    #[error("invalid signature: {0}")]
    BadSignature(String),

    /// An entry that cannot be built or decoded.
    #[error("invalid entry: {0}")]
    InvalidEntry(String),

    /// A float somewhere in a payload; money and quantities are decimal strings.
    #[error("floating-point number at {path} (money and quantities must be decimal strings)")]
    FloatInPayload {
        /// JSON path of the offending value, e.g. `$.items[2].amount`.
        path: String,
    },

    /// Text that is not valid JSON of the expected shape.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),

    /// A stream name other than `business` or `security`.
    #[error("unknown stream {0:?} (expected \"business\" or \"security\")")]
    UnknownStream(String),

    /// A request for a proof that makes no sense (index out of range, sizes reversed...).
    #[error("invalid proof request: {0}")]
    InvalidProofRequest(String),

    /// A Merkle proof that does not verify.
    #[error("proof does not verify: {0}")]
    ProofFailed(String),

    /// A serialized frontier that does not fit its tree size.
    #[error("invalid frontier: {0}")]
    InvalidFrontier(String),

    /// A checkpoint or signed note that cannot be parsed.
    #[error("invalid checkpoint: {0}")]
    InvalidCheckpoint(String),

    /// A checkpoint signed by a different key than the one it is checked against.
    #[error("checkpoint signed by key {found}, expected key {expected}")]
    KeyMismatch {
        /// Key id the verifier expected.
        expected: String,
        /// Key id named by the checkpoint.
        found: String,
    },
}
