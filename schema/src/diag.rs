//! Diagnostics: what is wrong with a lexicon document, where, and under which rule.

use std::fmt;
use std::path::PathBuf;

/// `pointer` with `key` appended as one JSON-pointer segment.
pub use lexicon_runtime::lexicon::pointer_push;

/// Whether a diagnostic stops generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// The input cannot be generated from.
    Error,
    /// The input breaks a rule that the reference tooling does not enforce either; generation
    /// goes on with what the message says was assumed (an error with `--deny-warnings`).
    Warning,
}

/// What a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A lexicon file (or folder): `file`, `pointer` and `position` say where.
    Lexicon,
    /// A generator setting (a builder call or a command-line argument), by name:
    /// `module path`, `extern path`.
    Setting(&'static str),
    /// A stage of the generator failed on its own output (`prettyplease`, `rustfmt`): a bug in
    /// the generator, with the generated file in `file` when one is known.
    Generator(&'static str),
}

/// One problem found in the input, named by file, JSON pointer and rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The lexicon file (or folder) concerned.
    pub file: PathBuf,
    /// JSON pointer into the document (`/defs/main/record/properties/model`), empty for the
    /// whole file.
    pub pointer: String,
    /// Line and column (1-based) when known.
    pub position: Option<(usize, usize)>,
    /// The text of that line, shown with a caret under the column.
    pub line_text: Option<String>,
    /// Short name of the rule broken, such as `unresolved-ref`.
    pub rule: &'static str,
    /// What was expected and what was found.
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
    /// What the diagnostic is about: a lexicon, a setting, or the generator itself.
    pub origin: Origin,
}

impl Diagnostic {
    /// A diagnostic for `file` at `pointer`.
    pub fn new(
        file: impl Into<PathBuf>,
        pointer: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            pointer: pointer.into(),
            position: None,
            line_text: None,
            rule,
            message: message.into(),
            severity: Severity::Error,
            origin: Origin::Lexicon,
        }
    }

    /// An error in the generator's setting `name` (`module path`), not in any file.
    pub fn setting(name: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            origin: Origin::Setting(name),
            ..Diagnostic::new(PathBuf::new(), "", "option", message)
        }
    }

    /// A failure of the generator's `stage` on the code it generated (`file`, when one is
    /// known): a bug to report, not a problem in the input.
    pub fn internal(
        stage: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            origin: Origin::Generator(stage),
            ..Diagnostic::new(file, "", "internal", message)
        }
    }

    /// A warning for `file` at `pointer`: `message` says what was assumed.
    pub fn warning(
        file: impl Into<PathBuf>,
        pointer: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::new(file, pointer, rule, message)
        }
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}[{}]: {}", self.rule, self.message)?;
        match self.origin {
            Origin::Setting(name) => return write!(f, "\n  --> setting `{name}`"),
            Origin::Generator(stage) => {
                write!(f, "\n  = note: a bug in lexicon-codegen's `{stage}` stage")?;
            }
            Origin::Lexicon => {}
        }
        if self.file.as_os_str().is_empty() {
            return Ok(());
        }
        write!(f, "\n  --> {}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        if let (Some((line, col)), Some(text)) = (self.position, &self.line_text) {
            let width = line.to_string().len();
            let pad = " ".repeat(width);
            // Control characters would move a terminal's cursor: show them as U+FFFD, one
            // character for one, so that the caret still lines up.
            let shown: String = text
                .chars()
                .map(|c| {
                    if c.is_control() && c != '\t' {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect();
            let caret: String = shown
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{line} | {shown}\n{pad} | {caret}^")?;
        }
        Ok(())
    }
}

/// Every problem of a run, sorted by file and position so that output is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl From<Vec<Diagnostic>> for Diagnostics {
    /// Sorts the diagnostics and drops exact duplicates.
    fn from(diags: Vec<Diagnostic>) -> Self {
        Diagnostics(diags).finish()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Diagnostics {
    /// The diagnostics, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Fills in line, column and line text from the documents' texts where the pointer can be
    /// found, then sorts.
    pub fn located(mut self, texts: &std::collections::HashMap<PathBuf, String>) -> Self {
        for d in &mut self.0 {
            if d.line_text.is_some() {
                continue;
            }
            let Some(text) = texts.get(&d.file) else {
                continue;
            };
            let found = match d.position {
                Some((line, col)) => text
                    .lines()
                    .nth(line.saturating_sub(1))
                    .map(|t| (line.max(1), col.max(1), t.to_owned())),
                None if !d.pointer.is_empty() => {
                    crate::span::locate(text, &d.pointer).or_else(|| {
                        // A missing property: point at the closest parent that exists.
                        let mut parent = d.pointer.as_str();
                        while let Some(i) = parent.rfind('/') {
                            parent = &parent[..i];
                            if let Some(found) = crate::span::locate(text, parent) {
                                return Some(found);
                            }
                        }
                        None
                    })
                }
                None => None,
            };
            if let Some((line, col, line_text)) = found {
                d.position = Some((line, col));
                d.line_text = Some(line_text);
            }
        }
        self.finish()
    }

    /// Sorts the diagnostics and drops exact duplicates.
    fn finish(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The same, with every warning made an error (`--deny-warnings`).
    pub fn denied(mut self) -> Self {
        for d in &mut self.0 {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
                d.message.push_str(" (a warning, denied)");
            }
        }
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        let warnings = self.0.len() - errors;
        match (errors, warnings) {
            (_, 0) => write!(f, "{} in lexicons", plural(errors, "error")),
            (0, _) => write!(f, "{} in lexicons", plural(warnings, "warning")),
            _ => write!(
                f,
                "{} and {} in lexicons",
                plural(errors, "error"),
                plural(warnings, "warning")
            ),
        }
    }
}

impl std::error::Error for Diagnostics {}

impl std::error::Error for Diagnostic {}
