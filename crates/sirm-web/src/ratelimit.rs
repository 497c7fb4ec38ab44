//! Per-source rate limits: an in-memory token bucket per source address and
//! per class of public route (`[limits]` in `sirm.toml`, see
//! `sirm_app::limits`). Every public route takes a token of its class in the
//! guard before anything else — before the session, the CSRF check, the body
//! or any database work — so a refused call costs a hash-map look-up.
//!
//! - A source gets a bucket of `burst` tokens, refilled at `per_minute` per
//!   minute; a call finding it empty is answered `429 rate_limited` with
//!   `Retry-After`. It is counted as an anonymous refusal (summarised in the
//!   ledger once per source per window), logged once per source per window.
//! - The source is the client address (IPv6 by its /64 prefix): the TCP peer,
//!   or the forwarded address when the peer is one of `[server]
//!   trusted_proxies` (`client_addr.rs` sets it before this guard runs).
//! - State lives in the process. At most [`MAX_SOURCES`] sources are tracked
//!   per class; when full, sources whose bucket has refilled are forgotten,
//!   and if none has, a new source is refused until one has (memory stays
//!   bounded under a flood from many addresses).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sirm_app::limits::{LimitsConfig, Rate};

use crate::error::ApiError;

/// Sources tracked at most, per class.
pub const MAX_SOURCES: usize = 10_000;

/// The class of a public route: which bucket it takes a token from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateClass {
    /// Public pages, health, the OpenAPI document, static files.
    Pages,
    /// Password sign-in and password-reset codes.
    SignIn,
    /// Portal account activation.
    Activation,
    /// Query-PIN checks: telephone (IVR) and kiosk share one bucket.
    Pin,
    /// Certificate verification.
    Verify,
    /// Checkpoints and Merkle proofs.
    Proof,
}

impl RateClass {
    pub const ALL: [RateClass; 6] = [
        RateClass::Pages,
        RateClass::SignIn,
        RateClass::Activation,
        RateClass::Pin,
        RateClass::Verify,
        RateClass::Proof,
    ];

    /// The `[limits]` key of the class.
    pub const fn name(self) -> &'static str {
        match self {
            RateClass::Pages => "pages",
            RateClass::SignIn => "sign_in",
            RateClass::Activation => "activation",
            RateClass::Pin => "pin",
            RateClass::Verify => "verify",
            RateClass::Proof => "proof",
        }
    }

    fn rate(self, l: &LimitsConfig) -> Rate {
        match self {
            RateClass::Pages => l.pages,
            RateClass::SignIn => l.sign_in,
            RateClass::Activation => l.activation,
            RateClass::Pin => l.pin,
            RateClass::Verify => l.verify,
            RateClass::Proof => l.proof,
        }
    }
}

/// One limiter per class, built from `[limits]`.
#[derive(Debug)]
pub struct Limiters {
    by_class: HashMap<RateClass, RateLimiter>,
}

impl Limiters {
    pub fn new(l: &LimitsConfig) -> Self {
        Limiters {
            by_class: RateClass::ALL
                .iter()
                .map(|c| (*c, RateLimiter::new(c.rate(l))))
                .collect(),
        }
    }

    /// Take a token of `class` for `source` now: `None` when there was one,
    /// else the 429 answer to send.
    pub fn refusal(&self, class: RateClass, source: IpAddr) -> Option<TooMany> {
        let l = self.by_class.get(&class)?;
        l.take(source, Instant::now())
            .err()
            .map(|wait| too_many(class, l, wait))
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by source address.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    rate: Rate,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The key of an address: IPv4 as is (also when IPv4-mapped), IPv6 by /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimiter {
    pub fn new(rate: Rate) -> Self {
        RateLimiter {
            per_second: f64::from(rate.per_minute.max(1)) / 60.0,
            burst: f64::from(rate.burst.max(1)),
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, b: &Bucket, now: Instant) -> f64 {
        let dt = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + dt * self.per_second).min(self.burst)
    }

    /// Take one token for `source` at `now`: `Ok`, or how long until the
    /// next token.
    pub fn take(&self, source: IpAddr, now: Instant) -> Result<(), Duration> {
        let k = key(source);
        let mut map = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_SOURCES && !map.contains_key(&k) {
            map.retain(|_, b| self.refilled(b, now) < self.burst);
            if map.len() >= MAX_SOURCES {
                return Err(Duration::from_secs(1));
            }
        }
        let b = map.entry(k).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens = self.refilled(b, now);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_second))
        }
    }
}

/// The source address of a request (unspecified when unknown).
pub fn peer(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// A request over its source's budget: the error, and when to retry.
pub struct TooMany {
    pub error: ApiError,
    pub retry_after_secs: u64,
}

impl TooMany {
    /// The answer: an error page for a page route, else the JSON error;
    /// both with `Retry-After` and status 429.
    pub fn respond(self, page: bool) -> Response {
        let mut r = if page {
            crate::pages::error_page(self.error)
        } else {
            self.error.into_response()
        };
        if let Ok(v) = HeaderValue::from_str(&self.retry_after_secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

fn too_many(class: RateClass, l: &RateLimiter, wait: Duration) -> TooMany {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let error = ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "rate_limited",
        rule: None,
        field: None,
        message: format!(
            "请求过于频繁，请 {secs} 秒后再试 / too many requests from this address (limits.{}: {} per minute, burst {}); retry after {secs} s",
            class.name(),
            l.rate.per_minute,
            l.rate.burst
        ),
    };
    TooMany {
        error,
        retry_after_secs: secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let l = RateLimiter::new(Rate::new(600, 20));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..20 {
            assert!(l.take(a, t0).is_ok());
        }
        let wait = l.take(a, t0).unwrap_err();
        assert!(wait <= Duration::from_millis(100) && wait > Duration::ZERO);
        // Another source has its own bucket.
        assert!(l.take("192.0.2.2".parse().unwrap(), t0).is_ok());
        // 100 ms later one token is back, not two.
        let t1 = t0 + Duration::from_millis(100);
        assert!(l.take(a, t1).is_ok());
        assert!(l.take(a, t1).is_err());
        // After two idle seconds the whole burst is back.
        let t2 = t1 + Duration::from_secs(2);
        for _ in 0..20 {
            assert!(l.take(a, t2).is_ok());
        }
        assert!(l.take(a, t2).is_err());
    }

    #[test]
    fn ipv6_by_prefix_and_mapped_v4() {
        let l = RateLimiter::new(Rate::new(60, 1));
        let t = Instant::now();
        assert!(l.take("2001:db8:1:2::1".parse().unwrap(), t).is_ok());
        assert!(l.take("2001:db8:1:2::ffff".parse().unwrap(), t).is_err());
        assert!(l.take("2001:db8:1:3::1".parse().unwrap(), t).is_ok());
        assert!(l.take("192.0.2.9".parse().unwrap(), t).is_ok());
        assert!(l.take("::ffff:192.0.2.9".parse().unwrap(), t).is_err());
    }

    #[test]
    fn bounded_sources() {
        let l = RateLimiter::new(Rate::new(60, 2));
        let t = Instant::now();
        for i in 0..MAX_SOURCES {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i as u32));
            assert!(l.take(ip, t).is_ok());
        }
        // Full of half-used buckets: a new source waits.
        assert!(l.take("192.0.2.1".parse().unwrap(), t).is_err());
        // Once they have refilled they are forgotten and room is made.
        assert!(l
            .take("192.0.2.1".parse().unwrap(), t + Duration::from_secs(5))
            .is_ok());
        assert!(l.buckets.lock().unwrap().len() < 10);
    }
}
