//! Ties what the store declares about its tables to both engines'
//! migrations: every projection table the applier writes has exactly the
//! declared columns (integer or text, as declared) in a fresh SQLite
//! database and, when `SIRM_TEST_POSTGRES_URL` is set, in a fresh
//! PostgreSQL schema; the two engines agree; and every row mapping reads
//! only columns its table has.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use sirm_store::{projection_tables, row_mappings, Role, Store, StoreConfig};
use sqlx::Connection as _;

/// A table's columns as the catalog lists them: name → holds an integer.
type Catalog = BTreeMap<String, BTreeMap<String, bool>>;

/// Every table's columns, read from the engine's catalog.
async fn catalog(conn: &mut sqlx::AnyConnection, postgres: bool) -> Catalog {
    let sql = if postgres {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
         FROM information_schema.columns WHERE table_schema = current_schema()"
    } else {
        "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table'"
    };
    let rows: Vec<(String, String, String)> =
        sqlx::query_as(sql).fetch_all(&mut *conn).await.unwrap();
    let mut out = Catalog::new();
    for (table, column, kind) in rows {
        let int = matches!(
            kind.to_ascii_lowercase().as_str(),
            "integer" | "bigint" | "smallint"
        );
        out.entry(table).or_default().insert(column, int);
    }
    out
}

/// The declared projection tables as a catalog.
fn declared() -> Catalog {
    projection_tables()
        .into_iter()
        .map(|(table, columns)| {
            let columns = columns
                .into_iter()
                .map(|(c, int)| (c.to_string(), int))
                .collect();
            (table.to_string(), columns)
        })
        .collect()
}

/// Problems of one engine's catalog against the declarations.
fn problems(engine: &str, found: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for (table, columns) in declared() {
        match found.get(&table) {
            None => out.push(format!("{engine}: projection table {table} does not exist")),
            Some(have) if *have != columns => out.push(format!(
                "{engine}: projection table {table} has columns {have:?}, the applier declares {columns:?}"
            )),
            Some(_) => {}
        }
    }
    for (row, table, columns) in row_mappings() {
        let Some(have) = found.get(table) else {
            out.push(format!(
                "{engine}: {row} reads table {table}, which does not exist"
            ));
            continue;
        };
        for c in columns {
            if !have.contains_key(*c) {
                out.push(format!(
                    "{engine}: {row} reads {table}.{c}, which does not exist"
                ));
            }
        }
    }
    out
}

async fn migrated(cfg: &StoreConfig) {
    let owner = Store::connect(cfg, Role::Owner).await.unwrap();
    owner.migrate().await.unwrap();
    owner.close().await;
}

async fn sqlite_catalog() -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("columns.db");
    migrated(&StoreConfig::sqlite_file(&path)).await;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let found = catalog(&mut conn, false).await;
    conn.close().await.unwrap();
    found
}

async fn postgres_catalog(url: String) -> Catalog {
    let schema = format!("t_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut cfg = StoreConfig::new(url.clone());
    cfg.pg_schema = Some(schema.clone());
    migrated(&cfg).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("SET search_path TO \"{schema}\""))
        .execute(&mut conn)
        .await
        .unwrap();
    let found = catalog(&mut conn, true).await;
    let database: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let role = sirm_store::PgInstallation::derive(&database, &schema).runtime_role;
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("DROP ROLE IF EXISTS \"{role}\""))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    found
}

#[tokio::test]
async fn declared_columns_are_the_migrations_columns_on_both_engines() {
    let sqlite = sqlite_catalog().await;
    let mut found = problems("SQLite", &sqlite);
    match std::env::var("SIRM_TEST_POSTGRES_URL") {
        Ok(url) => {
            let postgres = postgres_catalog(url).await;
            found.extend(problems("PostgreSQL", &postgres));
            for (table, _) in declared() {
                if sqlite.get(&table) != postgres.get(&table) {
                    found.push(format!(
                        "{table}: SQLite has {:?}, PostgreSQL {:?}",
                        sqlite.get(&table),
                        postgres.get(&table)
                    ));
                }
            }
        }
        Err(_) => eprintln!("SIRM_TEST_POSTGRES_URL not set: PostgreSQL not checked"),
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The check can fail: a declaration with a renamed column is caught.
#[tokio::test]
async fn a_renamed_column_is_caught() {
    let mut sqlite = sqlite_catalog().await;
    let (table, columns) = declared().into_iter().next().unwrap();
    let first = columns.keys().next().unwrap().clone();
    let have = sqlite.get_mut(&table).unwrap();
    let int = have.remove(&first).unwrap();
    have.insert(format!("{first}_renamed"), int);
    let found = problems("SQLite", &sqlite);
    assert!(
        found.iter().any(|p| p.contains(&table)),
        "a renamed {table}.{first} went unnoticed"
    );
}
