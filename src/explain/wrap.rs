//! Text layout for the terminal: styles (ANSI colour only when asked),
//! control characters from a spec made visible, and equations wrapped at
//! their `=` signs (and, when one side is too long alone, between matrix
//! rows and around products) to fit the width.

use super::notation::Equation;

/// Styles, as ANSI escapes when colour is on.
pub struct Paint {
    /// ANSI colour on.
    pub color: bool,
}

impl Paint {
    pub fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn heading(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn node(&self, s: &str) -> String {
        self.wrap("36", s)
    }
    pub fn result(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Text from a spec (a description, a name) safe for a terminal: control,
/// bidi and invisible characters as visible escapes (see [`crate::term`]).
pub fn escape(s: &str) -> String {
    crate::term::escape(s).into_owned()
}

/// Builds text line by line, wrapping equations.
pub struct Writer<'p> {
    /// The text so far.
    pub out: String,
    width: usize,
    /// The styles.
    pub p: &'p Paint,
}

impl<'p> Writer<'p> {
    /// An empty text to fit in `width` columns.
    pub fn new(width: usize, p: &'p Paint) -> Writer<'p> {
        Writer {
            out: String::new(),
            width,
            p,
        }
    }

    /// One line, as given.
    pub fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// A blank line, then a heading.
    pub fn heading(&mut self, s: &str) {
        self.out.push('\n');
        let h = self.p.heading(s);
        self.line(&h);
    }

    /// `lhs = a = b = c`, wrapped at `=` signs to fit the width, continuation
    /// lines aligned under the first `=`; the last right-hand side in the
    /// result style; the shapes and the note after it in parentheses.
    pub fn equation(&mut self, indent: usize, eq: &Equation) {
        let lhs = escape(&eq.lhs);
        let mut cont = indent + width(&lhs);
        if cont > self.width / 2 {
            cont = indent + 4;
        }
        let mut lay = Layout {
            lines: Vec::new(),
            line: format!("{}{lhs}", " ".repeat(indent)),
            visible: indent + width(&lhs),
            width: self.width,
        };
        let last = eq.rhs.len().saturating_sub(1);
        for (i, rhs) in eq.rhs.iter().enumerate() {
            let op = match (i, eq.accumulate) {
                (0, true) => "+=",
                _ => "=",
            };
            // Later lines say `=` under the `=` of a first `+=`.
            let at = if i > 0 && eq.accumulate {
                cont + 1
            } else {
                cont
            };
            let style = |s: &str| {
                if i == last {
                    self.p.result(s)
                } else {
                    s.to_string()
                }
            };
            lay.piece(&format!(" {op} "), &escape(rhs), at, &style);
        }
        let note = match (&eq.shapes, &eq.note) {
            (Some(s), Some(n)) => Some(format!("{s}; {n}")),
            (Some(s), None) => Some(s.clone()),
            (None, n) => n.clone(),
        };
        if let Some(note) = &note {
            let note = format!("({})", escape(note));
            lay.piece("  ", &note, cont + 2, &|s| self.p.dim(s));
        }
        for l in lay.finish() {
            self.line(&l);
        }
    }

    /// A sentence wrapped at spaces: the first line at `indent`, the
    /// others at `cont`.
    pub fn words(&mut self, indent: usize, cont: usize, text: &str) {
        let mut lay = Layout {
            lines: Vec::new(),
            line: " ".repeat(indent),
            visible: indent,
            width: self.width,
        };
        for (k, word) in text.split(' ').enumerate() {
            let sep = if k == 0 { "" } else { " " };
            if lay.visible + width(sep) + width(word) > self.width && lay.visible > cont {
                lay.newline(cont);
                lay.push("", word.to_string());
            } else {
                lay.push(sep, word.to_string());
            }
        }
        for l in lay.finish() {
            self.line(&l);
        }
    }

    /// Aligned columns, the first row a dim heading; empty columns dropped.
    pub fn table(&mut self, indent: usize, rows: &[Vec<String>]) {
        let cols = rows.first().map_or(0, |r| r.len());
        let widths: Vec<usize> = (0..cols)
            .map(|c| rows.iter().map(|r| width(&r[c])).max().unwrap_or(0))
            .collect();
        for (k, row) in rows.iter().enumerate() {
            let mut line = " ".repeat(indent);
            for (c, cell) in row.iter().enumerate() {
                if widths[c] == 0 {
                    continue;
                }
                line.push_str(cell);
                if c + 1 < cols {
                    line.push_str(&" ".repeat(widths[c] - width(cell) + 3));
                }
            }
            let line = line.trim_end().to_string();
            if k == 0 {
                let line = self.p.dim(&line);
                self.line(&line);
            } else if width(&line) <= self.width {
                self.line(&line);
            } else {
                // The last column goes on under itself, broken at `=` signs.
                let at = width(&line) - width(&row[cols - 1]);
                let mut lay = Layout {
                    lines: Vec::new(),
                    line: line[..line.len() - row[cols - 1].len()].to_string(),
                    visible: at,
                    width: self.width,
                };
                for (i, part) in row[cols - 1].split(" = ").enumerate() {
                    let sep = if i == 0 { "" } else { " = " };
                    if i > 0 && lay.visible + width(sep) + width(part) > self.width {
                        lay.newline(at + 2);
                    }
                    lay.push(sep, part.to_string());
                }
                for l in lay.finish() {
                    self.line(&l);
                }
            }
        }
    }
}

/// Lines being filled, greedily.
struct Layout {
    lines: Vec<String>,
    line: String,
    visible: usize,
    width: usize,
}

impl Layout {
    /// Adds `sep` + `text`: on this line if it fits, else on a new line
    /// indented by `at`; text too long for a line of its own is broken
    /// between matrix rows and around products, its later parts indented
    /// further.
    fn piece(&mut self, sep: &str, text: &str, at: usize, style: &dyn Fn(&str) -> String) {
        let whole = width(sep) + width(text);
        if self.visible + whole > self.width && self.visible > at {
            self.newline(at);
        }
        if self.visible + whole <= self.width {
            self.push(sep, style(text));
            return;
        }
        self.push(sep, String::new());
        let deeper = (at + width(sep)).min(self.width / 2);
        let room = self.width.saturating_sub(deeper).max(1);
        // A chunk still too long for a line breaks at its spaces.
        let pieces: Vec<String> = chunks(text, sep == "  ")
            .into_iter()
            .flat_map(|c| {
                if width(&c) > room {
                    chunks(&c, true)
                } else {
                    vec![c]
                }
            })
            .collect();
        for (k, chunk) in pieces.iter().enumerate() {
            if k > 0 && self.visible + width(chunk) > self.width && self.visible > deeper {
                self.newline(deeper);
            }
            let chunk = if self.visible == deeper {
                chunk.trim_start()
            } else {
                chunk
            };
            self.push("", style(chunk));
        }
    }

    fn push(&mut self, sep: &str, styled: String) {
        self.line.push_str(sep);
        self.visible += width(sep);
        self.visible += visible_width(&styled);
        self.line.push_str(&styled);
    }

    fn newline(&mut self, at: usize) {
        let done = std::mem::replace(&mut self.line, " ".repeat(at));
        self.lines.push(done.trim_end().to_string());
        self.visible = at;
    }

    fn finish(mut self) -> Vec<String> {
        self.lines.push(self.line);
        self.lines
    }
}

/// `text` in pieces that may go on separate lines: after `], ` between
/// matrix rows, and before ` × `, ` ⊙ `, ` · `, ` + `, ` → ` at the
/// outermost level; for words (a note), before every space.
fn chunks(text: &str, words: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
        let rest = &text[i..];
        let row_end = c == ']' && rest.starts_with("], [");
        let op = (depth == 0
            && [" × ", " ⊙ ", " · ", " + ", " → "]
                .iter()
                .any(|o| rest.starts_with(o)))
            || (words && c == ' ');
        if row_end {
            let end = i + "], ".len();
            out.push(text[start..end].to_string());
            start = end;
        } else if op && i > start {
            out.push(text[start..i].to_string());
            start = i;
        }
    }
    out.push(text[start..].to_string());
    out.retain(|c| !c.is_empty());
    out
}

/// Columns a string takes on a terminal (a CJK character takes two).
fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Columns a styled string takes: ANSI escapes take none.
fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => n += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0),
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_break_between_rows_and_around_products() {
        assert_eq!(
            chunks("[[1, 2], [3, 4]] × x", false),
            vec!["[[1, 2], ", "[3, 4]]", " × x"]
        );
        assert_eq!(chunks("σ(a × b)", false), vec!["σ(a × b)"]);
        assert_eq!(chunks("(a b)", true), vec!["(a", " b)"]);
    }

    #[test]
    fn long_equations_wrap_at_equals_signs() {
        let p = Paint { color: false };
        let mut w = Writer::new(40, &p);
        w.equation(
            2,
            &Equation {
                lhs: "d y / d x".into(),
                rhs: vec!["d y / d h × d h / d x".into(), "1.5 × 2".into(), "3".into()],
                ..Default::default()
            },
        );
        assert_eq!(
            w.out,
            "  d y / d x = d y / d h × d h / d x\n            = 1.5 × 2 = 3\n"
        );
    }

    #[test]
    fn styles_take_no_columns_and_wide_characters_two() {
        assert_eq!(visible_width("\x1b[1m220\x1b[0m"), 3);
        // 總價 (total price): two columns a character.
        assert_eq!(width("d 總價 / d n"), 12);
    }
}
