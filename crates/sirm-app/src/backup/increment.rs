//! One increment on the medium: JSON lines, gzip-compressed, encrypted with
//! age for the backup recipients. In clear (after decryption) it reads
//!
//! ```text
//! {"t":"header","format":"sirm-backup-increment v1","origin":…,"first_seq":…,"last_seq":…}
//! {"t":"installation",…}                       the installation record
//! {"t":"entry",…} …                            ledger rows first_seq..=last_seq, as stored
//! {"t":"checkpoint",…} …                       checkpoint rows in that range, as stored
//! {"t":"blob","address":…,"data":base64} …     archive files new since the last increment (sealed bytes)
//! {"t":"state","table":…,"row":[…]} …          every row of every state table
//! {"t":"config","text":…}                      sirm.toml
//! {"t":"end","entries":…,…}                    counts: a truncated increment has no end line
//! ```
//!
//! Nothing is read from an increment before its SHA-256 (of the encrypted
//! object) matched the signed manifest; age authenticates every chunk.

use std::io::{BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sirm_store::{CheckpointRow, StoredRow};

use super::BackupError;

/// `format` of the header line.
pub const INCREMENT_FORMAT: &str = "sirm-backup-increment v1";

/// Longest line accepted when reading (an archived file of the largest
/// declaration, base64).
const MAX_LINE: u64 = 512 * 1024 * 1024;

/// The installation record, as carried in a backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationRecord {
    pub origin: String,
    pub agency_code: String,
    pub agency_name: String,
    pub profile: String,
    pub public_key: String,
    pub created_us: i64,
}

/// One line of an increment.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Record {
    Header {
        format: String,
        origin: String,
        first_seq: u64,
        last_seq: u64,
    },
    Installation(InstallationRecord),
    Entry(StoredRow),
    Checkpoint(CheckpointRow),
    Blob {
        address: String,
        data: String,
    },
    State {
        table: String,
        row: Vec<Value>,
    },
    Config {
        text: String,
    },
    End {
        entries: u64,
        checkpoints: u64,
        blobs: u64,
        state_rows: u64,
    },
}

type Sink = BufWriter<flate2::write::GzEncoder<age::stream::StreamWriter<std::fs::File>>>;

/// Writes an increment to a scratch file.
pub struct IncrementWriter {
    path: PathBuf,
    sink: Option<Sink>,
    pub entries: u64,
    pub checkpoints: u64,
    pub blobs: u64,
    pub state_rows: u64,
}

fn io(path: &Path, e: impl std::fmt::Display) -> BackupError {
    BackupError::Io(format!("{}: {e}", path.display()))
}

impl IncrementWriter {
    /// A new increment at `path`, encrypted for `recipients`.
    pub fn create(
        path: PathBuf,
        recipients: &[age::x25519::Recipient],
    ) -> Result<Self, BackupError> {
        let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        let enc =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| BackupError::Config(format!("backup recipients: {e}")))?;
        let stream = enc.wrap_output(file).map_err(|e| io(&path, e))?;
        let gz = flate2::write::GzEncoder::new(stream, flate2::Compression::fast());
        Ok(IncrementWriter {
            path,
            sink: Some(BufWriter::with_capacity(1 << 20, gz)),
            entries: 0,
            checkpoints: 0,
            blobs: 0,
            state_rows: 0,
        })
    }

    pub fn write(&mut self, record: &Record) -> Result<(), BackupError> {
        match record {
            Record::Entry(_) => self.entries += 1,
            Record::Checkpoint(_) => self.checkpoints += 1,
            Record::Blob { .. } => self.blobs += 1,
            Record::State { .. } => self.state_rows += 1,
            _ => {}
        }
        let Some(sink) = self.sink.as_mut() else {
            return Err(BackupError::Io("increment already finished".into()));
        };
        serde_json::to_writer(&mut *sink, record).map_err(|e| io(&self.path, e))?;
        sink.write_all(b"\n").map_err(|e| io(&self.path, e))
    }

    /// Writes the end line and closes the file. Returns the file's path,
    /// its SHA-256 (hex) and size.
    pub fn finish(mut self) -> Result<(PathBuf, String, u64), BackupError> {
        let end = Record::End {
            entries: self.entries,
            checkpoints: self.checkpoints,
            blobs: self.blobs,
            state_rows: self.state_rows,
        };
        self.write(&end)?;
        let path = self.path.clone();
        let Some(sink) = self.sink.take() else {
            return Err(BackupError::Io("increment already finished".into()));
        };
        let gz = sink.into_inner().map_err(|e| io(&path, e.error()))?;
        let stream = gz.finish().map_err(|e| io(&path, e))?;
        let file = stream.finish().map_err(|e| io(&path, e))?;
        file.sync_all().map_err(|e| io(&path, e))?;
        drop(file);
        let (sha256, bytes) = hash_file(&path)?;
        Ok((path, sha256, bytes))
    }
}

fn hash_file(path: &Path) -> Result<(String, u64), BackupError> {
    let mut f = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| io(path, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Reads the records of an increment whose stored bytes are `bytes`,
/// after checking them against `sha256` from the manifest; `object` names
/// the increment in errors.
pub struct IncrementReader<'a> {
    object: String,
    lines: Box<dyn BufRead + Send + 'a>,
    ended: bool,
    line_no: u64,
}

impl<'a> IncrementReader<'a> {
    pub fn open(
        object: &str,
        bytes: &'a [u8],
        sha256: &str,
        identities: &[age::x25519::Identity],
    ) -> Result<Self, BackupError> {
        let bad = |reason: String| BackupError::Increment {
            object: object.into(),
            reason,
        };
        if hex::encode(Sha256::digest(bytes)) != sha256 {
            return Err(bad(format!(
                "content ({} bytes) does not match the manifest's SHA-256: corrupted or truncated",
                bytes.len()
            )));
        }
        let dec = age::Decryptor::new_buffered(bytes)
            .map_err(|e| bad(format!("not an age file: {e}")))?;
        let clear = dec
            .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| bad(format!("cannot decrypt with the identities given: {e}")))?;
        let gz = flate2::read::GzDecoder::new(clear);
        Ok(IncrementReader {
            object: object.into(),
            lines: Box::new(std::io::BufReader::with_capacity(1 << 20, gz)),
            ended: false,
            line_no: 0,
        })
    }

    fn bad(&self, reason: impl Into<String>) -> BackupError {
        BackupError::Increment {
            object: self.object.clone(),
            reason: reason.into(),
        }
    }

    /// The next record; `None` after the end line. A stream that stops
    /// before its end line is an error naming the increment.
    pub fn next_record(&mut self) -> Result<Option<Record>, BackupError> {
        if self.ended {
            return Ok(None);
        }
        let mut line = Vec::new();
        let n = (&mut self.lines)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| self.bad(format!("line {}: {e}", self.line_no + 1)))?;
        self.line_no += 1;
        if n == 0 {
            return Err(self.bad("ends without its end line: truncated"));
        }
        if line.last() != Some(&b'\n') {
            return Err(self.bad(format!("line {} is cut off or too long", self.line_no)));
        }
        let record: Record = serde_json::from_slice(&line[..line.len() - 1])
            .map_err(|e| self.bad(format!("line {}: {e}", self.line_no)))?;
        if let Record::End { .. } = record {
            self.ended = true;
        }
        Ok(Some(record))
    }
}

/// Base64 of an archived file's stored bytes.
pub fn blob_record(address: &str, stored: &[u8]) -> Record {
    Record::Blob {
        address: address.to_owned(),
        data: B64.encode(stored),
    }
}

/// The stored bytes of a blob record.
pub fn blob_bytes(data: &str) -> Result<Vec<u8>, String> {
    B64.decode(data).map_err(|e| e.to_string())
}
