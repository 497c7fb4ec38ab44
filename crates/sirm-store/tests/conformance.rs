//! The storage conformance suite: every test runs on SQLite and on
//! PostgreSQL (`SIRM_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`), each in a fresh database file or
//! schema. The tests that hash and sign (append, proofs, stored tree nodes)
//! also run under the 国密 profile (`gm_sqlite::`, `gm_postgres::`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, Utc};
use futures::TryStreamExt;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sirm_domain::id::{RegionCode, ResidentId};
use sirm_domain::records::{kind, person_subject, PersonRegistration};
use sirm_ledger::{merkle, CryptoProfile, EntryDraft, SigningKey, Stream, Verifier};
use sirm_store::{
    Engine, NodeCheckReport, NodeFinding, NodeProblem, ProofShape, Role, SchemaState, Store,
    StoreConfig, StoreError,
};

struct TestDb {
    cfg: StoreConfig,
    /// The crypto profile of the ledger under test (keys, hashes, proofs).
    profile: CryptoProfile,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        TestDb {
            cfg: StoreConfig::sqlite_file(&dir.path().join("t.db")),
            profile: CryptoProfile::Sha256Ed25519,
            _dir: Some(dir),
        }
    }
    fn postgres() -> TestDb {
        let url = std::env::var("SIRM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut cfg = StoreConfig::new(url);
        cfg.pg_schema = Some(format!("t_{}", hex::encode(rand::random::<[u8; 8]>())));
        TestDb {
            cfg,
            profile: CryptoProfile::Sha256Ed25519,
            _dir: None,
        }
    }
    /// The same database under the 国密 profile (SM3 hashes, SM2 keys).
    fn gm(mut self) -> TestDb {
        self.profile = CryptoProfile::Sm3Sm2;
        self
    }
    /// A fresh signing key of the profile under test.
    fn key(&self) -> SigningKey {
        self.profile.generate_signing_key()
    }
    async fn owner(&self) -> Store {
        Store::connect(&self.cfg, Role::Owner).await.unwrap()
    }
    /// Remove a PostgreSQL test schema and its runtime role (after a passing
    /// test; a failing one leaves them for a look).
    async fn clean_up(self) {
        use sqlx::Connection as _;
        let Some(schema) = &self.cfg.pg_schema else {
            return;
        };
        let mut conn = sqlx::PgConnection::connect(&self.cfg.url).await.unwrap();
        let database: String = sqlx::query_scalar("SELECT current_database()::text")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let role = sirm_store::PgInstallation::derive(&database, schema).runtime_role;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("DROP ROLE IF EXISTS \"{role}\""))
            .execute(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
    }
    /// A migrated database, opened as the application role.
    async fn app(&self) -> Store {
        let owner = self.owner().await;
        owner.migrate().await.unwrap();
        owner.close().await;
        Store::connect(&self.cfg, Role::App).await.unwrap()
    }
}

fn draft(kind: &str, subject: &str, payload: serde_json::Value) -> EntryDraft {
    EntryDraft {
        time: Utc::now(),
        agency: "110105".into(),
        stream: Stream::Business,
        kind: kind.into(),
        subject: subject.into(),
        application: None,
        actors: vec!["tester".into()],
        payload,
    }
}

fn note(i: usize) -> EntryDraft {
    draft(
        "test.note",
        &format!("note:{i}"),
        json!({ "i": i, "text": "备注" }),
    )
}

/// A registration as the store sees it: a blind index and sealed fields
/// (the store never opens them; these stand-ins only have the shape).
fn person(seq: u16) -> PersonRegistration {
    let region: RegionCode = "110105".parse().unwrap();
    let id =
        ResidentId::from_parts(&region, NaiveDate::from_ymd_opt(1990, 3, 7).unwrap(), seq).unwrap();
    let digest = CryptoProfile::default().digest(id.as_str().as_bytes());
    let sealed = |field: &str| stand_in(&format!("{field}{seq}"));
    PersonRegistration {
        id: sirm_domain::id::PersonKey::from_digest(&digest),
        id_number: sealed("id"),
        name: sealed("name"),
        address: sealed("address"),
        phone: sealed("phone"),
        gender: id.gender(),
        birth_date: id.birth_date(),
        registered_on: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
    }
}

/// A stand-in for a sealed field: the shape of one (`enc1:` and base64),
/// different for every `label`.
fn stand_in(label: &str) -> sirm_domain::sealed::Sealed {
    let hex = hex::encode(CryptoProfile::default().digest(label.as_bytes()));
    sirm_domain::sealed::Sealed::parse(&format!("enc1:{hex}")).unwrap()
}

fn person_draft(p: &PersonRegistration) -> EntryDraft {
    draft(
        kind::PERSON_REGISTERED,
        &person_subject(&p.id),
        serde_json::to_value(p).unwrap(),
    )
}

async fn verify_all(store: &Store, key: &SigningKey) -> sirm_ledger::VerifyReport {
    let cps = store.checkpoints().await.unwrap();
    let mut v = Verifier::new(key.profile(), key.public_key(), cps, vec![]);
    let rows: Vec<_> = store.scan().try_collect().await.unwrap();
    for row in rows {
        let (e, leaf) = row.decode().unwrap();
        v.push(&e, Some(&leaf.try_into().unwrap()));
    }
    v.finish()
}

/// The highest migration version shipped (both engines ship the same versions).
fn latest_migration() -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let pg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let versions = |d: &std::path::Path| -> Vec<i64> {
        let mut v: Vec<i64> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .split('_')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        versions(&dir),
        versions(&pg),
        "both engines ship the same migration versions"
    );
    *versions(&dir).last().unwrap()
}

// ---------------------------------------------------------------- the tests

async fn schema_lifecycle(db: TestDb) {
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

async fn append_assigns_seq_and_signs(db: TestDb) {
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

async fn batched_append_is_one_transaction_per_batch(db: TestDb) {
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

async fn failed_batch_leaves_nothing(db: TestDb) {
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

async fn ledger_tables_refuse_update_and_delete(db: TestDb) {
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

async fn projections_rebuild_bit_for_bit(db: TestDb) {
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
    assert_eq!(row.birth_date, "1990-03-07");
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

async fn append_refuses_a_ledger_with_an_unsigned_tail(db: TestDb) {
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

async fn credentials_are_mutable_and_outside_the_ledger(db: TestDb) {
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

async fn streamed_append_is_one_transaction(db: TestDb) {
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

async fn concurrent_queries_are_all_logged(db: TestDb) {
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
async fn projection_check_names_the_first_difference(db: TestDb) {
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
    assert!(check().await.matches());

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
    assert!(check().await.matches());
}

/// Every column of every projection table is compared: a column missing
/// from the list would be a place to hide an edit.
async fn every_projection_column_is_checked(db: TestDb) {
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

// ------------------------------------------------------- stored tree state

/// Every proof of the tree of `n` entries read from stored tree state
/// equals the one computed from all leaves by `sirm-ledger`.
async fn assert_proofs_match(
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
async fn check_nodes(store: &Store, p: CryptoProfile) -> NodeCheckReport {
    let mut check = store.node_check(p);
    let rows: Vec<_> = store.scan().try_collect().await.unwrap();
    for row in rows {
        check.push(row.seq, &row.leaf_hash).await.unwrap();
    }
    check.finish().await.unwrap()
}

/// Stored nodes of a tree of `n` leaves: every perfect subtree of 16 or more.
fn node_count(n: u64) -> u64 {
    (sirm_store::NODE_MIN_LEVEL..64).map(|l| n >> l).sum()
}

/// Run `statements` as the schema owner with the node table's guards lifted.
async fn tamper_nodes(db: &TestDb, statements: &[&str]) {
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

async fn proofs_from_stored_nodes_equal_reference(db: TestDb) {
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

async fn proofs_from_stored_nodes_at_a_few_thousand_entries(db: TestDb) {
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

async fn proof_reads_are_logarithmic(db: TestDb) {
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

async fn lagging_node_table_is_caught_up(db: TestDb) {
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

async fn node_check_names_altered_missing_and_extra_nodes(db: TestDb) {
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

async fn schema_upgrades_across_version_gaps(db: TestDb) {
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

/// Every test on both engines; those after `gm:` (also in the first list)
/// once more on each engine under the 国密 profile.
macro_rules! conformance {
    ($($name:ident),* $(,)? ; gm: $($gm:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::TestDb::sqlite()).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   let db = super::TestDb::postgres();
                   let cfg = db.cfg.clone();
                   super::$name(db).await;
                   super::TestDb { cfg, ..super::TestDb::postgres() }.clean_up().await
               } )*
        }
        mod gm_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $gm() { super::$gm(super::TestDb::sqlite().gm()).await } )*
        }
        mod gm_postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $gm() {
                   let db = super::TestDb::postgres().gm();
                   let cfg = db.cfg.clone();
                   super::$gm(db).await;
                   super::TestDb { cfg, ..super::TestDb::postgres() }.clean_up().await
               } )*
        }
    };
}

conformance!(
    schema_lifecycle,
    append_assigns_seq_and_signs,
    batched_append_is_one_transaction_per_batch,
    failed_batch_leaves_nothing,
    ledger_tables_refuse_update_and_delete,
    projections_rebuild_bit_for_bit,
    append_refuses_a_ledger_with_an_unsigned_tail,
    credentials_are_mutable_and_outside_the_ledger,
    streamed_append_is_one_transaction,
    concurrent_queries_are_all_logged,
    projection_check_names_the_first_difference,
    every_projection_column_is_checked,
    proofs_from_stored_nodes_equal_reference,
    proofs_from_stored_nodes_at_a_few_thousand_entries,
    proof_reads_are_logarithmic,
    lagging_node_table_is_caught_up,
    node_check_names_altered_missing_and_extra_nodes,
    schema_upgrades_across_version_gaps,
    ;
    gm:
    append_assigns_seq_and_signs,
    append_refuses_a_ledger_with_an_unsigned_tail,
    streamed_append_is_one_transaction,
    proofs_from_stored_nodes_equal_reference,
    lagging_node_table_is_caught_up,
    node_check_names_altered_missing_and_extra_nodes,
);
