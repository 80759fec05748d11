//! Which network addresses a client may reach: public ones always; loopback, private and
//! link-local ones only when allowed. A client that fetches what strangers name (a DID
//! document's PDS, a handle's host, a server's metadata) uses it so that no one can make it
//! reach into its own machine or network.

use std::net::IpAddr;

/// Which addresses besides public ones a client may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    loopback: bool,
    private: bool,
}

impl AddressPolicy {
    /// Public addresses only.
    pub fn public_only() -> Self {
        AddressPolicy::default()
    }

    /// Allows (or not) loopback addresses: a development server on this machine.
    pub fn allow_loopback(mut self, allow: bool) -> Self {
        self.loopback = allow;
        self
    }

    /// Allows (or not) private and link-local addresses: a server on a private network.
    pub fn allow_private(mut self, allow: bool) -> Self {
        self.private = allow;
        self
    }

    /// Whether loopback addresses are allowed.
    pub fn allows_loopback(&self) -> bool {
        self.loopback
    }

    /// Why `ip` may not be reached (`"a loopback address"`, `"a private or link-local
    /// address"`), or `None` when it may. IPv4-mapped IPv6 addresses count as their IPv4.
    pub fn refuses(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() {
            return (!self.loopback).then_some("a loopback address");
        }
        let private = match ip {
            IpAddr::V4(v4) => {
                v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_multicast()
                    || v4.is_documentation()
                    // 100.64.0.0/10, carrier-grade NAT
                    || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
            }
            IpAddr::V6(v6) => {
                v6.is_unspecified()
                    || v6.is_multicast()
                    // fc00::/7 unique local, fe80::/10 link-local
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        };
        (private && !self.private).then_some("a private or link-local address")
    }

    /// Why the host of `url` (when it is an address literal) may not be reached.
    #[cfg(feature = "http")]
    pub fn refuses_host_of(&self, url: &str) -> Option<&'static str> {
        self.refuses_host(&reqwest::Url::parse(url).ok()?.host()?)
    }

    /// Why `host` (when it is an address literal) may not be reached; a name is checked when
    /// it is resolved ([`client_builder`](Self::client_builder)).
    #[cfg(feature = "http")]
    pub fn refuses_host(&self, host: &url::Host<&str>) -> Option<&'static str> {
        match *host {
            url::Host::Ipv4(v4) => self.refuses(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => self.refuses(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        }
    }

    /// A reqwest client builder that follows no redirect and resolves names under this policy
    /// (a name whose addresses are all refused is not connected to). Address literals in URLs
    /// do not go through a resolver: check them with [`refuses_host_of`](Self::refuses_host_of).
    #[cfg(feature = "http")]
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(GuardedResolver(*self)))
    }
}

/// Resolves names as the system does and keeps the addresses the policy allows.
#[cfg(feature = "http")]
#[derive(Debug)]
struct GuardedResolver(AddressPolicy);

#[cfg(feature = "http")]
impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<std::net::SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.refuses(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                let why = found
                    .first()
                    .and_then(|a| policy.refuses(a.ip()))
                    .unwrap_or("no address");
                return Err(
                    format!("{host} resolves to {why}, which this client may not reach").into(),
                );
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::AddressPolicy;

    #[test]
    fn public_addresses_pass_and_the_rest_only_when_allowed() {
        let strict = AddressPolicy::public_only();
        assert_eq!(strict.refuses("93.184.216.34".parse().unwrap()), None);
        assert_eq!(strict.refuses("2606:4700::1".parse().unwrap()), None);
        for loopback in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(
                strict.refuses(loopback.parse().unwrap()),
                Some("a loopback address")
            );
        }
        for private in [
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "fe80::1",
            "fd00::1",
            "0.0.0.0",
        ] {
            assert_eq!(
                strict.refuses(private.parse().unwrap()),
                Some("a private or link-local address"),
                "{private}"
            );
        }
        let open = strict.allow_loopback(true).allow_private(true);
        assert_eq!(open.refuses("127.0.0.1".parse().unwrap()), None);
        assert_eq!(open.refuses("10.1.2.3".parse().unwrap()), None);
    }

    #[cfg(feature = "http")]
    #[test]
    fn an_address_literal_in_a_url_is_checked() {
        let strict = AddressPolicy::public_only();
        assert_eq!(
            strict.refuses_host_of("https://10.0.0.1:8443/x"),
            Some("a private or link-local address")
        );
        assert_eq!(
            strict.refuses_host_of("http://[::1]:80/"),
            Some("a loopback address")
        );
        assert_eq!(strict.refuses_host_of("https://pds.example/x"), None);
    }
}
