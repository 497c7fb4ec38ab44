//! XLSX declarations, read streamed with hard caps. A workbook is a zip of
//! XML files; this reads only what a declaration needs — the first sheet's
//! rows, column A (ID number) and column B (wage) — one row at a time, and
//! hands each row to the caller. Nothing is sized from what the file
//! declares: the sheet's `<dimension>` is only compared with the caps.
//!
//! Caps (`[limits]` in `sirm.toml`), each refusal naming its cap:
//! - rows (`xlsx_max_rows`): no row number beyond it, and no declared
//!   dimension beyond it;
//! - columns (`xlsx_max_columns`): no cell beyond it, same for the dimension;
//! - uncompressed size of every zip entry (`xlsx_max_entry_mib`): the sizes
//!   the central directory declares are checked before anything is read,
//!   and the bytes actually inflated are counted while reading (a declared
//!   size can lie).
//!
//! Fixed bounds, independent of configuration: one XML token (tag, text,
//! comment) at most [`MAX_XML_TOKEN`] bytes, element nesting at most
//! [`MAX_DEPTH`], one cell's text at most [`MAX_CELL_TEXT`] bytes, at most
//! [`MAX_ZIP_ENTRIES`] zip entries, no DOCTYPE (no entity expansion). The
//! shared-strings table is kept in memory up to a budget and spilled to
//! scratch files beyond it. Memory per workbook is therefore a few buffers,
//! whatever the file holds.

mod bounded;
mod caps;
mod package;
mod shared_strings;
mod sheet;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::archive::Archive;
use caps::zip_message;
pub use caps::{
    Cell, Row, Summary, XlsxError, XlsxLimits, MAX_CELL_TEXT, MAX_DEPTH, MAX_XML_TOKEN,
    MAX_ZIP_ENTRIES, SHARED_STRINGS_IN_MEMORY,
};
use package::{first_sheet, office_document};
use shared_strings::{read_shared_strings, SharedStrings};
use sheet::read_sheet;

/// Read the first sheet of the workbook at `path`, calling `on_row` for
/// each row in order. Scratch files (shared strings beyond the memory
/// budget) go to `archive`'s scratch space and are removed on return.
pub fn read_rows(
    path: &Path,
    limits: &XlsxLimits,
    archive: &Archive,
    on_row: &mut dyn FnMut(&Row) -> Result<(), XlsxError>,
) -> Result<Summary, XlsxError> {
    read_rows_keeping(path, limits, archive, 2, on_row)
}

/// [`read_rows`] keeping the first `keep` columns (at least A and B; the
/// ones after B in [`Row::more`]): a department file of several columns.
/// Cells beyond `keep` are skipped unread, as C… are for a declaration.
pub fn read_rows_keeping(
    path: &Path,
    limits: &XlsxLimits,
    archive: &Archive,
    keep: u32,
    on_row: &mut dyn FnMut(&Row) -> Result<(), XlsxError>,
) -> Result<Summary, XlsxError> {
    let file = File::open(path)?;
    check_entry_count(&file)?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| XlsxError::NotAWorkbook(zip_message(e)))?;
    // Declared sizes, up front.
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| XlsxError::NotAWorkbook(zip_message(e)))?;
        if f.size() > limits.max_entry_bytes {
            return Err(XlsxError::EntryTooLarge {
                entry: f.name().map(|n| n.to_string()).unwrap_or_default(),
                limit_mib: limits.entry_mib(),
            });
        }
    }
    let book = office_document(&mut zip, limits)?;
    let (sheet, shared) = first_sheet(&mut zip, limits, &book)?;
    let mut strings = SharedStrings::new(limits.strings_in_memory, archive);
    if let Some(name) = shared {
        read_shared_strings(&mut zip, limits, &name, &mut strings)?;
    }
    strings.finish()?;
    let keep = u64::from(keep.clamp(2, limits.max_columns.max(2)));
    read_sheet(&mut zip, limits, &sheet, &mut strings, keep, on_row)
}

/// Refuse a zip whose end records announce more entries than a workbook
/// has, before the zip reader sizes its directory from them.
fn check_entry_count(file: &File) -> Result<(), XlsxError> {
    let len = file.metadata()?.len();
    let tail_len = len.min(22 + 65_535 + 20);
    let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
    let mut f = file;
    f.seek(SeekFrom::Start(len - tail_len))?;
    f.read_exact(&mut tail)?;
    f.seek(SeekFrom::Start(0))?;
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u64_at = |b: &[u8], i: usize| {
        b.get(i..i + 8).map(|s| {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            u64::from_le_bytes(a)
        })
    };
    for at in (0..tail.len().saturating_sub(3)).rev() {
        if tail[at..at + 4] != [0x50, 0x4b, 0x05, 0x06] {
            continue;
        }
        let entries = u64::from(u16_at(&tail, at + 10).unwrap_or(0));
        if entries > MAX_ZIP_ENTRIES {
            return Err(XlsxError::TooManyEntries {
                limit: MAX_ZIP_ENTRIES,
                found: entries,
            });
        }
        // A ZIP64 locator just before it points at the ZIP64 end record.
        if at >= 20 && tail[at - 20..at - 16] == [0x50, 0x4b, 0x06, 0x07] {
            if let Some(offset) = u64_at(&tail, at - 12) {
                if offset.saturating_add(56) <= len {
                    let mut rec = [0u8; 56];
                    f.seek(SeekFrom::Start(offset))?;
                    f.read_exact(&mut rec)?;
                    f.seek(SeekFrom::Start(0))?;
                    if rec[..4] == [0x50, 0x4b, 0x06, 0x06] {
                        let n = u64_at(&rec, 32).unwrap_or(0);
                        if n > MAX_ZIP_ENTRIES {
                            return Err(XlsxError::TooManyEntries {
                                limit: MAX_ZIP_ENTRIES,
                                found: n,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
