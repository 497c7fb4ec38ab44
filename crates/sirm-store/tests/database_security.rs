//! Database-level security of an installation (GB/T 22239 level 3):
//! one installation, one PostgreSQL identity (its own runtime role and
//! append lock key); TLS to PostgreSQL when the URL asks for it; SQLite
//! zeroes what it frees (residual information).
//!
//! PostgreSQL tests use `SIRM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`, a superuser), each in schemas
//! of its own that it removes afterwards, with their runtime roles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use sirm_ledger::{CryptoProfile, EntryDraft, SigningKey, Stream};
use sirm_store::{PgInstallation, Role, SchemaState, Store, StoreConfig, StoreError};
use sqlx::{Connection, PgConnection, Row};

fn pg_url() -> String {
    std::env::var("SIRM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn schema_name(tag: &str) -> String {
    format!("t_{tag}_{}", hex::encode(rand::random::<[u8; 6]>()))
}

fn cfg(url: &str, schema: Option<&str>) -> StoreConfig {
    let mut c = StoreConfig::new(url);
    c.pg_schema = schema.map(str::to_string);
    c.max_connections = 4;
    c
}

/// A superuser connection to look at the catalog and play other roles.
async fn superuser(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap()
}

/// Migrate as the owner, then open as the application.
async fn install(c: &StoreConfig) -> Store {
    let owner = Store::connect(c, Role::Owner).await.unwrap();
    owner.migrate().await.unwrap();
    owner.close().await;
    Store::connect(c, Role::App).await.unwrap()
}

fn note(i: usize, subject: &str) -> EntryDraft {
    EntryDraft {
        time: Utc::now(),
        agency: "110105".into(),
        stream: Stream::Business,
        kind: "test.note".into(),
        subject: subject.into(),
        application: None,
        actors: vec!["tester".into()],
        payload: json!({ "i": i }),
    }
}

/// The highest migration version shipped.
fn latest_migration() -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.split('_').next().and_then(|v| v.parse::<i64>().ok())
        })
        .max()
        .unwrap()
}

fn key() -> SigningKey {
    CryptoProfile::Sha256Ed25519.generate_signing_key()
}

/// Remove a test installation: its schema, then its runtime role.
async fn drop_installation(conn: &mut PgConnection, schema: &str, role: &str) {
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(&format!("DROP ROLE IF EXISTS \"{role}\""))
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Every grant on the schema and its relations, for comparing.
async fn acl_snapshot(conn: &mut PgConnection, schema: &str) -> Vec<(String, String)> {
    sqlx::query(
        "SELECT c.relname::text, COALESCE(c.relacl::text, '') FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 \
         UNION ALL SELECT '(schema)', COALESCE(nspacl::text, '') FROM pg_namespace WHERE nspname = $1 \
         ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Relations of `schema` on which `role` holds any privilege, and whether it
/// may use the schema at all.
async fn holdings(conn: &mut PgConnection, role: &str, schema: &str) -> (Vec<String>, bool) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $2 AND c.relkind IN ('r', 'S') AND ( \
           (c.relkind = 'r' AND has_table_privilege($1, c.oid, \
              'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')) \
           OR (c.relkind = 'S' AND has_sequence_privilege($1, c.oid, 'USAGE, SELECT, UPDATE'))) \
         ORDER BY 1",
    )
    .bind(role)
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let usage: bool = sqlx::query_scalar("SELECT has_schema_privilege($1, $2, 'USAGE')")
        .bind(role)
        .bind(schema)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    (tables, usage)
}

fn assert_denied(res: Result<u64, StoreError>, what: &str) {
    let err = res.expect_err(what);
    assert!(
        err.to_string().contains("permission denied"),
        "{what}: {err}"
    );
}

// ------------------------------------------------ one installation, one role

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_installations_in_one_cluster_are_isolated() {
    let url = pg_url();
    let (sa, sb) = (schema_name("iso_a"), schema_name("iso_b"));
    let (ca, cb) = (cfg(&url, Some(&sa)), cfg(&url, Some(&sb)));
    let a = install(&ca).await;
    let b = install(&cb).await;
    let pa = a.pg_installation().unwrap().clone();
    let pb = b.pg_installation().unwrap().clone();
    let mut su = superuser(&url).await;

    // Each has its own role and its own lock key, derived as documented.
    assert_eq!(pa.schema, sa);
    assert_eq!(pa, PgInstallation::derive(&pa.database, &sa));
    assert_eq!(pb, PgInstallation::derive(&pb.database, &sb));
    assert!(
        pa.runtime_role.starts_with(&format!("sirm_rt_{sa}_")),
        "{pa:?}"
    );
    assert_ne!(pa.runtime_role, pb.runtime_role);
    assert_ne!(pa.append_lock_key, pb.append_lock_key);
    // Runtime connections act as it: the login user of these tests is a
    // superuser, so every refusal below comes from the runtime role.
    // Each works normally: append and read back its own ledger only.
    let (ka, kb) = (key(), key());
    let out = a
        .append((0..5).map(|i| note(i, "a")).collect(), &ka, "sirm:a")
        .await
        .unwrap();
    assert_eq!((out.first_seq, out.last_seq), (1, 5));
    let out = b
        .append((0..3).map(|i| note(i, "b")).collect(), &kb, "sirm:b")
        .await
        .unwrap();
    assert_eq!((out.first_seq, out.last_seq), (1, 3));
    assert_eq!(a.counts().await.unwrap().entries, 5);
    assert_eq!(b.counts().await.unwrap().entries, 3);
    assert_eq!(a.entry(5).await.unwrap().unwrap().subject, "a");
    assert_eq!(b.entry(3).await.unwrap().unwrap().subject, "b");
    assert!(b.entry(4).await.unwrap().is_none());
    a.head()
        .await
        .unwrap()
        .unwrap()
        .verify(&ka.public_key())
        .unwrap();
    a.set_credential("clerk", "hash-a").await.unwrap();
    assert_eq!(
        a.credential("clerk").await.unwrap().as_deref(),
        Some("hash-a")
    );

    // Each runtime role is refused on the other's tables: reading, appending,
    // and writing a mutable table the other's role may write.
    for (me, other) in [(&a, &sb), (&b, &sa)] {
        assert_denied(
            me.execute_raw(&format!("SELECT * FROM \"{other}\".ledger_entry"))
                .await,
            "select ledger_entry",
        );
        assert_denied(
            me.execute_raw(&format!("SELECT * FROM \"{other}\".credential"))
                .await,
            "select credential",
        );
        assert_denied(
            me.execute_raw(&format!(
                "INSERT INTO \"{other}\".ledger_entry \
                 (seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash) \
                 VALUES (99, 0, 'x', 'business', 'k', 's', NULL, '[]', '{{}}', '\\x00')"
            ))
            .await,
            "insert ledger_entry",
        );
        assert_denied(
            me.execute_raw(&format!(
                "INSERT INTO \"{other}\".credential (username, password_hash, updated_us) \
                 VALUES ('intruder', 'x', 0)"
            ))
            .await,
            "insert credential",
        );
    }
    // Even if the schema were opened to it, the other role holds no
    // privilege on the tables themselves.
    sqlx::query(&format!(
        "GRANT USAGE ON SCHEMA \"{sa}\" TO \"{}\"",
        pb.runtime_role
    ))
    .execute(&mut su)
    .await
    .unwrap();
    for sql in [
        format!("SELECT * FROM \"{sa}\".ledger_entry"),
        format!("INSERT INTO \"{sa}\".credential (username, password_hash, updated_us) VALUES ('i', 'x', 0)"),
    ] {
        let err = b.execute_raw(&sql).await.expect_err(&sql);
        assert!(
            err.to_string().contains("permission denied for table"),
            "{sql}: {err}"
        );
    }
    sqlx::query(&format!(
        "REVOKE USAGE ON SCHEMA \"{sa}\" FROM \"{}\"",
        pb.runtime_role
    ))
    .execute(&mut su)
    .await
    .unwrap();

    // The template role and PUBLIC hold nothing on either schema; each
    // runtime role holds privileges on its own schema only.
    for s in [&sa, &sb] {
        assert_eq!(
            holdings(&mut su, "sirm_app", s).await,
            (vec![], false),
            "sirm_app on {s}"
        );
        assert_eq!(
            holdings(&mut su, "public", s).await,
            (vec![], false),
            "PUBLIC on {s}"
        );
    }
    let (own, usage) = holdings(&mut su, &pa.runtime_role, &sa).await;
    assert!(
        usage && own.contains(&"ledger_entry".to_string()),
        "{own:?}"
    );
    assert_eq!(
        holdings(&mut su, &pa.runtime_role, &sb).await,
        (vec![], false)
    );
    // Acting as the template role no longer reaches an installation.
    sqlx::query("SET ROLE sirm_app")
        .execute(&mut su)
        .await
        .unwrap();
    let err = sqlx::query(&format!("SELECT * FROM \"{sa}\".ledger_entry"))
        .execute(&mut su)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    sqlx::query("RESET ROLE").execute(&mut su).await.unwrap();

    // Migrating again (after an upgrade) changes no grant.
    let before = acl_snapshot(&mut su, &sa).await;
    let owner = Store::connect(&ca, Role::Owner).await.unwrap();
    owner.migrate().await.unwrap();
    owner.close().await;
    assert_eq!(acl_snapshot(&mut su, &sa).await, before);

    // The lock keys are the ones appends take: while A's key is held,
    // A's append waits and B's does not.
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(pa.append_lock_key)
        .execute(&mut su)
        .await
        .unwrap();
    let waiting = {
        let a = a.clone();
        let ka = ka.clone();
        tokio::spawn(async move { a.append(vec![note(5, "a")], &ka, "sirm:a").await })
    };
    tokio::time::timeout(
        Duration::from_secs(10),
        b.append(vec![note(3, "b")], &kb, "sirm:b"),
    )
    .await
    .expect("B's append does not wait for A's lock")
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "A's append went past A's lock");
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(pa.append_lock_key)
        .execute(&mut su)
        .await
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("A's append goes on once its lock is free")
        .unwrap()
        .unwrap();
    assert_eq!(out.last_seq, 6);

    a.close().await;
    b.close().await;
    drop_installation(&mut su, &sa, &pa.runtime_role).await;
    drop_installation(&mut su, &sb, &pb.runtime_role).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_installation_gets_its_role_at_migrate() {
    let url = pg_url();
    let s = schema_name("old");
    let c = cfg(&url, Some(&s));
    // What an older sirm left: every migration, grants to sirm_app only.
    let owner = Store::connect(&c, Role::Owner).await.unwrap();
    let latest = latest_migration();
    owner.migrate_to(latest).await.unwrap();
    assert_eq!(
        owner.schema_state().await.unwrap(),
        SchemaState::Current(latest)
    );
    let pg = owner.pg_installation().unwrap().clone();
    let mut su = superuser(&url).await;
    let (held, usage) = holdings(&mut su, "sirm_app", &s).await;
    assert!(
        usage && held.contains(&"ledger_entry".to_string()),
        "{held:?}"
    );
    // This sirm names the missing step instead of failing obscurely.
    let err = Store::connect(&c, Role::App).await.err().unwrap();
    assert!(
        matches!(&err, StoreError::RuntimeRoleMissing { role, .. } if *role == pg.runtime_role),
        "{err}"
    );
    assert!(err.to_string().contains("sirm migrate"), "{err}");
    // `sirm migrate` moves the grants.
    let sirm_app_had = held;
    owner.migrate().await.unwrap();
    owner.close().await;
    assert_eq!(holdings(&mut su, "sirm_app", &s).await, (vec![], false));
    let (now, usage) = holdings(&mut su, &pg.runtime_role, &s).await;
    assert!(usage);
    assert_eq!(now, sirm_app_had);
    let app = Store::connect(&c, Role::App).await.unwrap();
    let k = key();
    app.append(vec![note(0, "x")], &k, "sirm:old")
        .await
        .unwrap();
    assert_eq!(app.counts().await.unwrap().entries, 1);
    // The same privileges, not more: still no UPDATE on the ledger.
    assert_denied(
        app.execute_raw("UPDATE ledger_entry SET subject = 'y'")
            .await,
        "update ledger_entry",
    );
    app.close().await;
    drop_installation(&mut su, &s, &pg.runtime_role).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_without_a_schema_uses_public_of_its_database() {
    let url = pg_url();
    let mut su = superuser(&url).await;
    let db = schema_name("db");
    sqlx::query(&format!("CREATE DATABASE \"{db}\""))
        .execute(&mut su)
        .await
        .unwrap();
    let db_url = match url.rfind('/') {
        Some(i) => format!("{}/{db}", &url[..i]),
        None => panic!("no database in {url}"),
    };
    let result = async {
        let c = cfg(&db_url, None);
        let app = install(&c).await;
        let pg = app.pg_installation().unwrap().clone();
        assert_eq!(
            (pg.database.as_str(), pg.schema.as_str()),
            (db.as_str(), "public")
        );
        // Not the role of `public` in another database of the cluster.
        assert_ne!(pg, PgInstallation::derive("test", "public"));
        app.append(vec![note(0, "p")], &key(), "sirm:p")
            .await
            .unwrap();
        assert_eq!(app.counts().await.unwrap().entries, 1);
        let mut conn = superuser(&db_url).await;
        assert_eq!(
            holdings(&mut conn, "sirm_app", "public").await.0,
            Vec::<String>::new()
        );
        assert_eq!(
            holdings(&mut conn, "public", "public").await.0,
            Vec::<String>::new()
        );
        // Nobody but the owner may create objects in SIRM's schema.
        let create: bool =
            sqlx::query_scalar("SELECT has_schema_privilege('public', 'public', 'CREATE')")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert!(!create);
        app.close().await;
        let _ = conn.close().await;
        pg.runtime_role
    }
    .await;
    sqlx::query(&format!("DROP DATABASE \"{db}\" WITH (FORCE)"))
        .execute(&mut su)
        .await
        .unwrap();
    sqlx::query(&format!("DROP ROLE IF EXISTS \"{result}\""))
        .execute(&mut su)
        .await
        .unwrap();
}

// ------------------------------------------------------------------- TLS

/// A server that answers every TLS request with "N" (no TLS), as a
/// PostgreSQL server without `ssl = on` does.
async fn server_without_tls() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut req = [0u8; 8];
                if sock.read_exact(&mut req).await.is_ok()
                    && req == [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]
                {
                    let _ = sock.write_all(b"N").await;
                    let mut rest = [0u8; 256];
                    let _ = sock.read(&mut rest).await;
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_refuses_a_server_without_tls() {
    let port = server_without_tls().await;
    for mode in ["require", "verify-full"] {
        let c = cfg(
            &format!("postgres://sirm:secret@127.0.0.1:{port}/sirm?sslmode={mode}"),
            Some("sirm"),
        );
        let err = tokio::time::timeout(Duration::from_secs(10), Store::connect(&c, Role::App))
            .await
            .expect("refused at once")
            .err()
            .expect("no connection without TLS");
        let msg = err.to_string();
        eprintln!("sslmode={mode} against a server without TLS: {msg}");
        assert!(matches!(err, StoreError::Connect { .. }), "{msg}");
        assert!(msg.contains("does not support TLS"), "{mode}: {msg}");
        assert!(!msg.contains("secret"), "{msg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_used_exactly_when_the_url_asks_for_it() {
    let url = pg_url();
    let mut su = superuser(&url).await;
    let server_tls: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut su)
        .await
        .unwrap();
    let with = |mode: &str| {
        let sep = if url.contains('?') { '&' } else { '?' };
        cfg(&format!("{url}{sep}sslmode={mode}"), None)
    };
    // Plain when disabled.
    let plain = Store::connect(&with("disable"), Role::Owner).await.unwrap();
    assert!(!plain.tls_in_use().await.unwrap());
    plain.close().await;
    // Not asked for (the URL every other test uses): sslmode=prefer, TLS
    // exactly when the server offers it.
    let default = Store::connect(&cfg(&url, None), Role::Owner).await.unwrap();
    assert_eq!(
        default.tls_in_use().await.unwrap(),
        server_tls == "on" && !url.contains("sslmode=disable")
    );
    default.close().await;
    let required = Store::connect(&with("require"), Role::Owner).await;
    if server_tls == "on" {
        let store = required.unwrap();
        assert!(store.tls_in_use().await.unwrap());
        store.close().await;
        // verify-full checks the certificate against trusted roots and the
        // host name: the test server's certificate (Debian's snake-oil one,
        // issued to "localhost") does not pass for 127.0.0.1.
        let err = Store::connect(&with("verify-full"), Role::Owner)
            .await
            .err()
            .expect("an untrusted certificate is refused");
        eprintln!("sslmode=verify-full, untrusted certificate: {err}");
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{err}"
        );
    } else {
        let err = required.err().expect("require fails without TLS");
        assert!(err.to_string().contains("does not support TLS"), "{err}");
    }
}

/// A server with its own CA, when `SIRM_TEST_POSTGRES_TLS_URL` names one
/// (`postgres://…?sslmode=verify-full&sslrootcert=/path/ca.crt`; see
/// docs/operations.md for a throwaway cluster): verified TLS with the given
/// root, and refused without it. Without the variable there is nothing to
/// check and the test says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_trusts_exactly_the_given_root() {
    let Ok(url) = std::env::var("SIRM_TEST_POSTGRES_TLS_URL") else {
        eprintln!("SIRM_TEST_POSTGRES_TLS_URL is not set: verified TLS not checked");
        return;
    };
    assert!(url.contains("sslmode=verify-full") && url.contains("sslrootcert="));
    let store = Store::connect(&cfg(&url, None), Role::Owner).await.unwrap();
    assert!(store.tls_in_use().await.unwrap());
    store.close().await;
    let without_root: String = url
        .split(['?', '&'])
        .filter(|p| !p.starts_with("sslrootcert="))
        .enumerate()
        .map(|(i, p)| match i {
            0 => p.to_string(),
            1 => format!("?{p}"),
            _ => format!("&{p}"),
        })
        .collect();
    let err = Store::connect(&cfg(&without_root, None), Role::Owner)
        .await
        .err()
        .expect("a certificate of an unknown CA is refused");
    eprintln!("verify-full without the root certificate: {err}");
    assert!(err.to_string().contains("certificate"), "{err}");
}

// ------------------------------------------------------- residual information

/// Insert a row holding `marker`, delete it, checkpoint and close; return
/// whether the marker is still anywhere in the database files.
fn residue_after_delete(path: &std::path::Path, secure_delete: bool, marker: &str) -> bool {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA secure_delete={};",
        if secure_delete { "ON" } else { "OFF" }
    ))
    .unwrap();
    conn.execute_batch("CREATE TABLE IF NOT EXISTS scratch (k TEXT PRIMARY KEY, v TEXT)")
        .unwrap();
    conn.execute("INSERT INTO scratch VALUES ('keep', 'x')", [])
        .unwrap();
    conn.execute("INSERT INTO scratch VALUES ('gone', ?1)", [marker])
        .unwrap();
    conn.execute("DELETE FROM scratch WHERE k = 'gone'", [])
        .unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    contains_marker(path, marker)
}

fn contains_marker(path: &std::path::Path, marker: &str) -> bool {
    // The middle of the marker: a freed cell loses its first bytes to the
    // free-block header even without secure_delete.
    let needle = &marker.as_bytes()[16..48];
    let mut files = vec![path.to_path_buf()];
    for ext in ["-wal", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        files.push(p.into());
    }
    files.iter().filter(|f| f.exists()).any(|f| {
        let bytes = std::fs::read(f).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle)
    })
}

fn marker() -> String {
    format!("RESIDUE-{}", hex::encode(rand::random::<[u8; 32]>()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_zeroes_what_it_frees() {
    let dir = tempfile::tempdir().unwrap();
    // The check can see residue: without secure_delete, a deleted value
    // stays in the file.
    let m = marker();
    assert!(residue_after_delete(
        &dir.path().join("control.db"),
        false,
        &m
    ));
    let m = marker();
    assert!(!residue_after_delete(
        &dir.path().join("plain.db"),
        true,
        &m
    ));

    // The store's connections: a deleted credential leaves nothing behind.
    let c = StoreConfig::sqlite_file(&dir.path().join("t.db"));
    let owner = Store::connect(&c, Role::Owner).await.unwrap();
    owner.migrate().await.unwrap();
    let m = marker();
    owner
        .execute_raw(&format!(
            "INSERT INTO credential (username, password_hash, updated_us) VALUES ('keep', 'x', 0), ('gone', '{m}', 0)"
        ))
        .await
        .unwrap();
    owner
        .execute_raw("DELETE FROM credential WHERE username = 'gone'")
        .await
        .unwrap();
    // Until a checkpoint, the write-ahead log still holds the page as it was
    // written; afterwards only the database file counts.
    owner
        .execute_raw("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    owner.close().await;
    assert!(!contains_marker(&dir.path().join("t.db"), &m));
}
