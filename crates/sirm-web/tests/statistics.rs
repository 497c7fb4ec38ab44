//! Statistics without identities (Art 17) over real HTTP, both engines:
//! the reports agree with figures computed independently from the demo
//! records (read by the query officer through the one query path), small
//! cells are suppressed with their complements, only the statistics user
//! reads them and the statistics user reaches no person.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{json, Value};
use sirm_app::demo::DEMO_PASSWORD;
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    summaries_agree_with_the_contribution_rows,
    reports_agree_with_the_records,
    small_cells_are_suppressed_with_their_complements,
    only_the_statistics_user_reads_reports,
    statistics_reads_are_capped_per_day
);

/// A statistics-user account `stats`, as an installation gets one.
pub(crate) async fn add_stats_user(app: &TestApp) {
    let sirm = &app.sirm;
    let sysadmin = sirm.principal("sysadmin", "test").await.unwrap();
    let secadmin = sirm.principal("secadmin", "test").await.unwrap();
    sirm.add_user(&sysadmin, "stats", "stats").await.unwrap();
    let rr = sirm
        .request_role(&sysadmin, "stats", "statistics_user", "test account")
        .await
        .unwrap();
    sirm.decide_role(&secadmin, &rr.request_id, true, "")
        .await
        .unwrap();
    let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
    sirm.store_for_maintenance()
        .set_password(
            "stats",
            &hash,
            false,
            chrono::Utc::now().timestamp_micros(),
            5,
        )
        .await
        .unwrap();
}

/// Every demo person's record as the query officer reads it.
pub(crate) async fn records(app: &TestApp) -> Vec<Value> {
    let query = app.login("query").await;
    let mut out = Vec::new();
    for id in sirm_app::testkit::person_ids(&app.sirm, 10_000)
        .await
        .unwrap()
    {
        let (s, rec) = query
            .post("/api/v1/persons/lookup", json!({ "id": id }))
            .await;
        assert_eq!(s, StatusCode::OK, "{rec}");
        out.push(rec);
    }
    out
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .map(|s| s.parse().unwrap())
        .or_else(|| v.as_f64().map(|f| Decimal::try_from(f).unwrap()))
        .unwrap_or_else(|| panic!("not an amount: {v}"))
}

const AMOUNTS: [&str; 7] = [
    "pension_employer",
    "pension_employee",
    "medical_employer",
    "medical_employee",
    "unemployment_employer",
    "unemployment_employee",
    "work_injury_employer",
];

async fn reports_agree_with_the_records(engine: Engine) {
    // A threshold of 2 so that most figures are published and comparable.
    let app = TestApp::start(
        Options::new(engine)
            .history()
            .tune(|s| s.config.disclosure.min_cell = 2),
    )
    .await;
    add_stats_user(&app).await;
    let recs = records(&app).await;
    let stats = app.login("stats").await;

    // Contributions: persons and amount per month, from the records.
    let mut by_month: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
    for r in &recs {
        for c in r["contributions"].as_array().unwrap() {
            let e = by_month
                .entry(c["month"].as_str().unwrap().to_string())
                .or_default();
            e.0 += 1;
            e.1 += AMOUNTS.iter().map(|a| dec(&c[a])).sum::<Decimal>();
        }
    }
    assert!(!by_month.is_empty(), "the demo history has contributions");
    let first = by_month.keys().next().unwrap().clone();
    let last = by_month.keys().last().unwrap().clone();
    let (s, rep) = stats
        .get(&format!(
            "/api/v1/statistics/reports/contributions?from={first}&to={last}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{rep}");
    assert_eq!(rep["min_cell"], 2);
    let mut published = 0;
    for row in rep["rows"].as_array().unwrap() {
        let month = row["key"][0].as_str().unwrap();
        let (n, amount) = by_month[month];
        let total = &row["total"];
        if total["suppressed"] == false {
            assert_eq!(total["persons"], n, "{month}");
            assert_eq!(dec(&total["amount"]), amount, "{month}");
            published += 1;
        }
    }
    assert_eq!(rep["rows"].as_array().unwrap().len(), by_month.len());
    assert!(published > 0);
    let all: u64 = by_month.values().map(|v| v.0).sum();
    assert_eq!(rep["total"]["persons"], all);
    assert_eq!(
        dec(&rep["total"]["amount"]),
        by_month.values().map(|v| v.1).sum::<Decimal>()
    );

    // Insured persons of the last month: enrolments per insurance type.
    let mut enrolled: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &recs {
        for c in r["contributions"].as_array().unwrap() {
            if c["month"] != last.as_str() {
                continue;
            }
            for (t, cols) in [
                ("pension", &AMOUNTS[0..2]),
                ("medical", &AMOUNTS[2..4]),
                ("unemployment", &AMOUNTS[4..6]),
                ("work_injury", &AMOUNTS[6..7]),
            ] {
                if cols.iter().map(|a| dec(&c[a])).sum::<Decimal>() > Decimal::ZERO {
                    *enrolled.entry(t).or_default() += 1;
                }
            }
        }
    }
    let (s, ins) = stats
        .get(&format!("/api/v1/statistics/reports/insured?month={last}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{ins}");
    let columns: Vec<&str> = ins["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        ["pension", "medical", "unemployment", "work_injury"]
    );
    for (i, t) in columns.iter().enumerate() {
        let cell = &ins["column_totals"][i];
        if cell["suppressed"] == false {
            assert_eq!(
                cell["persons"],
                enrolled.get(t).copied().unwrap_or(0),
                "{t}"
            );
        }
    }
    assert_eq!(
        ins["total"]["persons"],
        enrolled.values().sum::<u64>(),
        "person-enrolments of {last}"
    );
    // No row totals: a row's sum counts enrolments, and could give back a
    // group smaller than min_cell whose cells are all suppressed.
    assert!(
        ins["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["total"].is_null()),
        "{ins}"
    );

    // Benefits: pensions on record by status.
    let mut pensions: BTreeMap<String, u64> = BTreeMap::new();
    for r in &recs {
        if let Some(b) = r["benefit"].as_object() {
            *pensions
                .entry(format!("pension.{}", b["status"].as_str().unwrap()))
                .or_default() += 1;
        }
    }
    let (s, ben) = stats.get("/api/v1/statistics/reports/benefits").await;
    assert_eq!(s, StatusCode::OK, "{ben}");
    for (kind, n) in &pensions {
        let row = ben["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"][0] == kind.as_str())
            .unwrap_or_else(|| panic!("no row {kind}: {ben}"));
        let cell = &row["cells"][0];
        assert!(
            cell["suppressed"] == true || cell["persons"] == *n,
            "{kind}"
        );
    }

    // The page and the CSV of the same report.
    let (s, html) = stats
        .page(&format!(
            "/statistics/reports/contributions?from={first}&to={last}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"report\""), "{html}");
    let csv = stats
        .get_raw(&format!(
            "/statistics/reports/contributions/export.csv?from={first}&to={last}"
        ))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    // Chinese headers with the key beside them.
    assert!(
        text.lines().next().unwrap().contains("月份（month）"),
        "{text}"
    );
    assert!(text.contains("_persons）"), "{text}");
    assert_eq!(text.lines().count(), by_month.len() + 2, "{text}");
}

/// Every line of a published table: no line with exactly one suppressed
/// member (it could be had by subtraction); no published count below the
/// threshold.
fn check_suppression(rep: &Value) {
    let min = rep["min_cell"].as_u64().unwrap();
    let hidden = |c: &Value| c["suppressed"] == true;
    let rows = rep["rows"].as_array().unwrap();
    let published_ok = |c: &Value| {
        hidden(c) || {
            let n = c["persons"].as_u64().unwrap();
            n == 0 || n >= min
        }
    };
    for row in rows {
        let cells = row["cells"].as_array().unwrap();
        assert!(cells.iter().all(published_ok), "{row}");
        if let Some(t) = row.get("total").filter(|t| !t.is_null()) {
            assert!(published_ok(t));
            let n = cells.iter().filter(|c| hidden(c)).count() + usize::from(hidden(t));
            assert_ne!(n, 1, "row {row} gives its suppressed cell back");
        }
    }
    let totals = rep["column_totals"].as_array().unwrap();
    for (j, t) in totals.iter().enumerate() {
        assert!(published_ok(t));
        let n = rows.iter().filter(|r| hidden(&r["cells"][j])).count() + usize::from(hidden(t));
        assert_ne!(n, 1, "column {j} gives its suppressed cell back: {rep}");
    }
    let n = totals.iter().filter(|t| hidden(t)).count() + usize::from(hidden(&rep["total"]));
    assert_ne!(n, 1, "the column totals give one back: {rep}");
}

async fn small_cells_are_suppressed_with_their_complements(engine: Engine) {
    // The default threshold (10) over a demo of a few dozen persons: the
    // insured-persons table by region × age band × gender is mostly small.
    let app = TestApp::start(Options::new(engine).history().persons(30)).await;
    add_stats_user(&app).await;
    let stats = app.login("stats").await;
    let (s, rep) = stats.get("/api/v1/statistics/reports/insured").await;
    assert_eq!(s, StatusCode::OK, "{rep}");
    assert_eq!(rep["min_cell"], 10);
    assert_eq!(rep["suppression_rule"], "disclosure.small-cell");
    assert!(rep["suppressed"].as_u64().unwrap() > 0, "{rep}");
    check_suppression(&rep);
    for r in ["contributions", "arrears", "benefits"] {
        let (s, rep) = stats.get(&format!("/api/v1/statistics/reports/{r}")).await;
        assert_eq!(s, StatusCode::OK, "{rep}");
        check_suppression(&rep);
    }
    // A suppressed cell is "—" on the page, never its number.
    let (_, html) = stats.page("/statistics/reports/insured").await;
    assert!(html.contains("disclosure.small-cell"), "{html}");
}

async fn only_the_statistics_user_reads_reports(engine: Engine) {
    let app = TestApp::start(Options::new(engine).history()).await;
    add_stats_user(&app).await;
    let stats = app.login("stats").await;
    // No person is reachable for the statistics user.
    let id = app.first_person().await;
    let (s, v) = stats
        .post("/api/v1/persons/lookup", json!({ "id": id }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, _) = stats.page("/persons").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // No report for anyone else.
    for user in ["clerk", "query", "auditadmin", "citizen"] {
        let c = app.login(user).await;
        let (s, v) = c.get("/api/v1/statistics/reports/insured").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {v}");
    }
    // Bad parameters: 400 naming the field and the rule; unknown report 404.
    let (s, v) = stats
        .get("/api/v1/statistics/reports/insured?month=2025-13")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["field"], "month");
    assert_eq!(v["error"]["rule"], "date.format");
    let (s, v) = stats
        .get("/api/v1/statistics/reports/contributions?from=2025-06&to=2025-01")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["field"], "from");
    assert_eq!(v["error"]["rule"], "date.order");
    // A period longer than a report covers names its own rule (and its
    // own Chinese sentence, not the date-order one).
    let (s, v) = stats
        .get("/api/v1/statistics/reports/contributions?from=2000-01&to=2026-12")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["rule"], "statistics.period");
    let (s, page) = stats
        .page("/statistics/reports/contributions?from=2000-01&to=2026-12")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("最多涵盖240个月"), "{page}");
    let (s, v) = stats.get("/api/v1/statistics/reports/persons").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["rule"], "not-found.report");
    // Each read is registered with the report and its parameters (Art 21).
    let (s, _) = stats
        .get("/api/v1/statistics/reports/arrears?from=2024-01&to=2024-12")
        .await;
    assert_eq!(s, StatusCode::OK);
    let audit = app.login("auditadmin").await;
    let (s, v) = audit.get("/api/v1/audit?event=statistics.read").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v.to_string()
            .contains("report arrears from=2024-01 to=2024-12"),
        "{v}"
    );
}

/// Every question the statistics reads answer from the summaries, asked of
/// the contribution rows as well: the same answer.
async fn summaries_give_what_the_rows_give(store: &sirm_store::Store, what: &str) {
    use sirm_domain::rules::Month;
    let months: Vec<String> = store
        .contribution_summary_rows()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.month)
        .collect();
    let first = Month::parse(months.iter().min().unwrap()).unwrap();
    let last = Month::parse(months.iter().max().unwrap()).unwrap();
    let m = |s: &str| Month::parse(s).unwrap();
    let periods = [
        (first, last),
        (last.add_months(-11), last),
        (last, last),
        (first.add_months(2), last.add_months(-5)),
    ];
    // Arrears end before `current`: after the data, inside it, at its start.
    let currents = [last.add_months(13), last.add_months(-7), first];
    for (from, to) in periods {
        for current in currents {
            let (f, t, c) = (from.to_string(), to.to_string(), current.to_string());
            let mut a = store.contribution_groups(&f, &t, &c).await.unwrap();
            let mut b = store
                .contribution_groups_from_rows(&f, &t, &c)
                .await
                .unwrap();
            a.sort_by(|x, y| (&x.month, x.industry_class).cmp(&(&y.month, y.industry_class)));
            b.sort_by(|x, y| (&x.month, x.industry_class).cmp(&(&y.month, y.industry_class)));
            assert!(!a.is_empty());
            assert_eq!(a, b, "{what}: contribution groups {f}..{t}, current {c}");
        }
    }
    // Insured persons of a month, ages on its last day (February too).
    for month in [first, last, first.add_months(1), last.add_months(-10)] {
        let key = |g: &sirm_store::InsuredGroup| (g.agency.clone(), g.age, g.gender.clone());
        let mut a = store.insured_groups(&month.to_string()).await.unwrap();
        let on = month.last_day().format("%m-%d").to_string();
        let mut b = store
            .insured_groups_from_rows(&month.to_string(), i64::from(month.year()), &on)
            .await
            .unwrap();
        a.sort_by_key(key);
        b.sort_by_key(key);
        assert!(!a.is_empty());
        assert_eq!(a, b, "{what}: insured persons of {month}");
    }
    // Extracts: whole years, edge months at both ends, the current year.
    let y = |m: Month| m.year();
    let extract_periods = [
        (first, last),
        (
            m(&format!("{}-01", y(first) + 1)),
            m(&format!("{}-12", y(last) - 1)),
        ),
        (first.add_months(3), last.add_months(-4)),
        (last.add_months(-2), last),
    ];
    for (from, to) in extract_periods {
        for current in currents {
            let mut a = store.extract_sources(from, to, current).await.unwrap();
            let mut b = store
                .extract_sources_from_rows(&from.to_string(), &to.to_string(), &current.to_string())
                .await
                .unwrap();
            a.sort_by(|x, y| x.person_id.cmp(&y.person_id));
            b.sort_by(|x, y| x.person_id.cmp(&y.person_id));
            assert!(a.iter().any(|s| s.months > 0));
            assert_eq!(a, b, "{what}: extract {from}..{to}, current {current}");
        }
    }
    // The applier's summaries are those the fill SQL computes afresh.
    let kept = store.projection_digest().await.unwrap();
    store.fill_statistics_summaries().await.unwrap();
    assert_eq!(
        store.projection_digest().await.unwrap(),
        kept,
        "{what}: summaries as kept vs as filled from the rows"
    );
}

/// The statistics summaries (migration 22) kept by the applier agree with
/// an aggregate over the contribution rows on the demo history (declared
/// and paid months) and after corrections of unpaid and paid months and a
/// payment of a corrected employer-month; rebuild reproduces them, verify's
/// projection check names a tampered summary row.
async fn summaries_agree_with_the_contribution_rows(engine: Engine) {
    use sirm_domain::records::{kind, ContributionAssessed};
    let app = TestApp::start(Options::new(engine).history()).await;
    let store = app.sirm.store_for_maintenance();
    let summary = store.contribution_summary_rows().await.unwrap();
    let unpaid = summary.iter().filter(|r| r.unpaid_persons > 0).count();
    assert!(unpaid > 0, "the demo history has unpaid months");
    assert!(
        summary.iter().any(|r| r.unpaid_persons < r.persons),
        "and paid ones"
    );
    summaries_give_what_the_rows_give(store, "demo").await;

    // Corrections: of a month not paid, of a paid one; then the unpaid
    // employer-month corrected is paid.
    let assessed: Vec<_> = store
        .entries_of_kind("business", kind::CONTRIBUTION_ASSESSED)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.decode().unwrap().0)
        .collect();
    let status_of = |p: &ContributionAssessed| {
        summary
            .iter()
            .find(|r| r.month == p.month.to_string() && r.credit_code == p.credit_code.as_str())
            .map(|r| r.unpaid_persons > 0)
            .unwrap()
    };
    let payloads: Vec<(String, String, ContributionAssessed)> = assessed
        .iter()
        .map(|e| {
            (
                e.agency.clone(),
                e.subject.clone(),
                serde_json::from_str(&e.payload).unwrap(),
            )
        })
        .collect();
    let unpaid_one = payloads.iter().find(|(_, _, p)| status_of(p)).unwrap();
    let paid_one = payloads.iter().find(|(_, _, p)| !status_of(p)).unwrap();
    let corrected = |(agency, subject, p): &(String, String, ContributionAssessed), by: &str| {
        let mut p = p.clone();
        let extra: Decimal = by.parse().unwrap();
        p.result.amounts.pension_employer += extra;
        p.result.amounts.medical_employee += extra;
        let previous = p.result.inputs.declared_wage;
        sirm_app::testkit::business_draft(
            agency,
            kind::CONTRIBUTION_CORRECTED,
            subject,
            json!({"assessed": p, "previous_declared_wage": previous, "reason": "test"}),
        )
    };
    sirm_app::testkit::append_unreviewed(
        &app.sirm,
        vec![corrected(unpaid_one, "12.34"), corrected(paid_one, "-0.01")],
    )
    .await
    .unwrap();
    summaries_give_what_the_rows_give(store, "after corrections").await;
    // A person registered again by another agency: their months move to
    // that agency's rows of the insured-persons summary.
    let registered = store
        .entries_of_kind("business", kind::PERSON_REGISTERED)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.decode().unwrap().0)
        .find(|e| e.subject == unpaid_one.1)
        .unwrap();
    let moved_to = if registered.agency == "110108" {
        "110105"
    } else {
        "110108"
    };
    sirm_app::testkit::append_unreviewed(
        &app.sirm,
        vec![sirm_app::testkit::business_draft(
            moved_to,
            kind::PERSON_REGISTERED,
            &registered.subject,
            serde_json::from_str(&registered.payload).unwrap(),
        )],
    )
    .await
    .unwrap();
    summaries_give_what_the_rows_give(store, "after a new registration").await;
    let p = &unpaid_one.2;
    sirm_app::testkit::append_unreviewed(
        &app.sirm,
        vec![
            sirm_app::testkit::business_draft(
                &unpaid_one.0,
                kind::CONTRIBUTION_PAID,
                &format!("employer:{}", p.credit_code.as_str()),
                json!({"credit_code": p.credit_code, "month": p.month,
                       "paid_on": "2026-01-10", "amount": "1.00"}),
            ),
            // A correction after the payment.
            corrected(unpaid_one, "0.05"),
        ],
    )
    .await
    .unwrap();
    let row = store
        .contribution_summary_rows()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.month == p.month.to_string() && r.credit_code == p.credit_code.as_str())
        .unwrap();
    assert_eq!((row.unpaid_persons, row.unpaid_fen), (0, 0), "{row:?}");
    summaries_give_what_the_rows_give(store, "after payment").await;

    // Rebuilt bit for bit; a tampered summary row is named by the check.
    let before = store.projection_digest().await.unwrap();
    store.rebuild_projections(500).await.unwrap();
    assert_eq!(store.projection_digest().await.unwrap(), before);
    let dir = tempfile::tempdir().unwrap();
    let clean = store
        .check_projections(&dir.path().join("a.db"))
        .await
        .unwrap();
    assert!(clean.matches(), "{clean:?}");
    store
        .execute_raw(&format!(
            "UPDATE contribution_summary SET amount_fen = amount_fen + 1 \
             WHERE month = '{}' AND credit_code = '{}'",
            row.month, row.credit_code
        ))
        .await
        .unwrap();
    let d = store
        .check_projections(&dir.path().join("b.db"))
        .await
        .unwrap()
        .difference
        .unwrap();
    assert_eq!(
        (d.table.as_str(), d.column.as_deref()),
        ("contribution_summary", Some("amount_fen")),
        "{d}"
    );
    assert_eq!(
        d.key_text(),
        format!("month={}, credit_code={}", row.month, row.credit_code)
    );
    store.rebuild_projections(500).await.unwrap();
    assert_eq!(store.projection_digest().await.unwrap(), before);
}

/// Many overlapping reports could be differenced into a small group: a
/// statistics user reads at most `[disclosure.volume] statistics_per_day`
/// reports a day; the next is refused and registered.
async fn statistics_reads_are_capped_per_day(engine: Engine) {
    let app = TestApp::start(
        Options::new(engine)
            .history()
            .tune(|s| s.config.disclosure.volume.statistics_per_day = 3),
    )
    .await;
    add_stats_user(&app).await;
    let stats = app.login("stats").await;
    for _ in 0..3 {
        let (s, v) = stats.get("/api/v1/statistics/reports/insured").await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = stats.get("/api/v1/statistics/reports/contributions").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["rule"], "disclosure.volume", "{v}");
    let audit = app
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.payload.contains("statistics.read") && e.payload.contains("denied")));
}
