//! The explanation as markdown with LaTeX math (`$$…$$`), ready to paste
//! into course notes (GitHub, Jupyter, KaTeX and MathJax render it).

use super::notation::{Equation, Notation};
use super::paths::WrtPaths;
use super::perturb::{Comparison, signed};
use super::{BackStep, Explanation, Gathered};

/// Renders the whole explanation as markdown.
pub fn render(ex: &Explanation) -> String {
    let n = Notation {
        latex: true,
        sig: ex.options.precision,
        max_elems: ex.options.max_elems,
    };
    let mut md = String::new();
    let out = ex.output();
    // The title keeps its `code` spans: every other piece between backticks.
    let title: Vec<String> = ex
        .title
        .split('`')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                format!("`{}`", code(piece))
            } else {
                text(piece)
            }
        })
        .collect();
    md.push_str(&format!("## {}\n\n", title.concat()));
    md.push_str(&format!(
        "Output `{}` = {}.",
        code(out),
        inline(&n.value(ex.value(ex.plan.output)))
    ));
    if !ex.plan.output_is_scalar() {
        md.push_str(&format!(
            " `{0}` is not a scalar: the gradients are those of sum(`{0}`), the seed is all ones.",
            code(out)
        ));
    }
    md.push_str("\n\n");
    if let Some(c) = &ex.perturb {
        perturbation(c, &n, &mut md);
    }
    if !ex.forward.is_empty() {
        md.push_str("### Forward, in evaluation order\n\n");
        for &node in &ex.forward {
            equation(&mut md, &ex.forward_equation(&n, node));
        }
    }
    if !ex.backward.is_empty() {
        md.push_str(
            "### Backward, from the output down\n\n\
             Each step multiplies the gradient from above by the local derivative.\n\n",
        );
        for step in &ex.backward {
            backward_step(ex, &n, step, &mut md);
        }
    }
    if !ex.leaves.is_empty() {
        md.push_str("### Gradients of the inputs and params\n\n");
        for leaf in &ex.leaves {
            leaf_line(ex, &n, leaf, &mut md);
        }
    }
    if !ex.unused.is_empty() && ex.options.wrt.is_empty() && ex.options.nodes.is_empty() {
        let names: Vec<String> = ex
            .unused
            .iter()
            .map(|&s| format!("`{}`", code(ex.name(s))))
            .collect();
        md.push_str(&format!(
            "Not on any path to `{}` (gradient 0): {}.\n\n",
            code(out),
            names.join(", ")
        ));
    }
    for wrt in &ex.paths {
        paths(ex, &n, wrt, &mut md);
    }
    md
}

/// Text from a spec in markdown prose: control characters dropped, markdown's
/// special characters escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || unsafe_char(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A name inside backticks (which cannot hold a backtick).
fn code(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '`' || c.is_control() || unsafe_char(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Characters that must not reach a reader as themselves: controls, bidi
/// overrides, invisible ones (see [`crate::term::is_unsafe`]).
fn unsafe_char(c: char) -> bool {
    crate::term::is_unsafe(c)
}

fn inline(math: &str) -> String {
    format!("${math}$")
}

/// `$$lhs = a = b$$`, aligned at `=` when it has three sides or more; the
/// note in words after it.
fn equation(md: &mut String, eq: &Equation) {
    let op = if eq.accumulate { r"\mathrel{+}=" } else { "=" };
    let long = eq.lhs.len() + eq.rhs.iter().map(|r| r.len() + 3).sum::<usize>() > 160;
    if eq.rhs.len() <= 2 || !long {
        let mut line = eq.lhs.clone();
        for r in &eq.rhs {
            line.push_str(&format!(" {op} {r}"));
        }
        md.push_str(&format!("$$\n{line}\n$$\n"));
    } else {
        md.push_str("$$\n\\begin{aligned}\n");
        for (i, r) in eq.rhs.iter().enumerate() {
            let left = if i == 0 { eq.lhs.as_str() } else { "" };
            let op = if i == 0 { op } else { "=" };
            let end = if i + 1 < eq.rhs.len() { r" \\" } else { "" };
            md.push_str(&format!("{left} &{op} {r}{end}\n"));
        }
        md.push_str("\\end{aligned}\n$$\n");
    }
    match (&eq.shapes, &eq.note) {
        (Some(shapes), Some(note)) => {
            md.push_str(&format!("\nShapes {}; {}.\n", inline(shapes), text(note)))
        }
        (Some(shapes), None) => md.push_str(&format!("\nShapes {}.\n", inline(shapes))),
        (None, Some(note)) => md.push_str(&format!("\n*{}.*\n", text(note))),
        (None, None) => {}
    }
    md.push('\n');
}

fn backward_step(ex: &Explanation, n: &Notation, step: &BackStep, md: &mut String) {
    let info = ex.plan.info(step.node);
    let args: Vec<&str> = info.args.iter().map(|&a| ex.name(a)).collect();
    let node = ex.name(step.node);
    let out = ex.output();
    let up = &step.upstream;
    let from = if up.seed {
        "the output, where the gradient starts at 1".to_string()
    } else if up.uses.len() == 1 {
        format!(
            "from above: {}",
            inline(&format!(
                "{} = {}",
                n.partial(out, node),
                n.value(&up.total)
            ))
        )
    } else {
        format!("from above, the sum over its {} uses:", up.uses.len())
    };
    md.push_str(&format!(
        "**`{}`** = `{}({})`, {from}\n\n",
        code(node),
        step.op.display(),
        code(&args.join(", "))
    ));
    if let Some(eq) = ex.gathered_equation(n, up).filter(|_| !up.seed) {
        equation(md, &eq);
    }
    for t in &step.terms {
        equation(md, &ex.term_equation(n, step, t));
    }
}

fn leaf_line(ex: &Explanation, n: &Notation, leaf: &Gathered, md: &mut String) {
    let name = ex.name(leaf.slot);
    let lhs = n.partial(ex.output(), name);
    match leaf.uses.len() {
        0 => md.push_str(&format!(
            "- {}: `{}` does not affect the output.\n\n",
            inline(&format!("{lhs} = 0")),
            code(name)
        )),
        1 => md.push_str(&format!(
            "- {}\n\n",
            inline(&format!("{lhs} = {}", n.value(&leaf.total)))
        )),
        k => {
            if let Some(eq) = ex.gathered_equation(n, leaf) {
                md.push_str(&format!(
                    "- `{}` is used {k} times: the gradients add up.\n\n",
                    code(name)
                ));
                equation(md, &eq);
            }
        }
    }
}

fn perturbation(c: &Comparison, n: &Notation, md: &mut String) {
    let sig = n.sig;
    md.push_str("### Changing the inputs\n\n");
    for ch in &c.changes {
        md.push_str(&format!(
            "- `{}`: {} → {}; the gradient predicts {}\n",
            code(&ch.name),
            inline(&n.value(&ch.old)),
            inline(&n.value(&ch.new)),
            inline(&signed(ch.predicted, sig))
        ));
    }
    md.push_str(&format!(
        "\n`{}`: {} → {}: actual change **{}**, the gradient predicts **{}** ({})",
        code(&c.output_label()),
        inline(&n.number(c.old)),
        inline(&n.number(c.new)),
        signed(c.actual(), sig),
        signed(c.predicted(), sig),
        c.prediction_terms(sig)
    ));
    if c.exact() {
        md.push_str(": exact.\n\n");
    } else {
        md.push_str(&format!(
            ". The difference, {}, is the higher-order part: the gradient is the slope at the \
             old values, and the output curves away from it.\n\n",
            signed(c.difference(), sig)
        ));
    }
}

fn paths(ex: &Explanation, n: &Notation, wrt: &WrtPaths, md: &mut String) {
    let out = ex.output();
    let target = ex.name(wrt.target);
    md.push_str(&format!(
        "### {}: {} path{} from `{}` down to `{}`\n\n",
        inline(&n.partial(out, target)),
        wrt.count,
        if wrt.count == 1 { "" } else { "s" },
        code(out),
        code(target)
    ));
    for (i, path) in wrt.paths.iter().enumerate() {
        let slots = path.slots(ex.plan.output);
        let below = path.below();
        md.push_str(&format!("Path {} of {}:\n\n", i + 1, wrt.count));
        md.push_str(&format!(
            "| slot | {} | {} | local derivative from the slot above |\n|---|---|---|---|\n",
            inline(&format!(
                r"\frac{{\partial {}}}{{\partial \cdot}}",
                n.name(out)
            )),
            if below.is_some() {
                inline(&format!(
                    r"\frac{{\partial \cdot}}{{\partial {}}}",
                    n.name(target)
                ))
            } else {
                String::new()
            }
        ));
        for k in 0..slots.len() {
            let factor = if k == 0 {
                String::new()
            } else {
                let local = path.factors.as_ref().map(|f| f[k - 1]);
                inline(&ex.edge_text(n, path.edges[k - 1], local))
            };
            md.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                code(&ex.path_label(path, k)),
                inline(&n.value(&path.along[k])),
                below
                    .as_ref()
                    .map(|b| inline(&n.number(b[k])))
                    .unwrap_or_default(),
                factor.replace('|', r"\vert ")
            ));
        }
        md.push('\n');
        if let Some(factors) = path.factors.as_ref().filter(|f| !f.is_empty()) {
            let parts: Vec<String> = factors.iter().map(|&f| n.factor(f)).collect();
            equation(
                md,
                &Equation {
                    lhs: n.partial(out, target),
                    rhs: vec![parts.join(n.times()), n.value(path.contribution())],
                    ..Default::default()
                },
            );
            if let Some(groups) = path
                .grouped(ex.plan.output, &wrt.landmarks)
                .filter(|_| !wrt.landmarks.is_empty())
            {
                let sym: Vec<String> = groups
                    .iter()
                    .map(|&(a, b, _)| n.partial(ex.name(a), ex.name(b)))
                    .collect();
                let num: Vec<String> = groups.iter().map(|g| n.factor(g.2)).collect();
                equation(
                    md,
                    &Equation {
                        lhs: n.partial(out, target),
                        rhs: vec![
                            sym.join(n.times()),
                            num.join(n.times()),
                            n.value(path.contribution()),
                        ],
                        ..Default::default()
                    },
                );
            }
        }
    }
    let listed = wrt.listed_sum();
    if (wrt.paths.len() as u128) < wrt.count {
        md.push_str(&format!(
            "…and {} more paths; the {} listed sum to {}.\n\n",
            wrt.count - wrt.paths.len() as u128,
            wrt.paths.len(),
            inline(&n.value(&listed))
        ));
    }
    md.push_str(&format!(
        "Summed over all paths: {} (the reverse walk).\n\n",
        inline(&format!(
            "{} = {}",
            n.partial(out, target),
            n.value(&wrt.total)
        ))
    ));
}
