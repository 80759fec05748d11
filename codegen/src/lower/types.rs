//! Lowering of data types: objects (named and inline), string enums, fields, unions, and the
//! aliases of primitive defs.

use lexicon_runtime::FormatKind;

use crate::catalog::DefRef;
use crate::diag::pointer_push;
use crate::ir::*;
use crate::names::{pascal, snake, unraw, Scope};
use crate::schema::{self, Def};

use super::has_own_type;
use super::naming::enum_variants;
use super::Lowerer;

impl Lowerer<'_> {
    /// The type of a primitive def (string, integer, boolean, array, ...), lowered once.
    pub(super) fn alias_ty(&mut self, r: &DefRef) -> Option<Ty> {
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

    pub(super) fn lower_struct(
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
                maybe_setter: None,
            });
        }
        let extra = field_names.claim("extra".into());
        // The builder's setters are named after the fields; `build` must not be one of them.
        let build_fn = field_names.claim("build".into());
        // An optional property also gets a setter that takes an `Option`, named apart from all.
        for field in fields.iter_mut().filter(|f| !f.required) {
            let wanted = format!("maybe_{}", unraw(&field.name));
            field.maybe_setter = Some(field_names.claim(wanted));
        }
        let builder = self.claim(&path.module, format!("{}Builder", path.name));
        let item = Struct {
            name: path.name.clone(),
            doc: doc.map(str::to_owned),
            tag,
            fields,
            extra,
            builder,
            build_fn,
            body_id: None,
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

    pub(super) fn lower_string_enum(
        &mut self,
        path: &TypePath,
        type_id: Option<String>,
        s: &schema::StringSchema,
    ) {
        let (variants, other) = enum_variants(s);
        let item = StringEnum {
            name: path.name.clone(),
            type_id,
            doc: s.description.clone(),
            variants,
            other,
            checks: string_checks(s),
            format: s.format.as_deref().and_then(FormatKind::from_name),
        };
        self.module(&path.module).items.push(Item::StringEnum(item));
    }

    /// Lowers a property or item schema; nested types are named `{owner}{prop}`.
    pub(super) fn lower_field(
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
                self.lower_string_enum(&path, None, s);
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
                self.lower_named_union(nsid, &path, None, u, pointer)?;
                Ty {
                    kind: TyKind::Named(path),
                    checks: vec![],
                }
            }
        })
    }

    /// A union type named `path` (an inline union, or a named `union` def).
    pub(super) fn lower_named_union(
        &mut self,
        nsid: &str,
        path: &TypePath,
        type_id: Option<String>,
        u: &schema::UnionSchema,
        pointer: &str,
    ) -> Option<()> {
        let variants = self.union_variants(nsid, u, pointer)?;
        let mut scope = Scope::default();
        variants.iter().for_each(|v| {
            scope.claim(v.name.clone());
        });
        let other = (!u.closed).then(|| scope.claim("Unknown".into()));
        let item = Union {
            name: path.name.clone(),
            type_id,
            doc: u.description.clone(),
            variants,
            other,
        };
        self.module(&path.module).items.push(Item::Union(item));
        Some(())
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

/// Length and grapheme checks of a string schema.
fn string_checks(s: &schema::StringSchema) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(s.min_length.map(Check::MinBytes));
    checks.extend(s.max_length.map(Check::MaxBytes));
    checks.extend(s.min_graphemes.map(Check::MinGraphemes));
    checks.extend(s.max_graphemes.map(Check::MaxGraphemes));
    checks
}
