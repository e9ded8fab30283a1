//! The settings of `POST /notify`: which networks may post GMO's result notifications (read
//! through the [`TrustedProxies`]), and the flows' [`NotificationPolicy`].
//!
//! A notification is unsigned, so the flows act on one only when it matches a stored order and
//! then only through SearchTrade (see [`Payments::handle_notification_with`](crate::Payments::handle_notification_with)).
//! An allowlist of source networks keeps everyone else from reaching even that: GMO publishes
//! the addresses its notifications come from (in its merchant documentation and management
//! screen; they are not built in here, as they can change). Fill them in; leave the list empty
//! to accept every source.

use std::net::IpAddr;

use super::TrustedProxies;
use super::client_ip::Networks;
use crate::flow::NotificationPolicy;
use crate::values::InvalidValue;

/// The notification route's settings: by default every source is accepted, no proxy is
/// trusted, and the [default policy](NotificationPolicy::default) applies.
///
/// ```
/// use gmo_core::web::{NotificationRoute, TrustedProxies};
///
/// // GMO's published sending addresses (here documentation examples), behind a local proxy.
/// let route = NotificationRoute::default()
///     .sources("192.0.2.0/28, 198.51.100.17")?
///     .trusted_proxies(TrustedProxies::loopback());
/// let proxy = Some("127.0.0.1".parse()?);
/// assert!(route.admits(proxy, ["192.0.2.5"]));
/// assert!(!route.admits(proxy, ["203.0.113.9"]));
/// // A forged entry left of the real one is not believed.
/// assert!(!route.admits(proxy, ["192.0.2.5, 203.0.113.9"]));
/// assert!(NotificationRoute::default().admits(None, []));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationRoute {
    sources: Networks,
    proxies: TrustedProxies,
    policy: NotificationPolicy,
}

impl NotificationRoute {
    /// Accepts notifications only from these addresses and networks (a comma-separated list,
    /// `192.0.2.0/28, 2001:db8::/32`); an empty list accepts every source.
    pub fn sources(mut self, list: &str) -> Result<Self, InvalidValue> {
        self.sources = Networks::parse(list, "notification_sources")?;
        Ok(self)
    }

    /// The proxies whose `X-Forwarded-For` is believed when finding the source (as the
    /// card-testing throttle's, [`TrustedProxies::client_ip`]).
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// The flows' policy for notifications (the lookup cool-down).
    pub fn policy(mut self, policy: NotificationPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The flows' policy.
    pub fn notification_policy(&self) -> &NotificationPolicy {
        &self.policy
    }

    /// Whether only listed sources are accepted.
    pub fn is_restricted(&self) -> bool {
        !self.sources.is_empty()
    }

    /// The request's source (`peer`, the connection's address, and the `X-Forwarded-For`
    /// values), as the trusted proxies let it be read, when it is refused: `Err(source)`, with
    /// `None` when it is unknown (refused whenever sources are listed).
    pub fn check<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Option<IpAddr>> {
        if !self.is_restricted() {
            return Ok(());
        }
        match self.proxies.client_ip(peer, forwarded_for) {
            Some(ip) if self.sources.contains(ip) => Ok(()),
            source => Err(source),
        }
    }

    /// Whether a request from `peer` with these `X-Forwarded-For` values is accepted.
    pub fn admits<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        self.check(peer, forwarded_for).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn sources_are_read_through_the_trusted_proxies_only() {
        let route = NotificationRoute::default()
            .sources("192.0.2.0/24, 2001:db8::/32")
            .unwrap();
        // No trusted proxy: the peer is the source and the header is ignored.
        assert!(route.admits(ip("192.0.2.7"), []));
        assert!(route.admits(ip("::ffff:192.0.2.7"), []));
        assert!(route.admits(ip("2001:db8::5"), []));
        assert!(!route.admits(ip("127.0.0.1"), ["192.0.2.7"]));
        assert_eq!(route.check(None, []), Err(None));
        let proxied = route.trusted_proxies(TrustedProxies::parse("10.0.0.0/8").unwrap());
        assert!(proxied.admits(ip("10.0.0.1"), ["192.0.2.7"]));
        assert!(!proxied.admits(ip("10.0.0.1"), ["203.0.113.1"]));
        assert!(
            !proxied.admits(ip("10.0.0.1"), []),
            "the proxy itself is no source"
        );
        assert!(
            NotificationRoute::default()
                .sources(" ")
                .is_ok_and(|r| !r.is_restricted())
        );
        assert!(
            NotificationRoute::default()
                .sources("192.0.2.0/33")
                .is_err()
        );
    }
}
