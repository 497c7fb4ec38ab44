//! Second factor: TOTP (RFC 6238, HMAC-SHA1) and recovery codes.
//!
//! Pure: the caller supplies the random bytes and the current Unix time.
//! Replay is refused by remembering the last accepted time step per account
//! ([`verify`]'s `last_used_step`).

use std::fmt;

use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use zeroize::Zeroize;

type HmacSha1 = Hmac<Sha1>;

/// Default time step in seconds (RFC 6238 X).
pub const DEFAULT_STEP: i64 = 30;
/// Default number of digits.
pub const DEFAULT_DIGITS: u32 = 6;
/// Default accepted clock skew, in steps either side.
pub const DEFAULT_SKEW_STEPS: i64 = 1;
/// Length of a generated secret in bytes (160 bits, RFC 4226 recommendation).
pub const SECRET_BYTES: usize = 20;
/// Shortest accepted secret in bytes (128 bits, RFC 4226 minimum).
pub const MIN_SECRET_BYTES: usize = 16;
/// Longest accepted secret in bytes (one HMAC-SHA1 block).
pub const MAX_SECRET_BYTES: usize = 64;
/// Random bytes consumed per recovery code.
pub const RECOVERY_CODE_RANDOM_BYTES: usize = 8;

/// Why a TOTP secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// A character outside the base32 alphabet (RFC 4648).
    #[error("invalid base32 character {0:?} in TOTP secret")]
    InvalidBase32(char),
    /// Fewer than [`MIN_SECRET_BYTES`] bytes.
    #[error("TOTP secret has {0} bytes; at least {MIN_SECRET_BYTES} are required")]
    TooShort(usize),
    /// More than [`MAX_SECRET_BYTES`] bytes.
    #[error("TOTP secret has {0} bytes; at most {MAX_SECRET_BYTES} are allowed")]
    TooLong(usize),
}

/// A TOTP shared secret. Zeroed on drop; `Debug` does not show it.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TotpSecret({} bytes, redacted)", self.0.len())
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl TotpSecret {
    /// A secret from raw bytes (16 to 64 bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TotpError> {
        match bytes.len() {
            n if n < MIN_SECRET_BYTES => Err(TotpError::TooShort(n)),
            n if n > MAX_SECRET_BYTES => Err(TotpError::TooLong(n)),
            _ => Ok(TotpSecret(bytes.to_vec())),
        }
    }

    /// The raw bytes (to be stored encrypted by the caller).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32, upper case, without padding (as authenticator apps
    /// expect in `otpauth://` URIs).
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for b in &self.0 {
            buffer = (buffer << 8) | u32::from(*b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
            }
            buffer &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
        }
        out
    }

    /// Parses base32: case-insensitive; spaces, `-` and trailing `=` ignored.
    pub fn from_base32(s: &str) -> Result<Self, TotpError> {
        let mut bytes = Vec::with_capacity(s.len() * 5 / 8);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for c in s
            .trim_end_matches(|c: char| c == '=' || c.is_whitespace())
            .chars()
        {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let up = c.to_ascii_uppercase();
            let value = BASE32
                .iter()
                .position(|a| char::from(*a) == up)
                .ok_or(TotpError::InvalidBase32(c))?;
            buffer = (buffer << 5) | value as u32;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push(((buffer >> bits) & 0xff) as u8);
                buffer &= (1 << bits) - 1;
            }
        }
        let secret = TotpSecret::from_bytes(&bytes);
        bytes.zeroize();
        secret
    }
}

/// A new secret from the caller's 20 random bytes.
pub fn generate_secret(random: [u8; SECRET_BYTES]) -> TotpSecret {
    TotpSecret(random.to_vec())
}

/// HMAC-SHA1 of `msg` under `key`, infallibly: the key is brought to one
/// block exactly as HMAC does (hashed if longer, zero-padded).
fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        let digest = Sha1::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <HmacSha1 as Mac>::new(GenericArray::from_slice(&block));
    block.zeroize();
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// The time step counter `T = floor(unix_time / step)`; `step` ≤ 0 means 30.
pub fn time_step(unix_time: i64, step: i64) -> i64 {
    let step = if step > 0 { step } else { DEFAULT_STEP };
    unix_time.div_euclid(step)
}

fn hotp(secret: &TotpSecret, counter: i64, digits: u32) -> String {
    let digits = digits.clamp(6, 10);
    let hash = hmac_sha1(&secret.0, &counter.to_be_bytes());
    let offset = usize::from(hash[19] & 0x0f);
    let bin = (u64::from(hash[offset] & 0x7f) << 24)
        | (u64::from(hash[offset + 1]) << 16)
        | (u64::from(hash[offset + 2]) << 8)
        | u64::from(hash[offset + 3]);
    let modulus = 10u64.pow(digits);
    format!("{:0width$}", bin % modulus, width = digits as usize)
}

/// The TOTP code at `unix_time` (RFC 6238: HMAC-SHA1, dynamic truncation,
/// zero-padded). `digits` is clamped to 6..=10 (RFC 4226 asks for at least 6);
/// `step` ≤ 0 means 30.
pub fn code(secret: &TotpSecret, unix_time: i64, step: i64, digits: u32) -> String {
    hotp(secret, time_step(unix_time, step), digits)
}

/// Byte comparison whose time does not depend on where the inputs differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Verifies a 6-digit, 30-second code; see [`verify_with`].
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_time: i64,
    skew_steps: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    verify_with(
        secret,
        code,
        unix_time,
        DEFAULT_STEP,
        DEFAULT_DIGITS,
        skew_steps,
        last_used_step,
    )
}

/// Verifies `code` against the steps `T - skew ..= T + skew` around
/// `unix_time` and returns the matched step, which the caller stores as the
/// new `last_used_step`. A step ≤ `last_used_step` is refused (no replay).
/// Spaces in `code` are ignored; anything but exactly `digits` ASCII digits is
/// refused. `skew_steps` is clamped to 0..=10. Every candidate step is
/// computed and compared in constant time.
pub fn verify_with(
    secret: &TotpSecret,
    code: &str,
    unix_time: i64,
    step: i64,
    digits: u32,
    skew_steps: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let digits = digits.clamp(6, 10);
    let given: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if given.len() != digits as usize || !given.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let skew = skew_steps.clamp(0, 10);
    let now = time_step(unix_time, step);
    let mut matched = None;
    for t in now.saturating_sub(skew)..=now.saturating_add(skew) {
        let expected = hotp(secret, t, digits);
        let fresh = last_used_step.is_none_or(|last| t > last);
        if ct_eq(expected.as_bytes(), given.as_bytes()) && fresh && matched.is_none() {
            matched = Some(t);
        }
    }
    matched
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://totp/...` URI for enrolment (shown as a QR code), with
/// issuer and account percent-encoded, SHA1, 6 digits, 30 seconds.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> String {
    let params = format!(
        "secret={}&algorithm=SHA1&digits={DEFAULT_DIGITS}&period={DEFAULT_STEP}",
        secret.to_base32()
    );
    if issuer.is_empty() {
        format!("otpauth://totp/{}?{params}", percent_encode(account))
    } else {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{}?{params}&issuer={issuer}",
            percent_encode(account)
        )
    }
}

/// Crockford base32, lower case: no `i`, `l`, `o`, `u`, so `0`/`o` and
/// `1`/`i`/`l` cannot be confused.
pub const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Up to `n` distinct recovery codes `xxxx-xxxx-xxxx` (60 bits each) from the
/// caller's random bytes, [`RECOVERY_CODE_RANDOM_BYTES`] per code. With too
/// few bytes fewer codes are returned (never a panic); pass
/// `n * RECOVERY_CODE_RANDOM_BYTES` or more and check the length.
pub fn recovery_codes(random: &[u8], n: usize) -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(n);
    for chunk in random.chunks_exact(RECOVERY_CODE_RANDOM_BYTES) {
        if codes.len() >= n {
            break;
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let value = u64::from_be_bytes(word) >> 4;
        let mut code = String::with_capacity(14);
        for i in 0..12 {
            if i > 0 && i % 4 == 0 {
                code.push('-');
            }
            let shift = 5 * (11 - i);
            code.push(char::from(
                RECOVERY_ALPHABET[((value >> shift) & 31) as usize],
            ));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// Normal form of a typed recovery code for comparison: spaces and dashes
/// removed, lower case, and the letters a reader may confuse mapped back
/// (`o` → `0`, `i`/`l` → `1`).
pub fn normalize_recovery_code(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    /// RFC 6238 Appendix B, SHA-1 rows.
    const VECTORS: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_vectors() {
        let s = rfc_secret();
        for (t, want) in VECTORS {
            assert_eq!(code(&s, t, 30, 8), want, "T = {t}");
            assert_eq!(
                verify_with(&s, want, t, 30, 8, 0, None),
                Some(t / 30),
                "T = {t}"
            );
        }
        // Six digits are the last six of eight.
        assert_eq!(code(&s, 59, 30, 6), "287082");
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        // RFC 4226 Appendix D, same secret.
        let want = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        let s = rfc_secret();
        for (i, w) in want.iter().enumerate() {
            assert_eq!(hotp(&s, i as i64, 6), *w);
        }
    }

    #[test]
    fn skew_and_replay() {
        let s = rfc_secret();
        let t = 1_111_111_111;
        let now_step = t / 30;
        let c = code(&s, t, 30, 6);
        assert_eq!(verify(&s, &c, t, 1, None), Some(now_step));
        // The same code again is a replay.
        assert_eq!(verify(&s, &c, t, 1, Some(now_step)), None);
        assert_eq!(verify(&s, &c, t + 5, 1, Some(now_step)), None);
        // An older step after a newer one was used is refused.
        let prev = code(&s, t - 30, 30, 6);
        assert_eq!(verify(&s, &prev, t, 1, None), Some(now_step - 1));
        assert_eq!(verify(&s, &prev, t, 1, Some(now_step)), None);
        // One step of skew either side, not two.
        assert_eq!(
            verify(&s, &code(&s, t + 30, 30, 6), t, 1, None),
            Some(now_step + 1)
        );
        assert_eq!(verify(&s, &code(&s, t + 60, 30, 6), t, 1, None), None);
        assert_eq!(verify(&s, &code(&s, t - 30, 30, 6), t, 0, None), None);
        // Formatting.
        assert_eq!(
            verify(&s, &format!("{} {}", &c[..3], &c[3..]), t, 1, None),
            Some(now_step)
        );
        assert_eq!(verify(&s, "12345", t, 1, None), None);
        assert_eq!(verify(&s, "12345a", t, 1, None), None);
        assert_eq!(verify(&s, "", t, 1, None), None);
    }

    #[test]
    fn base32() {
        let s = rfc_secret();
        assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let back = TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(back.as_bytes(), s.as_bytes());
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBV1Y3TQOJQ").unwrap_err(),
            TotpError::InvalidBase32('1')
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV").unwrap_err(),
            TotpError::TooShort(5)
        );
        assert!(format!("{s:?}").contains("redacted"));
        // 16 bytes = 25.6 chars: padding forms parse.
        let s16 = TotpSecret::from_bytes(&[0xa5; 16]).unwrap();
        let enc = s16.to_base32();
        assert_eq!(enc.len(), 26);
        assert_eq!(
            TotpSecret::from_base32(&format!("{enc}======"))
                .unwrap()
                .as_bytes(),
            s16.as_bytes()
        );
    }

    #[test]
    fn uri() {
        let s = generate_secret(*b"12345678901234567890");
        assert_eq!(
            otpauth_uri(&s, "SIRM 社保", "zhang.wei@110105"),
            "otpauth://totp/SIRM%20%E7%A4%BE%E4%BF%9D:zhang.wei%40110105?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=SIRM%20%E7%A4%BE%E4%BF%9D"
        );
        assert_eq!(
            otpauth_uri(&s, "", "a:b"),
            "otpauth://totp/a%3Ab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_code_format() {
        let random: Vec<u8> = (0u8..80)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        let codes = recovery_codes(&random, 10);
        assert_eq!(codes.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 14);
            let parts: Vec<&str> = c.split('-').collect();
            assert_eq!(parts.len(), 3);
            for p in parts {
                assert_eq!(p.len(), 4);
                assert!(p.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
            }
            assert_eq!(normalize_recovery_code(c), c.replace('-', ""));
            assert_eq!(
                normalize_recovery_code(&c.to_uppercase().replace('-', " ")),
                normalize_recovery_code(c)
            );
        }
        // Too few bytes: fewer codes, no panic.
        assert_eq!(recovery_codes(&random[..20], 10).len(), 2);
        assert!(recovery_codes(&[], 10).is_empty());
        // Duplicates are dropped.
        assert_eq!(recovery_codes(&[7u8; 80], 10).len(), 1);
        assert_eq!(normalize_recovery_code(" AbO1-IL9x "), "ab01119x");
        // All-zero and all-one bytes map to the first and last letters.
        assert_eq!(recovery_codes(&[0u8; 8], 1), vec!["0000-0000-0000"]);
        assert_eq!(recovery_codes(&[0xffu8; 8], 1), vec!["zzzz-zzzz-zzzz"]);
    }

    proptest! {
        #[test]
        fn base32_round_trip(bytes in prop::collection::vec(any::<u8>(), 16..=64)) {
            let s = TotpSecret::from_bytes(&bytes).unwrap();
            let back = TotpSecret::from_base32(&s.to_base32()).unwrap();
            prop_assert_eq!(back.as_bytes(), &bytes[..]);
            let lower = TotpSecret::from_base32(&s.to_base32().to_lowercase()).unwrap();
            prop_assert_eq!(lower.as_bytes(), &bytes[..]);
        }

        #[test]
        fn codes_verify_in_their_window(
            bytes in any::<[u8; 20]>(),
            t in 0i64..4_000_000_000,
            offset in -1i64..=1,
        ) {
            let s = generate_secret(bytes);
            let c = code(&s, t + offset * 30, 30, 6);
            prop_assert_eq!(c.len(), 6);
            let step = verify(&s, &c, t, 1, None);
            prop_assert!(step.is_some());
            // Whatever step matched, it cannot be used twice (another step of the
            // window could carry the same code by chance, but only a later one).
            let again = verify(&s, &c, t, 1, step);
            prop_assert!(again.is_none() || again > step);
        }

        #[test]
        fn recovery_codes_distinct(random in prop::collection::vec(any::<u8>(), 80)) {
            let codes = recovery_codes(&random, 10);
            let mut sorted = codes.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), codes.len());
            prop_assert!(codes.len() <= 10);
        }
    }
}
