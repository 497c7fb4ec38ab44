//! The SIRM testkit: boots the real server on a random port, against its
//! own copy of a small demo installation (SQLite file, or a PostgreSQL
//! database copied from a template built once per test process; dropped
//! afterwards — [`template`]), and hands the test a client that signs in as
//! demo accounts (with their demo second factor) and speaks JSON, pages and
//! forms. Integration tests use this one kit instead of copying spawn and
//! sign-in helpers.
//!
//! ```ignore
//! sirm_testkit::both_engines!(my_test);
//! async fn my_test(engine: Engine) {
//!     let app = TestApp::spawn(engine).await;
//!     let clerk = app.login("clerk").await;
//!     let (status, body) = clerk.get("/api/v1/me").await;
//! }
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sirm_app::demo::{demo_totp_secret, ensure_demo, DemoRequest};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::access::totp;

pub use sirm_app::demo::DEMO_PASSWORD;

pub mod template;

/// Which database engine a test runs on (the store's own type).
pub use sirm_store::Engine;

/// The crypto profiles an installation may be created with.
pub use sirm_ledger::CryptoProfile;

/// The PostgreSQL server tests use.
pub fn postgres_url() -> String {
    std::env::var("SIRM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The demo telephone system's credential on every test client (the
/// telephone channel answers only configured clients).
fn ivr_client_header() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        "x-sirm-client",
        reqwest::header::HeaderValue::from_static(sirm_app::demo::DEMO_IVR_CLIENT),
    );
    h
}

/// A unique name (schema names, usernames).
pub fn unique(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    format!("{prefix}{:016x}", h.finish())
}

/// How to build the installation under test.
pub struct Options {
    pub engine: Engine,
    /// Invented persons in the demo.
    pub persons: usize,
    /// The demo's ten-year history (contributions, settlements, a retiree).
    pub history: bool,
    pub seed: u64,
    /// Serve in kiosk mode.
    pub kiosk: bool,
    /// The crypto profile of the installation (default international).
    pub profile: sirm_ledger::CryptoProfile,
    /// Change the opened installation (e.g. its configuration) before serving.
    #[allow(clippy::type_complexity)]
    pub tune: Option<Box<dyn FnOnce(&mut Sirm) + Send>>,
    /// Build this installation itself (on PostgreSQL in a schema of the
    /// test database) instead of copying the process's template.
    pub fresh: bool,
}

impl Options {
    pub fn new(engine: Engine) -> Self {
        Options {
            engine,
            persons: 12,
            history: false,
            seed: 7,
            kiosk: false,
            profile: Default::default(),
            tune: None,
            fresh: false,
        }
    }
    /// Build the demo for this test alone, in a schema of the PostgreSQL
    /// test database (a test that must find it there: the replica's).
    pub fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }
    /// Build the installation under the 国密 profile (`sirm init --crypto gm`).
    pub fn gm(mut self) -> Self {
        self.profile = sirm_ledger::CryptoProfile::Sm3Sm2;
        self
    }
    pub fn history(mut self) -> Self {
        self.history = true;
        self
    }
    pub fn persons(mut self, n: usize) -> Self {
        self.persons = n;
        self
    }
    pub fn kiosk(mut self) -> Self {
        self.kiosk = true;
        self
    }
    pub fn tune(mut self, f: impl FnOnce(&mut Sirm) + Send + 'static) -> Self {
        self.tune = Some(Box::new(f));
        self
    }
}

/// A served installation. Dropping it stops using it and removes its data
/// (the temporary directory; the PostgreSQL schema).
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub sirm: Arc<Sirm>,
    pub opts: OpenOptions,
    pub http: reqwest::Client,
    dir: Option<tempfile::TempDir>,
    schema: Option<String>,
    /// The PostgreSQL database copied for this test ([`template`]).
    database: Option<String>,
    /// Last TOTP step used per account (each code signs in once).
    steps: Mutex<HashMap<String, i64>>,
    /// Sessions of [`TestApp::login`], reused (a staff sign-in spends a TOTP
    /// step, and only a few steps are valid at a time).
    sessions: Mutex<HashMap<String, Client>>,
}

impl TestApp {
    /// The default demo on `engine`.
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::start(Options::new(engine)).await
    }

    pub async fn start(o: Options) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = OpenOptions::new(dir.path().join("data"));
        let req = DemoRequest {
            seed: o.seed,
            persons: o.persons,
            history: o.history,
            bench_accounts: 0,
            full_careers: false,
            profile: o.profile,
        };
        let mut schema = None;
        let mut database = None;
        if o.fresh {
            if o.engine == Engine::Postgres {
                opts.database_url = Some(postgres_url());
                let s = unique("t_");
                opts.database_schema = Some(s.clone());
                schema = Some(s);
            }
            ensure_demo(&opts, &req).await.unwrap();
        } else {
            database = template::copy(o.engine, &req, &mut opts).await;
        }
        let mut sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
        // Tests run at any hour: the lower night threshold of the bulk-read
        // watch (22:00-06:00 Beijing time) would make a test that reads many
        // persons pass by day and fail by night. The tests of the watch set
        // both thresholds themselves.
        let volume = &mut sirm.config.disclosure.volume;
        volume.night_persons_per_hour = volume.persons_per_hour;
        if let Some(t) = o.tune {
            t(&mut sirm);
        }
        let sirm = Arc::new(sirm);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let s = sirm.clone();
        let serve_opts = sirm_web::ServeOptions { kiosk: o.kiosk };
        tokio::spawn(async move {
            sirm_web::serve_with(s, listener, std::future::pending(), serve_opts)
                .await
                .unwrap()
        });
        TestApp {
            base,
            sirm,
            opts,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(ivr_client_header())
                .build()
                .unwrap(),
            dir: Some(dir),
            schema,
            database,
            steps: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// A scratch directory of this test (removed with the app).
    pub fn dir(&self) -> &std::path::Path {
        self.dir
            .as_ref()
            .map(|d| d.path())
            .unwrap_or(std::path::Path::new("/tmp"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A TOTP code of a demo account that has not signed in yet: the current
    /// step, or the next one (accepted within the verifier's window) when the
    /// current one was used; waits for the clock otherwise.
    pub async fn totp_code(&self, user: &str) -> String {
        let secret = totp::TotpSecret::from_base32(&demo_totp_secret(user)).unwrap();
        loop {
            let now = chrono::Utc::now().timestamp();
            let step = now / 30;
            let last = self.steps.lock().unwrap().get(user).copied();
            let pick = match last {
                None => Some(step),
                Some(l) if l < step => Some(step),
                Some(l) if l == step && now % 30 >= 20 => Some(step + 1),
                _ => None,
            };
            if let Some(s) = pick {
                self.steps.lock().unwrap().insert(user.to_string(), s);
                return totp::code(&secret, s * 30, 30, 6);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// An HTTP client whose requests come from `ip` (any 127.x.y.z reaches
    /// the server on loopback): a second source address for tests of
    /// per-source limits and lockouts.
    pub fn http_from(&self, ip: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(Some(ip.parse().unwrap()))
            .default_headers(ivr_client_header())
            .build()
            .unwrap()
    }

    /// `POST /api/v1/session` as given: the status and the JSON answer.
    pub async fn login_raw(
        &self,
        user: &str,
        password: &str,
        second_factor: Option<&str>,
    ) -> (StatusCode, Value) {
        self.login_raw_via(&self.http, user, password, second_factor)
            .await
    }

    /// [`TestApp::login_raw`] through a given client (e.g. [`TestApp::http_from`]).
    pub async fn login_raw_via(
        &self,
        http: &reqwest::Client,
        user: &str,
        password: &str,
        second_factor: Option<&str>,
    ) -> (StatusCode, Value) {
        let r = http
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": user, "password": password, "second_factor": second_factor}))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// A signed-in session of a demo account (demo password, demo second
    /// factor when it needs one). The first call signs in; later calls for
    /// the same account reuse that session — use [`TestApp::login_new`] for
    /// a session of its own.
    pub async fn login(&self, user: &str) -> Client {
        if let Some(c) = self.sessions.lock().unwrap().get(user) {
            return c.clone();
        }
        let c = self.login_new(user).await;
        self.sessions
            .lock()
            .unwrap()
            .insert(user.to_string(), c.clone());
        c
    }

    /// A new session of a demo account (not shared with [`TestApp::login`]).
    pub async fn login_new(&self, user: &str) -> Client {
        self.login_with(user, DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, user: &str, password: &str) -> Client {
        // Demo staff have a second factor: send it at once (one request).
        let staff = sirm_app::demo::DEMO_ACCOUNTS.iter().any(|a| a.0 == user);
        let first = if staff {
            Some(self.totp_code(user).await)
        } else {
            None
        };
        let (mut s, mut v) = self.login_raw(user, password, first.as_deref()).await;
        // A test signing many accounts in from one address may meet the
        // sign-in rate limit (`limits.sign_in`): wait as told and try again,
        // as a client would (the refused request used no code).
        for _ in 0..30 {
            if s != StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            (s, v) = self.login_raw(user, password, first.as_deref()).await;
        }
        let v = if s == StatusCode::UNAUTHORIZED && v["error"]["code"] == "second_factor_required" {
            let code = self.totp_code(user).await;
            let (s2, v2) = self.login_raw(user, password, Some(&code)).await;
            assert_eq!(s2, StatusCode::OK, "sign-in of {user}: {v2}");
            v2
        } else {
            assert_eq!(s, StatusCode::OK, "sign-in of {user}: {v}");
            v
        };
        Client {
            base: self.base.clone(),
            http: self.http.clone(),
            user: user.to_string(),
            token: v["token"].as_str().unwrap().to_string(),
            csrf: v["csrf"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// An anonymous client (no session).
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: self.http.clone(),
            user: String::new(),
            token: String::new(),
            csrf: String::new(),
        }
    }

    /// The ID number of a registered person of the demo data.
    pub async fn first_person(&self) -> String {
        sirm_app::testkit::person_ids(&self.sirm, 1)
            .await
            .unwrap()
            .remove(0)
    }

    /// The employer (its credit code) that account `username` acts for,
    /// e.g. the demo's employer agent `agent`.
    pub async fn employer_of(&self, username: &str) -> String {
        self.sirm
            .store_for_maintenance()
            .account(username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account {username}"))
            .employer
            .unwrap_or_else(|| panic!("{username} acts for no employer"))
    }

    /// The ledger's size now.
    pub async fn ledger_size(&self) -> u64 {
        self.sirm
            .store_for_maintenance()
            .head()
            .await
            .unwrap()
            .map(|h| h.checkpoint.tree_size)
            .unwrap_or(0)
    }
}

/// Drop a test's PostgreSQL schema and the installation's runtime role.
pub fn drop_postgres_schema(schema: String) {
    let url = postgres_url();
    let db = url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default();
    let role = sirm_store::PgInstallation::derive(db, &schema).runtime_role;
    cleanup_sql(vec![
        format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
        format!("DROP ROLE IF EXISTS \"{role}\""),
    ]);
}

/// Run `statements` in order on the test PostgreSQL server, from a thread
/// of its own (callable where no runtime may block, as in `Drop`); a
/// statement that fails is skipped (this cleans up after a test).
pub fn cleanup_sql(statements: Vec<String>) {
    let url = postgres_url();
    let _ = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            use sqlx::Connection;
            if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                for sql in &statements {
                    let _ = sqlx::query(sql).execute(&mut c).await;
                }
            }
        });
    })
    .join();
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            drop_postgres_schema(schema);
        }
        if let Some(db) = self.database.take() {
            template::drop_database(db);
        }
        drop(self.dir.take());
    }
}

/// A signed-in (or anonymous) caller. JSON calls carry the session as a
/// bearer token; form calls carry it as the session cookie with the CSRF
/// token, as a browser does.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub user: String,
    pub token: String,
    pub csrf: String,
}

impl Client {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn with_auth(&self, rq: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if self.token.is_empty() {
            rq
        } else {
            rq.bearer_auth(&self.token)
        }
    }

    /// Any request; the answer's status and text.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut rq = self.with_auth(self.http.request(method, self.url(path)));
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, t) = self.call(Method::GET, path, None).await;
        (s, serde_json::from_str(&t).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, t) = self.call(Method::POST, path, Some(body)).await;
        (s, serde_json::from_str(&t).unwrap_or(Value::Null))
    }

    /// A page's status and HTML.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        self.call(Method::GET, path, None).await
    }

    /// A raw response (headers, bytes).
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.with_auth(self.http.get(self.url(path)))
            .send()
            .await
            .unwrap()
    }

    /// A browser-style form post: session cookie plus the CSRF token as a
    /// form field.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        let mut rq = self.http.post(self.url(path)).form(&all);
        if !self.token.is_empty() {
            rq = rq.header("cookie", format!("sirm_session={}", self.token));
        }
        rq.send().await.unwrap()
    }

    /// A multipart form whose first part is the CSRF token, as the pages'
    /// forms send it; add the other parts to it and pass it to
    /// [`Client::send_multipart`].
    pub fn multipart_form(&self) -> reqwest::multipart::Form {
        reqwest::multipart::Form::new().text("csrf", self.csrf.clone())
    }

    /// A browser-style multipart post with the session cookie.
    pub async fn send_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        let mut rq = self.http.post(self.url(path)).multipart(form);
        if !self.token.is_empty() {
            rq = rq.header("cookie", format!("sirm_session={}", self.token));
        }
        rq.send().await.unwrap()
    }
}

/// Generate `mod sqlite` and `mod postgres` with one test per named
/// function of the calling file, run on each engine:
/// - `both_engines!(a, b)`: `async fn a(engine: Engine)`, as `#[tokio::test]`;
/// - `both_engines!(sync: a, b)`: `fn a(engine: Engine)`, as `#[test]`;
/// - `both_engines!(a, b; profiles: c, d)`: as the first form, and
///   `async fn c(engine: Engine, profile: CryptoProfile)` on both engines
///   under both crypto profiles (`gm_sqlite`, `gm_postgres` for 国密).
#[macro_export]
macro_rules! both_engines {
    (sync: $($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::Engine::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::Engine::Postgres) } )*
        }
    };
    ($($name:ident),* $(,)? ; profiles: $($p:ident),* $(,)?) => {
        $crate::both_engines!(@profiles sqlite, Sqlite, Sha256Ed25519; $($name),*; $($p),*);
        $crate::both_engines!(@profiles postgres, Postgres, Sha256Ed25519; $($name),*; $($p),*);
        $crate::both_engines!(@profiles gm_sqlite, Sqlite, Sm3Sm2; ; $($p),*);
        $crate::both_engines!(@profiles gm_postgres, Postgres, Sm3Sm2; ; $($p),*);
    };
    (@profiles $m:ident, $engine:ident, $profile:ident; $($name:ident),*; $($p:ident),*) => {
        mod $m {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::$engine).await
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $p() {
                    super::$p($crate::Engine::$engine, $crate::CryptoProfile::$profile).await
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::Postgres).await
                }
            )*
        }
    };
}

/// A TOTP code of a demo staff account for a test that signs in by other
/// means (the CLI, its own HTTP client): a step not yet used by this test
/// process, waiting for the clock when the current and the next are used.
pub async fn demo_code(user: &str) -> String {
    static USED: Mutex<Option<HashMap<String, i64>>> = Mutex::new(None);
    let secret = totp::TotpSecret::from_base32(&demo_totp_secret(user)).unwrap();
    loop {
        let now = chrono::Utc::now().timestamp();
        let step = now / 30;
        let pick = {
            let mut g = USED.lock().unwrap();
            let map = g.get_or_insert_with(HashMap::new);
            let last = map.get(user).copied();
            let pick = match last {
                None => Some(step),
                Some(l) if l < step => Some(step),
                Some(l) if l == step && now % 30 >= 20 => Some(step + 1),
                _ => None,
            };
            if let Some(s) = pick {
                map.insert(user.to_string(), s);
            }
            pick
        };
        if let Some(s) = pick {
            return totp::code(&secret, s * 30, 30, 6);
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// A session file for command-line tests, as `sirm login --session-file`
/// leaves it, for `username` of the installation `opts` opens. The session
/// row is written directly: sign-in with password and second factor is
/// tested on its own (`crates/sirm/tests/cli_user/`, `operator.rs`), and a
/// TOTP code works once per 30 s, which would make tests that act on many
/// installations wait. Callable from sync or async tests. `false` (and no
/// file) when the installation does not open: the command under test will
/// say why.
pub fn cli_session(opts: &OpenOptions, username: &str, file: &std::path::Path) -> bool {
    use sha2::Digest;
    let token = hex::encode(rand::random::<[u8; 32]>());
    let id = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    let opts = opts.clone();
    let user = username.to_string();
    let opened = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let Ok(sirm) = Sirm::open(&opts, Access::Read).await else {
                return false;
            };
            let now = chrono::Utc::now().timestamp_micros();
            let made = sirm
                .store_for_maintenance()
                .create_session(&id, &user, "cli-test", "cli", now)
                .await
                .is_ok();
            sirm.store_for_maintenance().close().await;
            made
        })
    })
    .join()
    .unwrap();
    if opened {
        // Owner-only, as `sirm login` writes it (others' files are refused).
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(file).unwrap().write_all(token.as_bytes()).unwrap();
    }
    opened
}

/// `sirm ARGS` for the installation `opts`, signed in as [`cli_operator`]
/// says (a fresh session file in `dir`).
pub fn cli_command(
    bin: &str,
    opts: &OpenOptions,
    dir: &std::path::Path,
    args: &[&str],
) -> std::process::Command {
    let mut c = std::process::Command::new(bin);
    c.env_remove("SIRM_SESSION_FILE");
    if let Some(user) = cli_operator(args) {
        let file = dir.join(format!(
            "session-{user}-{}",
            hex::encode(rand::random::<[u8; 4]>())
        ));
        if cli_session(opts, user, &file) {
            c.env("SIRM_SESSION_FILE", file);
        }
    }
    c
}

/// The demo account a command-line test runs `sirm ARGS` as, when the
/// command acts on an installation and the test did not name one (`--as`):
/// the database administrator for maintenance and verification, a clerk
/// for certificate checks. `None`: no sign-in needed or already given.
pub fn cli_operator(args: &[&str]) -> Option<&'static str> {
    if args.contains(&"--as") {
        return None;
    }
    match args.first().copied()? {
        "verify" | "rebuild" | "checkpoint" | "migrate" | "check" | "migrate-engine" => Some("dba"),
        "backup" if args.get(1) == Some(&"create") => Some("dba"),
        "keys" if args.get(1) == Some(&"status") => Some("dba"),
        "certificate" => Some("clerk"),
        "rules" if args.get(1) == Some(&"import") => Some("maintainer"),
        _ => None,
    }
}

/// Session files of one installation under test, one per account, made on
/// first use ([`cli_session`]).
#[derive(Default)]
pub struct CliSessions(Mutex<HashMap<String, std::path::PathBuf>>);

impl CliSessions {
    /// The session file for `args` (see [`cli_operator`]), kept in `dir`.
    pub fn for_args(
        &self,
        opts: &OpenOptions,
        dir: &std::path::Path,
        args: &[&str],
    ) -> Option<std::path::PathBuf> {
        let user = cli_operator(args)?;
        let mut made = self.0.lock().unwrap();
        if let Some(f) = made.get(user) {
            return Some(f.clone());
        }
        let file = dir.join(format!(
            "session-{user}-{}",
            hex::encode(rand::random::<[u8; 4]>())
        ));
        if !cli_session(opts, user, &file) {
            return None;
        }
        made.insert(user.to_string(), file.clone());
        Some(file)
    }
}

/// What the ledger of `opts` recorded after entry `after`: the size now,
/// and for each newer entry its kind, or for a security event its event
/// name (`cli.command`, `backup.started`, …). Lets command-line tests say
/// "nothing but the record of the command was appended".
pub fn ledger_tail(opts: &OpenOptions, after: u64) -> (u64, Vec<String>) {
    let opts = opts.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let sirm = Sirm::open(&opts, Access::Read).await.unwrap();
            let size = sirm.latest_checkpoint().await.unwrap().checkpoint.tree_size;
            let mut names = Vec::new();
            for seq in after.saturating_add(1)..=size {
                let e = sirm
                    .store_for_maintenance()
                    .entry(seq)
                    .await
                    .unwrap()
                    .unwrap();
                let v: Value = serde_json::from_str(&e.payload).unwrap_or_default();
                names.push(match v.get("event").and_then(|x| x.as_str()) {
                    Some(ev) if e.kind == "security.event" => ev.to_string(),
                    _ => e.kind.clone(),
                });
            }
            sirm.store_for_maintenance().close().await;
            (size, names)
        })
    })
    .join()
    .unwrap()
}

#[cfg(test)]
mod tests {
    /// Each crate's integration tests are one binary, `tests/all.rs`
    /// (`autotests = false`): a test file it does not list as a module would
    /// never be built or run.
    #[test]
    fn every_test_file_is_a_module_of_its_crates_test_binary() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut checked = 0;
        for krate in std::fs::read_dir(&crates).unwrap() {
            let tests = krate.unwrap().path().join("tests");
            let Ok(listed) = std::fs::read_to_string(tests.join("all.rs")) else {
                continue;
            };
            for entry in std::fs::read_dir(&tests).unwrap() {
                let path = entry.unwrap().path();
                let module = match path.extension().and_then(|e| e.to_str()) {
                    Some("rs") => path.file_stem(),
                    _ if path.join("mod.rs").is_file() => path.file_name(),
                    _ => None,
                };
                let Some(module) = module.and_then(|m| m.to_str()) else {
                    continue;
                };
                assert!(
                    module == "all" || listed.contains(&format!("\nmod {module};\n")),
                    "{} is not listed as `mod {module};` in {}",
                    path.display(),
                    tests.join("all.rs").display()
                );
                checked += 1;
            }
        }
        assert!(
            checked > 20,
            "only {checked} test files found under {}",
            crates.display()
        );
    }
}
