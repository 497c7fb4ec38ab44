//! Demo installations built once per test process and copied for each test.
//!
//! A PostgreSQL demo takes several seconds to build in a debug build (the
//! migrations, then the demo's history through the one append path), and
//! most integration tests want a fresh one. Each (engine, persons, history,
//! seed, profile) is built once; a test gets a copy of the data directory
//! and, on PostgreSQL, a database copied from the template's
//! (`CREATE DATABASE … TEMPLATE`) whose runtime role the owner's migrate
//! makes. What one test alters, no other sees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::OpenOptions;
use sqlx::Connection;

use crate::{postgres_url, Engine};

/// The schema of template databases, and so of their copies.
pub const SCHEMA: &str = "demo";

/// A demo built once: its data directory and, on PostgreSQL, its database.
pub struct Template {
    data: PathBuf,
    database: Option<String>,
    /// Keeps the data directory for the whole test process.
    _dir: tempfile::TempDir,
}

type Key = (bool, usize, bool, u64, String);
type Cells = Mutex<HashMap<Key, Arc<tokio::sync::OnceCell<Arc<Template>>>>>;

/// The template for this request on `engine`, built on first use; tests
/// asking for another one meanwhile do not wait for this one.
async fn get(engine: Engine, req: &DemoRequest) -> Arc<Template> {
    static ALL: OnceLock<Cells> = OnceLock::new();
    let key = (
        engine == Engine::Postgres,
        req.persons,
        req.history,
        req.seed,
        req.profile.name().to_string(),
    );
    let cell = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| build(engine, req)).await.clone()
}

async fn build(engine: Engine, req: &DemoRequest) -> Arc<Template> {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut opts = OpenOptions::new(data.clone());
    let database = if engine == Engine::Postgres {
        let db = format!("tpl_{}", hex::encode(rand::random::<[u8; 6]>()));
        execute(&postgres_url(), &format!("CREATE DATABASE {db}")).await;
        opts.database_url = Some(database_url(&postgres_url(), &db));
        opts.database_schema = Some(SCHEMA.to_string());
        Some(db)
    } else {
        None
    };
    // A PostgreSQL template must have no session when it is copied: the
    // build's connections close with its `Sirm`, inside ensure_demo.
    ensure_demo(&opts, req).await.unwrap();
    settle(&data).await;
    Arc::new(Template {
        data,
        database,
        _dir: dir,
    })
}

/// Wait (at most 10 s) until SQLite has closed the demo's database: its
/// last connection checkpoints and removes the `-wal` and `-shm` files a
/// little after the pool is closed, and a copy taken meanwhile could miss
/// them or tear them.
async fn settle(dir: &Path) {
    fn open_files(dir: &Path) -> bool {
        std::fs::read_dir(dir).is_ok_and(|d| {
            d.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.path().is_dir() {
                    open_files(&e.path())
                } else {
                    name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal")
                }
            })
        })
    }
    for _ in 0..200 {
        if !open_files(dir) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A fresh copy of the demo `req` into `opts.data_dir` (and, on PostgreSQL,
/// a new database named in `opts`); the copy's database, to drop with it.
pub async fn copy(engine: Engine, req: &DemoRequest, opts: &mut OpenOptions) -> Option<String> {
    let t = get(engine, req).await;
    copy_dir(&t.data, opts.data_dir.root());
    let template = t.database.as_ref()?;
    let db = clone_database(template).await;
    let url = database_url(&postgres_url(), &db);
    // The copied sirm.toml names the template's database: name the copy's,
    // so that a command run on the copy never reaches the template.
    let config = opts.data_dir.config_path();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace(template.as_str(), &db)).unwrap();
    opts.database_url = Some(url);
    opts.database_schema = Some(SCHEMA.to_string());
    // The copy is another database: its runtime role is its own
    // (`sirm_store::PgInstallation`), made by the owner's migrate.
    let owner = sirm_store::Store::connect(&opts.store_config(None), sirm_store::Role::Owner)
        .await
        .unwrap();
    owner.migrate().await.unwrap();
    owner.close().await;
    Some(db)
}

/// `url` with its database replaced by `db`.
pub fn database_url(url: &str, db: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a database URL ends in /DATABASE");
    let query = url.split_once('?').map(|(_, q)| format!("?{q}"));
    format!("{base}/{db}{}", query.unwrap_or_default())
}

/// A new database copied from `template`; its name.
async fn clone_database(template: &str) -> String {
    let db = format!("c_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut c = sqlx::PgConnection::connect(&postgres_url()).await.unwrap();
    // The copy needs the template to have no session: another test may be
    // copying it at this moment.
    for attempt in 0.. {
        match sqlx::query(&format!("CREATE DATABASE {db} TEMPLATE {template}"))
            .execute(&mut c)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 300 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await
            }
            Err(e) => panic!("CREATE DATABASE {db} TEMPLATE {template}: {e}"),
        }
    }
    let _ = c.close().await;
    db
}

async fn execute(url: &str, sql: &str) {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
    let _ = c.close().await;
}

/// Drop a copied database and its runtime role.
pub fn drop_database(db: String) {
    let role = sirm_store::PgInstallation::derive(&db, SCHEMA).runtime_role;
    crate::cleanup_sql(vec![
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("DROP ROLE IF EXISTS \"{role}\""),
    ]);
}

/// Copy the directory tree `from` to `to` (files keep their permissions,
/// directories get the source's).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if let Err(err) = std::fs::copy(e.path(), &target) {
            // SQLite's side files may go away as its last connection closes.
            assert!(
                err.kind() == std::io::ErrorKind::NotFound,
                "copy {}: {err}",
                e.path().display()
            );
        }
    }
    let perms = std::fs::metadata(from).unwrap().permissions();
    std::fs::set_permissions(to, perms).unwrap();
}
