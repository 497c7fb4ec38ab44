//! Conformance of the ledger, its guards, projections and the schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

pub(crate) async fn schema_lifecycle(db: TestDb) {
    let owner = db.owner().await;
    assert_eq!(owner.schema_state().await.unwrap(), SchemaState::Empty);
    assert!(matches!(
        owner.require_current_schema().await,
        Err(StoreError::NotInitialized(_))
    ));
    owner.migrate().await.unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Current(latest_migration())
    );
    // Migrating twice is a no-op.
    owner.migrate().await.unwrap();
    // A version this binary does not know is refused, never ignored.
    owner
        .execute_raw(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99, 'future', TRUE, X'00', 0)"
                .replace("X'00'", if owner.engine() == Engine::Postgres { "'\\x00'::bytea" } else { "X'00'" })
                .as_str(),
        )
        .await
        .unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Unknown {
            version: 99,
            latest: latest_migration()
        }
    );
    assert!(matches!(
        owner.require_current_schema().await,
        Err(StoreError::SchemaUnknown { version: 99, .. })
    ));
    assert!(owner.migrate().await.is_err());
}

pub(crate) async fn append_assigns_seq_and_signs(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let out = store
        .append((0..3).map(note).collect(), &k, "sirm:test")
        .await
        .unwrap();
    assert_eq!((out.first_seq, out.last_seq), (1, 3));
    let out2 = store
        .append(vec![note(3), note(4)], &k, "sirm:test")
        .await
        .unwrap();
    assert_eq!((out2.first_seq, out2.last_seq), (4, 5));
    let head = store.head().await.unwrap().unwrap();
    assert_eq!(head.checkpoint.tree_size, 5);
    head.verify(&k.public_key()).unwrap();
    let leaves = store.leaf_hashes(5).await.unwrap();
    assert_eq!(head.checkpoint.root, merkle::root_of(db.profile, &leaves));
    // Every leaf hash is recomputable from the stored entry.
    for (i, leaf) in leaves.iter().enumerate() {
        let e = store.entry(i as u64 + 1).await.unwrap().unwrap();
        assert_eq!(&e.leaf_hash(db.profile), leaf);
    }
    assert_eq!(store.checkpoints().await.unwrap().len(), 2);
    let report = verify_all(&store, &k).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    assert!(store.entry(6).await.unwrap().is_none());
}

pub(crate) async fn batched_append_is_one_transaction_per_batch(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    for b in 0..3 {
        let batch: Vec<_> = (0..4_000).map(|i| note(b * 4_000 + i)).collect();
        store.append(batch, &k, "sirm:test").await.unwrap();
    }
    let c = store.counts().await.unwrap();
    assert_eq!((c.entries, c.checkpoints), (12_000, 3));
    let report = verify_all(&store, &k).await;
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.tree_size, 12_000);
}

pub(crate) async fn failed_batch_leaves_nothing(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    store.append(vec![note(0)], &k, "sirm:test").await.unwrap();
    let before = store.projection_digest().await.unwrap();
    // The third draft is a person registration whose ID fails its check character.
    let mut bad = serde_json::to_value(person(2)).unwrap();
    bad["id"] = json!("110105199003070021");
    let batch = vec![
        person_draft(&person(1)),
        note(1),
        draft(kind::PERSON_REGISTERED, "person:x", bad),
    ];
    let err = store.append(batch, &k, "sirm:test").await.unwrap_err();
    assert!(matches!(err, StoreError::Payload { seq: 4, .. }), "{err}");
    assert!(err.to_string().contains("entry 4"), "{err}");
    let c = store.counts().await.unwrap();
    assert_eq!((c.entries, c.checkpoints, c.persons), (1, 1, 0));
    assert_eq!(store.projection_digest().await.unwrap(), before);
    // Floats are refused: money is decimal.
    let err = store
        .append(
            vec![draft("test.note", "note:f", json!({ "amount": 1.5 }))],
            &k,
            "sirm:test",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::InvalidEntry { index: 0, .. }),
        "{err}"
    );
    assert_eq!(store.counts().await.unwrap().entries, 1);
}

pub(crate) async fn ledger_tables_refuse_update_and_delete(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    // 20 entries: a stored tree node exists (16 leaves), so a row-level
    // trigger has a row to refuse.
    store
        .append((0..20).map(note).collect(), &k, "sirm:test")
        .await
        .unwrap();
    store
        .create_installation(&sirm_store::Installation {
            origin: "sirm:test".into(),
            agency_code: "110105".into(),
            agency_name: "测试".into(),
            profile: "sha256-ed25519".into(),
            public_key: k.public_key().to_hex(),
            created: Utc::now(),
        })
        .await
        .unwrap();
    for sql in [
        "UPDATE ledger_entry SET payload = '{}' WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 2",
        "UPDATE ledger_checkpoint SET tree_size = 1",
        "DELETE FROM ledger_checkpoint",
        "UPDATE installation SET origin = 'x'",
        "DELETE FROM installation",
        "UPDATE ledger_node SET idx = idx + 100",
        "DELETE FROM ledger_node",
    ] {
        let err = store.execute_raw(sql).await.expect_err(sql);
        let msg = err.to_string();
        assert!(
            msg.contains("append-only") || msg.contains("permission denied"),
            "{sql}: {msg}"
        );
    }
    if store.engine() == Engine::Postgres {
        assert!(store.execute_raw("TRUNCATE ledger_entry").await.is_err());
        assert!(store.execute_raw("TRUNCATE ledger_node").await.is_err());
        // Even with the owner's triggers disabled, the application role
        // itself holds no UPDATE/DELETE privilege on ledger tables.
        let owner = db.owner().await;
        owner
            .execute_raw("ALTER TABLE ledger_entry DISABLE TRIGGER USER")
            .await
            .unwrap();
        let err = store
            .execute_raw("UPDATE ledger_entry SET payload = '{}' WHERE seq = 1")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("permission denied"), "{err}");
        // And verification notices the disabled guard.
        assert!(!store.missing_guards().await.unwrap().is_empty());
        owner
            .execute_raw("ALTER TABLE ledger_entry ENABLE TRIGGER USER")
            .await
            .unwrap();
        // The same for the stored tree nodes.
        owner
            .execute_raw("ALTER TABLE ledger_node DISABLE TRIGGER USER")
            .await
            .unwrap();
        for sql in [
            "UPDATE ledger_node SET idx = idx + 100",
            "DELETE FROM ledger_node",
        ] {
            let err = store.execute_raw(sql).await.expect_err(sql);
            assert!(
                err.to_string().contains("permission denied"),
                "{sql}: {err}"
            );
        }
        let missing = store.missing_guards().await.unwrap();
        assert!(
            missing.iter().any(|g| g.guard == "ledger_node_append_only"),
            "{missing:?}"
        );
        owner
            .execute_raw("ALTER TABLE ledger_node ENABLE TRIGGER USER")
            .await
            .unwrap();
    } else {
        // A dropped guard of the node table is reported.
        let owner = db.owner().await;
        owner
            .execute_raw("DROP TRIGGER ledger_node_no_delete")
            .await
            .unwrap();
        let missing = owner.missing_guards().await.unwrap();
        assert_eq!(
            missing
                .iter()
                .map(|g| (g.table.as_str(), g.guard.as_str()))
                .collect::<Vec<_>>(),
            [("ledger_node", "ledger_node_no_delete")]
        );
        owner
            .execute_raw(
                "CREATE TRIGGER ledger_node_no_delete BEFORE DELETE ON ledger_node \
                 BEGIN SELECT RAISE(ABORT, 'ledger_node is append-only (SIRM ledger guard)'); END",
            )
            .await
            .unwrap();
        owner.close().await;
    }
    assert!(store.missing_guards().await.unwrap().is_empty());
    assert_eq!(store.counts().await.unwrap().entries, 20);
    assert!(verify_all(&store, &k).await.is_intact());
}

pub(crate) async fn projections_rebuild_bit_for_bit(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let p = person(11);
    let moved = stand_in("北京市朝阳区建国路2号");
    let change = json!({
        "id": p.id.as_str(), "effective_on": "2021-05-01", "reason": "搬家",
        "address": moved.as_str()
    });
    store
        .append(
            vec![
                person_draft(&p),
                person_draft(&person(13)),
                draft(kind::PERSON_CHANGED, &person_subject(&p.id), change),
            ],
            &k,
            "sirm:test",
        )
        .await
        .unwrap();
    let row = store.person(p.id.as_str()).await.unwrap().unwrap();
    assert_eq!(row.address, moved.as_str());
    assert_eq!(row.gender, "male");
    assert_eq!(row.birth_date.to_string(), "1990-03-07");
    assert_eq!((row.first_seq, row.last_seq), (1, 3));
    let before = store.projection_digest().await.unwrap();
    assert_eq!(store.rebuild_projections(2).await.unwrap(), 3);
    assert_eq!(store.projection_digest().await.unwrap(), before);
    // A projection altered behind the applier's back is put right by rebuild.
    store
        .execute_raw("UPDATE person SET name = '篡改' WHERE person_id IS NOT NULL")
        .await
        .unwrap();
    let drifted = store.projection_digest().await.unwrap();
    assert_ne!(drifted, before);
    store.rebuild_projections(1000).await.unwrap();
    assert_eq!(store.projection_digest().await.unwrap(), before);
    let hist = store
        .entries_for_subject(&person_subject(&p.id))
        .await
        .unwrap();
    assert_eq!(hist.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 3]);
}

/// Runs of one kind written as multi-row statements (person registrations
/// with a person registered twice, hirings with a person hired twice,
/// payments) give the projection state the same entries give one at a time
/// (a rebuild reading one entry per batch), and a hiring enrols a
/// terminated insurance type as the first hiring of the run dates it.
pub(crate) async fn runs_project_as_entries_one_by_one(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    let (a, b) = (person(21), person(23));
    let mut again = a.clone();
    again.address = stand_in("moved21");
    let mut moved = person_draft(&again);
    moved.agency = "110108".into();
    let subject = |p: &PersonRegistration| person_subject(&p.id);
    let hire = |p: &PersonRegistration, on: &str| {
        draft(
            kind::EMPLOYMENT_STARTED,
            &subject(p),
            json!({ "id": p.id.as_str(), "credit_code": "91110105170954632U", "start_on": on }),
        )
    };
    let pay = |p: &PersonRegistration, month: &str| {
        draft(
            kind::BENEFIT_PAID,
            &subject(p),
            json!({ "id": p.id.as_str(), "month": month, "amount": "3500.00",
                    "granted_seq": 1, "rule_set": "demo-110105 v1" }),
        )
    };
    let stop = draft(
        kind::INSURANCE_TERMINATED,
        &subject(&a),
        json!({ "id": a.id.as_str(), "insurances": ["unemployment"],
                "effective_on": "2020-06-30", "reason": "test" }),
    );
    let batch = vec![
        person_draft(&a),
        person_draft(&b),
        moved,
        stop,
        hire(&a, "2020-07-01"),
        hire(&b, "2020-07-01"),
        hire(&a, "2021-01-01"),
        pay(&a, "2026-01"),
        pay(&b, "2026-01"),
        pay(&a, "2026-02"),
    ];
    let n = batch.len() as u64;
    store.append(batch, &k, "sirm:test").await.unwrap();
    let row = store.person(a.id.as_str()).await.unwrap().unwrap();
    assert_eq!(row.address, again.address.as_str());
    assert_eq!(row.agency, "110108");
    assert_eq!((row.first_seq, row.last_seq), (1, 3));
    let rel = store.relations_of(a.id.as_str()).await.unwrap();
    assert_eq!(rel.len(), 1);
    assert_eq!(
        (
            rel[0].status.as_str(),
            rel[0].enrolled_on.as_str(),
            rel[0].last_seq
        ),
        ("active", "2020-07-01", 5)
    );
    let bulk = store.projection_digest().await.unwrap();
    assert_eq!(store.rebuild_projections(1).await.unwrap(), n);
    assert_eq!(store.projection_digest().await.unwrap(), bulk);
    assert_eq!(store.rebuild_projections(1000).await.unwrap(), n);
    assert_eq!(store.projection_digest().await.unwrap(), bulk);
}

pub(crate) async fn append_refuses_a_ledger_with_an_unsigned_tail(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    store.append(vec![note(0)], &k, "sirm:test").await.unwrap();
    // A forged row slipped in without a checkpoint (the owner can insert).
    let owner = db.owner().await;
    owner
        .execute_raw(
            "INSERT INTO ledger_entry (seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash) \
             SELECT 2, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash FROM ledger_entry WHERE seq = 1",
        )
        .await
        .unwrap();
    let err = store
        .append(vec![note(1)], &k, "sirm:test")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Inconsistent(_)), "{err}");
    assert_eq!(store.counts().await.unwrap().checkpoints, 1);
}

pub(crate) async fn credentials_are_mutable_and_outside_the_ledger(db: TestDb) {
    let store = db.app().await;
    store.set_credential("alice", "hash1").await.unwrap();
    store.set_credential("alice", "hash2").await.unwrap();
    assert_eq!(
        store.credential("alice").await.unwrap().as_deref(),
        Some("hash2")
    );
    assert_eq!(store.credential("bob").await.unwrap(), None);
    assert_eq!(store.counts().await.unwrap().entries, 0);
}

pub(crate) async fn streamed_append_is_one_transaction(db: TestDb) {
    let store = db.app().await;
    let k = db.key();
    // 25,000 drafts pulled in chunks: one checkpoint, all entries.
    let out = store
        .append_stream((0..25_000).map(|i| Ok(note(i))), &k, "sirm:test", None)
        .await
        .unwrap();
    assert_eq!((out.first_seq, out.last_seq), (1, 25_000));
    assert_eq!(store.counts().await.unwrap().checkpoints, 1);
    // A failure after two chunks were written leaves nothing behind.
    let failing = (0..25_000).map(|i| {
        if i == 21_000 {
            Err(StoreError::Inconsistent("source file ended early".into()))
        } else {
            Ok(note(i))
        }
    });
    let err = store
        .append_stream(failing, &k, "sirm:test", None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ended early"), "{err}");
    let c = store.counts().await.unwrap();
    assert_eq!((c.entries, c.checkpoints), (25_000, 1));
    assert!(verify_all(&store, &k).await.is_intact());
}

pub(crate) async fn concurrent_queries_are_all_logged(db: TestDb) {
    let store = db.app().await;
    // 300 queries at once: the writer commits them in a few transactions,
    // and each call returns only once its own row is committed.
    let calls = (0..300).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            let row = sirm_store::QueryLogRow {
                time_us: 1_000_000 + i,
                channel: "portal".into(),
                requester_kind: "self".into(),
                requester: format!("user{i}"),
                subject: format!("subject{}", i % 7),
                items: "registration".into(),
                basis: String::new(),
                source: "127.0.0.1".into(),
            };
            store.log_query(&row).await.unwrap();
            // Committed: visible at once to another connection.
            let seen = store.queries_of(&row.subject, 1000).await.unwrap();
            assert!(seen.contains(&row), "row {i} not visible after log_query");
        })
    });
    for c in futures::future::join_all(calls).await {
        c.unwrap();
    }
    let mut total = 0;
    for s in 0..7 {
        total += store
            .queries_of(&format!("subject{s}"), 1000)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(total, 300);
}

/// `Store::check_projections`: untouched projections match a replay of the
/// ledger; a changed column, a deleted row and an extra row (written by the
/// application role, which may write projection tables) are each named by
/// table and key.
pub(crate) async fn projection_check_names_the_first_difference(db: TestDb) {
    use sirm_store::DifferenceKind;
    let store = db.app().await;
    let k = db.key();
    let (a, b) = (person(11), person(13));
    let change = json!({
        "id": a.id.as_str(), "effective_on": "2021-05-01", "reason": "搬家",
        "address": stand_in("北京市朝阳区建国路2号").as_str()
    });
    store
        .append(
            vec![
                person_draft(&a),
                person_draft(&b),
                draft(kind::PERSON_CHANGED, &person_subject(&a.id), change),
            ],
            &k,
            "sirm:test",
        )
        .await
        .unwrap();
    // More rows, so that integer keys run past a digit ("10" < "9" as text).
    store
        .append(
            (20..30).map(|n| person_draft(&person(n))).collect(),
            &k,
            "sirm:test",
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut check = || {
        n += 1;
        let path = dir.path().join(format!("scratch-{n}.db"));
        let store = store.clone();
        async move { store.check_projections(&path).await.unwrap() }
    };
    let clean = check().await;
    assert!(clean.matches(), "{clean:?}");
    assert_eq!(clean.entries, 13);
    assert_eq!(clean.tables, sirm_store::checked_columns().len());
    assert_eq!(clean.rows, 25, "twelve persons, thirteen history rows");

    // One column of one row (a sealed phone number swapped for another).
    let forged = stand_in("13900000000");
    store
        .execute_raw(&format!(
            "UPDATE person SET phone = '{}' WHERE person_id = '{}'",
            forged.as_str(),
            b.id.as_str()
        ))
        .await
        .unwrap();
    let d = check().await.difference.unwrap();
    assert_eq!(
        (d.kind, d.table.as_str(), d.column.as_deref()),
        (DifferenceKind::ColumnValue, "person", Some("phone"))
    );
    assert_eq!(d.key_text(), format!("person_id={}", b.id.as_str()));
    assert_eq!(
        (d.ledger_value.as_deref(), d.table_value.as_deref()),
        (Some(b.phone.as_str()), Some(forged.as_str()))
    );
    assert!(
        d.to_string().contains(&format!(
            "column phone is \"{}\" in the table, \"{}\" from the ledger",
            forged.as_str(),
            b.phone.as_str()
        )),
        "{d}"
    );
    store.rebuild_projections(100).await.unwrap();
    let again = check().await;
    assert!(again.matches(), "{:?}", again.difference);

    // A row deleted.
    store
        .execute_raw("DELETE FROM registration_history WHERE seq = 3")
        .await
        .unwrap();
    let d = check().await.difference.unwrap();
    assert_eq!(
        (d.kind, d.table.as_str(), d.key_text()),
        (
            DifferenceKind::MissingRow,
            "registration_history",
            "seq=3".to_string()
        )
    );
    store.rebuild_projections(100).await.unwrap();

    // An extra row: a role nobody approved.
    store
        .execute_raw(
            "INSERT INTO account_role (username, role, granted_seq) VALUES ('mallory', 'approver', 1)",
        )
        .await
        .unwrap();
    let d = check().await.difference.unwrap();
    assert_eq!(
        (d.kind, d.table.as_str(), d.key_text()),
        (
            DifferenceKind::ExtraRow,
            "account_role",
            "username=mallory, role=approver".to_string()
        )
    );
    store
        .execute_raw("DELETE FROM account_role WHERE username = 'mallory'")
        .await
        .unwrap();
    let last = check().await;
    assert!(last.matches(), "{:?}", last.difference);
}

/// Every column of every projection table is compared: a column missing
/// from the list would be a place to hide an edit.
pub(crate) async fn every_projection_column_is_checked(db: TestDb) {
    use sqlx::Connection;
    db.app().await.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.cfg.url).await.unwrap();
    let sql = match &db.cfg.pg_schema {
        None => "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table'"
            .to_string(),
        Some(schema) => format!(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = '{schema}'"
        ),
    };
    let columns: Vec<(String, String)> = sqlx::query_as(&sql).fetch_all(&mut conn).await.unwrap();
    for (table, checked) in sirm_store::checked_columns() {
        let mut real: Vec<&str> = columns
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, c)| c.as_str())
            .collect();
        let mut checked = checked.clone();
        real.sort();
        checked.sort();
        assert_eq!(real, checked, "columns of projection table {table}");
    }
}

pub(crate) async fn schema_upgrades_across_version_gaps(db: TestDb) {
    let owner = db.owner().await;
    // A database at 12 (before stored tree state) migrates to the latest.
    owner.migrate_to(12).await.unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Behind {
            applied: 12,
            latest: latest_migration()
        }
    );
    owner.migrate().await.unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Current(latest_migration())
    );
    // A known version missing below the highest applied one (what a
    // database at 12 + 14 looks like to a sirm that also ships 13) is
    // behind, not current, and `migrate` applies it.
    owner
        .execute_raw("DELETE FROM _sqlx_migrations WHERE version = 12")
        .await
        .unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Behind {
            applied: 11,
            latest: latest_migration()
        }
    );
    assert!(matches!(
        owner.require_current_schema().await,
        Err(StoreError::SchemaBehind { applied: 11, .. })
    ));
    owner.migrate().await.unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Current(latest_migration())
    );
}
