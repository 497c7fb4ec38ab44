//! What the person reads on "谁查询过我的记录" (`/my/queries`, Art 21):
//! every query of their record by someone else, in words — which channel,
//! who (an organ by its name, with the case number where its scope allows
//! it; a unit by the name its grant names; agency staff, a delegate, the
//! employer), which items, when. Their own visits are not listed.

use serde::Serialize;

use super::organ;
use crate::query::Item;
use crate::{AppError, Principal, Sirm};

/// One query of the person's record, as they read it.
#[derive(Clone, Debug, Serialize)]
pub struct SeenQuery {
    pub time_us: i64,
    /// The channel in Chinese (网上服务, 柜台, …).
    pub channel: String,
    /// Who asked, in Chinese.
    pub by: String,
    /// The items, in Chinese.
    pub items: Vec<&'static str>,
    /// What was done (a certificate downloaded, …); empty for an organ,
    /// whose name, case and basis are in `by` as far as the person may
    /// read them.
    pub detail: String,
}

/// A channel's name as the person reads it.
fn channel_zh(c: &str) -> String {
    match c {
        "portal" => "网上服务".into(),
        "kiosk" => "自助终端".into(),
        "counter" => "经办窗口（柜台）".into(),
        "telephone" => "电话查询".into(),
        "employer" => "单位网上服务".into(),
        "organ" => "行政/司法机关查询".into(),
        "unit" => "其他单位依申请查询".into(),
        other => other.into(),
    }
}

/// An item's name as the person reads it.
pub fn item_zh(i: Item) -> &'static str {
    match i {
        Item::Registration => "参保登记信息",
        Item::Employment => "就业记录",
        Item::Contributions => "缴费记录",
        Item::Account => "个人账户",
        Item::Benefit => "待遇",
    }
}

impl Sirm {
    /// Who looked at the signed-in person's record, newest first, at most
    /// `limit` rows of the log (own visits left out).
    pub async fn queries_seen(
        &self,
        who: &Principal,
        limit: i64,
    ) -> Result<Vec<SeenQuery>, AppError> {
        let rows = self.my_queries(who, limit).await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.requester_kind != "self")
            .map(|r| SeenQuery {
                time_us: r.time_us,
                detail: if r.channel == organ::CHANNEL {
                    String::new()
                } else {
                    r.basis.clone()
                },
                by: self.requester_zh(&r),
                channel: channel_zh(&r.channel),
                items: r
                    .items
                    .split(',')
                    .filter_map(Item::parse)
                    .map(item_zh)
                    .collect(),
            })
            .collect())
    }

    fn requester_zh(&self, r: &sirm_store::QueryLogRow) -> String {
        match (r.channel.as_str(), r.requester_kind.as_str()) {
            (organ::CHANNEL, _) => {
                // The organ's scope decides whether the case number is shown;
                // an organ no longer configured shows its name only.
                let visible = r
                    .requester
                    .split_once('/')
                    .and_then(|(id, _)| self.config.disclosure.organs.get(id))
                    .map(|o| self.config.disclosure.scope(o.kind).case_visible)
                    .unwrap_or(false);
                organ::shown_to_person(&r.basis, visible)
            }
            // A unit reading under a grant: its name as the grant names it
            // (the log adds the officer's account in brackets: not shown).
            ("unit", _) => r
                .requester
                .rsplit_once('（')
                .map_or(r.requester.as_str(), |(unit, _)| unit)
                .to_string(),
            (_, "delegate") => format!("受托人 {}", r.requester),
            (_, "employer") => "用人单位".into(),
            (_, "staff") => "社会保险经办机构工作人员".into(),
            (_, "third_party") => r.basis.split('；').next().unwrap_or_default().to_string(),
            (_, other) => other.to_string(),
        }
    }
}
