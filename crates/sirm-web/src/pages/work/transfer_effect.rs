//! What the reviewers of `transfer.out` and `transfer.accept` approve,
//! in words: the figures of the transfer (months, bases, funds, account)
//! and the months of each region, paid and in arrears, instead of one row
//! per month of the history.

use maud::{html, Markup};
use serde_json::Value;

use crate::pages::record::type_months;
use crate::pages::ui::t;

/// Whether an entry of this kind carries transfer figures.
pub(super) fn is_transfer(kind: &str) -> bool {
    matches!(kind, "transfer.out" | "transfer.received")
}

/// A field of the flattened payload shown in the summary instead (arrays
/// flatten as `history[1].bases[2].month`, objects as `figures.total`).
pub(super) fn summarized(key: &str) -> bool {
    key == "account_balance"
        || ["history[", "history.", "figures."]
            .iter()
            .any(|p| key.starts_with(p))
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// The summary table of a transfer entry's payload.
pub(super) fn summary(payload: &Value) -> Markup {
    let f = &payload["figures"];
    let rows: [(&str, &str, String); 6] = [
        (
            "计入月数（1998年1月起）",
            "Months counted (since 1998-01)",
            s(&f["months_counted"]),
        ),
        (
            "1998年前月数",
            "Months before 1998",
            s(&f["months_before_1998"]),
        ),
        (
            "缴费基数合计",
            "Sum of bases counted",
            s(&f["bases_counted"]),
        ),
        (
            "个人账户转移额",
            "Account transferred",
            s(&f["account_transfer"]),
        ),
        (
            "统筹基金转移额（基数合计×12%）",
            "Pooled share (12 % of bases)",
            s(&f["pooled_transfer"]),
        ),
        ("转移资金合计", "Total transferred", s(&f["total"])),
    ];
    let empty = Vec::new();
    let regions = payload["history"].as_array().unwrap_or(&empty);
    html! {
        table.effect.transfer-figures {
            @if let Some(b) = payload.get("account_balance") {
                tr { th { (t("个人账户余额", "Account balance")) } td { (s(b)) } }
            }
            @for (zh, en, v) in rows {
                tr { th { (t(zh, en)) } td.figure { (v) } }
            }
            tr { th { (t("计算规则", "Rule set")) }
                td { (s(&payload["rule_set"]["id"])) " v" (s(&payload["rule_set"]["version"])) } }
        }
        table.effect.transfer-regions {
            tr { th { (t("参保地经办机构", "Agency")) } th { (t("实缴月数", "Months paid")) }
                th { (t("起止月", "From – to")) } th { (t("欠费月数（不计年限、不转资金）", "Months in arrears (not counted, no funds)")) }
                th { (t("按险种实缴月数", "Months paid by insurance type")) } }
            @for seg in regions {
                @let bases = seg["bases"].as_array().unwrap_or(&empty);
                @let arrears = seg["arrears"].as_array().map_or(0, Vec::len);
                tr {
                    td { (s(&seg["agency"])) }
                    td { (bases.len()) }
                    td { @if let (Some(a), Some(b)) = (bases.first(), bases.last()) {
                        (s(&a["month"])) " – " (s(&b["month"])) } }
                    td { (arrears) }
                    td { (type_months(serde_json::from_value(seg["by_type"].clone()).ok().as_ref())) }
                }
            }
        }
    }
}
