//! The archive of original materials (Art 6, 13): scanned files stored
//! content-addressed (`ab/cd/<sha256>`) in a directory under the data
//! directory (default) or in an S3-compatible bucket (`[archive]` in
//! `sirm.toml`); the ledger holds only their SHA-256. A file is written once
//! and never changed; reading it back re-checks the hash, whatever the
//! storage says. The local directory also holds scratch files (uploads in
//! progress) and, with S3, copies of files being streamed.

mod config;
mod files;
mod read;
#[cfg(test)]
mod tests;
mod write;

use std::path::PathBuf;

pub(crate) use config::s3_store;
pub use config::{ArchiveBackend, ArchiveConfig};
pub use files::{Archive, ArchivedFile, Incoming, TempText, MAX_MATERIAL_BYTES, MEDIA_TYPES};

use crate::AppError;

impl Archive {
    /// A directory archive at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Archive {
        Archive {
            root: root.into(),
            remote: None,
            sealer: None,
        }
    }

    /// The archive `cfg` describes; `root` is the local directory.
    pub fn from_config(root: impl Into<PathBuf>, cfg: &ArchiveConfig) -> Result<Archive, AppError> {
        let root = root.into();
        if cfg.backend == ArchiveBackend::Directory {
            return Ok(Archive::new(root));
        }
        let bad = |m: &str| AppError::Config {
            path: PathBuf::from("sirm.toml"),
            message: format!("[archive] {m}"),
        };
        let bucket = cfg
            .bucket
            .as_deref()
            .ok_or_else(|| bad("bucket: required for backend = \"s3\""))?;
        let store = s3_store(
            bucket,
            cfg.region.as_deref(),
            cfg.endpoint.as_deref(),
            cfg.access_key_id.as_deref(),
            "SIRM_ARCHIVE_SECRET_ACCESS_KEY",
        )
        .map_err(|m| bad(&m))?;
        Ok(Archive {
            root,
            remote: Some(std::sync::Arc::new(store)),
            sealer: None,
        })
    }

    /// The archive sealing what it stores under `sealer`.
    pub fn with_sealer(mut self, sealer: super::archive_seal::Sealer) -> Archive {
        self.sealer = Some(sealer);
        self
    }

    fn key_of(sha256: &str) -> object_store::path::Path {
        object_store::path::Path::from(format!("{}/{}/{}", &sha256[..2], &sha256[2..4], sha256))
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root
            .join(&sha256[..2])
            .join(&sha256[2..4])
            .join(sha256)
    }
}
