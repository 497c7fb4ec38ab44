//! Queries by channel and capacity (Art 14): citizen, delegate, employer agent, telephone.

use super::*;

pub(super) async fn queries_by_channel_and_capacity(postgres: bool) {
    let app = spawn_with(postgres, true).await;
    let citizen = app.login("citizen").await;
    let (s, me) = app.get(&citizen, "/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["requester"], "self");
    assert!(!me["record"]["contributions"].as_array().unwrap().is_empty());
    assert!(!me["record"]["account_years"].as_array().unwrap().is_empty());
    assert!(
        me["record"]["contribution_years"]["paid_months"]
            .as_u64()
            .unwrap()
            > 0
    );
    // The record names the person by blind index; the ID number is opened.
    let own = me["record"]["person"]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let own_pk = me["record"]["person"]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(own_pk, app.pk(&own));
    let retiree = app
        .sirm
        .store_for_maintenance()
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let id_of = |pk: &str| {
        let app = &app;
        let pk: sirm_domain::id::PersonKey = pk.parse().unwrap();
        async move { app.sirm.id_of(&pk).await.unwrap().unwrap().to_string() }
    };
    let retiree_id = id_of(&retiree).await;
    // An ID number in the URL is refused (never a way to another record).
    let (s, _) = app
        .get(&citizen, &format!("/api/v1/my/record?id={retiree_id}"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The retiree sees the pension and its payments.
    let r = app.login("retiree").await;
    let (_, rv) = app.get(&r, "/api/v1/my/record").await;
    assert!(rv["record"]["benefit"]["total"].is_string(), "{rv}");
    assert!(rv["record"]["payments"].as_array().unwrap().len() >= 12);
    // The employer sees its employee's registration and contributions there,
    // never benefits or the personal account.
    let agent = app.login("agent").await;
    let (s, emp) = app.get(&agent, "/api/v1/employer").await;
    assert_eq!(s, StatusCode::OK, "{emp}");
    let code = emp["credit_code"].as_str().unwrap().to_string();
    assert!(emp["employees"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["person_id"] == retiree.as_str()));
    let handle_of = |person: &str| {
        emp["employees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["person_id"] == person)
            .map(|e| e["handle"].as_str().unwrap().to_string())
    };
    let retiree_handle = handle_of(&retiree).unwrap();
    assert!(
        !retiree_handle.contains(&retiree_id[..6]) && !retiree_handle.contains(&retiree[2..10]),
        "{retiree_handle}"
    );
    let (s, ev) = app
        .get(
            &agent,
            &format!("/api/v1/employer/employees/{retiree_handle}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    assert_eq!(ev["requester"], "employer");
    assert!(ev["record"]["benefit"].is_null(), "{ev}");
    assert!(ev["record"]["payments"].as_array().unwrap().is_empty());
    assert!(ev["record"]["account_years"].as_array().unwrap().is_empty());
    let contributions = ev["record"]["contributions"].as_array().unwrap();
    assert!(!contributions.is_empty());
    assert!(contributions
        .iter()
        .all(|c| c["credit_code"] == code.as_str()));
    // A person never employed there: the same refusal as no such person.
    let stranger = app
        .sirm
        .store_for_maintenance()
        .person_ids(20)
        .await
        .unwrap()
        .into_iter()
        .find(|p| {
            !emp["employees"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["person_id"] == p.as_str())
        })
        .unwrap();
    // The stranger's handle, as the employer's portal would make it, and a
    // handle that names nobody: one answer.
    let forged = app.sirm.employee_handle(&code, &stranger);
    let (s1, b1) = app
        .get(&agent, &format!("/api/v1/employer/employees/{forged}"))
        .await;
    let (s2, b2) = app
        .get(
            &agent,
            "/api/v1/employer/employees/000000000000000000000000",
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    // The ID number itself is no handle, nor is the blind index.
    let stranger_id = id_of(&stranger).await;
    for named in [&stranger_id, &stranger] {
        let (s, _) = app
            .get(&agent, &format!("/api/v1/employer/employees/{named}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // A delegate at the counter sees only what the authorization covers,
    // and only while it is in force.
    let clerk = app.sirm.principal("clerk", "test").await.unwrap();
    let query = app.sirm.principal("query", "test").await.unwrap();
    let id: sirm_domain::id::ResidentId = own.parse().unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let doc = "a".repeat(64);
    let pk = sirm_app::testkit::person_key(&app.sirm, &id).unwrap();
    let dl = app
        .sirm
        .record_delegation(
            &clerk,
            &id,
            "agent",
            &["contributions".into()],
            day("2026-01-01"),
            day("2099-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let v = app
        .sirm
        .counter_query_for_delegate(&query, &pk, &dl)
        .await
        .unwrap();
    assert_eq!(v.items.len(), 1);
    assert!(!v.record.contributions.is_empty());
    assert!(v.record.account_years.is_empty() && v.record.benefit.is_none());
    let old = app
        .sirm
        .record_delegation(
            &clerk,
            &id,
            "agent",
            &["contributions".into()],
            day("2020-01-01"),
            day("2020-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let err = app
        .sirm
        .counter_query_for_delegate(&query, &pk, &old)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, sirm_app::AppError::Forbidden { rule, .. } if rule == "delegation-validity"),
        "{err}"
    );
    // Another organ (the demo's court) must state its case and basis; its
    // query is a third-party query, in the security audit trail too.
    let court = sirm_app::Principal {
        username: "court".into(),
        display_name: "法院".into(),
        agency: "110105".into(),
        kind: sirm_domain::status::AccountKind::Staff,
        roles: vec![sirm_domain::access::Role::OrganOfficer],
        person_id: None,
        employer: None,
        source: "198.51.100.7".into(),
        pending: None,
        session: None,
        notice: None,
    };
    let organ = |basis: &str| sirm_app::disclosure::organ::OrganRequest {
        persons: vec![pk.clone()],
        items: None,
        case_number: "（2026）京0105民初123号".into(),
        basis: basis.into(),
    };
    let err = app.sirm.organ_query(&court, &organ("")).await.unwrap_err();
    assert_eq!(
        err.rule(),
        Some(sirm_domain::RuleId::DisclosureBasis),
        "{err}"
    );
    // The one query path refuses an organ that bypasses its scope check.
    assert!(app
        .sirm
        .query_rights(&court, sirm_app::query::Channel::Organ, &pk, Some("x"))
        .await
        .is_err());
    let a = app
        .sirm
        .organ_query(&court, &organ("《民事诉讼法》第七十条；协助调查函"))
        .await
        .unwrap();
    let v = a.records[0].clone().unwrap();
    assert_eq!(v.requester, sirm_app::query::Requester::ThirdParty);
    // A court's prescribed scope: every item (docs/disclosure.md).
    assert_eq!(
        v.items,
        sirm_app::config::disclosure::DisclosureConfig::default_scope(
            sirm_app::config::disclosure::OrganKind::Court
        )
        .items
    );
    let audit = app
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.payload.contains("query.third_party") && e.payload.contains("京0105民初123号")));
    // A delegate online: the authorizations on file, then the record within scope.
    delegate_account(&app.sirm, "deleg").await;
    let dl_online = app
        .sirm
        .record_delegation(
            &clerk,
            &id,
            "deleg",
            &["account".into()],
            day("2026-01-01"),
            day("2099-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let deleg = app.login("deleg").await;
    let list = app.page(&deleg, "/my/record").await;
    assert!(
        list.contains("id=\"delegations\"")
            && list.contains(&format!("/my/record?delegation={dl_online}")),
        "{list}"
    );
    assert!(
        !list.contains(&own),
        "no ID number in the page's links: {list}"
    );
    let (s, dv) = app
        .get(&deleg, &format!("/api/v1/my/record?delegation={dl_online}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{dv}");
    assert_eq!(dv["requester"], "delegate");
    assert_eq!(dv["items"], json!(["account"]));
    assert!(dv["record"]["contributions"].as_array().unwrap().is_empty());
    assert!(!dv["record"]["account_years"].as_array().unwrap().is_empty());
    // Another delegate's authorization (the counter's, for agent) and one
    // that does not exist: one answer.
    let (s1, b1) = app
        .get(&deleg, &format!("/api/v1/my/record?delegation={dl}"))
        .await;
    let (s2, b2) = app
        .get(&deleg, "/api/v1/my/record?delegation=DL-000000000000")
        .await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    // Every query is logged; the person sees who looked.
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 50)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|q| q.channel == "portal" && q.requester_kind == "self"));
    assert!(log.iter().any(|q| q.channel == "counter"
        && q.requester_kind == "delegate"
        && q.requester == "agent"));
    let retiree_log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&retiree, 50)
        .await
        .unwrap();
    assert!(retiree_log.iter().any(|q| q.requester_kind == "employer"));
    let page = app.page(&citizen, "/my/queries").await;
    assert!(page.contains("受托人 deleg"), "{page}");
}

/// The yearly rights statement (个人权益记录单) sums the year's
/// contributions of the record the API gives, to the fen.
pub(super) async fn yearly_statement_sums_the_record(postgres: bool) {
    use rust_decimal::Decimal;
    let app = spawn_with(postgres, true).await;
    let citizen = app.login("citizen").await;
    let (_, me) = app.get(&citizen, "/api/v1/my/record").await;
    let mut months = 0;
    let (mut personal, mut employer) = (Decimal::ZERO, Decimal::ZERO);
    let amount = |c: &Value, k: &str| -> Decimal { c[k].as_str().unwrap().parse().unwrap() };
    for c in me["record"]["contributions"].as_array().unwrap() {
        if c["month"].as_str().unwrap().starts_with("2025-") {
            months += 1;
            personal += amount(c, "pension_employee")
                + amount(c, "medical_employee")
                + amount(c, "unemployment_employee");
            employer += amount(c, "pension_employer")
                + amount(c, "medical_employer")
                + amount(c, "unemployment_employer")
                + amount(c, "work_injury_employer");
        }
    }
    assert!(months > 0, "the demo citizen contributed in 2025");
    let page = app.page(&citizen, "/my/statement?year=2025").await;
    assert!(page.contains("个人权益记录单"), "{page}");
    assert!(
        page.contains(&format!("<b id=\"statement-months\">{months}</b>")),
        "{page}"
    );
    assert!(
        page.contains(&format!("<b>{personal}</b>")),
        "{personal}: {page}"
    );
    assert!(
        page.contains(&format!("<b>{employer}</b>")),
        "{employer}: {page}"
    );
}
