//! Parameters (参数维护, Art 6): the versions of the region's rule set in
//! force, one version's figures, and — on a `rule_set.import` application —
//! the readable diff the reviewers decide on.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use sirm_app::rulesets::{RuleSetInfo, RuleSetPreview};
use sirm_domain::access::Permission;

use crate::error::ApiError;
use crate::pages::{error_page, ui};
use crate::routes::Caller;
use crate::AppState;

/// The Chinese name of a rule set figure by its dotted key, e.g.
/// `years.2026.avg_wage` → "2026年 缴费基数用上年度职工月平均工资".
pub(super) fn key_zh(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let insurance = |s: &str| match s {
        "pension" => "养老保险",
        "medical" => "医疗保险（含生育）",
        "unemployment" => "失业保险",
        "work_injury" => "工伤保险",
        _ => "",
    };
    let payer = |s: &str| match s {
        "employer" => "单位费率",
        "employee" => "个人费率",
        _ => "",
    };
    let layer = |rest: &[&str]| -> String {
        match rest {
            ["avg_wage"] => "缴费基数用上年度职工月平均工资".into(),
            ["pension_base_wage"] => "养老金计发基数".into(),
            ["floor_ratio"] => "缴费基数下限比例".into(),
            ["ceiling_ratio"] => "缴费基数上限比例".into(),
            ["transitional_coefficient"] => "过渡性养老金计发系数".into(),
            ["unemployment_benefit"] => "失业保险金月标准".into(),
            ["maternity_extra_days"] => "产假地方延长天数".into(),
            ["min_wage"] => "最低工资标准".into(),
            ["national_disposable_income"] => "上年度全国城镇居民人均可支配收入".into(),
            ["late_surcharge_rate"] => "滞纳金日费率".into(),
            ["funeral_grant"] => "丧葬补助金".into(),
            ["survivor_months"] => "抚恤金月数".into(),
            ["medical_account_share"] => "职工医保个人账户 个人缴费划入比例".into(),
            ["medical_retiree_credit"] => "职工医保个人账户 退休人员每月划入额".into(),
            ["pension_adjustment", "fixed"] => "养老金调整 定额调整".into(),
            ["pension_adjustment", "percent"] => "养老金调整 挂钩调整比例".into(),
            ["pension_adjustment", "per_year"] => "养老金调整 每缴费年限增加额".into(),
            ["pension_adjustment", "age_bonus"] => "养老金调整 高龄倾斜".into(),
            ["rates", "work_injury", class] => format!("工伤保险 第{class}类行业 费率"),
            ["rates", i, p] => format!("{}{}", insurance(i), payer(p)),
            _ => String::new(),
        }
    };
    let name = match parts.as_slice() {
        ["rule_set", "valid_from"] => "生效月份".into(),
        ["rule_set", "demo"] => "演示数据标记".into(),
        ["rule_set", "sources"] => "依据文件".into(),
        ["crediting_rates", y] => format!("{y}年 个人账户记账利率"),
        ["years", y] => format!("{y}年"),
        ["years", y, rest @ ..] => {
            let l = layer(rest);
            if l.is_empty() {
                String::new()
            } else {
                format!("{y}年 {l}")
            }
        }
        ["defaults", rest @ ..] => {
            let l = layer(rest);
            if l.is_empty() {
                String::new()
            } else {
                format!("默认 {l}")
            }
        }
        [section, ..] => match *section {
            "rounding" => "舍入规则".into(),
            "retirement" => "退休年龄".into(),
            "min_contribution" => "最低缴费年限".into(),
            "payout_months" => "个人账户养老金计发月数".into(),
            _ => String::new(),
        },
        [] => String::new(),
    };
    name
}

/// A figure's key: its Chinese name with the key below (or the key).
fn key_label(key: &str) -> Markup {
    let zh = key_zh(key);
    html! {
        @if zh.is_empty() { code { (key) } } @else { (zh) br; span.en { code { (key) } } }
    }
}

/// "2026-07" or "起始" for a first version.
fn from_label(info: &RuleSetInfo) -> String {
    info.valid_from
        .clone()
        .unwrap_or_else(|| "起始 from the start".into())
}

fn years_label(years: &[i32]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "—".into(),
    }
}

/// `GET /rules`: the approved versions, newest first, and where to import.
pub async fn rule_sets(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let sets = match st.sirm.rule_sets(&c.principal).await {
        Ok(s) => s,
        Err(e) => return error_page(ApiError::from(e)),
    };
    let this_month = sirm_domain::rules::Month::of_date(chrono::Utc::now().date_naive());
    let in_force = st
        .sirm
        .rules_for_month(this_month)
        .await
        .ok()
        .map(|s| s.version());
    let body = html! {
        h1 { (ui::t("参数维护：规则集", "Parameters: rule sets")) }
        p {
            (ui::t(
                "缴费基数上下限、费率、记账利率等参数按地区规则集计算；每个月份使用当时生效的版本。新版本不改变已计算的数据，除非作为“重新核算”导入并经审批（审批时逐人逐月列出更正）。",
                "Bases, rates and crediting rates come from the region's rule set; each month uses the version in force then. A new version changes figures already computed only when filed as a recalculation and approved (each person-month listed)."
            ))
        }
        @if sets.is_empty() {
            (ui::notice("err", &format!(
                "本统筹地区（{}）尚无已批准的规则集：需要参数的业务暂不能办理。no approved rule set: business that needs figures is refused until one is imported.",
                st.sirm.config.agency_code
            )))
        }
        table #rule-sets {
            tr {
                th { (ui::t("规则集", "Rule set")) }
                th { (ui::t("版本", "Version")) }
                th { (ui::t("生效月份", "In force from")) }
                th { (ui::t("名称", "Title")) }
                th { (ui::t("年度", "Years")) }
                th { (ui::t("文件哈希", "Document hash")) }
            }
            @for s in sets.iter().rev() {
                tr data-version=(s.version) {
                    td { (s.id) @if s.demo { " " strong.nowrap { (ui::t("演示数据", "demo figures")) } } }
                    td { a href={ "/rules/" (s.version) } { "v" (s.version) } }
                    td {
                        (from_label(s))
                        @if Some(s.version) == in_force {
                            " " strong.nowrap { (ui::t("本月生效", "in force this month")) }
                        }
                    }
                    td { (s.title) }
                    td { (years_label(&s.years)) }
                    td { code { (s.hash.as_deref().unwrap_or("")) } }
                }
            }
        }
        @if c.principal.may(Permission::RecordMaintain) {
            p {
                a href="/applications/new?type=rule_set.import" {
                    (ui::t("导入规则集或新版本（经审核后生效）", "Import a rule set or a new version (in force once approved)"))
                }
            }
        }
    };
    ui::page("参数维护 Parameters", Some((&c.principal, &c.csrf)), body)
}

/// `GET /rules/{version}`: one version's figures, by dotted key.
pub async fn rule_set(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(version): Path<u32>,
) -> Response {
    let (info, doc) = match st.sirm.rule_set_document(&c.principal, Some(version)).await {
        Ok(x) => x,
        Err(e) => return error_page(ApiError::from(e)),
    };
    let mut rows = Vec::new();
    super::flatten("", &doc, &mut rows);
    let body = html! {
        h1 { (info.id) " v" (info.version) }
        p { (info.title) " · " (ui::t("生效月份", "in force from")) " " (from_label(&info)) }
        h2 { (ui::t("依据", "Sources")) }
        @if info.sources.is_empty() {
            p { (ui::t("（未列出）", "none listed")) }
        }
        ul { @for s in &info.sources { li { (s) } } }
        h2 { (ui::t("参数", "Figures")) }
        table #figures {
            @for (k, v) in &rows { tr { th { (key_label(k)) } td { (v) } } }
        }
        p { a href="/rules" { (ui::t("返回规则集列表", "All versions")) } }
    };
    ui::page("规则集 Rule set", Some((&c.principal, &c.csrf)), body)
}

/// The reviewers' view of an import: which figures change, from when, and
/// what is already computed in that period.
pub(super) fn preview_html(p: &RuleSetPreview) -> Markup {
    html! {
        div #rule-set-diff {
            p {
                (ui::t("导入", "Importing")) " " strong { (p.new.id) " v" (p.new.version) }
                " · " (ui::t("生效月份", "in force from")) " " (from_label(&p.new))
                @if let Some(prev) = &p.previous {
                    " · " (ui::t("替代", "follows")) " v" (prev.version) " (" (from_label(prev)) ")"
                }
                @if p.new.demo { " · " strong { (ui::t("演示数据", "demo figures")) } }
            }
            @if let Some(c) = &p.computed_since {
                p {
                    (ui::t("生效月份起已计算的数据", "Figures already computed from that month")) ": "
                    (c.persons) " " (ui::t("人", "persons")) ", "
                    (c.person_months) " " (ui::t("人月", "person-months")) ", "
                    (c.account_years) " " (ui::t("个账户年度", "account years"))
                    @if p.recalculation.is_empty() {
                        " — " (ui::t("均不改变", "none of them changes"))
                    } @else {
                        " — " (p.recalculation.len()) " " (ui::t("人月将重新核算（见下表）", "person-months are recalculated (below)"))
                    }
                }
            }
            @let years = p.diff.years_changed();
            @if !years.is_empty() {
                p {
                    (ui::t("涉及年度", "Years affected")) ": "
                    (years.iter().map(i32::to_string).collect::<Vec<_>>().join(", "))
                }
            }
            table.effect #changes {
                tr {
                    th { (ui::t("参数", "Figure")) }
                    th { (ui::t("现行版本", "In force")) }
                    th { (ui::t("新版本", "New")) }
                }
                @for ch in &p.diff.changes {
                    tr {
                        th { (key_label(&ch.key)) }
                        td { (ch.old.as_deref().unwrap_or("—")) }
                        td { (ch.new.as_deref().unwrap_or("（删除）removed")) }
                    }
                }
            }
            @if p.diff.is_empty() {
                p { (ui::t("参数无变化", "No figure changes")) }
            }
            @if !p.recalculation.is_empty() {
                h3 { (ui::t("重新核算：以下人员月份的数据将按新版本更正", "Recalculation: these person-months are corrected under the new version")) }
                table.effect #recalculation {
                    tr {
                        th { (ui::t("人员", "Person")) }
                        th { (ui::t("月份", "Month")) }
                        th { (ui::t("原缴费基数", "Base")) }
                        th { (ui::t("新缴费基数", "New base")) }
                        th { (ui::t("原缴费合计", "Contributions")) }
                        th { (ui::t("新缴费合计", "New contributions")) }
                        th { (ui::t("原规则集", "Computed under")) }
                    }
                    @for l in &p.recalculation {
                        tr {
                            td { (l.person) }
                            td { (l.month) }
                            td { (l.old_base) }
                            td { (l.new_base) }
                            td { (l.old_total) }
                            td { (l.new_total) }
                            td { (l.old_rule_set) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_zh;

    #[test]
    fn figures_have_chinese_names() {
        assert_eq!(
            key_zh("years.2026.avg_wage"),
            "2026年 缴费基数用上年度职工月平均工资"
        );
        assert_eq!(
            key_zh("defaults.rates.medical.employer"),
            "默认 医疗保险（含生育）单位费率"
        );
        assert_eq!(
            key_zh("years.2019.rates.pension.employer"),
            "2019年 养老保险单位费率"
        );
        assert_eq!(
            key_zh("defaults.rates.work_injury.3"),
            "默认 工伤保险 第3类行业 费率"
        );
        assert_eq!(key_zh("crediting_rates.2025"), "2025年 个人账户记账利率");
        assert_eq!(key_zh("rule_set.valid_from"), "生效月份");
        assert_eq!(key_zh("payout_months.60"), "个人账户养老金计发月数");
        assert_eq!(key_zh("rule_set.notes"), "");
    }
}
