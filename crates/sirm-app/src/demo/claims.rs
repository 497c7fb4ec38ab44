//! Demo work-injury (工伤) and maternity (生育) claims, through the same use
//! cases and review chain as the workbench: one recognised work injury
//! assessed at grade 5 with its benefits granted (the employer pays the
//! monthly allowance), and one birth with its maternity allowance and
//! medical expenses; and a settlement file of a contracted hospital and a
//! pharmacy (医疗费用结算记录) debiting the injured person's medical
//! account. Persons are chosen from the history: employed on the dates,
//! with bases on record before them.

use chrono::NaiveDate;
use sirm_domain::id::{Gender, PersonKey, ResidentId};
use sirm_domain::rules::Month;

use crate::collection::{ensure_relation, Insurance};
use crate::identity::Principal;
use crate::{AppError, Sirm};

fn on(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The demo's injury and birth dates.
pub const DEMO_INJURY_DATE: (i32, u32, u32) = (2025, 11, 20);
pub const DEMO_BIRTH_DATE: (i32, u32, u32) = (2025, 9, 10);

/// A person (ID, employer) employed on `from`..=`to` by one employer with
/// bases in the 12 months before `to`, of `gender` when given; from the
/// last registered backwards (tests pick from the first).
async fn candidate(
    sirm: &Sirm,
    from: NaiveDate,
    to: NaiveDate,
    gender: Option<Gender>,
    skip: Option<&ResidentId>,
    insurance: Insurance,
    life: &super::life::LifePersons,
) -> Result<Option<(ResidentId, String)>, AppError> {
    let m = Month::of_date(to);
    let mut ids = sirm.store.person_ids(1000).await?;
    ids.reverse();
    for pk in ids {
        let Ok(key) = pk.parse::<PersonKey>() else {
            continue;
        };
        if life.avoids(&key) {
            continue;
        }
        let Some(id) = sirm.id_of(&key).await? else {
            continue;
        };
        if gender.is_some_and(|g| id.gender() != g) || skip == Some(&id) {
            continue;
        }
        let jobs = sirm.store.employments_of(&pk).await?;
        let Some(job) = jobs
            .iter()
            .find(|j| j.start_on <= from && j.end_on.is_none_or(|e| e >= to))
        else {
            continue;
        };
        // The relationship of the claim's type not suspended or ended for
        // that month (the demo's relationship changes pick persons at
        // random, and persons are listed by blind index, which differs
        // from one installation to the next).
        if ensure_relation(sirm, &key, insurance, to, "date")
            .await
            .is_err()
        {
            continue;
        }
        let bases = sirm
            .store
            .bases_between(&pk, m.add_months(-12), m.add_months(-1))
            .await?;
        let wages = sirm
            .store
            .employer_bases_of_year(&job.credit_code, chrono::Datelike::year(&to) - 1)
            .await?;
        if !bases.is_empty() && !wages.is_empty() {
            return Ok(Some((id, job.credit_code.clone())));
        }
    }
    Ok(None)
}

/// The demo's clerk and its three deciders.
pub(super) async fn chain(sirm: &Sirm) -> Result<[Principal; 4], AppError> {
    Ok([
        sirm.principal("clerk", "demo").await?,
        sirm.principal("reviewer", "demo").await?,
        sirm.principal("rechecker", "demo").await?,
        sirm.principal("approver", "demo").await?,
    ])
}

/// Submitted by the clerk and approved through the chain.
pub(super) async fn through(
    sirm: &Sirm,
    chain: &[Principal; 4],
    bt: &str,
    data: serde_json::Value,
    title: &str,
) -> Result<(), AppError> {
    let material = sirm
        .archive()
        .put(
            &format!("{title}.pdf"),
            &super::applications::demo_pdf(&format!("{title} (demo)")),
        )
        .await?;
    let app = sirm
        .submit_application(&chain[0], bt, data, vec![material])
        .await?;
    for (who, stage) in chain[1..].iter().zip(["review", "recheck", "approval"]) {
        sirm.decide_application(who, &app, stage, true, "材料齐全，同意")
            .await?;
    }
    Ok(())
}

/// The demo claims (nothing when the history has no suitable person).
pub(super) async fn demo_claims(
    sirm: &Sirm,
    life: &super::life::LifePersons,
) -> Result<(), AppError> {
    let chain = chain(sirm).await?;
    let (y, m, d) = DEMO_INJURY_DATE;
    let injury = on(y, m, d);
    let injured = candidate(
        sirm,
        injury,
        injury,
        None,
        None,
        Insurance::WorkInjury,
        life,
    )
    .await?;
    if let Some((id, employer)) = &injured {
        let id = id.as_str();
        through(
            sirm,
            &chain,
            "injury.recognise",
            serde_json::json!({
            "id": id, "credit_code": employer, "injury_date": injury,
            "decision_no": "朝人社工伤认字〔2026〕7号", "decided_on": "2026-01-15",
            "description": "操作冲压设备时左手受伤（演示）"}),
            "工伤认定决定书",
        )
        .await?;
        through(
            sirm,
            &chain,
            "injury.assess",
            serde_json::json!({
            "id": id, "injury_date": injury, "grade": 5,
            "decision_no": "京劳鉴〔2026〕88号", "assessed_on": "2026-04-08"}),
            "劳动能力鉴定结论书",
        )
        .await?;
        through(
            sirm,
            &chain,
            "injury.disability",
            serde_json::json!({
            "id": id, "injury_date": injury}),
            "工伤待遇申请表",
        )
        .await?;
    }
    if let Some((id, _)) = &injured {
        settlements(sirm, &chain, id).await?;
        // The monthly work-injury runs of May and June 2026 (the grade-5
        // allowance recorded as the employer's), in a full demo only.
        if !life.others.is_empty() {
            for month in ["2026-05", "2026-06"] {
                through(
                    sirm,
                    &chain,
                    "injury.payment_run",
                    serde_json::json!({"month": month}),
                    "工伤待遇发放表",
                )
                .await?;
            }
        }
    }
    let (y, m, d) = DEMO_BIRTH_DATE;
    let birth = on(y, m, d);
    let skip = injured.as_ref().map(|(id, _)| id);
    if let Some((id, employer)) = candidate(
        sirm,
        birth,
        birth,
        Some(Gender::Female),
        skip,
        Insurance::Maternity,
        life,
    )
    .await?
    {
        let id = id.as_str();
        through(
            sirm,
            &chain,
            "maternity.record",
            serde_json::json!({
            "id": id, "credit_code": employer, "event": "birth", "event_date": birth,
            "difficult_birth": false, "babies": 1, "institution": "北京市朝阳区妇幼保健院"}),
            "出生医学证明",
        )
        .await?;
        through(
            sirm,
            &chain,
            "maternity.allowance",
            serde_json::json!({
            "id": id, "event_date": birth}),
            "生育津贴申请表",
        )
        .await?;
        through(
            sirm,
            &chain,
            "maternity.medical",
            serde_json::json!({
            "id": id, "event_date": birth, "amount": "6320.50",
            "institution": "北京市朝阳区妇幼保健院", "paid_on": "2025-09-14"}),
            "生育医疗费用票据",
        )
        .await?;
    }
    Ok(())
}

/// Two settlements of the person at a contracted hospital and a pharmacy,
/// imported as a file through the review chain (docs/medical.md).
async fn settlements(sirm: &Sirm, chain: &[Principal; 4], id: &ResidentId) -> Result<(), AppError> {
    let file = sirm.archive().scratch()?;
    let text = format!(
        "公民身份号码,结算日期,定点医药机构编码,医疗费用总额,统筹基金支付,个人账户支付,个人自付\n\
         {id},2026-01-10,H11010500001,680.00,420.00,150.00,110.00\n\
         {id},2026-02-03,P11010500007,86.40,0,86.40,0\n",
        id = id.as_str()
    );
    std::fs::write(file.path(), text).map_err(|e| AppError::File {
        path: file.path().to_path_buf(),
        message: e.to_string(),
    })?;
    let r = sirm
        .submit_settlement_file(&chain[0], "定点医药机构结算记录.csv", file.path())
        .await?;
    for (who, stage) in chain[1..].iter().zip(["review", "recheck", "approval"]) {
        sirm.decide_application(who, &r.application_id, stage, true, "核对无误，同意")
            .await?;
    }
    Ok(())
}
