//! ID-number aliases: the one place a blind index is resolved to the blind
//! index its person is kept under (docs/crosscheck.md "Applying an ID
//! change").
//!
//! A person keeps the blind index they were registered under for ever
//! (every projection, subject and data key is named by it). An approved
//! `person.id_changed` adds the new number's blind index to `person_alias`.
//! Each process holds the table in memory (it is small: one row per
//! change) so that [`super::Vault::person_key`] and [`super::Keyer`] stay
//! synchronous, and reloads it when the table moved:
//!
//! * at open (every CLI command is a fresh process);
//! * before a web request (`sirm-web` `routes::guard`), at most every
//!   [`ALIAS_CHECK_INTERVAL`] — one cheap `COUNT(*), MAX(seq)` of
//!   `person_alias` — so a change approved by another server process on the
//!   same database is seen within that interval, without a restart, and
//!   the person-record hot path does not pay a query per request;
//! * before a streamed job takes its keyer (declaration files, cross-check
//!   imports) and after this process appends an ID change.
//!
//! Checks that decide whether a number is free (registration, an ID
//! change) read the table itself (`Store::alias_target`), never only this
//! copy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sirm_domain::id::PersonKey;

use crate::{AppError, Sirm};

#[derive(Default)]
struct Snapshot {
    /// `(COUNT(*), MAX(seq))` of `person_alias` when loaded.
    mark: Option<(i64, i64)>,
    map: HashMap<PersonKey, PersonKey>,
}

/// How stale another process's ID change may be in a web request.
pub const ALIAS_CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// The aliases of one process, shared by the vault and its keyers.
#[derive(Clone, Default)]
pub struct AliasCell(Arc<RwLock<Snapshot>>, Arc<AtomicI64>);

impl AliasCell {
    /// `pk` itself, or the person it is an alias of.
    pub fn resolve(&self, pk: PersonKey) -> PersonKey {
        let snap = self.0.read().unwrap_or_else(|e| e.into_inner());
        match snap.map.get(&pk) {
            Some(canonical) => canonical.clone(),
            None => pk,
        }
    }

    fn mark(&self) -> Option<(i64, i64)> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).mark
    }

    fn replace(&self, mark: (i64, i64), map: HashMap<PersonKey, PersonKey>) {
        let mut snap = self.0.write().unwrap_or_else(|e| e.into_inner());
        *snap = Snapshot {
            mark: Some(mark),
            map,
        };
    }
}

impl Sirm {
    /// [`Sirm::refresh_aliases`] unless this process checked less than
    /// [`ALIAS_CHECK_INTERVAL`] ago (what every web request calls).
    pub async fn refresh_aliases_if_due(&self) -> Result<(), AppError> {
        let Some(vault) = self.vault.as_ref() else {
            return Ok(());
        };
        let now = chrono::Utc::now().timestamp_micros();
        let last = &vault.aliases().1;
        let seen = last.load(Ordering::Relaxed);
        let interval = ALIAS_CHECK_INTERVAL.as_micros() as i64;
        if now.saturating_sub(seen) < interval
            || last
                .compare_exchange(seen, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            // Checked recently, or another request is checking right now.
            return Ok(());
        }
        self.refresh_aliases().await
    }

    /// Reload the aliases if `person_alias` moved since they were loaded
    /// (one small query when it did not). Without keys, nothing to do.
    pub async fn refresh_aliases(&self) -> Result<(), AppError> {
        let Some(vault) = self.vault.as_ref() else {
            return Ok(());
        };
        let cell = vault.aliases();
        let mark = self.store.person_alias_mark().await?;
        if cell.mark() == Some(mark) {
            return Ok(());
        }
        let mut map = HashMap::new();
        for (alias, person) in self.store.person_aliases().await? {
            let parse = |s: &str| {
                s.parse::<PersonKey>()
                    .map_err(|e| AppError::conflict(format!("person_alias: {e}")))
            };
            map.insert(parse(&alias)?, parse(&person)?);
        }
        cell.replace(mark, map);
        Ok(())
    }
}
