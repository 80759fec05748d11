//! The DNS side of publishing lexicons: the TXT record `_lexicon.<authority>` names the DID whose
//! repository holds an authority's lexicons (`dev.cocore.compute.job` -> authority
//! `compute.cocore.dev` -> `did=did:plc:...`). Looked up in DNS, or in a fixed table for tests
//! and mirrors. `check_dns` says, for each authority of a lexicon set, whether its record names
//! a given DID.

use std::collections::{BTreeMap, HashMap};

/// Where DNS TXT answers come from.
#[derive(Debug, Clone)]
pub enum Dns {
    /// The system's resolver configuration.
    System,
    /// A fixed table, name -> TXT strings (tests, air-gapped mirrors).
    Table(HashMap<String, Vec<String>>),
}

/// TXT lookups through one resolver, set up on first use.
pub(crate) struct Txt {
    dns: Dns,
    resolver: Option<hickory_resolver::TokioResolver>,
}

impl Txt {
    pub(crate) fn new(dns: Dns) -> Self {
        Txt {
            dns,
            resolver: None,
        }
    }

    /// The TXT strings at `name`: none when the name has no TXT record.
    pub(crate) async fn lookup(&mut self, name: &str) -> Result<Vec<String>, String> {
        if let Dns::Table(table) = &self.dns {
            return Ok(table.get(name).cloned().unwrap_or_default());
        }
        if self.resolver.is_none() {
            let resolver = hickory_resolver::TokioResolver::builder_tokio()
                .map_err(|e| format!("cannot set up DNS: {e}"))?
                .build();
            self.resolver = Some(resolver);
        }
        let resolver = self.resolver.as_ref().expect("set above");
        match resolver.txt_lookup(name).await {
            Ok(lookup) => Ok(lookup.iter().map(|txt| txt.to_string()).collect()),
            Err(e) if e.is_no_records_found() => Ok(Vec::new()),
            Err(e) => Err(format!("DNS TXT lookup of {name}: {e}")),
        }
    }

    /// What `authority`'s record (`_lexicon.<authority>`) says about `did`.
    pub(crate) async fn status(&mut self, authority: &str, did: &str) -> DnsStatus {
        match self.lookup(&record_name(authority)).await {
            Err(e) => DnsStatus::LookupFailed(e),
            Ok(answers) => match named_dids(&answers).as_slice() {
                [] => DnsStatus::Missing,
                [one] if one == did => DnsStatus::Names,
                [other] => DnsStatus::OtherDid(other.clone()),
                several => DnsStatus::Several(several.to_vec()),
            },
        }
    }
}

/// The TXT record an authority's lexicons are published under: `_lexicon.compute.cocore.dev`.
pub fn record_name(authority: &str) -> String {
    format!("_lexicon.{authority}")
}

/// The DIDs that TXT strings name (`did=...`; other strings are ignored).
pub(crate) fn named_dids(answers: &[String]) -> Vec<String> {
    answers
        .iter()
        .filter_map(|a| a.trim().strip_prefix("did="))
        .map(str::to_owned)
        .collect()
}

/// The authority of an NSID or glob: `dev.cocore.compute.job` and `dev.cocore.compute.*` give
/// `compute.cocore.dev`.
pub fn authority(pattern: &str) -> Result<String, String> {
    let fixed = match pattern.split_once('*') {
        Some((fixed, _)) => fixed
            .strip_suffix('.')
            .ok_or("a glob must end in `.*`, after a whole authority (`dev.cocore.compute.*`)")?,
        None => pattern
            .rsplit_once('.')
            .map(|(authority, _)| authority)
            .ok_or("not an NSID")?,
    };
    let segments: Vec<&str> = fixed.split('.').collect();
    if segments.len() < 2 || segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "{pattern:?} has no authority of two or more segments"
        ));
    }
    Ok(segments.into_iter().rev().collect::<Vec<_>>().join("."))
}

/// What an authority's TXT record says about the DID that should publish its lexicons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsStatus {
    /// It names the DID.
    Names,
    /// It names another DID.
    OtherDid(String),
    /// There is no `did=` TXT record.
    Missing,
    /// More than one `did=` string: which DID is meant cannot be told.
    Several(Vec<String>),
    /// The lookup failed (no network, a DNS error).
    LookupFailed(String),
}

/// One authority of a lexicon set and what its TXT record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityCheck {
    /// `compute.cocore.dev`.
    pub authority: String,
    /// `_lexicon.compute.cocore.dev`.
    pub record: String,
    /// The lexicons of the set under this authority.
    pub nsids: Vec<String>,
    /// What the record says.
    pub status: DnsStatus,
}

impl AuthorityCheck {
    /// Whether the record names the DID.
    pub fn is_ok(&self) -> bool {
        self.status == DnsStatus::Names
    }
}

/// For each authority of `nsids` (sorted), whether `_lexicon.<authority>` names `did`.
pub fn check_dns(nsids: &[String], did: &str, dns: Dns) -> Result<Vec<AuthorityCheck>, String> {
    let mut by_authority: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for nsid in nsids {
        by_authority
            .entry(authority(nsid).map_err(|e| format!("{nsid}: {e}"))?)
            .or_default()
            .push(nsid.clone());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the DNS client: {e}"))?;
    let mut txt = Txt::new(dns);
    let mut checks = Vec::new();
    for (authority, mut nsids) in by_authority {
        nsids.sort();
        let status = runtime.block_on(txt.status(&authority, did));
        let record = record_name(&authority);
        checks.push(AuthorityCheck {
            authority,
            record,
            nsids,
            status,
        });
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_are_reversed_without_the_name() {
        assert_eq!(
            authority("dev.cocore.compute.job").unwrap(),
            "compute.cocore.dev"
        );
        assert_eq!(
            authority("dev.cocore.compute.*").unwrap(),
            "compute.cocore.dev"
        );
        assert!(authority("dev.cocore.comp*").is_err());
        assert!(authority("job").is_err());
    }
}
