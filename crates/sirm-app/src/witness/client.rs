//! The agency's side of C2SP `tlog-witness`: `sirm serve` submits its newest
//! checkpoint to every `[[witness]]` with a consistency proof from the size
//! that witness last cosigned, checks the cosignature it gets back against
//! the witness's verifier key, and keeps it (`checkpoint_cosignature`) to
//! serve the checkpoint cosigned.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sirm_ledger::WitnessVerifier;

use crate::{AppError, Sirm};

/// `[[witness]]` in `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// The witness's submission prefix, e.g. `https://witness.example/w1`
    /// (`/add-checkpoint` is appended).
    pub url: String,
    /// Its verifier key, `<name>+<id>+<base64>`.
    pub vkey: String,
}

/// How often `sirm serve` submits.
pub const SUBMIT_EVERY: Duration = Duration::from_secs(5);

impl Sirm {
    /// Submits the newest checkpoint to one witness, if it has not cosigned
    /// it yet. Returns the size it cosigned now (`None`: nothing new).
    pub async fn submit_to_witness(
        &self,
        http: &reqwest::Client,
        w: &WitnessConfig,
    ) -> Result<Option<u64>, AppError> {
        let verifier = WitnessVerifier::from_vkey(&w.vkey)?;
        let head = self.latest_checkpoint().await?;
        let size = head.checkpoint.tree_size;
        let mut old = self
            .store
            .cosigned_size(verifier.name())
            .await?
            .unwrap_or(0);
        if old == size {
            return Ok(None);
        }
        let note = head.to_note();
        let url = format!("{}/add-checkpoint", w.url.trim_end_matches('/'));
        for _ in 0..2 {
            if old > size {
                return Err(AppError::conflict(format!(
                    "witness {} has cosigned entry {old}, but this ledger has only {size} entries: \
                     this installation was rolled back or forked (docs/operations.md)",
                    verifier.name()
                )));
            }
            let mut body = format!("old {old}\n");
            if old > 0 && old < size {
                for h in self.consistency_proof(old, Some(size)).await?.proof {
                    let raw = hex::decode(&h).map_err(|e| AppError::invalid("proof", e))?;
                    body.push_str(&B64.encode(raw));
                    body.push('\n');
                }
            }
            body.push('\n');
            body.push_str(&note);
            let resp = http
                .post(&url)
                .body(body)
                .send()
                .await
                .map_err(|e| AppError::conflict(format!("witness {}: {e}", verifier.name())))?;
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            match status {
                200 => {
                    let cosigned = format!("{note}{text}");
                    verifier.verify_note(&cosigned)?;
                    let line = text
                        .lines()
                        .find(|l| l.starts_with(&format!("\u{2014} {} ", verifier.name())))
                        .unwrap_or_default();
                    self.store
                        .insert_cosignature(
                            size,
                            verifier.name(),
                            &format!("{line}\n"),
                            chrono::Utc::now().timestamp_micros(),
                        )
                        .await?;
                    return Ok(Some(size));
                }
                409 => match text.trim().parse::<u64>() {
                    Ok(held) if held != old => old = held,
                    _ => {
                        return Err(AppError::conflict(format!(
                            "witness {} refused the checkpoint at entry {size} (409 {})",
                            verifier.name(),
                            text.trim()
                        )))
                    }
                },
                _ => {
                    return Err(AppError::conflict(format!(
                        "witness {} answered {status}: {}",
                        verifier.name(),
                        text.trim().chars().take(200).collect::<String>()
                    )))
                }
            }
        }
        Err(AppError::conflict(format!(
            "witness {} did not settle on a size",
            verifier.name()
        )))
    }

    /// The newest checkpoint that carries cosignatures, as a note with every
    /// cosignature line, if any.
    pub async fn cosigned_note(&self) -> Result<Option<String>, AppError> {
        let Some((size, lines)) = self.store.newest_cosigned().await? else {
            return Ok(None);
        };
        let Some((cp, _)) = self.store.checkpoint_at(size).await? else {
            return Ok(None);
        };
        let mut note = cp.to_note();
        for (_, line) in lines {
            note.push_str(&line);
        }
        Ok(Some(note))
    }
}

/// Runs for ever in `sirm serve`: submits to every `[[witness]]` every
/// [`SUBMIT_EVERY`]. Failures are logged (a rollback loudly) and retried.
pub async fn run_submissions(sirm: Arc<Sirm>) {
    let witnesses = sirm.config.witness.clone();
    if witnesses.is_empty() {
        return;
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    loop {
        for w in &witnesses {
            match sirm.submit_to_witness(&http, w).await {
                Ok(Some(size)) => tracing::info!(witness = %w.url, size, "checkpoint cosigned"),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(witness = %w.url, error = %e, "witness submission failed")
                }
            }
        }
        tokio::time::sleep(SUBMIT_EVERY).await;
    }
}
