//! The one CSV writer of every export (maintenance log, arrears, audit
//! trail): the `csv` crate quotes and escapes; this module adds the
//! spreadsheet-formula guard (CSV injection, OWASP): a cell that starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a
//! spreadsheet program shows it as text instead of running it. UTF-8 with a
//! byte-order mark, so spreadsheet programs read Chinese.

use crate::AppError;

/// Make a cell safe for spreadsheet programs.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A CSV document: the header row, then the rows, every cell neutralised.
pub fn csv<R, C>(head: &[&str], rows: R) -> Result<Vec<u8>, AppError>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let err = |e: csv::Error| AppError::invalid("csv", e);
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    w.write_record(head).map_err(err)?;
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        w.write_record(&cells).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::invalid("csv", e.error().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_everywhere() {
        let out = csv(
            &["a", "b"],
            [
                vec!["=1+1", "+cmd|' /C calc'!A0"],
                vec!["-2", "@SUM(A1)"],
                vec!["\tx", "\ry"],
                vec!["plain \"quoted\"", "多行\n文本"],
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows[0], ["'=1+1", "'+cmd|' /C calc'!A0"]);
        assert_eq!(rows[1], ["'-2", "'@SUM(A1)"]);
        assert_eq!(rows[2], ["'\tx", "'\ry"]);
        assert_eq!(rows[3], ["plain \"quoted\"", "多行\n文本"]);
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?}"
                );
            }
        }
    }
}
