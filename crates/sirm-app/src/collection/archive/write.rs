//! Storing materials: from bytes, from a file, or from an upload arriving
//! chunk by chunk; each written once under its SHA-256, sealed.

use sirm_domain::RuleId;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};
use sirm_domain::records::Material;

use super::files::*;
use crate::AppError;

impl Archive {
    /// Store a scanned file. The media type is taken from the file's content
    /// (PDF, PNG, JPEG), not from what the browser claims.
    pub async fn put(&self, name: &str, bytes: &[u8]) -> Result<Material, AppError> {
        if bytes.is_empty() {
            return Err(AppError::invalid(
                "material",
                format!("{name}: the file is empty"),
            ));
        }
        if bytes.len() > MAX_MATERIAL_BYTES {
            return Err(AppError::invalid(
                "material",
                format!(
                    "{name}: {} bytes is more than the {} MiB allowed",
                    bytes.len(),
                    MAX_MATERIAL_BYTES / 1024 / 1024
                ),
            ));
        }
        let media_type = sniff(bytes).ok_or_else(|| {
            AppError::invalid_by(
                "material",
                RuleId::MaterialsType,
                format!("{name}: not a PDF, PNG or JPEG file"),
            )
        })?;
        self.store_as(name, bytes, media_type).await
    }

    /// Store a data file (e.g. a declaration CSV) as it is; `media_type`
    /// says what it is. Same addressing and write-once rules as `put`.
    pub async fn put_data(
        &self,
        name: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Material, AppError> {
        if bytes.is_empty() {
            return Err(AppError::invalid(
                "file",
                format!("{name}: the file is empty"),
            ));
        }
        self.store_as(name, bytes, media_type).await
    }

    /// Write `bytes` under their SHA-256 and describe them as a material.
    async fn store_as(
        &self,
        name: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Material, AppError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        self.write(&sha256, bytes).await?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size: bytes.len() as u64,
        })
    }

    pub(super) async fn write(&self, sha256: &str, bytes: &[u8]) -> Result<(), AppError> {
        let sealed;
        let bytes = match &self.sealer {
            Some(s) => {
                sealed = s.seal_bytes(sha256, bytes);
                sealed.as_slice()
            }
            None => bytes,
        };
        if let Some(store) = &self.remote {
            let key = Archive::key_of(sha256);
            // Write once: an object already there is the same content.
            if store.head(&key).await.is_ok() {
                return Ok(());
            }
            store
                .put(&key, bytes.to_vec().into())
                .await
                .map_err(remote_err)?;
            return Ok(());
        }
        let path = self.path_of(sha256);
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let err = |e: std::io::Error| AppError::File {
            path: dir.to_path_buf(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let tmp = dir.join(format!(".{sha256}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }

    /// Store a data file from disk, streamed (memory does not grow with
    /// the file): hashed while copied into the archive, then renamed to its
    /// address. Same write-once rule as `put`.
    pub async fn put_file(
        &self,
        name: &str,
        src: &Path,
        media_type: &str,
    ) -> Result<Material, AppError> {
        use std::io::Read;
        let err = |p: &Path| {
            let p = p.to_path_buf();
            move |e: std::io::Error| AppError::File {
                path: p.clone(),
                message: e.to_string(),
            }
        };
        std::fs::create_dir_all(&self.root).map_err(err(&self.root))?;
        let mut input = std::fs::File::open(src).map_err(err(src))?;
        let tmp = self.root.join(format!(".upload-{}.tmp", rand_suffix()));
        let mut out = std::fs::File::create(&tmp).map_err(err(&tmp))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = input.read(&mut buf).map_err(err(src))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(err(&tmp))?;
            size += n as u64;
        }
        out.sync_all().map_err(err(&tmp))?;
        drop(out);
        if size == 0 {
            let _ = std::fs::remove_file(&tmp);
            return Err(AppError::invalid(
                "file",
                format!("{name}: the file is empty"),
            ));
        }
        let sha256 = hex::encode(hasher.finalize());
        self.commit(&tmp, &sha256).await?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size,
        })
    }

    /// Move a complete, hashed scratch file to its address: renamed into
    /// the directory, or streamed to the bucket (memory bounded by the
    /// upload buffer, not the file). The scratch file is gone afterwards.
    pub(super) async fn commit(&self, tmp: &Path, sha256: &str) -> Result<(), AppError> {
        let err = |p: &Path| {
            let p = p.to_path_buf();
            move |e: std::io::Error| AppError::File {
                path: p.clone(),
                message: e.to_string(),
            }
        };
        // Sealed before it reaches its address; the clear scratch file goes.
        let sealed_tmp;
        let tmp = match &self.sealer {
            Some(s) => {
                let t = self.root.join(format!(".sealed-{}.tmp", rand_suffix()));
                let r = s.seal_file(sha256, tmp, &t);
                let _ = std::fs::remove_file(tmp);
                if let Err(e) = r {
                    let _ = std::fs::remove_file(&t);
                    return Err(e);
                }
                sealed_tmp = t;
                sealed_tmp.as_path()
            }
            None => tmp,
        };
        if let Some(store) = &self.remote {
            let key = Archive::key_of(sha256);
            // Write once: an object already there is the same content.
            if store.head(&key).await.is_err() {
                use tokio::io::AsyncWriteExt;
                let mut input = tokio::fs::File::open(tmp).await.map_err(err(tmp))?;
                let mut w = object_store::buffered::BufWriter::new(store.clone(), key);
                let copied = tokio::io::copy(&mut input, &mut w).await;
                if let Err(e) = copied {
                    let _ = w.abort().await;
                    let _ = std::fs::remove_file(tmp);
                    return Err(remote_err(e));
                }
                w.shutdown().await.map_err(remote_err)?;
            }
            let _ = std::fs::remove_file(tmp);
            return Ok(());
        }
        let path = self.path_of(sha256);
        if path.exists() {
            let _ = std::fs::remove_file(tmp);
        } else {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(err(dir))?;
            std::fs::rename(tmp, &path).map_err(err(&path))?;
        }
        Ok(())
    }

    /// A file arriving (an upload), written to a scratch file chunk by
    /// chunk and hashed on the way: memory holds one chunk, not the file.
    /// Store it with [`Archive::put_incoming`]; dropped, it is removed.
    pub async fn incoming(&self) -> Result<Incoming, AppError> {
        let tmp = self.scratch()?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(tmp.path())
            .await
            .map_err(|e| AppError::File {
                path: tmp.path().to_path_buf(),
                message: e.to_string(),
            })?;
        Ok(Incoming {
            file: tokio::io::BufWriter::with_capacity(1 << 16, file),
            tmp,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(8),
        })
    }

    /// Store an arrived scanned material (see [`Archive::put`]): the media
    /// type from its first bytes, at most [`MAX_MATERIAL_BYTES`], at its
    /// content address.
    pub async fn put_incoming(&self, name: &str, mut file: Incoming) -> Result<Material, AppError> {
        file.finish().await?;
        if file.size == 0 {
            return Err(AppError::invalid(
                "material",
                format!("{name}: the file is empty"),
            ));
        }
        if file.size > MAX_MATERIAL_BYTES as u64 {
            return Err(AppError::invalid(
                "material",
                format!(
                    "{name}: {} bytes is more than the {} MiB allowed",
                    file.size,
                    MAX_MATERIAL_BYTES / 1024 / 1024
                ),
            ));
        }
        let media_type = sniff(&file.head).ok_or_else(|| {
            AppError::invalid_by(
                "material",
                RuleId::MaterialsType,
                format!("{name}: not a PDF, PNG or JPEG file"),
            )
        })?;
        let sha256 = hex::encode(std::mem::take(&mut file.hasher).finalize());
        self.commit(file.tmp.path(), &sha256).await?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size: file.size,
        })
    }
}
