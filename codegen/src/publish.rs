//! Publishing lexicons: each local lexicon written as a `com.atproto.lexicon.schema` record
//! (key: its NSID) in the repository of the account that its authority's DNS record names,
//! compare-and-swap on the published version, unchanged ones skipped, a change that breaks the
//! published version refused unless allowed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lexicon_xrpc::atproto::com::atproto::lexicon::schema::Schema;
use lexicon_xrpc::atproto::com::atproto::repo::get_record::GetRecordError;
use lexicon_xrpc::Client;
use serde_json::Value;

use crate::dns::{authority, record_name, Dns, DnsStatus, Txt};

/// What publishing one lexicon did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// No record yet: written (or would be).
    Created,
    /// A different version was published: replaced (or would be).
    Updated,
    /// The published version is the same document.
    Unchanged,
    /// Not written: the reason.
    Refused(String),
}

/// One local lexicon and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The lexicon's NSID.
    pub nsid: String,
    /// What was done.
    pub action: Action,
    /// The record's AT-URI and CID after the write (none in a dry run or when nothing was
    /// written).
    pub record: Option<(String, String)>,
}

/// A lexicon whose local version differs from the published one (if any): NSID, local
/// document, and the published record's CID and document.
struct Changed {
    nsid: String,
    doc: Value,
    published: Option<(String, Value)>,
}

/// Settings of a publish run.
#[derive(Debug, Clone)]
pub struct Publish {
    /// The lexicon folders.
    pub lexicons: Vec<PathBuf>,
    /// Where DNS answers come from.
    pub dns: Dns,
    /// Write nothing; say what would be written.
    pub dry_run: bool,
    /// Publish changes that break the published version.
    pub allow_breaking: bool,
}

/// A run that could not start or finish: unreadable lexicons, a failed login or request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PublishError(pub String);

/// What a run did, lexicon by lexicon (sorted by NSID), and its warnings (authorities without
/// a DNS record yet, whose record to add they name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Every local lexicon.
    pub lexicons: Vec<Published>,
    /// Warnings, one line each.
    pub warnings: Vec<String>,
}

impl Publish {
    /// Publishes through `client`, logged in as the account whose repository receives the
    /// records.
    pub async fn run(&self, client: &Client) -> Result<PublishReport, PublishError> {
        let did = client
            .did()
            .ok_or_else(|| PublishError("the client is not logged in".into()))?
            .to_string();
        let local = local_documents(&self.lexicons)?;
        let mut report = PublishReport::default();
        let mut txt = Txt::new(self.dns.clone());
        let mut allowed: BTreeMap<String, Result<(), String>> = BTreeMap::new();
        let mut changed: Vec<Changed> = Vec::new();
        for (nsid, doc) in &local {
            let authority = authority(nsid).map_err(PublishError)?;
            if !allowed.contains_key(&authority) {
                let record = record_name(&authority);
                let named_instead = |dids: &[String]| {
                    Err(format!(
                        "{record} names {}, not {did}: {authority}'s lexicons are published from there",
                        dids.join(", ")
                    ))
                };
                let verdict = match txt.status(&authority, &did).await {
                    DnsStatus::Names => Ok(()),
                    DnsStatus::Missing => {
                        report.warnings.push(format!(
                            "no `did=` TXT record at {record} yet: add {record} TXT \"did={did}\" so that others can fetch {authority}'s lexicons"
                        ));
                        Ok(())
                    }
                    DnsStatus::OtherDid(other) => named_instead(&[other]),
                    DnsStatus::Several(dids) => named_instead(&dids),
                    DnsStatus::LookupFailed(e) => {
                        report.warnings.push(format!(
                            "{e}: publishing anyway; the record should be {record} TXT \"did={did}\""
                        ));
                        Ok(())
                    }
                };
                allowed.insert(authority.clone(), verdict);
            }
            if let Err(reason) = &allowed[&authority] {
                report.lexicons.push(Published {
                    nsid: nsid.clone(),
                    action: Action::Refused(reason.clone()),
                    record: None,
                });
                continue;
            }
            let published = match client.get_record::<Schema>(&did, nsid).await {
                Ok(record) => {
                    let value = crate::fetch::schema_document(&record.value)
                        .map_err(|e| PublishError(format!("{nsid}: {e}")))?;
                    let cid = record.cid.map(|c| c.to_string()).unwrap_or_default();
                    Some((cid, value))
                }
                Err(lexicon_xrpc::Error::Xrpc {
                    error: GetRecordError::RecordNotFound,
                    ..
                }) => None,
                Err(e) => return Err(PublishError(format!("reading the published {nsid}: {e}"))),
            };
            if published.as_ref().is_some_and(|(_, value)| value == doc) {
                report.lexicons.push(Published {
                    nsid: nsid.clone(),
                    action: Action::Unchanged,
                    record: None,
                });
                continue;
            }
            changed.push(Changed {
                nsid: nsid.clone(),
                doc: doc.clone(),
                published,
            });
        }
        let breaks = self.breaking_changes(&local, &changed);
        for Changed {
            nsid,
            doc,
            published,
        } in changed
        {
            if let Some(breaks) = breaks.get(&nsid).filter(|_| !self.allow_breaking) {
                report.lexicons.push(Published {
                    nsid,
                    action: Action::Refused(format!(
                        "breaks the published version ({}); publish with --allow-breaking to replace it anyway",
                        breaks.join("; ")
                    )),
                    record: None,
                });
                continue;
            }
            let action = if published.is_some() {
                Action::Updated
            } else {
                Action::Created
            };
            let record = if self.dry_run {
                None
            } else {
                Some(write(client, &nsid, doc, published.map(|(cid, _)| cid)).await?)
            };
            report.lexicons.push(Published {
                nsid,
                action,
                record,
            });
        }
        report.lexicons.sort_by(|a, b| a.nsid.cmp(&b.nsid));
        Ok(report)
    }

    /// The breaking changes from each published version to the local one, by NSID.
    fn breaking_changes(
        &self,
        local: &BTreeMap<String, Value>,
        changed: &[Changed],
    ) -> BTreeMap<String, Vec<String>> {
        let published: BTreeMap<&str, &Value> = changed
            .iter()
            .filter_map(|c| {
                c.published
                    .as_ref()
                    .map(|(_, value)| (c.nsid.as_str(), value))
            })
            .collect();
        breaking_changes(local, &published, true)
    }
}

/// The breaking changes, by NSID, between the published versions (`published`) and the local
/// ones: from published to local with `to_local`, else from local to published. The other
/// lexicons of the set stay as they are, so that refs resolve. A version that does not load
/// cannot be compared, which counts as a break.
pub(crate) fn breaking_changes(
    local: &BTreeMap<String, Value>,
    published: &BTreeMap<&str, &Value>,
    to_local: bool,
) -> BTreeMap<String, Vec<String>> {
    if published.is_empty() {
        return BTreeMap::new();
    }
    let texts = |with_published: bool| -> Vec<(String, String)> {
        local
            .iter()
            .map(|(nsid, doc)| {
                let doc = match published.get(nsid.as_str()) {
                    Some(other) if with_published => *other,
                    _ => doc,
                };
                (format!("{nsid}.json"), doc.to_string())
            })
            .collect()
    };
    let (old, new) = if to_local {
        (texts(true), texts(false))
    } else {
        (texts(false), texts(true))
    };
    let mut breaks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match (
        lexicon_schema::evolution::load_texts(&old),
        lexicon_schema::evolution::load_texts(&new),
    ) {
        (Ok(old), Ok(new)) => {
            for change in lexicon_schema::evolution::compare(&old, &new) {
                if change.breaking && published.contains_key(change.nsid.as_str()) {
                    breaks
                        .entry(change.nsid.clone())
                        .or_default()
                        .push(format!("{} at {}", change.message, change.pointer));
                }
            }
        }
        _ => {
            for nsid in published.keys() {
                breaks
                    .entry((*nsid).to_owned())
                    .or_default()
                    .push("the published version could not be compared with this one".into());
            }
        }
    }
    breaks
}

/// Writes one schema record: created only if there is none, replaced only if the published
/// version is still `swap` (compare-and-swap). Its AT-URI and CID.
async fn write(
    client: &Client,
    nsid: &str,
    mut doc: Value,
    swap: Option<String>,
) -> Result<(String, String), PublishError> {
    if let Some(object) = doc.as_object_mut() {
        object.insert("$type".into(), Value::String(Schema::NSID.into()));
    }
    let schema: lexicon_runtime::Unchecked<Schema> = serde_json::from_value(doc)
        .map_err(|e| PublishError(format!("{nsid}: not a schema record: {e}")))?;
    let schema = schema.into_unchecked();
    let created = match swap {
        None => client
            .create_record_with_key(&schema, nsid)
            .await
            .map_err(|e| PublishError(format!("writing {nsid}: {e}")))?,
        Some(cid) => {
            let cid = cid
                .parse()
                .map_err(|e| PublishError(format!("{nsid}: the published CID {cid:?}: {e}")))?;
            client
                .put_record(nsid, &schema, Some(&cid))
                .await
                .map_err(|e| PublishError(format!("writing {nsid}: {e}")))?
        }
    };
    Ok((created.uri.to_string(), created.cid.to_string()))
}

/// Every lexicon under `dirs` as its file's JSON, by NSID; lexicons with errors fail the run.
pub(crate) fn local_documents(dirs: &[PathBuf]) -> Result<BTreeMap<String, Value>, PublishError> {
    let loaded = lexicon_schema::load::load_checked(dirs);
    if loaded
        .diags
        .iter()
        .any(lexicon_schema::Diagnostic::is_error)
    {
        return Err(PublishError(loaded.located().to_string()));
    }
    let mut docs = BTreeMap::new();
    for l in loaded.catalog.docs() {
        let text = &loaded.texts[&l.path];
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PublishError(format!("{}: {e}", l.path.display())))?;
        docs.insert(l.doc.id.clone(), value);
    }
    Ok(docs)
}
