//! The catalog: every loaded document by NSID, and resolution of `ref` strings to defs.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::Diagnostic;
use crate::load::Loaded;
use crate::schema::{Def, Document};

/// A resolved reference: the document NSID and the def name (`main` for the main def).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DefRef {
    /// The document's NSID.
    pub nsid: String,
    /// The def's name in that document.
    pub name: String,
}

impl DefRef {
    /// `nsid` for main defs, `nsid#name` otherwise: the `$type` string of the def.
    pub fn type_id(&self) -> String {
        if self.name == "main" {
            self.nsid.clone()
        } else {
            format!("{}#{}", self.nsid, self.name)
        }
    }
}

/// All documents of a run, by NSID (a sorted map, so iteration order is deterministic).
#[derive(Debug, Default)]
pub struct Catalog {
    docs: BTreeMap<String, Loaded>,
}

impl Catalog {
    /// Builds the catalog; a second document with an `id` already seen is reported and dropped.
    pub fn build(mut loaded: Vec<Loaded>, diags: &mut Vec<Diagnostic>) -> Catalog {
        loaded.sort_by(|a, b| a.path.cmp(&b.path));
        let mut docs: BTreeMap<String, Loaded> = BTreeMap::new();
        for l in loaded {
            if let Some(first) = docs.get(&l.doc.id) {
                diags.push(Diagnostic::new(
                    &l.path,
                    "/id",
                    "duplicate-id",
                    format!(
                        "id {:?} is already defined by {}",
                        l.doc.id,
                        first.path.display()
                    ),
                ));
                continue;
            }
            docs.insert(l.doc.id.clone(), l);
        }
        Catalog { docs }
    }

    /// The documents, sorted by NSID.
    pub fn docs(&self) -> impl Iterator<Item = &Loaded> {
        self.docs.values()
    }

    /// The document with this NSID.
    pub fn doc(&self, nsid: &str) -> Option<&Document> {
        self.docs.get(nsid).map(|l| &l.doc)
    }

    /// The file a document came from.
    pub fn file(&self, nsid: &str) -> &Path {
        self.docs
            .get(nsid)
            .map(|l| l.path.as_path())
            .unwrap_or(Path::new(""))
    }

    /// The def a resolved reference names.
    pub fn def(&self, r: &DefRef) -> Option<&Def> {
        self.doc(&r.nsid)?.defs.get(&r.name)
    }

    /// Resolves `reference` (`#name`, `nsid` or `nsid#name`) written in document `from`.
    pub fn resolve(&self, from: &str, reference: &str) -> Result<DefRef, String> {
        let (nsid, name) = match reference.split_once('#') {
            Some((_, rest)) if rest.contains('#') => {
                return Err(format!("ref {reference:?} has more than one `#`"));
            }
            Some(("", name)) => (from, name),
            Some((nsid, name)) => (nsid, name),
            None => (reference, "main"),
        };
        if name.is_empty() {
            return Err(format!("ref {reference:?} names no def after `#`"));
        }
        let r = DefRef {
            nsid: nsid.to_owned(),
            name: name.to_owned(),
        };
        match self.doc(nsid) {
            None => Err(format!(
                "ref {reference:?} names lexicon {nsid:?}, which is not loaded"
            )),
            Some(doc) if !doc.defs.contains_key(name) => {
                let mut msg = format!("ref {reference:?}: lexicon {nsid:?} has no def {name:?}");
                if let Some(best) = closest(name, doc.defs.keys().map(String::as_str)) {
                    let shown = if nsid == from {
                        format!("#{best}")
                    } else {
                        format!("{nsid}#{best}")
                    };
                    msg.push_str(&format!(" (did you mean `{shown}`?)"));
                }
                Err(msg)
            }
            Some(_) => Ok(r),
        }
    }
}

/// The candidate nearest to `name` by edit distance, if it is near enough to be a typo.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
