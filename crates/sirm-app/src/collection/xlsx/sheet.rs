//! The sheet: rows and cells of columns A and B, each cell's value from
//! its type and text, the declared dimension compared with the caps.

use quick_xml::events::Event;

use super::bounded::*;
use super::caps::*;
use super::package::*;
use super::shared_strings::*;

// ---- the sheet ----

/// Column letters and row number of a reference like `XFD1048576`
/// (column from 0). Columns beyond 7 letters saturate.
pub(super) fn cell_ref(s: &str) -> Option<(u64, Option<u64>)> {
    let letters = s.bytes().take_while(u8::is_ascii_uppercase).count();
    if letters == 0 {
        return None;
    }
    let mut col: u64 = 0;
    for b in s.bytes().take(letters) {
        col = col
            .saturating_mul(26)
            .saturating_add(u64::from(b - b'A' + 1));
    }
    let digits = &s[letters..];
    let row = if digits.is_empty() {
        None
    } else {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(digits.parse::<u64>().unwrap_or(u64::MAX))
    };
    Some((col - 1, row))
}

pub(super) fn column_name(mut col: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The type attribute of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CellType {
    Number,
    Untyped,
    Shared,
    Inline,
    FormulaText,
    Bool,
    Error,
    Date,
}

pub(super) fn check_dimension(
    entry: &str,
    limits: &XlsxLimits,
    range: &str,
) -> Result<(), XlsxError> {
    let end = range.rsplit(':').next().unwrap_or(range);
    let Some((col, row)) = cell_ref(end.trim()) else {
        return Err(malformed(
            entry,
            format!("dimension {range:?} is not a cell range"),
        ));
    };
    let found = format!("the sheet declares its range as {range}");
    if col >= u64::from(limits.max_columns) {
        return Err(XlsxError::TooManyColumns {
            limit: limits.max_columns,
            found,
        });
    }
    if row.is_some_and(|r| r > limits.max_rows) {
        return Err(XlsxError::TooManyRows {
            limit: limits.max_rows,
            found,
        });
    }
    Ok(())
}

pub(super) fn read_sheet(
    zip: &mut Zip,
    limits: &XlsxLimits,
    name: &str,
    strings: &mut SharedStrings<'_>,
    keep: u64,
    on_row: &mut dyn FnMut(&Row) -> Result<(), XlsxError>,
) -> Result<Summary, XlsxError> {
    let Some(entry) = open_entry(zip, name)? else {
        return Err(XlsxError::NoSheet);
    };
    let mut xml = Xml::new(name, entry, limits);
    let mut buf = Vec::new();
    let mut summary = Summary::default();
    let mut in_data = false;
    let mut row = Row {
        number: 0,
        a: Cell::Empty,
        b: Cell::Empty,
        more: Vec::new(),
    };
    let more_len = usize::try_from(keep.saturating_sub(2)).unwrap_or(0);
    let mut in_row = false;
    let mut next_col: u64 = 0;
    // Any non-empty cell; any non-empty cell in column A.
    let (mut any_value, mut any_a) = (false, false);
    // The current cell: its column and type, and the text of <v> or <is>.
    let mut cell: Option<(u64, CellType)> = None;
    let mut value = String::new();
    let (mut in_v, mut in_is_t, mut phonetic) = (false, false, 0usize);
    loop {
        let ev = xml.next(&mut buf)?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                let local = e.local_name();
                match local.as_ref() {
                    b"dimension" if !in_data => {
                        if let Some(r) = attr(e, b"ref", false).map_err(|m| malformed(name, m))? {
                            check_dimension(name, limits, &r)?;
                        }
                    }
                    b"sheetData" => {
                        if empty {
                            break;
                        }
                        in_data = true;
                    }
                    b"row" if in_data => {
                        if in_row {
                            return Err(malformed(name, "a row inside a row"));
                        }
                        let number = match attr(e, b"r", false).map_err(|m| malformed(name, m))? {
                            Some(r) => r.trim().parse::<u64>().map_err(|_| {
                                malformed(name, format!("row number {r:?} is not a number"))
                            })?,
                            None => summary.last_row + 1,
                        };
                        if number == 0 || number <= summary.last_row {
                            return Err(malformed(
                                name,
                                format!(
                                    "row {number} comes after row {}: rows out of order",
                                    summary.last_row
                                ),
                            ));
                        }
                        if number > limits.max_rows {
                            return Err(XlsxError::TooManyRows {
                                limit: limits.max_rows,
                                found: format!("row {number}"),
                            });
                        }
                        summary.rows += 1;
                        summary.last_row = number;
                        row.number = number;
                        row.a = Cell::Empty;
                        row.b = Cell::Empty;
                        row.more.clear();
                        row.more.resize(more_len, Cell::Empty);
                        next_col = 0;
                        if empty {
                            on_row(&row)?;
                        } else {
                            in_row = true;
                        }
                    }
                    b"c" if in_data => {
                        if !in_row {
                            return Err(malformed(name, "a cell outside a row"));
                        }
                        let col = match attr(e, b"r", false).map_err(|m| malformed(name, m))? {
                            Some(r) => {
                                let (col, r_row) = cell_ref(&r).ok_or_else(|| {
                                    malformed(name, format!("cell reference {r:?} is not valid"))
                                })?;
                                if col >= u64::from(limits.max_columns) {
                                    return Err(XlsxError::TooManyColumns {
                                        limit: limits.max_columns,
                                        found: format!("cell {r}"),
                                    });
                                }
                                if r_row.is_some_and(|n| n != row.number) {
                                    return Err(malformed(
                                        name,
                                        format!("cell {r} is inside row {}", row.number),
                                    ));
                                }
                                col
                            }
                            None => next_col,
                        };
                        if col >= u64::from(limits.max_columns) {
                            return Err(XlsxError::TooManyColumns {
                                limit: limits.max_columns,
                                found: format!(
                                    "cell {}{} (row {} has more cells)",
                                    column_name(col),
                                    row.number,
                                    row.number
                                ),
                            });
                        }
                        if col < next_col {
                            return Err(malformed(
                                name,
                                format!(
                                    "cell {}{} comes after column {}: cells out of order",
                                    column_name(col),
                                    row.number,
                                    column_name(next_col.saturating_sub(1))
                                ),
                            ));
                        }
                        next_col = col + 1;
                        let kind = match attr(e, b"t", false)
                            .map_err(|m| malformed(name, m))?
                            .as_deref()
                        {
                            None => CellType::Untyped,
                            Some("n") => CellType::Number,
                            Some("s") => CellType::Shared,
                            Some("inlineStr") => CellType::Inline,
                            Some("str") => CellType::FormulaText,
                            Some("b") => CellType::Bool,
                            Some("e") => CellType::Error,
                            Some("d") => CellType::Date,
                            Some(other) => {
                                return Err(malformed(
                                    name,
                                    format!("cell type {other:?} is not an XLSX cell type"),
                                ))
                            }
                        };
                        value.clear();
                        if !empty {
                            cell = Some((col, kind));
                        }
                    }
                    b"v" if cell.is_some() => in_v = !empty,
                    b"t" if cell.is_some() => in_is_t = !empty,
                    b"rPh" if cell.is_some() && !empty => phonetic += 1,
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"sheetData" => break,
                b"row" if in_row => {
                    in_row = false;
                    on_row(&row)?;
                }
                b"c" => {
                    if let Some((col, kind)) = cell.take() {
                        let v = to_cell(strings, name, row.number, col, keep, kind, &value)?;
                        if v != Cell::Empty {
                            any_value = true;
                            any_a |= col == 0;
                        }
                        match col {
                            0 => row.a = v,
                            1 => row.b = v,
                            c => {
                                if let Some(slot) = usize::try_from(c - 2)
                                    .ok()
                                    .and_then(|i| row.more.get_mut(i))
                                {
                                    *slot = v;
                                }
                            }
                        }
                    }
                    in_v = false;
                    in_is_t = false;
                    phonetic = 0;
                }
                b"v" => in_v = false,
                b"t" => in_is_t = false,
                b"rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                // Only the kept columns are read; the others are skipped.
                if let Some((col, kind)) = cell {
                    let wanted = col < keep
                        && phonetic == 0
                        && (in_v || (kind == CellType::Inline && in_is_t));
                    if wanted {
                        xml.push_text(&ev, &mut value)?;
                    }
                }
            }
            Event::Eof => {
                return Err(malformed(
                    name,
                    if in_data {
                        "the sheet ends inside its data (truncated?)"
                    } else {
                        "the sheet has no data section"
                    },
                ))
            }
            _ => {}
        }
    }
    if any_value && !any_a {
        return Err(XlsxError::NoColumnA);
    }
    Ok(summary)
}

/// A kept cell's value from its type and text.
pub(super) fn to_cell(
    strings: &mut SharedStrings<'_>,
    entry: &str,
    row: u64,
    col: u64,
    keep: u64,
    kind: CellType,
    text: &str,
) -> Result<Cell, XlsxError> {
    if col >= keep {
        return Ok(Cell::Empty);
    }
    let column = column_name(col);
    let cell_err = |message: String| XlsxError::Cell {
        row,
        column: column.clone(),
        message,
    };
    let number = |t: &str| -> Result<Cell, XlsxError> {
        let f: f64 = t
            .trim()
            .parse()
            .map_err(|_| cell_err(format!("{t:?} is not a number")))?;
        if f.is_finite() {
            Ok(Cell::Number(f))
        } else {
            Err(cell_err("not a finite number".into()))
        }
    };
    Ok(match kind {
        _ if text.is_empty() => Cell::Empty,
        CellType::Number => number(text)?,
        CellType::Untyped => match number(text) {
            Ok(n) => n,
            Err(XlsxError::Cell { message, .. }) if message == "not a finite number" => {
                return Err(cell_err(message))
            }
            Err(_) => Cell::Text(text.trim().to_string()),
        },
        CellType::Shared => {
            let i: u64 = text.trim().parse().map_err(|_| {
                malformed(
                    entry,
                    format!("shared string index {text:?} is not a number"),
                )
            })?;
            let mut s = String::new();
            if !strings.get(i, &mut s)? {
                return Err(malformed(
                    entry,
                    format!("cell {column}{row} refers to shared string {i}, which does not exist"),
                ));
            }
            text_cell(s)
        }
        CellType::Inline | CellType::FormulaText => text_cell(text.to_string()),
        CellType::Bool => {
            return Err(cell_err(format!(
                "unexpected cell: boolean {}",
                if text.trim() == "0" { "FALSE" } else { "TRUE" }
            )))
        }
        CellType::Error => return Err(cell_err(format!("unexpected cell: error {}", text.trim()))),
        CellType::Date => return Err(cell_err(format!("unexpected cell: date {}", text.trim()))),
    })
}

pub(super) fn text_cell(s: String) -> Cell {
    let t = s.trim();
    if t.is_empty() {
        Cell::Empty
    } else if t.len() == s.len() {
        Cell::Text(s)
    } else {
        Cell::Text(t.to_string())
    }
}
