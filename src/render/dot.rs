//! The graph as a Graphviz picture: one box per leaf and node, labelled with
//! its name, its op, its value and (in red, under it) its gradient, as in the
//! lesson's diagrams. Reads the plan and its evaluation; computes nothing new.
//!
//! Every name and text goes through [`quote`] (DOT identifiers) or [`html`]
//! (HTML-like labels), so any spec gives valid DOT; slots are written in plan
//! order, so the same spec gives the same bytes.

use std::fmt::Write;

use crate::eval::Evaluation;
use crate::graph::Kind;
use crate::plan::{Plan, Slot};
use crate::render::{matrix, nested, number};
use crate::tensor::{Value, shape_text};

/// Options of the picture.
#[derive(Clone, Copy, Debug)]
pub struct DotOptions {
    /// Significant digits of every number.
    pub precision: usize,
    /// Show gradients (`false`: forward values only).
    pub grads: bool,
    /// Tensors with more elements than this are summarised (range and mean).
    pub max_elems: usize,
}

impl Default for DotOptions {
    fn default() -> Self {
        DotOptions {
            precision: 6,
            grads: true,
            max_elems: 6,
        }
    }
}

/// Colours and shapes, one place to change the look.
mod style {
    /// Latin first, then CJK families (Noto Sans CJK from Debian's
    /// `fonts-noto-cjk`, WenQuanYi from `fonts-wqy-microhei`) so that names in
    /// the lesson's language draw as text, not boxes, in PNG and PDF output.
    pub const FONT: &str =
        "Helvetica,Arial,Noto Sans CJK SC,Noto Sans CJK JP,WenQuanYi Micro Hei,sans-serif";
    /// The op line under the name.
    pub const OP: &str = "#6b7280";
    /// Gradients, as the lesson draws them.
    pub const GRAD: &str = "#c0392b";
    pub const EDGE: &str = "#4b5563";
    pub const INPUT: (&str, &str) = ("#dbeafe", "#2563eb");
    pub const PARAM: (&str, &str) = ("#fef3c7", "#d97706");
    pub const NODE: (&str, &str) = ("#f3f4f6", "#374151");
    pub const OUTPUT: &str = "#15803d";
}

/// Renders the DOT text of the whole graph.
pub fn render(plan: &Plan, eval: &Evaluation, opts: DotOptions) -> String {
    let mut dot = String::new();
    let _ = writeln!(dot, "digraph {} {{", quote(&plan.name));
    let _ = writeln!(
        dot,
        "  graph [rankdir=LR, ordering=in, labelloc=t, fontname={}, label=<{}>];",
        quote(style::FONT),
        title(plan, opts)
    );
    let _ = writeln!(
        dot,
        "  node [fontname={}, fontsize=12];",
        quote(style::FONT)
    );
    let _ = writeln!(dot, "  edge [color={}, arrowsize=0.7];", quote(style::EDGE));
    for (i, info) in plan.slots.iter().enumerate() {
        let slot = Slot(i as u32);
        let value = eval.values.get(i);
        let attrs = match info.kind {
            Kind::Literal => {
                // A literal argument (the 0.5 in `mul(x, 0.5)`): small, plain, no gradient.
                format!(
                    "shape=plaintext, fontsize=10, fontcolor={}, label={}",
                    quote(style::OP),
                    quote(&info.name)
                )
            }
            Kind::Input | Kind::Param | Kind::Node(_) => {
                let (shape, (fill, line)) = match info.kind {
                    Kind::Input => ("box", style::INPUT),
                    Kind::Param => ("box", style::PARAM),
                    _ => ("ellipse", style::NODE),
                };
                // The output: double green border.
                let (line, extra) = if slot == plan.output {
                    (style::OUTPUT, ", peripheries=2, penwidth=2")
                } else {
                    (line, "")
                };
                let mut a = format!(
                    "shape={shape}, style={}, fillcolor={}, color={}{extra}",
                    quote(if shape == "box" {
                        "rounded,filled"
                    } else {
                        "filled"
                    }),
                    quote(fill),
                    quote(line)
                );
                let grad = if opts.grads { eval.grads.get(i) } else { None };
                let _ = write!(a, ", label=<{}>", label(plan, slot, value, grad, opts));
                a
            }
        };
        let _ = writeln!(dot, "  {} [{attrs}];", id(plan, slot));
    }
    // Edges in argument order; `ordering=in` above keeps that order on the page.
    for (i, info) in plan.slots.iter().enumerate() {
        for &arg in &info.args {
            let _ = writeln!(dot, "  {} -> {};", id(plan, arg), id(plan, Slot(i as u32)));
        }
    }
    dot.push_str("}\n");
    dot
}

/// The graph's label: the description (or the name), and what ∂ means.
fn title(plan: &Plan, opts: DotOptions) -> String {
    let text = plan
        .spec
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&plan.name);
    let lines: Vec<String> = text.lines().map(html).collect();
    let mut t = format!("<B>{}</B>", lines.join("<BR/>"));
    if opts.grads {
        let out = html(plan.output_name());
        let of = if plan.output_is_scalar() {
            out
        } else {
            format!("sum({out})")
        };
        let _ = write!(
            t,
            "<BR/><FONT POINT-SIZE=\"10\" COLOR=\"{}\">value above, <FONT COLOR=\"{}\">∂ = d {of} / d node</FONT> below</FONT>",
            style::OP,
            style::GRAD
        );
    }
    t
}

/// A leaf's or node's label: bold name, grey op (and shape), value, red gradient.
fn label(
    plan: &Plan,
    slot: Slot,
    value: Option<&Value>,
    grad: Option<&Value>,
    opts: DotOptions,
) -> String {
    let info = plan.info(slot);
    let mut what = info.kind.describe();
    if !info.shape.is_empty() {
        let _ = write!(what, " · {}", shape_text(&info.shape));
    }
    if slot == plan.output {
        what.push_str(" · output");
    }
    let mut rows = vec![
        format!("<B>{}</B>", html(&info.name)),
        font(style::OP, 10, &html(&what)),
    ];
    if let Some(v) = value {
        rows.extend(value_lines(v, opts).iter().map(|l| html(l)));
    }
    if let Some(g) = grad {
        for (k, l) in value_lines(g, opts).iter().enumerate() {
            let l = if k == 0 {
                format!("∂ {l}")
            } else {
                format!("  {l}")
            };
            rows.push(font(style::GRAD, 0, &html(&l)));
        }
    }
    let mut t =
        String::from("<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">");
    for r in rows {
        let _ = write!(t, "<TR><TD>{r}</TD></TR>");
    }
    t.push_str("</TABLE>");
    t
}

/// `<FONT>` around already-escaped text; `size` 0 keeps the node's size.
fn font(color: &str, size: u32, text: &str) -> String {
    let size = if size > 0 {
        format!(" POINT-SIZE=\"{size}\"")
    } else {
        String::new()
    };
    format!("<FONT COLOR=\"{color}\"{size}>{text}</FONT>")
}

/// A value as label lines: a scalar; a small tensor in full (a matrix one row
/// per line); a large one by rows as NumPy prints them, its first and last
/// rows and columns around `...`, narrow enough for a box.
fn value_lines(v: &Value, opts: DotOptions) -> Vec<String> {
    let sig = opts.precision;
    let f = |x: f64| number(x, sig);
    let shape = v.shape();
    match v {
        Value::Scalar(x) => vec![f(*x)],
        Value::Tensor(_) if v.len() <= opts.max_elems => match shape {
            [_, cols] if *cols > 0 => v
                .to_vec()
                .chunks(*cols)
                .map(|row| nested(&shape[1..], row, &f))
                .collect(),
            _ => vec![nested(shape, &v.to_vec(), &f)],
        },
        Value::Tensor(a) => matrix::array_lines(a, sig, BOX_WIDTH),
    }
}

/// The most columns of a large tensor's line in a box.
const BOX_WIDTH: usize = 40;

/// A slot's DOT identifier: its name, quoted; a literal (which shares its
/// text with other literals) by its slot number, which no name can spell.
fn id(plan: &Plan, slot: Slot) -> String {
    let info = plan.info(slot);
    match info.kind {
        Kind::Literal => quote(&format!("#{}", slot.0)),
        Kind::Input | Kind::Param | Kind::Node(_) => quote(&info.name),
    }
}

/// A DOT double-quoted string: `"` and `\` escaped, line breaks as spaces.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if c.is_control() => q.push(' '),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Text for an HTML-like label: `& < > "` as entities; control characters
/// (invalid in XML) as spaces.
pub fn html(s: &str) -> String {
    let mut h = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => h.push_str("&amp;"),
            '<' => h.push_str("&lt;"),
            '>' => h.push_str("&gt;"),
            '"' => h.push_str("&quot;"),
            c if c.is_control() => h.push(' '),
            c => h.push(c),
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_backslashes_and_breaks() {
        assert_eq!(quote("node"), "\"node\"");
        assert_eq!(quote(r#"a"b\"#), r#""a\"b\\""#);
        assert_eq!(quote("a\nb"), "\"a b\"");
    }

    #[test]
    fn html_escapes_markup() {
        assert_eq!(html(r#"<b> & "x""#), "&lt;b&gt; &amp; &quot;x&quot;");
        assert_eq!(html("tab\there\u{1}"), "tab here ");
    }

    #[test]
    fn tensors_small_in_full_large_summarised() {
        let opts = DotOptions::default();
        let m = Value::from_array(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 3]), vec![1., 2., 3., 4., 5., 6.])
                .unwrap(),
        );
        assert_eq!(value_lines(&m, opts), ["[1, 2, 3]", "[4, 5, 6]"]);
        // 7 elements fit a box's 40 columns on one line, as NumPy prints them.
        let v = Value::from_array(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[7]), (0..7).map(f64::from).collect())
                .unwrap(),
        );
        assert_eq!(value_lines(&v, opts), ["[0, 1, 2, 3, 4, 5, 6]"]);
        // A [10, 100] matrix: its first and last three rows and columns.
        let big = Value::from_array(
            ndarray::ArrayD::from_shape_vec(
                ndarray::IxDyn(&[10, 100]),
                (0..1000).map(f64::from).collect(),
            )
            .unwrap(),
        );
        let lines = value_lines(&big, opts);
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0], "[[  0,   1,   2, ...,  97,  98,  99],");
        assert_eq!(lines[3], " ...,");
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
    }
}
