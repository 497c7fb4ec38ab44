//! Usernames of staff accounts: 3–32 characters a–z, 0–9, '.', '_' or '-',
//! starting with a letter.

use crate::AppError;
use sirm_domain::RuleId;

pub fn check_username(name: &str) -> Result<(), AppError> {
    let ok = (3..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '.'
        });
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid_by(
            "username",
            RuleId::UsernameFormat,
            format!("{name:?}: 3–32 characters a–z, 0–9, '.', '_' or '-', starting with a letter"),
        ))
    }
}
