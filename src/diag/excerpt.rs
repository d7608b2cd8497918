//! What a rendered diagnostic shows of its source: only the lines around its
//! labels, each clipped to a window of [`MAX_LINE_CHARS`] characters and
//! escaped for the terminal ([`crate::term`]). A 3 MB line with one wrong
//! call shows a few hundred characters of it; an escape code in a comment
//! next to an error is shown as `\x1b`, not obeyed.
//!
//! The excerpt keeps the file's line numbers, and the header's line and
//! column are those of the original text (the column in characters).

use super::{Source, Span};
use crate::term;

/// The most characters of one source line shown.
pub const MAX_LINE_CHARS: usize = 500;

/// Characters shown before the first label of a clipped line.
const LEAD_CHARS: usize = 40;

/// A label over more lines than this is shown on its first line only.
const MAX_SPAN_LINES: usize = 8;

/// Lines shown before and after each label (miette's default).
const CONTEXT_LINES: usize = 1;

/// The shown part of a source, with its own spans.
pub(super) struct Excerpt {
    name: String,
    text: String,
    /// The source line (0-based) of the excerpt's first line.
    first_line: usize,
    /// Characters before the source's own first line (see [`Source::origin`]).
    origin: (usize, usize),
    /// One entry per excerpt line.
    lines: Vec<Shown>,
    /// The source's text, for columns in the header.
    source: std::sync::Arc<str>,
}

/// One line of the excerpt and where it comes from.
#[derive(Clone, Copy, Default)]
struct Shown {
    /// Byte offset of the line in the excerpt.
    at: usize,
    /// Byte offset of the source line's start.
    line_start: usize,
    /// The byte range of the source shown on this line.
    window: (usize, usize),
    /// Bytes of the `…` written before the window.
    prefix: usize,
}

impl Excerpt {
    /// The excerpt of `src` around `spans`, and the spans moved into it.
    pub(super) fn new(src: &Source, spans: &[Span]) -> (Excerpt, Vec<Span>) {
        let text: &str = &src.text;
        let spans: Vec<Span> = spans
            .iter()
            .map(|s| {
                let start = floor_boundary(text, s.start);
                Span::new(start, floor_boundary(text, s.end.max(start)))
            })
            .collect();
        // The line of every span's start and last byte.
        let mut offsets: Vec<usize> = spans
            .iter()
            .flat_map(|s| [s.start, s.end.saturating_sub(1).max(s.start)])
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        let line_of = |o: usize| offsets.binary_search(&o).map_or(0, |i| i);
        let lines_at = line_numbers(text, &offsets);
        // A label over many lines is cut to its first line.
        let spans: Vec<(Span, usize, usize)> = spans
            .iter()
            .map(|s| {
                let first = lines_at[line_of(s.start)];
                let last = lines_at[line_of(s.end.saturating_sub(1).max(s.start))];
                if last - first >= MAX_SPAN_LINES {
                    let end = text[s.start..]
                        .find('\n')
                        .map_or(text.len(), |i| s.start + i);
                    (Span::new(s.start, end), first, first)
                } else {
                    (*s, first, last)
                }
            })
            .collect();
        let mut wanted: Vec<usize> = spans
            .iter()
            .flat_map(|&(_, a, b)| a.saturating_sub(CONTEXT_LINES)..=b + CONTEXT_LINES)
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let first_line = wanted.first().copied().unwrap_or(0);
        let bounds = line_bounds(text, &wanted);
        let last_line = bounds.last().map_or(first_line, |b| b.0);

        let mut out = String::new();
        let mut lines = vec![Shown::default(); last_line + 1 - first_line];
        let mut next = bounds.iter().peekable();
        for (k, shown) in lines.iter_mut().enumerate() {
            let line = first_line + k;
            if k > 0 {
                out.push('\n');
            }
            shown.at = out.len();
            let Some(&&(_, start, end)) = next.peek().filter(|b| b.0 == line) else {
                continue;
            };
            next.next();
            let body = &text[start..end];
            let body = body.strip_suffix('\r').unwrap_or(body);
            let end = start + body.len();
            shown.line_start = start;
            // A clipped line is shown around its main label (the first span)
            // if it has it, else around its first label.
            let on_line = |(s, _, _): &&(Span, usize, usize)| s.start <= end && s.end >= start;
            let labelled = spans
                .first()
                .filter(on_line)
                .or_else(|| spans.iter().filter(on_line).min_by_key(|(s, _, _)| s.start))
                .map(|(s, _, _)| s.start.max(start));
            let chars = body.chars().count();
            let (ws, we) =
                if chars <= MAX_LINE_CHARS && !body.contains(|c| term::is_unsafe(c) && c != '\t') {
                    (start, end)
                } else {
                    let from = match labelled {
                        Some(lo) => {
                            let before = text[start..lo].chars().count();
                            char_offset(text, start, before.saturating_sub(LEAD_CHARS))
                        }
                        None => start,
                    };
                    (from, char_offset(text, from, MAX_LINE_CHARS).min(end))
                };
            if ws > start {
                out.push('…');
            }
            shown.prefix = out.len() - shown.at;
            shown.window = (ws, we);
            out.push_str(&term::escape_text(&text[ws..we]));
            if we < end {
                out.push('…');
            }
        }
        let excerpt = Excerpt {
            name: term::shown(&src.name, super::render::MAX_MESSAGE_CHARS),
            text: out,
            first_line,
            origin: src.origin,
            lines,
            source: src.text.clone(),
        };
        let moved = spans
            .iter()
            .map(|&(s, a, b)| {
                let start = excerpt.map(a, s.start);
                Span::new(start, excerpt.map(b, s.end).max(start))
            })
            .collect();
        (excerpt, moved)
    }

    /// The excerpt offset of source offset `o` on source line `line`.
    fn map(&self, line: usize, o: usize) -> usize {
        let Some(shown) = line
            .checked_sub(self.first_line)
            .and_then(|k| self.lines.get(k))
        else {
            return self.text.len();
        };
        let (ws, we) = shown.window;
        let base = shown.at + shown.prefix;
        if o <= ws {
            base
        } else {
            base + term::escaped_len(&self.source[ws..floor_boundary(&self.source, o.min(we))])
        }
    }

    /// The 0-based column, in characters of the source, of excerpt offset `e`.
    fn column(&self, e: usize) -> usize {
        let k = self.lines.partition_point(|l| l.at <= e).saturating_sub(1);
        let Some(shown) = self.lines.get(k) else {
            return 0;
        };
        let (ws, we) = shown.window;
        let mut left = e.saturating_sub(shown.at + shown.prefix);
        let mut o = ws;
        for c in self.source[ws..we].chars() {
            let n = term::escaped_len(c.encode_utf8(&mut [0; 4]));
            if left < n {
                break;
            }
            left -= n;
            o += c.len_utf8();
        }
        let col = self.source[shown.line_start..o].chars().count();
        if self.first_line + k == 0 {
            col + self.origin.1
        } else {
            col
        }
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // Without context lines, the contents start at the span: the header
        // shows its place in the original text.
        let column = if context_lines_before == 0 {
            self.column(span.offset())
        } else {
            inner.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line + self.origin.0,
            column,
            inner.line_count(),
        )))
    }
}

/// The 0-based line of each of the sorted `offsets`.
fn line_numbers(text: &str, offsets: &[usize]) -> Vec<usize> {
    let bytes = text.as_bytes();
    let (mut line, mut at) = (0, 0);
    offsets
        .iter()
        .map(|&o| {
            let o = o.min(bytes.len());
            if o > at {
                line += bytes[at..o].iter().filter(|&&b| b == b'\n').count();
                at = o;
            }
            line
        })
        .collect()
}

/// (line, start, end) of each of the sorted line numbers `wanted` that exist
/// (end excludes the line break).
fn line_bounds(text: &str, wanted: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::with_capacity(wanted.len());
    let mut want = wanted.iter().peekable();
    let mut start = 0;
    for (line, body) in text.split('\n').enumerate() {
        let Some(&&w) = want.peek() else { break };
        if w == line {
            out.push((line, start, start + body.len()));
            want.next();
        }
        start += body.len() + 1;
    }
    out
}

/// The byte offset `n` characters after `from` (or the end of the text).
fn char_offset(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

/// The largest character boundary at or before `i`.
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
