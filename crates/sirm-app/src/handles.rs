//! Opaque handles for identifiers that must not appear in URLs (security
//! issue item 15): a resident ID number in a link would end up in browser
//! history, proxy and server logs. A handle is a keyed hash of the
//! identifier under a key that lives only in this process (random at start):
//! it says nothing about the identifier, is the same for one identifier
//! while the server runs, and is resolved only against what the caller may
//! see (e.g. the employer's own employees).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sirm_domain::access::Permission;
use sirm_domain::id::PersonKey;

use crate::{AppError, Principal, Sirm};

/// The process's handle key.
pub struct HandleKey([u8; 32]);

impl Default for HandleKey {
    fn default() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        HandleKey(k)
    }
}

impl std::fmt::Debug for HandleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandleKey(…)")
    }
}

impl HandleKey {
    /// 24 hex digits (96 bits) of HMAC-SHA-256 over scope and identifier.
    pub fn handle(&self, scope: &str, id: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(id.as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..12])
    }
}

impl Sirm {
    /// The handle of an employee for the employer's portal links.
    pub fn employee_handle(&self, credit_code: &str, person_id: &str) -> String {
        self.handles
            .handle(&format!("employee:{credit_code}"), person_id)
    }

    /// The employee behind a handle, among the signed-in employer agent's
    /// own employees (now or before); anything else is "not found".
    pub async fn employee_by_handle(
        &self,
        who: &Principal,
        handle: &str,
    ) -> Result<PersonKey, AppError> {
        self.authorize(who, Permission::EmployerRecordRead).await?;
        let not_found = || AppError::not_found(sirm_domain::RuleId::NotFoundRecord, "record");
        let code = who.employer.clone().ok_or_else(not_found)?;
        let handle = handle.trim();
        if handle.len() != 24 {
            return Err(not_found());
        }
        self.store
            .employees_of(&code)
            .await?
            .into_iter()
            .find(|e| self.employee_handle(&code, &e.person_id) == handle)
            .and_then(|e| e.person_id.parse().ok())
            .ok_or_else(not_found)
    }

    /// The person a delegate's written authorization names, if it is this
    /// delegate's (the query path then checks validity and scope).
    pub async fn delegation_subject(
        &self,
        who: &Principal,
        delegation_id: &str,
    ) -> Result<PersonKey, AppError> {
        self.authorize(who, Permission::DelegatedRecordRead).await?;
        let not_found = || AppError::not_found(sirm_domain::RuleId::NotFoundRecord, "record");
        self.store
            .delegation(delegation_id.trim())
            .await?
            .filter(|d| d.delegate_username == who.username)
            .and_then(|d| d.person_id.parse().ok())
            .ok_or_else(not_found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_keyed_and_scoped() {
        let a = HandleKey::default();
        let b = HandleKey::default();
        let h = a.handle("employee:X", "11010519491231002X");
        assert_eq!(h.len(), 24);
        assert_eq!(h, a.handle("employee:X", "11010519491231002X"));
        assert_ne!(h, a.handle("employee:Y", "11010519491231002X"));
        assert_ne!(h, b.handle("employee:X", "11010519491231002X"));
        assert!(!h.contains("1101"));
    }
}
