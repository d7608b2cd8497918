//! The NumPy script: forward in graph order, then the backward pass by hand,
//! one line per node in reverse order, each handing the node's gradient to
//! its arguments. A value used by several arguments gets one partial
//! gradient from each, added up in one line before it is used, as bpc's
//! reverse walk adds them.

use super::Script;
use crate::graph::Kind;
use crate::plan::Slot;

/// Collects the gradient of each slot from its uses.
struct Grads {
    /// Per slot: its gradient's variable (`d_x`).
    name: Vec<String>,
    /// Per slot: how many arguments it feeds (literal slots: none wanted).
    uses: Vec<usize>,
    /// Per slot: the partial gradients written so far, in reverse order.
    parts: Vec<Vec<String>>,
    output: Slot,
}

impl Grads {
    /// The variable for the next partial gradient of `slot`: its gradient
    /// itself when it has one use and no seed.
    fn partial(&mut self, s: &mut Script, slot: Slot) -> String {
        let i = slot.index();
        let name = if self.uses[i] == 1 && slot != self.output {
            self.name[i].clone()
        } else {
            s.names
                .fresh(&format!("{}_{}", self.name[i], self.parts[i].len() + 1))
        };
        self.parts[i].push(name.clone());
        name
    }

    /// The line that completes the gradient of `slot`, if one is needed: the
    /// seed (the output's), plus every partial; zeros when it has no use.
    fn total(&self, s: &Script, slot: Slot) -> Option<String> {
        let i = slot.index();
        let seed = slot == self.output;
        if self.uses[i] == 1 && !seed {
            return None;
        }
        let value = s.py(slot);
        let mut terms: Vec<String> = Vec::new();
        if seed {
            terms.push(format!("np.ones_like({value})"));
        }
        terms.extend(self.parts[i].iter().cloned());
        let (expr, note) = match (terms.len(), seed) {
            (0, _) => (
                format!("np.zeros_like({value})"),
                "no path to the output".to_string(),
            ),
            (1, true) => (
                terms.remove(0),
                format!("the seed: d {0} / d {0} = 1", s.plan.output_name()),
            ),
            (n, true) => (
                terms.join(" + "),
                format!("the seed, plus what its {} use(s) hand back", n - 1),
            ),
            (n, false) => (
                terms.join(" + "),
                format!("`{value}` feeds {n} arguments: their gradients add up"),
            ),
        };
        Some(format!("{} = {expr}  # {note}", self.name[i]))
    }
}

/// The whole script.
pub(super) fn write(s: &mut Script, origin: &str) -> String {
    let plan = s.plan;
    let mut uses = vec![0; plan.slots.len()];
    for step in &plan.steps {
        for (k, &a) in step.args().iter().enumerate() {
            if step.wants()[k] {
                uses[a.index()] += 1;
            }
        }
    }
    let name = (0..plan.slots.len())
        .map(|i| match plan.slots[i].kind {
            Kind::Literal => String::new(),
            _ => {
                let value = s.py[i].clone();
                s.names.fresh(&format!("d_{value}"))
            }
        })
        .collect();
    let mut grads = Grads {
        name,
        uses,
        parts: vec![Vec::new(); plan.slots.len()],
        output: plan.output,
    };

    let forward: Vec<String> = (0..plan.steps.len())
        .map(|i| {
            let out = s.py(plan.steps[i].out).to_string();
            format!("{out} = {}", s.fill(&s.ops[i].forward, i, ""))
        })
        .collect();

    let mut backward = Vec::new();
    for i in (0..plan.steps.len()).rev() {
        let step = &plan.steps[i];
        backward.extend(grads.total(s, step.out));
        let g = grads.name[step.out.index()].clone();
        let targets: Vec<String> = step
            .args()
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                if step.wants()[k] {
                    grads.partial(s, a)
                } else {
                    "_".to_string()
                }
            })
            .collect();
        let call = s.ops[i].backward.clone().unwrap_or_default();
        if targets.iter().all(|t| t == "_") {
            backward.push(format!(
                "# `{}`: its arguments are numbers, no gradient to hand back",
                s.py(step.out)
            ));
        } else {
            backward.push(format!("{} = {}", targets.join(", "), s.fill(&call, i, &g)));
        }
    }
    for (slot, info) in plan.named() {
        if matches!(info.kind, Kind::Input | Kind::Param) {
            backward.extend(grads.total(s, slot));
        }
    }

    let header = s.header(
        origin,
        "NumPy: the forward pass in graph order, then the backward pass by hand, one \
         line per node in reverse order: each node hands its gradient to its arguments.",
    );
    let (leaves, init) = s.leaf_lines();
    let helpers = s.helper_texts(init);
    let report = s.report(
        |slot| s.py(slot).to_string(),
        |slot| grads.name[slot.index()].clone(),
    );
    let mut out = String::new();
    out.push_str(&header);
    out.push_str("\nimport json\nimport math\n\nimport numpy as np\n\n");
    out.push_str("np.seterr(all=\"ignore\")  # NaN and inf are results here, as in bpc\n\n\n");
    for h in helpers {
        out.push_str(h);
        out.push_str("\n\n\n");
    }
    out.push_str("# Inputs and params\n");
    for line in leaves {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("\n# Forward, in graph order\n");
    for line in forward {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!(
        "\n# Backward: d {} / d every value, one line per node from the output back\n",
        super::python::clean(plan.output_name())
    ));
    for line in backward {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&s.json_report(report));
    out
}
