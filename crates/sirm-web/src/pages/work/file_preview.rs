//! A declaration file on its application page: the rejected rows as a
//! table (line, field, value — an ID number masked by the preview — and
//! the Chinese reason), and what approval writes, computed (persons, totals per
//! insurance type with the employer's and the person's part, a sample of
//! rows with each person as masked ID number and name).

use maud::{html, Markup};
use rust_decimal::Decimal;
use serde_json::Value;
use sirm_app::collection::declaration_file::{FilePreview, RejectedRow};
use sirm_domain::records::RejectedLine;

use super::shown::People;
use crate::pages::glossary;
use crate::pages::ui::{self, amount, head_cells, t};
use crate::AppState;

/// The rejected rows kept in a file application's raw data.
pub(super) fn rejected_lines(data: &Value) -> Vec<RejectedLine> {
    data.get("rejected")
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or_default()
}

/// The rejected rows: line, the field refused (from the reason), its value
/// (the file's text, when the preview read it), the Chinese reason.
pub(super) fn rejected_table(lines: &[RejectedLine], values: &[RejectedRow]) -> Markup {
    html! {
        h3 { (t("未接收的行", "Rejected rows")) " " span #rejected-count { (lines.len()) } }
        table.cards #rejected-rows {
            tr { (head_cells(&[("行号", "Line"), ("字段", "Field"), ("内容", "Value"), ("原因", "Reason")])) }
            @for l in lines {
                @let field = l.reason.split_once(':').map(|(f, _)| f.trim()).filter(|f| !f.contains(' '));
                @let row = values.iter().find(|r| r.line == l.line);
                tr data-line=(l.line) {
                    td data-label="行号" { (l.line) }
                    td data-label="字段" {
                        @match field.and_then(glossary::field) {
                            Some((zh, _)) => (zh),
                            None => (t("整行", "the line")),
                        }
                    }
                    td data-label="内容" {
                        @match (field, row) {
                            (Some("id"), Some(r)) => span.nowrap { (r.id) },
                            (Some("declared_wage"), Some(r)) => span.nowrap { (r.wage) },
                            _ => "—",
                        }
                    }
                    td data-label="原因" {
                        @match l.rule {
                            Some(rule) => { (crate::pages::zh::rule_zh(rule)) br; span.en { (l.reason) } },
                            None => (l.reason),
                        }
                    }
                }
            }
        }
    }
}

/// What approving the file writes: persons, totals per insurance type
/// (employer part, employee part, together), and the first rows.
pub(super) async fn preview_html(st: &AppState, p: &FilePreview) -> Markup {
    let a = &p.totals;
    let kinds: [(&str, &str, Decimal, Option<Decimal>); 4] = [
        (
            "养老保险",
            "Pension",
            a.pension_employer,
            Some(a.pension_employee),
        ),
        (
            "医疗保险（含生育）",
            "Medical (incl. maternity)",
            a.medical_employer,
            Some(a.medical_employee),
        ),
        (
            "失业保险",
            "Unemployment",
            a.unemployment_employer,
            Some(a.unemployment_employee),
        ),
        ("工伤保险", "Work injury", a.work_injury_employer, None),
    ];
    let employer: Decimal = kinds.iter().map(|k| k.2).sum();
    let employee: Decimal = kinds.iter().filter_map(|k| k.3).sum();
    let keys: Vec<Value> = p
        .sample
        .iter()
        .map(|r| Value::String(r.person.clone()))
        .collect();
    let people = People::of(st, &keys.iter().collect::<Vec<_>>()).await;
    html! {
        div #effect {
            p {
                (t("写入缴费核定", "Person-months assessed")) " " b #file-persons { (p.persons) } " " (t("人", "persons"))
                " · " (t("缴费基数合计", "Bases together")) " " b.num { (ui::yuan(p.base_total)) }
            }
            h3 { (t("按险种合计", "Totals per insurance type")) }
            table.cards #file-totals {
                tr { (head_cells(&[("险种", "Insurance"), ("单位缴费", "Employer part"), ("个人缴费", "Employee part"), ("合计", "Together")])) }
                @for (zh, en, er, ee) in &kinds {
                    tr {
                        td data-label="险种" { (t(zh, en)) }
                        td data-label="单位缴费" { (amount(*er)) }
                        td data-label="个人缴费" { @match ee { Some(x) => (amount(*x)), None => "—" } }
                        td data-label="合计" { (amount(*er + ee.unwrap_or_default())) }
                    }
                }
                tr.total {
                    td data-label="险种" { (t("合计", "Total")) }
                    td data-label="单位缴费" { (amount(employer)) }
                    td data-label="个人缴费" { (amount(employee)) }
                    td data-label="合计" { (amount(employer + employee)) }
                }
            }
            h3 { (t("样例（文件前几行）", "Sample (the file's first rows)")) }
            table.cards #file-sample {
                tr { (head_cells(&[("行号", "Line"), ("参保人员", "Person"), ("申报工资", "Declared wage"),
                    ("缴费基数", "Base"), ("单位缴费", "Employer part"), ("个人缴费", "Employee part")])) }
                @for r in &p.sample {
                    @let m = &r.amounts;
                    tr {
                        td data-label="行号" { (r.line) }
                        td data-label="参保人员" { (people.show(&r.person)) }
                        td data-label="申报工资" { (amount(r.declared_wage)) }
                        td data-label="缴费基数" { (amount(r.base)) }
                        td data-label="单位缴费" { (amount(m.pension_employer + m.medical_employer + m.unemployment_employer + m.work_injury_employer)) }
                        td data-label="个人缴费" { (amount(m.pension_employee + m.medical_employee + m.unemployment_employee)) }
                    }
                }
            }
        }
    }
}
