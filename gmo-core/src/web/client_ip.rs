//! The client's address, for the card-testing throttle: the peer of the connection, or, behind
//! proxies the merchant trusts, the last address they added to `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as
//! the hops that wrote it are trusted: read from the right, each trusted hop vouches for the
//! address on its left, and the first address that is not a trusted proxy is the client.

use std::net::IpAddr;

use crate::values::InvalidValue;

/// The proxies whose `X-Forwarded-For` entries are believed. Empty by default: the connection's
/// peer is the client.
///
/// ```
/// use gmo_core::web::TrustedProxies;
///
/// let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1")?;
/// let peer = Some("10.1.2.3".parse()?);
/// let client = proxies.client_ip(peer, ["198.51.100.7, 10.0.0.5"]);
/// assert_eq!(client, Some("198.51.100.7".parse()?));
/// // A forged entry left of the real one is never reached.
/// let client = proxies.client_ip(peer, ["1.2.3.4, 198.51.100.7"]);
/// assert_eq!(client, Some("198.51.100.7".parse()?));
/// // From an untrusted peer, the header is ignored.
/// let client = proxies.client_ip(Some("203.0.113.1".parse()?), ["1.2.3.4"]);
/// assert_eq!(client, Some("203.0.113.1".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Networks,
}

/// A list of addresses and networks (`address/prefix`), IPv4-mapped IPv6 addresses read as IPv4.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Networks(Vec<(IpAddr, u8)>);

impl Networks {
    /// Parses a comma-separated list (`10.0.0.0/8, 2001:db8::/32, 127.0.0.1`); `field` names the
    /// setting in the error.
    pub(crate) fn parse(list: &str, field: &'static str) -> Result<Self, InvalidValue> {
        let invalid = InvalidValue {
            field,
            rule: "a comma-separated list of IP addresses or networks (address/prefix)",
        };
        let mut networks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, prefix) = match item.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| invalid.clone())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| invalid.clone())?,
                None => max,
            };
            networks.push((addr, prefix));
        }
        Ok(Self(networks))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is in one of the networks.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|&(net, prefix)| in_network(ip, canonical(net), prefix))
    }
}

impl TrustedProxies {
    /// Trusts no proxy.
    pub fn none() -> Self {
        Self::default()
    }

    /// Trusts a proxy on the same machine (`127.0.0.0/8`, `::1`).
    pub fn loopback() -> Self {
        Self {
            networks: Networks(vec![
                (IpAddr::from([127, 0, 0, 0]), 8),
                (IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]), 128),
            ]),
        }
    }

    /// Parses a comma-separated list of addresses and networks (`10.0.0.0/8, 2001:db8::/32`).
    pub fn parse(list: &str) -> Result<Self, InvalidValue> {
        Ok(Self {
            networks: Networks::parse(list, "trusted_proxies")?,
        })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.networks.contains(ip)
    }

    /// The client's address: `peer` (the connection's), or when `peer` is trusted, the rightmost
    /// untrusted address of the `X-Forwarded-For` values (each a comma-separated list, in header
    /// order). `None` when the peer is unknown.
    pub fn client_ip<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let peer = peer?;
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // An unreadable entry: stop at the last address we could vouch for.
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.is_trusted(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn no_trusted_proxy_means_the_peer() {
        let none = TrustedProxies::none();
        assert_eq!(
            none.client_ip(Some(ip("127.0.0.1")), ["1.2.3.4"]),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(none.client_ip(None, ["1.2.3.4"]), None);
    }

    #[test]
    fn chains_of_proxies_and_garbage() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, 2001:db8::/32").unwrap();
        let peer = Some(ip("127.0.0.1"));
        assert_eq!(
            proxies.client_ip(peer, ["203.0.113.9", "10.0.0.1, 10.0.0.2"]),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client_ip(peer, ["2001:db8::1, 2001:db9::7"]),
            Some(ip("2001:db9::7"))
        );
        // Nothing but proxies: the leftmost one seen.
        assert_eq!(
            proxies.client_ip(peer, ["10.9.9.9, 10.0.0.1"]),
            Some(ip("10.9.9.9"))
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            proxies.client_ip(peer, ["nonsense, 10.0.0.3"]),
            Some(ip("10.0.0.3"))
        );
        assert_eq!(proxies.client_ip(peer, []), peer);
        assert!(proxies.is_trusted(ip("::ffff:10.1.1.1")));
        assert!(TrustedProxies::loopback().is_trusted(ip("127.8.8.8")));
        assert!(TrustedProxies::loopback().is_trusted(ip("::1")));
        for bad in ["10.0.0.0/33", "x", "10.0.0.0/", "::/129"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .unwrap()
                .is_trusted(ip("8.8.8.8"))
        );
    }
}
