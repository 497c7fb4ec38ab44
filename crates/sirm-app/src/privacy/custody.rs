//! Keys as an operation (docs/privacy.md, "Keys"): status, rotation of the
//! key-encryption key, and splitting the keys among custodians (Shamir's
//! secret sharing, `sharks`) and restoring them. Every operation that
//! changes or exports a key is a security event.

use crate::AuditEvent;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_ledger::{CryptoProfile, SecretKey};
use zeroize::Zeroizing;

use super::keys::{self, Kek};
use super::Vault;
use crate::{AppError, Principal, Sirm};

const SHARE_HEADER: &str = "sirm-key-share";
const SHARE_VERSION: &str = "v1";

/// What `sirm keys status` prints.
#[derive(Clone, Debug, Serialize)]
pub struct KeyStatus {
    pub profile: String,
    pub field_cipher: String,
    pub signing_key_id: String,
    pub index_key: String,
    pub index_key_file: String,
    /// Key-encryption keys in the key file, current first.
    pub keks: Vec<String>,
    pub kek_file: String,
    /// What the database expects (`index`, `kek`).
    pub registry: Vec<(String, String)>,
    /// Data keys per key-encryption key: (kek id, keys, erased).
    pub data_keys: Vec<(String, i64, i64)>,
}

/// Rotation result.
#[derive(Clone, Debug, Serialize)]
pub struct Rotation {
    pub old: String,
    pub new: String,
    pub rewrapped: u64,
}

impl Sirm {
    /// Which keys there are and what they protect. No secret is shown.
    pub async fn key_status(&self) -> Result<KeyStatus, AppError> {
        let vault = self.vault()?;
        let modified = |p: PathBuf| {
            let when = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .map(|t| {
                    chrono::DateTime::<chrono::Utc>::from(t)
                        .format("%Y-%m-%d %H:%M UTC")
                        .to_string()
                })
                .unwrap_or_else(|_| "?".into());
            format!("{} (written {when})", p.display())
        };
        Ok(KeyStatus {
            profile: vault.profile().name().to_string(),
            field_cipher: vault.profile().field_cipher_name().to_string(),
            signing_key_id: self.public_key.key_id(),
            index_key: vault.index_fingerprint(),
            index_key_file: modified(self.dir.index_key_path()),
            keks: vault.keks().iter().map(|k| k.id.clone()).collect(),
            kek_file: modified(self.dir.kek_path()),
            registry: self.store.key_registry().await?,
            data_keys: self.store.person_key_counts().await?,
        })
    }

    /// Re-wraps every data key under a new key-encryption key, without
    /// touching the ledger or any sealed field. Crash-safe: the key file
    /// holds the new and the old key until every data key is re-wrapped
    /// (a second run finishes the job), then only the new one.
    pub async fn rotate_kek(&mut self, who: &Principal) -> Result<Rotation, AppError> {
        self.authorize(who, Permission::SecurityConfig).await?;
        let profile = self.vault()?.profile();
        let old = self.vault()?.current_kek().id.clone();
        let new = Kek::generate(profile);
        let new_id = new.id.clone();
        {
            let vault = self
                .vault
                .as_mut()
                .ok_or_else(|| AppError::KeyMissing("no keys".into()))?;
            vault.push_current(new);
            vault.write_keks(&self.dir)?;
        }
        let now = chrono::Utc::now().timestamp_micros();
        self.store.set_key_registry("kek", &new_id, now).await?;
        let mut rewrapped = 0u64;
        let mut after = String::new();
        loop {
            let rows = self.store.person_keys_after(&after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after = last.person_id.clone();
            let vault = self.vault()?;
            let mut by_kek: std::collections::BTreeMap<String, Vec<(String, String)>> =
                Default::default();
            for row in &rows {
                let (Some(w), true) = (&row.wrapped, row.kek_id != new_id) else {
                    continue;
                };
                // A blind index, or the archive's label.
                let dek = vault.unwrap_label(&row.person_id, w, &row.kek_id)?;
                let (wrapped, _) = vault.wrap_label(&row.person_id, &dek);
                by_kek
                    .entry(row.kek_id.clone())
                    .or_default()
                    .push((row.person_id.clone(), wrapped));
            }
            for (kek, batch) in by_kek {
                rewrapped += self.store.rewrap_person_keys(&batch, &kek, &new_id).await?;
            }
        }
        // Staff accounts' TOTP secrets are sealed under the key-encryption
        // key too: sealed anew under the new one.
        for (username, stored) in self.store.totp_secrets().await? {
            let vault = self.vault()?;
            if super::Vault::secret_kek(&stored) == Some(new_id.as_str()) {
                continue;
            }
            let label = format!("totp:{username}");
            let plain = vault.open_secret(&label, &stored)?;
            let fresh = vault.seal_secret(&label, &plain);
            self.store
                .reseal_totp_secret(&username, &stored, &fresh)
                .await?;
        }
        {
            let vault = self
                .vault
                .as_mut()
                .ok_or_else(|| AppError::KeyMissing("no keys".into()))?;
            vault.retire_old();
            vault.write_keks(&self.dir)?;
        }
        let detail = format!(
            "key-encryption key {old} replaced by {new_id}; {rewrapped} data keys re-wrapped; the ledger is unchanged"
        );
        self.audit(AuditEvent::on(who, "keys", "keys.rotate").success(detail))
            .await?;
        Ok(Rotation {
            old,
            new: new_id,
            rewrapped,
        })
    }

    /// Splits the index key and the current key-encryption key into `n`
    /// shares, any `k` of which restore them; writes one file per share
    /// (0600) into `out`. Refused while a rotation is unfinished.
    pub async fn export_key_shares(
        &self,
        who: &Principal,
        n: u8,
        k: u8,
        out: &Path,
    ) -> Result<Vec<PathBuf>, AppError> {
        self.authorize(who, Permission::SecurityConfig).await?;
        if k < 2 || n < k {
            return Err(AppError::invalid(
                "threshold",
                format!("need 2 ≤ threshold ≤ shares, got {k} of {n}"),
            ));
        }
        let vault = self.vault()?;
        if vault.keks().len() != 1 {
            return Err(AppError::conflict(
                "a key rotation is unfinished (keys/kek.key holds more than one key); run `sirm keys rotate` again first",
            ));
        }
        let mut secret = Zeroizing::new(Vec::with_capacity(64));
        secret.extend_from_slice(vault.index_key().expose());
        secret.extend_from_slice(vault.current_kek().key.expose());
        let sharks = sharks::Sharks(k);
        let dealer = sharks.dealer(&secret);
        std::fs::create_dir_all(out).map_err(|e| AppError::File {
            path: out.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut files = Vec::new();
        for (i, share) in dealer.take(usize::from(n)).enumerate() {
            let bytes = Zeroizing::new(Vec::from(&share));
            let text = Zeroizing::new(format!(
                "{SHARE_HEADER} {SHARE_VERSION} {} {} {} {} {k}-of-{n} {} {}\n",
                vault.profile().name(),
                self.config.origin,
                vault.index_fingerprint(),
                vault.current_kek().id,
                i + 1,
                hex::encode(&*bytes)
            ));
            let path = out.join(format!("sirm-key-share-{}-of-{n}.txt", i + 1));
            if path.exists() {
                return Err(AppError::File {
                    path,
                    message: "exists; refusing to overwrite a share".into(),
                });
            }
            keys::write_key_file(&path, &text)?;
            files.push(path);
        }
        let detail = format!(
            "index key {} and key-encryption key {} split into {n} shares, {k} needed, written to {}",
            vault.index_fingerprint(),
            vault.current_kek().id,
            out.display()
        );
        self.audit(AuditEvent::on(who, "keys", "keys.export").success(detail))
            .await?;
        Ok(files)
    }
}

/// One parsed share file.
struct ShareFile {
    profile: String,
    origin: String,
    index_fp: String,
    kek_id: String,
    threshold: u8,
    share: sharks::Share,
}

fn parse_share(path: &Path) -> Result<ShareFile, AppError> {
    let err = |m: String| AppError::File {
        path: path.to_path_buf(),
        message: m,
    };
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?);
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [SHARE_HEADER, SHARE_VERSION, profile, origin, index_fp, kek_id, k_of_n, _i, hex_text] =
        parts.as_slice()
    else {
        return Err(err(format!(
            "not a key share (expected `{SHARE_HEADER} {SHARE_VERSION} <profile> <origin> <idx-…> <kek-…> <k>-of-<n> <i> <hex>`)"
        )));
    };
    let threshold: u8 = k_of_n
        .split_once("-of-")
        .and_then(|(k, _)| k.parse().ok())
        .ok_or_else(|| err(format!("bad threshold {k_of_n:?}")))?;
    let bytes =
        Zeroizing::new(hex::decode(hex_text).map_err(|_| err("share is not hexadecimal".into()))?);
    let share = sharks::Share::try_from(bytes.as_slice()).map_err(|e| err(e.to_string()))?;
    Ok(ShareFile {
        profile: (*profile).to_string(),
        origin: (*origin).to_string(),
        index_fp: (*index_fp).to_string(),
        kek_id: (*kek_id).to_string(),
        threshold,
        share,
    })
}

/// Restores `keys/index.key` and `keys/kek.key` from custodians' shares:
/// every share must come from this installation and the same export, at
/// least the threshold of them; the restored keys must match what the
/// database expects. Existing key files are never overwritten. Returns
/// (index fingerprint, kek id).
pub async fn import_key_shares(
    opts: &crate::OpenOptions,
    shares: &[PathBuf],
) -> Result<(String, String), AppError> {
    let dir = &opts.data_dir;
    let config = dir.read_config()?;
    let profile = CryptoProfile::from_name(&config.profile)?;
    let parsed: Vec<ShareFile> = shares
        .iter()
        .map(|p| parse_share(p))
        .collect::<Result<_, _>>()?;
    let first = parsed
        .first()
        .ok_or_else(|| AppError::invalid("shares", "name the share files"))?;
    for (p, s) in shares.iter().zip(&parsed) {
        if s.profile != config.profile || s.origin != config.origin {
            return Err(AppError::File {
                path: p.clone(),
                message: format!(
                    "a share of {} ({}), but this installation is {} ({})",
                    s.origin, s.profile, config.origin, config.profile
                ),
            });
        }
        if (s.index_fp.as_str(), s.kek_id.as_str())
            != (first.index_fp.as_str(), first.kek_id.as_str())
        {
            return Err(AppError::File {
                path: p.clone(),
                message: "belongs to another export than the first share".into(),
            });
        }
    }
    if parsed.len() < usize::from(first.threshold) {
        return Err(AppError::invalid(
            "shares",
            format!("{} shares given, {} needed", parsed.len(), first.threshold),
        ));
    }
    let secret = Zeroizing::new(
        sharks::Sharks(first.threshold)
            .recover(parsed.iter().map(|s| &s.share))
            .map_err(|e| AppError::invalid("shares", e))?,
    );
    if secret.len() != 64 {
        return Err(AppError::invalid(
            "shares",
            "the shares do not combine into SIRM keys",
        ));
    }
    let index_key = SecretKey::from_bytes(&secret[..32])?;
    let kek_key = SecretKey::from_bytes(&secret[32..])?;
    let kek = Kek {
        id: keys::kek_id(profile, &kek_key),
        key: kek_key,
    };
    let vault = Vault::new(profile, index_key, vec![kek]);
    if vault.index_fingerprint() != first.index_fp || vault.current_kek().id != first.kek_id {
        return Err(AppError::invalid(
            "shares",
            "the shares do not combine into the keys they name (a damaged or mixed share)",
        ));
    }
    // The database must expect exactly these keys.
    let store =
        sirm_store::Store::connect(&opts.store_config(Some(&config)), sirm_store::Role::App)
            .await?;
    let registry: std::collections::BTreeMap<String, String> =
        store.key_registry().await?.into_iter().collect();
    store.close().await;
    if registry.get("index") != Some(&vault.index_fingerprint())
        || registry.get("kek") != Some(&vault.current_kek().id)
    {
        return Err(AppError::invalid(
            "shares",
            format!(
                "the restored keys ({}, {}) are not the ones this database expects ({}, {})",
                vault.index_fingerprint(),
                vault.current_kek().id,
                registry.get("index").map(String::as_str).unwrap_or("none"),
                registry.get("kek").map(String::as_str).unwrap_or("none")
            ),
        ));
    }
    vault.write_new(dir)?;
    Ok((vault.index_fingerprint(), vault.current_kek().id.clone()))
}
