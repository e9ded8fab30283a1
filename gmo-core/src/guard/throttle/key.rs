//! What the throttle counts by: a customer, or a client address (IPv6 by its /64 network).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A client address as the throttle keys it: IPv4 as is; IPv6 by its network prefix (a /64 by
/// default, the block one subscriber usually gets); an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
/// as dual-stack sockets report IPv4 clients) as its IPv4 address.
///
/// ```
/// use gmo_core::guard::IpKey;
///
/// let a = IpKey::new("2001:db8:1:2::10".parse()?, 64);
/// let b = IpKey::new("2001:db8:1:2:ffff::1".parse()?, 64);
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "2001:db8:1:2::/64");
/// assert_eq!(IpKey::new("::ffff:192.0.2.1".parse()?, 64).to_string(), "192.0.2.1");
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpKey {
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 network.
    V6 {
        /// The address with every bit past the prefix cleared.
        network: Ipv6Addr,
        /// The prefix length, 0–128.
        prefix_len: u8,
    },
}

impl IpKey {
    /// Keys `ip`, grouping IPv6 addresses by their first `ipv6_prefix_len` bits (at most 128).
    pub fn new(ip: IpAddr, ipv6_prefix_len: u8) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4),
                None => {
                    let prefix_len = ipv6_prefix_len.min(128);
                    let mask = u128::MAX
                        .checked_shl(128 - u32::from(prefix_len))
                        .unwrap_or(0);
                    Self::V6 {
                        network: Ipv6Addr::from(u128::from(v6) & mask),
                        prefix_len,
                    }
                }
            },
        }
    }
}

impl std::str::FromStr for IpKey {
    type Err = std::net::AddrParseError;

    /// Reads what [`Display`](std::fmt::Display) writes: `192.0.2.1`, `2001:db8::/64`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((network, prefix)) => {
                let ip: IpAddr = network.parse()?;
                // An unreadable prefix reads as a whole address.
                Ok(Self::new(ip, prefix.parse().unwrap_or(128)))
            }
            None => Ok(Self::new(s.parse()?, 128)),
        }
    }
}

impl std::fmt::Display for IpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::V4(v4) => write!(f, "{v4}"),
            Self::V6 {
                network,
                prefix_len,
            } => write!(f, "{network}/{prefix_len}"),
        }
    }
}

/// A key the throttle may hold a lock on, as listed by
/// [`CardTestingThrottle::locked`](super::CardTestingThrottle::locked).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ThrottleKey {
    /// A customer (member ID, account or session key, as the application chose).
    Customer(String),
    /// A client address or IPv6 network.
    Ip(IpKey),
}

impl std::fmt::Display for ThrottleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Customer(id) => write!(f, "customer {id}"),
            Self::Ip(ip) => write!(f, "address {ip}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_lengths_at_the_edges() {
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(IpKey::new(ip, 0).to_string(), "::/0");
        assert_eq!(IpKey::new(ip, 128).to_string(), "2001:db8::1/128");
        assert_eq!(IpKey::new(ip, 200).to_string(), "2001:db8::1/128");
        assert_eq!(IpKey::new(ip, 48).to_string(), "2001:db8::/48");
    }
}
