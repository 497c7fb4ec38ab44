//! The contact letter (联系函): the new region's signed request to the old
//! region to transfer a person out. It carries the person's ID number (the
//! old agency computes its own blind index from it); neither side keeps the
//! number in clear: the new side logs the letter without it, the old side
//! names the person by its own blind index.

use base64::Engine as _;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::records::{self, kind, TransferLetterLogged, TransferRefused};
use sirm_domain::RuleId;
use sirm_ledger::{PublicKey, SigningKey, Stream};

use super::auth::{self, SignedHeaders};
use super::{no_such_transfer, wrong_step, Direction, Step};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// The path a letter is posted to.
pub const LETTERS_PATH: &str = "/federation/v1/letters";

/// 联系函.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    pub number: String,
    /// The new region's agency (who writes).
    pub from_agency: String,
    /// The old region's agency (who transfers out).
    pub to_agency: String,
    /// The person's ID number: inside the signed letter only.
    pub id_number: String,
    pub issued_on: NaiveDate,
    /// The old region's deadline to transfer out.
    pub deadline: NaiveDate,
}

/// A letter with the new agency's signature (online body or file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedLetter {
    pub letter: Letter,
    /// Base64 signature of the new agency over the letter's canonical JSON.
    pub signature: String,
}

fn signed_bytes(letter: &Letter) -> Result<Vec<u8>, AppError> {
    let v = serde_json::to_value(letter).map_err(|e| AppError::invalid("letter", e))?;
    let text = sirm_ledger::canonical_json(&v).map_err(|e| AppError::invalid("letter", e))?;
    Ok(format!("sirm-letter-v1\n{text}").into_bytes())
}

impl SignedLetter {
    pub fn sign(letter: Letter, key: &SigningKey) -> Result<SignedLetter, AppError> {
        let sig = key.sign(&signed_bytes(&letter)?);
        Ok(SignedLetter {
            letter,
            signature: base64::engine::general_purpose::STANDARD.encode(sig),
        })
    }

    pub fn verify(&self, key: &PublicKey) -> Result<(), AppError> {
        let sig = base64::engine::general_purpose::STANDARD
            .decode(self.signature.trim())
            .map_err(|_| auth::bad_signature("the letter's signature is not base64"))?;
        key.verify(&signed_bytes(&self.letter)?, &sig)
            .map_err(|_| auth::bad_signature("the letter does not verify under the peer's key"))
    }
}

/// How a letter or package leaves: posted to the peer, or as a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    File,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::File => "file",
        }
    }
}

/// What sending gave: nothing more (online, accepted) or the file.
#[derive(Clone, Debug, Serialize)]
pub struct Sent {
    pub number: String,
    pub channel: Channel,
    /// The signed letter or package, for a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<serde_json::Value>,
}

/// A peer's refusal as its answer carried it.
pub(crate) struct PeerRefusal {
    pub rule: String,
    pub message: String,
}

/// POST a signed body to a peer. `Ok(Err(_))`: the peer refused, with why.
pub(crate) async fn post_to_peer(
    sirm: &Sirm,
    url: &str,
    to: &str,
    path: &str,
    body: Vec<u8>,
) -> Result<Result<(), PeerRefusal>, AppError> {
    let key = sirm.signing_key().ok_or_else(|| {
        AppError::conflict("this installation was opened without its signing key")
    })?;
    let headers = auth::sign_request(
        key,
        sirm.federation_agency(),
        to,
        "POST",
        path,
        &body,
        chrono::Utc::now().timestamp(),
    );
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| AppError::conflict(format!("HTTP client: {e}")))?;
    let mut req = http
        .post(format!("{}{path}", url.trim_end_matches('/')))
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers.pairs() {
        req = req.header(name, value);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| AppError::conflict(format!("the peer {to} could not be reached: {e}")))?;
    if resp.status().is_success() {
        return Ok(Ok(()));
    }
    let status = resp.status();
    let v: serde_json::Value = resp.json().await.unwrap_or_default();
    let text = |k: &str| {
        v["error"][k]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(400)
            .collect::<String>()
    };
    Ok(Err(PeerRefusal {
        rule: match text("rule") {
            r if r.is_empty() => format!("http.{}", status.as_u16()),
            r => r,
        },
        message: text("message"),
    }))
}

pub(crate) fn refused_draft(
    sirm: &Sirm,
    actor: &str,
    r: &TransferRefused,
) -> Result<sirm_ledger::EntryDraft, AppError> {
    draft(
        &sirm.config,
        Stream::Business,
        kind::TRANSFER_REFUSED,
        records::person_subject(&r.person),
        actor,
        r,
    )
}

pub(crate) fn peer_refused(step: &str, r: PeerRefusal) -> AppError {
    AppError::Conflict {
        rule: Some(r.rule.parse().unwrap_or(RuleId::TransferStep)),
        message: format!("the peer refused the {step}: {} ({})", r.message, r.rule),
    }
}

impl Sirm {
    /// Send the contact letter of an approved transfer-in application:
    /// online to the peer, or as a file. A refusal by the peer is recorded
    /// here (`transfer.refused`, by the peer) and returned with its rule.
    pub async fn send_letter(
        &self,
        who: &Principal,
        number: &str,
        channel: Channel,
    ) -> Result<Sent, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let t = self.transfer_of_agency(who, number).await?;
        if t.direction != Direction::In || t.step != Step::Applied {
            return Err(wrong_step(format!(
                "transfer {number} is at step {}: a letter is sent once, after the application is approved",
                t.step.named()
            )));
        }
        let (peer, _) = self.peer(&t.peer).await?;
        let row = self
            .store
            .person(t.person.as_str())
            .await?
            .ok_or_else(|| no_such_transfer(number))?;
        let view = self.reveal_person(&row).await?;
        let id = view
            .id
            .ok_or_else(|| wrong_step("the person's identifying data was erased"))?;
        let today = crate::clock::today();
        let deadline = self.transfer_deadline(today)?;
        let key = self
            .signing_key()
            .ok_or_else(|| AppError::conflict("opened without the signing key"))?;
        let signed = SignedLetter::sign(
            Letter {
                number: number.to_string(),
                from_agency: self.federation_agency().to_string(),
                to_agency: peer.agency.clone(),
                id_number: id.as_str().to_string(),
                issued_on: today,
                deadline,
            },
            key,
        )?;
        let logged = TransferLetterLogged {
            number: number.to_string(),
            person: t.person.clone(),
            from_agency: peer.agency.clone(),
            to_agency: self.federation_agency().to_string(),
            issued_on: today,
            deadline,
            channel: channel.as_str().into(),
        };
        let file = match channel {
            Channel::File => {
                Some(serde_json::to_value(&signed).map_err(|e| AppError::invalid("letter", e))?)
            }
            Channel::Online => {
                if peer.url.is_empty() {
                    return Err(peers_without_url(&peer.agency));
                }
                let body =
                    serde_json::to_vec(&signed).map_err(|e| AppError::invalid("letter", e))?;
                if let Err(r) =
                    post_to_peer(self, &peer.url, &peer.agency, LETTERS_PATH, body).await?
                {
                    let refused = TransferRefused {
                        number: number.to_string(),
                        person: t.person.clone(),
                        peer: peer.agency.clone(),
                        step: "letter".into(),
                        rule: r.rule.clone(),
                        reason: r.message.clone(),
                        by: "peer".into(),
                    };
                    self.append(vec![refused_draft(self, &who.username, &refused)?])
                        .await?;
                    return Err(peer_refused("letter", r));
                }
                None
            }
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::TRANSFER_LETTER_SENT,
            records::person_subject(&t.person),
            &who.username,
            &logged,
        )?;
        self.append(vec![d]).await?;
        Ok(Sent {
            number: number.to_string(),
            channel,
            file,
        })
    }

    /// The deadline of a step taken `from` (the agency's working days).
    pub(crate) fn transfer_deadline(&self, from: NaiveDate) -> Result<NaiveDate, AppError> {
        let calendar = self
            .config
            .calendar
            .calendar()
            .map_err(|e| AppError::invalid("calendar", e))?;
        Ok(calendar.add_working_days(from, self.config.federation.deadline_working_days))
    }

    /// A letter posted by a peer (`POST /federation/v1/letters`).
    pub async fn receive_letter(
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
            LETTERS_PATH,
            body,
            chrono::Utc::now().timestamp(),
            i64::try_from(self.config.federation.replay_window_secs).unwrap_or(300),
        )?;
        let signed: SignedLetter = serde_json::from_slice(body)
            .map_err(|e| AppError::invalid_by("letter", RuleId::ApplicationData, e))?;
        self.take_letter(
            &peer.agency,
            &key,
            signed,
            &format!("peer:{}", peer.agency),
            "online",
        )
        .await
    }

    /// A letter file taken in by a clerk (from a peer whose key is known).
    pub async fn import_letter(
        &self,
        who: &Principal,
        signed: SignedLetter,
    ) -> Result<String, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let (peer, key) = self.peer(&signed.letter.from_agency).await?;
        self.take_letter(&peer.agency, &key, signed, &who.username, "file")
            .await
    }

    async fn take_letter(
        &self,
        peer: &str,
        key: &PublicKey,
        signed: SignedLetter,
        actor: &str,
        channel: &str,
    ) -> Result<String, AppError> {
        signed.verify(key)?;
        let l = &signed.letter;
        if l.from_agency != peer || l.to_agency != self.federation_agency() {
            return Err(auth::bad_signature(
                "the letter is not from this peer to this agency",
            ));
        }
        if l.number.is_empty() || l.number.len() > 64 {
            return Err(AppError::invalid("number", "must be 1 to 64 characters"));
        }
        let id: ResidentId = l
            .id_number
            .parse()
            .map_err(|e| AppError::invalid_id("id_number", e))?;
        let person = self.person_key(&id)?;
        let today = crate::clock::today();
        let refuse = |rule: RuleId, reason: String| TransferRefused {
            number: l.number.clone(),
            person: person.clone(),
            peer: peer.to_string(),
            step: "letter".into(),
            rule: rule.as_str().into(),
            reason,
            by: "here".into(),
        };
        let check = self.letter_fits(&person, l, today).await;
        if let Err((rule, reason)) = check {
            let r = refuse(rule, reason.clone());
            self.append(vec![refused_draft(self, actor, &r)?]).await?;
            return Err(AppError::conflict_by(rule, reason));
        }
        let logged = TransferLetterLogged {
            number: l.number.clone(),
            person: person.clone(),
            from_agency: peer.to_string(),
            to_agency: self.federation_agency().to_string(),
            issued_on: l.issued_on,
            deadline: l.deadline,
            channel: channel.into(),
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::TRANSFER_LETTER_RECEIVED,
            records::person_subject(&person),
            actor,
            &logged,
        )?;
        self.append(vec![d]).await?;
        Ok(l.number.clone())
    }

    /// The checks of a letter at the old region; the refusal's rule and reason.
    async fn letter_fits(
        &self,
        person: &PersonKey,
        l: &Letter,
        today: NaiveDate,
    ) -> Result<(), (RuleId, String)> {
        if l.deadline < today {
            return Err((
                RuleId::TransferDeadline,
                format!("the letter's deadline {} has passed", l.deadline),
            ));
        }
        let registered = self.store.person(person.as_str()).await.ok().flatten();
        let out = self.transferred_out(person).await.unwrap_or(true);
        if registered.is_none() || out {
            return Err((
                RuleId::TransferNotInsured,
                "the person is not insured in this region (not registered, or transferred out)"
                    .into(),
            ));
        }
        let transfers = self.transfers_of(person).await.unwrap_or_default();
        if transfers.iter().any(|t| t.number == l.number) {
            return Err((
                RuleId::TransferOpen,
                format!("letter {} was received before", l.number),
            ));
        }
        if let Some(t) = transfers.iter().find(|t| !t.step.closed()) {
            return Err((
                RuleId::TransferOpen,
                format!("the person has transfer {} open", t.number),
            ));
        }
        Ok(())
    }
}

fn peers_without_url(agency: &str) -> AppError {
    AppError::invalid_by(
        "channel",
        RuleId::TransferPeer,
        format!("peer {agency} is not on SIRM (no URL): send the letter as a file"),
    )
}
