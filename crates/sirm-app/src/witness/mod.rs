//! A witness for the supervising department (Art 3; docs/witness.md): it
//! keeps, per log, the newest checkpoint it cosigned, cosigns a newer one
//! only with a consistency proof from that one (C2SP `tlog-witness`
//! `add-checkpoint`), and raises an alarm when a log shows it a history
//! that is shorter than (a rollback) or different from (a fork) what it
//! cosigned. It can also poll a SIRM agency (`--poll`), so a rolled-back
//! agency that stops submitting is caught all the same.
//!
//! This module knows no HTTP server (sirm-web serves it) and no agency
//! database: a witness runs on the supervising department's machine with
//! only the agency's public key.

pub mod client;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sirm_ledger::{merkle, PublicKey, SignedCheckpoint, WitnessKey};

/// Largest `add-checkpoint` body read.
pub const MAX_REQUEST: usize = 16 * 1024;
/// Most consistency proof lines (C2SP: a client sends at most 63).
const MAX_PROOF_LINES: usize = 63;

/// What the witness holds for one log.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LogState {
    pub size: u64,
    /// Hex.
    pub root: String,
    /// The newest cosigned checkpoint with the witness's cosignature.
    pub note: String,
    /// POSIX seconds of that cosignature.
    pub cosigned_at: u64,
}

/// An alarm: evidence that a log misbehaved.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Alarm {
    pub origin: String,
    /// `rollback` or `fork`.
    pub kind: String,
    pub detail: String,
    /// The signed checkpoint the log presented (evidence).
    pub presented: String,
    pub at: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub logs: BTreeMap<String, LogState>,
    pub alarms: Vec<Alarm>,
}

/// A refusal of `add-checkpoint`, with the HTTP status the protocol names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    /// For 409: the size the witness holds (the body is `<size>\n`).
    pub size: Option<u64>,
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        size: None,
        message: message.into(),
    }
}

/// A running witness: its key, the logs it knows, its state on disk.
pub struct Witness {
    key: WitnessKey,
    logs: BTreeMap<String, PublicKey>,
    path: PathBuf,
    state: tokio::sync::Mutex<State>,
}

fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

impl Witness {
    /// Opens (or starts) the state in `dir` (`state.json`).
    pub fn open(
        key: WitnessKey,
        logs: BTreeMap<String, PublicKey>,
        dir: &Path,
    ) -> Result<Witness, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join("state.json");
        let state = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Ok(Witness {
            key,
            logs,
            path,
            state: tokio::sync::Mutex::new(state),
        })
    }

    pub fn name(&self) -> &str {
        self.key.name()
    }

    pub async fn state(&self) -> State {
        self.state.lock().await.clone()
    }

    fn persist(&self, state: &State) -> Result<(), Refusal> {
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(state).map_err(|e| refuse(500, e.to_string()))?;
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| refuse(500, format!("cannot persist the witness state: {e}")))
    }

    fn alarm(&self, state: &mut State, origin: &str, kind: &str, detail: String, presented: &str) {
        if state
            .alarms
            .iter()
            .any(|a| a.origin == origin && a.kind == kind && a.presented == presented)
        {
            return;
        }
        tracing::error!(origin, kind, %detail, "WITNESS ALARM");
        state.alarms.push(Alarm {
            origin: origin.into(),
            kind: kind.into(),
            detail,
            presented: presented.into(),
            at: sirm_ledger::format_time(&chrono::Utc::now()),
        });
        let _ = self.persist(state);
    }

    /// C2SP `add-checkpoint`: `body` is `old <size>\n`, proof lines, an
    /// empty line, the signed checkpoint. Returns the cosignature line.
    pub async fn add_checkpoint(&self, body: &str) -> Result<String, Refusal> {
        let (head, note) = body.split_once("\n\n").ok_or_else(|| {
            refuse(
                400,
                "expected old size, proof lines, an empty line, the checkpoint",
            )
        })?;
        let mut lines = head.split('\n');
        let old: u64 = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .filter(|n| *n == "0" || !n.starts_with('0'))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| refuse(400, "the first line must be \"old <size>\""))?;
        let mut proof = Vec::new();
        for l in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(refuse(400, "more than 63 proof lines"));
            }
            let h = B64
                .decode(l)
                .map_err(|_| refuse(400, "a proof line is not base64"))?;
            let h: [u8; 32] = h
                .try_into()
                .map_err(|_| refuse(400, "a proof line is not a 32-byte hash"))?;
            proof.push(h);
        }
        self.consider(note, old, &proof, true).await
    }

    /// Checks `note` (the log's newest checkpoint) against what this witness
    /// holds; `old` and `proof` prove it grew from there. When `cosign`,
    /// the new state is kept and the cosignature returned.
    async fn consider(
        &self,
        note: &str,
        old: u64,
        proof: &[[u8; 32]],
        cosign: bool,
    ) -> Result<String, Refusal> {
        let cp = SignedCheckpoint::from_note(note)
            .map_err(|e| refuse(400, format!("not a checkpoint: {e}")))?;
        let origin = cp.checkpoint.origin.clone();
        let key = self
            .logs
            .get(&origin)
            .ok_or_else(|| refuse(404, format!("unknown log {origin}")))?;
        cp.verify(key)
            .map_err(|e| refuse(403, format!("not signed by the key of {origin}: {e}")))?;
        let size = cp.checkpoint.tree_size;
        let mut state = self.state.lock().await;
        let held = state.logs.get(&origin).cloned().unwrap_or_default();
        let note_text = match note.rfind("\n\n") {
            Some(i) => &note[..=i],
            None => return Err(refuse(400, "not a note")),
        };
        if size < held.size {
            self.alarm(
                &mut state,
                &origin,
                "rollback",
                format!(
                    "the log's newest checkpoint is at entry {size}, but this witness cosigned entry {} (root {}): the log was rolled back",
                    held.size, held.root
                ),
                note,
            );
            return Err(Refusal {
                status: 409,
                size: Some(held.size),
                message: "rollback".into(),
            });
        }
        if old > size {
            return Err(refuse(400, "old size is larger than the checkpoint's"));
        }
        if size == held.size && held.size > 0 && hex::encode(cp.checkpoint.root) != held.root {
            self.alarm(
                &mut state,
                &origin,
                "fork",
                format!(
                    "two roots at entry {size}: {} cosigned, {} presented",
                    held.root,
                    hex::encode(cp.checkpoint.root)
                ),
                note,
            );
            return Err(refuse(409, "fork: another root at the cosigned size"));
        }
        if old != held.size {
            return Err(Refusal {
                status: 409,
                size: Some(held.size),
                message: format!("this witness holds size {}", held.size),
            });
        }
        if held.size > 0 && size > held.size {
            let held_root: [u8; 32] = hex::decode(&held.root)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| refuse(500, "corrupt witness state"))?;
            if merkle::verify_consistency(
                cp.profile,
                held.size,
                size,
                &held_root,
                &cp.checkpoint.root,
                proof,
            )
            .is_err()
            {
                self.alarm(
                    &mut state,
                    &origin,
                    "fork",
                    format!("no valid consistency proof from the cosigned entry {} (root {}) to entry {size}", held.size, held.root),
                    note,
                );
                return Err(refuse(422, "the consistency proof does not verify"));
            }
        } else if held.size == 0 && !proof.is_empty() {
            return Err(refuse(422, "the proof must be empty from size 0"));
        }
        if !cosign {
            return Ok(String::new());
        }
        let at = now_secs();
        let line = self.key.cosign(note_text, at);
        state.logs.insert(
            origin,
            LogState {
                size,
                root: hex::encode(cp.checkpoint.root),
                note: format!("{note_text}\n{}{line}", note_signature_lines(note)),
                cosigned_at: at,
            },
        );
        self.persist(&state)?;
        Ok(line)
    }

    /// One poll of an agency at `base` (e.g. `http://127.0.0.1:8080`):
    /// fetch its newest checkpoint and, from the size held, the consistency
    /// proof; cosign what is consistent, raise an alarm otherwise. Returns
    /// the size now held.
    pub async fn poll(&self, http: &reqwest::Client, base: &str) -> Result<u64, String> {
        let base = base.trim_end_matches('/');
        let cp = get_json(http, base, "/api/v1/ledger/checkpoint").await?;
        let note = cp["note"]
            .as_str()
            .ok_or("no note in the checkpoint answer")?
            .to_string();
        let parsed = SignedCheckpoint::from_note(&note).map_err(|e| e.to_string())?;
        let size = parsed.checkpoint.tree_size;
        let held = self
            .state
            .lock()
            .await
            .logs
            .get(&parsed.checkpoint.origin)
            .map_or(0, |l| l.size);
        let proof = if held > 0 && size > held {
            let p = get_json(
                http,
                base,
                &format!("/api/v1/ledger/proof/consistency?from={held}&to={size}"),
            )
            .await?;
            p["proof"]
                .as_array()
                .ok_or("no proof in the answer")?
                .iter()
                .map(|h| {
                    h.as_str()
                        .and_then(|h| hex::decode(h).ok())
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .ok_or_else(|| "a proof hash is not 32 bytes of hex".to_string())
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        match self.consider(&note, held, &proof, true).await {
            Ok(_) => Ok(size),
            Err(r) if r.status == 409 && r.size == Some(size) => Ok(size),
            Err(r) => Err(format!("{} ({})", r.message, r.status)),
        }
    }
}

impl Witness {
    /// Polls the agency at `base` every `every`, for ever.
    pub async fn poll_forever(
        self: std::sync::Arc<Self>,
        base: String,
        every: std::time::Duration,
    ) {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        loop {
            match self.poll(&http, &base).await {
                Ok(size) => tracing::info!(agency = %base, size, "checkpoint witnessed"),
                Err(e) => tracing::warn!(agency = %base, error = %e, "poll"),
            }
            tokio::time::sleep(every).await;
        }
    }
}

/// GET `base` + `path` as JSON; errors name the agency.
async fn get_json(
    http: &reqwest::Client,
    base: &str,
    path: &str,
) -> Result<serde_json::Value, String> {
    http.get(format!("{base}{path}"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("{base}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{base}: {e}"))
}

/// The signature lines of a note (after its last blank line), each ending
/// in a newline.
fn note_signature_lines(note: &str) -> String {
    match note.rfind("\n\n") {
        Some(i) => note[i + 2..].to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sirm_ledger::{Checkpoint, CryptoProfile};

    fn leaves(n: usize) -> Vec<[u8; 32]> {
        (0..n)
            .map(|i| CryptoProfile::default().leaf_hash(&i.to_be_bytes()))
            .collect()
    }

    fn note(key: &sirm_ledger::SigningKey, leaves: &[[u8; 32]]) -> String {
        SignedCheckpoint::sign(
            Checkpoint {
                origin: "sirm:110105".into(),
                tree_size: leaves.len() as u64,
                root: merkle::root_of(CryptoProfile::default(), leaves),
                time: chrono::Utc::now(),
            },
            key,
        )
        .to_note()
    }

    fn body(old: u64, proof: &[[u8; 32]], note: &str) -> String {
        let mut b = format!("old {old}\n");
        for h in proof {
            b.push_str(&B64.encode(h));
            b.push('\n');
        }
        format!("{b}\n{note}")
    }

    #[tokio::test]
    async fn add_checkpoint_follows_the_protocol() {
        let dir = tempfile::tempdir().unwrap();
        let agency = CryptoProfile::default().generate_signing_key();
        let w = Witness::open(
            WitnessKey::generate("w.example/1").unwrap(),
            BTreeMap::from([("sirm:110105".to_string(), agency.public_key())]),
            dir.path(),
        )
        .unwrap();
        let all = leaves(20);
        let n10 = note(&agency, &all[..10]);
        // First contact: old 0, empty proof.
        let line = w.add_checkpoint(&body(0, &[], &n10)).await.unwrap();
        w.key
            .verifier()
            .verify_note(&format!("{n10}{line}"))
            .unwrap();
        // A stale old size: 409 naming the size held.
        let n20 = note(&agency, &all);
        let r = w.add_checkpoint(&body(0, &[], &n20)).await.unwrap_err();
        assert_eq!((r.status, r.size), (409, Some(10)));
        // A wrong proof: 422, and nothing changes.
        let mut proof = merkle::consistency_proof(CryptoProfile::default(), &all, 10).unwrap();
        let good = proof.clone();
        proof[0][0] ^= 1;
        assert_eq!(
            w.add_checkpoint(&body(10, &proof, &n20))
                .await
                .unwrap_err()
                .status,
            422
        );
        // The right proof: cosigned, the state moves and survives a restart.
        w.add_checkpoint(&body(10, &good, &n20)).await.unwrap();
        assert_eq!(w.state().await.logs["sirm:110105"].size, 20);
        // Unknown origin 404, another key 403, garbage 400.
        let other = CryptoProfile::default().generate_signing_key();
        assert_eq!(
            w.add_checkpoint(&body(20, &[], &note(&other, &all)))
                .await
                .unwrap_err()
                .status,
            403
        );
        let foreign = note(&agency, &all).replace("sirm:110105", "sirm:310000");
        assert_eq!(
            w.add_checkpoint(&body(20, &[], &foreign))
                .await
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(
            w.add_checkpoint("old x\n\nnope").await.unwrap_err().status,
            400
        );
        // A smaller checkpoint is a rollback: 409 and an alarm with the evidence.
        let r = w.add_checkpoint(&body(20, &[], &n10)).await.unwrap_err();
        assert_eq!((r.status, r.size), (409, Some(20)));
        // (The wrong proof above was kept as evidence too.)
        let st = w.state().await;
        let kinds: Vec<&str> = st.alarms.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["fork", "rollback"]);
        drop(w);
        let again = Witness::open(
            WitnessKey::generate("w.example/1").unwrap(),
            BTreeMap::from([("sirm:110105".to_string(), agency.public_key())]),
            dir.path(),
        )
        .unwrap();
        let st = again.state().await;
        assert_eq!((st.logs["sirm:110105"].size, st.alarms.len()), (20, 2));
    }
}
