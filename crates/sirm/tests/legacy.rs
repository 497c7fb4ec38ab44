//! The legacy migration (docs/migration.md) on both engines: an invented
//! export → `sirm import legacy` as the clerk → reviewed, rechecked and
//! approved → the records match the export and `sirm verify` passes; the
//! same manifest again is refused; bad exports list every problem with
//! file and line and append nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use sirm_app::{Access, Principal, Sirm};
use sirm_domain::access::Role;
use sirm_store::Engine;

use crate::e2e::{stderr, stdout, text, Install};

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

sirm_testkit::both_engines!(sync: round_trip_and_refusals);

fn staff(username: &str, role: Role) -> Principal {
    Principal {
        username: username.into(),
        display_name: username.into(),
        agency: "110105".into(),
        kind: sirm_domain::status::AccountKind::Staff,
        roles: vec![role],
        person_id: None,
        employer: None,
        source: "test".into(),
        pending: None,
        session: None,
        notice: None,
    }
}

fn export(dir: &Path, persons: usize, seed: u64) {
    let out = std::process::Command::new(SIRM)
        .args(["legacy", "export-demo", "--persons", &persons.to_string()])
        .args(["--seed", &seed.to_string(), "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// `sirm import legacy DIR --json` as the clerk.
fn import(i: &Install, dir: &Path) -> std::process::Output {
    let session = i.dir.path().join(format!(
        "clerk-{}.session",
        hex::encode(rand::random::<[u8; 4]>())
    ));
    assert!(sirm_testkit::cli_session(
        &i.open_options(),
        "clerk",
        &session
    ));
    i.sirm(&[
        "import",
        "legacy",
        dir.to_str().unwrap(),
        "--session-file",
        session.to_str().unwrap(),
        "--json",
    ])
}

/// The rows of a generated CSV file (no quoting: invented data has no commas).
fn rows(dir: &Path, name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(dir.join(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Approve `id` through the three stages, in a runtime of its own.
fn approve(i: &Install, id: &str) {
    let (opts, id) = (i.open_options(), id.to_string());
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
            for (user, role, stage) in [
                ("reviewer", Role::Reviewer, "review"),
                ("rechecker", Role::Rechecker, "recheck"),
                ("approver", Role::Approver, "approval"),
            ] {
                sirm.decide_application(&staff(user, role), &id, stage, true, "")
                    .await
                    .unwrap();
            }
            sirm.store_for_maintenance().close().await;
        })
    })
    .join()
    .unwrap();
}

/// person (ID number) → (employment periods, contribution months) as recorded.
type Recorded = BTreeMap<String, (BTreeSet<(String, String)>, BTreeSet<String>)>;

fn recorded(i: &Install, ids: Vec<String>) -> Recorded {
    let opts = i.open_options();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
            let store = sirm.store_for_maintenance();
            let mut out = Recorded::new();
            for id in ids {
                let pk = sirm.person_key(&id.parse().unwrap()).unwrap();
                if store.person(pk.as_str()).await.unwrap().is_none() {
                    continue;
                }
                let jobs = store
                    .employments_of(pk.as_str())
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|j| (j.credit_code, j.start_on.to_string()))
                    .collect();
                let months = store
                    .contributions_of(pk.as_str())
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.month.to_string())
                    .collect();
                out.insert(id, (jobs, months));
            }
            store.close().await;
            out
        })
    })
    .join()
    .unwrap()
}

/// Every problem of a refused import: (rule, file, line).
fn problems(out: &std::process::Output) -> Vec<(String, String, u64)> {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    let v: Value = serde_json::from_str(&stdout(out)).unwrap();
    assert_eq!(v["outcome"], "refused", "{v}");
    v["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert!(!b["message_zh"].as_str().unwrap().is_empty());
            (
                b["rule"].as_str().unwrap().to_string(),
                b["file"].as_str().unwrap().to_string(),
                b["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn round_trip_and_refusals(engine: Engine) {
    let i = Install::demo(engine, 3);
    let opts = i.open_options();
    let (before, _) = sirm_testkit::ledger_tail(&opts, u64::MAX);

    // A bad export: a file altered after the manifest, a file missing.
    let bad1 = i.dir.path().join("bad1");
    export(&bad1, 12, 5);
    let persons = std::fs::read_to_string(bad1.join("persons.csv")).unwrap();
    std::fs::write(
        bad1.join("persons.csv"),
        persons.replacen("北京", "天津", 1),
    )
    .unwrap();
    std::fs::remove_file(bad1.join("contributions.csv")).unwrap();
    let p = problems(&import(&i, &bad1));
    assert!(
        p.contains(&("legacy.file-hash".into(), "persons.csv".into(), 0)),
        "{p:?}"
    );
    assert!(
        p.contains(&("legacy.file-missing".into(), "contributions.csv".into(), 0)),
        "{p:?}"
    );

    // Rows wrong with the manifest rewritten to match: an overlapping
    // period, a month twice, a non-decimal wage, an unknown person.
    let bad2 = i.dir.path().join("bad2");
    export(&bad2, 12, 6);
    let append = |name: &str, line: &str| {
        let mut t = std::fs::read_to_string(bad2.join(name)).unwrap();
        t.push_str(line);
        t.push('\n');
        std::fs::write(bad2.join(name), t).unwrap();
    };
    let jobs = rows(&bad2, "employment.csv");
    let months = rows(&bad2, "contributions.csv");
    append("employment.csv", &jobs[0].join(","));
    append("contributions.csv", &months[0].join(","));
    let mut wage = months[1].clone();
    wage[2] = "2015-01".into();
    wage[3] = "8千".into();
    append("contributions.csv", &wage.join(","));
    let region: sirm_domain::id::RegionCode = "110105".parse().unwrap();
    let stranger = sirm_domain::id::ResidentId::from_parts(
        &region,
        chrono::NaiveDate::from_ymd_opt(1980, 2, 29).unwrap(),
        997,
    )
    .unwrap();
    let mut unknown = months[2].clone();
    unknown[0] = stranger.to_string();
    append("contributions.csv", &unknown.join(","));
    sirm_app::legacy::export::write_manifest(
        &bad2,
        "test",
        chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
    )
    .unwrap();
    let out = import(&i, &bad2);
    assert!(
        !stdout(&out).contains(stranger.as_str()),
        "an ID number in clear"
    );
    let p = problems(&out);
    let (nj, nm) = (jobs.len() as u64 + 2, months.len() as u64 + 2);
    for want in [
        ("legacy.period-overlap", "employment.csv", nj),
        ("legacy.month-twice", "contributions.csv", nm),
        ("legacy.amount", "contributions.csv", nm + 1),
        ("legacy.unknown-person", "contributions.csv", nm + 2),
    ] {
        assert!(
            p.contains(&(want.0.into(), want.1.into(), want.2)),
            "{want:?} not in {p:?}"
        );
    }
    // Nothing but the commands' own records was appended.
    let (_, tail) = sirm_testkit::ledger_tail(&opts, before);
    let business = |k: &String| {
        [
            "application.",
            "legacy.",
            "person.",
            "employer.",
            "employment.",
            "contribution.",
        ]
        .iter()
        .any(|p| k.starts_with(p))
    };
    assert!(!tail.iter().any(business), "{tail:?}");

    // A good export round-trips.
    let good = i.dir.path().join("good");
    export(&good, 20, 7);
    let out = import(&i, &good);
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["outcome"], "submitted");
    assert_eq!(report["persons"], 20);
    let id = report["application_id"].as_str().unwrap().to_string();
    let ids: Vec<String> = rows(&good, "persons.csv")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert!(
        recorded(&i, ids.clone()).is_empty(),
        "nothing before approval"
    );
    approve(&i, &id);
    let mut want = Recorded::new();
    for r in rows(&good, "employment.csv") {
        want.entry(r[0].clone())
            .or_default()
            .0
            .insert((r[1].clone(), r[2].clone()));
    }
    for r in rows(&good, "contributions.csv") {
        want.entry(r[0].clone()).or_default().1.insert(r[2].clone());
    }
    let got = recorded(&i, ids);
    assert_eq!(got.len(), 20);
    assert_eq!(got, want);
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));

    // The same manifest again: refused, nothing appended.
    let (size, _) = sirm_testkit::ledger_tail(&opts, u64::MAX);
    let out = import(&i, &good);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("legacy.migrated"), "{}", text(&out));
    let (_, tail) = sirm_testkit::ledger_tail(&opts, size);
    assert!(!tail.iter().any(business), "{tail:?}");
}
