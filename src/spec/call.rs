//! Call strings: `op(arg, 2.5, key=value)` parsed with a span for every piece.

use super::{Arg, Attr, Call, NodeDef};
use crate::diag::{Diagnostic, ErrorKind, Source, Sp, Span};

impl NodeDef {
    /// The node as a [`Call`]; a call string is parsed here, its pieces spanned
    /// relative to where the string stands in `source` (`span`).
    pub fn to_call(&self, source: &Source, span: Span) -> Result<Call, Diagnostic> {
        match self {
            NodeDef::Map(call) => Ok(call.clone()),
            NodeDef::Text(text) => parse_call(source, text, span),
        }
    }
}

/// Parses `op(arg, 2.5, key=value)`.
fn parse_call(source: &Source, text: &str, span: Span) -> Result<Call, Diagnostic> {
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
        op_text.trim().to_string(),
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
        for piece in inner.split(',') {
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
            if let Some(eq) = t.find('=') {
                let key = t[..eq].trim();
                let val = t[eq + 1..].trim();
                let val_start = a + eq + 1 + (t[eq + 1..].len() - t[eq + 1..].trim_start().len());
                let attr = match val.parse::<f64>() {
                    Ok(x) => Attr::Number(x),
                    Err(_) => Attr::Text(val.to_string()),
                };
                attrs.push((
                    Sp::new(key.to_string(), at(a, a + key.len())),
                    Sp::new(attr, at(val_start, val_start + val.len())),
                ));
            } else {
                let arg = match t.parse::<f64>() {
                    Ok(x)
                        if !t
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_alphabetic() || c == '_') =>
                    {
                        Arg::Number(x)
                    }
                    _ => Arg::Name(t.to_string()),
                };
                args.push(Sp::new(arg, at(a, b)));
            }
        }
    }
    Ok(Call { op, args, attrs })
}
