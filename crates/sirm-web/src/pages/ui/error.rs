//! Error notices for pages: an [`ApiError`] shown in Chinese first (by its
//! rule id when a rule refused it, else by the stable phrase of its message),
//! with the English detail below, in the same HTML as [`super::notice`].

use maud::{html, Markup};

use super::super::zh;
use crate::error::ApiError;

/// What a page says about the action just taken.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// It worked: a sentence for the user.
    Ok(String),
    /// Refused or failed: shown in Chinese by its rule (or stable phrase),
    /// the English detail below.
    Err(ApiError),
    /// A failure known only as text (a background job's message).
    ErrText(String),
}

impl Outcome {
    /// The message box.
    pub fn render(&self) -> Markup {
        match self {
            Outcome::Ok(m) => super::notice("ok", m),
            Outcome::Err(e) => error_notice(e),
            Outcome::ErrText(m) => super::notice("err", m),
        }
    }

    /// The message box of an optional outcome; nothing when `None`.
    pub fn render_opt(o: Option<&Outcome>) -> Markup {
        o.map(Outcome::render).unwrap_or_default()
    }
}

/// The `err` message box for an error: Chinese (when known) and English.
pub fn error_notice(e: &ApiError) -> Markup {
    let zh = match e.rule {
        Some(rule) => Some(zh::rule_zh(rule).to_string()),
        None => zh::message_zh(&e.message),
    };
    match zh {
        Some(z) => html! {
            div class="err" id="err" { strong { (z) } br; span.en { (e.message) } }
        },
        None => html! { div class="err" id="err" { (e.message) } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use sirm_domain::RuleId;

    #[test]
    fn same_html_as_notice() {
        let e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "wrong username or password",
        );
        assert_eq!(
            error_notice(&e).into_string(),
            super::super::notice("err", &e.message).into_string()
        );
        let plain = ApiError::bad_request("zzz <b>");
        assert_eq!(
            error_notice(&plain).into_string(),
            super::super::notice("err", &plain.message).into_string()
        );
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
