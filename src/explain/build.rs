//! Building an [`Explanation`]: the reverse walk once more, keeping every
//! step's upstream gradient, each argument's local derivative and its
//! contribution.

use super::{BackStep, Explanation, Gathered, Options, Term, Use, paths, perturb};
use crate::broadcast::broadcast_shapes;
use crate::eval::Evaluation;
use crate::graph::Kind;
use crate::op::Grad;
use crate::op::Op;
use crate::plan::{Plan, Slot, Step};
use crate::tensor::Value;

/// Explains `eval`, the evaluation of `plan`: which nodes and paths are
/// listed follows `options`; `perturb` is the lesson's experiment, if run.
pub fn explain<'p>(
    plan: &'p Plan,
    eval: &'p Evaluation,
    options: Options,
    perturb: Option<perturb::Comparison>,
) -> Explanation<'p> {
    let feeds = plan.ancestors(plan.output);
    // Which slots lead to a --wrt name (the name itself included).
    let leads = leads_to(plan, &options.wrt);
    let listed_node = |s: Slot| {
        if !options.nodes.is_empty() {
            options.nodes.contains(&s)
        } else {
            leads.as_ref().is_none_or(|l| l[s.index()])
        }
    };
    let listed_arg = |s: Slot| leads.as_ref().is_none_or(|l| l[s.index()]);

    // How often each slot is an argument of a node that feeds the output.
    let mut use_count = vec![0usize; plan.slots.len()];
    for step in plan.steps.iter().filter(|s| feeds[s.out.index()]) {
        for (k, a) in step.args().iter().enumerate() {
            if step.wants()[k] {
                use_count[a.index()] += 1;
            }
        }
    }

    let mut uses: Vec<Vec<Use>> = vec![Vec::new(); plan.slots.len()];
    let mut backward = Vec::new();
    for step in plan.steps.iter().rev() {
        if !feeds[step.out.index()] {
            continue;
        }
        let upstream = gathered(
            plan,
            eval,
            step.out,
            std::mem::take(&mut uses[step.out.index()]),
        );
        let terms = terms(eval, step, &use_count);
        for t in &terms {
            uses[t.arg.index()].push(Use {
                node: step.out,
                position: t.position,
                contribution: t.contribution.clone(),
            });
        }
        if listed_node(step.out) {
            let terms = terms.into_iter().filter(|t| listed_arg(t.arg)).collect();
            backward.push(BackStep {
                node: step.out,
                op: step.op,
                upstream,
                terms,
            });
        }
    }

    let mut leaves = Vec::new();
    for (slot, info) in plan.named() {
        if !matches!(info.kind, Kind::Input | Kind::Param) {
            continue;
        }
        let listed = if !options.nodes.is_empty() {
            options.nodes.contains(&slot)
        } else if !options.wrt.is_empty() {
            options.wrt.contains(&slot)
        } else {
            true
        };
        if listed {
            let u = std::mem::take(&mut uses[slot.index()]);
            leaves.push(gathered(plan, eval, slot, u));
        }
    }

    let forward = plan
        .steps
        .iter()
        .map(|s| s.out)
        .filter(|&s| listed_node(s))
        .collect();
    let unused = plan
        .named()
        .filter(|(s, _)| !feeds[s.index()])
        .map(|(s, _)| s)
        .collect();
    let paths = options
        .wrt
        .iter()
        .map(|&target| paths::follow(plan, eval, target, &options))
        .collect();
    let mut title = format!("spec `{}`", plan.name);
    if let Some(d) = &plan.spec.description {
        title.push_str(&format!(": {}", d.trim()));
    }
    Explanation {
        plan,
        eval,
        options,
        title,
        forward,
        backward,
        leaves,
        unused,
        paths,
        perturb,
    }
}

/// For each slot, whether it leads to one of `wrt` (is one, or depends on
/// one); `None` when `wrt` is empty (everything is listed).
fn leads_to(plan: &Plan, wrt: &[Slot]) -> Option<Vec<bool>> {
    if wrt.is_empty() {
        return None;
    }
    let mut leads = vec![false; plan.slots.len()];
    for s in wrt {
        leads[s.index()] = true;
    }
    for step in &plan.steps {
        if step.args().iter().any(|a| leads[a.index()]) {
            leads[step.out.index()] = true;
        }
    }
    Some(leads)
}

fn gathered(plan: &Plan, eval: &Evaluation, slot: Slot, uses: Vec<Use>) -> Gathered {
    Gathered {
        slot,
        seed: slot == plan.output,
        uses,
        total: eval.grads[slot].clone(),
    }
}

/// One term per argument of `step` that takes a gradient.
fn terms(eval: &Evaluation, step: &Step, use_count: &[usize]) -> Vec<Term> {
    let values = &eval.values;
    let args: Vec<&Value> = step.args().iter().map(|&a| &values[a]).collect();
    let out = &values[step.out];
    let g = &eval.grads[step.out];
    let def = step.op.def();
    let mut terms = Vec::new();
    for (k, &arg) in step.args().iter().enumerate() {
        if !step.wants()[k] {
            continue;
        }
        let Some(arg_def) = def.args.get(k) else {
            continue;
        };
        let mut wants = vec![false; args.len()];
        wants[k] = true;
        let contribution = step.op.backward(&args, out, g, &wants)[k]
            .take()
            .unwrap_or_else(|| Value::full(args[k].shape(), f64::NAN));
        let local = match arg_def.grad {
            Grad::Local(_) => Some(local_derivative(step.op, &args, out, k)),
            Grad::Vjp(_) => None,
        };
        let mentions_broadcast = arg_def.grad.formula().text.contains("broadcast");
        let summed_axes = if matches!(arg_def.grad, Grad::Local(_)) || mentions_broadcast {
            broadcast_axes(args[k].shape(), out.shape())
        } else {
            Vec::new()
        };
        terms.push(Term {
            arg,
            position: k,
            grad: arg_def.grad,
            local,
            contribution,
            summed_axes,
            partial: use_count[arg.index()] > 1,
            repeated: step
                .args()
                .iter()
                .enumerate()
                .any(|(j, &b)| j != k && b == arg && step.wants()[j]),
        });
    }
    terms
}

/// d out / d args[k] element by element, at the node's shape: the op's
/// backward with an upstream gradient of ones and every argument broadcast
/// to the node's shape first (so nothing is summed away).
fn local_derivative(op: Op, args: &[&Value], out: &Value, k: usize) -> Value {
    let shape = out.shape();
    let widened: Vec<Value> = args
        .iter()
        .map(|a| {
            if a.shape() == shape {
                (*a).clone()
            } else {
                a.view()
                    .broadcast(shape)
                    .map(|v| Value::from_array(v.to_owned()))
                    .unwrap_or_else(|| Value::full(shape, f64::NAN))
            }
        })
        .collect();
    let refs: Vec<&Value> = widened.iter().collect();
    let mut wants = vec![false; refs.len()];
    wants[k] = true;
    let ones = Value::full(shape, 1.0);
    op.backward(&refs, out, &ones, &wants)[k]
        .take()
        .unwrap_or_else(|| Value::full(shape, f64::NAN))
}

/// The axes a gradient of shape `to` is summed over to undo broadcasting an
/// argument of shape `from` to it (empty when `from` is `to`, or when `from`
/// does not broadcast to `to`).
pub fn broadcast_axes(from: &[usize], to: &[usize]) -> Vec<usize> {
    if from == to || broadcast_shapes(from, to).as_deref() != Ok(to) {
        return Vec::new();
    }
    let lead = to.len() - from.len();
    (0..to.len())
        .filter(|&i| i < lead || (from[i - lead] == 1 && to[i] != 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_axes_are_the_stretched_ones() {
        assert_eq!(broadcast_axes(&[3], &[2, 3]), vec![0]);
        assert_eq!(broadcast_axes(&[], &[2]), vec![0]);
        assert_eq!(broadcast_axes(&[2, 1], &[2, 3]), vec![1]);
        assert_eq!(broadcast_axes(&[1, 3], &[4, 2, 3]), vec![0, 1]);
        assert_eq!(broadcast_axes(&[2, 3], &[2, 3]), Vec::<usize>::new());
        // A reduction is not a broadcast.
        assert_eq!(broadcast_axes(&[3], &[]), Vec::<usize>::new());
        assert_eq!(broadcast_axes(&[2, 3], &[3, 2]), Vec::<usize>::new());
    }
}
