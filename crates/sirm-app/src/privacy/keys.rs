//! The key files of personal-data protection (docs/privacy.md):
//!
//! ```text
//! keys/index.key   sirm-index-key v1 <profile> <hex>          the blind-index key
//! keys/kek.key     sirm-kek v1 <profile> <kek id> <hex>       key-encryption keys,
//!                  (one line each; the first is current)      newest first
//! ```
//!
//! Both files are 0600 and never in the database. A key-encryption key's id
//! is derived from the key itself, so a file from another installation or
//! profile is recognised before anything is decrypted.

use std::path::{Path, PathBuf};

use sirm_ledger::{CryptoProfile, SecretKey};
use zeroize::Zeroizing;

use crate::AppError;

const INDEX_HEADER: &str = "sirm-index-key";
const KEK_HEADER: &str = "sirm-kek";
const VERSION: &str = "v1";

/// One key-encryption key with its id.
#[derive(Clone, Debug)]
pub struct Kek {
    pub id: String,
    pub key: SecretKey,
}

impl Kek {
    /// A fresh key-encryption key.
    pub fn generate(profile: CryptoProfile) -> Kek {
        let key = SecretKey::generate();
        Kek {
            id: kek_id(profile, &key),
            key,
        }
    }
}

/// `kek-` and 8 hex digits of a keyed hash of a fixed label under the key:
/// names the key without revealing anything about it.
pub fn kek_id(profile: CryptoProfile, key: &SecretKey) -> String {
    let d = profile.keyed_hash(key, b"sirm key-encryption key id");
    format!("kek-{}", hex::encode(&d[..4]))
}

/// Fingerprint of the index key (`idx-` and 8 hex digits), recorded in the
/// database so that an index key of another installation is refused.
pub fn index_fingerprint(profile: CryptoProfile, key: &SecretKey) -> String {
    let d = profile.keyed_hash(key, b"sirm index key fingerprint");
    format!("idx-{}", hex::encode(&d[..4]))
}

fn err(path: &Path, message: impl Into<String>) -> AppError {
    AppError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn read(path: &Path, what: &str) -> Result<Zeroizing<String>, AppError> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                err(path, format!("{what} file is missing"))
            } else {
                err(path, e.to_string())
            }
        })
}

fn parse_hex_key(path: &Path, hex_text: &str) -> Result<SecretKey, AppError> {
    let bytes =
        Zeroizing::new(hex::decode(hex_text).map_err(|_| err(path, "the key is not hexadecimal"))?);
    SecretKey::from_bytes(&bytes).map_err(|e| err(path, e.to_string()))
}

fn check_profile(path: &Path, found: &str, expected: CryptoProfile) -> Result<(), AppError> {
    if found != expected.name() {
        return Err(err(
            path,
            format!(
                "key of profile {found}, but this installation uses {}",
                expected.name()
            ),
        ));
    }
    Ok(())
}

/// Reads `keys/index.key`.
pub fn read_index_key(path: &Path, profile: CryptoProfile) -> Result<SecretKey, AppError> {
    let text = read(path, "index key")?;
    let parts: Vec<&str> = text.split_whitespace().collect();
    match parts.as_slice() {
        [INDEX_HEADER, VERSION, p, hex_text] => {
            check_profile(path, p, profile)?;
            parse_hex_key(path, hex_text)
        }
        _ => Err(err(
            path,
            format!("not an index key file (expected `{INDEX_HEADER} {VERSION} <profile> <hex>`)"),
        )),
    }
}

/// Reads `keys/kek.key`: every key-encryption key, current first.
pub fn read_keks(path: &Path, profile: CryptoProfile) -> Result<Vec<Kek>, AppError> {
    let text = read(path, "key-encryption key")?;
    let mut keks = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [KEK_HEADER, VERSION, p, id, hex_text] => {
                check_profile(path, p, profile)?;
                let key = parse_hex_key(path, hex_text)?;
                if kek_id(profile, &key) != *id {
                    return Err(err(
                        path,
                        format!("line {}: the key does not match its id {id}", i + 1),
                    ));
                }
                keks.push(Kek {
                    id: (*id).to_string(),
                    key,
                });
            }
            _ => {
                return Err(err(
                    path,
                    format!(
                        "line {}: not a key-encryption key (expected `{KEK_HEADER} {VERSION} <profile> <id> <hex>`)",
                        i + 1
                    ),
                ))
            }
        }
    }
    if keks.is_empty() {
        return Err(err(path, "holds no key-encryption key"));
    }
    Ok(keks)
}

/// The text of `keys/index.key`.
pub fn index_key_text(profile: CryptoProfile, key: &SecretKey) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "{INDEX_HEADER} {VERSION} {} {}\n",
        profile.name(),
        hex::encode(key.expose())
    ))
}

/// The text of `keys/kek.key` (current first).
pub fn keks_text(profile: CryptoProfile, keks: &[Kek]) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::new());
    for k in keks {
        s.push_str(&format!(
            "{KEK_HEADER} {VERSION} {} {} {}\n",
            profile.name(),
            k.id,
            hex::encode(k.key.expose())
        ));
    }
    s
}

/// Writes a key file atomically (temporary file 0600, fsync, rename): a
/// crash leaves the old file or the new one, never half of one.
pub fn write_key_file(path: &Path, text: &str) -> Result<(), AppError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e.to_string()))?;
    let tmp: PathBuf = path.with_extension("key.new");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(|e| err(&tmp, e.to_string()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| err(&tmp, e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| err(path, e.to_string()))
}
