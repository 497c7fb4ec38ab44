//! Monthly declarations filed online by the employer's own agent (Art 6,
//! 互联网经办). The agent is a signed-in portal account bound to one
//! employer (`Principal::employer`, set when the counter created the
//! account); the credit code is always that one, never taken from the
//! form. A file (or rows typed into the form) is checked exactly as at the
//! counter (`declaration_file.rs`), shown with its accepted and rejected
//! rows and the employees it leaves out, and only then, on confirmation,
//! submitted: the same business type, the same append path and review
//! chain as the counter's, marked as filed online by the account.

use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;
use sirm_domain::id::CreditCode;
use sirm_domain::records::{DeclarationFile, Material, RejectedLine};
use sirm_domain::rules::Month;
use sirm_domain::RuleId;
use std::path::Path;

use super::registry::BusinessType;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Employees left out of a file listed by name (the count is exact).
const LIST_NOT_DECLARED: usize = 200;

/// A file checked for the agent's confirmation. Kept in memory for the
/// agent who sent it (the progress board), never in the ledger: the
/// rejected rows' text holds ID numbers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OnlineCheck {
    pub credit_code: CreditCode,
    pub month: Month,
    pub rows: u64,
    pub accepted: u64,
    pub rejected_count: u64,
    pub rejected: Vec<RejectedLine>,
    /// The rejected rows as sent (for the agent's download).
    pub rejected_text: Vec<String>,
    /// Employed in the month (not de-registered) and not declared.
    pub not_declared_count: u64,
    /// The first of them, masked.
    pub not_declared: Vec<NotDeclared>,
    /// What confirmation submits: `None` when no row was accepted.
    pub declaration: Option<DeclarationFile>,
    pub materials: Vec<Material>,
}

/// An employee the file does not declare, masked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotDeclared {
    pub id_number: String,
    pub name: String,
}

/// `张**`: the first character of a name.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

impl Sirm {
    /// The agent's own employer, or a refusal.
    async fn own_employer(&self, who: &Principal) -> Result<CreditCode, AppError> {
        self.authorize(who, Permission::EmployerRecordRead).await?;
        who.employer
            .as_deref()
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| {
                AppError::forbidden(
                    RuleId::DeclarationOwnEmployer,
                    "this account is not bound to an employer",
                )
            })
    }

    /// Check a declaration file of the agent's own employer for `month`.
    /// `claimed`: a credit code the form named, refused unless it is the
    /// agent's own. The file is archived when a row is accepted (content
    /// addressed, nothing in the ledger) so that confirmation submits
    /// exactly what was checked.
    pub async fn check_online_declaration(
        &self,
        who: &Principal,
        claimed: Option<&str>,
        month: Month,
        name: &str,
        path: &Path,
    ) -> Result<OnlineCheck, AppError> {
        let code = self.own_employer(who).await?;
        if claimed.is_some_and(|c| !c.trim().is_empty() && c.trim() != code.as_str()) {
            return Err(AppError::forbidden(
                RuleId::DeclarationOwnEmployer,
                "an employer's agent declares for their own employer only",
            ));
        }
        let checked = self
            .check_declaration_file(&who.agency, &code, month, name, path, &mut |_| {})
            .await?;
        let (declaration, materials) = if checked.accepted > 0 {
            let (mut d, m) = self.archive_checked(&checked).await?;
            d.online = Some(who.username.clone());
            (Some(d), m)
        } else {
            (None, vec![])
        };
        let mut not_declared = Vec::new();
        if !checked.not_declared.is_empty() {
            let wanted: std::collections::HashSet<&str> =
                checked.not_declared.iter().map(String::as_str).collect();
            for row in self.store.employees_of(code.as_str()).await? {
                if not_declared.len() >= LIST_NOT_DECLARED {
                    break;
                }
                if !wanted.contains(row.person_id.as_str())
                    || not_declared
                        .iter()
                        .any(|n: &(String, NotDeclared)| n.0 == row.person_id)
                {
                    continue;
                }
                let name = self
                    .open_field(&row.person_id, crate::privacy::field::NAME, &row.name)
                    .await?;
                let id = self
                    .open_field(
                        &row.person_id,
                        crate::privacy::field::ID_NUMBER,
                        &row.id_number,
                    )
                    .await?;
                not_declared.push((
                    row.person_id.clone(),
                    NotDeclared {
                        id_number: crate::rights::mask_id_text(&id),
                        name: mask_name(&name),
                    },
                ));
            }
        }
        Ok(OnlineCheck {
            credit_code: code,
            month,
            rows: checked.rows,
            accepted: checked.accepted,
            rejected_count: checked.rejected_count,
            rejected: checked.rejected,
            rejected_text: checked.rejected_text,
            not_declared_count: checked.not_declared.len() as u64,
            not_declared: not_declared.into_iter().map(|(_, n)| n).collect(),
            declaration,
            materials,
        })
    }

    /// Submit a checked file on the agent's confirmation: one application
    /// into the review chain (the same append path as the counter's).
    pub async fn submit_online_declaration(
        &self,
        who: &Principal,
        check: &OnlineCheck,
    ) -> Result<String, AppError> {
        let code = self.own_employer(who).await?;
        let Some(d) = check.declaration.as_ref() else {
            return Err(AppError::invalid_by(
                "file",
                RuleId::FieldRequired,
                "no row of the file can be accepted: correct the rejected rows and upload again",
            ));
        };
        if d.credit_code != code || d.online.as_deref() != Some(who.username.as_str()) {
            return Err(AppError::forbidden(
                RuleId::DeclarationOwnEmployer,
                "an employer's agent declares for their own employer only",
            ));
        }
        let bt = BusinessType::ContributionDeclareFile;
        let value = serde_json::to_value(d).map_err(|e| AppError::invalid("data", e))?;
        let data = self.protect_data(bt, value).await?;
        self.submit_protected(who, bt, data, check.materials.clone(), None)
            .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_keep_their_first_character() {
        assert_eq!(super::mask_name("张三丰"), "张**");
        assert_eq!(super::mask_name(""), "");
    }
}
