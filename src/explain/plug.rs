//! Plugging values into the op table's formulas: the upstream gradient's
//! symbol, negative numbers, attributes, and broadcasting said in words.

use super::notation::Notation;
use crate::op::{AttrDefault, AttrKind, AttrValue, Op};
use crate::tensor::shape_text;

/// Formulas with tensors plugged in longer than this (characters of text)
/// are left out: the names and the result say it better.
pub(super) const LONG: usize = 90;

/// The length of `s` against [`LONG`]: LaTeX takes about three times the
/// characters of the text it shows.
pub(super) fn length(n: &Notation, s: &str) -> usize {
    let chars = s.chars().count();
    if n.latex { chars / 3 } else { chars }
}

/// Stands for the upstream gradient while a formula is rendered.
pub(super) const G: &str = "\u{1}g\u{1}";

/// Puts `g` where [`G`] stands in `text`: in parentheses when it is a
/// `d out / d node` touching other symbols (`·(d E / d y)/N`, `(d E / d y)ᵀ`).
pub(super) fn plug_upstream(text: &str, g: &str, latex: bool) -> String {
    let mut out = String::with_capacity(text.len() + g.len());
    let mut rest = text;
    while let Some(i) = rest.find(G) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + G.len()..].chars().next();
        let alone = |c: Option<char>| c.is_none_or(|c| c == ' ');
        let wrap = !latex && g.contains(' ') && !(alone(before) && alone(after));
        out.push_str(&rest[..i]);
        if wrap {
            out.push_str(&format!("({g})"));
        } else {
            out.push_str(g);
        }
        rest = &rest[i + G.len()..];
    }
    out.push_str(rest);
    out
}

/// Marks a negative number plugged into a formula, for [`unmark_negatives`].
const NEG: char = '\u{2}';

/// `text` marked when it is a negative number.
pub(super) fn negative(text: String) -> String {
    if text.starts_with('-') {
        format!("{NEG}{text}{NEG}")
    } else {
        text
    }
}

/// Writes each marked negative number in parentheses, unless brackets or
/// commas already set it apart (`ln(-2)`, `max(-3, 0)`, but `2·(-0.5)`; LaTeX
/// braces do not: `{(-0.7)}^2`).
pub(super) fn unmark_negatives(text: &str) -> String {
    let pieces: Vec<&str> = text.split(NEG).collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, piece) in pieces.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(piece);
            continue;
        }
        let before = pieces[i - 1].chars().next_back();
        let after = pieces.get(i + 1).and_then(|p| p.chars().next());
        let open = before.is_none_or(|c| matches!(c, '(' | '[' | ','));
        let close = after.is_none_or(|c| matches!(c, ')' | ']' | ','));
        if open && close {
            out.push_str(piece);
        } else {
            out.push_str(&format!("({piece})"));
        }
    }
    out
}

/// "summed over axis 0, where b was broadcast to [2, 3]".
pub(super) fn broadcast_words(
    n: &Notation,
    arg: &str,
    from: &[usize],
    to: &[usize],
    axes: &[usize],
) -> String {
    let name = if n.latex {
        format!("`{arg}`")
    } else {
        arg.to_string()
    };
    if from.is_empty() {
        let count: usize = to.iter().product();
        return format!(
            "summed over all {count} elements: {name} is a scalar, broadcast to {}",
            shape_text(to)
        );
    }
    let axes: Vec<String> = axes.iter().map(|a| a.to_string()).collect();
    let which = match axes.len() {
        1 => format!("axis {}", axes[0]),
        _ => format!("axes {}", axes.join(", ")),
    };
    format!(
        "summed over {which}, where {name} {} was broadcast to {}",
        shape_text(from),
        shape_text(to)
    )
}

/// An attribute in a formula: `0.2` (alpha), `axis 1`, `all axes`.
pub(super) fn attr_text(n: &Notation, op: &Op, name: &str) -> Option<String> {
    let def = op.def();
    let k = def.attrs.iter().position(|a| a.name == name)?;
    let attr = &def.attrs[k];
    let text = match (op.attrs().0.get(k).copied().flatten(), attr.kind) {
        (Some(AttrValue::Number(x)), _) => return Some(n.factor(x)),
        (Some(AttrValue::Int(i)), AttrKind::Axis) => format!("axis {i}"),
        (Some(AttrValue::Int(i)), AttrKind::Number) => return Some(n.factor(i as f64)),
        (Some(AttrValue::Int(i)), AttrKind::Index | AttrKind::Shape) => i.to_string(),
        (Some(AttrValue::Shape(d)), _) => d.text(),
        (None, _) => match attr.default {
            AttrDefault::Absent(what) => format!("{what} axes"),
            AttrDefault::Value(_) | AttrDefault::Required => "default".to_string(),
        },
    };
    Some(n.words(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_numbers_get_parentheses_only_where_needed() {
        let m = |s: &str| negative(s.to_string());
        assert_eq!(unmark_negatives(&format!("ln({})", m("-2"))), "ln(-2)");
        assert_eq!(
            unmark_negatives(&format!("max({}, 0)", m("-3"))),
            "max(-3, 0)"
        );
        assert_eq!(unmark_negatives(&format!("2·{}", m("-0.5"))), "2·(-0.5)");
        assert_eq!(
            unmark_negatives(&format!("{{{}}}^2", m("-0.7"))),
            "{(-0.7)}^2"
        );
        assert_eq!(unmark_negatives(&format!("{}²", m("-1"))), "(-1)²");
        assert_eq!(unmark_negatives(&m("-1")), "-1");
        assert_eq!(unmark_negatives(&format!("1 − {}", m("1.5"))), "1 − 1.5");
    }

    #[test]
    fn the_upstream_symbol_is_parenthesized_where_it_touches_symbols() {
        let g = "d E / d y";
        assert_eq!(
            plug_upstream(&format!("{G} · Wᵀ"), g, false),
            "d E / d y · Wᵀ"
        );
        assert_eq!(plug_upstream(&format!("{G}ᵀ"), g, false), "(d E / d y)ᵀ");
        assert_eq!(
            plug_upstream(&format!("x·{G}/N"), g, false),
            "x·(d E / d y)/N"
        );
        assert_eq!(plug_upstream(&format!("x·{G}/N"), "0.5", false), "x·0.5/N");
    }
}
