//! The ledger applier: the only code that writes projection tables.
//!
//! Each entry kind with a projection maps its payload (a `sirm-domain` record
//! type) onto rows. Kinds without a projection (e.g. security events) are
//! ignored here; they live in the ledger only. The SQL is shared by both
//! engines (`INSERT … ON CONFLICT … DO UPDATE` and `$n` parameters work in
//! SQLite and PostgreSQL alike).

use serde::de::DeserializeOwned;
use sirm_domain::records::{
    self, kind, AccountCreated, AccountSettled, AccountStatusChange, AgencyRegistration,
    ApplicationDecided, ApplicationSubmitted, ApplicationWithdrawn, BenefitGranted,
    ContributionAssessed, ContributionPaid, DelegationRecorded, EmployerChange,
    EmployerDeregistration, EmployerRegistration, EmploymentEnd, EmploymentStart, PersonChange,
    PersonRegistration, RoleDecision, RoleRequested, RoleRevoked, SecurityEvent,
};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use crate::StoreError;

/// Column kinds of projection tables, for the digest.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Col {
    Text,
    Int,
}

/// A projection table: name, columns, ordering key.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Col)],
    pub key: &'static str,
}

/// Every projection table. One list, used by rebuild (what to empty) and by
/// the digest (what to hash).
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "certificate",
        columns: &[
            ("code", Col::Text),
            ("person_id", Col::Text),
            ("kind", Col::Text),
            ("from_month", Col::Text),
            ("to_month", Col::Text),
            ("issued_at", Col::Text),
            ("pdf_sha256", Col::Text),
            ("seq", Col::Int),
            ("revoked_seq", Col::Int),
            ("revoked_reason", Col::Text),
        ],
        key: "code",
    },
    Table {
        name: "benefit_payment",
        columns: &[
            ("person_id", Col::Text),
            ("month", Col::Text),
            ("amount", Col::Text),
            ("granted_seq", Col::Int),
            ("rule_set", Col::Text),
            ("seq", Col::Int),
        ],
        key: "person_id, month",
    },
    Table {
        name: "subsidy",
        columns: &[
            ("person_id", Col::Text),
            ("month", Col::Text),
            ("kind", Col::Text),
            ("amount", Col::Text),
            ("basis", Col::Text),
            ("seq", Col::Int),
        ],
        key: "person_id, month, kind",
    },
    Table {
        name: "benefit",
        columns: &[
            ("person_id", Col::Text),
            ("status", Col::Text),
            ("start_month", Col::Text),
            ("contribution_months", Col::Int),
            ("basic", Col::Text),
            ("account", Col::Text),
            ("transitional", Col::Text),
            ("total", Col::Text),
            ("rule_set", Col::Text),
            ("seq", Col::Int),
        ],
        key: "person_id",
    },
    Table {
        name: "account_year",
        columns: &[
            ("person_id", Col::Text),
            ("year", Col::Int),
            ("opening_balance", Col::Text),
            ("credits", Col::Text),
            ("rate", Col::Text),
            ("interest", Col::Text),
            ("closing_balance", Col::Text),
            ("rule_set", Col::Text),
            ("seq", Col::Int),
        ],
        key: "person_id, year",
    },
    Table {
        name: "contribution",
        columns: &[
            ("person_id", Col::Text),
            ("month", Col::Text),
            ("credit_code", Col::Text),
            ("declared_wage", Col::Text),
            ("base", Col::Text),
            ("pension_employer", Col::Text),
            ("pension_employee", Col::Text),
            ("medical_employer", Col::Text),
            ("medical_employee", Col::Text),
            ("unemployment_employer", Col::Text),
            ("unemployment_employee", Col::Text),
            ("work_injury_employer", Col::Text),
            ("account_credit", Col::Text),
            ("rule_set", Col::Text),
            ("status", Col::Text),
            ("seq", Col::Int),
        ],
        key: "person_id, month",
    },
    Table {
        name: "employment",
        columns: &[
            ("person_id", Col::Text),
            ("credit_code", Col::Text),
            ("start_on", Col::Text),
            ("end_on", Col::Text),
            ("end_reason", Col::Text),
            ("agency", Col::Text),
            ("start_seq", Col::Int),
            ("end_seq", Col::Int),
        ],
        key: "person_id, start_on",
    },
    Table {
        name: "application",
        columns: &[
            ("application_id", Col::Text),
            ("business_type", Col::Text),
            ("subject", Col::Text),
            ("agency", Col::Text),
            ("data", Col::Text),
            ("materials", Col::Text),
            ("chain", Col::Text),
            ("status", Col::Text),
            ("next_stage", Col::Text),
            ("reason", Col::Text),
            ("submitted_by", Col::Text),
            ("submitted_seq", Col::Int),
            ("last_seq", Col::Int),
        ],
        key: "application_id",
    },
    Table {
        name: "application_step",
        columns: &[
            ("seq", Col::Int),
            ("application_id", Col::Text),
            ("stage", Col::Text),
            ("actor", Col::Text),
            ("approve", Col::Int),
            ("reason", Col::Text),
        ],
        key: "seq",
    },
    Table {
        name: "agency",
        columns: &[
            ("code", Col::Text),
            ("name", Col::Text),
            ("region", Col::Text),
            ("first_seq", Col::Int),
            ("last_seq", Col::Int),
        ],
        key: "code",
    },
    Table {
        name: "employer",
        columns: &[
            ("credit_code", Col::Text),
            ("name", Col::Text),
            ("region", Col::Text),
            ("address", Col::Text),
            ("industry_class", Col::Int),
            ("status", Col::Text),
            ("registered_on", Col::Text),
            ("deregistered_on", Col::Text),
            ("agency", Col::Text),
            ("first_seq", Col::Int),
            ("last_seq", Col::Int),
        ],
        key: "credit_code",
    },
    Table {
        name: "person",
        columns: &[
            ("person_id", Col::Text),
            ("name", Col::Text),
            ("gender", Col::Text),
            ("birth_date", Col::Text),
            ("address", Col::Text),
            ("phone", Col::Text),
            ("registered_on", Col::Text),
            ("agency", Col::Text),
            ("first_seq", Col::Int),
            ("last_seq", Col::Int),
            ("id_number", Col::Text),
        ],
        key: "person_id",
    },
    Table {
        name: "registration_history",
        columns: &[
            ("seq", Col::Int),
            ("subject", Col::Text),
            ("kind", Col::Text),
            ("effective_on", Col::Text),
            ("summary", Col::Text),
        ],
        key: "seq",
    },
    Table {
        name: "account",
        columns: &[
            ("username", Col::Text),
            ("display_name", Col::Text),
            ("agency", Col::Text),
            ("kind", Col::Text),
            ("status", Col::Text),
            ("person_id", Col::Text),
            ("employer", Col::Text),
            ("created_seq", Col::Int),
            ("last_seq", Col::Int),
        ],
        key: "username",
    },
    Table {
        name: "account_role",
        columns: &[
            ("username", Col::Text),
            ("role", Col::Text),
            ("granted_seq", Col::Int),
        ],
        key: "username, role",
    },
    Table {
        name: "role_request",
        columns: &[
            ("request_id", Col::Text),
            ("username", Col::Text),
            ("role", Col::Text),
            ("requested_by", Col::Text),
            ("reason", Col::Text),
            ("status", Col::Text),
            ("decided_by", Col::Text),
            ("decision_reason", Col::Text),
            ("requested_seq", Col::Int),
            ("decided_seq", Col::Int),
            ("action", Col::Text),
        ],
        key: "request_id",
    },
    Table {
        name: "delegation",
        columns: &[
            ("delegation_id", Col::Text),
            ("person_id", Col::Text),
            ("delegate_username", Col::Text),
            ("scope", Col::Text),
            ("valid_from", Col::Text),
            ("valid_until", Col::Text),
            ("document_sha256", Col::Text),
            ("recorded_by", Col::Text),
            ("recorded_seq", Col::Int),
        ],
        key: "delegation_id",
    },
];

fn payload<T: DeserializeOwned>(entry: &Entry) -> Result<T, StoreError> {
    serde_json::from_str(&entry.payload).map_err(|e| StoreError::Payload {
        seq: entry.seq,
        kind: entry.kind.clone(),
        message: e.to_string(),
    })
}

/// Validate that a payload of a projected kind parses into its record type,
/// without writing anything. Unknown kinds are accepted (ledger only).
pub fn check_payload(entry: &Entry) -> Result<(), StoreError> {
    match entry.kind.as_str() {
        kind::AGENCY_REGISTERED => payload::<AgencyRegistration>(entry).map(drop),
        kind::EMPLOYER_REGISTERED => payload::<EmployerRegistration>(entry).map(drop),
        kind::EMPLOYER_CHANGED => payload::<EmployerChange>(entry).map(drop),
        kind::EMPLOYER_DEREGISTERED => payload::<EmployerDeregistration>(entry).map(drop),
        kind::PERSON_REGISTERED => payload::<PersonRegistration>(entry).map(drop),
        kind::PERSON_CHANGED => payload::<PersonChange>(entry).map(drop),
        kind::PERSON_ERASED => payload::<records::PersonErasure>(entry).map(drop),
        kind::ACCOUNT_CREATED => payload::<AccountCreated>(entry).map(drop),
        kind::ACCOUNT_LOCKED | kind::ACCOUNT_UNLOCKED | kind::ACCOUNT_RETIRED => {
            payload::<AccountStatusChange>(entry).map(drop)
        }
        kind::ROLE_REQUESTED | kind::ROLE_REVOCATION_REQUESTED => {
            payload::<RoleRequested>(entry).map(drop)
        }
        kind::ROLE_APPROVED | kind::ROLE_REJECTED => payload::<RoleDecision>(entry).map(drop),
        kind::ROLE_REVOKED => payload::<RoleRevoked>(entry).map(drop),
        kind::DELEGATION_RECORDED => payload::<DelegationRecorded>(entry).map(drop),
        kind::SECURITY_EVENT => payload::<SecurityEvent>(entry).map(drop),
        kind::APPLICATION_SUBMITTED => payload::<ApplicationSubmitted>(entry).map(drop),
        kind::EMPLOYMENT_STARTED => payload::<EmploymentStart>(entry).map(drop),
        kind::CONTRIBUTION_ASSESSED => payload::<ContributionAssessed>(entry).map(drop),
        kind::CONTRIBUTION_PAID => payload::<ContributionPaid>(entry).map(drop),
        kind::ACCOUNT_SETTLED => payload::<AccountSettled>(entry).map(drop),
        kind::BENEFIT_GRANTED => payload::<BenefitGranted>(entry).map(drop),
        kind::BENEFIT_STATUS => payload::<records::BenefitStatusChange>(entry).map(drop),
        kind::BENEFIT_PAID => payload::<records::BenefitPaid>(entry).map(drop),
        kind::SUBSIDY_GRANTED => payload::<records::SubsidyGrant>(entry).map(drop),
        kind::CONTRIBUTION_CORRECTED => payload::<records::ContributionCorrected>(entry).map(drop),
        kind::EMPLOYMENT_ENDED => payload::<EmploymentEnd>(entry).map(drop),
        kind::CERTIFICATE_ISSUED => payload::<records::CertificateIssued>(entry).map(drop),
        kind::CERTIFICATE_REVOKED => payload::<records::CertificateRevoked>(entry).map(drop),
        kind::APPLICATION_DECIDED => payload::<ApplicationDecided>(entry).map(drop),
        kind::APPLICATION_WITHDRAWN => payload::<ApplicationWithdrawn>(entry).map(drop),
        _ => Ok(()),
    }
}

fn seq(entry: &Entry) -> i64 {
    i64::try_from(entry.seq).unwrap_or(i64::MAX)
}

async fn history(
    conn: &mut AnyConnection,
    entry: &Entry,
    effective_on: &str,
    summary: String,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO registration_history (seq, subject, kind, effective_on, summary) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seq(entry))
    .bind(&entry.subject)
    .bind(&entry.kind)
    .bind(effective_on)
    .bind(summary)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn changed_fields(fields: &[(&str, bool)]) -> String {
    let names: Vec<&str> = fields.iter().filter(|(_, c)| *c).map(|(n, _)| *n).collect();
    format!("changed: {}", names.join(", "))
}

mod erased {
    /// Canonical JSON text of a serialisable value (for JSON columns).
    pub trait Ser {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn step(
    conn: &mut AnyConnection,
    seq: i64,
    application: &str,
    stage: &str,
    actor: &str,
    approve: bool,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_step (seq, application_id, stage, actor, approve, reason) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(seq)
    .bind(application)
    .bind(stage)
    .bind(actor)
    .bind(i64::from(approve))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn grant(
    conn: &mut AnyConnection,
    username: &str,
    role: &str,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_role (username, role, granted_seq) VALUES ($1, $2, $3) \
         ON CONFLICT (username, role) DO NOTHING",
    )
    .bind(username)
    .bind(role)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Apply entries in ledger order. Consecutive `contribution.assessed`
/// entries (a declaration's person-months) go in as multi-row INSERTs; every
/// other entry through [`apply`].
pub(crate) async fn apply_all(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    let mut i = 0;
    while i < entries.len() {
        if entries[i].kind == kind::CONTRIBUTION_ASSESSED {
            let mut j = i;
            while j < entries.len() && entries[j].kind == kind::CONTRIBUTION_ASSESSED {
                j += 1;
            }
            for chunk in entries[i..j].chunks(1000) {
                insert_contributions(conn, engine, chunk).await?;
            }
            i = j;
        } else {
            apply(conn, &entries[i]).await?;
            i += 1;
        }
    }
    Ok(())
}

async fn insert_contributions(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    const COLS: usize = 15;
    let mut sql = String::from(
        "INSERT INTO contribution (person_id, month, credit_code, declared_wage, base, pension_employer, \
         pension_employee, medical_employer, medical_employee, unemployment_employer, unemployment_employee, \
         work_injury_employer, account_credit, rule_set, seq, status) VALUES ",
    );
    let mut n = 1;
    for i in 0..entries.len() {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        for c in 0..COLS {
            if c > 0 {
                sql.push(',');
            }
            match engine {
                crate::Engine::Sqlite => sql.push('?'),
                crate::Engine::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        sql.push_str(",'assessed')");
    }
    let mut q = sqlx::query(&sql);
    for e in entries {
        let p: ContributionAssessed = payload(e)?;
        let r = &p.result;
        let a = &r.amounts;
        q = q
            .bind(p.id.as_str().to_string())
            .bind(p.month.to_string())
            .bind(p.credit_code.as_str().to_string())
            .bind(r.inputs.declared_wage.to_string())
            .bind(r.base.to_string())
            .bind(a.pension_employer.to_string())
            .bind(a.pension_employee.to_string())
            .bind(a.medical_employer.to_string())
            .bind(a.medical_employee.to_string())
            .bind(a.unemployment_employer.to_string())
            .bind(a.unemployment_employee.to_string())
            .bind(a.work_injury_employer.to_string())
            .bind(r.account_credit.to_string())
            .bind(r.rule_set.to_string())
            .bind(seq(e));
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Apply one entry to the projections, inside the caller's transaction.
pub(crate) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<(), StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        kind::AGENCY_REGISTERED => {
            let p: AgencyRegistration = payload(entry)?;
            sqlx::query(
                "INSERT INTO agency (code, name, region, first_seq, last_seq) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, region = excluded.region, last_seq = excluded.last_seq",
            )
            .bind(&p.code)
            .bind(&p.name)
            .bind(p.region.as_str())
            .bind(s)
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::EMPLOYER_REGISTERED => {
            let p: EmployerRegistration = payload(entry)?;
            let on = p.registered_on.to_string();
            sqlx::query(
                "INSERT INTO employer (credit_code, name, region, address, industry_class, status, registered_on, \
                 deregistered_on, agency, first_seq, last_seq) VALUES ($1, $2, $3, $4, $5, 'active', $6, NULL, $7, $8, $9) \
                 ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name, address = excluded.address, \
                 industry_class = excluded.industry_class, status = 'active', registered_on = excluded.registered_on, \
                 deregistered_on = NULL, agency = excluded.agency, last_seq = excluded.last_seq",
            )
            .bind(p.credit_code.as_str())
            .bind(&p.name)
            .bind(p.credit_code.region().as_str())
            .bind(&p.address)
            .bind(i64::from(p.industry_class))
            .bind(&on)
            .bind(&entry.agency)
            .bind(s)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            history(conn, entry, &on, format!("registered: {}", p.name)).await?;
        }
        kind::EMPLOYER_CHANGED => {
            let p: EmployerChange = payload(entry)?;
            sqlx::query(
                "UPDATE employer SET name = COALESCE($1, name), address = COALESCE($2, address), \
                 industry_class = COALESCE($3, industry_class), last_seq = $4 WHERE credit_code = $5",
            )
            .bind(p.name.clone())
            .bind(p.address.clone())
            .bind(p.industry_class.map(i64::from))
            .bind(s)
            .bind(p.credit_code.as_str())
            .execute(&mut *conn)
            .await?;
            let summary = changed_fields(&[
                ("name", p.name.is_some()),
                ("address", p.address.is_some()),
                ("industry_class", p.industry_class.is_some()),
            ]);
            history(
                conn,
                entry,
                &p.effective_on.to_string(),
                format!("{summary} ({})", p.reason),
            )
            .await?;
        }
        kind::EMPLOYER_DEREGISTERED => {
            let p: EmployerDeregistration = payload(entry)?;
            let on = p.effective_on.to_string();
            sqlx::query(
                "UPDATE employer SET status = 'deregistered', deregistered_on = $1, last_seq = $2 WHERE credit_code = $3",
            )
            .bind(&on)
            .bind(s)
            .bind(p.credit_code.as_str())
            .execute(&mut *conn)
            .await?;
            history(conn, entry, &on, format!("deregistered ({})", p.reason)).await?;
        }
        kind::PERSON_REGISTERED => {
            let p: PersonRegistration = payload(entry)?;
            let on = p.registered_on.to_string();
            sqlx::query(
                "INSERT INTO person (person_id, name, gender, birth_date, address, phone, registered_on, agency, \
                 first_seq, last_seq, id_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, address = excluded.address, \
                 phone = excluded.phone, registered_on = excluded.registered_on, agency = excluded.agency, \
                 last_seq = excluded.last_seq, id_number = excluded.id_number",
            )
            .bind(p.id.as_str())
            .bind(p.name.as_str())
            .bind(records::gender_word(p.gender))
            .bind(p.birth_date.to_string())
            .bind(p.address.as_str())
            .bind(p.phone.as_str())
            .bind(&on)
            .bind(&entry.agency)
            .bind(s)
            .bind(s)
            .bind(p.id_number.as_str())
            .execute(&mut *conn)
            .await?;
            history(conn, entry, &on, "registered".to_string()).await?;
        }
        kind::PERSON_CHANGED => {
            let p: PersonChange = payload(entry)?;
            sqlx::query(
                "UPDATE person SET name = COALESCE($1, name), address = COALESCE($2, address), \
                 phone = COALESCE($3, phone), last_seq = $4 WHERE person_id = $5",
            )
            .bind(p.name.as_ref().map(|v| v.as_str().to_owned()))
            .bind(p.address.as_ref().map(|v| v.as_str().to_owned()))
            .bind(p.phone.as_ref().map(|v| v.as_str().to_owned()))
            .bind(s)
            .bind(p.id.as_str())
            .execute(&mut *conn)
            .await?;
            let summary = changed_fields(&[
                ("name", p.name.is_some()),
                ("address", p.address.is_some()),
                ("phone", p.phone.is_some()),
            ]);
            history(
                conn,
                entry,
                &p.effective_on.to_string(),
                format!("{summary} ({})", p.reason),
            )
            .await?;
        }
        kind::PERSON_ERASED => {
            let p: records::PersonErasure = payload(entry)?;
            // The data key goes in the same transaction as the entry that
            // records its destruction (the only write of the applier outside
            // the projections; replaying it again changes nothing).
            sqlx::query(
                "UPDATE person_key SET wrapped = NULL, erased_us = $1 \
                 WHERE person_id = $2 AND wrapped IS NOT NULL",
            )
            .bind(entry.time.timestamp_micros())
            .bind(p.id.as_str())
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE person SET last_seq = $1 WHERE person_id = $2")
                .bind(s)
                .bind(p.id.as_str())
                .execute(&mut *conn)
                .await?;
            history(
                conn,
                entry,
                &entry.time.date_naive().to_string(),
                format!("erased ({}; {})", p.reason, p.basis),
            )
            .await?;
        }
        kind::ACCOUNT_CREATED => {
            let p: AccountCreated = payload(entry)?;
            sqlx::query(
                "INSERT INTO account (username, display_name, agency, kind, status, person_id, employer, created_seq, last_seq) \
                 VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8)",
            )
            .bind(&p.username)
            .bind(&p.display_name)
            .bind(&p.agency)
            .bind(&p.kind)
            .bind(p.person_id.as_ref().map(|i| i.as_str().to_string()))
            .bind(p.employer.as_ref().map(|c| c.as_str().to_string()))
            .bind(s)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            for role in &p.roles {
                grant(conn, &p.username, role, s).await?;
            }
        }
        kind::ACCOUNT_LOCKED | kind::ACCOUNT_UNLOCKED | kind::ACCOUNT_RETIRED => {
            let p: AccountStatusChange = payload(entry)?;
            let status = match entry.kind.as_str() {
                kind::ACCOUNT_LOCKED => "locked",
                kind::ACCOUNT_RETIRED => "retired",
                _ => "active",
            };
            // Retired is final: no later lock or unlock revives the account.
            sqlx::query(
                "UPDATE account SET status = $1, last_seq = $2 WHERE username = $3 AND status <> 'retired'",
            )
            .bind(status)
                .bind(s)
                .bind(&p.username)
                .execute(&mut *conn)
                .await?;
        }
        kind::ROLE_REQUESTED | kind::ROLE_REVOCATION_REQUESTED => {
            let p: RoleRequested = payload(entry)?;
            let action = if entry.kind == kind::ROLE_REQUESTED {
                "grant"
            } else {
                "revoke"
            };
            sqlx::query(
                "INSERT INTO role_request (request_id, username, role, requested_by, reason, status, requested_seq, action) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
            )
            .bind(&p.request_id)
            .bind(&p.username)
            .bind(&p.role)
            .bind(entry.actors.first().cloned().unwrap_or_default())
            .bind(&p.reason)
            .bind(s)
            .bind(action)
            .execute(&mut *conn)
            .await?;
        }
        kind::ROLE_APPROVED | kind::ROLE_REJECTED => {
            let p: RoleDecision = payload(entry)?;
            let approved = entry.kind == kind::ROLE_APPROVED;
            sqlx::query(
                "UPDATE role_request SET status = $1, decided_by = $2, decision_reason = $3, decided_seq = $4 \
                 WHERE request_id = $5",
            )
            .bind(if approved { "approved" } else { "rejected" })
            .bind(entry.actors.first().cloned().unwrap_or_default())
            .bind(&p.reason)
            .bind(s)
            .bind(&p.request_id)
            .execute(&mut *conn)
            .await?;
            if approved {
                let action: Option<String> =
                    sqlx::query_scalar("SELECT action FROM role_request WHERE request_id = $1")
                        .bind(&p.request_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                if action.as_deref() == Some("revoke") {
                    sqlx::query("DELETE FROM account_role WHERE username = $1 AND role = $2")
                        .bind(&p.username)
                        .bind(&p.role)
                        .execute(&mut *conn)
                        .await?;
                } else {
                    grant(conn, &p.username, &p.role, s).await?;
                }
            }
        }
        kind::ROLE_REVOKED => {
            let p: RoleRevoked = payload(entry)?;
            sqlx::query("DELETE FROM account_role WHERE username = $1 AND role = $2")
                .bind(&p.username)
                .bind(&p.role)
                .execute(&mut *conn)
                .await?;
        }
        kind::CONTRIBUTION_ASSESSED => {
            let p: ContributionAssessed = payload(entry)?;
            let r = &p.result;
            let a = &r.amounts;
            sqlx::query(
                "INSERT INTO contribution (person_id, month, credit_code, declared_wage, base, pension_employer, \
                 pension_employee, medical_employer, medical_employee, unemployment_employer, unemployment_employee, \
                 work_injury_employer, account_credit, rule_set, status, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'assessed', $15)",
            )
            .bind(p.id.as_str())
            .bind(p.month.to_string())
            .bind(p.credit_code.as_str())
            .bind(r.inputs.declared_wage.to_string())
            .bind(r.base.to_string())
            .bind(a.pension_employer.to_string())
            .bind(a.pension_employee.to_string())
            .bind(a.medical_employer.to_string())
            .bind(a.medical_employee.to_string())
            .bind(a.unemployment_employer.to_string())
            .bind(a.unemployment_employee.to_string())
            .bind(a.work_injury_employer.to_string())
            .bind(r.account_credit.to_string())
            .bind(r.rule_set.to_string())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::CERTIFICATE_ISSUED => {
            let c: records::CertificateIssued = payload(entry)?;
            sqlx::query(
                "INSERT INTO certificate (code, person_id, kind, from_month, to_month, issued_at, pdf_sha256, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&c.code)
            .bind(c.id.as_str())
            .bind(&c.kind)
            .bind(c.from_month.to_string())
            .bind(c.to_month.to_string())
            .bind(&c.issued_at)
            .bind(&c.pdf_sha256)
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::CERTIFICATE_REVOKED => {
            let r: records::CertificateRevoked = payload(entry)?;
            sqlx::query(
                "UPDATE certificate SET revoked_seq = $1, revoked_reason = $2 WHERE code = $3",
            )
            .bind(s)
            .bind(&r.reason)
            .bind(&r.code)
            .execute(&mut *conn)
            .await?;
        }
        kind::BENEFIT_PAID => {
            let p: records::BenefitPaid = payload(entry)?;
            sqlx::query(
                "INSERT INTO benefit_payment (person_id, month, amount, granted_seq, rule_set, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(p.id.as_str())
            .bind(p.month.to_string())
            .bind(p.amount.to_string())
            .bind(i64::try_from(p.granted_seq).unwrap_or(i64::MAX))
            .bind(&p.rule_set)
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::SUBSIDY_GRANTED => {
            let p: records::SubsidyGrant = payload(entry)?;
            let mut m = p.from_month;
            while m <= p.to_month {
                sqlx::query(
                    "INSERT INTO subsidy (person_id, month, kind, amount, basis, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(p.id.as_str())
                .bind(m.to_string())
                .bind(&p.kind)
                .bind(p.monthly_amount.to_string())
                .bind(&p.basis)
                .bind(s)
                .execute(&mut *conn)
                .await?;
                m = m.add_months(1);
            }
        }
        kind::CONTRIBUTION_CORRECTED => {
            let c: records::ContributionCorrected = payload(entry)?;
            let p = &c.assessed;
            let r = &p.result;
            let a = &r.amounts;
            sqlx::query(
                "UPDATE contribution SET declared_wage = $1, base = $2, pension_employer = $3, \
                 pension_employee = $4, medical_employer = $5, medical_employee = $6, unemployment_employer = $7, \
                 unemployment_employee = $8, work_injury_employer = $9, account_credit = $10, rule_set = $11, seq = $12 \
                 WHERE person_id = $13 AND month = $14",
            )
            .bind(r.inputs.declared_wage.to_string())
            .bind(r.base.to_string())
            .bind(a.pension_employer.to_string())
            .bind(a.pension_employee.to_string())
            .bind(a.medical_employer.to_string())
            .bind(a.medical_employee.to_string())
            .bind(a.unemployment_employer.to_string())
            .bind(a.unemployment_employee.to_string())
            .bind(a.work_injury_employer.to_string())
            .bind(r.account_credit.to_string())
            .bind(r.rule_set.to_string())
            .bind(s)
            .bind(p.id.as_str())
            .bind(p.month.to_string())
            .execute(&mut *conn)
            .await?;
        }
        kind::BENEFIT_STATUS => {
            let p: records::BenefitStatusChange = payload(entry)?;
            sqlx::query("UPDATE benefit SET status = $1, seq = $2 WHERE person_id = $3")
                .bind(&p.status)
                .bind(s)
                .bind(p.id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        kind::BENEFIT_GRANTED => {
            let p: BenefitGranted = payload(entry)?;
            let pen = &p.pension;
            sqlx::query(
                "INSERT INTO benefit (person_id, status, start_month, contribution_months, basic, account, transitional, total, rule_set, seq) \
                 VALUES ($1, 'granted', $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(p.id.as_str())
            .bind(p.retirement.retirement_month.to_string())
            .bind(i64::from(pen.inputs.contribution_months))
            .bind(pen.basic.to_string())
            .bind(pen.account.to_string())
            .bind(pen.transitional.to_string())
            .bind(pen.total.to_string())
            .bind(pen.rule_set.to_string())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::ACCOUNT_SETTLED => {
            let p: AccountSettled = payload(entry)?;
            let r = &p.result;
            sqlx::query(
                "INSERT INTO account_year (person_id, year, opening_balance, credits, rate, interest, closing_balance, rule_set, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(p.id.as_str())
            .bind(i64::from(p.year))
            .bind(r.inputs.opening_balance.to_string())
            .bind(r.credits_total.to_string())
            .bind(r.inputs.rate.to_string())
            .bind(r.interest.to_string())
            .bind(r.closing_balance.to_string())
            .bind(r.rule_set.to_string())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::CONTRIBUTION_PAID => {
            let p: ContributionPaid = payload(entry)?;
            sqlx::query(
                "UPDATE contribution SET status = 'paid' WHERE credit_code = $1 AND month = $2",
            )
            .bind(p.credit_code.as_str())
            .bind(p.month.to_string())
            .execute(&mut *conn)
            .await?;
        }
        kind::EMPLOYMENT_STARTED => {
            let p: EmploymentStart = payload(entry)?;
            sqlx::query(
                "INSERT INTO employment (person_id, credit_code, start_on, end_on, end_reason, agency, start_seq, end_seq) \
                 VALUES ($1, $2, $3, NULL, NULL, $4, $5, NULL)",
            )
            .bind(p.id.as_str())
            .bind(p.credit_code.as_str())
            .bind(p.start_on.to_string())
            .bind(&entry.agency)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            history(
                conn,
                entry,
                &p.start_on.to_string(),
                format!("employed by {}", p.credit_code),
            )
            .await?;
        }
        kind::EMPLOYMENT_ENDED => {
            let p: EmploymentEnd = payload(entry)?;
            sqlx::query(
                "UPDATE employment SET end_on = $1, end_reason = $2, end_seq = $3 \
                 WHERE person_id = $4 AND credit_code = $5 AND end_on IS NULL",
            )
            .bind(p.end_on.to_string())
            .bind(&p.reason)
            .bind(s)
            .bind(p.id.as_str())
            .bind(p.credit_code.as_str())
            .execute(&mut *conn)
            .await?;
            history(
                conn,
                entry,
                &p.end_on.to_string(),
                format!("left {} ({})", p.credit_code, p.reason),
            )
            .await?;
        }
        kind::APPLICATION_SUBMITTED => {
            let p: ApplicationSubmitted = payload(entry)?;
            let actor = entry.actors.first().cloned().unwrap_or_default();
            let json = |v: &dyn erased::Ser| v.to_json();
            sqlx::query(
                "INSERT INTO application (application_id, business_type, subject, agency, data, materials, chain, status, \
                 next_stage, reason, submitted_by, submitted_seq, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, $12) \
                 ON CONFLICT (application_id) DO UPDATE SET data = excluded.data, materials = excluded.materials, \
                 status = excluded.status, next_stage = excluded.next_stage, reason = '', last_seq = excluded.last_seq",
            )
            .bind(&p.application_id)
            .bind(&p.business_type)
            .bind(&p.subject)
            .bind(&entry.agency)
            .bind(json(&p.data))
            .bind(json(&p.materials))
            .bind(json(&p.chain))
            .bind(&p.status)
            .bind(p.next_stage.map(|s| s.as_str().to_string()))
            .bind(&actor)
            .bind(s)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            step(conn, s, &p.application_id, "preliminary", &actor, true, "").await?;
        }
        kind::APPLICATION_DECIDED => {
            let p: ApplicationDecided = payload(entry)?;
            let actor = entry.actors.first().cloned().unwrap_or_default();
            sqlx::query(
                "UPDATE application SET status = $1, next_stage = $2, reason = $3, last_seq = $4 WHERE application_id = $5",
            )
            .bind(&p.status)
            .bind(p.next_stage.map(|s| s.as_str().to_string()))
            .bind(&p.reason)
            .bind(s)
            .bind(&p.application_id)
            .execute(&mut *conn)
            .await?;
            step(
                conn,
                s,
                &p.application_id,
                p.stage.as_str(),
                &actor,
                p.approve,
                &p.reason,
            )
            .await?;
        }
        kind::APPLICATION_WITHDRAWN => {
            let p: ApplicationWithdrawn = payload(entry)?;
            sqlx::query(
                "UPDATE application SET status = 'withdrawn', next_stage = NULL, reason = $1, last_seq = $2 WHERE application_id = $3",
            )
            .bind(&p.reason)
            .bind(s)
            .bind(&p.application_id)
            .execute(&mut *conn)
            .await?;
        }
        kind::DELEGATION_RECORDED => {
            let p: DelegationRecorded = payload(entry)?;
            sqlx::query(
                "INSERT INTO delegation (delegation_id, person_id, delegate_username, scope, valid_from, valid_until, \
                 document_sha256, recorded_by, recorded_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&p.delegation_id)
            .bind(p.person_id.as_str())
            .bind(&p.delegate_username)
            .bind(p.scope.join(","))
            .bind(p.valid_from.to_string())
            .bind(p.valid_until.to_string())
            .bind(&p.document_sha256)
            .bind(entry.actors.first().cloned().unwrap_or_default())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}
