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

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::archive::{Archive, TempText};
use crate::limits::LimitsConfig;

/// Longest XML token (a tag with its attributes, a text run, a comment).
pub const MAX_XML_TOKEN: usize = 1024 * 1024;
/// Deepest element nesting (a sheet needs 5 levels).
pub const MAX_DEPTH: usize = 64;
/// Longest text of one cell or shared string (Excel allows 32,767
/// characters, at most 4 bytes each).
pub const MAX_CELL_TEXT: usize = 256 * 1024;
/// Most zip entries in a workbook (a workbook has a few dozen).
pub const MAX_ZIP_ENTRIES: u64 = 10_000;
/// Shared strings kept in memory (text plus index) before spilling to disk.
pub const SHARED_STRINGS_IN_MEMORY: usize = 64 * 1024 * 1024;

/// The caps a workbook is read under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XlsxLimits {
    pub max_rows: u64,
    pub max_columns: u32,
    pub max_entry_bytes: u64,
    /// Bytes of shared strings held in memory before spilling to disk.
    pub strings_in_memory: usize,
}

impl XlsxLimits {
    pub fn from_config(l: &LimitsConfig) -> Self {
        XlsxLimits {
            max_rows: l.xlsx_max_rows,
            max_columns: l.xlsx_max_columns,
            max_entry_bytes: l.xlsx_entry_bytes(),
            strings_in_memory: SHARED_STRINGS_IN_MEMORY,
        }
    }

    fn entry_mib(&self) -> u64 {
        self.max_entry_bytes.div_ceil(LimitsConfig::MIB)
    }
}

/// Why a workbook was refused. Cap refusals name the cap.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("not a readable XLSX workbook: {0}")]
    NotAWorkbook(String),
    #[error("XLSX 超过上限：最多 {limit} 行 / the workbook exceeds the limit of {limit} rows (cap limits.xlsx_max_rows): {found}")]
    TooManyRows { limit: u64, found: String },
    #[error("XLSX 超过上限：最多 {limit} 列 / the workbook exceeds the limit of {limit} columns (cap limits.xlsx_max_columns): {found}")]
    TooManyColumns { limit: u32, found: String },
    #[error("XLSX 超过上限：条目 {entry} 解压后超过 {limit_mib} MiB / the workbook entry {entry} expands beyond the limit of {limit_mib} MiB (cap limits.xlsx_max_entry_mib)")]
    EntryTooLarge { entry: String, limit_mib: u64 },
    #[error("XLSX 超过上限：最多 {limit} 个压缩条目 / the workbook has more than {limit} zip entries ({found})")]
    TooManyEntries { limit: u64, found: u64 },
    #[error("{entry}: {message}")]
    Malformed { entry: String, message: String },
    /// A cell of column A or B that cannot be a declaration value.
    #[error("row {row} column {column}: {message}")]
    Cell {
        row: u64,
        column: char,
        message: String,
    },
    #[error("the sheet must have the ID number in column A and the wage in column B")]
    NoColumnA,
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("reading the workbook: {0}")]
    Io(#[from] std::io::Error),
}

fn malformed(entry: &str, message: impl std::fmt::Display) -> XlsxError {
    XlsxError::Malformed {
        entry: entry.to_string(),
        message: message.to_string(),
    }
}

/// A value of column A or B.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    /// Text (shared, inline or a formula's text result), trimmed.
    Text(String),
    /// A number, as stored.
    Number(f64),
}

/// One row of the sheet: its number (from 1) and columns A and B.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub number: u64,
    pub a: Cell,
    pub b: Cell,
}

/// What was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Row elements read.
    pub rows: u64,
    /// The highest row number.
    pub last_row: u64,
}

/// Read the first sheet of the workbook at `path`, calling `on_row` for
/// each row in order. Scratch files (shared strings beyond the memory
/// budget) go to `archive`'s scratch space and are removed on return.
pub fn read_rows(
    path: &Path,
    limits: &XlsxLimits,
    archive: &Archive,
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
    read_sheet(&mut zip, limits, &sheet, &mut strings, on_row)
}

fn zip_message(e: zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::InvalidArchive(m) => format!("not a zip archive or damaged ({m})"),
        other => other.to_string(),
    }
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

// ---- bounded entry reading ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    EntryTooLarge,
    TokenTooLarge,
    Doctype,
}

/// XML lexical state, tracked only to bound the length of one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lex {
    Text,
    Lt,
    /// After `<!`: `got` bytes matched of `--` and/or `[CDATA[`.
    Bang {
        got: u8,
        comment: bool,
        cdata: bool,
    },
    Tag {
        quote: u8,
    },
    Pi {
        question: bool,
    },
    Comment {
        dashes: u8,
    },
    Cdata {
        brackets: u8,
    },
}

/// A zip entry's bytes, counted (the entry cap) and lexed (the token cap)
/// as they are inflated, before the XML reader buffers them.
struct Bounded<R> {
    inner: R,
    read: u64,
    max: u64,
    lex: Lex,
    token: usize,
    failure: Option<Failure>,
}

impl<R: Read> Bounded<R> {
    fn new(inner: R, max: u64) -> Self {
        Bounded {
            inner,
            read: 0,
            max,
            lex: Lex::Text,
            token: 0,
            failure: None,
        }
    }

    fn fail(&mut self, f: Failure) -> std::io::Error {
        self.failure = Some(f);
        std::io::Error::other(match f {
            Failure::EntryTooLarge => "entry larger than the cap",
            Failure::TokenTooLarge => "XML token larger than the cap",
            Failure::Doctype => "DOCTYPE not accepted",
        })
    }

    fn scan(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let mut i = 0;
        while i < bytes.len() {
            if self.lex == Lex::Text {
                // Fast path: text runs up to the next '<'.
                match bytes[i..].iter().position(|&b| b == b'<') {
                    Some(p) => {
                        self.token += p;
                        i += p;
                    }
                    None => {
                        self.token += bytes.len() - i;
                        if self.token > MAX_XML_TOKEN {
                            return Err(Failure::TokenTooLarge);
                        }
                        return Ok(());
                    }
                }
            }
            let b = bytes[i];
            i += 1;
            self.token += 1;
            self.lex = match self.lex {
                Lex::Text => {
                    // b == '<'
                    self.token = 1;
                    Lex::Lt
                }
                Lex::Lt => match b {
                    b'!' => Lex::Bang {
                        got: 0,
                        comment: true,
                        cdata: true,
                    },
                    b'?' => Lex::Pi { question: false },
                    b'>' => {
                        self.token = 0;
                        Lex::Text
                    }
                    b'"' | b'\'' => Lex::Tag { quote: b },
                    _ => Lex::Tag { quote: 0 },
                },
                Lex::Bang {
                    got,
                    comment,
                    cdata,
                } => {
                    const COMMENT: &[u8] = b"--";
                    const CDATA: &[u8] = b"[CDATA[";
                    let g = usize::from(got);
                    let comment = comment && COMMENT.get(g) == Some(&b);
                    let cdata = cdata && CDATA.get(g) == Some(&b);
                    if comment && g + 1 == COMMENT.len() {
                        Lex::Comment { dashes: 0 }
                    } else if cdata && g + 1 == CDATA.len() {
                        Lex::Cdata { brackets: 0 }
                    } else if comment || cdata {
                        Lex::Bang {
                            got: got + 1,
                            comment,
                            cdata,
                        }
                    } else {
                        return Err(Failure::Doctype);
                    }
                }
                Lex::Tag { quote } => {
                    if quote != 0 {
                        Lex::Tag {
                            quote: if b == quote { 0 } else { quote },
                        }
                    } else if b == b'"' || b == b'\'' {
                        Lex::Tag { quote: b }
                    } else if b == b'>' {
                        self.token = 0;
                        Lex::Text
                    } else {
                        Lex::Tag { quote: 0 }
                    }
                }
                Lex::Pi { question } => {
                    if question && b == b'>' {
                        self.token = 0;
                        Lex::Text
                    } else {
                        Lex::Pi {
                            question: b == b'?',
                        }
                    }
                }
                Lex::Comment { dashes } => {
                    if dashes >= 2 && b == b'>' {
                        self.token = 0;
                        Lex::Text
                    } else if b == b'-' {
                        Lex::Comment {
                            dashes: (dashes + 1).min(2),
                        }
                    } else {
                        Lex::Comment { dashes: 0 }
                    }
                }
                Lex::Cdata { brackets } => {
                    if brackets >= 2 && b == b'>' {
                        self.token = 0;
                        Lex::Text
                    } else if b == b']' {
                        Lex::Cdata {
                            brackets: (brackets + 1).min(2),
                        }
                    } else {
                        Lex::Cdata { brackets: 0 }
                    }
                }
            };
            if self.token > MAX_XML_TOKEN {
                return Err(Failure::TokenTooLarge);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(f) = self.failure {
            return Err(self.fail(f));
        }
        // Never ask for more than one byte past the cap.
        let room = self.max.saturating_sub(self.read).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if self.read > self.max {
            return Err(self.fail(Failure::EntryTooLarge));
        }
        if let Err(f) = self.scan(&buf[..n]) {
            return Err(self.fail(f));
        }
        Ok(n)
    }
}

/// One zip entry as XML events, with the caps above and a depth limit.
struct Xml<R: Read> {
    entry: String,
    reader: quick_xml::Reader<BufReader<Bounded<R>>>,
    depth: usize,
    limits: XlsxLimits,
}

impl<R: Read> Xml<R> {
    fn new(entry: &str, inner: R, limits: &XlsxLimits) -> Self {
        let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(
            1 << 16,
            Bounded::new(inner, limits.max_entry_bytes),
        ));
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = false;
        Xml {
            entry: entry.to_string(),
            reader,
            depth: 0,
            limits: *limits,
        }
    }

    fn error(&self, e: quick_xml::Error) -> XlsxError {
        match self.reader.get_ref().get_ref().failure {
            Some(Failure::EntryTooLarge) => XlsxError::EntryTooLarge {
                entry: self.entry.clone(),
                limit_mib: self.limits.entry_mib(),
            },
            Some(Failure::TokenTooLarge) => malformed(
                &self.entry,
                format!("an XML token is longer than {MAX_XML_TOKEN} bytes"),
            ),
            Some(Failure::Doctype) => malformed(
                &self.entry,
                "a DOCTYPE or other <! declaration is not accepted in a workbook",
            ),
            None => match e {
                quick_xml::Error::Io(io) => {
                    // The zip reader's own errors (bad checksum, truncated data).
                    malformed(&self.entry, format!("damaged zip data ({io})"))
                }
                other => malformed(&self.entry, format!("not well-formed XML ({other})")),
            },
        }
    }

    /// The next event; `Eof` at the end.
    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, XlsxError> {
        buf.clear();
        let ev = match self.reader.read_event_into(buf) {
            Ok(ev) => ev,
            Err(e) => return Err(self.error(e)),
        };
        match &ev {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(malformed(
                        &self.entry,
                        format!("elements nested deeper than {MAX_DEPTH}"),
                    ));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::DocType(_) => {
                return Err(malformed(&self.entry, "a DOCTYPE is not accepted"));
            }
            _ => {}
        }
        Ok(ev)
    }

    /// Append an event's text (text, entity reference, CDATA) to `out`,
    /// bounded by [`MAX_CELL_TEXT`].
    fn push_text(&self, ev: &Event<'_>, out: &mut String) -> Result<(), XlsxError> {
        let bad = |e: &dyn std::fmt::Display| malformed(&self.entry, format!("text: {e}"));
        match ev {
            Event::Text(t) => out.push_str(&t.xml10_content().map_err(|e| bad(&e))?),
            Event::CData(t) => out.push_str(&t.xml10_content().map_err(|e| bad(&e))?),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| bad(&e))? {
                    out.push(c);
                } else {
                    let name = r.decode().map_err(|e| bad(&e))?;
                    out.push(match name.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(bad(&format!("unknown entity &{other};"))),
                    });
                }
            }
            _ => {}
        }
        if out.len() > MAX_CELL_TEXT {
            return Err(malformed(
                &self.entry,
                format!("a text is longer than {MAX_CELL_TEXT} bytes (Excel allows 32,767 characters per cell)"),
            ));
        }
        Ok(())
    }
}

fn attr(e: &BytesStart<'_>, local: &[u8], prefixed: bool) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| format!("attribute: {e}"))?;
        if a.key.local_name().as_ref() == local && a.key.prefix().is_some() == prefixed {
            let v = a.unescape_value().map_err(|e| format!("attribute: {e}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

type Zip = zip::ZipArchive<BufReader<File>>;

fn open_entry<'z>(
    zip: &'z mut Zip,
    name: &str,
) -> Result<Option<zip::read::ZipFile<'z, BufReader<File>>>, XlsxError> {
    match zip.by_name(name) {
        Ok(f) => Ok(Some(f)),
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(malformed(name, zip_message(e))),
    }
}

/// The relationships of a part: `(id, type, target)`, targets resolved
/// against the part's folder.
fn relationships(
    zip: &mut Zip,
    limits: &XlsxLimits,
    part: &str,
) -> Result<Vec<(String, String, String)>, XlsxError> {
    let (dir, file) = match part.rsplit_once('/') {
        Some((d, f)) => (d, f),
        None => ("", part),
    };
    let rels = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let Some(entry) = open_entry(zip, &rels)? else {
        return Ok(vec![]);
    };
    let mut xml = Xml::new(&rels, entry, limits);
    let mut buf = Vec::new();
    let mut out = vec![];
    loop {
        match xml.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                let get = |k: &[u8]| attr(&e, k, false).map_err(|m| malformed(&rels, m));
                let (Some(id), Some(kind), Some(target)) =
                    (get(b"Id")?, get(b"Type")?, get(b"Target")?)
                else {
                    continue;
                };
                if attr(&e, b"TargetMode", false)
                    .map_err(|m| malformed(&rels, m))?
                    .is_some_and(|m| m == "External")
                {
                    continue;
                }
                out.push((id, kind, resolve(dir, &target)));
            }
            Event::Eof => break,
            _ => {}
        }
        if out.len() > MAX_ZIP_ENTRIES as usize {
            return Err(malformed(&rels, "more relationships than a workbook has"));
        }
    }
    Ok(out)
}

/// `target` relative to `dir` (or absolute from the package root).
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        vec![]
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The workbook part named by the package relationships (usually
/// `xl/workbook.xml`).
fn office_document(zip: &mut Zip, limits: &XlsxLimits) -> Result<String, XlsxError> {
    let rels = relationships(zip, limits, "")?;
    let found = rels
        .into_iter()
        .find(|(_, kind, _)| kind.ends_with("/officeDocument"))
        .map(|(_, _, target)| target);
    Ok(found.unwrap_or_else(|| "xl/workbook.xml".into()))
}

/// The first sheet's part and the shared-strings part, if any.
fn first_sheet(
    zip: &mut Zip,
    limits: &XlsxLimits,
    book: &str,
) -> Result<(String, Option<String>), XlsxError> {
    let rid = {
        let Some(entry) = open_entry(zip, book)? else {
            return Err(XlsxError::NotAWorkbook(format!("no {book} in the zip")));
        };
        let mut xml = Xml::new(book, entry, limits);
        let mut buf = Vec::new();
        let mut rid = None;
        loop {
            match xml.next(&mut buf)? {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                    rid = attr(&e, b"id", true).map_err(|m| malformed(book, m))?;
                    break;
                }
                Event::Eof => break,
                _ => {}
            }
        }
        rid.ok_or(XlsxError::NoSheet)?
    };
    let dir = book.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let rels = relationships(zip, limits, book)?;
    let sheet = rels
        .iter()
        .find(|(id, _, _)| *id == rid)
        .map(|(_, _, t)| t.clone())
        .ok_or(XlsxError::NoSheet)?;
    let shared = rels
        .iter()
        .find(|(_, kind, _)| kind.ends_with("/sharedStrings"))
        .map(|(_, _, t)| t.clone())
        .or_else(|| {
            let guess = resolve(dir, "sharedStrings.xml");
            zip.index_for_name(&guess).map(|_| guess)
        });
    Ok((sheet, shared))
}

// ---- shared strings ----

/// The shared-strings table: in memory up to a budget, then in two
/// scratch files (the text, and the end offset of each string).
struct SharedStrings<'a> {
    text: String,
    ends: Vec<u32>,
    budget: usize,
    archive: &'a Archive,
    spill: Option<Spill>,
    count: u64,
    scratch: Vec<u8>,
}

struct Spill {
    _data_file: TempText,
    _index_file: TempText,
    data: BufWriter<File>,
    index: BufWriter<File>,
    written: u64,
    reader: Option<(File, File)>,
}

impl<'a> SharedStrings<'a> {
    fn new(budget: usize, archive: &'a Archive) -> Self {
        SharedStrings {
            text: String::new(),
            ends: Vec::new(),
            budget,
            archive,
            spill: None,
            count: 0,
            scratch: Vec::new(),
        }
    }

    fn push(&mut self, s: &str) -> Result<(), XlsxError> {
        self.count += 1;
        if self.spill.is_none()
            && self.text.len() + s.len() + 4 * (self.ends.len() + 1) <= self.budget
        {
            self.text.push_str(s);
            self.ends
                .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
            return Ok(());
        }
        if self.spill.is_none() {
            let open = |t: &TempText| {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(t.path())
            };
            let data_file = self
                .archive
                .scratch()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let index_file = self
                .archive
                .scratch()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let mut spill = Spill {
                data: BufWriter::with_capacity(1 << 16, open(&data_file)?),
                index: BufWriter::with_capacity(1 << 16, open(&index_file)?),
                _data_file: data_file,
                _index_file: index_file,
                written: 0,
                reader: None,
            };
            spill.data.write_all(self.text.as_bytes())?;
            for end in &self.ends {
                spill.index.write_all(&u64::from(*end).to_le_bytes())?;
            }
            spill.written = self.text.len() as u64;
            self.text = String::new();
            self.ends = Vec::new();
            self.spill = Some(spill);
        }
        if let Some(sp) = &mut self.spill {
            sp.data.write_all(s.as_bytes())?;
            sp.written += s.len() as u64;
            sp.index.write_all(&sp.written.to_le_bytes())?;
        }
        Ok(())
    }

    /// Done writing: ready for look-ups.
    fn finish(&mut self) -> Result<(), XlsxError> {
        if let Some(sp) = &mut self.spill {
            sp.data.flush()?;
            sp.index.flush()?;
            let data = sp.data.get_ref().try_clone()?;
            let index = sp.index.get_ref().try_clone()?;
            sp.reader = Some((data, index));
        }
        Ok(())
    }

    /// String `i` appended to `out`; false when there is no such string.
    fn get(&mut self, i: u64, out: &mut String) -> Result<bool, XlsxError> {
        if i >= self.count {
            return Ok(false);
        }
        let Some(sp) = &mut self.spill else {
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            let end = self.ends[i] as usize;
            out.push_str(self.text.get(start..end).unwrap_or(""));
            return Ok(true);
        };
        let Some((data, index)) = &mut sp.reader else {
            return Ok(false);
        };
        let mut b = [0u8; 16];
        let (start, end) = if i == 0 {
            index.seek(SeekFrom::Start(0))?;
            index.read_exact(&mut b[8..])?;
            (0, u64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8])))
        } else {
            index.seek(SeekFrom::Start((i - 1) * 8))?;
            index.read_exact(&mut b)?;
            (
                u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8])),
                u64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8])),
            )
        };
        let len = usize::try_from(end.saturating_sub(start))
            .unwrap_or(0)
            .min(MAX_CELL_TEXT);
        self.scratch.resize(len, 0);
        data.seek(SeekFrom::Start(start))?;
        data.read_exact(&mut self.scratch)?;
        out.push_str(std::str::from_utf8(&self.scratch).unwrap_or(""));
        Ok(true)
    }
}

fn read_shared_strings(
    zip: &mut Zip,
    limits: &XlsxLimits,
    name: &str,
    strings: &mut SharedStrings<'_>,
) -> Result<(), XlsxError> {
    let Some(entry) = open_entry(zip, name)? else {
        return Ok(());
    };
    let mut xml = Xml::new(name, entry, limits);
    let mut buf = Vec::new();
    let mut text = String::new();
    // Inside <si>; inside a <t> that is not phonetic (<rPh>).
    let (mut in_si, mut in_t, mut phonetic) = (false, false, 0usize);
    loop {
        let ev = xml.next(&mut buf)?;
        match &ev {
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => {
                    in_si = true;
                    text.clear();
                }
                b"t" if in_si => in_t = true,
                b"rPh" => phonetic += 1,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => strings.push("")?,
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => {
                    strings.push(&text)?;
                    in_si = false;
                }
                b"t" => in_t = false,
                b"rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
                if in_si && in_t && phonetic == 0 =>
            {
                xml.push_text(&ev, &mut text)?
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

// ---- the sheet ----

/// Column letters and row number of a reference like `XFD1048576`
/// (column from 0). Columns beyond 7 letters saturate.
fn cell_ref(s: &str) -> Option<(u64, Option<u64>)> {
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

fn column_name(mut col: u64) -> String {
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
enum CellType {
    Number,
    Untyped,
    Shared,
    Inline,
    FormulaText,
    Bool,
    Error,
    Date,
}

fn check_dimension(entry: &str, limits: &XlsxLimits, range: &str) -> Result<(), XlsxError> {
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

fn read_sheet(
    zip: &mut Zip,
    limits: &XlsxLimits,
    name: &str,
    strings: &mut SharedStrings<'_>,
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
    };
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
                        let v = to_cell(strings, name, row.number, col, kind, &value)?;
                        if v != Cell::Empty {
                            any_value = true;
                            any_a |= col == 0;
                        }
                        match col {
                            0 => row.a = v,
                            1 => row.b = v,
                            _ => {}
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
                // Only columns A and B are kept; the others are skipped.
                if let Some((col, kind)) = cell {
                    let wanted =
                        col < 2 && phonetic == 0 && (in_v || (kind == CellType::Inline && in_is_t));
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
fn to_cell(
    strings: &mut SharedStrings<'_>,
    entry: &str,
    row: u64,
    col: u64,
    kind: CellType,
    text: &str,
) -> Result<Cell, XlsxError> {
    if col >= 2 {
        return Ok(Cell::Empty);
    }
    let column = if col == 0 { 'A' } else { 'B' };
    let cell_err = |message: String| XlsxError::Cell {
        row,
        column,
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
                    format!(
                        "cell {}{row} refers to shared string {i}, which does not exist",
                        column
                    ),
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

fn text_cell(s: String) -> Cell {
    let t = s.trim();
    if t.is_empty() {
        Cell::Empty
    } else if t.len() == s.len() {
        Cell::Text(s)
    } else {
        Cell::Text(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> XlsxLimits {
        XlsxLimits {
            max_rows: 100,
            max_columns: 8,
            max_entry_bytes: 1 << 20,
            strings_in_memory: 1 << 20,
        }
    }

    /// A workbook zip with the given sheet XML (and shared strings).
    fn book(sheet: &str, shared: Option<&str>) -> Vec<u8> {
        use std::io::Cursor;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let mut put = |name: &str, body: &str| {
            z.start_file(name, o).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        };
        put(
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        put(
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        put(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        );
        put("xl/worksheets/sheet1.xml", sheet);
        if let Some(s) = shared {
            put("xl/sharedStrings.xml", s);
        }
        z.finish().unwrap().into_inner()
    }

    /// Deflate-compressed copy of `book`'s entries.
    fn deflated(bytes: &[u8]) -> Vec<u8> {
        use std::io::Cursor;
        let mut src = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for i in 0..src.len() {
            let mut f = src.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut body = Vec::new();
            f.read_to_end(&mut body).unwrap();
            z.start_file(name, o).unwrap();
            z.write_all(&body).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// Set the uncompressed size an entry declares (local and central
    /// headers) to `size`.
    fn lie_about_size(bytes: &mut [u8], entry: &str, size: u32) {
        let name = entry.as_bytes();
        let le16 = |b: &[u8], i: usize| usize::from(u16::from_le_bytes([b[i], b[i + 1]]));
        let mut patched = 0;
        for i in 0..bytes.len().saturating_sub(46) {
            let (size_at, name_at, len_at) = match bytes[i..i + 4] {
                [0x50, 0x4b, 0x03, 0x04] => (22, 30, 26),
                [0x50, 0x4b, 0x01, 0x02] => (24, 46, 28),
                _ => continue,
            };
            let n = le16(bytes, i + len_at);
            if bytes.get(i + name_at..i + name_at + n) == Some(name) {
                bytes[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
    }

    #[test]
    fn inflated_bytes_are_counted_whatever_the_entry_declares() {
        let mut l = limits();
        l.max_entry_bytes = 64 * 1024;
        let filler = "<x/>".repeat(100_000);
        let bomb = deflated(&book(
            &format!(
                r#"<worksheet>{filler}<sheetData><row r="1"><c><v>1</v></c></row></sheetData></worksheet>"#
            ),
            None,
        ));
        assert!(bomb.len() < 8 * 1024, "{}", bomb.len());
        // Declared honestly: refused before reading.
        let e = read(&bomb, &l).unwrap_err().to_string();
        assert!(e.contains("limits.xlsx_max_entry_mib"), "{e}");
        // Declared small: refused while inflating (the zip reader stops
        // at the declared size; the count here stops at the cap).
        let mut lying = bomb.clone();
        lie_about_size(&mut lying, "xl/worksheets/sheet1.xml", 100);
        let e = read(&lying, &l).unwrap_err().to_string();
        assert!(
            e.contains("larger than its declared") || e.contains("limits.xlsx_max_entry_mib"),
            "{e}"
        );
        // The count itself, under any reader.
        let mut b = Bounded::new(std::io::Cursor::new(vec![b'x'; 5000]), 4096);
        let mut sink = Vec::new();
        assert!(b.read_to_end(&mut sink).is_err());
        assert_eq!(b.failure, Some(Failure::EntryTooLarge));
        assert!(sink.len() <= 4097, "{}", sink.len());
    }

    fn read(bytes: &[u8], l: &XlsxLimits) -> Result<Vec<Row>, XlsxError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.xlsx");
        std::fs::write(&p, bytes).unwrap();
        let archive = Archive::new(dir.path().join("archive"));
        let mut rows = vec![];
        read_rows(&p, l, &archive, &mut |r| {
            rows.push(r.clone());
            Ok(())
        })?;
        Ok(rows)
    }

    fn sheet(dim: &str, data: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/><sheetData>{data}</sheetData></worksheet>"#
        )
    }

    #[test]
    fn rows_cells_and_shared_strings() {
        let sst = r#"<sst><si><t>身份号码</t></si><si><r><t>1101</t></r><r><t>05</t></r><rPh><t>x</t></rPh></si><si><t> 8000 </t></si></sst>"#;
        let data = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>工资&amp;</t></is></c></row><row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3"><v>5000.5</v></c><c r="C3"><v>1</v></c></row><row r="4"><c t="s"><v>2</v></c><c t="b"><v>1</v></c></row>"#;
        let bytes = book(&sheet("A1:C4", data), Some(sst));
        let err = read(&bytes, &limits()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 4 column B: unexpected cell: boolean TRUE"
        );
        let data = data.replace(r#"<c t="b"><v>1</v></c>"#, "");
        let rows = read(&book(&sheet("A1:C4", &data), Some(sst)), &limits()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].a, Cell::Text("身份号码".into()));
        assert_eq!(rows[0].b, Cell::Text("工资&".into()));
        assert_eq!(
            (rows[1].number, &rows[1].a),
            (3, &Cell::Text("110105".into()))
        );
        assert_eq!(rows[1].b, Cell::Number(5000.5));
        assert_eq!(
            (rows[2].number, &rows[2].a),
            (4, &Cell::Text("8000".into()))
        );
        // The same with the shared strings spilled to disk.
        let mut l = limits();
        l.strings_in_memory = 4;
        let spilled = read(&book(&sheet("A1:C4", &data), Some(sst)), &l).unwrap();
        assert_eq!(spilled, rows);
    }

    #[test]
    fn caps_are_named() {
        let bomb = book(
            &sheet(
                "A1:XFD1048576",
                r#"<row r="1"><c r="A1"><v>1</v></c></row>"#,
            ),
            None,
        );
        let e = read(&bomb, &limits()).unwrap_err().to_string();
        assert!(
            e.contains("limits.xlsx_max_columns") && e.contains("A1:XFD1048576"),
            "{e}"
        );
        let tall = book(&sheet("A1:B1000", ""), None);
        let e = read(&tall, &limits()).unwrap_err().to_string();
        assert!(
            e.contains("limits.xlsx_max_rows") && e.contains("100 rows"),
            "{e}"
        );
        let row = book(&sheet("A1", r#"<row r="101"><c><v>1</v></c></row>"#), None);
        let e = read(&row, &limits()).unwrap_err().to_string();
        assert!(
            e.contains("limits.xlsx_max_rows") && e.contains("row 101"),
            "{e}"
        );
        let wide: String = (0..20_000).map(|_| "<c><v>1</v></c>").collect();
        let wide = book(&sheet("A1", &format!("<row r=\"1\">{wide}</row>")), None);
        let e = read(&wide, &limits()).unwrap_err().to_string();
        assert!(
            e.contains("limits.xlsx_max_columns") && e.contains("cell I1"),
            "{e}"
        );
        let mut l = limits();
        l.max_entry_bytes = 2000;
        let big = book(&sheet("A1", &"<row><c><v>1</v></c></row>".repeat(90)), None);
        let e = read(&big, &l).unwrap_err().to_string();
        assert!(
            e.contains("limits.xlsx_max_entry_mib") && e.contains("sheet1.xml"),
            "{e}"
        );
    }

    #[test]
    fn malformed_workbooks_are_refused_by_name() {
        let good = book(
            &sheet("A1", r#"<row r="1"><c r="A1"><v>1</v></c></row>"#),
            None,
        );
        let e = read(&good[..good.len() / 2], &limits())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a readable XLSX workbook"), "{e}");
        let e = read(b"hello, world", &limits()).unwrap_err().to_string();
        assert!(e.contains("not a readable XLSX workbook"), "{e}");
        let doc = book("<!DOCTYPE x [<!ENTITY a \"b\">]><worksheet/>", None);
        let e = read(&doc, &limits()).unwrap_err().to_string();
        assert!(e.contains("DOCTYPE"), "{e}");
        let deep = book(&format!("<worksheet>{}", "<a>".repeat(100)), None);
        let e = read(&deep, &limits()).unwrap_err().to_string();
        assert!(e.contains("nested deeper"), "{e}");
        let long = book(
            &format!("<worksheet><sheetData>{}", "x".repeat(MAX_XML_TOKEN + 10)),
            None,
        );
        let mut l = limits();
        l.max_entry_bytes = 4 << 20;
        let e = read(&long, &l).unwrap_err().to_string();
        assert!(e.contains("XML token is longer"), "{e}");
        let truncated = book(
            &sheet("A1", "<row r=\"1\"><c><v>1</v></c></row>")
                .replace("</sheetData></worksheet>", ""),
            None,
        );
        let e = read(&truncated, &limits()).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        let missing = book(
            &sheet("A1", r#"<row r="1"><c t="s"><v>7</v></c></row>"#),
            Some("<sst/>"),
        );
        let e = read(&missing, &limits()).unwrap_err().to_string();
        assert!(e.contains("shared string 7"), "{e}");
        let order = book(&sheet("A1", r#"<row r="2"/><row r="1"/>"#), None);
        let e = read(&order, &limits()).unwrap_err().to_string();
        assert!(e.contains("rows out of order"), "{e}");
        let no_a = book(
            &sheet("B1", r#"<row r="1"><c r="B1"><v>1</v></c></row>"#),
            None,
        );
        assert!(matches!(read(&no_a, &limits()), Err(XlsxError::NoColumnA)));
    }

    #[test]
    fn lexer_bounds_tokens_in_every_state() {
        let mut b = Bounded::new(std::io::empty(), u64::MAX);
        assert!(b
            .scan(b"<a x=\"1>2\">text</a><?xml v?><!-- c -> -- --><![CDATA[ ]] > ]]>")
            .is_ok());
        assert_eq!(b.lex, Lex::Text);
        // '>' ends none of these tokens; each grows until the cap.
        for open in ["<!-- ", "<![CDATA[ ", "<a x=\"", "<?pi "] {
            let mut b = Bounded::new(std::io::empty(), u64::MAX);
            b.scan(open.as_bytes()).unwrap();
            let chunk = vec![b'>'; 4096];
            let mut r = Ok(());
            for _ in 0..(MAX_XML_TOKEN / 4096 + 2) {
                r = b.scan(&chunk);
                if r.is_err() {
                    break;
                }
            }
            assert_eq!(r, Err(Failure::TokenTooLarge), "{open}");
        }
        let mut b = Bounded::new(std::io::empty(), u64::MAX);
        assert!(b.scan(&vec![b'x'; MAX_XML_TOKEN]).is_ok());
        assert_eq!(b.scan(b"x"), Err(Failure::TokenTooLarge));
        // Tags, text and closed tokens reset the count.
        let mut b = Bounded::new(std::io::empty(), u64::MAX);
        for _ in 0..(3 * MAX_XML_TOKEN / 16) {
            b.scan(b"<c r=\"A1\">1</c>").unwrap();
        }
        let mut b = Bounded::new(std::io::empty(), u64::MAX);
        assert_eq!(b.scan(b"<!DOCTYPE"), Err(Failure::Doctype));
    }

    #[test]
    fn references() {
        assert_eq!(cell_ref("A1"), Some((0, Some(1))));
        assert_eq!(cell_ref("XFD1048576"), Some((16383, Some(1048576))));
        assert_eq!(cell_ref("B"), Some((1, None)));
        assert_eq!(cell_ref("1A"), None);
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
    }
}
