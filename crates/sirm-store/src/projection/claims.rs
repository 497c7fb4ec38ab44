//! Projection of work-injury (工伤) and maternity (生育) claims: the injury
//! with its recognition and assessment, the maternity event, and one
//! `claim_benefit` row per benefit item granted or paid.

use sirm_domain::records::{
    claim_kind as k, DeathGranted, DisabilityAssessment, DisabilityGranted, InjuryRecognition,
    MaternityAllowanceGranted, MaternityEventRecord, MaternityMedical,
};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{payload, seq};
use crate::StoreError;

/// Check the payload of a kind of this file; `None` for other kinds.
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        k::INJURY_RECOGNISED => payload::<InjuryRecognition>(entry).map(drop),
        k::INJURY_ASSESSED => payload::<DisabilityAssessment>(entry).map(drop),
        k::INJURY_DISABILITY_GRANTED => payload::<DisabilityGranted>(entry).map(drop),
        k::INJURY_DEATH_GRANTED => payload::<DeathGranted>(entry).map(drop),
        k::MATERNITY_RECORDED => payload::<MaternityEventRecord>(entry).map(drop),
        k::MATERNITY_ALLOWANCE_GRANTED => payload::<MaternityAllowanceGranted>(entry).map(drop),
        k::MATERNITY_MEDICAL_PAID => payload::<MaternityMedical>(entry).map(drop),
        _ => return None,
    })
}

/// One `claim_benefit` row.
struct Item<'a> {
    person_id: &'a str,
    insurance: &'a str,
    claim_date: String,
    item: String,
    amount: String,
    monthly: bool,
    payer: &'a str,
    credit_code: &'a str,
    start_month: String,
    rule_set: String,
}

async fn insert(conn: &mut AnyConnection, s: i64, i: Item<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO claim_benefit (person_id, insurance, claim_date, item, amount, monthly, payer, \
         credit_code, start_month, rule_set, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(i.person_id)
    .bind(i.insurance)
    .bind(i.claim_date)
    .bind(i.item)
    .bind(i.amount)
    .bind(i64::from(i.monthly))
    .bind(i.payer)
    .bind(i.credit_code)
    .bind(i.start_month)
    .bind(i.rule_set)
    .bind(s)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn injury_status(
    conn: &mut AnyConnection,
    s: i64,
    person_id: &str,
    date: &str,
    status: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE injury_claim SET status = $1, last_seq = $2 WHERE person_id = $3 AND injury_date = $4",
    )
    .bind(status)
    .bind(s)
    .bind(person_id)
    .bind(date)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        k::INJURY_RECOGNISED => {
            let r: InjuryRecognition = payload(entry)?;
            sqlx::query(
                "INSERT INTO injury_claim (person_id, injury_date, credit_code, decision_no, decided_on, \
                 grade, assessed_on, status, seq, last_seq) VALUES ($1, $2, $3, $4, $5, 0, '', 'recognised', $6, $6)",
            )
            .bind(r.id.as_str())
            .bind(r.injury_date.to_string())
            .bind(r.credit_code.as_str())
            .bind(&r.decision_no)
            .bind(r.decided_on.to_string())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        k::INJURY_ASSESSED => {
            let a: DisabilityAssessment = payload(entry)?;
            sqlx::query(
                "UPDATE injury_claim SET grade = $1, assessed_on = $2, status = 'assessed', last_seq = $3 \
                 WHERE person_id = $4 AND injury_date = $5",
            )
            .bind(a.grade)
            .bind(a.assessed_on.to_string())
            .bind(s)
            .bind(a.id.as_str())
            .bind(a.injury_date.to_string())
            .execute(&mut *conn)
            .await?;
        }
        k::INJURY_DISABILITY_GRANTED => {
            let g: DisabilityGranted = payload(entry)?;
            let date = g.injury_date.to_string();
            let rule_set = g.figures.rule_set.to_string();
            let pid = g.id.as_str();
            let cc = g.credit_code.as_str();
            insert(
                conn,
                s,
                Item {
                    person_id: pid,
                    insurance: "work_injury",
                    claim_date: date.clone(),
                    item: "disability_lump_sum".into(),
                    amount: g.lump_sum.to_string(),
                    monthly: false,
                    payer: "fund",
                    credit_code: cc,
                    start_month: String::new(),
                    rule_set: rule_set.clone(),
                },
            )
            .await?;
            if g.allowance_payer != "none" {
                insert(
                    conn,
                    s,
                    Item {
                        person_id: pid,
                        insurance: "work_injury",
                        claim_date: date.clone(),
                        item: "disability_allowance".into(),
                        amount: g.monthly_allowance.to_string(),
                        monthly: true,
                        payer: &g.allowance_payer,
                        credit_code: cc,
                        start_month: g.start_month.to_string(),
                        rule_set,
                    },
                )
                .await?;
            }
            injury_status(conn, s, pid, &date, "granted").await?;
        }
        k::INJURY_DEATH_GRANTED => {
            let g: DeathGranted = payload(entry)?;
            let date = g.injury_date.to_string();
            let rule_set = g.figures.rule_set.to_string();
            let pid = g.id.as_str();
            let cc = g.credit_code.as_str();
            let start = sirm_domain::rules::Month::of_date(g.died_on)
                .add_months(1)
                .to_string();
            let mut items = vec![
                ("funeral_grant".to_string(), g.funeral_grant, false),
                ("death_subsidy".to_string(), g.death_subsidy, false),
            ];
            for (n, d) in g.dependent_pensions.iter().enumerate() {
                items.push((
                    format!("dependent_pension_{}_{}", n + 1, d.relation),
                    d.monthly,
                    true,
                ));
            }
            for (item, amount, monthly) in items {
                insert(
                    conn,
                    s,
                    Item {
                        person_id: pid,
                        insurance: "work_injury",
                        claim_date: date.clone(),
                        item,
                        amount: amount.to_string(),
                        monthly,
                        payer: "fund",
                        credit_code: cc,
                        start_month: if monthly {
                            start.clone()
                        } else {
                            String::new()
                        },
                        rule_set: rule_set.clone(),
                    },
                )
                .await?;
            }
            injury_status(conn, s, pid, &date, "died").await?;
        }
        k::MATERNITY_RECORDED => {
            let m: MaternityEventRecord = payload(entry)?;
            sqlx::query(
                "INSERT INTO maternity_claim (person_id, event_date, credit_code, event, difficult_birth, \
                 babies, institution, status, seq, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, 'recorded', $8, $8)",
            )
            .bind(m.id.as_str())
            .bind(m.event_date.to_string())
            .bind(m.credit_code.as_str())
            .bind(&m.event)
            .bind(i64::from(m.difficult_birth))
            .bind(i64::from(m.babies))
            .bind(&m.institution)
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        k::MATERNITY_ALLOWANCE_GRANTED => {
            let g: MaternityAllowanceGranted = payload(entry)?;
            let date = g.event_date.to_string();
            insert(
                conn,
                s,
                Item {
                    person_id: g.id.as_str(),
                    insurance: "maternity",
                    claim_date: date.clone(),
                    item: "maternity_allowance".into(),
                    amount: g.amount.to_string(),
                    monthly: false,
                    payer: "fund",
                    credit_code: g.credit_code.as_str(),
                    start_month: String::new(),
                    rule_set: g.rule_set.to_string(),
                },
            )
            .await?;
            sqlx::query(
                "UPDATE maternity_claim SET status = 'granted', last_seq = $1 \
                 WHERE person_id = $2 AND event_date = $3",
            )
            .bind(s)
            .bind(g.id.as_str())
            .bind(&date)
            .execute(&mut *conn)
            .await?;
        }
        k::MATERNITY_MEDICAL_PAID => {
            let m: MaternityMedical = payload(entry)?;
            let cc: String = sqlx::query_scalar(
                "SELECT credit_code FROM maternity_claim WHERE person_id = $1 AND event_date = $2",
            )
            .bind(m.id.as_str())
            .bind(m.event_date.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default();
            insert(
                conn,
                s,
                Item {
                    person_id: m.id.as_str(),
                    insurance: "maternity",
                    claim_date: m.event_date.to_string(),
                    item: format!("medical:{}:{}", m.paid_on, m.institution),
                    amount: m.amount.to_string(),
                    monthly: false,
                    payer: "fund",
                    credit_code: &cc,
                    start_month: String::new(),
                    rule_set: String::new(),
                },
            )
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
