//! Scalars must not pay for tensors: forward + backward over a generated chain
//! of scalar nodes (a mix of add, mul and tanh), against a hand-written flat
//! tape doing the same arithmetic.
//!
//! `cargo bench --bench eval` (set `BPC_BENCH_NODES` for another size; default
//! 1,000,000). Figures are per run; divide by the node count for ns per node.

use std::hint::black_box;
use std::sync::{Arc, OnceLock};

use bpc::diag::Source;
use bpc::eval;
use bpc::load;
use bpc::plan::Plan;
use bpc::timings::Timings;

fn nodes() -> usize {
    std::env::var("BPC_BENCH_NODES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// `n{i}` = add(n{i-1}, x) | mul(n{i-1}, w) | tanh(n{i-1}), cycling.
fn chain_spec(n: usize) -> String {
    let mut s = String::with_capacity(n * 32);
    s.push_str("inputs:\n  x: 0.3\n  w: 0.9\nnodes:\n  n0: tanh(x)\n");
    for i in 1..n {
        let call = match i % 3 {
            0 => format!("add(n{}, x)", i - 1),
            1 => format!("mul(n{}, w)", i - 1),
            _ => format!("tanh(n{})", i - 1),
        };
        s.push_str(&format!("  n{i}: {call}\n"));
    }
    s.push_str(&format!("output: n{}\n", n - 1));
    s
}

fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| chain_spec(nodes()))
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let spec = bpc::spec::parse(&Source::new("chain.yaml", text())).expect("chain parses");
        load::compile_spec(Arc::new(spec), &[], &mut Timings::default()).expect("chain compiles")
    })
}

/// The baseline: the same chain as a flat tape of (op, a, b) over f64 slots.
#[derive(Clone, Copy)]
enum TapeOp {
    Add,
    Mul,
    Tanh,
}

struct Tape {
    ops: Vec<(TapeOp, u32, u32)>,
}

impl Tape {
    fn chain(n: usize) -> Tape {
        // Slots 0 and 1 are x and w; node i lives in slot i + 2.
        let mut ops = vec![(TapeOp::Tanh, 0, 0)];
        for i in 1..n {
            let prev = (i + 1) as u32;
            ops.push(match i % 3 {
                0 => (TapeOp::Add, prev, 0),
                1 => (TapeOp::Mul, prev, 1),
                _ => (TapeOp::Tanh, prev, 0),
            });
        }
        Tape { ops }
    }

    fn run(&self, vals: &mut [f64], grads: &mut [f64]) {
        for (i, &(op, a, b)) in self.ops.iter().enumerate() {
            let (x, y) = (vals[a as usize], vals[b as usize]);
            vals[i + 2] = match op {
                TapeOp::Add => x + y,
                TapeOp::Mul => x * y,
                TapeOp::Tanh => x.tanh(),
            };
        }
        grads.fill(0.0);
        let last = grads.len() - 1;
        grads[last] = 1.0;
        for (i, &(op, a, b)) in self.ops.iter().enumerate().rev() {
            let g = grads[i + 2];
            let (x, y, out) = (vals[a as usize], vals[b as usize], vals[i + 2]);
            match op {
                TapeOp::Add => {
                    grads[a as usize] += g;
                    grads[b as usize] += g;
                }
                TapeOp::Mul => {
                    grads[a as usize] += g * y;
                    grads[b as usize] += g * x;
                }
                TapeOp::Tanh => grads[a as usize] += g * (1.0 - out * out),
            }
        }
    }
}

#[divan::bench(sample_count = 10)]
fn flat_tape(bencher: divan::Bencher) {
    let n = nodes();
    let tape = Tape::chain(n);
    let mut vals = vec![0.0; n + 2];
    vals[0] = 0.3;
    vals[1] = 0.9;
    let mut grads = vec![0.0; n + 2];
    bencher.bench_local(|| {
        tape.run(&mut vals, &mut grads);
        black_box(grads[0])
    });
}

#[divan::bench(sample_count = 10)]
fn bpc_forward_backward(bencher: divan::Bencher) {
    let plan = plan();
    let mut values = eval::initial_values(plan);
    let mut grads = bpc::slots::Grads::default();
    bencher.bench_local(|| {
        eval::forward(plan, &mut values);
        eval::backward(plan, &mut values, &mut grads);
        black_box(grads[bpc::plan::Slot(0)].as_scalar())
    });
}

#[divan::bench(sample_count = 3)]
fn bpc_parse_to_answer(bencher: divan::Bencher) {
    let text = text();
    bencher.bench_local(|| {
        let spec = bpc::spec::parse(&Source::new("chain.yaml", text)).expect("chain parses");
        let plan =
            load::compile_spec(Arc::new(spec), &[], &mut Timings::default()).expect("compiles");
        black_box(eval::evaluate(&plan).grads.len())
    });
}

fn main() {
    divan::main();
}
