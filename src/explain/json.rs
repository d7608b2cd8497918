//! The explanation as one JSON object for tools: the forward lines, one
//! object per backward step (the node, the upstream gradient, and for each
//! argument its formula, local value and contribution), the leaves, the
//! `--wrt` paths and the `--perturb` comparison. Every f64 is exact (it reads
//! back as the same number); formulas are given as the op table's template,
//! and with names plugged in, as text and as LaTeX.

use super::notation::Notation;
use super::paths::WrtPaths;
use super::perturb::Comparison;
use super::{BackStep, Explanation, Gathered, Use};
use crate::op::Grad;
use crate::render::json::{number, string, value};

/// Renders the whole explanation as one JSON object (and a newline).
pub fn render(ex: &Explanation) -> String {
    let text = Notation {
        latex: false,
        sig: ex.options.precision,
        max_elems: ex.options.max_elems,
    };
    let latex = Notation {
        latex: true,
        ..text
    };
    let mut fields = vec![
        ("spec", string(&ex.plan.name)),
        ("output", string(ex.output())),
        ("value", value(ex.value(ex.plan.output))),
        ("summed", (!ex.plan.output_is_scalar()).to_string()),
    ];
    let forward: Vec<String> = ex
        .forward
        .iter()
        .map(|&node| {
            let op = ex.op_of(node);
            let def = op.map(|o| o.def());
            let args: Vec<String> = ex
                .plan
                .info(node)
                .args
                .iter()
                .map(|&a| string(ex.name(a)))
                .collect();
            let eq = ex.forward_equation(&text, node);
            let lx = ex.forward_equation(&latex, node);
            object(&[
                ("node", string(ex.name(node))),
                ("op", string(&op.map(|o| o.display()).unwrap_or_default())),
                ("args", list(&args)),
                ("template", string(def.map_or("", |d| d.formula.text))),
                ("formula", string(eq.rhs.first().map_or("", |s| s))),
                ("latex", string(lx.rhs.first().map_or("", |s| s))),
                ("value", value(ex.value(node))),
            ])
        })
        .collect();
    fields.push(("forward", list(&forward)));
    let backward: Vec<String> = ex
        .backward
        .iter()
        .map(|s| step(ex, &text, &latex, s))
        .collect();
    fields.push(("backward", list(&backward)));
    let leaves: Vec<String> = ex.leaves.iter().map(|g| leaf(ex, g)).collect();
    fields.push(("leaves", list(&leaves)));
    let unused: Vec<String> = ex.unused.iter().map(|&s| string(ex.name(s))).collect();
    fields.push(("unused", list(&unused)));
    let paths: Vec<String> = ex.paths.iter().map(|w| wrt(ex, w)).collect();
    fields.push(("paths", list(&paths)));
    fields.push((
        "perturb",
        ex.perturb.as_ref().map_or("null".into(), comparison),
    ));
    // Strings from the spec: C1, bidi and invisible characters as \uXXXX.
    let mut out = crate::term::json_safe(object(&fields));
    out.push('\n');
    out
}

fn object(fields: &[(&str, String)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", string(k)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn uses(ex: &Explanation, uses: &[Use]) -> String {
    let items: Vec<String> = uses
        .iter()
        .map(|u| {
            object(&[
                ("node", string(ex.name(u.node))),
                ("position", u.position.to_string()),
                ("contribution", value(&u.contribution)),
            ])
        })
        .collect();
    list(&items)
}

fn step(ex: &Explanation, text: &Notation, latex: &Notation, s: &BackStep) -> String {
    let def = s.op.def();
    let args: Vec<String> = s
        .terms
        .iter()
        .map(|t| {
            let eq = ex.term_equation(text, s, t);
            let lx = ex.term_equation(latex, s, t);
            let param = def.args.get(t.position).map_or("", |a| a.name);
            let (kind, template) = match t.grad {
                Grad::Local(f) => ("local", f.text),
                Grad::Vjp(f) => ("vjp", f.text),
            };
            let axes: Vec<String> = t.summed_axes.iter().map(|a| a.to_string()).collect();
            object(&[
                ("name", string(ex.name(t.arg))),
                ("position", t.position.to_string()),
                ("param", string(param)),
                ("kind", string(kind)),
                ("template", string(template)),
                ("equation", string(&equation_text(&eq))),
                ("latex", string(&equation_latex(&lx))),
                ("local", t.local.as_ref().map_or("null".into(), value)),
                ("contribution", value(&t.contribution)),
                ("summed_axes", list(&axes)),
                ("partial", t.partial.to_string()),
            ])
        })
        .collect();
    object(&[
        ("node", string(ex.name(s.node))),
        ("op", string(&s.op.display())),
        ("seed", s.upstream.seed.to_string()),
        ("upstream", value(&s.upstream.total)),
        ("upstream_from", uses(ex, &s.upstream.uses)),
        ("args", list(&args)),
    ])
}

fn equation_text(eq: &super::notation::Equation) -> String {
    let op = if eq.accumulate { " += " } else { " = " };
    let mut s = eq.lhs.clone();
    for (i, r) in eq.rhs.iter().enumerate() {
        s.push_str(if i == 0 { op } else { " = " });
        s.push_str(r);
    }
    s
}

fn equation_latex(eq: &super::notation::Equation) -> String {
    let op = if eq.accumulate {
        r" \mathrel{+}= "
    } else {
        " = "
    };
    let mut s = eq.lhs.clone();
    for (i, r) in eq.rhs.iter().enumerate() {
        s.push_str(if i == 0 { op } else { " = " });
        s.push_str(r);
    }
    s
}

fn leaf(ex: &Explanation, g: &Gathered) -> String {
    object(&[
        ("name", string(ex.name(g.slot))),
        ("grad", value(&g.total)),
        ("uses", uses(ex, &g.uses)),
    ])
}

fn wrt(ex: &Explanation, w: &WrtPaths) -> String {
    let paths: Vec<String> = w
        .paths
        .iter()
        .map(|p| {
            let slots: Vec<String> = p
                .slots(ex.plan.output)
                .iter()
                .map(|&s| string(ex.name(s)))
                .collect();
            let along: Vec<String> = p.along.iter().map(value).collect();
            let factors = p.factors.as_ref().map_or("null".into(), |f| {
                list(&f.iter().map(|&x| number(x)).collect::<Vec<_>>())
            });
            object(&[
                ("slots", list(&slots)),
                ("factors", factors),
                ("along", list(&along)),
                ("contribution", value(p.contribution())),
            ])
        })
        .collect();
    object(&[
        ("wrt", string(ex.name(w.target))),
        ("count", w.count.to_string()),
        ("grad", value(&w.total)),
        ("listed_sum", value(&w.listed_sum())),
        ("paths", list(&paths)),
    ])
}

fn comparison(c: &Comparison) -> String {
    let changes: Vec<String> = c
        .changes
        .iter()
        .map(|ch| {
            object(&[
                ("name", string(&ch.name)),
                ("old", value(&ch.old)),
                ("new", value(&ch.new)),
                ("change", value(&ch.delta())),
                ("grad", value(&ch.grad)),
                ("predicted", number(ch.predicted)),
            ])
        })
        .collect();
    object(&[
        ("output", string(&c.output)),
        ("summed", c.summed.to_string()),
        ("old", number(c.old)),
        ("new", number(c.new)),
        ("actual", number(c.actual())),
        ("predicted", number(c.predicted())),
        ("difference", number(c.difference())),
        ("exact", c.exact().to_string()),
        ("changes", list(&changes)),
    ])
}
