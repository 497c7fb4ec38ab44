//! Counter services (clerk): activation codes, telephone query PINs,
//! employer agent accounts, written authorizations, portal password resets.

use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::identity::external::IdDocumentChecked;
use sirm_domain::id::{CreditCode, ResidentId};

use super::super::ui::{csrf, page, t, FieldKind};
use super::super::ui::{field_error_notice, outcome_notice, FormField, Input, Outcome};
use super::{outcome, with_status, Msg};
use crate::error::parse_id;
use crate::routes::Caller;
use crate::AppState;

/// The resident ID number of the person at the counter.
const PERSON_ID: Input = FormField::new(
    "id",
    "公民身份号码",
    "Resident ID number",
    FieldKind::ResidentId,
)
.input()
.with_maxlength(18);
const QUERY_PIN: Input = FormField::new(
    "pin",
    "查询密码（6位数字，由本人输入）",
    "Query PIN (6 digits, keyed in by the person)",
    FieldKind::Password,
)
.input()
.with_inputmode("numeric")
.with_pattern("[0-9]{6}")
.with_maxlength(6);
const QUERY_PIN_CONFIRM: Input = FormField::new(
    "pin_confirm",
    "再次输入",
    "Repeat the PIN",
    FieldKind::Password,
)
.input()
.with_inputmode("numeric")
.with_pattern("[0-9]{6}")
.with_maxlength(6);
const AGENT_FIELDS: [Input; 3] = [
    FormField::new(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        FieldKind::Text,
    )
    .input()
    .with_maxlength(18),
    FormField::new("username", "用户名", "Username", FieldKind::Text).input(),
    FormField::new("display_name", "姓名", "Name", FieldKind::Text).input(),
];
const DELEGATION_PERSON: Input = FormField::new(
    "person",
    "委托人身份号码",
    "Person's ID number",
    FieldKind::Text,
)
.input()
.with_maxlength(18);
const DELEGATE: Input = FormField::new(
    "delegate",
    "被委托人账户",
    "Delegate's account",
    FieldKind::Text,
)
.input();
const SCOPE: Input = FormField::new(
    "scope",
    "委托查询事项",
    "Scope (comma-separated)",
    FieldKind::Text,
)
.input();
const VALIDITY: [Input; 2] = [
    FormField::new("valid_from", "生效日期", "Valid from", FieldKind::Date).input(),
    FormField::new("valid_until", "截止日期", "Valid until", FieldKind::Date).input(),
];
const DOCUMENT: Input = FormField::new(
    "document_sha256",
    "委托书扫描件 SHA-256",
    "SHA-256 of the scanned authorization",
    FieldKind::Text,
)
.input()
.with_pattern("[0-9a-fA-F]{64}");
const RESET_USERNAME: Input =
    FormField::new("username", "用户名", "Username", FieldKind::Text).input();

/// Every field of the counter's forms with its Chinese label: a refusal
/// names its field by its label.
fn labels() -> Vec<(&'static str, &'static str)> {
    [PERSON_ID, QUERY_PIN, QUERY_PIN_CONFIRM]
        .iter()
        .chain(&AGENT_FIELDS)
        .chain(&[DELEGATION_PERSON, DELEGATE, SCOPE])
        .chain(&VALIDITY)
        .chain(&[DOCUMENT, RESET_USERNAME])
        .map(|i| (i.field.name, i.field.zh))
        .chain([("checked", "已核验本人有效身份证件")])
        .collect()
}

/// The clerk's tick that the person's ID document was checked in person:
/// the server refuses without it (the browser's `required` is a help, not a
/// check), so the audit record's "after the ID document was checked" is
/// the clerk's own statement.
fn id_checked_by_clerk(checked: Option<&str>) -> Result<IdDocumentChecked, sirm_app::AppError> {
    IdDocumentChecked::attested(checked == Some("yes"), "checked")
}

/// What was typed into a refused form (`form`: its id), shown again with
/// its error so that nothing has to be typed twice. Never a PIN or a
/// password: those are typed again.
#[derive(Default)]
struct Typed {
    form: &'static str,
    values: Vec<(&'static str, String)>,
}

impl Typed {
    fn new(form: &'static str, values: &[(&'static str, &str)]) -> Self {
        Typed {
            form,
            values: values.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        }
    }

    /// The value typed into field `name` of form `form`, if that form was
    /// the one refused.
    fn of(&self, form: &str, name: &str) -> Option<&str> {
        (self.form == form)
            .then(|| self.values.iter().find(|(n, _)| *n == name))
            .flatten()
            .map(|(_, v)| v.as_str())
    }
}

/// The clerk's confirmation that the person's ID document was checked.
fn id_checked() -> Markup {
    html! {
        label {
            input type="checkbox" name="checked" value="yes" required;
            " " (t("已核验本人有效身份证件", "ID document checked in person"))
        }
    }
}

async fn counter_page(c: &Caller, msg: Msg, typed: &Typed) -> Response {
    let token = &c.csrf;
    let body = html! {
        h1 { (t("柜台服务", "Counter services")) }
        @match &msg {
            Some(Outcome::Err(e)) => (field_error_notice(e, &labels())),
            other => (outcome_notice(other)),
        }
        fieldset {
            legend { (t("发放网上账户激活码", "Issue a portal activation code")) }
            form method="post" action="/counter/activation" id="activation" {
                (csrf(token))
                (PERSON_ID.render(typed.of("activation", "id")))
                (id_checked())
                button { (t("发放", "Issue")) }
            }
        }
        fieldset {
            legend { (t("设置电话查询密码", "Set the telephone query PIN")) }
            form method="post" action="/counter/query-pin" id="query-pin" autocomplete="off" {
                (csrf(token))
                (PERSON_ID.render(typed.of("query-pin", "id")))
                (QUERY_PIN.empty())
                (QUERY_PIN_CONFIRM.empty())
                (id_checked())
                button { (t("设置", "Set")) }
                p.en {
                    (t(
                        "不得为相同数字、连续数字或出生日期；连续5次输错锁定30分钟，重新设置即解锁。",
                        "Not one repeated digit, a run or the birth date; 5 wrong PINs in a row lock it for 30 minutes, setting it again unlocks it.",
                    ))
                }
            }
        }
        fieldset {
            legend { (t("用人单位经办人账户", "Employer agent account")) }
            form method="post" action="/counter/employer-agent" id="employer-agent" {
                (csrf(token))
                @for f in &AGENT_FIELDS { (f.render(typed.of("employer-agent", f.field.name))) }
                button { (t("创建", "Create")) }
            }
        }
        fieldset {
            legend { (t("登记书面委托", "Record a written authorization")) }
            form method="post" action="/counter/delegation" id="delegation" {
                (csrf(token))
                (DELEGATION_PERSON.render(typed.of("delegation", "person")))
                (DELEGATE.render(typed.of("delegation", "delegate")))
                (SCOPE.render(typed.of("delegation", "scope").or(Some("registration,contributions"))))
                @for f in &VALIDITY { (f.render(typed.of("delegation", f.field.name))) }
                (DOCUMENT.render(typed.of("delegation", "document_sha256")))
                button { (t("登记", "Record")) }
            }
        }
        fieldset {
            legend {
                (t(
                    "重置网上账户密码（参保人员、单位经办人、被委托人）",
                    "Reset a portal account's password (insured person, employer agent, delegate)"
                ))
            }
            form method="post" action="/counter/password-reset" id="counter-reset" {
                (csrf(token))
                (RESET_USERNAME.render(typed.of("counter-reset", "username")))
                (id_checked())
                button { (t("发放重置码", "Issue a reset code")) }
            }
        }
    };
    page("柜台服务 Counter", Some((&c.principal, &c.csrf)), body)
}

pub async fn counter(Extension(c): Extension<Caller>) -> Response {
    counter_page(&c, None, &Typed::default()).await
}

#[derive(Deserialize)]
pub struct ActivationForm {
    pub id: String,
    #[serde(default)]
    pub checked: Option<String>,
}

pub async fn issue_activation(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<ActivationForm>,
) -> Response {
    let res = async {
        let id = parse_id::<ResidentId>("id", &f.id)?;
        let checked = id_checked_by_clerk(f.checked.as_deref())?;
        st.sirm
            .issue_activation_code(&c.principal, &id, checked)
            .await
    }
    .await;
    let typed = Typed::new("activation", &[("id", &f.id)]);
    answer(&c, res, typed, |a| {
        format!(
            "激活码 activation code for {}: {} (valid until {})",
            a.person, a.code, a.expires
        )
    })
    .await
}

#[derive(Deserialize)]
pub struct CounterResetForm {
    pub username: String,
    #[serde(default)]
    pub checked: Option<String>,
}

/// The clerk resets an external account's password after checking its
/// owner's ID document: a one-time reset code to hand over.
pub async fn counter_reset(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<CounterResetForm>,
) -> Response {
    let res = match id_checked_by_clerk(f.checked.as_deref()) {
        Ok(checked) => {
            st.sirm
                .counter_reset(&c.principal, &f.username, checked)
                .await
        }
        Err(e) => Err(e),
    };
    let typed = Typed::new("counter-reset", &[("username", &f.username)]);
    answer(&c, res, typed, |r| {
        format!(
            "{}：一次性重置码 {}（{} 前有效，请交给本人在 /reset 设置新密码）/ one-time reset code {} for {} (valid until {}; the owner chooses a new password at /reset)",
            r.username, r.code, r.expires, r.code, r.username, r.expires
        )
    }).await
}

#[derive(Deserialize)]
pub struct QueryPinForm {
    pub id: String,
    pub pin: String,
    pub pin_confirm: String,
    #[serde(default)]
    pub checked: Option<String>,
}

pub async fn set_query_pin(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<QueryPinForm>,
) -> Response {
    let res = async {
        let id = parse_id::<ResidentId>("id", &f.id)?;
        if f.pin != f.pin_confirm {
            return Err(sirm_app::AppError::invalid_by(
                "pin_confirm",
                sirm_domain::RuleId::PinMismatch,
                "the two PINs differ",
            ));
        }
        let checked = id_checked_by_clerk(f.checked.as_deref())?;
        st.sirm
            .set_query_pin(&c.principal, &id, &f.pin, checked)
            .await
    }
    .await;
    // The PINs are keyed in again by the person, never shown back.
    let typed = Typed::new("query-pin", &[("id", &f.id)]);
    answer(&c, res, typed, |s| {
        format!(
            "{} {} / query PIN {} for {}",
            if s.reset {
                "查询密码已重置"
            } else {
                "查询密码已设置"
            },
            s.person,
            if s.reset { "reset" } else { "set" },
            s.person
        )
    })
    .await
}

#[derive(Deserialize)]
pub struct AgentForm {
    pub credit_code: String,
    pub username: String,
    pub display_name: String,
}

pub async fn add_employer_agent(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<AgentForm>,
) -> Response {
    let res = async {
        let code = parse_id::<CreditCode>("credit_code", &f.credit_code)?;
        st.sirm
            .add_employer_agent(&c.principal, &f.username, &f.display_name, &code)
            .await
    }
    .await;
    let typed = Typed::new(
        "employer-agent",
        &[
            ("credit_code", &f.credit_code),
            ("username", &f.username),
            ("display_name", &f.display_name),
        ],
    );
    answer(&c, res, typed, |i| {
        format!("{}: issued password / 初始密码 {}", i.username, i.password)
    })
    .await
}

#[derive(Deserialize)]
pub struct DelegationForm {
    pub person: String,
    pub delegate: String,
    pub scope: String,
    pub valid_from: String,
    pub valid_until: String,
    pub document_sha256: String,
}

pub async fn record_delegation(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<DelegationForm>,
) -> Response {
    let res = async {
        let person = parse_id::<ResidentId>("person", &f.person)?;
        let from = date_field("valid_from", &f.valid_from)?;
        let until = date_field("valid_until", &f.valid_until)?;
        // Items separated by commas (also the full-width ones), 、 or spaces.
        let scope: Vec<String> = f
            .scope
            .split([',', '，', '、', ' '])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        st.sirm
            .record_delegation(
                &c.principal,
                &person,
                f.delegate.trim(),
                &scope,
                from,
                until,
                f.document_sha256.trim(),
            )
            .await
    }
    .await;
    let typed = Typed::new(
        "delegation",
        &[
            ("person", &f.person),
            ("delegate", &f.delegate),
            ("scope", &f.scope),
            ("valid_from", &f.valid_from),
            ("valid_until", &f.valid_until),
            ("document_sha256", &f.document_sha256),
        ],
    );
    answer(&c, res, typed, |id| {
        format!("委托已登记 delegation recorded: {id}")
    })
    .await
}

/// The counter page after an action: its outcome in the message box, with
/// the error's status when it failed; a refused form shows again what was
/// typed into it (`typed`), a done one is empty for the next person.
async fn answer<T>(
    c: &Caller,
    res: Result<T, sirm_app::AppError>,
    typed: Typed,
    ok: impl FnOnce(T) -> String,
) -> Response {
    let typed = if res.is_err() {
        typed
    } else {
        Typed::default()
    };
    let msg = outcome(res, ok);
    with_status(counter_page(c, msg.clone(), &typed).await, &msg)
}

/// A date typed at the counter (`YYYY-MM-DD`).
fn date_field(field: &str, text: &str) -> Result<NaiveDate, sirm_app::AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        sirm_app::AppError::invalid_by(
            field,
            sirm_domain::RuleId::DateFormat,
            format!("{text:?} is not a date (YYYY-MM-DD)"),
        )
    })
}
