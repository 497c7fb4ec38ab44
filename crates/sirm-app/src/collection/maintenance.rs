//! The maintenance log (维护日志, Art 12): approved changes with their
//! application, reason, handling and the responsible person of each stage.

use sirm_domain::access::Permission;
use sirm_domain::records;
use sirm_store::MaintenanceRow;

use crate::identity::Principal;
use crate::{AppError, Sirm};

impl Sirm {
    /// The maintenance log (Art 12): approved changes with their application,
    /// reason, handling and the responsible person of each stage.
    /// The maintenance log (维护日志) of the principal's agency. `subject`
    /// as typed: a resident ID number, a credit code, or `kind:identifier`.
    /// Rows come back opened for the officer: payloads with ID numbers and
    /// names, subjects with the masked ID number.
    pub async fn maintenance_log(
        &self,
        who: &Principal,
        subject: Option<&str>,
        from_us: Option<i64>,
        to_us: Option<i64>,
        officer: Option<&str>,
    ) -> Result<Vec<MaintenanceRow>, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let subject = match subject.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if s.contains(':') => Some(s.to_string()),
            Some(s) => match s.parse::<sirm_domain::id::ResidentId>() {
                Ok(id) => Some(records::person_subject(&self.person_key(&id)?)),
                Err(_) => Some(format!("employer:{s}")),
            },
        };
        let rows = self
            .store
            .maintenance_log(&who.agency, subject.as_deref(), from_us, to_us, 1000)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows
            .into_iter()
            .filter(|r| officer.is_none_or(|o| r.actors.contains(&format!("\"{o}\""))))
        {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&r.payload) {
                r.payload = self.reveal_json(&v).await?.to_string();
            }
            if let Some(pk) = r
                .subject
                .strip_prefix("person:")
                .and_then(|p| p.parse::<sirm_domain::id::PersonKey>().ok())
            {
                r.subject = match self.person_view(&pk).await? {
                    Some(v) => format!("person:{}", v.id_masked()),
                    None => format!("person:{}", pk.short()),
                };
            }
            out.push(r);
        }
        Ok(out)
    }
}
