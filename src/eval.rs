//! Plan + bindings -> Values -> Grads: one forward pass in plan order, one
//! reverse walk that accumulates every gradient with `+=`.
//!
//! This is the hot loop. Scalar steps never touch the heap; nothing here
//! hashes, allocates for scalars, or sees petgraph.

mod backward;

use smallvec::SmallVec;

pub use backward::{Walk, backward, backward_with};

use crate::op::Op;
use crate::plan::{Plan, Slot, Step};
use crate::slots::{Grads, Values};
use crate::tape::{self, Run};
use crate::tensor::Value;
use crate::timings::Timings;

/// Which pass produced a non-finite number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// The forward pass (a value).
    Forward,
    /// The reverse walk (a gradient).
    Backward,
}

/// The first slot that became NaN or infinite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFinite {
    /// In which pass.
    pub pass: Pass,
    /// The slot whose value (forward) or gradient contribution (backward) is non-finite.
    pub slot: Slot,
    /// For backward: the node whose backward rule produced it.
    pub from: Option<Slot>,
    /// Row-major index of the first bad element.
    pub index: usize,
    /// The bad element.
    pub value: f64,
}

/// Values and gradients of every slot of a plan.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Forward values, by slot.
    pub values: Values,
    /// d output / d slot, by slot.
    pub grads: Grads,
    /// The first non-finite value or gradient, if any.
    pub nonfinite: Option<NonFinite>,
}

/// Runs both passes on the plan's own leaf values.
pub fn evaluate(plan: &Plan) -> Evaluation {
    evaluate_timed(plan, &mut Timings::default())
}

/// [`evaluate`], recording the time of each pass under `forward` and `backward`.
pub fn evaluate_timed(plan: &Plan, timings: &mut Timings) -> Evaluation {
    let mut values = initial_values(plan);
    let first = timings.time("forward", || forward(plan, &mut values));
    let mut grads = Grads::default();
    let back = timings.time("backward", || backward(plan, &mut values, &mut grads));
    Evaluation {
        values,
        grads,
        nonfinite: first.or(back),
    }
}

/// A value buffer: the plan's leaves, then a placeholder per node.
pub fn initial_values(plan: &Plan) -> Values {
    let mut values = Vec::with_capacity(plan.slots.len());
    values.extend(plan.leaves.iter().cloned());
    values.resize(plan.slots.len(), Value::Scalar(0.0));
    Values::new(values)
}

/// Evaluates every step in order. `values` holds the leaves on entry and every
/// slot on return. Returns the first slot that is NaN or infinite.
pub fn forward(plan: &Plan, values: &mut Values) -> Option<NonFinite> {
    forward_with(plan, values, true)
}

/// [`forward`], looking for non-finite elements of tensors only when `scan`
/// (scalars are checked either way). Training skips the scan and, when the
/// loss is not finite, runs the same pass again with it (the same values,
/// so the same first slot).
pub fn forward_with(plan: &Plan, values: &mut Values, scan: bool) -> Option<NonFinite> {
    let mut first = None;
    let tape = plan.tape();
    let on_tape = tape.has_scalar_runs();
    let leaves = plan.leaves.len();
    if !on_tape {
        // Values a tape pass left ahead catch up: this pass reads them.
        values.as_mut_vec();
    }
    let p = values.parts();
    for (i, v) in p.values.iter().enumerate().take(leaves) {
        if scan || v.as_scalar().is_some() {
            record(&mut first, Pass::Forward, Slot(i as u32), None, v);
        }
    }
    // Scalar slots live in the numbers while the pass runs. They are all
    // there already when the last pass left them (the leaves, which no
    // step writes, included); else every scalar is copied in once.
    if on_tape && !p.numbers_valid {
        p.numbers.resize(p.values.len(), 0.0);
        to_numbers(p.values, p.numbers);
    }
    for run in &tape.runs {
        match run {
            Run::Scalar(range) => {
                let mut bad = None;
                tape::forward_run(tape, range.clone(), p.numbers, &mut bad);
                note(&mut first, Pass::Forward, bad);
            }
            Run::Tensor(i) => {
                let step = &plan.steps[*i];
                if on_tape {
                    for &a in step.args() {
                        if let Value::Scalar(x) = &mut p.values[a.index()] {
                            *x = p.numbers[a.index()];
                        }
                    }
                }
                // Reuse the previous result's buffer when the op can write into it
                // (training evaluates the same plan again and again).
                let slot = &mut p.values[step.out.index()];
                let mut out = std::mem::replace(slot, Value::Scalar(0.0));
                let args = arg_refs(step, p.values);
                if !step.op.forward_into(&args, &mut out) {
                    out = step.op.forward(&args);
                }
                drop(args);
                if scan || out.as_scalar().is_some() {
                    record(&mut first, Pass::Forward, step.out, None, &out);
                }
                if let (true, Value::Scalar(x)) = (on_tape, &out) {
                    p.numbers[step.out.index()] = *x;
                }
                p.values[step.out.index()] = out;
            }
        }
    }
    if on_tape {
        values.end_pass();
    } else {
        values.end_pass_in_values();
    }
    first
}

/// Copies the numbers of the scalar slots among `values` into `numbers`.
fn to_numbers(values: &[Value], numbers: &mut [f64]) {
    for (x, v) in numbers.iter_mut().zip(values) {
        if let Value::Scalar(y) = v {
            *x = *y;
        }
    }
}

/// Keeps the first non-finite number a tape run found, unless one was found already.
fn note(first: &mut Option<NonFinite>, pass: Pass, bad: Option<tape::Bad>) {
    if let (None, Some(b)) = (&first, bad) {
        *first = Some(NonFinite {
            pass,
            slot: Slot(b.slot),
            from: b.from.map(Slot),
            index: 0,
            value: b.value,
        });
    }
}

/// Keeps the first non-finite element found: `v`'s, unless one was found already.
fn record(first: &mut Option<NonFinite>, pass: Pass, slot: Slot, from: Option<Slot>, v: &Value) {
    if first.is_none()
        && let Some((index, value)) = v.first_nonfinite()
    {
        *first = Some(NonFinite {
            pass,
            slot,
            from,
            index,
            value,
        });
    }
}

/// One step's result from the values of its arguments, newly allocated (as
/// [`forward`] computes it, without reusing the previous result's buffer).
pub fn forward_step(step: &Step, values: &Values) -> Value {
    if let (true, Op::Map(m)) = (step.scalar, step.op) {
        let (a, b) = scalar_args(step, values);
        Value::Scalar(m.forward_scalar(a, b))
    } else {
        step.op.forward(&arg_refs(step, values))
    }
}

#[inline]
fn scalar_args(step: &Step, values: &Values) -> (f64, f64) {
    let get = |s: Slot| values[s].as_scalar().unwrap_or(f64::NAN);
    let a = get(step.args[0]);
    let b = if step.arity() > 1 {
        get(step.args[1])
    } else {
        0.0
    };
    (a, b)
}

/// The values of a tensor step's arguments (inline up to three).
#[inline]
fn arg_refs<'v>(step: &Step, values: &'v [Value]) -> SmallVec<[&'v Value; 3]> {
    step.args().iter().map(|&s| &values[s.index()]).collect()
}
