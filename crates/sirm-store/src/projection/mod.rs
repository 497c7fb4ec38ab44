//! The ledger applier: the only code that writes projection tables.
//!
//! Each entry kind with a projection maps its payload (a `sirm-domain` record
//! type) onto rows. Kinds without a projection (e.g. security events) are
//! ignored here; they live in the ledger only. The SQL is shared by both
//! engines (`INSERT … ON CONFLICT … DO UPDATE` and `$n` parameters work in
//! SQLite and PostgreSQL alike).
//!
//! Files: [`tables`] lists every projection table; `registry.rs` projects
//! registrations, accounts and roles; `rights.rs` contributions, accounts,
//! benefits, certificates, applications and delegations; `bulk.rs` the
//! kinds bulk work produces by the thousand (person registrations, hirings,
//! account years, benefit grants and payments, unemployment grants), a run
//! of them at a time; `state.rs` rebuilds and digests the whole projection
//! state.

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

mod bulk;
mod claims;
mod corrections;
mod crosscheck;
mod disclosure;
mod life;
mod medical;
mod objection;
mod registry;
mod relations;
mod rights;
mod state;
mod summary;
mod tables;
mod write;

pub use state::ProjectionDigest;
pub(crate) use summary::{fill_sql as statistics_fill_sql, row_fen_sql};
pub(crate) use tables::{Col, Table, TABLES};
use write::{payload, seq};

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
        kind::PERSON_ID_CHANGED => payload::<records::PersonIdChange>(entry).map(drop),
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
        kind::DISCLOSURE_EXTRACT => payload::<records::ExtractReleased>(entry).map(drop),
        kind::ACCOUNT_AGREEMENT => payload::<records::ConfidentialityAgreement>(entry).map(drop),
        kind::APPLICATION_PREPARED => payload::<records::ApplicationPrepared>(entry).map(drop),
        kind::APPLICATION_PREPARED_CLOSED => payload::<records::PreparedClosed>(entry).map(drop),
        _ => corrections::check(entry)
            .or_else(|| disclosure::check(entry))
            .or_else(|| objection::check(entry))
            .or_else(|| crosscheck::check(entry))
            .or_else(|| claims::check(entry))
            .or_else(|| relations::check(entry))
            .or_else(|| life::check(entry))
            .or_else(|| medical::check(entry))
            .unwrap_or(Ok(())),
    }
}

/// Entries of one kind written by one multi-row statement per table, at
/// most (well under both engines' parameter limits).
const RUN_ROWS: usize = 1000;

/// Whether consecutive entries of `kind` are written together
/// ([`apply_run`]).
fn in_runs(kind: &str) -> bool {
    kind == kind::CONTRIBUTION_ASSESSED
        || kind == kind::CROSSCHECK_DISCREPANCY
        || life::is_bulk(kind)
        || bulk::handles(kind)
}

/// Apply entries in ledger order. Consecutive entries of a kind written in
/// runs (a declaration's person-months, an import's findings, a payment
/// run's payments, a population's registrations and hirings, …) go in
/// [`RUN_ROWS`] at a time as multi-row statements ([`apply_run`]); every
/// other entry through [`apply`].
pub(crate) async fn apply_all(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    let mut i = 0;
    while i < entries.len() {
        let k = &entries[i].kind;
        if in_runs(k) {
            let mut j = i;
            while j < entries.len() && entries[j].kind == *k {
                j += 1;
            }
            for chunk in entries[i..j].chunks(RUN_ROWS) {
                apply_run(conn, engine, chunk).await?;
            }
            i = j;
        } else {
            apply(conn, engine, &entries[i]).await?;
            i += 1;
        }
    }
    Ok(())
}

/// Consecutive entries of one kind that [`in_runs`] names.
async fn apply_run(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    run: &[Entry],
) -> Result<(), StoreError> {
    let Some(first) = run.first() else {
        return Ok(());
    };
    match first.kind.as_str() {
        kind::CONTRIBUTION_ASSESSED => insert_contributions(conn, engine, run).await,
        kind::CROSSCHECK_DISCREPANCY => crosscheck::insert_discrepancies(conn, engine, run).await,
        k if life::is_bulk(k) => life::insert_many(conn, engine, run).await,
        _ => bulk::apply_many(conn, engine, run).await,
    }
}

async fn insert_contributions(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    let mut parsed = Vec::with_capacity(entries.len());
    for e in entries {
        let p: ContributionAssessed = payload(e)?;
        parsed.push((p, seq(e)));
    }
    let rows: Vec<Assessed<'_>> = parsed
        .iter()
        .map(|(p, s)| Assessed {
            person_id: p.id.as_str(),
            month: p.month,
            credit_code: p.credit_code.as_str(),
            result: &p.result,
            seq: *s,
        })
        .collect();
    insert_assessed(conn, engine, &rows).await
}

/// One person-month to insert as `assessed`: an employer's (the
/// `contribution.assessed` entries) or a flexibly employed person's
/// (credit code empty, `relations.rs`).
pub(super) struct Assessed<'a> {
    pub person_id: &'a str,
    pub month: sirm_domain::rules::Month,
    pub credit_code: &'a str,
    pub result: &'a sirm_domain::rules::engine::MonthResult,
    pub seq: i64,
}

/// Person-months in as one multi-row INSERT, with the statistics summaries.
pub(super) async fn insert_assessed(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    rows: &[Assessed<'_>],
) -> Result<(), StoreError> {
    const COLS: usize = 15;
    let mut sql = format!(
        "INSERT INTO contribution (person_id, month, credit_code, {}, seq, status) VALUES ",
        write::figure_columns().join(", ")
    );
    let mut n = 1;
    for i in 0..rows.len() {
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
    let mut counted = Vec::with_capacity(rows.len());
    let mut flags = Vec::with_capacity(rows.len());
    for p in rows {
        q = q
            .bind(p.person_id.to_string())
            .bind(p.month.to_string())
            .bind(p.credit_code.to_string());
        for f in write::figures(p.result) {
            q = q.bind(f);
        }
        q = q.bind(p.seq);
        let amounts = write::amounts(p.result);
        counted.push(summary::Counted {
            person_id: p.person_id.to_string(),
            month: p.month.to_string(),
            year: i64::from(p.month.year()),
            credit_code: p.credit_code.to_string(),
            fen: summary::fen_of(&amounts)?,
        });
        flags.push(summary::insured_flags(&amounts));
    }
    q.execute(&mut *conn).await?;
    summary::add_assessed(conn, engine, &counted).await?;
    let insured: Vec<_> = counted.into_iter().zip(flags).collect();
    summary::add_insured_assessed(conn, engine, &insured).await
}
/// Apply one entry to the projections, inside the caller's transaction.
/// Kinds without a projection are ignored.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entry: &Entry,
) -> Result<(), StoreError> {
    if in_runs(&entry.kind) {
        return apply_run(conn, engine, std::slice::from_ref(entry)).await;
    }
    if registry::apply(conn, entry).await? {
        return Ok(());
    }
    if disclosure::apply(conn, entry).await? {
        return Ok(());
    }
    if corrections::apply(conn, entry).await? {
        return Ok(());
    }
    if objection::apply(conn, entry).await? {
        return Ok(());
    }
    if crosscheck::apply(conn, entry).await? {
        return Ok(());
    }
    if claims::apply(conn, entry).await? {
        return Ok(());
    }
    if relations::apply(conn, engine, entry).await? {
        return Ok(());
    }
    if life::apply(conn, entry).await? {
        return Ok(());
    }
    if medical::apply(conn, entry).await? {
        return Ok(());
    }
    rights::apply(conn, entry).await?;
    objection::follow_application(conn, entry).await?;
    Ok(())
}
