//! Collection and review (Art 5–7, 11–13): business transactions taken at
//! the front desk with their original materials, passed through the review
//! chain, and — on the last approval — written to the ledger together with
//! the decision, atomically, or not at all.
//!
//! Raw data only: forms carry what was collected (names, dates, addresses);
//! nothing computed can be entered. Every ledger entry an application writes
//! names the application and the responsible person of each stage, which
//! makes the ledger the maintenance log of Art 12.
//!
//! Each business type is a module in `business/` behind one trait, listed
//! in `registry.rs`; `submit`, `approval`, `queue` and `maintenance` are
//! the same for all of them (ARCHITECTURE.md, "How to add a business type").

mod approval;
pub mod archive;
pub mod archive_seal;
mod business;
/// For the demo: pick persons whose claims the checks will accept.
pub(crate) use business::claims::{ensure_relation, Insurance};
pub(crate) use business::injury_pay::payments_of as injury_payments_of;
mod csv_rows;
mod csv_text;
pub mod declaration_file;
pub mod declaration_online;
mod maintenance;
mod prepared;
mod queue;
mod registry;
mod submit;
pub mod xlsx;

pub use archive::Archive;
pub use business::benefits::benefit_of_record;
pub(crate) use business::disclosure::items_of as disclosure_items_of;
pub use business::medical::SettlementReport;
pub use business::pension_life::AdjustmentPreviewLine;
pub use maintenance::{LogEntry, LogFilter, LogPage, DEFAULT_PAGE as LOG_PAGE};
pub use prepared::PreparedView;
pub use queue::{outcome, ApplicationView};
pub(crate) use registry::validate as validate_business;
pub use registry::{taker_of, BusinessType};

impl crate::Sirm {
    pub fn archive(&self) -> Archive {
        self.archive.clone()
    }
}
