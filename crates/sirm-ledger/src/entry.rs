//! Ledger entries and their canonical byte encoding.
//!
//! The leaf of an entry in the Merkle tree is `leaf_hash(leaf_bytes)`, where
//! `leaf_bytes` is a canonical JSON object with sorted keys and no whitespace.
//! The payload is stored as canonical JSON *text* and is embedded verbatim,
//! never re-encoded, so any changed byte in a stored payload changes the hash.

use std::fmt;

use chrono::{DateTime, Datelike as _, SecondsFormat, Timelike as _, Utc};
use serde_json::Value;

use crate::{CryptoProfile, Digest, LedgerError};

/// Version of the leaf encoding, written as `"v"` in every leaf.
pub const LEAF_VERSION: u32 = 1;

/// The two streams of the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Business facts: registrations, contributions, benefits...
    Business,
    /// Security facts: logins, disclosures, key events...
    Security,
}

impl Stream {
    /// `"business"` or `"security"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stream::Business => "business",
            Stream::Security => "security",
        }
    }

    /// Parses [`Stream::as_str`].
    pub fn parse(s: &str) -> Result<Self, LedgerError> {
        match s {
            "business" => Ok(Stream::Business),
            "security" => Ok(Stream::Security),
            other => Err(LedgerError::UnknownStream(other.to_owned())),
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a use case hands to the append path (no seq yet).
#[derive(Clone, Debug, PartialEq)]
pub struct EntryDraft {
    /// When the fact happened (truncated to microseconds on append).
    pub time: DateTime<Utc>,
    /// Agency code that records the fact.
    pub agency: String,
    /// Business or security stream.
    pub stream: Stream,
    /// Kind of fact, e.g. `person.registered`.
    pub kind: String,
    /// The subject the fact is about (person, employer...).
    pub subject: String,
    /// The application (transaction) this fact belongs to, if any.
    pub application: Option<String>,
    /// Users who acted (collector, reviewer...).
    pub actors: Vec<String>,
    /// The fact itself; must be a JSON object without floats.
    pub payload: Value,
}

/// A ledger entry as stored.
///
/// `payload` is canonical JSON text and is hashed verbatim (never re-encoded
/// when verifying, so any changed byte changes the hash).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Entry {
    /// 1-based sequence number; the leaf index is `seq - 1`.
    pub seq: u64,
    /// Microsecond precision.
    pub time: DateTime<Utc>,
    /// Agency code.
    pub agency: String,
    /// Business or security stream.
    pub stream: Stream,
    /// Kind of fact.
    pub kind: String,
    /// Subject of the fact.
    pub subject: String,
    /// Application (transaction) id, if any.
    pub application: Option<String>,
    /// Users who acted.
    pub actors: Vec<String>,
    /// Canonical JSON text of the payload object.
    pub payload: String,
}

impl Entry {
    /// Builds the entry the append path will store as number `seq`.
    ///
    /// Truncates the time to microseconds, canonicalises the payload (which
    /// must be a JSON object without floats) and rejects an empty kind,
    /// agency or subject.
    pub fn from_draft(seq: u64, draft: EntryDraft) -> Result<Entry, LedgerError> {
        if seq == 0 {
            return Err(LedgerError::InvalidEntry(
                "sequence numbers start at 1".to_owned(),
            ));
        }
        for (name, value) in [
            ("kind", &draft.kind),
            ("agency", &draft.agency),
            ("subject", &draft.subject),
        ] {
            if value.trim().is_empty() {
                return Err(LedgerError::InvalidEntry(format!(
                    "{name} must not be empty"
                )));
            }
        }
        if !draft.payload.is_object() {
            return Err(LedgerError::InvalidEntry(
                "payload must be a JSON object".to_owned(),
            ));
        }
        let payload = canonical_json(&draft.payload)?;
        let time = micros_to_time(draft.time.timestamp_micros())?;
        Ok(Entry {
            seq,
            time,
            agency: draft.agency,
            stream: draft.stream,
            kind: draft.kind,
            subject: draft.subject,
            application: draft.application,
            actors: draft.actors,
            payload,
        })
    }

    /// Microseconds since the Unix epoch (how the store keeps the time).
    pub fn time_micros(&self) -> i64 {
        self.time.timestamp_micros()
    }

    /// Rebuilds an entry from a stored row. The payload is kept verbatim
    /// (not validated: a damaged payload must still be hashed as it is);
    /// `actors_json` must be a JSON array of strings.
    #[allow(clippy::too_many_arguments)]
    pub fn from_stored(
        seq: u64,
        time_micros: i64,
        agency: String,
        stream: &str,
        kind: String,
        subject: String,
        application: Option<String>,
        actors_json: &str,
        payload: String,
    ) -> Result<Entry, LedgerError> {
        let stream = Stream::parse(stream)?;
        let actors: Vec<String> = serde_json::from_str(actors_json).map_err(|e| {
            LedgerError::InvalidJson(format!("actors must be a JSON array of strings: {e}"))
        })?;
        Ok(Entry {
            seq,
            time: micros_to_time(time_micros)?,
            agency,
            stream,
            kind,
            subject,
            application,
            actors,
            payload,
        })
    }

    /// Canonical JSON array text of the actors.
    pub fn actors_json(&self) -> String {
        let mut out =
            Vec::with_capacity(2 + self.actors.iter().map(|a| a.len() + 3).sum::<usize>());
        write_str_array(&mut out, &self.actors);
        bytes_to_string(out)
    }

    /// The canonical bytes that are hashed into the leaf:
    ///
    /// `{"actors":[..],"agency":..,"application":null|"..","kind":..,"payload":<payload verbatim>,"seq":N,"stream":"business","subject":..,"time":"2026-11-27T03:36:37.123456Z","v":1}`
    pub fn leaf_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_leaf_bytes(&mut out);
        out
    }

    /// Appends [`Entry::leaf_bytes`] to `out` (lets hot loops reuse one buffer).
    pub fn write_leaf_bytes(&self, out: &mut Vec<u8>) {
        let cap = 160
            + self.agency.len()
            + self.kind.len()
            + self.subject.len()
            + self.application.as_ref().map_or(0, String::len)
            + self.actors.iter().map(|a| a.len() + 3).sum::<usize>()
            + self.payload.len();
        out.reserve(cap);
        out.extend_from_slice(b"{\"actors\":");
        write_str_array(out, &self.actors);
        out.extend_from_slice(b",\"agency\":");
        write_json_str(out, &self.agency);
        out.extend_from_slice(b",\"application\":");
        match &self.application {
            Some(a) => write_json_str(out, a),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"kind\":");
        write_json_str(out, &self.kind);
        out.extend_from_slice(b",\"payload\":");
        out.extend_from_slice(self.payload.as_bytes());
        out.extend_from_slice(b",\"seq\":");
        write_u64(out, self.seq);
        out.extend_from_slice(b",\"stream\":\"");
        out.extend_from_slice(self.stream.as_str().as_bytes());
        out.extend_from_slice(b"\",\"subject\":");
        write_json_str(out, &self.subject);
        out.extend_from_slice(b",\"time\":\"");
        write_time(out, &self.time);
        out.extend_from_slice(b"\",\"v\":");
        write_u64(out, u64::from(LEAF_VERSION));
        out.push(b'}');
    }

    /// The Merkle leaf hash of this entry.
    pub fn leaf_hash(&self, profile: CryptoProfile) -> Digest {
        profile.leaf_hash(&self.leaf_bytes())
    }

    /// Parses the stored payload text.
    pub fn payload_value(&self) -> Result<Value, LedgerError> {
        serde_json::from_str(&self.payload)
            .map_err(|e| LedgerError::InvalidJson(format!("entry {} payload: {e}", self.seq)))
    }
}

/// Formats a time the way leaves and checkpoints do: RFC 3339, UTC, exactly
/// six fractional digits, `Z` suffix.
pub fn format_time(t: &DateTime<Utc>) -> String {
    let mut out = Vec::with_capacity(27);
    write_time(&mut out, t);
    bytes_to_string(out)
}

fn micros_to_time(micros: i64) -> Result<DateTime<Utc>, LedgerError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| LedgerError::InvalidEntry(format!("time {micros} µs is out of range")))
}

fn bytes_to_string(bytes: Vec<u8>) -> String {
    // Every writer in this module emits valid UTF-8 (ASCII plus copied `str`s).
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn write_2(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

fn write_time(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    let n = t.naive_utc();
    let year = n.year();
    let nanos = n.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        // Outside the fast path (never produced by `from_draft`/`from_stored`
        // for realistic times); still deterministic.
        let micro = DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(*t);
        out.extend_from_slice(
            micro
                .to_rfc3339_opts(SecondsFormat::Micros, true)
                .as_bytes(),
        );
        return;
    }
    let y = year as u32;
    write_2(out, y / 100);
    write_2(out, y % 100);
    out.push(b'-');
    write_2(out, n.month());
    out.push(b'-');
    write_2(out, n.day());
    out.push(b'T');
    write_2(out, n.hour());
    out.push(b':');
    write_2(out, n.minute());
    out.push(b':');
    write_2(out, n.second());
    out.push(b'.');
    let micros = nanos / 1000;
    write_2(out, micros / 10_000);
    write_2(out, micros / 100 % 100);
    write_2(out, micros % 100);
    out.push(b'Z');
}

fn write_str_array(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, s);
    }
    out.push(b']');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `s` as a JSON string exactly as `serde_json` does: `"` and `\`
/// escaped, `\b \f \n \r \t` short forms, other control characters as
/// `\u00xx`, everything else (including non-ASCII) as raw UTF-8.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Canonical JSON text: object keys sorted (by UTF-8 bytes, i.e. code point
/// order), no whitespace, strings escaped as `serde_json` does, and no
/// floating-point numbers (the error names the JSON path, e.g. `$.a[2].b`).
pub fn canonical_json(v: &Value) -> Result<String, LedgerError> {
    let mut out = Vec::with_capacity(256);
    let mut path = String::from("$");
    write_canonical(&mut out, v, &mut path)?;
    Ok(bytes_to_string(out))
}

fn write_canonical(out: &mut Vec<u8>, v: &Value, path: &mut String) -> Result<(), LedgerError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                write_u64(out, u);
            } else if let Some(i) = n.as_i64() {
                out.push(b'-');
                write_u64(out, i.unsigned_abs());
            } else {
                return Err(LedgerError::FloatInPayload { path: path.clone() });
            }
        }
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push('[');
                path.push_str(&i.to_string());
                path.push(']');
                write_canonical(out, item, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<(&String, &Value)> = map.iter().collect();
            keys.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, item)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, k);
                out.push(b':');
                let len = path.len();
                path.push('.');
                path.push_str(k);
                write_canonical(out, item, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use proptest::prelude::*;
    use serde_json::json;

    fn draft() -> EntryDraft {
        EntryDraft {
            time: Utc.with_ymd_and_hms(2026, 11, 27, 3, 36, 37).unwrap()
                + chrono::Duration::nanoseconds(123_456_789),
            agency: "110105".into(),
            stream: Stream::Business,
            kind: "person.registered".into(),
            subject: "P-1".into(),
            application: Some("A-7".into()),
            actors: vec!["u1".into(), "u\"2".into()],
            payload: json!({"name": "张三", "b": [1, -2, {"z": null, "a": true}], "amount": "12.50"}),
        }
    }

    #[test]
    fn leaf_bytes_are_canonical_json() {
        let e = Entry::from_draft(42, draft()).unwrap();
        let text = String::from_utf8(e.leaf_bytes()).unwrap();
        assert_eq!(
            text,
            r#"{"actors":["u1","u\"2"],"agency":"110105","application":"A-7","kind":"person.registered","payload":{"amount":"12.50","b":[1,-2,{"a":true,"z":null}],"name":"张三"},"seq":42,"stream":"business","subject":"P-1","time":"2026-11-27T03:36:37.123456Z","v":1}"#
        );
        // Same bytes as serde_json would produce from a sorted Value.
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(canonical_json(&v).unwrap(), text);
        assert_eq!(e.time.timestamp_subsec_nanos(), 123_456_000);
    }

    #[test]
    fn application_null_and_security_stream() {
        let mut d = draft();
        d.application = None;
        d.stream = Stream::Security;
        d.actors.clear();
        let e = Entry::from_draft(1, d).unwrap();
        let text = String::from_utf8(e.leaf_bytes()).unwrap();
        assert!(text.starts_with(r#"{"actors":[],"agency":"110105","application":null,"#));
        assert!(text.contains(r#""stream":"security""#));
    }

    #[test]
    fn stored_round_trip_gives_same_leaf() {
        let e = Entry::from_draft(7, draft()).unwrap();
        let s = Entry::from_stored(
            e.seq,
            e.time_micros(),
            e.agency.clone(),
            e.stream.as_str(),
            e.kind.clone(),
            e.subject.clone(),
            e.application.clone(),
            &e.actors_json(),
            e.payload.clone(),
        )
        .unwrap();
        assert_eq!(s, e);
        let p = CryptoProfile::default();
        assert_eq!(s.leaf_hash(p), e.leaf_hash(p));
        assert_eq!(s.payload_value().unwrap(), draft().payload);
    }

    #[test]
    fn payload_is_hashed_verbatim() {
        let p = CryptoProfile::default();
        let e = Entry::from_draft(7, draft()).unwrap();
        let mut f = e.clone();
        // Semantically equal JSON, different bytes: must hash differently.
        f.payload = f.payload.replacen(':', ": ", 1);
        assert_ne!(e.leaf_hash(p), f.leaf_hash(p));
    }

    #[test]
    fn from_stored_rejects_undecodable_rows() {
        let bad_stream = Entry::from_stored(
            1,
            0,
            "a".into(),
            "other",
            "k".into(),
            "s".into(),
            None,
            "[]",
            "{}".into(),
        );
        assert!(matches!(bad_stream, Err(LedgerError::UnknownStream(_))));
        let bad_actors = Entry::from_stored(
            1,
            0,
            "a".into(),
            "business",
            "k".into(),
            "s".into(),
            None,
            "[1]",
            "{}".into(),
        );
        assert!(matches!(bad_actors, Err(LedgerError::InvalidJson(_))));
        let bad_time = Entry::from_stored(
            1,
            i64::MAX,
            "a".into(),
            "business",
            "k".into(),
            "s".into(),
            None,
            "[]",
            "{}".into(),
        );
        assert!(bad_time.is_err());
    }

    #[test]
    fn drafts_are_validated() {
        let mut d = draft();
        d.payload = json!({"x": {"y": [1, 2.5]}});
        let e = Entry::from_draft(1, d).unwrap_err();
        assert_eq!(
            e,
            LedgerError::FloatInPayload {
                path: "$.x.y[1]".into()
            }
        );
        assert!(e.to_string().contains("$.x.y[1]"));

        let mut d = draft();
        d.payload = json!([1]);
        assert!(Entry::from_draft(1, d).is_err());
        for field in ["kind", "agency", "subject"] {
            let mut d = draft();
            match field {
                "kind" => d.kind.clear(),
                "agency" => d.agency = " ".into(),
                _ => d.subject.clear(),
            }
            let e = Entry::from_draft(1, d).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
        assert!(Entry::from_draft(0, draft()).is_err());
    }

    #[test]
    fn canonical_json_integers() {
        let v = json!({"b": u64::MAX, "a": i64::MIN, "c": 0});
        assert_eq!(
            canonical_json(&v).unwrap(),
            format!("{{\"a\":{},\"b\":{},\"c\":0}}", i64::MIN, u64::MAX)
        );
    }

    #[test]
    fn time_formats() {
        let t = DateTime::from_timestamp_micros(-1).unwrap();
        assert_eq!(format_time(&t), "1969-12-31T23:59:59.999999Z");
        let t = DateTime::from_timestamp_micros(5).unwrap();
        assert_eq!(format_time(&t), "1970-01-01T00:00:00.000005Z");
    }

    proptest! {
        #[test]
        fn string_escaping_matches_serde_json(s in any::<String>(), c in proptest::collection::vec(0u8..0x80, 0..16)) {
            let mixed = format!("{s}{}", String::from_utf8(c).unwrap());
            let mut out = Vec::new();
            write_json_str(&mut out, &mixed);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&mixed).unwrap());
        }

        #[test]
        fn time_format_matches_chrono(micros in -62_135_596_800_000_000i64..253_402_300_799_999_999i64) {
            let t = DateTime::from_timestamp_micros(micros).unwrap();
            prop_assert_eq!(format_time(&t), t.to_rfc3339_opts(SecondsFormat::Micros, true));
        }
    }
}
