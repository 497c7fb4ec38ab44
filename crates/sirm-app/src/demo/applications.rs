//! Demo applications waiting in the work queue, each with a one-page PDF
//! standing in for the scanned original materials.

use super::generate::{address, date_between, phone, pick, GIVEN, SURNAMES};
use super::*;

/// A small, valid one-page PDF standing in for a scanned document.
pub(super) fn demo_pdf(title: &str) -> Vec<u8> {
    let text = format!("BT /F1 18 Tf 72 720 Td ({title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Applications in every stage of the review chain, so that each demo staff
/// login has work in its queue: taken by `clerk`, decided by the others,
/// through the same use cases as the workbench.
pub(super) async fn demo_applications(sirm: &Sirm, seed: u64) -> Result<(), AppError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let clerk = sirm.principal("clerk", "demo").await?;
    let reviewer = sirm.principal("reviewer", "demo").await?;
    let rechecker = sirm.principal("rechecker", "demo").await?;
    let approver = sirm.principal("approver", "demo").await?;
    let region: RegionCode = DEMO_REGION
        .parse()
        .map_err(|e| AppError::invalid("region", e))?;
    // (approvals after the submission, then a rejection reason if any):
    // two wait for review, one for re-check, one for approval, two approved,
    // one returned to the clerk.
    let plan: [(usize, Option<&str>); 7] = [
        (0, None),
        (0, None),
        (1, None),
        (2, None),
        (3, None),
        (0, Some("户籍地址与身份证不一致，请核实后补正")),
        (3, None),
    ];
    let mut taken = Vec::new();
    for (i, (stages, reject)) in plan.iter().enumerate() {
        let id = loop {
            let birth = date_between(
                &mut rng,
                NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(2004, 12, 31).unwrap_or_default(),
            );
            let id = ResidentId::from_parts(&region, birth, rng.gen_range(1..=999))
                .map_err(|e| AppError::invalid("id", e))?;
            // Persons are stored by blind index, and each application needs
            // a person neither invented nor applied for already.
            let pk = sirm.person_key(&id)?;
            if !taken.contains(&pk) && sirm.store.person(pk.as_str()).await?.is_none() {
                taken.push(pk);
                break id;
            }
        };
        let data = serde_json::json!({
            "id": id.as_str(),
            "name": format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
            "address": address(&mut rng),
            "phone": phone(&mut rng),
            "registered_on": "2026-11-02",
        });
        let material = sirm
            .archive()
            .put(
                &format!("id-card-{}.pdf", i + 1),
                &demo_pdf(&format!("Scanned ID card {} (demo)", id.masked())),
            )
            .await?;
        let app = sirm
            .submit_application(&clerk, "person.register", data, vec![material])
            .await?;
        let deciders = [
            (&reviewer, "review"),
            (&rechecker, "recheck"),
            (&approver, "approval"),
        ];
        for (who, stage) in deciders.iter().take(*stages) {
            sirm.decide_application(who, &app, stage, true, "材料齐全，同意")
                .await?;
        }
        if let (Some(reason), Some((who, stage))) = (reject, deciders.get(*stages)) {
            sirm.decide_application(who, &app, stage, false, reason)
                .await?;
        }
    }
    Ok(())
}

/// The demo contractor's confidentiality agreement (保密协议, Art 11),
/// filed by the system administrator: in force from 2026-01-01 for three
/// years, so that the helper can prepare maintenance for `maintainer`.
pub(super) async fn demo_agreement(sirm: &Sirm) -> Result<(), AppError> {
    let sysadmin = sirm.principal("sysadmin", "demo").await?;
    let file = sirm
        .archive()
        .put(
            "保密协议（演示）.pdf",
            &demo_pdf("Confidentiality agreement BM-2026-001 (demo)"),
        )
        .await?;
    let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    sirm.file_agreement(
        &sysadmin,
        "contractor",
        crate::identity::contractor::AgreementFiling {
            number: "BM-2026-001".into(),
            party: "演示信息技术有限公司".into(),
            valid_from: on(2026, 1, 1),
            valid_until: on(2028, 12, 31),
            file,
        },
    )
    .await
}
