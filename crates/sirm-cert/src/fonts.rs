//! Font loading: each file is read once; the chosen faces are shared by
//! every render (`Fonts` is `Send + Sync`, cloning a face is an `Arc` clone).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::raw::{FileRef, TableProvider};
use skrifa::{string::StringId, FontRef, MetadataProvider};

use crate::CertError;

/// The character used to check that a face covers Chinese text.
const CJK_PROBE: char = '参';

/// Where Debian's `fonts-noto-cjk` package puts its faces.
pub const DEBIAN_NOTO_DIR: &str = "/usr/share/fonts/opentype/noto";
/// Required: the regular weight.
pub const DEBIAN_NOTO_REGULAR: &str = "NotoSansCJK-Regular.ttc";
/// Optional: the bold weight (title, headings, table header); the regular
/// face is used when it is missing.
pub const DEBIAN_NOTO_BOLD: &str = "NotoSansCJK-Bold.ttc";

/// The font subset built into the program (Noto Sans CJK SC, SIL Open Font
/// License 1.1, `fonts/OFL.txt`): GB 2312, ASCII, CJK punctuation, full-width
/// forms and every character of the certificate templates and the demo data;
/// made by `scripts/make-font-subset`. Used when neither the configured files
/// nor Debian's fonts-noto-cjk are found.
pub const EMBEDDED_REGULAR: &[u8] = include_bytes!("../fonts/NotoSansCJKsc-Regular-subset.otf");
/// The bold weight of the embedded subset (same characters).
pub const EMBEDDED_BOLD: &[u8] = include_bytes!("../fonts/NotoSansCJKsc-Bold-subset.otf");

/// Where the fonts of a [`Fonts`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FontSource {
    /// The files of `[certificates] fonts`.
    Configured,
    /// Debian's fonts-noto-cjk.
    Debian,
    /// The subset built into the program ([`EMBEDDED_REGULAR`]).
    Embedded,
}

/// One face of a font file: the bytes (shared), its index in a collection,
/// and the krilla font built from them.
#[derive(Clone)]
pub(crate) struct Face {
    pub(crate) data: Arc<Vec<u8>>,
    pub(crate) index: u32,
    pub(crate) family: String,
    pub(crate) font: krilla::text::Font,
}

impl Face {
    /// Glyph lookup and advance widths for this face, valid for one render.
    pub(crate) fn metrics(&self) -> Option<Metrics<'_>> {
        let font = FontRef::from_index(&self.data, self.index).ok()?;
        let upem = f32::from(font.head().ok()?.units_per_em());
        Some(Metrics {
            charmap: font.charmap(),
            glyphs: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            upem,
        })
    }
}

/// Character map and advance widths of one face.
pub(crate) struct Metrics<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    glyphs: skrifa::metrics::GlyphMetrics<'a>,
    upem: f32,
}

impl Metrics<'_> {
    /// Glyph id (0 = .notdef when the face lacks the character) and the
    /// advance in em.
    pub(crate) fn glyph(&self, c: char) -> (u32, f32) {
        let gid = self.charmap.map(c).unwrap_or_default();
        let adv = self.glyphs.advance_width(gid).unwrap_or(0.0) / self.upem;
        (gid.to_u32(), adv)
    }

    /// The first character of `s` this face has no glyph for (white space
    /// and control characters aside: they are never drawn as glyphs).
    pub(crate) fn first_missing(&self, s: &str) -> Option<char> {
        s.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .find(|c| self.charmap.map(*c).is_none())
    }

    /// Width of `s` in em.
    pub(crate) fn width_em(&self, s: &str) -> f32 {
        s.chars().map(|c| self.glyph(c).1).sum()
    }
}

/// Fonts loaded once and reused for every render.
#[derive(Clone)]
pub struct Fonts {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
    paths: Vec<PathBuf>,
    source: FontSource,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("source", &self.source)
            .field("paths", &self.paths)
            .field("regular", &self.regular.family)
            .field("bold", &self.bold.family)
            .finish()
    }
}

impl Fonts {
    /// Load the faces from these files (`.ttc`, `.otc`, `.otf`, `.ttf`): the
    /// first file gives the regular face, the second (if any) the bold one.
    /// In a collection the Simplified Chinese face is chosen (family name
    /// with SC/CN/GB/Hans), proportional before monospaced.
    ///
    /// Fails with a typed error naming the path when a file cannot be read or
    /// holds no usable face, and with [`CertError::NoCjkFont`] when no face
    /// covers Chinese (checked with '参').
    pub fn load(paths: &[PathBuf]) -> Result<Fonts, CertError> {
        let Some(first) = paths.first() else {
            return Err(CertError::NoCjkFont {
                paths: "(no font files given)".to_string(),
            });
        };
        let regular = best_face(first, paths)?;
        let bold = match paths.get(1) {
            Some(p) => best_face(p, paths)?,
            None => regular.clone(),
        };
        Ok(Fonts {
            regular,
            bold,
            paths: paths.to_vec(),
            source: FontSource::Configured,
        })
    }

    /// The subset built into the program ([`EMBEDDED_REGULAR`],
    /// [`EMBEDDED_BOLD`]); `paths()` is empty.
    pub fn embedded() -> Result<Fonts, CertError> {
        let face = |bytes: &'static [u8], name: &str| {
            best_face_of(Arc::new(bytes.to_vec()), Path::new(name), &[])
        };
        Ok(Fonts {
            regular: face(EMBEDDED_REGULAR, "(embedded regular)")?,
            bold: face(EMBEDDED_BOLD, "(embedded bold)")?,
            paths: Vec::new(),
            source: FontSource::Embedded,
        })
    }

    /// The fonts a server uses: the configured files (`paths`; none: Debian's
    /// fonts-noto-cjk), or the embedded subset when those files do not exist.
    /// The second value says why the embedded subset was chosen (to be
    /// logged). A file that exists but cannot be used is an error, not a
    /// reason to fall back: the operator asked for it.
    pub fn configured_or_embedded(
        paths: &[PathBuf],
    ) -> Result<(Fonts, Option<CertError>), CertError> {
        let loaded = if paths.is_empty() {
            Self::debian_default()
        } else {
            Self::load(paths)
        };
        match loaded {
            Ok(fonts) => Ok((fonts, None)),
            Err(e @ CertError::DefaultFontsMissing { .. }) => Ok((Self::embedded()?, Some(e))),
            Err(CertError::FontRead { path, source })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                let e = CertError::FontRead { path, source };
                Ok((Self::embedded()?, Some(e)))
            }
            Err(e) => Err(e),
        }
    }

    /// Load the default Debian locations of `fonts-noto-cjk`
    /// (`NotoSansCJK-Regular.ttc`, and `NotoSansCJK-Bold.ttc` if present).
    pub fn debian_default() -> Result<Fonts, CertError> {
        Self::from_dir_defaults(Path::new(DEBIAN_NOTO_DIR))
    }

    pub(crate) fn from_dir_defaults(dir: &Path) -> Result<Fonts, CertError> {
        let regular = dir.join(DEBIAN_NOTO_REGULAR);
        if !regular.is_file() {
            return Err(CertError::DefaultFontsMissing { path: regular });
        }
        let mut paths = vec![regular];
        let bold = dir.join(DEBIAN_NOTO_BOLD);
        if bold.is_file() {
            paths.push(bold);
        }
        let mut fonts = Self::load(&paths)?;
        fonts.source = FontSource::Debian;
        Ok(fonts)
    }

    /// The files the faces were loaded from.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Where the fonts came from.
    pub fn source(&self) -> FontSource {
        self.source
    }

    /// Family names of the regular and the bold face, e.g. "Noto Sans CJK SC".
    pub fn families(&self) -> [&str; 2] {
        [&self.regular.family, &self.bold.family]
    }
}

/// The best CJK face of one file (see [`Fonts::load`]).
fn best_face(path: &Path, all: &[PathBuf]) -> Result<Face, CertError> {
    let data = std::fs::read(path).map_err(|source| CertError::FontRead {
        path: path.to_path_buf(),
        source,
    })?;
    best_face_of(Arc::new(data), path, all)
}

/// The best CJK face of these bytes, read from `path`.
fn best_face_of(data: Arc<Vec<u8>>, path: &Path, all: &[PathBuf]) -> Result<Face, CertError> {
    let file = FileRef::new(&data).map_err(|_| CertError::NoFontFace {
        path: path.to_path_buf(),
    })?;
    let mut any = false;
    let mut best: Option<(u8, u32, String)> = None;
    for (i, font) in file.fonts().enumerate() {
        let Ok(font) = font else { continue };
        any = true;
        if font.charmap().map(CJK_PROBE).is_none() {
            continue;
        }
        let family = font
            .localized_strings(StringId::FAMILY_NAME)
            .english_or_first()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let rank = family_rank(&family);
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
            best = Some((rank, index, family));
        }
    }
    if !any {
        return Err(CertError::NoFontFace {
            path: path.to_path_buf(),
        });
    }
    let Some((_, index, family)) = best else {
        return Err(CertError::NoCjkFont {
            paths: join_paths(all),
        });
    };
    let font =
        krilla::text::Font::new(krilla::Data::from(data.clone()), index).ok_or_else(|| {
            CertError::NoFontFace {
                path: path.to_path_buf(),
            }
        })?;
    Ok(Face {
        data,
        index,
        family,
        font,
    })
}

/// Simplified Chinese first, proportional before monospaced.
fn family_rank(family: &str) -> u8 {
    let fam = family.to_ascii_lowercase();
    let words: Vec<&str> = fam.split([' ', '-', '_']).collect();
    let simplified = words
        .iter()
        .any(|w| matches!(*w, "sc" | "cn" | "gb" | "hans"))
        || family.contains('简')
        || family.contains("黑体")
        || family.contains("宋体");
    let mono = words.contains(&"mono");
    match (simplified, mono) {
        (true, false) => 0,
        (true, true) => 1,
        (false, false) => 2,
        (false, true) => 3,
    }
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debian_default_missing_says_what_to_do() {
        let err = Fonts::from_dir_defaults(Path::new("/nonexistent/noto")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CertError::DefaultFontsMissing { .. }));
        assert!(
            msg.contains("/nonexistent/noto/NotoSansCJK-Regular.ttc"),
            "{msg}"
        );
        assert!(
            msg.contains("install fonts-noto-cjk or set [certificates] fonts"),
            "{msg}"
        );
    }

    #[test]
    fn simplified_chinese_families_rank_first() {
        assert!(family_rank("Noto Sans CJK SC") < family_rank("Noto Sans CJK JP"));
        assert!(family_rank("Noto Sans CJK SC") < family_rank("Noto Sans Mono CJK SC"));
        assert!(family_rank("Noto Sans Mono CJK SC") < family_rank("Noto Sans CJK TC"));
    }
}
