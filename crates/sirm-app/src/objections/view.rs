//! What the objector and the staff read of an objection: where it stands,
//! its steps, the deadline, the linked correction, the written answer.

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::records::{Evidence, ObjectionFiled, ObjectionItem};
use sirm_domain::status::{ApplicationStatus, ObjectionStatus};
use sirm_store::ObjectionRow;

use super::no_such_objection;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// One objection as a list shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectionView {
    pub number: String,
    pub status: ObjectionStatus,
    pub status_zh: &'static str,
    pub objector: String,
    pub filed_on: chrono::NaiveDate,
    pub deadline: chrono::NaiveDate,
    /// Still open after its deadline.
    pub overdue: bool,
    /// The items in Chinese.
    pub items: Vec<String>,
    /// The linked correction application and where it stands.
    pub application_id: String,
    pub application_status: Option<ApplicationStatus>,
    /// The written answer's verification code.
    pub letter_code: String,
    pub resolved_at: String,
}

/// One objection in full: its steps, what the objector wrote, the evidence.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectionDetail {
    #[serde(flatten)]
    pub view: ObjectionView,
    /// (when, what) in order, in Chinese.
    pub steps: Vec<(String, String)>,
    pub statement: String,
    pub evidence: Vec<Evidence>,
}

/// The status in Chinese.
pub fn status_zh(s: ObjectionStatus) -> &'static str {
    match s {
        ObjectionStatus::Open => "待核查",
        ObjectionStatus::InCorrection => "更正审核中",
        ObjectionStatus::Corrected => "已更正",
        ObjectionStatus::Answered => "已书面答复",
    }
}

fn objector_zh(o: &str) -> String {
    serde_json::from_value::<sirm_domain::records::Objector>(serde_json::Value::String(o.into()))
        .map(|o| o.zh().to_string())
        .unwrap_or_else(|_| o.to_string())
}

impl Sirm {
    pub(crate) async fn objection_view_of(
        &self,
        row: &ObjectionRow,
    ) -> Result<ObjectionView, AppError> {
        let items: Vec<ObjectionItem> =
            serde_json::from_str(&row.items).map_err(|e| AppError::invalid("items", e))?;
        let application_status = if row.application_id.is_empty() {
            None
        } else {
            self.store
                .application(&row.application_id)
                .await?
                .map(|a| a.status)
        };
        let open = matches!(
            row.status,
            ObjectionStatus::Open | ObjectionStatus::InCorrection
        );
        Ok(ObjectionView {
            number: row.number.clone(),
            status: row.status,
            status_zh: status_zh(row.status),
            objector: objector_zh(&row.objector),
            filed_on: row.filed_on,
            deadline: row.deadline,
            overdue: open && crate::clock::today() > row.deadline,
            items: items.iter().map(ObjectionItem::zh).collect(),
            application_id: row.application_id.clone(),
            application_status,
            letter_code: row.letter_code.clone(),
            resolved_at: row.resolved_at.clone(),
        })
    }

    /// The objections about the caller's own record, or (a delegate, the
    /// employer, `id` given) about the person named, newest first.
    pub async fn my_objections(
        &self,
        who: &Principal,
        id: Option<&str>,
    ) -> Result<Vec<ObjectionView>, AppError> {
        let pk = match id.map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                self.authorize(who, Permission::OwnRecordRead).await?;
                who.person_id
                    .as_deref()
                    .ok_or_else(|| AppError::invalid("id", "name the person (ID number)"))?
                    .parse::<PersonKey>()
                    .map_err(|e| AppError::invalid("id", e))?
            }
            Some(text) => {
                let id: ResidentId = text.parse().map_err(|e| AppError::invalid_id("id", e))?;
                self.person_key(&id)?
            }
        };
        let mut out = Vec::new();
        for row in self.store.objections_of(pk.as_str()).await? {
            // The same visibility rule as one objection.
            if self.objection_for(who, &row.number).await.is_ok() {
                out.push(self.objection_view_of(&row).await?);
            }
        }
        Ok(out)
    }

    /// One objection with its steps, for whoever may see it.
    pub async fn objection_detail(
        &self,
        who: &Principal,
        number: &str,
    ) -> Result<ObjectionDetail, AppError> {
        let row = self.objection_for(who, number).await?;
        let view = self.objection_view_of(&row).await?;
        let seq = u64::try_from(row.filed_seq).map_err(|_| no_such_objection(number))?;
        let entry = self
            .store
            .entry(seq)
            .await?
            .ok_or_else(|| no_such_objection(number))?;
        let filed: ObjectionFiled =
            serde_json::from_str(&entry.payload).map_err(|e| AppError::invalid("objection", e))?;
        let statement = self
            .open_field(
                &row.person_id,
                "objection.statement",
                filed.statement.as_str(),
            )
            .await?;
        let mut steps = vec![(
            row.filed_on.to_string(),
            format!(
                "{}提出书面核查申请，附证明材料 {} 份；办理时限至 {}",
                view.objector,
                filed.evidence.len(),
                row.deadline
            ),
        )];
        if !row.application_id.is_empty() {
            let st = view
                .application_status
                .map(|s| match s {
                    ApplicationStatus::Pending => "审核中",
                    ApplicationStatus::Returned => "已退回经办人",
                    ApplicationStatus::Approved => "已审批通过",
                    ApplicationStatus::Withdrawn => "已撤回",
                })
                .unwrap_or("");
            steps.push((
                String::new(),
                format!(
                    "经复核确有错误，已受理更正业务 {}（{st}）",
                    row.application_id
                ),
            ));
        }
        match row.status {
            ObjectionStatus::Corrected => steps.push((
                row.resolved_at.clone(),
                "更正业务已审批，权益记录已更正".to_string(),
            )),
            ObjectionStatus::Answered => steps.push((
                row.resolved_at.clone(),
                format!("经复核未发现错误，已书面答复（核验码 {}）", row.letter_code),
            )),
            _ => {}
        }
        Ok(ObjectionDetail {
            view,
            steps,
            statement,
            evidence: filed.evidence,
        })
    }
}
