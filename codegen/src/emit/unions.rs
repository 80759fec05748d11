//! Unions: an enum with one boxed variant per member, tagged by `$type`; open unions keep other
//! members as raw JSON.

use proc_macro2::TokenStream;
use quote::quote;

use super::common::{self, doc_attrs, ident, type_path, EmitOptions};
use crate::ir::Union;

/// Emits a union enum with its serde impls and `Validate`.
pub fn emit_union(u: &Union, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&u.name);
    let checked = common::checked_deserialize_impl(&name, opts);
    let lexicon = common::lexicon_fn(u.type_id.as_deref(), opts);
    let doc = doc_attrs(u.doc.as_deref());
    let attrs = &opts.type_attributes;
    let variants: Vec<_> = u.variants.iter().map(|v| ident(&v.name)).collect();
    let paths: Vec<_> = u
        .variants
        .iter()
        .map(|v| type_path(&v.path, opts))
        .collect();
    let type_ids: Vec<&String> = u.variants.iter().map(|v| &v.type_id).collect();
    let variant_docs = type_ids.iter().map(|t| format!(" `{t}`"));
    // `nsid` and `nsid#main` name the same main def.
    let patterns = type_ids.iter().map(|t| {
        if t.contains('#') {
            quote!(#t)
        } else {
            let main = format!("{t}#main");
            quote!(#t | #main)
        }
    });
    // `Member -> Union` for each member type that appears once (`post.embed = images.into()`).
    let conversions: Vec<TokenStream> = u
        .variants
        .iter()
        .zip(&variants)
        .zip(&paths)
        .filter(|((v, _), _)| u.variants.iter().filter(|w| w.path == v.path).count() == 1)
        .map(|((_, variant), path)| {
            quote! {
                impl ::std::convert::From<#path> for #name {
                    fn from(member: #path) -> Self {
                        Self::#variant(::std::boxed::Box::new(member))
                    }
                }
            }
        })
        .collect();
    let other = u.other.as_ref().map(|o| ident(o));
    let other_variant = other.as_ref().map(|o| {
        quote! {
            /// A member of a type this union does not list (the union is open), kept as raw JSON.
            #o(#rt::Unknown),
        }
    });
    let other_ser = other
        .as_ref()
        .map(|o| quote!(Self::#o(v) => #rt::serde::Serialize::serialize(v, serializer),));
    let other_validate = other
        .as_ref()
        .map(|o| quote!(Self::#o(v) => #rt::Validate::validate_at(v, path, errors),));
    // Fast path: `$type` first (as atproto writers put it) dispatches without buffering; else
    // the object is buffered and dispatched on its `$type`.
    let patterns: Vec<TokenStream> = patterns.collect();
    let fast_fallback = match &other {
        Some(o) => quote! {
            _ => {
                let first = (::std::string::String::from("$type"), #rt::serde_json::Value::String(::std::string::String::from(t)));
                #rt::__private::de::rest_into_value(first, map).map(|v| #name::#o(#rt::__private::de::unknown(v)))
            }
        },
        None => {
            let listed = type_ids.iter().map(|t| t.as_str());
            quote! {
                other => ::std::result::Result::Err(#rt::__private::de::closed_union(other, &[#(#listed),*])),
            }
        }
    };
    let slow_fallback = match &other {
        Some(o) => quote!(_ => #rt::__private::de::from_value(value).map(#name::#o),),
        None => {
            let listed = type_ids.iter().map(|t| t.as_str());
            quote! {
                other => ::std::result::Result::Err(#rt::__private::de::closed_union(other, &[#(#listed),*])),
            }
        }
    };
    // An empty open union takes any object with a `$type`: no match to make.
    let (fast, slow) = match (&other, variants.is_empty()) {
        (Some(o), true) => (
            quote! {
                let first = (::std::string::String::from("$type"), #rt::serde_json::Value::String(::std::string::String::from(t)));
                return #rt::__private::de::rest_into_value(first, map).map(|v| #name::#o(#rt::__private::de::unknown(v)));
            },
            quote! {
                #rt::__private::de::union_type::<A::Error>(&value)?;
                #rt::__private::de::from_value(value).map(#name::#o)
            },
        ),
        _ => (
            quote! {
                return match t {
                    #(#patterns => <_ as #rt::__private::de::FromMap<'de>>::from_map(map, ::std::option::Option::Some(t)).map(|v| #name::#variants(::std::boxed::Box::new(v))),)*
                    #fast_fallback
                };
            },
            quote! {
                match #rt::__private::de::union_type::<A::Error>(&value)? {
                    #(#patterns => #rt::__private::de::from_value(value).map(#name::#variants),)*
                    #slow_fallback
                }
            },
        ),
    };
    let dispatch = quote! {
        let ::std::option::Option::Some(first) = map.next_key::<#rt::__private::de::Key<'de>>()? else {
            return ::std::result::Result::Err(<A::Error as #rt::serde::de::Error>::custom("a union member must have a `$type`"));
        };
        if first.0 == "$type" {
            let t: #rt::__private::de::Key<'de> = map.next_value()?;
            let t: &str = &t.0;
            #fast
        }
        let first_value = map.next_value::<#rt::serde_json::Value>()?;
        let value = #rt::__private::de::rest_into_value((first.0.into_owned(), first_value), map)?;
        #slow
    };
    let (ser_body, validate_body) = if variants.is_empty() && other.is_none() {
        (quote!(match *self {}), quote!(match *self {}))
    } else {
        (
            quote! {
                match self {
                    #(Self::#variants(v) => #rt::__private::ser::tagged(serializer, #type_ids, v),)*
                    #other_ser
                }
            },
            quote! {
                match self {
                    #(Self::#variants(v) => #rt::Validate::validate_at(v, path, errors),)*
                    #other_validate
                }
            },
        )
    };
    let (validate_params, serializer_param) = if variants.is_empty() && other.is_none() {
        (
            quote!(_: &#rt::Path<'_>, _: &mut #rt::ValidationErrors),
            quote!(_: S),
        )
    } else {
        (
            quote!(path: &#rt::Path<'_>, errors: &mut #rt::ValidationErrors),
            quote!(serializer: S),
        )
    };
    // An open union gains members without breaking code that matches on it.
    let grows = other.as_ref().map(|_| quote!(#[non_exhaustive]));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #grows
        #(#attrs)*
        pub enum #name {
            #(#[doc = #variant_docs] #variants(::std::boxed::Box<#paths>),)*
            #other_variant
        }

        impl #rt::serde::Serialize for #name {
            fn serialize<S: #rt::serde::Serializer>(
                &self,
                #serializer_param,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                #ser_body
            }
        }

        impl<'de> #rt::__private::de::Shape<'de> for #name {
            fn deserialize_shape<D: #rt::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;

                impl<'de> #rt::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("an object with a `$type` (a union member)")
                    }

                    fn visit_map<A: #rt::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<#name, A::Error> {
                        #dispatch
                    }
                }

                deserializer.deserialize_map(Visitor)
            }

            #lexicon
        }

        #checked

        impl #rt::Validate for #name {
            fn validate_at(&self, #validate_params) {
                #validate_body
            }
        }

        #(#conversions)*
    }
}
