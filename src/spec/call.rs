//! Call strings: `op(arg, 2.5, key=value)` parsed with a span for every piece.

use super::{Arg, Attr, Call, NodeDef};
use crate::diag::{Diagnostic, ErrorKind, Source, Sp, Span};

impl NodeDef {
    /// The node as a [`Call`] borrowing its text; a call string is parsed
    /// here, its pieces spanned relative to where the string stands in
    /// `source` (`span`).
    pub fn to_call<'a>(
        &'a self,
        source: &'a Source,
        span: Span,
    ) -> Result<Call<&'a str>, Diagnostic> {
        match self {
            NodeDef::Map(call) => Ok(call.borrowed()),
            NodeDef::Text(text) => parse_call(source, text, span),
            NodeDef::Plain => parse_call(
                source,
                source.text.get(span.start..span.end).unwrap_or(""),
                span,
            ),
        }
    }
}

impl Call {
    /// The same call, its text borrowed.
    fn borrowed(&self) -> Call<&str> {
        fn text(s: &Sp<String>) -> Sp<&str> {
            Sp::new(s.value.as_str(), s.span)
        }
        Call {
            op: text(&self.op),
            args: (self.args.iter())
                .map(|a| {
                    let arg = match &a.value {
                        Arg::Name(n) => Arg::Name(n.as_str()),
                        Arg::Number(x) => Arg::Number(*x),
                    };
                    Sp::new(arg, a.span)
                })
                .collect(),
            attrs: (self.attrs.iter())
                .map(|(k, v)| {
                    let value = match &v.value {
                        Attr::Number(x) => Attr::Number(*x),
                        Attr::List(xs) => Attr::List(xs.clone()),
                        Attr::Text(t) => Attr::Text(t.as_str()),
                    };
                    (text(k), Sp::new(value, v.span))
                })
                .collect(),
        }
    }
}

/// Parses `op(arg, 2.5, key=value)`.
fn parse_call<'a>(source: &Source, text: &'a str, span: Span) -> Result<Call<&'a str>, Diagnostic> {
    // Offsets inside the string are offsets from where its text starts in the
    // file: one past the quote for a quoted scalar. Escapes inside quotes are
    // not expected in call strings; spans are then only approximate.
    let quoted = matches!(source.text.as_bytes().get(span.start), Some(b'"' | b'\''));
    let base = span.start + usize::from(quoted);
    let at = |a: usize, b: usize| Span::new(base + a, base + b);
    let err = |a: usize, b: usize, msg: String, label: &str| {
        Diagnostic::new(ErrorKind::Yaml, msg)
            .at(source, at(a, b), label)
            .help("write a node as `op(arg, arg, key=value)`, for example `mul(price, count)`")
    };

    let open = match text.find('(') {
        Some(i) => i,
        None => {
            let t = text.trim();
            let start = text.len() - text.trim_start().len();
            return Err(err(
                start,
                start + t.len(),
                format!("`{t}` is not a call: expected `op(args...)`"),
                "expected `(` after the op name",
            ));
        }
    };
    let op_text = &text[..open];
    let op_start = op_text.len() - op_text.trim_start().len();
    let op = Sp::new(
        op_text.trim(),
        at(op_start, op_start + op_text.trim().len()),
    );
    let trimmed_end = text.trim_end();
    if !trimmed_end.ends_with(')') {
        return Err(err(
            trimmed_end.len(),
            trimmed_end.len(),
            format!("unclosed call `{}`: expected `)` at the end", text.trim()),
            "expected `)`",
        ));
    }
    let close = trimmed_end.len() - 1;
    let inner = &text[open + 1..close];
    if inner.contains(['(', ')']) {
        let i = open + 1 + inner.find(['(', ')']).unwrap_or(0);
        return Err(err(
            i,
            i + 1,
            "calls cannot be nested: give the inner call a node of its own".to_string(),
            "nested call",
        ));
    }
    let mut args = Vec::new();
    let mut attrs = Vec::new();
    if !inner.trim().is_empty() {
        let mut offset = open + 1;
        for piece in pieces(inner) {
            let lead = piece.len() - piece.trim_start().len();
            let t = piece.trim();
            let (a, b) = (offset + lead, offset + lead + t.len());
            offset += piece.len() + 1;
            if t.is_empty() {
                return Err(err(
                    a,
                    a,
                    "empty argument in call".to_string(),
                    "nothing between commas",
                ));
            }
            if let Some(gap) = t.find(char::is_whitespace).filter(|_| !t.contains('=')) {
                let fixed = with_commas(op.value, inner);
                return Err(missing_comma(source, at(a + gap, a + gap), t, gap, &fixed));
            }
            if let Some(eq) = t.find('=') {
                let key = t[..eq].trim();
                let val = t[eq + 1..].trim();
                let val_start = a + eq + 1 + (t[eq + 1..].len() - t[eq + 1..].trim_start().len());
                let attr = match (val.parse::<f64>(), list(val)) {
                    (Ok(x), _) => Attr::Number(x),
                    (_, Some(xs)) => Attr::List(xs),
                    _ => Attr::Text(val),
                };
                attrs.push((
                    Sp::new(key, at(a, a + key.len())),
                    Sp::new(attr, at(val_start, val_start + val.len())),
                ));
            } else {
                // A name starts with a letter or `_` (so `inf` is a name).
                let name = t.starts_with(|c: char| c.is_alphabetic() || c == '_');
                let arg = match t.parse::<f64>() {
                    Ok(x) if !name => Arg::Number(x),
                    _ => Arg::Name(t),
                };
                args.push(Sp::new(arg, at(a, b)));
            }
        }
    }
    Ok(Call { op, args, attrs })
}

/// `mul(price_Y n_X)`: two arguments with no `,` between them; `t` is the
/// argument as written, `gap` where its first space is, `at` the gap's place.
fn missing_comma(source: &Source, at: Span, t: &str, gap: usize, fixed: &str) -> Diagnostic {
    let right = t[gap..].split_whitespace().next().unwrap_or("");
    let end = at.start + (t.len() - t[gap..].trim_start().len()) - gap;
    Diagnostic::new(
        ErrorKind::Yaml,
        format!(
            "missing `,` between the arguments `{}` and `{right}`",
            &t[..gap]
        ),
    )
    .at(source, Span::new(at.start, end), "expected `,` here")
    .help(format!("separate arguments with commas: `{fixed}`"))
}

/// The call with a `,` wherever an argument holds several words.
fn with_commas(op: &str, inner: &str) -> String {
    let args: Vec<&str> = inner
        .split(',')
        .flat_map(|p| match p.contains('=') {
            true => vec![p.trim()],
            false => p.split_whitespace().collect(),
        })
        .collect();
    format!("{op}({})", args.join(", "))
}

/// True for text that reads like a call: `op(...)`, quoted or not.
pub(super) fn looks_like_call(text: &str) -> bool {
    let text = text.trim().trim_matches(['"', '\'']).trim();
    text.ends_with(')')
        && text
            .split_once('(')
            .is_some_and(|(op, _)| super::is_valid_name(op.trim()))
}

impl Call<&str> {
    /// Why a call may have more arguments than its op takes (`expected`):
    /// two numbers written `1,5` are two arguments, not a decimal.
    pub fn arity_hint(&self, source: &Source, expected: usize) -> Option<String> {
        if self.args.len() <= expected {
            return None;
        }
        self.args.windows(2).find_map(|w| {
            let (Arg::Number(_), Arg::Number(_)) = (&w[0].value, &w[1].value) else {
                return None;
            };
            let text = &source.text;
            (text.get(w[0].span.end..w[1].span.start)? == ",").then(|| {
                let a = &text[w[0].span.start..w[0].span.end];
                let b = &text[w[1].span.start..w[1].span.end];
                format!(
                    "`{a},{b}` is two arguments, `{a}` and `{b}`: write a decimal with a point, \
                     `{a}.{b}`"
                )
            })
        })
    }
}

/// The pieces of an argument list between commas; commas inside `[...]`
/// (a list-valued attribute) do not split.
fn pieces(inner: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut done = false;
    let bytes = inner.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while i < bytes.len() {
            match bytes[i] {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    let piece = &inner[start..i];
                    i += 1;
                    start = i;
                    return Some(piece);
                }
                _ => {}
            }
            i += 1;
        }
        done = true;
        Some(&inner[start..])
    })
}

/// `[2, 3]` as numbers; `None` unless it is a bracketed list of at most
/// [`super::MAX_ATTR_LIST`] numbers.
fn list(text: &str) -> Option<Vec<f64>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    let xs: Option<Vec<f64>> = inner.split(',').map(|x| x.trim().parse().ok()).collect();
    xs.filter(|xs| xs.len() <= super::MAX_ATTR_LIST)
}
