//! Repositories from their hosts: listing them (`com.atproto.sync.listRepos`) and exporting
//! one (`com.atproto.sync.getRepo` from the PDS its DID document names), verified with the
//! repository's current key.

use std::time::Duration;

use lexicon_atproto::com::atproto::sync::{get_repo, list_repos, list_repos_by_collection};
use lexicon_identity::{check_with_current_key, DidResolver, KeyCheckError};
use lexicon_repo::{Repo, RepoError};
use lexicon_xrpc::Client;

use crate::batch::{Change, Write};
use crate::schema::IndexSchema;
use crate::sync::events::cbor_json;
use crate::sync::SyncError;

/// The largest export read (a repository of a million small records is well under it).
const MAX_EXPORT_BYTES: usize = 1 << 30;

/// How long an export may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(300);

/// A repository a host lists: its DID, and its status when it is not active.
pub(crate) struct Listed {
    pub did: String,
    pub active: bool,
    pub status: Option<String>,
}

/// The repositories that hold records of `collections`, as the host lists them: by
/// `com.atproto.sync.listReposByCollection` (what relays answer: only the repositories that
/// matter), or, when the host does not implement it (a PDS), every repository it hosts.
pub(crate) async fn discover(
    client: &Client,
    collections: &[String],
) -> Result<Vec<Listed>, SyncError> {
    let mut found = std::collections::BTreeSet::new();
    for collection in collections {
        // The schema's collections are NSIDs.
        let Ok(collection) = lexicon_runtime::Nsid::new(collection.as_str()) else {
            continue;
        };
        match list_by_collection(client, &collection).await {
            Ok(dids) => found.extend(dids),
            // A PDS answers with an error of some kind (the reference PDS: 401, as it would
            // proxy the call to an AppView).
            Err(e)
                if e.status()
                    .is_some_and(|status| status != 429 && status < 500 || status == 501) =>
            {
                tracing::info!(error = %e, "no listReposByCollection: listing every repository");
                return list_repos(client).await;
            }
            Err(e) => return Err(SyncError::List(Box::new(e))),
        }
    }
    Ok(found
        .into_iter()
        .map(|did| Listed {
            did,
            active: true,
            status: None,
        })
        .collect())
}

/// The DIDs of the repositories with records of `collection`, a page of 1,000 at a time.
async fn list_by_collection(
    client: &Client,
    nsid: &lexicon_runtime::Nsid,
) -> Result<Vec<String>, lexicon_xrpc::Error> {
    let mut dids = Vec::new();
    let mut cursor = None;
    loop {
        let mut params = list_repos_by_collection::Params::new(nsid.clone());
        params.limit = Some(1000);
        params.cursor = cursor.take();
        let page = client
            .call::<list_repos_by_collection::ListReposByCollection>(&params, &())
            .await
            .map_err(|e| e.retyped())?;
        let empty = page.repos.is_empty();
        dids.extend(page.repos.into_iter().map(|r| r.did.as_str().to_owned()));
        match page.cursor {
            Some(next) if !empty => cursor = Some(next),
            _ => return Ok(dids),
        }
    }
}

/// Every repository `client`'s host lists, a page of 1,000 at a time.
pub(crate) async fn list_repos(client: &Client) -> Result<Vec<Listed>, SyncError> {
    let mut listed = Vec::new();
    let mut cursor = None;
    loop {
        let mut params = list_repos::Params::new();
        params.limit = Some(1000);
        params.cursor = cursor.take();
        let page = client
            .call::<list_repos::ListRepos>(&params, &())
            .await
            .map_err(|e| SyncError::List(Box::new(e.retyped())))?;
        let empty = page.repos.is_empty();
        listed.extend(page.repos.into_iter().map(|repo| Listed {
            did: repo.did.as_str().to_owned(),
            active: repo.active.unwrap_or(true),
            status: repo.status.map(|s| s.as_str().to_owned()),
        }));
        match page.cursor {
            Some(next) if !empty => cursor = Some(next),
            _ => return Ok(listed),
        }
    }
}

/// Why a repository could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Its DID did not resolve, or its document names no PDS.
    #[error("resolving {did}: {message}")]
    Resolve {
        /// The repository.
        did: String,
        /// What went wrong.
        message: String,
    },
    /// The PDS did not give the export.
    #[error("exporting {did}")]
    Fetch {
        /// The repository.
        did: String,
        /// The call's error.
        #[source]
        source: Box<lexicon_xrpc::Error<get_repo::GetRepoError>>,
    },
    /// The export is not a repository of that DID signed by its key.
    #[error("the export of {did} does not verify")]
    Verify {
        /// The repository.
        did: String,
        /// What failed.
        #[source]
        source: RepoError,
    },
}

impl ExportError {
    /// Whether the host says the repository is not there to export (not found, taken down,
    /// suspended, deactivated): trying again soon will not help.
    pub fn is_gone(&self) -> bool {
        use get_repo::GetRepoError as E;
        match self {
            ExportError::Fetch { source, .. } => matches!(
                source.xrpc_error(),
                Some(E::RepoNotFound | E::RepoTakendown | E::RepoSuspended | E::RepoDeactivated)
            ),
            _ => false,
        }
    }
}

/// Exports `did`'s repository from its PDS, verifies it, and makes it a [`Change::Repo`] of
/// the records in `schema`'s collections.
pub(crate) async fn export(
    resolver: &dyn DidResolver,
    schema: &IndexSchema,
    did: &str,
) -> Result<Change, ExportError> {
    let resolve = |message: String| ExportError::Resolve {
        did: did.to_owned(),
        message,
    };
    let document = resolver
        .resolve(did)
        .await
        .map_err(|e| resolve(e.to_string()))?;
    let pds = document
        .pds_endpoint()
        .ok_or_else(|| resolve("its DID document names no PDS (#atproto_pds)".into()))?;
    let client = Client::builder(pds)
        .max_response_bytes(MAX_EXPORT_BYTES)
        .timeout(EXPORT_TIMEOUT)
        .build()
        .map_err(|e| resolve(format!("its PDS {pds}: {e}")))?;
    let did_value =
        lexicon_runtime::Did::new(did).map_err(|e| resolve(format!("not a DID: {e}")))?;
    let car = client
        .call::<get_repo::GetRepo>(&get_repo::Params::new(did_value), &())
        .await
        .map_err(|e| ExportError::Fetch {
            did: did.to_owned(),
            source: Box::new(e),
        })?;
    let verify = |source: RepoError| ExportError::Verify {
        did: did.to_owned(),
        source,
    };
    let repo = Repo::from_car(&car).map_err(verify)?;
    if repo.commit().did != did {
        return Err(verify(RepoError::BadBlock {
            cid: repo.commit_cid().to_string(),
            what: "commit",
            message: format!("it is the commit of {}", repo.commit().did),
        }));
    }
    check_with_current_key(resolver, did, "atproto", |key| repo.verify(key))
        .await
        .map_err(|e| match e {
            KeyCheckError::Failed(e) => verify(e),
            other => resolve(other.to_string()),
        })?;
    let mut records = Vec::new();
    for (key, cid) in repo.entries().map_err(verify)? {
        let Some((collection, rkey)) = key.split_once('/') else {
            continue;
        };
        if schema.collection(collection).is_none() {
            continue;
        }
        let bytes = repo.blocks().require(&cid).map_err(verify)?;
        records.push(Write::Put {
            collection: collection.to_owned(),
            rkey: rkey.to_owned(),
            cid: cid.to_string(),
            record: cbor_json(bytes),
        });
    }
    Ok(Change::Repo {
        did: did.to_owned(),
        rev: repo.commit().rev.clone(),
        data: repo.commit().data.to_string(),
        records,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use lexicon_xrpc::{Request, Response, SendFuture, Transport};
    use serde_json::{json, Value};

    use super::*;

    /// A relay as a transport: `answer` gives the status and body for each request's path
    /// and query; the paths and queries asked are kept.
    #[derive(Clone)]
    struct Relay {
        answer: fn(&str) -> (u16, Value),
        asked: Arc<Mutex<Vec<String>>>,
    }

    impl Transport for Relay {
        fn send(&self, request: Request) -> SendFuture<'_> {
            Box::pin(async move {
                let asked = request.url.trim_start_matches("https://relay.test/xrpc/");
                self.asked.lock().unwrap().push(asked.to_owned());
                let (status, body) = (self.answer)(asked);
                let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
                let body = futures_util::stream::iter([Ok(body.to_string().into_bytes().into())]);
                Ok(Response::new(status, headers, Box::pin(body)))
            })
        }
    }

    async fn discovered(
        answer: fn(&str) -> (u16, Value),
    ) -> (Result<Vec<String>, String>, Vec<String>) {
        let relay = Relay {
            answer,
            asked: Arc::default(),
        };
        let client = Client::builder("https://relay.test")
            .transport(relay.clone())
            .build()
            .unwrap();
        let collections = [
            "dev.cocore.compute.job".to_owned(),
            "dev.cocore.compute.receipt".to_owned(),
        ];
        let listed = discover(&client, &collections)
            .await
            .map(|listed| listed.into_iter().map(|l| l.did).collect())
            .map_err(|e| lexicon_runtime::cause::Chain(&e).to_string());
        let asked = relay.asked.lock().unwrap().clone();
        (listed, asked)
    }

    fn repos(dids: &[&str], cursor: Option<&str>) -> Value {
        let repos: Vec<Value> = dids.iter().map(|did| json!({ "did": did })).collect();
        match cursor {
            Some(cursor) => json!({ "repos": repos, "cursor": cursor }),
            None => json!({ "repos": repos }),
        }
    }

    #[tokio::test]
    async fn a_relay_lists_the_repositories_of_each_collection_page_by_page() {
        let (listed, asked) = discovered(|asked| {
            let by = "com.atproto.sync.listReposByCollection?collection=";
            match asked.strip_prefix(by) {
                Some("dev.cocore.compute.job&limit=1000") => {
                    (200, repos(&["did:plc:b", "did:plc:a"], Some("page2")))
                }
                Some("dev.cocore.compute.job&limit=1000&cursor=page2") => {
                    (200, repos(&["did:plc:c"], Some("page3")))
                }
                Some("dev.cocore.compute.job&limit=1000&cursor=page3") => (200, repos(&[], None)),
                Some("dev.cocore.compute.receipt&limit=1000") => {
                    (200, repos(&["did:plc:a", "did:plc:d"], None))
                }
                _ => (404, json!({ "error": "NotFound" })),
            }
        })
        .await;
        // Each repository once, in DID order; nothing else asked.
        assert_eq!(
            listed.unwrap(),
            ["did:plc:a", "did:plc:b", "did:plc:c", "did:plc:d"]
        );
        assert_eq!(asked.len(), 4, "{asked:?}");
        assert!(asked
            .iter()
            .all(|a| a.starts_with("com.atproto.sync.listReposByCollection")));
    }

    #[tokio::test]
    async fn a_host_without_list_repos_by_collection_lists_every_repository() {
        let (listed, asked) = discovered(|asked| {
            if asked.starts_with("com.atproto.sync.listReposByCollection") {
                (401, json!({ "error": "AuthMissing" }))
            } else if asked == "com.atproto.sync.listRepos?limit=1000" {
                let repo = |did: &str| json!({ "did": did, "head": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", "rev": "3lbq5mkxk2s2a" });
                (200, json!({ "repos": [repo("did:plc:x"), repo("did:plc:y")] }))
            } else {
                (404, json!({ "error": "NotFound" }))
            }
        })
        .await;
        assert_eq!(listed.unwrap(), ["did:plc:x", "did:plc:y"]);
        assert_eq!(asked.len(), 2, "{asked:?}");
    }

    #[tokio::test]
    async fn a_relay_that_fails_is_an_error_not_an_empty_list() {
        let (listed, asked) = discovered(|_| (503, json!({ "error": "Unavailable" }))).await;
        let error = listed.unwrap_err();
        assert!(
            error.contains("503") || error.contains("Unavailable"),
            "{error}"
        );
        // No fall back to listing every repository of the network.
        assert!(
            asked
                .iter()
                .all(|a| !a.starts_with("com.atproto.sync.listRepos?")),
            "{asked:?}"
        );
    }
}
