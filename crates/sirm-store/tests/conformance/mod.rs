//! The storage conformance suite: every test runs on SQLite and on
//! PostgreSQL (`SIRM_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`), each in a fresh database file or
//! schema. The tests that hash and sign (append, proofs, stored tree nodes)
//! also run under the 国密 profile (`gm_sqlite::`, `gm_postgres::`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ledger;
mod tree;

use ledger::*;
use tree::*;

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
    runs_project_as_entries_one_by_one,
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
