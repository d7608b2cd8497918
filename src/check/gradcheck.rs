//! Every gradient against central finite differences.
//!
//! For a slot `v` and one element `v[j]`, the numeric derivative is
//! `(f(v[j] + h) - f(v[j] - h)) / 2h` with `f` the sum of the output's
//! elements and `h = eps · max(1, |v[j]|)`. Only the steps downstream of `v`
//! that lead to the output are re-run, so a node is perturbed in place just
//! like a leaf. Elements where finite differences cannot be trusted are
//! skipped with a reason: a perturbation that moves a relu, leaky_relu or abs
//! argument across 0 (the kink), one that changes the class indices of a
//! cross_entropy, and one whose result is not finite (out of an op's domain).

use crate::eval;
use crate::op::Op;
use crate::plan::{Plan, Slot, Step};
use crate::slots::{Grads, Values};
use crate::tensor::Value;

/// How the finite-difference check runs.
#[derive(Clone, Copy, Debug)]
pub struct GradcheckOptions {
    /// Step size, scaled by max(1, |x|) for each element x.
    pub eps: f64,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// At most this many elements are checked per name (evenly spaced).
    pub max_elements: usize,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-6,
            rtol: 1e-5,
            atol: 1e-7,
            max_elements: 1000,
        }
    }
}

/// Work allowed per name, in estimated element operations of the re-run
/// steps; a name whose re-runs are costly is checked on fewer elements.
pub const WORK_PER_NAME: f64 = 2e8;

/// Fewer elements than this are never sampled because of cost alone.
pub const MIN_SAMPLES: usize = 16;

/// The verdict on one name, or one expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every checked element agrees.
    Passed,
    /// At least one element disagrees.
    Failed,
    /// Nothing could be checked (the reason says why).
    Skipped,
}

/// One element where the analytic and the numeric derivative were compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    /// Row-major index of the element.
    pub index: usize,
    /// The gradient from the backward pass.
    pub analytic: f64,
    /// The central difference.
    pub numeric: f64,
    /// |analytic - numeric| / max(1, |analytic|, |numeric|).
    pub error: f64,
}

/// The finite-difference check of one name.
#[derive(Clone, Debug, PartialEq)]
pub struct NameCheck {
    /// The slot checked.
    pub slot: Slot,
    /// Its name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its number of elements.
    pub elements: usize,
    /// How many elements were perturbed (all, or an evenly spaced sample).
    pub sampled: usize,
    /// Of those, how many were skipped.
    pub skipped: usize,
    /// Why the first skipped element was skipped.
    pub skip_reason: Option<String>,
    /// Of those compared, how many disagree.
    pub failed: usize,
    /// The first element that disagrees.
    pub first_failure: Option<Comparison>,
    /// The element with the largest error.
    pub worst: Option<Comparison>,
    /// The verdict.
    pub status: Status,
}

/// Why an element was skipped: a hazard of the op of a node.
type Hazard = (Slot, crate::op::Hazard);

/// Checks the gradients of every named slot of `plan` (leaves and nodes; not
/// literals) against central finite differences. `values` must hold a full
/// forward pass and `grads` the gradients under test (normally those of
/// [`crate::eval::backward`]; a test may pass others).
pub fn check(
    plan: &Plan,
    values: &Values,
    grads: &Grads,
    opts: &GradcheckOptions,
) -> Vec<NameCheck> {
    let mut checker = Checker::new(plan, values, opts);
    plan.named()
        .map(|(slot, info)| checker.check_slot(slot, &info.name, &grads[slot]))
        .collect()
}

struct Checker<'a> {
    plan: &'a Plan,
    base: &'a Values,
    opts: &'a GradcheckOptions,
    /// The buffer the perturbed passes run in; equal to `base` between names.
    work: Values,
    /// Slots the output depends on (or the output itself).
    needed: Vec<bool>,
    /// Step index producing each node slot.
    step_of: Vec<Option<usize>>,
    /// Rounding allowance of a difference quotient per unit of 1/h: the
    /// output's magnitude times a few ulps.
    noise: f64,
}

impl<'a> Checker<'a> {
    fn new(plan: &'a Plan, base: &'a Values, opts: &'a GradcheckOptions) -> Checker<'a> {
        let needed = plan.ancestors(plan.output);
        let mut step_of = vec![None; plan.slots.len()];
        for (i, step) in plan.steps.iter().enumerate() {
            step_of[step.out.index()] = Some(i);
        }
        let magnitude: f64 = base[plan.output].iter().map(f64::abs).sum();
        Checker {
            plan,
            base,
            opts,
            work: base.clone(),
            needed,
            step_of,
            noise: 32.0 * f64::EPSILON * magnitude.max(f64::MIN_POSITIVE),
        }
    }

    /// The steps to re-run after `slot` changes: downstream of it and needed by the output.
    fn downstream(&self, slot: Slot) -> Vec<usize> {
        let mut changed = vec![false; self.plan.slots.len()];
        changed[slot.index()] = true;
        let first = self.step_of[slot.index()].map_or(0, |i| i + 1);
        let mut steps = Vec::new();
        for (i, step) in self.plan.steps.iter().enumerate().skip(first) {
            if step.args().iter().any(|a| changed[a.index()]) {
                changed[step.out.index()] = true;
                if self.needed[step.out.index()] {
                    steps.push(i);
                }
            }
        }
        steps
    }

    /// How many elements of a name with `n` elements to check, given the cost of one re-run.
    fn sample_size(&self, n: usize, steps: &[usize]) -> usize {
        let cost: f64 = 1.0
            + steps
                .iter()
                .map(|&i| self.step_cost(&self.plan.steps[i]))
                .sum::<f64>();
        let affordable = (WORK_PER_NAME / (2.0 * cost)) as usize;
        n.min(self.opts.max_elements.max(1))
            .min(affordable.max(MIN_SAMPLES))
    }

    /// Estimated element operations of one step.
    fn step_cost(&self, step: &Step) -> f64 {
        let len = |s: Slot| self.plan.info(s).shape.iter().product::<usize>() as f64;
        let io: f64 = step.args().iter().map(|&a| len(a)).sum::<f64>() + len(step.out);
        match step.op {
            // m·k·n multiply-adds: the left operand's elements times the right's columns.
            Op::Matmul | Op::Affine => {
                let cols = match self.plan.info(step.args[1]).shape[..] {
                    [_, n] => n as f64,
                    _ => 1.0,
                };
                io + len(step.args[0]) * cols
            }
            _ => io,
        }
    }

    fn check_slot(&mut self, slot: Slot, name: &str, grad: &Value) -> NameCheck {
        let n = self.base[slot].len();
        let steps = self.downstream(slot);
        let sampled = self.sample_size(n, &steps);
        let analytic = grad.to_vec();
        // Row-major element access needs a standard layout.
        if let Value::Tensor(a) = &self.work[slot]
            && !a.is_standard_layout()
        {
            self.work[slot] = Value::from_array(a.as_standard_layout().into_owned());
        }
        let mut result = NameCheck {
            slot,
            name: name.to_string(),
            shape: self.base[slot].shape().to_vec(),
            elements: n,
            sampled,
            skipped: 0,
            skip_reason: None,
            failed: 0,
            first_failure: None,
            worst: None,
            status: Status::Skipped,
        };
        for k in 0..sampled {
            // Evenly spaced, always including the first element.
            let j = if sampled == n { k } else { k * n / sampled };
            let x = self.get(slot, j);
            let h = self.opts.eps * x.abs().max(1.0);
            let (up, down) = (x + h, x - h);
            self.set(slot, j, up);
            let f_up = self.rerun(&steps);
            self.set(slot, j, down);
            let f_down = self.rerun(&steps);
            self.set(slot, j, x);
            let (f_up, f_down) = match (f_up, f_down) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(hz), _) | (_, Err(hz)) => {
                    self.skip(&mut result, self.hazard_reason(hz));
                    continue;
                }
            };
            // The step actually taken, (x + h) - (x - h), is exact in f64 more often than 2h.
            let numeric = (f_up - f_down) / (up - down);
            let a = analytic.get(j).copied().unwrap_or(f64::NAN);
            if !numeric.is_finite() && a.is_finite() {
                self.skip(
                    &mut result,
                    "the output is not finite at x ± h (outside an op's domain)".into(),
                );
                continue;
            }
            let tol = self.opts.atol
                + self.opts.rtol * a.abs().max(numeric.abs())
                + self.noise / (up - down);
            let diff = (a - numeric).abs();
            let error = diff / a.abs().max(numeric.abs()).max(1.0);
            let cmp = Comparison {
                index: j,
                analytic: a,
                numeric,
                error: if error.is_nan() { f64::INFINITY } else { error },
            };
            let within = diff <= tol; // false for NaN
            if !within {
                result.failed += 1;
                result.first_failure.get_or_insert(cmp);
            }
            if result.worst.is_none_or(|w| cmp.error > w.error) {
                result.worst = Some(cmp);
            }
        }
        // Leave the buffer as it was for the next name.
        for &i in &steps {
            let out = self.plan.steps[i].out;
            self.work[out] = self.base[out].clone();
        }
        result.status = if result.failed > 0 {
            Status::Failed
        } else if result.worst.is_some() {
            Status::Passed
        } else {
            Status::Skipped
        };
        if result.status == Status::Skipped && result.skip_reason.is_none() {
            result.skip_reason = Some("it has no elements".into());
        }
        result
    }

    fn skip(&self, result: &mut NameCheck, reason: String) {
        result.skipped += 1;
        result.skip_reason.get_or_insert(reason);
    }

    fn hazard_reason(&self, (node, hazard): Hazard) -> String {
        let info = self.plan.info(node);
        let args: Vec<&str> = info
            .args
            .iter()
            .map(|&a| self.plan.info(a).name.as_str())
            .collect();
        hazard.reason(&info.name, &info.kind.describe(), &args)
    }

    fn get(&self, slot: Slot, j: usize) -> f64 {
        match &self.work[slot] {
            Value::Scalar(x) => *x,
            Value::Tensor(a) => a
                .as_slice()
                .and_then(|s| s.get(j))
                .copied()
                .unwrap_or(f64::NAN),
        }
    }

    fn set(&mut self, slot: Slot, j: usize, x: f64) {
        match &mut self.work[slot] {
            Value::Scalar(v) => *v = x,
            Value::Tensor(a) => {
                if let Some(v) = a.as_slice_mut().and_then(|s| s.get_mut(j)) {
                    *v = x;
                }
            }
        }
    }

    /// Re-runs `steps` on the work buffer; returns the sum of the output's
    /// elements, or the hazard that makes the difference meaningless.
    fn rerun(&mut self, steps: &[usize]) -> Result<f64, Hazard> {
        for &i in steps {
            let step = &self.plan.steps[i];
            if let Some(hazard) = self.hazard(step) {
                return Err(hazard);
            }
            let out = eval::forward_step(step, &self.work);
            self.work[step.out] = out;
        }
        Ok(self.work[self.plan.output].iter().sum())
    }

    /// The first hazard of the step's op (see [`crate::op::Hazard`]) that
    /// the perturbation crossed.
    fn hazard(&self, step: &Step) -> Option<Hazard> {
        let hazards = step.op.def().hazards;
        if hazards.is_empty() {
            return None;
        }
        let base: Vec<&Value> = step.args().iter().map(|s| &self.base[*s]).collect();
        let moved: Vec<&Value> = step.args().iter().map(|s| &self.work[*s]).collect();
        let crossed = hazards
            .iter()
            .find(|h| h.crossed(&step.op, &base, &moved))?;
        Some((step.out, *crossed))
    }
}

/// A row-major index as a multi-index, `[1, 0]`; empty for a scalar.
pub fn multi_index(shape: &[usize], mut j: usize) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = j % d;
            j /= d;
        }
    }
    idx
}
