//! Matching a department file's rows against the record (Art 5): every
//! difference becomes a finding with its evidence and, where an existing
//! business type can put it right, a proposed application.
//!
//! What the record holds is read once per import (registered persons,
//! declared months in the file's range, benefits, employers), not row by
//! row; only the few persons a death touches are read one by one.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::records::crosscheck::{under_declared, FileKind};
use sirm_domain::records::{self, DiscrepancyEvidence, DiscrepancyKind, Proposal};
use sirm_domain::rules::Month;
use sirm_domain::status::{BenefitStatus, ContributionStatus};

use super::file::Row;
use crate::{AppError, Sirm};

/// Registered dead persons whose records are looked up at once.
const DEATH_LOOKUPS: usize = 8;

/// One difference found, before it is recorded.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: DiscrepancyKind,
    pub subject: String,
    pub fact: String,
    pub evidence: DiscrepancyEvidence,
    pub proposal: Option<Proposal>,
}

fn person(pk: &PersonKey) -> String {
    records::person_subject(pk)
}

fn proposal(business_type: &str, data: serde_json::Value) -> Option<Proposal> {
    Some(Proposal {
        business_type: business_type.to_string(),
        data,
    })
}

/// The blind indexes of the ID numbers in `ids`, each distinct number
/// hashed once, shared out over the machine's cores: a tax file names the
/// same person once a month, and the keyed hash is most of matching's time.
fn person_keys<'a>(
    sirm: &Sirm,
    ids: impl Iterator<Item = &'a ResidentId>,
) -> Result<HashMap<&'a ResidentId, PersonKey>, AppError> {
    let mut seen = HashSet::new();
    let distinct: Vec<&ResidentId> = ids.filter(|id| seen.insert(*id)).collect();
    drop(seen);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = distinct.len().div_ceil(threads).max(1);
    let vault = sirm.vault()?;
    let parts: Vec<Option<Vec<PersonKey>>> = std::thread::scope(|s| {
        let handles: Vec<_> = distinct
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|id| vault.person_key(id))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    let mut out = HashMap::with_capacity(distinct.len());
    let mut ids = distinct.into_iter();
    for part in parts {
        // A part whose thread failed is left out: its rows are hashed
        // one by one (`key_of`).
        let Some(part) = part else {
            break;
        };
        for pk in part {
            if let Some(id) = ids.next() {
                out.insert(id, pk);
            }
        }
    }
    Ok(out)
}

/// The blind index of `id`, from `keys` where it was computed.
fn key_of(
    sirm: &Sirm,
    keys: &HashMap<&ResidentId, PersonKey>,
    id: &ResidentId,
) -> Result<PersonKey, AppError> {
    match keys.get(id) {
        Some(pk) => Ok(pk.clone()),
        None => sirm.person_key(id),
    }
}

/// Time spent in each phase of an import, for profiling (`ImportReport::phases`).
pub type Phases = Vec<(&'static str, std::time::Duration)>;

/// The findings of `rows` (a file of `kind`), and the time of each phase.
pub(crate) async fn findings(
    sirm: &Sirm,
    kind: FileKind,
    rows: &[(u64, Row)],
) -> Result<(Vec<Finding>, Phases), AppError> {
    let mut phases = Phases::new();
    let mut t = std::time::Instant::now();
    let mut lap = |phases: &mut Phases, what: &'static str| {
        phases.push((what, t.elapsed()));
        t = std::time::Instant::now();
    };
    let persons = sirm.store.registered_person_ids().await?;
    lap(&mut phases, "registered persons read");
    let mut out = Vec::new();
    let unknown = |out: &mut Vec<Finding>, pk: &PersonKey, line: u64| {
        out.push(Finding {
            kind: DiscrepancyKind::UnknownPerson,
            subject: person(pk),
            fact: "registration".into(),
            evidence: DiscrepancyEvidence {
                line,
                ..DiscrepancyEvidence::default()
            },
            proposal: None,
        })
    };
    match kind {
        FileKind::TaxWage => {
            let months = rows.iter().filter_map(|(_, r)| match r {
                Row::TaxWage { month, .. } => Some(*month),
                _ => None,
            });
            let (Some(from), Some(to)) = (months.clone().min(), months.max()) else {
                return Ok((out, phases));
            };
            let declared = sirm.store.declared_between(from, to).await?;
            lap(&mut phases, "declared months read");
            let keys = person_keys(
                sirm,
                rows.iter().filter_map(|(_, r)| match r {
                    Row::TaxWage { id, .. } => Some(id),
                    _ => None,
                }),
            )?;
            lap(&mut phases, "blind indexes");
            let tolerance = sirm.config.crosscheck.tolerance;
            for (line, r) in rows {
                let Row::TaxWage {
                    id,
                    credit_code,
                    month,
                    taxable_wage,
                } = r
                else {
                    continue;
                };
                let pk = key_of(sirm, &keys, id)?;
                if !persons.contains(pk.as_str()) {
                    unknown(&mut out, &pk, *line);
                    continue;
                }
                let d = declared.get(&(pk.as_str().to_string(), *month));
                let declared_wage = d.map(|d| d.declared_wage).unwrap_or(Decimal::ZERO);
                if !under_declared(declared_wage, *taxable_wage, tolerance) {
                    continue;
                }
                // A declared month not yet paid can be corrected
                // (contribution.correct); a paid month is settled by a
                // supplementary payment and a month not declared at all is
                // the employer's to declare: asked, not proposed.
                let unpaid = d.filter(|d| d.status == ContributionStatus::Assessed);
                let proposal = unpaid.and_then(|_| {
                    proposal(
                        "contribution.correct",
                        serde_json::json!({
                            "id": pk.as_str(),
                            "month": month.to_string(),
                            "declared_wage": taxable_wage.to_string(),
                            "reason": format!(
                                "税务部门比对：{month} 应税工资 {taxable_wage}，申报工资 {declared_wage}"
                            ),
                        }),
                    )
                });
                out.push(Finding {
                    kind: DiscrepancyKind::UnderDeclared,
                    subject: person(&pk),
                    fact: month.to_string(),
                    evidence: DiscrepancyEvidence {
                        line: *line,
                        credit_code: Some(credit_code.clone()),
                        month: Some(*month),
                        taxable_wage: Some(*taxable_wage),
                        declared_wage: d.map(|d| d.declared_wage),
                        ..DiscrepancyEvidence::default()
                    },
                    proposal,
                });
            }
        }
        FileKind::Death => {
            let benefits = sirm.store.benefit_statuses().await?;
            let keys = person_keys(
                sirm,
                rows.iter().filter_map(|(_, r)| match r {
                    Row::Death { id, .. } => Some(id),
                    _ => None,
                }),
            )?;
            lap(&mut phases, "blind indexes");
            let mut dead = Vec::new();
            for (line, r) in rows {
                let Row::Death {
                    id,
                    died_on,
                    certificate_no,
                } = r
                else {
                    continue;
                };
                let pk = key_of(sirm, &keys, id)?;
                // Most of the dead were never insured here: an unknown
                // person in a deaths file is no discrepancy.
                if !persons.contains(pk.as_str()) {
                    continue;
                }
                dead.push((pk, *line, *died_on, certificate_no.as_str()));
            }
            // Each registered dead person's record is looked up (a round
            // trip each): a few at a time, the findings kept in file order.
            for chunk in dead.chunks(DEATH_LOOKUPS) {
                let found = futures::future::try_join_all(
                    chunk.iter().map(|d| death_of(sirm, &benefits, d)),
                )
                .await?;
                out.extend(found.into_iter().flatten());
            }
        }
        FileKind::IdChange => {
            for (line, r) in rows {
                let Row::IdChange {
                    old_id,
                    new_id,
                    new_name,
                    changed_on,
                } = r
                else {
                    continue;
                };
                let pk = sirm.person_key(old_id)?;
                if !persons.contains(pk.as_str()) {
                    continue;
                }
                let new_pk = sirm.person_key(new_id)?;
                // Applied already: the new number finds this person.
                if old_id != new_id && new_pk != pk {
                    out.push(
                        id_changed(sirm, &pk, old_id, new_id, new_pk, *line, *changed_on).await,
                    );
                }
                if let Some(name) = new_name {
                    let data = sirm
                        .protect_data(
                            crate::collection::BusinessType::PersonCorrect,
                            serde_json::json!({
                                "id": old_id.as_str(),
                                "effective_on": changed_on.to_string(),
                                "reason": "公安部门比对：姓名变更",
                                "name": name,
                            }),
                        )
                        .await?;
                    out.push(Finding {
                        kind: DiscrepancyKind::NameChanged,
                        subject: person(&pk),
                        fact: changed_on.to_string(),
                        evidence: DiscrepancyEvidence {
                            line: *line,
                            date: Some(*changed_on),
                            ..DiscrepancyEvidence::default()
                        },
                        proposal: proposal("person.correct", data),
                    });
                }
            }
        }
        FileKind::EmployerStatus => {
            let statuses = sirm.store.employer_statuses().await?;
            let last = sirm.store.last_declared_months().await?;
            for (line, r) in rows {
                let Row::EmployerStatus {
                    credit_code,
                    status,
                    closed,
                    status_on,
                } = r
                else {
                    continue;
                };
                let code = credit_code.as_str();
                let subject = records::employer_subject(credit_code);
                match (statuses.get(code).map(String::as_str), closed) {
                    (None, false) => out.push(Finding {
                        kind: DiscrepancyKind::UnknownEmployer,
                        subject,
                        fact: "registration".into(),
                        evidence: DiscrepancyEvidence {
                            line: *line,
                            status: Some(status.clone()),
                            date: Some(*status_on),
                            ..DiscrepancyEvidence::default()
                        },
                        proposal: None,
                    }),
                    (Some("active"), true) => {
                        let last_month = last.get(code).copied();
                        let after = last_month
                            .map(|m| m.months_since(Month::of_date(*status_on)).max(0) as u32);
                        out.push(Finding {
                            kind: DiscrepancyKind::EmployerDeregistered,
                            subject,
                            fact: status_on.to_string(),
                            evidence: DiscrepancyEvidence {
                                line: *line,
                                status: Some(status.clone()),
                                date: Some(*status_on),
                                month: last_month,
                                months_after: after,
                                ..DiscrepancyEvidence::default()
                            },
                            proposal: proposal(
                                "employer.deregister",
                                serde_json::json!({
                                    "credit_code": code,
                                    "effective_on": status_on.to_string(),
                                    "reason": format!("市场监管部门比对：{status}（{status_on}）"),
                                }),
                            ),
                        });
                    }
                    _ => {}
                }
            }
        }
        FileKind::InstitutionStaff | FileKind::Settlement => {
            let employers = sirm.store.employer_statuses().await?;
            let mut seen_inst = HashSet::new();
            for (line, r) in rows {
                let (id, inst) = match r {
                    Row::InstitutionStaff {
                        id, institution, ..
                    }
                    | Row::Settlement {
                        id, institution, ..
                    } => (id, institution),
                    _ => continue,
                };
                let pk = sirm.person_key(id)?;
                if !persons.contains(pk.as_str()) {
                    unknown(&mut out, &pk, *line);
                }
                if kind == FileKind::InstitutionStaff
                    && !employers.contains_key(inst.as_str())
                    && seen_inst.insert(inst.as_str().to_string())
                {
                    out.push(Finding {
                        kind: DiscrepancyKind::UnknownEmployer,
                        subject: records::employer_subject(inst),
                        fact: "registration".into(),
                        evidence: DiscrepancyEvidence {
                            line: *line,
                            ..DiscrepancyEvidence::default()
                        },
                        proposal: None,
                    });
                }
            }
        }
    }
    lap(&mut phases, "rows matched");
    Ok((out, phases))
}

/// The findings of one registered person's death (see [`death`]).
async fn death_of(
    sirm: &Sirm,
    benefits: &HashMap<String, BenefitStatus>,
    (pk, line, died_on, certificate_no): &(PersonKey, u64, NaiveDate, &str),
) -> Result<Vec<Finding>, AppError> {
    let mut one = Vec::new();
    death(
        sirm,
        &mut one,
        benefits,
        pk,
        *line,
        *died_on,
        certificate_no,
    )
    .await?;
    Ok(one)
}

/// A registered person's death: a benefit still paid (proposal: its
/// termination from the day after death, the overpaid months computed at
/// approval), contributions declared for months after it (asked).
async fn death(
    sirm: &Sirm,
    out: &mut Vec<Finding>,
    benefits: &HashMap<String, BenefitStatus>,
    pk: &PersonKey,
    line: u64,
    died_on: NaiveDate,
    certificate_no: &str,
) -> Result<(), AppError> {
    let died_month = Month::of_date(died_on);
    if matches!(
        benefits.get(pk.as_str()),
        Some(BenefitStatus::Granted | BenefitStatus::Suspended)
    ) {
        let pays: Vec<(Month, Decimal)> = sirm
            .store
            .benefit_payments_of(pk.as_str())
            .await?
            .into_iter()
            .map(|p| (p.month, p.amount))
            .collect();
        let over = records::crosscheck::overpaid_after(died_on, &pays);
        let effective_on = died_on.succ_opt().unwrap_or(died_on);
        out.push(Finding {
            kind: DiscrepancyKind::DeathWithBenefit,
            subject: person(pk),
            fact: died_on.to_string(),
            evidence: DiscrepancyEvidence {
                line,
                date: Some(died_on),
                document: Some(certificate_no.to_string()),
                month: over.from_month,
                months_after: Some(over.months),
                amount_after: Some(over.total),
                ..DiscrepancyEvidence::default()
            },
            proposal: proposal(
                "benefit.status",
                serde_json::json!({
                    "id": pk.as_str(),
                    "status": "terminated",
                    "effective_on": effective_on.to_string(),
                    "reason": format!("民政部门比对：{died_on} 死亡（死亡证明 {certificate_no}），待遇自次日终止，多发待遇追回"),
                }),
            ),
        });
    }
    let after: Vec<_> = sirm
        .store
        .contributions_of(pk.as_str())
        .await?
        .into_iter()
        .filter(|c| c.month > died_month)
        .collect();
    if let Some(first) = after.first() {
        out.push(Finding {
            kind: DiscrepancyKind::DeathWithContributions,
            subject: person(pk),
            fact: died_on.to_string(),
            evidence: DiscrepancyEvidence {
                line,
                date: Some(died_on),
                document: Some(certificate_no.to_string()),
                credit_code: first.credit_code.parse().ok(),
                month: Some(first.month),
                months_after: Some(after.len() as u32),
                ..DiscrepancyEvidence::default()
            },
            proposal: None,
        });
    }
    Ok(())
}

/// An ID number public security changed: the finding, with a prepared
/// `person.id_change` that applies it (none when it cannot be prepared,
/// e.g. the person's data was erased: the officer dismisses or asks).
async fn id_changed(
    sirm: &Sirm,
    pk: &PersonKey,
    old_id: &ResidentId,
    new_id: &ResidentId,
    new_pk: PersonKey,
    line: u64,
    changed_on: NaiveDate,
) -> Finding {
    let subject = person(pk);
    let fact = new_pk.to_string();
    let data = sirm
        .protect_data(
            crate::collection::BusinessType::PersonIdChange,
            serde_json::json!({
                "id": old_id.as_str(),
                "new_id_number": new_id.as_str(),
                "effective_on": changed_on.to_string(),
                "reason": "公安部门比对：公民身份号码变更",
                "discrepancy_id": super::discrepancy_id(DiscrepancyKind::IdChanged, &subject, &fact),
            }),
        )
        .await
        .ok();
    Finding {
        kind: DiscrepancyKind::IdChanged,
        subject,
        fact,
        evidence: DiscrepancyEvidence {
            line,
            date: Some(changed_on),
            new_person: Some(new_pk),
            ..DiscrepancyEvidence::default()
        },
        proposal: data.and_then(|d| proposal("person.id_change", d)),
    }
}
