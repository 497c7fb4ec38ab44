//! Opening sealed fields for someone entitled to see them: a person's
//! details from their projection row, and any payload or application data
//! shown to a reviewer (blind indexes turned back into ID numbers, sealed
//! fields opened). Callers have authorized the viewer already.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::sealed::Sealed;
use sirm_ledger::SecretKey;
use sirm_store::PersonRow;

use super::{field, DataKey};
use crate::{AppError, Sirm};

/// What "erased" reads as on every screen.
pub const ERASED: &str = "（已删除）";

/// A person's identifying details, opened.
#[derive(Clone, Debug, Serialize)]
pub struct PersonView {
    /// The blind index (how the ledger names the person).
    pub key: PersonKey,
    /// The ID number; `None` once the data key was erased.
    pub id: Option<ResidentId>,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub erased: bool,
}

impl PersonView {
    /// The ID number as text ("（已删除）" once erased).
    pub fn id_text(&self) -> String {
        self.id
            .as_ref()
            .map(|i| i.as_str().to_string())
            .unwrap_or_else(|| ERASED.to_string())
    }

    /// The masked ID number (`110101********4354`).
    pub fn id_masked(&self) -> String {
        self.id
            .as_ref()
            .map(|i| i.masked())
            .unwrap_or_else(|| ERASED.to_string())
    }
}

/// Data keys met while revealing one thing (a person appears many times in
/// one application).
#[derive(Default)]
struct Keys(HashMap<String, Option<SecretKey>>);

impl Sirm {
    async fn key_of(&self, keys: &mut Keys, pk: &PersonKey) -> Result<Option<SecretKey>, AppError> {
        if let Some(k) = keys.0.get(pk.as_str()) {
            return Ok(k.clone());
        }
        let k = match self.data_key(pk, false).await? {
            Some(DataKey::Key(k)) => Some(k),
            _ => None,
        };
        keys.0.insert(pk.as_str().to_string(), k.clone());
        Ok(k)
    }

    /// A person's details from their projection row.
    pub async fn reveal_person(&self, row: &PersonRow) -> Result<PersonView, AppError> {
        let pk: PersonKey = row
            .person_id
            .parse()
            .map_err(|e| AppError::Unsealed(format!("person row key: {e}")))?;
        let vault = self.vault()?;
        let Some(dek) = self.key_of(&mut Keys::default(), &pk).await? else {
            return Ok(PersonView {
                key: pk,
                id: None,
                name: ERASED.into(),
                address: ERASED.into(),
                phone: ERASED.into(),
                erased: true,
            });
        };
        let open = |f: &str, v: &str| vault.open(&dek, &pk, f, v);
        let id_text = open(field::ID_NUMBER, &row.id_number)?;
        let id = ResidentId::parse_at(&id_text, chrono::NaiveDate::MAX)
            .map_err(|_| AppError::Unsealed(format!("id_number of {}", pk.short())))?;
        Ok(PersonView {
            id: Some(id),
            name: open(field::NAME, &row.name)?,
            address: open(field::ADDRESS, &row.address)?,
            phone: open(field::PHONE, &row.phone)?,
            erased: false,
            key: pk,
        })
    }

    /// One sealed field of the person stored under `person_id` (a blind
    /// index as text), opened; "（已删除）" once erased.
    pub async fn open_field(
        &self,
        person_id: &str,
        field: &str,
        sealed: &str,
    ) -> Result<String, AppError> {
        let pk: PersonKey = person_id
            .parse()
            .map_err(|e| AppError::Unsealed(format!("person key: {e}")))?;
        match self.key_of(&mut Keys::default(), &pk).await? {
            Some(dek) => self.vault()?.open(&dek, &pk, field, sealed),
            None => Ok(ERASED.into()),
        }
    }

    /// The details of a registered person by blind index.
    pub async fn person_view(&self, pk: &PersonKey) -> Result<Option<PersonView>, AppError> {
        match self.store.person(pk.as_str()).await? {
            Some(row) => Ok(Some(self.reveal_person(&row).await?)),
            None => Ok(None),
        }
    }

    /// The ID number behind a blind index, if the person is registered and
    /// not erased.
    pub async fn id_of(&self, pk: &PersonKey) -> Result<Option<ResidentId>, AppError> {
        Ok(self.person_view(pk).await?.and_then(|v| v.id))
    }

    /// Application data or a ledger payload as a reviewer reads it: every
    /// blind index under `id` / `person_id` becomes the ID number, every
    /// sealed field of that person is opened (erased ones read "（已删除）").
    pub async fn reveal_json(&self, value: &Value) -> Result<Value, AppError> {
        let mut keys = Keys::default();
        let mut v = value.clone();
        self.reveal_in(&mut keys, &mut v).await?;
        Ok(v)
    }

    fn reveal_in<'a>(
        &'a self,
        keys: &'a mut Keys,
        v: &'a mut Value,
    ) -> futures::future::BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            match v {
                Value::Array(items) => {
                    for item in items {
                        self.reveal_in(keys, item).await?;
                    }
                }
                Value::Object(map) => {
                    let pk = ["id", "person_id"]
                        .iter()
                        .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                        .and_then(|s| s.parse::<PersonKey>().ok());
                    if let Some(pk) = pk {
                        let dek = self.key_of(keys, &pk).await?;
                        let vault = self.vault()?;
                        for (name, value) in map.iter_mut() {
                            let Some(text) = value.as_str() else { continue };
                            if Sealed::looks_sealed(text) {
                                let field = match name.as_str() {
                                    "content" => field::CERTIFICATE,
                                    // An ID-number change's numbers (privacy/id_change.rs).
                                    "new_id_number" | "previous_id_number" => field::ID_NUMBER,
                                    other => other,
                                };
                                *value = Value::String(match &dek {
                                    Some(dek) => vault
                                        .open(dek, &pk, field, text)
                                        .unwrap_or_else(|_| "（无法解密）".into()),
                                    None => ERASED.into(),
                                });
                            }
                        }
                        // The ID number: the payload's own sealed one, or the person row's.
                        let id_text = match map.get("id_number").and_then(|v| v.as_str()) {
                            Some(t) if !Sealed::looks_sealed(t) => Some(t.to_string()),
                            _ => self
                                .id_of_cached(keys, &pk)
                                .await?
                                .map(|i| i.as_str().to_string()),
                        };
                        for k in ["id", "person_id"] {
                            if map.get(k).and_then(|v| v.as_str()) == Some(pk.as_str()) {
                                map.insert(
                                    k.to_string(),
                                    Value::String(id_text.clone().unwrap_or_else(|| ERASED.into())),
                                );
                            }
                        }
                        map.remove("id_number");
                    }
                    for (_, child) in map.iter_mut() {
                        if child.is_object() || child.is_array() {
                            self.reveal_in(keys, child).await?;
                        }
                    }
                }
                _ => {}
            }
            Ok(())
        })
    }

    async fn id_of_cached(
        &self,
        keys: &mut Keys,
        pk: &PersonKey,
    ) -> Result<Option<ResidentId>, AppError> {
        let Some(row) = self.store.person(pk.as_str()).await? else {
            return Ok(None);
        };
        let Some(dek) = self.key_of(keys, pk).await? else {
            return Ok(None);
        };
        let text = self
            .vault()?
            .open(&dek, pk, field::ID_NUMBER, &row.id_number)?;
        Ok(ResidentId::parse_at(&text, chrono::NaiveDate::MAX).ok())
    }
}
