//! The fields of one declaration CSV line, split by the CSV rules
//! (`csv-core`, the `csv` crate's parser: quoted fields, doubled quotes).
//! Lines themselves are read by `declaration_file::Lines`, which bounds
//! their length and numbers every line, blank ones included (the `csv`
//! crate's reader skips blank lines without counting them).

/// Splits lines into fields, reusing its buffers. The separator is the
/// first of tab, semicolon or comma found on the first line it splits
/// (comma when none is); a line with none of them but a full-width comma
/// (，, typed by hand) is split there.
pub(crate) struct LineSplitter {
    reader: Option<(u8, csv_core::Reader)>,
    out: Vec<u8>,
}

/// The fields of a line: the first two, and whether any later one holds
/// text.
pub(crate) struct Fields<'a> {
    pub(crate) first: &'a str,
    pub(crate) second: Option<&'a str>,
    pub(crate) more: bool,
}

/// Fields read from one line; a line with more is refused.
const MAX_FIELDS: usize = 8;

impl LineSplitter {
    pub(crate) fn new() -> LineSplitter {
        LineSplitter {
            reader: None,
            out: Vec::new(),
        }
    }

    /// The fields of one line (without its line end).
    pub(crate) fn split<'a>(&'a mut self, line: &'a str) -> Result<Fields<'a>, String> {
        let bytes = line.as_bytes();
        let ascii = [b'\t', b';', b','];
        if !bytes.iter().any(|b| ascii.contains(b)) {
            return Ok(match line.split_once('，') {
                Some((a, b)) => Fields {
                    first: a,
                    second: Some(b),
                    more: false,
                },
                None => Fields {
                    first: line,
                    second: None,
                    more: false,
                },
            });
        }
        let (_, reader) = self.reader.get_or_insert_with(|| {
            let d = ascii
                .into_iter()
                .find(|d| bytes.contains(d))
                .unwrap_or(b',');
            (d, csv_core::ReaderBuilder::new().delimiter(d).build())
        });
        // Fields never take more bytes than the line.
        self.out.resize(bytes.len().max(1), 0);
        let mut ends = [0usize; MAX_FIELDS];
        // The line, then the end of input that ends its record.
        let (mut input, mut written, mut count) = (bytes, 0, 0);
        loop {
            let (result, _, wrote, ended) =
                reader.read_record(input, &mut self.out[written..], &mut ends[count..]);
            written += wrote;
            count += ended;
            match result {
                // All of the input was read.
                csv_core::ReadRecordResult::InputEmpty => input = &[],
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
                csv_core::ReadRecordResult::OutputEndsFull => {
                    reader.reset();
                    return Err(format!("more than {MAX_FIELDS} fields: expected two fields: ID number,monthly wage"));
                }
                csv_core::ReadRecordResult::OutputFull => {
                    reader.reset();
                    return Err("the line could not be split into fields".into());
                }
            }
        }
        let out = &self.out[..written];
        let field = |i: usize| -> Result<&str, String> {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            std::str::from_utf8(&out[start..ends[i]]).map_err(|e| e.to_string())
        };
        Ok(Fields {
            first: if count > 0 { field(0)? } else { "" },
            second: if count > 1 { Some(field(1)?) } else { None },
            more: (2..count).any(|i| field(i).is_ok_and(|f| !f.trim().is_empty())),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn split(s: &mut LineSplitter, line: &str) -> (String, Option<String>, bool) {
        let f = s.split(line).unwrap();
        (f.first.into(), f.second.map(Into::into), f.more)
    }

    fn two(a: &str, b: &str) -> (String, Option<String>, bool) {
        (a.into(), Some(b.into()), false)
    }

    #[test]
    fn quoted_fields_and_doubled_quotes() {
        let mut s = LineSplitter::new();
        assert_eq!(split(&mut s, "110101,5000"), two("110101", "5000"));
        assert_eq!(
            split(&mut s, "\"110101\",\"5,000\""),
            two("110101", "5,000")
        );
        assert_eq!(split(&mut s, "\"a \"\"b\"\"\",c"), two("a \"b\"", "c"));
        assert_eq!(split(&mut s, "1,2,"), two("1", "2"));
        assert_eq!(split(&mut s, "1,2,3"), ("1".into(), Some("2".into()), true));
        assert_eq!(split(&mut s, "12345"), ("12345".into(), None, false));
    }

    #[test]
    fn the_first_line_names_the_separator_and_a_full_width_comma_splits() {
        let mut s = LineSplitter::new();
        assert_eq!(split(&mut s, "1\t2,5"), two("1", "2,5"));
        assert_eq!(split(&mut s, "3\t4"), two("3", "4"));
        let mut s = LineSplitter::new();
        assert_eq!(split(&mut s, "1;2"), two("1", "2"));
        assert_eq!(split(&mut s, "110101，5000"), two("110101", "5000"));
    }

    #[test]
    fn too_many_fields_is_refused_and_the_next_line_is_split_afresh() {
        let mut s = LineSplitter::new();
        assert!(s.split("1,2,3,4,5,6,7,8,9").is_err());
        assert_eq!(split(&mut s, "1,2"), two("1", "2"));
    }
}
