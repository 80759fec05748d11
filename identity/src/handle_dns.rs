//! Handle resolution by DNS, as the atproto spec's first method: a TXT record at
//! `_atproto.<handle>` holding `did=<DID>`; and the spec's whole procedure, DNS then the
//! handle's host ([`AtprotoHandleResolver`], with the `http` feature).

use std::net::SocketAddr;

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;

use crate::handle::{HandleError, HandleResolver};
use crate::resolve::BoxFuture;

/// Resolves a handle by its `_atproto` TXT record.
#[derive(Clone)]
pub struct DnsHandleResolver {
    resolver: TokioResolver,
}

impl std::fmt::Debug for DnsHandleResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsHandleResolver").finish_non_exhaustive()
    }
}

impl DnsHandleResolver {
    /// A resolver with the system's configuration (`/etc/resolv.conf`).
    pub fn system() -> Result<Self, HandleError> {
        let resolver = TokioResolver::builder_tokio()
            .map_err(|e| HandleError::failed("", "reading the system's DNS configuration", e))?
            .build();
        Ok(DnsHandleResolver { resolver })
    }

    /// A resolver that asks the name server at `server` (plain DNS, UDP then TCP) only.
    pub fn with_name_server(server: SocketAddr) -> Self {
        let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
        let config = ResolverConfig::from_parts(None, Vec::new(), servers);
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).build();
        DnsHandleResolver { resolver }
    }
}

impl HandleResolver for DnsHandleResolver {
    fn resolve_handle<'a>(&'a self, handle: &'a str) -> BoxFuture<'a, Result<String, HandleError>> {
        Box::pin(async move {
            let name = format!("_atproto.{}.", handle.trim_end_matches('.'));
            let answers = match self.resolver.txt_lookup(name.as_str()).await {
                Ok(lookup) => lookup.iter().map(|txt| txt.to_string()).collect(),
                Err(e) if e.is_no_records_found() => Vec::new(),
                Err(e) => {
                    return Err(HandleError::failed(
                        handle,
                        format_args!("DNS TXT lookup of {name}"),
                        e,
                    ))
                }
            };
            let dids: Vec<&str> = answers
                .iter()
                .filter_map(|a| a.trim().strip_prefix("did="))
                .collect();
            match dids.as_slice() {
                [did] if did.starts_with("did:") => Ok((*did).to_owned()),
                [] => Err(HandleError::NotFound(handle.to_owned())),
                _ => Err(HandleError::unavailable(
                    handle,
                    format!("{name} holds {} `did=` records, not one DID", dids.len()),
                )),
            }
        })
    }
}

#[cfg(feature = "http")]
pub use spec::AtprotoHandleResolver;

#[cfg(feature = "http")]
mod spec {
    use super::DnsHandleResolver;
    use crate::handle::{HandleError, HandleResolver, WellKnownHandleResolver};
    use crate::resolve::BoxFuture;

    /// The atproto spec's handle resolution: the `_atproto` TXT record, and when it names no
    /// DID (or DNS fails), `https://<handle>/.well-known/atproto-did`.
    #[derive(Debug, Clone)]
    pub struct AtprotoHandleResolver {
        dns: DnsHandleResolver,
        well_known: WellKnownHandleResolver,
    }

    impl AtprotoHandleResolver {
        /// The spec's resolution with the system's DNS configuration.
        pub fn system() -> Result<Self, HandleError> {
            Ok(Self::new(
                DnsHandleResolver::system()?,
                WellKnownHandleResolver::new(),
            ))
        }

        /// The spec's resolution with these two resolvers.
        pub fn new(dns: DnsHandleResolver, well_known: WellKnownHandleResolver) -> Self {
            AtprotoHandleResolver { dns, well_known }
        }
    }

    impl HandleResolver for AtprotoHandleResolver {
        fn resolve_handle<'a>(
            &'a self,
            handle: &'a str,
        ) -> BoxFuture<'a, Result<String, HandleError>> {
            Box::pin(async move {
                match self.dns.resolve_handle(handle).await {
                    Ok(did) => Ok(did),
                    Err(by_dns) => match self.well_known.resolve_handle(handle).await {
                        Ok(did) => Ok(did),
                        // Neither names a DID: the DNS answer says why first.
                        Err(HandleError::NotFound(_)) => Err(by_dns),
                        Err(by_https) => Err(by_https),
                    },
                }
            })
        }
    }
}
