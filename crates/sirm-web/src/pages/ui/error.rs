//! Error notices for pages: an [`ApiError`] shown in Chinese first (by its
//! rule id when a rule or reason names it, else by its stable code), with
//! the English detail below.

use maud::{html, Markup};

use super::super::zh;
use crate::error::ApiError;

/// What a page says about the action just taken.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// It worked: a sentence for the user.
    Ok(String),
    /// Refused or failed: shown in Chinese by its rule (or stable code),
    /// the English detail below.
    Err(ApiError),
}

impl Outcome {
    /// The message box.
    pub fn render(&self) -> Markup {
        match self {
            Outcome::Ok(m) => super::notice("ok", m),
            Outcome::Err(e) => error_notice(e),
        }
    }

    /// The message box of an optional outcome; nothing when `None`.
    pub fn render_opt(o: Option<&Outcome>) -> Markup {
        o.map(Outcome::render).unwrap_or_default()
    }
}

/// The `err` message box for an error: Chinese (by its rule, else its
/// code) and the English detail.
pub fn error_notice(e: &ApiError) -> Markup {
    html! {
        div class="err" id="err" { strong { (zh::error_zh(e)) } br; span.en { (e.message) } }
    }
}

/// [`error_notice`] of a form's refusal: when the error names one of the
/// form's fields (`labels`: name → Chinese label), the Chinese sentence
/// starts with the field's label.
pub fn field_error_notice(e: &ApiError, labels: &[(&str, &str)]) -> Markup {
    let label = e
        .field
        .as_deref()
        .and_then(|f| labels.iter().find(|(name, _)| *name == f))
        .map(|(_, zh)| *zh);
    html! {
        div class="err" id="err" {
            strong {
                @if let Some(l) = label { "“" (l) "”：" }
                (zh::error_zh(e))
            }
            br; span.en { (e.message) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use sirm_domain::RuleId;

    #[test]
    fn chinese_by_rule_or_code_english_escaped() {
        let e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "wrong username or password",
        );
        let html = error_notice(&e).into_string();
        assert!(html.contains("<strong>请先登录</strong>"), "{html}");
        let plain = ApiError::bad_request("zzz <b>");
        let html = error_notice(&plain).into_string();
        assert!(html.contains("输入有误"), "{html}");
        assert!(html.contains("zzz &lt;b&gt;"), "{html}");
        let ruled = ApiError::by_rule(
            StatusCode::FORBIDDEN,
            "forbidden",
            RuleId::FourEyes,
            "refused by rule four-eyes (Art 7): x",
        );
        let html = error_notice(&ruled).into_string();
        assert!(html.contains("同一人不得处理同一业务的两个环节"), "{html}");
        assert!(
            html.contains("<span class=\"en\">refused by rule four-eyes"),
            "{html}"
        );
    }
}
