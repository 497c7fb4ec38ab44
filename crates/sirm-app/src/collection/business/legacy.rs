//! 历史数据迁移 (`legacy.migration`, Art 9(4), docs/migration.md): one
//! application per legacy export, its files archived; checked whole at the
//! counter and again at approval, whose entries are streamed in one
//! transaction (`legacy/stream.rs`): all of the export or none of it.

use sirm_ledger::EntryDraft;

use super::{Business, DraftStream};
use crate::identity::Principal;
use crate::legacy::LegacyMigration;
use crate::{AppError, Sirm};

/// 历史数据迁移.
pub(crate) struct Migration;

impl Business for Migration {
    const NAME_ZH: &'static str = "历史数据迁移";
    type Data = LegacyMigration;

    /// The raw data names no person (counts, hashes, line numbers).
    async fn protect(_: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        Ok(data)
    }

    async fn check(sirm: &Sirm, who: &Principal, d: &LegacyMigration) -> Result<(), AppError> {
        sirm.check_migration(who, d).await.map(drop)
    }

    /// Streamed at approval (see [`Business::on_approval`]).
    async fn drafts(_: &Sirm, _: &LegacyMigration, _: &str) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![])
    }

    fn subject(d: &LegacyMigration, _: &[EntryDraft]) -> String {
        crate::legacy::subject_of(&d.manifest_sha256)
    }

    async fn on_approval(
        sirm: &Sirm,
        who: &Principal,
        d: &LegacyMigration,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        Ok(Some(
            sirm.migration_stream(who, d, application, actors).await?,
        ))
    }
}
