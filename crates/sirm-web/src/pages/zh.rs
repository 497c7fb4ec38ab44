//! Chinese first: the API speaks stable codes and English messages; pages
//! show a Chinese sentence for every refusal they can recognise (by rule id
//! or by the stable phrase of the message), with the English detail below.

/// Chinese explanation of a rule id.
pub fn rule_zh(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "art26-admin-business" => "拒绝：系统管理员、安全管理员、审计管理员、数据库管理员不得兼任业务经办用户或信息查询用户（《社会保险个人权益记录管理办法》第二十六条）",
        "three-admins-separate" => "拒绝：三员分立，一个账户只能担任一个管理员角色",
        "staff-external" => "拒绝：工作人员角色与外部用户角色不得由同一账户担任",
        "external-capacity" => "拒绝：该外部用户角色不得与其他外部用户角色兼任",
        "deny-by-default" => "无权操作：您的角色没有这项权限",
        "pending-task" => "请先完成待办事项：修改密码或绑定第二因素",
        "agency-scope" => "拒绝：该记录不属于本经办机构",
        "four-eyes" => "拒绝：同一人不得处理同一业务的两个环节",
        "stage-order" => "拒绝：该业务当前不在这个审核环节",
        "review" => "拒绝：不符合审核流程",
        "csrf" => "请求缺少有效的防伪令牌，请刷新页面后重试",
        "password.min_length" => "密码长度不足",
        "password.max_length" => "密码过长",
        "password.classes" => "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        "password.common" => "密码过于常见，请换一个",
        "password.contains_username" => "密码不得包含用户名",
        "password.reuse" => "不得重复使用最近用过的密码",
        "pin.format" => "查询密码须为6位数字",
        "pin.repeated" => "查询密码不得为同一数字重复（如111111）",
        "pin.sequence" => "查询密码不得为连续数字（如123456、654321）",
        "pin.birth_date" => "查询密码不得取自身份证号码中的出生日期",
        _ => return None,
    })
}

/// Chinese sentence for an error message (English) from the API layer.
pub fn message_zh(message: &str) -> Option<String> {
    if let Some(rest) = message.split("rule ").nth(1) {
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.' || *c == '_')
            .collect();
        let id = id.trim_end_matches('.');
        if let Some(z) = rule_zh(id) {
            return Some(z.to_string());
        }
    }
    let table: &[(&str, &str)] = &[
        (
            "wrong username or password; the account is now locked",
            "用户名或密码错误；账户已被锁定",
        ),
        ("wrong username or password", "用户名或密码错误"),
        (
            "locked after repeated failed sign-ins",
            "多次登录失败，账户已被临时锁定",
        ),
        (
            "this account is locked",
            "账户已被管理员锁定，请联系系统管理员",
        ),
        ("wrong second factor", "动态口令或恢复码错误"),
        ("a second factor is required", "请输入动态口令或恢复码"),
        ("session expired", "会话已过期，请重新登录"),
        (
            "activation failed",
            "开通失败：身份号码、姓名与激活码不匹配，或激活码已使用、已过期",
        ),
        ("the two PINs differ", "两次输入的查询密码不一致"),
        (
            "query refused",
            "查询被拒绝：身份号码或查询密码不正确，或查询密码暂不可用",
        ),
        ("too many requests", "请求过于频繁，请稍后再试"),
        ("already exists", "该账户已存在"),
        ("is taken", "该用户名已被使用"),
        ("already registered", "已经登记，不能重复登记"),
        ("already holds", "该账户已持有此角色"),
        ("already pending", "已有相同的待审批申请"),
        ("is already", "该申请已经处理"),
        (
            "attach the scanned original materials",
            "请上传原始材料扫描件",
        ),
        ("not a PDF, PNG or JPEG", "材料须为 PDF、PNG 或 JPEG 文件"),
        ("a rejection must say why", "退回必须填写理由"),
        ("not returned", "该业务当前不是退回状态"),
        ("is not employed by", "该人员在该月不在本单位就业"),
        ("overlaps the employment", "与已有就业记录时间重叠"),
        ("is declared twice", "同一人重复申报"),
        (
            "already has contributions assessed",
            "该月已核定缴费，不能重复申报",
        ),
        ("already in review", "该单位该月的申报已在审核中"),
        (
            "changed while you were looking",
            "该业务已被他人处理，请刷新后查看",
        ),
        ("not found", "未找到"),
        ("resident ID number", "公民身份号码有误"),
        ("unified social credit code", "统一社会信用代码有误"),
        ("current_password", "当前密码错误"),
        ("is before", "日期顺序有误"),
        ("not a date", "日期格式有误（应为 年-月-日）"),
        ("must not be empty", "必填项不能为空"),
        (
            "username",
            "用户名须为 3–32 位小写字母、数字、点、下划线或连字符，以字母开头",
        ),
        ("internal error", "系统内部错误，已记录"),
    ];
    table
        .iter()
        .find(|(en, _)| message.contains(en))
        .map(|(_, zh)| zh.to_string())
}

pub fn status_zh(s: &str) -> &str {
    match s {
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

    #[test]
    fn every_rule_has_chinese() {
        for r in sirm_domain::access::SOD_RULES {
            assert!(rule_zh(r.id).is_some(), "{}", r.id);
        }
        for r in [
            sirm_domain::access::pin::RULE_PIN_FORMAT,
            sirm_domain::access::pin::RULE_PIN_REPEATED,
            sirm_domain::access::pin::RULE_PIN_SEQUENCE,
            sirm_domain::access::pin::RULE_PIN_BIRTH_DATE,
        ] {
            assert!(rule_zh(r).is_some(), "{r}");
        }
        assert!(
            message_zh("refused by rule art26-admin-business (Art 26): x")
                .unwrap()
                .contains("第二十六条")
        );
        assert_eq!(
            message_zh("wrong username or password").unwrap(),
            "用户名或密码错误"
        );
    }
}
