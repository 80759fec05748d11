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
        lexicon_runtime::lexicon::type_id(&self.nsid, &self.name)
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
        let (nsid, name) = lexicon_runtime::lexicon::split_ref(from, reference)?;
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

/// Whether `nsid` matches `glob`, where `*` stands for any run of characters.
pub fn glob_match(glob: &str, nsid: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == nsid;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !nsid.starts_with(first)
        || !nsid[first.len()..].ends_with(last)
        || nsid.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &nsid[first.len()..nsid.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// Keeps the documents that `only` selects (all when empty) and `exclude` does not, plus every
/// document they refer to, transitively.
pub fn select(loaded: Vec<Loaded>, only: &[String], exclude: &[String]) -> Vec<Loaded> {
    if only.is_empty() && exclude.is_empty() {
        return loaded;
    }
    let wanted = |id: &str| {
        (only.is_empty() || only.iter().any(|g| glob_match(g, id)))
            && !exclude.iter().any(|g| glob_match(g, id))
    };
    let by_id: BTreeMap<&str, &Loaded> = loaded.iter().map(|l| (l.doc.id.as_str(), l)).collect();
    let mut keep: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut stack: Vec<String> = loaded
        .iter()
        .filter(|l| wanted(&l.doc.id))
        .map(|l| l.doc.id.clone())
        .collect();
    while let Some(id) = stack.pop() {
        if !keep.insert(id.clone()) {
            continue;
        }
        if let Some(l) = by_id.get(id.as_str()) {
            stack.extend(referenced_nsids(&l.doc));
        }
    }
    loaded
        .into_iter()
        .filter(|l| keep.contains(&l.doc.id))
        .collect()
}

/// The NSIDs of the documents that `doc`'s refs and unions name.
pub fn referenced_nsids(doc: &Document) -> Vec<String> {
    use crate::schema::Field;
    fn field(f: &Field, from: &str, out: &mut Vec<String>) {
        let nsid = |r: &str| match r.split_once('#') {
            Some(("", _)) => from.to_owned(),
            Some((n, _)) => n.to_owned(),
            None => r.to_owned(),
        };
        match f {
            Field::Ref(r) => out.push(nsid(&r.target)),
            Field::Union(u) => out.extend(u.refs.iter().map(|r| nsid(r))),
            Field::Array(a) => field(&a.items, from, out),
            Field::Object(o) => o.properties.values().for_each(|p| field(p, from, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let object = |o: &crate::schema::ObjectSchema, out: &mut Vec<String>| {
        o.properties.values().for_each(|p| field(p, &doc.id, out))
    };
    for def in doc.defs.values() {
        match def {
            Def::Record(r) => object(&r.record, &mut out),
            Def::Object(o) => object(o, &mut out),
            Def::Array(a) => field(&a.items, &doc.id, &mut out),
            Def::Union(u) => field(&Field::Union(u.clone()), &doc.id, &mut out),
            Def::Query(q) => {
                q.parameters.iter().for_each(|p| {
                    p.properties
                        .values()
                        .for_each(|f| field(f, &doc.id, &mut out))
                });
                q.output
                    .iter()
                    .filter_map(|b| b.schema.as_ref())
                    .for_each(|f| field(f, &doc.id, &mut out));
            }
            Def::Procedure(p) => {
                p.parameters.iter().for_each(|p| {
                    p.properties
                        .values()
                        .for_each(|f| field(f, &doc.id, &mut out))
                });
                [&p.input, &p.output]
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b.schema.as_ref())
                    .for_each(|f| field(f, &doc.id, &mut out));
            }
            Def::Subscription(s) => {
                s.parameters.iter().for_each(|p| {
                    p.properties
                        .values()
                        .for_each(|f| field(f, &doc.id, &mut out))
                });
                s.message
                    .iter()
                    .for_each(|m| field(&m.schema, &doc.id, &mut out));
            }
            _ => {}
        }
    }
    out
}

/// The candidate nearest to `name` by edit distance, if it is near enough to be a typo.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}
