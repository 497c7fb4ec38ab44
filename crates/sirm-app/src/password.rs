//! Password hashing (argon2id, the crate's OWASP-recommended defaults). The
//! policy profiles live in `sirm_domain::access::PasswordPolicy`.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::AppError;

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::invalid("password", e))
}

/// argon2 runs off the async workers, at most this many at once per core;
/// a sign-in that waits longer than [`SLOT_WAIT`] for a slot is refused as
/// busy (HTTP 503) instead of queueing without bound.
const SLOTS_PER_CORE: usize = 2;
/// The longest a password check waits for a free slot.
pub const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn slots() -> &'static tokio::sync::Semaphore {
    static S: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores * SLOTS_PER_CORE)
    })
}

/// Run `f` (argon2 work) on a blocking thread, holding one of the bounded slots.
async fn in_slot<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let _permit = tokio::time::timeout(SLOT_WAIT, slots().acquire())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|_| AppError::Busy)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| AppError::Busy)
}

/// [`verify`] off the async workers, bounded (see [`SLOT_WAIT`]).
pub async fn verify_async(password: &str, stored: &str) -> Result<bool, AppError> {
    let (p, h) = (password.to_string(), stored.to_string());
    in_slot(move || verify(&p, &h)).await
}

/// [`hash`] off the async workers, bounded.
pub async fn hash_async(password: &str) -> Result<String, AppError> {
    let p = password.to_string();
    in_slot(move || hash(&p)).await?
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| match verify_with_pooled_memory(password, &h) {
            Some(ok) => ok,
            None => Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok(),
        })
        .unwrap_or(false)
}

/// Work areas (19 MiB each with the default parameters) kept for reuse.
const POOLED_AREAS: usize = 4;

static AREAS: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());

/// The same check as `verify_password`, with the argon2 work area taken
/// from a small pool instead of allocated and freed on every sign-in: with
/// glibc's malloc, a freed 19 MiB area raises the mmap threshold and later
/// areas land in (and stay in) the per-thread heaps, so a burst of sign-ins
/// left the server hundreds of MiB larger. `None` when the stored hash is
/// not one this path handles (the caller then uses the crate's own check).
fn verify_with_pooled_memory(password: &str, h: &PasswordHash<'_>) -> Option<bool> {
    use argon2::{Algorithm, Params, Version};
    let algorithm = Algorithm::try_from(h.algorithm).ok()?;
    let version = match h.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(h).ok()?;
    let expected = h.hash?;
    let mut salt_buf = [0u8; 64];
    let salt = h.salt?.decode_b64(&mut salt_buf).ok()?;
    let n = params.block_count();
    let mut area = AREAS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .pop()
        .filter(|a| a.len() == n)
        .unwrap_or_else(|| vec![argon2::Block::default(); n]);
    let mut out = vec![0u8; expected.len()];
    let done = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut area,
    );
    let mut pool = AREAS.lock().unwrap_or_else(|p| p.into_inner());
    if pool.len() < POOLED_AREAS {
        pool.push(area);
    }
    drop(pool);
    done.ok()?;
    // `Output` compares in constant time.
    let computed = argon2::password_hash::Output::new(&out).ok()?;
    Some(computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trip() {
        let h = hash("Correct-Horse-1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-1", &h));
        assert!(!verify("Correct-Horse-2", &h));
        assert!(!verify("x", "not a hash"));
        // The pooled path agrees with the crate's own check.
        let parsed = PasswordHash::new(&h).unwrap();
        assert_eq!(
            verify_with_pooled_memory("Correct-Horse-1", &parsed),
            Some(true)
        );
        assert_eq!(
            verify_with_pooled_memory("Correct-Horse-2", &parsed),
            Some(false)
        );
        // Other parameters (an area of another size) work as well.
        let small = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw-Small-1", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(verify("pw-Small-1", &small));
        assert!(!verify("pw-Small-2", &small));
    }
}
