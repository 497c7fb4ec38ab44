//! The package: zip entries, relationships, the workbook part and its
//! first sheet.

use std::fs::File;
use std::io::BufReader;

use quick_xml::events::Event;

use super::bounded::*;
use super::caps::*;

pub(super) type Zip = zip::ZipArchive<BufReader<File>>;

pub(super) fn open_entry<'z>(
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
pub(super) fn relationships(
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
pub(super) fn resolve(dir: &str, target: &str) -> String {
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
pub(super) fn office_document(zip: &mut Zip, limits: &XlsxLimits) -> Result<String, XlsxError> {
    let rels = relationships(zip, limits, "")?;
    let found = rels
        .into_iter()
        .find(|(_, kind, _)| kind.ends_with("/officeDocument"))
        .map(|(_, _, target)| target);
    Ok(found.unwrap_or_else(|| "xl/workbook.xml".into()))
}

/// The first sheet's part and the shared-strings part, if any.
pub(super) fn first_sheet(
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
