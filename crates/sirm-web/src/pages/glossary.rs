//! The one glossary of the screens (术语表): the Chinese (and English) label
//! of every key a ledger payload, an application's raw data or an audit
//! event carries, and of every entry kind. Reviewers read these labels on
//! the application page ("what approval writes"), the maintenance log and
//! the audit trail instead of `registered_on`, `person:pk…` or a JSON blob.
//! `docs/glossary.md` holds the domain words; this table names the fields.

use serde_json::Value;

/// `(key, 中文, English)` of payload and raw-data keys.
const FIELDS: &[(&str, &str, &str)] = &[
    ("id", "公民身份号码", "Resident ID number"),
    ("person_id", "参保人员", "Insured person"),
    ("person", "参保人员", "Insured person"),
    ("id_number", "公民身份号码", "Resident ID number"),
    ("new_id_number", "新身份证号码", "New ID number"),
    ("previous_id_number", "原身份证号码", "Previous ID number"),
    (
        "id_masked",
        "公民身份号码（部分隐藏）",
        "ID number (masked)",
    ),
    ("persons_masked", "查询对象", "Persons"),
    ("new_person", "新参保人员", "New person"),
    ("pensioner", "离退休人员", "Pensioner"),
    ("name", "姓名", "Name"),
    ("person_name", "姓名", "Name"),
    ("display_name", "姓名", "Display name"),
    ("gender", "性别", "Gender"),
    ("birth_date", "出生日期", "Birth date"),
    ("address", "地址", "Address"),
    ("phone", "联系电话", "Phone"),
    ("registered_on", "参保日期", "Registered on"),
    ("credit_code", "统一社会信用代码", "Credit code"),
    ("employer", "用人单位", "Employer"),
    ("unit_name", "单位名称", "Unit name"),
    ("industry_class", "行业风险类别", "Industry risk class"),
    ("region", "统筹地区", "Region"),
    ("agency", "经办机构", "Agency"),
    ("agency_name", "经办机构名称", "Agency name"),
    ("from_agency", "转出地经办机构", "From agency"),
    ("to_agency", "转入地经办机构", "To agency"),
    ("start_on", "就业开始日期", "Start on"),
    ("end_on", "就业结束日期", "End on"),
    ("new_start_on", "更正后开始日期", "Corrected start"),
    ("new_end_on", "更正后结束日期", "Corrected end"),
    ("ended_on", "结束日期", "Ended on"),
    ("job_ended_on", "离职日期", "Job ended on"),
    ("effective_on", "生效日期", "Effective on"),
    ("died_on", "死亡日期", "Died on"),
    ("death_date", "死亡日期", "Death date"),
    ("month", "费款所属期", "Month"),
    ("from_month", "起始月份", "From month"),
    ("to_month", "截止月份", "To month"),
    ("start_month", "起始月份", "Start month"),
    ("end_month", "截止月份", "End month"),
    ("year", "年度", "Year"),
    ("wage_year", "工资年度", "Wage year"),
    ("declared_wage", "申报工资", "Declared wage"),
    (
        "previous_declared_wage",
        "原申报工资",
        "Previous declared wage",
    ),
    ("avg_wage", "社会平均工资", "Average wage"),
    ("own_wage", "本人工资", "Own wage"),
    ("wage_used", "计发工资", "Wage used"),
    ("base", "缴费基数", "Contribution base"),
    ("bases", "缴费基数", "Contribution bases"),
    ("bound", "基数封顶保底", "Base bound"),
    ("amount", "金额", "Amount"),
    ("amounts", "各险种缴费金额", "Amounts"),
    ("total", "合计", "Total"),
    ("pension_employer", "养老保险单位缴费", "Pension, employer"),
    ("pension_employee", "养老保险个人缴费", "Pension, employee"),
    ("medical_employer", "医疗保险单位缴费", "Medical, employer"),
    ("medical_employee", "医疗保险个人缴费", "Medical, employee"),
    (
        "unemployment_employer",
        "失业保险单位缴费",
        "Unemployment, employer",
    ),
    (
        "unemployment_employee",
        "失业保险个人缴费",
        "Unemployment, employee",
    ),
    (
        "work_injury_employer",
        "工伤保险单位缴费",
        "Work injury, employer",
    ),
    (
        "maternity_employer",
        "生育保险单位缴费",
        "Maternity, employer",
    ),
    ("account_credit", "记入个人账户", "Account credit"),
    (
        "account_credit_difference",
        "个人账户记账差额",
        "Account credit difference",
    ),
    ("pension", "养老保险", "Pension"),
    ("medical", "医疗保险", "Medical"),
    ("unemployment", "失业保险", "Unemployment"),
    ("work_injury", "工伤保险", "Work injury"),
    ("maternity", "生育保险", "Maternity"),
    ("enrolled", "参保险种", "Enrolled types"),
    ("insurances", "险种", "Insurance types"),
    ("inputs", "计算依据", "Inputs"),
    ("result", "计算结果", "Result"),
    ("rule_set", "规则集", "Rule set"),
    ("version", "版本", "Version"),
    ("paid_on", "到账日期", "Paid on"),
    ("paid_total", "到账金额", "Paid total"),
    ("due_total", "应缴金额", "Due total"),
    ("due_on", "应缴日期", "Due on"),
    ("difference", "差额", "Difference"),
    ("difference_total", "差额合计", "Difference total"),
    ("surcharge", "滞纳金", "Surcharge"),
    ("opening_balance", "年初余额", "Opening balance"),
    ("closing_balance", "年末余额", "Closing balance"),
    ("interest", "利息", "Interest"),
    ("credits", "本年记账", "Credits"),
    ("settled_on", "结算日期", "Settled on"),
    ("account_balance", "个人账户余额", "Account balance"),
    ("monthly_amount", "月待遇", "Monthly amount"),
    ("monthly", "月发放额", "Monthly"),
    ("basic", "基础养老金", "Basic pension"),
    ("account", "个人账户", "Personal account"),
    ("transitional", "过渡性养老金", "Transitional pension"),
    ("contribution_months", "缴费月数", "Contribution months"),
    ("deemed_months", "视同缴费月数", "Deemed months"),
    ("paid_months", "实际缴费月数", "Months paid"),
    ("months", "月数", "Months"),
    ("retirement", "退休", "Retirement"),
    ("category", "类别", "Category"),
    ("age", "年龄", "Age"),
    ("status", "状态", "Status"),
    ("kind", "类型", "Kind"),
    ("reason", "原因", "Reason"),
    ("reasons", "原因", "Reasons"),
    ("method", "处理方法", "Handling method"),
    ("corrects", "更正的记录", "Corrects"),
    ("before", "更正前", "Before"),
    ("after", "更正后", "After"),
    ("application_id", "业务编号", "Application"),
    ("business_type", "业务类型", "Business type"),
    ("materials", "原始材料", "Materials"),
    ("media_type", "文件类型", "Media type"),
    ("size", "大小（字节）", "Size (bytes)"),
    ("sha256", "SHA-256 摘要", "SHA-256"),
    ("file_sha256", "文件 SHA-256 摘要", "File SHA-256"),
    ("document_sha256", "文件 SHA-256 摘要", "Document SHA-256"),
    ("file", "文件", "File"),
    ("lines", "明细行", "Lines"),
    ("line", "行号", "Line"),
    ("rows", "行数", "Rows"),
    ("accepted", "接收行数", "Accepted rows"),
    ("rejected", "未接收的行", "Rejected rows"),
    ("rejected_count", "未接收行数", "Rejected rows"),
    (
        "online",
        "网上申报（单位经办人账号）",
        "Filed online by (employer agent)",
    ),
    ("rule", "规则", "Rule"),
    ("username", "用户名", "Username"),
    ("role", "角色", "Role"),
    ("roles", "角色", "Roles"),
    ("request_id", "申请编号", "Request"),
    ("delegation_id", "委托编号", "Delegation"),
    ("delegate_username", "受托人账号", "Delegate"),
    ("scope", "委托事项", "Scope"),
    ("valid_from", "有效期自", "Valid from"),
    ("valid_until", "有效期至", "Valid until"),
    ("purpose", "查询目的", "Purpose"),
    ("basis", "法律依据", "Legal basis"),
    ("legal_basis", "法律依据", "Legal basis"),
    ("persons", "查询对象", "Persons"),
    ("items", "查询项目", "Items"),
    ("uses", "查询次数", "Uses"),
    ("uses_allowed", "可查询次数", "Uses allowed"),
    ("officer", "查询人员", "Officer"),
    ("contact", "联系人及电话", "Contact"),
    ("credentials", "证明文件", "Credentials"),
    ("grant_id", "授权编号", "Grant"),
    ("code", "编号", "Code"),
    ("number", "编号", "Number"),
    ("issued_on", "出具日期", "Issued on"),
    ("issued_at", "出具时间", "Issued at"),
    ("verify_url", "核验地址", "Verification address"),
    ("content", "内容", "Content"),
    ("text", "文本", "Text"),
    ("format", "格式", "Format"),
    ("injury_date", "受伤日期", "Injury date"),
    ("event_date", "生育（流产）日期", "Event date"),
    ("grade", "伤残等级", "Disability grade"),
    ("lump_sum", "一次性待遇", "Lump sum"),
    ("funeral_grant", "丧葬补助金", "Funeral grant"),
    ("death_subsidy", "抚恤金", "Death subsidy"),
    ("dependents", "供养亲属", "Dependants"),
    ("allowance_rate", "津贴比例", "Allowance rate"),
    ("monthly_allowance", "月津贴", "Monthly allowance"),
    ("fund_paid", "统筹基金支付", "Fund paid"),
    ("account_paid", "个人账户支付", "Account paid"),
    ("self_paid", "个人自付", "Self paid"),
    ("institution", "医疗机构", "Institution"),
    ("objector", "异议人", "Objector"),
    ("evidence", "证明材料", "Evidence"),
    ("answer", "书面答复", "Answer"),
    ("deadline", "办理时限", "Deadline"),
    ("filed_on", "提出日期", "Filed on"),
    ("department", "比对部门", "Department"),
    ("discrepancy_id", "比对差异编号", "Discrepancy"),
    ("source", "来源", "Source"),
    ("event", "事件", "Event"),
    ("outcome", "结果", "Outcome"),
    ("detail", "详情", "Detail"),
    ("stage", "环节", "Stage"),
    ("approve", "结论", "Decision"),
    ("next_stage", "待处理环节", "Next stage"),
    ("subject", "对象", "Subject"),
    ("prepared_id", "预填业务编号", "Prepared application"),
    ("relation", "参保关系", "Relationship"),
    (
        "account_balance_before",
        "原个人账户余额",
        "Account balance before",
    ),
    ("account_rate", "个人账户记账比例", "Account rate"),
    ("account_to_heirs", "个人账户可继承额", "Account to heirs"),
    ("account_transfer", "个人账户转移额", "Account transfer"),
    (
        "account_unrounded",
        "个人账户养老金（未舍入）",
        "Account pension (unrounded)",
    ),
    ("addressee", "收件人", "Addressee"),
    ("age_bonus", "年龄加发", "Age bonus"),
    ("age_months", "年龄（月）", "Age (months)"),
    ("age_years", "年龄（周岁）", "Age (years)"),
    ("alias", "曾用身份证号", "Former ID number"),
    ("allowance_payer", "津贴支付方", "Allowance payer"),
    ("alone", "单独参保", "Alone"),
    ("amount_after", "更正后金额", "Amount after"),
    ("amount_unrounded", "金额（未舍入）", "Amount (unrounded)"),
    ("answered_on", "答复日期", "Answered on"),
    ("application", "业务编号", "Application"),
    ("applied_on", "申请日期", "Applied on"),
    ("arrears", "欠费", "Arrears"),
    ("as_of", "截至", "As of"),
    ("assessed", "核定", "Assessed"),
    ("assessed_on", "鉴定日期", "Assessed on"),
    ("average", "平均", "Average"),
    ("babies", "婴儿数", "Babies"),
    ("base_days", "基本产假天数", "Base days"),
    (
        "base_duration_months",
        "基本领取期限（月）",
        "Base duration (months)",
    ),
    ("bases_counted", "计入的缴费基数", "Bases counted"),
    (
        "basic_unrounded",
        "基础养老金（未舍入）",
        "Basic pension (unrounded)",
    ),
    ("basic_wage", "计发基数", "Basic wage"),
    ("benefit", "待遇", "Benefit"),
    ("birth", "生育", "Birth"),
    ("birth_month", "出生月份", "Birth month"),
    ("by", "经办人", "By"),
    ("by_type", "按险种", "By insurance type"),
    ("by_years", "按年度", "By year"),
    ("capped", "已封顶", "Capped"),
    ("carried_months", "结转月数", "Carried months"),
    ("ceiling", "缴费基数上限", "Ceiling"),
    ("ceiling_ratio", "上限比例", "Ceiling ratio"),
    ("channel", "渠道", "Channel"),
    ("chosen_base", "选择的缴费基数", "Chosen base"),
    ("claim", "申请", "Claim"),
    ("closing", "年末", "Closing"),
    ("contribution_index", "平均缴费指数", "Contribution index"),
    ("contribution_years", "缴费年限", "Contribution years"),
    ("credits_total", "记账合计", "Credits total"),
    ("daily_rate", "日津贴标准", "Daily rate"),
    ("data", "数据", "Data"),
    ("date", "日期", "Date"),
    ("days", "天数", "Days"),
    ("debits", "支出", "Debits"),
    ("decided_on", "决定日期", "Decided on"),
    ("decision_no", "决定书编号", "Decision number"),
    ("deemed_years", "视同缴费年限", "Deemed years"),
    ("dependents_total", "供养亲属抚恤金合计", "Dependants total"),
    ("description", "说明", "Description"),
    ("difficult_birth", "难产", "Difficult birth"),
    (
        "difficult_birth_days",
        "难产增加天数",
        "Difficult birth days",
    ),
    ("document", "文件", "Document"),
    ("duration_months", "领取期限（月）", "Duration (months)"),
    ("eligible", "符合条件", "Eligible"),
    ("employee_months", "个人缴费月数", "Employee months"),
    (
        "employer_avg_monthly_wage",
        "用人单位上年度职工月平均工资",
        "Employer's average monthly wage",
    ),
    ("extra_days", "增加天数", "Extra days"),
    ("floor", "缴费基数下限", "Floor"),
    ("floor_ratio", "下限比例", "Floor ratio"),
    ("from", "自", "From"),
    ("to", "至", "To"),
    ("granted", "核定", "Granted"),
    ("increase", "增加额", "Increase"),
    ("index", "指数", "Index"),
    ("indexed_wage", "指数化月平均缴费工资", "Indexed wage"),
    ("insurance", "险种", "Insurance type"),
    ("involuntary", "非本人意愿中断就业", "Involuntary"),
    ("letter", "函件", "Letter"),
    ("lump_sum_months", "一次性待遇月数", "Lump sum months"),
    ("medical_rate", "医疗保险费率", "Medical rate"),
    (
        "min_contribution_months",
        "最低缴费月数",
        "Minimum contribution months",
    ),
    ("min_wage", "最低工资标准", "Minimum wage"),
    (
        "monthly_account_pension",
        "个人账户养老金",
        "Account pension",
    ),
    ("months_paid", "已缴月数", "Months paid"),
    ("months_unassessed", "未核定月数", "Months not assessed"),
    (
        "multiple_birth_days",
        "多胞胎增加天数",
        "Multiple birth days",
    ),
    ("new_pension", "调整后养老金", "New pension"),
    ("note", "备注", "Note"),
    ("opening", "年初", "Opening"),
    ("overpaid", "多发金额", "Overpaid"),
    ("payer", "缴费方", "Payer"),
    ("payout_months", "计发月数", "Payout months"),
    ("pension_before", "调整前养老金", "Pension before"),
    ("period", "期间", "Period"),
    ("pooled_transfer", "统筹基金转移额", "Pooled fund transfer"),
    ("rate", "比例", "Rate"),
    (
        "raised_to_min_wage",
        "按最低工资标准补足",
        "Raised to minimum wage",
    ),
    ("received_on", "收到日期", "Received on"),
    ("refunded_on", "退费日期", "Refunded on"),
    ("remaining_months", "剩余月数", "Remaining months"),
    ("retirement_age_years", "退休年龄", "Retirement age"),
    ("retirement_month", "退休月份", "Retirement month"),
    ("rounding", "舍入", "Rounding"),
    ("spouse", "配偶", "Spouse"),
    ("survivor_months", "遗属待遇月数", "Survivor months"),
    ("taxable_wage", "应税工资", "Taxable wage"),
    ("total_amount", "合计金额", "Total amount"),
    ("transferred_on", "转移日期", "Transferred on"),
    (
        "transitional_coefficient",
        "过渡系数",
        "Transitional coefficient",
    ),
    ("unused_months", "未使用月数", "Unused months"),
    ("wage_clamped", "工资按上下限调整", "Wage clamped"),
    ("wage_months", "工资月数", "Wage months"),
    ("whole_years", "整年数", "Whole years"),
    ("years", "年数", "Years"),
];

/// Entry kinds: `(kind, 中文)`.
const KINDS: &[(&str, &str)] = &[
    ("agency.registered", "经办机构登记"),
    ("person.registered", "参保登记"),
    ("person.changed", "个人信息变更"),
    ("person.erased", "个人信息删除"),
    ("person.id_changed", "身份证号码变更"),
    ("person.deregistered", "人员注销"),
    ("employer.registered", "单位登记"),
    ("employer.changed", "单位信息变更"),
    ("employer.deregistered", "单位注销"),
    ("employment.started", "就业开始（增员）"),
    ("employment.ended", "就业结束（减员）"),
    ("employment.corrected", "就业期间更正"),
    ("contribution.assessed", "缴费核定"),
    ("contribution.paid", "缴费到账"),
    ("contribution.corrected", "缴费更正"),
    ("contribution.supplemented", "补缴"),
    ("contribution.refunded", "退费"),
    ("account.settled", "个人账户结算"),
    ("account.recomputed", "个人账户重新结算"),
    ("benefit.granted", "待遇核定"),
    ("benefit.status", "待遇状态"),
    ("benefit.paid", "待遇发放"),
    ("benefit.recomputed", "待遇重新核定"),
    ("benefit.resumed", "恢复发放"),
    ("benefit.adjusted", "养老金调整"),
    ("benefit.death", "死亡待遇"),
    ("subsidy.granted", "补贴核定"),
    ("insurance.enrolled", "险种参保"),
    ("insurance.suspended", "暂停缴费"),
    ("insurance.terminated", "终止参保"),
    ("flexible.registered", "灵活就业登记"),
    ("flexible.assessed", "灵活就业缴费核定"),
    ("unemployment.granted", "失业保险金核定"),
    ("unemployment.paid", "失业保险金发放"),
    ("unemployment.ended", "失业保险金终止"),
    ("medical.settled", "医疗费用结算"),
    ("injury.recognised", "工伤认定"),
    ("injury.assessed", "劳动能力鉴定"),
    ("injury.disability_granted", "伤残待遇核定"),
    ("injury.death_granted", "因工死亡待遇核定"),
    ("maternity.recorded", "生育登记"),
    ("maternity.allowance_granted", "生育津贴核定"),
    ("maternity.medical_paid", "生育医疗费用"),
    ("account.created", "开设账户"),
    ("account.locked", "锁定账户"),
    ("account.unlocked", "解锁账户"),
    ("account.retired", "注销账号"),
    ("account.agreement", "保密协议"),
    ("role.requested", "角色授予申请"),
    ("role.approved", "角色授予批准"),
    ("role.rejected", "角色申请驳回"),
    ("role.revoked", "角色撤销"),
    ("role.revocation_requested", "角色撤销申请"),
    ("delegation.recorded", "授权委托登记"),
    ("security.event", "安全事件"),
    ("application.submitted", "业务受理"),
    ("application.decided", "审核意见"),
    ("application.withdrawn", "业务撤回"),
    ("application.prepared", "预填维护业务"),
    ("application.prepared_closed", "预填维护业务办结"),
    ("certificate.issued", "出具证明"),
    ("certificate.revoked", "证明作废"),
    ("rule_set.approved", "规则集批准"),
    ("disclosure.granted", "查询授权"),
    ("disclosure.used", "按授权查询"),
    ("disclosure.refused", "不予提供告知书"),
    ("disclosure.extract", "去标识化数据提供"),
    ("objection.filed", "异议受理"),
    ("objection.linked", "异议关联更正业务"),
    ("objection.answered", "异议书面答复"),
    ("crosscheck.imported", "比对文件导入"),
    ("crosscheck.discrepancy", "比对差异"),
    ("crosscheck.resolved", "比对差异处理"),
    ("crosscheck.answered", "比对差异答复"),
    ("transfer.applied", "转移接续申请"),
    ("transfer.letter_sent", "联系函发出"),
    ("transfer.letter_received", "联系函收到"),
    ("transfer.out", "转出"),
    ("transfer.package_sent", "信息包发出"),
    ("transfer.package_received", "信息包收到"),
    ("transfer.received", "转入"),
    ("transfer.refused", "转移拒绝"),
    ("peer.added", "对端机构登记"),
    ("peer.removed", "对端机构删除"),
];

/// Audit (security) events: `(event, 中文)`.
const EVENTS: &[(&str, &str)] = &[
    ("login.success", "登录成功"),
    ("login.failure", "登录失败"),
    ("lockout", "连续登录失败，暂时锁定"),
    ("logout", "退出登录"),
    ("session.expired", "会话过期"),
    ("account.create", "创建账户"),
    ("account.lock", "锁定账户"),
    ("account.unlock", "解锁账户"),
    ("account.retire", "注销账号"),
    ("activation", "开通网上账户"),
    ("activation.issued", "发放激活码"),
    ("activation.failure", "开通失败"),
    ("agreement.filed", "登记保密协议"),
    ("password.change", "修改密码"),
    ("password.reset", "重置密码"),
    ("password.reset_use", "使用重置码"),
    ("recovery_code.used", "使用恢复码"),
    ("totp.enrol", "绑定动态口令"),
    ("role.request", "申请授予角色"),
    ("role.approve", "批准角色授予"),
    ("role.reject", "驳回角色申请"),
    ("role.refused", "角色授予被拒绝"),
    ("role.revoke", "撤销角色"),
    ("role.revocation_request", "申请撤销角色"),
    ("delegation.record", "登记授权委托"),
    ("query_pin.set", "设置查询密码"),
    ("query_pin.lockout", "查询密码暂时锁定"),
    ("ivr.query", "电话查询"),
    ("permission.denied", "无权操作被拒绝"),
    ("csrf.refused", "防伪令牌无效被拒绝"),
    ("refusals.summary", "拒绝请求汇总"),
    ("contractor.action", "外包人员操作"),
    ("certificate.altered", "证明被篡改"),
    ("config.change", "配置变更"),
    ("keys.export", "导出密钥分存"),
    ("keys.rotate", "轮换密钥"),
    ("backup", "备份"),
    ("backup.restored", "备份恢复"),
    ("restore", "恢复"),
    ("check", "完整性检查"),
    ("operations", "运行维护"),
    ("audit.export", "导出审计记录"),
    ("export", "导出"),
    ("query", "查询"),
    ("cli.command", "命令行操作"),
    ("querylog.sealed", "查询日志封存"),
];

/// A key's Chinese and English label, if the glossary has it.
pub fn field(key: &str) -> Option<(&'static str, &'static str)> {
    FIELDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| (*zh, *en))
}

/// An entry kind's Chinese name.
pub fn kind_zh(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, zh)| *zh)
}

/// An audit event's Chinese name: listed, else by its first part's kind.
pub fn event_zh(event: &str) -> Option<&'static str> {
    EVENTS
        .iter()
        .find(|(k, _)| *k == event)
        .map(|(_, zh)| *zh)
        .or_else(|| kind_zh(event))
}

/// The Chinese label of a flattened path (`result.amounts.pension_employer`
/// → `计算结果 · 各险种缴费金额 · 养老保险单位缴费`; `lines[2].reason` →
/// `明细行 第2项 · 原因`). A segment the glossary lacks keeps its key.
pub fn path_zh(path: &str) -> String {
    path.split('.')
        .map(|seg| {
            let (key, index) = match seg.split_once('[') {
                Some((k, rest)) => (k, rest.strip_suffix(']')),
                None => (seg, None),
            };
            let label = field(key)
                .map(|(zh, _)| zh.to_string())
                .unwrap_or_else(|| key.to_string());
            match index {
                Some(i) if label.is_empty() => format!("第{i}项"),
                Some(i) => format!("{label} 第{i}项"),
                None => label,
            }
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A value as a reviewer reads it: booleans as 是/否, `floor`/`ceiling`
/// bounds in Chinese, anything else as its text.
pub fn value_zh(key: &str, v: &str) -> String {
    match (key, v) {
        (_, "true") => "是".into(),
        (_, "false") => "否".into(),
        ("bound", "none") => "未封顶保底".into(),
        ("bound", "floor") => "按下限（保底）".into(),
        ("bound", "ceiling") => "按上限（封顶）".into(),
        ("gender", "male") => "男".into(),
        ("gender", "female") => "女".into(),
        _ => v.to_string(),
    }
}

/// The last key of a flattened path (`a.b[2].c` → `c`).
pub fn last_key(path: &str) -> &str {
    let seg = path.rsplit('.').next().unwrap_or(path);
    seg.split('[').next().unwrap_or(seg)
}

/// Flatten a JSON value into (Chinese path, value) rows.
pub fn rows_zh(v: &Value) -> Vec<(String, String)> {
    let mut raw = Vec::new();
    flatten("", v, &mut raw);
    raw.into_iter()
        .map(|(k, x)| (path_zh(&k), value_zh(last_key(&k), &x)))
        .collect()
}

/// Flatten a JSON value into (dotted path, text) rows.
pub fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            let items: Vec<String> = a.iter().map(scalar).collect();
            out.push((prefix.to_string(), items.join("、")));
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", i + 1), x, out);
            }
        }
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_in_chinese() {
        assert_eq!(
            path_zh("result.amounts.pension_employer"),
            "计算结果 · 各险种缴费金额 · 养老保险单位缴费"
        );
        assert_eq!(path_zh("lines[2].reason"), "明细行 第2项 · 原因");
        assert_eq!(path_zh("no_such_key"), "no_such_key");
        let rows = rows_zh(
            &serde_json::json!({"insurances": ["pension", "medical"], "x": {"bound": "floor"}}),
        );
        assert_eq!(
            rows[0],
            ("险种".to_string(), "pension、medical".to_string())
        );
        assert_eq!(rows[1].1, "按下限（保底）");
    }

    #[test]
    fn one_label_per_key_and_kind() {
        for (i, (k, zh, _)) in FIELDS.iter().enumerate() {
            assert!(!zh.is_ascii(), "{k}");
            assert!(FIELDS[..i].iter().all(|(o, _, _)| o != k), "{k} twice");
        }
        for (i, (k, _)) in KINDS.iter().enumerate() {
            assert!(KINDS[..i].iter().all(|(o, _)| o != k), "{k} twice");
        }
    }
}
