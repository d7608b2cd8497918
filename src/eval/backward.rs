//! The reverse walk, with lazy zeroing: a tensor gradient buffer is not
//! cleared before the walk; the first contribution to it overwrites it (a
//! kernel that writes `0 + x` directly, so the same bits as clearing then
//! adding), and whatever no contribution reached is cleared at the end. In
//! training (`Walk::again`) a buffer the previous walk of the same plan left
//! at zero, because no step contributes to it (the data's gradients), is not
//! touched at all.

use smallvec::SmallVec;

use super::{NonFinite, Pass, arg_refs, note, record};
use crate::plan::Plan;
use crate::slots::{Grads, Parts, Values};
use crate::tape::{self, Run};
use crate::tensor::Value;

/// How [`backward_with`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    /// Scan every tensor contribution for non-finite numbers (scalars are
    /// checked either way).
    pub scan: bool,
    /// `grads` is what the previous walk of this plan left, unchanged since:
    /// gradients that no step contributes to are still zero and stay as
    /// they are.
    pub again: bool,
}

impl Walk {
    /// Every contribution scanned, every buffer zeroed: [`backward`].
    pub const FULL: Walk = Walk {
        scan: true,
        again: false,
    };
}

// What a tensor gradient buffer holds during (and after) a walk.
/// A scalar slot (handled as before: zeroed up front or by the tape).
const SCALAR: u8 = 0;
/// Last walk's numbers: the first contribution overwrites them.
const STALE: u8 = 1;
/// Zeros: contributions add.
const ZERO: u8 = 2;
/// A contribution was written: later ones add.
const WRITTEN: u8 = 3;
/// After a walk: zero because no contribution reached it.
const LEFT_ZERO: u8 = 4;

/// The reverse walk: seeds d output / d output with ones, then walks the steps
/// backwards, adding each step's contribution to its arguments' gradients.
/// `grads` is resized and zeroed to the values' shapes (reusing its buffers).
/// `values` is `&mut` only to read the numbers a forward pass left ahead of
/// its scalars without bringing them up to date ([`Values`]).
pub fn backward(plan: &Plan, values: &mut Values, grads: &mut Grads) -> Option<NonFinite> {
    backward_with(plan, values, grads, Walk::FULL)
}

/// [`backward`], scanning tensor contributions for non-finite numbers only
/// when `walk.scan`, and trusting `grads` to be the previous walk's when
/// `walk.again`. Gradients are the same bits either way.
pub fn backward_with(
    plan: &Plan,
    values: &mut Values,
    grads: &mut Grads,
    walk: Walk,
) -> Option<NonFinite> {
    let tape = plan.tape();
    // Scalar slots' values and gradients live in the numbers of `values`
    // and `grads` while the walk runs; the gradients' own scalars catch up
    // when they are read.
    let scalar_runs = tape.has_scalar_runs();
    if scalar_runs && values.numbers().is_none() {
        values.as_mut_vec();
        let p = values.parts();
        p.numbers.resize(p.values.len(), 0.0);
        super::to_numbers(p.values, p.numbers);
        values.numbers_filled();
    }
    if !scalar_runs {
        // Gradients a tape walk left ahead catch up: this walk reads them.
        grads.as_mut_vec();
    }
    let mut s = plan.scratch().take();
    // Read-only from here: a scalar value may be behind its number only
    // where no tensor step reads it, and this walk reads only the numbers
    // there (and the shapes, which are never behind).
    let Parts {
        values: vslots,
        numbers: vals,
        ..
    } = values.parts();
    let (vslots, vals): (&[Value], &[f64]) = (vslots, vals);
    let n = vslots.len();
    // A buffer this plan's last walk wrote, not changed since: its tape
    // slots are scalars, and when it held no tensor nothing needs preparing.
    let untouched = grads.numbers().is_some();
    let g = grads.parts();
    let this = Some((g.values.as_ptr() as usize, n));
    let known = scalar_runs && untouched && s.grads_of == this && s.grad_state.len() == n;
    let again = walk.again && s.grads_of == this && s.grad_state.len() == n;
    let tape_out: &[bool] = if scalar_runs { &tape.scalar_out } else { &[] };
    let tensors = if known && s.all_scalar {
        false
    } else {
        prepare(vslots, g.values, tape_out, &mut s.grad_state, again, known)
    };
    let state = &mut s.grad_state;
    let gslots = g.values;
    let out = plan.output;
    gslots[out.index()] = Value::full(vslots[out.index()].shape(), 1.0);
    if !matches!(gslots[out.index()], Value::Scalar(_)) {
        state[out.index()] = WRITTEN;
    }
    let mut first = None;
    let gnums = g.numbers;
    if scalar_runs {
        gnums.clear();
        gnums.resize(n, 0.0);
        if let Value::Scalar(_) = vslots[out.index()] {
            gnums[out.index()] = 1.0;
        }
    }
    for run in tape.runs.iter().rev() {
        match run {
            Run::Scalar(range) => {
                let mut bad = None;
                tape::backward_run(tape, range.clone(), vals, gnums, &mut bad);
                note(&mut first, Pass::Backward, bad);
            }
            Run::Tensor(i) => {
                let step = &plan.steps[*i];
                if scalar_runs {
                    for &slot in std::iter::once(&step.out).chain(step.args()) {
                        if let Value::Scalar(_) = vslots[slot.index()] {
                            gslots[slot.index()] = Value::Scalar(gnums[slot.index()]);
                        }
                    }
                }
                let take = |gslots: &mut Vec<Value>, slot: crate::plan::Slot| {
                    std::mem::replace(&mut gslots[slot.index()], Value::Scalar(0.0))
                };
                let g = take(gslots, step.out);
                let args = arg_refs(step, vslots);
                let out = &vslots[step.out.index()];
                // First, contributions the op can add (or, into a stale
                // buffer, write) straight into the gradient buffer (no
                // temporary); the rest through the allocating rule.
                let mut rest: SmallVec<[bool; 3]> = SmallVec::from_slice(step.wants());
                for (k, want) in rest.iter_mut().enumerate() {
                    if !*want {
                        continue;
                    }
                    let slot = step.args()[k];
                    let mut acc = take(gslots, slot);
                    let st = &mut state[slot.index()];
                    let overwrite = *st == STALE;
                    if step.op.add_grad(k, &args, out, &g, &mut acc, overwrite) {
                        *want = false;
                        if *st != SCALAR {
                            *st = WRITTEN;
                        }
                        if walk.scan || acc.as_scalar().is_some() {
                            record(&mut first, Pass::Backward, slot, Some(step.out), &acc);
                        }
                    }
                    gslots[slot.index()] = acc;
                }
                let contribs = if rest.contains(&true) {
                    step.op.backward(&args, out, &g, &rest)
                } else {
                    Vec::new()
                };
                gslots[step.out.index()] = g;
                for (k, c) in contribs.into_iter().enumerate() {
                    let Some(c) = c else { continue };
                    let slot = step.args()[k];
                    if walk.scan || c.as_scalar().is_some() {
                        record(&mut first, Pass::Backward, slot, Some(step.out), &c);
                    }
                    let st = &mut state[slot.index()];
                    if *st == STALE {
                        clear(&mut gslots[slot.index()]);
                    }
                    if *st != SCALAR {
                        *st = WRITTEN;
                    }
                    gslots[slot.index()].add_assign(&c);
                }
                if scalar_runs {
                    for &slot in step.args() {
                        if let Value::Scalar(x) = &gslots[slot.index()] {
                            gnums[slot.index()] = *x;
                        }
                    }
                }
            }
        }
    }
    // Buffers no contribution reached are zero (an all-scalar plan has none:
    // the pass over its million slots is skipped).
    let tensor_states = if tensors {
        &mut s.grad_state[..]
    } else {
        &mut [][..]
    };
    for (g, st) in gslots.iter_mut().zip(tensor_states.iter_mut()) {
        match *st {
            STALE => {
                clear(g);
                *st = LEFT_ZERO;
            }
            ZERO => *st = LEFT_ZERO,
            _ => {}
        }
    }
    if scalar_runs {
        grads.end_pass();
    } else {
        grads.end_pass_in_values();
    }
    s.grads_of = this;
    s.all_scalar = !tensors;
    plan.scratch().put(s);
    first
}

/// Sets every element of a tensor to zero.
fn clear(g: &mut Value) {
    if let Value::Tensor(a) = g {
        a.fill(0.0);
    }
}

/// Resizes `grads` to match `values` and records in `state` what each
/// buffer holds: scalars are set to zero (unless the tape runs: it writes
/// them), the slots whose steps run on the tape (`tape_out`) are only made
/// scalars (and not even that when `known`: the buffer is this plan's last
/// walk's), tensors of another shape are replaced by zeros, tensors of the
/// right shape are left as they are (stale: the walk overwrites or clears
/// them), except, when `again`, those the last walk left at zero. Returns
/// whether any buffer is a tensor.
fn prepare(
    values: &[Value],
    grads: &mut Vec<Value>,
    tape_out: &[bool],
    state: &mut Vec<u8>,
    again: bool,
    known: bool,
) -> bool {
    let tape_scalars = !tape_out.is_empty();
    grads.truncate(values.len());
    state.resize(values.len(), STALE);
    for (i, ((g, v), st)) in grads
        .iter_mut()
        .zip(values.iter())
        .zip(state.iter_mut())
        .enumerate()
    {
        if tape_out.get(i) == Some(&true) {
            if !known && !matches!(g, Value::Scalar(_)) {
                *g = Value::Scalar(0.0);
            }
            *st = SCALAR;
            continue;
        }
        *st = match (g, v) {
            (Value::Scalar(x), Value::Scalar(_)) => {
                if !tape_scalars {
                    *x = 0.0;
                }
                SCALAR
            }
            (Value::Tensor(a), Value::Tensor(b)) if a.shape() == b.shape() => {
                if again && *st == LEFT_ZERO {
                    ZERO
                } else {
                    STALE
                }
            }
            (g, v) => {
                *g = Value::full(v.shape(), 0.0);
                if matches!(g, Value::Scalar(_)) {
                    SCALAR
                } else {
                    ZERO
                }
            }
        };
    }
    for (v, st) in values.iter().zip(state.iter_mut()).skip(grads.len()) {
        let g = Value::full(v.shape(), 0.0);
        *st = if matches!(g, Value::Scalar(_)) {
            SCALAR
        } else {
            ZERO
        };
        grads.push(g);
    }
    state.iter().any(|&st| st != SCALAR)
}
