//! Lowering: the resolved catalog becomes the Rust-shaped [`Ir`], with every name decided.
//!
//! One concern per file: `naming` (module paths and type names, decided before any type is
//! lowered), `types` (objects, strings, fields and unions), `methods` (queries, procedures and
//! subscriptions) and `passes` (the two passes over the finished IR: boxing cycles and namespace
//! features).

mod methods;
mod naming;
mod passes;
mod types;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::catalog::{Catalog, DefRef};
use crate::diag::{pointer_push, Diagnostic};
use crate::ir::*;
use crate::names::{pascal, Scope};
use crate::schema::{self, Def};

use naming::{module_paths, sanitize_const};
use passes::{box_cycles, drop_externs, extern_modules, feature_of, namespace_features};

/// Lowers every document of the catalog; those matching an extern glob (`externs`: glob and
/// Rust path) are lowered too, for their names, and then left out. `texts` holds each file's
/// text, for the documents' JSON.
pub fn lower(
    catalog: &Catalog,
    externs: &[(String, String)],
    texts: &HashMap<PathBuf, String>,
    diags: &mut Vec<Diagnostic>,
) -> Ir {
    let mut l = Lowerer {
        catalog,
        ir: Ir::default(),
        modules: module_paths(catalog),
        types: HashMap::new(),
        scopes: HashMap::new(),
        aliases: HashMap::new(),
        diags,
    };
    l.claim_names();
    for loaded in catalog.docs() {
        l.lower_doc(&loaded.doc);
    }
    l.ir.records.sort_by(|a, b| a.nsid.cmp(&b.nsid));
    l.ir.defs.sort_by(|a, b| a.type_id.cmp(&b.type_id));
    let mut variants = Scope::default();
    for r in &mut l.ir.records {
        r.variant = variants.claim(pascal(&r.nsid));
    }
    // The catalog lists documents sorted by NSID, as the root `LEXICONS` lists them.
    l.ir.documents = catalog
        .docs()
        .filter_map(|loaded| {
            let module = l.modules[&loaded.doc.id].clone();
            Some(DocumentJson {
                nsid: loaded.doc.id.clone(),
                feature: feature_of(&module),
                module,
                json: compact_json(texts.get(&loaded.path)?)?,
            })
        })
        .collect();
    box_cycles(&mut l.ir);
    l.ir.externs = extern_modules(&l.modules, externs);
    drop_externs(&mut l.ir);
    namespace_features(&mut l.ir);
    l.ir
}

struct Lowerer<'a> {
    catalog: &'a Catalog,
    ir: Ir,
    /// Module path per NSID.
    modules: BTreeMap<String, Vec<String>>,
    /// The generated type of each def that has one.
    types: HashMap<DefRef, TypePath>,
    /// Type-name scope per module.
    scopes: HashMap<Vec<String>, Scope>,
    /// Lowered types of primitive defs, for refs to them (`None` while being lowered).
    aliases: HashMap<DefRef, Option<Ty>>,
    diags: &'a mut Vec<Diagnostic>,
}

/// A lexicon document's text as minified JSON without its `description`s (which validation
/// does not read): what generated code embeds for the run-time walker.
fn compact_json(text: &str) -> Option<String> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                // A property named `description` holds a schema (an object), not text.
                map.retain(|k, v| !(k == "description" && v.is_string()));
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    strip(&mut value);
    serde_json::to_string(&value).ok()
}

/// Whether a def becomes a type of its own (rather than an alias inlined where used).
fn has_own_type(def: &Def) -> bool {
    match def {
        Def::Record(_) | Def::Object(_) | Def::Union(_) => true,
        Def::String(s) => !s.known_values.is_empty() || s.enum_.is_some(),
        _ => false,
    }
}

impl Lowerer<'_> {
    fn module(&mut self, path: &[String]) -> &mut Module {
        for depth in 0..path.len() {
            let parent = path[..depth].to_vec();
            self.ir
                .modules
                .entry(parent)
                .or_default()
                .children
                .insert(path[depth].clone());
        }
        self.ir.modules.entry(path.to_vec()).or_default()
    }

    fn claim(&mut self, module: &[String], wanted: String) -> String {
        self.scopes
            .entry(module.to_vec())
            .or_default()
            .claim(wanted)
    }

    fn error(&mut self, nsid: &str, pointer: &str, rule: &'static str, message: impl Into<String>) {
        let file = self.catalog.file(nsid).to_owned();
        self.diags
            .push(Diagnostic::new(file, pointer, rule, message));
    }

    fn lower_doc(&mut self, doc: &schema::Document) {
        let module = self.modules[&doc.id].clone();
        {
            let m = self.module(&module);
            m.nsid = Some(doc.id.clone());
            m.doc = doc.description.clone();
        }
        // `LEXICON_JSON` holds the document itself.
        let mut consts = Scope::with_reserved(&["LEXICON_JSON"]);
        for (name, def) in &doc.defs {
            let r = DefRef {
                nsid: doc.id.clone(),
                name: name.clone(),
            };
            let pointer = pointer_push("/defs", name);
            match def {
                Def::Record(rec) => {
                    let path = self.types[&r].clone();
                    let key = rec.key.clone().unwrap_or_else(|| "any".into());
                    let tag = TypeTag::Record {
                        nsid: doc.id.clone(),
                        key,
                    };
                    let doc_text = def
                        .description()
                        .or(rec.record.description.as_deref())
                        .or(doc.description.as_deref());
                    let at = pointer_push(&pointer, "record");
                    self.lower_struct(&doc.id, &path, doc_text, tag, &rec.record, &at);
                    self.ir.records.push(RecordEntry {
                        nsid: doc.id.clone(),
                        variant: String::new(),
                        path: path.clone(),
                        feature: feature_of(&path.module),
                    });
                    self.ir.defs.push(DefEntry {
                        type_id: r.type_id(),
                        feature: feature_of(&path.module),
                        path,
                    });
                }
                Def::Object(obj) => {
                    let path = self.types[&r].clone();
                    let tag = TypeTag::Object(r.type_id());
                    self.lower_struct(&doc.id, &path, def.description(), tag, obj, &pointer);
                    self.ir.defs.push(DefEntry {
                        type_id: r.type_id(),
                        feature: feature_of(&path.module),
                        path,
                    });
                }
                Def::String(s) if has_own_type(def) => {
                    let path = self.types[&r].clone();
                    self.lower_string_enum(&path, Some(r.type_id()), s);
                    self.ir.defs.push(DefEntry {
                        type_id: r.type_id(),
                        feature: feature_of(&path.module),
                        path,
                    });
                }
                Def::Union(u) => {
                    let path = self.types[&r].clone();
                    self.lower_named_union(&doc.id, &path, Some(r.type_id()), u, &pointer);
                }
                Def::Token(t) => {
                    let const_name = consts.claim(sanitize_const(name));
                    let token = Token {
                        name: const_name,
                        doc: t.description.clone(),
                        value: r.type_id(),
                    };
                    self.module(&module).items.push(Item::Token(token));
                }
                Def::Query(_) | Def::Procedure(_) | Def::Subscription(_) => {
                    self.lower_method(&doc.id, &module, def, &pointer);
                }
                Def::PermissionSet(p) => {
                    let permissions = p
                        .permissions
                        .iter()
                        .map(|perm| {
                            let fields = perm
                                .fields
                                .iter()
                                .map(|(k, v)| (k.clone(), v.to_string()))
                                .collect();
                            (perm.resource.clone(), fields)
                        })
                        .collect();
                    let set = PermissionSet {
                        nsid: doc.id.clone(),
                        doc: p.description.clone(),
                        title: p.title.clone(),
                        detail: p.detail.clone(),
                        permissions,
                    };
                    self.module(&module).items.push(Item::PermissionSet(set));
                }
                _ => {
                    if let Some(ty) = self.alias_ty(&r) {
                        let path = self.types[&r].clone();
                        let alias = Alias {
                            name: path.name.clone(),
                            doc: def.description().map(str::to_owned),
                            ty,
                        };
                        self.module(&module).items.push(Item::Alias(alias));
                    }
                }
            }
        }
    }
}
