//! The PyTorch and JAX scripts: the forward pass in graph order, and the
//! framework's autograd for every gradient (the seed is ones, as in bpc: the
//! gradient of the sum of the output's elements).

use super::{Script, Target, python};
use crate::graph::Kind;

/// Names the autograd scripts define besides their helper functions.
pub(super) const OWN_NAMES: &[&str] = &[
    "forward", "leaves", "nudge", "nodes", "d_leaves", "d_nodes", "grads",
];

/// PyTorch's plumbing (leaves, kept gradients).
const TORCH: &str = include_str!("autograd.py");

/// The whole script.
pub(super) fn write(s: &mut Script, origin: &str) -> String {
    let (leaves, init) = s.leaf_lines();
    let mut helpers = s.helper_texts(init);
    let plan = s.plan;
    let mut out = String::new();
    match s.target {
        Target::Pytorch => {
            out.push_str(&s.header(
                origin,
                "PyTorch (float64): the forward pass in graph order; autograd computes \
                 every gradient.",
            ));
            out.push_str("\nimport json\nimport math\n\nimport numpy as np\nimport torch\n\n\n");
            let plumbing = super::Library::new(TORCH);
            let mut wanted = vec!["as_leaf", "keep_grad", "grad_of"];
            if s.py.iter().any(|p| p.starts_with("const(")) {
                wanted.push("const");
            }
            helpers.splice(0..0, plumbing.pick(wanted));
            for h in helpers {
                out.push_str(h);
                out.push_str("\n\n\n");
            }
            out.push_str("# Inputs and params: tensors whose gradient autograd computes\n");
            for line in leaves {
                let (name, value) = line.split_once(" = ").unwrap_or((&line, ""));
                let (value, note) = match value.split_once("  # ") {
                    Some((v, n)) => (v, format!("  # {n}")),
                    None => (value, String::new()),
                };
                out.push_str(&format!("{name} = as_leaf({value}){note}\n"));
            }
            out.push_str("\n# Forward, in graph order (keep_grad keeps each node's gradient)\n");
            for i in 0..plan.steps.len() {
                let step = &plan.steps[i];
                let expr = s.fill(&s.ops[i].forward, i, "");
                out.push_str(&format!("{} = keep_grad({expr})\n", s.py(step.out)));
            }
            let y = s.py(plan.output);
            out.push_str(&format!(
                "\n# Backward: autograd, from d {0} / d {0} = 1 (ones: the sum of its elements)\n\
                 {y}.backward(torch.ones_like({y}))\n\n",
                python::clean(plan.output_name())
            ));
            let rows = s.report(
                |slot| format!("{}.detach()", s.py(slot)),
                |slot| format!("grad_of({})", s.py(slot)),
            );
            out.push_str(&s.json_report(rows));
        }
        Target::Jax | Target::Numpy => {
            out.push_str(&s.header(
                origin,
                "JAX (float64): the forward pass as a function; jax.grad computes every \
                 gradient.",
            ));
            out.push_str(
                "\nimport json\nimport math\n\nimport numpy as np\nimport jax\nimport jax.numpy as jnp\n\n\
                 jax.config.update(\"jax_enable_x64\", True)  # bpc computes in float64\n\n\n",
            );
            for h in helpers {
                out.push_str(h);
                out.push_str("\n\n\n");
            }
            out.push_str("# Inputs and params\n");
            for line in &leaves {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&jax_forward(s));
        }
    }
    out
}

/// JAX: the forward function, the call of `jax.grad` and the report.
fn jax_forward(s: &Script) -> String {
    let plan = s.plan;
    let leaves: Vec<_> = plan
        .named()
        .filter(|(_, i)| matches!(i.kind, Kind::Input | Kind::Param))
        .map(|(slot, _)| slot)
        .collect();
    let tuple = |items: Vec<String>| match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    };
    let leaf_names: Vec<String> = leaves.iter().map(|&l| s.py(l).to_string()).collect();
    let node_names: Vec<String> = plan
        .steps
        .iter()
        .map(|st| s.py(st.out).to_string())
        .collect();
    let mut out = String::from(
        "\n\ndef forward(leaves, nudge):\n    \
         \"\"\"The graph, in graph order. `nudge` adds zero to every node, so that\n    \
         the gradient with respect to it is the gradient at that node.\"\"\"\n",
    );
    if !leaf_names.is_empty() {
        out.push_str(&format!("    {} = leaves\n", tuple(leaf_names.clone())));
    }
    for (i, node) in node_names.iter().enumerate() {
        let expr = s.fill(&s.ops[i].forward, i, "");
        out.push_str(&format!("    {node} = {expr} + nudge[{i}]\n"));
    }
    out.push_str(&format!(
        "    return jnp.sum({}), {}\n\n\n",
        s.py(plan.output),
        tuple(node_names)
    ));
    let zeros: Vec<String> = plan
        .steps
        .iter()
        .map(|st| format!("jnp.zeros({})", python::tuple(&plan.info(st.out).shape)))
        .collect();
    out.push_str(&format!("leaves = {}\n", tuple(leaf_names)));
    out.push_str(&format!("nudge = {}\n", tuple(zeros)));
    out.push_str(&format!(
        "# Backward: jax.grad of the sum of `{}` (the seed is ones, as in bpc)\n",
        python::clean(plan.output_name())
    ));
    out.push_str(
        "(d_leaves, d_nodes), nodes = jax.grad(forward, argnums=(0, 1), has_aux=True)(leaves, nudge)\n\n",
    );
    let index = |slot: crate::plan::Slot| -> (bool, usize) {
        match leaves.iter().position(|&l| l == slot) {
            Some(i) => (true, i),
            None => (
                false,
                plan.steps.iter().position(|st| st.out == slot).unwrap_or(0),
            ),
        }
    };
    let rows = s.report(
        |slot| match index(slot) {
            (true, i) => format!("leaves[{i}]"),
            (false, i) => format!("nodes[{i}]"),
        },
        |slot| match index(slot) {
            (true, i) => format!("d_leaves[{i}]"),
            (false, i) => format!("d_nodes[{i}]"),
        },
    );
    out.push_str(&s.json_report(rows));
    out
}
