//! The archive at rest (docs/privacy.md): every archived file (scanned
//! materials, declaration files, certificate PDFs) is stored sealed under
//! the archive's data key, which is kept wrapped under the key-encryption
//! key like a person's. The address stays the SHA-256 of the plaintext
//! (what the ledger records); the stored bytes are
//!
//! ```text
//! "SIRMAR1\n" then, per chunk of at most 64 KiB of plaintext:
//!   u32 big-endian length of the sealed chunk, nonce || ciphertext || tag
//! ```
//!
//! each chunk bound to the address, its index and whether it is the last
//! (so chunks cannot be dropped, reordered or moved to another file).

use std::io::{Read, Write};
use std::path::Path;

use sirm_ledger::{CryptoProfile, SecretKey};

use crate::AppError;

const MAGIC: &[u8] = b"SIRMAR1\n";
const CHUNK: usize = 64 * 1024;

/// Seals and opens archive files.
#[derive(Clone, Debug)]
pub struct Sealer {
    pub(crate) profile: CryptoProfile,
    pub(crate) key: SecretKey,
}

fn aad(address: &str, index: u64, last: bool) -> Vec<u8> {
    format!("sirm archive\n{address}\n{index}\n{}", u8::from(last)).into_bytes()
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads up to `buf.len()` bytes (fewer only at the end).
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = r.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

impl Sealer {
    /// Seals a stream (plaintext of any size, memory one chunk).
    pub fn seal_stream(
        &self,
        address: &str,
        mut input: impl Read,
        mut output: impl Write,
    ) -> std::io::Result<()> {
        output.write_all(MAGIC)?;
        let mut cur = vec![0u8; CHUNK];
        let mut next = vec![0u8; CHUNK];
        let mut n = fill(&mut input, &mut cur)?;
        let mut index = 0u64;
        loop {
            let m = if n == CHUNK {
                fill(&mut input, &mut next)?
            } else {
                0
            };
            let last = m == 0;
            let sealed = self
                .profile
                .seal(&self.key, &aad(address, index, last), &cur[..n]);
            let len = u32::try_from(sealed.len()).unwrap_or(u32::MAX);
            output.write_all(&len.to_be_bytes())?;
            output.write_all(&sealed)?;
            if last {
                return output.flush();
            }
            std::mem::swap(&mut cur, &mut next);
            n = m;
            index += 1;
        }
    }

    /// Opens a sealed stream; any altered, missing or extra chunk fails.
    pub fn open_stream(
        &self,
        address: &str,
        mut input: impl Read,
        mut output: impl Write,
    ) -> Result<(), String> {
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic).map_err(|e| e.to_string())?;
        if magic != MAGIC {
            return Err("not a sealed archive file".into());
        }
        let mut len = [0u8; 4];
        input
            .read_exact(&mut len)
            .map_err(|_| "empty sealed file".to_string())?;
        let mut index = 0u64;
        loop {
            let n = u32::from_be_bytes(len) as usize;
            if n > CHUNK + 64 {
                return Err(format!("chunk {index} is too long"));
            }
            let mut sealed = vec![0u8; n];
            input
                .read_exact(&mut sealed)
                .map_err(|_| format!("chunk {index} is cut short"))?;
            let more = fill(&mut input, &mut len).map_err(|e| e.to_string())?;
            let last = more == 0;
            if !last && more != 4 {
                return Err("trailing bytes".into());
            }
            let plain = self
                .profile
                .open(&self.key, &aad(address, index, last), &sealed)
                .map_err(|_| format!("chunk {index} does not open (altered, or another file's)"))?;
            output.write_all(&plain).map_err(|e| e.to_string())?;
            if last {
                return output.flush().map_err(|e| e.to_string());
            }
            index += 1;
        }
    }

    pub fn seal_bytes(&self, address: &str, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() + bytes.len() / CHUNK * 32 + 64);
        // Writing to a Vec cannot fail.
        let _ = self.seal_stream(address, bytes, &mut out);
        out
    }

    pub fn open_bytes(
        &self,
        address: &str,
        sealed: &[u8],
        path: &Path,
    ) -> Result<Vec<u8>, AppError> {
        let mut out = Vec::with_capacity(sealed.len());
        self.open_stream(address, sealed, &mut out)
            .map_err(|m| io_err(path, format!("archived file does not open: {m}")))?;
        Ok(out)
    }

    /// Seals the file `src` into `dst` (streamed).
    pub fn seal_file(&self, address: &str, src: &Path, dst: &Path) -> Result<(), AppError> {
        let input = std::io::BufReader::new(std::fs::File::open(src).map_err(|e| io_err(src, e))?);
        let mut out = std::fs::File::create(dst).map_err(|e| io_err(dst, e))?;
        self.seal_stream(address, input, std::io::BufWriter::new(&mut out))
            .map_err(|e| io_err(dst, e))?;
        out.sync_all().map_err(|e| io_err(dst, e))
    }

    /// Opens the sealed file `src` into `dst` (streamed).
    pub fn open_file(&self, address: &str, src: &Path, dst: &Path) -> Result<(), AppError> {
        let input = std::io::BufReader::new(std::fs::File::open(src).map_err(|e| io_err(src, e))?);
        let out = std::fs::File::create(dst).map_err(|e| io_err(dst, e))?;
        self.open_stream(address, input, std::io::BufWriter::new(out))
            .map_err(|m| io_err(src, format!("archived file does not open: {m}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_at_chunk_boundaries() {
        let s = Sealer {
            profile: CryptoProfile::default(),
            key: SecretKey::generate(),
        };
        for len in [0usize, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let sealed = s.seal_bytes("abc", &data);
            assert!(!sealed
                .windows(16.min(len.max(1)))
                .any(|w| len >= 16 && w == &data[..16]));
            let p = Path::new("x");
            assert_eq!(s.open_bytes("abc", &sealed, p).unwrap(), data, "{len}");
            assert!(
                s.open_bytes("abd", &sealed, p).is_err(),
                "bound to its address"
            );
            if len > CHUNK {
                // Drop the last chunk: the one before is not marked last.
                let first_len = u32::from_be_bytes(sealed[8..12].try_into().unwrap()) as usize;
                let cut = &sealed[..12 + first_len];
                assert!(s.open_bytes("abc", cut, p).is_err(), "truncation found");
            }
            let mut t = sealed.clone();
            let last = t.len() - 1;
            t[last] ^= 1;
            assert!(s.open_bytes("abc", &t, p).is_err());
        }
    }
}
