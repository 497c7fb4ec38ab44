//! The archive of original materials (Art 6, 13): scanned files stored
//! content-addressed (`archive/ab/cd/<sha256>`) under the data directory;
//! the ledger holds only their SHA-256. A file is written once and never
//! changed; reading it back re-checks the hash.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sirm_domain::records::Material;

use crate::AppError;

/// Largest accepted material.
pub const MAX_MATERIAL_BYTES: usize = 20 * 1024 * 1024;

/// Media types a reviewer's browser can show inline.
pub const MEDIA_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg"];

#[derive(Clone, Debug)]
pub struct Archive {
    root: PathBuf,
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
    pub fn new(root: impl Into<PathBuf>) -> Archive {
        Archive { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root
            .join(&sha256[..2])
            .join(&sha256[2..4])
            .join(sha256)
    }

    /// Store a scanned file. The media type is taken from the file's content
    /// (PDF, PNG, JPEG), not from what the browser claims.
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result<Material, AppError> {
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
        self.write(&sha256, bytes)?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size: bytes.len() as u64,
        })
    }

    /// Store a data file (e.g. a declaration CSV) as it is; `media_type`
    /// says what it is. Same addressing and write-once rules as `put`.
    pub fn put_data(
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
        self.write(&sha256, bytes)?;
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size: bytes.len() as u64,
        })
    }

    fn write(&self, sha256: &str, bytes: &[u8]) -> Result<(), AppError> {
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
    pub fn put_file(&self, name: &str, src: &Path, media_type: &str) -> Result<Material, AppError> {
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
        let path = self.path_of(&sha256);
        if path.exists() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(err(dir))?;
            std::fs::rename(&tmp, &path).map_err(err(&path))?;
        }
        Ok(Material {
            sha256,
            name: clean_name(name),
            media_type: media_type.to_string(),
            size,
        })
    }

    /// The path of an archived file after checking, streamed, that it still
    /// has its hash.
    pub fn verified_path(&self, sha256: &str) -> Result<PathBuf, AppError> {
        use std::io::Read;
        if !valid_hash(sha256) {
            return Err(AppError::invalid(
                "sha256",
                "must be 64 lower-case hex digits",
            ));
        }
        let path = self.path_of(sha256);
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
        Ok(path)
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
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, AppError> {
        if !valid_hash(sha256) {
            return Err(AppError::invalid(
                "sha256",
                "must be 64 lower-case hex digits",
            ));
        }
        let path = self.path_of(sha256);
        let bytes =
            std::fs::read(&path).map_err(|_| AppError::NotFound(format!("material {sha256}")))?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(AppError::File {
                path,
                message: "archived material does not match its hash (altered)".into(),
            });
        }
        Ok(bytes)
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

    #[test]
    fn put_get_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        let pdf = b"%PDF-1.4 demo".to_vec();
        let m = a.put("身份证.pdf", &pdf).unwrap();
        assert_eq!(m.media_type, "application/pdf");
        assert_eq!(a.get(&m.sha256).unwrap(), pdf);
        // Same content, same address.
        assert_eq!(a.put("copy.pdf", &pdf).unwrap().sha256, m.sha256);
        assert!(a.put("x.exe", b"MZ\x90\x00").is_err());
        assert!(a.put("empty.pdf", b"").is_err());
        assert!(a.get("../../etc/passwd").is_err());
        // An altered archive file is detected.
        std::fs::write(a.path_of(&m.sha256), b"%PDF-1.4 forged").unwrap();
        assert!(a.get(&m.sha256).is_err());
    }
}
