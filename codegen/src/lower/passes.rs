//! Passes over the finished IR: namespace features, boxing fields on type cycles, and leaving
//! out lexicons bound elsewhere.

use std::collections::BTreeMap;

use crate::catalog::glob_match;
use crate::ir::*;
use crate::names::unraw;

/// The cargo feature of the namespace a module belongs to: its first two path segments.
pub(super) fn feature_of(module: &[String]) -> String {
    module
        .iter()
        .take(2)
        .map(|s| unraw(s).replace('_', "-"))
        .collect::<Vec<_>>()
        .join("-")
}

/// Marks namespace modules with their feature and records which namespaces refer to which.
pub(super) fn namespace_features(ir: &mut Ir) {
    fn refs(ty: &Ty, out: &mut Vec<TypePath>) {
        match &ty.kind {
            TyKind::Named(p) | TyKind::Boxed(p) => out.push(p.clone()),
            TyKind::Array(item) => refs(item, out),
            _ => {}
        }
    }
    let mut features: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let externs = &ir.externs;
    for (path, module) in &mut ir.modules {
        if path.len() < 2 {
            continue;
        }
        let feature = feature_of(path);
        if path.len() == 2 {
            module.feature = Some(feature.clone());
        }
        let mut targets = Vec::new();
        for item in &module.items {
            match item {
                Item::Struct(s) => s.fields.iter().for_each(|f| refs(&f.ty, &mut targets)),
                Item::Union(u) => targets.extend(u.variants.iter().map(|v| v.path.clone())),
                Item::Alias(a) => refs(&a.ty, &mut targets),
                _ => {}
            }
        }
        let deps = features.entry(feature.clone()).or_default();
        deps.extend(
            targets
                .iter()
                .filter(|t| !externs.contains_key(&t.module))
                .map(|t| feature_of(&t.module))
                .filter(|f| *f != feature),
        );
    }
    ir.features = features;
}

/// Boxes struct fields that hold a struct on a cycle back to themselves (`a.b: B`, `b.a:
/// Option<A>`), which would otherwise have infinite size. Arrays and unions already indirect.
pub(super) fn box_cycles(ir: &mut Ir) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut edges: BTreeMap<TypePath, BTreeSet<TypePath>> = BTreeMap::new();
    for (module, m) in &ir.modules {
        for item in &m.items {
            if let Item::Struct(s) = item {
                let from = TypePath {
                    module: module.clone(),
                    name: s.name.clone(),
                };
                let targets = s.fields.iter().filter_map(|f| match &f.ty.kind {
                    TyKind::Named(p) => Some(p.clone()),
                    _ => None,
                });
                edges.entry(from).or_default().extend(targets);
            }
        }
    }
    let reaches = |from: &TypePath, to: &TypePath| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(p) = stack.pop() {
            if &p == to {
                return true;
            }
            if seen.insert(p.clone()) {
                stack.extend(edges.get(&p).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut boxed: BTreeSet<(TypePath, TypePath)> = BTreeSet::new();
    for (from, targets) in &edges {
        for to in targets {
            if edges.contains_key(to) && reaches(to, from) {
                boxed.insert((from.clone(), to.clone()));
            }
        }
    }
    for (module, m) in &mut ir.modules {
        for item in &mut m.items {
            if let Item::Struct(s) = item {
                let from = TypePath {
                    module: module.clone(),
                    name: s.name.clone(),
                };
                for f in &mut s.fields {
                    if let TyKind::Named(p) = &f.ty.kind {
                        if boxed.contains(&(from.clone(), p.clone())) {
                            f.ty.kind = TyKind::Boxed(p.clone());
                        }
                    }
                }
            }
        }
    }
}

/// The modules of lexicons bound elsewhere (`extern_path`) and the Rust paths that stand for
/// them: the glob's fixed NSID segments (`com.atproto` of `com.atproto.*`, or the whole NSID)
/// are the given path, the rest of the module path follows it.
pub(super) fn extern_modules(
    modules: &BTreeMap<String, Vec<String>>,
    externs: &[(String, String)],
) -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    for (nsid, module) in modules {
        let Some((glob, root)) = externs.iter().find(|(g, _)| glob_match(g, nsid)) else {
            continue;
        };
        let fixed = match glob.split_once('*') {
            Some((fixed, _)) => fixed.matches('.').count(),
            None => module.len(),
        };
        let mut path = root.trim_end_matches(':').to_owned();
        for segment in &module[fixed.min(module.len())..] {
            path.push_str("::");
            path.push_str(segment);
        }
        out.insert(module.clone(), path);
    }
    out
}

/// Empties the modules of lexicons bound elsewhere, drops modules left with nothing in them,
/// and leaves their records and defs out of the root items.
pub(super) fn drop_externs(ir: &mut Ir) {
    for module in ir.externs.keys() {
        if let Some(m) = ir.modules.get_mut(module) {
            m.items.clear();
            m.nsid = None;
            m.doc = None;
        }
    }
    let child = |parent: &[String], name: &String| {
        let mut path = parent.to_vec();
        path.push(name.clone());
        path
    };
    loop {
        let empty: Vec<Vec<String>> = ir
            .modules
            .iter()
            .filter(|(path, m)| {
                !path.is_empty()
                    && m.nsid.is_none()
                    && m.items.is_empty()
                    && m.children
                        .iter()
                        .all(|c| !ir.modules.contains_key(&child(path, c)))
            })
            .map(|(path, _)| path.clone())
            .collect();
        if empty.is_empty() {
            break;
        }
        for path in empty {
            ir.modules.remove(&path);
        }
    }
    let kept: std::collections::BTreeSet<Vec<String>> = ir.modules.keys().cloned().collect();
    for (path, m) in &mut ir.modules {
        m.children.retain(|c| kept.contains(&child(path, c)));
    }
    let externs = &ir.externs;
    ir.records.retain(|r| !externs.contains_key(&r.path.module));
    ir.defs.retain(|d| !externs.contains_key(&d.path.module));
}
