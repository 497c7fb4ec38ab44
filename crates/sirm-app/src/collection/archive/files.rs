//! The archive handle and the files it hands out: an archived file opened
//! for reading, an upload arriving chunk by chunk, a scratch file; and the
//! small checks every operation shares (media type, name, hash).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::AppError;

/// Largest accepted material.
pub const MAX_MATERIAL_BYTES: usize = 20 * 1024 * 1024;

/// Media types a reviewer's browser can show inline.
pub const MEDIA_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg"];

#[derive(Clone, Debug)]
pub struct Archive {
    /// The archive directory (directory backend), and scratch space (both).
    pub(super) root: PathBuf,
    pub(super) remote: Option<std::sync::Arc<dyn object_store::ObjectStore>>,
    /// Seals what is stored (docs/privacy.md); `None` only when opened
    /// without keys (nothing is stored or read then).
    pub(super) sealer: Option<crate::collection::archive_seal::Sealer>,
}

/// An archived file checked against its hash, in clear for reading: the
/// file itself, or (sealed archive) a scratch copy removed when this is
/// dropped. On Unix a reader opened on it keeps reading after the drop.
pub struct ArchivedFile {
    pub(super) path: PathBuf,
    pub(super) _scratch: Option<TempText>,
}

impl ArchivedFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

pub(super) fn remote_err(e: impl std::fmt::Display) -> AppError {
    AppError::File {
        path: PathBuf::from("s3"),
        message: e.to_string(),
    }
}

pub(super) fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

pub(super) fn clean_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(120)
        .collect();
    if clean.trim().is_empty() {
        "material".into()
    } else {
        clean
    }
}

pub(super) fn valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An upload arriving chunk by chunk (see [`Archive::incoming`]).
#[derive(Debug)]
pub struct Incoming {
    pub(super) tmp: TempText,
    pub(super) file: tokio::io::BufWriter<tokio::fs::File>,
    pub(super) hasher: Sha256,
    pub(super) size: u64,
    /// The first bytes (the media type is read from them).
    pub(super) head: Vec<u8>,
}

impl Incoming {
    /// Append a chunk.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        use tokio::io::AsyncWriteExt;
        if self.head.len() < 8 {
            let n = (8 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| AppError::File {
                path: self.tmp.path().to_path_buf(),
                message: e.to_string(),
            })
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flush to disk (done by `put_incoming`; call it before reading `path`).
    pub async fn finish(&mut self) -> Result<(), AppError> {
        use tokio::io::AsyncWriteExt;
        let err = |e: std::io::Error| AppError::File {
            path: self.tmp.path().to_path_buf(),
            message: e.to_string(),
        };
        self.file.flush().await.map_err(err)?;
        self.file.get_ref().sync_all().await.map_err(err)
    }

    /// The scratch file (complete after [`Incoming::finish`]).
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// The SHA-256 of what was written so far.
    pub fn sha256(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }
}

/// A scratch file removed on drop.
#[derive(Debug)]
pub struct TempText {
    pub(super) path: PathBuf,
}

impl TempText {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempText {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub(super) fn rand_suffix() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}
