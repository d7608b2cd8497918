//! The explanation as text for a terminal: readable at 100 columns (long
//! equations wrap at their `=` signs), colour only when asked.

use super::notation::{Equation, Notation};
use super::paths::{Path, WrtPaths};
use super::perturb::{Comparison, signed};
use super::wrap::{Paint, Writer, escape};
use super::{BackStep, Explanation, Gathered};
use crate::render::value_text;

/// How to write the text.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    /// Columns to fit in.
    pub width: usize,
    /// ANSI colour (a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            width: 100,
            color: false,
        }
    }
}

/// Renders the whole explanation.
pub fn render(ex: &Explanation, opts: TextOptions) -> String {
    let n = Notation {
        latex: false,
        sig: ex.options.precision,
        max_elems: ex.options.max_elems,
    };
    let p = Paint { color: opts.color };
    let mut w = Writer::new(opts.width, &p);
    header(ex, &n, &mut w);
    if let Some(c) = &ex.perturb {
        perturbation(c, &n, &mut w);
    }
    if !ex.forward.is_empty() {
        w.heading("Forward, in evaluation order: each node's formula, then its numbers");
        for &node in &ex.forward {
            w.equation(2, &ex.forward_equation(&n, node));
        }
    }
    if !ex.backward.is_empty() {
        w.heading("Backward, from the output down: gradient from above × local derivative");
        for step in &ex.backward {
            backward_step(ex, &n, step, &mut w);
        }
    }
    if !ex.leaves.is_empty() {
        w.heading("Gradients of the inputs and params");
        for leaf in &ex.leaves {
            leaf_line(ex, &n, leaf, &mut w);
        }
    }
    if !ex.unused.is_empty() && ex.options.wrt.is_empty() && ex.options.nodes.is_empty() {
        let names: Vec<String> = ex.unused.iter().map(|&s| escape(ex.name(s))).collect();
        w.line(&format!(
            "\nNot on any path to `{}` (gradient 0): {}",
            escape(ex.output()),
            names.join(", ")
        ));
    }
    for wrt in &ex.paths {
        paths(ex, &n, wrt, &mut w);
    }
    w.out
}

fn header(ex: &Explanation, n: &Notation, w: &mut Writer) {
    let title = w.p.heading(&escape(&ex.title));
    w.line(&title);
    let out = ex.output();
    w.line(&format!(
        "output `{}` = {}",
        escape(out),
        w.p.result(&n.value(ex.value(ex.plan.output)))
    ));
    if !ex.plan.output_is_scalar() {
        w.line(&format!(
            "`{0}` is not a scalar: the gradients are those of sum({0}), the seed is all ones",
            escape(out)
        ));
    }
}

fn backward_step(ex: &Explanation, n: &Notation, step: &BackStep, w: &mut Writer) {
    let info = ex.plan.info(step.node);
    let args: Vec<String> = info.args.iter().map(|&a| escape(ex.name(a))).collect();
    let call = format!("{}({})", step.op.display(), args.join(", "));
    let node = escape(ex.name(step.node));
    let out = escape(ex.output());
    let up = &step.upstream;
    let from = if up.seed {
        if ex.plan.output_is_scalar() {
            format!("the output: d {out} / d {out} = 1")
        } else {
            format!("the output: the seed d {out} / d {out} is all ones")
        }
    } else if up.uses.len() == 1 {
        "from above:".to_string()
    } else {
        format!("from above, the sum over its {} uses:", up.uses.len())
    };
    w.line(&format!("  {} = {call}, {from}", w.p.node(&node)));
    if !up.seed {
        let eq = ex.gathered_equation(n, up).unwrap_or_else(|| Equation {
            lhs: n.partial(ex.output(), ex.name(step.node)),
            rhs: vec![n.value(&up.total)],
            ..Default::default()
        });
        w.equation(4, &eq);
    }
    for t in &step.terms {
        w.equation(4, &ex.term_equation(n, step, t));
    }
}

fn leaf_line(ex: &Explanation, n: &Notation, leaf: &Gathered, w: &mut Writer) {
    let name = escape(ex.name(leaf.slot));
    let out = escape(ex.output());
    match leaf.uses.len() {
        0 => w.line(&format!(
            "  d {out} / d {name} = 0: {name} does not affect `{out}`"
        )),
        1 => w.equation(
            2,
            &Equation {
                lhs: n.partial(ex.output(), ex.name(leaf.slot)),
                rhs: vec![n.value(&leaf.total)],
                ..Default::default()
            },
        ),
        k => {
            if let Some(mut eq) = ex.gathered_equation(n, leaf) {
                eq.note = Some(format!("{name} is used {k} times: the gradients add up"));
                w.equation(2, &eq);
            }
        }
    }
}

fn perturbation(c: &Comparison, n: &Notation, w: &mut Writer) {
    let sig = n.sig;
    w.heading("Changing the inputs: what the gradient predicts, and what happens");
    let out = escape(&c.output_label());
    for ch in &c.changes {
        let text = |v| value_text(v, sig, n.max_elems);
        let change = match ch.delta().as_scalar() {
            Some(d) => format!(" (change {})", signed(d, sig)),
            None => String::new(),
        };
        w.words(
            2,
            6,
            &format!(
                "{0}: {1} -> {2}{change}, d {out} / d {0} = {3}",
                escape(&ch.name),
                text(&ch.old),
                text(&ch.new),
                text(&ch.grad)
            ),
        );
    }
    w.words(2, 6, &escape(&c.line(sig)));
    w.line(&format!(
        "    actual change     {}",
        w.p.result(&signed(c.actual(), sig))
    ));
    w.words(
        4,
        22,
        &format!(
            "gradient predicts {} = {} (each gradient × its input's change, summed)",
            c.prediction_terms(sig),
            signed(c.predicted(), sig),
        ),
    );
    if c.exact() {
        w.line("    difference        0: the prediction is exact (up to rounding)");
    } else {
        w.words(
            4,
            22,
            &format!(
                "difference        {}: the higher-order part. The gradient is the slope at the \
                 old values; {out} is not linear in what changed, so it curves away from that \
                 slope.",
                signed(c.difference(), sig)
            ),
        );
    }
}

fn paths(ex: &Explanation, n: &Notation, wrt: &WrtPaths, w: &mut Writer) {
    let out = escape(ex.output());
    let target = escape(ex.name(wrt.target));
    let count = wrt.count;
    let plural = if count == 1 { "path" } else { "paths" };
    w.heading(&format!(
        "d {out} / d {target}: {count} {plural} from {out} down to {target}"
    ));
    if count == 0 {
        w.line(&format!(
            "  {target} does not affect {out}: the gradient is {}",
            n.value(&wrt.total)
        ));
        return;
    }
    for (i, path) in wrt.paths.iter().enumerate() {
        let names: Vec<String> = (0..=path.edges.len())
            .map(|k| escape(&ex.path_label(path, k)))
            .collect();
        w.words(
            2,
            6,
            &format!("path {} of {count}: {}", i + 1, names.join(" → ")),
        );
        path_rows(ex, n, wrt, path, w);
    }
    let listed = wrt.listed_sum();
    let total = n.value(&wrt.total);
    if (wrt.paths.len() as u128) < count {
        w.line(&format!(
            "  ... and {} more paths, not listed; the {} listed sum to {}",
            count - wrt.paths.len() as u128,
            wrt.paths.len(),
            n.value(&listed)
        ));
        w.line(&format!(
            "  sum over all {count} paths = d {out} / d {target} = {} (the reverse walk)",
            w.p.result(&total)
        ));
    } else {
        let parts: Vec<String> = wrt
            .paths
            .iter()
            .map(|p| n.value_factor(p.contribution()))
            .collect();
        let mut eq = Equation::new(format!("sum over the {count} {plural}"), false);
        eq.then(parts.join(" + "));
        eq.then(n.value(&listed));
        eq.note = Some(format!(
            "the reverse walk gives d {out} / d {target} = {total}"
        ));
        w.equation(2, &eq);
    }
}

fn path_rows(ex: &Explanation, n: &Notation, wrt: &WrtPaths, path: &Path, w: &mut Writer) {
    let out = ex.output();
    let target = ex.name(wrt.target);
    let slots = path.slots(ex.plan.output);
    let below = path.below();
    let mut rows = vec![vec![
        "slot".to_string(),
        format!("d {} / d slot", escape(out)),
        if below.is_some() {
            format!("d slot / d {}", escape(target))
        } else {
            String::new()
        },
        "local derivative from the slot above".to_string(),
    ]];
    for i in 0..slots.len() {
        let factor = if i == 0 {
            String::new()
        } else {
            let e = path.edges[i - 1];
            let local = path.factors.as_ref().map(|f| f[i - 1]);
            ex.edge_text(n, e, local)
        };
        let arrow = if i == 0 { "" } else { "↓ " };
        rows.push(vec![
            format!("{arrow}{}", escape(&ex.path_label(path, i))),
            n.value(&path.along[i]),
            below.as_ref().map(|b| n.number(b[i])).unwrap_or_default(),
            factor,
        ]);
    }
    w.table(4, &rows);
    if let Some(factors) = path.factors.as_ref().filter(|f| !f.is_empty()) {
        let parts: Vec<String> = factors.iter().map(|&f| n.factor(f)).collect();
        w.equation(
            4,
            &Equation {
                lhs: "product".into(),
                rhs: vec![parts.join(" × "), n.value(path.contribution())],
                ..Default::default()
            },
        );
        if let Some(groups) = path.grouped(ex.plan.output, &wrt.landmarks)
            && !wrt.landmarks.is_empty()
        {
            let sym: Vec<String> = groups
                .iter()
                .map(|&(a, b, _)| n.partial(ex.name(a), ex.name(b)))
                .collect();
            let num: Vec<String> = groups.iter().map(|g| n.factor(g.2)).collect();
            w.equation(
                4,
                &Equation {
                    lhs: n.partial(out, target),
                    rhs: vec![
                        sym.join(" × "),
                        num.join(" × "),
                        n.value(path.contribution()),
                    ],
                    note: Some("grouped at the --node names".into()),
                    ..Default::default()
                },
            );
        }
    } else {
        w.line(&format!(
            "    this path contributes {}",
            n.value(path.contribution())
        ));
    }
}
