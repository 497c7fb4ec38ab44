//! The archive of original materials (Art 6, 13): scanned files stored
//! content-addressed (`ab/cd/<sha256>`) in a directory under the data
//! directory (default) or in an S3-compatible bucket (`[archive]` in
//! `sirm.toml`); the ledger holds only their SHA-256. A file is written once
//! and never changed; reading it back re-checks the hash, whatever the
//! storage says. The local directory also holds scratch files (uploads in
//! progress) and, with S3, copies of files being streamed.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sirm_domain::records::Material;

use crate::AppError;

/// Largest accepted material.
pub const MAX_MATERIAL_BYTES: usize = 20 * 1024 * 1024;

/// Media types a reviewer's browser can show inline.
pub const MEDIA_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg"];

/// `[archive]` in `sirm.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveConfig {
    /// `directory` (default) or `s3`.
    #[serde(default)]
    pub backend: ArchiveBackend,
    /// S3: bucket name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// S3: endpoint URL of an S3-compatible service, e.g. `http://127.0.0.1:9000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// S3: region (default `us-east-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// S3: access key id. The secret key comes from the environment
    /// variable `SIRM_ARCHIVE_SECRET_ACCESS_KEY`, never from this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

/// An S3-compatible bucket (AWS or `endpoint`); with `access_key_id`, the
/// secret key comes from the environment variable `secret_env`, never from
/// a file. Used by the archive and by backup destinations.
pub(crate) fn s3_store(
    bucket: &str,
    region: Option<&str>,
    endpoint: Option<&str>,
    access_key_id: Option<&str>,
    secret_env: &str,
) -> Result<object_store::aws::AmazonS3, String> {
    let mut b = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(region.unwrap_or("us-east-1"));
    if let Some(e) = endpoint {
        b = b
            .with_endpoint(e)
            .with_allow_http(e.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    if let Some(k) = access_key_id {
        let secret = std::env::var(secret_env)
            .map_err(|_| format!("access_key_id is set: put the secret key in {secret_env}"))?;
        b = b.with_access_key_id(k).with_secret_access_key(secret);
    }
    b.build().map_err(|e| e.to_string())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveBackend {
    #[default]
    Directory,
    S3,
}

#[derive(Clone, Debug)]
pub struct Archive {
    /// The archive directory (directory backend), and scratch space (both).
    root: PathBuf,
    remote: Option<std::sync::Arc<dyn object_store::ObjectStore>>,
    /// Seals what is stored (docs/privacy.md); `None` only when opened
    /// without keys (nothing is stored or read then).
    sealer: Option<super::archive_seal::Sealer>,
}

/// An archived file checked against its hash, in clear for reading: the
/// file itself, or (sealed archive) a scratch copy removed when this is
/// dropped. On Unix a reader opened on it keeps reading after the drop.
pub struct ArchivedFile {
    path: PathBuf,
    _scratch: Option<TempText>,
}

impl ArchivedFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn remote_err(e: impl std::fmt::Display) -> AppError {
    AppError::File {
        path: PathBuf::from("s3"),
        message: e.to_string(),
    }
}

fn sniff(bytes: &[u8]) -> Option<&'static str> {
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

fn clean_name(name: &str) -> String {
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

fn valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

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
            AppError::invalid("material", format!("{name}: not a PDF, PNG or JPEG file"))
        })?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        self.write(&sha256, bytes).await?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size: bytes.len() as u64,
        })
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
        let sha256 = hex::encode(Sha256::digest(bytes));
        self.write(&sha256, bytes).await?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size: bytes.len() as u64,
        })
    }

    async fn write(&self, sha256: &str, bytes: &[u8]) -> Result<(), AppError> {
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
    async fn commit(&self, tmp: &Path, sha256: &str) -> Result<(), AppError> {
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
            AppError::invalid("material", format!("{name}: not a PDF, PNG or JPEG file"))
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
            return Err(AppError::NotFound(format!("material {sha256}")));
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
        let mut f = std::fs::File::open(&path)
            .map_err(|_| AppError::NotFound(format!("material {sha256}")))?;
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

    async fn fetch(&self, sha256: &str) -> Result<Vec<u8>, AppError> {
        let Some(store) = &self.remote else {
            return Err(AppError::NotFound(format!("material {sha256}")));
        };
        let got = store
            .get(&Archive::key_of(sha256))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    AppError::NotFound(format!("material {sha256}"))
                }
                other => remote_err(other),
            })?;
        Ok(got.bytes().await.map_err(remote_err)?.to_vec())
    }

    /// An object (S3) copied to `dest` chunk by chunk, not yet checked.
    async fn fetch_to(&self, sha256: &str, dest: &Path) -> Result<(), AppError> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let Some(store) = &self.remote else {
            return Err(AppError::NotFound(format!("material {sha256}")));
        };
        let got = store
            .get(&Archive::key_of(sha256))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    AppError::NotFound(format!("material {sha256}"))
                }
                other => remote_err(other),
            })?;
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
            std::fs::read(&path).map_err(|_| AppError::NotFound(format!("material {sha256}")))?
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

/// An upload arriving chunk by chunk (see [`Archive::incoming`]).
#[derive(Debug)]
pub struct Incoming {
    tmp: TempText,
    file: tokio::io::BufWriter<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    /// The first bytes (the media type is read from them).
    head: Vec<u8>,
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
    path: PathBuf,
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

fn rand_suffix() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        let pdf = b"%PDF-1.4 demo".to_vec();
        let m = a.put("身份证.pdf", &pdf).await.unwrap();
        assert_eq!(m.media_type, "application/pdf");
        assert_eq!(a.get(&m.sha256).await.unwrap(), pdf);
        // Same content, same address.
        assert_eq!(a.put("copy.pdf", &pdf).await.unwrap().sha256, m.sha256);
        assert!(a.put("x.exe", b"MZ\x90\x00").await.is_err());
        assert!(a.put("empty.pdf", b"").await.is_err());
        assert!(a.get("../../etc/passwd").await.is_err());
        // An altered archive file is detected.
        std::fs::write(a.path_of(&m.sha256), b"%PDF-1.4 forged").unwrap();
        assert!(a.get(&m.sha256).await.is_err());
    }

    #[tokio::test]
    async fn incoming_is_hashed_while_written_and_stored_like_put() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        let body: Vec<u8> = b"%PDF-1.7 "
            .iter()
            .copied()
            .chain((0..300_000u32).map(|i| (i % 251) as u8))
            .collect();
        let mut inc = a.incoming().await.unwrap();
        for chunk in body.chunks(7919) {
            inc.write(chunk).await.unwrap();
        }
        assert_eq!(inc.size(), body.len() as u64);
        assert_eq!(inc.sha256(), hex::encode(Sha256::digest(&body)));
        let scratch = inc.path().to_path_buf();
        let m = a.put_incoming("扫描件.pdf", inc).await.unwrap();
        assert_eq!(m.media_type, "application/pdf");
        assert_eq!(m.size, body.len() as u64);
        assert_eq!(a.get(&m.sha256).await.unwrap(), body);
        assert!(!scratch.exists(), "the scratch file is moved, not copied");
        // Refusals: empty, and a file that is not a scan.
        let inc = a.incoming().await.unwrap();
        let scratch = inc.path().to_path_buf();
        assert!(a.put_incoming("empty.pdf", inc).await.is_err());
        assert!(!scratch.exists(), "a refused upload leaves no scratch file");
        let mut inc = a.incoming().await.unwrap();
        inc.write(b"MZ\x90\x00").await.unwrap();
        let e = a.put_incoming("x.exe", inc).await.unwrap_err();
        assert!(e.to_string().contains("not a PDF"), "{e}");
    }
}
