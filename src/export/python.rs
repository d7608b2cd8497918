//! Python text: helper functions picked from a `.py` library, numbers and
//! tensors as literals, strings and comments that are safe to print.

use crate::tensor::Value;

/// Top-level functions of a Python file, each with the helpers it calls.
pub struct Library {
    defs: Vec<(&'static str, &'static str)>,
}

impl Library {
    /// Splits `source` into its top-level functions: each runs from a line
    /// `def NAME(` to the next such line (trailing blank lines dropped).
    pub fn new(source: &'static str) -> Library {
        let mut defs = Vec::new();
        let mut start: Option<(usize, &'static str)> = None;
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("def ") {
                if let Some((from, name)) = start.take() {
                    defs.push((name, source[from..offset].trim_end()));
                }
                let name = rest.split('(').next().unwrap_or("").trim();
                start = Some((offset, name));
            } else if !line.starts_with([' ', '\n']) && !line.trim().is_empty() {
                // A top-level statement ends the function before it.
                if let Some((from, name)) = start.take() {
                    defs.push((name, source[from..offset].trim_end()));
                }
            }
            offset += line.len();
        }
        if let Some((from, name)) = start {
            defs.push((name, source[from..].trim_end()));
        }
        Library { defs }
    }

    /// The names of every function.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.defs.iter().map(|(n, _)| *n)
    }

    /// The texts of `wanted` and of every function they call, in file order.
    pub fn pick<'a>(&self, wanted: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
        let mut keep = vec![false; self.defs.len()];
        let mut todo: Vec<String> = wanted.into_iter().map(String::from).collect();
        while let Some(name) = todo.pop() {
            let Some(i) = self.defs.iter().position(|(n, _)| *n == name) else {
                continue;
            };
            if keep[i] {
                continue;
            }
            keep[i] = true;
            let body = self.defs[i].1;
            for (other, _) in &self.defs {
                if *other != name && calls(body, other) {
                    todo.push(other.to_string());
                }
            }
        }
        self.defs
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|((_, text), _)| *text)
            .collect()
    }
}

/// True when `body` calls `name(` (not as part of a longer name).
fn calls(body: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    body.match_indices(&pattern).any(|(i, _)| {
        !body[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// A float as a Python literal that reads back as the same number.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "np.nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "np.inf" } else { "-np.inf" }.into()
    } else {
        format!("{x:?}")
    }
}

/// A value as a NumPy array expression; tensors with more than one row and
/// a long text are written one row per line, indented by `indent`.
pub fn array(v: &Value, indent: &str) -> String {
    let shape = v.shape();
    if shape.contains(&0) {
        return format!("np.zeros({})", tuple(shape));
    }
    let data = v.to_vec();
    let flat = crate::render::nested(shape, &data, &|x| number(x));
    if shape.len() < 2 || flat.len() <= 72 {
        return format!("np.array({flat})");
    }
    let stride: usize = shape[1..].iter().product();
    let rows: Vec<String> = data
        .chunks(stride)
        .map(|row| {
            format!(
                "{indent}    {},",
                crate::render::nested(&shape[1..], row, &|x| number(x))
            )
        })
        .collect();
    format!("np.array([\n{}\n{indent}])", rows.join("\n"))
}

/// A shape as a Python tuple: `()`, `(3,)`, `(2, 3)`.
pub fn tuple(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A Python string literal; control and bidirectional-override characters
/// are escaped, so printing the script shows them as text.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Free text as comment lines `# ...`, with unsafe characters shown as `?`.
pub fn comment(text: &str) -> String {
    text.lines()
        .map(|line| format!("# {}", clean(line)).trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` broken into lines of at most `width` characters, at spaces.
pub fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines.join("\n")
}

/// One line of free text for a comment: unsafe characters shown as `?`.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if unsafe_char(c) || c == '\n' { '?' } else { c })
        .collect()
}

/// Characters a terminal could act on, or that reorder text around them.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "# head\nimport x\n\n\ndef a(v):\n    return b(v)\n\n\ndef b(v):\n    # comment\n    return v\n\n\ndef c(v):\n    return ab(v)\n";

    #[test]
    fn functions_come_with_what_they_call() {
        let lib = Library::new(LIB);
        assert_eq!(lib.names().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(
            lib.pick(["a"]),
            [
                "def a(v):\n    return b(v)",
                "def b(v):\n    # comment\n    return v"
            ]
        );
        // `ab(` is not a call of `b`.
        assert_eq!(lib.pick(["c"]), ["def c(v):\n    return ab(v)"]);
    }

    #[test]
    fn literals_read_back() {
        assert_eq!(number(2.0), "2.0");
        assert_eq!(number(1e-7), "1e-7");
        assert_eq!(number(f64::NEG_INFINITY), "-np.inf");
        let m = Value::from_array(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 2]), vec![1.0, 2.0, 3.0, 4.5])
                .unwrap(),
        );
        assert_eq!(array(&m, ""), "np.array([[1.0, 2.0], [3.0, 4.5]])");
        assert_eq!(array(&Value::Scalar(0.5), ""), "np.array(0.5)");
        assert_eq!(tuple(&[3]), "(3,)");
    }

    #[test]
    fn strings_and_comments_are_safe_to_print() {
        assert_eq!(string("a\"b\u{1b}[31m"), "\"a\\\"b\\u001b[31m\"");
        assert_eq!(comment("one\ntwo \u{202e}x"), "# one\n# two ?x");
    }
}
