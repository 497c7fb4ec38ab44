//! Bounded entry reading: a zip entry's bytes counted (the entry cap) and
//! lexed (the token cap) as they are inflated, and read as XML events with
//! a depth limit.

use std::io::{BufReader, Read};

use quick_xml::events::{BytesStart, Event};

use super::caps::*;

// ---- bounded entry reading ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Failure {
    EntryTooLarge,
    TokenTooLarge,
    Doctype,
}

/// XML lexical state, tracked only to bound the length of one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lex {
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
pub(super) struct Bounded<R> {
    pub(super) inner: R,
    pub(super) read: u64,
    pub(super) max: u64,
    pub(super) lex: Lex,
    pub(super) token: usize,
    pub(super) failure: Option<Failure>,
}

impl<R: Read> Bounded<R> {
    pub(super) fn new(inner: R, max: u64) -> Self {
        Bounded {
            inner,
            read: 0,
            max,
            lex: Lex::Text,
            token: 0,
            failure: None,
        }
    }

    pub(super) fn fail(&mut self, f: Failure) -> std::io::Error {
        self.failure = Some(f);
        std::io::Error::other(match f {
            Failure::EntryTooLarge => "entry larger than the cap",
            Failure::TokenTooLarge => "XML token larger than the cap",
            Failure::Doctype => "DOCTYPE not accepted",
        })
    }

    pub(super) fn scan(&mut self, bytes: &[u8]) -> Result<(), Failure> {
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
                    pub(super) const COMMENT: &[u8] = b"--";
                    pub(super) const CDATA: &[u8] = b"[CDATA[";
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
pub(super) struct Xml<R: Read> {
    pub(super) entry: String,
    pub(super) reader: quick_xml::Reader<BufReader<Bounded<R>>>,
    pub(super) depth: usize,
    pub(super) limits: XlsxLimits,
}

impl<R: Read> Xml<R> {
    pub(super) fn new(entry: &str, inner: R, limits: &XlsxLimits) -> Self {
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

    pub(super) fn error(&self, e: quick_xml::Error) -> XlsxError {
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
    pub(super) fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, XlsxError> {
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
    pub(super) fn push_text(&self, ev: &Event<'_>, out: &mut String) -> Result<(), XlsxError> {
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

pub(super) fn attr(
    e: &BytesStart<'_>,
    local: &[u8],
    prefixed: bool,
) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| format!("attribute: {e}"))?;
        if a.key.local_name().as_ref() == local && a.key.prefix().is_some() == prefixed {
            let v = a.unescape_value().map_err(|e| format!("attribute: {e}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}
