//! Chinese first: the API speaks stable codes, rule ids and English
//! messages; pages show a Chinese sentence for every error, by its
//! [`RuleId`] or else by its stable code, with the English detail below.

use sirm_domain::RuleId;

use crate::error::ApiError;

/// Chinese explanation of a rule. Exhaustive: a new rule without Chinese
/// does not compile.
pub fn rule_zh(rule: RuleId) -> &'static str {
    match rule {
        RuleId::Art26AdminBusiness => "拒绝：系统管理员、安全管理员、审计管理员、数据库管理员不得兼任业务经办用户或信息查询用户（《社会保险个人权益记录管理办法》第二十六条）",
        RuleId::ThreeAdminsSeparate => "拒绝：三员分立，一个账户只能担任一个管理员角色",
        RuleId::StaffExternal => "拒绝：工作人员角色与外部用户角色不得由同一账户担任",
        RuleId::ExternalCapacity => "拒绝：该外部用户角色不得与其他外部用户角色兼任",
        RuleId::ContractorAlone => "拒绝：外包协助维护人员账户不得兼任其他任何角色",
        RuleId::ContractorAgreement => "拒绝：外包协助维护人员须有在有效期内的保密协议（第十一条）",
        RuleId::DenyByDefault => "无权操作：您的角色没有这项权限",
        RuleId::PendingTask => "请先完成待办事项：修改密码或绑定第二因素",
        RuleId::AgencyScope => "拒绝：该记录不属于本经办机构",
        RuleId::FourEyes => "拒绝：同一人不得处理同一业务的两个环节",
        RuleId::StageOrder => "拒绝：该业务当前不在这个审核环节",
        RuleId::Review => "拒绝：不符合审核流程",
        RuleId::Csrf => "请求缺少有效的防伪令牌，请刷新页面后重试",
        RuleId::AdminNetworks => "拒绝：管理功能只能从管理终端访问",
        RuleId::ExternalResetAtCounter => "拒绝：外部用户账户须本人持有效身份证件到柜台重置",
        RuleId::AdminReset => "拒绝：三员分立，系统管理员不得重置安全管理员或审计管理员的密码",
        RuleId::LastAdministrator => "拒绝：该账户是最后一位在岗的此类管理员，请先将角色授予他人",
        RuleId::OwnAlarm => "拒绝：告警涉及您本人的账号，须由其他管理员处理",
        RuleId::PublishedHistory => "拒绝：本系统恢复时丢失了已公布的账本记录，暂停写入",
        RuleId::DelegationValidity => "拒绝：授权委托不在有效期内",
        RuleId::StatisticsPeriod => "统计期间过长：一张报表最多涵盖240个月，请缩短起止月份",
        RuleId::DisclosureOrgan => "拒绝：该账户未登记为任何行政或司法机关的查询人员",
        RuleId::DisclosureCaseNumber => "请填写查询所涉案件或文书的编号（4–64个字符）",
        RuleId::DisclosureScope => "拒绝：所查询的内容超出规定的提供范围",
        RuleId::DisclosureVolume => "拒绝：查询人数超出规定的单次或每日数量，不得批量提供个人权益记录",
        RuleId::QueryableContent => "拒绝：该渠道不提供此项查询内容",
        RuleId::PasswordMinLength => "密码长度不足",
        RuleId::PasswordMaxLength => "密码过长",
        RuleId::PasswordClasses => "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        RuleId::PasswordCommon => "密码过于常见，请换一个",
        RuleId::PasswordContainsUsername => "密码不得包含用户名",
        RuleId::PasswordReuse => "不得重复使用最近用过的密码",
        RuleId::PasswordPolicyConfig => "密码策略配置不符合要求",
        RuleId::PinFormat => "查询密码须为6位数字",
        RuleId::PinRepeated => "查询密码不得为同一数字重复（如111111）",
        RuleId::PinSequence => "查询密码不得为连续数字（如123456、654321）",
        RuleId::PinBirthDate => "查询密码不得取自身份证号码中的出生日期",
        RuleId::RuleSetMissing => "本统筹地区没有该月份适用的已批准规则集，请维护人员先导入规则集（sirm rules import）",
        RuleId::RuleSetInvalid => "规则集文件未通过校验，请按提示的参数项修改",
        RuleId::RuleSetDemo => "拒绝：演示规则集（虚构数据）只能用于演示系统，不得用于真实参保人员",
        RuleId::RuleSetRegion => "拒绝：规则集不属于本统筹地区",
        RuleId::RuleSetSuccession => "拒绝：规则集版本须逐一递增，且生效月份须晚于上一版本",
        RuleId::RuleSetPastFigures => "拒绝：新版本会改变已计算的历史数据，须另行办理重新核算",
        RuleId::SignInRefused => "用户名或密码错误，或账户已被锁定（连续多次失败后临时锁定，管理员也可锁定账户）",
        RuleId::SignInSecondFactor => "动态口令或恢复码错误",
        RuleId::SignInRequired => "请先登录（未登录或会话已结束）",
        RuleId::SessionExpired => "会话已过期，请重新登录",
        RuleId::AccountLocked => "账户已被锁定或停用，请联系系统管理员",
        RuleId::ActivationFailed => "开通失败：身份号码、姓名与激活码不匹配，或激活码已使用、已过期，或用户名已被占用",
        RuleId::ResetCodeRefused => "用户名与重置码不符，或重置码已使用、已过期",
        RuleId::PasswordCurrent => "当前密码错误",
        RuleId::PinMismatch => "两次输入的查询密码不一致",
        RuleId::AccountExists => "该账户已存在",
        RuleId::UsernameTaken => "该用户名已被使用",
        RuleId::UsernameFormat => "用户名须为 3–32 位小写字母、数字、点、下划线或连字符，以字母开头",
        RuleId::RegistrationDuplicate => "已经登记，不能重复登记",
        RuleId::OwnAccount => "拒绝：不能锁定、解锁、注销或重置自己的账户（修改本人密码请到“修改密码”）",
        RuleId::RoleHeld => "该账户已持有此角色",
        RuleId::RoleRequestPending => "已有相同的待审批申请",
        RuleId::AlreadyDone => "该事项已经处理，不能重复操作",
        RuleId::InjuryGrade => "伤残等级须为一至十级",
        RuleId::InjuryNotRecognised => "该日期没有已认定的工伤，请先办理工伤认定",
        RuleId::InjuryNotAssessed => "尚未进行劳动能力鉴定，请先登记伤残等级",
        RuleId::ClaimOpen => "同类申请已在办理中或已核定，不能重复申请",
        RuleId::ClaimNotEnrolled => "该人员在该日期未参加此项保险",
        RuleId::ClaimWage => "记录中没有计算待遇所需的工资（缴费基数）",
        RuleId::MaternityNoEvent => "没有该日期的生育或流产登记，请先登记",
        RuleId::MedicalSettlementParts => "统筹基金支付、个人账户支付与个人自付之和须等于医疗费用总额",
        RuleId::MedicalAccountOverdrawn => "个人账户支付超过医保个人账户余额",
        RuleId::MedicalSettlementFile => "结算文件有错误行，整个文件未导入",
        RuleId::StaleView => "该业务已被他人处理，请刷新后查看",
        RuleId::MaterialsRequired => "请上传原始材料扫描件",
        RuleId::MaterialsType => "材料须为 PDF、PNG 或 JPEG 文件",
        RuleId::ReviewReasonRequired => "退回或驳回必须填写理由",
        RuleId::ReviewNotReturned => "该业务当前不是退回状态",
        RuleId::DeclarationNotEmployed => "该人员在该月不在本单位就业",
        RuleId::DeclarationPersonTwice => "同一人重复申报",
        RuleId::DeclarationLine => "每行须为“公民身份号码,月工资”两项",
        RuleId::DeclarationWage => "月工资须为不小于零、最多两位小数的金额",
        RuleId::DeclarationIdAsNumber => "A 列身份号码须设为文本格式（数字格式会丢失末位）",
        RuleId::DeclarationAssessed => "该月已核定缴费，不能重复申报",
        RuleId::DeclarationOwnEmployer => "单位经办人只能为本单位申报",
        RuleId::InReview => "同一事项已有申请在审核中（如该单位该月的申报），请先处理该申请",
        RuleId::EmploymentOverlap => "与已有就业记录时间重叠",
        RuleId::EmployerDeregistered => "该单位已注销：注销后不能办理增员，也不能申报或缴纳注销以后月份的缴费",
        RuleId::PersonDeregistered => "该人员已注销（死亡、出国定居、转出等）：不能再办理增员、缴费申报、参保或灵活就业登记",
        RuleId::InsuranceNotEnrolled => "该人员未参加该险种（或该险种已暂停、终止）",
        RuleId::InsuranceEnrolled => "该人员已参加该险种，不能重复参保",
        RuleId::InsuranceTypes => "险种有误：须至少选择一项，每项只能出现一次（养老、医疗、失业、工伤；生育保险随医疗保险）",
        RuleId::DeregistrationReason => "注销原因所需信息不全：死亡须填写死亡日期，其他原因须填写说明",
        RuleId::FlexibleBase => "缴费基数须在当年缴费基数下限与上限之间",
        RuleId::FlexibleEmployed => "该人员有在职就业记录，由单位参保，不能办理灵活就业登记",
        RuleId::IdResident => "公民身份号码有误（请核对位数、地区码、出生日期和校验码）",
        RuleId::IdCreditCode => "统一社会信用代码有误（请核对位数、字符和校验码）",
        RuleId::DateFormat => "日期格式有误（日期应为 年-月-日，月份应为 年-月）",
        RuleId::DateOrder => "日期顺序有误（结束日期早于开始日期）",
        RuleId::DateFuture => "日期不能晚于今天（登记、就业、到账等日期须为已发生的日期）",
        RuleId::PhoneFormat => "联系电话格式有误（须为 7–20 位数字，可含空格、“+”和“-”）",
        RuleId::DelegationScope => "委托查询事项有误：只能是 registration（登记信息）、employment（就业记录）、contributions（缴费记录）、account（个人账户）、benefit（待遇），多项用逗号分隔",
        RuleId::IdDocumentUnchecked => "请先当面核验本人有效身份证件，并勾选“已核验本人有效身份证件”",
        RuleId::CertificateNoBenefit => "没有待遇领取记录，不能出具待遇领取证明；可以出具参保缴费证明",
        RuleId::DelegationDocument => "书面委托书的摘要有误：应为扫描件的 SHA-256（64 位十六进制数字）",
        RuleId::ApplicationData => "业务数据不符合该业务类型的格式：有未知或缺少的字段，或某项的值类型不对",
        RuleId::FieldRequired => "必填项不能为空",
        RuleId::DisclosureCredentials => "查询申请须附申请单位的有效证明文件扫描件（《社会保险个人权益记录管理办法》第十九条第一项）",
        RuleId::DisclosureBasis => "查询依据须写明可依据的法律、法规的名称及条款（行政、司法机关须是本机关可依据的法律，如《民事诉讼法》第七十条；其他单位的申请见第十九条第二项）",
        RuleId::DisclosureValidity => "申请的查询有效期或查询次数有误（有效期不得早于今天，最长一年；次数 1–100 次）",
        RuleId::DisclosureOfficer => "指定的查询人员不是有效的“其他单位查询人员”账号",
        RuleId::GrantExpired => "该查询授权不在有效期内，不能查询",
        RuleId::GrantUsedUp => "该查询授权的查询次数已用完，不能再查询",
        RuleId::DisclosureSmallCell => "已抑制：统计单元格人数少于最小单元格阈值（或可由合计推算出该单元格），不予显示",
        RuleId::DisclosureKAnonymity => "拒绝：去标识化数据不满足 k-匿名要求，某一准标识符组合的记录数少于 k，不予提供",
        RuleId::NotFoundApplication => "未找到该业务申请（不存在，或不在您可查看的范围内）",
        RuleId::NotFoundAccount => "未找到该账号",
        RuleId::NotFoundPerson => "未找到该参保人员（本经办机构没有该人员的登记）",
        RuleId::NotFoundEmployer => "未找到该用人单位（本经办机构没有该单位的登记）",
        RuleId::NotFoundCertificate => "未找到该证明",
        RuleId::NotFoundMaterial => "未找到该原始材料",
        RuleId::NotFoundRoleRequest => "未找到该角色授权申请",
        RuleId::NotFoundRecord => "未找到该记录（不存在，或不在您可查看的范围内）",
        RuleId::NotFoundAuthorization => "未找到有效的授权委托",
        RuleId::NotFoundContribution => "未找到相应月份的缴费核定记录",
        RuleId::NotFoundEmployment => "未找到该人员在该单位的在职就业记录",
        RuleId::NotFoundBenefit => "未找到相应的待遇记录",
        RuleId::NotFoundRuleSet => "未找到该规则集版本",
        RuleId::NotFoundCheckpoint => "账本尚无已签名的检查点",
        RuleId::NotFoundUpload => "未找到该上传任务（已过期或不属于您）",
        RuleId::NotFoundGrant => "未找到该查询授权（不存在、不属于您，或所查人员不在授权范围内）",
        RuleId::NotFoundReport => "未找到该统计报表",
        RuleId::NotFoundPrepared => "未找到该预填维护业务",
        RuleId::CorrectionNotPaid => "拒绝：补缴、退费只适用于已到账的月份；未到账的月份请办理缴费记录更正",
        RuleId::CorrectionBaseUnchanged => "拒绝：更正后的缴费基数与原缴费基数相同",
        RuleId::CorrectionBaseDirection => "拒绝：补缴须提高缴费基数，退费须降低缴费基数",
        RuleId::CorrectionBaseBounds => "拒绝：缴费基数须为整数元，且在该年度缴费基数上下限之内",
        RuleId::CorrectionNotSettled => "拒绝：该年度个人账户尚未结算，无需重新结算",
        RuleId::CorrectionNoChange => "拒绝：按更正后的记录重新计算，结果没有变化",
        RuleId::CorrectionPeriod => "拒绝：更正后的就业期间与该人员的其他就业记录重叠，或晚于今天",
        RuleId::ObjectionItems => "请至少列明一项有异议的权益记录（某月缴费、就业期间、登记信息或待遇支付）",
        RuleId::ObjectionEvidence => "提出异议须提供相关证明材料（《社会保险个人权益记录管理办法》第十六条）",
        RuleId::ObjectionNotEntitled => "无权就该人员或该项记录提出异议（仅限本人、在有效期内的受托人、对本单位就业和缴费记录的用人单位，或当面核验身份后的柜台经办）",
        RuleId::ObjectionClosed => "该异议当前状态不允许此操作（已关联更正业务、已更正或已书面答复）",
        RuleId::ObjectionLink => "所关联的业务不是该人员在审核中的更正业务",
        RuleId::ObjectionTooMany => "该人员待核查的异议过多，请待已提交的异议办结后再提出",
        RuleId::NotFoundObjection => "未找到该异议（不存在，或不在您可查看的范围内）",
        RuleId::CrosscheckColumns => "比对文件的表头有误：有未知的列或缺少必需的列，请按比对文件格式说明填写",
        RuleId::CrosscheckWrongKind => "比对文件的类型不符：该文件的表头属于另一类部门文件",
        RuleId::CrosscheckEncoding => "比对文件不是 UTF-8 编码的文本，请另存为 UTF-8 后重新上传",
        RuleId::CrosscheckRow => "比对文件中该行无法读取：某项缺失或格式有误",
        RuleId::CrosscheckDuplicateRow => "比对文件中该行与前面的行重复",
        RuleId::CrosscheckResolved => "该比对差异已处理，或没有可受理的建议业务",
        RuleId::NotFoundDiscrepancy => "未找到该比对差异",
        RuleId::IdChangeSame => "新身份证号码与现身份证号码相同",
        RuleId::IdChangeTaken => "新身份证号码已属于其他参保人员（或为其曾用号码），不能变更为该号码",
        RuleId::IdChangeDiscrepancy => "所引比对差异不是该人员该新号码的待处理身份证号码变更差异",
        RuleId::TransferPeer => "未知的或格式有误的对端经办机构（机构代码、地址或公钥）",
        RuleId::TransferSignature => "对端签名验证失败、已超出有效时间或为重放的请求",
        RuleId::TransferNotInsured => "该人员不在本统筹区参保（未登记或已转出）",
        RuleId::TransferOpen => "该人员已有正在办理的转移接续业务",
        RuleId::TransferDeadline => "已超过办理时限（15 个工作日）",
        RuleId::TransferFigures => "转移资金数额与按规则重新计算的结果不一致",
        RuleId::TransferProof => "转移信息包中的记录或证明与所签名的检查点不符",
        RuleId::TransferStep => "该转移接续业务当前不在此环节",
        RuleId::NotFoundTransfer => "未找到该转移接续业务",
        RuleId::UnemploymentIneligible => "拒绝：不符合领取失业保险金的条件（自上次领取后缴纳失业保险费满一年、非因本人意愿中断就业、已办理失业登记，《失业保险条例》第十四条）",
        RuleId::NotFoundClaim => "未找到该人员正在领取的失业保险金",
        RuleId::BenefitNotSuspended => "拒绝：只有暂停发放的待遇才能恢复发放",
        RuleId::AdjustmentYearDone => "拒绝：该年度的基本养老金调整已经办理（或正在审核中），同一年度只能调整一次",
        RuleId::DeathBeforeRegistration => "拒绝：死亡日期早于该人员的参保登记日期",
        RuleId::DeathRecorded => "拒绝：该人员的死亡已经登记",
    }
}

/// The Chinese sentence shown when nothing more precise is known.
pub const GENERIC_ZH: &str = "无法完成此操作";

/// Chinese sentence for an error code no rule refines (`not_found`,
/// `rate_limited` …): the stable codes of [`crate::error::ErrorDetail`].
pub fn code_zh(code: &str) -> Option<&'static str> {
    Some(match code {
        "unauthenticated" => "请先登录",
        "second_factor_required" => "请输入动态口令或恢复码",
        "ivr_refused" => "查询被拒绝：身份号码或查询密码不正确，或查询密码暂不可用",
        "forbidden" => "无权操作",
        "csrf" => "请求缺少有效的防伪令牌，请刷新页面后重试",
        "not_found" => "未找到",
        "conflict" => "与已登记的记录冲突",
        "rate_limited" => "请求过于频繁，请稍后再试",
        "payload_too_large" => "提交的内容或文件过大",
        "busy" => "系统繁忙，请稍后再试",
        "internal" => "系统内部错误，已记录",
        "invalid_parameter" => "输入有误，请按提示修改",
        _ => return None,
    })
}

/// Chinese sentence for an API error: by its rule when one names it, else
/// by its stable code, else the generic sentence. Nothing reads the English
/// message.
pub fn error_zh(e: &ApiError) -> &'static str {
    match e.rule {
        Some(rule) => rule_zh(rule),
        None => code_zh(e.code).unwrap_or(GENERIC_ZH),
    }
}

/// The one vocabulary of statuses on the screens (an application's is its
/// `outcome`: `refused` reads 已驳回（不予提供）).
pub fn status_zh(s: &str) -> &str {
    match s {
        "refused" => "已驳回（不予提供）",
        "active" => "正常",
        "locked" => "已锁定",
        "retired" => "已注销",
        "staff" => "工作人员",
        "external" => "外部用户",
        "pending" => "审核中",
        "approved" => "已批准",
        "rejected" => "已驳回",
        "returned" => "已退回",
        "withdrawn" => "已撤回",
        "male" => "男",
        "female" => "女",
        "granted" => "正常领取",
        "suspended" => "暂停发放",
        "terminated" => "已终止",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn every_rule_has_chinese() {
        for r in RuleId::ALL {
            let zh = rule_zh(*r);
            assert!(!zh.trim().is_empty(), "{r}");
            assert!(!zh.is_ascii(), "{r}: {zh}");
        }
        for r in sirm_domain::access::SOD_RULES {
            assert!(!rule_zh(r.rule).is_empty(), "{}", r.id);
        }
    }

    #[test]
    fn errors_by_rule_then_code() {
        let by_rule = ApiError::by_rule(
            StatusCode::FORBIDDEN,
            "forbidden",
            RuleId::Art26AdminBusiness,
            "refused by rule art26-admin-business (Art 26): x",
        );
        assert!(error_zh(&by_rule).contains("第二十六条"));
        // The English text plays no part: same code, other words, same Chinese.
        let a = ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "wrong username or password",
        );
        let b = ApiError::new(StatusCode::NOT_FOUND, "not_found", "zzz");
        assert_eq!(error_zh(&a), "未找到");
        assert_eq!(error_zh(&a), error_zh(&b));
        let other = ApiError::new(StatusCode::BAD_REQUEST, "no_such_code", "zzz");
        assert_eq!(error_zh(&other), GENERIC_ZH);
    }

    #[test]
    fn every_code_has_chinese() {
        for code in crate::error::CODES {
            assert!(code_zh(code).is_some_and(|z| !z.is_ascii()), "{code}");
        }
    }
}
