//! The client's address behind a trusted proxy (`[server] trusted_proxies`;
//! docs/tls.md).
//!
//! When the TCP peer is a trusted proxy, the client is the right-most
//! address of `X-Forwarded-For` that is not itself a trusted proxy; the
//! request's `ConnectInfo<SocketAddr>` is replaced with it, so the rate
//! limits, lockouts and the audit trail see the real source. From any
//! other peer the forwarding headers are ignored.
//!
//! The middleware also decides whether the request arrived over HTTPS:
//! when SIRM serves TLS itself, or when a trusted proxy says
//! `X-Forwarded-Proto: https`. HTTPS responses get `Secure` on every cookie
//! and `Strict-Transport-Security`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use sirm_app::server::ServerConfig;

/// `X-Forwarded-For`.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Proto`.
pub const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The HSTS policy sent on HTTPS responses.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// What the middleware needs: the proxies to believe and whether this
/// server speaks TLS itself.
#[derive(Clone, Debug)]
pub struct ClientAddrState {
    pub server: Arc<ServerConfig>,
    pub tls: bool,
}

/// Request extension: the TCP peer (a trusted proxy) when the client
/// address was taken from `X-Forwarded-For`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyPeer(pub SocketAddr);

/// Request extension: whether the client reached us over HTTPS (directly
/// or through a trusted proxy that says so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Https(pub bool);

/// One `X-Forwarded-For` element: an address, possibly with a port
/// (`203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:443`, `2001:db8::1`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            s.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse().ok())
        })
}

/// The client named by the `X-Forwarded-For` headers (all of them, in
/// order): walking from the right, the first address that is not a
/// trusted proxy. If every hop is trusted, the left-most one. `None` when
/// the header is absent, or the walk meets an element that is not an
/// address before finding the client (then nothing is believed).
pub fn forwarded_client(headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let mut hops = Vec::new();
    for v in headers.get_all(&X_FORWARDED_FOR) {
        let v = v.to_str().ok()?;
        hops.extend(v.split(',').map(str::trim).filter(|h| !h.is_empty()));
    }
    let mut last_trusted = None;
    for hop in hops.iter().rev() {
        let ip = parse_hop(hop)?;
        if !trusted(ip) {
            return Some(ip);
        }
        last_trusted = Some(ip);
    }
    last_trusted
}

/// Does `X-Forwarded-Proto` say `https`? Its first element is the scheme
/// the client used at the edge. (A client adding its own value can only
/// make the answer stricter: `Secure` cookies and HSTS.)
pub fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get(&X_FORWARDED_PROTO)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// The middleware (layered outside the route guards in `build`).
pub async fn client_addr(
    State(st): State<ClientAddrState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    // IPv4-mapped IPv6 peers (a dual-stack listener) are IPv4 addresses.
    let peer = peer.map(|p| SocketAddr::new(p.ip().to_canonical(), p.port()));
    if let Some(p) = peer {
        req.extensions_mut().insert(ConnectInfo(p));
    }
    let mut https = st.tls;
    if let Some(peer) = peer.filter(|p| st.server.is_trusted_proxy(p.ip())) {
        let client = forwarded_client(req.headers(), |ip| {
            st.server.is_trusted_proxy(ip.to_canonical())
        })
        .map(|ip| ip.to_canonical());
        // A proxied request whose client cannot be told (a garbled header)
        // is not the proxy itself: it gets the unspecified address, which
        // no management network contains and which shares one rate bucket.
        let ip = match client {
            Some(ip) => ip,
            None if req.headers().contains_key(&X_FORWARDED_FOR) => {
                IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
            }
            None => peer.ip(),
        };
        if ip != peer.ip() {
            tracing::trace!(%peer, client = %ip, "client address from X-Forwarded-For");
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(ip, 0)));
            req.extensions_mut().insert(ProxyPeer(peer));
        }
        https = https || forwarded_https(req.headers());
    }
    req.extensions_mut().insert(Https(https));
    let mut r = next.run(req).await;
    if https {
        mark_https(&mut r);
    }
    r
}

/// `Secure` on every cookie that lacks it, and HSTS.
fn mark_https(r: &mut Response) {
    let h = r.headers_mut();
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if !cookies.is_empty() {
        h.remove(header::SET_COOKIE);
        for c in cookies {
            let secured = c
                .to_str()
                .ok()
                .filter(|s| !has_secure(s))
                .and_then(|s| HeaderValue::from_str(&format!("{s}; Secure")).ok());
            h.append(header::SET_COOKIE, secured.unwrap_or(c));
        }
    }
    if !h.contains_key(header::STRICT_TRANSPORT_SECURITY) {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

/// Whether a `Set-Cookie` value already carries `Secure` (parsed by the
/// `cookie` crate; an unparsable value counts as lacking it).
fn has_secure(set_cookie: &str) -> bool {
    cookie::Cookie::parse(set_cookie).is_ok_and(|c| c.secure() == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append(X_FORWARDED_FOR, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn right_most_untrusted_hop() {
        let trusted = |a: IpAddr| a == ip("10.0.0.5") || a == ip("10.0.0.6");
        let h = headers(&["198.51.100.1, 203.0.113.7", "10.0.0.6"]);
        assert_eq!(forwarded_client(&h, trusted), Some(ip("203.0.113.7")));
        let h = headers(&["10.0.0.6, 10.0.0.5"]);
        assert_eq!(forwarded_client(&h, trusted), Some(ip("10.0.0.6")));
        let h = headers(&["[2001:db8::1]:443"]);
        assert_eq!(forwarded_client(&h, trusted), Some(ip("2001:db8::1")));
        let h = headers(&["203.0.113.7:4711"]);
        assert_eq!(forwarded_client(&h, trusted), Some(ip("203.0.113.7")));
        // Garbage before the client is found: nothing believed.
        let h = headers(&["203.0.113.7, unknown"]);
        assert_eq!(forwarded_client(&h, trusted), None);
        assert_eq!(forwarded_client(&HeaderMap::new(), trusted), None);
    }

    #[test]
    fn secure_added_once() {
        let mut r = Response::new(axum::body::Body::empty());
        let h = r.headers_mut();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("a=1; Path=/; HttpOnly"),
        );
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("b=2; Path=/; Secure"),
        );
        mark_https(&mut r);
        let got: Vec<_> = r
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            got,
            ["a=1; Path=/; HttpOnly; Secure", "b=2; Path=/; Secure"]
        );
        assert!(has_secure("c=3; secure; Path=/") && !has_secure("d=4; Path=/secure"));
        assert!(r.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
        let mut h = HeaderMap::new();
        h.insert(X_FORWARDED_PROTO, HeaderValue::from_static("HTTPS"));
        assert!(forwarded_https(&h));
        h.insert(X_FORWARDED_PROTO, HeaderValue::from_static("http"));
        assert!(!forwarded_https(&h));
    }
}
