//! The raw-data form of every business type as typed [`FormField`]s, and
//! the conversions between form text and the stored raw-data object.

use maud::{html, Markup};
use serde_json::{Map, Value};
use sirm_app::collection::BusinessType;

use sirm_app::AppError;
use sirm_domain::{records, RuleId};

use crate::error::parse_id;
use crate::pages::ui::FieldKind::{
    CreditCode, Date, Document, Lines, Month, Number, PastDate, Phone, ResidentId, Text, Words,
    YesNo,
};
use crate::pages::ui::FormField as F;

const RESIDENT_ID: F = F::new("id", "公民身份号码", "Resident ID number", ResidentId);
const CREDIT_CODE: F = F::new(
    "credit_code",
    "统一社会信用代码",
    "Unified social credit code",
    CreditCode,
);
const EMPLOYER_CODE: F = F::new(
    "credit_code",
    "用人单位统一社会信用代码",
    "Employer's credit code",
    CreditCode,
);
const INJURY_DATE: F = F::new("injury_date", "受伤日期", "Injury date", PastDate);
const EVENT_DATE: F = F::new(
    "event_date",
    "生育（流产）日期",
    "Birth or miscarriage date",
    PastDate,
);
const EFFECTIVE_ON: F = F::new("effective_on", "生效日期", "Effective on", PastDate);
const MONTH_DUE: F = F::new("month", "费款所属期（年-月）", "Month (YYYY-MM)", Month);
const CORRECTION_REASON: F = F::new(
    "reason",
    "更正原因（如：异议核查结果）",
    "Reason (e.g. result of an objection)",
    Text,
);

const METHOD: F = F::new(
    "method",
    "处理方法（如：补缴差额及滞纳金）",
    "Handling method (e.g. difference and surcharge collected)",
    Text,
);

/// A form's fields as a `'static` slice (a `const` item, since field
/// constructors are `const fn`s and are not promoted by themselves).
macro_rules! form {
    ($($field:expr),* $(,)?) => {{
        const FIELDS: &[F] = &[$($field),*];
        FIELDS
    }};
}

/// The form fields of a business type, in the order the form shows them.
pub(super) fn fields(bt: BusinessType) -> &'static [F] {
    match bt {
        BusinessType::PersonRegister => form![
            RESIDENT_ID,
            F::new("name", "姓名", "Name", Text),
            F::new("address", "地址", "Address", Text),
            F::new("phone", "联系电话", "Phone", Phone),
            F::new("registered_on", "参保日期", "Registered on", PastDate),
        ],
        BusinessType::RuleSetImport => form![
            F::new(
                "format",
                "文件格式（toml 或 json）",
                "Format (toml or json)",
                Text,
            ),
            F::new("text", "规则集文件内容", "Rule set document", Document),
            F::new(
                "reason",
                "导入原因（公布参数的文件及文号）",
                "Reason (the announcement and its number)",
                Text,
            ),
            F::new(
                "recalculate",
                "重新核算：生效月份起已计算的月份按新版本更正（逐人逐月列出，供审核）",
                "Recalculate: correct the months already computed from valid_from under the new version (each listed for review)",
                YesNo,
            ).optional(),
        ],
        BusinessType::DisclosureApplication => form![
            F::new("unit_name", "申请单位名称", "Unit name", Text),
            F::new(
                "credit_code",
                "申请单位统一社会信用代码",
                "Unit's unified social credit code",
                CreditCode,
            ),
            F::new("contact", "联系人及联系电话", "Contact person and phone", Text),
            F::new("purpose", "查询目的", "Purpose", Text),
            F::new(
                "basis",
                "法律依据（法律、法规名称及条款）",
                "Legal basis (law and article)",
                Text,
            ),
            F::new(
                "persons",
                "查询对象的公民身份号码（每行一个，或用逗号分隔）",
                "ID numbers of the persons (one per line or comma-separated)",
                Document,
            ),
            F::new(
                "items",
                "查询项目（registration 登记信息 / employment 就业记录 / contributions 缴费记录 / account 个人账户 / benefit 待遇，多项用逗号分隔）",
                "Items (comma-separated)",
                Text,
            ),
            F::new("valid_from", "查询有效期起", "Valid from", Date),
            F::new("valid_until", "查询有效期止", "Valid until", Date),
            F::new("uses", "查询次数", "Number of reads", Number),
            F::new(
                "officer",
                "查询人员账号（其他单位查询人员）",
                "Officer account (unit_officer)",
                Text,
            ),
            F::new(
                "credentials",
                "单位有效证明文件扫描件的 SHA-256（留空：取本次上传的第一个扫描件）",
                "SHA-256 of the credentials scan (blank: the first file uploaded now)",
                Text,
            )
            .optional(),
        ],
        BusinessType::PersonErase => form![
            RESIDENT_ID,
            F::new("reason", "删除原因", "Reason", Text),
            F::new(
                "basis",
                "法律依据（法律、决定文号）",
                "Legal basis (law, decision number)",
                Text,
            ),
        ],
        BusinessType::PersonIdChange => form![
            F::new("id", "现公民身份号码", "Current resident ID number", ResidentId),
            F::new(
                "new_id_number",
                "新公民身份号码",
                "New resident ID number",
                ResidentId,
            ),
            F::new("effective_on", "公安部门变更日期", "Changed by public security on", PastDate),
            F::new(
                "reason",
                "变更原因（公安部门通知文号）",
                "Reason (public-security notice number)",
                Text,
            ),
            F::new(
                "discrepancy_id",
                "所处理的比对差异编号（无则留空）",
                "Cross-check discrepancy applied (blank: none)",
                Text,
            )
            .optional(),
        ],
        BusinessType::PersonChange => form![
            RESIDENT_ID,
            EFFECTIVE_ON,
            F::new("reason", "变更原因", "Reason", Text),
            F::new(
                "name",
                "新姓名（不变则留空）",
                "New name (blank: unchanged)",
                Text,
            ).optional(),
            F::new("address", "新地址", "New address", Text).optional(),
            F::new("phone", "新电话", "New phone", Phone).optional(),
        ],
        BusinessType::EmployerRegister => form![
            CREDIT_CODE,
            F::new("name", "单位名称", "Name", Text),
            F::new("address", "地址", "Address", Text),
            F::new(
                "industry_class",
                "工伤行业风险类别（1–8）",
                "Industry risk class (1–8)",
                Number,
            ),
            F::new("registered_on", "登记日期", "Registered on", PastDate),
        ],
        BusinessType::EmployerCorrect => form![
            CREDIT_CODE,
            EFFECTIVE_ON,
            CORRECTION_REASON,
            F::new("name", "更正后名称", "Corrected name", Text).optional(),
            F::new("address", "更正后地址", "Corrected address", Text).optional(),
            F::new(
                "industry_class",
                "更正后行业风险类别",
                "Corrected industry class",
                Number,
            ).optional(),
        ],
        BusinessType::ContributionCorrect => form![
            RESIDENT_ID,
            MONTH_DUE,
            F::new(
                "declared_wage",
                "更正后申报工资（元）",
                "Corrected declared wage (yuan)",
                Text,
            ),
            F::new("reason", "更正原因", "Reason", Text),
        ],
        BusinessType::SubsidyGrant => form![
            RESIDENT_ID,
            F::new(
                "kind",
                "补贴类别（flexible_employment 灵活就业 / employer_hiring 单位吸纳 / public_welfare_post 公益性岗位）",
                "Kind (flexible_employment / employer_hiring / public_welfare_post)",
                Text,
            ),
            F::new("from_month", "起始月份", "From month", Month),
            F::new("to_month", "截止月份", "To month", Month),
            F::new(
                "monthly_amount",
                "每月补贴金额（元，按批准文件）",
                "Monthly amount (yuan, as decided)",
                Text,
            ),
            F::new(
                "basis",
                "批准文件文号",
                "Granting decision (document no.)",
                Text,
            ),
        ],
        BusinessType::DisclosureExtract => form![
            F::new(
                "requester",
                "统计用户账户（接收数据者）",
                "Statistics user account (recipient)",
                Text,
            ),
            F::new(
                "purpose",
                "用途（经批准的研究或系统开发）",
                "Purpose (approved research or system development)",
                Text,
            ),
            F::new("legal_basis", "法律依据或批准文件", "Legal basis or approval", Text),
            F::new("from", "起始月份", "From month", Month),
            F::new("to", "截止月份", "To month", Month),
            F::new(
                "birth",
                "出生日期泛化（year 年 / five_years 五年段 / ten_years 十年段 / none 不提供）",
                "Birth generalisation (year / five_years / ten_years / none)",
                Text,
            )
            .optional(),
            F::new(
                "region",
                "地区泛化（agency 经办机构 / prefix 地市 / none 不提供）",
                "Region generalisation (agency / prefix / none)",
                Text,
            )
            .optional(),
            F::new(
                "fields",
                "提供的指标（contribution_months 缴费月数、contribution_amount 缴费金额、arrears_months 欠费月数、benefit_status 待遇状态；不填为全部）",
                "Measures (contribution_months, contribution_amount, arrears_months, benefit_status; blank: all)",
                Words,
            )
            .optional(),
        ],
        BusinessType::BenefitPaymentRun => form![F::new(
            "month",
            "发放月份（年-月）",
            "Month (YYYY-MM)",
            Month,
        )],
        BusinessType::EmployerChange => form![
            CREDIT_CODE,
            EFFECTIVE_ON,
            F::new("reason", "变更原因", "Reason", Text),
            F::new("name", "新名称", "New name", Text).optional(),
            F::new("address", "新地址", "New address", Text).optional(),
            F::new(
                "industry_class",
                "新行业风险类别",
                "New industry class",
                Number,
            ).optional(),
        ],
        BusinessType::EmployerDeregister => form![
            CREDIT_CODE,
            F::new("effective_on", "注销日期", "Effective on", PastDate),
            F::new("reason", "注销原因", "Reason", Text),
        ],
        BusinessType::InsuranceEnrol
        | BusinessType::InsuranceSuspend
        | BusinessType::InsuranceTerminate => form![
            RESIDENT_ID,
            F::new(
                "insurances",
                "险种（pension 养老、medical 医疗（含生育）、unemployment 失业、work_injury 工伤，多项用空格或逗号分隔）",
                "Insurance types (pension, medical, unemployment, work_injury)",
                Words,
            ),
            EFFECTIVE_ON,
            F::new("reason", "原因", "Reason", Text),
        ],
        BusinessType::PersonDeregister => form![
            RESIDENT_ID,
            F::new(
                "reason",
                "注销原因（death 死亡、emigration 出国（境）定居、transfer_out 转出、other 其他）",
                "Reason (death, emigration, transfer_out, other)",
                Text,
            ),
            F::new("effective_on", "注销日期", "Effective on", PastDate),
            F::new("death_date", "死亡日期（死亡时填写）", "Death date (death only)", PastDate)
                .optional(),
            F::new(
                "note",
                "说明（其他原因必填；转出时写转入地）",
                "Note (required for other; for transfer_out where to)",
                Text,
            )
            .optional(),
        ],
        BusinessType::FlexibleRegister => form![
            RESIDENT_ID,
            F::new(
                "base",
                "缴费基数（在当年下限与上限之间，元）",
                "Base (between the year's floor and ceiling)",
                Text,
            ),
            F::new("start_on", "参保开始日期", "Start date", PastDate),
        ],
        BusinessType::FlexibleDeclare => form![
            RESIDENT_ID,
            F::new("month", "缴费月份（年-月）", "Month (YYYY-MM)", Month),
            F::new("paid_on", "缴费到账日期", "Paid on", PastDate),
        ],
        BusinessType::EmploymentStart => form![
            RESIDENT_ID,
            EMPLOYER_CODE,
            F::new("start_on", "就业开始日期", "Start date", PastDate),
        ],
        BusinessType::EmploymentEnd => form![
            RESIDENT_ID,
            EMPLOYER_CODE,
            F::new("end_on", "终止日期", "End date", PastDate),
            F::new("reason", "终止原因", "Reason", Text),
        ],
        BusinessType::ContributionDeclare => form![
            EMPLOYER_CODE,
            MONTH_DUE,
            F::new(
                "lines",
                "申报明细：每行“公民身份号码,月工资”",
                "Lines: one \"ID number,monthly wage\" per line",
                Lines,
            ),
        ],
        // Taken by `sirm import declaration` (a file), not by this form.
        BusinessType::ContributionDeclareFile => form![],
        // Taken as a file at `/medical/settlements/new`, not by this form.
        BusinessType::MedicalSettlementFile => form![],
        // Taken by `sirm import legacy` (an export directory), not by this form.
        BusinessType::LegacyMigration => form![],
        BusinessType::AccountSettle => form![F::new("year", "结算年度", "Year", Number)],
        BusinessType::BenefitStatus => form![
            RESIDENT_ID,
            F::new(
                "status",
                "新状态（suspended 暂停 / terminated 终止）",
                "New status (suspended / terminated)",
                Text,
            ),
            EFFECTIVE_ON,
            F::new("reason", "原因（如：死亡）", "Reason (e.g. death)", Text),
        ],
        BusinessType::PersonCorrect => form![
            RESIDENT_ID,
            EFFECTIVE_ON,
            CORRECTION_REASON,
            F::new("name", "更正后姓名", "Corrected name", Text).optional(),
            F::new("address", "更正后地址", "Corrected address", Text).optional(),
            F::new("phone", "更正后电话", "Corrected phone", Phone).optional(),
        ],
        BusinessType::BenefitRetire => form![
            RESIDENT_ID,
            F::new(
                "category",
                "类别（male / female_55 / female_50）",
                "Category (male / female_55 / female_50)",
                Text,
            ),
            F::new(
                "deemed_months",
                "视同缴费月数",
                "Deemed contribution months",
                Number,
            ).optional(),
        ],
        BusinessType::ContributionPayment => form![
            EMPLOYER_CODE,
            MONTH_DUE,
            F::new("paid_on", "到账日期", "Received on", PastDate),
            F::new("amount", "到账金额（元）", "Amount received (yuan)", Text),
        ],
        BusinessType::ContributionSupplement => form![
            RESIDENT_ID,
            MONTH_DUE,
            F::new("base", "更正后缴费基数（元，整数）", "Corrected base (whole yuan)", Text),
            F::new("paid_on", "补缴到账日期", "Supplementary payment received on", PastDate),
            CORRECTION_REASON,
            METHOD,
        ],
        BusinessType::ContributionRefund => form![
            RESIDENT_ID,
            MONTH_DUE,
            F::new(
                "base",
                "更正后缴费基数（元，整数；空：全额退费）",
                "Corrected base (whole yuan; blank: refund the whole month)",
                Text,
            )
            .optional(),
            F::new("refunded_on", "退费日期", "Refunded on", PastDate),
            CORRECTION_REASON,
            METHOD,
        ],
        BusinessType::EmploymentCorrect => form![
            RESIDENT_ID,
            EMPLOYER_CODE,
            F::new("start_on", "原就业开始日期", "Start date on record", PastDate),
            F::new("new_start_on", "更正后开始日期", "Corrected start date", PastDate),
            F::new("new_end_on", "更正后终止日期（空：在职）", "Corrected end date (blank: still employed)", PastDate)
                .optional(),
            CORRECTION_REASON,
            METHOD,
        ],
        BusinessType::AccountRecompute => form![
            RESIDENT_ID,
            F::new("year", "重新结算年度", "Year", Number),
            CORRECTION_REASON,
            METHOD,
        ],
        BusinessType::BenefitRecompute => form![RESIDENT_ID, CORRECTION_REASON, METHOD],
        BusinessType::TransferApply => form![
            RESIDENT_ID,
            F::new("from_agency", "转出地经办机构代码", "Old region's agency code", Text),
        ],
        BusinessType::TransferOut | BusinessType::TransferAccept => {
            form![F::new("number", "转移接续编号", "Transfer number", Text)]
        }
        BusinessType::InjuryRecognise => form![
            RESIDENT_ID,
            EMPLOYER_CODE,
            INJURY_DATE,
            F::new("decision_no", "工伤认定决定书编号", "Recognition decision no.", Text),
            F::new("decided_on", "认定日期", "Decided on", PastDate),
            F::new("description", "受伤经过（简述）", "What happened (briefly)", Text),
        ],
        BusinessType::InjuryAssess => form![
            RESIDENT_ID,
            INJURY_DATE,
            F::new("grade", "伤残等级（1–10 级）", "Disability grade (1–10)", Number),
            F::new("decision_no", "劳动能力鉴定结论书编号", "Assessment decision no.", Text),
            F::new("assessed_on", "鉴定日期", "Assessed on", PastDate),
        ],
        BusinessType::InjuryDisability => form![RESIDENT_ID, INJURY_DATE],
        BusinessType::InjuryDeath => form![
            RESIDENT_ID,
            INJURY_DATE,
            F::new("died_on", "死亡日期", "Died on", PastDate),
            F::new(
                "dependents",
                "供养亲属（spouse 配偶 / other 其他亲属；孤寡老人或孤儿加 _alone，如 other_alone；空格分隔）",
                "Dependents (spouse / other, _alone for a lone elderly person or orphan; space-separated)",
                Words,
            )
            .optional(),
        ],
        BusinessType::InjuryPaymentRun => form![F::new(
            "month",
            "发放月份（年-月）",
            "Month (YYYY-MM)",
            Month,
        )],
        BusinessType::MaternityRecord => form![
            RESIDENT_ID,
            EMPLOYER_CODE,
            F::new(
                "event",
                "类别（birth 生育 / miscarriage_under_4_months 不满4个月流产 / miscarriage_4_months_or_more 满4个月流产）",
                "Event (birth / miscarriage_under_4_months / miscarriage_4_months_or_more)",
                Text,
            ),
            EVENT_DATE,
            F::new("difficult_birth", "难产", "Difficult birth", YesNo).optional(),
            F::new("babies", "生育胎儿数（多胞胎填实际数）", "Babies born", Number).optional(),
            F::new("institution", "医疗机构", "Medical institution", Text),
        ],
        BusinessType::MaternityAllowance => form![RESIDENT_ID, EVENT_DATE],
        BusinessType::MaternityMedical => form![
            RESIDENT_ID,
            EVENT_DATE,
            F::new("amount", "医疗费用金额（元）", "Amount (yuan)", Text),
            F::new("institution", "医疗机构", "Medical institution", Text),
            F::new("paid_on", "支付日期", "Paid on", PastDate),
        ],
        BusinessType::UnemploymentClaim => form![
            RESIDENT_ID,
            F::new("registered_on", "失业登记日期", "Registered as unemployed on", PastDate),
            F::new("job_ended_on", "终止就业日期", "Job ended on", PastDate),
            F::new(
                "involuntary",
                "非因本人意愿中断就业",
                "Job lost involuntarily",
                YesNo,
            ),
            F::new("reason", "中断就业原因", "Why the job ended", Text),
        ],
        BusinessType::UnemploymentStop => form![
            RESIDENT_ID,
            F::new("ended_on", "停止领取日期", "Ended on", PastDate),
            F::new("reason", "停止原因（如：重新就业）", "Reason (e.g. re-employed)", Text),
        ],
        BusinessType::UnemploymentPaymentRun => form![F::new(
            "month",
            "发放月份（年-月）",
            "Month (YYYY-MM)",
            Month,
        )],
        BusinessType::BenefitResume => form![
            RESIDENT_ID,
            EFFECTIVE_ON,
            F::new("reason", "恢复原因（如：资格认证完成）", "Reason (e.g. certified)", Text),
        ],
        BusinessType::BenefitAdjust => form![F::new("year", "调整年度", "Year", Number)],
        BusinessType::BenefitDeath => form![
            RESIDENT_ID,
            F::new("died_on", "死亡日期", "Date of death", PastDate),
            F::new("source", "信息来源（如：民政部门火化信息）", "Source (e.g. civil affairs)", Text),
        ],
    }
}

/// Each field's name with its Chinese label (a refusal names its field by
/// its label).
pub(super) fn labels(bt: BusinessType) -> Vec<(&'static str, &'static str)> {
    fields(bt).iter().map(|f| (f.name, f.zh)).collect()
}

/// A JSON value as form text: strings as they are, anything else as JSON.
fn text_of(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// The raw-data inputs of a business type, filled with `values`.
pub(super) fn inputs(bt: BusinessType, values: &Map<String, Value>) -> Markup {
    html! {
        @for f in fields(bt) {
            (f.render(&values.get(f.name).map(text_of).unwrap_or_default()))
        }
    }
}

/// Form values of stored raw data (the inverse of [`data_of`]).
pub(super) fn values_of(bt: BusinessType, data: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields(bt) {
        let Some(v) = data.get(f.name) else { continue };
        let text = if f.kind == Words {
            v.as_array()
                .map(|w| w.iter().map(text_of).collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| text_of(v))
        } else if f.kind == Lines {
            v.as_array()
                .map(|lines| {
                    lines
                        .iter()
                        .map(|l| {
                            format!(
                                "{},{}",
                                l["id"].as_str().unwrap_or(""),
                                text_of(&l["declared_wage"])
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default()
        } else {
            text_of(v)
        };
        out.insert(f.name.to_string(), Value::String(text));
    }
    out
}

/// Turn form text into the typed raw-data object of the business type.
/// A form field's text, trimmed, when it was filled in.
fn filled<'a>(form: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    form.get(name)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The typed fields of a form checked one by one, so that a mistyped ID
/// number, credit code, date or month is refused by its rule and names its
/// field (the whole raw data is checked again when submitted).
pub(super) fn check_form(bt: BusinessType, form: &Map<String, Value>) -> Result<(), AppError> {
    for f in fields(bt) {
        let Some(v) = filled(form, f.name) else {
            continue;
        };
        match f.kind {
            ResidentId => check_resident_id(f.name, v)?,
            CreditCode => parse_id::<sirm_domain::id::CreditCode>(f.name, v).map(drop)?,
            Date => drop(check_date(f.name, v)?),
            PastDate => {
                let d = check_date(f.name, v)?;
                records::check_not_future(f.name, d, sirm_app::rights::today())
                    .map_err(AppError::invalid_record)?;
            }
            Phone => records::check_phone(f.name, v).map_err(AppError::invalid_record)?,
            Month => {
                sirm_domain::rules::Month::parse(v)
                    .map_err(|e| AppError::invalid_by(f.name, RuleId::DateFormat, e))?;
            }
            Lines => {
                for (i, (id, wage)) in lines(v).enumerate() {
                    let at = format!("{}[{}]", f.name, i + 1);
                    check_resident_id(&format!("{at}.id"), id)?;
                    check_wage(&format!("{at}.declared_wage"), wage)?;
                }
            }
            _ => {}
        }
    }
    // Only spaces typed into a required field get past the browser's
    // `required`: refused here, naming the field (after the typed checks,
    // so a mistyped field is named first).
    if let Some(f) = fields(bt)
        .iter()
        .find(|f| f.required && f.kind != YesNo && filled(form, f.name).is_none())
    {
        return Err(AppError::invalid_record(records::RecordError::Empty {
            field: f.name,
        }));
    }
    Ok(())
}

/// A date typed as `YYYY-MM-DD`.
fn check_date(field: &str, v: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        AppError::invalid_by(
            field,
            RuleId::DateFormat,
            format!("{v:?} is not a date (YYYY-MM-DD)"),
        )
    })
}

fn check_resident_id(field: &str, v: &str) -> Result<(), AppError> {
    parse_id::<sirm_domain::id::ResidentId>(field, v).map(drop)
}

/// The wage of a declaration line: present, an amount in yuan with at most
/// two decimals, not negative.
fn check_wage(field: &str, wage: Option<&str>) -> Result<(), AppError> {
    let Some(text) = wage else {
        return Err(AppError::invalid_by(
            field,
            RuleId::DeclarationLine,
            "each line is \"ID number,monthly wage\"; the wage is missing",
        ));
    };
    match text.parse::<rust_decimal::Decimal>() {
        Ok(w) if !w.is_sign_negative() && w.scale() <= 2 => Ok(()),
        _ => Err(AppError::invalid_by(
            field,
            RuleId::DeclarationWage,
            format!("{text:?} is not an amount in yuan (at least 0, at most two decimals)"),
        )),
    }
}

/// The words of a one-line list (spaces, commas, 、 or semicolons between).
fn words(v: &str) -> impl Iterator<Item = &str> {
    v.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|w| !w.is_empty())
}

/// The lines of a "ID,wage" list: each line's ID and, when the line has a
/// separator, its wage.
fn lines(v: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    v.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| {
        match l.split_once([',', '，', '\t', ' ']) {
            Some((id, wage)) => (id.trim(), Some(wage.trim())),
            None => (l, None),
        }
    })
}

pub(super) fn data_of(bt: BusinessType, form: &Map<String, Value>) -> Value {
    let mut data = Map::new();
    for f in fields(bt) {
        let Some(v) = filled(form, f.name) else {
            continue;
        };
        let value = match f.kind {
            // "ID,wage" per line → [{"id": …, "declared_wage": "…"}]; a line
            // without a separator keeps its text, so validation names it.
            Lines => Value::Array(
                lines(v)
                    .map(|(id, wage)| match wage {
                        Some(wage) => serde_json::json!({"id": id, "declared_wage": wage}),
                        None => serde_json::json!({"id": id}),
                    })
                    .collect(),
            ),
            Words => Value::Array(words(v).map(|w| Value::String(w.to_string())).collect()),
            // A document is kept exactly as typed (its hash is recorded).
            Document => match form.get(f.name).and_then(|v| v.as_str()) {
                Some(raw) => Value::String(raw.to_string()),
                None => continue,
            },
            Number => v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(v.to_string())),
            _ => Value::String(v.to_string()),
        };
        data.insert(f.name.to_string(), value);
    }
    Value::Object(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_text_and_raw_data_round_trip() {
        let bt = BusinessType::ContributionDeclare;
        let data = serde_json::json!({
            "credit_code": "91110000100000000X",
            "month": "2026-01",
            "lines": [
                {"id": "11010519491231002X", "declared_wage": "8000.00"},
                {"id": "110105194912310021", "declared_wage": "9000"}
            ]
        });
        let values = values_of(bt, &data);
        assert_eq!(
            values["lines"],
            "11010519491231002X,8000.00\n110105194912310021,9000"
        );
        assert_eq!(data_of(bt, &values), data);
        let form = inputs(bt, &values).into_string();
        assert!(form.contains("<textarea name=\"lines\" rows=\"8\" cols=\"50\" required>"));
    }

    #[test]
    fn an_extract_names_its_measures_as_a_list() {
        let bt = BusinessType::DisclosureExtract;
        let mut form = Map::new();
        form.insert(
            "fields".into(),
            Value::String("contribution_months、 arrears_months".into()),
        );
        let data = data_of(bt, &form);
        assert_eq!(
            data,
            serde_json::json!({"fields": ["contribution_months", "arrears_months"]})
        );
        assert_eq!(
            values_of(bt, &data)["fields"],
            "contribution_months arrears_months"
        );
    }

    #[test]
    fn numbers_become_numbers_and_blanks_are_left_out() {
        let bt = BusinessType::EmployerCorrect;
        let mut form = Map::new();
        form.insert("industry_class".into(), Value::String(" 3 ".into()));
        form.insert("name".into(), Value::String("  ".into()));
        assert_eq!(data_of(bt, &form), serde_json::json!({"industry_class": 3}));
    }

    #[test]
    fn dates_that_have_not_come_and_bad_phones_are_refused_by_their_rule() {
        let form = |pairs: &[(&str, &str)]| -> Map<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect()
        };
        let bt = BusinessType::PersonRegister;
        let ok = [
            ("id", "110105199003071220"),
            ("name", "张三"),
            ("address", "北京市朝阳区"),
            ("registered_on", "2020-01-01"),
            ("phone", "010-8888 6666"),
        ];
        assert!(check_form(bt, &form(&ok)).is_ok());
        // Only spaces in a required field: refused, naming it.
        let mut blank = ok;
        blank[1] = ("name", "   ");
        let e = check_form(bt, &form(&blank)).unwrap_err();
        assert_eq!(e.rule(), Some(RuleId::FieldRequired));
        assert!(e.to_string().contains("name"), "{e}");
        for (field, value, rule) in [
            ("registered_on", "2099-01-01", RuleId::DateFuture),
            ("phone", "abc", RuleId::PhoneFormat),
        ] {
            let e = check_form(bt, &form(&[(field, value)])).unwrap_err();
            assert_eq!(e.rule(), Some(rule), "{field}");
            assert!(e.to_string().contains(field), "{e}");
        }
        // Every date that records what has happened is refused ahead of today.
        for bt in BusinessType::ALL {
            for f in fields(bt).iter().filter(|f| f.kind == PastDate) {
                let e = check_form(bt, &form(&[(f.name, "2099-01-01")])).unwrap_err();
                assert_eq!(e.rule(), Some(RuleId::DateFuture), "{bt:?} {}", f.name);
            }
        }
    }

    #[test]
    fn every_form_names_each_field_once() {
        for bt in BusinessType::ALL {
            let mut names: Vec<_> = fields(bt).iter().map(|f| f.name).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "{bt:?}");
        }
    }
}
