//! Sealing and opening ID-number changes (`person.id_change`): the new
//! number is sealed under the person's data key with the person's
//! canonical blind index and the field `id_number` as associated data, so
//! that the person row answers it wherever it is opened; the staff record
//! shows each change with both numbers masked.

use serde::Serialize;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{PersonIdChange, PersonIdChangeDetails};
use sirm_domain::sealed::Sealed;
use sirm_domain::RuleId;

use super::field;
use crate::rights::mask_id_text;
use crate::{AppError, Sirm};

/// One ID-number change as staff see it in the record (曾用身份证号).
#[derive(Clone, Debug, Serialize)]
pub struct IdChangeNote {
    pub seq: i64,
    pub effective_on: String,
    /// The number before, masked (`110101********4354`).
    pub previous_masked: String,
    /// The number after, masked.
    pub new_masked: String,
    pub reason: String,
    /// Who took and approved it.
    pub actors: String,
}

impl Sirm {
    /// An ID-number change as the maintenance officer entered it → kept:
    /// the person by their canonical blind index, the new number's own
    /// blind index, the new number sealed.
    pub async fn seal_id_change(
        &self,
        d: &PersonIdChangeDetails,
    ) -> Result<PersonIdChange, AppError> {
        d.validate().map_err(AppError::invalid_record)?;
        let vault = self.vault()?;
        let pk = vault.person_key(&d.id);
        let row = self.store.person(pk.as_str()).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundPerson, format!("person {}", pk.short()))
        })?;
        let new = &d.new_id_number;
        if row.registered_on < new.birth_date() {
            return Err(AppError::invalid_by(
                "new_id_number",
                RuleId::DateOrder,
                "its birth date lies after the person's registration",
            ));
        }
        let dek = self.live_data_key(&pk, false).await?;
        Ok(PersonIdChange {
            alias: vault.blind_index(new),
            new_id_number: vault.seal(&dek, &pk, field::ID_NUMBER, new.as_str().as_bytes())?,
            previous_id_number: Sealed::parse(&row.id_number)
                .map_err(|e| AppError::Unsealed(format!("id_number of {}: {e}", pk.short())))?,
            gender: new.gender(),
            birth_date: new.birth_date(),
            effective_on: d.effective_on,
            reason: d.reason.trim().to_string(),
            discrepancy_id: d
                .discrepancy_id
                .as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            id: pk,
        })
    }

    /// A person's ID-number changes, oldest first, numbers masked
    /// ("（已删除）" once erased). For staff views only.
    pub async fn id_change_notes(&self, pk: &PersonKey) -> Result<Vec<IdChangeNote>, AppError> {
        let mut out = Vec::new();
        for r in self.store.id_changes_of(pk.as_str()).await? {
            let previous = self
                .open_field(pk.as_str(), field::ID_NUMBER, &r.previous_id_number)
                .await?;
            let new = self
                .open_field(pk.as_str(), field::ID_NUMBER, &r.id_number)
                .await?;
            out.push(IdChangeNote {
                seq: r.seq,
                previous_masked: mask_id_text(&previous),
                new_masked: mask_id_text(&new),
                effective_on: r.effective_on,
                reason: r.reason,
                actors: r.actors,
            });
        }
        Ok(out)
    }
}
