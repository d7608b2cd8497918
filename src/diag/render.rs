//! Rendering a [`Diagnostic`] for a terminal or a file, through miette.

use std::fmt;

use super::excerpt::Excerpt;
use super::{Diagnostic, Severity, Span};
use crate::term;

/// The most characters of a message shown (the rest is clipped in the middle).
pub const MAX_MESSAGE_CHARS: usize = 400;
/// The most characters of a help text or a label shown.
pub const MAX_HELP_CHARS: usize = 600;

impl Diagnostic {
    /// Renders for a terminal (`color`) or for a file, test or pipe (plain).
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false);
        let mut out = String::new();
        if handler
            .render_report(&mut out, &Rendered::new(self))
            .is_err()
        {
            out = term::escape_text(&self.to_string()).into_owned();
        }
        out
    }
}

/// Adapter from [`Diagnostic`] to miette's reporting traits: the source cut
/// to an [`Excerpt`], and every text clipped and escaped for the terminal.
struct Rendered<'a> {
    d: &'a Diagnostic,
    message: String,
    help: Option<String>,
    excerpt: Option<Excerpt>,
    /// The primary span then the related ones, moved into the excerpt.
    spans: Vec<Span>,
}

impl<'a> Rendered<'a> {
    fn new(d: &'a Diagnostic) -> Rendered<'a> {
        let text = |s: &str, max| term::escape_text(&term::clip(s, max)).into_owned();
        let (excerpt, spans) = match (&d.source, d.span) {
            (Some(src), Some(span)) => {
                let all: Vec<Span> = std::iter::once(span)
                    .chain(d.related.iter().map(|r| r.0))
                    .collect();
                let (e, spans) = Excerpt::new(src, &all);
                (Some(e), spans)
            }
            _ => (None, Vec::new()),
        };
        Rendered {
            d,
            message: text(&d.message, MAX_MESSAGE_CHARS),
            help: d.help.as_deref().map(|h| text(h, MAX_HELP_CHARS)),
            excerpt,
            spans,
        }
    }
}

/// A label as shown: one line, clipped and escaped.
fn label(s: &str) -> String {
    term::shown(s, MAX_HELP_CHARS)
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.d, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("bpc::{}", self.d.kind.code())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.excerpt.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let (&span, related) = self.spans.split_first()?;
        let primary = miette::LabeledSpan::new_primary_with_span(
            self.d.label.as_deref().map(label),
            (span.start, span.len()),
        );
        // A related label outside the part of a long line shown is left out.
        let shown = |(s, (o, _)): &(&Span, &(Span, String))| !s.is_empty() || o.is_empty();
        let related = related
            .iter()
            .zip(&self.d.related)
            .filter(shown)
            .map(|(s, (_, l))| {
                miette::LabeledSpan::new_with_span(Some(label(l)), (s.start, s.len()))
            });
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}
