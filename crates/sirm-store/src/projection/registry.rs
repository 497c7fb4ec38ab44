//! Projections of registrations (agencies, employers, persons), accounts
//! and roles.

use sirm_domain::records::{
    self, kind, AccountCreated, AccountStatusChange, AgencyRegistration, EmployerChange,
    EmployerDeregistration, EmployerRegistration, PersonChange, RoleDecision, RoleRequested,
    RoleRevoked,
};
use sirm_domain::sealed::Sealed;
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::summary;
use super::write::{change_details, grant, history, payload, seq, Changed};
use crate::StoreError;

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
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
            let fields = [
                Changed::Text("name", p.name.clone()),
                Changed::Text("address", p.address.clone()),
                Changed::Int("industry_class", p.industry_class.map(i64::from)),
            ];
            let key = ("employer", "credit_code", p.credit_code.as_str());
            let on = p.effective_on.to_string();
            change_details(conn, entry, key, &fields, &on, &p.reason).await?;
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
        kind::PERSON_CHANGED => {
            let p: PersonChange = payload(entry)?;
            let sealed = |v: &Option<Sealed>| v.as_ref().map(|v| v.as_str().to_owned());
            let fields = [
                Changed::Text("name", sealed(&p.name)),
                Changed::Text("address", sealed(&p.address)),
                Changed::Text("phone", sealed(&p.phone)),
            ];
            let key = ("person", "person_id", p.id.as_str());
            let on = p.effective_on.to_string();
            change_details(conn, entry, key, &fields, &on, &p.reason).await?;
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
        kind::PERSON_ID_CHANGED => {
            let p: records::PersonIdChange = payload(entry)?;
            id_changed(conn, entry, &p).await?;
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
            .bind(p.kind.as_str())
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
        _ => return Ok(false),
    }
    Ok(true)
}

/// `person.id_changed`: the new number's blind index becomes an alias of
/// the person, the person row answers the new (sealed) number, gender and
/// birth date follow the new number, and the cross-check discrepancy it
/// applies is closed as applied.
async fn id_changed(
    conn: &mut AnyConnection,
    entry: &Entry,
    p: &records::PersonIdChange,
) -> Result<(), StoreError> {
    let s = seq(entry);
    let on = p.effective_on.to_string();
    history(
        conn,
        entry,
        &on,
        format!("ID number changed ({})", p.reason),
    )
    .await?;
    let before = summary::persons_of(conn, summary::NUMBERED, &[p.id.as_str()]).await?;
    sqlx::query(
        "INSERT INTO person_alias (alias_id, person_id, id_number, previous_id_number, effective_on, \
         reason, actors, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(p.alias.as_str())
    .bind(p.id.as_str())
    .bind(p.new_id_number.as_str())
    .bind(p.previous_id_number.as_str())
    .bind(&on)
    .bind(&p.reason)
    .bind(entry.actors.join(","))
    .bind(s)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE person SET id_number = $1, gender = $2, birth_date = $3, last_seq = $4 \
         WHERE person_id = $5",
    )
    .bind(p.new_id_number.as_str())
    .bind(records::gender_word(p.gender))
    .bind(p.birth_date.to_string())
    .bind(s)
    .bind(p.id.as_str())
    .execute(&mut *conn)
    .await?;
    summary::reregistered(conn, summary::NUMBERED, &[p.id.as_str()], before).await?;
    if let Some(d) = &p.discrepancy_id {
        sqlx::query(
            "UPDATE crosscheck_discrepancy SET status = 'applied', resolved_seq = $1 \
             WHERE discrepancy_id = $2",
        )
        .bind(s)
        .bind(d)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
