//! How each local lexicon stands against the published one, found as `fetch` finds it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::fetch::Fetch;
use crate::publish::{breaking_changes, local_documents, PublishError};

/// A local lexicon against the published one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The same document.
    Same,
    /// The published version is older: the local one changes it compatibly (`publish` would
    /// write it).
    Older,
    /// The published version is newer: it changes the local one compatibly (`fetch` would get
    /// it), while going back to the local one would break it.
    Newer,
    /// Each breaks the other: the breaks from the published version to the local one.
    Breaking(Vec<String>),
    /// Not published.
    Missing,
    /// The authority or the record could not be reached: why.
    Unreachable(String),
}

/// Each local lexicon under `dirs` (sorted by NSID) and how it stands against the network.
pub fn status(dirs: &[PathBuf], fetch: &Fetch) -> Result<Vec<(String, Status)>, PublishError> {
    let local = local_documents(dirs)?;
    let nsids: Vec<String> = local.keys().cloned().collect();
    let published = fetch.published(&nsids);
    let mut statuses = BTreeMap::new();
    let mut differ: BTreeMap<&str, &Value> = BTreeMap::new();
    for (nsid, result) in &published {
        let status = match result {
            Err(e) => Status::Unreachable(e.clone()),
            Ok(None) => Status::Missing,
            Ok(Some(doc)) if Some(doc) == local.get(nsid) => Status::Same,
            Ok(Some(doc)) => {
                differ.insert(nsid.as_str(), doc);
                continue;
            }
        };
        statuses.insert(nsid.clone(), status);
    }
    let forward = breaking_changes(&local, &differ, true);
    let backward = breaking_changes(&local, &differ, false);
    for nsid in differ.keys() {
        let status = match (forward.get(*nsid), backward.get(*nsid)) {
            (None, _) => Status::Older,
            (Some(_), None) => Status::Newer,
            (Some(breaks), Some(_)) => Status::Breaking(breaks.clone()),
        };
        statuses.insert((*nsid).to_owned(), status);
    }
    Ok(statuses.into_iter().collect())
}
