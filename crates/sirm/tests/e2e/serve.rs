//! `sirm serve` answering checkpoints and proofs, `sirm rebuild`, and a kill during a large approval.

use super::*;

pub(super) async fn serve_answers_checkpoint_and_proofs(engine: Engine, crypto: Crypto) {
    let profile = crypto.profile();
    let i = Install::demo_with(engine, 40, crypto);
    let pubkey = PublicKey::from_text(
        &std::fs::read_to_string(i.data().join("keys/checkpoint.pub")).unwrap(),
    )
    .unwrap();
    let server = Server::start(&i);
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{}{}", server.base, path);
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    assert_eq!(get("/healthz").await.text().await.unwrap(), "ok");
    let ready: serde_json::Value = get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["ready"], true);

    let cp: serde_json::Value = get("/api/v1/ledger/checkpoint").await.json().await.unwrap();
    let note = SignedCheckpoint::from_note(cp["note"].as_str().unwrap()).unwrap();
    note.verify(&pubkey).unwrap();
    // The checkpoint names its profile, in the JSON and in the signed note.
    assert_eq!(cp["profile"], profile.name());
    assert_eq!(note.profile, profile);
    let size = cp["tree_size"].as_u64().unwrap();
    assert_eq!(size, note.checkpoint.tree_size);
    assert_eq!(
        cp["root"].as_str().unwrap(),
        hex::encode(note.checkpoint.root)
    );

    // The answers are the proofs computed from all leaves, byte for byte:
    // many seqs and `from`s through the use case (the conformance suite
    // compares every pair at the store), a few over HTTP.
    let leaves = {
        let s = Store::connect(&i.store_config(), Role::App).await.unwrap();
        let l = s.leaf_hashes(size).await.unwrap();
        s.close().await;
        l
    };
    let hexes = |p: Vec<[u8; 32]>| p.iter().map(hex::encode).collect::<Vec<_>>();
    let want_inclusion =
        |seq: u64| hexes(merkle::inclusion_proof(profile, &leaves, seq - 1).unwrap());
    let want_consistency =
        |from: u64| hexes(merkle::consistency_proof(profile, &leaves, from).unwrap());
    let sirm = i.open_sirm().await;
    for n in (1..=40)
        .chain((41..size).step_by(97))
        .chain(size - 2..=size)
    {
        let p = sirm.inclusion_proof(n).await.unwrap();
        assert_eq!(p.proof, want_inclusion(n), "seq {n}");
        assert_eq!(p.leaf_hash, hex::encode(leaves[n as usize - 1]));
        let c = sirm.consistency_proof(n, None).await.unwrap();
        assert_eq!(c.proof, want_consistency(n), "from {n}");
        let from_root = merkle::root_of(profile, &leaves[..n as usize]);
        assert_eq!(c.from_root, hex::encode(from_root));
        assert_eq!(c.to_root, hex::encode(note.checkpoint.root));
    }
    sirm.store_for_maintenance().close().await;
    for n in [1, 16, 17, size / 2, size] {
        let p: serde_json::Value = get(&format!("/api/v1/ledger/proof/inclusion?seq={n}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p["proof"], serde_json::json!(want_inclusion(n)), "seq {n}");
        let c: serde_json::Value = get(&format!("/api/v1/ledger/proof/consistency?from={n}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            c["proof"],
            serde_json::json!(want_consistency(n)),
            "from {n}"
        );
    }

    // Inclusion: check every proof client-side against the signed root.
    for seq in [1, size / 2, size] {
        let p: serde_json::Value = get(&format!("/api/v1/ledger/proof/inclusion?seq={seq}"))
            .await
            .json()
            .await
            .unwrap();
        let leaf: [u8; 32] = hex::decode(p["leaf_hash"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let proof: Vec<[u8; 32]> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        merkle::verify_inclusion(profile, &leaf, seq - 1, size, &proof, &note.checkpoint.root)
            .unwrap();
    }
    // Consistency from the genesis batch (tree size 2) to now.
    let c: serde_json::Value = get("/api/v1/ledger/proof/consistency?from=2")
        .await
        .json()
        .await
        .unwrap();
    let proof: Vec<[u8; 32]> = c["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            hex::decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    let from_root: [u8; 32] = hex::decode(c["from_root"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    merkle::verify_consistency(profile, 2, size, &from_root, &note.checkpoint.root, &proof)
        .unwrap();

    // Bad input: named parameter, 400, JSON error.
    for (path, needle) in [
        ("/api/v1/ledger/proof/inclusion?seq=0", "seq"),
        (
            &format!("/api/v1/ledger/proof/inclusion?seq={}", size + 1)[..],
            "seq",
        ),
        ("/api/v1/ledger/proof/inclusion?seq=abc", "seq"),
        ("/api/v1/ledger/proof/inclusion", "seq"),
        ("/api/v1/ledger/proof/consistency?from=5&to=3", "from"),
    ] {
        let r = get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_parameter");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(needle),
            "{path}: {body}"
        );
    }
    assert_eq!(get("/no/such/route").await.status(), 404);

    let api: serde_json::Value = get("/api/v1/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/proof/inclusion",
        "/api/v1/ledger/proof/consistency",
        "/api/v1/certificates/{code}",
    ] {
        assert!(
            api["paths"][path]["get"].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    let page = get("/").await.text().await.unwrap();
    assert!(page.contains("社会保险个人权益记录"), "{page}");
}

pub(super) async fn rebuild_reports_the_same_digest(engine: Engine) {
    let i = Install::demo(engine, 60);
    let out = i.sirm(&["rebuild", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["before"]["digest"], r["after"]["digest"]);
    assert!(r["replayed"].as_u64().unwrap() > 60);
    // A projection edited behind the applier's back: rebuild repairs it and says so.
    i.tamper(&["UPDATE person SET name = '改' WHERE person_id IS NOT NULL"])
        .await;
    let out = i.sirm(&["rebuild", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r2: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r2["after"]["digest"], r["after"]["digest"]);
    assert_ne!(r2["before"]["digest"], r["after"]["digest"]);
}

/// Kill the server in the middle of writing a large approval: the ledger
/// and the projections show nothing of it, the application still waits for
/// approval, and approving again afterwards writes every row.
pub(super) async fn kill_during_large_approval_leaves_nothing(engine: Engine) {
    const ROWS: usize = 20_000;
    let i = Install::demo(engine, 5);
    let mut opts = sirm_app::OpenOptions::new(i.data());
    if let Some(s) = &i.schema {
        opts.database_url = Some(i.pg_url.clone());
        opts.database_schema = Some(s.clone());
    }
    // Set-up through the ledger: ROWS persons employed by the agent's employer.
    let employer = {
        let sirm = sirm_app::Sirm::open(&opts, sirm_app::Access::Sign)
            .await
            .unwrap();
        let employer: sirm_domain::id::CreditCode = sirm
            .store_for_maintenance()
            .account("agent")
            .await
            .unwrap()
            .unwrap()
            .employer
            .unwrap()
            .parse()
            .unwrap();
        let region: sirm_domain::id::RegionCode = "110105".parse().unwrap();
        let mut csv = String::from("id,wage\n");
        let mut drafts = Vec::with_capacity(ROWS * 2);
        let mut details = Vec::with_capacity(ROWS);
        for n in 0..ROWS {
            let birth = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                + chrono::Duration::days((n / 999) as i64);
            let id = sirm_domain::id::ResidentId::from_parts(&region, birth, (n % 999 + 1) as u16)
                .unwrap();
            csv.push_str(&format!("{id},{}.00\n", 5000 + n % 3000));
            details.push(sirm_domain::records::PersonDetails {
                id,
                name: "测试".into(),
                address: "北京市朝阳区".into(),
                phone: "13800000000".into(),
                registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            });
        }
        for reg in sirm_app::testkit::sealed_persons(&sirm, &details)
            .await
            .unwrap()
        {
            drafts.push(sirm_app::registration::person_draft(&sirm.config, "test", &reg).unwrap());
            let job = sirm_domain::records::EmploymentStart {
                id: reg.id.clone(),
                credit_code: employer.clone(),
                start_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            };
            drafts.push(
                sirm_app::registration::employment_start_draft(&sirm.config, "test", &job).unwrap(),
            );
        }
        // 40,000 registrations in one go: no flow takes that many at once.
        sirm_app::testkit::append_stream_unreviewed(&sirm, drafts.into_iter().map(Ok))
            .await
            .unwrap();
        sirm.store_for_maintenance().close().await;
        std::fs::write(i.dir.path().join("big.csv"), csv).unwrap();
        employer.to_string()
    };
    let pw = write_file(
        i.dir.path(),
        "pw",
        &format!("{}\n", sirm_app::demo::DEMO_PASSWORD),
    );
    let out = i.sirm(&[
        "import",
        "declaration",
        i.dir.path().join("big.csv").to_str().unwrap(),
        "--employer",
        &employer,
        "--month",
        "2024-05",
        "--as",
        "clerk",
        "--password-file",
        pw.to_str().unwrap(),
        "--totp",
        &sirm_testkit::demo_code("clerk").await,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["accepted"], ROWS as u64);
    let id = report["application_id"].as_str().unwrap().to_string();

    let http = reqwest::Client::new();
    let login = |base: String, user: &'static str| {
        let http = http.clone();
        async move {
            let v: serde_json::Value = http
                .post(format!("{base}/api/v1/session"))
                .json(&serde_json::json!({"username": user, "password": sirm_app::demo::DEMO_PASSWORD, "second_factor": sirm_testkit::demo_code(user).await}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["token"].as_str().unwrap().to_string()
        }
    };
    let decide = |base: String, token: String, stage: &'static str| {
        let http = http.clone();
        let id = id.clone();
        async move {
            http.post(format!("{base}/api/v1/applications/{id}/decision"))
                .bearer_auth(token)
                .json(&serde_json::json!({"stage": stage, "approve": true}))
                .send()
                .await
        }
    };
    let mut server = Server::start(&i);
    for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
        let t = login(server.base.clone(), user).await;
        let r = decide(server.base.clone(), t, stage).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let t = login(server.base.clone(), "approver").await; // (a sign-in is an audit entry)
    let size_before = i.tree_size().await;
    let pending = tokio::spawn(decide(server.base.clone(), t, "approval"));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no rollback by the server
    server.child.wait().unwrap();
    assert!(
        pending.await.unwrap().is_err(),
        "the approval finished before the kill; raise ROWS"
    );
    // Nothing of the approval is anywhere.
    assert_eq!(i.tree_size().await, size_before);
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let store = Store::connect(&i.store_config(), Role::App).await.unwrap();
    assert_eq!(store.assessed_count(&employer, "2024-05").await.unwrap(), 0);
    let app = store.application(&id).await.unwrap().unwrap();
    assert_eq!(
        (app.status.as_str(), app.next_stage.as_deref()),
        ("pending", Some("approval"))
    );
    store.close().await;
    // Approving again after the restart writes all of it.
    let server = Server::start(&i);
    let t = login(server.base.clone(), "approver").await;
    let r = decide(server.base.clone(), t, "approval").await.unwrap();
    assert_eq!(r.status(), 200);
    drop(server);
    let store = Store::connect(&i.store_config(), Role::App).await.unwrap();
    assert_eq!(
        store.assessed_count(&employer, "2024-05").await.unwrap(),
        ROWS as i64
    );
    store.close().await;
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));
}
