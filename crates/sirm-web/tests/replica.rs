//! Read replicas (docs/scaling.md), against a real streaming standby of the
//! test cluster (`scripts/ensure-replica`, which `scripts/test` runs): a
//! portal read and a counter read are served by the replica and answer the
//! record the primary holds, the query log entry is written on the primary,
//! a caller's read after its own write goes to the primary until the replica
//! has replayed it, and `/readyz` shows the replication lag without the URL.
//! PostgreSQL only: SQLite has no replicas (refused, see sirm-store).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sirm_testkit::{Engine, Options, StatusCode, TestApp};
use sqlx::{Connection, PgConnection};

/// The standby's URL: `SIRM_TEST_REPLICA_URL`, or — when the PostgreSQL
/// server itself is the default one, as for every PostgreSQL test — the
/// default standby `scripts/ensure-replica` makes.
fn replica_url() -> String {
    match std::env::var("SIRM_TEST_REPLICA_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var("SIRM_TEST_POSTGRES_URL").is_ok() => panic!(
            "SIRM_TEST_REPLICA_URL is not set: run scripts/ensure-replica (as root; scripts/test \
             does) and export the URL it prints as SIRM_TEST_REPLICA_URL"
        ),
        _ => "postgres://postgres@127.0.0.1:5433/test".into(),
    }
}

async fn superuser(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!("no PostgreSQL at {url} ({e}): run scripts/ensure-replica (as root) first")
    })
}

async fn lsn(c: &mut PgConnection, sql: &str) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(c)
        .await
        .unwrap()
}

/// Resumes the standby's replay even when the test fails while it is paused.
struct Resume(String);

impl Drop for Resume {
    fn drop(&mut self) {
        let url = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let _ = sqlx::query("SELECT pg_wal_replay_resume()")
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

async fn readyz(app: &TestApp) -> Value {
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains("postgres") || text.contains("\"database\":\"postgres\""),
        "{text}"
    );
    assert!(
        !text.contains("5433") && !text.contains("127.0.0.1"),
        "{text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Wait until the standby has replayed everything the primary has written
/// now, then let the server's state catch up (checked at most once a second).
async fn replayed(primary: &mut PgConnection, replica: &mut PgConnection, app: &TestApp) -> Value {
    let target = lsn(primary, "SELECT pg_current_wal_lsn()::text").await;
    let start = Instant::now();
    loop {
        let done: bool = sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn")
            .bind(&target)
            .fetch_one(&mut *replica)
            .await
            .unwrap();
        if done {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the standby did not replay up to {target} in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = readyz(app).await;
    assert_eq!(r["replicas"][0]["in_use"], true, "{r}");
    r
}

/// Reads the replica served so far (the server's own count; `/readyz`
/// does not publish it).
async fn reads(app: &TestApp) -> u64 {
    app.sirm.replica_status().await[0].reads
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_serves_reads() {
    let url = replica_url();
    let mut replica = superuser(&url).await;
    let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&mut replica)
        .await
        .unwrap();
    assert!(
        standby,
        "{url} is not a standby: run scripts/ensure-replica"
    );
    // A run that failed while replay was paused left it paused.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&mut replica)
        .await
        .unwrap();
    let _resume = Resume(url.clone());
    let mut primary = superuser(&sirm_testkit::postgres_url()).await;

    // The bound is generous: the test pauses replay for a few seconds and
    // expects the replica to stay in use for callers without a write.
    let urls = vec![url.clone()];
    let app = TestApp::start(
        // In a schema of the test database, which the replica URL names.
        Options::new(Engine::Postgres)
            .fresh()
            .tune(move |s| s.set_replicas(&urls, Duration::from_secs(60)).unwrap()),
    )
    .await;
    let citizen = app.login("citizen").await;
    let query = app.login("query").await;
    let account = app
        .sirm
        .store_for_maintenance()
        .account("citizen")
        .await
        .unwrap()
        .unwrap();
    let pk: sirm_domain::id::PersonKey = account.person_id.unwrap().parse().unwrap();
    let id = app.sirm.id_of(&pk).await.unwrap().unwrap().to_string();
    let logged = || async {
        app.sirm
            .store_for_maintenance()
            .queries_of(pk.as_str(), 1000)
            .await
            .unwrap()
            .len()
    };

    // The portal read is served by the replica and is the primary's record.
    let r0 = replayed(&mut primary, &mut replica, &app).await;
    let lag = &r0["replicas"][0];
    assert_eq!(lag["replica"], 1, "{r0}");
    assert_eq!(lag["standby"], true, "{r0}");
    assert!(lag["lag_seconds"].as_f64().is_some(), "{r0}");
    assert!(lag["lag_bytes"].as_u64().is_some(), "{r0}");
    let log0 = logged().await;
    let n0 = reads(&app).await;
    let (s, me) = citizen.get("/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(
        reads(&app).await,
        n0 + 1,
        "the portal read is the replica's"
    );
    let on_primary = serde_json::to_value(app.sirm.rights_of(&pk).await.unwrap()).unwrap();
    assert_eq!(me["record"], on_primary);
    assert_eq!(me["record"]["person"]["id_number"], id.as_str());
    // The query log (a write) is on the primary.
    assert_eq!(logged().await, log0 + 1);

    // The counter's read (the query officer) is served by the replica too.
    let (s, rec) = query
        .post("/api/v1/persons/lookup", json!({ "id": id }))
        .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec, on_primary);
    assert_eq!(
        reads(&app).await,
        n0 + 2,
        "the counter read is the replica's"
    );
    assert_eq!(logged().await, log0 + 2);

    // Replay paused: the citizen writes (a certificate, its record read
    // from the primary), then reads the own record: from the primary, as
    // the replica has not replayed that write. Another caller still reads
    // the replica (within the lag bound), and /readyz shows the lag.
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&mut replica)
        .await
        .unwrap();
    let (s, c) = citizen
        .post("/api/v1/my/certificates", json!({"kind": "contribution"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(reads(&app).await, n0 + 2, "a certificate reads the primary");
    let (s, _) = citizen.get("/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        reads(&app).await,
        n0 + 2,
        "the citizen's read after the own write is the primary's"
    );
    let (s, _) = query
        .post("/api/v1/persons/lookup", json!({ "id": id }))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        reads(&app).await,
        n0 + 3,
        "another caller's is the replica's"
    );
    assert_eq!(logged().await, log0 + 5);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r1 = readyz(&app).await;
    assert!(r1["replicas"][0]["lag_bytes"].as_u64().unwrap() > 0, "{r1}");
    assert!(r1["replicas"][0]["lag_seconds"].as_f64().is_some(), "{r1}");
    assert_eq!(r1["replicas"][0]["in_use"], true, "{r1}");

    // Replay resumed: once the write is replayed, the citizen reads the
    // replica again.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&mut replica)
        .await
        .unwrap();
    replayed(&mut primary, &mut replica, &app).await;
    let n1 = reads(&app).await;
    let (s, _) = citizen.get("/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(reads(&app).await, n1 + 1, "replayed: the replica's again");
}
