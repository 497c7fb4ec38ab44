//! Personal data protected by design (docs/privacy.md).
//!
//! * A person is named everywhere by their **blind index**
//!   ([`PersonKey`]): a keyed hash of the ID number under the index key.
//! * Directly identifying fields are **sealed** ([`Sealed`]) under the
//!   person's own data key, with the blind index and the field name as
//!   associated data; data keys are stored only wrapped under the
//!   key-encryption key (`person_key` table). Both keys live in `keys/`.
//! * This module is the **one place** that seals and opens. Use cases that
//!   show a record to someone entitled to it call it; nothing else does.

pub mod aliases;
pub mod check;
pub mod custody;
pub mod id_change;
pub mod keys;
pub mod reveal;

use base64::Engine as _;
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::records::{PersonChange, PersonChangeDetails, PersonDetails, PersonRegistration};
use sirm_domain::sealed::{Sealed, SEALED_PREFIX};
use sirm_ledger::{CryptoProfile, SecretKey};

pub use keys::Kek;
pub use reveal::PersonView;

use crate::{AppError, DataDir, Sirm};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;

/// Field names used as associated data.
pub mod field {
    pub const ID_NUMBER: &str = "id_number";
    pub const NAME: &str = "name";
    pub const ADDRESS: &str = "address";
    pub const PHONE: &str = "phone";
    pub const CERTIFICATE: &str = "certificate";
    pub const MATERIAL: &str = "material";
}

/// The keys of one installation, loaded from `keys/`.
#[derive(Clone)]
pub struct Vault {
    profile: CryptoProfile,
    index_key: SecretKey,
    /// Current first.
    keks: Vec<Kek>,
    /// ID-number aliases (shared by every clone and keyer of this vault).
    aliases: aliases::AliasCell,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("profile", &self.profile)
            .field("keks", &self.keks.iter().map(|k| &k.id).collect::<Vec<_>>())
            .finish()
    }
}

impl Vault {
    pub fn new(profile: CryptoProfile, index_key: SecretKey, keks: Vec<Kek>) -> Vault {
        Vault {
            profile,
            index_key,
            keks,
            aliases: Default::default(),
        }
    }

    /// Fresh keys for a new installation.
    pub fn generate(profile: CryptoProfile) -> Vault {
        Vault::new(profile, SecretKey::generate(), vec![Kek::generate(profile)])
    }

    /// Reads `keys/index.key` and `keys/kek.key`.
    pub fn load(dir: &DataDir, profile: CryptoProfile) -> Result<Vault, AppError> {
        Ok(Vault::new(
            profile,
            keys::read_index_key(&dir.index_key_path(), profile)?,
            keys::read_keks(&dir.kek_path(), profile)?,
        ))
    }

    /// Writes both key files (new installation; refuses to overwrite).
    pub fn write_new(&self, dir: &DataDir) -> Result<(), AppError> {
        for p in [dir.index_key_path(), dir.kek_path()] {
            if p.exists() {
                return Err(AppError::File {
                    path: p,
                    message: "a key already exists here; refusing to overwrite it".into(),
                });
            }
        }
        keys::write_key_file(
            &dir.index_key_path(),
            &keys::index_key_text(self.profile, &self.index_key),
        )?;
        self.write_keks(dir)
    }

    /// Rewrites `keys/kek.key` with the key-encryption keys held now.
    pub fn write_keks(&self, dir: &DataDir) -> Result<(), AppError> {
        keys::write_key_file(&dir.kek_path(), &keys::keks_text(self.profile, &self.keks))
    }

    pub fn profile(&self) -> CryptoProfile {
        self.profile
    }

    pub fn index_fingerprint(&self) -> String {
        keys::index_fingerprint(self.profile, &self.index_key)
    }

    pub fn current_kek(&self) -> &Kek {
        // `load` and `new` callers always hold at least one.
        &self.keks[0]
    }

    pub fn keks(&self) -> &[Kek] {
        &self.keks
    }

    pub fn index_key(&self) -> &SecretKey {
        &self.index_key
    }

    /// Puts a new current key-encryption key in front (rotation).
    pub fn push_current(&mut self, kek: Kek) {
        self.keks.insert(0, kek);
    }

    /// Forgets every key-encryption key but the current one.
    pub fn retire_old(&mut self) {
        self.keks.truncate(1);
    }

    /// The blind index a person is kept under, found by any of their ID
    /// numbers: the number's own blind index, or — when the number is one
    /// a person changed to (`person.id_changed`) — the blind index they
    /// were registered under. The one place aliases are resolved
    /// (`privacy/aliases.rs`); every look-up path goes through here, or
    /// through [`Keyer::person_key`], which resolves the same way.
    pub fn person_key(&self, id: &ResidentId) -> PersonKey {
        self.aliases.resolve(self.blind_index(id))
    }

    /// The blind index of an ID number itself (no alias resolution): what
    /// an ID-number change records as the new alias.
    pub fn blind_index(&self, id: &ResidentId) -> PersonKey {
        PersonKey::from_digest(
            &self
                .profile
                .keyed_hash(&self.index_key, id.as_str().as_bytes()),
        )
    }

    /// Wraps a data key under the current key-encryption key, bound to its person.
    pub fn wrap(&self, pk: &PersonKey, dek: &SecretKey) -> (String, String) {
        self.wrap_label(pk.as_str(), dek)
    }

    /// Wraps a data key bound to `label` (a blind index, or `archive`).
    pub fn wrap_label(&self, label: &str, dek: &SecretKey) -> (String, String) {
        let kek = self.current_kek();
        let sealed = self
            .profile
            .seal(&kek.key, wrap_aad(label).as_bytes(), dek.expose());
        (B64.encode(sealed), kek.id.clone())
    }

    /// Unwraps a data key wrapped under any key-encryption key held.
    pub fn unwrap(
        &self,
        pk: &PersonKey,
        wrapped: &str,
        kek_id: &str,
    ) -> Result<SecretKey, AppError> {
        self.unwrap_label(pk.as_str(), wrapped, kek_id)
    }

    /// Unwraps a data key bound to `label`.
    pub fn unwrap_label(
        &self,
        label: &str,
        wrapped: &str,
        kek_id: &str,
    ) -> Result<SecretKey, AppError> {
        let short = label.get(..10).unwrap_or(label);
        let kek = self.keks.iter().find(|k| k.id == kek_id).ok_or_else(|| {
            AppError::KeyMissing(format!(
                "the data key of {short} is wrapped under {kek_id}, which keys/kek.key does not hold"
            ))
        })?;
        let bytes = B64.decode(wrapped).map_err(|_| {
            AppError::KeyMissing(format!("wrapped data key of {short} is not base64"))
        })?;
        let dek = self
            .profile
            .open(&kek.key, wrap_aad(label).as_bytes(), &bytes)
            .map_err(|_| {
                AppError::KeyMissing(format!(
                    "the data key of {short} does not open with {kek_id} (wrong key file?)"
                ))
            })?;
        Ok(SecretKey::from_bytes(&dek)?)
    }

    /// Seals a small secret that is not a person's (a staff account's TOTP
    /// secret) under the current key-encryption key, bound to `label`:
    /// `sealed-secret:v1:<kek id>:<base64>` (剩余信息/数据保密性: no second
    /// factor in clear in the database or its backups).
    pub fn seal_secret(&self, label: &str, secret: &[u8]) -> String {
        let kek = self.current_kek();
        let sealed = self
            .profile
            .seal(&kek.key, secret_aad(label).as_bytes(), secret);
        format!("{SECRET_PREFIX}{}:{}", kek.id, B64.encode(sealed))
    }

    /// Opens what [`Vault::seal_secret`] sealed for `label`.
    pub fn open_secret(
        &self,
        label: &str,
        stored: &str,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, AppError> {
        let fail = |why: &str| AppError::KeyMissing(format!("the sealed secret of {label}: {why}"));
        let rest = stored
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| fail("not sealed"))?;
        let (kek_id, body) = rest.split_once(':').ok_or_else(|| fail("malformed"))?;
        let kek = self.keks.iter().find(|k| k.id == kek_id).ok_or_else(|| {
            fail(&format!(
                "sealed under {kek_id}, which keys/kek.key does not hold"
            ))
        })?;
        let bytes = B64.decode(body).map_err(|_| fail("not base64"))?;
        self.profile
            .open(&kek.key, secret_aad(label).as_bytes(), &bytes)
            .map_err(|_| fail("does not open (wrong key file?)"))
    }

    /// The key-encryption key a sealed secret is under (`None`: not sealed).
    pub fn secret_kek(stored: &str) -> Option<&str> {
        stored
            .strip_prefix(SECRET_PREFIX)?
            .split_once(':')
            .map(|(k, _)| k)
    }

    /// Seals one field of one person.
    pub fn seal(
        &self,
        dek: &SecretKey,
        pk: &PersonKey,
        field: &str,
        text: &[u8],
    ) -> Result<Sealed, AppError> {
        let sealed = self
            .profile
            .seal(dek, field_aad(pk, field).as_bytes(), text);
        Sealed::parse(&format!("{SEALED_PREFIX}{}", B64.encode(sealed)))
            .map_err(|e| AppError::invalid(field.to_string(), e))
    }

    /// A registration as the clerk entered it, sealed under `dek` (the
    /// person's data key): the one place the registration's fields are sealed.
    pub fn seal_details(
        &self,
        dek: &SecretKey,
        d: &PersonDetails,
    ) -> Result<PersonRegistration, AppError> {
        let pk = self.person_key(&d.id);
        Ok(PersonRegistration {
            id_number: self.seal(dek, &pk, field::ID_NUMBER, d.id.as_str().as_bytes())?,
            name: self.seal(dek, &pk, field::NAME, d.name.trim().as_bytes())?,
            address: self.seal(dek, &pk, field::ADDRESS, d.address.trim().as_bytes())?,
            phone: self.seal(dek, &pk, field::PHONE, d.phone.trim().as_bytes())?,
            gender: d.id.gender(),
            birth_date: d.id.birth_date(),
            registered_on: d.registered_on,
            id: pk,
        })
    }

    /// Opens one field of one person.
    pub fn open(
        &self,
        dek: &SecretKey,
        pk: &PersonKey,
        field: &str,
        sealed: &str,
    ) -> Result<String, AppError> {
        let fail = || AppError::Unsealed(format!("{field} of {}", pk.short()));
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(fail)?;
        let bytes = B64.decode(body).map_err(|_| fail())?;
        let plain = self
            .profile
            .open(dek, field_aad(pk, field).as_bytes(), &bytes)
            .map_err(|_| fail())?;
        String::from_utf8(plain.to_vec()).map_err(|_| fail())
    }
}

/// Prefix of a secret sealed by [`Vault::seal_secret`].
pub const SECRET_PREFIX: &str = "sealed-secret:v1:";

fn secret_aad(label: &str) -> String {
    format!("sirm secret\n{label}")
}

fn wrap_aad(label: &str) -> String {
    format!("sirm data key\n{label}")
}

/// The label of the archive's data key in `person_key` (not a blind index).
pub const ARCHIVE_KEY_LABEL: &str = "archive";

/// The archive's sealer: its data key, made on first use and kept wrapped
/// in `person_key` under [`ARCHIVE_KEY_LABEL`] (so rotation re-wraps it).
pub async fn archive_sealer(
    store: &sirm_store::Store,
    vault: &Vault,
) -> Result<crate::collection::archive_seal::Sealer, AppError> {
    if store.person_key(ARCHIVE_KEY_LABEL).await?.is_none() {
        let (wrapped, kek) = vault.wrap_label(ARCHIVE_KEY_LABEL, &SecretKey::generate());
        store
            .insert_person_keys(
                &[(ARCHIVE_KEY_LABEL.to_string(), wrapped, kek)],
                chrono::Utc::now().timestamp_micros(),
            )
            .await?;
    }
    let row = store
        .person_key(ARCHIVE_KEY_LABEL)
        .await?
        .ok_or_else(|| AppError::KeyMissing("the archive key is missing".into()))?;
    let wrapped = row
        .wrapped
        .ok_or_else(|| AppError::KeyMissing("the archive key was destroyed".into()))?;
    Ok(crate::collection::archive_seal::Sealer {
        profile: vault.profile(),
        key: vault.unwrap_label(ARCHIVE_KEY_LABEL, &wrapped, &row.kek_id)?,
    })
}

fn field_aad(pk: &PersonKey, field: &str) -> String {
    format!("sirm field\n{pk}\n{field}")
}

/// Computes blind indexes without the rest of the vault (for streaming
/// work that runs off the request, e.g. a declaration file's rows).
#[derive(Clone)]
pub struct Keyer {
    profile: CryptoProfile,
    index_key: SecretKey,
    aliases: aliases::AliasCell,
}

impl Keyer {
    /// As [`Vault::person_key`]: aliases resolved.
    pub fn person_key(&self, id: &ResidentId) -> PersonKey {
        self.aliases.resolve(PersonKey::from_digest(
            &self
                .profile
                .keyed_hash(&self.index_key, id.as_str().as_bytes()),
        ))
    }
}

impl Vault {
    pub fn keyer(&self) -> Keyer {
        Keyer {
            profile: self.profile,
            index_key: self.index_key.clone(),
            aliases: self.aliases.clone(),
        }
    }

    pub(crate) fn aliases(&self) -> &aliases::AliasCell {
        &self.aliases
    }
}

/// A person's data key, or why there is none.
pub enum DataKey {
    Key(SecretKey),
    /// Destroyed by an erasure: the fields stay sealed for ever.
    Erased,
}

impl Sirm {
    /// The installation's keys; `None` when opened read-only (verification
    /// needs no key).
    pub fn vault(&self) -> Result<&Vault, AppError> {
        self.vault.as_ref().ok_or_else(|| {
            AppError::KeyMissing("this command runs without the personal-data keys".into())
        })
    }

    /// The blind index of an ID number.
    pub fn person_key(&self, id: &ResidentId) -> Result<PersonKey, AppError> {
        Ok(self.vault()?.person_key(id))
    }

    /// The data key of a person; with `create`, made (and stored wrapped)
    /// when the person has none yet. The first key stored wins a race.
    pub async fn data_key(
        &self,
        pk: &PersonKey,
        create: bool,
    ) -> Result<Option<DataKey>, AppError> {
        let vault = self.vault()?;
        if let Some(row) = self.store.person_key(pk.as_str()).await? {
            return Ok(Some(match row.wrapped {
                Some(w) => DataKey::Key(vault.unwrap(pk, &w, &row.kek_id)?),
                None => DataKey::Erased,
            }));
        }
        if !create {
            return Ok(None);
        }
        let dek = SecretKey::generate();
        let (wrapped, kek_id) = vault.wrap(pk, &dek);
        self.store
            .insert_person_keys(
                &[(pk.as_str().to_string(), wrapped, kek_id)],
                chrono::Utc::now().timestamp_micros(),
            )
            .await?;
        Box::pin(self.data_key(pk, false)).await
    }

    /// The data key of a person who must have one that is not erased.
    pub(crate) async fn live_data_key(
        &self,
        pk: &PersonKey,
        create: bool,
    ) -> Result<SecretKey, AppError> {
        match self.data_key(pk, create).await? {
            Some(DataKey::Key(k)) => Ok(k),
            Some(DataKey::Erased) => Err(AppError::conflict(format!(
                "the personal data of {} was erased",
                pk.short()
            ))),
            None => Err(AppError::not_found(
                sirm_domain::RuleId::NotFoundPerson,
                format!("person {}", pk.short()),
            )),
        }
    }

    /// Seals a registration as the clerk entered it.
    pub async fn seal_registration(
        &self,
        d: &PersonDetails,
    ) -> Result<PersonRegistration, AppError> {
        // Every check before the person's data key is made: a refused
        // registration leaves nothing behind.
        d.validate().map_err(AppError::invalid_record)?;
        sirm_domain::records::check_not_future(
            "registered_on",
            d.registered_on,
            crate::clock::today(),
        )
        .map_err(AppError::invalid_record)?;
        if d.registered_on < d.id.birth_date() {
            return Err(AppError::invalid_by(
                "registered_on",
                sirm_domain::RuleId::DateOrder,
                "is before the birth date in the ID number",
            ));
        }
        let vault = self.vault()?;
        let dek = self.live_data_key(&vault.person_key(&d.id), true).await?;
        vault.seal_details(&dek, d)
    }

    /// Seals a change of details as the clerk entered it.
    pub async fn seal_change(&self, d: &PersonChangeDetails) -> Result<PersonChange, AppError> {
        d.validate().map_err(AppError::invalid_record)?;
        let vault = self.vault()?;
        let pk = vault.person_key(&d.id);
        let dek = self.live_data_key(&pk, false).await?;
        let seal = |f: &str, v: &Option<String>| {
            v.as_ref()
                .map(|v| vault.seal(&dek, &pk, f, v.trim().as_bytes()))
                .transpose()
        };
        Ok(PersonChange {
            name: seal(field::NAME, &d.name)?,
            address: seal(field::ADDRESS, &d.address)?,
            phone: seal(field::PHONE, &d.phone)?,
            effective_on: d.effective_on,
            reason: d.reason.clone(),
            id: pk,
        })
    }

    /// Seals arbitrary bytes of a person (certificate contents, scans).
    pub async fn seal_for(
        &self,
        pk: &PersonKey,
        field: &str,
        bytes: &[u8],
    ) -> Result<Sealed, AppError> {
        let dek = self.live_data_key(pk, false).await?;
        self.vault()?.seal(&dek, pk, field, bytes)
    }

    /// Opens what [`Sirm::seal_for`] sealed.
    pub async fn open_for(
        &self,
        pk: &PersonKey,
        field: &str,
        sealed: &str,
    ) -> Result<String, AppError> {
        let dek = self.live_data_key(pk, false).await?;
        self.vault()?.open(&dek, pk, field, sealed)
    }
}

/// The key registry in the database must name the keys in `keys/`: the
/// index key's fingerprint, and a current key-encryption key that the key
/// file holds. A database without a registry (just initialised by an older
/// step) gets one now.
pub async fn check_registry(
    store: &sirm_store::Store,
    dir: &DataDir,
    vault: &Vault,
) -> Result<(), AppError> {
    let reg: std::collections::BTreeMap<String, String> =
        store.key_registry().await?.into_iter().collect();
    let now = chrono::Utc::now().timestamp_micros();
    match reg.get("index") {
        Some(fp) if *fp != vault.index_fingerprint() => {
            return Err(AppError::File {
                path: dir.index_key_path(),
                message: format!(
                    "index key {} does not belong to this installation (the database expects {fp})",
                    vault.index_fingerprint()
                ),
            })
        }
        Some(_) => {}
        None => {
            store
                .set_key_registry("index", &vault.index_fingerprint(), now)
                .await?
        }
    }
    match reg.get("kek") {
        Some(id) if !vault.keks().iter().any(|k| k.id == *id) => {
            return Err(AppError::File {
                path: dir.kek_path(),
                message: format!(
                    "holds {}, but this installation's key-encryption key is {id}",
                    vault
                        .keks()
                        .iter()
                        .map(|k| k.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        }
        Some(_) => {}
        None => {
            store
                .set_key_registry("kek", &vault.current_kek().id, now)
                .await?
        }
    }
    Ok(())
}
