//! A small in-memory token bucket per source address, for public endpoints
//! that cost the server real work on every call — the telephone channel
//! (`POST /api/v1/ivr/summary`: one argon2 verification and one ledger entry
//! per call).
//!
//! - Each source gets a bucket of [`IVR_BURST`] tokens, refilled at
//!   [`IVR_PER_SECOND`] per second; a call takes one token, a call finding the
//!   bucket empty is answered `429 rate_limited` with `Retry-After`, before
//!   the body is read — so it costs neither argon2 nor a ledger entry, and is
//!   not written to the ledger (a flood must not fill it); it is logged.
//! - The source is the TCP peer address (IPv6 by its /64 prefix). Behind a
//!   reverse proxy every caller shares the proxy's bucket: put the limit in
//!   the proxy then, or give the IVR system a direct path.
//! - State lives in the process (one server, restarts forget it). At most
//!   [`MAX_SOURCES`] sources are tracked; when full, sources whose bucket
//!   has refilled are forgotten, and if none has, a new source is refused
//!   until one has (memory stays bounded under a flood from many addresses).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Sustained calls per second per source on the telephone channel.
pub const IVR_PER_SECOND: u32 = 10;
/// Calls a source may make at once before the sustained rate applies.
pub const IVR_BURST: u32 = 20;
/// Sustained certificate verifications per second per source (public).
pub const VERIFY_PER_SECOND: u32 = 5;
/// Verifications a source may make at once.
pub const VERIFY_BURST: u32 = 30;
/// Sources tracked at most.
pub const MAX_SOURCES: usize = 10_000;

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
    pub fn new(per_second: u32, burst: u32) -> Self {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The telephone channel's limit: [`IVR_PER_SECOND`], burst [`IVR_BURST`].
    pub fn ivr() -> Self {
        RateLimiter::new(IVR_PER_SECOND, IVR_BURST)
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

/// Middleware: take a token for the caller's address or answer 429.
pub async fn limit(State(l): State<Arc<RateLimiter>>, req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match l.take(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            tracing::warn!(source = %ip, path = %req.uri().path(), "rate limited");
            let mut r = ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "rate_limited",
                message: format!(
                    "too many requests from this address (limit {} per second, burst {}); retry after {secs} s",
                    l.per_second, l.burst
                ),
            }
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let l = RateLimiter::new(10, 20);
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
        let l = RateLimiter::new(1, 1);
        let t = Instant::now();
        assert!(l.take("2001:db8:1:2::1".parse().unwrap(), t).is_ok());
        assert!(l.take("2001:db8:1:2::ffff".parse().unwrap(), t).is_err());
        assert!(l.take("2001:db8:1:3::1".parse().unwrap(), t).is_ok());
        assert!(l.take("192.0.2.9".parse().unwrap(), t).is_ok());
        assert!(l.take("::ffff:192.0.2.9".parse().unwrap(), t).is_err());
    }

    #[test]
    fn bounded_sources() {
        let l = RateLimiter::new(1, 2);
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
