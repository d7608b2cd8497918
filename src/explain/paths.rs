//! `--wrt NAME`: every path from the output down to NAME, the chain of
//! local derivatives along it, and the sum over paths.
//!
//! The chain rule in its path form: d out / d w is the sum, over every path
//! from `out` down to `w`, of the product of the local derivatives along the
//! path. Along one path, bpc applies each op's own backward to the gradient
//! arriving along that path only, so for tensors the "product" is the
//! composition of the vector-Jacobian products, and for scalars it is the
//! product of the numbers. Summed over the paths, it is the gradient the
//! reverse walk computes (which adds the same contributions, grouped by node).

use super::Options;
use crate::diag::{Diagnostic, Diagnostics, ErrorKind, did_you_mean};
use crate::eval::Evaluation;
use crate::plan::{Plan, Slot, Step};
use crate::tensor::Value;

/// The paths from the output down to one name.
#[derive(Clone, Debug)]
pub struct WrtPaths {
    /// The name followed.
    pub target: Slot,
    /// How many paths there are (saturating).
    pub count: u128,
    /// The first [`Options::max_paths`] of them, depth first, arguments in order.
    pub paths: Vec<Path>,
    /// d output / d target, from the reverse walk.
    pub total: Value,
    /// The `--node` names on the paths: a scalar path's chain is also shown
    /// grouped at these.
    pub landmarks: Vec<Slot>,
}

impl WrtPaths {
    /// The sum of the listed paths' contributions (element by element).
    pub fn listed_sum(&self) -> Value {
        let mut sum = Value::full(self.total.shape(), 0.0);
        for p in &self.paths {
            sum.add_assign(p.contribution());
        }
        sum
    }
}

/// One step down a path: `node`'s argument number `position` is `arg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The node above.
    pub node: Slot,
    /// Which of its arguments (0-based).
    pub position: usize,
    /// The argument, one step down.
    pub arg: Slot,
}

/// One path from the output down to the target.
#[derive(Clone, Debug)]
pub struct Path {
    /// The steps, from the output down.
    pub edges: Vec<Edge>,
    /// d output / d (each slot on the path), along this path only: the
    /// output first (the seed, ones), the target last.
    pub along: Vec<Value>,
    /// When every slot on the path is a scalar: each edge's local
    /// derivative d node / d arg, a number.
    pub factors: Option<Vec<f64>>,
}

impl Path {
    /// The slots on the path: the output, then each edge's argument.
    pub fn slots(&self, output: Slot) -> Vec<Slot> {
        std::iter::once(output)
            .chain(self.edges.iter().map(|e| e.arg))
            .collect()
    }

    /// What this path contributes to d output / d target.
    pub fn contribution(&self) -> &Value {
        self.along.last().unwrap_or(&self.along[0])
    }

    /// For a scalar path: d (slot i) / d target along the path, for each slot
    /// on it (the product of the factors below it; 1 for the target).
    pub fn below(&self) -> Option<Vec<f64>> {
        let factors = self.factors.as_ref()?;
        let mut below = vec![1.0; factors.len() + 1];
        for i in (0..factors.len()).rev() {
            below[i] = factors[i] * below[i + 1];
        }
        Some(below)
    }

    /// For a scalar path: the chain grouped at `landmarks` (those on the
    /// path, in path order): (from, to, product of the factors between).
    pub fn grouped(&self, output: Slot, landmarks: &[Slot]) -> Option<Vec<(Slot, Slot, f64)>> {
        let factors = self.factors.as_ref()?;
        let slots = self.slots(output);
        let mut groups = Vec::new();
        let (mut from, mut product) = (0, 1.0);
        for (i, f) in factors.iter().enumerate() {
            product *= f;
            let to = i + 1;
            if to == factors.len() || (landmarks.contains(&slots[to]) && to != from) {
                groups.push((slots[from], slots[to], product));
                (from, product) = (to, 1.0);
            }
        }
        Some(groups)
    }
}

/// Every path from the plan's output down to `target` (the first
/// `options.max_paths` of them listed), with the gradient along each.
pub fn follow(plan: &Plan, eval: &Evaluation, target: Slot, options: &Options) -> WrtPaths {
    let n = plan.slots.len();
    let mut step_of: Vec<Option<&Step>> = vec![None; n];
    for step in &plan.steps {
        step_of[step.out.index()] = Some(step);
    }
    // How many paths lead from each slot down to the target (0: none).
    let mut count = vec![0u128; n];
    count[target.index()] = 1;
    for step in &plan.steps {
        if step.out == target {
            continue;
        }
        let c = step
            .args()
            .iter()
            .enumerate()
            .filter(|&(k, _)| step.wants()[k])
            .fold(0u128, |acc, (_, a)| acc.saturating_add(count[a.index()]));
        count[step.out.index()] = c;
    }
    let mut paths = Vec::new();
    // Depth first, without recursion: a frame is (slot, next argument to try).
    let mut stack: Vec<(Slot, usize)> = vec![(plan.output, 0)];
    let mut edges: Vec<Edge> = Vec::new();
    if count[plan.output.index()] > 0 {
        while let Some(&(slot, next)) = stack.last() {
            if paths.len() >= options.max_paths {
                break;
            }
            if slot == target {
                paths.push(along(plan, eval, &step_of, edges.clone()));
                stack.pop();
                edges.pop();
                continue;
            }
            let step = step_of[slot.index()];
            let found = step.and_then(|s| {
                (next..s.arity())
                    .find(|&k| s.wants()[k] && count[s.args()[k].index()] > 0)
                    .map(|k| (k, s.args()[k]))
            });
            match found {
                Some((k, arg)) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 = k + 1;
                    }
                    edges.push(Edge {
                        node: slot,
                        position: k,
                        arg,
                    });
                    stack.push((arg, 0));
                }
                None => {
                    stack.pop();
                    edges.pop();
                }
            }
        }
    }
    let slots_on_paths: Vec<Slot> = options
        .nodes
        .iter()
        .copied()
        .filter(|s| count[s.index()] > 0)
        .collect();
    WrtPaths {
        target,
        count: count[plan.output.index()],
        paths,
        total: eval.grads[target].clone(),
        landmarks: slots_on_paths,
    }
}

/// The gradient along one path: the seed, then each op's backward applied
/// to what arrives along the path only.
fn along(plan: &Plan, eval: &Evaluation, step_of: &[Option<&Step>], edges: Vec<Edge>) -> Path {
    let values = &eval.values;
    let out = plan.output;
    let mut along = vec![Value::full(values[out].shape(), 1.0)];
    let mut factors = Some(Vec::with_capacity(edges.len()));
    for e in &edges {
        let Some(step) = step_of[e.node.index()] else {
            continue;
        };
        let args: Vec<&Value> = step.args().iter().map(|&a| &values[a]).collect();
        let y = &values[e.node];
        let mut wants = vec![false; args.len()];
        wants[e.position] = true;
        let g = along.last().unwrap_or(&along[0]);
        let next = step.op.backward(&args, y, g, &wants)[e.position]
            .take()
            .unwrap_or_else(|| Value::full(args[e.position].shape(), f64::NAN));
        let scalar = y.shape().is_empty() && args[e.position].shape().is_empty();
        factors = match (factors, scalar) {
            (Some(mut f), true) => {
                let local = step.op.backward(&args, y, &Value::Scalar(1.0), &wants)[e.position]
                    .take()
                    .and_then(|v| v.as_scalar())
                    .unwrap_or(f64::NAN);
                f.push(local);
                Some(f)
            }
            _ => None,
        };
        along.push(next);
    }
    if !values[out].shape().is_empty() {
        factors = None;
    }
    Path {
        edges,
        along,
        factors,
    }
}

/// The slots `--wrt` and `--node` name (`bpc explain` and `bpc serve`'s
/// `/api/explain`), each once, in order; an unknown name is an error with a
/// suggestion, under the flag's name.
pub fn named(plan: &Plan, flag: &str, names: &[String], errors: &mut Diagnostics) -> Vec<Slot> {
    let mut found = Vec::new();
    for name in names {
        match plan.slot(name) {
            Some(s) if !found.contains(&s) => found.push(s),
            Some(_) => {}
            None => {
                let known = plan.named().map(|(_, i)| i.name.as_str());
                errors.push(
                    Diagnostic::new(
                        ErrorKind::Usage,
                        format!("{flag} `{name}`: no input, param or node has that name"),
                    )
                    .maybe_help(did_you_mean(name, known)),
                );
            }
        }
    }
    found
}
