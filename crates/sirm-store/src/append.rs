//! THE append path: sequence numbers, entries, stored tree nodes, the
//! projection updates and one signed checkpoint, in one transaction.

use chrono::Utc;
use sirm_ledger::{Checkpoint, Entry, EntryDraft, Frontier, SignedCheckpoint, SigningKey};

use crate::engine::{self, Engine};
use crate::ledger_rows::{i64_of, insert_entries_sql, select_checkpoints, time_of, u64_in};
use crate::projection;
use crate::rows::TableRow as _;
use crate::tree;
use crate::CheckpointRow;
use crate::{Store, StoreError};

/// Rows per multi-row INSERT statement (10 binds each; well under both
/// engines' parameter limits).
const ROWS_PER_STATEMENT: usize = 1000;
/// Entries held in memory at once by [`Store::append_stream`].
const STREAM_CHUNK: usize = 10_000;
/// SQLite page cache for a bulk append (256 MiB; lazily allocated).
const BULK_CACHE_PRAGMA: &str = "PRAGMA cache_size = -262144";
/// SQLite's default page cache (2 MB), restored after a bulk append.
const DEFAULT_CACHE_PRAGMA: &str = "PRAGMA cache_size = -2000";

/// A precondition of [`Store::append_checked`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The application's projection row still has this `last_seq`.
    ApplicationAt { id: String, last_seq: i64 },
    /// Each of these roles is held by at least one active account other
    /// than `username` (rule `last-administrator`), checked inside the
    /// append's serialized transaction so two concurrent locks or
    /// revocations cannot both pass.
    OtherActiveHolders {
        username: String,
        roles: Vec<String>,
    },
    /// The disclosure grant has made exactly `uses_made` uses, and that is
    /// fewer than it allows: two reads racing for the last use cannot both
    /// pass (the second finds the count moved on).
    GrantUses { grant_id: String, uses_made: i64 },
    /// The objection's row still has this `last_seq` (nobody linked or
    /// answered it meanwhile) and, when named, the application it is being
    /// linked to still has its `last_seq` (not decided meanwhile).
    ObjectionAt {
        number: String,
        last_seq: i64,
        application: Option<(String, i64)>,
    },
    /// The discrepancy's row still has this status and `resolved_seq`:
    /// two officers resolving it, or two answers to its question, cannot
    /// both pass.
    DiscrepancyAt {
        id: String,
        status: String,
        resolved_seq: i64,
    },
    /// No entry of `kind` about `subject` exists yet (e.g. a prepared
    /// application not closed meanwhile: two takes cannot both pass).
    NoEntry { subject: String, kind: String },
}

/// Result of one batched append.
#[derive(Clone, Debug)]
pub struct AppendOutcome {
    pub first_seq: u64,
    pub last_seq: u64,
    pub checkpoint: SignedCheckpoint,
}

impl Store {
    /// THE append path. Assigns sequence numbers, writes the entries, one new
    /// signed checkpoint and the projection updates in one transaction.
    /// Either all of `drafts` is in the ledger afterwards, or none of it.
    pub async fn append(
        &self,
        drafts: Vec<EntryDraft>,
        key: &SigningKey,
        origin: &str,
    ) -> Result<AppendOutcome, StoreError> {
        self.append_checked(drafts, key, origin, None).await
    }

    /// [`Store::append`] with a precondition checked inside the same
    /// transaction (optimistic concurrency: two reviewers deciding the same
    /// stage at once — the second finds the application moved on).
    pub async fn append_checked(
        &self,
        drafts: Vec<EntryDraft>,
        key: &SigningKey,
        origin: &str,
        expect: Option<Expect>,
    ) -> Result<AppendOutcome, StoreError> {
        self.append_stream(drafts.into_iter().map(Ok), key, origin, expect)
            .await
    }

    /// The append path for any number of entries: drafts are pulled from
    /// `drafts` a chunk at a time (memory stays bounded by the chunk), all in
    /// ONE transaction with one signed checkpoint at the end — a million
    /// contributions of one approved declaration are in the ledger together,
    /// or not at all. An `Err` from the iterator aborts everything.
    pub async fn append_stream<I>(
        &self,
        drafts: I,
        key: &SigningKey,
        origin: &str,
        expect: Option<Expect>,
    ) -> Result<AppendOutcome, StoreError>
    where
        I: IntoIterator<Item = Result<EntryDraft, StoreError>>,
        I::IntoIter: Send,
    {
        let mut drafts = drafts.into_iter();
        let profile = key.profile();
        let _serial = self.append_lock.lock().await;
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        self.lock_appends(&mut tx).await?;
        if let Some(Expect::OtherActiveHolders { username, roles }) = &expect {
            for role in roles {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM account_role r JOIN account a ON a.username = r.username \
                     WHERE r.role = $1 AND r.username <> $2 AND a.status = 'active'",
                )
                .bind(role)
                .bind(username)
                .fetch_one(&mut *tx)
                .await?;
                if n == 0 {
                    return Err(StoreError::LastHolder(format!(
                        "{username} is the last active {role}; grant the role to another person first"
                    )));
                }
            }
        }
        if let Some(Expect::ApplicationAt { id, last_seq }) = &expect {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT last_seq FROM application WHERE application_id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found != Some(*last_seq) {
                return Err(StoreError::Stale(format!(
                    "application {id} changed while you were looking at it; reload it"
                )));
            }
        }
        if let Some(Expect::GrantUses {
            grant_id,
            uses_made,
        }) = &expect
        {
            let found: Option<(i64, i64)> = sqlx::query_as(
                "SELECT uses_made, uses_allowed FROM disclosure_grant WHERE grant_id = $1",
            )
            .bind(grant_id)
            .fetch_optional(&mut *tx)
            .await?;
            if !matches!(found, Some((made, allowed)) if made == *uses_made && made < allowed) {
                return Err(StoreError::Stale(format!(
                    "grant {grant_id} was used meanwhile; read it again"
                )));
            }
        }
        if let Some(Expect::ObjectionAt {
            number,
            last_seq,
            application,
        }) = &expect
        {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT last_seq FROM objection WHERE number = $1")
                    .bind(number)
                    .fetch_optional(&mut *tx)
                    .await?;
            let app_ok = match application {
                None => true,
                Some((id, at)) => {
                    let seen: Option<i64> = sqlx::query_scalar(
                        "SELECT last_seq FROM application WHERE application_id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    seen == Some(*at)
                }
            };
            if found != Some(*last_seq) || !app_ok {
                return Err(StoreError::Stale(format!(
                    "objection {number} changed while you were looking at it; reload it"
                )));
            }
        }
        if let Some(Expect::DiscrepancyAt {
            id,
            status,
            resolved_seq,
        }) = &expect
        {
            let found: Option<(String, i64)> = sqlx::query_as(
                "SELECT status, resolved_seq FROM crosscheck_discrepancy WHERE discrepancy_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if found.as_ref() != Some(&(status.clone(), *resolved_seq)) {
                return Err(StoreError::Stale(format!(
                    "discrepancy {id} changed while you were looking at it; reload it"
                )));
            }
        }
        if let Some(Expect::NoEntry { subject, kind }) = &expect {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM ledger_entry WHERE subject = $1 AND kind = $2 LIMIT 1",
            )
            .bind(subject)
            .bind(kind)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_some() {
                return Err(StoreError::Stale(format!(
                    "{subject} changed while you were looking at it ({kind}); reload it"
                )));
            }
        }
        let head = sqlx::query(&select_checkpoints("ORDER BY tree_size DESC LIMIT 1"))
            .fetch_optional(&mut *tx)
            .await?;
        let (frontier, min_time) = match &head {
            None => (Frontier::new(), i64::MIN),
            Some(r) => {
                let (cp, fbytes) = CheckpointRow::from_row(r)?.signed()?;
                let f = Frontier::from_bytes(cp.checkpoint.tree_size, &fbytes).map_err(|e| {
                    StoreError::Inconsistent(format!("head checkpoint frontier: {e}"))
                })?;
                (f, cp.checkpoint.time.timestamp_micros())
            }
        };
        let max_seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM ledger_entry")
            .fetch_one(&mut *tx)
            .await?;
        if u64_in(max_seq.unwrap_or(0), "ledger_entry", "seq")? != frontier.size() {
            return Err(StoreError::Inconsistent(format!(
                "last entry is {} but the last signed checkpoint covers {}",
                max_seq.unwrap_or(0),
                frontier.size()
            )));
        }
        // The stored tree state covers the ledger so far (it lags only after
        // an upgrade whose catch-up was interrupted).
        tree::catch_up(
            &mut tx,
            self.engine,
            profile,
            frontier.size(),
            tree::CATCH_UP_CHUNK,
        )
        .await?;
        let first_seq = frontier.size() + 1;
        let mut prep = Prepare {
            drafts: &mut drafts,
            profile,
            frontier,
            min_time,
            first_seq,
            index: 0,
        };
        // Each chunk is written while the next is prepared (entries built,
        // payloads checked, leaves hashed, the tree advanced): the database
        // works on its own thread or server meanwhile.
        let mut next = prep.chunk().await?;
        let mut chunks = 0usize;
        let mut big_cache = false;
        while !next.entries.is_empty() {
            if chunks == 1 && self.engine == Engine::Sqlite {
                // A bulk append (an approved declaration): persons are keyed
                // by blind index, so their rows land on pages all over the
                // indexes; with SQLite's default 2 MB page cache nearly every
                // row would touch a page not in memory. Reset before commit.
                sqlx::query(BULK_CACHE_PRAGMA).execute(&mut *tx).await?;
                big_cache = true;
            }
            let (written, following) =
                futures::join!(write_chunk(&mut tx, self.engine, &next), prep.chunk());
            written?;
            next = following?;
            chunks += 1;
        }
        let (frontier, min_time) = (prep.frontier, prep.min_time);
        if prep.index == 0 {
            return Err(StoreError::Inconsistent("empty batch".into()));
        }
        if big_cache {
            sqlx::query(DEFAULT_CACHE_PRAGMA).execute(&mut *tx).await?;
        }
        let now = Utc::now().timestamp_micros().max(min_time);
        let checkpoint = SignedCheckpoint::sign(
            Checkpoint {
                origin: origin.to_string(),
                tree_size: frontier.size(),
                root: frontier.root(profile),
                time: time_of(now)?,
            },
            key,
        );
        sqlx::query(
            "INSERT INTO ledger_checkpoint (tree_size, time_us, origin, root, frontier, profile, key_id, signature) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(i64_of(checkpoint.checkpoint.tree_size))
        .bind(now)
        .bind(origin)
        .bind(checkpoint.checkpoint.root.to_vec())
        .bind(frontier.to_bytes())
        .bind(profile.name())
        .bind(checkpoint.key_id.as_str())
        .bind(checkpoint.signature.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AppendOutcome {
            first_seq,
            last_seq: frontier.size(),
            checkpoint,
        })
    }
}

/// The entries of one chunk of [`Store::append_stream`], with their leaf
/// hashes and the stored tree nodes their pushes completed.
struct Chunk {
    entries: Vec<Entry>,
    leaves: Vec<sirm_ledger::Digest>,
    nodes: Vec<(sirm_ledger::Subtree, sirm_ledger::Digest)>,
}

/// Turns drafts into entries a chunk at a time, in ledger order: sequence
/// numbers, times that never go backwards, payloads checked, leaves hashed
/// and pushed onto the frontier.
struct Prepare<'a, I> {
    drafts: &'a mut I,
    profile: sirm_ledger::CryptoProfile,
    frontier: Frontier,
    min_time: i64,
    first_seq: u64,
    index: usize,
}

/// Entries prepared between two yields to the chunk being written.
const PREPARE_SLICE: usize = 500;

impl<I: Iterator<Item = Result<EntryDraft, StoreError>>> Prepare<'_, I> {
    /// The next chunk (empty at the end). Yields every few hundred entries
    /// so that the write of the previous chunk, polled beside it, moves on.
    async fn chunk(&mut self) -> Result<Chunk, StoreError> {
        let mut c = Chunk {
            entries: Vec::with_capacity(STREAM_CHUNK),
            leaves: Vec::with_capacity(STREAM_CHUNK),
            nodes: Vec::new(),
        };
        while c.entries.len() < STREAM_CHUNK {
            let Some(next) = self.drafts.next() else {
                break;
            };
            let mut draft = next?;
            // Ledger time never goes backwards, whatever the wall clock does.
            if draft.time.timestamp_micros() < self.min_time {
                draft.time = time_of(self.min_time)?;
            }
            let index = self.index;
            let entry = Entry::from_draft(self.first_seq + index as u64, draft)
                .map_err(|source| StoreError::InvalidEntry { index, source })?;
            projection::check_payload(&entry)?;
            self.min_time = entry.time_micros();
            let leaf = entry.leaf_hash(self.profile);
            self.frontier
                .push_with(self.profile, leaf, tree::keep_stored(&mut c.nodes));
            c.leaves.push(leaf);
            c.entries.push(entry);
            self.index += 1;
            if c.entries.len().is_multiple_of(PREPARE_SLICE) {
                tokio::task::yield_now().await;
            }
        }
        Ok(c)
    }
}

/// Write one chunk: its entries, its tree nodes, its projection updates.
async fn write_chunk(
    tx: &mut sqlx::AnyConnection,
    engine: Engine,
    c: &Chunk,
) -> Result<(), StoreError> {
    for (chunk, leaf_chunk) in c
        .entries
        .chunks(ROWS_PER_STATEMENT)
        .zip(c.leaves.chunks(ROWS_PER_STATEMENT))
    {
        let sql = insert_entries_sql(engine, chunk.len());
        let mut q = sqlx::query(&sql);
        for (e, leaf) in chunk.iter().zip(leaf_chunk) {
            q = q
                .bind(i64_of(e.seq))
                .bind(e.time_micros())
                .bind(e.agency.as_str())
                .bind(e.stream.as_str())
                .bind(e.kind.as_str())
                .bind(e.subject.as_str())
                .bind(e.application.as_deref())
                .bind(e.actors_json())
                .bind(e.payload.as_str())
                .bind(leaf.to_vec());
        }
        q.execute(&mut *tx).await?;
    }
    tree::insert_nodes(tx, engine, &c.nodes).await?;
    projection::apply_all(tx, engine, &c.entries).await
}
