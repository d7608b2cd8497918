//! Plan + bindings -> Values -> Grads: one forward pass in plan order, one
//! reverse walk that accumulates every gradient with `+=`.
//!
//! This is the hot loop. Scalar steps never touch the heap; nothing here
//! hashes, allocates for scalars, or sees petgraph.

use smallvec::SmallVec;

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
    let back = timings.time("backward", || backward(plan, &values, &mut grads));
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
    for (i, v) in values.iter().enumerate().take(plan.leaves.len()) {
        if scan || v.as_scalar().is_some() {
            record(&mut first, Pass::Forward, Slot(i as u32), None, v);
        }
    }
    let tape = plan.tape();
    // Scalar slots live in the tape's f64 array while the pass runs.
    let mut scratch = tape.has_scalar_runs().then(|| plan.scratch().take());
    if let Some(s) = &mut scratch {
        s.vals.resize(values.len(), 0.0);
        to_numbers(&(**values)[..plan.leaves.len()], &mut s.vals);
    }
    for run in &tape.runs {
        match run {
            Run::Scalar(range) => {
                let mut bad = None;
                let vals = &mut scratch.as_mut().expect("scratch for a scalar run").vals;
                tape::forward_run(tape, range.clone(), vals, &mut bad);
                note(&mut first, Pass::Forward, bad);
            }
            Run::Tensor(i) => {
                let step = &plan.steps[*i];
                if let Some(s) = &scratch {
                    for &a in step.args() {
                        if let Value::Scalar(x) = &mut values[a] {
                            *x = s.vals[a.index()];
                        }
                    }
                }
                // Reuse the previous result's buffer when the op can write into it
                // (training evaluates the same plan again and again).
                let mut out = values.take(step.out);
                let args = arg_refs(step, values);
                if !step.op.forward_into(&args, &mut out) {
                    out = step.op.forward(&args);
                }
                drop(args);
                if scan || out.as_scalar().is_some() {
                    record(&mut first, Pass::Forward, step.out, None, &out);
                }
                if let (Some(s), Value::Scalar(x)) = (&mut scratch, &out) {
                    s.vals[step.out.index()] = *x;
                }
                values[step.out] = out;
            }
        }
    }
    if let Some(mut s) = scratch {
        from_numbers(&s.vals, values.as_mut_vec());
        s.filled_from = Some((values.as_ptr() as usize, values.len()));
        plan.scratch().put(s);
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

/// Copies `numbers` into the scalar slots among `values`.
fn from_numbers(numbers: &[f64], values: &mut [Value]) {
    for (v, x) in values.iter_mut().zip(numbers) {
        if let Value::Scalar(y) = v {
            *y = *x;
        }
    }
}

/// The reverse walk: seeds d output / d output with ones, then walks the steps
/// backwards, adding each step's contribution to its arguments' gradients.
/// `grads` is resized and zeroed to the values' shapes (reusing its buffers).
pub fn backward(plan: &Plan, values: &Values, grads: &mut Grads) -> Option<NonFinite> {
    let tape = plan.tape();
    // Scalar slots' values and gradients live in the tape's f64 arrays while
    // the walk runs (their value slots are written at the end).
    let mut scratch = tape.has_scalar_runs().then(|| plan.scratch().take());
    match &scratch {
        // The results of scalar steps are written whole at the end.
        Some(_) if grads.len() == values.len() => {
            zero_tensors(values, grads, &tape.scalar_out);
        }
        _ => zero_like(values, grads, scratch.is_none()),
    }
    let out = plan.output;
    grads[out] = Value::full(values[out].shape(), 1.0);
    let mut first = None;
    if let Some(s) = &mut scratch {
        // The numbers the forward pass left, unless `values` is another
        // buffer than the one it filled.
        let this = Some((values.as_ptr() as usize, values.len()));
        if s.filled_from != this || s.vals.len() != values.len() {
            s.vals.resize(values.len(), 0.0);
            to_numbers(values, &mut s.vals);
        }
        s.grads.clear();
        s.grads.resize(values.len(), 0.0);
        if let Value::Scalar(_) = values[out] {
            s.grads[out.index()] = 1.0;
        }
    }
    for run in tape.runs.iter().rev() {
        match run {
            Run::Scalar(range) => {
                let mut bad = None;
                let s = scratch.as_mut().expect("scratch for a scalar run");
                tape::backward_run(tape, range.clone(), &s.vals, &mut s.grads, &mut bad);
                note(&mut first, Pass::Backward, bad);
            }
            Run::Tensor(i) => {
                let step = &plan.steps[*i];
                if let Some(s) = &scratch {
                    for &slot in std::iter::once(&step.out).chain(step.args()) {
                        if let Value::Scalar(_) = values[slot] {
                            grads[slot] = Value::Scalar(s.grads[slot.index()]);
                        }
                    }
                }
                let g = grads.take(step.out);
                let args = arg_refs(step, values);
                let out = &values[step.out];
                // First, contributions the op can add straight into the gradient
                // buffer (no temporary); the rest through the allocating rule.
                let mut rest: SmallVec<[bool; 3]> = SmallVec::from_slice(step.wants());
                for (k, want) in rest.iter_mut().enumerate() {
                    if !*want {
                        continue;
                    }
                    let slot = step.args()[k];
                    let mut acc = grads.take(slot);
                    if step.op.accumulate_grad(k, &args, out, &g, &mut acc) {
                        *want = false;
                        record(&mut first, Pass::Backward, slot, Some(step.out), &acc);
                    }
                    grads[slot] = acc;
                }
                let contribs = if rest.contains(&true) {
                    step.op.backward(&args, out, &g, &rest)
                } else {
                    Vec::new()
                };
                grads[step.out] = g;
                for (k, c) in contribs.into_iter().enumerate() {
                    let Some(c) = c else { continue };
                    let slot = step.args()[k];
                    record(&mut first, Pass::Backward, slot, Some(step.out), &c);
                    grads[slot].add_assign(&c);
                }
                if let Some(s) = &mut scratch {
                    for &slot in step.args() {
                        if let Value::Scalar(x) = &grads[slot] {
                            s.grads[slot.index()] = *x;
                        }
                    }
                }
            }
        }
    }
    if let Some(s) = scratch {
        let grads = grads.as_mut_vec();
        for (i, (g, x)) in grads.iter_mut().zip(&s.grads).enumerate() {
            if tape.scalar_out.get(i) == Some(&true) {
                *g = Value::Scalar(*x);
            } else if let Value::Scalar(y) = g {
                *y = *x;
            }
        }
        plan.scratch().put(s);
    }
    first
}

/// [`zero_like`] for gradient buffers of the right length, leaving the
/// slots of `scalar_out` alone (the caller writes them whole).
fn zero_tensors(values: &Values, grads: &mut Grads, scalar_out: &[bool]) {
    let grads = grads.as_mut_vec();
    for (i, (g, v)) in grads.iter_mut().zip(values.iter()).enumerate() {
        if scalar_out.get(i) == Some(&true) {
            continue;
        }
        match (g, v) {
            (Value::Tensor(a), Value::Tensor(b)) if a.shape() == b.shape() => a.fill(0.0),
            (g, v) => *g = Value::full(v.shape(), 0.0),
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

/// Resizes `grads` to match `values` and sets every element to zero (every
/// element of the tensors, and the scalars too when `scalars`).
fn zero_like(values: &Values, grads: &mut Grads, scalars: bool) {
    let grads = grads.as_mut_vec();
    grads.truncate(values.len());
    for (g, v) in grads.iter_mut().zip(values.iter()) {
        match (g, v) {
            (Value::Scalar(x), Value::Scalar(_)) => {
                if scalars {
                    *x = 0.0;
                }
            }
            (Value::Tensor(a), Value::Tensor(b)) if a.shape() == b.shape() => a.fill(0.0),
            (g, v) => *g = Value::full(v.shape(), 0.0),
        }
    }
    for v in values.iter().skip(grads.len()) {
        grads.push(Value::full(v.shape(), 0.0));
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
fn arg_refs<'v>(step: &Step, values: &'v Values) -> SmallVec<[&'v Value; 3]> {
    step.args().iter().map(|&s| &values[s]).collect()
}
