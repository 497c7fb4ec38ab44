//! The data directory: configuration, keys, and (by default) the SQLite file.
//!
//! ```text
//! sirm-data/
//!   sirm.toml                 configuration (origin, agency, database)
//!   sirm.db                   SQLite database (default engine)
//!   keys/checkpoint.key       agency signing key (mode 0600; never in the database)
//!   keys/checkpoint.pub       its public key (what auditors verify against)
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sirm_domain::access::PolicyProfile;
use sirm_ledger::{PublicKey, SigningKey};

use crate::AppError;

/// The data format this build reads and writes (see [`Config::format`]).
pub const DATA_FORMAT: u32 = 3;

#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
}

/// `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Data format of the installation: 2 since personal data is sealed
    /// and persons are named by blind index (`docs/privacy.md`), 3 since
    /// checkpoints are C2SP signed notes (`docs/witness.md`). Absent in
    /// directories of format 1; this SIRM refuses every format but 3.
    #[serde(default)]
    pub format: u32,
    /// Names this ledger in checkpoints, e.g. `sirm:110105`.
    pub origin: String,
    pub agency_code: String,
    pub agency_name: String,
    /// Hash and signature profile of the ledger (`sha256-ed25519`).
    pub profile: String,
    /// Created by `sirm demo`: accepts rule sets of invented demo figures
    /// (`rule_set.demo = true`), which every other installation refuses. A
    /// change of this file is recorded in the ledger (`config.change`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
    /// Database URL; absent means the SQLite file in the data directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// PostgreSQL schema; absent means the connection's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_schema: Option<String>,
    /// Read replicas of a PostgreSQL primary (`[database]`, docs/scaling.md).
    #[serde(default, skip_serializing_if = "is_default_database")]
    pub database: crate::config::database::DatabaseConfig,
    /// Security settings (password policy, second factor, sessions).
    #[serde(default)]
    pub security: SecurityConfig,
    /// Review chain per business type, e.g. `"person.change" = ["preliminary", "review", "approval"]`.
    /// A business type not listed needs all four stages.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub review: std::collections::BTreeMap<String, sirm_domain::review::Chain>,
    /// Queryable content per channel and requester (Art 14), e.g.
    /// `[queries.telephone] self = ["contributions", "account"]`. Absent
    /// entries use the defaults in docs/queries.md.
    #[serde(default, skip_serializing_if = "is_default_queries")]
    pub queries: crate::config::query::QueryConfig,
    /// Where original materials are kept (directory by default, or S3).
    #[serde(default, skip_serializing_if = "is_default_archive")]
    pub archive: crate::collection::archive::ArchiveConfig,
    /// Certificates (Art 15): public address for verification, fonts.
    #[serde(default, skip_serializing_if = "is_default_certificates")]
    pub certificates: crate::config::certificate::CertificateConfig,
    /// Body sizes, workbook caps and per-source rate limits (`docs/security.md`).
    #[serde(default, skip_serializing_if = "is_default_limits")]
    pub limits: crate::limits::LimitsConfig,
    /// Backup recipients, destinations and schedule (`docs/operations.md`).
    #[serde(default, skip_serializing_if = "is_default_backup")]
    pub backup: crate::backup::BackupConfig,
    /// Scheduled readability checks (`docs/operations.md`).
    #[serde(default, skip_serializing_if = "is_default_operations")]
    pub operations: crate::backup::OperationsConfig,
    /// Witnesses the checkpoints are submitted to (`[[witness]]`, docs/witness.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witness: Vec<crate::witness::client::WitnessConfig>,
    /// TLS, trusted proxies and management networks (`[server]`, docs/mlps-level3.md).
    #[serde(default, skip_serializing_if = "is_default_server")]
    pub server: crate::server::ServerConfig,
    /// Where alarms go besides the workbench (`[alarms]`, docs/mlps-level3.md).
    #[serde(default, skip_serializing_if = "is_default_alarms")]
    pub alarms: crate::alarms::AlarmsConfig,
    /// The telephone (IVR) systems allowed to call `/api/v1/ivr/summary`
    /// (`[ivr] clients`, SHA-256 of each client's credential).
    #[serde(default, skip_serializing_if = "is_default_ivr")]
    pub ivr: crate::config::ivr::IvrConfig,
    /// Organs and their prescribed scopes, volume alarms, thresholds of
    /// statistics and de-identified extracts (`[disclosure]`, docs/disclosure.md).
    #[serde(default, skip_serializing_if = "is_default_disclosure")]
    pub disclosure: crate::config::disclosure::DisclosureConfig,
    /// Public holidays and adjusted working days (`[calendar]`, docs/objections.md).
    #[serde(default, skip_serializing_if = "is_default_calendar")]
    pub calendar: crate::config::calendar::CalendarConfig,
    /// Objections' deadline and bounds (`[objections]`, docs/objections.md).
    #[serde(default, skip_serializing_if = "is_default_objections")]
    pub objections: crate::config::objections::ObjectionsConfig,
    /// Matching of other departments' files (`[crosscheck]`, docs/crosscheck.md).
    #[serde(default, skip_serializing_if = "is_default_crosscheck")]
    pub crosscheck: crate::config::crosscheck::CrosscheckConfig,
    /// How this installation names itself to peers (`[federation]`, docs/transfer.md).
    #[serde(default, skip_serializing_if = "is_default_federation")]
    pub federation: crate::config::federation::FederationConfig,
    /// Other agencies' installations known as peers (`[[peers]]`, docs/transfer.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<crate::config::federation::PeerConfig>,
}

fn is_default_database(d: &crate::config::database::DatabaseConfig) -> bool {
    *d == crate::config::database::DatabaseConfig::default()
}

fn is_default_federation(f: &crate::config::federation::FederationConfig) -> bool {
    *f == crate::config::federation::FederationConfig::default()
}

fn is_default_calendar(c: &crate::config::calendar::CalendarConfig) -> bool {
    *c == crate::config::calendar::CalendarConfig::default()
}

fn is_default_objections(o: &crate::config::objections::ObjectionsConfig) -> bool {
    *o == crate::config::objections::ObjectionsConfig::default()
}

fn is_default_crosscheck(c: &crate::config::crosscheck::CrosscheckConfig) -> bool {
    *c == crate::config::crosscheck::CrosscheckConfig::default()
}

fn is_default_disclosure(d: &crate::config::disclosure::DisclosureConfig) -> bool {
    *d == crate::config::disclosure::DisclosureConfig::default()
}

fn is_default_ivr(i: &crate::config::ivr::IvrConfig) -> bool {
    i.clients.is_empty()
}

fn is_default_alarms(a: &crate::alarms::AlarmsConfig) -> bool {
    *a == crate::alarms::AlarmsConfig::default()
}

fn is_default_server(s: &crate::server::ServerConfig) -> bool {
    *s == crate::server::ServerConfig::default()
}

fn is_default_operations(o: &crate::backup::OperationsConfig) -> bool {
    *o == crate::backup::OperationsConfig::default()
}

fn is_default_backup(b: &crate::backup::BackupConfig) -> bool {
    *b == crate::backup::BackupConfig::default()
}

fn is_default_limits(l: &crate::limits::LimitsConfig) -> bool {
    *l == crate::limits::LimitsConfig::default()
}

fn is_default_certificates(c: &crate::config::certificate::CertificateConfig) -> bool {
    *c == crate::config::certificate::CertificateConfig::default()
}

fn is_default_archive(a: &crate::collection::archive::ArchiveConfig) -> bool {
    *a == crate::collection::archive::ArchiveConfig::default()
}

fn is_default_queries(q: &crate::config::query::QueryConfig) -> bool {
    q.0.is_empty()
}

/// `[security]` in `sirm.toml`. Changes are recorded as `config.change`
/// security events when the server starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// `gb22239-l3` (default) or `asvs`.
    pub password_profile: PolicyProfile,
    /// Require a second factor for every staff account, not only
    /// administrators (on by default for new installations).
    pub second_factor_for_staff: bool,
    /// Sign out after this many idle minutes.
    pub idle_timeout_minutes: u32,
    /// Sign out after this many hours whatever happens.
    pub session_lifetime_hours: u32,
    /// Mark the session cookie `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// A staff account not signed in for this many days is disabled
    /// (locked, recorded) at its next sign-in; 0 turns it off. An unlock
    /// by the system administrator starts the period again.
    pub inactive_days: u32,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            password_profile: PolicyProfile::Gb22239L3,
            second_factor_for_staff: true,
            idle_timeout_minutes: 30,
            session_lifetime_hours: 12,
            secure_cookies: false,
            inactive_days: 90,
        }
    }
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A TOML error with the line it is on, so the setting is named even when
/// the parser's message does not (e.g. a malformed address range).
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let Some(span) = e.span() else {
        return e.message().to_string();
    };
    let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
    // A URL with credentials (database, webhook) is not repeated.
    let shown = if line.contains("://") || line.to_ascii_lowercase().contains("secret") {
        line.split('=').next().unwrap_or("").trim().to_string() + " = …"
    } else {
        line.to_string()
    };
    format!("{} (line {line_no}: `{shown}`)", e.message())
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join("sirm.toml")
    }
    pub fn sqlite_path(&self) -> PathBuf {
        self.root.join("sirm.db")
    }
    pub fn key_path(&self) -> PathBuf {
        self.root.join("keys").join("checkpoint.key")
    }
    pub fn public_key_path(&self) -> PathBuf {
        self.root.join("keys").join("checkpoint.pub")
    }
    /// The blind-index key (docs/privacy.md).
    pub fn index_key_path(&self) -> PathBuf {
        self.root.join("keys").join("index.key")
    }
    /// The key-encryption keys, current first (docs/privacy.md).
    pub fn kek_path(&self) -> PathBuf {
        self.root.join("keys").join("kek.key")
    }
    pub fn is_installed(&self) -> bool {
        self.config_path().exists()
    }

    /// Owner-only access: the data directory, its `keys/` and `archive/`
    /// 0700, the configuration and the SQLite files 0600 (security issue
    /// item 15). Run at `init` and whenever the installation is opened to
    /// serve or append, so a copied or restored directory is tightened too.
    pub fn secure(&self) -> Result<(), AppError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let set = |p: &Path, mode: u32| -> Result<(), AppError> {
                match std::fs::metadata(p) {
                    Ok(m) if m.permissions().mode() & 0o777 != mode => {
                        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
                            .map_err(|e| file_err(p, e))
                    }
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(file_err(p, e)),
                }
            };
            for d in [
                self.root.clone(),
                self.root.join("keys"),
                self.root.join("archive"),
            ] {
                set(&d, 0o700)?;
            }
            let db = self.sqlite_path();
            for f in [
                self.config_path(),
                self.key_path(),
                self.index_key_path(),
                self.kek_path(),
                db.clone(),
                db.with_extension("db-wal"),
                db.with_extension("db-shm"),
                db.with_extension("db-journal"),
            ] {
                set(&f, 0o600)?;
            }
        }
        Ok(())
    }

    pub fn read_config(&self) -> Result<Config, AppError> {
        let path = self.config_path();
        if !path.exists() {
            return Err(AppError::NotInstalled(self.root.clone()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| file_err(&path, e))?;
        let cfg: Config = toml::from_str(&text).map_err(|e| AppError::Config {
            path: path.clone(),
            message: toml_message(&text, &e),
        })?;
        if cfg.format != DATA_FORMAT {
            let what = match cfg.format {
                0 | 1 => "identities in clear",
                2 => "checkpoints signed in the pre-C2SP note format",
                _ => "unknown to this SIRM",
            };
            return Err(AppError::Config {
                path,
                message: format!(
                    "data directory format {} ({what}); this SIRM reads format {DATA_FORMAT} only \
                     (personal data sealed, persons named by blind index, checkpoints as C2SP signed notes). \
                     No upgrade exists: create a new installation with `sirm init` (docs/privacy.md, docs/witness.md)",
                    cfg.format.max(1)
                ),
            });
        }
        cfg.limits.check().map_err(|message| AppError::Config {
            path: path.clone(),
            message,
        })?;
        cfg.crosscheck.check().map_err(|message| AppError::Config {
            path: path.clone(),
            message,
        })?;
        cfg.server.check().map_err(|e| AppError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        cfg.calendar.calendar().map_err(|e| AppError::Config {
            path,
            message: format!("[calendar]: {e}"),
        })?;
        Ok(cfg)
    }

    pub fn write_config(&self, cfg: &Config) -> Result<(), AppError> {
        let path = self.config_path();
        let text = toml::to_string_pretty(cfg).map_err(|e| file_err(&path, e))?;
        let body = format!("# SIRM installation. Created by `sirm init`; edit with care.\n{text}");
        write_new(&path, body.as_bytes(), 0o600)
    }

    pub fn read_signing_key(&self) -> Result<SigningKey, AppError> {
        let path = self.key_path();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                file_err(&path, "signing key file is missing")
            } else {
                file_err(&path, e)
            }
        })?;
        SigningKey::from_file_text(&text).map_err(|e| file_err(&path, e))
    }

    pub fn read_public_key(&self) -> Result<PublicKey, AppError> {
        read_public_key_file(&self.public_key_path())
    }

    /// Write a new key pair; refuses to overwrite an existing key.
    pub fn write_keys(&self, key: &SigningKey) -> Result<(), AppError> {
        write_new(&self.key_path(), key.to_file_text().as_bytes(), 0o600)?;
        write_new(
            &self.public_key_path(),
            key.public_key().to_text().as_bytes(),
            0o644,
        )
    }
}

pub fn read_public_key_file(path: &Path) -> Result<PublicKey, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e))?;
    PublicKey::from_text(&text).map_err(|e| file_err(path, e))
}

/// Create a secret file (mode 0600) that must not exist yet: key files,
/// backup identities, witness keys.
pub fn write_new_secret(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    write_new(path, bytes, 0o600)
}

/// Create a file that must not exist yet, with the given Unix mode.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), AppError> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(path).map_err(|e| file_err(path, e))?;
    f.write_all(bytes).map_err(|e| file_err(path, e))?;
    f.sync_all().map_err(|e| file_err(path, e))
}
