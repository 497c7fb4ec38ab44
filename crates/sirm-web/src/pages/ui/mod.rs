//! The building blocks every page is made of, as maud templates: bilingual
//! labels, the anti-forgery field, notices, typed form fields, the page
//! frame. maud escapes every interpolated value unless it is wrapped in
//! `PreEscaped`, so a page cannot forget to escape (ARCHITECTURE.md,
//! "Templates").

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use sirm_app::Principal;

use super::{MENU, STYLE};

mod error;
mod extra;
pub use error::{error_notice, field_error_notice, Outcome};
pub use extra::*;

/// A bilingual label: Chinese first, English beside it (the language switch
/// in the header shows English only).
pub fn t(zh: &str, en: &str) -> Markup {
    html! { span.zh { (zh) } " " span.en { (en) } }
}

/// Hidden anti-forgery field for forms.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// Message box for a page (`ok` or `err`) holding a sentence the page
/// wrote itself; an error of a request is shown by [`error_notice`] (Chinese
/// by its rule or code, the English detail below).
pub fn notice(class: &str, msg: &str) -> Markup {
    html! { div class=(class) id=(class) { (msg) } }
}

/// [`notice`] for an optional `(class, message)`; nothing when `None`.
pub fn notice_opt(msg: Option<(&str, &str)>) -> Markup {
    html! { @if let Some((class, m)) = msg { (notice(class, m)) } }
}

/// What kind of input a form field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Date,
    /// A date that records what has happened (a registration, an
    /// employment's start): refused when after today.
    PastDate,
    /// A phone number (7–20 characters: digits, spaces, `+`, `-`).
    Phone,
    Month,
    Password,
    /// Several lines of text (`<textarea>`).
    Lines,
    /// A whole document (`<textarea>`), kept as typed (a rule set file).
    Document,
    /// A yes/no choice (`<input type=checkbox>`): "是" when ticked, absent
    /// when not.
    YesNo,
    /// A list of words typed on one line (spaces, commas or 、 between
    /// them), kept as a JSON array.
    Words,
    /// A resident ID number (公民身份号码), checked before submission.
    ResidentId,
    /// A unified social credit code (统一社会信用代码), checked before
    /// submission.
    CreditCode,
}

impl FieldKind {
    /// The `type` attribute of an `<input>` of this kind.
    pub fn input_type(self) -> &'static str {
        match self {
            FieldKind::Text
            | FieldKind::Words
            | FieldKind::Lines
            | FieldKind::Document
            | FieldKind::ResidentId
            | FieldKind::CreditCode => "text",
            FieldKind::Number => "number",
            FieldKind::Date | FieldKind::PastDate => "date",
            FieldKind::Phone => "tel",
            FieldKind::Month => "month",
            FieldKind::Password => "password",
            FieldKind::YesNo => "checkbox",
        }
    }
}

/// One labelled input of a form: its name, its label in both languages,
/// its kind and whether it must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

impl FormField {
    /// A field that must be filled (unless made [`optional`](Self::optional)).
    pub const fn new(
        name: &'static str,
        zh: &'static str,
        en: &'static str,
        kind: FieldKind,
    ) -> Self {
        FormField {
            name,
            zh,
            en,
            kind,
            required: true,
        }
    }

    /// The same field, which may be left blank.
    pub const fn optional(self) -> Self {
        FormField {
            required: false,
            ..self
        }
    }

    /// The field as an [`Input`], to add browser hints with its `with_*`
    /// methods.
    pub const fn input(self) -> Input {
        Input::new(self)
    }

    /// The labelled input, filled with `value`.
    pub fn render(&self, value: &str) -> Markup {
        html! {
            label {
                (t(self.zh, self.en)) " "
                @if self.kind == FieldKind::Document {
                    br;
                    textarea name=(self.name) rows="20" cols="80" spellcheck="false" required[self.required] { (value) }
                } @else if self.kind == FieldKind::YesNo {
                    input name=(self.name) type="checkbox" value="是" checked[value == "是" || value == "true"];
                } @else if self.kind == FieldKind::Lines {
                    textarea name=(self.name) rows="8" cols="50" required[self.required] { (value) }
                } @else {
                    input name=(self.name) type=(self.kind.input_type()) value=(value) required[self.required];
                }
            }
        }
    }
}

/// The page frame. `who` shows the account and the menu it may use, and
/// the session's notice (e.g. a password reset by an administrator).
pub fn layout(title: &str, who: Option<(&Principal, &str)>, body: Markup) -> Html<String> {
    let head = html! { script src="/static/sirm.js" {} };
    let body = html! {
        body {
            header {
                strong { "SIRM 社会保险个人权益记录" }
                (nav(who))
                button type="button" id="lang" { "中文 / English" }
            }
            main {
                @if let Some(n) = who.and_then(|(p, _)| p.notice.as_deref()) {
                    div.err id="session-notice" { (n) }
                }
                (body)
            }
        }
    };
    document(title, STYLE, head, body)
}

/// A whole HTML document, the frame of [`layout`] and of the kiosk's
/// pages: the head every page has (charset, viewport, `title`, the style
/// sheet `style`) followed by `head`, then `body` (the `<body>` element
/// itself).
pub fn document(title: &str, style: &str, head: Markup, body: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(style)) }
                (head)
            }
            (body)
        }
    };
    Html(page.into_string())
}

/// The header's menu: the pages the signed-in account may use, or the
/// sign-in link.
fn nav(who: Option<(&Principal, &str)>) -> Markup {
    let Some((p, token)) = who else {
        return html! { a href="/login" { (t("登录", "Sign in")) } };
    };
    let mut seen = std::collections::BTreeSet::new();
    let links: Vec<_> = MENU
        .iter()
        .filter(|(perm, href, _, _)| p.pending.is_none() && p.may(*perm) && seen.insert(*href))
        .collect();
    html! {
        nav {
            a href="/home" { (t("首页", "Home")) }
            @for (_, href, zh, en) in links { a href=(href) { (t(zh, en)) } }
            a href="/account/password" { (t("修改密码", "Password")) }
        }
        span { (p.display_name) " (" (p.username) ")" }
        form.inline method="post" action="/logout" {
            (csrf(token))
            button { (t("退出", "Sign out")) }
        }
    }
}

/// A page response with `status`. Signed-in pages carry personal data and
/// issued passwords: never kept in a browser or proxy cache (no residual
/// information); error pages neither.
pub fn rendered(
    status: StatusCode,
    title: &str,
    who: Option<(&Principal, &str)>,
    body: Markup,
) -> Response {
    let mut r = (status, layout(title, who, body)).into_response();
    if who.is_some() || status != StatusCode::OK {
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    r
}

/// 200 page response.
pub fn page(title: &str, who: Option<(&Principal, &str)>, body: Markup) -> Response {
    rendered(StatusCode::OK, title, who, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolated_text_is_escaped() {
        let m = notice("ok", "<script>\"x\"&");
        assert_eq!(
            m.into_string(),
            "<div class=\"ok\" id=\"ok\">&lt;script&gt;&quot;x&quot;&amp;</div>"
        );
    }

    #[test]
    fn fields_render_as_before() {
        let f = FormField::new("id", "公民身份号码", "Resident ID number", FieldKind::Text);
        assert_eq!(
            f.render("a\"b").into_string(),
            "<label><span class=\"zh\">公民身份号码</span> <span class=\"en\">Resident ID number</span> \
             <input name=\"id\" type=\"text\" value=\"a&quot;b\" required></label>"
        );
        let o = FormField::new("note", "备注", "Note", FieldKind::Lines).optional();
        assert_eq!(
            o.render("").into_string(),
            "<label><span class=\"zh\">备注</span> <span class=\"en\">Note</span> \
             <textarea name=\"note\" rows=\"8\" cols=\"50\"></textarea></label>"
        );
    }
}
