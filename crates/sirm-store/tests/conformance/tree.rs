//! Conformance of the stored tree state: proofs from stored nodes, their
//! read cost, catching up and the node check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// Every proof of the tree of `n` entries read from stored tree state
/// equals the one computed from all leaves by `sirm-ledger`.
pub(crate) async fn assert_proofs_match(
    store: &Store,
    p: CryptoProfile,
    leaves: &[sirm_ledger::Digest],
    n: u64,
) {
    let l = &leaves[..n as usize];
    for i in 0..n {
        let got = store.inclusion_proof(p, n, i).await.unwrap();
        assert_eq!(got.leaf, l[i as usize], "leaf {i} of {n}");
        assert_eq!(
            got.proof,
            merkle::inclusion_proof(p, l, i).unwrap(),
            "leaf {i} of {n}"
        );
    }
    for m in 1..=n {
        let got = store.consistency_proof(p, m, n).await.unwrap();
        assert_eq!(
            got.proof,
            merkle::consistency_proof(p, l, m).unwrap(),
            "{m} -> {n}"
        );
        assert_eq!(got.old_root, merkle::root_of(p, &l[..m as usize]));
        assert_eq!(got.new_root, merkle::root_of(p, l));
    }
}

/// Feed every row to the stored-tree check, as `sirm verify` does.
pub(crate) async fn check_nodes(store: &Store, p: CryptoProfile) -> NodeCheckReport {
    let mut check = store.node_check(p);
    let rows: Vec<_> = store.scan().try_collect().await.unwrap();
    for row in rows {
        check.push(row.seq, &row.leaf_hash).await.unwrap();
    }
    check.finish().await.unwrap()
}

/// Stored nodes of a tree of `n` leaves: every perfect subtree of 16 or more.
pub(crate) fn node_count(n: u64) -> u64 {
    (sirm_store::NODE_MIN_LEVEL..64).map(|l| n >> l).sum()
}

/// Run `statements` as the schema owner with the node table's guards lifted.
pub(crate) async fn tamper_nodes(db: &TestDb, statements: &[&str]) {
    let owner = db.owner().await;
    let sqlite = owner.engine() == Engine::Sqlite;
    if sqlite {
        for t in ["ledger_node_no_update", "ledger_node_no_delete"] {
            owner
                .execute_raw(&format!("DROP TRIGGER {t}"))
                .await
                .unwrap();
        }
    } else {
        owner
            .execute_raw("ALTER TABLE ledger_node DISABLE TRIGGER USER")
            .await
            .unwrap();
    }
    for s in statements {
        owner.execute_raw(s).await.unwrap();
    }
    if sqlite {
        for (t, op) in [
            ("ledger_node_no_update", "UPDATE"),
            ("ledger_node_no_delete", "DELETE"),
        ] {
            owner
                .execute_raw(&format!(
                    "CREATE TRIGGER {t} BEFORE {op} ON ledger_node \
                     BEGIN SELECT RAISE(ABORT, 'ledger_node is append-only (SIRM ledger guard)'); END"
                ))
                .await
                .unwrap();
        }
    } else {
        owner
            .execute_raw("ALTER TABLE ledger_node ENABLE TRIGGER USER")
            .await
            .unwrap();
    }
    assert!(owner.missing_guards().await.unwrap().is_empty());
    owner.close().await;
}

pub(crate) async fn proofs_from_stored_nodes_equal_reference(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let p = db.profile;
    // Uneven batches: a lone leaf, a batch ending one short of a block, one
    // ending on a block, one crossing two blocks...
    let mut next = 0;
    for batch in [1usize, 2, 12, 1, 16, 1, 31, 6] {
        let drafts = (next..next + batch).map(note).collect();
        store.append(drafts, &k, "sirm:test").await.unwrap();
        next += batch;
        let n = next as u64;
        let leaves = store.leaf_hashes(n).await.unwrap();
        let head = store.head().await.unwrap().unwrap();
        let stored = store.consistency_proof(p, n, n).await.unwrap();
        assert_eq!(stored.new_root, head.checkpoint.root);
        assert_proofs_match(&store, p, &leaves, n).await;
    }
    assert_eq!(next, 70);
    // Every (i, n) and every (m, n) up to 70: a proof of an older tree
    // reads the nodes the later appends added around it, never a wrong one.
    let leaves = store.leaf_hashes(70).await.unwrap();
    for n in 1..=70 {
        assert_proofs_match(&store, p, &leaves, n).await;
    }
    let report = check_nodes(&store, p).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.checked, node_count(70));
    // Out of range is an error, never a proof.
    assert!(store.inclusion_proof(p, 70, 70).await.is_err());
    assert!(store.consistency_proof(p, 0, 70).await.is_err());
    assert!(store.consistency_proof(p, 71, 70).await.is_err());
    assert!(store.inclusion_proof(p, 71, 3).await.is_err());
}

pub(crate) async fn proofs_from_stored_nodes_at_a_few_thousand_entries(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let p = db.profile;
    let mut next = 0usize;
    for (i, batch) in [1000usize, 37, 1, 1500, 511, 2, 449, 3]
        .into_iter()
        .enumerate()
    {
        let drafts = (next..next + batch).map(note);
        if i % 2 == 0 {
            store
                .append(drafts.collect(), &k, "sirm:test")
                .await
                .unwrap();
        } else {
            store
                .append_stream(drafts.map(Ok), &k, "sirm:test", None)
                .await
                .unwrap();
        }
        next += batch;
    }
    let total = next as u64;
    let leaves = store.leaf_hashes(total).await.unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(6962);
    for _ in 0..300 {
        let n = rng.gen_range(1..=total);
        let i = rng.gen_range(0..n);
        let l = &leaves[..n as usize];
        let got = store.inclusion_proof(p, n, i).await.unwrap();
        assert_eq!(got.leaf, l[i as usize]);
        assert_eq!(
            got.proof,
            merkle::inclusion_proof(p, l, i).unwrap(),
            "{i} in {n}"
        );
        let m = rng.gen_range(1..=n);
        let got = store.consistency_proof(p, m, n).await.unwrap();
        assert_eq!(
            got.proof,
            merkle::consistency_proof(p, l, m).unwrap(),
            "{m} -> {n}"
        );
        assert_eq!(got.old_root, merkle::root_of(p, &l[..m as usize]));
        assert_eq!(got.new_root, merkle::root_of(p, l));
    }
    // Every signed checkpoint's root is the stored tree's root at its size.
    for cp in store.checkpoints().await.unwrap() {
        let n = cp.checkpoint.tree_size;
        let got = store.consistency_proof(p, 1, n).await.unwrap();
        assert_eq!(got.new_root, cp.checkpoint.root, "checkpoint {n}");
    }
    let report = check_nodes(&store, p).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.checked, node_count(total));
}

pub(crate) async fn proof_reads_are_logarithmic(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let n: u64 = 100_000;
    store
        .append_stream((0..n as usize).map(|i| Ok(note(i))), &k, "sirm:test", None)
        .await
        .unwrap();
    if store.engine() == Engine::Postgres {
        // Statistics, as autovacuum would have them on a live database.
        db.owner().await.analyze().await.unwrap();
    }
    let log_n = 64 - u64::from(n.leading_zeros()); // 17
                                                   // Rows a proof needs: a node per level twice over (the path and the
                                                   // right edge) and at most three blocks of 16 leaves.
    let rows_bound = 3 * log_n + 48;
    let mut rng = rand::rngs::StdRng::seed_from_u64(9162);
    let mut worst = sirm_store::ReadCost::default();
    for round in 0..40 {
        let size = if round % 2 == 0 {
            n
        } else {
            rng.gen_range(1..=n)
        };
        let shape = if round % 4 < 2 {
            ProofShape::Inclusion {
                tree_size: size,
                index: rng.gen_range(0..size),
            }
        } else {
            ProofShape::Consistency {
                old_size: rng.gen_range(1..=size),
                new_size: size,
            }
        };
        let cost = store.proof_read_cost(shape).await.unwrap();
        assert_eq!(cost.statements, 1, "{shape:?}");
        assert_eq!(cost.full_scan_rows, 0, "{shape:?}: {cost:?}");
        assert!(cost.rows_returned <= rows_bound, "{shape:?}: {cost:?}");
        worst.statements = worst.statements.max(cost.statements);
        worst.rows_returned = worst.rows_returned.max(cost.rows_returned);
        worst.work = worst.work.max(cost.work);
    }
    // What the engine did: PostgreSQL counts the rows it fetched; SQLite
    // counts virtual machine steps, at least one per row a cursor visits.
    let work_bound = match store.engine() {
        Engine::Postgres => rows_bound,
        Engine::Sqlite => 20 * rows_bound,
    };
    assert!(worst.work <= work_bound, "{worst:?} > {work_bound}");
    // The yardstick fails the same bound: the old way read every leaf.
    let scan = store
        .proof_read_cost(ProofShape::LeafScan { tree_size: n })
        .await
        .unwrap();
    assert_eq!(scan.rows_returned, n);
    assert!(scan.work + scan.full_scan_rows >= n, "{scan:?}");
    assert!(
        scan.work + scan.full_scan_rows > 100 * work_bound,
        "{scan:?}"
    );
    eprintln!(
        "{}: worst proof read {worst:?}; leaf scan {scan:?}",
        store.engine().name()
    );
}

pub(crate) async fn lagging_node_table_is_caught_up(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let p = db.profile;
    let mut next = 0usize;
    for batch in [700usize, 1, 333, 1000, 17] {
        store
            .append((next..next + batch).map(note).collect(), &k, "sirm:test")
            .await
            .unwrap();
        next += batch;
    }
    let n = next as u64; // 2051
    let leaves = store.leaf_hashes(n).await.unwrap();
    let intact = check_nodes(&store, p).await;
    assert!(
        intact.is_intact() && intact.checked == node_count(n),
        "{intact:?}"
    );

    // 1. A ledger written before migration 14: the schema one version back
    // (the table and its row in the migration history gone), then migrate.
    let owner = db.owner().await;
    owner.execute_raw("DROP TABLE ledger_node").await.unwrap();
    owner
        .execute_raw("DELETE FROM _sqlx_migrations WHERE version = 14")
        .await
        .unwrap();
    let SchemaState::Behind { applied, latest } = owner.schema_state().await.unwrap() else {
        panic!("schema should be behind");
    };
    // 13: the version before 14.
    assert_eq!((applied, latest), (13, latest_migration()));
    assert!(store.require_current_schema().await.is_err());
    owner.migrate().await.unwrap();
    owner.close().await;
    assert_eq!(
        store.schema_state().await.unwrap(),
        SchemaState::Current(latest_migration())
    );
    let report = check_nodes(&store, p).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.checked, node_count(n));
    for (i, m) in [(0, 1), (5, 17), (1999, n), (n - 1, n), (1024, 1025)] {
        let l = &leaves[..m as usize];
        let got = store.inclusion_proof(p, m, i).await.unwrap();
        assert_eq!(got.proof, merkle::inclusion_proof(p, l, i).unwrap());
    }

    // 2. A catch-up interrupted half-way (nodes of a prefix only): proofs
    // beyond it are refused, never wrong, and the next append catches up.
    tamper_nodes(
        &db,
        &["DELETE FROM ledger_node WHERE ((idx + 1) << CAST(level AS INTEGER)) > 1040"],
    )
    .await;
    let err = store.inclusion_proof(p, n, 1500).await.unwrap_err();
    assert!(err.to_string().contains("sirm migrate"), "{err}");
    let lag = check_nodes(&store, p).await;
    assert!(lag
        .findings
        .iter()
        .all(|f| f.problem == NodeProblem::Missing));
    assert_eq!(
        lag.findings.len() as u64 + lag.omitted,
        node_count(n) - node_count(1040)
    );
    store
        .append(vec![note(next)], &k, "sirm:test")
        .await
        .unwrap();
    let report = check_nodes(&store, p).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.checked, node_count(n + 1));

    // 3. Everything gone, caught up in small chunks (many round trips, the
    // same nodes).
    tamper_nodes(&db, &["DELETE FROM ledger_node"]).await;
    let written = store.catch_up_tree_in_chunks(48).await.unwrap();
    assert_eq!(written, node_count(n + 1));
    assert_eq!(store.catch_up_tree().await.unwrap(), 0);
    let report = check_nodes(&store, p).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    let leaves = store.leaf_hashes(n + 1).await.unwrap();
    assert_proofs_match(&store, p, &leaves[..40], 40).await;
    let got = store.consistency_proof(p, 777, n + 1).await.unwrap();
    assert_eq!(
        got.proof,
        merkle::consistency_proof(p, &leaves, 777).unwrap()
    );
}

pub(crate) async fn node_check_names_altered_missing_and_extra_nodes(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let p = db.profile;
    store
        .append((0..300).map(note).collect(), &k, "sirm:test")
        .await
        .unwrap();
    assert!(check_nodes(&store, p).await.is_intact());
    let zero = match store.engine() {
        Engine::Sqlite => "zeroblob(32)",
        Engine::Postgres => "decode(repeat('00', 32), 'hex')",
    };
    tamper_nodes(
        &db,
        &[
            &format!("UPDATE ledger_node SET hash = {zero} WHERE level = 5 AND idx = 2"),
            "DELETE FROM ledger_node WHERE level = 4 AND idx = 7",
            &format!("INSERT INTO ledger_node (level, idx, hash) VALUES (4, 18, {zero})"),
            &format!("INSERT INTO ledger_node (level, idx, hash) VALUES (9, 0, {zero})"),
        ],
    )
    .await;
    let report = check_nodes(&store, p).await;
    let found: Vec<(u32, u64, NodeProblem)> = report
        .findings
        .iter()
        .map(|f| (f.level, f.index, f.problem.clone()))
        .collect();
    // In ledger order: node (5, 2) covers entries 65–96, (4, 7) 113–128.
    assert_eq!(
        found,
        [
            (5, 2, NodeProblem::Disagrees),
            (4, 7, NodeProblem::Missing),
            (4, 18, NodeProblem::BeyondLedger { entries: 300 }),
            (9, 0, NodeProblem::BeyondLedger { entries: 300 }),
        ]
    );
    let line = NodeFinding {
        level: 5,
        index: 2,
        problem: NodeProblem::Disagrees,
    }
    .to_string();
    assert_eq!(
        line,
        "stored tree node level 5 index 2 (entries 65–96): disagrees with the leaf hashes"
    );
    // A proof through the altered node differs from the true one, which is
    // why every caller checks proofs against the signed root.
    let leaves = store.leaf_hashes(300).await.unwrap();
    // Entry 121 (leaf 120) is in node (4, 7), whose sibling's parent's
    // sibling is (5, 2).
    let got = store.inclusion_proof(p, 300, 120).await.unwrap();
    assert_ne!(got.proof, merkle::inclusion_proof(p, &leaves, 120).unwrap());
    let head = store.head().await.unwrap().unwrap();
    assert!(
        merkle::verify_inclusion(p, &got.leaf, 120, 300, &got.proof, &head.checkpoint.root)
            .is_err()
    );
    // A proof that needs the deleted node is refused.
    assert!(store.inclusion_proof(p, 300, 100).await.is_err());
}
