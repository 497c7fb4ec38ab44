//! 人员身份证号码变更: a person's resident ID number changed (public
//! security upgraded a 15-digit number or corrected one). The person keeps
//! the blind index they were registered under (the canonical key, named in
//! every projection); the new number's blind index becomes an **alias** of
//! it. Re-exported by [`super`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{check_text, RecordError};
use crate::id::{Gender, PersonKey, ResidentId};
use crate::sealed::Sealed;

/// An ID-number change as the maintenance officer enters it (in clear,
/// never stored): the person by their current number, the new number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonIdChangeDetails {
    pub id: ResidentId,
    pub new_id_number: ResidentId,
    /// The day public security changed the number.
    pub effective_on: NaiveDate,
    /// Why, with the public-security notice named (the notice itself is
    /// the application's material).
    pub reason: String,
    /// The cross-check discrepancy (`id_changed`) this change applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrepancy_id: Option<String>,
}

impl PersonIdChangeDetails {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_text("reason", &self.reason, 400)
    }
}

/// `person.id_changed`, written under the person's canonical subject
/// (`person:<blind index they were registered under>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonIdChange {
    /// The canonical blind index (never changes).
    pub id: PersonKey,
    /// The blind index of the new number: an alias of `id` from now on.
    pub alias: PersonKey,
    /// The new number, sealed under the person's data key as the field
    /// `id_number` (the person row's ID number from now on).
    pub new_id_number: Sealed,
    /// The number it replaces (the person row's, sealed as it was).
    pub previous_id_number: Sealed,
    /// As the new number says (the rules engine reads them in clear).
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub effective_on: NaiveDate,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrepancy_id: Option<String>,
}
