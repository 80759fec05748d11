//! Lexicons from the network: an NSID's authority (DNS TXT `_lexicon.<authority>` ->
//! `did=...`), its DID document (the PLC directory, or `did:web`), the PDS it names, and the
//! `com.atproto.lexicon.schema` record there, whose content is checked against its CID. Refs to
//! other lexicons are followed, across authorities. The documents are written into a lexicon
//! folder with a lockfile (`lexicons.lock`: NSID, AT-URI, CID); `check` compares the network
//! with the lockfile and writes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use lexicon_xrpc::atproto::com::atproto::lexicon::schema::Schema;
use lexicon_xrpc::atproto::com::atproto::repo::get_record::GetRecordError;
use lexicon_xrpc::{Client, StoredRecord};
use serde_json::Value;

use crate::catalog::glob_match;
use crate::dns::{authority, named_dids, record_name, Dns, Txt};

/// The name of the lockfile, in the lexicon folder (not `.json`: the folder's JSON files are
/// all read as lexicons).
pub const LOCKFILE: &str = "lexicons.lock";

/// Settings of a fetch: `Fetch::new("lexicons").run(&["dev.cocore.*"])`.
#[derive(Debug, Clone)]
pub struct Fetch {
    out: PathBuf,
    plc: String,
    dns: Dns,
}

/// One fetched lexicon: where it was published and its record's CID.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Locked {
    /// The lexicon's NSID.
    pub nsid: String,
    /// The record: `at://<did>/com.atproto.lexicon.schema/<nsid>`.
    pub uri: String,
    /// The CID of the record, as published and as computed from its content.
    pub cid: String,
}

/// The lockfile: every lexicon fetched into a folder, by NSID.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lock {
    /// The lexicons, sorted by NSID.
    pub lexicons: Vec<Locked>,
}

/// How the network differs from a lockfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// NSIDs whose published CID differs: (NSID, locked CID, published CID).
    pub changed: Vec<(String, String, String)>,
    /// NSIDs published (and reached) but not in the lockfile.
    pub added: Vec<String>,
    /// NSIDs in the lockfile that were not found.
    pub missing: Vec<String>,
}

impl Drift {
    /// Whether the network matches the lockfile.
    pub fn is_current(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.missing.is_empty()
    }
}

/// A fetch that failed: every problem of the run, one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct FetchError(pub Vec<String>);

impl Fetch {
    /// Fetches into the lexicon folder `out`, resolving `did:plc` at `https://plc.directory`
    /// and authorities with the system's DNS resolver.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Fetch {
            out: out.into(),
            plc: "https://plc.directory".into(),
            dns: Dns::System,
        }
    }

    /// Resolves `did:plc` DIDs at this PLC directory.
    pub fn plc_url(mut self, url: impl Into<String>) -> Self {
        self.plc = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Answers DNS TXT lookups from a table (name -> TXT strings) instead of DNS.
    pub fn dns_table(self, table: HashMap<String, Vec<String>>) -> Self {
        self.dns(Dns::Table(table))
    }

    /// Takes DNS TXT answers from `dns`.
    pub fn dns(mut self, dns: Dns) -> Self {
        self.dns = dns;
        self
    }

    /// Fetches the lexicons named by `patterns` (NSIDs, or globs such as `dev.cocore.*` whose
    /// fixed part is a whole authority) and every lexicon they refer to, writes them into the
    /// folder (`dev/cocore/compute/job.json`) and writes the lockfile. Writes nothing if any
    /// lexicon cannot be fetched.
    pub fn run(&self, patterns: &[String]) -> Result<Lock, FetchError> {
        let fetched = self.block_on(self.fetch_all(patterns))?;
        for (nsid, (_, doc)) in &fetched {
            let text = serde_json::to_string_pretty(doc).unwrap_or_default() + "\n";
            self.write(document_path(nsid), text)?;
        }
        let lock = Lock {
            lexicons: fetched.into_values().map(|(locked, _)| locked).collect(),
        };
        let text = serde_json::to_string_pretty(&lock).unwrap_or_default() + "\n";
        self.write(PathBuf::from(LOCKFILE), text)?;
        Ok(lock)
    }

    /// Writes one file of the folder as generated files are written: whole (a temporary file
    /// renamed over it), and only when its content changed.
    fn write(&self, path: PathBuf, contents: String) -> Result<(), FetchError> {
        let shown = self.out.join(&path);
        let file = crate::GeneratedFile { path, contents };
        crate::write::write_file(&self.out, &file)
            .map(drop)
            .map_err(|e| FetchError(vec![format!("cannot write {}: {e}", shown.display())]))
    }

    /// Compares what `patterns` (or, if empty, the lockfile's NSIDs) resolve to now with the
    /// folder's lockfile; writes nothing.
    pub fn check(&self, patterns: &[String]) -> Result<Drift, FetchError> {
        let lock_path = self.out.join(LOCKFILE);
        let text = std::fs::read_to_string(&lock_path)
            .map_err(|e| FetchError(vec![format!("cannot read {}: {e}", lock_path.display())]))?;
        let lock: Lock = serde_json::from_str(&text).map_err(|e| {
            FetchError(vec![format!(
                "{}: not a lockfile: {e}",
                lock_path.display()
            )])
        })?;
        let patterns: Vec<String> = if patterns.is_empty() {
            lock.lexicons.iter().map(|l| l.nsid.clone()).collect()
        } else {
            patterns.to_vec()
        };
        let (fetched, missing) = self.block_on(self.fetch_lenient(&patterns))?;
        let locked: BTreeMap<&str, &Locked> =
            lock.lexicons.iter().map(|l| (l.nsid.as_str(), l)).collect();
        let mut drift = Drift::default();
        for (nsid, (now, _)) in &fetched {
            match locked.get(nsid.as_str()) {
                Some(then) if then.cid != now.cid => {
                    drift
                        .changed
                        .push((nsid.clone(), then.cid.clone(), now.cid.clone()))
                }
                Some(_) => {}
                None => drift.added.push(nsid.clone()),
            }
        }
        drift.missing = missing
            .into_iter()
            .filter(|nsid| locked.contains_key(nsid.as_str()))
            .collect();
        Ok(drift)
    }

    fn block_on<T>(&self, future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(future)
    }

    /// Every lexicon of `patterns` and those they refer to; any failure fails the fetch.
    async fn fetch_all(
        &self,
        patterns: &[String],
    ) -> Result<BTreeMap<String, (Locked, Value)>, FetchError> {
        let (fetched, missing) = self.fetch_lenient(patterns).await?;
        if missing.is_empty() {
            Ok(fetched)
        } else {
            Err(FetchError(
                missing
                    .into_iter()
                    .map(|nsid| format!("{nsid}: no such lexicon is published by its authority"))
                    .collect(),
            ))
        }
    }

    /// The published document (without `$type`) of each NSID: `None` when its authority's
    /// repository holds no such record, the reason when the authority or the record cannot be
    /// reached. Refs are not followed; nothing is written.
    pub fn published(&self, nsids: &[String]) -> BTreeMap<String, Result<Option<Value>, String>> {
        self.block_on(async {
            let mut resolver = Resolver::new(self);
            let mut out = BTreeMap::new();
            for nsid in nsids {
                let result = match resolver.records(nsid).await {
                    Ok(found) => match found.into_iter().next() {
                        None => Ok(None),
                        Some(record) => lexicon_of(record).map(|(_, _, doc, _)| Some(doc)),
                    },
                    Err(e) => Err(e),
                };
                out.insert(nsid.clone(), result);
            }
            out
        })
    }

    /// Every lexicon found, and the NSIDs not found; other failures fail the fetch.
    async fn fetch_lenient(
        &self,
        patterns: &[String],
    ) -> Result<(BTreeMap<String, (Locked, Value)>, Vec<String>), FetchError> {
        let mut resolver = Resolver::new(self);
        let mut fetched = BTreeMap::new();
        let mut missing = Vec::new();
        let mut errors = Vec::new();
        let mut queue: Vec<String> = patterns.to_vec();
        let mut seen = BTreeSet::new();
        while let Some(pattern) = queue.pop() {
            if !seen.insert(pattern.clone()) {
                continue;
            }
            let found = match resolver.records(&pattern).await {
                Ok(found) => found,
                Err(e) => {
                    errors.push(format!("{pattern}: {e}"));
                    continue;
                }
            };
            if found.is_empty() {
                missing.push(pattern.clone());
            }
            for record in found {
                match lexicon_of(record) {
                    Ok((nsid, locked, doc, refs)) => {
                        queue.extend(refs.into_iter().filter(|r| !fetched.contains_key(r)));
                        fetched.insert(nsid, (locked, doc));
                    }
                    Err(e) => errors.push(format!("{pattern}: {e}")),
                }
            }
        }
        if errors.is_empty() {
            Ok((fetched, missing))
        } else {
            Err(FetchError(errors))
        }
    }
}

/// The lexicon document a schema record holds: the record without its `$type`.
pub(crate) fn schema_document(schema: &Schema) -> Result<Value, serde_json::Error> {
    let mut doc = serde_json::to_value(schema)?;
    if let Some(object) = doc.as_object_mut() {
        object.remove("$type");
    }
    Ok(doc)
}

/// A schema record as a lexicon: NSID, lock entry, document (without `$type`) and the NSIDs
/// its refs name.
fn lexicon_of(
    record: StoredRecord<Schema>,
) -> Result<(String, Locked, Value, Vec<String>), String> {
    let uri = record.uri.to_string();
    let rkey = uri.rsplit('/').next().unwrap_or_default().to_owned();
    let doc = schema_document(&record.value).map_err(|e| format!("{uri}: {e}"))?;
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if id != rkey {
        return Err(format!(
            "{uri}: the document's id is {id:?}, not its record key {rkey:?}"
        ));
    }
    let cid = record
        .cid
        .map(|c| c.to_string())
        .ok_or_else(|| format!("{uri}: the PDS gave no CID"))?;
    let mut diags = Vec::new();
    let parsed = crate::load::parse_document(Path::new(&uri), &doc.to_string(), &mut diags)
        .ok_or_else(|| {
            let problems: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            format!("{uri} is not a lexicon document: {}", problems.join("; "))
        })?;
    let refs = crate::catalog::referenced_nsids(&parsed)
        .into_iter()
        .filter(|n| *n != id)
        .collect();
    Ok((id.clone(), Locked { nsid: id, uri, cid }, doc, refs))
}

/// `dev/cocore/compute/job.json` for `dev.cocore.compute.job`.
fn document_path(nsid: &str) -> PathBuf {
    let mut path: PathBuf = nsid.split('.').collect();
    path.set_extension("json");
    path
}

/// Authority -> DID -> PDS, with what was resolved kept for the run.
struct Resolver {
    documents: lexicon_identity::HttpResolver,
    txt: Txt,
    dids: HashMap<String, String>,
    clients: HashMap<String, Client>,
}

impl Resolver {
    fn new(fetch: &Fetch) -> Self {
        Resolver {
            documents: lexicon_identity::HttpResolver::new().plc_url(&fetch.plc),
            txt: Txt::new(fetch.dns.clone()),
            dids: HashMap::new(),
            clients: HashMap::new(),
        }
    }

    /// The schema records a pattern names: one (or none) for an NSID, every match for a glob.
    async fn records(&mut self, pattern: &str) -> Result<Vec<StoredRecord<Schema>>, String> {
        let authority = authority(pattern)?;
        let did = self.did(&authority).await?;
        let client = self.client(&did).await?;
        if !pattern.contains('*') {
            return match client.get_record::<Schema>(&did, pattern).await {
                Ok(record) => Ok(vec![record]),
                Err(lexicon_xrpc::Error::Xrpc {
                    error: GetRecordError::RecordNotFound,
                    ..
                }) => Ok(Vec::new()),
                Err(e) => Err(e.to_string()),
            };
        }
        let mut pages = client.list_records::<Schema>(&did);
        let mut found = Vec::new();
        while let Some(page) = pages.next_page().await.map_err(|e| e.to_string())? {
            for record in page {
                let uri = match &record {
                    Ok(record) => &record.uri,
                    Err(invalid) => &invalid.uri,
                };
                // An invalid schema record fails the fetch only if it is one asked for.
                if glob_match(pattern, uri.rkey().unwrap_or_default()) {
                    found.push(record.map_err(|invalid| invalid.to_string())?);
                }
            }
        }
        Ok(found)
    }

    /// The DID an authority (`compute.cocore.dev`) names in `_lexicon.<authority>`.
    async fn did(&mut self, authority: &str) -> Result<String, String> {
        if let Some(did) = self.dids.get(authority) {
            return Ok(did.clone());
        }
        let name = record_name(authority);
        let dids = named_dids(&self.txt.lookup(&name).await?);
        match dids.as_slice() {
            [did] => {
                self.dids.insert(authority.to_owned(), did.clone());
                Ok(did.clone())
            }
            [] => Err(format!("no `did=` TXT record at {name}")),
            _ => Err(format!("more than one `did=` TXT record at {name}")),
        }
    }

    /// A client for the PDS that `did`'s DID document names.
    async fn client(&mut self, did: &str) -> Result<Client, String> {
        if let Some(client) = self.clients.get(did) {
            return Ok(client.clone());
        }
        let doc = lexicon_identity::DidResolver::resolve(&self.documents, did)
            .await
            .map_err(|e| e.to_string())?;
        let pds = doc
            .pds_endpoint()
            .ok_or_else(|| format!("{did}: the DID document names no #atproto_pds service"))?;
        let client = Client::new(pds).map_err(|e| format!("{did}: {e}"))?;
        self.clients.insert(did.to_owned(), client.clone());
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_go_where_their_nsid_says() {
        assert_eq!(
            document_path("dev.cocore.compute.job"),
            PathBuf::from("dev/cocore/compute/job.json")
        );
    }
}
