//! The review chain (Art 7): 初审 → 审核 → 复核 → 审批.
//!
//! A business transaction (业务经办) is an application with raw data and
//! original materials. The clerk who takes it at the counter does the
//! preliminary review (初审) by submitting it; each further stage is done by
//! its own role. Which stages a business type needs is configuration; the
//! default is all four. One person never acts on two stages of one
//! application (four-eyes). A rejection at any stage returns the application
//! to the clerk with a reason.
//!
//! This module is the state machine only: pure, no I/O.

use serde::{Deserialize, Serialize};

use crate::access::{Permission, Role};
use crate::RuleId;

/// A review stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 初审: taken at the counter by the clerk.
    Preliminary,
    /// 审核.
    Review,
    /// 复核.
    Recheck,
    /// 审批.
    Approval,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Preliminary,
        Stage::Review,
        Stage::Recheck,
        Stage::Approval,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Preliminary => "preliminary",
            Stage::Review => "review",
            Stage::Recheck => "recheck",
            Stage::Approval => "approval",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Preliminary => "初审",
            Stage::Review => "审核",
            Stage::Recheck => "复核",
            Stage::Approval => "审批",
        }
    }

    /// The role that acts on this stage.
    pub fn role(self) -> Role {
        match self {
            Stage::Preliminary => Role::Clerk,
            Stage::Review => Role::Reviewer,
            Stage::Recheck => Role::Rechecker,
            Stage::Approval => Role::Approver,
        }
    }

    /// The permission needed to act on this stage.
    pub fn permission(self) -> Permission {
        match self {
            Stage::Preliminary => Permission::RecordCollect,
            Stage::Review => Permission::RecordReview,
            Stage::Recheck => Permission::RecordRecheck,
            Stage::Approval => Permission::RecordApprove,
        }
    }

    pub fn parse(s: &str) -> Result<Stage, ReviewError> {
        Stage::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| ReviewError::UnknownStage(s.to_string()))
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The configured stages of one business type, in order. Always starts with
/// the preliminary stage (the clerk's submission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Stage>", into = "Vec<Stage>")]
pub struct Chain(Vec<Stage>);

impl Chain {
    /// All four stages: the default for anything that changes rights.
    pub fn full() -> Chain {
        Chain(Stage::ALL.to_vec())
    }

    pub fn new(stages: Vec<Stage>) -> Result<Chain, ReviewError> {
        if stages.first() != Some(&Stage::Preliminary) {
            return Err(ReviewError::BadChain(
                "must start with preliminary (初审)".into(),
            ));
        }
        // Four-eyes (Art 7): with the submission alone one person would
        // write a record. Every chain has at least one further stage, and
        // the review rules make each stage a different person.
        if stages.len() < 2 {
            return Err(ReviewError::BadChain(
                "needs at least two stages (初审 and at least one of 审核/复核/审批): with one stage a single person would write the record alone".into(),
            ));
        }
        if !stages.windows(2).all(|w| w[0] < w[1]) {
            return Err(ReviewError::BadChain(
                "stages must be in the order preliminary, review, recheck, approval, each at most once".into(),
            ));
        }
        Ok(Chain(stages))
    }

    pub fn stages(&self) -> &[Stage] {
        &self.0
    }

    fn after(&self, s: Stage) -> Option<Stage> {
        let i = self.0.iter().position(|x| *x == s)?;
        self.0.get(i + 1).copied()
    }
}

impl TryFrom<Vec<Stage>> for Chain {
    type Error = ReviewError;
    fn try_from(v: Vec<Stage>) -> Result<Self, Self::Error> {
        Chain::new(v)
    }
}

impl From<Chain> for Vec<Stage> {
    fn from(c: Chain) -> Self {
        c.0
    }
}

/// Where an application stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Waiting for `stage`.
    Pending { stage: Stage },
    /// Returned to the clerk by a rejection.
    Returned { stage: Stage, reason: String },
    /// Every stage approved: written to the ledger.
    Approved,
    /// Withdrawn by the clerk after a return.
    Withdrawn,
}

impl Status {
    pub fn name(&self) -> &'static str {
        self.summary().as_str()
    }

    /// The status without its stage or reason, as the projection keeps it.
    pub fn summary(&self) -> crate::status::ApplicationStatus {
        use crate::status::ApplicationStatus as S;
        match self {
            Status::Pending { .. } => S::Pending,
            Status::Returned { .. } => S::Returned,
            Status::Approved => S::Approved,
            Status::Withdrawn => S::Withdrawn,
        }
    }
}

/// One act on an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub stage: Stage,
    pub actor: String,
    pub approve: bool,
    pub reason: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewError {
    #[error("review chain: {0}")]
    BadChain(String),
    #[error("unknown review stage {0:?}")]
    UnknownStage(String),
    #[error("refused by rule stage-order: the application waits for {expected} ({}), not {given} ({})", expected.name_zh(), given.name_zh())]
    WrongStage { expected: Stage, given: Stage },
    #[error("refused by rule four-eyes (Art 7): {actor} already acted on this application at {earlier} ({}); each stage needs a different person", earlier.name_zh())]
    SameActor { actor: String, earlier: Stage },
    #[error("refused by rule stage-order: the application is {0}; nothing is pending")]
    NotPending(&'static str),
    /// The stage was decided in this round already, typically by another
    /// reviewer a moment earlier: a conflict with what is recorded, not a
    /// broken rule (HTTP 409).
    #[error("stage {stage} ({}) of this application was already decided by {actor}; reload it", stage.name_zh())]
    AlreadyDecided { stage: Stage, actor: String },
    #[error("reason: a rejection must say why")]
    ReasonRequired,
}

impl ReviewError {
    /// The rule that refuses the step, when the error is a refusal by rule
    /// (`four-eyes`, `stage-order`); `None` for a malformed chain, an unknown
    /// stage or a missing reason.
    pub fn rule(&self) -> Option<RuleId> {
        match self {
            ReviewError::WrongStage { .. } | ReviewError::NotPending(_) => Some(RuleId::StageOrder),
            ReviewError::SameActor { .. } => Some(RuleId::FourEyes),
            ReviewError::BadChain(_)
            | ReviewError::UnknownStage(_)
            | ReviewError::AlreadyDecided { .. }
            | ReviewError::ReasonRequired => None,
        }
    }
}

/// Replay the steps of an application to its status.
pub fn status(chain: &Chain, steps: &[Step]) -> Status {
    let mut st = Status::Pending {
        stage: Stage::Preliminary,
    };
    for s in steps {
        st = match (&st, s.approve) {
            (Status::Pending { .. } | Status::Returned { .. }, true)
                if s.stage == Stage::Preliminary =>
            {
                match chain.after(Stage::Preliminary) {
                    Some(next) => Status::Pending { stage: next },
                    None => Status::Approved,
                }
            }
            (Status::Pending { stage }, true) => match chain.after(*stage) {
                Some(next) => Status::Pending { stage: next },
                None => Status::Approved,
            },
            (Status::Pending { stage }, false) => Status::Returned {
                stage: *stage,
                reason: s.reason.clone(),
            },
            (other, _) => other.clone(),
        };
    }
    st
}

/// Check that `next` may be applied after `steps`, and give the new status.
/// A (re)submission by the clerk is a preliminary-stage approval; after a
/// return, the chain starts over and earlier reviewers may act again.
pub fn apply(chain: &Chain, steps: &[Step], next: &Step) -> Result<Status, ReviewError> {
    let current = status(chain, steps);
    // The same stage again in this round, decided by someone else already
    // (two reviewers at once): a conflict. The same person repeating a
    // decision stays a stage-order refusal below.
    if let Some(done) = decided_in_round(steps, next.stage) {
        if done.actor != next.actor
            && !matches!(current, Status::Pending { stage } if stage == next.stage)
        {
            return Err(ReviewError::AlreadyDecided {
                stage: next.stage,
                actor: done.actor.clone(),
            });
        }
    }
    let expected = match &current {
        Status::Pending { stage } => *stage,
        Status::Returned { .. } => Stage::Preliminary,
        Status::Approved => return Err(ReviewError::NotPending("approved")),
        Status::Withdrawn => return Err(ReviewError::NotPending("withdrawn")),
    };
    if next.stage != expected {
        return Err(ReviewError::WrongStage {
            expected,
            given: next.stage,
        });
    }
    if !next.approve && next.reason.trim().is_empty() {
        return Err(ReviewError::ReasonRequired);
    }
    // Four-eyes over the current round (since the last submission).
    let round_start = steps
        .iter()
        .rposition(|s| s.stage == Stage::Preliminary && s.approve)
        .unwrap_or(0);
    let round = if next.stage == Stage::Preliminary {
        &steps[..0]
    } else {
        &steps[round_start..]
    };
    if let Some(earlier) = round
        .iter()
        .find(|s| s.actor == next.actor && s.stage != next.stage)
    {
        return Err(ReviewError::SameActor {
            actor: next.actor.clone(),
            earlier: earlier.stage,
        });
    }
    let mut all = steps.to_vec();
    all.push(next.clone());
    Ok(status(chain, &all))
}

/// The decision at `stage` in the current round (since the last
/// submission), if there is one. The preliminary stage is the submission
/// itself and is never "decided" this way.
pub fn decided_in_round(steps: &[Step], stage: Stage) -> Option<&Step> {
    if stage == Stage::Preliminary {
        return None;
    }
    let round_start = steps
        .iter()
        .rposition(|s| s.stage == Stage::Preliminary && s.approve)
        .unwrap_or(0);
    steps[round_start..].iter().rev().find(|s| s.stage == stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(stage: Stage, actor: &str, approve: bool) -> Step {
        Step {
            stage,
            actor: actor.into(),
            approve,
            reason: if approve {
                String::new()
            } else {
                "材料不全".into()
            },
        }
    }

    #[test]
    fn full_chain_in_order() {
        let c = Chain::full();
        let mut steps = vec![];
        for (stage, who) in [
            (Stage::Preliminary, "clerk"),
            (Stage::Review, "reviewer"),
            (Stage::Recheck, "rechecker"),
        ] {
            let s = step(stage, who, true);
            apply(&c, &steps, &s).unwrap();
            steps.push(s);
        }
        assert_eq!(
            status(&c, &steps),
            Status::Pending {
                stage: Stage::Approval
            }
        );
        assert_eq!(
            apply(&c, &steps, &step(Stage::Approval, "approver", true)).unwrap(),
            Status::Approved
        );
    }

    #[test]
    fn four_eyes_and_order() {
        let c = Chain::full();
        let steps = vec![step(Stage::Preliminary, "clerk", true)];
        assert_eq!(
            apply(&c, &steps, &step(Stage::Review, "clerk", true)),
            Err(ReviewError::SameActor {
                actor: "clerk".into(),
                earlier: Stage::Preliminary
            })
        );
        assert!(matches!(
            apply(&c, &steps, &step(Stage::Approval, "approver", true)),
            Err(ReviewError::WrongStage { .. })
        ));
        let steps = vec![
            step(Stage::Preliminary, "clerk", true),
            step(Stage::Review, "r", true),
        ];
        // The same stage twice: already decided (a conflict, not a rule).
        assert_eq!(
            apply(&c, &steps, &step(Stage::Review, "r2", true)),
            Err(ReviewError::AlreadyDecided {
                stage: Stage::Review,
                actor: "r".into()
            })
        );
        assert!(matches!(
            apply(&c, &steps, &step(Stage::Recheck, "r", true)),
            Err(ReviewError::SameActor { .. })
        ));
    }

    #[test]
    fn rejection_returns_to_clerk_and_starts_over() {
        let c = Chain::full();
        let mut steps = vec![
            step(Stage::Preliminary, "clerk", true),
            step(Stage::Review, "r", true),
        ];
        assert_eq!(
            apply(
                &c,
                &steps,
                &Step {
                    reason: " ".into(),
                    ..step(Stage::Recheck, "k", false)
                }
            ),
            Err(ReviewError::ReasonRequired)
        );
        steps.push(step(Stage::Recheck, "k", false));
        assert!(matches!(
            status(&c, &steps),
            Status::Returned {
                stage: Stage::Recheck,
                ..
            }
        ));
        // Review was decided in this round: by someone else a conflict, by
        // the same person again a stage-order refusal.
        assert!(matches!(
            apply(&c, &steps, &step(Stage::Review, "r2", true)),
            Err(ReviewError::AlreadyDecided { .. })
        ));
        assert!(matches!(
            apply(&c, &steps, &step(Stage::Review, "r", true)),
            Err(ReviewError::WrongStage { .. })
        ));
        assert!(matches!(
            apply(&c, &steps, &step(Stage::Approval, "a", true)),
            Err(ReviewError::WrongStage { .. })
        ));
        steps.push(step(Stage::Preliminary, "clerk", true));
        // A new round: the earlier reviewer may review again.
        assert_eq!(
            apply(&c, &steps, &step(Stage::Review, "r", true)).unwrap(),
            Status::Pending {
                stage: Stage::Recheck
            }
        );
    }

    #[test]
    fn short_chains_and_bad_chains() {
        let c = Chain::new(vec![Stage::Preliminary, Stage::Approval]).unwrap();
        let steps = vec![step(Stage::Preliminary, "clerk", true)];
        assert_eq!(
            status(&c, &steps),
            Status::Pending {
                stage: Stage::Approval
            }
        );
        assert!(Chain::new(vec![Stage::Review]).is_err());
        // The submission alone never approves (security issue item 13).
        let one = Chain::new(vec![Stage::Preliminary]).unwrap_err();
        assert!(one.to_string().contains("at least two stages"), "{one}");
        assert!(serde_json::from_str::<Chain>(r#"["preliminary"]"#).is_err());
        assert!(Chain::new(vec![Stage::Preliminary, Stage::Approval, Stage::Review]).is_err());
        assert!(Chain::new(vec![Stage::Preliminary, Stage::Review, Stage::Review]).is_err());
        let approved = vec![
            step(Stage::Preliminary, "c", true),
            step(Stage::Approval, "a", true),
        ];
        assert_eq!(
            apply(&c, &approved, &step(Stage::Approval, "b", true)),
            Err(ReviewError::AlreadyDecided {
                stage: Stage::Approval,
                actor: "a".into()
            })
        );
        assert_eq!(
            apply(&c, &approved, &step(Stage::Review, "b", true)),
            Err(ReviewError::NotPending("approved"))
        );
    }
}
