//! `sirm verify`'s projection pass: every projection table compared with a
//! replay of the ledger (`sirm_store::Store::check_projections`). Payment
//! runs, certificates and queries read projections, and projection tables
//! are writable by the application role; this pass is how a scheduled
//! check finds a row someone edited, deleted or added behind SIRM's back.

use std::path::Path;

pub use sirm_store::{DifferenceKind, KeyPart, ProjectionCheck, ProjectionDifference};

use crate::{AppError, Sirm};

impl Sirm {
    /// Compare every projection table with a replay of the ledger. The
    /// replay goes to a scratch SQLite file in a new temporary directory
    /// under `scratch_dir` (default: the system's temporary directory,
    /// `$TMPDIR`), removed afterwards; it takes about as much disk as the
    /// projections, and memory stays bounded whatever their size.
    pub async fn verify_projections(
        &self,
        scratch_dir: Option<&Path>,
    ) -> Result<ProjectionCheck, AppError> {
        let base = scratch_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("sirm-verify-")
            .tempdir_in(&base)
            .map_err(|e| AppError::File {
                path: base.clone(),
                message: format!("cannot create the projection check's scratch directory: {e}"),
            })?;
        let check = self
            .store
            .check_projections(&dir.path().join("replayed.db"))
            .await;
        // Removed whatever the outcome (also on error).
        drop(dir);
        Ok(check?)
    }
}
