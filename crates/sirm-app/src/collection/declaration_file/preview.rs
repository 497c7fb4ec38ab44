//! What approving a declaration file writes, for the reviewer (批准后写入
//! 账本的内容): the archived file read once more with today's roster and
//! rule set, every accepted row computed (nothing written): the totals per
//! insurance type (employer and employee part), the first rows as a
//! sample, and the rejected rows with the field and value refused.

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::records::DeclarationFile;
use sirm_domain::rules::engine::MonthAmounts;

use super::FileDrafts;
use crate::collection::business::paid_months::{plus, zero};
use crate::{AppError, Sirm};

/// Rows shown as a sample.
pub const SAMPLE_ROWS: usize = 10;
/// Rejected rows shown with their values.
pub const REJECTED_SHOWN: usize = 200;

/// The computed figures of a declaration file.
#[derive(Clone, Debug, Serialize)]
pub struct FilePreview {
    /// Person-months approval writes.
    pub persons: u64,
    /// The sums of every accepted row, per insurance type and part.
    pub totals: MonthAmounts,
    /// The sum of the contribution bases.
    pub base_total: Decimal,
    /// The first accepted rows (file order).
    pub sample: Vec<PreviewRow>,
    /// The first rejected rows with what they hold (file order).
    pub rejected: Vec<RejectedRow>,
}

/// One accepted row as approval writes it.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewRow {
    pub line: u64,
    /// The person's blind index (the page shows the masked ID and name).
    pub person: String,
    pub declared_wage: Decimal,
    pub base: Decimal,
    pub amounts: MonthAmounts,
}

/// A rejected row: the line, the ID number masked ([`masked_id`]) and the
/// wage as written.
#[derive(Clone, Debug, Serialize)]
pub struct RejectedRow {
    pub line: u64,
    pub id: String,
    pub wage: String,
}

/// An ID number of a rejected row, masked: `110105********1234` when it is
/// one; else all but its first six and last four characters hidden, a
/// short text wholly.
pub fn masked_id(s: &str) -> String {
    if let Ok(id) = s.parse::<sirm_domain::id::ResidentId>() {
        return id.masked();
    }
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n < 12 {
        return "*".repeat(n);
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 10))
}

impl Sirm {
    /// The preview of declaration file `d`: the file streamed once from
    /// the archive (memory: one wage per employed person), nothing written.
    pub async fn declaration_file_preview(
        &self,
        d: &DeclarationFile,
    ) -> Result<FilePreview, AppError> {
        let mut drafts = self.file_drafts(d, "", Vec::new()).await?;
        let mut rejected = Vec::new();
        let mut splitter = super::LineSplitter::new();
        super::blocking(|| {
            drafts.read_with(|line, text| {
                if rejected.len() < REJECTED_SHOWN {
                    rejected.push(rejected_row(&mut splitter, line, text));
                }
            })
        })
        .map_err(|e| AppError::invalid("file", e))?;
        preview_of(drafts, rejected)
    }
}

fn rejected_row(splitter: &mut super::LineSplitter, line: u64, text: &str) -> RejectedRow {
    let text = text.trim().trim_start_matches('\u{feff}');
    let (id, wage) = match splitter.split(text) {
        Ok(f) => (
            masked_id(f.first.trim()),
            f.second.unwrap_or_default().trim().to_string(),
        ),
        Err(_) => (masked_id(text), String::new()),
    };
    RejectedRow { line, id, wage }
}

/// Every accepted row computed, summed, the first ones kept.
fn preview_of(d: FileDrafts, rejected: Vec<RejectedRow>) -> Result<FilePreview, AppError> {
    let mut out = FilePreview {
        persons: 0,
        totals: zero(),
        base_total: Decimal::ZERO,
        sample: Vec::new(),
        rejected,
    };
    let wages = d.wages.as_deref().unwrap_or_default();
    for (slot, w) in wages.iter().enumerate() {
        let Some((line, wage)) = *w else { continue };
        let m =
            sirm_domain::rules::engine::month_enrolled(&d.params, wage, d.class, d.enrolled(slot))
                .map_err(|e| AppError::invalid("file", format!("line {line}: {e}")))?;
        out.totals = plus(&out.totals, &m.amounts);
        out.base_total += m.base;
        out.persons += 1;
        out.sample.push(PreviewRow {
            line,
            person: d.check.roster.employed[slot].clone(),
            declared_wage: wage,
            base: m.base,
            amounts: m.amounts,
        });
        // Keep the first rows of the file only.
        if out.sample.len() > SAMPLE_ROWS {
            out.sample.sort_by_key(|r| r.line);
            out.sample.truncate(SAMPLE_ROWS);
        }
    }
    out.sample.sort_by_key(|r| r.line);
    Ok(out)
}
