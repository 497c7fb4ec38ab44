//! Reading materials back, the hash re-checked whatever the storage says;
//! the stored (sealed) form for backups; scratch files.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::files::*;
use crate::AppError;

impl Archive {
    /// The path of an archived file after checking, streamed, that it still
    /// has its hash.
    pub async fn verified_path(&self, sha256: &str) -> Result<ArchivedFile, AppError> {
        use std::io::Read;
        if !valid_hash(sha256) {
            return Err(AppError::invalid(
                "sha256",
                "must be 64 lower-case hex digits",
            ));
        }
        let path = if self.remote.is_some() {
            // A local copy to stream from, checked below like any file.
            let copy = self.root.join(".cache").join(sha256);
            if !copy.exists() {
                self.fetch_to(sha256, &copy).await?;
            }
            copy
        } else {
            self.path_of(sha256)
        };
        if !path.exists() {
            return Err(AppError::not_found(
                sirm_domain::RuleId::NotFoundMaterial,
                format!("material {sha256}"),
            ));
        }
        let mut scratch = None;
        let path = match &self.sealer {
            Some(s) => {
                let t = self.scratch()?;
                s.open_file(sha256, &path, t.path())?;
                let p = t.path().to_path_buf();
                scratch = Some(t);
                p
            }
            None => path,
        };
        let mut f = std::fs::File::open(&path).map_err(|_| {
            AppError::not_found(
                sirm_domain::RuleId::NotFoundMaterial,
                format!("material {sha256}"),
            )
        })?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).map_err(|e| AppError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        if hex::encode(hasher.finalize()) != sha256 {
            return Err(AppError::File {
                path,
                message: "archived material does not match its hash (altered)".into(),
            });
        }
        Ok(ArchivedFile {
            path,
            _scratch: scratch,
        })
    }

    /// The stored bytes of an object (S3), not yet checked.
    /// The address of every file stored in the archive (backups).
    pub(crate) async fn stored_addresses(&self) -> Result<Vec<String>, AppError> {
        let mut out = Vec::new();
        if let Some(store) = &self.remote {
            use futures::TryStreamExt;
            let mut list = store.list(None);
            while let Some(meta) = list.try_next().await.map_err(remote_err)? {
                if let Some(name) = meta.location.filename() {
                    if valid_hash(name) && meta.location.as_ref() == Archive::key_of(name).as_ref()
                    {
                        out.push(name.to_owned());
                    }
                }
            }
        } else {
            let err = |p: &Path, e: std::io::Error| AppError::File {
                path: p.to_path_buf(),
                message: e.to_string(),
            };
            let level = |p: &Path| -> Result<Vec<(String, PathBuf)>, AppError> {
                match std::fs::read_dir(p) {
                    Ok(rd) => rd
                        .map(|e| {
                            let e = e.map_err(|e| err(p, e))?;
                            Ok((e.file_name().to_string_lossy().into_owned(), e.path()))
                        })
                        .collect(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
                    Err(e) => Err(err(p, e)),
                }
            };
            for (a, pa) in level(&self.root)? {
                if a.len() != 2 || !pa.is_dir() {
                    continue;
                }
                for (b, pb) in level(&pa)? {
                    if b.len() != 2 || !pb.is_dir() {
                        continue;
                    }
                    for (name, _) in level(&pb)? {
                        if valid_hash(&name) && name[..2] == a && name[2..4] == b {
                            out.push(name);
                        }
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A stored file's bytes as stored (sealed), unchecked (backups copy them
    /// as they are; a restore's verification opens them).
    pub(crate) async fn stored_bytes(&self, sha256: &str) -> Result<Vec<u8>, AppError> {
        if self.remote.is_some() {
            return self.fetch(sha256).await;
        }
        let path = self.path_of(sha256);
        std::fs::read(&path).map_err(|e| AppError::File {
            path,
            message: e.to_string(),
        })
    }

    /// Puts stored (sealed) bytes back under their address (restore).
    pub(crate) async fn put_stored(&self, sha256: &str, stored: &[u8]) -> Result<(), AppError> {
        if !valid_hash(sha256) {
            return Err(AppError::invalid(
                "archive address",
                "must be 64 lower-case hex digits",
            ));
        }
        if let Some(store) = &self.remote {
            store
                .put(&Archive::key_of(sha256), stored.to_vec().into())
                .await
                .map_err(remote_err)?;
            return Ok(());
        }
        let path = self.path_of(sha256);
        let dir = path.parent().unwrap_or(Path::new("."));
        let err = |e: std::io::Error| AppError::File {
            path: path.clone(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        std::fs::write(&path, stored).map_err(err)
    }

    /// The object (S3) holding `sha256`; not found when there is no remote
    /// store or no such object.
    async fn get_remote(&self, sha256: &str) -> Result<object_store::GetResult, AppError> {
        let missing = || {
            AppError::not_found(
                sirm_domain::RuleId::NotFoundMaterial,
                format!("material {sha256}"),
            )
        };
        let Some(store) = &self.remote else {
            return Err(missing());
        };
        store
            .get(&Archive::key_of(sha256))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => missing(),
                other => remote_err(other),
            })
    }

    pub(super) async fn fetch(&self, sha256: &str) -> Result<Vec<u8>, AppError> {
        let got = self.get_remote(sha256).await?;
        Ok(got.bytes().await.map_err(remote_err)?.to_vec())
    }

    /// An object (S3) copied to `dest` chunk by chunk, not yet checked.
    pub(super) async fn fetch_to(&self, sha256: &str, dest: &Path) -> Result<(), AppError> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let got = self.get_remote(sha256).await?;
        let dir = dest.parent().unwrap_or(Path::new("."));
        let err = |e: std::io::Error| AppError::File {
            path: dest.to_path_buf(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let part = dir.join(format!(".{sha256}.{}.part", rand_suffix()));
        let mut out = tokio::fs::File::create(&part).await.map_err(err)?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = std::fs::remove_file(&part);
                    return Err(remote_err(e));
                }
            };
            if let Err(e) = out.write_all(&chunk).await {
                let _ = std::fs::remove_file(&part);
                return Err(err(e));
            }
        }
        out.flush().await.map_err(err)?;
        drop(out);
        std::fs::rename(&part, dest).map_err(err)
    }

    /// A scratch file in the archive folder holding `bytes`, removed when dropped.
    pub fn temp_file(&self, bytes: &[u8]) -> Result<TempText, AppError> {
        let t = self.scratch()?;
        std::fs::write(t.path(), bytes).map_err(|e| AppError::File {
            path: t.path().to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(t)
    }

    /// An empty scratch file in the archive folder (e.g. for an upload
    /// streamed to disk), removed when dropped.
    pub fn scratch(&self) -> Result<TempText, AppError> {
        let err = |e: std::io::Error| AppError::File {
            path: self.root.clone(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&self.root).map_err(err)?;
        let path = self.root.join(format!(".scratch-{}.tmp", rand_suffix()));
        std::fs::File::create(&path).map_err(err)?;
        Ok(TempText { path })
    }

    /// Read a material back, checking that it still has its hash.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, AppError> {
        if !valid_hash(sha256) {
            return Err(AppError::invalid(
                "sha256",
                "must be 64 lower-case hex digits",
            ));
        }
        let path = self.path_of(sha256);
        let bytes = if self.remote.is_some() {
            self.fetch(sha256).await?
        } else {
            std::fs::read(&path).map_err(|_| {
                AppError::not_found(
                    sirm_domain::RuleId::NotFoundMaterial,
                    format!("material {sha256}"),
                )
            })?
        };
        let bytes = match &self.sealer {
            Some(s) => s.open_bytes(sha256, &bytes, &path)?,
            None => bytes,
        };
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(AppError::File {
                path,
                message: "archived material does not match its hash (altered)".into(),
            });
        }
        Ok(bytes)
    }
}
