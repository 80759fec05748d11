//! JSON paths of values being validated, built on the stack without allocating.

use std::fmt;

/// One step of a [`Path`].
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

/// Where a value sits in a JSON document: `$`, `$.priceCeiling.amount`, `$.tools[0].function`.
///
/// A path is a linked list of borrowed steps, so descending into a field costs nothing until an
/// error needs the path as text.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

impl Path<'static> {
    /// The document root, `$`.
    pub const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };
}

impl<'a> Path<'a> {
    /// The path of property `name` of the value at this path.
    pub fn field<'b>(&'b self, name: &'b str) -> Path<'b> {
        Path {
            parent: Some(self),
            step: Step::Field(name),
        }
    }

    /// The path of element `index` of the array at this path.
    pub fn index(&self, index: usize) -> Path<'_> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }
}

fn is_plain_key(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            fmt::Display::fmt(parent, f)?;
        }
        match self.step {
            Step::Root => f.write_str("$"),
            Step::Field(name) if is_plain_key(name) => write!(f, ".{name}"),
            Step::Field(name) => write!(f, "[{name:?}]"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn renders_fields_indices_and_odd_keys() {
        let root = Path::ROOT;
        let tools = root.field("tools");
        let first = tools.index(0);
        let odd = first.field("a b");
        assert_eq!(root.to_string(), "$");
        assert_eq!(first.field("function").to_string(), "$.tools[0].function");
        assert_eq!(odd.to_string(), "$.tools[0][\"a b\"]");
    }
}
