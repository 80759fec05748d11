//! The [`Validate`] trait, and its impls for the types generated code is made of.

use crate::error::{Mode, ValidationErrors, Violation};
use crate::{check, data, Blob, Bytes, CidLink, Extra, Path, Unknown};

/// A value that can check itself against the constraints of its Lexicon schema.
pub trait Validate {
    /// Pushes every violation in this value, with paths below `path`, onto `errors`.
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors);

    /// Checks the value and returns every violation, each with its JSON path.
    fn validate(&self) -> Result<(), ValidationErrors> {
        self.validate_with(Mode::Strict)
    }

    /// Checks the value as `mode`'s validator would.
    fn validate_with(&self, mode: Mode) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::with_mode(mode);
        self.validate_at(&Path::ROOT, &mut errors);
        errors.into_result()
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if let Some(v) = self {
            v.validate_at(path, errors);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        (**self).validate_at(path, errors);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        for (i, v) in self.iter().enumerate() {
            v.validate_at(&path.index(i), errors);
        }
    }
}

impl Validate for i64 {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        check::safe_integer(*self, path, errors);
    }
}

impl Validate for serde_json::Value {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        data::check_value(self, path, errors);
    }
}

impl Validate for String {
    fn validate_at(&self, _: &Path<'_>, _: &mut ValidationErrors) {}
}

impl Validate for bool {
    fn validate_at(&self, _: &Path<'_>, _: &mut ValidationErrors) {}
}

impl Validate for Extra {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        for (k, v) in self {
            data::check_value(v, &path.field(k), errors);
        }
    }
}

impl Validate for Unknown {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        self.intrinsic_checks(path, errors);
    }
}

impl Validate for Blob {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        self.intrinsic_checks(path, errors);
    }
}

impl Validate for Bytes {
    fn validate_at(&self, _: &Path<'_>, _: &mut ValidationErrors) {}
}

impl Validate for CidLink {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if !self.is_valid() {
            errors.push(
                path,
                Violation::InvalidCidLink {
                    value: self.as_str().to_owned(),
                },
            );
        }
    }
}

macro_rules! validate_format {
    ($($name:ident),*) => {$(
        impl Validate for crate::formats::$name {
            fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
                check::format(self, path, errors);
            }
        }
    )*};
}

crate::formats::for_each_format_type!(validate_format);
