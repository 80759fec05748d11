//! Constraint checks that generated `validate_at` methods call, one function per Lexicon rule.
//! Not a stable API: reached through `lexicon_runtime::__private`.
//!
//! Each pushes a [`Violation`] at the given path when the rule is broken and does nothing
//! otherwise; none allocates unless it reports.

use unicode_segmentation::UnicodeSegmentation;

use crate::error::{ValidationErrors, Violation};
use crate::formats::Format;
use crate::Path;

use crate::number::is_safe_integer;

fn graphemes(s: &str) -> u64 {
    s.graphemes(true).count() as u64
}

/// `maxLength` of a string: at most `max` UTF-8 bytes.
#[inline]
pub fn max_bytes(s: &str, max: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if s.len() as u64 > max {
        errors.push(
            path,
            Violation::StringTooLong {
                max,
                actual: s.len() as u64,
            },
        );
    }
}

/// `minLength` of a string: at least `min` UTF-8 bytes.
#[inline]
pub fn min_bytes(s: &str, min: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if (s.len() as u64) < min {
        errors.push(
            path,
            Violation::StringTooShort {
                min,
                actual: s.len() as u64,
            },
        );
    }
}

/// `maxGraphemes`: at most `max` extended grapheme clusters (counted only when the byte length
/// could exceed the limit).
#[inline]
pub fn max_graphemes(s: &str, max: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if s.len() as u64 > max {
        let actual = graphemes(s);
        if actual > max {
            errors.push(path, Violation::TooManyGraphemes { max, actual });
        }
    }
}

/// `minGraphemes`: at least `min` extended grapheme clusters.
#[inline]
pub fn min_graphemes(s: &str, min: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    let actual = graphemes(s);
    if actual < min {
        errors.push(path, Violation::TooFewGraphemes { min, actual });
    }
}

/// `enum` of a string: one of `allowed`.
#[inline]
pub fn str_in(s: &str, allowed: &[&str], path: &Path<'_>, errors: &mut ValidationErrors) {
    if !allowed.contains(&s) {
        let allowed = format!("{allowed:?}");
        errors.push(
            path,
            Violation::NotInEnum {
                allowed,
                actual: format!("{s:?}"),
            },
        );
    }
}

/// `const` of a string.
#[inline]
pub fn str_const(s: &str, expected: &str, path: &Path<'_>, errors: &mut ValidationErrors) {
    if s != expected {
        let (expected, actual) = (format!("{expected:?}"), format!("{s:?}"));
        errors.push(path, Violation::ConstMismatch { expected, actual });
    }
}

/// `minimum` of an integer.
#[inline]
pub fn int_min(v: i64, min: i64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if v < min {
        errors.push(path, Violation::IntegerTooSmall { min, actual: v });
    }
}

/// `maximum` of an integer.
#[inline]
pub fn int_max(v: i64, max: i64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if v > max {
        errors.push(path, Violation::IntegerTooBig { max, actual: v });
    }
}

/// `enum` of an integer.
#[inline]
pub fn int_in(v: i64, allowed: &[i64], path: &Path<'_>, errors: &mut ValidationErrors) {
    if !allowed.contains(&v) {
        let allowed = format!("{allowed:?}");
        errors.push(
            path,
            Violation::NotInEnum {
                allowed,
                actual: v.to_string(),
            },
        );
    }
}

/// `const` of an integer.
#[inline]
pub fn int_const(v: i64, expected: i64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if v != expected {
        let (expected, actual) = (expected.to_string(), v.to_string());
        errors.push(path, Violation::ConstMismatch { expected, actual });
    }
}

/// `const` of a boolean.
#[inline]
pub fn bool_const(v: bool, expected: bool, path: &Path<'_>, errors: &mut ValidationErrors) {
    if v != expected {
        let (expected, actual) = (expected.to_string(), v.to_string());
        errors.push(path, Violation::ConstMismatch { expected, actual });
    }
}

/// `maxLength` of an array: at most `max` items.
#[inline]
pub fn max_items(len: usize, max: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if len as u64 > max {
        errors.push(
            path,
            Violation::TooManyItems {
                max,
                actual: len as u64,
            },
        );
    }
}

/// `minLength` of an array: at least `min` items.
#[inline]
pub fn min_items(len: usize, min: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if (len as u64) < min {
        errors.push(
            path,
            Violation::TooFewItems {
                min,
                actual: len as u64,
            },
        );
    }
}

/// A string format (lenient datetime, language and CID rules in lenient mode).
#[inline]
pub fn format<F: Format>(v: &F, path: &Path<'_>, errors: &mut ValidationErrors) {
    format_str(v.as_ref(), F::KIND, path, errors);
}

/// A string format, for strings not held in a format type.
#[inline]
pub fn format_str(
    s: &str,
    format: crate::FormatKind,
    path: &Path<'_>,
    errors: &mut ValidationErrors,
) {
    let valid = if errors.is_lenient() {
        format.is_valid_lenient(s)
    } else {
        format.is_valid(s)
    };
    if !valid {
        errors.push(
            path,
            Violation::Format {
                format,
                value: s.to_owned(),
            },
        );
    }
}

/// The atproto integer range, ±(2^53 − 1), that every integer must respect (not checked in
/// lenient mode).
#[inline]
pub fn safe_integer(v: i64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if !is_safe_integer(v) && !errors.is_lenient() {
        errors.push(
            path,
            Violation::IntegerOutOfRange {
                actual: v.to_string(),
            },
        );
    }
}

/// `maxLength` of bytes.
#[inline]
pub fn max_byte_len(b: &crate::Bytes, max: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if b.0.len() as u64 > max {
        errors.push(
            path,
            Violation::BytesTooLong {
                max,
                actual: b.0.len() as u64,
            },
        );
    }
}

/// `minLength` of bytes.
#[inline]
pub fn min_byte_len(b: &crate::Bytes, min: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    if (b.0.len() as u64) < min {
        errors.push(
            path,
            Violation::BytesTooShort {
                min,
                actual: b.0.len() as u64,
            },
        );
    }
}

/// `accept` of a blob (not checked in lenient mode).
#[inline]
pub fn blob_accept(
    b: &crate::Blob,
    accept: &[&str],
    path: &Path<'_>,
    errors: &mut ValidationErrors,
) {
    if !errors.is_lenient() && !crate::special::mime_matches(b.mime_type(), accept) {
        let accept = format!("{accept:?}");
        errors.push(
            &path.field("mimeType"),
            Violation::BlobMimeType {
                accept,
                actual: b.mime_type().to_owned(),
            },
        );
    }
}

/// `maxSize` of a blob (not checked in lenient mode; a legacy blob has no size and fails it).
#[inline]
pub fn blob_max_size(b: &crate::Blob, max: u64, path: &Path<'_>, errors: &mut ValidationErrors) {
    let size = b.raw_size();
    if !errors.is_lenient() && size > 0 && size as u64 > max {
        errors.push(path, Violation::BlobTooBig { max, actual: size });
    }
}

/// The `$type` kept from the input of a named object, if any, must name the object (`nsid` and
/// `nsid#main` both name a main def). Ignored in lenient mode.
#[inline]
pub fn object_type(
    extra: &crate::Extra,
    expected: &str,
    path: &Path<'_>,
    errors: &mut ValidationErrors,
) {
    object_type_of(extra.get("$type"), expected, path, errors);
}

/// [`object_type`] of the `$type` already found in the object (`None` when it has none).
#[inline]
pub fn object_type_of(
    actual: Option<&serde_json::Value>,
    expected: &str,
    path: &Path<'_>,
    errors: &mut ValidationErrors,
) {
    let Some(actual) = actual else {
        return;
    };
    if errors.is_lenient() {
        return;
    }
    let ok = match actual {
        serde_json::Value::String(s) => {
            s == expected || (!expected.contains('#') && s.strip_suffix("#main") == Some(expected))
        }
        _ => false,
    };
    if !ok {
        errors.push(
            &path.field("$type"),
            Violation::WrongType {
                expected: expected.to_owned(),
                actual: actual.to_string(),
            },
        );
    }
}
