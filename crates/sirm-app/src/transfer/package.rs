//! The transfer package (转移信息包): the old agency's entries about the
//! person, each with its inclusion proof against one signed checkpoint of
//! the old agency, signed as a whole by the old agency. The ID number
//! travels beside it (bound by a digest inside the signed body), never in
//! what the new agency keeps: the package is kept as received, so its
//! signature, checkpoint and proofs can be checked again at any time.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::records::{
    self, bases_of, kind, own_arrears, transfer_inputs, TransferPackageReceived, TransferRefused,
    TransferredOut,
};
use sirm_domain::RuleId;
use sirm_ledger::{merkle, Entry, PublicKey, SignedCheckpoint, SigningKey, Stream};

use super::auth::{self, SignedHeaders};
use super::letter::{peer_refused, post_to_peer, refused_draft, Channel, Sent};
use super::{no_such_transfer, wrong_step, Direction, Step};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// The path a package is posted to.
pub const PACKAGES_PATH: &str = "/federation/v1/packages";
/// Entries one package may hold (a 30-year career is about 400).
pub const MAX_ENTRIES: usize = 20_000;

/// A ledger entry as it travels (the stored columns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireEntry {
    pub seq: u64,
    pub time_us: i64,
    pub agency: String,
    pub stream: String,
    pub kind: String,
    pub subject: String,
    pub application: Option<String>,
    pub actors: Vec<String>,
    /// The canonical payload text, verbatim.
    pub payload: String,
}

impl WireEntry {
    pub fn of(e: &Entry) -> WireEntry {
        WireEntry {
            seq: e.seq,
            time_us: e.time_micros(),
            agency: e.agency.clone(),
            stream: e.stream.as_str().into(),
            kind: e.kind.clone(),
            subject: e.subject.clone(),
            application: e.application.clone(),
            actors: e.actors.clone(),
            payload: e.payload.clone(),
        }
    }

    fn entry(&self) -> Result<Entry, AppError> {
        let actors = serde_json::to_string(&self.actors).map_err(|e| proof_error(e.to_string()))?;
        Entry::from_stored(
            self.seq,
            self.time_us,
            self.agency.clone(),
            &self.stream,
            self.kind.clone(),
            self.subject.clone(),
            self.application.clone(),
            &actors,
            self.payload.clone(),
        )
        .map_err(|e| proof_error(format!("entry {}: {e}", self.seq)))
    }
}

/// What the old agency signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageBody {
    pub number: String,
    /// The old region's agency (who signs).
    pub from_agency: String,
    pub to_agency: String,
    /// Binds the ID number sent beside the package without holding it:
    /// hex digest of `sirm-transfer-id\n{number}\n{id}`.
    pub id_digest: String,
    /// The old agency's signed checkpoint (C2SP signed note).
    pub checkpoint: String,
    pub entries: Vec<WireEntry>,
    /// Per entry, its inclusion proof in the checkpoint's tree (hex).
    pub proofs: Vec<Vec<String>>,
}

/// A signed package: what the new agency keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub body: PackageBody,
    /// Base64 signature of the old agency over the body's canonical JSON.
    pub signature: String,
}

/// The message posted (or the file): the package and the ID number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageMessage {
    pub id_number: String,
    pub package: Package,
}

/// `transfer.package_sent` payload.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSent {
    pub number: String,
    pub person: PersonKey,
    pub to_agency: String,
    pub channel: String,
    pub tree_size: u64,
    pub entries: u64,
}

pub(crate) fn proof_error(message: impl Into<String>) -> AppError {
    AppError::conflict_by(RuleId::TransferProof, message.into())
}

fn figures_error(message: impl Into<String>) -> AppError {
    AppError::conflict_by(RuleId::TransferFigures, message.into())
}

pub fn id_digest(profile: sirm_ledger::CryptoProfile, number: &str, id: &str) -> String {
    hex::encode(profile.digest(format!("sirm-transfer-id\n{number}\n{id}").as_bytes()))
}

fn body_bytes(body: &PackageBody) -> Result<Vec<u8>, AppError> {
    let v = serde_json::to_value(body).map_err(|e| AppError::invalid("package", e))?;
    let text = sirm_ledger::canonical_json(&v).map_err(|e| AppError::invalid("package", e))?;
    Ok(format!("sirm-package-v1\n{text}").into_bytes())
}

impl Package {
    pub fn sign(body: PackageBody, key: &SigningKey) -> Result<Package, AppError> {
        let sig = key.sign(&body_bytes(&body)?);
        Ok(Package {
            body,
            signature: base64::engine::general_purpose::STANDARD.encode(sig),
        })
    }
}

/// A package that passed every check.
#[derive(Clone, Debug)]
pub struct Verified {
    pub out: TransferredOut,
    pub checkpoint: SignedCheckpoint,
}

/// Every check of a package: the old agency's signature, its signed
/// checkpoint, each entry's inclusion proof, one subject, the transfer-out
/// entry of this number to this agency, and its figures recomputed from
/// the entries before it with the rounding named.
pub fn verify_package(
    pkg: &Package,
    key: &PublicKey,
    from: &str,
    to: &str,
) -> Result<Verified, AppError> {
    let sig = base64::engine::general_purpose::STANDARD
        .decode(pkg.signature.trim())
        .map_err(|_| auth::bad_signature("the package's signature is not base64"))?;
    key.verify(&body_bytes(&pkg.body)?, &sig).map_err(|_| {
        auth::bad_signature("the package does not verify under the old agency's key")
    })?;
    let b = &pkg.body;
    if b.from_agency != from || b.to_agency != to {
        return Err(auth::bad_signature(
            "the package is not from this peer to this agency",
        ));
    }
    let cp = SignedCheckpoint::from_note(&b.checkpoint)
        .map_err(|e| proof_error(format!("the checkpoint cannot be read: {e}")))?;
    cp.verify(key).map_err(|_| {
        auth::bad_signature("the checkpoint does not verify under the old agency's key")
    })?;
    let profile = cp.profile;
    if b.entries.is_empty() || b.entries.len() > MAX_ENTRIES || b.entries.len() != b.proofs.len() {
        return Err(proof_error(format!(
            "{} entries and {} proofs (1 to {MAX_ENTRIES}, one proof each)",
            b.entries.len(),
            b.proofs.len()
        )));
    }
    let subject = &b.entries[0].subject;
    let mut last = 0u64;
    for (w, proof) in b.entries.iter().zip(&b.proofs) {
        if w.seq <= last || &w.subject != subject {
            return Err(proof_error(format!(
                "entry {}: entries must be of one person, in ledger order",
                w.seq
            )));
        }
        last = w.seq;
        let leaf = w.entry()?.leaf_hash(profile);
        let path = proof
            .iter()
            .map(|h| {
                hex::decode(h)
                    .ok()
                    .and_then(|v| <[u8; 32]>::try_from(v).ok())
                    .ok_or_else(|| {
                        proof_error(format!("entry {}: a proof hash is malformed", w.seq))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        merkle::verify_inclusion(
            profile,
            &leaf,
            w.seq - 1,
            cp.checkpoint.tree_size,
            &path,
            &cp.checkpoint.root,
        )
        .map_err(|e| {
            proof_error(format!(
                "entry {} is not in the signed checkpoint of size {}: {e}",
                w.seq, cp.checkpoint.tree_size
            ))
        })?;
    }
    let (pos, out) = b
        .entries
        .iter()
        .enumerate()
        .filter(|(_, w)| w.kind == kind::TRANSFER_OUT)
        .filter_map(|(i, w)| {
            serde_json::from_str::<TransferredOut>(&w.payload)
                .ok()
                .map(|o| (i, o))
        })
        .find(|(_, o)| o.number == b.number)
        .ok_or_else(|| proof_error(format!("no transfer-out entry of {}", b.number)))?;
    if out.to_agency != to {
        return Err(proof_error("the transfer-out entry names another agency"));
    }
    let (balance, mut history) = transfer_inputs(
        from,
        b.entries[..pos]
            .iter()
            .map(|w| (w.kind.as_str(), w.payload.as_str())),
        &own_arrears(&out.history),
    )
    .map_err(|e| figures_error(format!("an entry cannot be read: {e}")))?;
    // A package of an earlier version names no months per insurance type.
    if let (Some(mine), Some(theirs)) = (history.last_mut(), out.history.last()) {
        if theirs.by_type.is_none() {
            mine.by_type = None;
        }
    }
    let figures =
        sirm_domain::rules::benefits::pension_transfer(out.rounding, balance, &bases_of(&history))
            .map_err(|e| figures_error(e.to_string()))?;
    if let (Some(mine), Some(theirs)) = (history.last(), out.history.last()) {
        if mine.by_type != theirs.by_type {
            return Err(figures_error(format!(
                "the package counts months by insurance type {:?}, the recomputation gives {:?}",
                theirs.by_type, mine.by_type
            )));
        }
    }
    if balance != out.account_balance || history != out.history || figures != out.figures {
        return Err(figures_error(format!(
            "the package says {} (account {}, pooled {}), the recomputation under rule set {} v{} gives {} (account {}, pooled {})",
            out.figures.total,
            out.figures.account_transfer,
            out.figures.pooled_transfer,
            out.rule_set.id,
            out.rule_set.version,
            figures.total,
            figures.account_transfer,
            figures.pooled_transfer
        )));
    }
    Ok(Verified {
        out,
        checkpoint: cp,
    })
}

impl Sirm {
    /// Build and sign the package of a transfer out.
    pub(crate) async fn build_package(
        &self,
        number: &str,
        person: &PersonKey,
        to: &str,
    ) -> Result<PackageMessage, AppError> {
        let entries = self
            .store
            .entries_for_subject(&records::person_subject(person))
            .await?;
        let cp = self.latest_checkpoint().await?;
        let size = cp.checkpoint.tree_size;
        let profile = cp.profile;
        let mut wire = Vec::with_capacity(entries.len());
        let mut proofs = Vec::with_capacity(entries.len());
        for e in entries.iter().filter(|e| e.seq <= size) {
            let sirm_store::StoredInclusion { leaf, proof } =
                self.store.inclusion_proof(profile, size, e.seq - 1).await?;
            if leaf != e.leaf_hash(profile) {
                return Err(proof_error(format!(
                    "entry {}: stored leaf hash differs",
                    e.seq
                )));
            }
            merkle::verify_inclusion(profile, &leaf, e.seq - 1, size, &proof, &cp.checkpoint.root)?;
            wire.push(WireEntry::of(e));
            proofs.push(proof.iter().map(hex::encode).collect());
        }
        let row = self
            .store
            .person(person.as_str())
            .await?
            .ok_or_else(|| no_such_transfer(number))?;
        let id = self
            .reveal_person(&row)
            .await?
            .id
            .ok_or_else(|| wrong_step("the person's identifying data was erased"))?;
        let key = self
            .signing_key()
            .ok_or_else(|| AppError::conflict("opened without the signing key"))?;
        let package = Package::sign(
            PackageBody {
                number: number.to_string(),
                from_agency: self.federation_agency().to_string(),
                to_agency: to.to_string(),
                id_digest: id_digest(profile, number, id.as_str()),
                checkpoint: cp.to_note(),
                entries: wire,
                proofs,
            },
            key,
        )?;
        Ok(PackageMessage {
            id_number: id.as_str().to_string(),
            package,
        })
    }

    /// Send the package of an approved transfer out: online to the peer or
    /// as a file. A refusal by the peer is recorded here with its reason.
    pub async fn send_package(
        &self,
        who: &Principal,
        number: &str,
        channel: Channel,
    ) -> Result<Sent, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let t = self.transfer_of_agency(who, number).await?;
        if t.direction != Direction::Out || t.step != Step::TransferredOut {
            return Err(wrong_step(format!(
                "transfer {number} is at step {}: the package is sent once, after the transfer out is approved",
                t.step.named()
            )));
        }
        let (peer, _) = self.peer(&t.peer).await?;
        let msg = self.build_package(number, &t.person, &peer.agency).await?;
        let sent = PackageSent {
            number: number.to_string(),
            person: t.person.clone(),
            to_agency: peer.agency.clone(),
            channel: channel.as_str().into(),
            tree_size: SignedCheckpoint::from_note(&msg.package.body.checkpoint)
                .map(|c| c.checkpoint.tree_size)
                .unwrap_or_default(),
            entries: msg.package.body.entries.len() as u64,
        };
        let file = match channel {
            Channel::File => {
                Some(serde_json::to_value(&msg).map_err(|e| AppError::invalid("package", e))?)
            }
            Channel::Online => {
                if peer.url.is_empty() {
                    return Err(AppError::invalid_by(
                        "channel",
                        RuleId::TransferPeer,
                        format!(
                            "peer {} is not on SIRM: send the package as a file",
                            peer.agency
                        ),
                    ));
                }
                let body = serde_json::to_vec(&msg).map_err(|e| AppError::invalid("package", e))?;
                if let Err(r) =
                    post_to_peer(self, &peer.url, &peer.agency, PACKAGES_PATH, body).await?
                {
                    let refused = TransferRefused {
                        number: number.to_string(),
                        person: t.person.clone(),
                        peer: peer.agency.clone(),
                        step: "package".into(),
                        rule: r.rule.clone(),
                        reason: r.message.clone(),
                        by: "peer".into(),
                    };
                    self.append(vec![refused_draft(self, &who.username, &refused)?])
                        .await?;
                    return Err(peer_refused("package", r));
                }
                None
            }
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::TRANSFER_PACKAGE_SENT,
            records::person_subject(&t.person),
            &who.username,
            &sent,
        )?;
        self.append(vec![d]).await?;
        Ok(Sent {
            number: number.to_string(),
            channel,
            file,
        })
    }

    /// A package posted by a peer (`POST /federation/v1/packages`).
    pub async fn receive_package(
        &self,
        headers: &SignedHeaders,
        body: &[u8],
    ) -> Result<String, AppError> {
        let (peer, key) = self.peer(&headers.agency).await?;
        auth::check_request(
            &self.nonces,
            &key,
            headers,
            self.federation_agency(),
            "POST",
            PACKAGES_PATH,
            body,
            chrono::Utc::now().timestamp(),
            i64::try_from(self.config.federation.replay_window_secs).unwrap_or(300),
        )?;
        let msg: PackageMessage = serde_json::from_slice(body)
            .map_err(|e| AppError::invalid_by("package", RuleId::ApplicationData, e))?;
        self.take_package(&peer.agency, &key, msg, &format!("peer:{}", peer.agency))
            .await
    }

    /// A package file taken in by a clerk.
    pub async fn import_package(
        &self,
        who: &Principal,
        msg: PackageMessage,
    ) -> Result<String, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let (peer, key) = self.peer(&msg.package.body.from_agency).await?;
        self.take_package(&peer.agency, &key, msg, &who.username)
            .await
    }

    async fn take_package(
        &self,
        peer: &str,
        key: &PublicKey,
        msg: PackageMessage,
        actor: &str,
    ) -> Result<String, AppError> {
        let number = msg.package.body.number.clone();
        let id: ResidentId = msg
            .id_number
            .parse()
            .map_err(|e| AppError::invalid_id("id_number", e))?;
        let person = self.person_key(&id)?;
        let t = self
            .transfers_of(&person)
            .await?
            .into_iter()
            .find(|t| t.number == number && t.direction == Direction::In && t.peer == peer)
            .ok_or_else(|| no_such_transfer(&number))?;
        if t.step != Step::LetterSent {
            return Err(wrong_step(format!(
                "transfer {number} is at step {}: a package is taken once, after the letter",
                t.step.named()
            )));
        }
        let today = crate::clock::today();
        let checked =
            if msg.package.body.id_digest != id_digest(self.own_profile(), &number, id.as_str()) {
                Err(proof_error("the package is of another person"))
            } else if t.deadline.is_some_and(|d| d < today) {
                Err(AppError::conflict_by(
                    RuleId::TransferDeadline,
                    format!(
                        "the transfer out was due by {}",
                        t.deadline.unwrap_or(today)
                    ),
                ))
            } else {
                verify_package(&msg.package, key, peer, self.federation_agency())
            };
        if let Err(e) = checked {
            let rule = e
                .rule()
                .map(|r| r.as_str())
                .unwrap_or("transfer.proof")
                .to_string();
            let reason: String = e.to_string().chars().take(400).collect();
            let refused = TransferRefused {
                number: number.clone(),
                person: person.clone(),
                peer: peer.to_string(),
                step: "package".into(),
                rule,
                reason,
                by: "here".into(),
            };
            self.append(vec![refused_draft(self, actor, &refused)?])
                .await?;
            return Err(e);
        }
        let kept = TransferPackageReceived {
            number: number.clone(),
            person: person.clone(),
            from_agency: peer.to_string(),
            package: serde_json::to_value(&msg.package)
                .map_err(|e| AppError::invalid("package", e))?,
            deadline: self.transfer_deadline(today)?,
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::TRANSFER_PACKAGE_RECEIVED,
            records::person_subject(&person),
            actor,
            &kept,
        )?;
        self.append(vec![d]).await?;
        Ok(number)
    }

    /// The package kept for transfer `number` of `person`, checked again.
    pub(crate) async fn kept_package(
        &self,
        person: &PersonKey,
        number: &str,
    ) -> Result<(TransferPackageReceived, Verified), AppError> {
        let rows = self
            .store
            .subject_entries_of_kind(
                &records::person_subject(person),
                kind::TRANSFER_PACKAGE_RECEIVED,
                0,
            )
            .await?;
        let kept = rows
            .iter()
            .filter_map(|r| serde_json::from_str::<TransferPackageReceived>(&r.payload).ok())
            .find(|k| k.number == number)
            .ok_or_else(|| no_such_transfer(number))?;
        let pkg: Package = serde_json::from_value(kept.package.clone())
            .map_err(|e| proof_error(format!("the kept package cannot be read: {e}")))?;
        let (_, key) = self.peer(&kept.from_agency).await?;
        let v = verify_package(&pkg, &key, &kept.from_agency, self.federation_agency())?;
        Ok((kept, v))
    }
}
