//! Errors are data: a [`Diagnostic`] says where (a byte [`Span`] in a
//! [`Source`]), what (an [`ErrorKind`] and a message), and how to fix it
//! (optional help). The library returns them; the CLI renders them once.

use std::fmt;
use std::sync::Arc;

mod excerpt;
mod render;

pub use excerpt::MAX_LINE_CHARS;
pub use render::{MAX_HELP_CHARS, MAX_MESSAGE_CHARS};

/// A byte range in a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span (a point).
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A value with the place in the source it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Sp<T> {
        Sp { value, span }
    }
}

/// A named text that diagnostics point into: a spec file, or a `--set` value.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name shown to people (a path as the user typed it, or `--set`).
    pub name: String,
    /// The whole text.
    pub text: Arc<str>,
    /// Where `text` starts in the file it was cut from: lines before it, and
    /// characters before it on its first line (0 and 0 for a whole file).
    pub origin: (usize, usize),
}

impl Source {
    /// A source named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
            origin: (0, 0),
        }
    }

    /// A piece of a file, `text`, that starts at 1-based `line` and `column`
    /// (in characters) of the file `name`: messages show the piece only, at
    /// its place in the file (a CSV error shows one cell, not its neighbours).
    pub fn piece(
        name: impl Into<String>,
        text: impl Into<Arc<str>>,
        line: usize,
        column: usize,
    ) -> Source {
        Source {
            origin: (line.saturating_sub(1), column.saturating_sub(1)),
            ..Source::new(name, text)
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let mut col = before.get(line_start..).unwrap_or("").chars().count();
        if line == 0 {
            col += self.origin.1;
        }
        (line + self.origin.0 + 1, col + 1)
    }
}

/// What went wrong, as a stable code (shown as `bpc::code` in messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The file is not valid YAML, or its structure is not that of a spec.
    Yaml,
    /// A top-level key or field bpc does not know.
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// A name that is not a valid identifier.
    BadName,
    /// A name defined twice.
    DuplicateName,
    /// A reference to a name that is not defined.
    UnknownName,
    /// An op bpc does not know.
    UnknownOp,
    /// An op called with the wrong number of arguments.
    Arity,
    /// An attribute the op does not take.
    UnknownAttribute,
    /// An attribute or setting with a value of the wrong kind.
    BadValue,
    /// A tensor literal that is not rectangular, or not numeric.
    BadTensor,
    /// Shapes that do not fit together.
    Shape,
    /// The graph has a cycle.
    Cycle,
    /// A limit that protects the machine was exceeded.
    Limit,
    /// A command-line argument that does not fit the spec.
    Usage,
    /// A value became NaN or infinite.
    NonFinite,
    /// A data set (CSV or inline) that cannot be bound.
    Data,
}

impl ErrorKind {
    /// The short code shown with the message.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::Yaml => "yaml",
            ErrorKind::UnknownKey => "unknown-key",
            ErrorKind::MissingKey => "missing-key",
            ErrorKind::BadName => "bad-name",
            ErrorKind::DuplicateName => "duplicate-name",
            ErrorKind::UnknownName => "unknown-name",
            ErrorKind::UnknownOp => "unknown-op",
            ErrorKind::Arity => "arity",
            ErrorKind::UnknownAttribute => "unknown-attribute",
            ErrorKind::BadValue => "bad-value",
            ErrorKind::BadTensor => "bad-tensor",
            ErrorKind::Shape => "shape",
            ErrorKind::Cycle => "cycle",
            ErrorKind::Limit => "limit",
            ErrorKind::Usage => "usage",
            ErrorKind::NonFinite => "non-finite",
            ErrorKind::Data => "data",
        }
    }
}

/// One problem, with where it is and how to fix it. Boxed, so that
/// `Result<T, Diagnostic>` stays one pointer wide on the happy path; its
/// fields are reached through `Deref` (`d.message`, `d.span`).
#[derive(Clone, Debug)]
pub struct Diagnostic(Box<Details>);

/// What a [`Diagnostic`] holds.
#[derive(Clone, Debug)]
pub struct Details {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// One sentence: what was found, what was expected.
    pub message: String,
    /// The source it points into, if any.
    pub source: Option<Source>,
    /// Where, in `source`.
    pub span: Option<Span>,
    /// A short text under the underline.
    pub label: Option<String>,
    /// Further places, each with its own label (for example the first definition).
    pub related: Vec<(Span, String)>,
    /// How to fix it.
    pub help: Option<String>,
    /// An error (the command fails) or a warning (it goes on).
    pub severity: Severity,
}

/// Whether a diagnostic stops the command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    /// The command fails.
    #[default]
    Error,
    /// Printed; the command goes on.
    Warning,
}

impl Diagnostic {
    /// A diagnostic with a message and no location.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic(Box::new(Details {
            kind,
            message: message.into(),
            source: None,
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
            severity: Severity::Error,
        }))
    }

    /// The same diagnostic with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> Diagnostic {
        self.0.message = message.into();
        self
    }

    /// Points the diagnostic at `span` in `source`, with a label.
    pub fn at(mut self, source: &Source, span: Span, label: impl Into<String>) -> Diagnostic {
        self.source = Some(source.clone());
        self.span = Some(span);
        let label = label.into();
        self.label = (!label.is_empty()).then_some(label);
        self
    }

    /// Adds a second place in the same source.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }

    /// Adds a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a suggestion if there is one.
    pub fn maybe_help(self, help: Option<String>) -> Diagnostic {
        match help {
            Some(h) => self.help(h),
            None => self,
        }
    }

    /// `file:line:col` of the primary span, if there is one.
    pub fn location(&self) -> Option<String> {
        let (source, span) = (self.source.as_ref()?, self.span?);
        let (line, col) = source.line_col(span.start);
        Some(format!("{}:{line}:{col}", source.name))
    }

    /// The same diagnostic as a warning: printed, but the command goes on.
    pub fn warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }
}

impl std::ops::Deref for Diagnostic {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Diagnostic {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = self.location() {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Every problem found by one pass, in the order found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

/// How many errors one pass reports before it stops listing them.
pub const MAX_ERRORS: usize = 20;

impl Diagnostics {
    /// Records a problem (past [`MAX_ERRORS`] they are counted, not kept).
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Renders every diagnostic, with a closing count when there are several.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for (i, d) in self.0.iter().take(MAX_ERRORS).enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&d.render(color));
        }
        let n = self.0.len();
        if n > MAX_ERRORS {
            out.push_str(&format!("... and {} more errors\n", n - MAX_ERRORS));
        }
        if n > 1 {
            out.push_str(&format!("error: {n} problems found\n"));
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The valid name closest to `name`, for "did you mean" help.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, c)| *score > 0.8 || c.eq_ignore_ascii_case(name))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "did you mean `x`?" when a close name exists.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("f.yaml", "a: 1\nbé: x\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(5), (2, 1));
        // "bé: " is 5 bytes and 4 characters, so `x` is column 5.
        assert_eq!(s.line_col(10), (2, 5));
    }

    #[test]
    fn suggestions_pick_near_misses_only() {
        let names = ["fruit_price", "total_price", "b_TAX"];
        assert_eq!(closest("fruit_prce", names), Some("fruit_price"));
        assert_eq!(closest("b_tax", names), Some("b_TAX"));
        assert_eq!(closest("zzz", names), None);
    }
}
