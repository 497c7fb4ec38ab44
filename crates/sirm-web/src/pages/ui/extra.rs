//! More building blocks for the maud pages: an input with the
//! browser hints a form field may need (autocomplete, input mode, length,
//! pattern), header cells of a table, a role's bilingual label and a
//! hidden field.

use maud::{html, Markup};

use super::{t, FormField};

/// A [`FormField`] with the attributes a browser uses beyond name, type and
/// `required`: built with the `with_*` methods, rendered by [`Input::render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub field: FormField,
    pub id: Option<&'static str>,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub placeholder: Option<&'static str>,
    pub pattern: Option<&'static str>,
    pub minlength: Option<u32>,
    pub maxlength: Option<u32>,
    pub autofocus: bool,
}

impl Input {
    /// An input for `field` with no further attributes (also
    /// [`FormField::input`]).
    pub const fn new(field: FormField) -> Self {
        Input {
            field,
            id: None,
            autocomplete: None,
            inputmode: None,
            placeholder: None,
            pattern: None,
            minlength: None,
            maxlength: None,
            autofocus: false,
        }
    }

    pub const fn with_id(mut self, id: &'static str) -> Self {
        self.id = Some(id);
        self
    }

    pub const fn with_autocomplete(mut self, v: &'static str) -> Self {
        self.autocomplete = Some(v);
        self
    }

    pub const fn with_inputmode(mut self, v: &'static str) -> Self {
        self.inputmode = Some(v);
        self
    }

    pub const fn with_placeholder(mut self, v: &'static str) -> Self {
        self.placeholder = Some(v);
        self
    }

    pub const fn with_pattern(mut self, v: &'static str) -> Self {
        self.pattern = Some(v);
        self
    }

    pub const fn with_minlength(mut self, n: u32) -> Self {
        self.minlength = Some(n);
        self
    }

    pub const fn with_maxlength(mut self, n: u32) -> Self {
        self.maxlength = Some(n);
        self
    }

    pub const fn with_autofocus(mut self) -> Self {
        self.autofocus = true;
        self
    }

    /// The labelled input, empty.
    pub fn empty(&self) -> Markup {
        self.render(None)
    }

    /// The labelled input, filled with `value` when there is one.
    pub fn render(&self, value: Option<&str>) -> Markup {
        let f = &self.field;
        html! {
            label {
                (t(f.zh, f.en)) " "
                (self.control(value))
            }
        }
    }

    /// The input element alone (no label).
    pub fn control(&self, value: Option<&str>) -> Markup {
        let f = &self.field;
        html! {
            input id=[self.id] name=(f.name) type=(f.kind.input_type())
                value=[value] required[f.required]
                autocomplete=[self.autocomplete] inputmode=[self.inputmode]
                placeholder=[self.placeholder] pattern=[self.pattern]
                minlength=[self.minlength] maxlength=[self.maxlength]
                autofocus[self.autofocus];
        }
    }
}

/// Header cells of a table, one bilingual label each.
pub fn head_cells(labels: &[(&str, &str)]) -> Markup {
    html! { @for (zh, en) in labels { th { (t(zh, en)) } } }
}

/// A role's Chinese name with its id beside it, or the text as given when it
/// names no role.
pub fn role_label(r: &str) -> Markup {
    match r.parse::<sirm_domain::access::Role>() {
        Ok(role) => html! { (role.name_zh()) " " span.en { (role.as_str()) } },
        Err(_) => html! { (r) },
    }
}

/// What an upload form takes, shown before anything is sent: the formats,
/// the encoding of CSV files, and the size caps the server enforces (the
/// request's `[limits]` cap of `class`; `per_file`: the cap of each file).
pub fn upload_rules(
    limits: &sirm_app::limits::LimitsConfig,
    class: crate::routes::BodyClass,
    formats: (&str, &str),
    csv_encoding: Option<&str>,
    per_file: Option<usize>,
) -> Markup {
    use crate::routes::size_text;
    let total = class.bytes(limits);
    html! {
        p.upload-rules id="upload-rules" data-max-bytes=(total) {
            "文件要求：" (formats.0)
            @if let Some(enc) = csv_encoding { "；CSV 文件须为 " (enc) " 编码" }
            @if let Some(n) = per_file { "；每个文件不超过 " (size_text(n)) }
            "；一次提交合计不超过 " (size_text(total)) "。"
            br;
            span.en {
                "Accepted: " (formats.1)
                @if let Some(enc) = csv_encoding { "; CSV files in " (enc) }
                @if let Some(n) = per_file { "; at most " (size_text(n)) " per file" }
                "; at most " (size_text(total)) " in all."
            }
        }
    }
}

/// The rules of scanned materials (application, objection evidence): the
/// media types the archive takes, the cap of each file and of the request.
pub fn material_rules(limits: &sirm_app::limits::LimitsConfig) -> Markup {
    use sirm_app::collection::archive::{MAX_MATERIAL_BYTES, MEDIA_TYPES};
    let formats = MEDIA_TYPES
        .iter()
        .map(|m| m.rsplit('/').next().unwrap_or(m).to_ascii_uppercase())
        .collect::<Vec<_>>();
    upload_rules(
        limits,
        crate::routes::BodyClass::Application,
        (&formats.join("、"), &formats.join(", ")),
        None,
        Some(MAX_MATERIAL_BYTES),
    )
}

/// A hidden form field.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// The message of a page's outcome, if any, as a notice.
pub fn outcome_notice(msg: &Option<super::Outcome>) -> Markup {
    super::Outcome::render_opt(msg.as_ref())
}

/// An amount in yuan as every page writes it: two decimals, no thousands
/// separator ("6000.00"), from the decimal itself (never a float); a
/// half fen rounds away from zero (the amounts recorded have two decimals
/// already).
pub fn yuan(d: rust_decimal::Decimal) -> String {
    let d = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("{d:.2}")
}

/// An amount as a table cell's content: [`yuan`], right-aligned and never
/// wrapped (`.num`).
pub fn amount(d: rust_decimal::Decimal) -> Markup {
    html! { span.num { (yuan(d)) } }
}

/// A credit code with the unit's registered name beside it (names from
/// `Sirm::employer_names`); the code alone when the name is unknown.
pub fn employer(code: &str, names: &std::collections::BTreeMap<String, String>) -> Markup {
    html! {
        span.employer {
            span.nowrap.code { (code) }
            @if let Some(n) = names.get(code).filter(|n| !n.is_empty()) { " " span.unit-name { (n) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::FieldKind;
    use super::*;

    #[test]
    fn input_renders_its_hints() {
        let i = FormField::new("pin", "查询密码", "PIN", FieldKind::Password)
            .input()
            .with_inputmode("numeric")
            .with_pattern("[0-9]{6}")
            .with_maxlength(6);
        assert_eq!(
            i.empty().into_string(),
            "<label><span class=\"zh\">查询密码</span> <span class=\"en\">PIN</span> \
             <input name=\"pin\" type=\"password\" required inputmode=\"numeric\" \
             pattern=\"[0-9]{6}\" maxlength=\"6\"></label>"
        );
        let o = FormField::new("q", "问", "Q", FieldKind::Text)
            .optional()
            .input()
            .with_id("q");
        assert_eq!(
            o.control(Some("<x>")).into_string(),
            "<input id=\"q\" name=\"q\" type=\"text\" value=\"&lt;x&gt;\">"
        );
    }

    #[test]
    fn role_label_escapes_unknown_roles() {
        assert_eq!(role_label("<b>").into_string(), "&lt;b&gt;");
    }

    #[test]
    fn yuan_has_two_decimals() {
        for (d, shown) in [
            ("6000", "6000.00"),
            ("1356.6", "1356.60"),
            ("0.005", "0.01"),
            ("-12.345", "-12.35"),
        ] {
            let d: rust_decimal::Decimal = d.parse().unwrap();
            assert_eq!(super::yuan(d), shown);
        }
    }
}
