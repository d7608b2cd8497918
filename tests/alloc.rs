//! A training step allocates nothing of bpc's own after the first: every
//! buffer (values, gradients, batches, optimizer state) is reused, and the
//! ops of an MLP step (affine, sigmoid, cross_entropy and their gradients)
//! write into them. The only allocations left are the matrix kernels'
//! packing buffers, one or two per product (inside `gemm`/`matrixmultiply`).
//!
//! Counted with a global allocator, in a test binary of its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bpc::diag::Source;
use bpc::graph::{BindMode, Binding};
use bpc::load::compile_spec;
use bpc::tensor::{Array, Value};
use bpc::timings::Timings;
use bpc::train::{self, Overrides};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SPEC: &str = "\
name: mlp
params:
  W1: { shape: [30, 16], init: xavier, seed: 1 }
  b1: { shape: [16], init: zeros }
  W2: { shape: [16, 4], init: xavier, seed: 2 }
  b2: { shape: [4], init: zeros }
nodes:
  net_h: affine(x, W1, b1)
  h: sigmoid(net_h)
  logits: affine(h, W2, b2)
  loss: cross_entropy(logits, y)
output: loss
train:
  optimizer: sgd
  lr: 0.1
  batch_size: 8
";

/// The allocations of the matrix kernels alone, on one step's products:
/// two forward, two weight gradients, one for `h` (batches of 8 rows).
fn kernel_allocations_per_step() -> usize {
    use ndarray::Array2;
    let m = |r: usize, c: usize| Array2::<f64>::from_elem((r, c), 0.5);
    let (x, w1, h, w2, g1, g2) = (m(8, 30), m(30, 16), m(8, 16), m(16, 4), m(8, 16), m(8, 4));
    let (mut a, mut b, mut c, mut d, mut e) = (m(8, 16), m(8, 4), m(16, 4), m(8, 16), m(30, 16));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    bpc::matmul::matmul_into(x.view(), w1.view(), a.view_mut(), true);
    bpc::matmul::matmul_into(h.view(), w2.view(), b.view_mut(), true);
    bpc::matmul::matmul_into(h.t(), g2.view(), c.view_mut(), true);
    bpc::matmul::matmul_into(g2.view(), w2.t(), d.view_mut(), true);
    bpc::matmul::matmul_into(x.t(), g1.view(), e.view_mut(), true);
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn steps_after_the_first_allocate_only_inside_the_matrix_kernels() {
    let rows = 64;
    let x: Vec<f64> = (0..rows * 30)
        .map(|i| ((i * 37) % 101) as f64 / 101.0)
        .collect();
    let y: Vec<f64> = (0..rows).map(|i| (i % 4) as f64).collect();
    let bind = |name: &str, shape: &[usize], data: Vec<f64>| Binding {
        name: name.into(),
        value: Value::from_array(Array::from_shape_vec(ndarray::IxDyn(shape), data).unwrap()),
        origin: None,
        mode: BindMode::Data,
    };
    let bindings = [bind("x", &[rows, 30], x), bind("y", &[rows], y)];
    let spec = bpc::spec::parse(&Source::new("mlp.yaml", SPEC)).unwrap();
    let plan = compile_spec(Arc::new(spec), &bindings, &mut Timings::default()).unwrap();
    let data: Vec<_> = ["x", "y"].iter().filter_map(|n| plan.slot(n)).collect();
    let overrides = Overrides {
        threads: Some(1),
        ..Overrides::default()
    };
    let mut settings = train::settings::resolve(&plan, &data, &overrides).unwrap();
    let plan = train::training_plan(plan, settings.loss);
    let stop = AtomicBool::new(false);
    let mut count = |epochs: u64| {
        settings.epochs = epochs;
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let fit = train::fit(&plan, &data, &settings, &stop, &mut |_| {}).unwrap();
        (ALLOCATIONS.load(Ordering::Relaxed) - before, fit.steps)
    };
    let (a1, s1) = count(2);
    let (a2, s2) = count(12);
    let kernels = kernel_allocations_per_step();
    let per_step = (a2 - a1) as f64 / (s2 - s1) as f64;
    eprintln!("{per_step} allocations per step, {kernels} of them the matrix kernels'");
    assert!(
        per_step <= kernels as f64,
        "{per_step} allocations per step: more than the matrix kernels' {kernels}"
    );
}
