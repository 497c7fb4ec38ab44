//! The shared-strings table: in memory up to a budget, spilled to scratch
//! files beyond it.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

use quick_xml::events::Event;

use super::super::archive::{Archive, TempText};
use super::bounded::*;
use super::caps::*;
use super::package::*;

// ---- shared strings ----

/// The shared-strings table: in memory up to a budget, then in two
/// scratch files (the text, and the end offset of each string).
pub(super) struct SharedStrings<'a> {
    pub(super) text: String,
    pub(super) ends: Vec<u32>,
    pub(super) budget: usize,
    pub(super) archive: &'a Archive,
    pub(super) spill: Option<Spill>,
    pub(super) count: u64,
    pub(super) scratch: Vec<u8>,
}

pub(super) struct Spill {
    pub(super) _data_file: TempText,
    pub(super) _index_file: TempText,
    pub(super) data: BufWriter<File>,
    pub(super) index: BufWriter<File>,
    pub(super) written: u64,
    pub(super) reader: Option<(File, File)>,
}

impl<'a> SharedStrings<'a> {
    pub(super) fn new(budget: usize, archive: &'a Archive) -> Self {
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

    pub(super) fn push(&mut self, s: &str) -> Result<(), XlsxError> {
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
    pub(super) fn finish(&mut self) -> Result<(), XlsxError> {
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
    pub(super) fn get(&mut self, i: u64, out: &mut String) -> Result<bool, XlsxError> {
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

pub(super) fn read_shared_strings(
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
