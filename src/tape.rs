//! The flat tape: a plan's scalar steps in compact form, and the tight loops
//! that run them.
//!
//! A scalar step (an elementwise op on scalars) is 16 bytes here: the result
//! and argument slots as `u32`, and a one-byte code into the plan's distinct
//! elementwise ops, against a plan step's 48 bytes and its enum dispatch. The
//! plan's steps are cut into runs: maximal stretches of scalar steps, which
//! [`forward_run`] and [`backward_run`] evaluate in one loop each, and
//! single tensor steps, which `eval` evaluates as before. The
//! arithmetic is the ops' own ([`Map::forward_scalar`],
//! [`Map::backward_scalar`]), in the same order as step by step, so the
//! results are the same bits. The backward loop loads an op's numbers before
//! it knows the op (loading only what each op needs, after the dispatch, cut
//! cachegrind's misses by a fifth but was slower on the wall clock: the loads
//! no longer overlap the mispredicted jump). The last result stays in a
//! register for the next step (a chain's forward pass: about 10% faster;
//! the random DAG: the same).

use std::ops::Range;

use crate::op::Map;

/// What the tape needs of a plan's scalar step (plan.rs makes these).
#[derive(Clone, Copy, Debug)]
pub struct ScalarStep {
    /// The elementwise op.
    pub op: Map,
    /// The result's slot.
    pub out: u32,
    /// The first argument's slot.
    pub a: u32,
    /// The second argument's slot (binary ops).
    pub b: Option<u32>,
    /// Which arguments want a gradient.
    pub wants: [bool; 2],
}

/// The first non-finite number a run met: its slot, the step that made it
/// (backward), and the number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bad {
    /// The slot whose value (forward) or gradient contribution (backward) it is.
    pub slot: u32,
    /// For backward: the result slot of the step whose rule produced it.
    pub from: Option<u32>,
    /// The number.
    pub value: f64,
}

/// One scalar step: `out = maps[code](a, b)` (`b` is `a` for unary ops).
#[derive(Clone, Copy, Debug)]
struct Entry {
    out: u32,
    a: u32,
    b: u32,
    code: u8,
    /// Bit 0: `a` wants a gradient; bit 1: `b` does.
    wants: u8,
}

/// A stretch of the plan's steps: scalar steps (run on the tape) or one
/// tensor step.
#[derive(Clone, Debug, PartialEq)]
pub enum Run {
    /// Steps `range` of the plan, all scalar.
    Scalar(Range<usize>),
    /// Step `i` of the plan, a tensor step.
    Tensor(usize),
}

/// A plan's steps as runs, with the scalar ones in compact form.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    /// The distinct elementwise ops, by code.
    maps: Vec<Map>,
    /// One entry per step of the plan (a placeholder for tensor steps), so
    /// that a run's range indexes both.
    entries: Vec<Entry>,
    /// The steps, cut into runs, in order.
    pub runs: Vec<Run>,
    /// By slot: true for the result of a scalar step on the tape (always a
    /// scalar); shorter than the plan's slots when the last are not.
    pub scalar_out: Vec<bool>,
}

impl Tape {
    /// Compiles a plan's steps, in order: `Some` for a scalar step, `None`
    /// for a tensor step.
    pub fn new(steps: impl IntoIterator<Item = Option<ScalarStep>>) -> Tape {
        let mut tape = Tape::default();
        let mut start = None;
        let mut count = 0;
        for (i, step) in steps.into_iter().enumerate() {
            count = i + 1;
            let entry = step.and_then(|s| tape.entry(s));
            match entry {
                Some(e) => {
                    let out = e.out as usize;
                    if tape.scalar_out.len() <= out {
                        tape.scalar_out.resize(out + 1, false);
                    }
                    tape.scalar_out[out] = true;
                    tape.entries.push(e);
                    start.get_or_insert(i);
                }
                None => {
                    tape.entries.push(Entry {
                        out: 0,
                        a: 0,
                        b: 0,
                        code: 0,
                        wants: 0,
                    });
                    if let Some(s) = start.take() {
                        tape.runs.push(Run::Scalar(s..i));
                    }
                    tape.runs.push(Run::Tensor(i));
                }
            }
        }
        if let Some(s) = start {
            tape.runs.push(Run::Scalar(s..count));
        }
        tape
    }

    /// The compact form of a scalar step, if its op fits in a code.
    fn entry(&mut self, step: ScalarStep) -> Option<Entry> {
        let m = step.op;
        let code = match self.maps.iter().position(|x| *x == m) {
            Some(c) => c,
            None if self.maps.len() < 256 => {
                self.maps.push(m);
                self.maps.len() - 1
            }
            None => return None,
        };
        Some(Entry {
            out: step.out,
            a: step.a,
            b: step.b.unwrap_or(step.a),
            code: code as u8,
            wants: u8::from(step.wants[0]) | (u8::from(step.b.is_some() && step.wants[1]) << 1),
        })
    }
}

/// What a plan's reverse walk keeps for the next one (the numbers
/// themselves live in [`Values`](crate::slots::Values) and
/// [`Grads`](crate::slots::Grads)).
#[derive(Default)]
pub struct Scratch {
    /// By slot: what the last reverse walk left in its gradient buffer
    /// (`eval`'s lazy zeroing; see `eval::backward_with`).
    pub grad_state: Vec<u8>,
    /// The gradient buffer (address, length) `grad_state` describes.
    pub grads_of: Option<(usize, usize)>,
    /// That buffer held no tensor.
    pub all_scalar: bool,
}

/// A plan's [`Scratch`], kept between evaluations (training and repeated
/// runs reuse the arrays rather than touching fresh pages each time).
#[derive(Default)]
pub struct ScratchCell(std::sync::Mutex<Scratch>);

impl ScratchCell {
    /// The kept arrays, or new ones when another thread holds them.
    pub fn take(&self) -> Scratch {
        match self.0.try_lock() {
            Ok(mut s) => std::mem::take(&mut *s),
            Err(_) => Scratch::default(),
        }
    }

    /// Keeps `s` for the next evaluation.
    pub fn put(&self, s: Scratch) {
        if let Ok(mut kept) = self.0.try_lock() {
            *kept = s;
        }
    }
}

impl Clone for ScratchCell {
    /// A clone starts with no arrays of its own.
    fn clone(&self) -> ScratchCell {
        ScratchCell::default()
    }
}

impl std::fmt::Debug for ScratchCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScratchCell")
    }
}

impl Tape {
    /// True when some step runs on the tape.
    pub fn has_scalar_runs(&self) -> bool {
        self.runs.iter().any(|r| matches!(r, Run::Scalar(_)))
    }
}

/// Evaluates the scalar steps `range` (a [`Run::Scalar`]) into `vals` (one
/// number per slot); records the first non-finite result in `first`.
///
/// An argument that is the previous step's result is taken from a register
/// rather than loaded back from `vals` just after it was stored there: on a
/// chain (each step reading the one before) that load would wait for the
/// store every step.
pub fn forward_run(tape: &Tape, range: Range<usize>, vals: &mut [f64], first: &mut Option<Bad>) {
    let maps = &tape.maps[..];
    let (mut last, mut last_y) = (u32::MAX, 0.0);
    for e in &tape.entries[range] {
        let a = if e.a == last {
            last_y
        } else {
            vals[e.a as usize]
        };
        // A unary step's `b` is its `a`.
        let b = if e.b == e.a { a } else { vals[e.b as usize] };
        let y = maps[e.code as usize].forward_scalar(a, b);
        if !y.is_finite() && first.is_none() {
            *first = Some(Bad {
                slot: e.out,
                from: None,
                value: y,
            });
        }
        vals[e.out as usize] = y;
        (last, last_y) = (e.out, y);
    }
}

/// The reverse walk over the scalar steps `range`: adds each step's
/// contributions to its arguments' gradients in `grads` (one number per
/// slot); records the first non-finite contribution in `first`.
///
/// A step's gradient that the step after it (in the walk) just added to is
/// taken from a register, not loaded back from `grads` (as in
/// [`forward_run`]).
pub fn backward_run(
    tape: &Tape,
    range: Range<usize>,
    vals: &[f64],
    grads: &mut [f64],
    first: &mut Option<Bad>,
) {
    let maps = &tape.maps[..];
    // The slot the last step added to first, and its gradient since.
    let (mut last, mut last_g) = (u32::MAX, 0.0);
    for e in tape.entries[range].iter().rev() {
        if e.wants == 0 {
            continue;
        }
        let g = if e.out == last {
            last_g
        } else {
            grads[e.out as usize]
        };
        let (a, b) = (vals[e.a as usize], vals[e.b as usize]);
        let y = vals[e.out as usize];
        let (ga, gb) = maps[e.code as usize].backward_scalar(a, b, y, g);
        if e.wants & 1 != 0 {
            let sum = grads[e.a as usize] + ga;
            grads[e.a as usize] = sum;
            (last, last_g) = (e.a, sum);
            if !ga.is_finite() && first.is_none() {
                *first = Some(Bad {
                    slot: e.a,
                    from: Some(e.out),
                    value: ga,
                });
            }
        }
        if e.wants & 2 != 0 {
            let sum = grads[e.b as usize] + gb;
            grads[e.b as usize] = sum;
            if e.b == last {
                last_g = sum;
            }
            if !gb.is_finite() && first.is_none() {
                *first = Some(Bad {
                    slot: e.b,
                    from: Some(e.out),
                    value: gb,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random programs whose arguments are often the step just before and
    /// often the same slot twice (`mul(x, x)`): the tape's loops (which
    /// keep the last result in a register) give the bits of plain loops.
    #[test]
    fn the_loops_give_the_bits_of_step_by_step() {
        let ops = [
            Map::Add,
            Map::Mul,
            Map::Sub,
            Map::Tanh,
            Map::Square,
            Map::Div,
            Map::Pow,
            Map::Maximum,
            Map::Minimum,
            Map::Relu,
            Map::LeakyRelu { alpha: 0.1 },
            Map::Log,
            Map::Abs,
            Map::Neg,
            Map::Exp,
            Map::Sqrt,
            Map::Sin,
            Map::Cos,
            Map::Sigmoid,
            Map::Softplus,
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200 {
            let leaves = 3;
            let len = 2 + next(30) as u32;
            let mut steps = Vec::new();
            for i in 0..len {
                let out = leaves + i;
                let pick = |r: u64| match r % 3 {
                    0 => out - 1,
                    _ => (r / 3) as u32 % out,
                };
                let op = ops[next(ops.len() as u64) as usize];
                let a = pick(next(1 << 20));
                let b = if op.arity() == 2 {
                    Some(if next(4) == 0 { a } else { pick(next(1 << 20)) })
                } else {
                    None
                };
                steps.push(ScalarStep {
                    op,
                    out,
                    a,
                    b,
                    wants: [next(5) != 0, next(5) != 0],
                });
            }
            let n = (leaves + len) as usize;
            let mut want = vec![0.0; n];
            for (i, x) in want.iter_mut().take(leaves as usize).enumerate() {
                *x = 0.3 + i as f64 * 0.25;
            }
            let mut vals = want.clone();
            for s in &steps {
                let (a, b) = (want[s.a as usize], want[s.b.map_or(s.a, |b| b) as usize]);
                want[s.out as usize] = s.op.forward_scalar(a, b);
            }
            let tape = Tape::new(steps.iter().map(|s| Some(*s)));
            let mut bad = None;
            forward_run(&tape, 0..steps.len(), &mut vals, &mut bad);
            assert_eq!(
                vals.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
            let mut grads_want = vec![0.0; n];
            grads_want[n - 1] = 1.0;
            for s in steps.iter().rev() {
                let b = s.b.map_or(s.a, |b| b);
                let (ga, gb) = s.op.backward_scalar(
                    want[s.a as usize],
                    want[b as usize],
                    want[s.out as usize],
                    grads_want[s.out as usize],
                );
                if s.wants[0] {
                    grads_want[s.a as usize] += ga;
                }
                if s.b.is_some() && s.wants[1] {
                    grads_want[b as usize] += gb;
                }
            }
            let mut grads = vec![0.0; n];
            grads[n - 1] = 1.0;
            backward_run(&tape, 0..steps.len(), &vals, &mut grads, &mut bad);
            assert_eq!(
                grads.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                grads_want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }
}
