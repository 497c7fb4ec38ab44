//! Certificates (Art 15): issue, verify, revoke, and a delegate within scope and validity.

use super::*;

/// One changed ASCII digit in the PDF's creation date (metadata, not
/// compressed): the smallest forgery a person could make.
pub(super) fn one_digit_changed(pdf: &[u8]) -> Vec<u8> {
    let mut b = pdf.to_vec();
    let at = b
        .windows(13)
        .position(|w| w == b"/CreationDate")
        .expect("creation date in the PDF");
    let d = at + b[at..].iter().position(|c| c.is_ascii_digit()).unwrap() + 3;
    b[d] = if b[d] == b'9' { b'8' } else { b[d] + 1 };
    b
}

pub(super) async fn certificates_issue_verify_revoke(postgres: bool) {
    use sha2::Digest;
    let app = spawn_with(postgres, true).await;
    let citizen = app.login("citizen").await;
    let (_, me) = app.get(&citizen, "/api/v1/my/record").await;
    let own = me["record"]["person"]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let own_pk = app.pk(&own);
    assert_eq!(me["record"]["person"]["person_id"], own_pk.as_str());
    let paid: Vec<&Value> = me["record"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let months: std::collections::BTreeSet<&str> =
        paid.iter().map(|c| c["month"].as_str().unwrap()).collect();
    let logged = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 1000)
        .await
        .unwrap()
        .len();

    // Issue: free, through the query path (one more query logged).
    let (s, c) = app
        .post(
            &citizen,
            "/api/v1/my/certificates",
            json!({"kind": "contribution"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let code = c["code"].as_str().unwrap().to_string();
    assert_eq!(
        c["verify_url"].as_str().unwrap(),
        format!("{}/verify/{code}", app.base)
    );
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .queries_of(&own_pk, 1000)
            .await
            .unwrap()
            .len(),
        logged + 1
    );
    // Download: byte for byte what the ledger's hash names.
    let r = app
        .http
        .get(format!("{}/my/certificates/{code}/pdf", app.base))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&pdf)),
        c["pdf_sha256"].as_str().unwrap()
    );
    assert_eq!(
        sirm_cert::extract_code(&pdf).as_deref(),
        Some(code.as_str())
    );

    // Verify by code, without signing in.
    let (s, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["anchored"], true);
    // The inclusion proof checks independently, against the signed
    // checkpoint written with the entry (the entry is its last leaf).
    let p = &v["inclusion"];
    assert_eq!(p["tree_size"], v["seq"]);
    let h = |x: &Value| -> [u8; 32] {
        hex::decode(x.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let proof: Vec<[u8; 32]> = p["proof"].as_array().unwrap().iter().map(h).collect();
    let profile = app.sirm.public_key.profile();
    sirm_ledger::merkle::verify_inclusion(
        profile,
        &h(&p["leaf_hash"]),
        p["leaf_index"].as_u64().unwrap(),
        p["tree_size"].as_u64().unwrap(),
        &proof,
        &h(&p["root"]),
    )
    .unwrap();
    assert_eq!(v["content"]["person_name"], me["record"]["person"]["name"]);
    let rows = v["content"]["rows"].as_array().unwrap();
    let row_months: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(row_months, months, "one row per month on record");
    // Lower case and spaces are the same code.
    let (s, _) = app
        .get(
            "",
            &format!("/api/v1/certificates/%20{}", code.to_lowercase()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Verify the file; then a copy with one changed digit.
    let check = |bytes: Vec<u8>| {
        let http = app.http.clone();
        let url = format!("{}/api/v1/certificates/verify", app.base);
        async move {
            let r = http
                .post(url)
                .header("content-type", "application/pdf")
                .body(bytes)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = check(pdf.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["verdict"].as_str(), v["file"]["matches"].as_bool()),
        (Some("genuine"), Some(true))
    );
    let (s, v) = check(one_digit_changed(&pdf)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["verdict"].as_str(), v["file"]["matches"].as_bool()),
        (Some("altered"), Some(false))
    );
    // The altered copy is shown to the audit administrator: presented
    // anonymously, it is counted in the source's refusal summary.
    app.sirm.flush_refusals(true).await.unwrap();
    let events = app
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            event: Some("refusals.summary".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].payload.contains("certificate.altered ×1") && events[0].payload.contains(&code),
        "{}",
        events[0].payload
    );
    let (s, v) = check(b"%PDF-1.4 not ours".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no SIRM verification code"),
        "{v}"
    );

    // Unknown, malformed and one-character-changed codes: one answer.
    let mut other = code.clone().into_bytes();
    other[0] = if other[0] == b'A' { b'B' } else { b'A' };
    let other = String::from_utf8(other).unwrap();
    let (s1, b1) = app.get("", &format!("/api/v1/certificates/{other}")).await;
    let (s2, b2) = app.get("", "/api/v1/certificates/..%2F..%2Fetc").await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    // Another person's certificate is "not found" for the retiree.
    let retiree = app.login("retiree").await;
    let r = app
        .http
        .get(format!("{}/my/certificates/{code}/pdf", app.base))
        .bearer_auth(&retiree)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // At the counter, the query officer issues for the person present and
    // hands over the PDF; the query is logged on the counter channel.
    let query = app.login("query").await;
    let r = app
        .http
        .post(format!("{}/persons/certificates", app.base))
        .bearer_auth(&query)
        .form(&[
            ("id", own.as_str()),
            ("kind", "contribution"),
            ("from", "2024-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let counter_pdf = r.bytes().await.unwrap().to_vec();
    let counter_code = sirm_cert::extract_code(&counter_pdf).unwrap();
    let (_, v) = check(counter_pdf).await;
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["from_month"], "2024-01");
    assert_ne!(counter_code, code);
    // Newest first: the verification just made (anonymous, from its
    // source address), then the counter's issue.
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 2)
        .await
        .unwrap();
    assert_eq!(
        (log[0].channel.as_str(), log[0].requester_kind.as_str()),
        ("verification", "public")
    );
    assert_eq!(log[0].basis, counter_code);
    assert_eq!(log[0].source, "127.0.0.1");
    assert_eq!(log[1].channel, "counter");

    // Benefit certificate: the retiree has one, the citizen has no benefit.
    let (s, b) = app
        .post(
            &retiree,
            "/api/v1/my/certificates",
            json!({"kind": "benefit"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, bv) = app
        .get(
            "",
            &format!("/api/v1/certificates/{}", b["code"].as_str().unwrap()),
        )
        .await;
    let (_, rr) = app.get(&retiree, "/api/v1/my/record").await;
    assert_eq!(
        bv["content"]["rows"].as_array().unwrap().len(),
        rr["record"]["payments"].as_array().unwrap().len()
    );
    assert_eq!(bv["title"], "待遇领取证明");
    // Bad input: each names its field, nothing is issued.
    let size = || async {
        app.sirm
            .latest_checkpoint()
            .await
            .unwrap()
            .checkpoint
            .tree_size
    };
    let entries = size().await;
    for (body, field) in [
        (json!({"kind": "benefit"}), "kind"),
        (json!({"kind": "pension"}), "kind"),
        (
            json!({"kind": "contribution", "from": "2024-05", "to": "2024-01"}),
            "from",
        ),
        (json!({"kind": "contribution", "to": "2099-01"}), "to"),
        (json!({"kind": "contribution", "from": "2024-13"}), "from"),
    ] {
        let (s, e) = app
            .post(&citizen, "/api/v1/my/certificates", body.clone())
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(&format!("invalid {field}:")), "{body}: {e}");
    }
    assert_eq!(size().await, entries);

    // Revocation: maintenance officer only, with a reason, once.
    let maintainer = app.sirm.principal("maintainer", "test").await.unwrap();
    let citizen_p = app.sirm.principal("citizen", "test").await.unwrap();
    assert!(matches!(
        app.sirm.revoke_certificate(&citizen_p, &code, "mine").await,
        Err(sirm_app::AppError::Forbidden { .. })
    ));
    assert!(app
        .sirm
        .revoke_certificate(&maintainer, &code, " ")
        .await
        .is_err());
    // The officer's look-up is logged under the officer's name.
    let seen = app
        .sirm
        .verify_certificate_as(&maintainer, &code)
        .await
        .unwrap();
    assert_eq!(seen.verdict, sirm_app::certificate::Verdict::Genuine);
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 1)
        .await
        .unwrap();
    assert_eq!(
        (log[0].requester_kind.as_str(), log[0].requester.as_str()),
        ("staff", "maintainer")
    );
    assert!(app
        .sirm
        .verify_certificate_as(&citizen_p, &code)
        .await
        .is_err());
    let seq = app
        .sirm
        .revoke_certificate(&maintainer, &code, "issued in error")
        .await
        .unwrap();
    assert!(matches!(
        app.sirm
            .revoke_certificate(&maintainer, &code, "again")
            .await,
        Err(sirm_app::AppError::Conflict { .. })
    ));
    let (_, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    assert_eq!(v["revoked"]["seq"], seq);
    assert_eq!(v["revoked"]["reason"], "issued in error");
    let (_, v) = check(pdf.clone()).await;
    assert_eq!(v["verdict"], "revoked");

    // The public page says it in words; the index rebuilds from the ledger.
    let page = app.page("", &format!("/verify/{code}")).await;
    assert!(
        page.contains("已作废") && page.contains("issued in error"),
        "{page}"
    );
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
    assert!(app.sirm.rebuild().await.unwrap().same());
    let (_, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
    assert_eq!(v["verdict"], "revoked");
}

/// A certificate's revocation is the ledger's word: clearing the index
/// row's `revoked_seq` (as the database owner) does not make a revoked
/// certificate genuine, nor allow revoking it twice; an altered revocation
/// entry or an altered issuing entry makes the verdict "altered".
pub(super) async fn certificate_revocation_rests_on_the_ledger(postgres: bool) {
    let app = spawn(postgres).await;
    let app = &app;
    let citizen = app.login("citizen").await;
    let issue = || async {
        let (s, c) = app
            .post(
                &citizen,
                "/api/v1/my/certificates",
                json!({"kind": "contribution"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        c["code"].as_str().unwrap().to_string()
    };
    let verdict = |code: String| async move {
        let (s, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    };
    let code = issue().await;
    let maintainer = app.sirm.principal("maintainer", "test").await.unwrap();
    let seq = app
        .sirm
        .revoke_certificate(&maintainer, &code, "issued in error")
        .await
        .unwrap();
    assert_eq!(verdict(code.clone()).await["verdict"], "revoked");

    // The index row says "in force" again: still revoked, from the ledger.
    app.as_owner(
        &[&format!(
            "UPDATE certificate SET revoked_seq = 0, revoked_reason = '' WHERE code = '{code}'"
        )],
        false,
    )
    .await;
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .certificate(&code)
            .await
            .unwrap()
            .unwrap()
            .revoked_seq,
        0
    );
    let v = verdict(code.clone()).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    assert_eq!(v["revoked"]["seq"], seq);
    assert_eq!(v["revoked"]["reason"], "issued in error");
    assert!(matches!(
        app.sirm
            .revoke_certificate(&maintainer, &code, "again")
            .await,
        Err(sirm_app::AppError::Conflict { .. })
    ));
    // `sirm verify` names the edited row.
    let check = app.sirm.verify_projections(None).await.unwrap();
    let d = check.difference.unwrap();
    assert_eq!(
        (d.table.as_str(), d.column.as_deref()),
        ("certificate", Some("revoked_seq")),
        "{d}"
    );
    assert_eq!(d.key_text(), format!("code={code}"));
    app.sirm.rebuild().await.unwrap();

    // The revocation entry altered so that it names another code: the
    // ledger no longer proves it, and the certificate is not "genuine".
    let other = issue().await;
    app.as_owner(
        &[&format!(
            "UPDATE ledger_entry SET payload = replace(payload, '{code}', '{other}') WHERE seq = {seq}"
        )],
        true,
    )
    .await;
    app.sirm.rebuild().await.unwrap();
    let v = verdict(code.clone()).await;
    assert_eq!(v["verdict"], "altered", "{v}");
    assert_eq!(v["unverified_revocations"], json!([seq]), "{v}");
    let page = app.page("", &format!("/verify/{code}")).await;
    assert!(
        page.contains("data-verdict=\"altered\"")
            && page.contains("fails verification against the ledger"),
        "{page}"
    );
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["anchored"], true);
    // A revocation entry before a certificate was issued cannot be its
    // revocation: the certificate issued after it is unaffected.
    assert_eq!(verdict(other.clone()).await["verdict"], "genuine");

    // An issuing entry altered (one character of its sealed content): "altered".
    let third = issue().await;
    let third_seq = app
        .sirm
        .store_for_maintenance()
        .certificate(&third)
        .await
        .unwrap()
        .unwrap()
        .seq;
    assert_eq!(verdict(third.clone()).await["verdict"], "genuine");
    let payload: Value = serde_json::from_str(
        &app.sirm
            .store_for_maintenance()
            .entry(third_seq as u64)
            .await
            .unwrap()
            .unwrap()
            .payload,
    )
    .unwrap();
    let sealed = payload["content"].as_str().unwrap().to_string();
    assert!(sealed.starts_with("enc1:") && !sealed.contains("本证明"));
    let mut forged = sealed.clone().into_bytes();
    let at = forged.len() / 2;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    app.as_owner(
        &[&format!(
            "UPDATE ledger_entry SET payload = replace(payload, '{sealed}', '{forged}') WHERE seq = {third_seq}"
        )],
        true,
    )
    .await;
    let v = verdict(third).await;
    assert_eq!(v["verdict"], "altered", "{v}");
    assert_eq!(v["anchored"], false, "{v}");
    assert_eq!(v["content"]["person_name"], "（无法解密）", "{v}");
    assert!(!app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// Item 11: a delegate lists, issues and downloads a person's certificates
/// only while the authorization is in force and only of the kinds its scope
/// covers (contribution certificate ↔ `contributions`, benefit certificate
/// ↔ `benefit`); otherwise the same 404 as a certificate that does not
/// exist. Every download is in the person's query log (`/my/queries`).
pub(super) async fn delegate_certificates_within_scope_and_validity(postgres: bool) {
    let app = spawn_with(postgres, true).await;
    let app = &app;
    let person_of = |user: &'static str| async move {
        app.sirm
            .store_for_maintenance()
            .account(user)
            .await
            .unwrap()
            .unwrap()
            .person_id
            .unwrap()
    };
    // Accounts name persons by blind index; the delegation and the issue
    // form take the ID number.
    let (retiree, citizen) = (person_of("retiree").await, person_of("citizen").await);
    let id_of = |pk: &str| {
        let pk: sirm_domain::id::PersonKey = pk.parse().unwrap();
        async move { app.sirm.id_of(&pk).await.unwrap().unwrap() }
    };
    let (retiree_id, citizen_id) = (id_of(&retiree).await, id_of(&citizen).await);
    let issue = |token: String, kind: &'static str, id: Option<String>| async move {
        let mut body = json!({ "kind": kind });
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        app.post(&token, "/api/v1/my/certificates", body).await
    };
    let download = |token: String, code: String| async move {
        let r = app
            .http
            .get(format!("{}/my/certificates/{code}/pdf", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (r.status(), r.bytes().await.unwrap().to_vec())
    };
    let r = app.login("retiree").await;
    let (_, c) = issue(r.clone(), "contribution", None).await;
    let contribution = c["code"].as_str().unwrap().to_string();
    let (_, b) = issue(r.clone(), "benefit", None).await;
    let benefit = b["code"].as_str().unwrap().to_string();
    let (_, c) = issue(app.login("citizen").await, "contribution", None).await;
    let citizens = c["code"].as_str().unwrap().to_string();

    delegate_account(&app.sirm, "deleg").await;
    let clerk = app.sirm.principal("clerk", "test").await.unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let doc = "b".repeat(64);
    // In force, contributions only, for the retiree; expired, everything,
    // for the citizen.
    let dl_retiree = app
        .sirm
        .record_delegation(
            &clerk,
            &retiree_id,
            "deleg",
            &["contributions".into()],
            day("2020-01-01"),
            day("2099-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let dl_citizen = app
        .sirm
        .record_delegation(
            &clerk,
            &citizen_id,
            "deleg",
            &["contributions".into(), "benefit".into()],
            day("2020-01-01"),
            day("2021-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let d = app.login("deleg").await;
    let (missing_status, missing_body) = download(d.clone(), "AAAA-BBBB-CCCC-DDDD".into()).await;
    assert_eq!(missing_status, StatusCode::NOT_FOUND);

    // In scope: listed, downloaded, issued.
    let list = app
        .page(&d, &format!("/my/certificates?delegation={dl_retiree}"))
        .await;
    assert!(list.contains(&contribution), "{list}");
    assert!(!list.contains(&benefit), "out of scope, not listed: {list}");
    let (s, pdf) = download(d.clone(), contribution.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    let (s, v) = issue(d.clone(), "contribution", Some(retiree_id.to_string())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Out of scope: the benefit certificate is "not found", like no certificate.
    assert_eq!(
        download(d.clone(), benefit.clone()).await,
        (missing_status, missing_body.clone())
    );
    let (s, v) = issue(d.clone(), "benefit", Some(retiree_id.to_string())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // Expired: nothing of the citizen's.
    assert_eq!(
        download(d.clone(), citizens.clone()).await,
        (missing_status, missing_body)
    );
    let r = app
        .http
        .get(format!(
            "{}/my/certificates?delegation={dl_citizen}",
            app.base
        ))
        .bearer_auth(&d)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (s, v) = issue(d.clone(), "contribution", Some(citizen_id.to_string())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // The download is in the retiree's query log: who, capacity, channel,
    // item, and which certificate; the refused ones are not.
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&retiree, 50)
        .await
        .unwrap();
    let downloads: Vec<_> = log
        .iter()
        .filter(|q| q.basis.contains("downloaded"))
        .collect();
    assert_eq!(downloads.len(), 1, "{log:?}");
    let q = downloads[0];
    assert_eq!(
        (
            q.channel.as_str(),
            q.requester_kind.as_str(),
            q.requester.as_str(),
            q.items.as_str()
        ),
        ("portal", "delegate", "deleg", "contributions")
    );
    assert_eq!(
        q.basis,
        format!("certificate {contribution} (contribution) downloaded")
    );
    let page = app.page(&app.login("retiree").await, "/my/queries").await;
    assert!(
        page.contains(&format!(
            "certificate {contribution} (contribution) downloaded"
        )),
        "{page}"
    );
    // A request to issue is logged too, without a code (a refused request
    // issues none; the certificate is its own ledger entry).
    assert!(log
        .iter()
        .any(|q| q.requester == "deleg" && q.basis.ends_with("(contribution) requested")));
    // The person's own download is logged as well.
    let c = app.login("citizen").await;
    assert_eq!(download(c, citizens.clone()).await.0, StatusCode::OK);
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&citizen, 1)
        .await
        .unwrap();
    assert_eq!(
        (log[0].requester_kind.as_str(), log[0].basis.clone()),
        (
            "self",
            format!("certificate {citizens} (contribution) downloaded")
        )
    );
    assert!(app
        .sirm
        .store_for_maintenance()
        .queries_of(&citizen, 50)
        .await
        .unwrap()
        .iter()
        .all(|q| q.requester != "deleg"));
}
