//! An opened installation: configuration, store and keys, checked against
//! each other.

use crate::AuditEvent;
use sirm_domain::RuleId;
use sirm_ledger::{CryptoProfile, EntryDraft, PublicKey, SigningKey};
use sirm_store::{AppendOutcome, Installation, Role, Store, StoreConfig};

use crate::{AppError, Config, DataDir};

/// Where to find an installation. Command-line flags and environment
/// variables override what `sirm.toml` says.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    pub data_dir: DataDir,
    pub database_url: Option<String>,
    pub database_schema: Option<String>,
    /// Read replicas (`--database-replica-url`); `None`: what `sirm.toml`
    /// says (`[database] replica_urls`).
    pub database_replica_urls: Option<Vec<String>>,
    /// Open although migrations are pending: only `sirm migrate` does, to
    /// sign its operator in before migrating (the sign-in tables keep their
    /// shape across migrations).
    pub pending_migrations_ok: bool,
    /// Opened to sign an operator in before reading only (`sirm verify`):
    /// nothing is appended at open (no `config.change`, no re-sealing), so
    /// a damaged ledger is examined exactly as it was found.
    pub append_nothing_at_open: bool,
}

impl OpenOptions {
    pub fn new(data_dir: impl Into<std::path::PathBuf>) -> Self {
        OpenOptions {
            data_dir: DataDir::new(data_dir),
            database_url: None,
            database_schema: None,
            database_replica_urls: None,
            pending_migrations_ok: false,
            append_nothing_at_open: false,
        }
    }

    /// Flags first, then `sirm.toml`, then the SQLite file in the data directory.
    pub fn store_config(&self, config: Option<&Config>) -> StoreConfig {
        let url = self
            .database_url
            .clone()
            .or_else(|| config.and_then(|c| c.database_url.clone()))
            .unwrap_or_else(|| StoreConfig::sqlite_file(&self.data_dir.sqlite_path()).url);
        let mut cfg = StoreConfig::new(url);
        cfg.pg_schema = self
            .database_schema
            .clone()
            .or_else(|| config.and_then(|c| c.database_schema.clone()));
        cfg
    }
}

/// What the caller needs the keys for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Serve and append: the private signing key must be present and match.
    Sign,
    /// Verify only: the public key file suffices (an auditor's copy).
    Read,
}

/// An opened SIRM installation.
pub struct Sirm {
    pub dir: DataDir,
    pub config: Config,
    pub(crate) store: Store,
    pub installation: Installation,
    pub public_key: PublicKey,
    signing_key: Option<SigningKey>,
    /// Progress of long-running work in this process (uploads, large approvals).
    pub progress: std::sync::Arc<crate::progress::Board>,
    /// The materials archive (directory or S3), built once at open.
    pub(crate) archive: crate::collection::Archive,
    /// Certificate fonts and render slots.
    pub(crate) renderer: std::sync::Arc<crate::certificate::Renderer>,
    /// Anonymous refusals counted per source, written as summaries.
    pub(crate) refusals: crate::identity::refusals::RefusalTally,
    /// Permission denials written per account and minute.
    pub(crate) denials: crate::identity::refusals::DenialBudget,
    /// Alarms raised recently (each kind and source once per period).
    pub(crate) alarm_gate: crate::alarms::AlarmGate,
    /// Persons read per account lately (bulk-read alarms).
    pub(crate) reads: crate::disclosure::volume::ReadWatch,
    /// Key of the opaque handles used in URLs instead of identifiers.
    pub(crate) handles: crate::handles::HandleKey,
    /// The personal-data keys (`keys/index.key`, `keys/kek.key`); `None`
    /// when opened read-only: verification needs no key.
    pub(crate) vault: Option<crate::privacy::Vault>,
    /// Size of the newest checkpoint the agency published beyond what this
    /// installation holds (a restore with data loss): nothing is signed
    /// while the ledger is shorter than it (see [`Sirm::published_floor`]).
    published_floor: Option<u64>,
    /// The installation's rule sets, loaded from the ledger on first use.
    pub(crate) rules: crate::rulesets::RulesCache,
    /// Nonces of signed federation requests seen lately (replay window).
    pub(crate) nonces: crate::transfer::auth::NonceCache,
}

impl Sirm {
    pub async fn open(opts: &OpenOptions, access: Access) -> Result<Sirm, AppError> {
        let config = opts.data_dir.read_config()?;
        if access == Access::Sign {
            let marker = opts.data_dir.root().join(crate::backup::MIGRATED_MARKER);
            if let Ok(text) = std::fs::read_to_string(&marker) {
                return Err(AppError::Config {
                    path: marker,
                    message: format!(
                        "{} Read it (sirm verify, sirm checkpoint); write to the copy.",
                        text.trim()
                    ),
                });
            }
            opts.data_dir.secure()?;
        }
        let profile = CryptoProfile::from_name(&config.profile).map_err(|e| AppError::Config {
            path: opts.data_dir.config_path(),
            message: format!("profile: {e}"),
        })?;
        let (signing_key, public_key) = match access {
            Access::Sign => {
                let k = opts.data_dir.read_signing_key()?;
                let p = k.public_key();
                (Some(k), p)
            }
            Access::Read => (None, opts.data_dir.read_public_key()?),
        };
        if public_key.profile() != profile {
            return Err(AppError::Config {
                path: opts.data_dir.config_path(),
                message: format!(
                    "profile {} does not match the key's profile {}",
                    profile.name(),
                    public_key.profile().name()
                ),
            });
        }
        crate::transfer::peers::check_config(&config, &public_key).map_err(|message| {
            AppError::Config {
                path: opts.data_dir.config_path(),
                message,
            }
        })?;
        // `sirm migrate` signs its operator in as the schema owner: the
        // installation's runtime role may not exist before the migration.
        let role = if opts.pending_migrations_ok {
            Role::Owner
        } else {
            Role::App
        };
        let mut store = Store::connect(&opts.store_config(Some(&config)), role).await?;
        if !opts.pending_migrations_ok {
            store.require_current_schema().await?;
            let urls = opts
                .database_replica_urls
                .clone()
                .unwrap_or_else(|| config.database.replica_urls.clone());
            let max_lag = std::time::Duration::from_secs(config.database.replica_max_lag_seconds);
            store = store
                .with_replicas(&urls, max_lag)
                .map_err(|e| AppError::Config {
                    path: opts.data_dir.config_path(),
                    message: e.to_string(),
                })?;
        }
        let installation = store
            .installation()
            .await?
            .ok_or_else(|| sirm_store::StoreError::NotInitialized(store.url().to_string()))?;
        if access == Access::Sign && installation.public_key != public_key.to_hex() {
            let expected = PublicKey::from_bytes(
                profile,
                &hex::decode(&installation.public_key).unwrap_or_default(),
            )
            .map(|k| k.key_id())
            .unwrap_or_else(|_| "an unreadable key".into());
            return Err(AppError::WrongKey {
                path: opts.data_dir.key_path(),
                found: public_key.key_id(),
                expected,
            });
        }
        let archive = crate::collection::Archive::from_config(
            opts.data_dir.root().join("archive"),
            &config.archive,
        )?;
        let vault = match access {
            Access::Sign => {
                let v = crate::privacy::Vault::load(&opts.data_dir, profile)?;
                crate::privacy::check_registry(&store, &opts.data_dir, &v).await?;
                Some(v)
            }
            Access::Read => None,
        };
        let archive = match &vault {
            Some(v) => archive.with_sealer(crate::privacy::archive_sealer(&store, v).await?),
            None => archive,
        };
        let published_floor = read_published_floor(&opts.data_dir, &public_key)?;
        let sirm = Sirm {
            published_floor,
            dir: opts.data_dir.clone(),
            config,
            store,
            installation,
            public_key,
            signing_key,
            progress: Default::default(),
            archive,
            renderer: Default::default(),
            refusals: Default::default(),
            denials: Default::default(),
            alarm_gate: Default::default(),
            reads: Default::default(),
            handles: Default::default(),
            vault,
            rules: Default::default(),
            nonces: Default::default(),
        };
        // Before migrating, `person_alias` may not exist yet.
        if !opts.pending_migrations_ok {
            sirm.refresh_aliases().await?;
        }
        if access == Access::Sign && !opts.append_nothing_at_open {
            sirm.record_config_change().await?;
            sirm.seal_clear_totp_secrets().await?;
        }
        Ok(sirm)
    }

    /// Configuration that decides who may do what is audited: when
    /// `[security]`, `[review]`, `[queries]`, `[limits]`, `[server]`,
    /// `[alarms]`, `[ivr]` or `[disclosure]` in `sirm.toml`
    /// differs from what the ledger last recorded for it, a `config.change`
    /// security event records the section's new settings (detail
    /// `[section] sha256=… {json}`), one event per changed section.
    async fn record_config_change(&self) -> Result<(), AppError> {
        use sha2::Digest;
        let json = |v: serde_json::Result<String>| v.map_err(|e| AppError::invalid("config", e));
        let sections = [
            (
                "security",
                json(serde_json::to_string(&self.config.security))?,
            ),
            ("review", json(serde_json::to_string(&self.config.review))?),
            (
                "queries",
                json(serde_json::to_string(&self.config.queries))?,
            ),
            ("limits", json(serde_json::to_string(&self.config.limits))?),
            ("server", json(serde_json::to_string(&self.config.server))?),
            ("alarms", json(serde_json::to_string(&self.config.alarms))?),
            ("ivr", json(serde_json::to_string(&self.config.ivr))?),
            (
                "disclosure",
                json(serde_json::to_string(&self.config.disclosure))?,
            ),
        ];
        // Sections added later are recorded from the first time they differ
        // from their defaults (so older ledgers need no entry for them).
        let defaults = [
            (
                "server",
                json(serde_json::to_string(
                    &crate::server::ServerConfig::default(),
                ))?,
            ),
            (
                "alarms",
                json(serde_json::to_string(
                    &crate::alarms::AlarmsConfig::default(),
                ))?,
            ),
            (
                "ivr",
                json(serde_json::to_string(
                    &crate::identity::ivr::IvrConfig::default(),
                ))?,
            ),
            (
                "disclosure",
                json(serde_json::to_string(
                    &crate::config::disclosure::DisclosureConfig::default(),
                ))?,
            ),
        ];
        let recorded = self
            .store
            .security_entries(&sirm_store::AuditFilter {
                kind: Some(sirm_domain::records::kind::SECURITY_EVENT.into()),
                event: Some("config.change".into()),
                limit: 200,
                ..Default::default()
            })
            .await?;
        let details: Vec<String> = recorded
            .iter()
            .filter_map(|e| e.payload_value().ok())
            .filter_map(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_string))
            .collect();
        let mut drafts = Vec::new();
        for (name, snapshot) in sections {
            let hash = hex::encode(sha2::Sha256::digest(snapshot.as_bytes()));
            let head = format!("[{name}] sha256={hash}");
            // Entries come newest first: the first one of this section is in force.
            let last = details
                .iter()
                .find(|d| d.starts_with(&format!("[{name}] ")));
            if last.is_some_and(|d| d.starts_with(&head)) {
                continue;
            }
            if last.is_none() && defaults.iter().any(|(n, d)| *n == name && *d == snapshot) {
                continue;
            }
            drafts.push(
                self.audit_draft(
                    AuditEvent::new("sirm", "sirm.toml", "config.change")
                        .success(format!("{head} {snapshot}"))
                        .long(),
                )?,
            );
        }
        if !drafts.is_empty() {
            self.append(drafts).await?;
        }
        Ok(())
    }

    /// The one append path of the application: a batch of drafts becomes
    /// ledger entries plus one signed checkpoint, atomically.
    /// The agency's signing key, when opened with `Access::Sign`.
    pub(crate) fn signing_key(&self) -> Option<&SigningKey> {
        self.signing_key.as_ref()
    }

    /// The size of the newest published checkpoint this installation lost
    /// (restored with `--accept-data-loss`), if any. Every checkpoint it
    /// could sign would be inconsistent with that published one (the lost
    /// entries cannot be recreated byte for byte), so appends are refused.
    pub fn published_floor(&self) -> Option<u64> {
        self.published_floor
    }

    fn refuse_below_floor(&self) -> Result<(), AppError> {
        match self.published_floor {
            Some(floor) => Err(AppError::forbidden(
                RuleId::PublishedHistory,
                format!(
                    "this installation was restored with data loss: the agency published a checkpoint at entry \
                     {floor}, which this ledger does not reach; a checkpoint signed now would fork the published \
                     history, so nothing is appended (docs/operations.md, \"After a data loss\")"
                ),
            )),
            None => Ok(()),
        }
    }

    pub(crate) async fn append(&self, drafts: Vec<EntryDraft>) -> Result<AppendOutcome, AppError> {
        self.append_with(drafts, None).await
    }

    /// Send read-only work to these PostgreSQL read replicas while their
    /// replay lag is under `max_lag` (what `[database]` in `sirm.toml`
    /// does at open; tests set it here). Empty: none.
    pub fn set_replicas(
        &mut self,
        urls: &[String],
        max_lag: std::time::Duration,
    ) -> Result<(), AppError> {
        self.store = self
            .store
            .clone()
            .with_replicas(urls, max_lag)
            .map_err(|e| AppError::Config {
                path: self.dir.config_path(),
                message: e.to_string(),
            })?;
        Ok(())
    }

    /// After an append: its actors read their own write from the primary
    /// until a replica has replayed it. A failure here costs only that (the
    /// append is committed): it is logged, not returned.
    async fn note_writers(&self, actors: std::collections::BTreeSet<String>) {
        let actors: Vec<&str> = actors.iter().map(String::as_str).collect();
        if let Err(e) = self.store.wrote(&actors).await {
            tracing::warn!(error = %e, "read replicas: cannot note the primary's WAL position");
        }
    }

    /// Stream any number of drafts into the ledger in one transaction.
    pub(crate) async fn append_stream_with<I>(
        &self,
        drafts: I,
        expect: Option<sirm_store::Expect>,
    ) -> Result<AppendOutcome, AppError>
    where
        I: IntoIterator<Item = Result<EntryDraft, sirm_store::StoreError>>,
        I::IntoIter: Send,
    {
        let key = self.append_key()?;
        if !self.store.has_replicas() {
            return self
                .store
                .append_stream(drafts, key, &self.config.origin, expect)
                .await
                .map_err(append_refusal);
        }
        let actors = std::sync::Mutex::new(std::collections::BTreeSet::new());
        let drafts = drafts.into_iter().inspect(|d| {
            if let Ok(d) = d {
                let mut a = actors.lock().unwrap_or_else(|p| p.into_inner());
                a.extend(d.actors.iter().cloned());
            }
        });
        let out = self
            .store
            .append_stream(drafts, key, &self.config.origin, expect)
            .await
            .map_err(append_refusal)?;
        self.note_writers(actors.into_inner().unwrap_or_else(|p| p.into_inner()))
            .await;
        Ok(out)
    }

    /// [`Sirm::append`] with a precondition checked in the same transaction.
    pub(crate) async fn append_with(
        &self,
        drafts: Vec<EntryDraft>,
        expect: Option<sirm_store::Expect>,
    ) -> Result<AppendOutcome, AppError> {
        let key = self.append_key()?;
        let actors: std::collections::BTreeSet<String> = if self.store.has_replicas() {
            drafts
                .iter()
                .flat_map(|d| d.actors.iter().cloned())
                .collect()
        } else {
            Default::default()
        };
        let out = self
            .store
            .append_checked(drafts, key, &self.config.origin, expect)
            .await
            .map_err(append_refusal)?;
        if !actors.is_empty() {
            self.note_writers(actors).await;
        }
        Ok(out)
    }

    /// The signing key, when this instance may append (not read-only, not
    /// below a restore's published floor).
    fn append_key(&self) -> Result<&sirm_ledger::SigningKey, AppError> {
        self.refuse_below_floor()?;
        self.signing_key.as_ref().ok_or_else(|| AppError::Config {
            path: self.dir.key_path(),
            message: "opened read-only: the signing key is needed to append".into(),
        })
    }

    pub fn agency(&self) -> &str {
        &self.config.agency_code
    }
}

/// The published checkpoint a data-loss restore left in the data directory
/// (`published-checkpoint.note`), checked to be this agency's.
fn read_published_floor(dir: &DataDir, key: &PublicKey) -> Result<Option<u64>, AppError> {
    let path = dir.root().join(crate::backup::PUBLISHED_NOTE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AppError::File {
                path,
                message: e.to_string(),
            })
        }
    };
    let cp = sirm_ledger::SignedCheckpoint::from_note(&text)
        .and_then(|cp| cp.verify(key).map(|()| cp))
        .map_err(|e| AppError::File {
            path,
            message: format!("not a checkpoint signed by this agency: {e}"),
        })?;
    Ok(Some(cp.checkpoint.tree_size))
}

/// A store refusal of an append as the user is told it: a precondition that
/// no longer holds (someone acted first), or the last administrator.
fn append_refusal(e: sirm_store::StoreError) -> AppError {
    match e {
        sirm_store::StoreError::Stale(m) => AppError::conflict_by(RuleId::StaleView, m),
        sirm_store::StoreError::LastHolder(m) => AppError::forbidden(RuleId::LastAdministrator, m),
        other => other.into(),
    }
}
