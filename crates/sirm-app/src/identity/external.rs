//! External identities: insured persons activate a portal account with a
//! one-time code issued at the counter (after the clerk checked the ID
//! document) — at the counter or online with ID number + name + code;
//! employer agents get an account bound to their employer's credit code;
//! delegates are linked to a written authorization recorded by a clerk.
//! Agency scoping: staff see only their own agency's persons and employers.

use crate::AuditEvent;
use chrono::{Duration, NaiveDate};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sirm_domain::access::{Permission, Role};
use sirm_domain::id::{CreditCode, PersonKey, ResidentId};
use sirm_domain::records::{self, kind, AccountCreated, DelegationRecorded};
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::PersonRow;

use super::accounts::Issued;
use super::username::check_username;
use super::Principal;
use crate::clock::time_us;
use crate::drafts::draft;
use crate::{password, AppError, Sirm};

/// A one-time activation code, shown once to the person at the counter.
#[derive(Clone, Debug, Serialize)]
pub struct ActivationCode {
    pub person: String,
    pub code: String,
    pub expires: String,
}

const ACTIVATION_DAYS: i64 = 7;
const ACTIVATION_FAILED: &str =
    "开通失败：身份号码、姓名与激活码不符，或激活码已使用、已过期，或用户名已被占用 / activation failed: the ID number, name and activation code do not match a valid code, or the username is taken";

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The clerk's statement that the person's ID document was checked in
/// person (当面核验本人有效身份证件) — what a counter service for a person
/// (activation code, query PIN, password reset) requires. Made only from
/// the clerk's explicit attestation, so every channel (page, API) carries
/// it into the use case and the audit record's "after the ID document was
/// checked" is the clerk's own statement.
#[derive(Clone, Copy, Debug)]
pub struct IdDocumentChecked(());

impl IdDocumentChecked {
    /// `checked`: what the clerk attested; `field`: where it was asked.
    pub fn attested(checked: bool, field: &str) -> Result<Self, AppError> {
        if checked {
            Ok(IdDocumentChecked(()))
        } else {
            Err(AppError::invalid_by(
                field,
                sirm_domain::RuleId::IdDocumentUnchecked,
                "confirm that the person's ID document was checked in person",
            ))
        }
    }
}

impl Sirm {
    /// A person of the principal's own agency (rule `agency-scope`: another
    /// agency's person is "not found", and the refusal is audited).
    pub async fn person_in_agency(
        &self,
        who: &Principal,
        id: &PersonKey,
    ) -> Result<PersonRow, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        self.person_of_agency(who, id).await
    }

    pub(crate) async fn person_of_agency(
        &self,
        who: &Principal,
        id: &PersonKey,
    ) -> Result<PersonRow, AppError> {
        let p = self.store.person(id.as_str()).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundPerson, format!("person {}", id.short()))
        })?;
        if p.agency != who.agency {
            self.audit(AuditEvent::own(who, "permission.denied").denied(format!(
                "agency-scope: person {} belongs to agency {}",
                id.short(),
                p.agency
            )))
            .await?;
            // The same answer as a person who does not exist (object-level
            // check): another agency's records are not there for this
            // requester; the audit trail says which it was.
            return Err(AppError::not_found(
                RuleId::NotFoundPerson,
                format!("person {}", id.short()),
            ));
        }
        Ok(p)
    }

    /// The clerk issues a one-time activation code after checking the
    /// person's ID document at the counter.
    pub async fn issue_activation_code(
        &self,
        who: &Principal,
        id: &ResidentId,
        _checked: IdDocumentChecked,
    ) -> Result<ActivationCode, AppError> {
        self.authorize(who, Permission::ExternalActivate).await?;
        let pk = self.person_key(id)?;
        let person = self.person_of_agency(who, &pk).await?;
        if self
            .store
            .account_of_person(&person.person_id)
            .await?
            .is_some()
        {
            return Err(AppError::conflict_by(
                RuleId::AccountExists,
                format!("person {} already has a portal account", id.masked()),
            ));
        }
        let mut raw = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let code = format!(
            "{:012}",
            u64::from_be_bytes([0, 0, raw[0], raw[1], raw[2], raw[3], raw[4], raw[5]])
                % 1_000_000_000_000
        );
        let expires = time_us()
            + Duration::days(ACTIVATION_DAYS)
                .num_microseconds()
                .unwrap_or(0);
        self.store
            .insert_activation_code(
                &sha256_hex(&code),
                &person.person_id,
                &who.username,
                expires,
            )
            .await?;
        self.audit(
            AuditEvent::on(who, pk.as_str(), "activation.issued")
                .success(format!("issued for {pk}")),
        )
        .await?;
        Ok(ActivationCode {
            person: id.masked(),
            code,
            expires: chrono::DateTime::from_timestamp_micros(expires)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
        })
    }

    /// The person activates their portal account (no sign-in needed).
    ///
    /// Not an oracle: every failure — malformed or unknown ID number, a
    /// name that does not match, a wrong, used or expired code, a username
    /// already taken — gets the same answer, after the same checks in the
    /// same order (the code is taken only when everything else is right),
    /// and is counted as an anonymous refusal, not written one by one. What
    /// the person typed about themselves (username format, password policy)
    /// is checked first and named, since it tells nothing about anyone else.
    #[allow(clippy::too_many_arguments)]
    pub async fn activate(
        &self,
        id: &str,
        name: &str,
        code: &str,
        username: &str,
        new_password: &str,
        source: &str,
    ) -> Result<(), AppError> {
        let username = username.trim().to_lowercase();
        check_username(&username)?;
        self.password_policy()
            .check_new_password(new_password, &username)
            .map_err(|v| AppError::invalid_by("password", v.rule, v))?;
        let pid = match id.trim().parse::<ResidentId>() {
            Ok(rid) => Some(self.person_key(&rid)?),
            Err(_) => None,
        };
        let person = match &pid {
            Some(p) => self.store.person(p.as_str()).await?,
            None => None,
        };
        let shown = match &person {
            Some(row) => Some(self.reveal_person(row).await?),
            None => None,
        };
        let name_ok = shown
            .as_ref()
            .is_some_and(|p| !p.erased && p.name.trim() == name.trim());
        let taken = self.store.account(&username).await?.is_some();
        let code: String = code.trim().chars().take(64).collect();
        // One argon2 hash on every path (the password of the new account).
        let hash = password::hash_async(new_password).await?;
        let why = match (&pid, &person) {
            (None, _) => Some("malformed ID number"),
            (Some(_), None) => Some("no such person"),
            _ if !name_ok => Some("name does not match"),
            _ if taken => Some("username taken"),
            _ => None,
        };
        let (pid, person) = match (why, pid, person) {
            (None, Some(pid), Some(person)) => (pid, person),
            (why, _, _) => {
                self.refused(source, "activation.failure", None, why.unwrap_or("refused"));
                return Err(AppError::unauthenticated(
                    RuleId::ActivationFailed,
                    ACTIVATION_FAILED,
                ));
            }
        };
        if !self
            .store
            .take_activation_code(&sha256_hex(&code), pid.as_str(), time_us())
            .await?
        {
            self.refused(
                source,
                "activation.failure",
                None,
                "wrong, used or expired code",
            );
            return Err(AppError::unauthenticated(
                RuleId::ActivationFailed,
                ACTIVATION_FAILED,
            ));
        }
        let a = AccountCreated {
            username: username.clone(),
            // Not the person's name: account rows and their ledger entry
            // stay free of identities; screens show the record's name.
            display_name: "参保人员".into(),
            agency: person.agency.clone(),
            roles: vec![Role::InsuredPerson.as_str().to_string()],
            kind: sirm_domain::status::AccountKind::External,
            person_id: Some(pid.clone()),
            employer: None,
        };
        let d = crate::drafts::account_created(&self.config, &username, &a)?;
        let ev = self.audit_draft(
            AuditEvent::new(&username, source, "activation")
                .success(format!("portal account for {pid}")),
        )?;
        self.append(vec![d, ev]).await?;
        self.store
            .set_password(
                &username,
                &hash,
                false,
                time_us(),
                self.password_policy().history.max(1),
            )
            .await?;
        Ok(())
    }

    /// Issue an employer agent's account, bound to the employer's credit code.
    pub async fn add_employer_agent(
        &self,
        who: &Principal,
        username: &str,
        display_name: &str,
        employer: &CreditCode,
    ) -> Result<Issued, AppError> {
        self.authorize(who, Permission::ExternalActivate).await?;
        let username = self.fresh_username(username, display_name).await?;
        if !self
            .store
            .employer_exists(employer.as_str(), &who.agency)
            .await?
        {
            return Err(AppError::not_found(
                RuleId::NotFoundEmployer,
                format!("employer {employer} in agency {}", who.agency),
            ));
        }
        let a = AccountCreated {
            username: username.clone(),
            display_name: display_name.trim().to_string(),
            agency: who.agency.clone(),
            roles: vec![Role::EmployerAgent.as_str().to_string()],
            kind: sirm_domain::status::AccountKind::External,
            person_id: None,
            employer: Some(employer.clone()),
        };
        self.create_with_issued_password(who, &a, &format!("employer agent for {employer}"))
            .await
    }

    /// Record a written authorization: `delegate` (an external account) may
    /// query `person`'s record for `scope` between the two dates.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_delegation(
        &self,
        who: &Principal,
        person: &ResidentId,
        delegate: &str,
        scope: &[String],
        valid_from: NaiveDate,
        valid_until: NaiveDate,
        document_sha256: &str,
    ) -> Result<String, AppError> {
        self.authorize(who, Permission::ExternalActivate).await?;
        // What was typed first, then what is recorded.
        let scope = delegation_scope(scope)?;
        if valid_until < valid_from {
            return Err(AppError::invalid_by(
                "valid_until",
                RuleId::DateOrder,
                "is before valid_from",
            ));
        }
        if document_sha256.len() != 64 || !document_sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AppError::invalid_by(
                "document_sha256",
                RuleId::DelegationDocument,
                "must be the 64-hex-digit SHA-256 of the scanned authorization",
            ));
        }
        let person = &self.person_key(person)?;
        self.person_of_agency(who, person).await?;
        let target = self.store.account(delegate).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundAccount, format!("account {delegate}"))
        })?;
        if target.kind != sirm_domain::status::AccountKind::External {
            return Err(AppError::forbidden(
                RuleId::StaffExternal,
                format!("{delegate} is a staff account; a delegate must be an external account"),
            ));
        }
        let mut raw = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let id = format!("DL-{}", hex::encode(raw));
        let p = DelegationRecorded {
            delegation_id: id.clone(),
            person_id: person.clone(),
            delegate_username: target.username.clone(),
            scope,
            valid_from,
            valid_until,
            document_sha256: document_sha256.to_lowercase(),
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::DELEGATION_RECORDED,
            records::person_subject(person),
            &who.username,
            &p,
        )?;
        let ev = self.audit_draft(
            AuditEvent::on(who, &target.username, "delegation.record")
                .success(format!("{id} for {person} until {valid_until}")),
        )?;
        self.append(vec![d, ev]).await?;
        Ok(id)
    }
}

/// The items of a written authorization's scope: each a queryable item
/// (`registration`, `employment`, `contributions`, `account`, `benefit`),
/// at least one, each once, in the order given. An unknown item is refused
/// naming the known ones; nothing is guessed.
fn delegation_scope(scope: &[String]) -> Result<Vec<String>, AppError> {
    use crate::config::query::Item;
    let known = || {
        Item::ALL
            .iter()
            .map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut items: Vec<Item> = Vec::new();
    for s in scope.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let item = Item::parse(&s.to_lowercase()).ok_or_else(|| {
            AppError::invalid_by(
                "scope",
                RuleId::DelegationScope,
                format!("{s:?} is not a queryable item; the items are {}", known()),
            )
        })?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.is_empty() {
        return Err(AppError::invalid_by(
            "scope",
            RuleId::FieldRequired,
            format!("name at least one queryable item ({})", known()),
        ));
    }
    Ok(items.into_iter().map(|i| i.as_str().to_string()).collect())
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn a_scope_names_known_items_only() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            delegation_scope(&s(&[" contributions", "benefit", "contributions"])).unwrap(),
            s(&["contributions", "benefit"])
        );
        for (bad, rule) in [
            (s(&["contributions", "salary"]), RuleId::DelegationScope),
            (s(&["", " "]), RuleId::FieldRequired),
        ] {
            let e = delegation_scope(&bad).unwrap_err();
            assert_eq!(e.rule(), Some(rule), "{bad:?}");
            assert!(e.to_string().contains("registration, employment"), "{e}");
        }
    }
}
