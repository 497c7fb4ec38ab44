//! Shared test/bench/example fixtures.
#![allow(dead_code)]

use sirm_cert::{Certificate, CertificateKind};

pub const CODE: &str = "7KQ2-9XHM-D4PA-R3TB";

const TYPES: [&str; 5] = [
    "基本养老保险",
    "基本医疗保险",
    "失业保险",
    "工伤保险",
    "生育保险",
];

/// A contribution certificate with `n` table rows.
pub fn contribution(n: usize) -> Certificate {
    let mut rows = Vec::with_capacity(n);
    let (mut year, mut month) = (2026u32, 10u32);
    let mut i = 0;
    while rows.len() < n {
        let ty = TYPES[i % TYPES.len()];
        let base = 8000 + (i % 7) as u64 * 250;
        let (unit_rate, own_rate) = match i % TYPES.len() {
            0 => (16, 8),
            1 => (10, 2),
            2 => (5, 5),
            3 => (4, 0),
            _ => (8, 0),
        };
        let unit = base * unit_rate; // in 0.01 yuan
        let own = base * own_rate;
        rows.push(vec![
            format!("{year}-{month:02}"),
            ty.to_string(),
            money(base * 100),
            money(unit),
            money(own),
            if i % 23 == 7 { "补缴" } else { "已缴" }.to_string(),
        ]);
        i += 1;
        if i % TYPES.len() == 0 {
            (year, month) = prev_month(year, month);
        }
    }
    Certificate {
        kind: CertificateKind::Contribution,
        agency_name: "北京市东城区社会保险事业管理中心".into(),
        code: CODE.into(),
        verify_url: format!("http://127.0.0.1:8080/verify/{CODE}"),
        issued_at: "2026-11-27 14:03".into(),
        person_name: "张三丰".into(),
        id_number_masked: "110105********0012".into(),
        period: "2016-01 至 2026-10".into(),
        summary: vec![
            ("累计缴费月数".into(), "118".into()),
            ("个人账户余额".into(), "12,345.67 元".into()),
            ("当前参保状态".into(), "正常参保".into()),
            ("参保险种".into(), "养老、医疗、失业、工伤、生育".into()),
        ],
        table_header: ["月份", "险种", "缴费基数", "单位缴费", "个人缴费", "状态"]
            .map(String::from)
            .to_vec(),
        rows,
        footer_note: "本证明可通过扫描二维码或访问 http://127.0.0.1:8080/verify 输入核验码核验真伪。证明内容以核验结果为准。".into(),
    }
}

/// A benefit certificate with `n` table rows.
pub fn benefit(n: usize) -> Certificate {
    let mut rows = Vec::with_capacity(n);
    let (mut year, mut month) = (2026u32, 10u32);
    for i in 0..n {
        rows.push(vec![
            format!("{year}-{month:02}"),
            "基本养老金".to_string(),
            money(456_789 + (i as u64 % 3) * 1000),
            "中国工商银行 ****6789".to_string(),
            "已发放".to_string(),
        ]);
        (year, month) = prev_month(year, month);
    }
    Certificate {
        kind: CertificateKind::Benefit,
        agency_name: "北京市东城区社会保险事业管理中心".into(),
        code: "Q8ZP-2M4K-T7WC-H5NR".into(),
        verify_url: "http://127.0.0.1:8080/verify/Q8ZP-2M4K-T7WC-H5NR".into(),
        issued_at: "2026-11-27 14:05".into(),
        person_name: "李秀英".into(),
        id_number_masked: "110101********2045".into(),
        period: "2024-01 至 2026-10".into(),
        summary: vec![
            ("待遇类别".into(), "基本养老金".into()),
            ("待遇开始月份".into(), "2024-01".into()),
            ("当前月发放金额".into(), "4,567.89 元".into()),
            ("累计领取月数".into(), "34".into()),
            ("待遇状态".into(), "正常发放".into()),
        ],
        table_header: ["月份", "待遇项目", "发放金额（元）", "发放账户", "状态"]
            .map(String::from)
            .to_vec(),
        rows,
        footer_note:
            "本证明可通过扫描二维码或访问 http://127.0.0.1:8080/verify 输入核验码核验真伪。".into(),
    }
}

/// Cents to "12,345.67".
pub fn money(cents: u64) -> String {
    let yuan = (cents / 100).to_string();
    let mut out = String::new();
    for (i, ch) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{:02}", cents % 100)
}

/// The month before `year`-`month`.
fn prev_month(year: u32, month: u32) -> (u32, u32) {
    if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
    }
}
