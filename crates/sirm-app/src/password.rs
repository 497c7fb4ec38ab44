//! Password hashing (argon2id) and the minimum policy applied at `sirm init`.
//! The configurable policy profiles of GB/T 22239 level 3 and ASVS come with
//! the identity work; until then the stricter `gb22239-l3` composition rule is
//! enforced for every password SIRM stores.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::AppError;

/// At least 8 characters from at least 3 of 4 classes (lower, upper, digit, other).
pub fn check_policy(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(AppError::invalid(
            "password",
            format!("must have at least 8 characters (gb22239-l3), got {n}"),
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if classes < 3 {
        return Err(AppError::invalid(
            "password",
            "must use at least 3 of: lower-case, upper-case, digits, symbols (gb22239-l3)",
        ));
    }
    Ok(())
}

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::invalid("password", e))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("short1A").is_err());
        assert!(check_policy("alllowercase").is_err());
        assert!(check_policy("Lower-and-1").is_ok());
        assert!(check_policy("UPPER123456").is_err());
        assert!(check_policy("UPPER1234!").is_ok());
    }

    #[test]
    fn hash_round_trip() {
        let h = hash("Correct-Horse-1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-1", &h));
        assert!(!verify("Correct-Horse-2", &h));
        assert!(!verify("x", "not a hash"));
    }
}
