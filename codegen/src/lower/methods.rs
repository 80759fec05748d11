//! Lowering of XRPC methods: `Params`, `Input`, `Output`, `Message` and the error enum.

use crate::diag::pointer_push;
use crate::ir::*;
use crate::names::{pascal, Scope};
use crate::schema::{self, Def};

use super::Lowerer;

impl Lowerer<'_> {
    /// Lowers a query, procedure or subscription: `Params`, `Input`, `Output`, `Message` and
    /// `Error` types in the method's module, and the method's constants.
    pub(super) fn lower_method(&mut self, nsid: &str, module: &[String], def: &Def, pointer: &str) {
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
                self.lower_body(nsid, module, "input", b, &pointer_push(pointer, "input")),
            )
        });
        let output = output.map(|b| {
            (
                b.encoding.clone(),
                self.lower_body(nsid, module, "output", b, &pointer_push(pointer, "output")),
            )
        });
        // The message union becomes the module's `Message` type.
        let message = message.and_then(|m| {
            let at = pointer_push(&pointer_push(pointer, "message"), "schema");
            let ty = self.lower_field(nsid, module, "", "message", &m.schema, &at)?;
            if let (schema::Field::Union(_), TyKind::Named(path)) = (&m.schema, &ty.kind) {
                self.set_body_id(path, format!("{nsid}#(message)"));
            }
            Some(ty)
        });
        // `GetRecord`: the method's own name, for its error enum and its `Method` type.
        let method_name = pascal(nsid.rsplit('.').next().unwrap_or(nsid));
        let errors = (!errors.is_empty()).then(|| {
            // `GetRecordError`, not `Error`, which would shadow `lexicon_runtime::Error` (and
            // `std::error::Error`) in code that imports the module's items.
            let name = self.claim(module, format!("{method_name}Error"));
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
        // The type that implements `lexicon_runtime::xrpc::Method` (queries and procedures)
        // or `lexicon_runtime::xrpc::Subscription`.
        let marker = Some(self.claim(module, method_name.clone()));
        let method = Method {
            kind,
            nsid: nsid.to_owned(),
            marker,
            message,
            params,
            input,
            output,
            errors,
        };
        self.module(module).items.push(Item::Method(method));
    }

    /// The id in the runtime's lexicons of the inline object or union at `path`, a method body.
    fn set_body_id(&mut self, path: &TypePath, id: String) {
        for item in &mut self.module(&path.module).items {
            match item {
                Item::Struct(s) if s.name == path.name => s.body_id = Some(id),
                Item::Union(u) if u.name == path.name => u.type_id = Some(id),
                _ => continue,
            }
            return;
        }
    }

    /// Lowers a JSON body (`input` or `output`): an object becomes a struct, a ref an alias, a
    /// union an enum.
    fn lower_body(
        &mut self,
        nsid: &str,
        module: &[String],
        body_name: &str,
        body: &schema::Body,
        pointer: &str,
    ) -> Option<String> {
        let schema = body.schema.as_ref()?;
        let at = pointer_push(pointer, "schema");
        let name = &pascal(body_name);
        let body_id = format!("{nsid}#({body_name})");
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
                self.set_body_id(&path, body_id);
                Some(claimed)
            }
            schema::Field::Union(_) => {
                match self.lower_field(nsid, module, "", name, schema, &at)?.kind {
                    TyKind::Named(p) => {
                        self.set_body_id(&p, body_id);
                        Some(p.name)
                    }
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
}
