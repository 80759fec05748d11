//! Structs for objects and records: the type, `Validate`, and hand-written serde impls that keep
//! undeclared properties, check `$type`, and read constraints leniently so that validation can
//! report every violation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::checks::value_checks;
use super::common::{self, doc_attrs, ident, rust_type, type_path, EmitOptions};
use crate::ir::{DefaultValue, Field, Struct, TyKind, TypeTag};
use crate::names::unraw;

/// How a field is held, from its presence rules. Defaults do not change it: as in the strict
/// reference (which validates without filling defaults), an absent property stays absent, so a
/// record round-trips unchanged; `<field>_or_default()` getters give the default.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Holding {
    /// `T`: required, or filled from a default.
    Plain,
    /// `Option<T>`: optional; absent is `None`.
    Optional,
    /// `Option<T>`: present, maybe `null`.
    Nullable,
    /// `Option<Option<T>>`: absent, `null`, or a value.
    OptionalNullable,
}

pub(super) fn holding(f: &Field) -> Holding {
    match (f.required, f.nullable) {
        (true, false) => Holding::Plain,
        (false, false) => Holding::Optional,
        (true, true) => Holding::Nullable,
        (false, true) => Holding::OptionalNullable,
    }
}

fn field_type(f: &Field, opts: &EmitOptions) -> TokenStream {
    let base = rust_type(&f.ty, opts);
    match holding(f) {
        Holding::Plain => base,
        Holding::Optional | Holding::Nullable => quote!(::std::option::Option<#base>),
        Holding::OptionalNullable => quote!(::std::option::Option<::std::option::Option<#base>>),
    }
}

/// Emits a struct with its impls.
pub fn emit_struct(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&s.name);
    let checked = common::checked_deserialize_impl(&name, opts);
    let doc = doc_attrs(s.doc.as_deref());
    let attrs = &opts.type_attributes;
    let extra = ident(&s.extra);
    let fields = s.fields.iter().map(|f| {
        let doc = field_doc(f);
        let fname = ident(&f.name);
        let ty = field_type(f, opts);
        quote!(#doc pub #fname: #ty,)
    });
    let inherent = emit_inherent(s, opts);
    let validate = emit_validate(s, opts);
    let serialize = emit_serialize(s, opts);
    let deserialize = emit_deserialize(s, opts);
    let builder = opts
        .builders
        .then(|| super::builders::emit_builder(s, opts));
    // An object grows: a new optional property is a compatible lexicon change, so code outside
    // the crate builds values with `new` or the builder, never a struct literal that would stop
    // compiling. With or without builders, the same rule.
    let grows = quote!(#[non_exhaustive]);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #grows
        #(#attrs)*
        pub struct #name {
            #(#fields)*
            /// Properties the schema does not declare, kept as raw JSON so that they round-trip.
            pub #extra: #rt::Extra,
        }

        #inherent
        #validate
        #serialize
        #deserialize

        #builder

        #checked
    }
}

/// The property's description, then its constraints in words.
fn field_doc(f: &Field) -> TokenStream {
    let mut doc = doc_attrs(f.doc.as_deref());
    let mut constraints = super::checks::describe(&f.ty.checks);
    if let TyKind::Array(item) = &f.ty.kind {
        let items = super::checks::describe(&item.checks);
        if !items.is_empty() {
            let sep = if constraints.is_empty() { "" } else { "; " };
            constraints = format!("{constraints}{sep}each item {items}");
        }
    }
    if !constraints.is_empty() {
        let line = format!(" Constraints: {constraints}.");
        if f.doc.is_some() {
            doc.extend(quote!(#[doc = ""]));
        }
        doc.extend(quote!(#[doc = #line]));
    }
    doc
}

fn emit_inherent(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&s.name);
    let consts = match &s.tag {
        TypeTag::Record { nsid, key } => quote! {
            /// The record's collection NSID, also its `$type`.
            pub const NSID: &str = #nsid;
            /// The record key type (`tid`, `nsid`, `any` or `literal:<value>`).
            pub const KEY: &str = #key;

            /// Checks a record key against this record's key type.
            pub fn validate_key(rkey: &str) -> ::std::result::Result<(), #rt::Error> {
                #rt::record::check_record_key(Self::NSID, Self::KEY, rkey)
            }
        },
        TypeTag::Object(type_id) => quote! {
            /// The `$type` that names this object in unions and may appear on it.
            pub const TYPE: &str = #type_id;
        },
        TypeTag::Inline => TokenStream::new(),
    };
    let record_impl = match &s.tag {
        TypeTag::Record { .. } => quote! {
            impl #rt::record::Record for #name {
                const NSID: &'static str = #name::NSID;
                const KEY: &'static str = #name::KEY;
            }
        },
        _ => TokenStream::new(),
    };
    let getters = s.fields.iter().filter_map(|f| default_getter(f, opts));
    let new = emit_new(s, opts);
    quote! {
        impl #name {
            #consts
            #new
            #(#getters)*

            /// Parses JSON and validates it: `Ok` holds only values the schema allows.
            #[inline]
            pub fn from_json(json: &str) -> ::std::result::Result<Self, #rt::Error> {
                #rt::json::from_json(json)
            }

            /// Serializes as compact JSON.
            #[inline]
            pub fn to_json(&self) -> ::std::string::String {
                #rt::json::to_json(self)
            }
        }
        #record_impl
    }
}

/// `new`: the required properties as arguments (in schema order), the optional ones absent.
fn emit_new(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let extra = ident(&s.extra);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.name);
        let base = rust_type(&f.ty, opts);
        match holding(f) {
            Holding::Plain => {
                args.push(quote!(#fname: impl ::std::convert::Into<#base>));
                inits.push(quote!(#fname: #fname.into(),));
            }
            Holding::Nullable => {
                args.push(quote!(#fname: ::std::option::Option<#base>));
                inits.push(quote!(#fname,));
            }
            Holding::Optional | Holding::OptionalNullable => {
                inits.push(quote!(#fname: ::std::option::Option::None,));
            }
        }
    }
    quote! {
        /// A value with the required properties given and the optional ones absent (set them
        /// on the value). It is not validated: `validate()` checks it.
        #[allow(clippy::too_many_arguments, clippy::new_without_default)]
        pub fn new(#(#args),*) -> Self {
            Self {
                #(#inits)*
                #extra: #rt::Extra::default(),
            }
        }
    }
}

fn emit_validate(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&s.name);
    let extra = ident(&s.extra);
    let checks = s.fields.iter().filter_map(|f| {
        let checks = value_checks(&f.ty, &quote!(v), opts);
        if checks.is_empty() {
            return None;
        }
        let fname = ident(&f.name);
        let json = &f.json;
        Some(match holding(f) {
            Holding::Plain => quote! {
                {
                    let path = &path.field(#json);
                    let v = &self.#fname;
                    #checks
                }
            },
            Holding::Optional | Holding::Nullable => quote! {
                if let ::std::option::Option::Some(v) = &self.#fname {
                    let path = &path.field(#json);
                    #checks
                }
            },
            Holding::OptionalNullable => quote! {
                if let ::std::option::Option::Some(::std::option::Option::Some(v)) = &self.#fname {
                    let path = &path.field(#json);
                    #checks
                }
            },
        })
    });
    let type_check = match &s.tag {
        TypeTag::Object(_) => Some(
            quote!(#rt::__private::check::object_type(&self.#extra, Self::TYPE, path, errors);),
        ),
        _ => None,
    };
    quote! {
        impl #rt::Validate for #name {
            fn validate_at(&self, path: &#rt::Path<'_>, errors: &mut #rt::ValidationErrors) {
                #type_check
                #(#checks)*
                #rt::Validate::validate_at(&self.#extra, path, errors);
            }
        }
    }
}

fn emit_serialize(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&s.name);
    let extra = ident(&s.extra);
    let type_id = match &s.tag {
        TypeTag::Record { .. } => quote!(::std::option::Option::Some(Self::NSID)),
        // A `$type` read from the input is kept with the undeclared properties and written first.
        TypeTag::Object(_) | TypeTag::Inline => quote!(self.#extra.get("$type")),
    };
    let entries = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let json = &f.json;
        match holding(f) {
            Holding::Plain | Holding::Nullable => {
                quote!(map.serialize_entry(#json, &self.#fname)?;)
            }
            Holding::Optional | Holding::OptionalNullable => quote! {
                if let ::std::option::Option::Some(v) = &self.#fname {
                    map.serialize_entry(#json, v)?;
                }
            },
        }
    });
    quote! {
        impl #rt::__private::ser::SerializeFields for #name {
            fn serialize_fields<M: #rt::serde::ser::SerializeMap>(
                &self,
                map: &mut M,
            ) -> ::std::result::Result<(), M::Error> {
                #(#entries)*
                #rt::__private::ser::extra(map, &self.#extra)
            }
        }

        impl #rt::serde::Serialize for #name {
            fn serialize<S: #rt::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                #rt::__private::ser::object(serializer, #type_id, self)
            }
        }
    }
}

/// A `<field>_or_default()` getter for an optional, non-nullable property with a default.
fn default_getter(f: &Field, opts: &EmitOptions) -> Option<TokenStream> {
    let d = f.default.as_ref()?;
    if f.required || f.nullable {
        return None;
    }
    let fname = ident(&f.name);
    let getter = format_ident!("{}_or_default", unraw(&f.name));
    let doc = format!(" `{}`, or the schema's default when it is absent.", f.json);
    let (ret, body) = match d {
        DefaultValue::Str(s) => match &f.ty.kind {
            TyKind::Format(_) => (
                quote!(&str),
                quote!(self.#fname.as_ref().map_or(#s, |v| v.as_str())),
            ),
            _ => (quote!(&str), quote!(self.#fname.as_deref().unwrap_or(#s))),
        },
        DefaultValue::Int(n) => {
            let n = proc_macro2::Literal::i64_unsuffixed(*n);
            (quote!(i64), quote!(self.#fname.unwrap_or(#n)))
        }
        DefaultValue::Bool(b) => (quote!(bool), quote!(self.#fname.unwrap_or(#b))),
        DefaultValue::Variant(path, variant) => {
            let path = type_path(path, opts);
            let variant = ident(variant);
            (
                path.clone(),
                quote!(self.#fname.clone().unwrap_or(#path::#variant)),
            )
        }
        DefaultValue::Other(path, value) => {
            let path = type_path(path, opts);
            let from = quote!(<#path as ::std::convert::From<&str>>::from(#value));
            (path, quote!(self.#fname.clone().unwrap_or_else(|| #from)))
        }
    };
    Some(quote! {
        #[doc = #doc]
        pub fn #getter(&self) -> #ret {
            #body
        }
    })
}

fn emit_deserialize(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&s.name);
    let extra = ident(&s.extra);
    let var = |f: &Field| format_ident!("f_{}", unraw(&f.name));
    let decls = s.fields.iter().map(|f| {
        let v = var(f);
        quote!(let mut #v = ::std::option::Option::None;)
    });
    let arms = s.fields.iter().map(|f| {
        let v = var(f);
        let json = &f.json;
        quote!(#json => #rt::__private::de::field(&mut map, &mut #v, #json)?,)
    });
    let (type_state, type_arm, type_required) = match &s.tag {
        TypeTag::Record { .. } => (
            quote!(let mut has_type = false;),
            quote! {
                "$type" => {
                    let t = map.next_value::<#rt::__private::de::Key<'de>>()?;
                    #rt::__private::de::check_type(&t.0, #name::NSID)?;
                    has_type = true;
                }
            },
            quote! {
                if !has_type {
                    return ::std::result::Result::Err(#rt::__private::de::missing_type());
                }
            },
        ),
        // A named object's `$type` is kept with the undeclared properties and checked by
        // validation (the lenient reference ignores it).
        TypeTag::Object(_) | TypeTag::Inline => {
            (TokenStream::new(), TokenStream::new(), TokenStream::new())
        }
    };
    let keep = quote! {
        let value = map.next_value::<#rt::serde_json::Value>()?;
        #rt::__private::de::insert_extra(&mut #extra, key.0, value)?;
    };
    let dispatch = if s.fields.is_empty() && type_arm.is_empty() {
        keep
    } else {
        quote! {
            match &*key.0 {
                #(#arms)*
                #type_arm
                _ => { #keep }
            }
        }
    };
    let inits = s.fields.iter().map(|f| {
        let v = var(f);
        let fname = ident(&f.name);
        let json = &f.json;
        let value = if f.required {
            quote!(#rt::__private::de::required(#v, #json)?)
        } else {
            quote!(#v)
        };
        quote!(#fname: #value,)
    });
    let type_id = match &s.tag {
        TypeTag::Record { nsid, .. } => Some(nsid.as_str()),
        TypeTag::Object(type_id) => Some(type_id.as_str()),
        TypeTag::Inline => s.body_id.as_deref(),
    };
    let lexicon = common::lexicon_fn(type_id, opts);
    let an = |word: &str| match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    };
    let expecting = match &s.tag {
        TypeTag::Record { nsid, .. } => format!("{} {nsid} record", an(nsid)),
        TypeTag::Object(type_id) => format!("{} {type_id} object", an(type_id)),
        TypeTag::Inline => format!("{} {} object", an(&s.name), s.name),
    };
    // A `$type` already read by a union: checked for a record, kept for an object.
    let pre_read = match &s.tag {
        TypeTag::Record { .. } => quote! {
            if let ::std::option::Option::Some(t) = type_id {
                #rt::__private::de::check_type(t, #name::NSID)?;
                has_type = true;
            }
        },
        TypeTag::Object(_) | TypeTag::Inline => quote! {
            if let ::std::option::Option::Some(t) = type_id {
                #extra.insert(::std::string::String::from("$type"), #rt::serde_json::Value::String(::std::string::String::from(t)));
            }
        },
    };
    quote! {
        impl<'de> #rt::__private::de::FromMap<'de> for #name {
            fn from_map<A: #rt::serde::de::MapAccess<'de>>(
                mut map: A,
                type_id: ::std::option::Option<&str>,
            ) -> ::std::result::Result<Self, A::Error> {
                #(#decls)*
                #type_state
                let mut #extra = #rt::Extra::new();
                #pre_read
                while let ::std::option::Option::Some(key) = map.next_key::<#rt::__private::de::Key<'de>>()? {
                    #dispatch
                }
                #type_required
                ::std::result::Result::Ok(#name {
                    #(#inits)*
                    #extra,
                })
            }
        }

        impl<'de> #rt::__private::de::Shape<'de> for #name {
            fn deserialize_shape<D: #rt::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                #rt::__private::de::deserialize_object(deserializer, #expecting)
            }

            #lexicon
        }
    }
}
