//! How a command ends: success, a refusal (an answer "no": one line on
//! standard error, exit status 1), or a failure of the installation (an
//! error, exit status 2 through `main`).

use std::process::ExitCode;

use sirm_app::AppError;

/// What a command ended with: success, or a refusal (exit 1).
pub(crate) type Outcome = Result<(), AppError>;

/// Errors that are an answer ("no"), not a failure of the installation.
fn is_refusal(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. }
            | AppError::Forbidden { .. }
            | AppError::Conflict { .. }
            | AppError::NotFound { .. }
            | AppError::Unauthenticated { .. }
            | AppError::SecondFactorRequired
    )
}

/// The one-line message of a refusal.
fn refusal_message(e: &AppError) -> String {
    let msg = match e {
        // A separation-of-duty refusal already begins with "refused by rule …".
        AppError::Forbidden { rule, message }
            if message.starts_with(&format!("refused by rule {rule}")) =>
        {
            message.clone()
        }
        AppError::SecondFactorRequired => format!("{e} (pass it with --totp CODE)"),
        other => other.to_string(),
    };
    msg.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Exit status of an outcome: refusals print one line and exit 1; anything
/// else (database, ledger) is returned to `main` (exit 2).
pub(crate) fn finish(outcome: Outcome) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if is_refusal(&e) => {
            eprintln!("error: {}", refusal_message(&e));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
