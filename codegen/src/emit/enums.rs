//! String enums: `knownValues` (open: any other string is kept) and `enum` (closed).

use proc_macro2::TokenStream;
use quote::quote;

use super::checks::value_checks;
use super::common::{self, doc_attrs, ident, EmitOptions};
use crate::ir::{StringEnum, Ty, TyKind};

/// Emits a string enum with its conversions, serde impls and `Validate`.
pub fn emit_string_enum(e: &StringEnum, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&e.name);
    let checked = common::checked_deserialize_impl(&name, opts);
    let lexicon = common::lexicon_fn(e.type_id.as_deref(), opts);
    let doc = doc_attrs(e.doc.as_deref());
    let attrs = &opts.type_attributes;
    let variant_idents: Vec<_> = e.variants.iter().map(|(v, _)| ident(v)).collect();
    let values: Vec<&String> = e.variants.iter().map(|(_, s)| s).collect();
    let variant_docs = values.iter().map(|v| format!(" `{v}`"));
    let other = e.other.as_ref().map(|o| ident(o));
    let other_variant = other.as_ref().map(|o| {
        quote! {
            /// Any other value (the set of known values is open).
            #o(::std::string::String),
        }
    });
    let other_as_str = other.as_ref().map(|o| quote!(Self::#o(s) => s,));

    // Checks on the string itself (length, graphemes, format), run on `as_str()`.
    let string_ty = Ty {
        kind: TyKind::String,
        checks: e.checks.clone(),
    };
    let mut checks = value_checks(&string_ty, &quote!(v), opts);
    if let Some(f) = e.format {
        let kind = quote::format_ident!("{}", f.type_name());
        checks.extend(
            quote!(#rt::__private::check::format_str(v, #rt::FormatKind::#kind, path, errors);),
        );
    }
    let validate = if checks.is_empty() {
        quote! {
            fn validate_at(&self, _: &#rt::Path<'_>, _: &mut #rt::ValidationErrors) {}
        }
    } else {
        quote! {
            fn validate_at(&self, path: &#rt::Path<'_>, errors: &mut #rt::ValidationErrors) {
                let v = self.as_str();
                #checks
            }
        }
    };

    let conversions = match &other {
        Some(o) => quote! {
            impl ::std::convert::From<&str> for #name {
                fn from(s: &str) -> Self {
                    match s {
                        #(#values => Self::#variant_idents,)*
                        _ => Self::#o(::std::string::String::from(s)),
                    }
                }
            }

            impl ::std::convert::From<::std::string::String> for #name {
                fn from(s: ::std::string::String) -> Self {
                    match s.as_str() {
                        #(#values => Self::#variant_idents,)*
                        _ => Self::#o(s),
                    }
                }
            }

            impl<'de> #rt::__private::de::Shape<'de> for #name {
                fn deserialize_shape<D: #rt::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    let s: #rt::__private::de::Key<'de> = #rt::serde::Deserialize::deserialize(deserializer)?;
                    ::std::result::Result::Ok(match s.0 {
                        ::std::borrow::Cow::Borrowed(s) => Self::from(s),
                        ::std::borrow::Cow::Owned(s) => Self::from(s),
                    })
                }

                #lexicon
            }
        },
        None => quote! {
            impl<'de> #rt::__private::de::Shape<'de> for #name {
                fn deserialize_shape<D: #rt::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    let s: #rt::__private::de::Key<'de> = #rt::serde::Deserialize::deserialize(deserializer)?;
                    Self::from_value(&s.0).ok_or_else(|| {
                        <D::Error as #rt::serde::de::Error>::unknown_variant(&s.0, Self::VALUES)
                    })
                }

                #lexicon
            }
        },
    };

    let closed_items = other.is_none().then(|| {
        quote! {
            /// Every allowed value.
            pub const VALUES: &[&str] = &[#(#values),*];

            /// The variant for `s`, if `s` is one of the allowed values.
            pub fn from_value(s: &str) -> ::std::option::Option<Self> {
                match s {
                    #(#values => ::std::option::Option::Some(Self::#variant_idents),)*
                    _ => ::std::option::Option::None,
                }
            }
        }
    });
    // An open set grows without breaking code that matches on it (`lexicon-codegen diff`: a new
    // known value is not a breaking change).
    let grows = other.is_some().then(|| quote!(#[non_exhaustive]));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #grows
        #(#attrs)*
        pub enum #name {
            #(#[doc = #variant_docs] #variant_idents,)*
            #other_variant
        }

        impl #name {
            #closed_items

            /// The string value.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variant_idents => #values,)*
                    #other_as_str
                }
            }
        }

        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #conversions

        impl #rt::serde::Serialize for #name {
            fn serialize<S: #rt::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #checked

        impl #rt::Validate for #name {
            #validate
        }
    }
}
