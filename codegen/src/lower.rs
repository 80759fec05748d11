//! Lowering: the resolved catalog becomes the Rust-shaped [`Ir`], with every name decided.

use std::collections::{BTreeMap, HashMap};

use heck::ToShoutySnakeCase;
use lexicon_runtime::FormatKind;

use crate::catalog::{Catalog, DefRef};
use crate::diag::{pointer_push, Diagnostic};
use crate::ir::*;
use crate::names::{pascal, snake, unraw, Scope};
use crate::schema::{self, Def};

/// Lowers every document of the catalog.
pub fn lower(catalog: &Catalog, diags: &mut Vec<Diagnostic>) -> Ir {
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
    box_cycles(&mut l.ir);
    namespace_features(&mut l.ir);
    l.ir
}

/// The cargo feature of the namespace a module belongs to: its first two path segments.
pub fn feature_of(module: &[String]) -> String {
    module
        .iter()
        .take(2)
        .map(|s| unraw(s).replace('_', "-"))
        .collect::<Vec<_>>()
        .join("-")
}

/// Marks namespace modules with their feature and records which namespaces refer to which.
fn namespace_features(ir: &mut Ir) {
    fn refs(ty: &Ty, out: &mut Vec<TypePath>) {
        match &ty.kind {
            TyKind::Named(p) | TyKind::Boxed(p) => out.push(p.clone()),
            TyKind::Array(item) => refs(item, out),
            _ => {}
        }
    }
    let mut features: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
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
                .map(|t| feature_of(&t.module))
                .filter(|f| *f != feature),
        );
    }
    ir.features = features;
}

/// Boxes struct fields that hold a struct on a cycle back to themselves (`a.b: B`, `b.a:
/// Option<A>`), which would otherwise have infinite size. Arrays and unions already indirect.
fn box_cycles(ir: &mut Ir) {
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

/// Module paths for every NSID: snake-case segments, siblings de-duplicated in NSID order.
fn module_paths(catalog: &Catalog) -> BTreeMap<String, Vec<String>> {
    let mut by_raw: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let mut scopes: HashMap<Vec<String>, Scope> = HashMap::new();
    let mut out = BTreeMap::new();
    for loaded in catalog.docs() {
        let segments: Vec<String> = loaded.doc.id.split('.').map(str::to_owned).collect();
        let mut rust = Vec::new();
        for depth in 0..segments.len() {
            let raw = segments[..=depth].to_vec();
            let name = match by_raw.get(&raw) {
                Some(path) => path[depth].clone(),
                None => {
                    let parent = segments[..depth].to_vec();
                    let name = scopes
                        .entry(parent)
                        .or_default()
                        .claim(snake(&segments[depth]));
                    let mut path = rust.clone();
                    path.push(name.clone());
                    by_raw.insert(raw, path);
                    name
                }
            };
            rust.push(name);
        }
        out.insert(loaded.doc.id.clone(), rust);
    }
    out
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

/// Whether a def becomes a type of its own (rather than an alias inlined where used).
fn has_own_type(def: &Def) -> bool {
    match def {
        Def::Record(_) | Def::Object(_) => true,
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

    /// Names every def's type first, so that nested types never take a def's name.
    fn claim_names(&mut self) {
        for loaded in self.catalog.docs() {
            let doc = &loaded.doc;
            let module = self.modules[&doc.id].clone();
            let last = doc.id.rsplit('.').next().unwrap_or(&doc.id);
            let mut order: Vec<&String> = doc.defs.keys().filter(|n| *n == "main").collect();
            order.extend(doc.defs.keys().filter(|n| *n != "main"));
            for name in order {
                let def = &doc.defs[name];
                let r = DefRef {
                    nsid: doc.id.clone(),
                    name: name.clone(),
                };
                let wanted = if name == "main" {
                    pascal(last)
                } else {
                    pascal(name)
                };
                if def.has_data_form() {
                    let ty_name = self.claim(&module, wanted);
                    self.types.insert(
                        r,
                        TypePath {
                            module: module.clone(),
                            name: ty_name,
                        },
                    );
                }
            }
        }
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
        let mut consts = Scope::default();
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
                        key: key.clone(),
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
                        key,
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
                    self.lower_string_enum(&path, s);
                    self.ir.defs.push(DefEntry {
                        type_id: r.type_id(),
                        feature: feature_of(&path.module),
                        path,
                    });
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

    /// The type of a primitive def (string, integer, boolean, array, ...), lowered once.
    fn alias_ty(&mut self, r: &DefRef) -> Option<Ty> {
        match self.aliases.get(r) {
            Some(Some(ty)) => return Some(ty.clone()),
            Some(None) => {
                let pointer = pointer_push("/defs", &r.name);
                self.error(
                    &r.nsid,
                    &pointer,
                    "recursive-alias",
                    "this def refers to itself without an object in between",
                );
                return None;
            }
            None => {}
        }
        self.aliases.insert(r.clone(), None);
        let def = self.catalog.def(r)?.clone();
        let owner = self
            .types
            .get(r)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let pointer = pointer_push("/defs", &r.name);
        let field = match def {
            Def::String(s) => schema::Field::String(s),
            Def::Integer(s) => schema::Field::Integer(s),
            Def::Boolean(s) => schema::Field::Boolean(s),
            Def::Bytes(s) => schema::Field::Bytes(s),
            Def::CidLink(s) => schema::Field::CidLink(s),
            Def::Blob(s) => schema::Field::Blob(s),
            Def::Array(s) => schema::Field::Array(s),
            Def::Unknown(s) => schema::Field::Unknown(s),
            _ => return None,
        };
        let module = self.modules[&r.nsid].clone();
        let ty = self.lower_field(&r.nsid, &module, &owner, "", &field, &pointer)?;
        self.aliases.insert(r.clone(), Some(ty.clone()));
        Some(ty)
    }

    fn lower_struct(
        &mut self,
        nsid: &str,
        path: &TypePath,
        doc: Option<&str>,
        tag: TypeTag,
        obj: &schema::ObjectSchema,
        pointer: &str,
    ) {
        // The struct goes before the nested types its fields create.
        let position = self.module(&path.module).items.len();
        let mut field_names = Scope::default();
        let mut fields = Vec::new();
        let props = pointer_push(pointer, "properties");
        for (json, schema) in &obj.properties {
            let at = pointer_push(&props, json);
            let Some(ty) = self.lower_field(nsid, &path.module, &path.name, json, schema, &at)
            else {
                continue;
            };
            let default = self.default_value(nsid, schema, &ty);
            fields.push(Field {
                name: field_names.claim(snake(json)),
                json: json.clone(),
                doc: schema.description().map(str::to_owned),
                ty,
                required: obj.required.contains(json),
                nullable: obj.nullable.contains(json),
                default,
            });
        }
        let extra = field_names.claim("extra".into());
        let item = Struct {
            name: path.name.clone(),
            doc: doc.map(str::to_owned),
            tag,
            fields,
            extra,
        };
        self.module(&path.module)
            .items
            .insert(position, Item::Struct(item));
    }

    fn default_value(
        &mut self,
        nsid: &str,
        schema: &schema::Field,
        ty: &Ty,
    ) -> Option<DefaultValue> {
        let target;
        let schema = match schema {
            schema::Field::Ref(r) => {
                let resolved = self.catalog.resolve(nsid, &r.target).ok()?;
                target = match self.catalog.def(&resolved)? {
                    Def::String(s) => schema::Field::String(s.clone()),
                    Def::Integer(s) => schema::Field::Integer(s.clone()),
                    Def::Boolean(s) => schema::Field::Boolean(s.clone()),
                    _ => return None,
                };
                &target
            }
            other => other,
        };
        match (schema, &ty.kind) {
            (schema::Field::String(s), TyKind::Named(path)) => {
                let d = s.default.as_ref()?;
                let variant = enum_variants(s)
                    .0
                    .into_iter()
                    .find(|(_, v)| v == d)
                    .map(|(n, _)| n);
                Some(match variant {
                    Some(v) => DefaultValue::Variant(path.clone(), v),
                    None => DefaultValue::Other(path.clone(), d.clone()),
                })
            }
            (schema::Field::String(s), _) => s.default.clone().map(DefaultValue::Str),
            (schema::Field::Integer(s), _) => s.default.map(DefaultValue::Int),
            (schema::Field::Boolean(s), _) => s.default.map(DefaultValue::Bool),
            _ => None,
        }
    }

    fn lower_string_enum(&mut self, path: &TypePath, s: &schema::StringSchema) {
        let (variants, other) = enum_variants(s);
        let item = StringEnum {
            name: path.name.clone(),
            doc: s.description.clone(),
            variants,
            other,
            checks: string_checks(s),
            format: s.format.as_deref().and_then(FormatKind::from_name),
        };
        self.module(&path.module).items.push(Item::StringEnum(item));
    }

    /// Lowers a property or item schema; nested types are named `{owner}{prop}`.
    fn lower_field(
        &mut self,
        nsid: &str,
        module: &[String],
        owner: &str,
        prop: &str,
        field: &schema::Field,
        pointer: &str,
    ) -> Option<Ty> {
        use schema::Field as F;
        let nested_name = |l: &mut Self, suffix: &str| {
            let wanted = format!("{}{}", unraw(owner), unraw(&pascal(suffix)));
            l.claim(module, wanted)
        };
        Some(match field {
            F::String(s) if !s.known_values.is_empty() || s.enum_.is_some() => {
                let name = nested_name(self, prop);
                let path = TypePath {
                    module: module.to_vec(),
                    name,
                };
                self.lower_string_enum(&path, s);
                Ty {
                    kind: TyKind::Named(path),
                    checks: vec![],
                }
            }
            F::String(s) => {
                let kind = match s.format.as_deref().and_then(FormatKind::from_name) {
                    Some(f) => TyKind::Format(f),
                    None => TyKind::String,
                };
                let mut checks = string_checks(s);
                if let Some(c) = &s.const_ {
                    checks.push(Check::StrConst(c.clone()));
                }
                Ty { kind, checks }
            }
            F::Integer(i) => {
                let mut checks = Vec::new();
                match (&i.const_, &i.enum_) {
                    (Some(c), _) => checks.push(Check::IntConst(*c)),
                    (None, Some(values)) => checks.push(Check::IntIn(values.clone())),
                    (None, None) => {
                        checks.extend(i.minimum.map(Check::IntMin));
                        checks.extend(i.maximum.map(Check::IntMax));
                    }
                }
                Ty {
                    kind: TyKind::Integer,
                    checks,
                }
            }
            F::Boolean(b) => Ty {
                kind: TyKind::Boolean,
                checks: b.const_.map(Check::BoolConst).into_iter().collect(),
            },
            F::Array(a) => {
                let item_prop = format!("{prop} item");
                let items = self.lower_field(
                    nsid,
                    module,
                    owner,
                    &item_prop,
                    &a.items,
                    &pointer_push(pointer, "items"),
                )?;
                let mut checks = Vec::new();
                checks.extend(a.min_length.map(Check::MinItems));
                checks.extend(a.max_length.map(Check::MaxItems));
                Ty {
                    kind: TyKind::Array(Box::new(items)),
                    checks,
                }
            }
            F::Object(o) => {
                let name = nested_name(self, prop);
                let path = TypePath {
                    module: module.to_vec(),
                    name,
                };
                self.lower_struct(
                    nsid,
                    &path,
                    o.description.as_deref(),
                    TypeTag::Inline,
                    o,
                    pointer,
                );
                Ty {
                    kind: TyKind::Named(path),
                    checks: vec![],
                }
            }
            F::Ref(r) => {
                let resolved = match self.catalog.resolve(nsid, &r.target) {
                    Ok(resolved) => resolved,
                    Err(message) => {
                        self.error(
                            nsid,
                            &pointer_push(pointer, "ref"),
                            "unresolved-ref",
                            message,
                        );
                        return None;
                    }
                };
                let def = self.catalog.def(&resolved)?;
                if has_own_type(def) {
                    Ty {
                        kind: TyKind::Named(self.types[&resolved].clone()),
                        checks: vec![],
                    }
                } else {
                    self.alias_ty(&resolved)?
                }
            }
            F::Unknown(_) => Ty {
                kind: TyKind::Unknown,
                checks: vec![],
            },
            F::Bytes(b) => {
                let mut checks = Vec::new();
                checks.extend(b.min_length.map(Check::MinByteLen));
                checks.extend(b.max_length.map(Check::MaxByteLen));
                Ty {
                    kind: TyKind::Bytes,
                    checks,
                }
            }
            F::CidLink(_) => Ty {
                kind: TyKind::CidLink,
                checks: vec![],
            },
            F::Blob(b) => {
                let mut checks = Vec::new();
                checks.extend(b.accept.clone().map(Check::BlobAccept));
                checks.extend(b.max_size.map(Check::BlobMaxSize));
                Ty {
                    kind: TyKind::Blob,
                    checks,
                }
            }
            F::Union(u) => {
                let name = nested_name(self, prop);
                let path = TypePath {
                    module: module.to_vec(),
                    name,
                };
                let variants = self.union_variants(nsid, u, pointer)?;
                let mut scope = Scope::default();
                variants.iter().for_each(|v| {
                    scope.claim(v.name.clone());
                });
                let other = (!u.closed).then(|| scope.claim("Unknown".into()));
                let item = Union {
                    name: path.name.clone(),
                    doc: u.description.clone(),
                    variants,
                    other,
                };
                self.module(module).items.push(Item::Union(item));
                Ty {
                    kind: TyKind::Named(path),
                    checks: vec![],
                }
            }
        })
    }
}

impl Lowerer<'_> {
    /// Lowers a query, procedure or subscription: `Params`, `Input`, `Output`, `Message` and
    /// `Error` types in the method's module, and the method's constants.
    fn lower_method(&mut self, nsid: &str, module: &[String], def: &Def, pointer: &str) {
        let (kind, params, input, output, message, errors) = match def {
            Def::Query(q) => (
                "query",
                q.parameters.as_ref(),
                None,
                q.output.as_ref(),
                None,
                &q.errors,
            ),
            Def::Procedure(p) => (
                "procedure",
                p.parameters.as_ref(),
                p.input.as_ref(),
                p.output.as_ref(),
                None,
                &p.errors,
            ),
            Def::Subscription(s) => (
                "subscription",
                s.parameters.as_ref(),
                None,
                None,
                s.message.as_ref(),
                &s.errors,
            ),
            _ => return,
        };
        let params = params.map(|p| {
            let name = self.claim(module, "Params".into());
            let path = TypePath {
                module: module.to_vec(),
                name: name.clone(),
            };
            let obj = schema::ObjectSchema {
                description: p.description.clone(),
                properties: p.properties.clone(),
                required: p.required.clone(),
                nullable: Vec::new(),
            };
            let at = pointer_push(pointer, "parameters");
            self.lower_struct(
                nsid,
                &path,
                Some("The method's parameters (the URL query string)."),
                TypeTag::Inline,
                &obj,
                &at,
            );
            let specs = p
                .properties
                .iter()
                .map(|(k, f)| {
                    let (item, array) = match f {
                        schema::Field::Array(a) => (&*a.items, true),
                        other => (other, false),
                    };
                    let kind = match item {
                        schema::Field::Integer(_) => "Integer",
                        schema::Field::Boolean(_) => "Boolean",
                        _ => "String",
                    };
                    ParamSpec {
                        name: k.clone(),
                        kind,
                        array,
                    }
                })
                .collect();
            (name, specs)
        });
        let input = input.map(|b| {
            (
                b.encoding.clone(),
                self.lower_body(nsid, module, "Input", b, &pointer_push(pointer, "input")),
            )
        });
        let output = output.map(|b| {
            (
                b.encoding.clone(),
                self.lower_body(nsid, module, "Output", b, &pointer_push(pointer, "output")),
            )
        });
        let message = message.and_then(|m| {
            let at = pointer_push(&pointer_push(pointer, "message"), "schema");
            match self
                .lower_field(nsid, module, "", "message", &m.schema, &at)?
                .kind
            {
                TyKind::Named(p) => Some(p.name),
                _ => None,
            }
        });
        let errors = (!errors.is_empty()).then(|| {
            // `GetRecordError`, not `Error`, which would shadow `lexicon_runtime::Error` (and
            // `std::error::Error`) in code that imports the module's items.
            let method = nsid.rsplit('.').next().unwrap_or(nsid);
            let name = self.claim(module, format!("{}Error", pascal(method)));
            let mut scope = Scope::with_reserved(&["Other"]);
            let variants = errors
                .iter()
                .map(|e| ErrorVariant {
                    variant: scope.claim(pascal(&e.name)),
                    name: e.name.clone(),
                    doc: e.description.clone(),
                })
                .collect();
            (name, variants)
        });
        let method = Method {
            kind,
            nsid: nsid.to_owned(),
            params,
            input,
            output,
            message,
            errors,
        };
        self.module(module).items.push(Item::Method(method));
    }

    /// Lowers a JSON body: an object becomes a struct, a ref an alias, a union an enum.
    fn lower_body(
        &mut self,
        nsid: &str,
        module: &[String],
        name: &str,
        body: &schema::Body,
        pointer: &str,
    ) -> Option<String> {
        let schema = body.schema.as_ref()?;
        let at = pointer_push(pointer, "schema");
        match schema {
            schema::Field::Object(o) => {
                let claimed = self.claim(module, name.into());
                let path = TypePath {
                    module: module.to_vec(),
                    name: claimed.clone(),
                };
                self.lower_struct(
                    nsid,
                    &path,
                    body.description.as_deref().or(o.description.as_deref()),
                    TypeTag::Inline,
                    o,
                    &at,
                );
                Some(claimed)
            }
            schema::Field::Union(_) => {
                match self.lower_field(nsid, module, "", name, schema, &at)?.kind {
                    TyKind::Named(p) => Some(p.name),
                    _ => None,
                }
            }
            other => {
                let ty = self.lower_field(nsid, module, "", name, other, &at)?;
                let claimed = self.claim(module, name.into());
                let alias = Alias {
                    name: claimed.clone(),
                    doc: body.description.clone(),
                    ty,
                };
                self.module(module).items.push(Item::Alias(alias));
                Some(claimed)
            }
        }
    }

    /// The members of a union, named after their types (or their full `$type` on a clash).
    fn union_variants(
        &mut self,
        nsid: &str,
        u: &schema::UnionSchema,
        pointer: &str,
    ) -> Option<Vec<UnionVariant>> {
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mut scope = Scope::with_reserved(&["Unknown"]);
        for (i, r) in u.refs.iter().enumerate() {
            let resolved = match self.catalog.resolve(nsid, r) {
                Ok(resolved) => resolved,
                Err(message) => {
                    let at = pointer_push(&pointer_push(pointer, "refs"), &i.to_string());
                    self.error(nsid, &at, "unresolved-ref", message);
                    return None;
                }
            };
            let target = self.types.get(&resolved)?.clone();
            let type_id = resolved.type_id();
            if variants.iter().any(|v| v.type_id == type_id) {
                continue;
            }
            let wanted = pascal(&target.name);
            let name = if scope.is_free(&wanted) {
                wanted
            } else {
                pascal(&type_id)
            };
            variants.push(UnionVariant {
                name: scope.claim(name),
                type_id,
                path: target,
            });
        }
        Some(variants)
    }
}

/// Variant names and values of a string enum, and the name of the catch-all variant of an open
/// one. A pure function of the schema, so that defaults can name variants before the enum exists.
fn enum_variants(s: &schema::StringSchema) -> (Vec<(String, String)>, Option<String>) {
    let mut scope = Scope::default();
    let values: Vec<&String> = match &s.enum_ {
        Some(values) => values.iter().collect(),
        None => s.known_values.iter().collect(),
    };
    let variants = values
        .into_iter()
        .map(|v| {
            // Token references (`nsid#name`) are named after their def name.
            let short = v.rsplit('#').next().unwrap_or(v);
            (scope.claim(pascal(short)), v.clone())
        })
        .collect();
    let other = s.enum_.is_none().then(|| scope.claim("Other".into()));
    (variants, other)
}

/// Length and grapheme checks of a string schema.
fn string_checks(s: &schema::StringSchema) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(s.min_length.map(Check::MinBytes));
    checks.extend(s.max_length.map(Check::MaxBytes));
    checks.extend(s.min_graphemes.map(Check::MinGraphemes));
    checks.extend(s.max_graphemes.map(Check::MaxGraphemes));
    checks
}

/// A `SHOUTY_SNAKE` constant name for a token.
fn sanitize_const(name: &str) -> String {
    let s = name.to_shouty_snake_case();
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match s.chars().next() {
        None => "TOKEN".into(),
        Some(c) if c.is_ascii_digit() => format!("_{s}"),
        Some(_) => s,
    }
}
