//! Validation code for one value: calls into `lexicon_runtime::__private::check`, one per constraint.

use proc_macro2::TokenStream;
use quote::quote;

use super::common::EmitOptions;
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
            out.extend(quote!(#rt::__private::check::format(#v, path, errors);));
        }
        TyKind::Integer => {
            out.extend(quote!(#rt::__private::check::safe_integer(*#v, path, errors);));
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
    let c = quote!(#rt::__private::check);
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
    // Limits of one unit (a minimum and a maximum) are said together, where they were first
    // named: "exactly 64 UTF-8 bytes", "1 to 64 items".
    let mut limits: Vec<Limit> = Vec::new();
    let mut limit = |unit: &'static str, min: Option<i128>, max: Option<i128>| match limits
        .iter_mut()
        .find(|l| l.unit == unit)
    {
        Some(l) => {
            l.min = l.min.or(min);
            l.max = l.max.or(max);
        }
        None => limits.push(Limit { unit, min, max }),
    };
    let mut texts = Vec::new();
    for c in checks {
        match c {
            Check::MaxBytes(n) => limit("UTF-8 byte", None, Some(i128::from(*n))),
            Check::MinBytes(n) => limit("UTF-8 byte", Some(i128::from(*n)), None),
            Check::MaxGraphemes(n) => limit("grapheme", None, Some(i128::from(*n))),
            Check::MinGraphemes(n) => limit("grapheme", Some(i128::from(*n)), None),
            Check::IntMin(n) => limit("", Some(i128::from(*n)), None),
            Check::IntMax(n) => limit("", None, Some(i128::from(*n))),
            Check::MaxItems(n) => limit("item", None, Some(i128::from(*n))),
            Check::MinItems(n) => limit("item", Some(i128::from(*n)), None),
            Check::MaxByteLen(n) | Check::BlobMaxSize(n) => {
                limit("byte", None, Some(i128::from(*n)))
            }
            Check::MinByteLen(n) => limit("byte", Some(i128::from(*n)), None),
            Check::StrConst(s) => texts.push(format!("exactly {s:?}")),
            Check::IntIn(v) => texts.push(format!("one of {v:?}")),
            Check::IntConst(n) => texts.push(format!("exactly {n}")),
            Check::BoolConst(b) => texts.push(format!("exactly {b}")),
            Check::BlobAccept(a) => texts.push(format!("MIME type one of {}", a.join(", "))),
        }
    }
    limits
        .iter()
        .map(Limit::text)
        .chain(texts)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The limits on one unit, in [`describe`].
struct Limit {
    /// The unit, singular; empty for plain numbers.
    unit: &'static str,
    min: Option<i128>,
    max: Option<i128>,
}

impl Limit {
    fn text(&self) -> String {
        let Limit { unit, min, max } = *self;
        let counted = |n: i128| match (unit, n) {
            ("", _) => n.to_string(),
            (_, 1) => format!("{n} {unit}"),
            _ => format!("{n} {unit}s"),
        };
        match (min, max) {
            (Some(lo), Some(hi)) if lo == hi => format!("exactly {}", counted(lo)),
            (Some(lo), Some(hi)) if unit.is_empty() => format!("from {lo} to {hi}"),
            (Some(lo), Some(hi)) => format!("{lo} to {}", counted(hi)),
            (Some(lo), None) => format!("at least {}", counted(lo)),
            (None, Some(hi)) => format!("at most {}", counted(hi)),
            (None, None) => String::new(),
        }
    }
}
