//! The typst `World`: a tiny in-memory file system holding the static
//! template, the per-certificate JSON data and the QR code SVG.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};

use crate::fonts::Fonts;
use crate::CertError;

const TEMPLATE: &str = include_str!("certificate.typ");

/// Fixed virtual files. Interning is global in typst; using fixed ids means
/// no new id is leaked per render.
struct Files {
    main_id: FileId,
    data_id: FileId,
    qr_id: FileId,
    /// The template source: identical for every render, so typst's
    /// memoization (comemo) reuses its parse across renders.
    main: Source,
}

fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

static FILES: LazyLock<Option<Files>> = LazyLock::new(|| {
    let main_id = file_id("/main.typ")?;
    Some(Files {
        main_id,
        data_id: file_id("/data.json")?,
        qr_id: file_id("/qr.svg")?,
        main: Source::new(main_id, TEMPLATE.to_string()),
    })
});

/// The standard library is built once per process.
static LIBRARY: LazyLock<LazyHash<Library>> =
    LazyLock::new(|| LazyHash::new(Library::builder().build()));

pub(crate) struct CertWorld<'a> {
    files: &'static Files,
    fonts: &'a Fonts,
    data: Bytes,
    qr: Bytes,
}

impl<'a> CertWorld<'a> {
    pub(crate) fn new(fonts: &'a Fonts, data: Vec<u8>, qr_svg: String) -> Result<Self, CertError> {
        let files = FILES
            .as_ref()
            .ok_or_else(|| CertError::Typst("internal: invalid virtual file path".into()))?;
        Ok(Self {
            files,
            fonts,
            data: Bytes::new(data),
            qr: Bytes::from_string(qr_svg),
        })
    }

    /// Render diagnostics as "file:line:col: message (hint: ...)" lines.
    pub(crate) fn format_diagnostics(&self, diags: &[SourceDiagnostic]) -> String {
        let mut out = Vec::with_capacity(diags.len());
        for diag in diags {
            let mut line = String::new();
            if let Some(id) = diag.span.id() {
                line.push_str(id.vpath().get_with_slash());
                if let (Some(range), Ok(source)) = (self.range(diag.span), self.source(id)) {
                    if let Some((l, c)) = source.lines().byte_to_line_column(range.start) {
                        line.push_str(&format!(":{}:{}", l + 1, c + 1));
                    }
                }
                line.push_str(": ");
            }
            line.push_str(&diag.message);
            for hint in &diag.hints {
                line.push_str(" (hint: ");
                line.push_str(&hint.v);
                line.push(')');
            }
            out.push(line);
        }
        if out.is_empty() {
            "unknown typst error".to_string()
        } else {
            out.join("; ")
        }
    }
}

impl World for CertWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.files.main_id
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let f = self.files;
        if id == f.main_id {
            Ok(f.main.clone())
        } else if id == f.data_id || id == f.qr_id {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let f = self.files;
        if id == f.data_id {
            Ok(self.data.clone())
        } else if id == f.qr_id {
            Ok(self.qr.clone())
        } else if id == f.main_id {
            Ok(Bytes::from_string(f.main.clone()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    /// No clock: `datetime.today()` fails, which keeps output deterministic.
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_with_slash().into())
}
