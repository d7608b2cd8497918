//! When the YAML does not parse, the lines themselves are read for the two
//! layout mistakes the parser reports late or in its own words: a tab in the
//! indentation, and a key indented unlike its siblings. The parser often
//! notices either one line later ("mapping values are not allowed in this
//! context"); this finds the line where the mistake is.
//!
//! Only lines of block structure count: a line inside a flow collection
//! (`[...]`, `{...}` over several lines) or a block scalar (`|`, `>`) is text,
//! and a comment or blank line has no indentation that matters.

use crate::diag::Span;

/// A layout mistake: where, what, and how to fix it.
pub(super) struct Mistake {
    /// The tab, or the indentation of the line.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// The label under the span.
    pub label: String,
    /// What to do.
    pub help: String,
}

/// The help of every tab message.
pub(super) const TAB_HELP: &str = "indent with spaces: YAML does not allow tabs";

/// One line of block structure.
struct Line<'a> {
    /// Byte offset of the line's start.
    start: usize,
    /// 0-based line number.
    number: usize,
    /// Leading spaces (up to the first tab or other character).
    indent: usize,
    /// Byte offset of a tab in the leading white space, if any.
    tab: Option<usize>,
    /// The text after the leading white space, without a trailing comment.
    content: &'a str,
}

impl Line<'_> {
    /// `key:` (or `-`) with nothing after it: the lines below belong to it.
    fn opens_block(&self) -> bool {
        self.content.ends_with(':') || self.content == "-"
    }

    /// The key of a `key: value` line, if it is one.
    fn key(&self) -> Option<&str> {
        let c = self.content.strip_prefix("- ").unwrap_or(self.content);
        let end = c
            .find(": ")
            .or_else(|| c.ends_with(':').then(|| c.len() - 1))?;
        Some(c[..end].trim())
    }
}

/// The layout mistake that best explains a YAML error at byte `at`, if the
/// lines near it show one. `tab_message` is true when the parser's message
/// already speaks of a tab (it may point at the line above the tab).
pub(super) fn mistake(text: &str, at: usize, tab_message: bool) -> Option<Mistake> {
    let lines = structure(text);
    let before = &text.as_bytes()[..at.min(text.len())];
    let error_line = before.iter().filter(|&&b| b == b'\n').count();
    tab(&lines, error_line, tab_message).or_else(|| indentation(&lines, error_line))
}

/// The first line of block structure, up to the line after the error, with a
/// tab in its indentation.
fn tab(lines: &[Line], error_line: usize, tab_message: bool) -> Option<Mistake> {
    let line = lines
        .iter()
        .take_while(|l| l.number <= error_line + 1)
        .find(|l| l.tab.is_some())?;
    // The parser's own message is right when it points at the tab's line.
    if tab_message && line.number == error_line {
        return None;
    }
    let tab = line.tab?;
    Some(Mistake {
        span: Span::new(tab, tab + 1),
        message: "a tab in the indentation".into(),
        label: "tab".into(),
        help: TAB_HELP.into(),
    })
}

/// A line indented unlike its siblings, within two lines before the error
/// and one after it (the parser reads on before it gives up).
fn indentation(lines: &[Line], error_line: usize) -> Option<Mistake> {
    let step = usual_step(lines);
    let blocks = lines.iter().enumerate().filter(|(_, l)| l.opens_block());
    let blocks = blocks.map(|(p, parent)| {
        let n = lines[p + 1..]
            .iter()
            .take_while(|l| l.indent > parent.indent)
            .count();
        (Some(parent), &lines[p + 1..p + 1 + n])
    });
    std::iter::once((None, lines))
        .chain(blocks)
        .find_map(|(parent, children)| siblings(parent, children, step, error_line))
}

/// The first child of `parent` (the top level for `None`) indented unlike
/// its siblings, if it is near the error.
fn siblings(
    parent: Option<&Line>,
    children: &[Line],
    step: usize,
    error_line: usize,
) -> Option<Mistake> {
    let near = |l: &Line| l.number + 2 >= error_line && l.number <= error_line + 1;
    let (first, rest) = children.split_first()?;
    // Keys under a parent are indented by the file's usual step; top-level keys not at all.
    let (base, usual) = parent.map_or((0, 0), |p| (p.indent, step));
    // A deeper line must follow a line that opens a block (or a list item).
    let mut previous = first;
    for line in rest {
        if line.indent == first.indent {
            previous = line;
            continue;
        }
        if line.indent > first.indent
            && (previous.opens_block() || previous.content.starts_with("- "))
        {
            continue;
        }
        // Only a key or a list item has an indentation to compare.
        let structural = |l: &Line| l.key().is_some() || l.content.starts_with('-');
        if !(near(line) || near(first)) || !structural(line) || !structural(first) {
            return None;
        }
        // The line that breaks the usual step is the wrong one.
        let first_wrong = first.indent - base != usual && line.indent.saturating_sub(base) == usual;
        return Some(if first_wrong {
            misindented(first, line.indent, parent)
        } else {
            misindented(line, first.indent, parent)
        });
    }
    None
}

fn misindented(line: &Line, right: usize, parent: Option<&Line>) -> Mistake {
    let spaces = |n: usize| format!("{n} space{}", if n == 1 { "" } else { "s" });
    let what = match line.key() {
        Some(k) => format!("`{k}`"),
        None => "this line".into(),
    };
    let (others, help) = match parent {
        None => (
            "top-level keys are not indented".to_string(),
            "start every top-level key at the left margin".to_string(),
        ),
        Some(p) => {
            let under = match p.key() {
                Some(k) => format!("under `{k}:`"),
                None => "here".into(),
            };
            let mut help = format!(
                "indent every key of a mapping by the same number of spaces: {} {under}",
                spaces(right)
            );
            let top_level = line
                .key()
                .is_some_and(|k| super::TOP_LEVEL_KEYS.contains(&k));
            if p.indent == 0 && line.indent < right && top_level {
                help.push_str(", none for a top-level key");
            }
            (
                format!("the keys {under} are indented {}", spaces(right)),
                help,
            )
        }
    };
    Mistake {
        span: Span::new(line.start, line.start + line.indent),
        message: format!("{what} is indented {}, but {others}", spaces(line.indent)),
        label: format!("indented {}", spaces(line.indent)),
        help,
    }
}

/// The file's usual indentation step: the most common step from a line that
/// opens a block to the lines in it (on a tie, the first one seen).
fn usual_step(lines: &[Line]) -> usize {
    // (step, count, first seen)
    let mut counts: Vec<(usize, usize, usize)> = Vec::new();
    // The lines enclosing the current one, shallowest first.
    let mut stack: Vec<&Line> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        while stack.last().is_some_and(|l| l.indent >= line.indent) {
            stack.pop();
        }
        if let Some(parent) = stack.last().filter(|p| p.opens_block()) {
            let step = line.indent - parent.indent;
            match counts.iter_mut().find(|c| c.0 == step) {
                Some(c) => c.1 += 1,
                None => counts.push((step, 1, i)),
            }
        }
        stack.push(line);
    }
    counts
        .iter()
        .max_by_key(|c| (c.1, usize::MAX - c.2))
        .map_or(2, |c| c.0)
}

/// The lines of block structure: not blank, not comments, not inside a flow
/// collection or a block scalar.
fn structure(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    // The indentation of the line that started a block scalar.
    let mut scalar: Option<usize> = None;
    let mut start = 0;
    for (number, raw) in text.split('\n').enumerate() {
        let line_start = start;
        start += raw.len() + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let lead = raw.len() - raw.trim_start_matches([' ', '\t']).len();
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let rest = &raw[lead..];
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if let Some(s) = scalar {
            if indent > s {
                continue;
            }
            scalar = None;
        }
        let content = strip_comment(rest);
        if depth == 0 {
            let tab = raw[..lead].find('\t').map(|i| line_start + i);
            out.push(Line {
                start: line_start,
                number,
                indent,
                tab,
                content,
            });
            if starts_block_scalar(content) {
                scalar = Some(indent);
            }
        }
        depth = flow_depth(content, depth);
    }
    out
}

/// True when a line's value is `|` or `>` (with indicators): the lines below
/// it are text.
fn starts_block_scalar(content: &str) -> bool {
    let last = content.rsplit([' ', ':']).next().unwrap_or("");
    let mut chars = last.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+' | '1'..='9'))
        && content.len() > last.len()
}

/// `content` without a trailing ` # comment` (outside quotes), trimmed.
fn strip_comment(content: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in content.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev == ' ' || prev == '\t' => return content[..i].trim_end(),
            _ => {}
        }
        prev = c;
    }
    content.trim_end()
}

/// Open `[`/`{` after a line, outside quotes.
fn flow_depth(content: &str, mut depth: usize) -> usize {
    let mut quote = None;
    for c in content.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_line(text: &str, line: usize) -> usize {
        text.split('\n').take(line).map(|l| l.len() + 1).sum()
    }

    fn line_of(text: &str, m: &Mistake) -> usize {
        text[..m.span.start].matches('\n').count()
    }

    #[test]
    fn a_tab_is_found_on_the_line_below_the_error() {
        let text = "inputs:\n  n_X: 2\n  price_Y: 100\n\tb_TAX: 1.1\nnodes: {}\n";
        let m = mistake(text, at_line(text, 2) + 11, true).unwrap();
        assert_eq!(line_of(text, &m), 3);
        assert_eq!(&text[m.span.start..m.span.end], "\t");
    }

    #[test]
    fn the_one_space_key_is_blamed_not_the_next_line() {
        let text = "inputs:\n  a: 1\nnodes:\n b: neg(a)\n  c: neg(b)\noutput: c\n";
        let m = mistake(text, at_line(text, 4) + 3, false).unwrap();
        assert_eq!(line_of(text, &m), 3, "{}", m.message);
        assert_eq!(
            m.message,
            "`b` is indented 1 space, but the keys under `nodes:` are indented 2 spaces"
        );
        let text = "inputs:\n  a: 1\n   b: 2\n  c: 3\n";
        let m = mistake(text, at_line(text, 1), false).unwrap();
        assert_eq!(line_of(text, &m), 2, "{}", m.message);
    }

    #[test]
    fn flow_collections_and_block_scalars_are_text() {
        let text =
            "description: |\n  one\n     two\n  \tthree\ninputs:\n  w: [1,\n      2]\n  v: 1\n";
        assert!(mistake(text, text.len() - 1, false).is_none());
        let text = "inputs:\n  w: [1, 2, 3\nnodes:\n  y: sum(w)\n";
        assert!(mistake(text, at_line(text, 2) + 5, false).is_none());
    }
}
