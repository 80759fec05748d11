//! Validation code for one value: calls into `lexicon_runtime::check`, one per constraint.

use proc_macro2::TokenStream;
use quote::quote;

use super::EmitOptions;
use crate::ir::{Check, Ty, TyKind};

/// The checks of `ty` on `v` (an expression of type `&T`), with `path: &Path` and `errors` in
/// scope. Empty when nothing can be wrong with such a value.
pub fn value_checks(ty: &Ty, v: &TokenStream, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let mut out = TokenStream::new();
    match &ty.kind {
        TyKind::Named(_) | TyKind::Boxed(_) | TyKind::Unknown | TyKind::CidLink | TyKind::Blob => {
            out.extend(quote!(#rt::Validate::validate_at(#v, path, errors);));
        }
        TyKind::Format(_) => {
            out.extend(quote!(#rt::check::format(#v, path, errors);));
        }
        TyKind::Integer => {
            out.extend(quote!(#rt::check::safe_integer(*#v, path, errors);));
        }
        TyKind::String | TyKind::Boolean | TyKind::Array(_) | TyKind::Bytes => {}
    }
    let scalar = match &ty.kind {
        TyKind::Format(_) => quote!(#v.as_str()),
        TyKind::Integer | TyKind::Boolean => quote!(*#v),
        TyKind::Array(_) => quote!(#v.len()),
        _ => quote!(#v),
    };
    for check in &ty.checks {
        out.extend(check_call(check, &scalar, opts));
    }
    if let TyKind::Array(item) = &ty.kind {
        let item_checks = value_checks(item, &quote!(item), opts);
        if !item_checks.is_empty() {
            out.extend(quote! {
                for (i, item) in #v.iter().enumerate() {
                    let path = &path.index(i);
                    #item_checks
                }
            });
        }
    }
    out
}

fn check_call(check: &Check, v: &TokenStream, opts: &EmitOptions) -> TokenStream {
    use proc_macro2::Literal;
    let rt = &opts.runtime;
    let c = quote!(#rt::check);
    let u = |n: &u64| Literal::u64_unsuffixed(*n);
    let i = |n: &i64| Literal::i64_unsuffixed(*n);
    match check {
        Check::MaxBytes(n) => {
            let n = u(n);
            quote!(#c::max_bytes(#v, #n, path, errors);)
        }
        Check::MinBytes(n) => {
            let n = u(n);
            quote!(#c::min_bytes(#v, #n, path, errors);)
        }
        Check::MaxGraphemes(n) => {
            let n = u(n);
            quote!(#c::max_graphemes(#v, #n, path, errors);)
        }
        Check::MinGraphemes(n) => {
            let n = u(n);
            quote!(#c::min_graphemes(#v, #n, path, errors);)
        }
        Check::StrConst(s) => quote!(#c::str_const(#v, #s, path, errors);),
        Check::IntMin(n) => {
            let n = i(n);
            quote!(#c::int_min(#v, #n, path, errors);)
        }
        Check::IntMax(n) => {
            let n = i(n);
            quote!(#c::int_max(#v, #n, path, errors);)
        }
        Check::IntIn(values) => {
            let values = values.iter().map(i);
            quote!(#c::int_in(#v, &[#(#values),*], path, errors);)
        }
        Check::IntConst(n) => {
            let n = i(n);
            quote!(#c::int_const(#v, #n, path, errors);)
        }
        Check::BoolConst(b) => quote!(#c::bool_const(#v, #b, path, errors);),
        Check::MaxByteLen(n) => {
            let n = u(n);
            quote!(#c::max_byte_len(#v, #n, path, errors);)
        }
        Check::MinByteLen(n) => {
            let n = u(n);
            quote!(#c::min_byte_len(#v, #n, path, errors);)
        }
        Check::BlobAccept(accept) => quote!(#c::blob_accept(#v, &[#(#accept),*], path, errors);),
        Check::BlobMaxSize(n) => {
            let n = u(n);
            quote!(#c::blob_max_size(#v, #n, path, errors);)
        }
        Check::MaxItems(n) => {
            let n = u(n);
            quote!(#c::max_items(#v, #n, path, errors);)
        }
        Check::MinItems(n) => {
            let n = u(n);
            quote!(#c::min_items(#v, #n, path, errors);)
        }
    }
}

/// The checks in words, for documentation: `at most 256 UTF-8 bytes, at least 1`.
pub fn describe(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| match c {
            Check::MaxBytes(n) => format!("at most {n} UTF-8 bytes"),
            Check::MinBytes(n) => format!("at least {n} UTF-8 bytes"),
            Check::MaxGraphemes(n) => format!("at most {n} graphemes"),
            Check::MinGraphemes(n) => format!("at least {n} graphemes"),
            Check::StrConst(s) => format!("exactly {s:?}"),
            Check::IntMin(n) => format!("at least {n}"),
            Check::IntMax(n) => format!("at most {n}"),
            Check::IntIn(v) => format!("one of {v:?}"),
            Check::IntConst(n) => format!("exactly {n}"),
            Check::BoolConst(b) => format!("exactly {b}"),
            Check::MaxItems(n) => format!("at most {n} items"),
            Check::MinItems(n) => format!("at least {n} items"),
            Check::MaxByteLen(n) => format!("at most {n} bytes"),
            Check::MinByteLen(n) => format!("at least {n} bytes"),
            Check::BlobAccept(a) => format!("MIME type one of {}", a.join(", ")),
            Check::BlobMaxSize(n) => format!("at most {n} bytes"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
