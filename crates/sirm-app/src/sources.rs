//! Request sources: the key under which refusal summaries, alarms and rate
//! limits count one source. A leaf module.

/// The source a refusal is counted under: the address, except that IPv6
/// addresses count per /64 (one host usually holds a whole /64, and the
/// per-source rate limits group them the same way) — otherwise one machine
/// could write one summary per address it picks.
pub fn source_key(source: &str) -> String {
    match source.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_else(|| source.to_string()),
        _ => source.to_string(),
    }
}

#[cfg(test)]
mod source_key_tests {
    use super::source_key;

    #[test]
    fn ipv6_counts_per_64() {
        assert_eq!(
            source_key("2001:db8:1:2::5"),
            source_key("2001:db8:1:2:ffff::9")
        );
        assert_eq!(source_key("2001:db8:1:2::5"), "2001:db8:1:2::/64");
        assert_ne!(source_key("2001:db8:1:3::5"), source_key("2001:db8:1:2::5"));
        assert_eq!(source_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(source_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(source_key("cli"), "cli");
    }
}
