//! Font loading: the faces are read and parsed once and then shared by every
//! render (typst `Font` is reference counted, so cloning is cheap).

use std::path::{Path, PathBuf};

use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use crate::CertError;

/// The character used to check that a face covers Chinese text.
const CJK_PROBE: char = '参';

/// Where Debian's `fonts-noto-cjk` package puts its faces.
pub const DEBIAN_NOTO_DIR: &str = "/usr/share/fonts/opentype/noto";
/// Required: the regular weight.
pub const DEBIAN_NOTO_REGULAR: &str = "NotoSansCJK-Regular.ttc";
/// Optional: the bold weight (titles, table header); typst falls back to the
/// regular face when it is missing.
pub const DEBIAN_NOTO_BOLD: &str = "NotoSansCJK-Bold.ttc";

/// Fonts loaded once and reused for every render.
///
/// Holds the typst [`FontBook`] and the parsed faces. `Fonts` is `Send + Sync`;
/// share one instance (e.g. in an `Arc`) between all request handlers.
pub struct Fonts {
    pub(crate) book: LazyHash<FontBook>,
    pub(crate) fonts: Vec<Font>,
    /// Font families that cover CJK, best first (Simplified Chinese first).
    pub(crate) families: Vec<String>,
    paths: Vec<PathBuf>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("paths", &self.paths)
            .field("faces", &self.fonts.len())
            .field("families", &self.families)
            .finish()
    }
}

impl Fonts {
    /// Load all faces from these files (`.ttc`, `.otc`, `.otf`, `.ttf`).
    ///
    /// Fails with a typed error naming the path when a file cannot be read or
    /// holds no usable face, and with [`CertError::NoCjkFont`] when no face
    /// covers Chinese (checked with '参').
    pub fn load(paths: &[PathBuf]) -> Result<Fonts, CertError> {
        if paths.is_empty() {
            return Err(CertError::NoCjkFont {
                paths: "(no font files given)".to_string(),
            });
        }
        let mut fonts = Vec::new();
        for path in paths {
            let data = std::fs::read(path).map_err(|source| CertError::FontRead {
                path: path.clone(),
                source,
            })?;
            let before = fonts.len();
            fonts.extend(Font::iter(typst::foundations::Bytes::new(data)));
            if fonts.len() == before {
                return Err(CertError::NoFontFace { path: path.clone() });
            }
        }

        let families = cjk_families(&fonts);
        if families.is_empty() {
            return Err(CertError::NoCjkFont {
                paths: join_paths(paths),
            });
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Fonts {
            book,
            fonts,
            families,
            paths: paths.to_vec(),
        })
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
        Self::load(&paths)
    }

    /// The files the faces were loaded from.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Number of faces loaded (a `.ttc` holds several).
    pub fn face_count(&self) -> usize {
        self.fonts.len()
    }

    /// CJK-capable families used by the template, in order of preference.
    pub fn cjk_families(&self) -> &[String] {
        &self.families
    }
}

/// Families covering the probe character, ordered: Simplified Chinese
/// ("SC"/"CN"/"GB"/"Hans") first, proportional before monospaced, then the
/// others in load order.
fn cjk_families(fonts: &[Font]) -> Vec<String> {
    let mut found: Vec<(u8, usize, String)> = Vec::new();
    for (i, font) in fonts.iter().enumerate() {
        let info = font.info();
        if !info.coverage.contains(CJK_PROBE as u32) {
            continue;
        }
        if found
            .iter()
            .any(|(_, _, f)| f.eq_ignore_ascii_case(&info.family))
        {
            continue;
        }
        let fam = info.family.to_ascii_lowercase();
        let words: Vec<&str> = fam.split([' ', '-', '_']).collect();
        let simplified = words
            .iter()
            .any(|w| matches!(*w, "sc" | "cn" | "gb" | "hans"))
            || info.family.contains("简")
            || info.family.contains("黑体")
            || info.family.contains("宋体");
        let mono = words.contains(&"mono");
        let rank = match (simplified, mono) {
            (true, false) => 0,
            (true, true) => 1,
            (false, false) => 2,
            (false, true) => 3,
        };
        found.push((rank, i, info.family.clone()));
    }
    found.sort_by_key(|(rank, i, _)| (*rank, *i));
    found.into_iter().map(|(_, _, f)| f).collect()
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
}
