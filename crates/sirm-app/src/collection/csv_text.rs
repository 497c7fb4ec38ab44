//! The text encoding of an uploaded CSV: UTF-8 (with or without a BOM) is
//! read as it is; anything else is taken as GBK (read as GB 18030, its
//! superset, the encoding Excel uses on Chinese Windows) and transcoded to
//! UTF-8 in a scratch file, streamed chunk by chunk (memory does not grow
//! with the file). A byte GB 18030 cannot read becomes U+FFFD, so its row
//! is refused with a reason like any other bad row.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use encoding_rs::{CoderResult, DecoderResult};

use super::archive::TempText;
use super::Archive;
use crate::AppError;

const CHUNK: usize = 1 << 16;

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// `None` when the file at `path` is UTF-8; else its text as UTF-8 in a
/// scratch file.
pub(crate) fn utf8_or_gbk(path: &Path, archive: &Archive) -> Result<Option<TempText>, AppError> {
    if is_utf8(path).map_err(file_error(path))? {
        return Ok(None);
    }
    let out = archive.scratch()?;
    transcode(path, out.path()).map_err(file_error(out.path()))?;
    Ok(Some(out))
}

fn is_utf8(path: &Path) -> std::io::Result<bool> {
    let mut f = File::open(path)?;
    let mut decoder = encoding_rs::UTF_8.new_decoder_without_bom_handling();
    let (mut buf, mut out) = (vec![0u8; CHUNK], vec![0u8; CHUNK * 3]);
    loop {
        let n = f.read(&mut buf)?;
        let last = n == 0;
        let mut input = &buf[..n];
        loop {
            let (result, read, _) =
                decoder.decode_to_utf8_without_replacement(input, &mut out, last);
            input = &input[read..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => continue,
                DecoderResult::Malformed(..) => return Ok(false),
            }
        }
        if last {
            return Ok(true);
        }
    }
}

fn transcode(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut f = File::open(from)?;
    let mut w = std::io::BufWriter::with_capacity(CHUNK, File::create(to)?);
    let mut decoder = encoding_rs::GB18030.new_decoder();
    let (mut buf, mut out) = (vec![0u8; CHUNK], vec![0u8; CHUNK * 3 + 16]);
    loop {
        let n = f.read(&mut buf)?;
        let last = n == 0;
        let mut input = &buf[..n];
        loop {
            let (result, read, written, _) = decoder.decode_to_utf8(input, &mut out, last);
            w.write_all(&out[..written])?;
            input = &input[read..];
            if result == CoderResult::InputEmpty {
                break;
            }
        }
        if last {
            return w.flush();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_and_gbk_is_transcoded() {
        let dir = tempfile::tempdir().unwrap();
        let (utf8, gbk, out) = (
            dir.path().join("u.csv"),
            dir.path().join("g.csv"),
            dir.path().join("o.csv"),
        );
        std::fs::write(&utf8, "\u{feff}身份号码,月工资\n").unwrap();
        assert!(is_utf8(&utf8).unwrap());
        let (bytes, _, _) = encoding_rs::GBK.encode("身份号码,月工资\n1,\"12,345.60\"\n");
        std::fs::write(&gbk, &bytes).unwrap();
        assert!(!is_utf8(&gbk).unwrap());
        transcode(&gbk, &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "身份号码,月工资\n1,\"12,345.60\"\n"
        );
    }
}
